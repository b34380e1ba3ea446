// DHT entry fops (dht-common.c dht_create, dht_mknod, dht_symlink, dht_link, dht_unlink,
// dht_mkdir, dht_rmdir; dht-linkfile.c): where a new name goes and what else has to change so
// that every client finds it.

import { debuglog } from 'node:util'
import { Dict } from '../../rpc/programs/fops/dict.ts'
import { Iatt } from '../../rpc/programs/fops/iatt.ts'
import { errnoOf } from '../../rpc/errno.ts'
import { GlusterError } from '../../rpc/errors.ts'
import { newGfid } from '../../rpc/gfid.ts'
import { type Call, type CreateResult, type EntryResult, Fd, Inode, type Loc, type ParentResult, SetAttr } from '../types.ts'
import type { DhtConf } from './conf.ts'
import { availableSubvol } from './diskusage.ts'
import { DHT_ENTRY_SYNC_DOMAIN, DHT_LAYOUT_HEAL_DOMAIN, LockSet } from './locks.ts'
import { cachedIndex, dirCtxOf, refreshDir, requireHashed, writeDirectoryLayout } from './lookup.ts'
import { fixDirStat, isLinkto, linktoTarget, mergeDirIatts, mergeIatt } from './merge.ts'
import { DirCtx, FileCtx, FileFd, errorCode, isMissing, parentPath } from './state.ts'
import { S_IFDIR, S_IFREG, S_ISVTX } from '../../rpc/linux.ts'

const debug = debuglog('gfapi')
/** The hashed brick refused a creation with the stale-layout check: re-read the layout, retry. */
const STALE_LAYOUT = Symbol('stale parent layout')
const PREOP_PARENT_KEY = 'glusterfs.preop.parent.key'
const MDS_MARKER = Buffer.alloc(4)
const ENOSPC = errnoOf('ENOSPC')

/** The parent directory of an entry as a Loc of its own (for locks and layout refreshes). */
export function parentLoc(loc: Loc): Loc {
  return { path: parentPath(loc.path), name: '', parent: undefined, inode: loc.parent }
}

function requireParent(conf: DhtConf, loc: Loc, syscall: string): Inode {
  if (loc.parent === undefined || loc.name === '') throw conf.error('EINVAL', syscall, loc.path, 'the entry has no resolved parent')
  return loc.parent
}

/**
 * xdata asking the brick to check that the parent's layout on its disk is still the 16 bytes we
 * hashed with (wire reference §3.7); a brick that disagrees fails with EIO.
 */
function withPreopCheck(conf: DhtConf, xdata: Dict | undefined, dir: DirCtx, hashed: number): Dict {
  const out = conf.withRequest(xdata, new Dict())
  const disk = conf.diskLayoutOf(dir, hashed)
  if (disk !== undefined) out.setStr(PREOP_PARENT_KEY, conf.layoutKey).setPtr(conf.layoutKey, disk)
  return out
}

/** What placeNew made and where: `subvol` holds the data; `linkedOn`, if set, holds its linkto. */
interface Placed<T> {
  readonly result: T
  readonly subvol: number
  readonly linkedOn?: number | undefined
}

/**
 * dht_create_wind_to_avail_subvol / dht_mknod_wind_to_avail_subvol: a new file goes to its hashed
 * subvolume unless that one is filled (min-free-disk, min-free-inodes); then to the subvolume
 * availableSubvol picks, behind a linkto on the hashed one naming it, made first, so that no
 * client looking the name up on its hashed subvolume misses the file. Nothing is undone when the
 * data file then fails: C leaves that linkto too, a stale one that lookup and rmdir clean up.
 * Only the hashed subvolume gets the stale-layout check (`check`), as in C.
 */
async function placeNew<T>(
  conf: DhtConf, call: Call, loc: Loc, dir: DirCtx, hashed: number, xdata: Dict | undefined, check: boolean,
  make: (subvol: number, xdata: Dict) => Promise<T>,
): Promise<Placed<T>> {
  const to = conf.isFilled(hashed) ? availableSubvol(conf.du, conf.minFree, hashed, (i) => usableForNewFile(conf, dir, i)) : hashed
  if (to === hashed) {
    return { result: await make(hashed, check ? withPreopCheck(conf, xdata, dir, hashed) : conf.withRequest(xdata, new Dict())), subvol: hashed }
  }
  debug('%s: creating %s on %s (link at %s)', conf.xlator.name, loc.path, conf.names[to], conf.names[hashed])
  const gfid = xdata?.getGfuuid('gfid-req') ?? loc.inode?.gfid ?? newGfid()
  await createLinkto(conf, call, loc, gfid, to, hashed)
  return { result: await make(to, conf.withRequest(xdata, new Dict().setGfuuid('gfid-req', gfid))), subvol: to, linkedOn: hashed }
}

/** dht_subvol_has_err: neither an error in the parent's layout entry nor decommissioned. */
function usableForNewFile(conf: DhtConf, dir: DirCtx, subvol: number): boolean {
  if (conf.decommissioned.has(subvol)) return false
  const e = dir.layout.entries.find((x) => x.subvolume === subvol)
  return e === undefined || e.err === undefined
}

/**
 * Runs an entry creation where placeNew puts it, with the stale-layout check on the hashed
 * subvolume; when the brick answers EIO the parent's layout is re-read under a read inodelk in
 * `dht.layout.heal` (so no rebalance rewrites it meanwhile) and the creation retried once,
 * placed by the fresh layout, without the check (dht_create_cbk -> dht_create_lock ->
 * dht_create_do).
 *
 * A name hashing to a decommissioned brick (remove-brick start) takes that second path at once,
 * as dht_create/dht_mknod do: our cached layout may predate the fix-layout that moved the
 * parent's range off the brick. If fix-layout has not reached the parent yet, the re-read
 * layout still names the brick and the file is created there; rebalance migrates it later.
 */
async function onHashedWithRefresh<T>(
  conf: DhtConf, call: Call, loc: Loc, xdata: Dict | undefined, syscall: string,
  make: (subvol: number, xdata: Dict) => Promise<T>,
): Promise<Placed<T>> {
  const parent = requireParent(conf, loc, syscall)
  conf.refreshDiskUsage(call)
  const { dir, hashed } = await requireHashed(conf, call, parent, await dirCtxOf(conf, call, parent, parentPath(loc.path)), loc.name, syscall, loc.path)
  if (!conf.decommissioned.has(hashed)) {
    const checked = conf.diskLayoutOf(dir, hashed) !== undefined
    const placed = await placeNew<T | typeof STALE_LAYOUT>(conf, call, loc, dir, hashed, xdata, true, (i, req) => make(i, req).catch((err: unknown) => {
      // Only the hashed subvolume gets the check: only its EIO says the parent's layout changed.
      if (i === hashed && checked && errorCode(err) === 'EIO') return STALE_LAYOUT
      throw err
    }))
    if (placed.result !== STALE_LAYOUT) return { result: placed.result, subvol: placed.subvol, linkedOn: placed.linkedOn }
  }
  const locks = new LockSet(call)
  try {
    await locks.inodelk([conf.subvols[hashed]!], parentLoc(loc), 'read', DHT_LAYOUT_HEAL_DOMAIN, ['ENOENT', 'ESTALE'])
    const fresh = await refreshDir(conf, call, parent, dir.path)
    const again = await requireHashed(conf, call, parent, fresh, loc.name, syscall, loc.path)
    return await placeNew(conf, call, loc, again.dir, again.hashed, xdata, false, make)
  } finally {
    await locks.release()
  }
}

/** CREATE where placeNew puts it; the fd and the inode remember where the data is. */
export async function create(
  conf: DhtConf, call: Call, loc: Loc, flags: number, mode: number, umask: number, fd: Fd, xdata: Dict | undefined,
): Promise<CreateResult> {
  const { result, subvol, linkedOn } = await onHashedWithRefresh(conf, call, loc, xdata, 'create', (i, req) => {
    return conf.subvols[i]!.create(call, loc, flags, mode, umask, fd, req)
  })
  fd.ctx.set(conf.xlator, new FileFd(conf.subvols[subvol]!))
  conf.remember(fd.inode, result.stat.gfid, new FileCtx(subvol))
  // dht_create_cbk -> dht_linkfile_attr_heal: the linkto, made as root, takes the file's owner.
  if (linkedOn !== undefined) await ownLinkto(conf, call, loc, result.stat, linkedOn)
  fixDirStat(result.preparent)
  fixDirStat(result.postparent)
  return result
}

/** Gives the linkto on `on` the owner of the data file; a failure is only logged, as in C. */
async function ownLinkto(conf: DhtConf, call: Call, loc: Loc, stat: Iatt, on: number): Promise<void> {
  const attrs = { mode: 0, uid: stat.uid, gid: stat.gid, atime: 0, atimeNsec: 0, mtime: 0, mtimeNsec: 0 }
  const at: Loc = { ...loc, inode: new Inode(stat.gfid, S_IFREG) }
  await conf.subvols[on]!.setattr(conf.internalCall(call), at, attrs, SetAttr.UID | SetAttr.GID, conf.internalXdata).catch((err: unknown) => {
    debug('%s: setattr of the linkto %s on %s failed: %s', conf.xlator.name, loc.path, conf.names[on], err instanceof Error ? err.message : String(err))
  })
}

/**
 * MKNOD where placeNew puts it, with the same stale-layout check as CREATE. The linkto keeps
 * root as owner: C's dht_newfile_cbk heals it from an iatt mknod never fills in.
 */
export async function mknod(
  conf: DhtConf, call: Call, loc: Loc, mode: number, rdev: number, umask: number, xdata: Dict | undefined,
): Promise<EntryResult> {
  const { result, subvol } = await onHashedWithRefresh(conf, call, loc, xdata, 'mknod', (i, req) => {
    return conf.subvols[i]!.mknod(call, loc, mode, rdev, umask, req)
  })
  conf.remember(loc.inode, result.stat.gfid, new FileCtx(subvol))
  return entryResult(result)
}

/** SYMLINK on the hashed subvolume, filled or not (dht_symlink has no layout check and no min-free-disk). */
export async function symlink(
  conf: DhtConf, call: Call, target: string, loc: Loc, umask: number, xdata: Dict | undefined,
): Promise<EntryResult> {
  const parent = requireParent(conf, loc, 'symlink')
  const { hashed } = await requireHashed(conf, call, parent, await dirCtxOf(conf, call, parent, parentPath(loc.path)), loc.name, 'symlink', loc.path)
  const result = await conf.subvols[hashed]!.symlink(call, target, loc, umask, xdata)
  conf.remember(loc.inode, result.stat.gfid, new FileCtx(hashed))
  return entryResult(result)
}

function entryResult(r: EntryResult): EntryResult {
  return { stat: r.stat, preparent: fixDirStat(r.preparent), postparent: fixDirStat(r.postparent), xdata: r.xdata }
}

/**
 * A linkto file: an empty regular file with mode S_ISVTX only, made as root on `on`, with the
 * file's gfid and an xattr naming the subvolume `to` holding the data (dht_linkfile_create).
 * An existing linkto of the same file is accepted (dht_linkfile_create_cbk's EEXIST lookup).
 */
export async function createLinkto(conf: DhtConf, call: Call, loc: Loc, gfid: Buffer, to: number, on: number): Promise<void> {
  const su = conf.internalCall(call)
  const xdata = new Dict()
    .setGfuuid('gfid-req', gfid)
    .setStr('glusterfs-internal-fop', 'yes')
    .setStr(conf.linktoKey, conf.names[to]!)
  try {
    await conf.subvols[on]!.mknod(su, { ...loc, inode: undefined }, S_IFREG | S_ISVTX, 0, 0, xdata)
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') throw err
    const existing = await conf.subvols[on]!.lookup(su, { ...loc, inode: undefined }, conf.withRequest(undefined, conf.readdirKeys))
    if (!isLinkto(existing.stat, existing.xdata, conf.linktoKey) || !existing.stat.gfid.equals(gfid) || linktoTarget(existing.xdata, conf.linktoKey) !== conf.names[to]) throw err
  }
}

/** Removes a name from one subvolume, ignoring that it is already gone. */
export async function unlinkQuietly(conf: DhtConf, call: Call, loc: Loc, on: number): Promise<void> {
  await conf.subvols[on]!.unlink(call, { ...loc, inode: undefined }, 0, conf.internalXdata).then(() => undefined, (err: unknown) => {
    if (!isMissing(err)) throw err
  })
}

/**
 * LINK where the data is; if the new name hashes elsewhere, a linkto for it is made there first
 * and removed again if the link fails (dht_link).
 */
export async function link(conf: DhtConf, call: Call, oldLoc: Loc, newLoc: Loc, xdata: Dict | undefined): Promise<EntryResult> {
  const inode = oldLoc.inode
  if (inode === undefined) throw conf.error('EINVAL', 'link', oldLoc.path, 'the source is not resolved to an inode')
  const cached = await cachedIndex(conf, call, oldLoc, 'link')
  const parent = requireParent(conf, newLoc, 'link')
  const { hashed } = await requireHashed(conf, call, parent, await dirCtxOf(conf, call, parent, parentPath(newLoc.path)), newLoc.name, 'link', newLoc.path)
  if (hashed !== cached) await createLinkto(conf, call, newLoc, inode.gfid, cached, hashed)
  try {
    return entryResult(await conf.subvols[cached]!.link(call, oldLoc, newLoc, xdata))
  } catch (err) {
    if (hashed !== cached) await unlinkQuietly(conf, conf.internalCall(call), newLoc, hashed).catch(() => undefined)
    throw err
  }
}

/**
 * UNLINK where the data is, then the linkto on the hashed subvolume if that is elsewhere
 * (dht_unlink_cbk). A name already gone from the data's subvolume still has its linkto removed.
 */
export async function unlink(conf: DhtConf, call: Call, loc: Loc, xflags: number, xdata: Dict | undefined): Promise<ParentResult> {
  const parent = requireParent(conf, loc, 'unlink')
  const cached = await cachedIndex(conf, call, loc, 'unlink')
  let result: ParentResult | undefined
  try {
    result = await conf.subvols[cached]!.unlink(call, loc, xflags, xdata)
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err
  }
  const dir = await dirCtxOf(conf, call, parent, parentPath(loc.path))
  const hashed = conf.hashedIndex(dir, loc.name)
  if (hashed !== undefined && hashed !== cached) {
    try {
      const linkto = await conf.subvols[hashed]!.unlink(call, loc, xflags, xdata)
      result ??= linkto
    } catch (err) {
      const code = errorCode(err)
      if (code !== 'ENOENT' && code !== 'ENOTCONN') throw err
    }
  }
  conf.forget(loc.inode)
  if (result === undefined) return { preparent: fixDirStat(new Iatt()), postparent: fixDirStat(new Iatt()), xdata: undefined }
  return { preparent: fixDirStat(result.preparent), postparent: fixDirStat(result.postparent), xdata: result.xdata }
}

/**
 * MKDIR as dht_mkdir: under the parent's namespace lock (read inodelk in `dht.layout.heal` and
 * write entrylk on the name, both on the hashed subvolume), MKDIR there with the MDS marker and
 * the stale-layout check, then on every other subvolume with the same gfid; then the new layout
 * (writeDirectoryLayout, locked on the hashed subvolume). EEXIST on a non-hashed brick is a race
 * with a concurrent self-heal and counts as success. A brick that made it while filled
 * (min-free-disk, min-free-inodes) counts as ENOSPC (dht_mkdir_hashed_cbk, dht_mkdir_cbk): the
 * new layout gives it no range unless every brick is filled.
 */
export async function mkdir(conf: DhtConf, call: Call, loc: Loc, mode: number, umask: number, xdata: Dict | undefined): Promise<EntryResult> {
  const parent = requireParent(conf, loc, 'mkdir')
  conf.refreshDiskUsage(call)
  let { dir, hashed } = await requireHashed(conf, call, parent, await dirCtxOf(conf, call, parent, parentPath(loc.path)), loc.name, 'mkdir', loc.path)
  const gfid = xdata?.getGfuuid('gfid-req') ?? loc.inode?.gfid ?? newGfid()
  const params = conf.withRequest(xdata, new Dict()).setGfuuid('gfid-req', gfid)
  const results: (EntryResult | undefined)[] = []
  const errors: (number | undefined)[] = conf.subvols.map(() => undefined)

  const locks = new LockSet(call)
  try {
    await locks.inodelk([conf.subvols[hashed]!], parentLoc(loc), 'read', DHT_LAYOUT_HEAL_DOMAIN)
    await locks.entrylk(conf.subvols[hashed]!, parentLoc(loc), loc.name, DHT_ENTRY_SYNC_DOMAIN)
    for (let attempt = 0; ; attempt++) {
      const first = withPreopCheck(conf, params, dir, hashed).setPtr(conf.mdsKey, MDS_MARKER)
      try {
        results[hashed] = await conf.subvols[hashed]!.mkdir(call, loc, mode, umask, first)
        if (conf.isFilled(hashed)) errors[hashed] = ENOSPC
        break
      } catch (err) {
        // dht_mkdir_hashed_cbk: the parent's layout changed; refresh it and try once more.
        if (attempt > 0 || errorCode(err) !== 'EIO') throw err
        const fresh = await refreshDir(conf, call, parent, dir.path)
        ;({ dir, hashed } = await requireHashed(conf, call, parent, fresh, loc.name, 'mkdir', loc.path))
      }
    }
    const others = conf.subvols.map((c, i) => (i === hashed ? undefined : c.mkdir(call, loc, mode, umask, params)))
    const settled = await Promise.allSettled(others.map((p) => p ?? Promise.resolve(undefined)))
    settled.forEach((r, i) => {
      if (i === hashed) return
      if (r.status === 'fulfilled') {
        results[i] = r.value
        if (conf.isFilled(i)) errors[i] = ENOSPC
      } else if (errorCode(r.reason) !== 'EEXIST') errors[i] = r.reason instanceof GlusterError ? -r.reason.errno : 5
    })
  } finally {
    await locks.release()
  }

  const dirLoc: Loc = { ...loc, inode: new Inode(gfid, S_IFDIR) }
  const written = await writeDirectoryLayout(conf, dirLoc, gfid, [hashed], conf.newLayoutCommitHash(), errors)
  conf.remember(loc.inode, gfid, new DirCtx(loc.path, written.layout, hashed))
  const made = results.filter((r): r is EntryResult => r !== undefined)
  return {
    stat: mergeDirIatts(made.map((r) => r.stat)),
    preparent: mergeDirIatts(made.map((r) => r.preparent)),
    postparent: mergeDirIatts(made.map((r) => r.postparent)),
    xdata: results[hashed]?.xdata,
  }
}

/** Reads one brick's whole directory listing (with each entry's linkto xattr). */
export async function listBrick(conf: DhtConf, call: Call, dirLoc: Loc, subvol: number): Promise<{ name: string; stat: Iatt; xdata: Dict | undefined }[]> {
  const sub = conf.subvols[subvol]!
  const fd = new Fd(dirLoc.inode!, 0, true)
  const out: { name: string; stat: Iatt; xdata: Dict | undefined }[] = []
  try {
    await sub.opendir(call, dirLoc, fd, conf.withRequest(undefined, conf.readdirKeys))
  } catch (err) {
    if (isMissing(err)) return out
    throw err
  }
  try {
    let offset = 0n
    for (;;) {
      const page = await sub.readdirp(call, fd, 131072, offset, conf.withRequest(undefined, conf.readdirKeys))
      for (const e of page.entries) {
        offset = e.offset
        if (e.name !== '.' && e.name !== '..') out.push({ name: e.name, stat: e.stat, xdata: e.xdata })
      }
      if (page.eof || page.entries.length === 0) return out
    }
  } finally {
    await sub.releasedir(call, fd).catch(() => undefined)
  }
}

/**
 * Whether every brick's copy of a directory is empty but for stale linkto files (those pointing
 * nowhere, to the brick itself, or to a subvolume lacking the name), which it removes; anything
 * else is ENOTEMPTY (dht_rmdir_is_subvol_empty).
 */
async function emptyForRmdir(conf: DhtConf, call: Call, dirLoc: Loc): Promise<void> {
  const su = conf.internalCall(call)
  const lists = await Promise.all(conf.subvols.map((_, i) => listBrick(conf, call, dirLoc, i)))
  const stale: { subvol: number; name: string }[] = []
  for (let i = 0; i < lists.length; i++) {
    for (const e of lists[i]!) {
      if (!isLinkto(e.stat, e.xdata, conf.linktoKey)) throw conf.error('ENOTEMPTY', 'rmdir', dirLoc.path)
      const target = conf.subvolByName(linktoTarget(e.xdata, conf.linktoKey) ?? '')
      if (target !== undefined && target !== i) {
        const child: Loc = { path: `${dirLoc.path}/${e.name}`, name: e.name, parent: dirLoc.inode, inode: undefined }
        const found = await conf.subvols[target]!.lookup(su, child, conf.withRequest(undefined, conf.readdirKeys)).then(() => true, (err: unknown) => {
          if (errorCode(err) === 'ENOENT') return false
          throw err
        })
        if (found) throw conf.error('ENOTEMPTY', 'rmdir', dirLoc.path)
      }
      stale.push({ subvol: i, name: e.name })
    }
  }
  for (const s of stale) {
    await unlinkQuietly(conf, su, { path: `${dirLoc.path}/${s.name}`, name: s.name, parent: dirLoc.inode, inode: undefined }, s.subvol)
  }
}

/**
 * RMDIR as dht_rmdir: refuse unless empty (stale linkto files are removed), then under the
 * parent's namespace lock remove the directory from every non-hashed subvolume and last from the
 * hashed one, so the name stays findable until it is gone everywhere. If some brick refuses after
 * others removed it, the removed copies are put back (mkdir with the same gfid and layout range).
 */
export async function rmdir(conf: DhtConf, call: Call, loc: Loc, xflags: number, xdata: Dict | undefined): Promise<ParentResult> {
  const parent = requireParent(conf, loc, 'rmdir')
  const inode = loc.inode
  if (inode === undefined) throw conf.error('EINVAL', 'rmdir', loc.path, 'the directory is not resolved to an inode')
  const self = await dirCtxOf(conf, call, inode, loc.path)
  await emptyForRmdir(conf, call, loc)
  const pdir = await dirCtxOf(conf, call, parent, parentPath(loc.path))
  const hashed = conf.hashedIndex(pdir, loc.name)

  const locks = new LockSet(call)
  try {
    if (hashed !== undefined) {
      await locks.inodelk([conf.subvols[hashed]!], parentLoc(loc), 'read', DHT_LAYOUT_HEAL_DOMAIN)
      await locks.entrylk(conf.subvols[hashed]!, parentLoc(loc), loc.name, DHT_ENTRY_SYNC_DOMAIN)
    }
    const order = conf.subvols.map((_, i) => i).filter((i) => i !== hashed)
    const settled = await Promise.allSettled(order.map((i) => conf.subvols[i]!.rmdir(call, loc, xflags, xdata)))
    const removed: number[] = []
    const done: ParentResult[] = []
    let failure: unknown
    settled.forEach((r, k) => {
      if (r.status === 'fulfilled') {
        removed.push(order[k]!)
        done.push(r.value)
      } else if (!isMissing(r.reason)) {
        failure ??= r.reason
      }
    })
    if (failure !== undefined) {
      await restoreDirectory(conf, call, loc, inode, self, removed)
      throw failure
    }
    if (hashed !== undefined) {
      try {
        done.push(await conf.subvols[hashed]!.rmdir(call, loc, xflags, xdata))
      } catch (err) {
        if (!isMissing(err)) {
          await restoreDirectory(conf, call, loc, inode, self, removed)
          throw err
        }
      }
    }
    conf.forget(inode)
    return {
      preparent: mergeDirIatts(done.map((r) => r.preparent)),
      postparent: mergeDirIatts(done.map((r) => r.postparent)),
      xdata: done[done.length - 1]?.xdata,
    }
  } finally {
    await locks.release()
  }
}

/** Puts a directory back on the bricks an interrupted rmdir removed it from (dht_selfheal_restore). */
async function restoreDirectory(conf: DhtConf, call: Call, loc: Loc, inode: Inode, dir: DirCtx, on: readonly number[]): Promise<void> {
  const su = conf.internalCall(call)
  const attrs = new Iatt()
  const stat = await conf.xlator.stat(call, { ...loc, inode }).catch(() => undefined)
  if (stat !== undefined) mergeIatt(attrs, stat.stat)
  await Promise.all(on.map(async (i) => {
    const params = new Dict().setGfuuid('gfid-req', inode.gfid).setStr('glusterfs-internal-fop', 'yes')
    await conf.subvols[i]!.mkdir(su, { ...loc, inode }, attrs.mode & 0o7777 || 0o755, 0, params).catch(() => undefined)
    const value = conf.diskLayoutOf(dir, i)
    if (value !== undefined) {
      await conf.subvols[i]!.setxattr(su, { ...loc, inode }, new Dict().setPtr(conf.layoutKey, value), 0, conf.internalXdata).catch(() => undefined)
    }
  }))
}
