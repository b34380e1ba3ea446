import { describe, expect, it } from 'vitest'
import { Histogram } from '../../../bench/lib/histogram.ts'
import { resolveJob } from '../../../bench/lib/options.ts'
import { compareJobs, compareText, fioDocument, fioJobJson, jobText, summarizeFioJob, type JobResult } from '../../../bench/lib/report.ts'

function histogram(values: readonly number[]): Histogram {
  const h = new Histogram()
  for (const v of values) h.record(v)
  return h
}

function result(over: Partial<JobResult> = {}): JobResult {
  const spec = resolveJob([
    { key: 'name', value: 'mix', where: 't' }, { key: 'rw', value: 'randrw', where: 't' },
    { key: 'size', value: '1m', where: 't' }, { key: 'bs', value: '4k', where: 't' },
  ])
  return {
    spec,
    jobnum: 0,
    groupid: 0,
    file: 'gluster://h:24007/v/mix.0.0',
    // 2000 reads of 100 µs .. 299.9 µs and 1000 writes of 50 µs over 2 s.
    read: { ios: 2000, bytes: 2000 * 4096, clat: histogram(Array.from({ length: 2000 }, (_, i) => 100_000 + i * 100)), runtimeMs: 2000 },
    write: { ios: 1000, bytes: 1000 * 4096, clat: histogram(Array.from({ length: 1000 }, () => 50_000)), runtimeMs: 2000 },
    sync: new Histogram(),
    runtimeMs: 2000,
    errors: 0,
    error: 0,
    errorMessage: undefined,
    verified: 0,
    usrCpuMs: 300,
    sysCpuMs: 100,
    cpuUsPerOp: 133.3,
    allocBytesPerOp: 1480,
    pageFaultsPerOp: 0.25,
    ...over,
  }
}

describe('fio JSON shape', () => {
  it('has the keys and units fio-reading tools use', () => {
    const doc = fioDocument('gfapi-ts-bench-0.1.0', [fioJobJson(result())], new Date(1_700_000_000_123)) as Record<string, unknown>
    expect(Object.keys(doc)).toEqual(['fio version', 'timestamp', 'timestamp_ms', 'time', 'jobs'])
    expect(doc.timestamp).toBe(1_700_000_000)
    expect(doc.timestamp_ms).toBe(1_700_000_000_123)
    expect(doc.time).toMatch(/^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/)
    const job = (doc.jobs as Record<string, unknown>[])[0]!
    for (const key of ['jobname', 'groupid', 'error', 'job options', 'read', 'write', 'trim', 'sync', 'job_runtime', 'usr_cpu', 'sys_cpu']) {
      expect(job, key).toHaveProperty([key])
    }
    expect(job.jobname).toBe('mix')
    expect(job.error).toBe(0)
    expect(job.usr_cpu).toBeCloseTo(15, 10) // 300 ms of 2000 ms, in percent
    expect(job.sys_cpu).toBeCloseTo(5, 10)
    const read = job.read as Record<string, unknown>
    expect(read).toMatchObject({
      io_bytes: 8_192_000, io_kbytes: 8000, bw_bytes: 4_096_000, bw: 4000, iops: 1000, runtime: 2000, total_ios: 2000,
    })
    const clat = read.clat_ns as Record<string, unknown>
    expect(clat).toMatchObject({ min: 100_000, max: 299_900, N: 2000 })
    expect(clat.mean).toBeCloseTo(199_950, 6)
    const pct = clat.percentile as Record<string, number>
    expect(Object.keys(pct)).toEqual(['1.000000', '5.000000', '10.000000', '20.000000', '30.000000', '40.000000',
      '50.000000', '60.000000', '70.000000', '80.000000', '90.000000', '95.000000', '99.000000', '99.500000',
      '99.900000', '99.950000', '99.990000'])
    expect(Math.abs(pct['50.000000']! - 199_900) / 199_900).toBeLessThan(0.01)
    expect(Math.abs(pct['99.000000']! - 297_900) / 297_900).toBeLessThan(0.01)
    // A direction with no I/O keeps its keys but, like fio, has no percentile table.
    const trim = job.trim as Record<string, unknown>
    expect(trim).toMatchObject({ io_bytes: 0, total_ios: 0, clat_ns: { min: 0, max: 0, mean: 0, stddev: 0, N: 0 } })
    expect(trim.clat_ns).not.toHaveProperty('percentile')
  })

  it('survives a JSON round trip and reads back through the same parser as fio output', () => {
    const json = JSON.parse(JSON.stringify(fioJobJson(result()))) as unknown
    const s = summarizeFioJob(json)
    expect(s.name).toBe('mix')
    expect(s.read.totalIos).toBe(2000)
    expect(s.write.bwBytes).toBe(2_048_000)
    expect(s.write.clat.p50).toBe(50_000)
    expect(s.cpuUsPerOp).toBe(133.3)
    expect(s.allocBytesPerOp).toBe(1480)
    expect(s.pageFaultsPerOp).toBe(0.25)
    // fio's own JSON has neither.
    const { alloc_bytes_per_op: _a, page_faults_per_op: _f, ...fio } = json as Record<string, unknown>
    expect(summarizeFioJob(fio).allocBytesPerOp).toBeNull()
    expect(summarizeFioJob(fio).pageFaultsPerOp).toBeNull()
  })

  it('reports errors: the first errno, the error count, and the message in text', () => {
    const r = result({ errors: 3, error: 84, errorMessage: 'verify: crc32c mismatch at offset 0' })
    const job = fioJobJson(r)
    expect(job.error).toBe(84)
    expect(job.total_err).toBe(3)
    expect(jobText(r)).toMatch(/err=84/)
    expect(jobText(r)).toMatch(/errors {7}: 3 \(first: verify: crc32c mismatch at offset 0\)/)
  })

  it("reads fio's unsigned rendering of a negative error as its errno", () => {
    const job = { ...fioJobJson(result()), error: 4294967291 }
    expect(summarizeFioJob(job).error).toBe(5)
  })
})

describe('comparison', () => {
  it('gives ours/libgfapi per metric for each active direction, CPU last', () => {
    const ours = summarizeFioJob(fioJobJson(result()))
    const theirs = { ...ours, read: { ...ours.read, bwBytes: ours.read.bwBytes * 2, iops: ours.read.iops * 2 }, cpuUsPerOp: 266.6 }
    const rows = compareJobs(ours, theirs)
    expect(rows.map((r) => r.metric)).toEqual([
      'read MiB/s', 'read IOPS', 'read clat p50 (us)', 'read clat p99 (us)',
      'write MiB/s', 'write IOPS', 'write clat p50 (us)', 'write clat p99 (us)', 'CPU per op (us)',
    ])
    expect(rows[0]!.ratio).toBeCloseTo(0.5, 12)
    expect(rows[1]!.ratio).toBeCloseTo(0.5, 12)
    expect(rows[2]!.ratio).toBe(1)
    expect(rows.at(-1)!.ratio).toBeCloseTo(0.5, 12)
    expect(compareText('mix.0', rows)).toMatch(/CPU per op \(us\) +133\.3 +266\.6 +0\.50$/)
  })
})

describe('group_reporting', () => {
  it('merges a group into one result when a job asks, leaving other groups alone', async () => {
    const { groupReported } = await import('../../../bench/lib/report.ts')
    const grouped = { ...result().spec, groupReporting: true }
    const a = result({ spec: grouped, jobnum: 0, runtimeMs: 2000 })
    const b = result({ spec: grouped, jobnum: 1, runtimeMs: 3000, error: 5, errors: 1, errorMessage: 'EIO' })
    const c = result({ groupid: 1 })
    const out = groupReported([a, b, c])
    expect(out).toHaveLength(2)
    expect(out[0]!.read.ios).toBe(4000)
    expect(out[0]!.read.clat.count).toBe(4000)
    expect(out[0]!.read.clat.mean).toBeCloseTo(a.read.clat.mean, 6)
    expect(out[0]!.runtimeMs).toBe(3000)
    expect([out[0]!.errors, out[0]!.error]).toEqual([1, 5])
    expect(out[1]).toBe(c)
  })
})
