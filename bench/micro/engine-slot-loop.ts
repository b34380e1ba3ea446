/**
 * The bench's own per-operation cost: JobRunner's slot loop (claim an offset, time the call,
 * record the latency) against a file whose pread/pwrite resolve at once. Whatever this costs is
 * inside every figure `bench` reports for gfapi-ts, so it must stay far below a real round trip.
 * Run: npx tsx bench/micro/engine-slot-loop.ts
 */
import type { Glfs } from '../../src/api/index.ts'
import { JobRunner } from '../lib/engine.ts'
import { benchAsync, microText } from '../lib/micro-harness.ts'
import { resolveJob } from '../lib/options.ts'

const OPS = 20_000

// Stands in for Glfs and GlfsFd: every call succeeds at once with the full length.
const fd = {
  pread: (buf: Buffer): Promise<number> => Promise.resolve(buf.length),
  pwrite: (buf: Buffer): Promise<number> => Promise.resolve(buf.length),
  fsync: (): Promise<void> => Promise.resolve(),
  close: (): Promise<void> => Promise.resolve(),
}
const glfs = {
  stat: () => Promise.resolve({ size: Number.MAX_SAFE_INTEGER }),
  open: () => Promise.resolve(fd),
  creat: () => Promise.resolve(fd),
} as unknown as Glfs
const target = { transport: 'tcp', host: 'none', port: 24007, volume: 'none' } as const

for (const [rw, iodepth] of [['randread', 1], ['randwrite', 32], ['randrw', 16]] as const) {
  const spec = resolveJob([
    { key: 'name', value: 'loop', where: 'micro' }, { key: 'rw', value: rw, where: 'micro' },
    { key: 'bs', value: '4k', where: 'micro' }, { key: 'size', value: String(OPS * 4096), where: 'micro' },
    { key: 'iodepth', value: String(iodepth), where: 'micro' },
  ])
  const r = await benchAsync(`slot loop ${rw} QD${iodepth}, ${OPS} ops per job`, async () => {
    const job = new JobRunner(spec, 0, 0, target, '/loop')
    await job.prepare(glfs)
    await job.run()
    // Every operation must have been counted, or the loop skipped work.
    if (job.ops !== OPS) throw new Error(`job did ${job.ops} ops`)
  }, { samples: 10, sampleMs: 200 })
  console.log(`${microText(r)}\n${''.padEnd(44)} = ${(r.nsPerOp.median / OPS).toFixed(0)} ns per I/O`)
}
