import { hostname } from 'node:os'
import { debuglog } from 'node:util'
import { errnoOf } from '../../rpc/errno.ts'
import { GlusterError } from '../../rpc/errors.ts'
import { newGfid } from '../../rpc/gfid.ts'
import { O_APPEND, O_CREAT, O_DSYNC, O_EXCL, O_RDONLY, O_TRUNC, S_IFDIR, S_IFREG } from '../../rpc/linux.ts'
import { Dict } from '../../rpc/programs/fops/dict.ts'
import { EntrylkCmd, GfLkCmd, GfLkType } from '../../rpc/programs/fops/program.ts'
import {
  type Call, type CommonResult, type CreateResult, type EntryResult, Fd, type Flock, type IattResult, Inode, type Loc,
  type LookupResult, type OpenResult, type ParentResult, type PrePostResult, type ReadResult, type ReaddirResult,
  type ReadlinkResult, type RenameResult, type SeekResult, type StatfsResult, type WriteResult, type XattrResult,
  ROOT_GFID, gfidToString,
} from '../types.ts'
import { type SetattrArgs, Xlator, type XlatorEvent, type XlatorInit } from '../xlator.ts'
import { type ChildReply, type Readables, chooseReadChild, isAfrKey, isDirMode, isRegMode, lookupXdata, readablesOf, withoutAfrKeys } from './changelog.ts'
import { type ReadOnLookup, readOnLookupOf, withEarlyRead, withoutReadOnLookup } from '../read-on-lookup.ts'
import { InodeStates } from '../inode-states.ts'
import type { Iatt } from '../../rpc/programs/fops/iatt.ts'
import { type ReplicateOptions, TRASH_DIR, ANON_DIR_PREFIX, type Topology, hasQuorum, topologyOf } from './topology.ts'
import { ACTIVE_FD_COUNT, type DataTxn, EagerLocks, type EagerHost, INODELK_COUNT_KEY, INODELK_DOM_COUNT, WRITE_IS_APPEND } from './eager.ts'
import { type ChangelogTarget, type Lockee, METADATA_LOCK_START, type NewEntry, type Settled as TxnSettled, type TxnRequest, transact } from './transaction.ts'

const debug = debuglog('gfapi')

/** What this xlator knows of one inode (inode ctx): readables as of an event generation. */
interface InodeState {
  readonly generation: number
  readonly readables: Readables
}

/** A READ sent with a lookup still running (#readOnFirstAnswer); undefined reply: it failed. */
interface SpeculativeRead {
  readonly child: number
  readonly reply: Promise<ReadResult | undefined>
}

/** Inodes with a heal state reported and not yet seen clean, at most (oldest forgotten first). */
const MAX_REPORTED = 4096

/** What this xlator keeps of an open file's fd (fd ctx): how to open it on a child that comes back. */
class OpenedFile {
  readonly path: string | undefined
  /** The open's flags without O_CREAT, O_EXCL and O_TRUNC (afr_fix_open). */
  readonly flags: number
  /** The event generation the fd was last checked at: nothing to fix while it is current. */
  generation: number
  constructor(path: string | undefined, flags: number, generation: number) {
    this.path = path
    this.flags = flags
    this.generation = generation
  }
}

/**
 * cluster/replicate (AFR) over N children: topology from the volfile (topology.ts), per-child
 * state from notify, quorum before every read, open and lookup, lookups with the changelog keys,
 * reads from a readable, up, non-arbiter child; every change a transaction (transaction.ts) of
 * its own. Never heals: glustershd does. Every fop is overridden: the base would pass a change to
 * the first child only, leaving the other copies stale and unblamed.
 */
export class Replicate extends Xlator implements EagerHost {
  static readonly type = 'cluster/replicate'

  readonly topology: Topology
  /** CHILD_UP seen last (per child); a child never heard from counts as down. */
  readonly #up: boolean[]
  readonly #lastEvent: (XlatorEvent | undefined)[]
  /** Bumped on every child up/down (afr_notify event_generation): cached readables are then stale. */
  #generation = 0
  /** What was last reported of each inode with a heal state (kind and blamed bricks), by gfid. */
  readonly #reported = new Map<string, string>()
  /** The preferred read child: read-subvolume(-index), replaced by a local brick once discovered. */
  #readChild: number
  #discovery: Promise<void> | undefined
  /** The eager locks of data and metadata transactions, and the delayed post-ops (eager.ts). */
  readonly #eager: EagerLocks
  /** Readables per inode; a named lookup's wait for the first fop on its inode, which then needs no refresh. */
  readonly #states = new InodeStates<InodeState>(this)
  /** What writes and fsyncs ask the bricks for when the caller sent no xdata (never changed after). */
  readonly #countReq: Dict
  readonly #writeReq: Dict

  constructor(init: XlatorInit<ReplicateOptions>) {
    super(init)
    this.topology = topologyOf(
      init.name, init.graph.volume, init.children.map((c) => c.name), init.options, init.section?.options ?? new Map(), init.section?.line,
    )
    this.#up = init.children.map(() => false)
    this.#lastEvent = init.children.map(() => undefined)
    this.#readChild = this.topology.readChild
    this.#eager = new EagerLocks(this)
    // Sealed: encoded once, not for every write and fsync on every child.
    this.#countReq = new Dict().setStr(INODELK_DOM_COUNT, this.name).seal()
    this.#writeReq = writeXdata(undefined, this.name).seal()
  }

  /** Inodes under an eager lock: for tests. */
  get eagerLocks(): number {
    return this.#eager.held
  }

  /** EagerHost: readables of `inode` are no longer known. */
  forget(inode: Inode): void {
    this.#states.forget(inode)
  }

  /** Post every delayed changelog and unlock (unmount): the bricks must not keep our locks. */
  override async fini(): Promise<void> {
    await this.#eager.releaseAll()
  }

  /** Idle includes no eager lock held (a graph switch drains the old graph this way). */
  override async whenIdle(): Promise<void> {
    await this.#eager.releaseAll()
    await super.whenIdle()
  }

  /** The preferred read child (-1: none, the gfid hash decides). */
  get readChild(): number {
    return this.#readChild
  }

  /**
   * afr_attempt_local_discovery: after the first successful root lookup, ask each child that
   * answered for the root's pathinfo; a brick on this host (pathinfo host = our hostname, as
   * glusterfs_is_local_pathinfo) becomes the read child, the arbiter never. As in the C client, of
   * several local bricks the last to answer wins. Runs in the background; failures change nothing.
   */
  #discoverLocal(call: Call, answered: readonly boolean[]): void {
    const loc: Loc = { path: '/', name: '', parent: undefined, inode: new Inode(ROOT_GFID, S_IFDIR) }
    this.#discovery = Promise.all(this.children.map(async (c, i) => {
      if (!answered[i]) return
      const r = await c.getxattr(call, loc, PATHINFO_KEY).catch(() => undefined)
      const pathinfo = r?.dict.getStr(PATHINFO_KEY)
      if (pathinfo === undefined || pathinfoHost(pathinfo) !== hostname() || i === this.topology.arbiter) return
      debug('%s: selecting local read child %s', this.name, c.name)
      this.#readChild = i
    })).then(() => undefined)
  }

  /** Resolves once local discovery (if started) is over: for tests. */
  async discovered(): Promise<void> {
    await this.#discovery
  }

  /** The mount goes on with some children down: quorum decides per fop (afr_notify). */
  override get mountsDegraded(): boolean {
    return true
  }

  get generation(): number {
    return this.#generation
  }

  isUp(child: number): boolean {
    return this.#up[child] === true
  }

  /**
   * afr_notify: per-child up/down (each change bumps the event generation, so readables are
   * refreshed); quiet until every child reported once, then CHILD_UP if one is up. After that a
   * CHILD_DOWN passes up as SOME_DESCENDENT_DOWN while another child is not down.
   */
  override notify(event: XlatorEvent, from: Xlator, detail?: unknown): void {
    const i = this.children.indexOf(from)
    if (i < 0 || event === 'SOME_DESCENDENT_DOWN') {
      super.notify(event, from, detail)
      return
    }
    const heardFromAll = !this.#lastEvent.includes(undefined)
    this.#lastEvent[i] = event
    if (event !== 'CHILD_CONNECTING') {
      const up = event === 'CHILD_UP'
      if (this.#up[i] !== up) {
        this.#generation++
        this.#eager.generationChanged()
      }
      this.#up[i] = up
    }
    let up: XlatorEvent = event
    if (event === 'CHILD_DOWN' && this.#lastEvent.some((e) => e !== 'CHILD_DOWN')) up = 'SOME_DESCENDENT_DOWN'
    if (!heardFromAll) {
      if (this.#lastEvent.includes(undefined)) return
      up = this.#lastEvent.includes('CHILD_UP') ? 'CHILD_UP' : this.#lastEvent.includes('CHILD_CONNECTING') ? 'CHILD_CONNECTING' : 'CHILD_DOWN'
    }
    debug('%s: %s from %s; up %j', this.name, event, from.name, this.#up)
    super.notify(up, from, detail)
  }

  /** Throws ENOTCONN naming the volume and the bricks that are down unless the up set has quorum. */
  assertQuorum(syscall: string, path: string | undefined): void {
    if (hasQuorum(this.topology.quorum, this.#up)) return
    throw this.#quorumLost(syscall, path, this.#up)
  }

  #quorumLost(syscall: string, path: string | undefined, good: readonly boolean[]): GlusterError {
    const down = this.children.flatMap((c, i) => (good[i] === true ? [] : [`${c.name} (${c.brick ?? 'unknown brick'})`]))
    const q = this.topology.quorum
    const rule = q.kind === 'fixed' ? `quorum-count ${q.count}` : `quorum-type ${q.kind}`
    return new GlusterError({
      errno: errnoOf('ENOTCONN'), syscall, path, volume: this.graph.volume,
      detail: `client quorum of ${this.name} is not met (${rule}): ${down.length} of ${this.children.length} bricks down or failed: ${down.join(', ')}`,
    })
  }

  #error(code: string, syscall: string, path: string | undefined, gfid: Uint8Array | undefined, detail: string): GlusterError {
    return new GlusterError({
      errno: errnoOf(code), syscall, path, gfid: path === undefined && gfid !== undefined ? gfidToString(gfid) : undefined, volume: this.graph.volume,
      detail: `${this.name}: ${detail}`,
    })
  }

  // -----------------------------------------------------------------------------------------------
  // Lookup (afr_lookup, afr_lookup_done)

  /** afr_is_private_directory: names at the root AFR keeps from applications. */
  #isPrivate(loc: Loc): boolean {
    if (loc.parent === undefined || !loc.parent.gfid.equals(ROOT_GFID)) return false
    return loc.name === TRASH_DIR || loc.name.startsWith(ANON_DIR_PREFIX)
  }

  override async lookup(call: Call, loc: Loc, xdata?: Dict): Promise<LookupResult> {
    if (this.#isPrivate(loc)) throw this.#error('EPERM', 'lookup', loc.path, undefined, `'${loc.name}' is a private directory of the replica set`)
    this.assertQuorum('lookup', loc.path)
    const generation = this.#generation
    const read = readOnLookupOf(xdata)
    const req = lookupXdata(this.topology, read === undefined ? xdata : withoutReadOnLookup(xdata!))
    let early: SpeculativeRead | undefined
    const settled = await this.#onUp(read === undefined ? (c) => c.lookup(call, loc, req) : async (c) => {
      const r = await c.lookup(call, loc, req)
      early ??= this.#readOnFirstAnswer(call, r.stat, read)
      return r
    })
    const replies = settled.map((s): ChildReply | undefined => s === undefined ? undefined : s.ok ? { ok: true, stat: s.value.stat, xdata: s.value.xdata } : { ok: false, stat: undefined, xdata: undefined })
    const firstOk = settled.findIndex((s) => s?.ok === true)
    if (firstOk < 0) throw this.#finalError(settled, 'lookup', loc.path)
    // afr_lookup_done: copies that disagree on the gfid are a gfid split-brain.
    const gfid = (settled[firstOk] as Settled<LookupResult> & { ok: true }).value.stat.gfid
    for (const s of settled) {
      if (s?.ok === true && !s.value.stat.gfid.equals(gfid)) {
        throw this.#error('EIO', 'lookup', loc.path, undefined, 'gfid mismatch between copies (gfid split-brain); resolve it with `gluster volume heal <vol> split-brain`')
      }
    }
    const readables = readablesOf(this.topology, replies)
    const isDir = isDirMode(settled[firstOk]!.ok ? (settled[firstOk] as { value: LookupResult }).value.stat.mode : 0)
    const candidates = readables.metadata.map((m, i) => m && (isDir || readables.data[i] === true))
    this.#reportHealState(gfid, loc.path, readables, replies, isDir)
    const child = chooseReadChild(this.topology, candidates, this.#readChild, gfid, isDir, call.pid)
    if (child < 0) {
      // afr_attempt_readsubvol_set: no readable copy on a quorum volume is ENOTCONN ("no read subvols").
      const code = this.topology.quorum.kind === 'none' ? 'EIO' : 'ENOTCONN'
      throw this.#error(code, 'lookup', loc.path, undefined, 'no readable copy: every copy is blamed by another (split-brain) or down')
    }
    this.#states.remember(loc.inode, gfid, { generation, readables })
    if (this.topology.chooseLocal && this.#discovery === undefined && gfid.equals(ROOT_GFID)) {
      this.#discoverLocal(call, settled.map((s) => s?.ok === true))
    }
    const chosen = (settled[child] as { value: LookupResult }).value
    const out = chosen.xdata === undefined ? undefined : withoutAfrKeys(chosen.xdata)
    // The early READ counts only if it went where a readv would go now: the child chosen from
    // every answer, with no child gone or back since the lookup began (its gfid is the one every
    // answer agreed on, checked above).
    const r = early !== undefined && early.child === child && this.#generation === generation ? await early.reply : undefined
    return { stat: chosen.stat, postparent: chosen.postparent, xdata: r === undefined ? out : withEarlyRead(out, r) }
  }

  /**
   * A lookup asked to read the file it finds (read-on-lookup.ts): on the first answer naming a
   * regular file, the READ goes to the child a readv would pick if every up copy were readable;
   * the lookup keeps its data only if the answers of all copies confirm that choice.
   */
  #readOnFirstAnswer(call: Call, stat: Iatt, read: ReadOnLookup): SpeculativeRead | undefined {
    if (!isRegMode(stat.mode)) return undefined
    const candidates = this.#up.map((up, i) => up === true && i !== this.topology.arbiter)
    const child = chooseReadChild(this.topology, candidates, this.#readChild, stat.gfid, false, call.pid)
    if (child < 0) return undefined
    const fd = new Fd(new Inode(stat.gfid, S_IFREG), O_RDONLY, false, true)
    const reply = this.children[child]!.readv(call, fd, read.size, read.offset, read.flags).catch(() => undefined)
    return { child, reply }
  }

  /** What a lookup or refresh last saw of `inode`: readables and whether a heal is pending. */
  stateOf(inode: Inode): Readables | undefined {
    return this.#states.known(inode)?.readables
  }

  /** `fn` on every up child (that `include` accepts) in parallel; undefined for the others. */
  async #onUp<T>(fn: (child: Xlator, i: number) => Promise<T>, include?: (i: number) => boolean): Promise<(Settled<T> | undefined)[]> {
    return Promise.all(this.children.map(async (c, i): Promise<Settled<T> | undefined> => {
      if (this.#up[i] !== true || include?.(i) === false) return undefined
      try {
        return { ok: true, value: await fn(c, i) }
      } catch (err) {
        if (!(err instanceof GlusterError)) throw err
        return { ok: false, error: err }
      }
    }))
  }

  /** afr_final_errno over the failed replies (afr_higher_errno), or ENOTCONN when none was asked. */
  #finalError(settled: readonly (Settled<unknown> | undefined)[], syscall: string, path: string | undefined): GlusterError {
    let best: GlusterError | undefined
    for (const s of settled) {
      if (s === undefined || s.ok) continue
      best = best === undefined ? s.error : higherError(best, s.error)
    }
    return best ?? this.#quorumLost(syscall, path, this.#up)
  }

  // -----------------------------------------------------------------------------------------------
  // Reads (afr_read_txn)

  /**
   * Readables of `inode` for the current event generation: cached, else refreshed with an FSTAT
   * (or LOOKUP by gfid) carrying the changelog keys to every up child (afr_inode_refresh).
   */
  async #readables(call: Call, inode: Inode, fd: Fd | undefined, path: string | undefined, force: boolean): Promise<Readables> {
    const cached = this.#states.known(inode)
    if (!force && cached !== undefined && cached.generation === this.#generation) return cached.readables
    const generation = this.#generation
    const req = lookupXdata(this.topology, undefined)
    const loc: Loc = { path: path ?? `<gfid:${gfidToString(inode.gfid)}>`, name: '', parent: undefined, inode }
    const settled = await this.#onUp((c) => (fd !== undefined ? c.fstat(call, fd, req) : c.lookup(call, loc, req)))
    const replies = settled.map((s): ChildReply | undefined => s === undefined ? undefined : s.ok ? { ok: true, stat: s.value.stat, xdata: s.value.xdata } : { ok: false, stat: undefined, xdata: undefined })
    const readables = readablesOf(this.topology, replies)
    this.#reportHealState(inode.gfid, path, readables, replies, isDirMode(inode.type))
    this.#states.set(inode, { generation, readables })
    return readables
  }

  /**
   * Item 7: tell the API (GraphRoot.report) what a lookup or refresh saw, when it differs from
   * what was last reported of the inode: split-brain when every brick answered and no copy is
   * good, else a pending heal (a blame or a dirty count). Kept by gfid, not in the inode ctx: a
   * path lookup may come with no inode yet.
   */
  #reportHealState(gfid: Buffer, path: string | undefined, readables: Readables, replies: readonly (ChildReply | undefined)[], isDir: boolean): void {
    const everyoneAnswered = replies.every((r) => r?.ok === true)
    const anyGood = readables.metadata.some((m, i) => m && (isDir || readables.data[i] === true))
    const kind = everyoneAnswered && !anyGood ? 'split-brain' : readables.pendingHeal || readables.blamed.includes(true) ? 'heal-pending' : undefined
    const id = gfidToString(gfid)
    if (kind === undefined) {
      this.#reported.delete(id)
      return
    }
    const bricks = this.children.flatMap((c, i) => (readables.blamed[i] === true ? [c.brick ?? c.name] : []))
    const key = `${kind} ${bricks.join(',')}`
    if (this.#reported.get(id) === key) return
    this.#reported.delete(id)
    this.#reported.set(id, key)
    if (this.#reported.size > MAX_REPORTED) this.#reported.delete(this.#reported.keys().next().value!)
    this.graph.root?.report?.({ kind, volume: this.graph.volume, xlator: this.name, path, gfid: id, bricks })
  }

  /**
   * afr_read_txn: quorum of up children; the read child chosen among children readable for data
   * and metadata (metadata only for directories, data-type reads of a directory aside); on a
   * failure, refresh once and try every other readable child in index order; EIO when none.
   */
  #readTxn<T>(call: Call, syscall: string, inode: Inode, fd: Fd | undefined, path: string | undefined, metadataOnly: boolean,
    fn: (child: Xlator) => Promise<T>): Promise<T> {
    try {
      this.assertQuorum(syscall, path)
    } catch (err) {
      return Promise.reject(err)
    }
    // The usual read: the fd needs no reopen and the readables are current; no async frame.
    const opened = fd?.ctx.get(this)
    const state = this.#states.known(inode)
    if ((!(opened instanceof OpenedFile) || opened.generation === this.#generation) && state !== undefined && state.generation === this.#generation) {
      const isDir = isDirMode(inode.type)
      const first = chooseReadChild(this.topology, this.#candidates(state.readables, metadataOnly || isDir), this.#readChild, inode.gfid, isDir, call.pid)
      if (first >= 0) return fn(this.children[first]!).catch((err: unknown) => this.#readElsewhere(call, inode, fd, path, metadataOnly, fn, first, err))
    }
    return this.#readTxnRefreshing(call, syscall, inode, fd, path, metadataOnly, fn)
  }

  async #readTxnRefreshing<T>(call: Call, syscall: string, inode: Inode, fd: Fd | undefined, path: string | undefined, metadataOnly: boolean,
    fn: (child: Xlator) => Promise<T>): Promise<T> {
    if (fd !== undefined) await this.#fixOpen(call, fd)
    const isDir = isDirMode(inode.type)
    let readables = await this.#readables(call, inode, fd, path, false)
    let candidates = this.#candidates(readables, metadataOnly || isDir)
    if (!candidates.includes(true)) {
      readables = await this.#readables(call, inode, fd, path, true)
      candidates = this.#candidates(readables, metadataOnly || isDir)
    }
    const first = chooseReadChild(this.topology, candidates, this.#readChild, inode.gfid, isDir, call.pid)
    if (first < 0) throw this.#error('EIO', syscall, path, inode.gfid, 'no readable copy is up (split-brain, or every good copy down)')
    try {
      return await fn(this.children[first]!)
    } catch (err) {
      return this.#readElsewhere(call, inode, fd, path, metadataOnly, fn, first, err)
    }
  }

  /** The read failed on child `first`: look again and try each other readable child in turn. */
  async #readElsewhere<T>(call: Call, inode: Inode, fd: Fd | undefined, path: string | undefined, metadataOnly: boolean,
    fn: (child: Xlator) => Promise<T>, first: number, err: unknown): Promise<T> {
    if (!(err instanceof GlusterError)) throw err
    let lastError: GlusterError = err
    const readables = await this.#readables(call, inode, fd, path, true)
    const candidates = this.#candidates(readables, metadataOnly || isDirMode(inode.type))
    for (let i = 0; i < this.children.length; i++) {
      if (i === first || candidates[i] !== true) continue
      try {
        return await fn(this.children[i]!)
      } catch (e) {
        if (!(e instanceof GlusterError)) throw e
        lastError = e
      }
    }
    throw lastError
  }

  #candidates(r: Readables, metadataOnly: boolean): boolean[] {
    return r.metadata.map((m, i) => m && this.#up[i] === true && (metadataOnly || r.data[i] === true))
  }

  override async stat(call: Call, loc: Loc, xdata?: Dict): Promise<IattResult> {
    return this.#readTxn(call, 'stat', inodeOf(loc, 'stat', this.graph.volume), undefined, loc.path, false, (c) => c.stat(call, loc, xdata))
  }
  override fstat(call: Call, fd: Fd, xdata?: Dict): Promise<IattResult> {
    return this.#readTxn(call, 'fstat', fd.inode, fd, undefined, false, (c) => c.fstat(call, fd, xdata))
  }
  override readv(call: Call, fd: Fd, size: number, offset: number, flags: number, xdata?: Dict, sink?: Uint8Array): Promise<ReadResult> {
    return this.#readTxn(call, 'read', fd.inode, fd, undefined, false, (c) => c.readv(call, fd, size, offset, flags, xdata, sink))
  }
  override seek(call: Call, fd: Fd, offset: number, what: number, xdata?: Dict): Promise<SeekResult> {
    return this.#readTxn(call, 'seek', fd.inode, fd, undefined, false, (c) => c.seek(call, fd, offset, what, xdata))
  }
  override async readlink(call: Call, loc: Loc, size: number, xdata?: Dict): Promise<ReadlinkResult> {
    return this.#readTxn(call, 'readlink', inodeOf(loc, 'readlink', this.graph.volume), undefined, loc.path, false, (c) => c.readlink(call, loc, size, xdata))
  }
  override async access(call: Call, loc: Loc, mask: number, xdata?: Dict): Promise<CommonResult> {
    return this.#readTxn(call, 'access', inodeOf(loc, 'access', this.graph.volume), undefined, loc.path, true, (c) => c.access(call, loc, mask, xdata))
  }
  override async getxattr(call: Call, loc: Loc, name: string, xdata?: Dict): Promise<XattrResult> {
    if (isAfrKey(name)) throw this.#error('ENODATA', 'getxattr', loc.path, undefined, `'${name}' is internal to the replica set`)
    const r = await this.#readTxn(call, 'getxattr', inodeOf(loc, 'getxattr', this.graph.volume), undefined, loc.path, true, (c) => c.getxattr(call, loc, name, xdata))
    return { dict: withoutAfrKeys(r.dict), xdata: r.xdata }
  }
  override async fgetxattr(call: Call, fd: Fd, name: string, xdata?: Dict): Promise<XattrResult> {
    if (isAfrKey(name)) throw this.#error('ENODATA', 'fgetxattr', undefined, fd.inode.gfid, `'${name}' is internal to the replica set`)
    const r = await this.#readTxn(call, 'fgetxattr', fd.inode, fd, undefined, true, (c) => c.fgetxattr(call, fd, name, xdata))
    return { dict: withoutAfrKeys(r.dict), xdata: r.xdata }
  }

  /**
   * afr_readdir: one readable child of the directory serves the listing; private names hidden at
   * the root. Offsets are that brick's own cookies, so only a listing from offset 0 may move to
   * another child after a failure (afr_readdir_cbk); later pages stay on the child that began it.
   */
  override async readdirp(call: Call, fd: Fd, size: number, offset: bigint, xdata?: Dict): Promise<ReaddirResult> {
    const listing = fd.ctx.get(this) as number | undefined
    let r: ReaddirResult
    if (offset !== 0n && listing !== undefined) {
      this.assertQuorum('readdirp', undefined)
      r = await this.children[listing]!.readdirp(call, fd, size, offset, xdata)
    } else {
      r = await this.#readTxn(call, 'readdirp', fd.inode, fd, undefined, true, (c) => {
        fd.ctx.set(this, this.children.indexOf(c))
        return c.readdirp(call, fd, size, offset, xdata)
      })
    }
    if (!fd.inode.gfid.equals(ROOT_GFID)) return r
    const entries = r.entries.filter((e) => e.name !== TRASH_DIR && !e.name.startsWith(ANON_DIR_PREFIX))
    return entries.length === r.entries.length ? r : { ...r, entries }
  }

  /** afr_statfs: every up child but the arbiter; the answer with the least space available. */
  override async statfs(call: Call, loc: Loc, xdata?: Dict): Promise<StatfsResult> {
    this.assertQuorum('statfs', loc.path)
    const settled = await this.#onUp((c) => c.statfs(call, loc, xdata), (i) => i !== this.topology.arbiter)
    let best: StatfsResult | undefined
    for (const s of settled) if (s?.ok === true && (best === undefined || s.value.bavail < best.bavail)) best = s.value
    if (best === undefined) throw this.#finalError(settled, 'statfs', loc.path)
    return best
  }

  // -----------------------------------------------------------------------------------------------
  // Opens and closes: every up child (afr_open, afr_opendir, afr_flush, afr_release)

  override async open(call: Call, loc: Loc, flags: number, fd: Fd, xdata?: Dict): Promise<OpenResult> {
    // afr_open: O_TRUNC never reaches the bricks (a truncate outside any transaction leaves no
    // changelog); the truncation is an ftruncate transaction once the fd is open everywhere.
    const r = await this.#openAll(call, 'open', loc, fd, (c) => c.open(call, loc, flags & ~O_TRUNC, fd, xdata))
    fd.ctx.set(this, new OpenedFile(loc.path, flags & ~(O_CREAT | O_EXCL | O_TRUNC), this.#generation))
    if ((flags & O_TRUNC) !== 0) {
      try {
        await this.ftruncate(call, fd, 0)
      } catch (err) {
        // The open fails as a whole: do not leave the fd open on the bricks.
        await this.release(call, fd).catch(() => undefined)
        throw err
      }
    }
    return r
  }
  override opendir(call: Call, loc: Loc, fd: Fd, xdata?: Dict): Promise<OpenResult> {
    return this.#openAll(call, 'opendir', loc, fd, (c) => c.opendir(call, loc, fd, xdata))
  }

  /** Open on every up child; succeeds when one did, as afr_open_cbk (the others are reopened by protocol/client). */
  async #openAll(call: Call, syscall: string, loc: Loc, fd: Fd, fn: (c: Xlator) => Promise<OpenResult>): Promise<OpenResult> {
    this.assertQuorum(syscall, loc.path)
    const settled = await this.#onUp((c) => fn(c))
    const ok = settled.find((s) => s?.ok === true)
    if (ok === undefined || !ok.ok) throw this.#finalError(settled, syscall, loc.path)
    if (settled.some((s) => s?.ok === false)) debug('%s: %s %s failed on some children: %j', this.name, syscall, loc.path, settled.map((s) => s?.ok))
    return { fd, xdata: ok.value.xdata }
  }

  override async flush(call: Call, fd: Fd, xdata?: Dict): Promise<CommonResult> {
    // afr_flush: the delayed post-op goes first, so a close resolves after the changelog is on disk.
    await this.#eager.flush(fd.inode)
    const settled = await this.#onHolding(fd, (c) => c.flush(call, fd, xdata))
    const ok = settled.find((s) => s?.ok === true)
    if (ok === undefined || !ok.ok) throw this.#finalError(settled, 'flush', undefined)
    return { xdata: ok.value.xdata }
  }
  override async release(call: Call, fd: Fd): Promise<void> {
    await this.#eager.flush(fd.inode)
    await this.#onHolding(fd, (c) => c.release(call, fd))
  }
  override async releasedir(call: Call, fd: Fd): Promise<void> {
    await this.#onHolding(fd, (c) => c.releasedir(call, fd))
  }

  /** `fn` on every child that holds `fd` (open there, or lost there and owed a release). */
  #onHolding<T>(fd: Fd, fn: (c: Xlator) => Promise<T>): Promise<(Settled<T> | undefined)[]> {
    return Promise.all(this.children.map(async (c): Promise<Settled<T> | undefined> => {
      if (!c.holdsFd(fd)) return undefined
      try {
        return { ok: true, value: await fn(c) }
      } catch (err) {
        if (!(err instanceof GlusterError)) throw err
        return { ok: false, error: err }
      }
    }))
  }

  // -----------------------------------------------------------------------------------------------
  // Transactions (transaction.ts): data and metadata under the inode's eager locks (eager.ts), entry each with its own lock.

  /** TxnHost: the ENOTCONN of a lost quorum, naming the bricks not in `good`. */
  quorumLost(syscall: string, path: string | undefined, good: readonly boolean[]): GlusterError {
    return this.#quorumLost(syscall, path, good)
  }

  /** TxnHost: an error located at this volume and xlator. */
  error(code: string, syscall: string, path: string | undefined, detail: string): GlusterError {
    return this.#error(code, syscall, path, undefined, detail)
  }

  async #txn<T>(call: Call, req: TxnRequest<T>, changed: readonly Inode[]): Promise<T> {
    try {
      const { result, blamed } = await transact(this, call, req)
      // A blamed child is no longer readable: look again before the next read.
      if (blamed.includes(true)) for (const inode of changed) this.#states.forget(inode)
      return result
    } catch (err) {
      for (const inode of changed) this.#states.forget(inode)
      throw err
    }
  }

  /** A data transaction (eager.ts): `extra` says its range and what its replies tell the lock. */
  #data<T>(call: Call, syscall: string, inode: Inode, path: string | undefined, fd: Fd | undefined, fop: (c: Xlator, i: number) => Promise<T>,
    extra: Pick<DataTxn<T>, 'start' | 'end'> & Partial<DataTxn<T>>): Promise<T> {
    const p = path ?? gfidToString(inode.gfid)
    return this.#eager.run(call, {
      kind: 'data', syscall, path, inodeWrite: true, inode, fd, delayable: false,
      lockees: [{ kind: 'inode', inode, path: p, start: 0 }],
      targets: [{ inode, path: p, name: '' }],
      fop, ...extra,
    })
  }

  /**
   * A metadata transaction (eager.ts, the inode's metadata lock, as afr_transaction_start). Every
   * metadata transaction takes the same range, so they run one after another under the shared
   * lock (afr_has_lock_conflict). Only FXATTROP may leave the lock idle for the next one
   * (afr_is_delayed_changelog_post_op_needed); the others release it when they are the last.
   */
  #metadata<T>(call: Call, syscall: string, inode: Inode, path: string | undefined, fop: (c: Xlator) => Promise<T>): Promise<T> {
    const p = path ?? gfidToString(inode.gfid)
    return this.#eager.run(call, {
      kind: 'metadata', syscall, path, inodeWrite: true, inode, fd: undefined,
      lockees: [{ kind: 'inode', inode, path: p, start: METADATA_LOCK_START }],
      targets: [{ inode, path: p, name: '' }],
      fop, start: 0, end: Infinity, delayable: syscall === 'fxattrop',
    })
  }

  #entry<T>(call: Call, syscall: string, locs: readonly Loc[], extraLocks: readonly Lockee[], fop: (c: Xlator) => Promise<T>, newEntry?: (r: T) => NewEntry): Promise<T> {
    const lockees: Lockee[] = locs.map((l) => ({ kind: 'entry', dir: parentOf(l, syscall, this.graph.volume), path: l.path, name: l.name }))
    lockees.push(...extraLocks)
    lockees.sort(compareLockees)
    const targets = locs.map((l) => ({ inode: l.parent!, path: l.path, name: l.name }))
    return this.#txn(call, { kind: 'entry', syscall, path: locs[0]!.path, inodeWrite: false, lockees, targets, fop, newEntry }, locs.map((l) => l.parent!))
  }

  override async writev(call: Call, fd: Fd, data: Buffer, offset: number, flags: number, xdata?: Dict): Promise<WriteResult> {
    if (this.#mustFixOpen(fd)) await this.#fixOpen(call, fd)
    // afr_writev: the reply's lock count tells whether another client waits for our eager lock.
    const req = xdata === undefined ? this.#writeReq : writeXdata(xdata, this.name)
    return this.#eager.run(call, new WriteTxn(call, fd, data, offset, flags, req, this.topology.arbiter))
  }
  override async fsync(call: Call, fd: Fd, datasync: boolean, xdata?: Dict): Promise<PrePostResult> {
    await this.#fixOpen(call, fd)
    const req = xdata === undefined ? this.#countReq : copyDict(xdata).setStr(INODELK_DOM_COUNT, this.name)
    return this.#data(call, 'fsync', fd.inode, undefined, fd, (c) => c.fsync(call, fd, datasync, req),
      { start: 0, end: Infinity, inodelkCount: lockCount, stabilizes: true })
  }
  override async ftruncate(call: Call, fd: Fd, offset: number, xdata?: Dict): Promise<PrePostResult> {
    await this.#fixOpen(call, fd)
    return this.#data(call, 'ftruncate', fd.inode, undefined, fd, (c) => c.ftruncate(call, fd, offset, xdata), { start: offset, end: Infinity })
  }
  override async truncate(call: Call, loc: Loc, offset: number, xdata?: Dict): Promise<PrePostResult> {
    return this.#data(call, 'truncate', inodeOf(loc, 'truncate', this.graph.volume), loc.path, undefined, (c) => c.truncate(call, loc, offset, xdata), { start: offset, end: Infinity })
  }
  override async discard(call: Call, fd: Fd, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    await this.#fixOpen(call, fd)
    return this.#data(call, 'discard', fd.inode, undefined, fd, (c) => c.discard(call, fd, offset, length, xdata), { start: offset, end: Infinity })
  }
  override async zerofill(call: Call, fd: Fd, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    await this.#fixOpen(call, fd)
    return this.#data(call, 'zerofill', fd.inode, undefined, fd, (c) => c.zerofill(call, fd, offset, length, xdata), { start: offset, end: length === 0 ? Infinity : offset + length })
  }
  override async fallocate(call: Call, fd: Fd, mode: number, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    await this.#fixOpen(call, fd)
    return this.#data(call, 'fallocate', fd.inode, undefined, fd, (c) => c.fallocate(call, fd, mode, offset, length, xdata), { start: offset, end: Infinity })
  }

  override async setattr(call: Call, loc: Loc, attrs: SetattrArgs, valid: number, xdata?: Dict): Promise<PrePostResult> {
    return this.#metadata(call, 'setattr', inodeOf(loc, 'setattr', this.graph.volume), loc.path, (c) => c.setattr(call, loc, attrs, valid, xdata))
  }
  override async fsetattr(call: Call, fd: Fd, attrs: SetattrArgs, valid: number, xdata?: Dict): Promise<PrePostResult> {
    await this.#fixOpen(call, fd)
    return this.#metadata(call, 'fsetattr', fd.inode, undefined, (c) => c.fsetattr(call, fd, attrs, valid, xdata))
  }
  override async setxattr(call: Call, loc: Loc, dict: Dict, flags: number, xdata?: Dict): Promise<CommonResult> {
    this.#refuseAfrKeys(dict.keys(), 'setxattr', loc.path)
    return this.#metadata(call, 'setxattr', inodeOf(loc, 'setxattr', this.graph.volume), loc.path, (c) => c.setxattr(call, loc, dict, flags, xdata))
  }
  override async fsetxattr(call: Call, fd: Fd, dict: Dict, flags: number, xdata?: Dict): Promise<CommonResult> {
    await this.#fixOpen(call, fd)
    this.#refuseAfrKeys(dict.keys(), 'fsetxattr', undefined)
    return this.#metadata(call, 'fsetxattr', fd.inode, undefined, (c) => c.fsetxattr(call, fd, dict, flags, xdata))
  }
  override async removexattr(call: Call, loc: Loc, name: string, xdata?: Dict): Promise<CommonResult> {
    this.#refuseAfrKeys([name], 'removexattr', loc.path)
    return this.#metadata(call, 'removexattr', inodeOf(loc, 'removexattr', this.graph.volume), loc.path, (c) => c.removexattr(call, loc, name, xdata))
  }

  override async fremovexattr(call: Call, fd: Fd, name: string, xdata?: Dict): Promise<CommonResult> {
    await this.#fixOpen(call, fd)
    this.#refuseAfrKeys([name], 'fremovexattr', undefined)
    return this.#metadata(call, 'fremovexattr', fd.inode, undefined, (c) => c.fremovexattr(call, fd, name, xdata))
  }

  /** GF_IF_INTERNAL_XATTR_GOTO: applications never write the changelog. */
  #refuseAfrKeys(keys: Iterable<string>, syscall: string, path: string | undefined): void {
    for (const k of keys) if (isAfrKey(k)) throw this.#error('EPERM', syscall, path, undefined, `'${k}' is internal to the replica set`)
  }

  override async create(call: Call, loc: Loc, flags: number, mode: number, umask: number, fd: Fd, xdata?: Dict): Promise<CreateResult> {
    // afr_create: O_TRUNC of an existing file would truncate outside any data transaction.
    const req = withGfidReq(xdata, loc)
    const generation = this.#generation
    const r = await this.#entry(call, 'create', [loc], [], (c) => c.create(call, loc, flags & ~O_TRUNC, mode, umask, fd, req), (r) => ({ gfid: r.stat.gfid, mode: r.stat.mode }))
    fd.ctx.set(this, new OpenedFile(loc.path, flags & ~(O_CREAT | O_EXCL | O_TRUNC), generation))
    return r
  }

  /**
   * afr_fix_open: open `fd` on every up child it is not open on (down when it was opened), with
   * the open's flags, before an fd fop, so the fop reaches that child instead of failing there
   * (EBADF, blamed each time). Checked once per event generation; a failed reopen only leaves the
   * child out as before. Directory fds are not reopened: a listing stays on one child.
   */
  /** Whether a child came back since `fd` was last checked (#fixOpen has work to do). */
  #mustFixOpen(fd: Fd): boolean {
    const opened = fd.ctx.get(this)
    return opened instanceof OpenedFile && opened.generation !== this.#generation
  }

  async #fixOpen(call: Call, fd: Fd): Promise<void> {
    const opened = fd.ctx.get(this)
    if (!(opened instanceof OpenedFile) || opened.generation === this.#generation) return
    opened.generation = this.#generation
    const loc: Loc = { path: opened.path ?? `<gfid:${gfidToString(fd.inode.gfid)}>`, name: '', parent: undefined, inode: fd.inode }
    await Promise.all(this.children.map(async (c, i) => {
      if (this.#up[i] !== true || c.holdsFd(fd)) return
      try {
        await c.open(call, loc, opened.flags, fd)
        debug('%s: reopened %s on %s', this.name, loc.path, c.name)
      } catch (err) {
        if (!(err instanceof GlusterError)) throw err
        debug('%s: reopen of %s on %s failed: %s', this.name, loc.path, c.name, err.message)
      }
    }))
  }
  override async mknod(call: Call, loc: Loc, mode: number, rdev: number, umask: number, xdata?: Dict): Promise<EntryResult> {
    const req = withGfidReq(xdata, loc)
    return this.#entry(call, 'mknod', [loc], [], (c) => c.mknod(call, loc, mode, rdev, umask, req), (r) => ({ gfid: r.stat.gfid, mode: r.stat.mode }))
  }
  override async mkdir(call: Call, loc: Loc, mode: number, umask: number, xdata?: Dict): Promise<EntryResult> {
    const req = withGfidReq(xdata, loc)
    return this.#entry(call, 'mkdir', [loc], [], (c) => c.mkdir(call, loc, mode, umask, req), (r) => ({ gfid: r.stat.gfid, mode: r.stat.mode }))
  }
  override async symlink(call: Call, target: string, loc: Loc, umask: number, xdata?: Dict): Promise<EntryResult> {
    const req = withGfidReq(xdata, loc)
    return this.#entry(call, 'symlink', [loc], [], (c) => c.symlink(call, target, loc, umask, req))
  }
  override async link(call: Call, oldLoc: Loc, newLoc: Loc, xdata?: Dict): Promise<EntryResult> {
    return this.#entry(call, 'link', [newLoc], [], (c) => c.link(call, oldLoc, newLoc, xdata))
  }
  override async unlink(call: Call, loc: Loc, xflags: number, xdata?: Dict): Promise<ParentResult> {
    return this.#entry(call, 'unlink', [loc], [], (c) => c.unlink(call, loc, xflags, xdata))
  }
  override async rmdir(call: Call, loc: Loc, xflags: number, xdata?: Dict): Promise<ParentResult> {
    const dir = inodeOf(loc, 'rmdir', this.graph.volume)
    return this.#entry(call, 'rmdir', [loc], [{ kind: 'entry', dir, path: loc.path, name: '' }], (c) => c.rmdir(call, loc, xflags, xdata))
  }
  override async rename(call: Call, oldLoc: Loc, newLoc: Loc, xdata?: Dict): Promise<RenameResult> {
    const extra: Lockee[] = newLoc.inode !== undefined && isDirMode(newLoc.inode.type) ? [{ kind: 'entry', dir: newLoc.inode, path: newLoc.path, name: '' }] : []
    return this.#entry(call, 'rename', [oldLoc, newLoc], extra, (c) => c.rename(call, oldLoc, newLoc, xdata))
  }

  // -----------------------------------------------------------------------------------------------
  // Locks of the layers above (DHT, applications): afr_handle_inodelk / afr_handle_entrylk with the
  // caller's owner and domain, on every up child.

  override inodelk(call: Call, domain: string, loc: Loc, cmd: number, lock: Flock, xdata?: Dict): Promise<CommonResult> {
    const unlock: Flock = { ...lock, type: GfLkType.UNLCK }
    return this.#lockOnAll('inodelk', loc.path, lock.type === GfLkType.UNLCK, cmd, GfLkCmd.SETLK,
      (c, k) => c.inodelk(call, domain, loc, k, lock, xdata), (c) => c.inodelk(call, domain, loc, GfLkCmd.SETLK, unlock, xdata))
  }
  override entrylk(call: Call, domain: string, loc: Loc, basename: string, cmd: number, type: number, xdata?: Dict): Promise<CommonResult> {
    return this.#lockOnAll('entrylk', loc.path, cmd === EntrylkCmd.UNLOCK, cmd, EntrylkCmd.LOCK_NB,
      (c, k) => c.entrylk(call, domain, loc, basename, k, type, xdata), (c) => c.entrylk(call, domain, loc, basename, EntrylkCmd.UNLOCK, type, xdata))
  }

  /**
   * afr_fop_handle_lock: an unlock goes to every up child at once. A lock is tried non-blocking on
   * every up child in parallel; on a conflict (EAGAIN) what was got is released and the lock is
   * taken child by child in order with the caller's command, stopping at a conflict (EAGAIN).
   * Success needs quorum among the children that granted it; otherwise they are released.
   */
  async #lockOnAll(syscall: string, path: string, isUnlock: boolean, cmd: number, nbCmd: number,
    lock: (c: Xlator, cmd: number) => Promise<CommonResult>, unlock: (c: Xlator) => Promise<CommonResult>): Promise<CommonResult> {
    if (isUnlock) {
      const settled = await this.#onUp((c) => unlock(c))
      const ok = settled.find((r) => r?.ok === true)
      if (ok === undefined || !ok.ok) throw this.#finalError(settled, syscall, path)
      return ok.value
    }
    this.assertQuorum(syscall, path)
    let settled = await this.#onUp((c) => lock(c, nbCmd))
    const release = async (got: readonly (Settled<CommonResult> | undefined)[]): Promise<void> => {
      await Promise.all(this.children.map((c, i) => (got[i]?.ok === true ? unlock(c).catch(() => undefined) : undefined)))
    }
    if (settled.some((r) => r?.ok === false && r.error.code === 'EAGAIN')) {
      await release(settled)
      settled = this.children.map(() => undefined)
      for (let i = 0; i < this.children.length; i++) {
        if (!this.#up[i]) continue
        try {
          settled[i] = { ok: true, value: await lock(this.children[i]!, cmd) }
        } catch (err) {
          if (!(err instanceof GlusterError)) throw err
          settled[i] = { ok: false, error: err }
          if (err.code === 'EAGAIN') {
            await release(settled)
            throw err
          }
        }
      }
    }
    const granted = settled.map((r) => r?.ok === true)
    if (!granted.includes(true) || !hasQuorum(this.topology.quorum, granted)) {
      await release(settled)
      throw this.#finalError(settled, syscall, path)
    }
    return (settled.find((r) => r?.ok === true) as { value: CommonResult }).value
  }

  // afr_xattrop / afr_fxattrop (afr-inode-write.c): a metadata transaction winding the xattrop to
  // every child (features/shard's size deltas above replicate).
  override async xattrop(call: Call, loc: Loc, flags: number, dict: Dict, xdata?: Dict): Promise<XattrResult> {
    return this.#metadata(call, 'xattrop', inodeOf(loc, 'xattrop', this.graph.volume), loc.path, (c) => c.xattrop(call, loc, flags, dict, xdata))
  }
  override async fxattrop(call: Call, fd: Fd, flags: number, dict: Dict, xdata?: Dict): Promise<XattrResult> {
    await this.#fixOpen(call, fd)
    return this.#metadata(call, 'fxattrop', fd.inode, undefined, (c) => c.fxattrop(call, fd, flags, dict, xdata))
  }
}

const ARBITER_BYTE = Buffer.from([0xff])

/**
 * A replicated write as its data transaction (eager.ts): the arguments, and the fop and reply
 * readers as methods and shared functions, in one object per write, so a write makes no closure
 * of its own or per child. The lock and changelog targets, needed only when the write takes a new
 * lock, are made then.
 */
class WriteTxn implements DataTxn<WriteResult> {
  readonly kind = 'data'
  readonly syscall = 'write'
  readonly path = undefined
  readonly inodeWrite = true
  readonly delayable = true
  readonly opRet = writeSize
  readonly inodelkCount = lockCount
  readonly openFdCount = openFdCount
  readonly inode: Inode
  readonly fd: Fd
  /** The byte range for afr_has_lock_conflict: an O_APPEND write's offset is the brick's end of file, so it may overlap anything. */
  readonly start: number
  readonly end: number
  readonly #call: Call
  readonly #data: Buffer
  readonly #offset: number
  readonly #flags: number
  readonly #req: Dict
  readonly #arbiter: number

  constructor(call: Call, fd: Fd, data: Buffer, offset: number, flags: number, req: Dict, arbiter: number) {
    this.inode = fd.inode
    this.fd = fd
    const append = (fd.flags & O_APPEND) !== 0
    this.start = append ? 0 : offset
    this.end = append ? Infinity : offset + data.length
    this.#call = call
    this.#data = data
    this.#offset = offset
    this.#flags = flags
    this.#req = req
    this.#arbiter = arbiter
  }

  get lockees(): readonly Lockee[] {
    return [{ kind: 'inode', inode: this.inode, path: gfidToString(this.inode.gfid), start: 0 }]
  }

  get targets(): readonly ChangelogTarget[] {
    return [{ inode: this.inode, path: gfidToString(this.inode.gfid), name: '' }]
  }

  fop(c: Xlator, i: number): Promise<WriteResult> {
    if (i !== this.#arbiter) return c.writev(this.#call, this.fd, this.#data, this.#offset, this.#flags, this.#req)
    return this.#arbiterWrite(c)
  }

  /** afr_arbiter_writev_wind: the arbiter stores no data; one byte at the offset keeps its size logic and changelog in step. */
  async #arbiterWrite(c: Xlator): Promise<WriteResult> {
    const r = await c.writev(this.#call, this.fd, ARBITER_BYTE, this.#offset, this.#flags, this.#req)
    return { size: r.size === 1 ? this.#data.length : r.size, prestat: r.prestat, poststat: r.poststat, xdata: r.xdata }
  }

  /** afr_process_post_writev: unstable unless O_SYNC/O_DSYNC or every brick that took it saw an append. */
  unstable(replies: readonly (TxnSettled<WriteResult> | undefined)[]): boolean {
    if (((this.#flags | this.fd.flags) & O_DSYNC) !== 0) return false
    for (let i = 0; i < replies.length; i++) {
      const r = replies[i]
      if (r?.ok === true && r.value.xdata?.getInt(WRITE_IS_APPEND) !== 1n) return true
    }
    return false
  }
}

const writeSize = (r: WriteResult): number => r.size

/** The write xdata of afr_writev: the caller's keys plus the lock count, append and open-fd questions. */
function writeXdata(xdata: Dict | undefined, domain: string): Dict {
  return copyDict(xdata).setUint(ACTIVE_FD_COUNT, 4).setStr(INODELK_DOM_COUNT, domain).setUint(WRITE_IS_APPEND, 4)
}

function copyDict(xdata: Dict | undefined): Dict {
  const out = new Dict()
  if (xdata !== undefined) for (const [k, v] of xdata) out.set(k, v)
  return out
}

/** `glusterfs.inodelk-count` of a reply (granted and blocked locks in our domain on that brick). */
function lockCount(r: { readonly xdata: Dict | undefined }): number {
  return Number(r.xdata?.getInt(INODELK_COUNT_KEY) ?? 0)
}

/** `glusterfs.open-active-fd-count` of a write reply: fds open on the file on that brick, all clients. */
function openFdCount(r: { readonly xdata: Dict | undefined }): number {
  return Number(r.xdata?.getInt(ACTIVE_FD_COUNT) ?? 0)
}

/** GF_XATTR_PATHINFO_KEY. */
const PATHINFO_KEY = 'trusted.glusterfs.pathinfo'

/** get_pathinfo_host: the text between the first and the last ':' of `<POSIX(/b):host:/b/path>`. */
export function pathinfoHost(pathinfo: string): string | undefined {
  const first = pathinfo.indexOf(':')
  const last = pathinfo.lastIndexOf(':')
  return first < 0 || first === last ? undefined : pathinfo.slice(first + 1, last)
}

/** One `gfid-req` for every brick: different gfids for one name would be a gfid split-brain. */
function withGfidReq(xdata: Dict | undefined, loc: Loc): Dict {
  if (xdata?.has('gfid-req') === true) return xdata
  const out = new Dict()
  if (xdata !== undefined) for (const [k, v] of xdata) out.set(k, v)
  // The API names the new inode before creating it (loc.inode): that gfid, else a fresh one.
  return out.setGfuuid('gfid-req', loc.inode?.gfid ?? newGfid())
}

function inodeOf(loc: Loc, syscall: string, volume: string): Inode {
  if (loc.inode === undefined) throw new GlusterError({ errno: errnoOf('EINVAL'), syscall, path: loc.path, volume, detail: 'path is not resolved to an inode' })
  return loc.inode
}

function parentOf(loc: Loc, syscall: string, volume: string): Inode {
  if (loc.parent === undefined) throw new GlusterError({ errno: errnoOf('EINVAL'), syscall, path: loc.path, volume, detail: 'entry has no resolved parent' })
  return loc.parent
}

/** afr_entry_lockee_cmp: by directory gfid, then name, a missing name first. */
function compareLockees(a: Lockee, b: Lockee): number {
  const ga = a.kind === 'entry' ? a.dir.gfid : a.inode.gfid
  const gb = b.kind === 'entry' ? b.dir.gfid : b.inode.gfid
  const c = Buffer.compare(ga, gb)
  if (c !== 0) return c
  const na = a.kind === 'entry' ? a.name : ''
  const nb = b.kind === 'entry' ? b.name : ''
  return na === nb ? 0 : na === '' ? -1 : nb === '' ? 1 : na < nb ? -1 : 1
}

type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: GlusterError }

/** afr_higher_errno: ENODATA > ENOENT > ESTALE > ENOSPC > the later one. */
function higherError(a: GlusterError, b: GlusterError): GlusterError {
  for (const code of ['ENODATA', 'ENOENT', 'ESTALE', 'ENOSPC']) {
    if (a.code === code) return a
    if (b.code === code) return b
  }
  return b
}
