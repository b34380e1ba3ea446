// DHT lookup (dht-common.c dht_lookup, dht_lookup_cbk, dht_lookup_dir_cbk, dht_lookup_everywhere,
// dht_do_discover), the layouts and cached subvolumes the other fops ask for (dht_layout_get,
// dht_subvol_get_hashed, dht_subvol_get_cached), and the writing of a directory's first layout
// (dht-selfheal.c).
//
// A name is looked up on its hashed subvolume first. What comes back decides the rest:
//   directory        -> every subvolume (each holds its own range of the layout)
//   regular file     -> that subvolume holds the data
//   linkto file      -> its xattr names the subvolume holding the data; look there
//   ENOENT           -> final, unless the parent's layout is older than the volume's (lookup-
//                       optimize) or lookup-unhashed says otherwise: then every subvolume
//   ENOTCONN/ENODATA -> could be a directory: every subvolume

import { Dict } from '../../rpc/programs/fops/dict.ts'
import { type Iatt } from '../../rpc/programs/fops/iatt.ts'
import { errnoOf } from '../../rpc/errno.ts'
import { GlusterError } from '../../rpc/errors.ts'
import { type Call, Inode, type Loc, type LookupResult, ROOT_GFID, gfidToString } from '../types.ts'
import type { DhtConf } from './conf.ts'
import {
  DHT_HASH_TYPE_DM, DHT_LAYOUT_HASH_INVALID, type BrickLayout, LayoutError, encodeLayoutXattr, layoutFromBricks, newDirectoryLayout,
} from './layout.ts'
import { DHT_LAYOUT_HEAL_DOMAIN, LockSet } from './locks.ts'
import { fixDirStat, isLinkto, linktoTarget, mergeDirIatts, migrationPhase, stripPhase1Flags } from './merge.ts'
import { DirCtx, FileCtx, errorCode, firstFailure, parentPath } from './state.ts'
import { dropEarlyRead, earlyReadOf } from '../read-on-lookup.ts'
import { S_IFDIR, S_IFMT } from '../../rpc/linux.ts'

const EIO = errnoOf('EIO')
const ENOENT = errnoOf('ENOENT')
const ESTALE = errnoOf('ESTALE')
const ENOSPC = errnoOf('ENOSPC')

function isDirStat(stat: Iatt): boolean {
  return (stat.mode & S_IFMT) === S_IFDIR
}

function errnoOfError(err: unknown): number {
  return err instanceof GlusterError ? -err.errno : EIO
}

/** The root, on every subvolume, also asking the volume commit hash (dht_lookup on "/"). */
export async function lookupRoot(conf: DhtConf, call: Call, loc: Loc, xdata: Dict | undefined): Promise<LookupResult> {
  const req = conf.withRequest(xdata, conf.lookupKeys).setUint(conf.commitHashKey, 4)
  return (await lookupDirectory(conf, call, loc, req, undefined)).result
}

/** A name in a directory: hashed subvolume first, then as the answer requires (see above). */
export async function lookupNamed(conf: DhtConf, call: Call, loc: Loc, xdata: Dict | undefined): Promise<LookupResult> {
  const parent = loc.parent!
  const dir = await dirCtxOf(conf, call, parent, parentPath(loc.path))
  const req = conf.withRequest(xdata, conf.lookupKeys)
  const hashed = conf.hashedIndex(dir, loc.name)
  if (hashed === undefined) return lookupEverywhere(conf, call, loc, req, undefined)

  let first: LookupResult
  try {
    first = await conf.subvols[hashed]!.lookup(call, loc, req)
  } catch (err) {
    const code = errorCode(err)
    if (code === 'ENOENT') {
      if (conf.shouldLookupEverywhere(dir)) return lookupEverywhere(conf, call, loc, req, hashed)
      throw err
    }
    // The brick is down or the entry has no gfid there: it may be a directory elsewhere.
    if (code === 'ENOTCONN' || code === 'ENODATA') {
      return (await lookupDirectory(conf, call, loc, req, undefined).catch(() => {
        throw err
      })).result
    }
    throw err
  }

  if (isDirStat(first.stat)) {
    const known: (Promise<LookupResult> | undefined)[] = []
    known[hashed] = Promise.resolve(first)
    return (await lookupDirectory(conf, call, loc, req, known)).result
  }
  if (!isLinkto(first.stat, first.xdata, conf.linktoKey)) {
    conf.remember(loc.inode, first.stat.gfid, new FileCtx(hashed))
    return fileResult(first, first.postparent)
  }

  const target = conf.subvolByName(linktoTarget(first.xdata, conf.linktoKey) ?? '')
  if (target === undefined) return lookupEverywhere(conf, call, loc, req, hashed)
  let data: LookupResult
  try {
    data = await conf.subvols[target]!.lookup(call, loc, req)
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return lookupEverywhere(conf, call, loc, req, hashed)
    throw err
  }
  // A stale linkto (the data moved or was replaced): search instead of trusting it.
  if (isDirStat(data.stat) || isLinkto(data.stat, data.xdata, conf.linktoKey) || !data.stat.gfid.equals(first.stat.gfid)) {
    return lookupEverywhere(conf, call, loc, req, hashed)
  }
  conf.remember(loc.inode, data.stat.gfid, new FileCtx(target))
  return fileResult(data, first.postparent)
}

function fileResult(r: LookupResult, postparent: Iatt): LookupResult {
  // Data read with the lookup from a source whose migration finished meanwhile (phase 2: it may
  // be truncated already) is not the file's: the reader reads again and follows the migration.
  const early = earlyReadOf(r.xdata)
  if (early !== undefined && migrationPhase(early) === 2) dropEarlyRead(r.xdata!)
  return { stat: stripPhase1Flags(r.stat), postparent: fixDirStat(postparent), xdata: r.xdata }
}

/**
 * Every subvolume at once (dht_lookup_everywhere): a directory anywhere means a directory; else
 * the data file (not a linkto) is the answer, preferring the hashed subvolume's. Missing linkto
 * files are not created here and stale ones not removed: the C clients and rebalance heal those.
 */
async function lookupEverywhere(conf: DhtConf, call: Call, loc: Loc, req: Dict, hashed: number | undefined): Promise<LookupResult> {
  const promises = conf.subvols.map((c) => c.lookup(call, loc, req))
  const results = await Promise.allSettled(promises)
  return settleEverywhere(conf, call, loc, req, results, hashed, 'lookup')
}

function settleEverywhere(
  conf: DhtConf, call: Call, loc: Loc, req: Dict, results: readonly PromiseSettledResult<LookupResult>[],
  hashed: number | undefined, syscall: string,
): Promise<LookupResult> | LookupResult {
  let dirs = 0
  let data: number | undefined
  for (let i = 0; i < results.length; i++) {
    const r = results[i]!
    if (r.status !== 'fulfilled') continue
    if (isDirStat(r.value.stat)) dirs++
    else if (!isLinkto(r.value.stat, r.value.xdata, conf.linktoKey) && (data === undefined || i === hashed)) data = i
  }
  if (dirs > 0 && data !== undefined) {
    throw conf.error('EIO', syscall, loc.path, `exists as a file on ${conf.names[data]} and as a directory elsewhere; fix it on the bricks`)
  }
  if (dirs > 0) {
    return lookupDirectory(conf, call, loc, req, results.map((r) => (r.status === 'fulfilled' ? Promise.resolve(r.value) : Promise.reject(r.reason))))
      .then((d) => d.result)
  }
  if (data === undefined) {
    const failure = firstFailure(results)
    if (failure !== undefined && errorCode(failure) !== 'ENOENT' && results.every((r) => r.status === 'rejected')) throw failure
    // Without a hashed subvolume that is up (a gfid, a name in a down brick's part of the layout),
    // a brick that is down may hold it: not knowing is not ENOENT. With one, C's answer stands.
    const down = hashed === undefined || !conf.isUp(hashed) ? results.find((r) => r.status === 'rejected' && errorCode(r.reason) === 'ENOTCONN') : undefined
    if (down !== undefined) throw (down as PromiseRejectedResult).reason
    throw conf.error('ENOENT', syscall, loc.path, results.some((r) => r.status === 'fulfilled') ? 'only stale linkto files remain' : undefined)
  }
  const found = (results[data] as PromiseFulfilledResult<LookupResult>).value
  conf.remember(loc.inode, found.stat.gfid, new FileCtx(data))
  return fileResult(found, found.postparent)
}

/** A nameless lookup by gfid (dht_do_discover): every subvolume, as everywhere. */
export async function discover(conf: DhtConf, call: Call, loc: Loc, xdata: Dict | undefined): Promise<LookupResult> {
  const req = conf.withRequest(xdata, conf.lookupKeys)
  const results = await Promise.allSettled(conf.subvols.map((c) => c.lookup(call, loc, req)))
  return settleEverywhere(conf, call, loc, req, results, undefined, 'lookup')
}

/**
 * A directory on every subvolume (dht_lookup_dir_cbk): attributes merged, layout assembled from
 * the bricks' xattrs and remembered for the directory; a directory no brick has given a range
 * yet (a new volume's root, or one made by a client that died before writing it) gets its first
 * layout here, as the C client's self-heal would give it.
 *
 * @param known Answers already received, by subvolume index; the others are asked now.
 */
export async function lookupDirectory(
  conf: DhtConf, call: Call, loc: Loc, req: Dict, known: readonly (Promise<LookupResult> | undefined)[] | undefined,
  heal = true,
): Promise<{ result: LookupResult; dir: DirCtx }> {
  const results = await Promise.allSettled(conf.subvols.map((c, i) => known?.[i] ?? c.lookup(call, loc, req)))
  const bricks: BrickLayout[] = []
  const stats: Iatt[] = []
  const parents: Iatt[] = []
  let mds: number | undefined
  let xdata: Dict | undefined
  let fileOn: number | undefined
  results.forEach((r, i) => {
    const name = conf.names[i]
    if (r.status === 'rejected') {
      bricks.push({ subvolume: i, name, err: errnoOfError(r.reason) })
      return
    }
    const v = r.value
    if (!isDirStat(v.stat)) {
      fileOn ??= i
      bricks.push({ subvolume: i, name, err: EIO })
      return
    }
    bricks.push({ subvolume: i, name, xattr: v.xdata?.getPtr(conf.layoutKey) ?? null })
    stats.push(v.stat)
    parents.push(v.postparent)
    if (mds === undefined && v.xdata?.has(conf.mdsKey)) mds = i
    xdata ??= v.xdata
    noteCommitHash(conf, v.xdata)
  })
  if (stats.length === 0) throw firstFailure(results) ?? conf.error('ENOENT', 'lookup', loc.path)
  if (fileOn !== undefined) {
    throw conf.error('EIO', 'lookup', loc.path, `exists as a file on ${conf.names[fileOn]} and as a directory elsewhere; fix it on the bricks`)
  }
  const gfid = stats[0]!.gfid
  let dir = new DirCtx(loc.path, layoutFromBricks(loc.path, bricks), mds)
  if (heal && needsFirstLayout(dir)) {
    const dirLoc: Loc = loc.inode !== undefined ? loc : { ...loc, inode: new Inode(gfid, S_IFDIR) }
    dir = await writeDirectoryLayout(conf, dirLoc, gfid, conf.subvols.map((_, i) => i), DHT_LAYOUT_HASH_INVALID, undefined)
  }
  conf.remember(loc.inode, gfid, dir)
  return { result: { stat: mergeDirIatts(stats), postparent: mergeDirIatts(parents), xdata }, dir }
}

/** The root's reply carries the volume commit hash, as decimal text (dict_get_uint32 strtoul). */
function noteCommitHash(conf: DhtConf, xdata: Dict | undefined): void {
  if (xdata === undefined || !xdata.has(conf.commitHashKey)) return
  const n = xdata.getInt(conf.commitHashKey) ?? BigInt.asUintN(32, BigInt(parseInt(xdata.getStr(conf.commitHashKey) ?? '', 10) || 0))
  conf.volCommitHash = Number(BigInt.asUintN(32, n))
}

/**
 * No brick gives the directory a range and every brick is reachable: it has never been laid out.
 * (A layout with holes or overlaps is left alone: it is reported when used.)
 */
function needsFirstLayout(dir: DirCtx): boolean {
  return !dir.check.ok && dir.check.down.length === 0 && dir.check.failed.length === 0 &&
    dir.layout.entries.every((e) => e.start === 0 && e.stop === 0)
}

/**
 * Writes a directory's layout as the C client does (dht_selfheal_new_directory,
 * dht_selfheal_layout_lock): under a write inodelk in `dht.layout.heal` on `lockOn`, re-read the
 * on-disk layout; if another client laid the directory out meanwhile, keep that; else compute
 * the new layout (newDirectoryLayout: path hash, brick weights) and SETXATTR each brick its
 * range, as root with `glusterfs-internal-fop`.
 *
 * @param mkdirErrors Per subvolume, the MKDIR error of a directory being created (those bricks
 *   lack it and get no range); undefined when healing an existing directory.
 * @returns The layout now on the bricks.
 */
export async function writeDirectoryLayout(
  conf: DhtConf, dirLoc: Loc, gfid: Buffer, lockOn: readonly number[], commitHash: number,
  mkdirErrors: readonly (number | undefined)[] | undefined,
): Promise<DirCtx> {
  const su = conf.internalCall(undefined)
  const locks = new LockSet(su)
  const byName = [...lockOn].sort((a, b) => (conf.names[a]! < conf.names[b]! ? -1 : conf.names[a]! > conf.names[b]! ? 1 : 0))
  try {
    await locks.inodelk(byName.map((i) => conf.subvols[i]!), dirLoc, 'write', DHT_LAYOUT_HEAL_DOMAIN)
    const { dir: ondisk } = await lookupDirectory(conf, su, dirLoc, conf.withRequest(undefined, conf.lookupKeys), undefined, false)
    if (ondisk.check.ok) return ondisk

    // Bricks lacking the directory get no range: this client does not create it there.
    const errors = conf.subvols.map((_, i) => {
      const err = mkdirErrors?.[i] ?? ondisk.layout.entries.find((e) => e.subvolume === i)?.err
      return err === ENOENT ? ESTALE : err
    })
    const chunks = conf.config.weightedRebalance ? conf.brickChunks() : undefined
    const layout = newDirectoryLayout(conf.subvols.length, dirLoc.path, {
      names: conf.names,
      hasher: conf.hasher,
      randomizeByGfid: conf.config.randomizeHashRangeByGfid,
      gfid,
      decommissioned: conf.decommissioned,
      weighted: conf.config.weightedRebalance,
      chunks,
      errors,
      spreadCount: conf.config.directoryLayoutSpread > 0 ? conf.config.directoryLayoutSpread : undefined,
      commitHash,
    })
    const written = await Promise.all(layout.entries.map(async (e): Promise<BrickLayout> => {
      const name = conf.names[e.subvolume]
      // A decommissioned brick holding the directory, or one over min-free-disk, gets an all-zero
      // layout (commit hash, type and range 0), as measured with the C client's mkdir: C zeroes
      // every brick left without a range (dht_selfheal_dir_xattr, dht_is_subvol_in_layout).
      const zeroed = e.err !== undefined && ((conf.decommissioned.has(e.subvolume) && errors[e.subvolume] === undefined) || errors[e.subvolume] === ENOSPC)
      if (e.err !== undefined && !zeroed) return { subvolume: e.subvolume, name, err: e.err }
      const value = Buffer.from(zeroed
        ? encodeLayoutXattr({ commitHash: 0, type: DHT_HASH_TYPE_DM, start: 0, stop: 0 })
        : encodeLayoutXattr({ commitHash: e.commitHash, type: layout.type, start: e.start, stop: e.stop }))
      try {
        await conf.subvols[e.subvolume]!.setxattr(su, dirLoc, new Dict().setPtr(conf.layoutKey, value), 0, conf.internalXdata)
        return { subvolume: e.subvolume, name, xattr: value }
      } catch (err) {
        return { subvolume: e.subvolume, name, err: errnoOfError(err) }
      }
    }))
    return new DirCtx(dirLoc.path, layoutFromBricks(dirLoc.path, written), ondisk.mds)
  } finally {
    await locks.release()
  }
}


/** A directory's layout: cached, or fetched from every brick (and healed if it has none). */
export async function dirCtxOf(conf: DhtConf, call: Call, inode: Inode, path: string | undefined): Promise<DirCtx> {
  const state = conf.stateOf(inode)
  // A layout read while a brick was down lacks its range: read it again once the brick is back.
  if (state instanceof DirCtx && !state.check.down.some((e) => conf.isUp(e.subvolume))) return state
  return refreshDir(conf, call, inode, path)
}

/** Fetches a directory's layout afresh from every brick. */
export async function refreshDir(conf: DhtConf, call: Call, inode: Inode, path: string | undefined): Promise<DirCtx> {
  const root = inode.gfid.equals(ROOT_GFID)
  const loc: Loc = { path: root ? '/' : path ?? `<gfid:${gfidToString(inode.gfid)}>`, name: '', parent: undefined, inode }
  const req = conf.withRequest(undefined, conf.lookupKeys)
  if (root) req.setUint(conf.commitHashKey, 4)
  const { dir } = await lookupDirectory(conf, call, loc, req, undefined)
  return dir
}

/**
 * The hashed subvolume for creating `name`, refreshing a layout with holes or overlaps once (a
 * C client may be writing it right now).
 *
 * @throws {GlusterError} EIO with the LayoutError (naming the directory and bricks) as cause.
 */
export async function requireHashed(
  conf: DhtConf, call: Call, parent: Inode, dir: DirCtx, name: string, syscall: string, path: string,
): Promise<{ dir: DirCtx; hashed: number }> {
  let current = dir
  for (let attempt = 0; ; attempt++) {
    const hashed = conf.hashedIndex(current, name)
    if (hashed !== undefined) return { dir: current, hashed }
    if ((attempt > 0 || current.check.ok) && current.check.down.length > 0) {
      // Most likely the down brick's range: created anywhere else, the name would be hidden from
      // every client once that brick is back.
      const bricks = current.check.down.map((e) => conf.brickOf(e.subvolume)).join(', ')
      throw conf.error('ENOTCONN', syscall, path, `no subvolume that is up has '${name}' in its range of ${current.path}; down: ${bricks}`)
    }
    if (attempt > 0 || current.check.ok) {
      const cause = current.check.error ?? new LayoutError('ERR_DHT_LAYOUT_HOLE', current.check.description, { path: current.path })
      throw conf.error('EIO', syscall, path, `no subvolume for '${name}': ${cause.message}`, cause)
    }
    current = await refreshDir(conf, call, parent, current.path)
  }
}

/**
 * The subvolume holding a non-directory's data: known from its lookup, or looked up now (by
 * name when the loc has one, else by gfid everywhere).
 */
export async function cachedIndex(conf: DhtConf, call: Call, loc: Loc, syscall: string): Promise<number> {
  const inode = loc.inode
  if (inode === undefined) throw conf.error('EINVAL', syscall, loc.path, 'the entry is not resolved to an inode')
  let state = conf.stateOf(inode)
  if (state instanceof FileCtx) return state.subvol
  if (loc.parent !== undefined && loc.name !== '') {
    await lookupNamed(conf, call, { ...loc, inode: undefined }, undefined).catch(() => undefined)
    state = conf.stateOf(inode)
    if (state instanceof FileCtx) return state.subvol
  }
  await discover(conf, call, { path: loc.path, name: '', parent: undefined, inode }, undefined)
  state = conf.stateOf(inode)
  if (state instanceof FileCtx) return state.subvol
  throw conf.error('ENOENT', syscall, loc.path, 'no subvolume holds this file')
}
