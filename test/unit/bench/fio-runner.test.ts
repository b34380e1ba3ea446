import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { baselineArgs, fioArgs, fioClockWentWrong, fioPath, parseBashTimes, parseChildFaults, parseFioOutput, withProcessCpu, type FioRun } from '../../../bench/lib/fio-runner.ts'
import { extractJson } from '../../../bench/lib/json-text.ts'
import { parseArgs } from '../../../bench/lib/options.ts'
import { parseSandboxOutput } from '../../../bench/lib/target.ts'

function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
}

const target = { transport: 'tcp', host: 'vm', port: 24007, volume: 'gfts-single' } as const

describe('fio output parsing', () => {
  it('reads a local psync randrw run', () => {
    const { jobs, preamble } = parseFioOutput(fixture('fio-psync-randrw.json'))
    expect(preamble).toEqual([])
    expect(jobs).toHaveLength(1)
    const j = jobs[0]!
    expect(j.name).toBe('local-randrw')
    expect(j.error).toBe(0)
    expect(j.read.ioBytes + j.write.ioBytes).toBe(4 << 20)
    expect(j.read.totalIos + j.write.totalIos).toBe(1024)
    expect(j.read.clat.p50).toBeGreaterThan(0)
    expect(j.read.clat.p99).toBeGreaterThanOrEqual(j.read.clat.p50)
    expect(j.read.clat.p999).toBeGreaterThanOrEqual(j.read.clat.p99)
  })

  it('reads a gfapi run and derives CPU per op from usr_cpu + sys_cpu over job_runtime', () => {
    const text = fixture('fio-gfapi-randread.json')
    const { jobs } = parseFioOutput(text)
    const j = jobs[0]!
    const raw = (JSON.parse(text) as { jobs: Record<string, number & Record<string, number>>[] }).jobs[0]!
    expect(j.name).toBe('rr')
    expect(j.read.totalIos).toBe(raw.read!.total_ios)
    expect(j.read.iops).toBe(raw.read!.iops)
    expect(j.write.totalIos).toBe(0)
    expect(j.write.clat.p50).toBe(0)
    const expected = ((raw.usr_cpu! + raw.sys_cpu!) / 100) * raw.job_runtime! * 1000 / raw.read!.total_ios!
    expect(j.cpuUsPerOp).toBeCloseTo(expected, 9)
  })

  it("skips gfapi_async's warning line before the JSON", () => {
    const text = fixture('fio-gfapi-async-randwrite.txt')
    expect(text.startsWith('the async interface is still very experimental...')).toBe(true)
    const { jobs, preamble } = parseFioOutput(text)
    expect(preamble).toEqual(['the async interface is still very experimental...'])
    expect(jobs[0]!.name).toBe('aw')
    expect(jobs[0]!.write.totalIos).toBeGreaterThan(0)
    expect(jobs[0]!.read.totalIos).toBe(0)
  })

  it('fails clearly on output without a document or without jobs', () => {
    expect(() => parseFioOutput('fio: engine gfapi not loadable\n')).toThrow(/no JSON document/)
    expect(() => parseFioOutput('{"fio version":"fio-3.33"}')).toThrow(/no "jobs" array/)
    expect(() => parseFioOutput('{"jobs":[{"jobname":"x"}]}')).toThrow(/fio JSON: read is not an object/)
  })

  it('finds a JSON document after log lines, even ones that start with a brace', () => {
    expect(extractJson('{not json\nlog line\n{"a":1}\n')).toEqual({ value: { a: 1 }, preamble: ['{not json', 'log line'] })
  })

  it('reads the sandbox script output', () => {
    const t = parseSandboxOutput('{"host":"vm","port":24007,"volumes":{"single":{"name":"gfts-single"}}}\n')
    expect(t).toEqual({ transport: 'tcp', host: 'vm', port: 24007, volume: 'gfts-single' })
    expect(parseSandboxOutput('{"host":"vm","port":24007,"volumes":{"single":{"name":"gfts-single"},"tls":{"name":"gfts-tls"}}}').tlsVolume).toBe('gfts-tls')
    expect(parseSandboxOutput('{"host":"vm","port":24007,"volumes":{"single":{"name":"gfts-single"},"rep3":{"name":"gfts-rep3"}}}').replicaVolume).toBe('gfts-rep3')
    expect(() => parseSandboxOutput('{"host":"vm"}')).toThrow(/volumes\.single\.name/)
  })
})

describe('fio command line', () => {
  it('passes the same job to fio with the engine chosen by iodepth, on fio-only file names', () => {
    const [qd1, qd32] = parseArgs(['--size=256m', '--runtime=2.5s', '--time_based', '--ramp_time=500ms',
      '--name=sw', '--rw=write', '--bs=128k', '--fsync=4', '--end_fsync', '--direct',
      '--name=rr', '--rw=randrw', '--rwmixread=70', '--iodepth=32', '--numjobs=2', '--offset=1m', '--stonewall', '--unlink'], () => '').jobs
    expect(fioArgs([{ spec: qd1!, target, path: undefined }, { spec: qd32!, target, path: '/d/shared' }])).toEqual([
      '--thread', '--output-format=json',
      '--name=sw', '--ioengine=gfapi', '--volume=gfts-single', '--brick=vm', '--rw=write', '--bs=131072',
      '--size=268435456', '--iodepth=1', '--numjobs=1', '--filename_format=$jobname.$jobnum.$filenum.libgfapi',
      '--runtime=2500000us', '--time_based', '--ramp_time=500000us', '--fsync=4', '--end_fsync=1', '--direct=1',
      '--name=rr', '--ioengine=gfapi_async', '--volume=gfts-single', '--brick=vm', '--rw=randrw', '--bs=4096',
      '--size=268435456', '--iodepth=32', '--numjobs=2', '--filename=d/shared.libgfapi', '--offset=1048576',
      '--rwmixread=70', '--runtime=2500000us', '--time_based', '--ramp_time=500000us', '--stonewall', '--unlink=1',
    ])
  })

  it("names fio's files apart from ours", () => {
    const spec = parseArgs(['--name=j', '--size=1m'], () => '').jobs[0]!
    expect(fioPath(spec, 3, undefined)).toBe('/j.3.0.libgfapi')
    expect(fioPath(spec, 0, '/a/b')).toBe('/a/b.libgfapi')
    expect(baselineArgs(target, 'gfapi_async', 2)).toContain('--numjobs=2')
  })

  it("reads the children's CPU from bash's times", () => {
    expect(parseBashTimes('0m0.000s 0m0.002s\n0m0.589s 0m0.838s\n')).toBeCloseTo(1427, 6)
    expect(parseBashTimes('1m2.500s 0m0.500s\n2m0.000s 0m1.000s\n')).toBeCloseTo(121_000, 6)
    expect(parseBashTimes('')).toBeUndefined()
  })

  it('replaces thread CPU by whole-process CPU less the baseline, shared over all operations', () => {
    const { jobs, doc } = parseFioOutput(fixture('fio-gfapi-randread.json'))
    const run: FioRun = {
      doc, jobs, threadCpuUsPerOp: jobs.map((j) => j.cpuUsPerOp), baselineCpuMs: 0, preamble: [], wallMs: 0, processCpuMs: 1000, args: [],
    }
    const ops = jobs[0]!.read.totalIos
    const adjusted = withProcessCpu(run, 100)
    expect(adjusted.baselineCpuMs).toBe(100)
    expect(adjusted.jobs[0]!.cpuUsPerOp).toBeCloseTo((900 * 1000) / ops, 9)
    // A 1 s ramp before fio's measured runtime: only runtime / (runtime + ramp) of the I/O CPU counts.
    const runtimeMs = jobs[0]!.runtimeMs
    expect(withProcessCpu(run, 100, 1000).jobs[0]!.cpuUsPerOp).toBeCloseTo((900 * 1000 * runtimeMs / (runtimeMs + 1000)) / ops, 9)
    const unmeasured = { ...run, processCpuMs: undefined }
    expect(withProcessCpu(unmeasured, 100)).toBe(unmeasured)
    // Page faults: fio's own JSON has none; the process's, less the baseline's, per operation.
    expect(jobs[0]!.pageFaultsPerOp).toBeNull()
    expect(adjusted.jobs[0]!.pageFaultsPerOp).toBeNull()
    expect(withProcessCpu({ ...run, processFaults: 5000 }, 100, 0, 1000).jobs[0]!.pageFaultsPerOp).toBeCloseTo(4000 / ops, 9)
  })

  it('tells a run whose job ran longer than fio itself (a garbage completion time) from a sound one', () => {
    const text = fixture('fio-gfapi-randread.json')
    const { jobs } = parseFioOutput(text)
    const wallMs = jobs[0]!.runtimeMs + 12_000
    expect(fioClockWentWrong({ jobs, wallMs })).toBe(false)
    // What gfapi_async once printed for a 10 s job: job_runtime 8800725402675 ms and 0 MiB/s.
    const broken = JSON.parse(text) as { jobs: Record<string, unknown>[] }
    broken.jobs[0]!.job_runtime = 8800725402675
    ;(broken.jobs[0]!.read as Record<string, number>).runtime = 8800725402676
    const parsed = parseFioOutput(JSON.stringify(broken)).jobs
    expect(fioClockWentWrong({ jobs: parsed, wallMs })).toBe(true)
  })

  it('reads the page faults of the waited-for children from bash\'s /proc stat line', () => {
    // From the state field: ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt ...
    const text = '0m0.001s 0m0.002s\n0m1.000s 0m0.500s\nstat S 10 20 20 0 -1 4194560 300 12345 1 6 0 0\n'
    expect(parseChildFaults(text)).toBe(12351)
    expect(parseChildFaults('0m0.001s 0m0.002s\n')).toBeUndefined()
  })
})
