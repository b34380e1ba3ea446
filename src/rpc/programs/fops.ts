// GlusterFS 4.x FOP program (1298437 v400): procedure numbers and the codecs for every request
// and reply struct of rpc/xdr/src/glusterfs4-xdr.x (tag v10.3), plus the gf_proto_flock,
// gf_proto_lease, gf_statfs and gfs3_locklist structs it borrows from glusterfs3-xdr.x.
//
// Encoders take each struct field as a parameter, in .x order, with `xdata?: Dict` last. They
// check what would silently corrupt the stream (gfid lengths, offsets, fds, byte counts) and throw
// a RangeError with code ERR_OUT_OF_RANGE; a throw can leave a partial message in the writer, so
// the caller discards it (`XdrWriter.discard`). Everything else that is a number is written as XDR
// writes it: an `unsigned int` modulo 2^32.
//
// Decoders return plain objects built in one place each (stable shapes), own every byte they
// return (gfids, dict values and lock owners are copied out of the record) except READ data,
// which is a view of the record. Every length is checked against the bytes present and a cap
// (FOP_LIMITS) before anything is allocated; malformed input throws XdrError.

import { XdrError } from '../../xdr/errors.ts'
import type { XdrReader } from '../../xdr/reader.ts'
import type { XdrWriter } from '../../xdr/writer.ts'
import type { RpcProgram } from '../message.ts'

// ------------------------------------------------------------------------------------------------
// Program and procedures

/**
 * Procedure numbers: `enum gf_fop_procnum` (GFS3_OP_*) in rpc/rpc-lib/src/protocol-common.h, shared
 * by v330 and v400. Not GF_FOP_* (glusterfs-fops.h), which diverges from 41 on.
 * COMPOUND (always GARBAGE_ARGS in 10.x) and PUT (not registered in v400) have no codecs here.
 */
export const FopProc = {
  NULL: 0,
  STAT: 1,
  READLINK: 2,
  MKNOD: 3,
  MKDIR: 4,
  UNLINK: 5,
  RMDIR: 6,
  SYMLINK: 7,
  RENAME: 8,
  LINK: 9,
  TRUNCATE: 10,
  OPEN: 11,
  READ: 12,
  WRITE: 13,
  STATFS: 14,
  FLUSH: 15,
  FSYNC: 16,
  SETXATTR: 17,
  GETXATTR: 18,
  REMOVEXATTR: 19,
  OPENDIR: 20,
  FSYNCDIR: 21,
  ACCESS: 22,
  CREATE: 23,
  FTRUNCATE: 24,
  FSTAT: 25,
  LK: 26,
  LOOKUP: 27,
  READDIR: 28,
  INODELK: 29,
  FINODELK: 30,
  ENTRYLK: 31,
  FENTRYLK: 32,
  XATTROP: 33,
  FXATTROP: 34,
  FGETXATTR: 35,
  FSETXATTR: 36,
  RCHECKSUM: 37,
  SETATTR: 38,
  FSETATTR: 39,
  READDIRP: 40,
  RELEASE: 41,
  RELEASEDIR: 42,
  FREMOVEXATTR: 43,
  FALLOCATE: 44,
  DISCARD: 45,
  ZEROFILL: 46,
  IPC: 47,
  SEEK: 48,
  COMPOUND: 49,
  LEASE: 50,
  GETACTIVELK: 51,
  SETACTIVELK: 52,
  ICREATE: 53,
  NAMELINK: 54,
  PUT: 55,
  COPY_FILE_RANGE: 56,
} as const
/** A FOP procedure number. */
export type FopProc = (typeof FopProc)[keyof typeof FopProc]
/** A FOP procedure name, as GFS3_OP_* without the prefix. */
export type FopProcName = keyof typeof FopProc

function procNames(): readonly FopProcName[] {
  const names: FopProcName[] = []
  for (const name of Object.keys(FopProc) as FopProcName[]) names[FopProc[name]] = name
  return names
}

/** Procedure names indexed by number (`FOP_PROC_NAMES[13] === 'WRITE'`), for errors and logs. */
export const FOP_PROC_NAMES: readonly FopProcName[] = procNames()

/**
 * "GlusterFS 4.x v1" (protocol-common.h GLUSTER_FOP_PROGRAM, GLUSTER_FOP_VERSION_v2). SETVOLUME's
 * `fops-version` carries `number`, not `version`.
 */
export const FOP_PROGRAM = {
  name: 'GlusterFS 4.x v1',
  number: 1298437,
  version: 400,
  procedures: FOP_PROC_NAMES,
} as const satisfies RpcProgram

/**
 * Decoder caps, so that a hostile length or list can neither allocate nor loop beyond them. Each
 * is also bounded by the bytes actually present.
 */
export const FOP_LIMITS = {
  /** gfx_dict pairs per dict (real dicts hold a few dozen). */
  dictPairs: 65536,
  /** gfx_dict key bytes, NUL included (xattr names are at most 255). */
  dictKeyBytes: 4096,
  /** Entries in one readdir/readdirp/locklist reply. */
  listEntries: 65536,
  /** Entry names, xattr names, symlink targets, client uids: PATH_MAX. */
  nameBytes: 4096,
  /** gf_proto_flock.lk_owner: GF_MAX_LOCK_OWNER_LEN (glusterfs-fops.h). */
  lkOwnerBytes: 1024,
  /** gfx_rchecksum_rsp.strong_checksum (SHA-256 is 32 bytes). */
  checksumBytes: 1024,
} as const

/** Lock commands in gfx_lk_req/gfx_inodelk_req `cmd` (glusterfs-fops.h glusterfs_lk_cmds_t). */
export const GfLkCmd = {
  GETLK: 0, SETLK: 1, SETLKW: 2, RESLK_LCK: 3, RESLK_LCKW: 4, RESLK_UNLCK: 5, GETLK_FD: 6,
} as const
/** Lock types in `type` and gf_proto_flock.type (glusterfs-fops.h glusterfs_lk_types_t). */
export const GfLkType = { RDLCK: 0, WRLCK: 1, UNLCK: 2 } as const
/** gfx_entrylk_req `cmd` (glusterfs-fops.h entrylk_cmd). */
export const EntrylkCmd = { LOCK: 0, UNLOCK: 1, LOCK_NB: 2 } as const
/** gfx_entrylk_req `type` (glusterfs-fops.h entrylk_type). */
export const EntrylkType = { RDLCK: 0, WRLCK: 1 } as const
/** gfx_seek_req `what` (glusterfs-fops.h gf_seek_what_t). */
export const SeekWhat = { DATA: 0, HOLE: 1 } as const

// ------------------------------------------------------------------------------------------------
// Argument checks (cold paths build the error; the checks themselves allocate nothing)

function argError(name: string, expected: string, received: unknown): RangeError {
  return Object.assign(
    new RangeError(`The value of "${name}" is out of range. It must be ${expected}. Received ${String(received)}`),
    { code: 'ERR_OUT_OF_RANGE' as const },
  )
}

function writeGfid(w: XdrWriter, name: string, gfid: Uint8Array): void {
  if (gfid.length !== 16) throw argError(name, '16 bytes long', `${gfid.length} bytes`)
  w.fixedOpaque(gfid)
}

/** Remote fds are i64: 0, 1, 2… from OPEN/CREATE/OPENDIR, or -2 for the anonymous fd. */
function writeFd(w: XdrWriter, name: string, fd: number): void {
  if (!Number.isSafeInteger(fd)) throw argError(name, 'a safe integer', fd)
  w.hyper(fd)
}

function writeOffset(w: XdrWriter, name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw argError(name, '>= 0 and <= 2^53 - 1', value)
  w.uhyper(value)
}

function writeCount(w: XdrWriter, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw argError(name, '>= 0 and <= 2^32 - 1', value)
  w.uint32(value)
}

const U64_MAX = 0xffffffffffffffffn

/** Directory cookies are opaque u64 (ext4 d_off reaches 2^63 - 1), so they may be bigints. */
function writeCookie(w: XdrWriter, name: string, value: bigint | number): void {
  if (typeof value === 'bigint') {
    if (value < 0n || value > U64_MAX) throw argError(name, '>= 0 and <= 2^64 - 1', value)
    w.uhyper(value)
  } else {
    writeOffset(w, name, value)
  }
}

// ------------------------------------------------------------------------------------------------
// gfx_iattx

/**
 * A file's attributes: glusterfs4-xdr.x `gfx_iattx` (148 bytes on the wire). Sizes and times are
 * numbers (decoding throws XdrError beyond 2^53); inode and device numbers are bigints because
 * `ino` is the last 8 bytes of the gfid and uses all 64 bits. Failed replies carry all-zero iatts,
 * except that a failed LOOKUP still reports the parent's (server4_lookup_cbk fills `poststat`
 * before looking at op_ret).
 */
export class Iatt {
  /** 16 raw gfid bytes, owned by this object. */
  gfid: Buffer
  /** Which fields are valid: iatt.h IATT_* bits (bricks send 0x17ff). */
  flags = 0
  /** The gfid's last 8 bytes, big-endian (root: 1). */
  ino = 0n
  dev = 0n
  /** Device number of a special file. */
  rdev = 0n
  /** Bytes. */
  size = 0
  /** 512-byte blocks. */
  blocks = 0
  /** statx attributes (STATX_ATTR_*). */
  attributes = 0
  attributesMask = 0
  /** Seconds since the epoch; each has a `*Nsec` part. */
  atime = 0
  mtime = 0
  ctime = 0
  btime = 0
  atimeNsec = 0
  mtimeNsec = 0
  ctimeNsec = 0
  btimeNsec = 0
  nlink = 0
  uid = 0
  gid = 0
  blksize = 0
  /** POSIX st_mode: S_IF* type bits and permission bits (Linux values). */
  mode = 0

  /** All fields zero; `gfid` defaults to 16 zero bytes. */
  constructor(gfid: Buffer = Buffer.alloc(16)) {
    this.gfid = gfid
  }
}

/** Encoded size of gfx_iattx. */
const IATTX_BYTES = 148

/** What `writeGfxIattx` needs: an `Iatt`, or any object with its fields. */
export type IattLike = Readonly<Omit<Iatt, 'gfid'>> & { readonly gfid: Uint8Array }

/** glusterfs4-xdr.x gfx_iattx. */
export function readGfxIattx(r: XdrReader): Iatt {
  const at = r.offset
  r.skip(16)
  const gfid = Buffer.allocUnsafe(16)
  r.buffer.copy(gfid, 0, at, at + 16)
  const ia = new Iatt(gfid)
  ia.flags = r.uhyperNumber()
  ia.ino = r.uhyper()
  ia.dev = r.uhyper()
  ia.rdev = r.uhyper()
  ia.size = r.uhyperNumber()
  ia.blocks = r.uhyperNumber()
  ia.attributes = r.uhyperNumber()
  ia.attributesMask = r.uhyperNumber()
  ia.atime = r.hyperNumber()
  ia.mtime = r.hyperNumber()
  ia.ctime = r.hyperNumber()
  ia.btime = r.hyperNumber()
  ia.atimeNsec = r.uint32()
  ia.mtimeNsec = r.uint32()
  ia.ctimeNsec = r.uint32()
  ia.btimeNsec = r.uint32()
  ia.nlink = r.uint32()
  ia.uid = r.uint32()
  ia.gid = r.uint32()
  ia.blksize = r.uint32()
  ia.mode = r.uint32()
  return ia
}

/** glusterfs4-xdr.x gfx_iattx (SETATTR/FSETATTR `stbuf`, IATT dict values). */
export function writeGfxIattx(w: XdrWriter, iatt: IattLike): void {
  writeGfid(w, 'iatt.gfid', iatt.gfid)
  w.uhyper(iatt.flags)
  w.uhyper(iatt.ino)
  w.uhyper(iatt.dev)
  w.uhyper(iatt.rdev)
  w.uhyper(iatt.size)
  w.uhyper(iatt.blocks)
  w.uhyper(iatt.attributes)
  w.uhyper(iatt.attributesMask)
  w.hyper(iatt.atime)
  w.hyper(iatt.mtime)
  w.hyper(iatt.ctime)
  w.hyper(iatt.btime)
  w.uint32(iatt.atimeNsec)
  w.uint32(iatt.mtimeNsec)
  w.uint32(iatt.ctimeNsec)
  w.uint32(iatt.btimeNsec)
  w.uint32(iatt.nlink)
  w.uint32(iatt.uid)
  w.uint32(iatt.gid)
  w.uint32(iatt.blksize)
  w.uint32(iatt.mode)
}

// ------------------------------------------------------------------------------------------------
// gfx_dict

/** gfx_value discriminants: glusterfs-fops.h gf_dict_data_type_t. */
export const DictType = {
  STR_OLD: 1,
  INT: 2,
  UINT: 3,
  DOUBLE: 4,
  STR: 5,
  PTR: 6,
  GFUUID: 7,
  IATT: 8,
  MDATA: 9,
} as const
/** A gfx_value discriminant. */
export type DictType = (typeof DictType)[keyof typeof DictType]

/** glusterfs4-xdr.x gfx_mdata_iatt: the times of the consistent-time feature. */
export interface GfxMdataIatt {
  readonly atime: number
  readonly mtime: number
  readonly ctime: number
  readonly atimeNsec: number
  readonly mtimeNsec: number
  readonly ctimeNsec: number
}

/** One typed dict value, as the gfx_value union carries it. */
export type DictValue =
  | { readonly type: typeof DictType.STR_OLD | typeof DictType.PTR | typeof DictType.GFUUID; readonly value: Buffer }
  | { readonly type: typeof DictType.INT | typeof DictType.UINT; readonly value: bigint }
  | { readonly type: typeof DictType.DOUBLE; readonly value: number }
  | { readonly type: typeof DictType.STR; readonly value: string }
  | { readonly type: typeof DictType.IATT; readonly value: Iatt }
  | { readonly type: typeof DictType.MDATA; readonly value: GfxMdataIatt }

function stripNul(bytes: Buffer): number {
  return bytes.length > 0 && bytes[bytes.length - 1] === 0 ? bytes.length - 1 : bytes.length
}

/**
 * GlusterFS dict_t as the FOP program carries it (`xdata`, SETXATTR/XATTROP `dict`, readdirp
 * entries): an insertion-ordered map of keys to typed values. The type matters to the server
 * (`gfid-req` must be GFUUID, layout requests UINT), so each setter names it. Buffers given to
 * setters are kept by reference.
 */
export class Dict implements Iterable<[string, DictValue]> {
  readonly #map = new Map<string, DictValue>()

  /** Number of pairs. */
  get size(): number {
    return this.#map.size
  }

  has(key: string): boolean {
    return this.#map.has(key)
  }

  /** The typed value, whatever its type. */
  get(key: string): DictValue | undefined {
    return this.#map.get(key)
  }

  /** Sets a typed value; the typed setters below are shorthands for this. */
  set(key: string, value: DictValue): this {
    this.#map.set(key, value)
    return this
  }

  delete(key: string): boolean {
    return this.#map.delete(key)
  }

  /** Keys in insertion order, which is also the wire order. */
  keys(): IterableIterator<string> {
    return this.#map.keys()
  }

  /** `[key, value]` pairs in insertion order. */
  [Symbol.iterator](): IterableIterator<[string, DictValue]> {
    return this.#map.entries()
  }

  /** STR: sent with a trailing NUL, as dict_set_str does. */
  setStr(key: string, value: string): this {
    return this.set(key, { type: DictType.STR, value })
  }

  /** INT: a signed 64-bit integer. Throws RangeError outside that range. */
  setInt(key: string, value: bigint | number): this {
    const v = BigInt(value)
    if (BigInt.asIntN(64, v) !== v) throw argError(key, 'a signed 64-bit integer', value)
    return this.set(key, { type: DictType.INT, value: v })
  }

  /** UINT: an unsigned 64-bit integer (e.g. `trusted.glusterfs.dht: 16` asks for the layout). */
  setUint(key: string, value: bigint | number): this {
    const v = BigInt(value)
    if (BigInt.asUintN(64, v) !== v) throw argError(key, 'an unsigned 64-bit integer', value)
    return this.set(key, { type: DictType.UINT, value: v })
  }

  setDouble(key: string, value: number): this {
    return this.set(key, { type: DictType.DOUBLE, value })
  }

  /** PTR: raw bytes, how xattr values travel (SETXATTR dicts, layouts, linkto). */
  setPtr(key: string, value: Buffer): this {
    return this.set(key, { type: DictType.PTR, value })
  }

  /** GFUUID: exactly 16 raw bytes (`gfid-req`). */
  setGfuuid(key: string, value: Buffer): this {
    if (value.length !== 16) throw argError(key, '16 bytes long', `${value.length} bytes`)
    return this.set(key, { type: DictType.GFUUID, value })
  }

  setIatt(key: string, value: Iatt): this {
    return this.set(key, { type: DictType.IATT, value })
  }

  setMdata(key: string, value: GfxMdataIatt): this {
    return this.set(key, { type: DictType.MDATA, value })
  }

  /**
   * The value as text: STR as is; PTR and STR_OLD decoded as UTF-8 without their trailing NUL
   * (bricks return xattrs such as `trusted.glusterfs.dht.linkto` as PTR "vol-client-1\0").
   */
  getStr(key: string): string | undefined {
    const v = this.#map.get(key)
    if (v === undefined) return undefined
    if (v.type === DictType.STR) return v.value
    if (v.type === DictType.PTR || v.type === DictType.STR_OLD) return v.value.toString('utf8', 0, stripNul(v.value))
    return undefined
  }

  /** The raw bytes of a PTR, STR_OLD or GFUUID value. */
  getPtr(key: string): Buffer | undefined {
    const v = this.#map.get(key)
    if (v === undefined) return undefined
    if (v.type === DictType.PTR || v.type === DictType.STR_OLD || v.type === DictType.GFUUID) return v.value
    return undefined
  }

  /** An INT or UINT value. */
  getInt(key: string): bigint | undefined {
    const v = this.#map.get(key)
    return v !== undefined && (v.type === DictType.INT || v.type === DictType.UINT) ? v.value : undefined
  }

  getDouble(key: string): number | undefined {
    const v = this.#map.get(key)
    return v !== undefined && v.type === DictType.DOUBLE ? v.value : undefined
  }

  getGfuuid(key: string): Buffer | undefined {
    const v = this.#map.get(key)
    return v !== undefined && v.type === DictType.GFUUID ? v.value : undefined
  }

  getIatt(key: string): Iatt | undefined {
    const v = this.#map.get(key)
    return v !== undefined && v.type === DictType.IATT ? v.value : undefined
  }

  getMdata(key: string): GfxMdataIatt | undefined {
    const v = this.#map.get(key)
    return v !== undefined && v.type === DictType.MDATA ? v.value : undefined
  }
}

/**
 * glusterfs4-xdr.x gfx_dict:
 * ```
 * xdr_size u32 | count i32 | pairs_len u32 | pairs_len × { key opaque<> (with NUL) | type i32 | arm }
 * ```
 * `undefined` is the NULL dict `0, -1, 0` (glusterfs3.h dict_to_xdr). `xdr_size` is the pairs'
 * encoded size: the brick uses it to find where WRITE data starts, so it is measured, not guessed.
 */
export function writeGfxDict(w: XdrWriter, dict: Dict | undefined): void {
  if (dict === undefined) {
    w.uint32(0).int32(-1).uint32(0)
    return
  }
  const sizeAt = w.reserve(4)
  w.int32(dict.size).uint32(dict.size)
  const start = w.length
  for (const [key, value] of dict) {
    w.string(`${key}\0`)
    writeGfxValue(w, value)
  }
  w.patchUint32(sizeAt, w.length - start)
}

function writeGfxValue(w: XdrWriter, v: DictValue): void {
  w.int32(v.type)
  switch (v.type) {
    case DictType.INT:
      w.hyper(v.value)
      break
    case DictType.UINT:
      w.uhyper(v.value)
      break
    case DictType.DOUBLE:
      w.double(v.value)
      break
    case DictType.STR:
      w.string(`${v.value}\0`)
      break
    case DictType.STR_OLD:
    case DictType.PTR:
      w.opaque(v.value)
      break
    case DictType.GFUUID:
      writeGfid(w, 'gfuuid', v.value)
      break
    case DictType.IATT:
      writeGfxIattx(w, v.value)
      break
    case DictType.MDATA:
      w.hyper(v.value.atime).hyper(v.value.mtime).hyper(v.value.ctime)
      w.uint32(v.value.atimeNsec).uint32(v.value.mtimeNsec).uint32(v.value.ctimeNsec)
      break
  }
}

/** Smallest gfx_dict_pair: empty key opaque (4) + type (4) + empty opaque arm (4). */
const MIN_PAIR_BYTES = 12

/**
 * glusterfs4-xdr.x gfx_dict. The NULL dict (count < 0) and the empty dict both come back as
 * `undefined`, without allocating. `xdr_size` is not trusted: the pairs are parsed in sequence.
 */
export function readGfxDict(r: XdrReader): Dict | undefined {
  r.uint32() // xdr_size
  const count = r.int32()
  const n = r.length(FOP_LIMITS.dictPairs, MIN_PAIR_BYTES)
  if (n === 0) return undefined
  const dict = new Dict()
  for (let i = 0; i < n; i++) {
    const keyLen = r.length(FOP_LIMITS.dictKeyBytes)
    const keyAt = r.offset
    r.skip((keyLen + 3) & ~3)
    const keyEnd = keyLen > 0 && r.buffer[keyAt + keyLen - 1] === 0 ? keyAt + keyLen - 1 : keyAt + keyLen
    dict.set(r.buffer.toString('utf8', keyAt, keyEnd), readGfxValue(r))
  }
  // xdr_to_dict: a negative count means NULL whatever pairs followed; they were consumed above.
  return count < 0 ? undefined : dict
}

function readGfxValue(r: XdrReader): DictValue {
  const type = r.int32()
  switch (type) {
    case DictType.INT:
      return { type, value: r.hyper() }
    case DictType.UINT:
      return { type, value: r.uhyper() }
    case DictType.DOUBLE:
      return { type, value: r.double() }
    case DictType.STR: {
      const bytes = r.opaque()
      return { type, value: bytes.toString('utf8', 0, stripNul(bytes)) }
    }
    case DictType.STR_OLD:
    case DictType.PTR:
      return { type, value: Buffer.from(r.opaque()) }
    case DictType.GFUUID:
      return { type, value: Buffer.from(r.fixedOpaque(16)) }
    case DictType.IATT:
      return { type, value: readGfxIattx(r) }
    case DictType.MDATA: {
      const atime = r.hyperNumber()
      const mtime = r.hyperNumber()
      const ctime = r.hyperNumber()
      const atimeNsec = r.uint32()
      const mtimeNsec = r.uint32()
      const ctimeNsec = r.uint32()
      return { type, value: { atime, mtime, ctime, atimeNsec, mtimeNsec, ctimeNsec } }
    }
    default:
      // gfx_value has no default arm: the C decoder rejects the message too.
      throw new XdrError('ERR_XDR_VALUE', `XDR: gfx_value type ${type} is not a GF_DATA_TYPE`)
  }
}

// ------------------------------------------------------------------------------------------------
// Structs borrowed from glusterfs3-xdr.x

/** glusterfs3-xdr.x gf_proto_flock. The lock owner that counts is the credential's (§1.4). */
export interface GfProtoFlock {
  /** GfLkType. */
  readonly type: number
  /** SEEK_SET 0, SEEK_CUR 1, SEEK_END 2. */
  readonly whence: number
  /** Bytes; up to 2^53 - 1 as a number, any u64 as a bigint (AFR's metadata range starts at LLONG_MAX - 1). */
  readonly start: number | bigint
  /** Bytes; 0 = to the end of the file. */
  readonly len: number
  readonly pid: number
  /** At most 1024 bytes. */
  readonly lkOwner: Uint8Array
}

/** glusterfs3-xdr.x gf_proto_flock { type, whence, start u64, len u64, pid, lk_owner<> } */
export function writeGfProtoFlock(w: XdrWriter, flock: GfProtoFlock): void {
  if (flock.lkOwner.length > FOP_LIMITS.lkOwnerBytes) {
    throw argError('flock.lkOwner', `at most ${FOP_LIMITS.lkOwnerBytes} bytes long`, `${flock.lkOwner.length} bytes`)
  }
  w.uint32(flock.type).uint32(flock.whence)
  if (typeof flock.start === 'bigint') {
    if (flock.start < 0n || flock.start > U64_MAX) throw argError('flock.start', '>= 0 and <= 2^64 - 1', flock.start)
    w.uhyper(flock.start)
  } else writeOffset(w, 'flock.start', flock.start)
  writeOffset(w, 'flock.len', flock.len)
  w.uint32(flock.pid)
  w.opaque(flock.lkOwner)
}

/** glusterfs3-xdr.x gf_proto_flock. */
export function readGfProtoFlock(r: XdrReader): GfProtoFlock {
  const type = r.uint32()
  const whence = r.uint32()
  const start = r.uhyperNumber()
  const len = r.uhyperNumber()
  const pid = r.uint32()
  const lkOwner = Buffer.from(r.opaque(FOP_LIMITS.lkOwnerBytes))
  return { type, whence, start, len, pid, lkOwner }
}

/** glusterfs3-xdr.x gf_proto_lease; values from glusterfs-fops.h gf_lease_cmds_t/gf_lease_types_t. */
export interface GfProtoLease {
  /** GET 1, SET 2, UNLK 3. */
  readonly cmd: number
  /** NONE 0, RD 1, RW 2. */
  readonly leaseType: number
  /** 16 bytes. */
  readonly leaseId: Uint8Array
  readonly leaseFlags: number
}

/** glusterfs3-xdr.x gf_proto_lease { cmd, lease_type, lease_id[16], lease_flags } */
export function writeGfProtoLease(w: XdrWriter, lease: GfProtoLease): void {
  w.uint32(lease.cmd).uint32(lease.leaseType)
  writeGfid(w, 'lease.leaseId', lease.leaseId)
  w.uint32(lease.leaseFlags)
}

/** glusterfs3-xdr.x gf_proto_lease. */
export function readGfProtoLease(r: XdrReader): GfProtoLease {
  const cmd = r.uint32()
  const leaseType = r.uint32()
  const leaseId = Buffer.from(r.fixedOpaque(16))
  const leaseFlags = r.uint32()
  return { cmd, leaseType, leaseId, leaseFlags }
}

/**
 * glusterfs3-xdr.x gf_statfs (struct statvfs). Capacities above 2^53 are rounded to the nearest
 * double rather than rejected: some filesystems report "unlimited" inodes as 2^64 - 1, and
 * failing STATFS would fail the mount. `fsid` is an identifier, kept exact as a bigint.
 */
export interface GfStatfs {
  readonly bsize: number
  readonly frsize: number
  readonly blocks: number
  readonly bfree: number
  readonly bavail: number
  readonly files: number
  readonly ffree: number
  readonly favail: number
  readonly fsid: bigint
  readonly flag: number
  readonly namemax: number
}

const TWO_32 = 4294967296

function uhyperApprox(r: XdrReader): number {
  const hi = r.uint32()
  return hi * TWO_32 + r.uint32()
}

/** glusterfs3-xdr.x gf_statfs: 11 × u64. */
export function readGfStatfs(r: XdrReader): GfStatfs {
  const bsize = uhyperApprox(r)
  const frsize = uhyperApprox(r)
  const blocks = uhyperApprox(r)
  const bfree = uhyperApprox(r)
  const bavail = uhyperApprox(r)
  const files = uhyperApprox(r)
  const ffree = uhyperApprox(r)
  const favail = uhyperApprox(r)
  const fsid = r.uhyper()
  const flag = uhyperApprox(r)
  const namemax = uhyperApprox(r)
  return { bsize, frsize, blocks, bfree, bavail, files, ffree, favail, fsid, flag, namemax }
}

/** One node of glusterfs3-xdr.x gfs3_locklist (GETACTIVELK/SETACTIVELK). */
export interface Gfs3Locklist {
  readonly flock: GfProtoFlock
  readonly clientUid: string
  readonly lkFlags: number
}

/** glusterfs3-xdr.x `gfs3_locklist *`: `[1, node]… 0`. */
export function writeGfs3Locklist(w: XdrWriter, locks: readonly Gfs3Locklist[]): void {
  for (const lock of locks) {
    w.uint32(1)
    writeGfProtoFlock(w, lock.flock)
    w.string(lock.clientUid)
    w.uint32(lock.lkFlags)
  }
  w.uint32(0)
}

/** glusterfs3-xdr.x `gfs3_locklist *`. */
export function readGfs3Locklist(r: XdrReader): Gfs3Locklist[] {
  const locks: Gfs3Locklist[] = []
  while (r.bool()) {
    if (locks.length === FOP_LIMITS.listEntries) throw tooManyEntries(r)
    const flock = readGfProtoFlock(r)
    const clientUid = r.string(FOP_LIMITS.nameBytes)
    const lkFlags = r.uint32()
    locks.push({ flock, clientUid, lkFlags })
  }
  return locks
}

function tooManyEntries(r: XdrReader): XdrError {
  return new XdrError('ERR_XDR_LENGTH', `XDR: list at offset ${r.offset} exceeds ${FOP_LIMITS.listEntries} entries`)
}

// ------------------------------------------------------------------------------------------------
// Requests (glusterfs4-xdr.x gfx_*_req), in procedure order.

/** gfx_stat_req, STAT (1). Reply: readGfxCommonIattRsp. */
export function writeGfxStatReq(w: XdrWriter, gfid: Uint8Array, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeGfxDict(w, xdata)
}

/** gfx_readlink_req, READLINK (2): `size` is the buffer size. Reply: readGfxReadlinkRsp. */
export function writeGfxReadlinkReq(w: XdrWriter, gfid: Uint8Array, size: number, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeCount(w, 'size', size)
  writeGfxDict(w, xdata)
}

/**
 * gfx_mknod_req, MKNOD (3): `mode` includes the S_IF* type; xdata needs `gfid-req`.
 * Reply: readGfxCommon3iattRsp.
 */
export function writeGfxMknodReq(w: XdrWriter, pargfid: Uint8Array, dev: number, mode: number,
  umask: number, bname: string, xdata?: Dict): void {
  writeGfid(w, 'pargfid', pargfid)
  writeOffset(w, 'dev', dev)
  w.uint32(mode).uint32(umask)
  w.string(bname)
  writeGfxDict(w, xdata)
}

/** gfx_mkdir_req, MKDIR (4): xdata needs `gfid-req`. Reply: readGfxCommon3iattRsp. */
export function writeGfxMkdirReq(w: XdrWriter, pargfid: Uint8Array, mode: number, umask: number,
  bname: string, xdata?: Dict): void {
  writeGfid(w, 'pargfid', pargfid)
  w.uint32(mode).uint32(umask)
  w.string(bname)
  writeGfxDict(w, xdata)
}

/** gfx_unlink_req, UNLINK (5). Reply: readGfxCommon2iattRsp (pre/post parent). */
export function writeGfxUnlinkReq(w: XdrWriter, pargfid: Uint8Array, bname: string, xflags: number,
  xdata?: Dict): void {
  writeGfid(w, 'pargfid', pargfid)
  w.string(bname)
  w.uint32(xflags)
  writeGfxDict(w, xdata)
}

/**
 * gfx_rmdir_req, RMDIR (6). `xflags` must be 0: non-zero makes the brick remove the whole tree
 * (posix-entry-ops.c posix_rmdir). Reply: readGfxCommon2iattRsp (pre/post parent).
 */
export function writeGfxRmdirReq(w: XdrWriter, pargfid: Uint8Array, xflags: number, bname: string,
  xdata?: Dict): void {
  writeGfid(w, 'pargfid', pargfid)
  w.int32(xflags)
  w.string(bname)
  writeGfxDict(w, xdata)
}

/** gfx_symlink_req, SYMLINK (7): xdata needs `gfid-req`. Reply: readGfxCommon3iattRsp. */
export function writeGfxSymlinkReq(w: XdrWriter, pargfid: Uint8Array, bname: string, umask: number,
  linkname: string, xdata?: Dict): void {
  writeGfid(w, 'pargfid', pargfid)
  w.string(bname)
  w.uint32(umask)
  w.string(linkname)
  writeGfxDict(w, xdata)
}

/**
 * gfx_rename_req, RENAME (8): `oldgfid`/`newgfid` are the old and new *parents*.
 * Reply: readGfxRenameRsp.
 */
export function writeGfxRenameReq(w: XdrWriter, oldgfid: Uint8Array, newgfid: Uint8Array,
  oldbname: string, newbname: string, xdata?: Dict): void {
  writeGfid(w, 'oldgfid', oldgfid)
  writeGfid(w, 'newgfid', newgfid)
  w.string(oldbname)
  w.string(newbname)
  writeGfxDict(w, xdata)
}

/**
 * gfx_link_req, LINK (9): `oldgfid` is the inode, `newgfid` the new parent.
 * Reply: readGfxCommon3iattRsp.
 */
export function writeGfxLinkReq(w: XdrWriter, oldgfid: Uint8Array, newgfid: Uint8Array,
  newbname: string, xdata?: Dict): void {
  writeGfid(w, 'oldgfid', oldgfid)
  writeGfid(w, 'newgfid', newgfid)
  w.string(newbname)
  writeGfxDict(w, xdata)
}

/** gfx_truncate_req, TRUNCATE (10). Reply: readGfxCommon2iattRsp. */
export function writeGfxTruncateReq(w: XdrWriter, gfid: Uint8Array, offset: number, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeOffset(w, 'offset', offset)
  writeGfxDict(w, xdata)
}

/** gfx_open_req, OPEN (11): `flags` are GF_O_* (Linux values). Reply: readGfxOpenRsp. */
export function writeGfxOpenReq(w: XdrWriter, gfid: Uint8Array, flags: number, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  w.uint32(flags)
  writeGfxDict(w, xdata)
}

/** gfx_read_req, READ (12): `size` bytes at `offset`. Reply: readGfxReadRsp. */
export function writeGfxReadReq(w: XdrWriter, gfid: Uint8Array, fd: number, offset: number, size: number,
  flag: number, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  writeOffset(w, 'offset', offset)
  writeCount(w, 'size', size)
  w.uint32(flag)
  writeGfxDict(w, xdata)
}

/**
 * gfx_write_req, WRITE (13): the header fields only. The payload is not copied into the writer:
 * the RPC layer sends it after these bytes, unpadded and without a length, inside the same
 * record; `size` must equal its length (server4_0_writev_vecsizer finds the payload through
 * xdata's xdr_size and the brick checks `size`). Reply: readGfxCommon2iattRsp.
 */
export function writeGfxWriteReq(w: XdrWriter, gfid: Uint8Array, fd: number, offset: number, size: number,
  flag: number, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  writeOffset(w, 'offset', offset)
  writeCount(w, 'size', size)
  w.uint32(flag)
  writeGfxDict(w, xdata)
}

/** gfx_statfs_req, STATFS (14). Reply: readGfxStatfsRsp. */
export function writeGfxStatfsReq(w: XdrWriter, gfid: Uint8Array, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeGfxDict(w, xdata)
}

/** gfx_flush_req, FLUSH (15). Reply: readGfxCommonRsp. */
export function writeGfxFlushReq(w: XdrWriter, gfid: Uint8Array, fd: number, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  writeGfxDict(w, xdata)
}

/** gfx_fsync_req, FSYNC (16): `data` ≠ 0 means fdatasync. Reply: readGfxCommon2iattRsp. */
export function writeGfxFsyncReq(w: XdrWriter, gfid: Uint8Array, fd: number, data: number, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  w.uint32(data)
  writeGfxDict(w, xdata)
}

/**
 * gfx_setxattr_req, SETXATTR (17): `dict` maps names to PTR values; `flags` XATTR_CREATE 1 /
 * XATTR_REPLACE 2. Reply: readGfxCommonRsp.
 */
export function writeGfxSetxattrReq(w: XdrWriter, gfid: Uint8Array, flags: number, dict: Dict,
  xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  w.uint32(flags)
  writeGfxDict(w, dict)
  writeGfxDict(w, xdata)
}

/**
 * gfx_getxattr_req, GETXATTR (18): `namelen` is a flag, 1 = `name` given, 0 = list all
 * (client_pre_getxattr_v2). Reply: readGfxCommonDictRsp.
 */
export function writeGfxGetxattrReq(w: XdrWriter, gfid: Uint8Array, namelen: number, name: string,
  xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  w.uint32(namelen)
  w.string(name)
  writeGfxDict(w, xdata)
}

/** gfx_removexattr_req, REMOVEXATTR (19). Reply: readGfxCommonRsp. */
export function writeGfxRemovexattrReq(w: XdrWriter, gfid: Uint8Array, name: string, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  w.string(name)
  writeGfxDict(w, xdata)
}

/** gfx_opendir_req, OPENDIR (20). Reply: readGfxOpenRsp. */
export function writeGfxOpendirReq(w: XdrWriter, gfid: Uint8Array, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeGfxDict(w, xdata)
}

/** gfx_fsyncdir_req, FSYNCDIR (21). Reply: readGfxCommonRsp. */
export function writeGfxFsyncdirReq(w: XdrWriter, gfid: Uint8Array, fd: number, data: number,
  xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  w.int32(data)
  writeGfxDict(w, xdata)
}

/** gfx_access_req, ACCESS (22): `mask` R_OK 4 | W_OK 2 | X_OK 1. Reply: readGfxCommonRsp. */
export function writeGfxAccessReq(w: XdrWriter, gfid: Uint8Array, mask: number, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  w.uint32(mask)
  writeGfxDict(w, xdata)
}

/**
 * gfx_create_req, CREATE (23): `flags` are GF_O_*; xdata needs `gfid-req` or the brick fails with
 * EINVAL. Reply: readGfxCreateRsp.
 */
export function writeGfxCreateReq(w: XdrWriter, pargfid: Uint8Array, flags: number, mode: number,
  umask: number, bname: string, xdata?: Dict): void {
  writeGfid(w, 'pargfid', pargfid)
  w.uint32(flags).uint32(mode).uint32(umask)
  w.string(bname)
  writeGfxDict(w, xdata)
}

/** gfx_ftruncate_req, FTRUNCATE (24). Reply: readGfxCommon2iattRsp. */
export function writeGfxFtruncateReq(w: XdrWriter, gfid: Uint8Array, fd: number, offset: number,
  xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  writeOffset(w, 'offset', offset)
  writeGfxDict(w, xdata)
}

/** gfx_fstat_req, FSTAT (25). Reply: readGfxCommonIattRsp. */
export function writeGfxFstatReq(w: XdrWriter, gfid: Uint8Array, fd: number, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  writeGfxDict(w, xdata)
}

/** gfx_lk_req, LK (26): `cmd` GfLkCmd, `type` GfLkType. Reply: readGfxLkRsp. */
export function writeGfxLkReq(w: XdrWriter, gfid: Uint8Array, fd: number, cmd: number, type: number,
  flock: GfProtoFlock, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  w.uint32(cmd).uint32(type)
  writeGfProtoFlock(w, flock)
  writeGfxDict(w, xdata)
}

/**
 * gfx_lookup_req, LOOKUP (27): a named lookup gives (`pargfid`, `bname`) with a null `gfid`; a
 * nameless one gives `gfid` and `bname` "". `flags` is sent as 0.
 * Reply: readGfxCommon2iattRsp (prestat = the entry, poststat = its parent).
 */
export function writeGfxLookupReq(w: XdrWriter, gfid: Uint8Array, pargfid: Uint8Array, flags: number,
  bname: string, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeGfid(w, 'pargfid', pargfid)
  w.uint32(flags)
  w.string(bname)
  writeGfxDict(w, xdata)
}

/**
 * gfx_readdir_req, READDIR (28): `offset` is 0 or the last entry's `dOff` (a bigint cookie);
 * `size` caps the reply bytes. Reply: readGfxReaddirRsp.
 */
export function writeGfxReaddirReq(w: XdrWriter, gfid: Uint8Array, fd: number, offset: bigint | number,
  size: number, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  writeCookie(w, 'offset', offset)
  writeCount(w, 'size', size)
  writeGfxDict(w, xdata)
}

/** gfx_inodelk_req, INODELK (29): `volume` is the lock domain. Reply: readGfxCommonRsp. */
export function writeGfxInodelkReq(w: XdrWriter, gfid: Uint8Array, cmd: number, type: number,
  flock: GfProtoFlock, volume: string, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  w.uint32(cmd).uint32(type)
  writeGfProtoFlock(w, flock)
  w.string(volume)
  writeGfxDict(w, xdata)
}

/** gfx_finodelk_req, FINODELK (30). Reply: readGfxCommonRsp. */
export function writeGfxFinodelkReq(w: XdrWriter, gfid: Uint8Array, fd: number, cmd: number, type: number,
  flock: GfProtoFlock, volume: string, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  w.uint32(cmd).uint32(type)
  writeGfProtoFlock(w, flock)
  w.string(volume)
  writeGfxDict(w, xdata)
}

/**
 * gfx_entrylk_req, ENTRYLK (31): `gfid` is the parent directory, `namelen` a flag (1 = `name`
 * given), `volume` the lock domain. Reply: readGfxCommonRsp.
 */
export function writeGfxEntrylkReq(w: XdrWriter, gfid: Uint8Array, cmd: number, type: number,
  namelen: number, name: string, volume: string, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  w.uint32(cmd).uint32(type)
  writeOffset(w, 'namelen', namelen)
  w.string(name)
  w.string(volume)
  writeGfxDict(w, xdata)
}

/** gfx_fentrylk_req, FENTRYLK (32). Reply: readGfxCommonRsp. */
export function writeGfxFentrylkReq(w: XdrWriter, gfid: Uint8Array, fd: number, cmd: number, type: number,
  namelen: number, name: string, volume: string, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  w.uint32(cmd).uint32(type)
  writeOffset(w, 'namelen', namelen)
  w.string(name)
  w.string(volume)
  writeGfxDict(w, xdata)
}

/** gfx_xattrop_req, XATTROP (33): `flags` gf_xattrop_flags_t. Reply: readGfxCommonDictRsp. */
export function writeGfxXattropReq(w: XdrWriter, gfid: Uint8Array, flags: number, dict: Dict,
  xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  w.uint32(flags)
  writeGfxDict(w, dict)
  writeGfxDict(w, xdata)
}

/** gfx_fxattrop_req, FXATTROP (34). Reply: readGfxCommonDictRsp. */
export function writeGfxFxattropReq(w: XdrWriter, gfid: Uint8Array, fd: number, flags: number, dict: Dict,
  xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  w.uint32(flags)
  writeGfxDict(w, dict)
  writeGfxDict(w, xdata)
}

/** gfx_fgetxattr_req, FGETXATTR (35): `namelen` as in GETXATTR. Reply: readGfxCommonDictRsp. */
export function writeGfxFgetxattrReq(w: XdrWriter, gfid: Uint8Array, fd: number, namelen: number,
  name: string, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  w.uint32(namelen)
  w.string(name)
  writeGfxDict(w, xdata)
}

/** gfx_fsetxattr_req, FSETXATTR (36). Reply: readGfxCommonRsp. */
export function writeGfxFsetxattrReq(w: XdrWriter, gfid: Uint8Array, fd: number, flags: number, dict: Dict,
  xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  w.uint32(flags)
  writeGfxDict(w, dict)
  writeGfxDict(w, xdata)
}

/** gfx_rchecksum_req, RCHECKSUM (37): `len` bytes at `offset`. Reply: readGfxRchecksumRsp. */
export function writeGfxRchecksumReq(w: XdrWriter, gfid: Uint8Array, fd: number, offset: number, len: number,
  flags: number, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  writeOffset(w, 'offset', offset)
  writeCount(w, 'len', len)
  w.uint32(flags)
  writeGfxDict(w, xdata)
}

/**
 * gfx_setattr_req, SETATTR (38): `valid` selects the `stbuf` fields to apply (xlator.h GF_SET_ATTR_*).
 * Send real times, never UTIME_NOW/UTIME_OMIT. Reply: readGfxCommon2iattRsp.
 */
export function writeGfxSetattrReq(w: XdrWriter, gfid: Uint8Array, stbuf: IattLike, valid: number,
  xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeGfxIattx(w, stbuf)
  w.int32(valid)
  writeGfxDict(w, xdata)
}

/** gfx_fsetattr_req, FSETATTR (39). Reply: readGfxCommon2iattRsp. */
export function writeGfxFsetattrReq(w: XdrWriter, gfid: Uint8Array, fd: number, stbuf: IattLike,
  valid: number, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  writeGfxIattx(w, stbuf)
  w.int32(valid)
  writeGfxDict(w, xdata)
}

/** gfx_readdirp_req, READDIRP (40): as READDIR. Reply: readGfxReaddirpRsp. */
export function writeGfxReaddirpReq(w: XdrWriter, gfid: Uint8Array, fd: number, offset: bigint | number,
  size: number, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  writeCookie(w, 'offset', offset)
  writeCount(w, 'size', size)
  writeGfxDict(w, xdata)
}

/** gfx_release_req, RELEASE (41). Reply: readGfxCommonRsp. */
export function writeGfxReleaseReq(w: XdrWriter, gfid: Uint8Array, fd: number, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  writeGfxDict(w, xdata)
}

/** gfx_releasedir_req, RELEASEDIR (42). Reply: readGfxCommonRsp. */
export function writeGfxReleasedirReq(w: XdrWriter, gfid: Uint8Array, fd: number, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  writeGfxDict(w, xdata)
}

/** gfx_fremovexattr_req, FREMOVEXATTR (43). Reply: readGfxCommonRsp. */
export function writeGfxFremovexattrReq(w: XdrWriter, gfid: Uint8Array, fd: number, name: string,
  xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  w.string(name)
  writeGfxDict(w, xdata)
}

/**
 * gfx_fallocate_req, FALLOCATE (44): `flags` Linux FALLOC_FL_* (1 = KEEP_SIZE).
 * Reply: readGfxCommon2iattRsp.
 */
export function writeGfxFallocateReq(w: XdrWriter, gfid: Uint8Array, fd: number, flags: number,
  offset: number, size: number, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  w.uint32(flags)
  writeOffset(w, 'offset', offset)
  writeOffset(w, 'size', size)
  writeGfxDict(w, xdata)
}

/** gfx_discard_req, DISCARD (45). Reply: readGfxCommon2iattRsp. */
export function writeGfxDiscardReq(w: XdrWriter, gfid: Uint8Array, fd: number, offset: number, size: number,
  xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  writeOffset(w, 'offset', offset)
  writeOffset(w, 'size', size)
  writeGfxDict(w, xdata)
}

/** gfx_zerofill_req, ZEROFILL (46). Reply: readGfxCommon2iattRsp. */
export function writeGfxZerofillReq(w: XdrWriter, gfid: Uint8Array, fd: number, offset: number, size: number,
  xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  writeOffset(w, 'offset', offset)
  writeOffset(w, 'size', size)
  writeGfxDict(w, xdata)
}

/** gfx_ipc_req, IPC (47). Reply: readGfxCommonRsp. */
export function writeGfxIpcReq(w: XdrWriter, op: number, xdata?: Dict): void {
  w.int32(op)
  writeGfxDict(w, xdata)
}

/** gfx_seek_req, SEEK (48): `what` SeekWhat. Reply: readGfxSeekRsp. */
export function writeGfxSeekReq(w: XdrWriter, gfid: Uint8Array, fd: number, offset: number, what: number,
  xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeFd(w, 'fd', fd)
  writeOffset(w, 'offset', offset)
  w.int32(what)
  writeGfxDict(w, xdata)
}

/** gfx_lease_req, LEASE (50). Reply: readGfxLeaseRsp. */
export function writeGfxLeaseReq(w: XdrWriter, gfid: Uint8Array, lease: GfProtoLease, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeGfProtoLease(w, lease)
  writeGfxDict(w, xdata)
}

/** gfx_getactivelk_req, GETACTIVELK (51). Reply: readGfxGetactivelkRsp. */
export function writeGfxGetactivelkReq(w: XdrWriter, gfid: Uint8Array, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeGfxDict(w, xdata)
}

/** gfx_setactivelk_req, SETACTIVELK (52). Reply: readGfxCommonRsp. */
export function writeGfxSetactivelkReq(w: XdrWriter, gfid: Uint8Array, locks: readonly Gfs3Locklist[],
  xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  writeGfs3Locklist(w, locks)
  writeGfxDict(w, xdata)
}

/** gfx_icreate_req, ICREATE (53). Reply: readGfxCommonIattRsp. */
export function writeGfxIcreateReq(w: XdrWriter, gfid: Uint8Array, mode: number, xdata?: Dict): void {
  writeGfid(w, 'gfid', gfid)
  w.uint32(mode)
  writeGfxDict(w, xdata)
}

/** gfx_namelink_req, NAMELINK (54). Reply: readGfxCommon2iattRsp. */
export function writeGfxNamelinkReq(w: XdrWriter, pargfid: Uint8Array, bname: string, xdata?: Dict): void {
  writeGfid(w, 'pargfid', pargfid)
  w.string(bname)
  writeGfxDict(w, xdata)
}

/**
 * gfx_copy_file_range_req, COPY_FILE_RANGE (56): `gfid1`/`fdIn` the source, `gfid2`/`fdOut` the
 * destination. Reply: readGfxCommon3iattRsp (stat = source, pre/postparent = destination).
 */
export function writeGfxCopyFileRangeReq(w: XdrWriter, gfid1: Uint8Array, gfid2: Uint8Array, fdIn: number,
  fdOut: number, offIn: number, offOut: number, size: number, flag: number, xdata?: Dict): void {
  writeGfid(w, 'gfid1', gfid1)
  writeGfid(w, 'gfid2', gfid2)
  writeFd(w, 'fdIn', fdIn)
  writeFd(w, 'fdOut', fdOut)
  writeOffset(w, 'offIn', offIn)
  writeOffset(w, 'offOut', offOut)
  writeCount(w, 'size', size)
  w.uint32(flag)
  writeGfxDict(w, xdata)
}

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
  const poststat = readGfxIattx(r)
  return { opRet, opErrno, xdata, prestat, poststat }
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
  const postparent = readGfxIattx(r)
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
  const poststat = readGfxIattx(r)
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
  const postparent = readGfxIattx(r)
  return { opRet, opErrno, xdata, stat, fd, preparent, postparent }
}

/** glusterfs4-xdr.x gfx_read_rsp, plus the data that follows it in the record. */
export interface GfxReadRsp extends GfxCommonRsp {
  readonly stat: Iatt
  /** The struct's `size` field (the brick sets it to op_ret). */
  readonly size: number
  /** `opRet` bytes: a view of the record, not a copy. Empty on failure. */
  readonly data: Buffer
}

/**
 * glusterfs4-xdr.x gfx_read_rsp { op_ret, op_errno, stat, size, xdata } — xdata comes last here,
 * unlike every other reply — then the data: the rest of the record, unpadded and without a length.
 * Throws XdrError when fewer than `opRet` bytes follow.
 */
export function readGfxReadRsp(r: XdrReader, sink?: Uint8Array): GfxReadRsp {
  const opRet = r.int32()
  const opErrno = r.int32()
  const stat = readGfxIattx(r)
  const size = r.uint32()
  const xdata = readGfxDict(r)
  const want = opRet > 0 ? opRet : 0
  if (want > 0 && r.remaining === 0 && sink !== undefined && sink.length >= want) {
    // The receiver wrote the data straight into the caller's buffer (gfxReadRspDataOffset).
    return { opRet, opErrno, xdata, stat, size, data: Buffer.from(sink.buffer, sink.byteOffset, want) }
  }
  if (r.remaining < want) {
    throw new XdrError('ERR_XDR_SHORT', `XDR: READ reply has ${r.remaining} data bytes, op_ret says ${opRet}`)
  }
  const rest = r.rest()
  const data = rest.length === want ? rest : rest.subarray(0, want)
  return { opRet, opErrno, xdata, stat, size, data }
}

/**
 * Where the data of a READ reply starts, from its first bytes: `body` holds the reply from the
 * record's start, `at` is where gfx_read_rsp begins. -1 unless the reply carries exactly op_ret
 * bytes of data after a complete header within `body` (the receiver then keeps the reply whole).
 * gfx_read_rsp: op_ret, op_errno, stat (148), size, xdata (xdr_size, count, pairs_len, pairs).
 */
export function gfxReadRspDataOffset(body: Buffer, at: number, recordLength: number): number {
  const xdataAt = at + 4 + 4 + IATTX_BYTES + 4
  if (body.length < xdataAt + 12) return -1
  const opRet = body.readInt32BE(at)
  const xdrSize = body.readUInt32BE(xdataAt)
  const dataAt = xdataAt + 12 + xdrSize
  if (opRet <= 0 || (xdrSize & 3) !== 0 || dataAt > body.length || recordLength - dataAt !== opRet) return -1
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
