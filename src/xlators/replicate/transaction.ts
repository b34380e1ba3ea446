// The AFR transaction without eager lock: lock, pre-op, fop, post-op, unlock, each transaction
// with its own fresh lock owner. Sources (xlators/cluster/afr/src): afr-transaction.c
// (afr_transaction, afr_changelog_pre_op, afr_transaction_fop, afr_txn_arbitrate_fop,
// afr_is_write_subvol_valid, afr_handle_quorum, afr_changelog_post_op_do, afr_need_dirty_marking,
// afr_changelog_populate_xdata), afr-lk-common.c (afr_lock_nonblocking, afr_lock_blocking),
// afr-common.c (afr_is_symmetric_error, afr_final_errno), afr-dir-write.c
// (afr_mark_entry_pending_changelog), afr-inode-write.c (afr_set_in_flight_sb_status).

import { GlusterError } from '../../rpc/errors.ts'
import { S_IFMT } from '../../rpc/linux.ts'
import { newLkOwner } from '../../rpc/lk-owner.ts'
import { Dict } from '../../rpc/programs/fops/dict.ts'
import { EntrylkCmd, EntrylkType, GfLkCmd, GfLkType } from '../../rpc/programs/fops/program.ts'
import { type Call, type Flock, Inode, type Loc, gfidToString } from '../types.ts'
import type { Xlator } from '../xlator.ts'
import { Slot, changelogOf, changelogValue, isDirMode } from './changelog.ts'
import { type Topology, hasQuorum } from './topology.ts'

/** gf_xattrop_flags_t GF_XATTROP_ADD_ARRAY: element-wise int32 add. */
export const XATTROP_ADD_ARRAY = 0

/** Metadata locks take this one-byte-wide range at LLONG_MAX - 1 (every metadata fop in afr-inode-write.c). */
export const METADATA_LOCK_START = 9223372036854775806n

/** AFR leaves gf_proto_flock's owner empty: the credential's owner is the one that counts. */
const EMPTY = Buffer.alloc(0)

/** Granular entry-heal keys (glusterfs.h GF_XATTROP_ENTRY_IN_KEY / _OUT_KEY). */
export const ENTRY_IN_KEY = 'glusterfs.xattrop-entry-create'
export const ENTRY_OUT_KEY = 'glusterfs.xattrop-entry-delete'

export type TxnKind = 'data' | 'metadata' | 'entry'

/** One lock a transaction takes on every child: an inode range, or a name in a directory. */
export type Lockee =
  | { readonly kind: 'inode'; readonly inode: Inode; readonly path: string; readonly start: number | bigint }
  | { readonly kind: 'entry'; readonly dir: Inode; readonly path: string; readonly name: string }

/** The inode whose changelog a transaction updates: the file (data, metadata) or a parent (entry, with the name). */
export interface ChangelogTarget {
  readonly inode: Inode
  readonly path: string
  /** The entry name, for granular entry-heal keys. */
  readonly name: string
}

/** A new inode a successful create/mknod/mkdir made: marked pending for the children that missed it. */
export interface NewEntry {
  readonly gfid: Buffer
  readonly mode: number
}

export interface TxnRequest<T> {
  readonly kind: TxnKind
  readonly syscall: string
  readonly path: string | undefined
  readonly lockees: readonly Lockee[]
  readonly targets: readonly ChangelogTarget[]
  /** The fop on child i (only children locked and pre-op'd, good or stale alike). */
  readonly fop: (child: Xlator, i: number) => Promise<T>
  /** The size a reply reports (writev): the largest wins, as __afr_inode_write_finalize. */
  readonly opRet?: ((r: T) => number) | undefined
  /** A data or metadata write on an inode: the last good copy is never blamed (afr_set_in_flight_sb_status). */
  readonly inodeWrite: boolean
  /** create, mknod, mkdir: the new inode from a reply, for new-entry marking. */
  readonly newEntry?: ((r: T) => NewEntry) | undefined
}

/** What the replicate xlator lends a transaction. */
export interface TxnHost {
  readonly name: string
  readonly topology: Topology
  readonly children: readonly Xlator[]
  isUp(i: number): boolean
  quorumLost(syscall: string, path: string | undefined, good: readonly boolean[]): GlusterError
  error(code: string, syscall: string, path: string | undefined, detail: string): GlusterError
}

/** Per-child outcome of the whole transaction, for tests and for the caller's readables. */
export interface TxnOutcome<T> {
  readonly result: T
  /** Children blamed by the post-op (failed or absent), after the symmetric-error rule. */
  readonly blamed: readonly boolean[]
}

export type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: GlusterError }

export const slotOf = (kind: TxnKind): Slot => (kind === 'data' ? Slot.DATA : kind === 'metadata' ? Slot.METADATA : Slot.ENTRY)

/**
 * Run one transaction. Resolves with the chosen child's reply once the post-op is on the bricks
 * and the locks are released (so fsync and close after it never see a blame still in flight);
 * throws GlusterError otherwise.
 */
export async function transact<T>(host: TxnHost, call: Call, req: TxnRequest<T>): Promise<TxnOutcome<T>> {
  const topo = host.topology
  const up = host.children.map((_, i) => host.isUp(i))
  if (!hasQuorum(topo.quorum, up)) throw host.quorumLost(req.syscall, req.path, up)

  // A fresh owner per transaction: the same owner on one connection never conflicts with itself.
  const lockCall: Call = { ...call, lkOwner: newLkOwner() }
  const { locked, lockError } = await lockAll(host, lockCall, req.lockees, up)
  try {
    if (!hasQuorum(topo.quorum, locked) || !locked.includes(true)) {
      throw lockError ?? host.quorumLost(req.syscall, req.path, locked)
    }
    return await runLocked(host, call, lockCall, req, locked)
  } finally {
    await unlockAll(host, lockCall, req.lockees, locked)
  }
}

/**
 * The changelog XATTROPs carry the transaction's lock owner (`txnCall`); only the fop itself
 * keeps the application's (afr_transaction_perform_fop).
 */
export async function runLocked<T>(host: TxnHost, call: Call, txnCall: Call, req: TxnRequest<T>, locked: readonly boolean[]): Promise<TxnOutcome<T>> {
  const topo = host.topology
  const n = host.children.length
  const slot = slotOf(req.kind)
  const preOp = [...locked]
  // Children not locked (down, or refused the lock) have failed the transaction.
  const failed = locked.map((l) => !l)

  // afr_changelog_pre_op: data always; metadata/entry only when not every child was locked.
  const dirtied = req.kind === 'data' || !topo.optimisticChangeLog || locked.includes(false)
  const preOpDicts: (Dict | undefined)[] = new Array(n).fill(undefined)
  let preOpError: GlusterError | undefined
  if (dirtied) {
    const dict = changelogDict(topo, new Array<boolean>(n).fill(false), slot, 1)
    const settled = await onChildren(host, preOp, (c) => xattropTargets(c, txnCall, req, dict, ENTRY_IN_KEY, topo.granularEntryHeal && req.kind === 'entry'))
    settled.forEach((s, i) => {
      if (s === undefined) return
      if (s.ok) preOpDicts[i] = s.value
      else {
        failed[i] = true
        preOpError = s.error
      }
    })
  }
  const alive = (): boolean[] => preOp.map((p, i) => p && !failed[i])
  if (!hasQuorum(topo.quorum, alive()) || !alive().includes(true)) {
    // afr_transaction_fop: the pre-op lacks quorum; nothing is written, dirty stays for the shd.
    throw preOpError ?? host.quorumLost(req.syscall, req.path, alive())
  }

  let opError: GlusterError | undefined
  const good = preOpSources(topo, preOpDicts, failed, slot)
  if (req.kind === 'data' && topo.arbiter >= 0 && good[topo.arbiter] === true && good.filter(Boolean).length < 2) {
    // afr_txn_arbitrate_fop (before the write-validity check): the arbiter holds no data, so it
    // must not be the only good copy.
    opError = host.error('ENOTCONN', req.syscall, req.path, 'the arbiter would be the only good copy (the data bricks are down or blamed); not written')
    failed.fill(true)
  } else if (req.kind === 'data' && !good.some((g, i) => g && i !== topo.arbiter)) {
    // afr_is_write_subvol_valid: every copy we could write is blamed; success would be a lie.
    opError = host.error('EIO', req.syscall, req.path, 'no good copy among the bricks the write would reach (pending heal or split-brain); not written')
  }

  const replies: (Settled<T> | undefined)[] = new Array(n).fill(undefined)
  if (opError === undefined) {
    const settled = await onChildren(host, alive(), (c, i) => req.fop(c, i))
    settled.forEach((s, i) => {
      if (s === undefined) return
      replies[i] = s
      if (!s.ok) failed[i] = true
    })
  }

  if (isSymmetricError(replies)) failed.fill(false)
  const best = replyToReturn(replies, good, topo.arbiter, req.opRet)
  if (best < 0 && opError === undefined) opError = finalError(replies) ?? host.quorumLost(req.syscall, req.path, alive())

  // afr_set_in_flight_sb_status: the one good copy failed while stale ones took the write: do not
  // let them blame it; fail with its error and leave the dirty marks for the shd.
  if (req.inodeWrite && opError === undefined) {
    const goodIdx = good.flatMap((g, i) => (g ? [i] : []))
    if (goodIdx.length === 1 && replies[goodIdx[0]!]?.ok === false) {
      throw (replies[goodIdx[0]!] as { error: GlusterError }).error
    }
  }

  // afr_handle_quorum: success on too few children is a failure, and blames no one.
  let needDirty = false
  if (opError === undefined && topo.quorum.kind !== 'none' && !hasQuorum(topo.quorum, alive())) {
    opError = finalError(replies) ?? host.quorumLost(req.syscall, req.path, alive())
    // afr_need_dirty_marking: an entry transaction that skipped its pre-op marks dirty now.
    if (req.kind === 'entry' && !dirtied && !failed.every(Boolean)) needDirty = true
    else for (let i = 0; i < n; i++) if (preOp[i]) failed[i] = true
  }

  const nothingFailed = !preOp.some((p, i) => p && failed[i])
  const blamed = [...failed]
  // afr_changelog_post_op_do.
  if (opError !== undefined && !nothingFailed) {
    if (needDirty) await postOp(host, txnCall, req, alive(), changelogDict(topo, new Array<boolean>(n).fill(false), slot, 0, 1), undefined)
  } else if (!nothingFailed || dirtied) {
    const dict = changelogDict(topo, failed, slot, dirtied ? -1 : 0)
    const entryKey = nothingFailed ? (opError === undefined && !failed.includes(true) ? ENTRY_OUT_KEY : undefined) : ENTRY_IN_KEY
    await postOp(host, txnCall, req, alive(), dict, entryKey)
  }
  if (opError !== undefined) throw opError

  // afr_mark_entry_pending_changelog: a new inode missing on some children is marked pending on the others.
  const chosen = (replies[best] as { value: T }).value
  if (req.newEntry !== undefined && failed.includes(true)) {
    const { gfid, mode } = req.newEntry(chosen)
    const dir = isDirMode(mode)
    const dict = new Dict()
    for (let i = 0; i < n; i++) {
      const m = failed[i] ? 1 : 0
      dict.setPtr(topo.pendingKeys[i]!, changelogValue(m === 1 && (!dir || topo.granularEntryHeal) ? 1 : 0, m, dir ? m : 0))
    }
    const inode = new Inode(gfid, mode & S_IFMT)
    const loc: Loc = { path: req.path ?? `<gfid:${gfidToString(gfid)}>`, name: '', parent: undefined, inode }
    await onChildren(host, alive(), (c) => c.xattrop(txnCall, loc, XATTROP_ADD_ARRAY, dict))
  }
  return { result: chosen, blamed }
}

/** The XATTROP dict: dirty[slot] += `dirty`, pending[i][slot] += 1 for each blamed child, other keys 0 (read back). */
export function changelogDict(topo: Topology, blame: readonly boolean[], slot: Slot, dirty: number, dirtyOverride?: number): Dict {
  const d = new Dict()
  const delta = (v: number): Buffer => changelogValue(slot === Slot.DATA ? v : 0, slot === Slot.METADATA ? v : 0, slot === Slot.ENTRY ? v : 0)
  d.setPtr(topo.dirtyKey, delta(dirtyOverride ?? dirty))
  for (let i = 0; i < topo.pendingKeys.length; i++) d.setPtr(topo.pendingKeys[i]!, delta(blame[i] === true ? 1 : 0))
  return d
}

/**
 * afr_compute_pre_op_sources: children whose pre-op succeeded and whom no pre-op reply blames in
 * the transaction's slot. Without pre-op replies (an optimistic transaction) every live child.
 */
export function preOpSources(topo: Topology, dicts: readonly (Dict | undefined)[], failed: readonly boolean[], slot: Slot): boolean[] {
  const good = failed.map((f) => !f)
  for (const d of dicts) {
    if (d === undefined) continue
    for (let j = 0; j < topo.pendingKeys.length; j++) {
      const c = changelogOf(d, topo.pendingKeys[j]!)
      if (c !== undefined && c[slot] !== 0) good[j] = false
    }
  }
  return good
}

/** Send the changelog to every target on child `i` (rename: both parents); resolves with the first target's reply. */
async function xattropTargets<T>(child: Xlator, call: Call, req: TxnRequest<T>, dict: Dict, entryKey: string | undefined, granular: boolean): Promise<Dict> {
  let first: Dict | undefined
  for (const t of req.targets) {
    const xdata = granular && entryKey !== undefined ? granularXdata(t, entryKey) : undefined
    const loc: Loc = { path: t.path, name: '', parent: undefined, inode: t.inode }
    const r = await child.xattrop(call, loc, XATTROP_ADD_ARRAY, dict, xdata)
    first ??= r.dict
  }
  return first!
}

function granularXdata(t: ChangelogTarget, key: string): Dict | undefined {
  return t.name === '' ? undefined : new Dict().setStr(key, t.name)
}

export async function postOp<T>(host: TxnHost, call: Call, req: TxnRequest<T>, to: readonly boolean[], dict: Dict, entryKey: string | undefined): Promise<void> {
  const granular = host.topology.granularEntryHeal && req.kind === 'entry'
  const settled = await onChildren(host, to, async (c) => {
    for (const t of req.targets) {
      const loc: Loc = { path: t.path, name: '', parent: undefined, inode: t.inode }
      await c.xattrop(call, loc, XATTROP_ADD_ARRAY, dict, granular && entryKey !== undefined ? granularXdata(t, entryKey) : undefined)
    }
  })
  // A post-op that reached no child leaves the blame unwritten: the caller must not hear success.
  if (to.includes(true) && !settled.some((s) => s?.ok === true)) {
    throw host.error('EIO', req.syscall, req.path, 'the changelog post-op reached no brick: the copies may disagree without a record of it')
  }
}

/** Non-blocking locks on every up child in parallel; if any fails, release and lock one child at a time, in order. */
export async function lockAll(host: TxnHost, call: Call, lockees: readonly Lockee[], up: readonly boolean[]): Promise<{ locked: boolean[]; lockError: GlusterError | undefined }> {
  const n = host.children.length
  const held: boolean[][] = lockees.map(() => new Array<boolean>(n).fill(false))
  let lockError: GlusterError | undefined
  const attempts = await Promise.all(lockees.map((l, k) => onChildren(host, up, (c) => lockOne(host, c, call, l, false)).then((s) => {
    s.forEach((r, i) => {
      if (r?.ok === true) held[k]![i] = true
    })
    return s
  })))
  const allHeld = held.every((row) => row.every((h, i) => h || !up[i]))
  if (!allHeld) {
    // afr_lock_blocking: drop what the non-blocking round got, then blocking, lockee by lockee,
    // child 0 to N-1 one at a time; the fixed order is what keeps clients from deadlocking.
    await unlockAll(host, call, lockees, new Array<boolean>(n).fill(true), held)
    for (const row of held) row.fill(false)
    for (let k = 0; k < lockees.length; k++) {
      for (let i = 0; i < n; i++) {
        if (!up[i] || (k > 0 && !held[k - 1]![i])) continue
        try {
          await lockOne(host, host.children[i]!, call, lockees[k]!, true)
          held[k]![i] = true
        } catch (err) {
          if (!(err instanceof GlusterError)) throw err
          lockError = err
        }
      }
    }
  } else {
    for (const s of attempts) for (const r of s) if (r?.ok === false) lockError = r.error
  }
  const locked = up.map((u, i) => u && held.every((row) => row[i] === true))
  // A child holding only some lockees holds locks we must give back: unlockAll covers every lockee of it.
  for (let i = 0; i < n; i++) {
    if (!locked[i] && held.some((row) => row[i] === true)) {
      await unlockAll(host, call, lockees, up.map((_, j) => j === i), held)
    }
  }
  return { locked, lockError }
}

function lockOne(host: TxnHost, child: Xlator, call: Call, l: Lockee, blocking: boolean): Promise<unknown> {
  const domain = host.topology.domain
  if (l.kind === 'inode') {
    const flock: Flock = { type: GfLkType.WRLCK, whence: 0, start: l.start, len: 0, pid: 0, lkOwner: EMPTY }
    return child.inodelk(call, domain, { path: l.path, name: '', parent: undefined, inode: l.inode }, blocking ? GfLkCmd.SETLKW : GfLkCmd.SETLK, flock)
  }
  return child.entrylk(call, domain, { path: l.path, name: '', parent: undefined, inode: l.dir }, l.name, blocking ? EntrylkCmd.LOCK : EntrylkCmd.LOCK_NB, EntrylkType.WRLCK)
}

/** Release on `which` children (only the lockees `held` says they got, when given). Errors ignored: a lost connection dropped the lock. */
export async function unlockAll(host: TxnHost, call: Call, lockees: readonly Lockee[], which: readonly boolean[], held?: readonly boolean[][]): Promise<void> {
  const domain = host.topology.domain
  await Promise.all(host.children.map(async (c, i) => {
    if (!which[i]) return
    for (let k = lockees.length - 1; k >= 0; k--) {
      if (held !== undefined && !held[k]![i]) continue
      const l = lockees[k]!
      try {
        if (l.kind === 'inode') {
          const flock: Flock = { type: GfLkType.UNLCK, whence: 0, start: l.start, len: 0, pid: 0, lkOwner: EMPTY }
          await c.inodelk(call, domain, { path: l.path, name: '', parent: undefined, inode: l.inode }, GfLkCmd.SETLK, flock)
        } else {
          await c.entrylk(call, domain, { path: l.path, name: '', parent: undefined, inode: l.dir }, l.name, EntrylkCmd.UNLOCK, EntrylkType.WRLCK)
        }
      } catch (err) {
        if (!(err instanceof GlusterError)) throw err
      }
    }
  }))
}

export async function onChildren<T>(host: TxnHost, which: readonly boolean[], fn: (c: Xlator, i: number) => Promise<T>): Promise<(Settled<T> | undefined)[]> {
  return Promise.all(host.children.map(async (c, i): Promise<Settled<T> | undefined> => {
    if (!which[i]) return undefined
    try {
      return { ok: true, value: await fn(c, i) }
    } catch (err) {
      if (!(err instanceof GlusterError)) throw err
      return { ok: false, error: err }
    }
  }))
}

/**
 * afr_is_symmetric_error: the fop failed the same way everywhere it reached (not ENOTCONN), or
 * reached nowhere: nobody is worse than another, so nobody is blamed.
 */
export function isSymmetricError(replies: readonly (Settled<unknown> | undefined)[]): boolean {
  let first: string | undefined
  for (let i = 0; i < replies.length; i++) {
    const r = replies[i]
    if (r === undefined) continue
    if (r.ok || r.error.code === 'ENOTCONN') return false
    first ??= r.error.code
    if (r.error.code !== first) return false
  }
  return true
}

/**
 * The child whose reply the transaction returns (afr_pick_error_xdata / afr_txn's reply choice):
 * the largest op_ret, a data brick over the arbiter, and a good copy over a stale one that
 * returned the same. -1 when no child succeeded.
 */
export function replyToReturn<T>(replies: readonly (Settled<T> | undefined)[], good: readonly boolean[], arbiter: number, opRet: ((r: T) => number) | undefined): number {
  let best = -1
  for (let i = 0; i < replies.length; i++) {
    const r = replies[i]
    if (r === undefined || !r.ok) continue
    if (best < 0) best = i
    else if (opRet !== undefined && opRet(r.value) > opRet(valueAt(replies, best))) best = i
    else if (i !== arbiter && best === arbiter) best = i
  }
  if (best >= 0 && good[best] !== true) {
    let g = -1
    for (let i = 0; i < good.length && g < 0; i++) if (good[i] === true && replies[i]?.ok === true && i !== arbiter) g = i
    if (g >= 0 && (opRet === undefined || opRet(valueAt(replies, g)) === opRet(valueAt(replies, best)))) best = g
  }
  return best
}

/** The value of a reply known to be a success. */
function valueAt<T>(replies: readonly (Settled<T> | undefined)[], i: number): T {
  return (replies[i] as { value: T }).value
}

/** What a fan-out runs on each child: a transaction's fop, called as a method (no closure per call). */
export interface ChildFop<T> {
  fop(child: Xlator, i: number): Promise<T>
}

/**
 * One fop on the children `which` names, the replies kept by child index: onChildren for the data
 * path, made to be reused. Its reply handlers are made once per child index, so a run makes no
 * closure, async frame or Promise.all per child, only each child's reply and one promise.
 */
export class FanOut<T> {
  /** The children to run on; the caller sets it before `run`. */
  readonly which: boolean[]
  /** Of the last run, by child; valid from its resolution until the next run. */
  readonly replies: (Settled<T> | undefined)[]
  #pending = 0
  #resolve: ((replies: readonly (Settled<T> | undefined)[]) => void) | undefined
  #reject: ((err: unknown) => void) | undefined
  readonly #answered: ((value: T) => void)[] = []
  readonly #failed: ((err: unknown) => void)[] = []
  readonly #begin = (resolve: (replies: readonly (Settled<T> | undefined)[]) => void, reject: (err: unknown) => void): void => {
    this.#resolve = resolve
    this.#reject = reject
  }

  constructor(n: number) {
    this.which = new Array<boolean>(n).fill(false)
    this.replies = new Array<Settled<T> | undefined>(n).fill(undefined)
    for (let i = 0; i < n; i++) {
      this.#answered.push((value: T) => this.#settle(i, { ok: true, value }))
      this.#failed.push((err: unknown) => {
        if (err instanceof GlusterError) this.#settle(i, { ok: false, error: err })
        else this.#break(err)
      })
    }
  }

  /** `req.fop` on each child `which` names; resolves with `replies` once every one has answered. */
  run(children: readonly Xlator[], req: ChildFop<T>): Promise<readonly (Settled<T> | undefined)[]> {
    let pending = 0
    for (let i = 0; i < this.replies.length; i++) {
      this.replies[i] = undefined
      if (this.which[i] === true) pending++
    }
    if (pending === 0) return Promise.resolve(this.replies)
    this.#pending = pending
    const done = new Promise(this.#begin)
    for (let i = 0; i < this.replies.length; i++) {
      if (this.which[i] !== true) continue
      let reply: Promise<T>
      try {
        reply = req.fop(children[i]!, i)
      } catch (err) {
        this.#failed[i]!(err)
        continue
      }
      reply.then(this.#answered[i], this.#failed[i])
    }
    return done
  }

  #settle(i: number, s: Settled<T>): void {
    const resolve = this.#resolve
    if (resolve === undefined) return
    this.replies[i] = s
    if (--this.#pending > 0) return
    this.#resolve = this.#reject = undefined
    resolve(this.replies)
  }

  /** A fop threw or rejected with something other than a GlusterError: the run fails with it, and the caller must drop this fan-out. */
  #break(err: unknown): void {
    const reject = this.#reject
    this.#resolve = this.#reject = undefined
    reject?.(err)
  }
}

/** afr_final_errno / afr_higher_errno over failed replies. */
export function finalError(replies: readonly (Settled<unknown> | undefined)[]): GlusterError | undefined {
  let best: GlusterError | undefined
  for (const r of replies) {
    if (r === undefined || r.ok) continue
    if (best === undefined) best = r.error
    else {
      let pick = r.error
      for (const code of ['ENODATA', 'ENOENT', 'ESTALE', 'ENOSPC']) {
        if (best.code === code) { pick = best; break }
        if (r.error.code === code) { pick = r.error; break }
      }
      best = pick
    }
  }
  return best
}
