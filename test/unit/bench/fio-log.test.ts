/**
 * Our log files as fio's tools read them: fio2gnuplot (fio's package) parses them and reports
 * the values we logged; and the format matches a log fio itself wrote.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { JobLogs } from '../../../bench/lib/fio-log.ts'
import { parseArgs } from '../../../bench/lib/options.ts'

const dir = mkdtempSync(join(tmpdir(), 'gfts-fio-log-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function logsFor(args: string[]): JobLogs {
  return JobLogs.for(parseArgs(['--name=j', '--size=1m', ...args], () => '').jobs[0]!, 1)!
}

/** fio2gnuplot's summary (.global) of the logs matching `pattern` in `cwd`. */
function fio2gnuplot(cwd: string, pattern: string): Record<string, number> {
  const out = join(cwd, 'out')
  mkdirSync(out)
  const r = spawnSync('fio2gnuplot', ['-p', pattern, '-d', out, '-t', 't'], { cwd, encoding: 'utf8' })
  expect(r.status).toBe(0)
  const text = readFileSync(join(out, `${pattern.replace('*.log', '')}.global`), 'utf8')
  return Object.fromEntries(text.trim().split('\n').map((l) => l.split('=')).map(([k, v]) => [k!, Number(v)]))
}

describe('fio log files', () => {
  it('writes one entry per I/O in fio\'s columns and file names, lat = clat, slat empty', () => {
    const spec = parseArgs(['--name=j', '--size=1m', '--write_lat_log=' + join(dir, 'a'), '--write_bw_log=' + join(dir, 'a'), '--write_iops_log=' + join(dir, 'a')], () => '').jobs[0]!
    const logs = JobLogs.for(spec, 3)!
    logs.add(0.4, 250_000, 0, 4096, 8192)
    logs.add(1.7, 500_000, 1, 4096, 0)
    const files = logs.write(2)
    expect(files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(['a_bw.3.log', 'a_clat.3.log', 'a_iops.3.log', 'a_lat.3.log', 'a_slat.3.log'])
    expect(readFileSync(join(dir, 'a_lat.3.log'), 'utf8')).toBe('0, 250000, 0, 4096, 0\n1, 500000, 1, 4096, 0\n')
    expect(readFileSync(join(dir, 'a_clat.3.log'), 'utf8')).toBe(readFileSync(join(dir, 'a_lat.3.log'), 'utf8'))
    // 4 KiB in 250 us: 16000 KiB/s.
    expect(readFileSync(join(dir, 'a_bw.3.log'), 'utf8')).toBe('0, 16000, 0, 4096, 0\n1, 8000, 1, 4096, 0\n')
    expect(readFileSync(join(dir, 'a_iops.3.log'), 'utf8')).toBe('0, 1, 0, 4096, 0\n1, 1, 1, 4096, 0\n')
    expect(readFileSync(join(dir, 'a_slat.3.log'), 'utf8')).toBe('')
  })

  it('averages over log_avg_msec windows like fio, and fio2gnuplot reads the result', () => {
    const cwd = mkdtempSync(join(dir, 'avg-'))
    const logs = logsFor([`--write_bw_log=${join(cwd, 'b')}`, `--write_lat_log=${join(cwd, 'b')}`, '--log_avg_msec=100'])
    // 10 windows of 100 ms, 50 reads of 4 KiB each: 2000 KiB/s; latency 100 us.
    for (let t = 0; t < 1000; t += 2) logs.add(t, 100_000, 0, 4096, t * 4096)
    logs.write(1000)
    const bw = readFileSync(join(cwd, 'b_bw.1.log'), 'utf8').trim().split('\n')
    expect(bw).toHaveLength(10)
    expect(bw[0]).toBe('100, 2000, 0, 0, 0')
    expect(readFileSync(join(cwd, 'b_lat.1.log'), 'utf8').split('\n')[0]).toBe('100, 100000, 0, 0, 0')
    const g = fio2gnuplot(cwd, 'b_bw*.log')
    expect(g.avg).toBe(2000)
    expect(g.values_count).toBe(10)
  })

  it('has the shape of a log fio wrote for the same options', () => {
    const cwd = mkdtempSync(join(dir, 'fio-'))
    const r = spawnSync('fio', ['--name=x', '--ioengine=null', '--rw=randread', '--bs=4k', '--size=1m', '--write_lat_log=f', '--output-format=terse'], { cwd, encoding: 'utf8' })
    expect(r.status).toBe(0)
    const fioLine = readFileSync(join(cwd, 'f_clat.1.log'), 'utf8').split('\n')[0]!
    const logs = logsFor([`--write_lat_log=${join(cwd, 'o')}`])
    logs.add(0, 1234, 0, 4096, 0)
    logs.write(1)
    const ours = readFileSync(join(cwd, 'o_clat.1.log'), 'utf8').split('\n')[0]!
    const shape = (l: string): string => l.replace(/\d+/g, 'N')
    expect(shape(ours)).toBe(shape(fioLine))
  })
})
