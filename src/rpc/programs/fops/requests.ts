// Encoders of the gfx_*_req structs of glusterfs4-xdr.x. Each takes the struct's fields as
// parameters, in .x order, with `xdata?: Dict` last. Checks (checks.ts) throw a RangeError with
// code ERR_OUT_OF_RANGE; a throw can leave a partial message in the writer, so the caller discards
// it (`XdrWriter.discard`). Everything else that is a number is written as XDR writes it: an
// `unsigned int` modulo 2^32.

import type { XdrWriter } from '../../../xdr/writer.ts'
import { writeCookie, writeCount, writeFd, writeGfid, writeOffset } from './checks.ts'
import { type Dict, writeGfxDict } from './dict.ts'
import { type IattLike, writeGfxIattx } from './iatt.ts'
import { type GfProtoLease, type Gfs3Locklist, type GfProtoFlock, writeGfProtoFlock, writeGfProtoLease, writeGfs3Locklist } from './structs.ts'

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
