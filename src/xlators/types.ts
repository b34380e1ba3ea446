import type { AuthIdentity } from '../rpc/auth.ts'
import type { Dict } from '../rpc/programs/fops/dict.ts'
import type { Iatt, ReadStat, WriteStat } from '../rpc/programs/fops/iatt.ts'
import type { GfProtoFlock, GfStatfs } from '../rpc/programs/fops/structs.ts'

export type { Dict, Iatt }

/** gf_proto_flock: a byte-range lock description. */
export type Flock = GfProtoFlock

/**
 * The caller's identity and lock owner, first argument of every fop: the analogue of glusterfs
 * `frame->root`, turned into AUTH_GLUSTERFS by protocol/client. Glfs holds one and reuses it.
 */
export interface Call extends AuthIdentity {}

/** The all-ones-but-last gfid of the volume root (00000000-0000-0000-0000-000000000001). */
export const ROOT_GFID: Buffer = Buffer.from('00000000000000000000000000000001', 'hex')

/** Canonical 8-4-4-4-12 text of a gfid. */
export function gfidToString(gfid: Uint8Array): string {
  const h = Buffer.from(gfid.buffer, gfid.byteOffset, gfid.byteLength).toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

/**
 * An inode: what the graph knows of one file or directory, shared by every fd on it. Xlators keep
 * per-inode state in `ctx`, keyed by themselves (glusterfs inode_ctx_get/set).
 */
export class Inode {
  readonly gfid: Buffer
  /** S_IF* type bits, once known. */
  type: number
  readonly ctx = new Map<object, unknown>()
  constructor(gfid: Buffer, type = 0) {
    this.gfid = gfid
    this.type = type
  }
}

/**
 * Names an entry or an inode (glusterfs loc_t). Entry fops (create, mkdir, unlink...) use
 * `parent` + `name`; inode fops use `inode` (or, for a named lookup, `parent` + `name`).
 */
export interface Loc {
  /** Path inside the volume, for messages and for DHT's new-directory layouts. */
  readonly path: string
  readonly name: string
  readonly parent: Inode | undefined
  readonly inode: Inode | undefined
}

/**
 * An open file or directory (glusterfs fd_t). Per-xlator state lives in `ctx`, keyed by the xlator
 * (protocol/client keeps its remote fd number, distribute the subvolume holding the data).
 */
export class Fd {
  readonly inode: Inode
  /** Open flags (Linux O_* values). */
  readonly flags: number
  readonly isDirectory: boolean
  /**
   * An anonymous fd (glusterfs fd_anonymous): never opened or released. protocol/client sends fd
   * -2 with the gfid and the brick opens the file by gfid for that fop; it holds nothing open, and
   * saves the OPEN on every brick. features/shard reaches its blocks this way, as the C one does.
   */
  readonly anonymous: boolean
  readonly ctx = new Map<object, unknown>()
  constructor(inode: Inode, flags: number, isDirectory: boolean, anonymous = false) {
    this.inode = inode
    this.flags = flags
    this.isDirectory = isDirectory
    this.anonymous = anonymous
  }
}

export interface LookupResult {
  readonly stat: Iatt
  readonly postparent: Iatt
  readonly xdata: Dict | undefined
}

export interface IattResult {
  readonly stat: Iatt
  readonly xdata: Dict | undefined
}

/** Fops that change an inode and report it before and after (truncate, fsync, setattr...). */
export interface PrePostResult {
  readonly prestat: Iatt
  readonly poststat: Iatt
  readonly xdata: Dict | undefined
}

export interface WriteResult {
  /** Bytes written; may be short. */
  readonly size: number
  /** From the brick's pre- and post-op iatts: what xlators use of them (an Iatt is one). */
  readonly prestat: WriteStat
  readonly poststat: WriteStat
  readonly xdata: Dict | undefined
}

export interface ReadResult {
  /** A view of the received record, `size` bytes; shorter than asked at end of file. */
  readonly data: Buffer
  /** From the brick's post-op iatt: what xlators use of it (an Iatt is one). */
  readonly stat: ReadStat
  /** The brick saw end of file (op_errno ENOENT on a successful READ, wire reference §3.5). */
  readonly eof: boolean
  readonly xdata: Dict | undefined
}

/** Entry creation: the new entry and its parent before and after. */
export interface EntryResult {
  readonly stat: Iatt
  readonly preparent: Iatt
  readonly postparent: Iatt
  readonly xdata: Dict | undefined
}

export interface CreateResult extends EntryResult {
  readonly fd: Fd
}

/** Entry removal: the parent before and after. */
export interface ParentResult {
  readonly preparent: Iatt
  readonly postparent: Iatt
  readonly xdata: Dict | undefined
}

export interface RenameResult {
  readonly stat: Iatt
  readonly preoldparent: Iatt
  readonly postoldparent: Iatt
  readonly prenewparent: Iatt
  readonly postnewparent: Iatt
  readonly xdata: Dict | undefined
}

export interface ReadlinkResult {
  readonly target: string
  readonly stat: Iatt
  readonly xdata: Dict | undefined
}

export interface DirEntry {
  readonly name: string
  /** Opaque resume cookie for the next readdirp of this directory. */
  readonly offset: bigint
  readonly ino: bigint
  /** DT_* type from the brick. */
  readonly type: number
  readonly stat: Iatt
  readonly xdata: Dict | undefined
}

export interface ReaddirResult {
  readonly entries: DirEntry[]
  /** No entries follow the last one returned. */
  readonly eof: boolean
  readonly xdata: Dict | undefined
}

export interface StatfsResult extends GfStatfs {
  readonly xdata: Dict | undefined
}

export interface XattrResult {
  readonly dict: Dict
  readonly xdata: Dict | undefined
}

export interface SeekResult {
  readonly offset: number
  readonly xdata: Dict | undefined
}

export interface OpenResult {
  readonly fd: Fd
  readonly xdata: Dict | undefined
}

export interface CommonResult {
  readonly xdata: Dict | undefined
}


/** SETATTR valid bits (xlator.h GF_SET_ATTR_*). */
export const SetAttr = {
  MODE: 0x1,
  UID: 0x2,
  GID: 0x4,
  SIZE: 0x8,
  ATIME: 0x10,
  MTIME: 0x20,
  CTIME: 0x40,
  ATIME_NOW: 0x80,
  MTIME_NOW: 0x100,
} as const

