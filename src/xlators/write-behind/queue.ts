import type { FailedRange, GlusterError } from '../../rpc/errors.ts'
import { type Call, type Dict, Fd, Inode, type WriteResult } from '../types.ts'

/** Block state: cached, waiting to be sent (see `WbInode`). */
export const DIRTY = 0
/** Block state: one WRITE on the wire. */
export const INFLIGHT = 1
/** Block state: the brick refused it; still cached, in its place in the order. */
export const FAILED = 2
/** A block's place in its life; see `WbInode`. */
export type BlockState = typeof DIRTY | typeof INFLIGHT | typeof FAILED

/** A span of a file, `length` bytes from `offset`. */
export type ByteRange = FailedRange

/**
 * One WRITE the brick has not acknowledged yet: either cached bytes acknowledged to the caller
 * ("lied", copied into `data`, possibly several aggregated writes) or a write that bypasses the
 * cache (O_SYNC, O_DSYNC, strict O_DIRECT, O_APPEND, larger than the window), which holds the
 * caller's buffer by reference and its promise. The block's bytes are
 * `data[start, start + length)`, destined for file offset `offset`. A cached block that was
 * written and was never `pinned` is reused for a later cached write (`reuse`).
 */
export class Block {
  prev: Block | undefined = undefined
  next: Block | undefined = undefined
  fd: Fd
  call: Call
  flags: number
  readonly xdata: Dict | undefined
  readonly lied: boolean
  data: Buffer
  start: number
  offset: number
  length: number
  /**
   * Start of the span later requests must respect: below `offset` when the write began past the
   * end of the file as we knew it, so that reads of the hole it creates wait for it (C `wb_enqueue_common`).
   */
  orderStart: number
  state: BlockState = DIRTY
  /** Not held back for aggregation any more: a block follows it, or a request depends on it. */
  sealed: boolean
  /** Sent at least once: its buffer may still be on the wire, so no bytes may join. */
  sent = false
  /** Still linked in its inode's list (false once written or dropped). */
  linked = true
  /** `WriteBehind` clock value of the latest failure. */
  failedAt = 0
  error: GlusterError | undefined = undefined
  /** Bytes a bypass write already got onto the brick before a short write. */
  done = 0
  /**
   * An O_APPEND write: the brick places it at the end of the file, wherever that is when it
   * arrives, so for ordering it spans the whole file (C `wb_requests_overlap` treats appends so).
   */
  readonly appends: boolean
  readonly resolve: ((r: WriteResult) => void) | undefined
  readonly reject: ((err: unknown) => void) | undefined
  /**
   * A `Barrier` waits for it: whoever waits may look at it (`linked`, `state`, `error`) after it
   * left the list, so it is never reused.
   */
  pinned = false

  constructor(fd: Fd, call: Call, flags: number, xdata: Dict | undefined, data: Buffer, start: number, offset: number,
    length: number, orderStart: number, lied: boolean, appends: boolean,
    resolve: ((r: WriteResult) => void) | undefined, reject: ((err: unknown) => void) | undefined) {
    this.fd = fd
    this.call = call
    this.flags = flags
    this.xdata = xdata
    this.data = data
    this.start = start
    this.offset = offset
    this.length = length
    this.orderStart = orderStart
    this.lied = lied
    this.appends = appends
    this.sealed = !lied
    this.resolve = resolve
    this.reject = reject
  }

  /**
   * A cached block written and unlinked, never pinned (nothing refers to it any more), made into
   * a new cached block as the constructor would with `lied` true.
   */
  reuse(fd: Fd, call: Call, flags: number, data: Buffer, offset: number, length: number, orderStart: number): this {
    this.fd = fd
    this.call = call
    this.flags = flags
    this.data = data
    this.start = 0
    this.offset = offset
    this.length = length
    this.orderStart = orderStart
    this.state = DIRTY
    this.sealed = false
    this.sent = false
    this.linked = true
    this.failedAt = 0
    this.error = undefined
    this.done = 0
    return this
  }

  /** Written and unlinked, kept for `reuse`: let go of the caller's fd, identity and bytes. */
  release(): void {
    this.fd = RELEASED_FD
    this.call = RELEASED_CALL
    this.data = NO_DATA
    this.error = undefined
  }

  get end(): number {
    return this.offset + this.length
  }

  /** Do this block's bytes and [start, end) meet (an append meets everything)? */
  overlaps(start: number, end: number): boolean {
    return this.appends || (this.offset < end && start < this.offset + this.length)
  }

  /** Must a request over [start, end) wait for this block (its ordering span, see `orderStart`)? */
  orders(start: number, end: number): boolean {
    return this.appends || (this.orderStart < end && start < this.offset + this.length)
  }
}

/**
 * A write waiting for its turn to join the ordered list (backpressure): for room in the window, or,
 * for a write the cache does not hold (`bypass`), behind older writes waiting for room, so that
 * every write joins the list in issue order. Holds the caller's buffer by reference. Reused
 * (`WriteBehind` #admit): fields are set per write by `init` and the settlers by the promise.
 */
export class WaitingWrite {
  fd: Fd = RELEASED_FD
  call: Call = RELEASED_CALL
  data: Buffer = NO_DATA
  offset = 0
  flags = 0
  xdata: Dict | undefined = undefined
  bypass = false
  /** Clock value at arrival: failures older than this get one retry on its behalf. */
  since = 0
  resolve: (r: WriteResult) => void = noop
  reject: (err: unknown) => void = noop

  init(fd: Fd, call: Call, data: Buffer, offset: number, flags: number, xdata: Dict | undefined, bypass: boolean, since: number): this {
    this.fd = fd
    this.call = call
    this.data = data
    this.offset = offset
    this.flags = flags
    this.xdata = xdata
    this.bypass = bypass
    this.since = since
    return this
  }

  /** Admitted or failed: let go of everything the caller gave, so a reused one keeps nothing alive. */
  clear(): void {
    this.fd = RELEASED_FD
    this.call = RELEASED_CALL
    this.data = NO_DATA
    this.xdata = undefined
    this.resolve = noop
    this.reject = noop
  }
}

const NO_DATA = Buffer.alloc(0)
const RELEASED_FD = new Fd(new Inode(Buffer.alloc(16)), 0, false)
const RELEASED_CALL: Call = { pid: 0, uid: 0, gid: 0, groups: [], lkOwner: NO_DATA }

/**
 * A request ordered after some blocks: it resolves once each of them was written, failed, or is
 * stuck behind a failed one (so it cannot progress until something retries or drops that one).
 */
export class Barrier {
  readonly blocks: readonly Block[]
  readonly promise: Promise<void>
  #resolve: () => void = noop
  constructor(blocks: readonly Block[]) {
    this.blocks = blocks
    for (const b of blocks) b.pinned = true
    this.promise = new Promise<void>((resolve) => {
      this.#resolve = resolve
    })
  }

  release(): void {
    this.#resolve()
  }
}

/** Data lost for good: failed writes dropped after being reported, or at release. */
export class Loss {
  /** `WriteBehind` clock value: fds opened before it are told. */
  clock: number
  readonly errno: number
  readonly cause: GlusterError | undefined
  ranges: ByteRange[]
  constructor(clock: number, errno: number, cause: GlusterError | undefined, ranges: ByteRange[]) {
    this.clock = clock
    this.errno = errno
    this.cause = cause
    this.ranges = ranges
  }
}

/** How many of the newest blocks a write may merge into. */
const MERGE_LOOKBACK = 8
/** Most loss records kept per inode; older ones are merged (reporting more, never less). */
const MAX_LOSSES = 16
/** Most ranges listed in one report; beyond it the closest ranges are joined. */
export const MAX_RANGES = 64

/**
 * Write-behind state of one inode (C `wb_inode_t`). Every write the brick has not acknowledged
 * is a `Block` in one list, in arrival order; a block leaves the list when the brick acknowledged
 * all of its bytes or when it is dropped after a reported failure.
 *
 * ```
 *            write (window has room)         sent (ready, nothing older overlaps)
 *  caller ──────────────────────────► DIRTY ─────────────────────────────► INFLIGHT ──ok──► (unlinked)
 *     │ window full                     ▲  ▲ short write: rest stays, sealed     │
 *     ▼                                 │  └─────────────────────────────────────┤
 *  admission (FIFO) ──room freed───────►┘                                        │ error
 *                                       └──── retry (fsync, flush, a request ◄── FAILED ──drop──► Loss
 *                                              that depends on it, a stall)        (reported; resync off, close)
 * ```
 *
 * - DIRTY: waiting to be sent. A new write that overlaps or touches the newest block it meets
 *   is copied into that block if it was never sent (`merge`), up to `aggregate-size`; otherwise
 *   it becomes a new block. The newest block (`tail`) is held back to gather more while a lied
 *   write is in flight (trickling-writes), until another block follows it, the window fills, or a
 *   request depends on it (it is then `sealed`). A tail already holding `aggregate-size` bytes is
 *   held too, as C's __wb_preprocess_winds holds its last holder until a following write shows it
 *   full: one write fewer in flight, which keeps the brick's completions evenly spaced.
 * - INFLIGHT: one WRITE on the wire; its buffer is not touched until the reply, and a block that
 *   was sent once (`sent`) never takes more bytes.
 * - FAILED: the brick refused it; the bytes stay cached and keep their place in the order.
 *   Newer blocks overlapping it cannot be sent ("stuck") until a retry succeeds or it is dropped.
 *
 * Ordering rules: a block is sent only when no older block overlaps it (so two overlapping writes
 * are never in flight together, and the brick sees them in order), or, with strict-write-ordering,
 * when it is the oldest. Other requests become `Barrier`s over the older blocks they depend on.
 * `cachedBytes` (lied bytes in the list) is the window's fill; writes that would exceed it wait
 * in `admission`, in arrival order.
 */
export class WbInode {
  /** The inode's gfid, to recognise it in named lookups (which carry no inode). */
  readonly gfid: Buffer
  head: Block | undefined = undefined
  tail: Block | undefined = undefined
  /** Lied bytes in the list (dirty, in flight or failed). */
  cachedBytes = 0
  /** Blocks per state; `setState` keeps them. Lied blocks in flight decide trickling. */
  dirty = 0
  inflight = 0
  inflightLied = 0
  failed = 0
  /**
   * File size as far as this client knows, cached writes included; 0 when unknown, which makes
   * writes past it order every request that touches the file below them (conservative).
   */
  knownSize = 0
  readonly admission: WaitingWrite[] = []
  readonly barriers: Barrier[] = []
  losses: Loss[] | undefined = undefined

  constructor(gfid: Buffer) {
    this.gfid = gfid
  }

  get empty(): boolean {
    return this.head === undefined
  }

  /** Move `block` to `state`, keeping the per-state counts. */
  setState(block: Block, state: BlockState): void {
    this.#count(block, -1)
    block.state = state
    this.#count(block, 1)
  }

  #count(block: Block, by: number): void {
    if (block.state === DIRTY) this.dirty += by
    else if (block.state === FAILED) this.failed += by
    else {
      this.inflight += by
      if (block.lied) this.inflightLied += by
    }
  }

  /** Append a new (DIRTY) block; the previous tail is no longer held back. */
  link(block: Block): void {
    if (this.tail !== undefined) this.tail.sealed = true
    this.#count(block, 1)
    if (block.lied) this.cachedBytes += block.length
    block.prev = this.tail
    if (this.tail === undefined) this.head = block
    else this.tail.next = block
    this.tail = block
  }

  unlink(block: Block): void {
    if (!block.linked) return
    block.linked = false
    if (block.prev === undefined) this.head = block.next
    else block.prev.next = block.next
    if (block.next === undefined) this.tail = block.prev
    else block.next.prev = block.prev
    block.prev = undefined
    block.next = undefined
    if (block.lied) this.cachedBytes -= block.length
    this.#count(block, -1)
  }

  /**
   * Copy a write into the newest block it overlaps or touches, when that block was never sent,
   * holds bytes of the same fd and caller, and stays within `limit` bytes (the buffer grows as
   * needed). Only the newest `MERGE_LOOKBACK` blocks are searched. Nothing newer than that block
   * meets the write, so the bytes still land in order. Returns the block, or undefined.
   */
  merge(fd: Fd, call: Call, flags: number, data: Buffer, offset: number, limit: number): Block | undefined {
    const end = offset + data.length
    let b = this.tail
    for (let looked = 0; b !== undefined && looked < MERGE_LOOKBACK; b = b.prev, looked++) {
      if (b.appends || (b.offset <= end && offset <= b.end)) break
    }
    if (b === undefined || b.offset > end || offset > b.end) return undefined
    if (!b.lied || b.appends || b.sent || b.state !== DIRTY || b.fd !== fd || b.call !== call || b.flags !== flags) return undefined
    const from = Math.min(b.offset, offset)
    const to = Math.max(b.end, end)
    if (to - from > limit) return undefined
    if (from < b.offset || b.start + (to - b.offset) > b.data.length) {
      const grown = Buffer.allocUnsafe(Math.min(limit, Math.max(to - from, 2 * b.length)))
      b.data.copy(grown, b.offset - from, b.start, b.start + b.length)
      b.data = grown
      b.start = 0
    }
    if (from < b.orderStart) b.orderStart = from
    this.cachedBytes += to - from - b.length
    b.offset = from
    b.length = to - from
    data.copy(b.data, b.start + offset - from)
    return b
  }

  /** May `block` go now? Ready (see the class comment) and nothing older overlaps it. */
  canSend(block: Block, trickling: boolean, strict: boolean): boolean {
    if (block.state !== DIRTY) return false
    if (!block.sealed && block === this.tail && !(trickling && this.inflightLied === 0)) return false
    for (let x = this.head; x !== undefined && x !== block; x = x.next) {
      if (strict || block.appends || x.overlaps(block.offset, block.end)) return false
    }
    return true
  }

  /** Unsettled blocks whose ordering span meets [start, end); seals the tail if it is one. */
  conflicting(start: number, end: number, strict: boolean): Block[] {
    const out: Block[] = []
    for (let b = this.head; b !== undefined; b = b.next) {
      if (strict || b.orders(start, end)) out.push(b)
    }
    if (this.tail !== undefined && out[out.length - 1] === this.tail) this.tail.sealed = true
    return out
  }

  /** Give FAILED blocks among `blocks` that failed before `since` another attempt. */
  retry(blocks: readonly Block[], since: number): void {
    for (const b of blocks) {
      if (b.linked && b.state === FAILED && b.failedAt < since) this.setState(b, DIRTY)
    }
  }

  /** Give every FAILED block that failed before `since` another attempt; returns how many. */
  retryBefore(since: number): number {
    let n = 0
    for (let b = this.head; b !== undefined; b = b.next) {
      if (b.state === FAILED && b.failedAt < since) {
        this.setState(b, DIRTY)
        n++
      }
    }
    return n
  }

  /**
   * DIRTY blocks that cannot be sent because an older block they overlap failed (or is itself
   * stuck); empty when nothing failed.
   */
  stuck(strict: boolean): Set<Block> {
    const out = new Set<Block>()
    if (this.failed === 0) return out
    const blockers: Block[] = []
    for (let b = this.head; b !== undefined; b = b.next) {
      if (b.state === FAILED) {
        blockers.push(b)
        continue
      }
      if (b.state !== DIRTY) continue
      for (const x of blockers) {
        if (strict || b.appends || x.overlaps(b.offset, b.end)) {
          out.add(b)
          blockers.push(b)
          break
        }
      }
    }
    return out
  }

  /** The oldest FAILED block, whose error stands for a stall. */
  firstFailed(): Block | undefined {
    for (let b = this.head; b !== undefined; b = b.next) if (b.state === FAILED) return b
    return undefined
  }

  /** Record lost data; fds opened before `clock` will be told on every later fsync and close. */
  addLoss(loss: Loss): void {
    const losses = this.losses ?? (this.losses = [])
    losses.push(loss)
    if (losses.length > MAX_LOSSES) {
      const [a, b] = losses.splice(0, 2) as [Loss, Loss]
      losses.unshift(new Loss(b.clock, a.errno, a.cause ?? b.cause, mergeRanges([...a.ranges, ...b.ranges])))
    }
  }

  /** Losses an fd opened at `openClock` has to report, oldest first. */
  lossesSince(openClock: number): Loss[] {
    if (this.losses === undefined) return []
    return this.losses.filter((l) => l.clock > openClock)
  }
}

/** Sort, join touching or overlapping ranges, and keep at most `MAX_RANGES` (joining the closest). */
export function mergeRanges(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = [...ranges].sort((a, b) => a.offset - b.offset)
  const out: { offset: number; length: number }[] = []
  for (const r of sorted) {
    const last = out[out.length - 1]
    if (last !== undefined && r.offset <= last.offset + last.length) {
      last.length = Math.max(last.length, r.offset + r.length - last.offset)
    } else {
      out.push({ offset: r.offset, length: r.length })
    }
  }
  while (out.length > MAX_RANGES) {
    let best = 1
    for (let i = 2; i < out.length; i++) {
      if (gap(out, i) < gap(out, best)) best = i
    }
    const a = out[best - 1]!
    const b = out[best]!
    a.length = b.offset + b.length - a.offset
    out.splice(best, 1)
  }
  return out
}

function gap(r: readonly ByteRange[], i: number): number {
  const a = r[i - 1]!
  return r[i]!.offset - (a.offset + a.length)
}

/** `[a, b), [c, d)` for messages, the first few only. */
export function describeRanges(ranges: readonly ByteRange[]): string {
  const shown = ranges.slice(0, 4).map((r) => `[${r.offset}, ${r.offset + r.length})`).join(', ')
  return ranges.length > 4 ? `${shown} and ${ranges.length - 4} more` : shown
}

function noop(): void {}
