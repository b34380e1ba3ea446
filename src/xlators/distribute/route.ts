// Where a DHT fop goes (dht-common.c, dht-inode-read.c, dht-inode-write.c): a file's fops to the
// subvolume holding its data, following a rebalance that moves it (migration.ts); a directory's
// read fops to one subvolume, its modifying fops to every subvolume, the MDS first.

import { GlusterError } from '../../rpc/errors.ts'
import type { Iatt } from '../../rpc/programs/fops/iatt.ts'
import { S_IFDIR, S_IFMT } from '../../rpc/linux.ts'
import type { Call, Fd, Inode, Loc } from '../types.ts'
import type { Xlator } from '../xlator.ts'
import type { DhtConf } from './conf.ts'
import { cachedIndex, dirCtxOf } from './lookup.ts'
import { migrationPhase } from './merge.ts'
import { followMigration, pathMigrated, pathPhaseOneTarget, phaseOneTarget } from './migration.ts'
import { DirCtx, FileCtx, FileFd, isMissing } from './state.ts'

export function isDir(conf: DhtConf, inode: Inode | undefined): boolean {
  if (inode === undefined) return false
  return (inode.type & S_IFMT) === S_IFDIR || conf.stateOf(inode) instanceof DirCtx
}

/** The inode of a directory fop's loc; EINVAL when it has none. */
export function dirInode(conf: DhtConf, loc: Loc, syscall: string): Inode {
  if (loc.inode === undefined) throw conf.error('EINVAL', syscall, loc.path, 'the directory is not resolved to an inode')
  return loc.inode
}

/** A directory's layout for routing, undefined when it cannot be had (routing then falls back). */
export function dirOf(conf: DhtConf, call: Call, inode: Inode, path: string): Promise<DirCtx | undefined> {
  return dirCtxOf(conf, call, inode, path).catch(() => undefined)
}

/** GF_IF_INTERNAL_XATTR_GOTO: layouts and linkto targets are DHT's own. */
export function refuseInternalKeys(conf: DhtConf, keys: Iterable<string>, syscall: string, path: string): void {
  for (const key of keys) {
    if (key.startsWith(conf.layoutKey)) throw conf.error('EPERM', syscall, path, `'${key}' is managed by distribute`)
  }
}

/** Directories lock on their layout's first subvolume, as C's dht_subvol_get_cached picks it. */
export async function lockSubvol(conf: DhtConf, call: Call, loc: Loc, syscall: string): Promise<Xlator> {
  if (isDir(conf, loc.inode)) {
    const dir = await dirCtxOf(conf, call, dirInode(conf, loc, syscall), loc.path)
    return conf.subvols[dir.layout.entries[0]?.subvolume ?? 0]!
  }
  return conf.subvols[await cachedIndex(conf, call, loc, syscall)]!
}

/** What distribute keeps for an open file (its subvolume, migration state). */
export function fileFd(conf: DhtConf, fd: Fd, syscall: string): FileFd {
  const st = fd.ctx.get(conf.xlator)
  if (st instanceof FileFd) return st
  if (fd.anonymous) {
    // Never opened: its fops go where a lookup last found the data (dht_subvol_get_cached).
    const state = conf.stateOf(fd.inode)
    if (state instanceof FileCtx) {
      const made = new FileFd(conf.subvols[state.subvol]!)
      fd.ctx.set(conf.xlator, made)
      return made
    }
    throw conf.error('EBADF', syscall, undefined, 'an anonymous fd on a file this mount has not looked up', undefined, fd)
  }
  throw conf.error(fd.isDirectory ? 'EISDIR' : 'EBADF', syscall, undefined, 'the fd is not open on any subvolume', undefined, fd)
}

/**
 * An fd fop failed on `from`: ENOENT or ESTALE may mean rebalance moved the file (the C
 * client's phase-2 check on failure). The subvolume to send it again to; else the failure.
 */
export async function afterFailure(conf: DhtConf, call: Call, fd: Fd, st: FileFd, from: Xlator, err: unknown): Promise<Xlator> {
  if (!isMissing(err)) throw err
  let to: Xlator | undefined
  try {
    to = await followMigration(conf, call, fd, st, from)
  } catch (followErr) {
    // Found nowhere: the file was removed, as the original failure said.
    throw isMissing(followErr) ? err : followErr
  }
  if (to === undefined) throw err
  return to
}

/**
 * Runs an fd fop on the fd's subvolume and follows a migration its answer shows: phase 2 (or
 * ENOENT/ESTALE) sends it again where the file now is; phase 1 sends it to the destination too
 * when `phase1` (fops that change data), answering with the source's reply.
 */
export async function onFileFd<T>(
  conf: DhtConf, call: Call, fd: Fd, syscall: string, phase1: boolean, iattOf: (r: T) => Iatt | undefined, send: (sub: Xlator) => Promise<T>,
): Promise<T> {
  const st = fileFd(conf, fd, syscall)
  const from = st.sub
  let r: T
  try {
    r = await send(from)
  } catch (err) {
    return send(await afterFailure(conf, call, fd, st, from, err))
  }
  const ia = iattOf(r)
  if (ia === undefined) return r
  const phase = migrationPhase(ia)
  if (phase === 0) {
    if (st.dst !== undefined && st.sub === from) st.dst = undefined
    return r
  }
  if (phase === 2) {
    const to = await followMigration(conf, call, fd, st, from)
    return to === undefined ? r : send(to)
  }
  if (!phase1) return r
  const target = await phaseOneTarget(conf, call, fd, st, from, syscall)
  if (target === undefined) return r
  const again = await send(target.to)
  return target.copy ? r : again
}

/** Subvolumes in the order a directory's single-brick reads try them: MDS first. */
function dirReadOrder(conf: DhtConf, dir: DirCtx | undefined): number[] {
  const order = conf.subvols.map((_, i) => i)
  const first = dir?.mds ?? dir?.layout.entries[0]?.subvolume
  if (first !== undefined) {
    order.splice(order.indexOf(first), 1)
    order.unshift(first)
  }
  return order
}

/** Runs a read-only directory fop on the first subvolume that is connected. */
export async function onAnyDirSubvol<T>(conf: DhtConf, dir: DirCtx | undefined, fn: (sub: Xlator) => Promise<T>): Promise<T> {
  let last: unknown
  for (const i of dirReadOrder(conf, dir)) {
    if (!conf.isUp(i)) continue
    try {
      return await fn(conf.subvols[i]!)
    } catch (err) {
      if (!(err instanceof GlusterError) || err.code !== 'ENOTCONN') throw err
      last = err
    }
  }
  throw last ?? conf.error('ENOTCONN', 'dht', dir?.path, 'no subvolume is connected')
}

/**
 * Runs a modifying directory fop on every subvolume (those `usable` allows), the MDS first (its
 * failure stops the rest), then the others together; bricks lacking the directory are skipped.
 */
export async function onAllDirSubvols<T>(
  conf: DhtConf, dir: DirCtx | undefined, fn: (sub: Xlator) => Promise<T>, usable?: (subvol: number) => boolean,
): Promise<T[]> {
  const order = usable === undefined ? dirReadOrder(conf, dir) : dirReadOrder(conf, dir).filter(usable)
  const first = order.shift()
  if (first === undefined) throw conf.error('ENOENT', 'dht', dir?.path, 'the directory is on no subvolume')
  const done: T[] = [await fn(conf.subvols[first]!)]
  const rest = await Promise.allSettled(order.map((i) => fn(conf.subvols[i]!)))
  for (const r of rest) {
    if (r.status === 'fulfilled') done.push(r.value)
    else if (!isMissing(r.reason)) throw r.reason
  }
  return done
}

/**
 * Runs a fop on the subvolume holding a non-directory's data; if that brick no longer has it
 * (rebalance moved it since it was looked up), finds it again and retries once.
 */
export async function onCached<T>(conf: DhtConf, call: Call, loc: Loc, syscall: string, fn: (sub: Xlator) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const sub = conf.subvols[await cachedIndex(conf, call, loc, syscall)]!
    try {
      return await fn(sub)
    } catch (err) {
      if (attempt > 0 || !isMissing(err)) throw err
      conf.forget(loc.inode)
    }
  }
}

/**
 * onCached for fops whose answer carries the file's iatt, following a migration it shows
 * (dht_file_attr_cbk, dht_truncate_cbk, dht_file_setattr_cbk, dht_file_setxattr_cbk): phase 2
 * runs the fop again where a fresh lookup finds the file; phase 1 runs it on the destination
 * too when `phase1` (fops that change data), answering with the source's reply.
 */
export async function onCachedFile<T>(
  conf: DhtConf, call: Call, loc: Loc, syscall: string, phase1: boolean, iattOf: (r: T) => Iatt | undefined, fn: (sub: Xlator) => Promise<T>,
): Promise<T> {
  let from: Xlator | undefined
  const r = await onCached(conf, call, loc, syscall, (sub) => {
    from = sub
    return fn(sub)
  })
  const ia = iattOf(r)
  const phase = ia === undefined ? 0 : migrationPhase(ia)
  if (phase === 0 || from === undefined) return r
  if (phase === 2) {
    if (!(await pathMigrated(conf, call, loc, from))) return r
    conf.forget(loc.inode)
    return onCached(conf, call, loc, syscall, fn)
  }
  if (!phase1) return r
  const to = await pathPhaseOneTarget(conf, call, loc, from)
  if (to !== undefined) await fn(to)
  return r
}
