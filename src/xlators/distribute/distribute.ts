// cluster/distribute (DHT, xlators/cluster/dht/src): spreads a volume's files over its subvolumes
// by name hash, placing every name exactly where the C clients place and look for it.
//
// State, per inode (Inode.ctx keyed by this xlator):
//   DirCtx   a directory's layout, as its bricks' `trusted.glusterfs.dht` xattrs say, checked once
//            when fetched; replaced whenever the directory is looked up again or a brick reports
//            the parent layout stale (CREATE/MKNOD/MKDIR preop check, wire reference §3.7).
//   FileCtx  the subvolume holding a file's data (its "cached" subvolume): the hashed one, or the
//            target of the linkto file found there.
// A LOOKUP by name has no Inode yet (the caller makes one from the reply's gfid), so its result
// waits in a small map keyed by gfid until the first fop that brings the Inode moves it into ctx.
// Per fd (Fd.ctx keyed by this xlator): a FileFd (the data's subvolume, and what the fd knows of
// a rebalance moving the file), or a DirFd listing the bricks a directory is open on.
//
// The fops are routed here; what takes several steps lives beside this file: lookup.ts (lookup,
// layout fetch and heal), entry.ts (create, mknod, symlink, link, unlink, mkdir, rmdir),
// rename.ts, readdir.ts, migration.ts (files rebalance moves under open fds); merge.ts holds the
// pure merging of brick answers, locks.ts the lock sets.

import { debuglog } from 'node:util'
import { errnoOf } from '../../rpc/errno.ts'
import { GlusterError } from '../../rpc/errors.ts'
import { Dict } from '../../rpc/programs/fops.ts'
import type { OptionSpec } from '../options.ts'
import {
  type Call, type CommonResult, type CreateResult, type EntryResult, type Fd, type Flock, type IattResult, Inode,
  type Loc, type LookupResult, type OpenResult, type ParentResult, type PrePostResult, type ReadResult,
  type ReaddirResult, type ReadlinkResult, type RenameResult, ROOT_GFID, type SeekResult, type StatfsResult,
  type WriteResult, type XattrResult, gfidToString,
} from '../types.ts'
import type { Iatt } from '../../rpc/programs/fops.ts'
import { type SetattrArgs, Xlator, type XlatorEvent, type XlatorInit } from '../xlator.ts'
import * as entry from './entry.ts'
import { DhtHasher } from './hash.ts'
import {
  DHT_LAYOUT_HASH_INVALID, DHT_LAYOUT_XATTR, LayoutError, encodeLayoutXattr, parseDecommissionedBricks, searchLayout, statfsChunks,
} from './layout.ts'
import { discover, lookupDirectory, lookupNamed, lookupRoot } from './lookup.ts'
import { mergeDirIatts, stripPhase1Flags, sumStatfs } from './merge.ts'
import { readdirpDistributed } from './readdir.ts'
import { rename } from './rename.ts'
import { DirCtx, DirFd, FileCtx, FileFd, type InodeState, firstFailure, isMissing, newLockOwner } from './state.ts'
import { IATT_IN_XDATA_KEY, PROTECT_WRITES_KEY, followMigration, migrationPhase, pathMigrated, pathPhaseOneTarget, phaseOneTarget, withKey } from './migration.ts'
import { S_IFDIR, S_IFMT } from '../../rpc/linux.ts'

const debug = debuglog('gfapi')


/** GF_CLIENT_PID_NO_ROOT_SQUASH (common-utils.h): the pid DHT's internal fops run with. */
const PID_NO_ROOT_SQUASH = -4
/** How long brick sizes for weighted layouts are reused (dht-shared.c du refresh default, 60 s). */
const DU_REFRESH_MS = 60_000
/** Bound of the gfid-keyed map of lookup results not yet attached to an Inode. */
const PENDING_ENTRIES = 4096

/**
 * cluster/distribute options this client acts on (xlators/cluster/dht/src/dht-shared.c).
 * The rest of C's table:
 * - refused (support.ts REFUSED_OPTIONS): `assert-no-child-down on` (C exits on a brick loss).
 * - `decommissioned-bricks` (glusterd sets it during `remove-brick start`, drops it at commit or
 *   stop) is acted on as C does: new directory layouts give those bricks no range, and a create or
 *   mknod whose name hashes to one re-reads the parent's layout first (see entry.ts). The other C
 *   readers of the decommissioned list are the rebalance daemon's (fix-layout's
 *   dht_should_fix_layout, the migrate setxattr) and min-free-disk's choice of another brick
 *   (dht_is_subvol_filled / dht_free_disk_available_subvol), which this client does not make.
 * - accepted without acting on them: `min-free-disk`/`min-free-inodes` (C creates a new file whose
 *   hashed brick is that full on another brick, behind a linkto; this client creates it on its
 *   hashed brick, where every client looks first, or fails ENOSPC there), `unhashed-sticky-bit`
 *   (only marks files created off their hashed brick, which this client never does), `use-readdirp`,
 *   `rmdir-optimize`, `ensure-durability` and the rebalance daemon's own options (rebalance-cmd,
 *   node-uuid, commit-hash, rebalance-stats, rebalance-filter, rebal-throttle, lock-migration,
 *   force-migration), none of which changes where a client puts or finds data.
 * - `local-volume-name` and `pattern.switch.case` belong to cluster/nufa and cluster/switch, types
 *   refused as a whole.
 */
export const DISTRIBUTE_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'lookup-optimize', name: 'lookupOptimize', type: 'bool', default: 'on',
    description: 'A name missing on its hashed subvolume is looked up everywhere only when its directory\'s layout commit hash differs from the volume\'s. Defaults to on.',
  },
  {
    key: 'lookup-unhashed', name: 'lookupUnhashed', type: 'enum', default: 'on',
    values: ['on', 'off', 'yes', 'no', 'true', 'false', 'enable', 'disable', '1', '0', 'auto'],
    description: 'With lookup-optimize off: look up everywhere after a miss on the hashed subvolume (on) or not (off); auto counts as off here, as it relies on readdir statistics this client does not keep. Defaults to on.',
  },
  {
    key: 'readdir-optimize', name: 'readdirOptimize', type: 'bool', default: 'off',
    description: 'List directories only from the first subvolume that is up, instead of from each name\'s hashed subvolume. Defaults to off.',
  },
  {
    key: 'rsync-hash-regex', name: 'rsyncHashRegex', type: 'string', default: '',
    description: 'POSIX extended regex whose group 1 is hashed instead of a matching name; empty means the default ^\\.(.+)\\.[^.]+$, "none" disables it.',
  },
  {
    key: 'extra-hash-regex', name: 'extraHashRegex', type: 'string', default: '',
    description: 'Like rsync-hash-regex, tried first; empty or "none" means none.',
  },
  {
    key: 'randomize-hash-range-by-gfid', name: 'randomizeHashRangeByGfid', type: 'bool', default: 'off',
    description: 'New directory layouts start at the subvolume chosen by the gfid\'s hash instead of the path\'s. Defaults to off.',
  },
  {
    key: 'weighted-rebalance', name: 'weightedRebalance', type: 'bool', default: 'on',
    description: 'Size new directory layout ranges by brick size. Defaults to on.',
  },
  {
    key: 'directory-layout-spread', name: 'directoryLayoutSpread', type: 'int', default: '0', min: 0,
    description: 'How many subvolumes get a range in new directory layouts; 0 means all. Defaults to 0.',
  },
  {
    key: 'decommissioned-bricks', name: 'decommissionedBricks', type: 'string', default: '',
    description: 'Comma-separated subvolume names being removed (set by glusterd during remove-brick start): new directories give them no layout range and files hashing to them are placed by the parent\'s re-read layout. Defaults to none.',
  },
  {
    key: 'xattr-name', name: 'xattrName', type: 'string', default: DHT_LAYOUT_XATTR,
    description: 'Name of the layout xattr; linkto, mds and commithash xattrs are named after it. Defaults to trusted.glusterfs.dht.',
  },
]

/** The parsed options of one cluster/distribute xlator. */
export interface DistributeConfig {
  readonly lookupOptimize: boolean
  readonly lookupUnhashed: string
  readonly readdirOptimize: boolean
  readonly rsyncHashRegex: string
  readonly extraHashRegex: string
  readonly randomizeHashRangeByGfid: boolean
  readonly weightedRebalance: boolean
  readonly directoryLayoutSpread: number
  readonly decommissionedBricks: string
  readonly xattrName: string
}

/** The DHT xlator for a volume of several subvolumes (one subvolume: a pass-through, see index.ts). */
export class Distribute extends Xlator {
  static readonly type = 'cluster/distribute'

  readonly config: DistributeConfig
  readonly hasher: DhtHasher
  /** Subvolume xlator names in volfile order: what linkto xattrs name. */
  readonly names: readonly string[]
  /** Subvolume indices a remove-brick is emptying (`decommissioned-bricks`). */
  readonly decommissioned: ReadonlySet<number>
  readonly volume: string
  /** `trusted.glusterfs.dht` (or the configured xattr-name) and the names derived from it. */
  readonly layoutKey: string
  readonly linktoKey: string
  readonly mdsKey: string
  readonly commitHashKey: string
  /** Keys a LOOKUP asks every brick for: layout, mds marker, linkto target. */
  readonly lookupKeys: Dict
  /** Keys a READDIRP asks: each entry's linkto target. */
  readonly readdirKeys: Dict
  /** xdata marking DHT's own fops on the bricks (`glusterfs-internal-fop: yes`). */
  readonly internalXdata: Dict

  /** The volume commit hash, from the root's `trusted.glusterfs.dht.commithash` (0 until set). */
  volCommitHash = 0
  /** Whether each subvolume serves: presumed up until its first CHILD_DOWN. */
  readonly #up: boolean[]
  /** Each subvolume's last event, undefined until it reported one (dht conf->last_event). */
  readonly #lastEvent: (XlatorEvent | undefined)[]
  readonly #pending = new Map<string, InodeState>()
  #du: { at: number; chunks: number[] } | undefined
  readonly #rootInode = new Inode(ROOT_GFID, S_IFDIR)

  constructor(init: XlatorInit<DistributeConfig>) {
    super(init)
    const children = init.children
    this.volume = init.graph.volume
    this.config = init.options
    this.hasher = new DhtHasher({
      rsyncHashRegex: this.config.rsyncHashRegex === '' ? undefined : this.config.rsyncHashRegex,
      extraHashRegex: this.config.extraHashRegex === '' ? undefined : this.config.extraHashRegex,
    })
    for (const err of this.hasher.ignoredRegexErrors) debug('%s: hash regex ignored: %s', this.name, err.message)
    this.names = children.map((c) => c.name)
    this.decommissioned = parseDecommissionedBricks(this.config.decommissionedBricks, this.names, (detail) =>
      new GlusterError({ errno: errnoOf('EINVAL'), syscall: 'init', volume: this.volume, detail: `xlator '${init.name}': ${detail}` }))
    this.#up = children.map(() => true)
    this.#lastEvent = children.map(() => undefined)
    this.layoutKey = this.config.xattrName
    this.linktoKey = `${this.layoutKey}.linkto`
    this.mdsKey = `${this.layoutKey}.mds`
    this.commitHashKey = `${this.layoutKey}.commithash`
    this.lookupKeys = new Dict().setUint(this.layoutKey, 16).setUint(this.mdsKey, 4).setUint(this.linktoKey, 256)
    this.readdirKeys = new Dict().setUint(this.linktoKey, 256)
    this.internalXdata = new Dict().setStr('glusterfs-internal-fop', 'yes')
  }

  /** The mount's first fops, as the C client's: brick sizes, then the root layout (healed if unset). */
  override async init(): Promise<void> {
    const call = this.internalCall(undefined)
    await this.brickChunks(call)
    // Not fatal, as glfs_init's first lookup: a later lookup of "/" tries again.
    await lookupRoot(this, call, this.rootLoc(), undefined).catch((err: unknown) => {
      debug('%s: first lookup of / failed: %s', this.name, err instanceof Error ? err.message : String(err))
    })
  }

  /** dht_init/dht_notify: the volume mounts with the subvolumes that are up, the others join later. */
  override get mountsDegraded(): boolean {
    return true
  }

  /**
   * dht_notify: keeps each subvolume's state and stays quiet until every one reported once; that
   * first full report passes up CHILD_UP if one is up, else CHILD_CONNECTING if one is trying,
   * else CHILD_DOWN. From then on every event passes up, a CHILD_DOWN as SOME_DESCENDENT_DOWN
   * while another subvolume is not down.
   */
  override notify(event: XlatorEvent, from: Xlator, detail?: unknown): void {
    const i = this.children.indexOf(from)
    if (i < 0 || event === 'SOME_DESCENDENT_DOWN') {
      super.notify(event, from, detail)
      return
    }
    const heardFromAll = !this.#lastEvent.includes(undefined)
    this.#lastEvent[i] = event
    if (event !== 'CHILD_CONNECTING') this.#up[i] = event === 'CHILD_UP'
    // Sizes read while a brick was down count it as 0 (no weighting): read them again.
    if (event === 'CHILD_UP') this.#du = undefined
    let up: XlatorEvent = event
    if (event === 'CHILD_DOWN' && this.#lastEvent.some((e) => e !== 'CHILD_DOWN')) up = 'SOME_DESCENDENT_DOWN'
    if (!heardFromAll) {
      if (this.#lastEvent.includes(undefined)) return
      up = this.#lastEvent.includes('CHILD_UP') ? 'CHILD_UP' : this.#lastEvent.includes('CHILD_CONNECTING') ? 'CHILD_CONNECTING' : 'CHILD_DOWN'
    }
    super.notify(up, from, detail)
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers for the distribute modules

  isUp(subvol: number): boolean {
    return this.#up[subvol] === true
  }

  /** The subvolume a linkto value names, if it is one of ours. */
  subvolByName(name: string): number | undefined {
    const i = this.names.indexOf(name)
    return i < 0 ? undefined : i
  }

  /** A copy of the caller's xdata with `keys` added (the caller's values win). */
  withRequest(xdata: Dict | undefined, keys: Dict): Dict {
    const out = new Dict()
    for (const [k, v] of keys) out.set(k, v)
    if (xdata !== undefined) for (const [k, v] of xdata) out.set(k, v)
    return out
  }

  /**
   * The identity of DHT's internal fops (linkto files, layout xattrs, the mount's first lookup):
   * root with the no-root-squash pid (FRAME_SU_DO), keeping the caller's lock owner if any.
   */
  internalCall(call: Call | undefined): Call {
    return { pid: PID_NO_ROOT_SQUASH, uid: 0, gid: 0, groups: [], lkOwner: call?.lkOwner ?? newLockOwner() }
  }

  rootLoc(): Loc {
    return { path: '/', name: '', parent: undefined, inode: this.#rootInode }
  }

  /** What this xlator knows of an inode, moving a lookup's result into its ctx on first use. */
  stateOf(inode: Inode): InodeState | undefined {
    if (this.#pending.size > 0) {
      const key = inode.gfid.toString('latin1')
      const pending = this.#pending.get(key)
      if (pending !== undefined) {
        this.#pending.delete(key)
        inode.ctx.set(this, pending)
        return pending
      }
    }
    const state = inode.ctx.get(this) as InodeState | undefined
    if (state !== undefined || inode === this.#rootInode || !inode.gfid.equals(ROOT_GFID)) return state
    // The caller's root inode meets the layout this xlator looked up for its own.
    const root = this.#rootInode.ctx.get(this) as InodeState | undefined
    if (root !== undefined) inode.ctx.set(this, root)
    return root
  }

  /** Records what a lookup or entry fop learned about `gfid` (on `inode` when it is that inode). */
  remember(inode: Inode | undefined, gfid: Buffer, state: InodeState): void {
    if (gfid.equals(ROOT_GFID)) this.#rootInode.ctx.set(this, state)
    if (inode !== undefined && inode.gfid.equals(gfid)) {
      inode.ctx.set(this, state)
      this.#pending.delete(gfid.toString('latin1'))
      return
    }
    const key = gfid.toString('latin1')
    this.#pending.delete(key)
    this.#pending.set(key, state)
    if (this.#pending.size > PENDING_ENTRIES) {
      const oldest = this.#pending.keys().next().value
      if (oldest !== undefined) this.#pending.delete(oldest)
    }
  }

  /** What a lookup learned about `gfid` and no fop has claimed yet. */
  peekState(gfid: Buffer): InodeState | undefined {
    return this.#pending.get(gfid.toString('latin1'))
  }

  forget(inode: Inode | undefined): void {
    if (inode === undefined) return
    inode.ctx.delete(this)
    this.#pending.delete(inode.gfid.toString('latin1'))
  }

  /** A directory's layout: cached, or fetched from every brick (and healed if it has none). */
  async dirCtxOf(call: Call, inode: Inode, path: string | undefined): Promise<DirCtx> {
    const state = this.stateOf(inode)
    // A layout read while a brick was down lacks its range: read it again once the brick is back.
    if (state instanceof DirCtx && !state.check.down.some((e) => this.isUp(e.subvolume))) return state
    return this.refreshDir(call, inode, path)
  }

  /** Fetches a directory's layout afresh from every brick. */
  async refreshDir(call: Call, inode: Inode, path: string | undefined): Promise<DirCtx> {
    const root = inode.gfid.equals(ROOT_GFID)
    const loc: Loc = { path: root ? '/' : path ?? `<gfid:${gfidToString(inode.gfid)}>`, name: '', parent: undefined, inode }
    const req = this.withRequest(undefined, this.lookupKeys)
    if (root) req.setUint(this.commitHashKey, 4)
    const { dir } = await lookupDirectory(this, call, loc, req, undefined)
    return dir
  }

  /** The subvolume a name hashes to in a directory, or undefined when the layout has no answer. */
  hashedIndex(dir: DirCtx, name: string): number | undefined {
    // Holes left by bricks that were down are theirs: names elsewhere still have their brick
    // (dht_subvol_get_hashed searches such a layout too); names in a hole have none.
    if (!dir.check.ok && (dir.check.down.length === 0 || dir.check.anomalies.some((a) => a.kind !== 'hole'))) return undefined
    return searchLayout(dir.layout, this.hasher.hashName(name))?.subvolume
  }

  /**
   * The hashed subvolume for creating `name`, refreshing a layout with holes or overlaps once (a
   * C client may be writing it right now).
   *
   * @throws {GlusterError} EIO with the LayoutError (naming the directory and bricks) as cause.
   */
  async requireHashed(call: Call, parent: Inode, dir: DirCtx, name: string, syscall: string, path: string): Promise<{ dir: DirCtx; hashed: number }> {
    let current = dir
    for (let attempt = 0; ; attempt++) {
      const hashed = this.hashedIndex(current, name)
      if (hashed !== undefined) return { dir: current, hashed }
      if ((attempt > 0 || current.check.ok) && current.check.down.length > 0) {
        // Most likely the down brick's range: created anywhere else, the name would be hidden from
        // every client once that brick is back.
        const bricks = current.check.down.map((e) => this.brickOf(e.subvolume)).join(', ')
        throw this.error('ENOTCONN', syscall, path, `no subvolume that is up has '${name}' in its range of ${current.path}; down: ${bricks}`)
      }
      if (attempt > 0 || current.check.ok) {
        const cause = current.check.error ?? new LayoutError('ERR_DHT_LAYOUT_HOLE', current.check.description, { path: current.path })
        throw this.error('EIO', syscall, path, `no subvolume for '${name}': ${cause.message}`, cause)
      }
      current = await this.refreshDir(call, parent, current.path)
    }
  }

  /** With lookup-optimize, a miss on the hashed subvolume is final unless the layout is old. */
  shouldLookupEverywhere(dir: DirCtx | undefined): boolean {
    if (this.config.lookupOptimize) return dir === undefined || dir.layout.commitHash !== this.volCommitHash
    const mode = this.config.lookupUnhashed
    return mode !== 'auto' && mode !== 'off' && mode !== 'no' && mode !== 'false' && mode !== 'disable' && mode !== '0'
  }

  /** Commit hash written into new directory layouts (dht_mkdir). */
  newLayoutCommitHash(): number {
    return this.config.lookupOptimize ? this.volCommitHash : DHT_LAYOUT_HASH_INVALID
  }

  /** The 16-byte layout value the brick `subvol` holds for `dir`, for preop checks. */
  diskLayoutOf(dir: DirCtx, subvol: number): Buffer | undefined {
    const e = dir.layout.entries.find((x) => x.subvolume === subvol)
    if (e === undefined || e.err !== undefined) return undefined
    return Buffer.from(encodeLayoutXattr({ commitHash: e.commitHash, type: dir.layout.type, start: e.start, stop: e.stop }))
  }

  /**
   * The subvolume holding a non-directory's data: known from its lookup, or looked up now (by
   * name when the loc has one, else by gfid everywhere).
   */
  async cachedIndex(call: Call, loc: Loc, syscall: string): Promise<number> {
    const inode = loc.inode
    if (inode === undefined) throw this.error('EINVAL', syscall, loc.path, 'the entry is not resolved to an inode')
    let state = this.stateOf(inode)
    if (state instanceof FileCtx) return state.subvol
    if (loc.parent !== undefined && loc.name !== '') {
      await lookupNamed(this, call, { ...loc, inode: undefined }, undefined).catch(() => undefined)
      state = this.stateOf(inode)
      if (state instanceof FileCtx) return state.subvol
    }
    await discover(this, call, { path: loc.path, name: '', parent: undefined, inode }, undefined)
    state = this.stateOf(inode)
    if (state instanceof FileCtx) return state.subvol
    throw this.error('ENOENT', syscall, loc.path, 'no subvolume holds this file')
  }

  /** Brick sizes in 1 MiB chunks for weighted layouts (dht_get_du_info); 0 where unknown. */
  async brickChunks(call: Call): Promise<number[]> {
    const now = Date.now()
    if (this.#du !== undefined && now - this.#du.at < DU_REFRESH_MS) return this.#du.chunks
    const xdata = new Dict().setInt('ignore-deem-statfs', 1)
    const results = await Promise.allSettled(this.children.map((c) => c.statfs(call, this.rootLoc(), xdata)))
    const chunks = results.map((r) => (r.status === 'fulfilled' ? statfsChunks(r.value.blocks, r.value.bsize) : 0))
    this.#du = { at: now, chunks }
    return chunks
  }

  dirFd(fd: Fd, syscall: string): DirFd {
    const state = fd.ctx.get(this)
    if (state instanceof DirFd) return state
    throw this.error('EBADF', syscall, undefined, 'the directory is not open here', undefined, fd)
  }

  /** `host:/brick/path` of a subvolume, else its xlator name. */
  brickOf(subvol: number): string {
    return this.children[subvol]?.brick ?? this.names[subvol] ?? `subvolume ${subvol}`
  }

  /** A GlusterError raised by DHT itself (no brick answered it); names the fd's gfid when there is no path. */
  error(code: string, syscall: string, path: string | undefined, detail?: string, cause?: unknown, fd?: Fd): GlusterError {
    return new GlusterError({
      errno: errnoOf(code), syscall, path, gfid: path === undefined && fd !== undefined ? gfidToString(fd.inode.gfid) : undefined,
      volume: this.volume, detail, cause,
    })
  }

  // ---------------------------------------------------------------------------------------------
  // Routing

  #isDir(inode: Inode | undefined): boolean {
    if (inode === undefined) return false
    return (inode.type & S_IFMT) === S_IFDIR || this.stateOf(inode) instanceof DirCtx
  }

  #dirLoc(loc: Loc, syscall: string): Inode {
    if (loc.inode === undefined) throw this.error('EINVAL', syscall, loc.path, 'the directory is not resolved to an inode')
    return loc.inode
  }

  /** What distribute keeps for an open file (its subvolume, migration state). */
  #fileFd(fd: Fd, syscall: string): FileFd {
    const st = fd.ctx.get(this)
    if (st instanceof FileFd) return st
    throw this.error(fd.isDirectory ? 'EISDIR' : 'EBADF', syscall, undefined, 'the fd is not open on any subvolume', undefined, fd)
  }

  /**
   * An fd fop failed on `from`: ENOENT or ESTALE may mean rebalance moved the file (the C
   * client's phase-2 check on failure). The subvolume to send it again to; else the failure.
   */
  async #afterFailure(call: Call, fd: Fd, st: FileFd, from: Xlator, err: unknown): Promise<Xlator> {
    if (!isMissing(err)) throw err
    let to: Xlator | undefined
    try {
      to = await followMigration(this, call, fd, st, from)
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
  async #onFileFd<T>(call: Call, fd: Fd, syscall: string, phase1: boolean, iattOf: (r: T) => Iatt | undefined, send: (sub: Xlator) => Promise<T>): Promise<T> {
    const st = this.#fileFd(fd, syscall)
    const from = st.sub
    let r: T
    try {
      r = await send(from)
    } catch (err) {
      return send(await this.#afterFailure(call, fd, st, from, err))
    }
    const ia = iattOf(r)
    if (ia === undefined) return r
    const phase = migrationPhase(ia)
    if (phase === 0) {
      if (st.dst !== undefined && st.sub === from) st.dst = undefined
      return r
    }
    if (phase === 2) {
      const to = await followMigration(this, call, fd, st, from)
      return to === undefined ? r : send(to)
    }
    if (!phase1) return r
    const target = await phaseOneTarget(this, call, fd, st, from, syscall)
    if (target === undefined) return r
    const again = await send(target.to)
    return target.copy ? r : again
  }

  /** Subvolumes in the order a directory's single-brick reads try them: MDS first. */
  #dirReadOrder(dir: DirCtx | undefined): number[] {
    const order = this.children.map((_, i) => i)
    const first = dir?.mds ?? dir?.layout.entries[0]?.subvolume
    if (first !== undefined) {
      order.splice(order.indexOf(first), 1)
      order.unshift(first)
    }
    return order
  }

  /** Runs a read-only directory fop on the first subvolume that is connected. */
  async #onAnyDirSubvol<T>(dir: DirCtx | undefined, fn: (sub: Xlator) => Promise<T>): Promise<T> {
    let last: unknown
    for (const i of this.#dirReadOrder(dir)) {
      if (!this.isUp(i)) continue
      try {
        return await fn(this.children[i]!)
      } catch (err) {
        if (!(err instanceof GlusterError) || err.code !== 'ENOTCONN') throw err
        last = err
      }
    }
    throw last ?? this.error('ENOTCONN', 'dht', dir?.path, 'no subvolume is connected')
  }

  /**
   * Runs a modifying directory fop on every subvolume (those `usable` allows), the MDS first (its
   * failure stops the rest), then the others together; bricks lacking the directory are skipped.
   */
  async #onAllDirSubvols<T>(dir: DirCtx | undefined, fn: (sub: Xlator) => Promise<T>, usable?: (subvol: number) => boolean): Promise<T[]> {
    const order = usable === undefined ? this.#dirReadOrder(dir) : this.#dirReadOrder(dir).filter(usable)
    const first = order.shift()
    if (first === undefined) throw this.error('ENOENT', 'dht', dir?.path, 'the directory is on no subvolume')
    const done: T[] = [await fn(this.children[first]!)]
    const rest = await Promise.allSettled(order.map((i) => fn(this.children[i]!)))
    for (const r of rest) {
      if (r.status === 'fulfilled') done.push(r.value)
      else if (!isMissing(r.reason)) throw r.reason
    }
    return done
  }

  async #dirOf(call: Call, inode: Inode, path: string): Promise<DirCtx | undefined> {
    return this.dirCtxOf(call, inode, path).catch(() => undefined)
  }

  /**
   * Runs a fop on the subvolume holding a non-directory's data; if that brick no longer has it
   * (rebalance moved it since it was looked up), finds it again and retries once.
   */
  async #onCached<T>(call: Call, loc: Loc, syscall: string, fn: (sub: Xlator) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const sub = this.children[await this.cachedIndex(call, loc, syscall)]!
      try {
        return await fn(sub)
      } catch (err) {
        if (attempt > 0 || !isMissing(err)) throw err
        this.forget(loc.inode)
      }
    }
  }

  /**
   * #onCached for fops whose answer carries the file's iatt, following a migration it shows
   * (dht_file_attr_cbk, dht_truncate_cbk, dht_file_setattr_cbk, dht_file_setxattr_cbk): phase 2
   * runs the fop again where a fresh lookup finds the file; phase 1 runs it on the destination
   * too when `phase1` (fops that change data), answering with the source's reply.
   */
  async #onCachedFile<T>(call: Call, loc: Loc, syscall: string, phase1: boolean, iattOf: (r: T) => Iatt | undefined, fn: (sub: Xlator) => Promise<T>): Promise<T> {
    let from: Xlator | undefined
    const r = await this.#onCached(call, loc, syscall, (sub) => {
      from = sub
      return fn(sub)
    })
    const ia = iattOf(r)
    const phase = ia === undefined ? 0 : migrationPhase(ia)
    if (phase === 0 || from === undefined) return r
    if (phase === 2) {
      if (!(await pathMigrated(this, call, loc, from))) return r
      this.forget(loc.inode)
      return this.#onCached(call, loc, syscall, fn)
    }
    if (!phase1) return r
    const to = await pathPhaseOneTarget(this, call, loc, from)
    if (to !== undefined) await fn(to)
    return r
  }

  // ---------------------------------------------------------------------------------------------
  // Fops: lookup and attributes

  override lookup(call: Call, loc: Loc, xdata?: Dict): Promise<LookupResult> {
    if (loc.parent !== undefined && loc.name !== '') return lookupNamed(this, call, loc, xdata)
    if (loc.inode === undefined || loc.inode.gfid.equals(ROOT_GFID)) return lookupRoot(this, call, loc.inode === undefined ? this.rootLoc() : loc, xdata)
    return discover(this, call, loc, xdata)
  }

  override async stat(call: Call, loc: Loc, xdata?: Dict): Promise<IattResult> {
    if (this.#isDir(loc.inode)) {
      const results = await Promise.allSettled(this.children.map((c) => c.stat(call, loc, xdata)))
      return mergeIattResults(results)
    }
    const r = await this.#onCachedFile(call, loc, 'stat', false, statOf, (sub) => sub.stat(call, loc, xdata))
    stripPhase1Flags(r.stat)
    return r
  }

  override async access(call: Call, loc: Loc, mask: number, xdata?: Dict): Promise<CommonResult> {
    if (this.#isDir(loc.inode)) {
      const dir = await this.#dirOf(call, this.#dirLoc(loc, 'access'), loc.path)
      return this.#onAnyDirSubvol(dir, (sub) => sub.access(call, loc, mask, xdata))
    }
    return this.#onCached(call, loc, 'access', (sub) => sub.access(call, loc, mask, xdata))
  }

  override async setattr(call: Call, loc: Loc, attrs: SetattrArgs, valid: number, xdata?: Dict): Promise<PrePostResult> {
    if (this.#isDir(loc.inode)) {
      const dir = await this.#dirOf(call, this.#dirLoc(loc, 'setattr'), loc.path)
      return mergePrePost(await this.#onAllDirSubvols(dir, (sub) => sub.setattr(call, loc, attrs, valid, xdata)))
    }
    return stripPrePost(await this.#onCachedFile(call, loc, 'setattr', false, poststatOf, (sub) => sub.setattr(call, loc, attrs, valid, xdata)))
  }

  override async truncate(call: Call, loc: Loc, offset: number, xdata?: Dict): Promise<PrePostResult> {
    if (this.#isDir(loc.inode)) throw this.error('EISDIR', 'truncate', loc.path)
    return stripPrePost(await this.#onCachedFile(call, loc, 'truncate', true, poststatOf, (sub) => sub.truncate(call, loc, offset, xdata)))
  }

  override async readlink(call: Call, loc: Loc, size: number, xdata?: Dict): Promise<ReadlinkResult> {
    return this.#onCached(call, loc, 'readlink', (sub) => sub.readlink(call, loc, size, xdata))
  }

  override async statfs(call: Call, loc: Loc, xdata?: Dict): Promise<StatfsResult> {
    // dht_statfs: a non-directory's filesystem is the volume's, asked at the root.
    const at = this.#isDir(loc.inode) ? loc : this.rootLoc()
    const results = await Promise.allSettled(this.children.map((c) => c.statfs(call, at, xdata)))
    const parts: StatfsResult[] = []
    let failure: unknown
    for (const r of results) {
      if (r.status === 'fulfilled') parts.push(r.value)
      else failure ??= r.reason
    }
    const sum = sumStatfs(parts)
    if (sum === undefined) throw failure
    return { ...sum, xdata: parts[parts.length - 1]!.xdata }
  }

  // ---------------------------------------------------------------------------------------------
  // Fops: extended attributes and locks

  #refuseInternalKeys(keys: Iterable<string>, syscall: string, path: string): void {
    for (const key of keys) {
      // GF_IF_INTERNAL_XATTR_GOTO: layouts and linkto targets are DHT's own.
      if (key.startsWith(this.layoutKey)) throw this.error('EPERM', syscall, path, `'${key}' is managed by distribute`)
    }
  }

  override async getxattr(call: Call, loc: Loc, name: string, xdata?: Dict): Promise<XattrResult> {
    if (this.#isDir(loc.inode)) {
      const dir = await this.#dirOf(call, this.#dirLoc(loc, 'getxattr'), loc.path)
      return this.#onAnyDirSubvol(dir, (sub) => sub.getxattr(call, loc, name, xdata))
    }
    return this.#onCached(call, loc, 'getxattr', (sub) => sub.getxattr(call, loc, name, xdata))
  }

  override async setxattr(call: Call, loc: Loc, dict: Dict, flags: number, xdata?: Dict): Promise<CommonResult> {
    this.#refuseInternalKeys(dict.keys(), 'setxattr', loc.path)
    if (this.#isDir(loc.inode)) {
      const dir = await this.#dirOf(call, this.#dirLoc(loc, 'setxattr'), loc.path)
      const done = await this.#onAllDirSubvols(dir, (sub) => sub.setxattr(call, loc, dict, flags, xdata))
      return done[0]!
    }
    const req = withKey(xdata, IATT_IN_XDATA_KEY)
    return this.#onCachedFile(call, loc, 'setxattr', true, xdataIattOf, (sub) => sub.setxattr(call, loc, dict, flags, req))
  }

  override async removexattr(call: Call, loc: Loc, name: string, xdata?: Dict): Promise<CommonResult> {
    this.#refuseInternalKeys([name], 'removexattr', loc.path)
    if (this.#isDir(loc.inode)) {
      const dir = await this.#dirOf(call, this.#dirLoc(loc, 'removexattr'), loc.path)
      const done = await this.#onAllDirSubvols(dir, (sub) => sub.removexattr(call, loc, name, xdata))
      return done[0]!
    }
    return this.#onCached(call, loc, 'removexattr', (sub) => sub.removexattr(call, loc, name, xdata))
  }

  /** Directories lock on their layout's first subvolume, as C's dht_subvol_get_cached picks it. */
  async #lockSubvol(call: Call, loc: Loc, syscall: string): Promise<Xlator> {
    if (this.#isDir(loc.inode)) {
      const dir = await this.dirCtxOf(call, this.#dirLoc(loc, syscall), loc.path)
      return this.children[dir.layout.entries[0]?.subvolume ?? 0]!
    }
    return this.children[await this.cachedIndex(call, loc, syscall)]!
  }

  override async inodelk(call: Call, domain: string, loc: Loc, cmd: number, lock: Flock, xdata?: Dict): Promise<CommonResult> {
    return (await this.#lockSubvol(call, loc, 'inodelk')).inodelk(call, domain, loc, cmd, lock, xdata)
  }

  override async entrylk(call: Call, domain: string, loc: Loc, basename: string, cmd: number, type: number, xdata?: Dict): Promise<CommonResult> {
    return (await this.#lockSubvol(call, loc, 'entrylk')).entrylk(call, domain, loc, basename, cmd, type, xdata)
  }

  // ---------------------------------------------------------------------------------------------
  // Fops: open files (the hot path goes straight to the subvolume remembered in the fd)

  override open(call: Call, loc: Loc, flags: number, fd: Fd, xdata?: Dict): Promise<OpenResult> {
    return this.#onCached(call, loc, 'open', async (sub) => {
      const r = await sub.open(call, loc, flags, fd, xdata)
      fd.ctx.set(this, new FileFd(sub))
      return r
    })
  }

  // The fd fops follow a file that rebalance moves (migration.ts): each reply's iatt is checked
  // for the migration phase bits, which costs one bit test when the file is not moving. readv and
  // writev spell #onFileFd's steps out, so the hot path makes no closure per call.

  override async readv(call: Call, fd: Fd, size: number, offset: number, flags: number, xdata?: Dict, sink?: Uint8Array): Promise<ReadResult> {
    const st = this.#fileFd(fd, 'read')
    const from = st.sub
    let r: ReadResult
    try {
      r = await from.readv(call, fd, size, offset, flags, xdata, sink)
    } catch (err) {
      const to = await this.#afterFailure(call, fd, st, from, err)
      return stripRead(await to.readv(call, fd, size, offset, flags, xdata, sink))
    }
    // Phase 1: the source still holds every byte; only a finished migration sends reads elsewhere.
    if (migrationPhase(r.stat) === 2) {
      const to = await followMigration(this, call, fd, st, from)
      if (to !== undefined) return stripRead(await to.readv(call, fd, size, offset, flags, xdata, sink))
    }
    return stripRead(r)
  }

  override async writev(call: Call, fd: Fd, data: Buffer, offset: number, flags: number, xdata?: Dict): Promise<WriteResult> {
    const st = this.#fileFd(fd, 'write')
    const from = st.sub
    let r: WriteResult
    try {
      r = await from.writev(call, fd, data, offset, flags, xdata)
    } catch (err) {
      const to = await this.#afterFailure(call, fd, st, from, err)
      return stripPrePost(await to.writev(call, fd, data, offset, flags, xdata))
    }
    const phase = migrationPhase(r.poststat)
    if (phase === 0) {
      if (st.dst !== undefined && st.sub === from) st.dst = undefined
      return r
    }
    if (phase === 2) {
      const to = await followMigration(this, call, fd, st, from)
      return to === undefined ? r : stripPrePost(await to.writev(call, fd, data, offset, flags, xdata))
    }
    // dht_writev_cbk: the source took it; the copy in progress must get it too, marked as ours.
    const target = await phaseOneTarget(this, call, fd, st, from, 'write')
    if (target !== undefined) {
      const again = await target.to.writev(call, fd, data, offset, flags, target.copy ? withKey(xdata, PROTECT_WRITES_KEY) : xdata)
      if (!target.copy) return stripPrePost(again)
    }
    return stripPrePost(r)
  }

  override async flush(call: Call, fd: Fd, xdata?: Dict): Promise<CommonResult> {
    const st = this.#fileFd(fd, 'flush')
    const from = st.sub
    let r: CommonResult
    try {
      r = await from.flush(call, fd, xdata)
    } catch (err) {
      return (await this.#afterFailure(call, fd, st, from, err)).flush(call, fd, xdata)
    }
    // dht_flush_cbk: an fd also open on a migration's destination flushes there too.
    const dst = st.dst
    return dst !== undefined && st.sub === from ? dst.flush(call, fd, xdata) : r
  }

  override fsync(call: Call, fd: Fd, datasync: boolean, xdata?: Dict): Promise<PrePostResult> {
    return this.#onFileFd(call, fd, 'fsync', true, poststatOf, (sub) => sub.fsync(call, fd, datasync, xdata)).then(stripPrePost)
  }

  override async release(call: Call, fd: Fd): Promise<void> {
    const st = fd.ctx.get(this)
    fd.ctx.delete(this)
    if (st instanceof FileFd) await Promise.all(st.open.map((sub) => sub.release(call, fd)))
  }

  override ftruncate(call: Call, fd: Fd, offset: number, xdata?: Dict): Promise<PrePostResult> {
    return this.#onFileFd(call, fd, 'ftruncate', true, poststatOf, (sub) => sub.ftruncate(call, fd, offset, xdata)).then(stripPrePost)
  }

  override discard(call: Call, fd: Fd, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    return this.#onFileFd(call, fd, 'discard', true, poststatOf, (sub) => sub.discard(call, fd, offset, length, xdata)).then(stripPrePost)
  }

  override zerofill(call: Call, fd: Fd, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    return this.#onFileFd(call, fd, 'zerofill', true, poststatOf, (sub) => sub.zerofill(call, fd, offset, length, xdata)).then(stripPrePost)
  }

  override fallocate(call: Call, fd: Fd, mode: number, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    return this.#onFileFd(call, fd, 'fallocate', true, poststatOf, (sub) => sub.fallocate(call, fd, mode, offset, length, xdata)).then(stripPrePost)
  }

  override seek(call: Call, fd: Fd, offset: number, what: number, xdata?: Dict): Promise<SeekResult> {
    return this.#onFileFd(call, fd, 'seek', false, noIatt, (sub) => sub.seek(call, fd, offset, what, xdata))
  }

  override async fstat(call: Call, fd: Fd, xdata?: Dict): Promise<IattResult> {
    if (!fd.isDirectory) {
      const r = await this.#onFileFd(call, fd, 'fstat', false, statOf, (sub) => sub.fstat(call, fd, xdata))
      stripPhase1Flags(r.stat)
      return r
    }
    const open = this.dirFd(fd, 'fstat').open
    const results = await Promise.allSettled(this.children.map((c, i) => (open[i] ? c.fstat(call, fd, xdata) : Promise.reject(missing))))
    return mergeIattResults(results)
  }

  override async fsetattr(call: Call, fd: Fd, attrs: SetattrArgs, valid: number, xdata?: Dict): Promise<PrePostResult> {
    // Attributes reach the destination when the migration ends (dht_file_setattr_cbk): phase 2 only.
    if (!fd.isDirectory) return stripPrePost(await this.#onFileFd(call, fd, 'fsetattr', false, poststatOf, (sub) => sub.fsetattr(call, fd, attrs, valid, xdata)))
    const open = this.dirFd(fd, 'fsetattr').open
    const dir = this.stateOf(fd.inode)
    const done = await this.#onAllDirSubvols(dir instanceof DirCtx ? dir : undefined, (sub) => sub.fsetattr(call, fd, attrs, valid, xdata), (i) => open[i] === true)
    return mergePrePost(done)
  }

  // dht_xattrop/dht_fxattrop: to the subvolume holding the file (AFR's changelog below uses
  // them; above distribute nothing does, so directories are refused rather than guessed).
  override async xattrop(call: Call, loc: Loc, flags: number, dict: Dict, xdata?: Dict): Promise<XattrResult> {
    if (this.#isDir(loc.inode)) throw this.error('ENOTSUP', 'xattrop', loc.path, 'xattrop on a directory through distribute is not implemented')
    return this.#onCached(call, loc, 'xattrop', (sub) => sub.xattrop(call, loc, flags, dict, xdata))
  }

  override async fxattrop(call: Call, fd: Fd, flags: number, dict: Dict, xdata?: Dict): Promise<XattrResult> {
    if (fd.isDirectory) throw this.error('ENOTSUP', 'fxattrop', undefined, 'fxattrop on a directory through distribute is not implemented', undefined, fd)
    return this.#onFileFd(call, fd, 'fxattrop', false, noIatt, (sub) => sub.fxattrop(call, fd, flags, dict, xdata))
  }

  override async fgetxattr(call: Call, fd: Fd, name: string, xdata?: Dict): Promise<XattrResult> {
    if (!fd.isDirectory) return this.#onFileFd(call, fd, 'fgetxattr', false, noIatt, (sub) => sub.fgetxattr(call, fd, name, xdata))
    const open = this.dirFd(fd, 'fgetxattr').open
    const i = open.findIndex((o, k) => o && this.isUp(k))
    if (i < 0) throw this.error('ENOTCONN', 'fgetxattr', undefined, 'no subvolume is connected', undefined, fd)
    return this.children[i]!.fgetxattr(call, fd, name, xdata)
  }

  override async fsetxattr(call: Call, fd: Fd, dict: Dict, flags: number, xdata?: Dict): Promise<CommonResult> {
    this.#refuseInternalKeys(dict.keys(), 'fsetxattr', `<gfid:${gfidToString(fd.inode.gfid)}>`)
    if (!fd.isDirectory) {
      // dht_fsetxattr asks the brick for the file's iatt, to see a migration in it.
      const req = withKey(xdata, IATT_IN_XDATA_KEY)
      return this.#onFileFd(call, fd, 'fsetxattr', true, xdataIattOf, (sub) => sub.fsetxattr(call, fd, dict, flags, req))
    }
    const open = this.dirFd(fd, 'fsetxattr').open
    const dir = this.stateOf(fd.inode)
    const done = await this.#onAllDirSubvols(dir instanceof DirCtx ? dir : undefined, (sub) => sub.fsetxattr(call, fd, dict, flags, xdata), (i) => open[i] === true)
    return done[0]!
  }

  // ---------------------------------------------------------------------------------------------
  // Fops: directories

  override async opendir(call: Call, loc: Loc, fd: Fd, xdata?: Dict): Promise<OpenResult> {
    const req = this.withRequest(xdata, this.readdirKeys)
    const results = await Promise.allSettled(this.children.map((c) => c.opendir(call, loc, fd, req)))
    const open = results.map((r) => r.status === 'fulfilled')
    const ok = results.find((r): r is PromiseFulfilledResult<OpenResult> => r.status === 'fulfilled')
    if (ok === undefined) throw firstFailure(results)
    fd.ctx.set(this, new DirFd(open))
    return { fd, xdata: ok.value.xdata }
  }

  override readdirp(call: Call, fd: Fd, size: number, offset: bigint, xdata?: Dict): Promise<ReaddirResult> {
    return readdirpDistributed(this, call, fd, size, offset, xdata)
  }

  override async releasedir(call: Call, fd: Fd): Promise<void> {
    const state = fd.ctx.get(this)
    fd.ctx.delete(this)
    if (!(state instanceof DirFd)) return
    await Promise.all(this.children.map((c, i) => (state.open[i] ? c.releasedir(call, fd) : undefined)))
  }

  // ---------------------------------------------------------------------------------------------
  // Fops: entries (entry.ts, rename.ts)

  override create(call: Call, loc: Loc, flags: number, mode: number, umask: number, fd: Fd, xdata?: Dict): Promise<CreateResult> {
    return entry.create(this, call, loc, flags, mode, umask, fd, xdata)
  }

  override mknod(call: Call, loc: Loc, mode: number, rdev: number, umask: number, xdata?: Dict): Promise<EntryResult> {
    return entry.mknod(this, call, loc, mode, rdev, umask, xdata)
  }

  override symlink(call: Call, target: string, loc: Loc, umask: number, xdata?: Dict): Promise<EntryResult> {
    return entry.symlink(this, call, target, loc, umask, xdata)
  }

  override link(call: Call, oldLoc: Loc, newLoc: Loc, xdata?: Dict): Promise<EntryResult> {
    return entry.link(this, call, oldLoc, newLoc, xdata)
  }

  override unlink(call: Call, loc: Loc, xflags: number, xdata?: Dict): Promise<ParentResult> {
    return entry.unlink(this, call, loc, xflags, xdata)
  }

  override mkdir(call: Call, loc: Loc, mode: number, umask: number, xdata?: Dict): Promise<EntryResult> {
    return entry.mkdir(this, call, loc, mode, umask, xdata)
  }

  override rmdir(call: Call, loc: Loc, xflags: number, xdata?: Dict): Promise<ParentResult> {
    return entry.rmdir(this, call, loc, xflags, xdata)
  }

  override rename(call: Call, oldLoc: Loc, newLoc: Loc, xdata?: Dict): Promise<RenameResult> {
    return rename(this, call, oldLoc, newLoc, xdata)
  }
}

/**
 * The xlator for a cluster/distribute volfile section. With a single subvolume DHT keeps no
 * layouts (wire reference §8) and every fop goes to that subvolume, so a pass-through stands in.
 */
/** Stands for "not open on this brick" in fan-outs over a directory fd. */
const missing = new GlusterError({ errno: errnoOf('ENOENT'), syscall: 'dht', detail: 'not open on this subvolume' })

function mergeIattResults(results: readonly PromiseSettledResult<IattResult>[]): IattResult {
  const ok = results.filter((r): r is PromiseFulfilledResult<IattResult> => r.status === 'fulfilled').map((r) => r.value)
  if (ok.length === 0) throw firstFailure(results)
  return { stat: mergeDirIatts(ok.map((r) => r.stat)), xdata: ok[0]!.xdata }
}

function mergePrePost(results: readonly PrePostResult[]): PrePostResult {
  return {
    prestat: mergeDirIatts(results.map((r) => r.prestat)),
    poststat: mergeDirIatts(results.map((r) => r.poststat)),
    xdata: results[0]?.xdata,
  }
}

function stripPrePost<T extends PrePostResult>(r: T): T {
  stripPhase1Flags(r.prestat)
  stripPhase1Flags(r.poststat)
  return r
}

function stripRead(r: ReadResult): ReadResult {
  stripPhase1Flags(r.stat)
  return r
}

const poststatOf = (r: PrePostResult): Iatt => r.poststat
const statOf = (r: IattResult): Iatt => r.stat
const noIatt = (): undefined => undefined
const xdataIattOf = (r: CommonResult): Iatt | undefined => r.xdata?.getIatt(IATT_IN_XDATA_KEY)
