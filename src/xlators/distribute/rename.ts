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
import type { Distribute } from './distribute.ts'
import { createLinkto, listBrick, parentLoc, unlinkQuietly } from './entry.ts'
import { DHT_ENTRY_SYNC_DOMAIN, DHT_FILE_MIGRATE_DOMAIN, DHT_LAYOUT_HEAL_DOMAIN, LockSet } from './locks.ts'
import { lookupNamed } from './lookup.ts'
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
export async function rename(dht: Distribute, call: Call, oldLoc: Loc, newLoc: Loc, xdata: Dict | undefined): Promise<RenameResult> {
  const src = oldLoc.inode
  if (src === undefined || oldLoc.parent === undefined || newLoc.parent === undefined) {
    throw dht.error('EINVAL', 'rename', oldLoc.path, 'source or target is not resolved')
  }
  if (oldLoc.parent.gfid.equals(newLoc.parent.gfid) && oldLoc.name === newLoc.name) {
    // rename(2) of a name onto itself does nothing (and must not lock the name twice).
    const { stat } = await dht.stat(call, oldLoc)
    const none = (): Iatt => fixDirStat(new Iatt())
    return { stat, preoldparent: none(), postoldparent: none(), prenewparent: none(), postnewparent: none(), xdata: undefined }
  }
  const srcDir = await dht.dirCtxOf(call, oldLoc.parent, parentPath(oldLoc.path))
  const dstDir = await dht.dirCtxOf(call, newLoc.parent, parentPath(newLoc.path))
  const srcSide: Side = { loc: oldLoc, hashed: (await dht.requireHashed(call, oldLoc.parent, srcDir, oldLoc.name, 'rename', oldLoc.path)).hashed }
  const dstSide: Side = { loc: newLoc, hashed: (await dht.requireHashed(call, newLoc.parent, dstDir, newLoc.name, 'rename', newLoc.path)).hashed }
  const isDir = (src.type & S_IFMT) === S_IFDIR || dht.stateOf(src) instanceof DirCtx
  return isDir ? renameDir(dht, call, srcSide, dstSide, xdata) : renameFile(dht, call, srcSide, dstSide, xdata)
}

/** Namespace locks of both names, ordered by hashed subvolume name, then parent gfid + name (dht_order_rename_lock). */
async function lockNamespaces(dht: Distribute, locks: LockSet, a: Side, b: Side): Promise<void> {
  const key = (s: Side): string => gfidToString(s.loc.parent!.gfid) + s.loc.name
  const byName = compare(dht.names[a.hashed]!, dht.names[b.hashed]!)
  const first = (byName !== 0 ? byName : compare(key(a), key(b))) <= 0 ? [a, b] : [b, a]
  for (const s of first) {
    await locks.inodelk([dht.children[s.hashed]!], parentLoc(s.loc), 'read', DHT_LAYOUT_HEAL_DOMAIN)
    await locks.entrylk(dht.children[s.hashed]!, parentLoc(s.loc), s.loc.name, DHT_ENTRY_SYNC_DOMAIN)
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

async function renameFile(dht: Distribute, call: Call, srcSide: Side, dstSide: Side, xdata: Dict | undefined): Promise<RenameResult> {
  const oldLoc = srcSide.loc
  const newLoc = dstSide.loc
  const src = oldLoc.inode!
  const srcHashed = srcSide.hashed
  const dstHashed = dstSide.hashed
  const srcCached = await dht.cachedIndex(call, oldLoc, 'rename')
  let dstCached = newLoc.inode === undefined ? undefined : await dht.cachedIndex(call, newLoc, 'rename').catch(() => undefined)

  const locks = new LockSet(call)
  try {
    const data = [{ sub: srcCached, loc: oldLoc, ignore: [] as string[] }]
    if (dstCached !== undefined) data.push({ sub: dstCached, loc: newLoc, ignore: ['ENOENT', 'ESTALE', 'EIO'] })
    data.sort((x, y) => compare(dht.names[x.sub]!, dht.names[y.sub]!))
    for (const d of data) await locks.inodelk([dht.children[d.sub]!], d.loc, 'write', DHT_FILE_MIGRATE_DOMAIN, d.ignore)
    await lockNamespaces(dht, locks, srcSide, dstSide)

    // Under the locks: the source must still be that file, and the target's data may have moved.
    const now = await dht.children[srcCached]!.lookup(call, { ...oldLoc, inode: undefined }, dht.withRequest(undefined, dht.lookupKeys))
    if (!now.stat.gfid.equals(src.gfid)) throw dht.error('ENOENT', 'rename', oldLoc.path, 'the source was replaced meanwhile')
    dstCached = await targetDataSubvol(dht, call, newLoc)

    const su = dht.internalCall(call)
    let linked = false
    let linkResult: RenameResult['stat'] | undefined
    let newLinkto = false
    if (srcCached === dstCached) {
      if (dstHashed !== dstCached) {
        // The new name's linkto goes first (dht_rename_create_links): without it a lookup of the
        // new name on its hashed subvolume finds nothing once the old name is gone.
        await unlinkQuietly(dht, su, newLoc, dstHashed)
        await createLinkto(dht, call, newLoc, src.gfid, srcCached, dstHashed)
        newLinkto = true
      }
    } else if (srcCached !== dstHashed) {
      if (dstHashed !== srcHashed) {
        await createLinkto(dht, call, oldLoc, src.gfid, srcCached, dstHashed)
        linked = true
      }
      try {
        const req = dht.withRequest(dht.internalXdata, new Dict()).setStr(FORCE_REPLACE_KEY, 'yes')
        linkResult = (await dht.children[srcCached]!.link(call, oldLoc, newLoc, req)).stat
      } catch (err) {
        if (linked && dstHashed !== srcCached) await unlinkQuietly(dht, su, oldLoc, dstHashed).catch(() => undefined)
        throw err
      }
    }

    const renameSubvol = srcCached === dstCached ? srcCached : dstHashed
    let renamed: RenameResult | undefined
    try {
      renamed = await dht.children[renameSubvol]!.rename(call, oldLoc, newLoc, xdata)
    } catch (err) {
      // Failed, whether it was the data or the linkto that becomes the new name's (dht_rename_cbk
      // fails the rename either way): undo the links made for it, and the old name stays whole.
      if (linked) await unlinkQuietly(dht, su, oldLoc, dstHashed).catch(() => undefined)
      if (newLinkto) await unlinkQuietly(dht, su, newLoc, dstHashed).catch(() => undefined)
      if (linkResult !== undefined) await unlinkQuietly(dht, su, newLoc, srcCached).catch(() => undefined)
      throw err
    }

    const leftovers: Promise<void>[] = []
    if (srcCached !== dstHashed && srcCached !== dstCached) leftovers.push(unlinkQuietly(dht, call, oldLoc, srcCached))
    if (srcHashed !== renameSubvol && srcHashed !== srcCached) leftovers.push(unlinkQuietly(dht, su, oldLoc, srcHashed))
    if (dstCached !== undefined && dstCached !== dstHashed && dstCached !== srcCached) leftovers.push(unlinkQuietly(dht, call, newLoc, dstCached))
    await Promise.allSettled(leftovers)

    dht.forget(newLoc.inode)
    dht.remember(src, src.gfid, new FileCtx(srcCached))
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
async function targetDataSubvol(dht: Distribute, call: Call, newLoc: Loc): Promise<number | undefined> {
  let found
  try {
    found = await lookupNamed(dht, call, { ...newLoc, inode: undefined }, undefined)
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined
    throw err
  }
  if ((found.stat.mode & S_IFMT) === S_IFDIR) throw dht.error('EISDIR', 'rename', newLoc.path)
  const state = dht.peekState(found.stat.gfid)
  return state instanceof FileCtx ? state.subvol : undefined
}

/**
 * A directory is renamed on every subvolume, all of which must be up: the new name's hashed
 * one first, then the others; if any of those fails, the ones that succeeded are renamed back
 * (dht_rename_dir). An existing target must be empty on every brick.
 */
async function renameDir(dht: Distribute, call: Call, srcSide: Side, dstSide: Side, xdata: Dict | undefined): Promise<RenameResult> {
  const oldLoc = srcSide.loc
  const newLoc = dstSide.loc
  for (let i = 0; i < dht.children.length; i++) {
    if (!dht.isUp(i)) throw dht.error('ENOTCONN', 'rename', oldLoc.path, `${dht.names[i]} is down: a directory is renamed on every subvolume`)
  }
  const locks = new LockSet(call)
  try {
    await lockNamespaces(dht, locks, srcSide, dstSide)
    if (newLoc.inode !== undefined) {
      const target: Loc = { ...newLoc }
      const lists = await Promise.all(dht.children.map((_, i) => listBrick(dht, call, target, i)))
      if (lists.some((l) => l.length > 0)) throw dht.error('ENOTEMPTY', 'rename', newLoc.path)
    }
    const first = await dht.children[dstSide.hashed]!.rename(call, oldLoc, newLoc, xdata)
    const others = dht.children.map((_, i) => i).filter((i) => i !== dstSide.hashed)
    const settled = await Promise.allSettled(others.map((i) => dht.children[i]!.rename(call, oldLoc, newLoc, xdata)))
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
      await Promise.allSettled(succeeded.map((i) => dht.children[i]!.rename(call, newLoc, oldLoc, undefined)))
      throw failure
    }
    const src = oldLoc.inode!
    const state = dht.stateOf(src)
    if (state instanceof DirCtx) dht.remember(src, src.gfid, new DirCtx(newLoc.path, state.layout, state.mds))
    dht.forget(newLoc.inode)
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
