// Pure parts of DHT that combine what several bricks answered (no I/O): directory attributes
// (dht-helper.c dht_iatt_merge), STATFS sums (dht-common.c dht_statfs_cbk) and linkto detection
// (dht-common.h check_is_linkfile).

import { Iatt } from '../../rpc/programs/fops/iatt.ts'
import type { Dict } from '../../rpc/programs/fops/dict.ts'
import type { GfStatfs } from '../../rpc/programs/fops/structs.ts'
import { S_IFDIR, S_IFMT, S_IFREG, S_ISGID, S_ISVTX } from '../../rpc/linux.ts'


/** Size in bytes DHT reports for every directory, whatever the bricks say (DHT_DIR_STAT_SIZE). */
export const DHT_DIR_STAT_SIZE = 4096
/** 512-byte blocks DHT reports for every directory (DHT_DIR_STAT_BLOCKS). */
export const DHT_DIR_STAT_BLOCKS = 8

/** Xattr naming the protocol/client xlator that holds a linkto file's data. */
export const DHT_LINKTO_XATTR = 'trusted.glusterfs.dht.linkto'

/**
 * Folds one brick's attributes into `to`, as dht_iatt_merge does: identity, type, mode and link
 * count from the latest brick, sizes and blocks summed (directories: fixed 4096 bytes, 8 blocks),
 * the largest uid and gid, the latest atime, mtime and ctime. Start `to` as a fresh `Iatt()`.
 */
export function mergeIatt(to: Iatt, from: Iatt): void {
  to.gfid = from.gfid
  to.flags = from.flags
  to.dev = from.dev
  to.ino = from.ino
  to.mode = from.mode
  to.nlink = from.nlink
  to.rdev = from.rdev
  to.blksize = from.blksize
  to.size += from.size
  to.blocks += from.blocks
  if ((from.mode & S_IFMT) === S_IFDIR) {
    to.size = DHT_DIR_STAT_SIZE
    to.blocks = DHT_DIR_STAT_BLOCKS
  }
  if (from.uid > to.uid) to.uid = from.uid
  if (from.gid > to.gid) to.gid = from.gid
  if (isLater(from.atime, from.atimeNsec, to.atime, to.atimeNsec)) {
    to.atime = from.atime
    to.atimeNsec = from.atimeNsec
  }
  if (isLater(from.mtime, from.mtimeNsec, to.mtime, to.mtimeNsec)) {
    to.mtime = from.mtime
    to.mtimeNsec = from.mtimeNsec
  }
  if (isLater(from.ctime, from.ctimeNsec, to.ctime, to.ctimeNsec)) {
    to.ctime = from.ctime
    to.ctimeNsec = from.ctimeNsec
  }
}

function isLater(sec: number, nsec: number, thanSec: number, thanNsec: number): boolean {
  return sec > thanSec || (sec === thanSec && nsec > thanNsec)
}

/** The attributes of a directory from every brick that answered (at least one). */
export function mergeDirIatts(iatts: readonly Iatt[]): Iatt {
  const out = new Iatt()
  for (const ia of iatts) mergeIatt(out, ia)
  return fixDirStat(out)
}

/** A parent directory's attributes as DHT reports them: fixed size and blocks (dht_set_fixed_dir_stat). */
export function fixDirStat(ia: Iatt): Iatt {
  ia.size = DHT_DIR_STAT_SIZE
  ia.blocks = DHT_DIR_STAT_BLOCKS
  return ia
}

/**
 * 0, or the migration phase an iatt shows (IS_DHT_MIGRATION_PHASE1/PHASE2). Both need the
 * sticky bit, so the common case costs one test.
 */
export function migrationPhase(ia: Pick<Iatt, 'mode'>): 0 | 1 | 2 {
  const mode = ia.mode
  if ((mode & S_ISVTX) === 0 || (mode & S_IFMT) !== S_IFREG) return 0
  if ((mode & ~S_IFMT) === S_ISVTX) return 2
  return (mode & S_ISGID) !== 0 ? 1 : 0
}

/**
 * A file being migrated by rebalance carries S_ISVTX|S_ISGID on its source ("phase 1"); DHT hides
 * both bits from callers (DHT_STRIP_PHASE1_FLAGS).
 */
export function stripPhase1Flags<T extends Pick<Iatt, 'mode'>>(ia: T): T {
  if ((ia.mode & S_IFMT) === S_IFREG && (ia.mode & (S_ISVTX | S_ISGID)) === (S_ISVTX | S_ISGID)) {
    ia.mode &= ~(S_ISVTX | S_ISGID)
  }
  return ia
}

/**
 * A DHT linkto file: every mode bit other than the type is exactly S_ISVTX (01000, "---------T")
 * and the linkto xattr is present; both are required (check_is_linkfile).
 */
export function isLinkto(stat: Iatt, xdata: Dict | undefined, key: string = DHT_LINKTO_XATTR): boolean {
  return (stat.mode & ~S_IFMT) === S_ISVTX && xdata !== undefined && xdata.has(key)
}

/** The protocol/client xlator name a linkto file points to, without its trailing NUL. */
export function linktoTarget(xdata: Dict | undefined, key: string = DHT_LINKTO_XATTR): string | undefined {
  const name = xdata?.getStr(key)
  return name === undefined || name === '' ? undefined : name
}

/**
 * The volume's STATFS from every brick that answered (dht_statfs_cbk): counts are brought to the
 * largest f_bsize/f_frsize seen (scaling block counts by frsize ratio, truncated as C does) and
 * summed; fsid, flag and namemax come from the last brick. Bricks sharing a filesystem already
 * divide their numbers by shared-brick-count, so the sum is right.
 *
 * @returns undefined when no brick answered.
 */
export function sumStatfs(parts: readonly GfStatfs[]): GfStatfs | undefined {
  const first = parts[0]
  if (first === undefined) return undefined
  let bsize = 0
  let frsize = 0
  for (const p of parts) {
    if (p.bsize > bsize) bsize = p.bsize
    if (p.frsize > frsize) frsize = p.frsize
  }
  let blocks = 0
  let bfree = 0
  let bavail = 0
  let files = 0
  let ffree = 0
  let favail = 0
  for (const p of parts) {
    // dht_normalize_stats: (fsblkcnt_t)(factor * count) with factor = own frsize / common frsize.
    const factor = frsize === 0 || p.frsize === frsize ? 1 : p.frsize / frsize
    blocks += Math.trunc(factor * p.blocks)
    bfree += Math.trunc(factor * p.bfree)
    bavail += Math.trunc(factor * p.bavail)
    files += p.files
    ffree += p.ffree
    favail += p.favail
  }
  const last = parts[parts.length - 1]!
  return { bsize, frsize, blocks, bfree, bavail, files, ffree, favail, fsid: last.fsid, flag: last.flag, namemax: last.namemax }
}
