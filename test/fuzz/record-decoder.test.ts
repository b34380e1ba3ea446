// Seeded, time-bounded fuzzing of RecordDecoder (STYLE.md §7). Valid streams of random records,
// cut into random fragments (zero-length ones included) and random chunks, must decode to exactly
// the records sent; mutated streams may only throw RpcError, and the decoder may never allocate
// more than the bytes fed to it justify, whatever the length fields claim. Seed, budget and
// replay: test/helpers/fuzz.ts.

import { describe, expect, it } from 'vitest'
import { PLACEMENT_PEEK_BYTES, RecordDecoder } from '../../src/rpc/record.ts'
import { RpcError } from '../../src/rpc/errors.ts'
import { xdr } from '../helpers/xdr-bytes.ts'
import { FUZZ_BUDGET_MS, type Rng, fuzz } from '../helpers/fuzz.ts'

const LAST = 0x80000000

function randomRecord(g: Rng): Buffer {
  const size = g.pick([0, 1, 3, 4, 7, 8, 12, 28, 64, 100, 255, 256, 1000, 4096])
  return g.bytes(g.chance(0.5) ? size : g.int(size + 1))
}

/** The record as 1..4 fragments of random sizes, zero-length fragments included anywhere. */
function randomFragments(g: Rng, record: Buffer): Buffer {
  const cuts = new Set<number>()
  for (let n = g.int(4); n > 0; n--) cuts.add(g.int(record.length + 1))
  const points = [0, ...[...cuts].sort((a, b) => a - b), record.length]
  const b = xdr()
  for (let i = 0; i + 1 < points.length; i++) {
    const part = record.subarray(points[i]!, points[i + 1]!)
    b.u32((i + 2 === points.length ? LAST : 0) + part.length).raw(part)
  }
  return b.bytes()
}

/** The stream cut at random places; sometimes byte by byte for a stretch. */
function randomChunks(g: Rng, stream: Buffer): Buffer[] {
  const chunks: Buffer[] = []
  let at = 0
  while (at < stream.length) {
    const n = g.chance(0.2) ? 1 : g.chance(0.1) ? 0 : 1 + g.int(g.pick([4, 16, 300, 5000]))
    chunks.push(stream.subarray(at, at + n))
    at += n
  }
  return chunks
}

function mutate(g: Rng, stream: Buffer): Buffer {
  const b = Buffer.from(stream)
  for (let n = 1 + g.int(3); n > 0; n--) {
    if (b.length < 4) break
    const at = g.int(b.length)
    switch (g.int(4)) {
      case 0:
        b[at]! ^= 1 << g.int(8)
        break
      case 1:
        b[at] = g.int(256)
        break
      case 2: // a hostile fragment length where a header may be
        b.writeUInt32BE(g.pick([0xffffffff, 0x7fffffff, 0x80000000 + g.int(2 ** 31), g.int(2 ** 31)]) >>> 0, Math.min(at, b.length - 4))
        break
      default: // clear the last-fragment bit of a byte that may be a header's top byte
        b[at]! &= 0x7f
    }
  }
  return g.chance(0.3) ? b.subarray(0, g.int(b.length + 1)) : b
}

type AllocName = 'alloc' | 'allocUnsafe' | 'allocUnsafeSlow'

/**
 * Runs `fn` with Buffer's allocators wrapped, returning the largest size requested while
 * `fn` ran (Buffer.concat allocates through Buffer.allocUnsafe; it is wrapped too in case not).
 */
function largestAllocation(fn: () => void): number {
  let largest = 0
  const originals = {
    alloc: Buffer.alloc, allocUnsafe: Buffer.allocUnsafe, allocUnsafeSlow: Buffer.allocUnsafeSlow, concat: Buffer.concat,
  }
  const B = Buffer as unknown as Record<AllocName | 'concat', (...args: unknown[]) => Buffer>
  for (const name of ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const) {
    const original = originals[name] as (...args: unknown[]) => Buffer
    B[name] = (...args: unknown[]) => {
      largest = Math.max(largest, Number(args[0]))
      return original.apply(Buffer, args)
    }
  }
  B.concat = (...args: unknown[]) => {
    const list = args[0] as readonly Uint8Array[]
    const total = typeof args[1] === 'number' ? args[1] : list.reduce((n, x) => n + x.length, 0)
    largest = Math.max(largest, total)
    return (originals.concat as (...a: unknown[]) => Buffer).apply(Buffer, args)
  }
  try {
    fn()
  } finally {
    Object.assign(Buffer, originals)
  }
  return largest
}

describe('RecordDecoder fuzz', () => {
  it('decodes random valid streams, cut anywhere, to exactly the records sent', () => {
    const iterations = fuzz(FUZZ_BUDGET_MS / 2, (g) => {
      const records = Array.from({ length: 1 + g.int(6) }, () => randomRecord(g))
      const stream = Buffer.concat(records.map((r) => randomFragments(g, r)))
      const got: Buffer[] = []
      // Half the runs feed through one reused buffer, scribbled over after each push, as a
      // socket onread buffer is: records must survive it. Those runs also place the tails of
      // records whose first byte is odd into sinks; head + sink must give the record back.
      const transient = g.chance(0.5)
      const headLength = g.int(PLACEMENT_PEEK_BYTES + 1)
      const finder = {
        buffer: undefined as Buffer | undefined,
        find(chunk: Buffer, at: number, recordLength: number): number {
          finder.buffer = (chunk[at]! & 1) === 1 && recordLength > headLength ? Buffer.alloc(recordLength - headLength) : undefined
          return finder.buffer === undefined ? -1 : headLength
        },
      }
      const onRecord = (r: Buffer, placed: number): void => {
        if (placed === 0) got.push(r)
        else {
          if (finder.buffer === undefined || placed !== finder.buffer.length) throw new Error(`placed ${placed} bytes into no matching sink`)
          got.push(Buffer.concat([r, finder.buffer]))
        }
      }
      // Records offered in place are taken there at random: a copy made now, before the chunk is reused.
      const inPlace = (chunk: Buffer, start: number, end: number, placed: number): boolean => {
        if (!g.chance(0.5)) return false
        onRecord(Buffer.from(chunk.subarray(start, end)), placed)
        return true
      }
      const decoder = new RecordDecoder(onRecord, 4096, transient, finder, inPlace)
      const reused = Buffer.alloc(stream.length + 1)
      for (const c of randomChunks(g, stream)) {
        if (!transient) {
          decoder.push(c)
          continue
        }
        c.copy(reused)
        decoder.push(reused, c.length)
        reused.fill(0xee)
      }
      if (decoder.midRecord) throw new Error('decoder still mid-record after a complete stream')
      if (got.length !== records.length) throw new Error(`decoded ${got.length} records, sent ${records.length}`)
      got.forEach((r, i) => {
        if (!r.equals(records[i]!)) throw new Error(`record ${i} differs`)
      })
    })
    expect(iterations).toBeGreaterThan(0)
  }, FUZZ_BUDGET_MS + 30_000)

  it('throws only RpcError on mutated streams and never allocates beyond the bytes fed', () => {
    const iterations = fuzz(FUZZ_BUDGET_MS / 2, (g) => {
      const max = g.pick([16, 512, 4096, 80 * 1024 * 1024])
      const records = Array.from({ length: 1 + g.int(4) }, () => randomRecord(g))
      const stream = g.chance(0.1) ? g.bytes(g.int(64)) : mutate(g, Buffer.concat(records.map((r) => randomFragments(g, r))))
      const chunks = randomChunks(g, stream)
      let fed = 0
      let emitted = 0
      const decoder = new RecordDecoder((r) => {
        emitted += r.length + 4
        if (r.length > max) throw new Error(`record of ${r.length} bytes above the ${max}-byte limit`)
        if (emitted > fed) throw new Error(`records total more than the ${fed} bytes fed`)
      }, max, g.chance(0.5))
      for (const c of chunks) {
        fed += c.length
        let largest = 0
        try {
          largest = largestAllocation(() => decoder.push(c))
        } catch (err) {
          if (err instanceof RpcError) {
            expect(err.code).toBe('ERR_RPC_RECORD_TOO_LARGE')
            return
          }
          throw err
        }
        if (largest > fed) throw new Error(`allocated ${largest} bytes after ${fed} bytes fed`)
      }
    })
    expect(iterations).toBeGreaterThan(0)
  }, FUZZ_BUDGET_MS + 30_000)
})
