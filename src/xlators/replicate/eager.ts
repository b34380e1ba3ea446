// Data transactions with eager lock and delayed post-op (cluster.eager-lock on, the default): the
// transactions of this process on one inode share one full-file inodelk and one pre-op (dirty +1);
// the post-op (pending blames, dirty -1) and the unlock wait until the lock has been idle for
// post-op-delay-secs, or go at once on flush, fsync, contention, failure or a child up/down.
// With eager-lock off each transaction takes and releases a lock of its own (same code, a private
// lock marked for release from the start). Metadata transactions share a lock of their own per
// inode the same way (lock[AFR_METADATA_TRANSACTION]), each with its own pre-op and post-op
// (#performMetadata). Sources (xlators/cluster/afr/src): afr-transaction.c
// (__afr_eager_lock_handle, afr_has_lock_conflict, __afr_transaction_wake_shared,
// afr_is_delayed_changelog_post_op_needed, afr_are_conflicting_ops_waiting,
// afr_delayed_changelog_wake_up_cbk, afr_changelog_post_op_safe, afr_changelog_fsync,
// __need_previous_lock_unlocked, afr_handle_lock_acquire_failure), afr-inode-write.c
// (afr_writev, __afr_inode_write_fill, afr_process_post_writev), afr-common.c (afr_flush,
// afr_delayed_changelog_wake_resume).

import { debuglog } from 'node:util'
import { GlusterError } from '../../rpc/errors.ts'
import { newLkOwner } from '../../rpc/lk-owner.ts'
import { Dict } from '../../rpc/programs/fops/dict.ts'
import type { Call, Fd, Inode, Loc } from '../types.ts'
import { Slot } from './changelog.ts'
import { hasQuorum } from './topology.ts'
import {
  FanOut, type Settled, type TxnHost, type TxnRequest, XATTROP_ADD_ARRAY, changelogDict, finalError, isSymmetricError, lockAll, onChildren, postOp,
  preOpSources, replyToReturn, unlockAll,
  runLocked,
} from './transaction.ts'

const debug = debuglog('gfapi')

/** GLUSTERFS_INODELK_DOM_COUNT: asks the brick for the lock count in this domain (`glusterfs.inodelk-count` in the reply). */
export const INODELK_DOM_COUNT = 'glusterfs.inodelk-dom-count'
export const INODELK_COUNT_KEY = 'glusterfs.inodelk-count'
/** GLUSTERFS_WRITE_IS_APPEND: the brick answers 1 when the write began at the end of the file. */
export const WRITE_IS_APPEND = 'glusterfs.write-is-append'
export const ACTIVE_FD_COUNT = 'glusterfs.open-active-fd-count'

/** A data or metadata transaction on one inode (`kind` picks the lock: afr_inode_ctx_t lock[type]). */
export interface DataTxn<T> extends TxnRequest<T> {
  readonly inode: Inode
  readonly fd: Fd | undefined
  /** The byte range it changes (afr_has_lock_conflict); `end` Infinity for "to the end of the file". */
  readonly start: number
  readonly end: number
  /**
   * The post-op may wait for idleness after it (afr_is_delayed_changelog_post_op_needed: WRITE,
   * FSYNC, FXATTROP). Everything else, and fsync here (it resolves once the changelog is on the
   * bricks, so a blame for a brick that is down is on disk when it returns), posts at once.
   */
  readonly delayable: boolean
  /** How many locks the brick reports in our domain (write and fsync replies): above 1 someone waits. */
  readonly inodelkCount?: ((r: T) => number) | undefined
  /** Whether the fop left data the bricks have not made stable (afr_process_post_writev), from the replies by child; writes only. */
  readonly unstable?: ((replies: readonly (Settled<T> | undefined)[]) => boolean) | undefined
  /** fsync: what was written so far is made stable by the fop itself (the witnessed-unstable flag is cleared, as afr_fsync). */
  readonly stabilizes?: boolean | undefined
  /** `glusterfs.open-active-fd-count` of a write reply (afr_inode_write_fill): the contention signal of metadata locks. */
  readonly openFdCount?: ((r: T) => number) | undefined
}

/** What the replicate xlator lends its eager locks, beyond a transaction's needs. */
export interface EagerHost extends TxnHost {
  readonly generation: number
  /** A blame or a failure changed what is readable: look again before the next read. */
  forget(inode: Inode): void
}

type Range = { readonly start: number; readonly end: number }
type Waiter = { readonly range: Range; readonly wake: (joined: boolean) => void }
type Release = 'safe' | 'idle'

/**
 * The lock of one inode for one transaction type (afr_lock_t). A data lock carries the shared
 * pre-op; a metadata lock carries only the lock (each metadata transaction does its own pre-op
 * and post-op, as C: afr_changelog_pre_op_inherit and _uninherit are data-only).
 */
class InodeLock {
  readonly inode: Inode
  /** The lock owner (fresh per lock) on the credential of the transaction that took it. */
  readonly call: Call
  readonly generation: number
  /** The first transaction: names the inode in changelog calls and messages. */
  readonly req: TxnRequest<void>
  state: 'acquiring' | 'held' | 'released' = 'acquiring'
  locked: boolean[] = []
  /** Children to blame: not locked, or failed a pre-op, a fop or the durability fsync since. */
  failed: boolean[] = []
  /** afr_compute_pre_op_sources of the pre-op: the write-validity check was made against these. */
  good: boolean[] = []
  /** No more joiners; post-op and unlock once the owners are gone. */
  release = false
  /**
   * A transaction lost quorum or the last good copy: it posts nothing of its own and dirty stays
   * for the shd (afr_changelog_post_op_do per frame); the blames the others earned still go.
   */
  abandon = false
  /** A transaction that was not abandoned finished: the post-op must describe it. */
  kept = false
  /** An unstable write was seen (afr_fd_report_unstable_write): FSYNC before clearing dirty. */
  unstable = false
  fd: Fd | undefined
  readonly owners = new Set<Range>()
  readonly waiting: Waiter[] = []
  timer: NodeJS.Timeout | undefined
  postOpError: GlusterError | undefined
  readonly released: Promise<void>
  #done!: () => void
  constructor(inode: Inode, call: Call, generation: number, req: Pick<TxnRequest<unknown>, 'kind' | 'syscall' | 'path' | 'lockees' | 'targets'>) {
    this.inode = inode
    this.call = { ...call, lkOwner: newLkOwner() }
    this.generation = generation
    this.req = { kind: req.kind, syscall: req.syscall, path: req.path, lockees: req.lockees, targets: req.targets, inodeWrite: true, fop: async () => undefined }
    this.released = new Promise((resolve) => { this.#done = resolve })
  }
  finish(): void {
    this.state = 'released'
    this.#done()
    for (const w of this.waiting.splice(0)) w.wake(false)
  }
  /** Something failed on a child that was locked (afr_txn_nothing_failed). */
  get somethingFailed(): boolean {
    return this.locked.some((l, i) => l && this.failed[i] === true)
  }
  alive(): boolean[] {
    return this.locked.map((l, i) => l && this.failed[i] !== true)
  }
}

const overlap = (a: Range, b: Range): boolean => a.end > b.start && b.end > a.start

/**
 * Fan-outs kept for reuse, at most: as many as transactions are in flight at once in practice
 * (write-behind keeps up to its 1 MiB window in flight: 256 writes of 4 KiB), about 0.5 KB each.
 */
const MAX_IDLE_FANOUTS = 256

function upNow(host: TxnHost): boolean[] {
  const up = new Array<boolean>(host.children.length)
  for (let i = 0; i < up.length; i++) up[i] = host.isUp(i)
  return up
}

/** The eager locks of one replicate xlator, by inode, one per transaction type (data, metadata). */
export class EagerLocks {
  readonly #host: EagerHost
  readonly #data = new Map<Inode, InodeLock>()
  readonly #metadata = new Map<Inode, InodeLock>()
  /** afr_inode_ctx_t open_fd_count: the largest `open-active-fd-count` of the last write reply that had one. */
  readonly #openFds = new WeakMap<Inode, number>()
  /** Idle fan-outs of data transactions (#perform); a FanOut keeps no reply between runs. */
  readonly #fanOuts: FanOut<unknown>[] = []

  constructor(host: EagerHost) {
    this.#host = host
  }

  #mapOf(lk: { readonly req: { readonly kind: string } }): Map<Inode, InodeLock> {
    return lk.req.kind === 'metadata' ? this.#metadata : this.#data
  }

  /** Run a data or metadata transaction: under the inode's eager lock of its type, or (eager-lock off) a lock of its own. */
  async run<T>(call: Call, req: DataTxn<T>): Promise<T> {
    const host = this.#host
    // The transaction is its own range (its start and end): owners and waiters hold it by identity.
    const me: Range = req
    const locks = req.kind === 'metadata' ? this.#metadata : this.#data
    let lk: InodeLock
    for (;;) {
      // Children may have come or gone while this transaction waited for a lock to go.
      const up = upNow(host)
      if (!hasQuorum(host.topology.quorum, up)) throw host.quorumLost(req.syscall, req.path, up)
      const cur = host.topology.eagerLock ? locks.get(req.inode) : undefined
      if (cur === undefined) {
        lk = new InodeLock(req.inode, call, host.generation, req)
        if (host.topology.eagerLock) locks.set(req.inode, lk)
        else lk.release = true
        lk.owners.add(me)
        await this.#acquire(lk, req, up)
        break
      }
      // __need_previous_lock_unlocked: a brick that reconnected dropped the locks of its old connection.
      if (cur.generation !== host.generation) this.#releaseSoon(cur)
      if (cur.release || cur.state !== 'acquiring' && cur.state !== 'held') {
        await cur.released
        continue
      }
      if (cur.timer !== undefined) {
        // Inherit the pre-op of the idle lock: no new lock, no new XATTROP.
        clearTimeout(cur.timer)
        cur.timer = undefined
        cur.owners.add(me)
        lk = cur
        break
      }
      if (cur.state === 'acquiring' || this.#conflicts(cur, me)) {
        const joined = await new Promise<boolean>((wake) => cur.waiting.push({ range: me, wake }))
        if (!joined) continue
      } else cur.owners.add(me)
      lk = cur
      break
    }
    return req.kind === 'metadata' ? this.#performMetadata(lk, call, req, me) : this.#perform(lk, req, me)
  }

  /**
   * afr_has_lock_conflict: a transaction overlapping one in flight (or queued) waits for it, so
   * overlapping writes reach every brick in the same order.
   */
  #conflicts(lk: InodeLock, r: Range): boolean {
    for (const o of lk.owners) if (overlap(o, r)) return true
    for (const w of lk.waiting) if (overlap(w.range, r)) return true
    return false
  }

  /** Lock every up child, pre-op dirty +1 where locked, check the pre-op replies; throws when the transaction cannot go on. */
  async #acquire<T>(lk: InodeLock, req: DataTxn<T>, up: readonly boolean[]): Promise<void> {
    const host = this.#host
    const topo = host.topology
    const n = host.children.length
    let unlockOnFail: boolean[] | undefined
    try {
      const { locked, lockError } = await lockAll(host, lk.call, lk.req.lockees, up)
      unlockOnFail = locked
      if (!hasQuorum(topo.quorum, locked) || !locked.includes(true)) throw lockError ?? host.quorumLost(req.syscall, req.path, locked)
      lk.locked = locked
      lk.failed = locked.map((l) => !l)
      if (req.kind === 'metadata') {
        // The lock only: each metadata transaction does its own pre-op (runLocked).
        unlockOnFail = undefined
        lk.state = 'held'
        this.#wake(lk)
        return
      }
      const dict = changelogDict(topo, new Array<boolean>(n).fill(false), Slot.DATA, 1)
      const loc: Loc = { path: req.targets[0]!.path, name: '', parent: undefined, inode: lk.inode }
      const settled = await onChildren(host, locked, (c) => c.xattrop(lk.call, loc, XATTROP_ADD_ARRAY, dict))
      const dicts: (Dict | undefined)[] = new Array(n).fill(undefined)
      let preOpError: GlusterError | undefined
      settled.forEach((s, i) => {
        if (s === undefined) return
        if (s.ok) dicts[i] = s.value.dict
        else {
          lk.failed[i] = true
          preOpError = s.error
        }
      })
      const alive = lk.alive()
      // afr_changelog_pre_op: no quorum among the pre-op'd children; nothing written, dirty stays for the shd.
      if (!hasQuorum(topo.quorum, alive) || !alive.includes(true)) throw preOpError ?? host.quorumLost(req.syscall, req.path, alive)
      lk.good = preOpSources(topo, dicts, lk.failed, Slot.DATA)
      const invalid = this.#validity(lk, req)
      if (invalid !== undefined) {
        // Nothing was written anywhere: undirty, blame no one (the symmetric case of a transaction without a fop).
        await postOp(host, lk.call, lk.req, alive, changelogDict(topo, new Array<boolean>(n).fill(false), Slot.DATA, -1), undefined).catch(() => undefined)
        throw invalid
      }
      unlockOnFail = undefined
      lk.state = 'held'
      // A pre-op that failed on a locked child: nothing more joins this lock (afr_txn_nothing_failed).
      if (lk.somethingFailed) lk.release = true
      this.#wake(lk)
    } catch (err) {
      if (unlockOnFail !== undefined) await unlockAll(host, lk.call, lk.req.lockees, unlockOnFail)
      // afr_handle_lock_acquire_failure: the transactions that queued behind this one try afresh.
      if (this.#mapOf(lk).get(lk.inode) === lk) this.#mapOf(lk).delete(lk.inode)
      lk.owners.clear()
      lk.finish()
      host.forget(lk.inode)
      throw err
    }
  }

  /** afr_txn_arbitrate_fop and afr_is_write_subvol_valid on the pre-op replies. */
  #validity<T>(lk: InodeLock, req: DataTxn<T>): GlusterError | undefined {
    const topo = this.#host.topology
    const good = lk.good
    if (topo.arbiter >= 0 && good[topo.arbiter] === true && good.filter(Boolean).length < 2) {
      return this.#host.error('ENOTCONN', req.syscall, req.path, 'the arbiter would be the only good copy (the data bricks are down or blamed); not written')
    }
    if (!good.some((g, i) => g && i !== topo.arbiter)) {
      return this.#host.error('EIO', req.syscall, req.path, 'no good copy among the bricks the write would reach (pending heal or split-brain); not written')
    }
    return undefined
  }

  /** The fop on every locked child that has not failed; then leave the lock, waiting for the post-op when C would. */
  async #perform<T>(lk: InodeLock, req: DataTxn<T>, me: Range): Promise<T> {
    const host = this.#host
    const topo = host.topology
    const n = host.children.length
    if (req.fd !== undefined) lk.fd = req.fd
    if (req.stabilizes === true) lk.unstable = false
    // A FanOut<unknown> holds no T: between runs its replies are all undefined.
    const fan = (this.#fanOuts.pop() ?? new FanOut<unknown>(n)) as FanOut<T>
    const alive = fan.which
    for (let i = 0; i < n; i++) alive[i] = lk.locked[i] === true && lk.failed[i] !== true
    let settled: readonly (Settled<T> | undefined)[]
    try {
      settled = await fan.run(host.children, req)
    } catch (err) {
      lk.abandon = lk.release = true
      this.#leave(lk, me)
      throw err
    }
    // The replies are read here, before anything awaits; the fan-out is then free for another transaction.
    const symmetric = isSymmetricError(settled)
    const best = replyToReturn(settled, lk.good, topo.arbiter, req.opRet)
    let opError: GlusterError | undefined
    let abandon = false
    if (best < 0) opError = finalError(settled) ?? host.quorumLost(req.syscall, req.path, alive)

    // afr_set_in_flight_sb_status: the one good copy failed while stale ones took the write: fail
    // with its error and post nothing (its blame would make the stale copies the sources).
    let onlyGood = -1
    for (let i = 0; i < n; i++) if (lk.good[i] === true) onlyGood = onlyGood === -1 ? i : -2
    const goodReply = onlyGood >= 0 ? settled[onlyGood] : undefined
    if (opError === undefined && goodReply?.ok === false) {
      opError = goodReply.error
      abandon = true
    }
    // Failed here: the children whose fop failed, unless every one failed alike (afr_is_symmetric_error).
    let failedHere = 0
    if (!symmetric) {
      for (let i = 0; i < n; i++) {
        if (settled[i]?.ok !== false) continue
        failedHere++
        alive[i] = false
      }
    }
    // afr_handle_quorum: success on too few children is a failure, and blames no one (`alive` is now the children that took it).
    if (opError === undefined && topo.quorum.kind !== 'none' && !hasQuorum(topo.quorum, alive)) {
      opError = finalError(settled) ?? host.quorumLost(req.syscall, req.path, alive)
      abandon = true
    }
    // afr_changelog_post_op_do: a failed fop that also failed on some child posts nothing.
    if (opError !== undefined && failedHere > 0) abandon = true
    if (abandon) lk.abandon = true
    else {
      if (!symmetric) for (let i = 0; i < n; i++) if (settled[i]?.ok === false) lk.failed[i] = true
      lk.kept = true
    }

    let waiters = 0
    const inodelkCount = req.inodelkCount
    const openFdCount = req.openFdCount
    let fds = 0
    for (let i = 0; i < n; i++) {
      const s = settled[i]
      if (s?.ok !== true) continue
      if (inodelkCount !== undefined) waiters = Math.max(waiters, inodelkCount(s.value))
      if (openFdCount !== undefined) fds = Math.max(fds, openFdCount(s.value))
    }
    // afr_are_conflicting_ops_waiting: another lock in our domain (a C client, glustershd) waits.
    if (waiters > 1) lk.release = true
    // afr_inode_write_fill / afr_process_post_writev: kept when no reply says.
    if (fds > 0) this.#openFds.set(lk.inode, fds)
    if (req.unstable?.(settled) === true) lk.unstable = true
    const result = best >= 0 ? (settled[best] as { value: T }).value : undefined
    // (A run that failed threw above: that fan-out is dropped, a late reply of it may still land.)
    if (this.#fanOuts.length < MAX_IDLE_FANOUTS) {
      for (let i = 0; i < n; i++) fan.replies[i] = undefined
      this.#fanOuts.push(fan as FanOut<unknown>)
    }

    // Wait for the changelog when anything failed (the caller must not hear success before the
    // blame is on disk), when the fop is not one whose post-op may be delayed, and without eager
    // lock (a transaction is then whole when it resolves).
    const wait = lk.abandon || lk.somethingFailed || !req.delayable || topo.postOpDelayMs === 0 || !topo.eagerLock
    if (wait) lk.release = true
    if (opError !== undefined || lk.somethingFailed) host.forget(lk.inode)
    this.#leave(lk, me)
    if (wait) {
      await lk.released
      if (opError === undefined && lk.postOpError !== undefined) throw lk.postOpError
    }
    if (opError !== undefined) throw opError
    return result as T
  }

  /**
   * A metadata transaction under the inode's metadata lock: its own pre-op (dirty +1 unless
   * optimistic with every child locked), fop and post-op (runLocked, as afr_changelog_pre_op and
   * afr_changelog_post_op_do per transaction); the lock stays for the next one unless
   * afr_is_delayed_changelog_post_op_needed says otherwise. The post-op is not deferred: it is
   * empty when nothing failed and every child is locked (the common case), and otherwise this
   * posts the blame before the fop resolves, no later than C.
   */
  async #performMetadata<T>(lk: InodeLock, call: Call, req: DataTxn<T>, me: Range): Promise<T> {
    const host = this.#host
    const topo = host.topology
    let result: T
    try {
      const outcome = await runLocked(host, call, lk.call, req, lk.alive())
      result = outcome.result
      if (outcome.blamed.includes(true)) host.forget(lk.inode)
      // afr_txn_nothing_failed: a locked child failed the pre-op, the fop or the post-op.
      outcome.blamed.forEach((b, i) => { if (b && lk.locked[i] === true) lk.failed[i] = true })
    } catch (err) {
      // The transaction failed (on every child, or lost quorum): release, as C does when a locked child failed.
      host.forget(lk.inode)
      lk.release = true
      this.#leave(lk, me)
      await lk.released
      throw err
    }
    // afr_are_conflicting_ops_waiting (metadata): the file is open elsewhere (the last write said so).
    if (lk.somethingFailed || (this.#openFds.get(lk.inode) ?? 0) > 1) lk.release = true
    // Only FXATTROP (features/shard's size update) of the metadata fops may keep the lock idle.
    const delayable = req.delayable && topo.postOpDelayMs > 0 && topo.eagerLock
    const releasing = this.#leave(lk, me, delayable)
    if (releasing) await lk.released
    return result
  }

  /**
   * A transaction is done with the lock: let queued ones in, or release / arm the idle timer when
   * it was the last (`delayable` false: release then, afr_is_delayed_changelog_post_op_needed).
   * True when this call released the lock.
   */
  #leave(lk: InodeLock, me: Range, delayable = true): boolean {
    lk.owners.delete(me)
    this.#wake(lk)
    if (lk.owners.size > 0) return false
    if (!delayable) lk.release = true
    if (lk.release || lk.generation !== this.#host.generation) {
      void this.#release(lk, 'safe')
      return true
    }
    lk.timer = setTimeout(() => {
      lk.timer = undefined
      if (lk.owners.size > 0 || lk.state !== 'held') return
      lk.release = true
      void this.#release(lk, 'idle')
    }, this.#host.topology.postOpDelayMs)
    return false
  }

  /** __afr_transaction_wake_shared: queued transactions join in order; one that conflicts only when the lock has no owner, and it is the last. */
  #wake(lk: InodeLock): void {
    if (lk.state !== 'held' || lk.release) return
    while (lk.waiting.length > 0) {
      const w = lk.waiting[0]!
      let conflict = false
      for (const o of lk.owners) if (overlap(o, w.range)) conflict = true
      if (conflict && lk.owners.size > 0) return
      lk.waiting.shift()
      lk.owners.add(w.range)
      w.wake(true)
      if (conflict) return
    }
  }

  /** Release as soon as the owners are gone (at once when idle: the post-op of the timer path). */
  #releaseSoon(lk: InodeLock): void {
    if (lk.state === 'released') return
    lk.release = true
    if (lk.timer !== undefined) {
      clearTimeout(lk.timer)
      lk.timer = undefined
      void this.#release(lk, 'idle')
    }
  }

  /**
   * Post-op and unlock. 'safe' (afr_changelog_post_op_safe, the release path of a transaction):
   * FSYNC the bricks first when unstable writes were seen and ensure-durability is on, so dirty is
   * cleared only for data on stable storage. 'idle' (the timer, flush, a generation change:
   * afr_changelog_post_op_now) posts without it, as C does.
   */
  async #release(lk: InodeLock, how: Release): Promise<void> {
    if (lk.state !== 'held') return
    lk.state = 'released'
    const host = this.#host
    const topo = host.topology
    try {
      if ((!lk.abandon || lk.kept) && lk.req.kind === 'data') {
        if (how === 'safe' && lk.unstable && topo.ensureDurability && lk.fd !== undefined) {
          const fd = lk.fd
          const xdata = new Dict().setInt('batch-fsync', 1).setStr('glusterfs-internal-fop', 'yes')
          const settled = await onChildren(host, lk.alive(), (c) => c.fsync(lk.call, fd, true, xdata))
          // afr_changelog_fsync_cbk: an fsync that failed is as good as a failed write.
          settled.forEach((s, i) => { if (s?.ok === false) lk.failed[i] = true })
        }
        const alive = lk.alive()
        // Abandoned: only the blames (dirty stays), and nothing when there are none.
        if (alive.includes(true) && (!lk.abandon || lk.failed.includes(true))) {
          await postOp(host, lk.call, lk.req, alive, changelogDict(topo, lk.failed, Slot.DATA, lk.abandon ? 0 : -1), undefined)
        }
      }
    } catch (err) {
      if (!(err instanceof GlusterError)) throw err
      lk.postOpError = err
      debug('%s: post-op of %s failed: %s', host.name, lk.req.path ?? lk.req.lockees[0]?.path, err.message)
    } finally {
      await unlockAll(host, lk.call, lk.req.lockees, lk.locked)
      if (this.#mapOf(lk).get(lk.inode) === lk) this.#mapOf(lk).delete(lk.inode)
      if (lk.failed.includes(true) || lk.abandon) host.forget(lk.inode)
      lk.finish()
    }
  }

  /**
   * afr_flush / afr_delayed_changelog_wake_resume: the delayed post-ops of `inode` (data and
   * metadata locks) go now; resolves once they are on the bricks.
   */
  async flush(inode: Inode): Promise<void> {
    const held = [this.#data.get(inode), this.#metadata.get(inode)].filter((lk) => lk !== undefined)
    for (const lk of held) this.#releaseSoon(lk)
    await Promise.all(held.map((lk) => lk.released))
  }

  /** A child went up or down: every lock posts and unlocks as soon as it is idle. */
  generationChanged(): void {
    for (const lk of this.#data.values()) this.#releaseSoon(lk)
    for (const lk of this.#metadata.values()) this.#releaseSoon(lk)
  }

  /** Release every lock (unmount, graph switch). */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.#data.values(), ...this.#metadata.values()].map((lk) => {
      this.#releaseSoon(lk)
      return lk.released
    }))
  }

  /** Eager locks held (data and metadata): for tests. */
  get held(): number {
    return this.#data.size + this.#metadata.size
  }
}
