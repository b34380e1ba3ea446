// DHT rename (xlators/cluster/dht/src/dht-rename.c). A file's data never moves: when the new
// name hashes to another subvolume, that subvolume gets a linkto file for it. Directories exist
// on every subvolume and are renamed on each, the new name's hashed subvolume first.
//
// File rename, with src/dst hashed = where the old/new name hash, src cached = where the data is,
// dst cached = where an existing target's data is:
//   1. lock: write inodelk (dht.file.migrate) on the data of source and target, then the
//      namespace of both names (read inodelk dht.layout.heal on the parent + write entrylk on the
//      name, on each hashed subvolume), in a fixed order so two renames cannot deadlock
//   2. links: if the data is not on dst hashed, make a linkto for the OLD name on dst hashed
//      (unless src hashed already has one there) and hard-link new -> data on src cached
//   3. RENAME old -> new on src cached if the target's data is there too, else on dst hashed
//      (which turns the linkto of step 2 into the new name's linkto)
//   4. remove what is left: the old name on src cached, the old linkto on src hashed, the old
//      target's data elsewhere

import { Dict } from '../../rpc/programs/fops/dict.ts'
import { Iatt } from '../../rpc/programs/fops/iatt.ts'
import { type Call, type Loc, type RenameResult, gfidToString } from '../types.ts'
import type { DhtConf } from './conf.ts'
import { createLinkto, listBrick, parentLoc, unlinkQuietly } from './entry.ts'
import { DHT_ENTRY_SYNC_DOMAIN, DHT_FILE_MIGRATE_DOMAIN, DHT_LAYOUT_HEAL_DOMAIN, LockSet } from './locks.ts'
import { cachedIndex, dirCtxOf, lookupNamed, requireHashed } from './lookup.ts'
import { fixDirStat, mergeDirIatts } from './merge.ts'
import { DirCtx, FileCtx, errorCode, isMissing, parentPath } from './state.ts'
import { S_IFDIR, S_IFMT } from '../../rpc/linux.ts'

/** posix_link: replace a stale linkto that holds the new name on the data's brick. */
const FORCE_REPLACE_KEY = 'force-replace'

interface Side {
  readonly loc: Loc
  readonly hashed: number
}

/** Renames a file or directory; see above. */
export async function rename(conf: DhtConf, call: Call, oldLoc: Loc, newLoc: Loc, xdata: Dict | undefined): Promise<RenameResult> {
  const src = oldLoc.inode
  if (src === undefined || oldLoc.parent === undefined || newLoc.parent === undefined) {
    throw conf.error('EINVAL', 'rename', oldLoc.path, 'source or target is not resolved')
  }
  if (oldLoc.parent.gfid.equals(newLoc.parent.gfid) && oldLoc.name === newLoc.name) {
    // rename(2) of a name onto itself does nothing (and must not lock the name twice).
    const { stat } = await conf.xlator.stat(call, oldLoc)
    const none = (): Iatt => fixDirStat(new Iatt())
    return { stat, preoldparent: none(), postoldparent: none(), prenewparent: none(), postnewparent: none(), xdata: undefined }
  }
  const srcDir = await dirCtxOf(conf, call, oldLoc.parent, parentPath(oldLoc.path))
  const dstDir = await dirCtxOf(conf, call, newLoc.parent, parentPath(newLoc.path))
  const srcSide: Side = { loc: oldLoc, hashed: (await requireHashed(conf, call, oldLoc.parent, srcDir, oldLoc.name, 'rename', oldLoc.path)).hashed }
  const dstSide: Side = { loc: newLoc, hashed: (await requireHashed(conf, call, newLoc.parent, dstDir, newLoc.name, 'rename', newLoc.path)).hashed }
  const isDir = (src.type & S_IFMT) === S_IFDIR || conf.stateOf(src) instanceof DirCtx
  return isDir ? renameDir(conf, call, srcSide, dstSide, xdata) : renameFile(conf, call, srcSide, dstSide, xdata)
}

/** Namespace locks of both names, ordered by hashed subvolume name, then parent gfid + name (dht_order_rename_lock). */
async function lockNamespaces(conf: DhtConf, locks: LockSet, a: Side, b: Side): Promise<void> {
  const key = (s: Side): string => gfidToString(s.loc.parent!.gfid) + s.loc.name
  const byName = compare(conf.names[a.hashed]!, conf.names[b.hashed]!)
  const first = (byName !== 0 ? byName : compare(key(a), key(b))) <= 0 ? [a, b] : [b, a]
  for (const s of first) {
    await locks.inodelk([conf.subvols[s.hashed]!], parentLoc(s.loc), 'read', DHT_LAYOUT_HEAL_DOMAIN)
    await locks.entrylk(conf.subvols[s.hashed]!, parentLoc(s.loc), s.loc.name, DHT_ENTRY_SYNC_DOMAIN)
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

async function renameFile(conf: DhtConf, call: Call, srcSide: Side, dstSide: Side, xdata: Dict | undefined): Promise<RenameResult> {
  const oldLoc = srcSide.loc
  const newLoc = dstSide.loc
  const src = oldLoc.inode!
  const srcHashed = srcSide.hashed
  const dstHashed = dstSide.hashed
  const srcCached = await cachedIndex(conf, call, oldLoc, 'rename')
  let dstCached = newLoc.inode === undefined ? undefined : await cachedIndex(conf, call, newLoc, 'rename').catch(() => undefined)

  const locks = new LockSet(call)
  try {
    const data = [{ sub: srcCached, loc: oldLoc, ignore: [] as string[] }]
    if (dstCached !== undefined) data.push({ sub: dstCached, loc: newLoc, ignore: ['ENOENT', 'ESTALE', 'EIO'] })
    data.sort((x, y) => compare(conf.names[x.sub]!, conf.names[y.sub]!))
    for (const d of data) await locks.inodelk([conf.subvols[d.sub]!], d.loc, 'write', DHT_FILE_MIGRATE_DOMAIN, d.ignore)
    await lockNamespaces(conf, locks, srcSide, dstSide)

    // Under the locks: the source must still be that file, and the target's data may have moved.
    const now = await conf.subvols[srcCached]!.lookup(call, { ...oldLoc, inode: undefined }, conf.withRequest(undefined, conf.lookupKeys))
    if (!now.stat.gfid.equals(src.gfid)) throw conf.error('ENOENT', 'rename', oldLoc.path, 'the source was replaced meanwhile')
    dstCached = await targetDataSubvol(conf, call, newLoc)

    const su = conf.internalCall(call)
    let linked = false
    let linkResult: RenameResult['stat'] | undefined
    let newLinkto = false
    if (srcCached === dstCached) {
      if (dstHashed !== dstCached) {
        // The new name's linkto goes first (dht_rename_create_links): without it a lookup of the
        // new name on its hashed subvolume finds nothing once the old name is gone.
        await unlinkQuietly(conf, su, newLoc, dstHashed)
        await createLinkto(conf, call, newLoc, src.gfid, srcCached, dstHashed)
        newLinkto = true
      }
    } else if (srcCached !== dstHashed) {
      if (dstHashed !== srcHashed) {
        await createLinkto(conf, call, oldLoc, src.gfid, srcCached, dstHashed)
        linked = true
      }
      try {
        const req = conf.withRequest(conf.internalXdata, new Dict()).setStr(FORCE_REPLACE_KEY, 'yes')
        linkResult = (await conf.subvols[srcCached]!.link(call, oldLoc, newLoc, req)).stat
      } catch (err) {
        if (linked && dstHashed !== srcCached) await unlinkQuietly(conf, su, oldLoc, dstHashed).catch(() => undefined)
        throw err
      }
    }

    const renameSubvol = srcCached === dstCached ? srcCached : dstHashed
    let renamed: RenameResult | undefined
    try {
      renamed = await conf.subvols[renameSubvol]!.rename(call, oldLoc, newLoc, xdata)
    } catch (err) {
      // Failed, whether it was the data or the linkto that becomes the new name's (dht_rename_cbk
      // fails the rename either way): undo the links made for it, and the old name stays whole.
      if (linked) await unlinkQuietly(conf, su, oldLoc, dstHashed).catch(() => undefined)
      if (newLinkto) await unlinkQuietly(conf, su, newLoc, dstHashed).catch(() => undefined)
      if (linkResult !== undefined) await unlinkQuietly(conf, su, newLoc, srcCached).catch(() => undefined)
      throw err
    }

    const leftovers: Promise<void>[] = []
    if (srcCached !== dstHashed && srcCached !== dstCached) leftovers.push(unlinkQuietly(conf, call, oldLoc, srcCached))
    if (srcHashed !== renameSubvol && srcHashed !== srcCached) leftovers.push(unlinkQuietly(conf, su, oldLoc, srcHashed))
    if (dstCached !== undefined && dstCached !== dstHashed && dstCached !== srcCached) leftovers.push(unlinkQuietly(conf, call, newLoc, dstCached))
    await Promise.allSettled(leftovers)

    conf.forget(newLoc.inode)
    conf.remember(src, src.gfid, new FileCtx(srcCached))
    const stat = renameSubvol === srcCached && renamed !== undefined ? renamed.stat : linkResult ?? renamed!.stat
    return {
      stat,
      preoldparent: fixDirStat(renamed?.preoldparent ?? new Iatt()),
      postoldparent: fixDirStat(renamed?.postoldparent ?? new Iatt()),
      prenewparent: fixDirStat(renamed?.prenewparent ?? new Iatt()),
      postnewparent: fixDirStat(renamed?.postnewparent ?? new Iatt()),
      xdata: renamed?.xdata,
    }
  } finally {
    await locks.release()
  }
}

/** Where the data of an existing target is now (undefined: no target); a directory there is EISDIR. */
async function targetDataSubvol(conf: DhtConf, call: Call, newLoc: Loc): Promise<number | undefined> {
  let found
  try {
    found = await lookupNamed(conf, call, { ...newLoc, inode: undefined }, undefined)
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined
    throw err
  }
  if ((found.stat.mode & S_IFMT) === S_IFDIR) throw conf.error('EISDIR', 'rename', newLoc.path)
  const state = conf.peekState(found.stat.gfid)
  return state instanceof FileCtx ? state.subvol : undefined
}

/**
 * A directory is renamed on every subvolume, all of which must be up: the new name's hashed
 * one first, then the others; if any of those fails, the ones that succeeded are renamed back
 * (dht_rename_dir). An existing target must be empty on every brick.
 */
async function renameDir(conf: DhtConf, call: Call, srcSide: Side, dstSide: Side, xdata: Dict | undefined): Promise<RenameResult> {
  const oldLoc = srcSide.loc
  const newLoc = dstSide.loc
  for (let i = 0; i < conf.subvols.length; i++) {
    if (!conf.isUp(i)) throw conf.error('ENOTCONN', 'rename', oldLoc.path, `${conf.names[i]} is down: a directory is renamed on every subvolume`)
  }
  const locks = new LockSet(call)
  try {
    await lockNamespaces(conf, locks, srcSide, dstSide)
    if (newLoc.inode !== undefined) {
      const target: Loc = { ...newLoc }
      const lists = await Promise.all(conf.subvols.map((_, i) => listBrick(conf, call, target, i)))
      if (lists.some((l) => l.length > 0)) throw conf.error('ENOTEMPTY', 'rename', newLoc.path)
    }
    const first = await conf.subvols[dstSide.hashed]!.rename(call, oldLoc, newLoc, xdata)
    const others = conf.subvols.map((_, i) => i).filter((i) => i !== dstSide.hashed)
    const settled = await Promise.allSettled(others.map((i) => conf.subvols[i]!.rename(call, oldLoc, newLoc, xdata)))
    const done: RenameResult[] = [first]
    const succeeded = [dstSide.hashed]
    let failure: unknown
    settled.forEach((r, k) => {
      if (r.status === 'fulfilled') {
        done.push(r.value)
        succeeded.push(others[k]!)
      } else if (!isMissing(r.reason)) {
        failure ??= r.reason
      }
    })
    if (failure !== undefined) {
      await Promise.allSettled(succeeded.map((i) => conf.subvols[i]!.rename(call, newLoc, oldLoc, undefined)))
      throw failure
    }
    const src = oldLoc.inode!
    const state = conf.stateOf(src)
    if (state instanceof DirCtx) conf.remember(src, src.gfid, new DirCtx(newLoc.path, state.layout, state.mds))
    conf.forget(newLoc.inode)
    return {
      stat: mergeDirIatts(done.map((r) => r.stat)),
      preoldparent: mergeDirIatts(done.map((r) => r.preoldparent)),
      postoldparent: mergeDirIatts(done.map((r) => r.postoldparent)),
      prenewparent: mergeDirIatts(done.map((r) => r.prenewparent)),
      postnewparent: mergeDirIatts(done.map((r) => r.postnewparent)),
      xdata: first.xdata,
    }
  } finally {
    await locks.release()
  }
}
