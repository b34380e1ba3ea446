// Seeded, time-bounded fuzzing of the FOP reply decoders (STYLE.md §7): random valid encodings of
// each glusterfs4-xdr.x reply struct are mutated (bit flips, byte sets, truncation, inflated length
// fields, insertions, deletions) and decoded. Every input must return or throw XdrError, and
// nothing returned may be bigger than the input could describe. Seed, budget and replay:
// test/helpers/fuzz.ts (the budget is shared out between the targets).

import { describe, expect, it } from 'vitest'
import { XdrError } from '../../src/xdr/errors.ts'
import { XdrReader } from '../../src/xdr/reader.ts'
import { Dict, readGfxDict } from '../../src/rpc/programs/fops/dict.ts'
import { Iatt, readGfxIattx } from '../../src/rpc/programs/fops/iatt.ts'
import {
  readGfxCommon2iattRsp, readGfxCommon3iattRsp, readGfxCommonDictRsp, readGfxCommonIattRsp, readGfxCommonRsp,
  readGfxCreateRsp, readGfxGetactivelkRsp, readGfxLeaseRsp, readGfxLkRsp, readGfxOpenRsp, readGfxRchecksumRsp,
  readGfxReaddirpRsp, readGfxReaddirRsp, readGfxReadlinkRsp, readGfxReadRsp, readGfxRenameRsp, readGfxSeekRsp, readGfxWriteRsp,
  readGfxStatfsRsp,
} from '../../src/rpc/programs/fops/replies.ts'
import { XdrBytes, xdr } from '../helpers/xdr-bytes.ts'
import { FUZZ_BUDGET_MS, FUZZ_SEED, type Rng, fuzz } from '../helpers/fuzz.ts'

const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789._-é'

/** 1 to 12 characters, multi-byte UTF-8 included. */
function randomName(g: Rng): string {
  return g.string(NAME_CHARS, 1, 12)
}

function hashName(name: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193)
  return h >>> 0
}

// ------------------------------------------------------------------------------------------------
// Random valid encodings, built with the independent XdrBytes helper.

function iatt(g: Rng, b: XdrBytes): XdrBytes {
  b.fixed(g.bytes(16)).u64(g.u32()).u64(BigInt(g.u32()) << 32n | BigInt(g.u32())).u64(g.u32()).u64(g.u32())
  b.u64(g.int(2 ** 53)).u64(g.int(2 ** 40)).u64(g.u32()).u64(g.u32())
  for (let i = 0; i < 4; i++) b.i64(g.int(2 ** 41) - 2 ** 40)
  for (let i = 0; i < 9; i++) b.u32(g.u32())
  return b
}

function dict(g: Rng, b: XdrBytes): XdrBytes {
  if (g.chance(0.3)) return b.u32(0).i32(-1).u32(0)
  const n = g.int(5)
  const body = xdr()
  for (let i = 0; i < n; i++) {
    body.opaque(Buffer.from(`${randomName(g)}\0`))
    const type = 1 + g.int(9)
    body.i32(type)
    switch (type) {
      case 2: body.i64(BigInt.asIntN(64, BigInt(g.u32()) << 32n | BigInt(g.u32()))); break
      case 3: body.u64(BigInt(g.u32()) << 32n | BigInt(g.u32())); break
      case 4: body.f64(g.next() * 1e9); break
      case 5: body.opaque(Buffer.from(`${randomName(g)}\0`)); break
      case 7: body.fixed(g.bytes(16)); break
      case 8: iatt(g, body); break
      case 9: body.i64(g.u32()).i64(g.u32()).i64(g.u32()).u32(g.u32()).u32(g.u32()).u32(g.u32()); break
      default: body.opaque(g.bytes(g.int(40)))
    }
  }
  const pairs = body.bytes()
  return b.u32(pairs.length).i32(n).u32(n).raw(pairs)
}

function head(g: Rng): XdrBytes {
  return dict(g, xdr().i32(g.chance(0.3) ? -1 : g.int(100)).i32(g.int(134)))
}

function flock(g: Rng, b: XdrBytes): XdrBytes {
  return b.u32(g.int(3)).u32(g.int(3)).u64(g.int(2 ** 53)).u64(g.int(2 ** 53)).u32(g.u32()).opaque(g.bytes(g.int(12)))
}

function dirent(g: Rng, b: XdrBytes): XdrBytes {
  const name = randomName(g)
  return b.u64(BigInt(g.u32()) << 32n | BigInt(g.u32())).u64(BigInt(g.u32()) << 31n).u32(Buffer.byteLength(name))
    .u32(g.pick([4, 8, 10])).string(name)
}

interface Target {
  readonly name: string
  readonly build: (g: Rng) => Buffer
  readonly decode: (r: XdrReader) => unknown
}

const iatts = (g: Rng, b: XdrBytes, n: number): XdrBytes => {
  for (let i = 0; i < n; i++) iatt(g, b)
  return b
}

const targets: Target[] = [
  { name: 'gfx_dict', build: (g) => dict(g, xdr()).bytes(), decode: readGfxDict },
  { name: 'gfx_iattx', build: (g) => iatt(g, xdr()).bytes(), decode: readGfxIattx },
  { name: 'gfx_common_rsp', build: (g) => head(g).bytes(), decode: readGfxCommonRsp },
  { name: 'gfx_common_iatt_rsp', build: (g) => iatts(g, head(g), 1).bytes(), decode: readGfxCommonIattRsp },
  { name: 'gfx_common_2iatt_rsp', build: (g) => iatts(g, head(g), 2).bytes(), decode: readGfxCommon2iattRsp },
  { name: 'gfx_common_2iatt_rsp (WRITE)', build: (g) => iatts(g, head(g), 2).bytes(), decode: readGfxWriteRsp },
  { name: 'gfx_common_3iatt_rsp', build: (g) => iatts(g, head(g), 3).bytes(), decode: readGfxCommon3iattRsp },
  { name: 'gfx_common_dict_rsp', build: (g) => iatts(g, dict(g, head(g)), 2).bytes(), decode: readGfxCommonDictRsp },
  { name: 'gfx_open_rsp', build: (g) => head(g).i64(g.int(1000) - 2).bytes(), decode: readGfxOpenRsp },
  {
    name: 'gfx_create_rsp',
    build: (g) => iatts(g, iatt(g, head(g)).u64(g.int(1000)), 2).bytes(),
    decode: readGfxCreateRsp,
  },
  {
    name: 'gfx_read_rsp',
    build: (g) => {
      const n = g.int(64)
      return dict(g, iatt(g, xdr().i32(n).i32(g.int(3))).u32(n)).raw(g.bytes(n)).bytes()
    },
    decode: readGfxReadRsp,
  },
  {
    name: 'gfx_statfs_rsp',
    build: (g) => {
      const b = head(g)
      for (let i = 0; i < 11; i++) b.u64(BigInt(g.u32()) << 32n | BigInt(g.u32()))
      return b.bytes()
    },
    decode: readGfxStatfsRsp,
  },
  { name: 'gfx_readlink_rsp', build: (g) => iatt(g, head(g)).string(randomName(g)).bytes(), decode: readGfxReadlinkRsp },
  { name: 'gfx_rename_rsp', build: (g) => iatts(g, head(g), 5).bytes(), decode: readGfxRenameRsp },
  { name: 'gfx_seek_rsp', build: (g) => head(g).u64(g.int(2 ** 53)).bytes(), decode: readGfxSeekRsp },
  { name: 'gfx_lk_rsp', build: (g) => flock(g, head(g)).bytes(), decode: readGfxLkRsp },
  {
    name: 'gfx_lease_rsp',
    build: (g) => head(g).u32(g.int(4)).u32(g.int(3)).fixed(g.bytes(16)).u32(g.u32()).bytes(),
    decode: readGfxLeaseRsp,
  },
  {
    name: 'gfx_readdir_rsp',
    build: (g) => {
      const b = head(g)
      for (let n = g.int(6); n > 0; n--) dirent(g, b.u32(1))
      return b.u32(0).bytes()
    },
    decode: readGfxReaddirRsp,
  },
  {
    name: 'gfx_readdirp_rsp',
    build: (g) => {
      const b = head(g)
      for (let n = g.int(5); n > 0; n--) dict(g, iatt(g, dirent(g, b.u32(1))))
      return b.u32(0).bytes()
    },
    decode: readGfxReaddirpRsp,
  },
  {
    name: 'gfx_rchecksum_rsp',
    build: (g) => head(g).u32(g.u32()).u32(g.u32()).opaque(g.bytes(g.pick([0, 16, 32]))).bytes(),
    decode: readGfxRchecksumRsp,
  },
  {
    name: 'gfx_getactivelk_rsp',
    build: (g) => {
      const b = head(g)
      for (let n = g.int(4); n > 0; n--) flock(g, b.u32(1)).string(randomName(g)).u32(g.u32())
      return b.u32(0).bytes()
    },
    decode: readGfxGetactivelkRsp,
  },
]

// ------------------------------------------------------------------------------------------------
// Mutations

const INFLATED = [0xffffffff, 0x7fffffff, 0x80000000, 0x10000, 0x1000001, 4096, 65537] as const

function mutate(g: Rng, input: Buffer): Buffer {
  let b = Buffer.from(input)
  for (let n = 1 + g.int(4); n > 0; n--) {
    const at = b.length === 0 ? 0 : g.int(b.length)
    switch (g.int(7)) {
      case 0: // bit flip
        if (b.length > 0) b[at] = b[at]! ^ (1 << g.int(8))
        break
      case 1: // byte set
        if (b.length > 0) b[at] = g.pick([0x00, 0xff, 0x7f, 0x80, 0x01, g.int(256)])
        break
      case 2: // truncation
        b = b.subarray(0, g.int(b.length + 1))
        break
      case 3: { // inflate what may be a length or count field, or nudge it by a little
        const word = at & ~3
        if (word + 4 <= b.length) {
          const v = g.chance(0.5) ? g.pick(INFLATED) : (b.readUInt32BE(word) + g.int(9) - 4) >>> 0
          b.writeUInt32BE(v, word)
        }
        break
      }
      case 4: // insertion
        b = Buffer.concat([b.subarray(0, at), g.bytes(1 + g.int(g.chance(0.5) ? 8 : 160)), b.subarray(at)])
        break
      case 5: // deletion
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + g.int(16)))])
        break
      default: // duplicate a chunk (repeats list nodes and dict pairs)
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + 1 + g.int(200)), b.subarray(at)])
    }
  }
  return b
}

// ------------------------------------------------------------------------------------------------
// Size bounds: nothing decoded may exceed what `inputBytes` could encode.

function checkBounds(value: unknown, inputBytes: number, path: string, depth = 0): string | undefined {
  if (depth > 8) return `${path}: nested deeper than any reply struct`
  if (typeof value === 'string') {
    return value.length > inputBytes ? `${path}: string of ${value.length} chars from ${inputBytes} bytes` : undefined
  }
  if (Buffer.isBuffer(value)) {
    return value.length > inputBytes ? `${path}: ${value.length} bytes from ${inputBytes}` : undefined
  }
  if (Array.isArray(value)) {
    // The smallest list node (gfx_dirlist) is 4 + 28 bytes.
    if (value.length * 32 > inputBytes) return `${path}: ${value.length} entries from ${inputBytes} bytes`
    for (let i = 0; i < value.length; i++) {
      const bad = checkBounds(value[i], inputBytes, `${path}[${i}]`, depth + 1)
      if (bad !== undefined) return bad
    }
    return undefined
  }
  if (value instanceof Dict) {
    if (value.size * 12 > inputBytes) return `${path}: ${value.size} dict pairs from ${inputBytes} bytes`
    for (const [key, v] of value) {
      const bad = checkBounds(key, inputBytes, `${path} key`, depth + 1) ?? checkBounds(v.value, inputBytes, `${path}.${key}`, depth + 1)
      if (bad !== undefined) return bad
    }
    return undefined
  }
  if (value instanceof Iatt) {
    return value.gfid.length === 16 ? undefined : `${path}.gfid: ${value.gfid.length} bytes`
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      const bad = checkBounds(v, inputBytes, `${path}.${key}`, depth + 1)
      if (bad !== undefined) return bad
    }
  }
  return undefined
}

function preview(b: Buffer): string {
  return b.length <= 512 ? b.toString('hex') : `${b.subarray(0, 512).toString('hex')}… (${b.length} bytes)`
}

describe(`FOP reply decoders under mutation (FUZZ_SEED=${FUZZ_SEED})`, () => {
  const budgetMs = FUZZ_BUDGET_MS / targets.length

  for (const target of targets) {
    it(`${target.name} returns or throws XdrError, bounded by its input`, () => {
      let rejected = 0
      // Each target its own sequence, whichever targets run and in what order.
      fuzz(budgetMs, (g, run) => {
        const valid = target.build(g)
        // Every valid encoding decodes cleanly before it is mutated.
        if (run % 16 === 0) checkInput(target, valid, false)
        const input = g.chance(0.05) ? g.bytes(g.int(600)) : mutate(g, valid)
        if (checkInput(target, input, true)) rejected++
      }, { seed: (FUZZ_SEED ^ hashName(target.name)) >>> 0, minIterations: 50 })
      // The mutations must reach the error paths, or the loop tests nothing.
      expect(rejected).toBeGreaterThan(0)
    })
  }

  function checkInput(target: Target, input: Buffer, mayFail: boolean): boolean {
    const where = `${target.name}, input ${preview(input)}`
    let result: unknown
    try {
      result = target.decode(new XdrReader(input))
    } catch (err) {
      if (err instanceof XdrError && mayFail) return true
      throw new Error(`${where}: threw ${String(err)}`, { cause: err })
    }
    const bad = checkBounds(result, input.length, target.name)
    if (bad !== undefined) throw new Error(`${where}: ${bad}`)
    return false
  }
})
