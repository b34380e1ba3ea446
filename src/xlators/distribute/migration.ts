// Files caught by rebalance (dht-rebalance.c dht_migrate_file) and how the C client keeps their
// fds right (dht-helper.c dht_rebalance_in_progress_check and dht_rebalance_complete_check, used
// by the dht_*_cbk of dht-inode-write.c and dht-inode-read.c).
//
// Rebalance (or remove-brick) moves a file from its source subvolume to a destination in two
// phases, which the source's mode bits show in the iatt of every fop reply:
//   phase 1  S_ISVTX|S_ISGID added and the linkto xattr naming the destination: the data is being
//            copied. The source stays authoritative (reads stay there), but whatever changes the
//            data must reach the destination too, else the copy rebalance finishes lacks it.
//            Writes sent there carry `trusted.glusterfs.protect.writes`: the brick marks the
//            file, and the rebalance, finding the mark, abandons this migration rather than
//            overwrite our data with an older copy of the block.
//   phase 2  mode exactly S_ISVTX: the source became a linkto file (then truncated, unlinked),
//            the data is on the destination. A fop the source answered, or that failed ENOENT or
//            ESTALE, is sent again to where a lookup now finds the file, once the fd is open there.
// Either way the linkto xattr must be there: a file without it is a user's file that happens to
// have these mode bits (or one another DHT layer is moving), and its replies stand.

import { Dict } from '../../rpc/programs/fops/dict.ts'
import { type Iatt } from '../../rpc/programs/fops/iatt.ts'
import type { Call, Fd, Loc } from '../types.ts'
import { gfidToString } from '../types.ts'
import type { Xlator } from '../xlator.ts'
import type { DhtConf } from './conf.ts'
import { discover } from './lookup.ts'
import { linktoTarget, migrationPhase } from './merge.ts'
import { FileCtx, type FileFd, errorCode } from './state.ts'
import { O_CREAT, O_EXCL, O_TRUNC } from '../../rpc/linux.ts'


/** GF_PROTECT_FROM_EXTERNAL_WRITES: a client's write reached a file under migration. */
export const PROTECT_WRITES_KEY = 'trusted.glusterfs.protect.writes'
/** DHT_IATT_IN_XDATA_KEY: asks a brick's (f)setxattr reply for the file's iatt. */
export const IATT_IN_XDATA_KEY = 'dht-get-iatt-in-xattr'

/** Where a fop met in phase 1 goes next: `to`, as a copy (`copy`) or instead (the fd moved). */
export interface PhaseOneTarget {
  readonly to: Xlator
  readonly copy: boolean
}

/** A nameless loc for the fd's file (the fd has no path; bricks resolve the gfid). */
export function fdLoc(fd: Fd): Loc {
  return { path: `<gfid:${gfidToString(fd.inode.gfid)}>`, name: '', parent: undefined, inode: fd.inode }
}

/** `xdata` plus one key, as a new Dict (the caller's stays untouched). */
export function withKey(xdata: Dict | undefined, key: string): Dict {
  const out = new Dict()
  if (xdata !== undefined) for (const [k, v] of xdata) out.set(k, v)
  return out.setUint(key, 1)
}

/**
 * Runs `fn` as the fd's only migration check: waits for a check in progress first, and returns
 * what `ready` says once it has an answer (another fop's check may have done the work).
 */
async function checkOnce<T>(st: FileFd, ready: () => T | undefined, fn: () => Promise<T | undefined>): Promise<T | undefined> {
  for (;;) {
    const done = ready()
    if (done !== undefined) return done
    if (st.check === undefined) break
    await st.check.catch(() => undefined)
  }
  const p = fn()
  st.check = p
  try {
    return await p
  } finally {
    if (st.check === p) st.check = undefined
  }
}

/**
 * Whether `from` holds this DHT's linkto xattr for the fd's file (fgetxattr on the fd: no access
 * check, and it works on the unlinked source). Its value when it does.
 */
async function linktoOf(conf: DhtConf, call: Call, fd: Fd, from: Xlator): Promise<{ ours: boolean; target: string | undefined }> {
  try {
    const r = await from.fgetxattr(call, fd, conf.linktoKey)
    return { ours: true, target: linktoTarget(r.dict, conf.linktoKey) }
  } catch (err) {
    // ENODATA: not migrated by us. Other failures (the source is gone): look for the file.
    return { ours: errorCode(err) !== 'ENODATA', target: undefined }
  }
}

/**
 * Opens the fd on `to` as the C client does (flags without O_CREAT/O_EXCL/O_TRUNC, which would
 * recreate or empty the file being moved), as root: the destination may still carry root
 * ownership from its creation as a linkto file. An fd already open there (phase 1 opened it) is
 * used as it is (dht_fd_open_on_dst), fops may be in flight on it; only `from` itself, where the
 * file came back to, is opened anew: the fd there names the file that left.
 */
async function openOn(conf: DhtConf, call: Call, fd: Fd, st: FileFd, to: Xlator, from: Xlator): Promise<void> {
  if (to !== from && st.open.includes(to)) return
  // An anonymous fd is valid on every brick as it is.
  if (!fd.anonymous) await to.open(conf.internalCall(call), fdLoc(fd), fd.flags & ~(O_CREAT | O_EXCL | O_TRUNC), fd, undefined)
  if (!st.open.includes(to)) st.open.push(to)
}

/**
 * Phase 2 (or ENOENT/ESTALE) met on `from`: the subvolume to send the fop to again, with the fd
 * open there and made the fd's subvolume; undefined when the file is not being moved by this DHT
 * (the original answer stands). Fds that moved meanwhile answer at once.
 *
 * @throws {GlusterError} when the file is found nowhere (removed meanwhile) or cannot be opened.
 */
export function followMigration(conf: DhtConf, call: Call, fd: Fd, st: FileFd, from: Xlator): Promise<Xlator | undefined> {
  return checkOnce(st, () => (st.sub !== from ? st.sub : undefined), async () => {
    if (!(await linktoOf(conf, call, fd, from)).ours) return undefined
    // Where a lookup finds the data now (dht_migration_complete_check_task: lookup through DHT).
    conf.forget(fd.inode)
    await discover(conf, conf.internalCall(call), fdLoc(fd), undefined)
    const state = conf.stateOf(fd.inode)
    if (!(state instanceof FileCtx)) throw conf.error('EIO', 'dht', undefined, 'the migrated file is not a regular file any more', undefined, fd)
    const to = conf.subvols[state.subvol]!
    await openOn(conf, call, fd, st, to, from)
    st.sub = to
    st.dst = undefined
    return to
  })
}

/**
 * Phase 1 met on `from`: where the fop must go too (the destination, with the fd open there),
 * or instead (the fd has moved meanwhile); undefined when this DHT is not moving the file.
 *
 * @throws {GlusterError} EIO when the linkto names a subvolume this graph lacks or a file with
 *   another gfid: a write could not reach the copy, so it must not be reported done.
 */
export function phaseOneTarget(conf: DhtConf, call: Call, fd: Fd, st: FileFd, from: Xlator, syscall: string): Promise<PhaseOneTarget | undefined> {
  const ready = (): PhaseOneTarget | undefined => {
    if (st.sub !== from) return { to: st.sub, copy: false }
    return st.dst === undefined ? undefined : { to: st.dst, copy: true }
  }
  return checkOnce(st, ready, async () => {
    const { ours, target } = await linktoOf(conf, call, fd, from)
    if (!ours) return undefined
    const index = target === undefined ? undefined : conf.subvolByName(target)
    if (index === undefined) {
      throw conf.error('EIO', syscall, undefined, `rebalance is moving the file to '${target ?? '?'}', a subvolume this mount's graph does not have (its volfile is older than the volume's); the write reached only the source`, undefined, fd)
    }
    const to = conf.subvols[index]!
    if (to === from) return undefined
    const found = await to.lookup(conf.internalCall(call), fdLoc(fd), undefined)
    if (!found.stat.gfid.equals(fd.inode.gfid)) {
      throw conf.error('EIO', syscall, undefined, `the migration destination ${to.name} holds another file (gfid ${gfidToString(found.stat.gfid)})`, undefined, fd)
    }
    await openOn(conf, call, fd, st, to, from)
    st.dst = to
    return { to, copy: true }
  })
}

/**
 * The destination of a path-based fop's file met in phase 1 on `from` (getxattr of the linkto,
 * as root), or undefined when this DHT is not moving it.
 */
export async function pathPhaseOneTarget(conf: DhtConf, call: Call, loc: Loc, from: Xlator): Promise<Xlator | undefined> {
  let target: string | undefined
  try {
    target = linktoTarget((await from.getxattr(conf.internalCall(call), loc, conf.linktoKey)).dict, conf.linktoKey)
  } catch (err) {
    if (errorCode(err) === 'ENODATA') return undefined
    throw err
  }
  const index = target === undefined ? undefined : conf.subvolByName(target)
  if (index === undefined) {
    throw conf.error('EIO', 'dht', loc.path, `rebalance is moving the file to '${target ?? '?'}', a subvolume this mount's graph does not have (its volfile is older than the volume's)`)
  }
  const to = conf.subvols[index]!
  return to === from ? undefined : to
}

/** Whether a path-based fop's phase-2 answer from `from` is this DHT's migration (linkto xattr present). */
export async function pathMigrated(conf: DhtConf, call: Call, loc: Loc, from: Xlator): Promise<boolean> {
  try {
    await from.getxattr(conf.internalCall(call), loc, conf.linktoKey)
    return true
  } catch (err) {
    return errorCode(err) !== 'ENODATA'
  }
}
