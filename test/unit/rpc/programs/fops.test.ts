import { describe, expect, it } from 'vitest'
import { XdrError } from '../../../../src/xdr/errors.ts'
import { XdrReader } from '../../../../src/xdr/reader.ts'
import { XdrWriter } from '../../../../src/xdr/writer.ts'
import { Dict, DictType, readGfxDict, writeGfxDict } from '../../../../src/rpc/programs/fops/dict.ts'
import { Iatt, readGfxIattx, writeGfxIattx } from '../../../../src/rpc/programs/fops/iatt.ts'
import {
  FOP_LIMITS, FOP_PROC_NAMES, FOP_PROGRAM, FopProc, GfLkCmd, GfLkType,
} from '../../../../src/rpc/programs/fops/program.ts'
import {
  readGfxCommon2iattRsp, readGfxCommon3iattRsp, readGfxCommonDictRsp, readGfxCommonIattRsp, readGfxCommonRsp,
  readGfxCreateRsp, readGfxGetactivelkRsp, readGfxLeaseRsp, readGfxLkRsp, readGfxOpenRsp, readGfxRchecksumRsp,
  readGfxReaddirRsp, readGfxReaddirpRsp, readGfxReadlinkRsp, readGfxReadRsp, readGfxRenameRsp, readGfxSeekRsp, readGfxWriteRsp,
  readGfxStatfsRsp,
} from '../../../../src/rpc/programs/fops/replies.ts'
import {
  writeGfxAccessReq, writeGfxCopyFileRangeReq, writeGfxCreateReq, writeGfxDiscardReq, writeGfxEntrylkReq,
  writeGfxFallocateReq, writeGfxFentrylkReq, writeGfxFgetxattrReq, writeGfxFinodelkReq, writeGfxFlushReq,
  writeGfxFremovexattrReq, writeGfxFsetattrReq, writeGfxFsetxattrReq, writeGfxFstatReq, writeGfxFsyncdirReq,
  writeGfxFsyncReq, writeGfxFtruncateReq, writeGfxFxattropReq, writeGfxGetactivelkReq, writeGfxGetxattrReq,
  writeGfxIcreateReq, writeGfxInodelkReq, writeGfxIpcReq, writeGfxLeaseReq, writeGfxLinkReq, writeGfxLkReq,
  writeGfxLookupReq, writeGfxMkdirReq, writeGfxMknodReq, writeGfxNamelinkReq, writeGfxOpendirReq, writeGfxOpenReq,
  writeGfxRchecksumReq, writeGfxReaddirpReq, writeGfxReaddirReq, writeGfxReadlinkReq, writeGfxReadReq,
  writeGfxReleasedirReq, writeGfxReleaseReq, writeGfxRemovexattrReq, writeGfxRenameReq, writeGfxRmdirReq,
  writeGfxSeekReq, writeGfxSetactivelkReq, writeGfxSetattrReq, writeGfxSetxattrReq, writeGfxStatfsReq,
  writeGfxStatReq, writeGfxSymlinkReq, writeGfxTruncateReq, writeGfxUnlinkReq, writeGfxWriteReq, writeGfxXattropReq,
  writeGfxZerofillReq,
} from '../../../../src/rpc/programs/fops/requests.ts'
import { type GfProtoFlock } from '../../../../src/rpc/programs/fops/structs.ts'
import { XdrBytes, xdr } from '../../../helpers/xdr-bytes.ts'

// ------------------------------------------------------------------------------------------------
// Expected-bytes helpers, built on XdrBytes only.

function gfidOf(seed: number): Buffer {
  const b = Buffer.alloc(16)
  for (let i = 0; i < 16; i++) b[i] = (seed + i * 17) & 0xff
  return b
}
const ROOT = Buffer.from('00000000000000000000000000000001', 'hex')
const NULL_GFID = Buffer.alloc(16)

interface IattSpec {
  gfid: Buffer; flags: number; ino: bigint; dev: bigint; rdev: bigint; size: number; blocks: number
  attributes: number; attributesMask: number; atime: number; mtime: number; ctime: number; btime: number
  atimeNsec: number; mtimeNsec: number; ctimeNsec: number; btimeNsec: number; nlink: number; uid: number
  gid: number; blksize: number; mode: number
}

function iattSpec(seed: number, over: Partial<IattSpec> = {}): IattSpec {
  return {
    gfid: gfidOf(seed), flags: 0x17ff, ino: 0xa80b223e217b03a5n + BigInt(seed), dev: 0x803n, rdev: BigInt(seed),
    size: 1000 + seed, blocks: 8, attributes: 0x20, attributesMask: 0x3074, atime: 1700000000 + seed,
    mtime: 1700000100, ctime: 1700000200, btime: -5, atimeNsec: 1, mtimeNsec: 2, ctimeNsec: 3, btimeNsec: 4,
    nlink: 1, uid: 1000, gid: 1001, blksize: 4096, mode: 0o100644, ...over,
  }
}
const ZERO_IATT: IattSpec = {
  gfid: NULL_GFID, flags: 0, ino: 0n, dev: 0n, rdev: 0n, size: 0, blocks: 0, attributes: 0, attributesMask: 0,
  atime: 0, mtime: 0, ctime: 0, btime: 0, atimeNsec: 0, mtimeNsec: 0, ctimeNsec: 0, btimeNsec: 0, nlink: 0,
  uid: 0, gid: 0, blksize: 0, mode: 0,
}

/** gfx_iattx in .x field order. */
function iattBytes(b: XdrBytes, s: IattSpec): XdrBytes {
  b.fixed(s.gfid).u64(s.flags).u64(s.ino).u64(s.dev).u64(s.rdev).u64(s.size).u64(s.blocks)
  b.u64(s.attributes).u64(s.attributesMask).i64(s.atime).i64(s.mtime).i64(s.ctime).i64(s.btime)
  return b.u32(s.atimeNsec).u32(s.mtimeNsec).u32(s.ctimeNsec).u32(s.btimeNsec).u32(s.nlink).u32(s.uid)
    .u32(s.gid).u32(s.blksize).u32(s.mode)
}

function expectIatt(actual: Iatt, s: IattSpec): void {
  expect(actual).toBeInstanceOf(Iatt)
  expect(Buffer.compare(actual.gfid, s.gfid)).toBe(0)
  const { gfid: _g, ...rest } = s
  const { gfid: _a, ...got } = { ...actual }
  expect(got).toEqual(rest)
}

type Arm = (b: XdrBytes) => XdrBytes
type Pair = readonly [key: string, arm: Arm]
const arm = {
  int: (v: bigint | number): Arm => (b) => b.i32(2).i64(v),
  uint: (v: bigint | number): Arm => (b) => b.i32(3).u64(v),
  double: (v: number): Arm => (b) => b.i32(4).f64(v),
  str: (v: string): Arm => (b) => b.i32(5).opaque(Buffer.from(`${v}\0`)),
  strOld: (v: Buffer): Arm => (b) => b.i32(1).opaque(v),
  ptr: (v: Buffer): Arm => (b) => b.i32(6).opaque(v),
  gfuuid: (v: Buffer): Arm => (b) => b.i32(7).fixed(v),
  iatt: (s: IattSpec): Arm => (b) => iattBytes(b.i32(8), s),
  mdata: (a: number, m: number, c: number, an: number, mn: number, cn: number): Arm =>
    (b) => b.i32(9).i64(a).i64(m).i64(c).u32(an).u32(mn).u32(cn),
}

/** gfx_dict; `null` is the NULL dict. xdr_size is the pairs' size, measured here independently. */
function dictBytes(b: XdrBytes, pairs: readonly Pair[] | null): XdrBytes {
  if (pairs === null) return b.u32(0).i32(-1).u32(0)
  const body = xdr()
  for (const [key, value] of pairs) value(body.opaque(Buffer.from(`${key}\0`)))
  const bytes = body.bytes()
  return b.u32(bytes.length).i32(pairs.length).u32(pairs.length).raw(bytes)
}

function encode(fn: (w: XdrWriter) => void): Buffer {
  const w = new XdrWriter()
  fn(w)
  return Buffer.from(w.finish())
}

/** Decodes and checks that the decoder consumed the whole input. */
function decode<T>(fn: (r: XdrReader) => T, bytes: Buffer): T {
  const r = new XdrReader(bytes)
  const out = fn(r)
  expect(r.remaining).toBe(0)
  return out
}

function expectXdrError(fn: () => unknown, code?: string): void {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(XdrError)
  if (code !== undefined) expect((caught as XdrError).code).toBe(code)
}

function expectRangeError(fn: () => unknown): void {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(RangeError)
  expect((caught as { code?: string }).code).toBe('ERR_OUT_OF_RANGE')
}

// ------------------------------------------------------------------------------------------------

describe('FOP program constants', () => {
  it('names program 1298437 version 400', () => {
    expect(FOP_PROGRAM.number).toBe(1298437)
    expect(FOP_PROGRAM.version).toBe(400)
  })

  it('uses GFS3_OP_* numbers, not GF_FOP_*', () => {
    expect(FopProc.LOOKUP).toBe(27)
    expect(FopProc.READDIRP).toBe(40)
    expect(FopProc.RELEASE).toBe(41)
    expect(FopProc.FALLOCATE).toBe(44)
    expect(FopProc.SEEK).toBe(48)
    expect(FopProc.COPY_FILE_RANGE).toBe(56)
  })

  it('maps every procedure number back to its name', () => {
    expect(FOP_PROC_NAMES).toHaveLength(57)
    for (const [name, proc] of Object.entries(FopProc)) expect(FOP_PROC_NAMES[proc]).toBe(name)
    expect(FOP_PROC_NAMES[57]).toBeUndefined()
    expect(FOP_PROGRAM.procedures[13]).toBe('WRITE')
  })
})

describe('gfx_dict', () => {
  it('encodes undefined as the NULL dict 0, -1, 0', () => {
    expect(encode((w) => writeGfxDict(w, undefined)).toString('hex')).toBe('00000000ffffffff00000000')
  })

  it('encodes an empty Dict as 12 zero bytes', () => {
    expect(encode((w) => writeGfxDict(w, new Dict()))).toEqual(Buffer.alloc(12))
  })

  it('matches the reference example {trusted.glusterfs.dht: UINT 16}', () => {
    const expected = xdr().hex(`00000028 00000001 00000001 | 00000016 ${Buffer.from('trusted.glusterfs.dht\0').toString('hex')}
      0000 | 00000003 | 00000000 00000010`).bytes()
    expect(expected).toHaveLength(52)
    expect(encode((w) => writeGfxDict(w, new Dict().setUint('trusted.glusterfs.dht', 16)))).toEqual(expected)
  })

  const iattValue = iattSpec(9)
  const gfidReq = gfidOf(0x42)
  const allTypes: Pair[] = [
    ['str-old', arm.strOld(Buffer.from('old\0'))],
    ['int', arm.int(-(2n ** 63n))],
    ['uint', arm.uint(2n ** 64n - 1n)],
    ['double', arm.double(-1.5)],
    ['glusterfs-internal-fop', arm.str('yes')],
    ['trusted.glusterfs.dht', arm.ptr(Buffer.from('0000000100000000000000007ffffffe', 'hex'))],
    ['gfid-req', arm.gfuuid(gfidReq)],
    ['virt-gf-prestat', arm.iatt(iattValue)],
    ['mdata', arm.mdata(1, 2, -3, 4, 5, 6)],
  ]
  function allTypesDict(): Dict {
    return new Dict()
      .set('str-old', { type: DictType.STR_OLD, value: Buffer.from('old\0') })
      .setInt('int', -(2n ** 63n))
      .setUint('uint', 2n ** 64n - 1n)
      .setDouble('double', -1.5)
      .setStr('glusterfs-internal-fop', 'yes')
      .setPtr('trusted.glusterfs.dht', Buffer.from('0000000100000000000000007ffffffe', 'hex'))
      .setGfuuid('gfid-req', gfidReq)
      .setIatt('virt-gf-prestat', Object.assign(new Iatt(Buffer.from(iattValue.gfid)), { ...iattValue, gfid: Buffer.from(iattValue.gfid) }))
      .setMdata('mdata', { atime: 1, mtime: 2, ctime: -3, atimeNsec: 4, mtimeNsec: 5, ctimeNsec: 6 })
  }

  it('encodes every value type in insertion order with xdr_size = pairs size', () => {
    const bytes = encode((w) => writeGfxDict(w, allTypesDict()))
    expect(bytes).toEqual(dictBytes(xdr(), allTypes).bytes())
    expect(bytes.readUInt32BE(0)).toBe(bytes.length - 12)
  })

  it('decodes every value type', () => {
    const d = decode(readGfxDict, dictBytes(xdr(), allTypes).bytes())
    expect(d).toBeInstanceOf(Dict)
    if (d === undefined) throw new Error('readGfxDict decoded no dict')
    expect(d.size).toBe(9)
    expect([...d.keys()]).toEqual(allTypes.map(([k]) => k))
    expect(d.get('str-old')).toEqual({ type: DictType.STR_OLD, value: Buffer.from('old\0') })
    expect(d.getStr('str-old')).toBe('old')
    expect(d.getInt('int')).toBe(-(2n ** 63n))
    expect(d.getInt('uint')).toBe(2n ** 64n - 1n)
    expect(d.getDouble('double')).toBe(-1.5)
    expect(d.getStr('glusterfs-internal-fop')).toBe('yes')
    expect(d.getPtr('trusted.glusterfs.dht')?.toString('hex')).toBe('0000000100000000000000007ffffffe')
    expect(d.getGfuuid('gfid-req')).toEqual(gfidReq)
    expectIatt(d.getIatt('virt-gf-prestat') ?? new Iatt(), iattValue)
    expect(d.getMdata('mdata')).toEqual({ atime: 1, mtime: 2, ctime: -3, atimeNsec: 4, mtimeNsec: 5, ctimeNsec: 6 })
    // Getters of the wrong type answer undefined rather than guessing.
    expect(d.getInt('double')).toBeUndefined()
    expect(d.getStr('int')).toBeUndefined()
    expect(d.getGfuuid('trusted.glusterfs.dht')).toBeUndefined()
    expect(d.getStr('missing')).toBeUndefined()
  })

  it('round-trips every value type through the encoder', () => {
    const bytes = encode((w) => writeGfxDict(w, allTypesDict()))
    const back = decode(readGfxDict, bytes)
    expect(encode((w) => writeGfxDict(w, back))).toEqual(bytes)
  })

  it('measures xdr_size across odd key and value lengths (padding included)', () => {
    const d = new Dict().setStr('a', 'bc').setPtr('key5', Buffer.from([1, 2, 3, 4, 5])).setStr('', '')
    const bytes = encode((w) => writeGfxDict(w, d))
    expect(bytes).toEqual(dictBytes(xdr(), [['a', arm.str('bc')], ['key5', arm.ptr(Buffer.from([1, 2, 3, 4, 5]))], ['', arm.str('')]]).bytes())
    expect(bytes.readUInt32BE(0)).toBe(bytes.length - 12)
  })

  it('measures xdr_size correctly after earlier messages in the same writer', () => {
    const w = new XdrWriter()
    w.uint32(7).finish()
    w.uint32(0xdeadbeef)
    writeGfxDict(w, new Dict().setStr('k', 'v'))
    const bytes = w.finish()
    expect(bytes.readUInt32BE(4)).toBe(bytes.length - 16)
  })

  it('encodes a sealed dict once and the same as an unsealed one, at any writer position; refuses changes to it', () => {
    const sealed = allTypesDict().seal()
    const expected = encode((w) => writeGfxDict(w, allTypesDict()))
    expect(sealed.wire).toBeUndefined()
    expect(encode((w) => writeGfxDict(w, sealed))).toEqual(expected)
    const wire = sealed.wire
    expect(wire?.length).toBe(expected.length - 12)
    const w = new XdrWriter()
    w.uint32(7).finish()
    w.uint32(0xdeadbeef).uint32(1)
    writeGfxDict(w, sealed)
    expect(w.finish().subarray(8)).toEqual(expected)
    expect(sealed.wire).toBe(wire)
    expect(() => sealed.setStr('k', 'v')).toThrow(TypeError)
    expect(() => sealed.delete('k')).toThrow(TypeError)
    expect(new Dict().setStr('k', 'v').wire).toBeUndefined()
    const open = new Dict().setStr('k', 'v')
    encode((w2) => writeGfxDict(w2, open))
    expect(open.wire).toBeUndefined()
  })

  it('deleteWhere drops exactly the keys it picks, keeps the others in order, and refuses a sealed dict', () => {
    const d = new Dict().setStr('user.a', '1').setStr('trusted.x.1', '2').setStr('user.b', '3').setStr('trusted.x.2', '4')
    expect(d.deleteWhere((k) => k.startsWith('trusted.x.'))).toBe(d)
    expect([...d.keys()]).toEqual(['user.a', 'user.b'])
    expect(d.getStr('user.b')).toBe('3')
    expect([...d.deleteWhere(() => false).keys()]).toEqual(['user.a', 'user.b'])
    expect(() => new Dict().setStr('k', 'v').seal().deleteWhere(() => true)).toThrow(TypeError)
  })

  it('decodes keys and integers the same when replies repeat them (shared key strings and small values)', () => {
    const pairs = (): Pair[] => [
      ['glusterfs.inodelk-count', arm.int(1)], ['glusterfs.open-active-fd-count', arm.uint(63)],
      ['glusterfs.write-is-append', arm.uint(64)], ['glusterfs.write-is-appenD', arm.int(-1)], ['k', arm.int(0)],
      ['x'.repeat(100), arm.uint(2n ** 40n)],
    ]
    for (let round = 0; round < 3; round++) {
      const d = decode(readGfxDict, dictBytes(xdr(), pairs()).bytes())!
      expect([...d.keys()]).toEqual(pairs().map(([k]) => k))
      expect(d.get('glusterfs.inodelk-count')).toEqual({ type: DictType.INT, value: 1n })
      expect(d.get('glusterfs.open-active-fd-count')).toEqual({ type: DictType.UINT, value: 63n })
      expect(d.get('glusterfs.write-is-append')).toEqual({ type: DictType.UINT, value: 64n })
      expect(d.get('glusterfs.write-is-appenD')).toEqual({ type: DictType.INT, value: -1n })
      expect(d.getInt('k')).toBe(0n)
      expect(d.getInt('x'.repeat(100))).toBe(2n ** 40n)
    }
  })

  it('decodes the NULL and the empty dict as undefined', () => {
    expect(decode(readGfxDict, xdr().hex('00000000 ffffffff 00000000').bytes())).toBeUndefined()
    expect(decode(readGfxDict, Buffer.alloc(12))).toBeUndefined()
  })

  it('consumes but discards pairs sent with a negative count', () => {
    const body = xdr().opaque(Buffer.from('k\0')).i32(3).u64(1).bytes()
    const bytes = xdr().u32(body.length).i32(-1).u32(1).raw(body).u32(0xabcdef01).bytes()
    const r = new XdrReader(bytes)
    expect(readGfxDict(r)).toBeUndefined()
    expect(r.uint32()).toBe(0xabcdef01)
  })

  it('accepts keys and STR values without their NUL', () => {
    const body = xdr().opaque(Buffer.from('k')).i32(5).opaque(Buffer.from('v')).bytes()
    const d = decode(readGfxDict, xdr().u32(body.length).i32(1).u32(1).raw(body).bytes())
    expect(d?.getStr('k')).toBe('v')
  })

  it('rejects an unknown value type', () => {
    const body = xdr().opaque(Buffer.from('k\0')).i32(10).u32(0).bytes()
    expectXdrError(() => readGfxDict(new XdrReader(xdr().u32(body.length).i32(1).u32(1).raw(body).bytes())), 'ERR_XDR_VALUE')
  })

  it('rejects a pair count the input cannot hold, before allocating', () => {
    expectXdrError(() => readGfxDict(new XdrReader(xdr().u32(0).i32(1).u32(1000).zeros(12 * 999).bytes())), 'ERR_XDR_SHORT')
    expectXdrError(() => readGfxDict(new XdrReader(xdr().u32(0).i32(1).u32(0xffffffff).bytes())), 'ERR_XDR_LENGTH')
  })

  it('rejects keys longer than the cap', () => {
    const key = Buffer.alloc(FOP_LIMITS.dictKeyBytes + 1, 0x61)
    const body = xdr().opaque(key).i32(2).u64(0).bytes()
    expectXdrError(() => readGfxDict(new XdrReader(xdr().u32(body.length).i32(1).u32(1).raw(body).bytes())), 'ERR_XDR_LENGTH')
  })

  it('copies PTR and GFUUID values out of the record', () => {
    const bytes = dictBytes(xdr(), [['p', arm.ptr(Buffer.from('abc'))], ['g', arm.gfuuid(gfidReq)]]).bytes()
    const d = readGfxDict(new XdrReader(bytes))
    bytes.fill(0)
    expect(d?.getPtr('p')?.toString()).toBe('abc')
    expect(d?.getGfuuid('g')).toEqual(gfidReq)
  })

  it('checks setter ranges', () => {
    const d = new Dict()
    expectRangeError(() => d.setInt('k', 2n ** 63n))
    expectRangeError(() => d.setUint('k', -1))
    expectRangeError(() => d.setGfuuid('k', Buffer.alloc(15)))
    expect(() => d.setInt('k', 1.5)).toThrow(RangeError)
    expect(d.size).toBe(0)
    d.setInt('k', -1).setStr('s', 'x')
    expect(d.size).toBe(2)
    expect(d.delete('k')).toBe(true)
    expect(d.has('k')).toBe(false)
    expect([...d]).toEqual([['s', { type: DictType.STR, value: 'x' }]])
  })
})

describe('gfx_iattx', () => {
  it('decodes all 22 fields from 148 bytes', () => {
    const s = iattSpec(3)
    const bytes = iattBytes(xdr(), s).bytes()
    expect(bytes).toHaveLength(148)
    expectIatt(decode(readGfxIattx, bytes), s)
  })

  it('encodes an Iatt to the same bytes', () => {
    const s = iattSpec(4)
    const ia = Object.assign(new Iatt(), s)
    expect(encode((w) => writeGfxIattx(w, ia))).toEqual(iattBytes(xdr(), s).bytes())
  })

  it('keeps ino and dev as exact 64-bit bigints', () => {
    const s = iattSpec(0, { ino: 2n ** 64n - 1n, dev: 2n ** 63n })
    const ia = decode(readGfxIattx, iattBytes(xdr(), s).bytes())
    expect(ia.ino).toBe(2n ** 64n - 1n)
    expect(ia.dev).toBe(2n ** 63n)
  })

  it('rejects a size beyond 2^53 with ERR_XDR_VALUE', () => {
    const bytes = iattBytes(xdr(), iattSpec(0)).bytes()
    bytes.writeBigUInt64BE(2n ** 53n, 16 + 32)
    expectXdrError(() => readGfxIattx(new XdrReader(bytes)), 'ERR_XDR_VALUE')
  })

  it('shares the gfid of an earlier Iatt naming the same file, and copies a different one', () => {
    const same = iattSpec(6)
    const other = iattSpec(7)
    const r = new XdrReader(iattBytes(iattBytes(iattBytes(xdr(), same), same), other).bytes())
    const pre = readGfxIattx(r)
    const post = readGfxIattx(r, pre.gfid)
    const third = readGfxIattx(r, pre.gfid)
    expect(post.gfid).toBe(pre.gfid)
    expect(third.gfid).not.toBe(pre.gfid)
    expect(third.gfid).toEqual(other.gfid)
    expect(pre.gfid).toEqual(same.gfid)
  })

  it('copies the gfid out of the record', () => {
    const s = iattSpec(5)
    const bytes = iattBytes(xdr(), s).bytes()
    const ia = readGfxIattx(new XdrReader(bytes))
    bytes.fill(0xee)
    expect(ia.gfid).toEqual(s.gfid)
  })

  it('starts zeroed with a fresh gfid per instance', () => {
    const a = new Iatt()
    const b = new Iatt()
    expect(a.gfid).toEqual(NULL_GFID)
    expect(a.gfid).not.toBe(b.gfid)
    expect(a.ino).toBe(0n)
  })
})

// ------------------------------------------------------------------------------------------------

describe('requests', () => {
  it('encodes the reference LOOKUP of a.txt under / byte for byte (§9)', () => {
    // The args part of the 188-byte record in gluster-wire.md §9, after the 84-byte header.
    const expected = xdr().hex(`
      00000000 00000000 00000000 00000000
      00000000 00000000 00000000 00000001
      00000000
      00000005 612e7478 74000000
      00000028 00000001 00000001
      00000016 74727573 7465642e 676c7573 74657266
      732e6468 74000000
      00000003 00000000 00000010`).bytes()
    expect(4 + 84 + expected.length).toBe(188)
    const xdata = new Dict().setUint('trusted.glusterfs.dht', 16)
    expect(encode((w) => writeGfxLookupReq(w, NULL_GFID, ROOT, 0, 'a.txt', xdata))).toEqual(expected)
  })

  it('lays WRITE out as a 52-byte fixed part with no payload', () => {
    const g = gfidOf(1)
    const bytes = encode((w) => writeGfxWriteReq(w, g, -2, 2 ** 40 + 3, 5, 0o4010000))
    expect(bytes).toEqual(xdr().fixed(g).i64(-2).u64(2 ** 40 + 3).u32(5).u32(0o4010000).u32(0).i32(-1).u32(0).bytes())
    expect(bytes).toHaveLength(52)
    expect(bytes.subarray(16, 24).toString('hex')).toBe('fffffffffffffffe')
  })

  it('gives WRITE an xdata whose xdr_size ends exactly where the payload starts', () => {
    const g = gfidOf(2)
    const bytes = encode((w) => writeGfxWriteReq(w, g, 0, 5, 7, 0, new Dict().setStr('some-key', 'xyz')))
    const xdrSize = bytes.readUInt32BE(40)
    expect(40 + 12 + xdrSize).toBe(bytes.length)
  })

  const g1 = gfidOf(0x10)
  const g2 = gfidOf(0x20)
  const flock: GfProtoFlock = { type: GfLkType.WRLCK, whence: 0, start: 100, len: 0, pid: 1234, lkOwner: Buffer.from('0102030405060708', 'hex') }
  const flockBytes = (b: XdrBytes): XdrBytes => b.u32(1).u32(0).u64(100).u64(0).u32(1234).opaque(Buffer.from('0102030405060708', 'hex'))
  const gfidReq = gfidOf(0x30)
  const xd = (): Dict => new Dict().setGfuuid('gfid-req', gfidReq)
  const xdBytes = (b: XdrBytes): XdrBytes => dictBytes(b, [['gfid-req', arm.gfuuid(gfidReq)]])
  const nul = (b: XdrBytes): XdrBytes => dictBytes(b, null)
  const stbuf = iattSpec(7)
  const stbufIatt = (): Iatt => Object.assign(new Iatt(), stbuf)
  const setDict = (): Dict => new Dict().setPtr('user.a', Buffer.from('v1'))
  const setDictBytes = (b: XdrBytes): XdrBytes => dictBytes(b, [['user.a', arm.ptr(Buffer.from('v1'))]])

  // Every request struct of glusterfs4-xdr.x the program serves, against bytes built field by field.
  const cases: ReadonlyArray<readonly [string, (w: XdrWriter) => void, (b: XdrBytes) => XdrBytes]> = [
    ['gfx_stat_req', (w) => writeGfxStatReq(w, g1), (b) => nul(b.fixed(g1))],
    ['gfx_readlink_req', (w) => writeGfxReadlinkReq(w, g1, 4096, xd()), (b) => xdBytes(b.fixed(g1).u32(4096))],
    ['gfx_mknod_req', (w) => writeGfxMknodReq(w, ROOT, 0x0801, 0o101000, 0o022, 'link', xd()),
      (b) => xdBytes(b.fixed(ROOT).u64(0x0801).u32(0o101000).u32(0o022).string('link'))],
    ['gfx_mkdir_req', (w) => writeGfxMkdirReq(w, ROOT, 0o755, 0, 'dir', xd()),
      (b) => xdBytes(b.fixed(ROOT).u32(0o755).u32(0).string('dir'))],
    ['gfx_unlink_req', (w) => writeGfxUnlinkReq(w, ROOT, 'a.txt', 0), (b) => nul(b.fixed(ROOT).string('a.txt').u32(0))],
    ['gfx_rmdir_req', (w) => writeGfxRmdirReq(w, ROOT, 0, 'dir'), (b) => nul(b.fixed(ROOT).i32(0).string('dir'))],
    ['gfx_symlink_req', (w) => writeGfxSymlinkReq(w, ROOT, 'ln', 0o022, '../target/x', xd()),
      (b) => xdBytes(b.fixed(ROOT).string('ln').u32(0o022).string('../target/x'))],
    ['gfx_rename_req', (w) => writeGfxRenameReq(w, g1, g2, 'old', 'newer'),
      (b) => nul(b.fixed(g1).fixed(g2).string('old').string('newer'))],
    ['gfx_link_req', (w) => writeGfxLinkReq(w, g1, g2, 'hard'), (b) => nul(b.fixed(g1).fixed(g2).string('hard'))],
    ['gfx_truncate_req', (w) => writeGfxTruncateReq(w, g1, 2 ** 33), (b) => nul(b.fixed(g1).u64(2 ** 33))],
    ['gfx_open_req', (w) => writeGfxOpenReq(w, g1, 0o2), (b) => nul(b.fixed(g1).u32(2))],
    ['gfx_read_req', (w) => writeGfxReadReq(w, g1, 3, 4096, 131072, 0), (b) => nul(b.fixed(g1).i64(3).u64(4096).u32(131072).u32(0))],
    ['gfx_write_req', (w) => writeGfxWriteReq(w, g1, 0, 0, 5, 0, xd()), (b) => xdBytes(b.fixed(g1).i64(0).u64(0).u32(5).u32(0))],
    ['gfx_statfs_req', (w) => writeGfxStatfsReq(w, ROOT), (b) => nul(b.fixed(ROOT))],
    ['gfx_flush_req', (w) => writeGfxFlushReq(w, g1, 7), (b) => nul(b.fixed(g1).i64(7))],
    ['gfx_fsync_req', (w) => writeGfxFsyncReq(w, g1, 7, 1), (b) => nul(b.fixed(g1).i64(7).u32(1))],
    ['gfx_setxattr_req', (w) => writeGfxSetxattrReq(w, g1, 1, setDict()), (b) => nul(setDictBytes(b.fixed(g1).u32(1)))],
    ['gfx_getxattr_req', (w) => writeGfxGetxattrReq(w, g1, 1, 'user.a'), (b) => nul(b.fixed(g1).u32(1).string('user.a'))],
    ['gfx_removexattr_req', (w) => writeGfxRemovexattrReq(w, g1, 'user.a'), (b) => nul(b.fixed(g1).string('user.a'))],
    ['gfx_opendir_req', (w) => writeGfxOpendirReq(w, ROOT), (b) => nul(b.fixed(ROOT))],
    ['gfx_fsyncdir_req', (w) => writeGfxFsyncdirReq(w, g1, 4, -1), (b) => nul(b.fixed(g1).i64(4).i32(-1))],
    ['gfx_access_req', (w) => writeGfxAccessReq(w, g1, 6), (b) => nul(b.fixed(g1).u32(6))],
    ['gfx_create_req', (w) => writeGfxCreateReq(w, ROOT, 0o1102, 0o644, 0, 'a.txt', xd()),
      (b) => xdBytes(b.fixed(ROOT).u32(0o1102).u32(0o644).u32(0).string('a.txt'))],
    ['gfx_ftruncate_req', (w) => writeGfxFtruncateReq(w, g1, 2, 17), (b) => nul(b.fixed(g1).i64(2).u64(17))],
    ['gfx_fstat_req', (w) => writeGfxFstatReq(w, g1, -2), (b) => nul(b.fixed(g1).i64(-2))],
    ['gfx_lk_req', (w) => writeGfxLkReq(w, g1, 1, GfLkCmd.SETLKW, GfLkType.WRLCK, flock),
      (b) => nul(flockBytes(b.fixed(g1).i64(1).u32(2).u32(1)))],
    ['gfx_lookup_req', (w) => writeGfxLookupReq(w, g1, NULL_GFID, 0, ''), (b) => nul(b.fixed(g1).fixed(NULL_GFID).u32(0).string(''))],
    ['gfx_readdir_req', (w) => writeGfxReaddirReq(w, ROOT, 0, 0x7fffffffffffffffn, 131072),
      (b) => nul(b.fixed(ROOT).i64(0).u64(0x7fffffffffffffffn).u32(131072))],
    ['gfx_inodelk_req', (w) => writeGfxInodelkReq(w, g1, GfLkCmd.SETLK, GfLkType.WRLCK, flock, 'dht.layout.heal'),
      (b) => nul(flockBytes(b.fixed(g1).u32(1).u32(1)).string('dht.layout.heal'))],
    ['gfx_finodelk_req', (w) => writeGfxFinodelkReq(w, g1, 5, GfLkCmd.SETLK, GfLkType.UNLCK, flock, 'vol'),
      (b) => nul(flockBytes(b.fixed(g1).i64(5).u32(1).u32(2)).string('vol'))],
    ['gfx_entrylk_req', (w) => writeGfxEntrylkReq(w, ROOT, 0, 1, 1, 'a.txt', 'dht.entry.sync'),
      (b) => nul(b.fixed(ROOT).u32(0).u32(1).u64(1).string('a.txt').string('dht.entry.sync'))],
    ['gfx_fentrylk_req', (w) => writeGfxFentrylkReq(w, ROOT, 9, 1, 1, 0, '', 'd'),
      (b) => nul(b.fixed(ROOT).i64(9).u32(1).u32(1).u64(0).string('').string('d'))],
    ['gfx_xattrop_req', (w) => writeGfxXattropReq(w, g1, 0, setDict()), (b) => nul(setDictBytes(b.fixed(g1).u32(0)))],
    ['gfx_fxattrop_req', (w) => writeGfxFxattropReq(w, g1, 3, 1, setDict(), xd()), (b) => xdBytes(setDictBytes(b.fixed(g1).i64(3).u32(1)))],
    ['gfx_fgetxattr_req', (w) => writeGfxFgetxattrReq(w, g1, 3, 0, ''), (b) => nul(b.fixed(g1).i64(3).u32(0).string(''))],
    ['gfx_fsetxattr_req', (w) => writeGfxFsetxattrReq(w, g1, 3, 2, setDict()), (b) => nul(setDictBytes(b.fixed(g1).i64(3).u32(2)))],
    ['gfx_rchecksum_req', (w) => writeGfxRchecksumReq(w, g1, 3, 8192, 4096, 0), (b) => nul(b.fixed(g1).i64(3).u64(8192).u32(4096).u32(0))],
    ['gfx_setattr_req', (w) => writeGfxSetattrReq(w, g1, stbufIatt(), 0x30), (b) => nul(iattBytes(b.fixed(g1), stbuf).i32(0x30))],
    ['gfx_fsetattr_req', (w) => writeGfxFsetattrReq(w, g1, 3, stbufIatt(), 0x10),
      (b) => nul(iattBytes(b.fixed(g1).i64(3), stbuf).i32(0x10))],
    ['gfx_readdirp_req', (w) => writeGfxReaddirpReq(w, ROOT, 1, 12345, 4096, xd()),
      (b) => xdBytes(b.fixed(ROOT).i64(1).u64(12345).u32(4096))],
    ['gfx_release_req', (w) => writeGfxReleaseReq(w, g1, 0), (b) => nul(b.fixed(g1).i64(0))],
    ['gfx_releasedir_req', (w) => writeGfxReleasedirReq(w, ROOT, 1), (b) => nul(b.fixed(ROOT).i64(1))],
    ['gfx_fremovexattr_req', (w) => writeGfxFremovexattrReq(w, g1, 3, 'user.b'), (b) => nul(b.fixed(g1).i64(3).string('user.b'))],
    ['gfx_fallocate_req', (w) => writeGfxFallocateReq(w, g1, 3, 1, 0, 2 ** 36), (b) => nul(b.fixed(g1).i64(3).u32(1).u64(0).u64(2 ** 36))],
    ['gfx_discard_req', (w) => writeGfxDiscardReq(w, g1, 3, 4096, 8192), (b) => nul(b.fixed(g1).i64(3).u64(4096).u64(8192))],
    ['gfx_zerofill_req', (w) => writeGfxZerofillReq(w, g1, 3, 1, 2), (b) => nul(b.fixed(g1).i64(3).u64(1).u64(2))],
    ['gfx_ipc_req', (w) => writeGfxIpcReq(w, -7), (b) => nul(b.i32(-7))],
    ['gfx_seek_req', (w) => writeGfxSeekReq(w, g1, 3, 100, 1), (b) => nul(b.fixed(g1).i64(3).u64(100).i32(1))],
    ['gfx_lease_req', (w) => writeGfxLeaseReq(w, g1, { cmd: 2, leaseType: 1, leaseId: g2, leaseFlags: 0 }),
      (b) => nul(b.fixed(g1).u32(2).u32(1).fixed(g2).u32(0))],
    ['gfx_getactivelk_req', (w) => writeGfxGetactivelkReq(w, g1), (b) => nul(b.fixed(g1))],
    ['gfx_setactivelk_req', (w) => writeGfxSetactivelkReq(w, g1, [{ flock, clientUid: 'c1', lkFlags: 0 }, { flock, clientUid: 'c22', lkFlags: 1 }]),
      (b) => nul(flockBytes(flockBytes(b.fixed(g1).u32(1)).string('c1').u32(0).u32(1)).string('c22').u32(1).u32(0))],
    ['gfx_icreate_req', (w) => writeGfxIcreateReq(w, g1, 0o100600, xd()), (b) => xdBytes(b.fixed(g1).u32(0o100600))],
    ['gfx_namelink_req', (w) => writeGfxNamelinkReq(w, ROOT, 'n'), (b) => nul(b.fixed(ROOT).string('n'))],
    ['gfx_copy_file_range_req', (w) => writeGfxCopyFileRangeReq(w, g1, g2, 3, 4, 0, 2 ** 40, 65536, 0),
      (b) => nul(b.fixed(g1).fixed(g2).i64(3).i64(4).u64(0).u64(2 ** 40).u32(65536).u32(0))],
  ]

  it.each(cases)('encodes %s field by field', (_name, write, build) => {
    expect(encode(write)).toEqual(build(xdr()).bytes())
  })

  it('rejects arguments that would corrupt the stream with ERR_OUT_OF_RANGE', () => {
    const w = new XdrWriter()
    expectRangeError(() => writeGfxStatReq(w, Buffer.alloc(15)))
    expectRangeError(() => writeGfxReadReq(w, g1, 1.5, 0, 1, 0))
    expectRangeError(() => writeGfxReadReq(w, g1, 0, -1, 1, 0))
    expectRangeError(() => writeGfxReadReq(w, g1, 0, 2 ** 53, 1, 0))
    expectRangeError(() => writeGfxWriteReq(w, g1, 0, 0, 2 ** 32, 0))
    expectRangeError(() => writeGfxReaddirpReq(w, g1, 0, 2n ** 64n, 1))
    expectRangeError(() => writeGfxReaddirpReq(w, g1, 0, -1n, 1))
    expectRangeError(() => writeGfxLkReq(w, g1, 0, 0, 0, { ...flock, lkOwner: Buffer.alloc(1025) }))
    expectRangeError(() => writeGfxLeaseReq(w, g1, { cmd: 1, leaseType: 1, leaseId: Buffer.alloc(8), leaseFlags: 0 }))
    w.discard()
  })
})

// ------------------------------------------------------------------------------------------------

function common(b: XdrBytes, opRet: number, opErrno: number, xdata: readonly Pair[] | null = null): XdrBytes {
  return dictBytes(b.i32(opRet).i32(opErrno), xdata)
}

interface ReplyCase {
  readonly name: string
  /** Builds a success reply (`ok`) or a failure with zeroed structs. */
  readonly build: (ok: boolean) => Buffer
  readonly decode: (r: XdrReader) => unknown
  readonly check: (got: never, ok: boolean) => void
}

const S1 = iattSpec(1)
const S2 = iattSpec(2)
/** S2 after a write that allocated: blocks and size differ from S1's. */
const S2_GROWN = iattSpec(2, { size: 9000, blocks: 24, mode: 0o102644 })
const S3 = iattSpec(3)
const S4 = iattSpec(4)
const S5 = iattSpec(5)
const XD: Pair[] = [['glusterfs.open-fd-count', arm.uint(2)]]
const pick = (ok: boolean, s: IattSpec): IattSpec => (ok ? s : ZERO_IATT)
const head = (ok: boolean): XdrBytes => common(xdr(), ok ? 0 : -1, ok ? 22 : 2, ok ? XD : null)
function checkHead(got: { opRet: number; opErrno: number; xdata: Dict | undefined }, ok: boolean): void {
  expect(got.opRet).toBe(ok ? 0 : -1)
  expect(got.opErrno).toBe(ok ? 22 : 2)
  if (ok) expect(got.xdata?.getInt('glusterfs.open-fd-count')).toBe(2n)
  else expect(got.xdata).toBeUndefined()
}

const OWNER = Buffer.from('ce260000', 'hex')
const STRONG = Buffer.from('00112233445566778899aabbccddeeff', 'hex')

function direntBytes(b: XdrBytes, ino: bigint, off: bigint, type: number, name: string): XdrBytes {
  return b.u64(ino).u64(off).u32(Buffer.byteLength(name)).u32(type).string(name)
}

const replyCases: ReplyCase[] = [
  {
    name: 'gfx_common_rsp',
    build: (ok) => head(ok).bytes(),
    decode: readGfxCommonRsp,
    check: (got: Parameters<typeof checkHead>[0], ok: boolean) => checkHead(got, ok),
  },
  {
    name: 'gfx_common_iatt_rsp',
    build: (ok) => iattBytes(head(ok), pick(ok, S1)).bytes(),
    decode: readGfxCommonIattRsp,
    check: (got: ReturnType<typeof readGfxCommonIattRsp>, ok: boolean) => {
      checkHead(got, ok)
      expectIatt(got.stat, pick(ok, S1))
    },
  },
  {
    name: 'gfx_common_2iatt_rsp',
    build: (ok) => iattBytes(iattBytes(head(ok), pick(ok, S1)), pick(ok, S2)).bytes(),
    decode: readGfxCommon2iattRsp,
    check: (got: ReturnType<typeof readGfxCommon2iattRsp>, ok: boolean) => {
      checkHead(got, ok)
      expectIatt(got.prestat, pick(ok, S1))
      expectIatt(got.poststat, pick(ok, S2))
    },
  },
  {
    name: 'gfx_common_2iatt_rsp as WRITE replies with it',
    build: (ok) => iattBytes(iattBytes(head(ok), pick(ok, S1)), pick(ok, S2_GROWN)).bytes(),
    decode: readGfxWriteRsp,
    check: (got: ReturnType<typeof readGfxWriteRsp>, ok: boolean) => {
      checkHead(got, ok)
      const [pre, post] = [pick(ok, S1), pick(ok, S2_GROWN)]
      expect(got.prestat).toEqual({ mode: pre.mode, size: pre.size, blocks: pre.blocks })
      expect(got.poststat).toEqual({ mode: post.mode, size: post.size, blocks: post.blocks })
    },
  },
  {
    name: 'gfx_common_3iatt_rsp',
    build: (ok) => iattBytes(iattBytes(iattBytes(head(ok), pick(ok, S1)), pick(ok, S2)), pick(ok, S3)).bytes(),
    decode: readGfxCommon3iattRsp,
    check: (got: ReturnType<typeof readGfxCommon3iattRsp>, ok: boolean) => {
      checkHead(got, ok)
      expectIatt(got.stat, pick(ok, S1))
      expectIatt(got.preparent, pick(ok, S2))
      expectIatt(got.postparent, pick(ok, S3))
    },
  },
  {
    name: 'gfx_common_dict_rsp',
    build: (ok) => iattBytes(iattBytes(dictBytes(head(ok), ok ? [['user.a', arm.ptr(Buffer.from('v1'))]] : null), pick(ok, S1)), pick(ok, S2)).bytes(),
    decode: readGfxCommonDictRsp,
    check: (got: ReturnType<typeof readGfxCommonDictRsp>, ok: boolean) => {
      checkHead(got, ok)
      if (ok) expect(got.dict?.getPtr('user.a')?.toString()).toBe('v1')
      else expect(got.dict).toBeUndefined()
      expectIatt(got.prestat, pick(ok, S1))
      expectIatt(got.poststat, pick(ok, S2))
    },
  },
  {
    name: 'gfx_open_rsp',
    build: (ok) => head(ok).i64(ok ? 5 : 0).bytes(),
    decode: readGfxOpenRsp,
    check: (got: ReturnType<typeof readGfxOpenRsp>, ok: boolean) => {
      checkHead(got, ok)
      expect(got.fd).toBe(ok ? 5 : 0)
    },
  },
  {
    name: 'gfx_create_rsp',
    build: (ok) => iattBytes(iattBytes(iattBytes(head(ok), pick(ok, S1)).u64(ok ? 3 : 0), pick(ok, S2)), pick(ok, S3)).bytes(),
    decode: readGfxCreateRsp,
    check: (got: ReturnType<typeof readGfxCreateRsp>, ok: boolean) => {
      checkHead(got, ok)
      expectIatt(got.stat, pick(ok, S1))
      expect(got.fd).toBe(ok ? 3 : 0)
      expectIatt(got.preparent, pick(ok, S2))
      expectIatt(got.postparent, pick(ok, S3))
    },
  },
  {
    name: 'gfx_read_rsp',
    build: (ok) => dictBytes(iattBytes(xdr().i32(ok ? 5 : -1).i32(ok ? 2 : 9), pick(ok, S1)).u32(ok ? 5 : 0), ok ? XD : null)
      .raw(ok ? Buffer.from('HELLO') : Buffer.alloc(0)).bytes(),
    decode: readGfxReadRsp,
    check: (got: ReturnType<typeof readGfxReadRsp>, ok: boolean) => {
      expect(got.opRet).toBe(ok ? 5 : -1)
      expect(got.opErrno).toBe(ok ? 2 : 9)
      expect(got.stat).toEqual({ mode: pick(ok, S1).mode, size: pick(ok, S1).size })
      expect(got.size).toBe(ok ? 5 : 0)
      expect(got.data.toString()).toBe(ok ? 'HELLO' : '')
      if (ok) expect(got.xdata?.getInt('glusterfs.open-fd-count')).toBe(2n)
    },
  },
  {
    name: 'gfx_statfs_rsp',
    build: (ok) => {
      const b = head(ok)
      if (!ok) return b.zeros(88).bytes()
      return b.u64(4096).u64(4096).u64(2n ** 60n).u64(1000).u64(900).u64(2n ** 64n - 1n).u64(500).u64(400)
        .u64(0xfedcba9876543210n).u64(4096).u64(255).bytes()
    },
    decode: readGfxStatfsRsp,
    check: (got: ReturnType<typeof readGfxStatfsRsp>, ok: boolean) => {
      checkHead(got, ok)
      if (!ok) {
        expect(got.statfs.fsid).toBe(0n)
        expect(got.statfs.blocks).toBe(0)
        return
      }
      expect(got.statfs).toEqual({
        bsize: 4096, frsize: 4096, blocks: 2 ** 60, bfree: 1000, bavail: 900, files: 2 ** 64, ffree: 500,
        favail: 400, fsid: 0xfedcba9876543210n, flag: 4096, namemax: 255,
      })
    },
  },
  {
    name: 'gfx_readlink_rsp',
    build: (ok) => iattBytes(head(ok), pick(ok, S1)).string(ok ? '../target' : '').bytes(),
    decode: readGfxReadlinkRsp,
    check: (got: ReturnType<typeof readGfxReadlinkRsp>, ok: boolean) => {
      checkHead(got, ok)
      expectIatt(got.buf, pick(ok, S1))
      expect(got.path).toBe(ok ? '../target' : '')
    },
  },
  {
    name: 'gfx_rename_rsp',
    build: (ok) => {
      let b = head(ok)
      for (const s of [S1, S2, S3, S4, S5]) b = iattBytes(b, pick(ok, s))
      return b.bytes()
    },
    decode: readGfxRenameRsp,
    check: (got: ReturnType<typeof readGfxRenameRsp>, ok: boolean) => {
      checkHead(got, ok)
      expectIatt(got.stat, pick(ok, S1))
      expectIatt(got.preoldparent, pick(ok, S2))
      expectIatt(got.postoldparent, pick(ok, S3))
      expectIatt(got.prenewparent, pick(ok, S4))
      expectIatt(got.postnewparent, pick(ok, S5))
    },
  },
  {
    name: 'gfx_seek_rsp',
    build: (ok) => head(ok).u64(ok ? 2 ** 40 : 0).bytes(),
    decode: readGfxSeekRsp,
    check: (got: ReturnType<typeof readGfxSeekRsp>, ok: boolean) => {
      checkHead(got, ok)
      expect(got.offset).toBe(ok ? 2 ** 40 : 0)
    },
  },
  {
    name: 'gfx_lk_rsp',
    build: (ok) => head(ok).u32(ok ? 1 : 0).u32(0).u64(ok ? 10 : 0).u64(ok ? 20 : 0).u32(ok ? 99 : 0).opaque(ok ? OWNER : Buffer.alloc(0)).bytes(),
    decode: readGfxLkRsp,
    check: (got: ReturnType<typeof readGfxLkRsp>, ok: boolean) => {
      checkHead(got, ok)
      expect(got.flock).toEqual(ok
        ? { type: 1, whence: 0, start: 10, len: 20, pid: 99, lkOwner: OWNER }
        : { type: 0, whence: 0, start: 0, len: 0, pid: 0, lkOwner: Buffer.alloc(0) })
    },
  },
  {
    name: 'gfx_lease_rsp',
    build: (ok) => head(ok).u32(ok ? 2 : 0).u32(ok ? 2 : 0).fixed(ok ? S1.gfid : NULL_GFID).u32(0).bytes(),
    decode: readGfxLeaseRsp,
    check: (got: ReturnType<typeof readGfxLeaseRsp>, ok: boolean) => {
      checkHead(got, ok)
      expect(got.lease).toEqual({ cmd: ok ? 2 : 0, leaseType: ok ? 2 : 0, leaseId: ok ? S1.gfid : NULL_GFID, leaseFlags: 0 })
    },
  },
  {
    name: 'gfx_readdir_rsp',
    build: (ok) => {
      const b = head(ok)
      if (!ok) return b.u32(0).bytes()
      direntBytes(b.u32(1), 1n, 1n, 4, '.')
      direntBytes(b.u32(1), 1n, 2n, 4, '..')
      return direntBytes(b.u32(1), 0xa80b223e217b03a5n, 0x7fffffffffffffffn, 8, 'file.txt').u32(0).bytes()
    },
    decode: readGfxReaddirRsp,
    check: (got: ReturnType<typeof readGfxReaddirRsp>, ok: boolean) => {
      checkHead(got, ok)
      expect(got.entries).toEqual(ok
        ? [
            { dIno: 1n, dOff: 1n, dLen: 1, dType: 4, name: '.' },
            { dIno: 1n, dOff: 2n, dLen: 2, dType: 4, name: '..' },
            { dIno: 0xa80b223e217b03a5n, dOff: 0x7fffffffffffffffn, dLen: 8, dType: 8, name: 'file.txt' },
          ]
        : [])
    },
  },
  {
    name: 'gfx_readdirp_rsp',
    build: (ok) => {
      const b = head(ok)
      if (!ok) return b.u32(0).bytes()
      dictBytes(iattBytes(direntBytes(b.u32(1), 1n, 10n, 4, '.'), S1), null)
      dictBytes(iattBytes(direntBytes(b.u32(1), 1n, 20n, 4, '..'), S2), [])
      dictBytes(iattBytes(direntBytes(b.u32(1), 77n, 30n, 10, 'ln'), S3), [['trusted.glusterfs.dht.linkto', arm.ptr(Buffer.from('v-client-1\0'))]])
      return dictBytes(iattBytes(direntBytes(b.u32(1), 78n, 0x7fffffffffffffffn, 8, 'é.txt'), S4), null).u32(0).bytes()
    },
    decode: readGfxReaddirpRsp,
    check: (got: ReturnType<typeof readGfxReaddirpRsp>, ok: boolean) => {
      checkHead(got, ok)
      if (!ok) {
        expect(got.entries).toEqual([])
        return
      }
      expect(got.entries.map((e) => [e.dIno, e.dOff, e.dLen, e.dType, e.name])).toEqual([
        [1n, 10n, 1, 4, '.'], [1n, 20n, 2, 4, '..'], [77n, 30n, 2, 10, 'ln'], [78n, 0x7fffffffffffffffn, 6, 8, 'é.txt'],
      ])
      const [e0, e1, e2, e3] = got.entries
      expectIatt(e0!.stat, S1)
      expectIatt(e1!.stat, S2)
      expectIatt(e2!.stat, S3)
      expectIatt(e3!.stat, S4)
      expect(e0!.dict).toBeUndefined()
      expect(e1!.dict).toBeUndefined()
      expect(e2!.dict?.getStr('trusted.glusterfs.dht.linkto')).toBe('v-client-1')
      expect(e3!.dict).toBeUndefined()
    },
  },
  {
    name: 'gfx_rchecksum_rsp',
    build: (ok) => head(ok).u32(0).u32(ok ? 0xdeadbeef : 0).opaque(ok ? STRONG : Buffer.alloc(0)).bytes(),
    decode: readGfxRchecksumRsp,
    check: (got: ReturnType<typeof readGfxRchecksumRsp>, ok: boolean) => {
      checkHead(got, ok)
      expect(got.flags).toBe(0)
      expect(got.weakChecksum).toBe(ok ? 0xdeadbeef : 0)
      expect(got.strongChecksum).toEqual(ok ? STRONG : Buffer.alloc(0))
    },
  },
  {
    name: 'gfx_getactivelk_rsp',
    build: (ok) => {
      const b = head(ok)
      if (ok) {
        b.u32(1).u32(1).u32(0).u64(0).u64(100).u32(7).opaque(OWNER).string('client-a').u32(0)
        b.u32(1).u32(0).u32(0).u64(200).u64(0).u32(8).opaque(Buffer.alloc(0)).string('client-b').u32(1)
      }
      return b.u32(0).bytes()
    },
    decode: readGfxGetactivelkRsp,
    check: (got: ReturnType<typeof readGfxGetactivelkRsp>, ok: boolean) => {
      checkHead(got, ok)
      expect(got.locks).toEqual(ok
        ? [
            { flock: { type: 1, whence: 0, start: 0, len: 100, pid: 7, lkOwner: OWNER }, clientUid: 'client-a', lkFlags: 0 },
            { flock: { type: 0, whence: 0, start: 200, len: 0, pid: 8, lkOwner: Buffer.alloc(0) }, clientUid: 'client-b', lkFlags: 1 },
          ]
        : [])
    },
  },
]

describe('replies', () => {
  for (const c of replyCases) {
    describe(c.name, () => {
      it('decodes a success reply', () => {
        c.check(decode(c.decode, c.build(true)) as never, true)
      })
      it('decodes an op_ret -1 reply with its zeroed structs', () => {
        c.check(decode(c.decode, c.build(false)) as never, false)
      })
      it('rejects the reply cut at every byte with XdrError', () => {
        for (const ok of [true, false]) {
          const bytes = c.build(ok)
          for (let cut = 0; cut < bytes.length; cut++) {
            expectXdrError(() => c.decode(new XdrReader(bytes.subarray(0, cut))))
          }
        }
      })
    })
  }

  it.each([5, 7, 9])('returns %i-byte READ data unpadded, as a view of the record', (n) => {
    const payload = Buffer.alloc(n)
    for (let i = 0; i < n; i++) payload[i] = 0x41 + i
    const bytes = dictBytes(iattBytes(xdr().i32(n).i32(0), S1).u32(n), null).raw(payload).bytes()
    expect(bytes.length).toBe(8 + 148 + 4 + 12 + n)
    const got = decode(readGfxReadRsp, bytes)
    expect(got.data).toEqual(payload)
    expect(got.data.buffer).toBe(bytes.buffer)
    expect(got.data.byteOffset).toBe(bytes.byteOffset + bytes.length - n)
  })

  it('reports EOF on READ through op_errno ENOENT with op_ret 0', () => {
    const got = decode(readGfxReadRsp, dictBytes(iattBytes(xdr().i32(0).i32(2), S1).u32(0), null).bytes())
    expect(got.opRet).toBe(0)
    expect(got.opErrno).toBe(2)
    expect(got.data).toHaveLength(0)
  })

  it("rejects a READ reply whose stat size is beyond 2^53 - 1 (ERR_XDR_VALUE), as every iatt's", () => {
    const bytes = dictBytes(iattBytes(xdr().i32(0).i32(0), iattSpec(1, { size: 2 ** 53 })).u32(0), null).bytes()
    expect(() => readGfxReadRsp(new XdrReader(bytes))).toThrow(expect.objectContaining({ code: 'ERR_XDR_VALUE' }))
  })

  it('limits READ data to op_ret bytes', () => {
    const bytes = dictBytes(iattBytes(xdr().i32(3).i32(0), S1).u32(3), null).raw(Buffer.from('abcdef')).bytes()
    expect(readGfxReadRsp(new XdrReader(bytes)).data.toString()).toBe('abc')
  })

  it('rejects a READ reply with fewer data bytes than op_ret', () => {
    const bytes = dictBytes(iattBytes(xdr().i32(10).i32(0), S1).u32(10), null).raw(Buffer.from('abc')).bytes()
    expectXdrError(() => readGfxReadRsp(new XdrReader(bytes)), 'ERR_XDR_SHORT')
  })

  it('takes READ data the receiver placed in the caller\'s buffer as is, and only op_ret bytes of it', () => {
    const head = dictBytes(iattBytes(xdr().i32(3).i32(0), S1).u32(3), null).bytes()
    const placed = Buffer.from('xyz')
    expect(readGfxReadRsp(new XdrReader(head), placed).data).toBe(placed)
    expectXdrError(() => readGfxReadRsp(new XdrReader(head), Buffer.from('xy')), 'ERR_XDR_SHORT')
  })

  it('stops a directory list at the entry cap', () => {
    const b = common(xdr(), 0, 0)
    for (let i = 0; i <= FOP_LIMITS.listEntries; i++) direntBytes(b.u32(1), 1n, BigInt(i), 8, '')
    expectXdrError(() => readGfxReaddirRsp(new XdrReader(b.u32(0).bytes())), 'ERR_XDR_LENGTH')
  })

  it('rejects a list discriminant other than 0 or 1', () => {
    expectXdrError(() => readGfxReaddirpRsp(new XdrReader(common(xdr(), 0, 0).u32(2).bytes())), 'ERR_XDR_VALUE')
  })

  it('rejects an over-long lock owner', () => {
    const bytes = common(xdr(), 0, 0).u32(0).u32(0).u64(0).u64(0).u32(0).opaque(Buffer.alloc(1025)).bytes()
    expectXdrError(() => readGfxLkRsp(new XdrReader(bytes)), 'ERR_XDR_LENGTH')
  })
})
