import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_RECORD_BYTES, RecordDecoder, recordMark } from '../../../src/rpc/record.ts'
import { RpcError } from '../../../src/rpc/errors.ts'
import { xdr } from '../../helpers/xdr-bytes.ts'

const LAST = 0x80000000

/** One fragment: header (last bit, length) then the bytes. */
function fragment(bytes: Buffer, last: boolean): Buffer {
  return xdr().u32((last ? LAST : 0) + bytes.length).raw(bytes).bytes()
}

/** A record split into fragments of the given sizes (0 allowed); the sizes must add up. */
function fragmented(record: Buffer, sizes: number[]): Buffer {
  const parts: Buffer[] = []
  let at = 0
  sizes.forEach((n, i) => {
    parts.push(fragment(record.subarray(at, at + n), i === sizes.length - 1))
    at += n
  })
  if (at !== record.length) throw new Error('fragment sizes do not cover the record')
  return Buffer.concat(parts)
}

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = (seed * 37 + i * 11) & 0xff
  return b
}

// Records and the stream that carries them, covering single fragments, multi-fragment records,
// zero-length records and zero-length fragments in first, middle and last position.
const RECORDS = [
  pattern(12, 1),
  pattern(23, 2),
  Buffer.alloc(0),
  pattern(9, 3),
  pattern(5, 4),
  pattern(7, 5),
  pattern(1, 6),
]
function buildStream(records: Buffer[]): Buffer {
  return Buffer.concat([
    fragment(records[0]!, true),
    fragmented(records[1]!, [10, 3, 10]),
    fragment(records[2]!, true),
    fragmented(records[3]!, [0, 9]),
    fragmented(records[4]!, [2, 0, 3]),
    fragmented(records[5]!, [7, 0]),
    fragmented(records[6]!, [0, 0, 1]),
  ])
}
const STREAM = buildStream(RECORDS)

function collect(max?: number): { decoder: RecordDecoder; records: Buffer[] } {
  const records: Buffer[] = []
  const decoder = new RecordDecoder((r) => records.push(Buffer.from(r)), max)
  return { decoder, records }
}

function feed(chunks: Buffer[], max?: number): Buffer[] {
  const { decoder, records } = collect(max)
  for (const c of chunks) decoder.push(c)
  expect(decoder.midRecord).toBe(false)
  return records
}

function rpcErrorOf(fn: () => unknown): RpcError {
  try {
    fn()
  } catch (err) {
    if (err instanceof RpcError) return err
    throw err
  }
  throw new Error('expected an RpcError, but the call returned')
}

/** Sizes requested from Buffer's allocators (Buffer.concat included) while `fn` runs. */
function allocations(fn: () => void): number[] {
  const sizes: number[] = []
  const originals = { alloc: Buffer.alloc, allocUnsafe: Buffer.allocUnsafe, allocUnsafeSlow: Buffer.allocUnsafeSlow, concat: Buffer.concat }
  const B = Buffer as unknown as Record<keyof typeof originals, (...args: unknown[]) => Buffer>
  for (const name of ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const) {
    const original = originals[name] as (...args: unknown[]) => Buffer
    B[name] = (...args: unknown[]) => {
      sizes.push(Number(args[0]))
      return original.apply(Buffer, args)
    }
  }
  B.concat = (...args: unknown[]) => {
    const list = args[0] as readonly Uint8Array[]
    sizes.push(typeof args[1] === 'number' ? args[1] : list.reduce((n, x) => n + x.length, 0))
    return (originals.concat as (...a: unknown[]) => Buffer).apply(Buffer, args)
  }
  try {
    fn()
  } finally {
    Object.assign(Buffer, originals)
  }
  return sizes
}

describe('recordMark', () => {
  it('sets the last-fragment bit and the length', () => {
    expect(recordMark(0)).toBe(0x80000000)
    expect(recordMark(184)).toBe(0x800000b8)
    expect(recordMark(0x7fffffff)).toBe(0xffffffff)
  })
})

describe('RecordDecoder', () => {
  it('decodes the whole stream in one chunk', () => {
    expect(feed([STREAM])).toEqual(RECORDS)
  })

  it('decodes the stream split at every single point', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      expect(feed([STREAM.subarray(0, i), STREAM.subarray(i)]), `split at ${i}`).toEqual(RECORDS)
    }
  })

  it('decodes the stream split at every pair of points', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      for (let j = i; j <= STREAM.length; j++) {
        const got = feed([STREAM.subarray(0, i), STREAM.subarray(i, j), STREAM.subarray(j)])
        if (got.length !== RECORDS.length || got.some((r, k) => !r.equals(RECORDS[k]!))) {
          expect(got, `split at ${i} and ${j}`).toEqual(RECORDS)
        }
      }
    }
  })

  it('decodes the stream fed byte by byte', () => {
    const chunks = [...STREAM].map((b) => Buffer.of(b))
    expect(feed(chunks)).toEqual(RECORDS)
  })

  it('ignores empty chunks', () => {
    const chunks: Buffer[] = []
    for (const b of STREAM) chunks.push(Buffer.alloc(0), Buffer.of(b))
    expect(feed(chunks)).toEqual(RECORDS)
  })

  it('hands up a record that arrives whole in one chunk as a view of that chunk', () => {
    const chunk = Buffer.concat([fragment(pattern(8, 9), true), fragment(pattern(4, 10), true)])
    const views: Buffer[] = []
    new RecordDecoder((r) => views.push(r)).push(chunk)
    expect(views).toHaveLength(2)
    expect(views[0]!.buffer).toBe(chunk.buffer)
    expect(views[0]!.byteOffset).toBe(chunk.byteOffset + 4)
    expect(views[1]!.byteOffset).toBe(chunk.byteOffset + 16)
  })

  it('never writes into a record after handing it up', () => {
    const views: Buffer[] = []
    const decoder = new RecordDecoder((r) => views.push(r))
    // byte by byte: every record is assembled from parts
    for (const b of STREAM) decoder.push(Buffer.of(b))
    const inverted = RECORDS.map((r) => Buffer.from(r.map((b) => b ^ 0xff)))
    for (const b of buildStream(inverted)) decoder.push(Buffer.of(b))
    expect(views.slice(0, RECORDS.length)).toEqual(RECORDS)
    expect(views.slice(RECORDS.length)).toEqual(inverted)
  })

  it('reports midRecord while a header or fragment is partly received', () => {
    const { decoder } = collect()
    const one = fragment(pattern(6, 1), true)
    expect(decoder.midRecord).toBe(false)
    decoder.push(one.subarray(0, 2))
    expect(decoder.midRecord).toBe(true)
    decoder.push(one.subarray(2, 6))
    expect(decoder.midRecord).toBe(true)
    decoder.push(one.subarray(6))
    expect(decoder.midRecord).toBe(false)
    // first fragment of two complete, second not yet started
    decoder.push(fragment(pattern(4, 2), false))
    expect(decoder.midRecord).toBe(true)
  })

  it('emits records in order when many arrive in one chunk', () => {
    const records = Array.from({ length: 50 }, (_, i) => pattern(i, i))
    const stream = Buffer.concat(records.map((r) => fragment(r, true)))
    expect(feed([stream])).toEqual(records)
  })
})

/**
 * Feeds chunks the way a socket `onread` buffer does: each through one reused buffer that is
 * scribbled over after `push` returns. Records are kept as handed up (no copy), so any view into
 * the reused buffer shows up as corruption.
 */
function feedTransient(chunks: Buffer[]): Buffer[] {
  const records: Buffer[] = []
  const decoder = new RecordDecoder((r) => records.push(r), undefined, true)
  const reused = Buffer.alloc(Math.max(1, ...chunks.map((c) => c.length)))
  for (const c of chunks) {
    c.copy(reused)
    decoder.push(reused, c.length)
    reused.fill(0xee)
  }
  expect(decoder.midRecord).toBe(false)
  return records
}

describe('RecordDecoder over a reused receive buffer', () => {
  it('decodes the stream split at every single point, records intact after the buffer is reused', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      expect(feedTransient([STREAM.subarray(0, i), STREAM.subarray(i)]), `split at ${i}`).toEqual(RECORDS)
    }
  })

  it('decodes the stream split at every pair of points', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      for (let j = i; j <= STREAM.length; j++) {
        const got = feedTransient([STREAM.subarray(0, i), STREAM.subarray(i, j), STREAM.subarray(j)])
        if (got.length !== RECORDS.length || got.some((r, k) => !r.equals(RECORDS[k]!))) {
          expect(got, `split at ${i} and ${j}`).toEqual(RECORDS)
        }
      }
    }
  })

  it('decodes the stream fed byte by byte', () => {
    expect(feedTransient([...STREAM].map((b) => Buffer.of(b)))).toEqual(RECORDS)
  })

  it('copies a spanning single-fragment record straight into place once traffic covers its size', () => {
    const record = pattern(3000, 9)
    const one = fragmented(record, [3000])
    const stream = Buffer.concat([one, one])
    const records: Buffer[] = []
    const decoder = new RecordDecoder((r) => records.push(r), undefined, true)
    decoder.push(Buffer.from(stream.subarray(0, one.length)))
    const sizes = allocations(() => {
      decoder.push(Buffer.from(stream.subarray(one.length, one.length + 1000)))
      decoder.push(Buffer.from(stream.subarray(one.length + 1000)))
    })
    expect(records).toHaveLength(2)
    expect(records.every((r) => r.equals(record))).toBe(true)
    // The second record landed in the slab with no gathering copies along the way.
    expect(sizes.filter((n) => n > 0 && n < 3000)).toEqual([])
  })
})

describe('RecordDecoder placing a record tail into a caller buffer', () => {
  // Records whose first byte is 0x5e ask for their tail after byte 40 to go to the sink.
  const HEAD = 40
  const big = (seed: number, n: number): Buffer => {
    const b = pattern(n, seed)
    b[0] = 0x5e
    return b
  }
  const records = [pattern(30, 1), big(2, 1000), pattern(500, 3), big(4, 600)]
  const stream = Buffer.concat(records.map((r) => fragmented(r, [r.length])))

  function run(chunks: Buffer[]): { got: Array<[Buffer, number]>; sinks: Buffer[] } {
    const sinks: Buffer[] = []
    const finder = {
      buffer: undefined as Uint8Array | undefined,
      find(chunk: Buffer, at: number, recordLength: number): number {
        if (chunk[at] !== 0x5e) {
          finder.buffer = undefined
          return -1
        }
        const sink = Buffer.alloc(recordLength - HEAD)
        sinks.push(sink)
        finder.buffer = sink
        return HEAD
      },
    }
    const got: Array<[Buffer, number]> = []
    const decoder = new RecordDecoder((r, placed) => got.push([r, placed]), undefined, true, finder)
    const reused = Buffer.alloc(stream.length)
    for (const c of chunks) {
      c.copy(reused)
      decoder.push(reused, c.length)
      reused.fill(0xee)
    }
    expect(decoder.midRecord).toBe(false)
    return { got, sinks }
  }

  function check({ got, sinks }: { got: Array<[Buffer, number]>; sinks: Buffer[] }, where: string): void {
    expect(got.map(([r]) => r.length), where).toEqual([30, HEAD, 500, HEAD])
    expect(got.map(([, placed]) => placed), where).toEqual([0, 1000 - HEAD, 0, 600 - HEAD])
    expect(got[0]![0].equals(records[0]!), where).toBe(true)
    expect(got[2]![0].equals(records[2]!), where).toBe(true)
    expect(Buffer.concat([got[1]![0], sinks[0]!]).equals(records[1]!), where).toBe(true)
    expect(Buffer.concat([got[3]![0], sinks[1]!]).equals(records[3]!), where).toBe(true)
  }

  it('splits head and tail correctly at every split point of the stream', () => {
    for (let i = 0; i <= stream.length; i++) check(run([stream.subarray(0, i), stream.subarray(i)]), `split at ${i}`)
  })

  it('splits head and tail correctly when fed byte by byte', () => {
    check(run([...stream].map((b) => Buffer.of(b))), 'byte by byte')
  })

  it('keeps a record whole when no read sink is found or the sink is too small', () => {
    const finder = { buffer: Buffer.alloc(10) as Uint8Array | undefined, find: (): number => HEAD }
    const got: Array<[Buffer, number]> = []
    const decoder = new RecordDecoder((r, placed) => got.push([r, placed]), undefined, true, finder)
    decoder.push(Buffer.from(fragmented(records[1]!, [1000])))
    expect(got).toHaveLength(1)
    expect(got[0]![1]).toBe(0)
    expect(got[0]![0].equals(records[1]!)).toBe(true)
  })
})

describe('RecordDecoder size limit', () => {
  it('defaults to 80 MiB', () => {
    expect(DEFAULT_MAX_RECORD_BYTES).toBe(80 * 1024 * 1024)
    expect(new RecordDecoder(() => {}).maxRecordBytes).toBe(DEFAULT_MAX_RECORD_BYTES)
  })

  it('accepts a record of exactly the maximum', () => {
    expect(feed([fragment(pattern(64, 1), true)], 64)).toEqual([pattern(64, 1)])
    expect(feed([fragmented(pattern(64, 2), [32, 32])], 64)).toEqual([pattern(64, 2)])
  })

  it('rejects a single fragment above the maximum with ERR_RPC_RECORD_TOO_LARGE', () => {
    const { decoder, records } = collect(64)
    const err = rpcErrorOf(() => decoder.push(fragment(pattern(65, 1), true)))
    expect(err.code).toBe('ERR_RPC_RECORD_TOO_LARGE')
    expect(records).toHaveLength(0)
  })

  it('rejects fragments that together exceed the maximum', () => {
    const { decoder, records } = collect(64)
    const stream = fragmented(pattern(80, 1), [40, 40])
    const err = rpcErrorOf(() => decoder.push(stream))
    expect(err.code).toBe('ERR_RPC_RECORD_TOO_LARGE')
    expect(records).toHaveLength(0)
  })

  it('rejects an oversized fragment header at every split of the header', () => {
    const hostile = xdr().u32(0x7fffffff).bytes()
    for (const last of [false, true]) {
      const header = last ? xdr().u32(0xffffffff).bytes() : hostile
      for (let i = 0; i <= 4; i++) {
        const { decoder } = collect()
        const err = rpcErrorOf(() => {
          decoder.push(header.subarray(0, i))
          decoder.push(header.subarray(i))
        })
        expect(err.code, `split at ${i}`).toBe('ERR_RPC_RECORD_TOO_LARGE')
      }
    }
  })

  it('rejects a hostile length from the header alone, before allocating for it', () => {
    const { decoder } = collect()
    // a first fragment of 100 bytes, then a non-last fragment announcing 2 GiB − 256
    const stream = xdr().u32(100).raw(pattern(100, 1)).u32(0x7fffff00).raw(pattern(16, 2)).bytes()
    const sizes = allocations(() => {
      const err = rpcErrorOf(() => decoder.push(stream))
      expect(err.code).toBe('ERR_RPC_RECORD_TOO_LARGE')
    })
    expect(Math.max(0, ...sizes)).toBeLessThanOrEqual(stream.length)
  })

  it('assembles a record with one allocation no larger than the bytes received', () => {
    const { decoder, records } = collect()
    const stream = fragmented(pattern(100, 3), [40, 60])
    const sizes = allocations(() => {
      for (const b of stream) decoder.push(Buffer.of(b))
    })
    expect(records).toEqual([pattern(100, 3)])
    expect(records[0]!.length).toBe(100)
    expect(sizes.filter((n) => n >= 100)).toHaveLength(1)
    expect(Math.max(...sizes)).toBeLessThanOrEqual(stream.length)
  })

  it('assembles later spanning records into the same slab without new allocations', () => {
    const { decoder, records } = collect()
    const one = fragmented(pattern(1000, 5), [400, 600])
    const stream = Buffer.concat([one, one, one, one])
    for (const b of stream.subarray(0, 2 * one.length)) decoder.push(Buffer.of(b))
    const sizes = allocations(() => {
      for (const b of stream.subarray(2 * one.length, 3 * one.length)) decoder.push(Buffer.of(b))
    })
    expect(records).toHaveLength(3)
    expect(records.every((r) => r.equals(pattern(1000, 5)))).toBe(true)
    expect(sizes.filter((n) => n >= 1000)).toHaveLength(0)
  })

  it('does not allocate by a declared length that is within the maximum but not yet received', () => {
    const { decoder, records } = collect()
    const sizes = allocations(() => {
      decoder.push(xdr().u32(LAST + 50 * 1024 * 1024).raw(pattern(10, 1)).bytes())
      decoder.push(pattern(10, 2))
    })
    expect(records).toHaveLength(0)
    expect(decoder.midRecord).toBe(true)
    expect(Math.max(0, ...sizes)).toBeLessThanOrEqual(24)
  })
})
