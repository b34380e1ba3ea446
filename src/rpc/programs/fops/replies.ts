// Decoders of the gfx_*_rsp structs of glusterfs4-xdr.x. They return plain objects built in one
// place each (stable shapes), own every byte they return (gfids, dict values and lock owners are
// copied out of the record) except READ data, which is a view of the record. Every length is
// checked against the bytes present and a cap (FOP_LIMITS) before anything is allocated;
// malformed input throws XdrError.

import { XdrError } from '../../../xdr/errors.ts'
import type { XdrReader } from '../../../xdr/reader.ts'
import { type Dict, readGfxDict } from './dict.ts'
import {
  IATTX_BLOCKS_AT, IATTX_BYTES, IATTX_MODE_AT, IATTX_SIZE_AT, type Iatt, type ReadStat, type WriteStat, readGfxIattx,
  readGfxIattxReadStat,
} from './iatt.ts'
import { FOP_LIMITS, tooManyEntries } from './program.ts'
import { type GfProtoFlock, type GfProtoLease, type GfStatfs, type Gfs3Locklist, readGfProtoFlock, readGfProtoLease, readGfStatfs, readGfs3Locklist } from './structs.ts'

// ------------------------------------------------------------------------------------------------
// Replies (glusterfs4-xdr.x gfx_*_rsp). `opRet` ≥ 0 is success; -1 is failure with `opErrno` a
// Linux errno. On success `opErrno` is garbage except ENOENT from READ/READDIR(P), meaning EOF.

/** glusterfs4-xdr.x gfx_common_rsp. */
export interface GfxCommonRsp {
  readonly opRet: number
  readonly opErrno: number
  readonly xdata: Dict | undefined
}

/** glusterfs4-xdr.x gfx_common_rsp { op_ret, op_errno, xdata } */
export function readGfxCommonRsp(r: XdrReader): GfxCommonRsp {
  const opRet = r.int32()
  const opErrno = r.int32()
  const xdata = readGfxDict(r)
  return { opRet, opErrno, xdata }
}

/** glusterfs4-xdr.x gfx_common_iatt_rsp. */
export interface GfxCommonIattRsp extends GfxCommonRsp {
  readonly stat: Iatt
}

/** glusterfs4-xdr.x gfx_common_iatt_rsp { op_ret, op_errno, xdata, stat } */
export function readGfxCommonIattRsp(r: XdrReader): GfxCommonIattRsp {
  const opRet = r.int32()
  const opErrno = r.int32()
  const xdata = readGfxDict(r)
  const stat = readGfxIattx(r)
  return { opRet, opErrno, xdata, stat }
}

/** glusterfs4-xdr.x gfx_common_2iatt_rsp. */
export interface GfxCommon2iattRsp extends GfxCommonRsp {
  readonly prestat: Iatt
  readonly poststat: Iatt
}

/** glusterfs4-xdr.x gfx_common_2iatt_rsp { op_ret, op_errno, xdata, prestat, poststat } */
export function readGfxCommon2iattRsp(r: XdrReader): GfxCommon2iattRsp {
  const opRet = r.int32()
  const opErrno = r.int32()
  const xdata = readGfxDict(r)
  const prestat = readGfxIattx(r)
  const poststat = readGfxIattx(r, prestat.gfid)
  return { opRet, opErrno, xdata, prestat, poststat }
}

/**
 * gfx_common_2iatt_rsp of a WRITE, in the shape of a write's result: `size` is op_ret, the bytes
 * written. Of the iatts, what a write's callers use (WriteStat: mode, size, blocks) is read into
 * numbers, and made into objects only for a caller that asks (distribute, shard, write-behind's
 * appends); a pwrite asks for none.
 */
export class GfxWriteRsp implements GfxCommonRsp {
  readonly opRet: number
  readonly opErrno: number
  readonly xdata: Dict | undefined
  readonly #preMode: number
  readonly #preSize: number
  readonly #preBlocks: number
  readonly #postMode: number
  readonly #postSize: number
  readonly #postBlocks: number
  #prestat: WriteStat | undefined
  #poststat: WriteStat | undefined

  constructor(r: XdrReader) {
    this.opRet = r.int32()
    this.opErrno = r.int32()
    this.xdata = readGfxDict(r)
    // gfx_iattx: size and blocks follow each other; mode is the last field.
    r.skip(IATTX_SIZE_AT)
    this.#preSize = r.uhyperNumber()
    this.#preBlocks = r.uhyperNumber()
    r.skip(IATTX_MODE_AT - IATTX_BLOCKS_AT - 8)
    this.#preMode = r.uint32()
    r.skip(IATTX_SIZE_AT)
    this.#postSize = r.uhyperNumber()
    this.#postBlocks = r.uhyperNumber()
    r.skip(IATTX_MODE_AT - IATTX_BLOCKS_AT - 8)
    this.#postMode = r.uint32()
  }

  /** op_ret: the bytes written. */
  get size(): number {
    return this.opRet
  }

  /** The same object on every read: distribute strips the migration bits from its mode in place. */
  get prestat(): WriteStat {
    return this.#prestat ??= { mode: this.#preMode, size: this.#preSize, blocks: this.#preBlocks }
  }

  get poststat(): WriteStat {
    return this.#poststat ??= { mode: this.#postMode, size: this.#postSize, blocks: this.#postBlocks }
  }
}

/** glusterfs4-xdr.x gfx_common_2iatt_rsp as WRITE replies with it. */
export function readGfxWriteRsp(r: XdrReader): GfxWriteRsp {
  return new GfxWriteRsp(r)
}

/** glusterfs4-xdr.x gfx_common_3iatt_rsp. */
export interface GfxCommon3iattRsp extends GfxCommonRsp {
  readonly stat: Iatt
  readonly preparent: Iatt
  readonly postparent: Iatt
}

/** glusterfs4-xdr.x gfx_common_3iatt_rsp { op_ret, op_errno, xdata, stat, preparent, postparent } */
export function readGfxCommon3iattRsp(r: XdrReader): GfxCommon3iattRsp {
  const opRet = r.int32()
  const opErrno = r.int32()
  const xdata = readGfxDict(r)
  const stat = readGfxIattx(r)
  const preparent = readGfxIattx(r)
  const postparent = readGfxIattx(r, preparent.gfid)
  return { opRet, opErrno, xdata, stat, preparent, postparent }
}

/** glusterfs4-xdr.x gfx_common_dict_rsp. */
export interface GfxCommonDictRsp extends GfxCommonRsp {
  /** The xattrs (GETXATTR/FGETXATTR) or the xattrop result. */
  readonly dict: Dict | undefined
  readonly prestat: Iatt
  readonly poststat: Iatt
}

/** glusterfs4-xdr.x gfx_common_dict_rsp { op_ret, op_errno, xdata, dict, prestat, poststat } */
export function readGfxCommonDictRsp(r: XdrReader): GfxCommonDictRsp {
  const opRet = r.int32()
  const opErrno = r.int32()
  const xdata = readGfxDict(r)
  const dict = readGfxDict(r)
  const prestat = readGfxIattx(r)
  const poststat = readGfxIattx(r, prestat.gfid)
  return { opRet, opErrno, xdata, dict, prestat, poststat }
}

/** glusterfs4-xdr.x gfx_open_rsp (OPEN, OPENDIR). */
export interface GfxOpenRsp extends GfxCommonRsp {
  /** The remote fd for later calls on this brick connection. */
  readonly fd: number
}

/** glusterfs4-xdr.x gfx_open_rsp { op_ret, op_errno, xdata, fd i64 } */
export function readGfxOpenRsp(r: XdrReader): GfxOpenRsp {
  const opRet = r.int32()
  const opErrno = r.int32()
  const xdata = readGfxDict(r)
  const fd = r.hyperNumber()
  return { opRet, opErrno, xdata, fd }
}

/** glusterfs4-xdr.x gfx_create_rsp. */
export interface GfxCreateRsp extends GfxCommonRsp {
  readonly stat: Iatt
  readonly fd: number
  readonly preparent: Iatt
  readonly postparent: Iatt
}

/** glusterfs4-xdr.x gfx_create_rsp { op_ret, op_errno, xdata, stat, fd u64, preparent, postparent } */
export function readGfxCreateRsp(r: XdrReader): GfxCreateRsp {
  const opRet = r.int32()
  const opErrno = r.int32()
  const xdata = readGfxDict(r)
  const stat = readGfxIattx(r)
  const fd = r.uhyperNumber()
  const preparent = readGfxIattx(r)
  const postparent = readGfxIattx(r, preparent.gfid)
  return { opRet, opErrno, xdata, stat, fd, preparent, postparent }
}

/** glusterfs4-xdr.x gfx_read_rsp, plus the data that follows it in the record. */
export interface GfxReadRsp extends GfxCommonRsp {
  /** Of the post-op iatt, what a READ's callers use (readGfxIattxReadStat). */
  readonly stat: ReadStat
  /** The struct's `size` field (the brick sets it to op_ret). */
  readonly size: number
  /** `opRet` bytes: a view of the record, not a copy. Empty on failure. */
  readonly data: Buffer
}

/**
 * glusterfs4-xdr.x gfx_read_rsp { op_ret, op_errno, stat, size, xdata } — xdata comes last here,
 * unlike every other reply — then the data: the rest of the record, unpadded and without a length,
 * or `placed`, the bytes the receiver already wrote into the caller's buffer (gfxReadRspDataOffset).
 * Throws XdrError when fewer than `opRet` bytes follow.
 */
export function readGfxReadRsp(r: XdrReader, placed?: Buffer): GfxReadRsp {
  const opRet = r.int32()
  const opErrno = r.int32()
  const stat = readGfxIattxReadStat(r)
  const size = r.uint32()
  const xdata = readGfxDict(r)
  const want = opRet > 0 ? opRet : 0
  if (placed !== undefined && r.remaining === 0) {
    if (placed.length !== want) throw new XdrError('ERR_XDR_SHORT', `XDR: READ reply placed ${placed.length} data bytes, op_ret says ${opRet}`)
    return { opRet, opErrno, xdata, stat, size, data: placed }
  }
  if (r.remaining < want) {
    throw new XdrError('ERR_XDR_SHORT', `XDR: READ reply has ${r.remaining} data bytes, op_ret says ${opRet}`)
  }
  const rest = r.rest()
  const data = rest.length === want ? rest : rest.subarray(0, want)
  return { opRet, opErrno, xdata, stat, size, data }
}

/**
 * Where the data of a READ reply starts in `body`, from its first bytes: `at` is where
 * gfx_read_rsp begins in `body`, `recordEnd` where the record ends (beyond `body` when only its
 * head came). -1 unless the reply carries exactly op_ret
 * bytes of data after a complete header within `body` (the receiver then keeps the reply whole).
 * gfx_read_rsp: op_ret, op_errno, stat (148), size, xdata (xdr_size, count, pairs_len, pairs).
 */
export function gfxReadRspDataOffset(body: Buffer, at: number, recordEnd: number): number {
  const xdataAt = at + 4 + 4 + IATTX_BYTES + 4
  if (body.length < xdataAt + 12) return -1
  const opRet = body.readInt32BE(at)
  const xdrSize = body.readUInt32BE(xdataAt)
  const dataAt = xdataAt + 12 + xdrSize
  if (opRet <= 0 || (xdrSize & 3) !== 0 || dataAt > body.length || recordEnd - dataAt !== opRet) return -1
  return dataAt
}

/** glusterfs4-xdr.x gfx_statfs_rsp. */
export interface GfxStatfsRsp extends GfxCommonRsp {
  readonly statfs: GfStatfs
}

/** glusterfs4-xdr.x gfx_statfs_rsp { op_ret, op_errno, xdata, gf_statfs statfs } */
export function readGfxStatfsRsp(r: XdrReader): GfxStatfsRsp {
  const opRet = r.int32()
  const opErrno = r.int32()
  const xdata = readGfxDict(r)
  const statfs = readGfStatfs(r)
  return { opRet, opErrno, xdata, statfs }
}

/** glusterfs4-xdr.x gfx_readlink_rsp. */
export interface GfxReadlinkRsp extends GfxCommonRsp {
  readonly buf: Iatt
  /** The symlink target. */
  readonly path: string
}

/** glusterfs4-xdr.x gfx_readlink_rsp { op_ret, op_errno, xdata, buf, path<> } */
export function readGfxReadlinkRsp(r: XdrReader): GfxReadlinkRsp {
  const opRet = r.int32()
  const opErrno = r.int32()
  const xdata = readGfxDict(r)
  const buf = readGfxIattx(r)
  const path = r.string(FOP_LIMITS.nameBytes)
  return { opRet, opErrno, xdata, buf, path }
}

/** glusterfs4-xdr.x gfx_rename_rsp. */
export interface GfxRenameRsp extends GfxCommonRsp {
  readonly stat: Iatt
  readonly preoldparent: Iatt
  readonly postoldparent: Iatt
  readonly prenewparent: Iatt
  readonly postnewparent: Iatt
}

/**
 * glusterfs4-xdr.x gfx_rename_rsp { op_ret, op_errno, xdata, stat, preoldparent, postoldparent,
 * prenewparent, postnewparent }
 */
export function readGfxRenameRsp(r: XdrReader): GfxRenameRsp {
  const opRet = r.int32()
  const opErrno = r.int32()
  const xdata = readGfxDict(r)
  const stat = readGfxIattx(r)
  const preoldparent = readGfxIattx(r)
  const postoldparent = readGfxIattx(r)
  const prenewparent = readGfxIattx(r)
  const postnewparent = readGfxIattx(r)
  return { opRet, opErrno, xdata, stat, preoldparent, postoldparent, prenewparent, postnewparent }
}

/** glusterfs4-xdr.x gfx_seek_rsp. */
export interface GfxSeekRsp extends GfxCommonRsp {
  readonly offset: number
}

/** glusterfs4-xdr.x gfx_seek_rsp { op_ret, op_errno, xdata, offset u64 } */
export function readGfxSeekRsp(r: XdrReader): GfxSeekRsp {
  const opRet = r.int32()
  const opErrno = r.int32()
  const xdata = readGfxDict(r)
  const offset = r.uhyperNumber()
  return { opRet, opErrno, xdata, offset }
}

/** glusterfs4-xdr.x gfx_lk_rsp. */
export interface GfxLkRsp extends GfxCommonRsp {
  /** For GETLK, the conflicting lock (type UNLCK when none). */
  readonly flock: GfProtoFlock
}

/** glusterfs4-xdr.x gfx_lk_rsp { op_ret, op_errno, xdata, gf_proto_flock flock } */
export function readGfxLkRsp(r: XdrReader): GfxLkRsp {
  const opRet = r.int32()
  const opErrno = r.int32()
  const xdata = readGfxDict(r)
  const flock = readGfProtoFlock(r)
  return { opRet, opErrno, xdata, flock }
}

/** glusterfs4-xdr.x gfx_lease_rsp. */
export interface GfxLeaseRsp extends GfxCommonRsp {
  readonly lease: GfProtoLease
}

/** glusterfs4-xdr.x gfx_lease_rsp { op_ret, op_errno, xdata, gf_proto_lease lease } */
export function readGfxLeaseRsp(r: XdrReader): GfxLeaseRsp {
  const opRet = r.int32()
  const opErrno = r.int32()
  const xdata = readGfxDict(r)
  const lease = readGfProtoLease(r)
  return { opRet, opErrno, xdata, lease }
}

/** One glusterfs4-xdr.x gfx_dirlist node. */
export interface GfxDirent {
  readonly dIno: bigint
  /** The cookie to resume after this entry; 0x7fffffffffffffff after the last one on ext4. */
  readonly dOff: bigint
  readonly dLen: number
  /** DT_*: 4 directory, 8 regular, 10 symlink. */
  readonly dType: number
  readonly name: string
}

/** One glusterfs4-xdr.x gfx_dirplist node. */
export interface GfxDirpEntry extends GfxDirent {
  readonly stat: Iatt
  /** The xattrs the READDIRP xdata asked for. */
  readonly dict: Dict | undefined
}

/** glusterfs4-xdr.x gfx_readdir_rsp. */
export interface GfxReaddirRsp extends GfxCommonRsp {
  readonly entries: GfxDirent[]
}

/** glusterfs4-xdr.x gfx_readdir_rsp { op_ret, op_errno, xdata, gfx_dirlist *reply } */
export function readGfxReaddirRsp(r: XdrReader): GfxReaddirRsp {
  const opRet = r.int32()
  const opErrno = r.int32()
  const xdata = readGfxDict(r)
  const entries: GfxDirent[] = []
  // gfx_dirlist { d_ino, d_off, d_len, d_type, name<>, nextentry* }: [1, node]… 0
  while (r.bool()) {
    if (entries.length === FOP_LIMITS.listEntries) throw tooManyEntries(r)
    const dIno = r.uhyper()
    const dOff = r.uhyper()
    const dLen = r.uint32()
    const dType = r.uint32()
    const name = r.string(FOP_LIMITS.nameBytes)
    entries.push({ dIno, dOff, dLen, dType, name })
  }
  return { opRet, opErrno, xdata, entries }
}

/** glusterfs4-xdr.x gfx_readdirp_rsp. */
export interface GfxReaddirpRsp extends GfxCommonRsp {
  readonly entries: GfxDirpEntry[]
}

/** glusterfs4-xdr.x gfx_readdirp_rsp { op_ret, op_errno, xdata, gfx_dirplist *reply } */
export function readGfxReaddirpRsp(r: XdrReader): GfxReaddirpRsp {
  const opRet = r.int32()
  const opErrno = r.int32()
  const xdata = readGfxDict(r)
  const entries: GfxDirpEntry[] = []
  // gfx_dirplist { d_ino, d_off, d_len, d_type, name<>, stat, dict, nextentry* }: [1, node]… 0
  while (r.bool()) {
    if (entries.length === FOP_LIMITS.listEntries) throw tooManyEntries(r)
    const dIno = r.uhyper()
    const dOff = r.uhyper()
    const dLen = r.uint32()
    const dType = r.uint32()
    const name = r.string(FOP_LIMITS.nameBytes)
    const stat = readGfxIattx(r)
    const dict = readGfxDict(r)
    entries.push({ dIno, dOff, dLen, dType, name, stat, dict })
  }
  return { opRet, opErrno, xdata, entries }
}

/** glusterfs4-xdr.x gfx_rchecksum_rsp. */
export interface GfxRchecksumRsp extends GfxCommonRsp {
  readonly flags: number
  readonly weakChecksum: number
  readonly strongChecksum: Buffer
}

/**
 * glusterfs4-xdr.x gfx_rchecksum_rsp { op_ret, op_errno, xdata, flags, weak_checksum,
 * strong_checksum<> }
 */
export function readGfxRchecksumRsp(r: XdrReader): GfxRchecksumRsp {
  const opRet = r.int32()
  const opErrno = r.int32()
  const xdata = readGfxDict(r)
  const flags = r.uint32()
  const weakChecksum = r.uint32()
  const strongChecksum = Buffer.from(r.opaque(FOP_LIMITS.checksumBytes))
  return { opRet, opErrno, xdata, flags, weakChecksum, strongChecksum }
}

/** glusterfs4-xdr.x gfx_getactivelk_rsp. */
export interface GfxGetactivelkRsp extends GfxCommonRsp {
  readonly locks: Gfs3Locklist[]
}

/** glusterfs4-xdr.x gfx_getactivelk_rsp { op_ret, op_errno, xdata, gfs3_locklist *reply } */
export function readGfxGetactivelkRsp(r: XdrReader): GfxGetactivelkRsp {
  const opRet = r.int32()
  const opErrno = r.int32()
  const xdata = readGfxDict(r)
  const locks = readGfs3Locklist(r)
  return { opRet, opErrno, xdata, locks }
}
