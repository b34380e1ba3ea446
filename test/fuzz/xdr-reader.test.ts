// Seeded, time-bounded fuzzing of XdrReader and the small RPC decoders built on it (STYLE.md §7):
// random valid encodings (built with the independent XdrBytes helper) are mutated and decoded.
// Only XdrError (and RpcError from readReplyStatus) may escape; a decode that returns never reads
// past its window nor hands out a view outside it. Seed, budget and replay: test/helpers/fuzz.ts.

import { describe, expect, it } from 'vitest'
import { XdrReader } from '../../src/xdr/reader.ts'
import { XdrError } from '../../src/xdr/errors.ts'
import { RpcError } from '../../src/rpc/errors.ts'
import { readReplyStatus } from '../../src/rpc/message.ts'
import { decodeOldDict } from '../../src/rpc/programs/old-dict.ts'
import { readGfGetspecRsp, readGfSetvolumeRsp } from '../../src/rpc/programs/handshake.ts'
import { readGfCommonRsp, readGfDumpRsp } from '../../src/rpc/programs/dump.ts'
import { readPmapPortByBrickRsp } from '../../src/rpc/programs/portmap.ts'
import { type XdrBytes, xdr } from '../helpers/xdr-bytes.ts'
import { FUZZ_BUDGET_MS, type Rng, fuzz } from '../helpers/fuzz.ts'

const TEXT_CHARS = 'abcdefghijklmnopqrstuvwxyz-./_0123456789é日\0'

/** 0 to 13 characters, NULs and multi-byte UTF-8 included. */
function text(g: Rng): string {
  return g.string(TEXT_CHARS, 0, 13)
}

// ------------------------------------------------------------------------------------------------
// Schemas: a list of fields, each with a valid encoder and the matching reader call.

type Field =
  | { kind: 'u32' | 'i32' | 'enum' | 'bool' | 'hyper' | 'uhyper' | 'hyperNumber' | 'uhyperNumber' | 'double' }
  | { kind: 'fixed'; n: number }
  | { kind: 'opaque' | 'string'; max: number }
  | { kind: 'array'; max: number }
  | { kind: 'optional' }
  | { kind: 'skip'; n: number }

function randomField(g: Rng): Field {
  const kind = g.pick(['u32', 'i32', 'enum', 'bool', 'hyper', 'uhyper', 'hyperNumber', 'uhyperNumber', 'double', 'fixed', 'opaque', 'string', 'array', 'optional', 'skip'] as const)
  switch (kind) {
    case 'fixed':
      return { kind, n: g.int(20) }
    case 'skip':
      return { kind, n: 4 * g.int(4) }
    case 'opaque':
    case 'string':
    case 'array':
      return { kind, max: g.pick([0, 1, 4, 16, 64, 1024, 0xffffffff]) }
    default:
      return { kind }
  }
}

function encodeField(g: Rng, f: Field, b: XdrBytes): void {
  switch (f.kind) {
    case 'u32':
    case 'enum':
      b.u32(g.u32())
      return
    case 'i32':
      b.i32(g.u32() | 0)
      return
    case 'bool':
      b.bool(g.chance(0.5))
      return
    case 'hyper':
      b.i64(BigInt.asIntN(64, (BigInt(g.u32()) << 32n) | BigInt(g.u32())))
      return
    case 'uhyper':
      b.u64((BigInt(g.u32()) << 32n) | BigInt(g.u32()))
      return
    case 'hyperNumber':
      b.i64(g.int(2 ** 53) - g.int(2 ** 53))
      return
    case 'uhyperNumber':
      b.u64(g.int(2 ** 53))
      return
    case 'double':
      b.f64((g.next() - 0.5) * 1e12)
      return
    case 'fixed':
      b.fixed(g.bytes(f.n))
      return
    case 'skip':
      b.zeros(f.n)
      return
    case 'opaque':
      b.opaque(g.bytes(g.int(Math.min(f.max, 40) + 1)))
      return
    case 'string': {
      let s = text(g)
      while (Buffer.byteLength(s) > f.max) s = s.slice(0, -1)
      b.string(s)
      return
    }
    case 'array': {
      const n = g.int(Math.min(f.max, 6) + 1)
      b.u32(n)
      for (let i = 0; i < n; i++) b.u32(g.u32())
      return
    }
    case 'optional':
      if (g.chance(0.5)) b.bool(true).string(text(g))
      else b.bool(false)
  }
}

function decodeField(r: XdrReader, f: Field): unknown {
  switch (f.kind) {
    case 'u32':
      return r.uint32()
    case 'i32':
      return r.int32()
    case 'enum':
      return r.enum()
    case 'bool':
      return r.bool()
    case 'hyper':
      return r.hyper()
    case 'uhyper':
      return r.uhyper()
    case 'hyperNumber': {
      const v = r.hyperNumber()
      if (!Number.isSafeInteger(v)) throw new Error(`hyperNumber returned unsafe ${v}`)
      return v
    }
    case 'uhyperNumber': {
      const v = r.uhyperNumber()
      if (!Number.isSafeInteger(v) || v < 0) throw new Error(`uhyperNumber returned ${v}`)
      return v
    }
    case 'double':
      return r.double()
    case 'fixed':
      return r.fixedOpaque(f.n)
    case 'skip':
      r.skip(f.n)
      return undefined
    case 'opaque': {
      const v = r.opaque(f.max)
      if (v.length > f.max) throw new Error('opaque longer than its max')
      return v
    }
    case 'string':
      return r.string(f.max)
    case 'array': {
      const v = r.array(f.max, 4, (x) => x.uint32())
      if (v.length > f.max) throw new Error('array longer than its max')
      return v
    }
    case 'optional':
      return r.optional((x) => x.string())
  }
}

// ------------------------------------------------------------------------------------------------
// Mutations

function mutate(g: Rng, input: Buffer): Buffer {
  let b = Buffer.from(input)
  for (let n = 1 + g.int(3); n > 0; n--) {
    const at = b.length === 0 ? 0 : g.int(b.length)
    switch (g.int(8)) {
      case 0: // bit flip
        if (b.length > 0) b[at]! ^= 1 << g.int(8)
        break
      case 1: // random byte
        if (b.length > 0) b[at] = g.int(256)
        break
      case 2: // truncate
        b = b.subarray(0, g.int(b.length + 1))
        break
      case 3: // insert bytes
        b = Buffer.concat([b.subarray(0, at), g.bytes(1 + g.int(8)), b.subarray(at)])
        break
      case 4: // delete bytes
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + g.int(8))])
        break
      case 5: // inflate an aligned word: a length field claiming far more than is there
        if (b.length >= 4) b.writeUInt32BE(g.pick([0xffffffff, 0x7fffffff, 0x80000000, 0x04000001, b.length + 1, b.length * 2]), Math.min(at & ~3, b.length - 4))
        break
      case 6: // small aligned word
        if (b.length >= 4) b.writeUInt32BE(g.int(5), Math.min(at & ~3, b.length - 4))
        break
      default: // duplicate a slice
        b = Buffer.concat([b, b.subarray(at, at + g.int(16))])
    }
  }
  return b
}

/** Runs `decode` over `input` placed inside a larger buffer of sentinels; checks the window holds. */
function decodeInWindow(g: Rng, input: Buffer, decode: (r: XdrReader) => void): void {
  const before = g.int(8)
  const backing = Buffer.alloc(before + input.length + 16, 0xa5)
  input.copy(backing, before)
  const r = new XdrReader(backing, before, before + input.length)
  try {
    decode(r)
  } finally {
    if (r.offset < before || r.offset > before + input.length) throw new Error(`cursor ${r.offset} left the window [${before}, ${before + input.length}]`)
  }
}

function onlyTyped(fn: () => void, allowed: ReadonlyArray<abstract new (...args: never[]) => Error>): void {
  try {
    fn()
  } catch (err) {
    if (allowed.some((C) => err instanceof C)) return
    throw err
  }
}

// ------------------------------------------------------------------------------------------------
// Valid replies of the RPC decoders, to mutate

function oldDict(g: Rng): Buffer {
  const n = g.int(4)
  const b = xdr().u32(n)
  for (let i = 0; i < n; i++) {
    const k = Buffer.from(text(g))
    const v = Buffer.from(text(g) + '\0')
    b.u32(k.length).u32(v.length).raw(k).raw(Buffer.of(0)).raw(v)
  }
  return b.bytes()
}

type Decoder = [name: string, build: (g: Rng) => Buffer, decode: (r: XdrReader) => void]

const DECODERS: Decoder[] = [
  ['readReplyStatus', (g) => {
    // MSG_ACCEPTED with any accept_stat (and room for PROG_MISMATCH's versions), or MSG_DENIED
    if (g.chance(0.5)) return xdr().u32(0).u32(0).opaque(g.bytes(g.int(12))).u32(g.int(7)).u32(g.u32()).u32(g.u32()).bytes()
    return xdr().u32(1).u32(g.int(2)).u32(2).u32(2).bytes()
  }, (r) => readReplyStatus(r, { program: 'P', procedure: 'X', xid: 1 })],
  ['readGfDumpRsp', (g) => {
    const b = xdr().u64(0xcaed).i32(0).i32(0)
    for (let n = g.int(4); n > 0; n--) b.bool(true).string(text(g)).u64(g.int(2 ** 31)).u64(g.int(500))
    return b.bool(false).bytes()
  }, (r) => {
    const res = readGfDumpRsp(r)
    if (res.programs.length > 256) throw new Error('more than 256 programs')
  }],
  ['readGfCommonRsp', (g) => xdr().i32(g.int(3) - 1).i32(g.int(120)).opaque(g.bytes(g.int(8))).bytes(), (r) => readGfCommonRsp(r)],
  ['readGfGetspecRsp', (g) => xdr().i32(g.int(3000) - 1).i32(g.int(120)).string(text(g)).opaque(oldDict(g)).bytes(), (r) => readGfGetspecRsp(r)],
  ['readGfSetvolumeRsp', (g) => xdr().i32(g.int(2) - 1).i32(g.int(120)).opaque(oldDict(g)).bytes(), (r) => readGfSetvolumeRsp(r)],
  ['readPmapPortByBrickRsp', (g) => xdr().i32(0).i32(0).i32(0).i32(49152 + g.int(100)).bytes(), (r) => readPmapPortByBrickRsp(r)],
  ['decodeOldDict', oldDict, (r) => {
    const bytes = r.rest()
    const map = decodeOldDict(bytes)
    if (map.size > bytes.length / 9 + 1) throw new Error(`old dict of ${bytes.length} bytes gave ${map.size} pairs`)
  }],
]

describe('XdrReader fuzz', () => {
  it('decodes valid encodings exactly and mutated ones with XdrError only', () => {
    const iterations = fuzz(FUZZ_BUDGET_MS / 2, (g) => {
      const fields = Array.from({ length: 1 + g.int(8) }, () => randomField(g))
      const b = xdr()
      for (const f of fields) encodeField(g, f, b)
      const valid = b.bytes()
      // the valid encoding reads back completely
      decodeInWindow(g, valid, (r) => {
        for (const f of fields) decodeField(r, f)
        if (r.remaining !== 0) throw new Error(`${r.remaining} bytes left after a valid encoding`)
      })
      // mutated encodings return or throw XdrError
      for (let k = 0; k < 4; k++) {
        const bad = mutate(g, valid)
        onlyTyped(() => decodeInWindow(g, bad, (r) => {
          const start = r.offset
          for (const f of fields) {
            const v = decodeField(r, f)
            if (Buffer.isBuffer(v) && (v.byteOffset < r.buffer.byteOffset + start || v.byteOffset + v.length > r.buffer.byteOffset + r.end)) {
              throw new Error('a view reaches outside the window')
            }
          }
        }), [XdrError])
      }
    })
    expect(iterations).toBeGreaterThan(0)
  }, FUZZ_BUDGET_MS + 30_000)

  it('RPC and handshake decoders throw only XdrError or RpcError on mutated replies', () => {
    const iterations = fuzz(FUZZ_BUDGET_MS / 2, (g) => {
      const [, build, decode] = g.pick(DECODERS)
      const valid = build(g)
      decodeInWindow(g, valid, (r) => {
        try {
          decode(r)
        } catch (err) {
          if (!(err instanceof RpcError)) throw err // a valid reply may still be a refused call
        }
      })
      for (let k = 0; k < 4; k++) {
        onlyTyped(() => decodeInWindow(g, mutate(g, valid), decode), [XdrError, RpcError])
      }
      // pure noise too
      onlyTyped(() => decodeInWindow(g, g.bytes(g.int(64)), decode), [XdrError, RpcError])
    })
    expect(iterations).toBeGreaterThan(0)
  }, FUZZ_BUDGET_MS + 30_000)
})
