// GlusterFS 4.x FOP program (1298437 v400): procedure numbers, decoder caps and the enums the
// request fields carry. The codecs of rpc/xdr/src/glusterfs4-xdr.x (tag v10.3) are split as
// pg-protocol splits serializer and parser: requests.ts encodes, replies.ts decodes, and the
// structs both share (iatt.ts, dict.ts, structs.ts) live beside them.

import { XdrError } from '../../../xdr/errors.ts'
import type { XdrReader } from '../../../xdr/reader.ts'
import type { RpcProgram } from '../../message.ts'

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

/** The error for a list longer than FOP_LIMITS.listEntries. */
export function tooManyEntries(r: XdrReader): XdrError {
  return new XdrError('ERR_XDR_LENGTH', `XDR: list at offset ${r.offset} exceeds ${FOP_LIMITS.listEntries} entries`)
}
