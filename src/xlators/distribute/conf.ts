// What one cluster/distribute xlator knows, in one object (glusterfs dht_conf_t, this->private):
// its subvolumes and whether each is up, its options, the names of its xattrs, the volume commit
// hash, the decommissioned bricks, each brick's disk usage (weighted layouts, min-free-disk), and
// the per-inode state (DirCtx, FileCtx) of inodes. The modules beside this file (lookup.ts, entry.ts, rename.ts,
// readdir.ts, migration.ts, route.ts) take it as their first argument, as the C functions take
// `this` and read its private conf; none of them imports the xlator class.

import { debuglog } from 'node:util'
import { errnoOf } from '../../rpc/errno.ts'
import { GlusterError } from '../../rpc/errors.ts'
import { newLkOwner } from '../../rpc/lk-owner.ts'
import { Dict } from '../../rpc/programs/fops/dict.ts'
import { S_IFDIR } from '../../rpc/linux.ts'
import { type Call, type Fd, Inode, type Loc, ROOT_GFID, gfidToString } from '../types.ts'
import { InodeStates } from '../inode-states.ts'
import type { Xlator } from '../xlator.ts'
import type { DhtHasher } from './hash.ts'
import { type DiskUsage, type MinFree, NO_DISK_USAGE, diskUsageOf, filledBy } from './diskusage.ts'
import { DHT_LAYOUT_HASH_INVALID, encodeLayoutXattr, searchLayout } from './layout.ts'
import { type DirCtx, DirFd, type InodeState } from './state.ts'

const debug = debuglog('gfapi')

/** GF_CLIENT_PID_NO_ROOT_SQUASH (common-utils.h): the pid DHT's internal fops run with. */
const PID_NO_ROOT_SQUASH = -4
/** dht_is_subvol_filled logs a filled brick once every GF_UNIVERSAL_ANSWER * 10 checks. */
const FILLED_LOG_EVERY = 420

/** The parsed options of one cluster/distribute xlator (DISTRIBUTE_OPTIONS in distribute.ts). */
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
  readonly minFreeDisk: string
  readonly minFreeInodes: number
  readonly xattrName: string
}

/** How the xlator builds its conf: what it parsed and derived from its volfile section. */
export interface DhtConfInit {
  readonly xlator: Xlator
  readonly volume: string
  readonly config: DistributeConfig
  readonly hasher: DhtHasher
  readonly decommissioned: ReadonlySet<number>
  readonly minFree: MinFree
}

/**
 * The state of one DHT xlator (dht_conf_t) and the helpers that read only it.
 *
 * Per inode (Inode.ctx keyed by the xlator):
 *   DirCtx   a directory's layout, as its bricks' `trusted.glusterfs.dht` xattrs say, checked once
 *            when fetched; replaced whenever the directory is looked up again or a brick reports
 *            the parent layout stale (CREATE/MKNOD/MKDIR preop check, wire reference §3.7).
 *   FileCtx  the subvolume holding a file's data (its "cached" subvolume): the hashed one, or the
 *            target of the linkto file found there.
 * A LOOKUP by name has no Inode yet (the caller makes one from the reply's gfid), so its result
 * waits in a small map keyed by gfid until the first fop that brings the Inode moves it into ctx.
 */
export class DhtConf {
  /**
   * The xlator this conf belongs to: the key of its Inode.ctx and Fd.ctx entries, and the fop
   * surface a module goes back through when a step is itself a fop of this xlator.
   */
  readonly xlator: Xlator
  readonly volume: string
  readonly config: DistributeConfig
  readonly hasher: DhtHasher
  /** The subvolumes in volfile order (conf->subvolumes). */
  readonly subvols: readonly Xlator[]
  /** Subvolume xlator names in volfile order: what linkto xattrs name. */
  readonly names: readonly string[]
  /** Per subvolume, whether it is up (conf->subvolume_status), as notify reports. */
  readonly up: boolean[]
  /** Subvolume indices a remove-brick is emptying (`decommissioned-bricks`). */
  readonly decommissioned: ReadonlySet<number>
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
  readonly minFree: MinFree
  /** Each subvolume's room as its last answered STATFS said (conf->du_stats). */
  readonly du: DiskUsage[]
  /** When STATFS last went to every subvolume, in whole seconds (conf->last_stat_fetch); 0: never. */
  #lastDuFetch = 0
  #duFetching = false
  /** Per subvolume, how often it was found filled (du_stats[i].log), to log one check in 420. */
  readonly #filledChecks: number[]
  readonly #states: InodeStates<InodeState>
  readonly #rootInode = new Inode(ROOT_GFID, S_IFDIR)

  constructor(init: DhtConfInit) {
    this.xlator = init.xlator
    this.#states = new InodeStates(init.xlator)
    this.volume = init.volume
    this.config = init.config
    this.hasher = init.hasher
    this.subvols = init.xlator.children
    this.names = this.subvols.map((c) => c.name)
    this.up = this.subvols.map(() => true)
    this.decommissioned = init.decommissioned
    this.minFree = init.minFree
    this.du = this.subvols.map(() => NO_DISK_USAGE)
    this.#filledChecks = this.subvols.map(() => 0)
    this.layoutKey = this.config.xattrName
    this.linktoKey = `${this.layoutKey}.linkto`
    this.mdsKey = `${this.layoutKey}.mds`
    this.commitHashKey = `${this.layoutKey}.commithash`
    this.lookupKeys = new Dict().setUint(this.layoutKey, 16).setUint(this.mdsKey, 4).setUint(this.linktoKey, 256)
    this.readdirKeys = new Dict().setUint(this.linktoKey, 256)
    this.internalXdata = new Dict().setStr('glusterfs-internal-fop', 'yes')
  }

  isUp(subvol: number): boolean {
    return this.up[subvol] === true
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
    return { pid: PID_NO_ROOT_SQUASH, uid: 0, gid: 0, groups: [], lkOwner: call?.lkOwner ?? newLkOwner() }
  }

  rootLoc(): Loc {
    return { path: '/', name: '', parent: undefined, inode: this.#rootInode }
  }

  /** What this xlator knows of an inode, moving a lookup's result into its ctx on first use. */
  stateOf(inode: Inode): InodeState | undefined {
    const state = this.#states.latest(inode)
    if (state !== undefined || inode === this.#rootInode || !inode.gfid.equals(ROOT_GFID)) return state
    // The caller's root inode meets the layout this xlator looked up for its own.
    const root = this.#states.latest(this.#rootInode)
    if (root !== undefined) this.#states.set(inode, root)
    return root
  }

  /** Records what a lookup or entry fop learned about `gfid` (on `inode` when it is that inode). */
  remember(inode: Inode | undefined, gfid: Buffer, state: InodeState): void {
    if (gfid.equals(ROOT_GFID)) this.#states.set(this.#rootInode, state)
    this.#states.remember(inode, gfid, state)
  }

  /** What a lookup learned about `gfid` and no fop has claimed yet. */
  peekState(gfid: Buffer): InodeState | undefined {
    return this.#states.unclaimed(gfid)
  }

  forget(inode: Inode | undefined): void {
    if (inode !== undefined) this.#states.forget(inode)
  }

  /** The subvolume a name hashes to in a directory, or undefined when the layout has no answer. */
  hashedIndex(dir: DirCtx, name: string): number | undefined {
    // Holes left by bricks that were down are theirs: names elsewhere still have their brick
    // (dht_subvol_get_hashed searches such a layout too); names in a hole have none.
    if (!dir.check.ok && (dir.check.down.length === 0 || dir.check.anomalies.some((a) => a.kind !== 'hole'))) return undefined
    return searchLayout(dir.layout, this.hasher.hashName(name))?.subvolume
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

  /** Brick sizes in 1 MiB chunks for weighted layouts, as last read; 0 where never read. */
  brickChunks(): number[] {
    return this.du.map((d) => d.chunks)
  }

  /**
   * STATFS of the root on `subvols` (each bounded by its client's call timeout); each answer
   * replaces that subvolume's disk usage, a failure keeps what it had, as dht_du_info_cbk does.
   */
  async fetchDiskUsage(call: Call, subvols: readonly number[] = this.subvols.map((_, i) => i)): Promise<void> {
    const xdata = new Dict().setInt('ignore-deem-statfs', 1)
    await Promise.all(subvols.map(async (i) => {
      try {
        this.du[i] = diskUsageOf(await this.subvols[i]!.statfs(call, this.rootLoc(), xdata))
      } catch (err) {
        debug('%s: failed to get disk info from %s: %s', this.xlator.name, this.names[i], err instanceof Error ? err.message : String(err))
      }
    }))
  }

  /**
   * dht_get_du_info, at the start of every create, mknod and mkdir: STATFS to every subvolume
   * when the clock's second has moved past the last fetch (C's refresh_interval is never set, so
   * it is 0 s). The fop does not wait: it decides on what is known, as C does.
   */
  refreshDiskUsage(call: Call): void {
    const now = Math.floor(Date.now() / 1000)
    // One fetch at a time: bricks slow to answer STATFS do not pile up one more each second.
    if (now <= this.#lastDuFetch || this.#duFetching) return
    this.#lastDuFetch = now
    this.#duFetching = true
    void this.fetchDiskUsage(this.internalCall(call)).finally(() => {
      this.#duFetching = false
    })
  }

  /** dht_is_subvol_filled: below min-free-disk or min-free-inodes; logs it (once in 420) when up. */
  isFilled(subvol: number): boolean {
    const du = this.du[subvol]!
    const why = filledBy(du, this.minFree)
    if (why === undefined) return false
    if (this.isUp(subvol) && this.#filledChecks[subvol]!++ % FILLED_LOG_EVERY === 0) {
      if (why === 'space') debug('%s: disk space on subvolume \'%s\' is getting full (%s %%), consider adding more bricks', this.xlator.name, this.names[subvol], (100 - du.availPercent).toFixed(2))
      else debug('%s: inodes on subvolume \'%s\' are at (%s %%), consider adding more bricks', this.xlator.name, this.names[subvol], (100 - du.availInodes).toFixed(2))
    }
    return true
  }

  dirFd(fd: Fd, syscall: string): DirFd {
    const state = fd.ctx.get(this.xlator)
    if (state instanceof DirFd) return state
    throw this.error('EBADF', syscall, undefined, 'the directory is not open here', undefined, fd)
  }

  /** `host:/brick/path` of a subvolume, else its xlator name. */
  brickOf(subvol: number): string {
    return this.subvols[subvol]?.brick ?? this.names[subvol] ?? `subvolume ${subvol}`
  }

  /** A GlusterError raised by DHT itself (no brick answered it); names the fd's gfid when there is no path. */
  error(code: string, syscall: string, path: string | undefined, detail?: string, cause?: unknown, fd?: Fd): GlusterError {
    return new GlusterError({
      errno: errnoOf(code), syscall, path, gfid: path === undefined && fd !== undefined ? gfidToString(fd.inode.gfid) : undefined,
      volume: this.volume, detail, cause,
    })
  }
}
