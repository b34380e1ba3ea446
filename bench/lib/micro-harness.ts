/**
 * Timing loop for bench/micro: warm up until the JIT has settled, size a batch to last about
 * `sampleMs`, then time `samples` batches and report the median time per operation with its
 * spread. The operation checks its own result and throws on a wrong one, so the work it times
 * cannot be optimised away (msgpack benchmark/decode-string.ts does the same).
 */
import { performance } from 'node:perf_hooks'

/** Timing options. */
export interface MicroOptions {
  /** Warm-up before measuring, ms. Defaults to 500. */
  readonly warmupMs?: number
  /** Number of timed batches. Defaults to 25. */
  readonly samples?: number
  /** Target duration of one batch, ms. Defaults to 100. */
  readonly sampleMs?: number
  /** Async only: operations kept in flight. Defaults to 1. */
  readonly depth?: number
}

/** What one micro benchmark measured. */
export interface MicroResult {
  readonly name: string
  readonly samples: number
  readonly opsPerSample: number
  /** ns per operation: median and the fastest and slowest batch. */
  readonly nsPerOp: { readonly median: number, readonly min: number, readonly max: number }
  /** Process CPU per operation over the timed batches, ns (all threads). */
  readonly cpuNsPerOp: number
}

function summarize(name: string, perOp: number[], ops: number, cpuNs: number): MicroResult {
  perOp.sort((a, b) => a - b)
  const mid = perOp.length >> 1
  const median = perOp.length % 2 === 1 ? perOp[mid]! : (perOp[mid - 1]! + perOp[mid]!) / 2
  return {
    name,
    samples: perOp.length,
    opsPerSample: ops,
    nsPerOp: { median, min: perOp[0]!, max: perOp.at(-1)! },
    cpuNsPerOp: cpuNs / (ops * perOp.length),
  }
}

/** Time a synchronous operation. */
export function benchSync(name: string, op: () => void, opts: MicroOptions = {}): MicroResult {
  const { warmupMs = 500, samples = 25, sampleMs = 100 } = opts
  let batch = 1
  const warmEnd = performance.now() + warmupMs
  while (performance.now() < warmEnd) {
    const t0 = performance.now()
    for (let i = 0; i < batch; i++) op()
    const dt = performance.now() - t0
    if (dt < sampleMs / 4) batch *= 2
  }
  const perOp: number[] = []
  const cpu0 = process.cpuUsage()
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now()
    for (let i = 0; i < batch; i++) op()
    perOp.push(((performance.now() - t0) * 1e6) / batch)
  }
  const cpu = process.cpuUsage(cpu0)
  return summarize(name, perOp, batch, (cpu.user + cpu.system) * 1000)
}

/** Time an asynchronous operation with `depth` of them in flight. */
export async function benchAsync(name: string, op: () => Promise<void>, opts: MicroOptions = {}): Promise<MicroResult> {
  const { warmupMs = 500, samples = 25, sampleMs = 100, depth = 1 } = opts
  const runFor = async (ms: number): Promise<number> => {
    const end = performance.now() + ms
    let ops = 0
    const lane = async (): Promise<void> => {
      while (performance.now() < end) {
        await op()
        ops++
      }
    }
    const lanes: Promise<void>[] = []
    for (let i = 0; i < depth; i++) lanes.push(lane())
    await Promise.all(lanes)
    return ops
  }
  await runFor(warmupMs)
  const perOp: number[] = []
  let total = 0
  const cpu0 = process.cpuUsage()
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now()
    const ops = await runFor(sampleMs)
    perOp.push(((performance.now() - t0) * 1e6) / ops)
    total += ops
  }
  const cpu = process.cpuUsage(cpu0)
  return summarize(name, perOp, Math.round(total / samples), (cpu.user + cpu.system) * 1000)
}

/** One line per result: median ns/op, ops/s, spread, CPU, samples. */
export function microText(r: MicroResult): string {
  const { median, min, max } = r.nsPerOp
  const fmt = (ns: number): string => (ns >= 10_000 ? `${(ns / 1000).toFixed(1)} us` : `${ns.toFixed(0)} ns`)
  return `${r.name.padEnd(44)} ${fmt(median).padStart(10)}/op ${(1e9 / median).toFixed(0).padStart(10)} ops/s` +
    `  (batches ${fmt(min)} .. ${fmt(max)}, CPU ${fmt(r.cpuNsPerOp)}/op, ${r.samples} x ${r.opsPerSample} ops)`
}
