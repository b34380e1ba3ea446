import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { main } from '../../bench/cli.ts'

const sb = inject('sandbox')

interface Direction { io_bytes: number, total_ios: number, clat_ns: { N: number } }
interface FioJob {
  jobname: string, groupid: number, error: number, total_err: number, verified_blocks: number, filename: string
  sync: { total_ios: number }
  read: Direction, write: Direction, cpu_us_per_op: number
}
interface Doc {
  'fio version': string
  jobs: FioJob[]
  libgfapi?: { jobs: FioJob[] }
  libgfapi_process_cpu_ms?: number
  comparison?: { job: string, rows: { metric: string, ours: number, libgfapi: number, ratio: number }[] }[]
}

const volumeUrl = `gluster://${sb.host}:${sb.port}/${sb.volumes.single.name}`

/**
 * Run `bench` in-process with JSON output on the single volume, on a fresh file (or, with
 * `perJobFiles`, fio's default per-clone names under a fresh job name), removed afterwards.
 */
async function bench(args: string[], perJobFiles = false): Promise<{ code: number, doc: Doc }> {
  let text = ''
  const unique = `bench-it-${randomBytes(4).toString('hex')}`
  const where = perJobFiles ? [`--name=${unique}`, volumeUrl] : [`${volumeUrl}/${unique}`]
  const code = await main([...args, '--output-format=json', '--unlink', ...where], { write: (t: string) => { text += t } })
  return { code, doc: JSON.parse(text) as Doc }
}

describe('bench against the sandbox volume', () => {
  for (const rw of ['read', 'write', 'randread', 'randwrite', 'randrw'] as const) {
    it(`runs rw=${rw} through gfapi-ts and reports what it did without errors`, async () => {
      const { code, doc } = await bench([`--name=${rw}`, `--rw=${rw}`, '--bs=4k', '--size=8m', '--iodepth=4',
        '--runtime=1s', '--time_based'])
      expect(code).toBe(0)
      expect(doc['fio version']).toMatch(/^gfapi-ts-bench-/)
      expect(doc.jobs).toHaveLength(1)
      const job = doc.jobs[0]!
      expect(job.jobname).toBe(rw)
      expect(job.error).toBe(0)
      expect(job.total_err).toBe(0)
      const reads = rw === 'read' || rw === 'randread' || rw === 'randrw'
      const writes = rw === 'write' || rw === 'randwrite' || rw === 'randrw'
      expect(job.read.io_bytes > 0).toBe(reads)
      expect(job.write.io_bytes > 0).toBe(writes)
      expect(job.read.clat_ns.N + job.write.clat_ns.N).toBe(job.read.total_ios + job.write.total_ios)
      expect(job.cpu_us_per_op).toBeGreaterThan(0)
    })
  }

  it('writes checksummed blocks with verify=crc32c, reads every one back and finds them intact', async () => {
    const { code, doc } = await bench(['--name=verify', '--rw=randwrite', '--bs=16k', '--size=4m', '--iodepth=8', '--verify=crc32c'])
    expect(code).toBe(0)
    const job = doc.jobs[0]!
    expect(job.error).toBe(0)
    expect(job.write.io_bytes).toBe(4 << 20)
    expect(job.verified_blocks).toBe(256)
    expect(job.read.io_bytes).toBe(4 << 20)
  })

  it('runs numjobs clones on their own files and fsyncs as asked', async () => {
    const { code, doc } = await bench(['--rw=write', '--bs=64k', '--size=2m', '--numjobs=2', '--fsync=4', '--end_fsync'], true)
    expect(code).toBe(0)
    expect(doc.jobs.map((j) => [j.error, j.write.io_bytes])).toEqual([[0, 2 << 20], [0, 2 << 20]])
    expect(doc.jobs.map((j) => j.filename.replace(/^.*\//, '').replace(/^bench-it-[0-9a-f]+/, 'J'))).toEqual(['J.0.0', 'J.1.0'])
    // 32 writes each: an fsync after every 4th, then end_fsync finds nothing new but still runs.
    expect(doc.jobs.map((j) => j.sync.total_ios)).toEqual([9, 9])
  })

  it('runs an fio gfapi job file unchanged, its stonewalled jobs in turn', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-it-'))
    const unique = `bench-it-${randomBytes(4).toString('hex')}`
    const file = join(dir, 'gfapi.fio')
    writeFileSync(file, [
      '; as written for fio --ioengine=gfapi', '[global]', 'ioengine=gfapi', `volume=${sb.volumes.single.name}`,
      `brick=${sb.host}`, 'thread', 'bs=64k', 'size=2m', 'unlink=1', '',
      `[${unique}-w]`, 'rw=write', `filename=${unique}`, '', `[${unique}-r]`, 'stonewall', 'rw=read', `filename=${unique}`, '',
    ].join('\n'))
    try {
      let text = ''
      const code = await main([file, '--output-format=json'], { write: (t: string) => { text += t } })
      expect(code).toBe(0)
      const doc = JSON.parse(text) as Doc
      expect(doc.jobs.map((j) => [j.jobname, j.error, j.write.io_bytes, j.read.io_bytes]))
        .toEqual([[`${unique}-w`, 0, 2 << 20, 0], [`${unique}-r`, 0, 0, 2 << 20]])
      expect(doc.jobs.map((j) => j.groupid)).toEqual([0, 1])
    } finally {
      rmSync(dir, { recursive: true })
    }
  })

  it('counts a failed write as an error, reports its errno and exits 1', async () => {
    // ext4 bricks refuse offsets past 16 TiB with EFBIG; write-behind may report it at close.
    const { code, doc } = await bench(['--name=efbig', '--rw=write', '--bs=4k', '--size=4k', '--offset=17t'])
    expect(code).toBe(1)
    expect(doc.jobs[0]!.error).toBe(27)
    expect(doc.jobs[0]!.total_err).toBe(1)
  })

  it('runs the same job with fio gfapi beside ours and reads its numbers', async () => {
    const { code, doc } = await bench(['--name=cmp', '--rw=randread', '--bs=4k', '--size=8m', '--runtime=1s',
      '--time_based', '--compare=fio'])
    expect(code).toBe(0)
    const theirs = doc.libgfapi!.jobs[0]!
    expect(theirs.jobname).toBe('cmp')
    expect(theirs.error).toBe(0)
    expect(theirs.read.io_bytes).toBeGreaterThan(0)
    expect(doc.libgfapi_process_cpu_ms).toBeGreaterThan(0)
    const rows = doc.comparison![0]!.rows
    expect(rows.map((r) => r.metric)).toEqual(['read MiB/s', 'read IOPS', 'read clat p50 (us)', 'read clat p99 (us)', 'CPU per op (us)'])
    for (const r of rows) {
      expect(r.libgfapi, r.metric).toBeGreaterThan(0)
      expect(r.ratio, r.metric).toBeCloseTo(r.ours / r.libgfapi, 9)
    }
  }, 120_000)
})
