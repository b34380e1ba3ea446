// glusterfs4-xdr.x gfx_iattx: a file's attributes, encoded and decoded (requests, replies and dict
// values all carry it).

import type { XdrReader } from '../../../xdr/reader.ts'
import type { XdrWriter } from '../../../xdr/writer.ts'
import { writeGfid } from './checks.ts'

/**
 * A file's attributes: glusterfs4-xdr.x `gfx_iattx` (148 bytes on the wire). Sizes and times are
 * numbers (decoding throws XdrError beyond 2^53); inode and device numbers are bigints because
 * `ino` is the last 8 bytes of the gfid and uses all 64 bits. Failed replies carry all-zero iatts,
 * except that a failed LOOKUP still reports the parent's (server4_lookup_cbk fills `poststat`
 * before looking at op_ret).
 */
export class Iatt {
  /**
   * 16 raw gfid bytes, never written: the Iatts of one reply that name the same file (a WRITE's
   * prestat and poststat) share one copy.
   */
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
export const IATTX_BYTES = 148

/** What `writeGfxIattx` needs: an `Iatt`, or any object with its fields. */
export type IattLike = Readonly<Omit<Iatt, 'gfid'>> & { readonly gfid: Uint8Array }

/**
 * glusterfs4-xdr.x gfx_iattx. Its gfid is `sameFile` when that holds the same 16 bytes (another
 * Iatt of the reply), a copy of its own otherwise.
 */
export function readGfxIattx(r: XdrReader, sameFile?: Buffer): Iatt {
  const at = r.offset
  r.skip(16)
  const b = r.buffer
  let gfid = sameFile
  for (let i = 0; gfid !== undefined && i < 16; i++) if (gfid[i] !== b[at + i]) gfid = undefined
  if (gfid === undefined) {
    gfid = Buffer.allocUnsafe(16)
    // Byte by byte: Buffer#copy from an offset makes a view of the source per call.
    for (let i = 0; i < 16; i++) gfid[i] = b[at + i]!
  }
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

/**
 * The part of a READ reply's post-op iatt any reader of it uses: the mode (DHT's migration phase
 * bits) and the size. A pread takes neither, so the rest (a gfid copy, inode numbers as bigints,
 * an Iatt) is not decoded for every 4 KiB read.
 */
export interface ReadStat {
  mode: number
  readonly size: number
}

/**
 * The part of a WRITE reply's pre- and post-op iatts any reader of them uses: the mode (DHT's
 * migration phase bits), the size (write-behind's end of an append) and the blocks (shard's
 * block-count delta). A pwrite takes none of them, so two Iatts (gfid copy, inode numbers as
 * bigints) are not decoded for every write.
 */
export interface WriteStat extends ReadStat {
  readonly blocks: number
}

/** Offsets of `size`, `blocks` and `mode` in gfx_iattx. */
export const IATTX_SIZE_AT = 48
export const IATTX_BLOCKS_AT = 56
export const IATTX_MODE_AT = 144

/** glusterfs4-xdr.x gfx_iattx, keeping only what a READ reply's stat is used for. */
export function readGfxIattxReadStat(r: XdrReader): ReadStat {
  r.skip(IATTX_SIZE_AT)
  const size = r.uhyperNumber()
  r.skip(IATTX_MODE_AT - IATTX_SIZE_AT - 8)
  const mode = r.uint32()
  r.skip(IATTX_BYTES - IATTX_MODE_AT - 4)
  return { mode, size }
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
