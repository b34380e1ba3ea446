import { debuglog } from 'node:util'
import { errnoOf } from '../../rpc/errno.ts'
import { GlusterError } from '../../rpc/errors.ts'
import type { OptionSpec } from '../options.ts'
import { Iatt } from '../../rpc/programs/fops/iatt.ts'
import {
  type Call, type CommonResult, type CreateResult, type Dict, type Fd, type IattResult, type Inode, type Loc,
  type LookupResult, type OpenResult, type PrePostResult, type ReadResult, type ReaddirResult, type RenameResult,
  type EntryResult, type SeekResult, type WriteResult, gfidToString,
} from '../types.ts'
import { type SetattrArgs, Xlator, type XlatorInit } from '../xlator.ts'
import {
  Barrier, Block, type ByteRange, DIRTY, FAILED, INFLIGHT, Loss, WaitingWrite, WbInode, describeRanges, mergeRanges,
} from './queue.ts'
import { O_ACCMODE, O_APPEND, O_DIRECT, O_DSYNC, O_TRUNC } from '../../rpc/linux.ts'

const debug = debuglog('gfapi')

/** performance/write-behind options (write-behind.c `options[]`; volume-set keys in the wire reference §7.1). */
export const WRITE_BEHIND_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'cache-size', aliases: ['window-size'], name: 'windowBytes', type: 'size', default: '1MB', min: 512 * 1024, max: 1024 ** 3,
    description: 'Per-file window: bytes acknowledged to the caller but not yet by the brick; writes beyond it wait. Defaults to 1 MiB (512 KiB to 1 GiB).',
  },
  {
    key: 'aggregate-size', name: 'aggregateBytes', type: 'size', default: '128KB', min: 0, max: 1024 ** 3,
    description: 'Largest WRITE built from contiguous or overlapping cached writes; at most the window. Defaults to 128 KiB.',
  },
  {
    key: 'flush-behind', name: 'flushBehind', type: 'bool', default: 'on',
    description: 'A flush (close) waits for earlier cached writes, then answers at once and sends FLUSH in the background. Defaults to on.',
  },
  {
    key: 'trickling-writes', name: 'tricklingWrites', type: 'bool', default: 'on',
    description: 'Send a partly filled aggregate at once when no cached write is in flight. Defaults to on.',
  },
  {
    key: 'strict-O_DIRECT', name: 'strictODirect', type: 'bool', default: 'off',
    description: 'O_DIRECT writes bypass the cache (off: O_DIRECT is ignored). Defaults to off.',
  },
  {
    key: 'strict-write-ordering', name: 'strictWriteOrdering', type: 'bool', default: 'off',
    description: 'Every request waits for all earlier cached writes, overlapping or not. Defaults to off.',
  },
  {
    key: 'resync-failed-syncs-after-fsync', name: 'resyncFailedSyncsAfterFsync', type: 'bool', default: 'off',
    description: 'A cached write the brick refused stays cached after fsync reports it, and every later fsync retries it (off: dropped once reported, and every later fsync or close of fds open on the file fails). Defaults to off.',
  },
  {
    key: 'pass-through', name: 'passThrough', type: 'bool', default: 'false',
    description: 'Do nothing: every fop passes straight to the subvolume. Defaults to false.',
  },
]

/** Parsed `WRITE_BEHIND_OPTIONS`. */
export interface WriteBehindConfig {
  readonly windowBytes: number
  readonly aggregateBytes: number
  readonly flushBehind: boolean
  readonly tricklingWrites: boolean
  readonly strictODirect: boolean
  readonly strictWriteOrdering: boolean
  readonly resyncFailedSyncsAfterFsync: boolean
  readonly passThrough: boolean
}

// Linux fallocate(2) mode.
const FALLOC_FL_KEEP_SIZE = 0x01

/** Write results of cached writes carry no attributes (write-behind.c `wb_do_unwinds`). */
const ZERO_IATT: Iatt = Object.freeze(new Iatt()) as Iatt
/** Cache answers per event-loop turn before one waits for the next turn. */
const CACHED_ANSWERS_PER_TURN = 256

/** `result`, once the event loop has turned (an answer past CACHED_ANSWERS_PER_TURN). */
function afterTurn<T>(result: T): Promise<T> {
  return new Promise<T>((resolve) => setImmediate(resolve, result))
}
/** Most pooled aggregate buffers, shared by every file. */
const POOL_MAX = 16
/** Cached writes up to CARVE_MAX bytes that start no aggregate share slabs of CARVE_SLAB_BYTES. */
const CARVE_SLAB_BYTES = 256 * 1024
const CARVE_MAX = 16 * 1024
/**
 * Cached writes of a multiple of SIZED_STEP bytes up to CARVE_MAX (aligned I/O) take buffers of
 * their exact size, given back once written, at most SIZED_POOL_BYTES of them kept idle.
 */
const SIZED_STEP = 512
const SIZED_POOL_BYTES = 2 * 1024 * 1024
/**
 * Cached writes over CARVE_MAX that start no aggregate (1 MiB blocks of an image copy, 64 KiB
 * random writes) take an idle buffer of their exact size given back once written: a new one each
 * time costs a page fault per 4 KiB when the copy first touches it (an image copy spent more time
 * in those faults than in the copy). At most LARGE_POOL_MAX of them, and at most the window's
 * worth of bytes, are kept idle; the oldest make room.
 */
const LARGE_POOL_MAX = 16

/**
 * What write-behind keeps per fd: when it was opened, to know which losses it must report, and
 * the FLUSH flush-behind sent in the background, which RELEASE must not overtake (the brick
 * would answer the FLUSH EBADF, and locks it releases would outlive the fd).
 */
class WbFd {
  readonly openClock: number
  flushing: Promise<unknown> | undefined = undefined
  constructor(openClock: number) {
    this.openClock = openClock
  }
}

/**
 * performance/write-behind: writes are acknowledged from a bounded per-file cache (copied once:
 * the caller may reuse its buffer when the write resolves) and sent in the background, contiguous
 * and overlapping ones folded into WRITEs of up to aggregate-size. Writes on O_SYNC, O_DSYNC,
 * O_APPEND (the brick picks the offset) and, with strict-O_DIRECT, O_DIRECT fds or with those
 * flags, writes larger than the window and writes with xdata are not cached: they keep their
 * place in the order and are answered by the brick, their buffer sent by reference. Reads inside
 * one cached block are answered from it; reads, stat, fstat, truncate, discard, zerofill,
 * fallocate and seek that touch cached bytes wait for them; setattr, lookup, rename, link,
 * readdirp and O_TRUNC opens wait for the file's cached writes. Per-inode state and its state
 * machine are in queue.ts (`WbInode`).
 *
 * Failure rules (stricter than C, wire reference §7.3):
 * - a failed background write stays cached; fsync, fdatasync, flush (close) and any request that
 *   depends on its bytes retry it once, then report its errno and `failedRanges`;
 * - with resync-failed-syncs-after-fsync on, fsync keeps it cached (every later fsync retries);
 *   otherwise fsync drops it, and every later fsync and close of each fd that was open on the file
 *   fails with that loss (like Linux errseq, but sticky). Close drops what its fd wrote, after
 *   reporting it; a release without close, or `fini`, records what it could not write and `fini`
 *   reports it.
 */
export class WriteBehind extends Xlator {
  static readonly type = 'performance/write-behind'

  readonly config: WriteBehindConfig
  readonly #volume: string
  /** Orders failures, losses and fd opens: a loss is reported to fds opened before it. */
  #clock = 1
  readonly #pool: Buffer[] = []
  /** Inodes holding blocks, for readdirp and fini. */
  readonly #dirty = new Set<WbInode>()
  /** Losses no fsync or close could report (an fd released without close); `fini` reports them. */
  #unreported: Loss | undefined = undefined
  /**
   * Answers given from the cache since the event loop last turned. A loop of cached writes or
   * reads resolves in microtasks only and would starve sockets and timers (replies, pings) for
   * as long as it runs; past CACHED_ANSWERS_PER_TURN the next answer waits for setImmediate.
   */
  #cachedAnswers = 0
  #turnPending = false
  readonly #newTurn = (): void => {
    this.#cachedAnswers = 0
    this.#turnPending = false
  }

  constructor(init: XlatorInit<WriteBehindConfig>) {
    super(init)
    this.config = init.options
    this.#volume = init.graph.volume
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  override writev(call: Call, fd: Fd, data: Buffer, offset: number, flags: number, xdata?: Dict): Promise<WriteResult> {
    const len = data.length
    if (len === 0) return this.child.writev(call, fd, data, offset, flags, xdata)
    const st = this.#inode(fd.inode)
    const c = this.config
    const sync = O_DSYNC | (c.strictODirect ? O_DIRECT : 0)
    const bypass = (fd.flags & (sync | O_APPEND)) !== 0 || (flags & sync) !== 0 || xdata !== undefined || len > c.windowBytes
    if (st.admission.length === 0) {
      if (bypass) return this.#bypass(st, call, fd, data, offset, flags, xdata)
      if (st.cachedBytes + len <= c.windowBytes) {
        this.#cache(st, fd, call, data, offset, flags)
        return this.#answerWrite(len)
      }
    }
    // Older writes wait for room: this one waits behind them, whatever its kind, to keep issue order.
    const w = (this.#waitingWrites.pop() ?? new WaitingWrite()).init(fd, call, data, offset, flags, xdata, bypass, this.#clock)
    waitingToSettle = w
    const promise = new Promise<WriteResult>(takeWaitingSettlers)
    waitingToSettle = undefined
    st.admission.push(w)
    this.#admit(st)
    return promise
  }

  /**
   * WaitingWrites out of the admission queue, for reuse: #admit gives one back once it has settled
   * it (or handed its settlers on) and read the last of its fields; nothing else refers to it then.
   */
  readonly #waitingWrites: WaitingWrite[] = []

  #doneWaiting(w: WaitingWrite): void {
    w.clear()
    if (this.#waitingWrites.length < MAX_POOLED_WAITING) this.#waitingWrites.push(w)
  }

  /** Resolve an answer from the cache, letting the event loop turn now and then (see #cachedAnswers). */
  #answer<T>(result: T): Promise<T> {
    return this.#mustWaitTurn() ? afterTurn(result) : Promise.resolve(result)
  }

  /**
   * The answer to a cached write of `size` bytes, as #answer. A cached write's result says only
   * its size: consecutive writes of one size share one frozen result and one resolved promise.
   */
  #answerWrite(size: number): Promise<WriteResult> {
    const result = this.#cachedWriteResult(size)
    if (this.#mustWaitTurn()) return afterTurn(result)
    if (this.#answeredWith !== result) {
      this.#answered = Promise.resolve(result)
      this.#answeredWith = result
    }
    return this.#answered!
  }

  /** A resolved promise of #cachedWriteResult's current result, made once per run of one size. */
  #answered: Promise<WriteResult> | undefined
  #answeredWith: WriteResult | undefined

  /** What a cached write of `size` bytes resolves with: one frozen result per run of one size. */
  #cachedWriteResult(size: number): WriteResult {
    if (this.#resultSize !== size) {
      this.#result = cachedWriteResult(size)
      this.#resultSize = size
    }
    return this.#result!
  }

  #result: WriteResult | undefined
  #resultSize = -1

  /** Counts an answer from the cache; true when it must wait for the event loop to turn first. */
  #mustWaitTurn(): boolean {
    if (!this.#turnPending) {
      this.#turnPending = true
      setImmediate(this.#newTurn)
    }
    return ++this.#cachedAnswers > CACHED_ANSWERS_PER_TURN
  }

  /** Copy an acknowledged write into the cache: into a block it overlaps or continues, or a new one. */
  #cache(st: WbInode, fd: Fd, call: Call, data: Buffer, offset: number, flags: number): void {
    const len = data.length
    const limit = this.config.aggregateBytes
    const merged = st.merge(fd, call, flags, data, offset, limit)
    if (merged !== undefined) {
      if (offset + len > st.knownSize) st.knownSize = offset + len
      this.#trySend(st, merged)
      return
    }
    // A write continuing the previous block is likely a sequential stream: give it a whole
    // aggregate buffer; others get their size, and grow if followed.
    const prev = st.tail
    const buf = len === limit || (len < limit && prev !== undefined && prev.fd === fd && prev.end === offset) ? this.#takeBuffer() : this.#carve(len)
    data.copy(buf, 0)
    const orderStart = offset > st.knownSize ? st.knownSize : offset
    if (offset + len > st.knownSize) st.knownSize = offset + len
    const reused = this.#blocks.pop()
    const block = reused !== undefined ? reused.reuse(fd, call, flags, buf, offset, len, orderStart)
      : new Block(fd, call, flags, undefined, buf, 0, offset, len, orderStart, true, false, undefined, undefined)
    st.link(block)
    this.#dirty.add(st)
    // The previous tail stopped aggregating when this block followed it.
    this.#trySend(st, prev)
    this.#trySend(st, block)
  }

  /**
   * A write the cache must not hold: ordered like any other, answered by the brick. An O_APPEND
   * write lands at the end of the file, not at `offset`: it is ordered after every older write
   * and before every newer one, and says nothing of the size until the brick answers.
   */
  #bypass(st: WbInode, call: Call, fd: Fd, data: Buffer, offset: number, flags: number, xdata: Dict | undefined): Promise<WriteResult> {
    const appends = (fd.flags & O_APPEND) !== 0
    const end = offset + data.length
    // Older failed writes it overlaps get one more attempt; if they fail again it cannot go.
    const retrying = st.failed > 0
    if (retrying) st.retry(appends ? st.conflicting(0, Infinity, true) : st.conflicting(offset, end, this.config.strictWriteOrdering), this.#clock)
    return new Promise<WriteResult>((resolve, reject) => {
      const orderStart = appends ? 0 : offset > st.knownSize ? st.knownSize : offset
      const prev = st.tail
      const block = new Block(fd, call, flags, xdata, data, 0, offset, data.length, orderStart, false, appends, resolve, reject)
      st.link(block)
      this.#dirty.add(st)
      if (!appends && end > st.knownSize) st.knownSize = end
      this.#trySend(st, prev)
      this.#trySend(st, block)
      // The retried blocks go now, and a bypass stuck behind one that still fails is refused.
      if (retrying) this.#progress(st)
    })
  }

  /** Admit waiting writes while the window has room; when nothing can free room, fail them. */
  #admit(st: WbInode): void {
    const window = this.config.windowBytes
    while (st.admission.length > 0) {
      const w = st.admission[0]!
      if (w.bypass) {
        st.admission.shift()
        this.#bypass(st, w.call, w.fd, w.data, w.offset, w.flags, w.xdata).then(w.resolve, w.reject)
        this.#doneWaiting(w)
        continue
      }
      if (st.cachedBytes + w.data.length <= window) {
        st.admission.shift()
        this.#cache(st, w.fd, w.call, w.data, w.offset, w.flags)
        w.resolve(this.#cachedWriteResult(w.data.length))
        this.#doneWaiting(w)
        continue
      }
      // Room comes from writes completing: the tail must not wait for more bytes.
      const tail = st.tail
      if (tail !== undefined && !tail.sealed) {
        tail.sealed = true
        this.#trySend(st, tail)
      }
      if (st.inflight > 0) return
      this.#pump(st)
      if (st.inflight > 0) return
      // Nothing in flight: the window is full of writes the brick refused (or stuck behind one).
      // Those that failed before this write arrived get one more attempt on its behalf.
      if (st.retryBefore(w.since) > 0) {
        this.#pump(st)
        if (st.inflight > 0) return
      }
      st.admission.shift()
      w.reject(this.#stallError(st, w))
      this.#doneWaiting(w)
    }
  }

  /** Send every block that may go now (after retries, drops, barriers: the rare paths). */
  #pump(st: WbInode): void {
    this.#pumpRange(st, 0, Infinity)
  }

  /**
   * Send the DIRTY blocks meeting [start, end) that may go now, and the tail if it may: what a
   * change to that span can have unblocked. DIRTY blocks are few and mostly the newest, so the
   * walk starts at the tail and stops when all of them were seen.
   */
  #pumpRange(st: WbInode, start: number, end: number): void {
    const c = this.config
    const all = c.strictWriteOrdering
    let left = st.dirty
    for (let b = st.tail; b !== undefined && left > 0; b = b.prev) {
      if (b.state !== DIRTY) continue
      left--
      if ((all || b === st.tail || b.overlaps(start, end)) && st.canSend(b, c.tricklingWrites, c.strictWriteOrdering)) this.#send(st, b)
    }
  }

  #trySend(st: WbInode, b: Block | undefined): void {
    const c = this.config
    if (b !== undefined && b.state === DIRTY && st.canSend(b, c.tricklingWrites, c.strictWriteOrdering)) this.#send(st, b)
  }

  /**
   * One WRITE of `b`; #written takes its answer through a pooled SentWrite (see there), so a WRITE
   * makes no closure and no async frame.
   */
  #send(st: WbInode, b: Block): void {
    st.setState(b, INFLIGHT)
    b.sealed = true
    b.sent = true
    const start = b.appends ? 0 : b.offset
    const end = b.appends ? Infinity : b.end
    const bytes = b.start === 0 && b.length === b.data.length ? b.data : b.data.subarray(b.start, b.start + b.length)
    let sent: Promise<WriteResult>
    try {
      sent = this.child.writev(b.call, b.fd, bytes, b.offset, b.flags, b.xdata)
    } catch (err) {
      this.#written(st, b, start, end, undefined, err)
      return
    }
    const handlers = this.#sentWrites.pop() ?? new SentWrite(this.#sentWrites, this.#writtenFn)
    handlers.st = st
    handlers.block = b
    handlers.start = start
    handlers.end = end
    sent.then(handlers.ok, handlers.failed)
  }

  /**
   * Cached blocks written and unlinked, for the next cached writes. Only unpinned ones: then the
   * list, the SentWrite of its last WRITE (which called #written) and the synchronous code that
   * runs there were all that referred to the block; every array of blocks that outlives a turn
   * (#waitFor's and #drainFd's, and what is built from them) went into a Barrier, which pins.
   */
  readonly #blocks: Block[] = []

  #recycleBlock(b: Block): void {
    if (b.pinned || this.#blocks.length >= MAX_POOLED_BLOCKS) return
    b.release()
    this.#blocks.push(b)
  }

  /** SentWrites whose WRITE was answered, for the next WRITE. */
  readonly #sentWrites: SentWrite[] = []
  readonly #writtenFn: WrittenFn = (st, b, start, end, result, failure) => this.#written(st, b, start, end, result, failure)

  /** The WRITE of `b` (covering [start, end) for ordering) answered `result` or failed with `failure`. */
  #written(st: WbInode, b: Block, start: number, end: number, result: WriteResult | undefined, failure: unknown): void {
    if (result !== undefined && result.size >= b.length) {
      st.unlink(b)
      if (b.lied) {
        this.#recycle(b.data)
        this.#recycleBlock(b)
      } else {
        // Only the brick knows where an append ended.
        if (b.appends && result.poststat.size > st.knownSize) st.knownSize = result.poststat.size
        b.resolve!({ size: b.done + b.length, prestat: result.prestat, poststat: result.poststat, xdata: result.xdata })
      }
    } else if (result !== undefined && result.size > 0) {
      // A short write: the rest is sent again, as write-behind.c wb_fulfill_short_write does.
      const n = result.size
      b.offset += n
      b.start += n
      b.length -= n
      b.done += n
      if (b.lied) st.cachedBytes -= n
      st.setState(b, DIRTY)
    } else {
      const err = toGlusterError(failure, this.#volume, b.fd.inode)
      if (b.lied) {
        st.setState(b, FAILED)
        b.failedAt = this.#clock++
        b.error = err
        if (debug.enabled) debug('%s: cached write [%d, %d) of %s failed: %s', this.name, b.offset, b.end, gfidToString(b.fd.inode.gfid), err.message)
      } else {
        st.unlink(b)
        // It may have raised knownSize; what the file holds now is unknown (0: conservative).
        st.knownSize = 0
        // Part of it landed before the failure: a short write, as the brick would report it.
        if (b.done > 0) b.resolve!({ size: b.done, prestat: ZERO_IATT, poststat: ZERO_IATT, xdata: undefined })
        else b.reject!(failure ?? err)
      }
    }
    this.#progress(st, start, end)
  }

  /**
   * After any change (to [start, end), when known): send what may go, release barriers, admit
   * writes, fail stuck bypasses.
   */
  #progress(st: WbInode, start = 0, end = Infinity): void {
    this.#pumpRange(st, start, end)
    if (st.barriers.length > 0 || st.failed > 0) {
      const stuck = st.stuck(this.config.strictWriteOrdering)
      let rejected = false
      for (const b of stuck) {
        if (b.lied) continue
        st.unlink(b)
        st.knownSize = 0
        rejected = true
        b.reject!(this.#dependentError(st, 'write', b.fd.inode, [b]))
      }
      if (rejected) this.#pump(st)
      for (let i = 0; i < st.barriers.length; i++) {
        const br = st.barriers[i]!
        if (br.blocks.every((b) => !b.linked || b.state === FAILED || stuck.has(b))) {
          st.barriers.splice(i--, 1)
          br.release()
        }
      }
    }
    if (st.admission.length > 0) this.#admit(st)
    if (st.empty) this.#dirty.delete(st)
  }

  // ---------------------------------------------------------------------------------------------
  // Ordering and failure reports

  /**
   * Wait until the blocks `st` holds over [start, end) (all of them with strict-write-ordering)
   * were written, failed, or are stuck behind a failure; `retrySince` gives blocks that failed
   * before it one more attempt. Returns the blocks waited for.
   */
  async #waitFor(st: WbInode, start: number, end: number, retrySince: number | undefined): Promise<readonly Block[]> {
    const blocks = st.conflicting(start, end, this.config.strictWriteOrdering)
    if (blocks.length === 0) return blocks
    if (retrySince !== undefined) st.retry(blocks, retrySince)
    const barrier = new Barrier(blocks)
    st.barriers.push(barrier)
    this.#progress(st)
    await barrier.promise
    return blocks
  }

  /** For requests that need the bytes: wait, and fail with the errno of a write that did not make it. */
  async #dependOn(st: WbInode, start: number, end: number, syscall: string, inode: Inode): Promise<void> {
    const blocks = await this.#waitFor(st, start, end, this.#clock)
    let failed: Block[] | undefined
    for (const b of blocks) if (b.linked) (failed ??= []).push(b)
    if (failed !== undefined) throw this.#dependentError(st, syscall, inode, failed)
  }

  /** For requests that only need ordering (setattr, rename...): wait, never fail. */
  async #orderAfter(st: WbInode | undefined): Promise<void> {
    if (st !== undefined && !st.empty) await this.#waitFor(st, 0, Infinity, undefined)
  }

  /**
   * fsync and flush: retry older failures once and wait for every earlier block. Returns the
   * blocks that failed (oldest first), after dropping those `drop` selects, or undefined.
   */
  async #sync(st: WbInode, drop: (b: Block) => boolean): Promise<Block[] | undefined> {
    const blocks = await this.#waitFor(st, 0, Infinity, this.#clock)
    let failed: Block[] | undefined
    for (const b of blocks) if (b.linked && b.state === FAILED) (failed ??= []).push(b)
    if (failed === undefined) return undefined
    const dropped = failed.filter(drop)
    if (dropped.length > 0) this.#drop(st, dropped, failed[0]!.error)
    return failed
  }

  /** Forget failed or stuck blocks after they were reported (or could not be); record the loss. */
  #drop(st: WbInode, blocks: readonly Block[], cause: GlusterError | undefined): Loss {
    for (const b of blocks) st.unlink(b)
    // Their ends raised knownSize and never landed: the size is unknown again (0: conservative).
    st.knownSize = 0
    const loss = new Loss(this.#clock++, cause === undefined ? errnoOf('EIO') : -cause.errno, cause, mergeRanges(blocks.map(rangeOf)))
    st.addLoss(loss)
    this.#progress(st)
    return loss
  }

  /**
   * This fd's own blocks must reach the brick before the fd goes away: wait (after one more
   * attempt for every older failure when `retry`); drop what cannot make it.
   */
  async #drainFd(st: WbInode, fd: Fd, retry = false): Promise<Loss | undefined> {
    const own: Block[] = []
    for (let b = st.head; b !== undefined; b = b.next) if (b.fd === fd) own.push(b)
    if (own.length === 0) return undefined
    if (retry) st.retryBefore(this.#clock)
    if (st.tail !== undefined) st.tail.sealed = true
    const barrier = new Barrier(own)
    st.barriers.push(barrier)
    this.#progress(st)
    await barrier.promise
    const left = own.filter((b) => b.linked)
    if (left.length === 0) return undefined
    return this.#drop(st, left, left.find((b) => b.error !== undefined)?.error ?? st.firstFailed()?.error)
  }

  #lossesOf(st: WbInode | undefined, fd: Fd): Loss[] {
    if (st === undefined || st.losses === undefined) return []
    return st.lossesSince(this.#fdState(fd).openClock)
  }

  // ---------------------------------------------------------------------------------------------
  // Fops that wait for cached writes

  override async fsync(call: Call, fd: Fd, datasync: boolean, xdata?: Dict): Promise<PrePostResult> {
    const st = this.#peek(fd.inode)
    if (st !== undefined && !st.empty) {
      const resync = this.config.resyncFailedSyncsAfterFsync
      const failed = await this.#sync(st, () => !resync)
      if (failed !== undefined) {
        throw this.#reportError('fsync', fd.inode, failed[0]!.error, mergeRanges(failed.map(rangeOf)), resync
          ? 'they stay cached and every later fsync retries them'
          : 'they were dropped: every later fsync and close of an fd that was open on this file fails')
      }
    }
    const r = await this.child.fsync(call, fd, datasync, xdata)
    const losses = this.#lossesOf(st, fd)
    if (losses.length > 0) throw this.#lossError('fsync', fd.inode, losses)
    return r
  }

  override async flush(call: Call, fd: Fd, xdata?: Dict): Promise<CommonResult> {
    const st = this.#peek(fd.inode)
    let err: GlusterError | undefined
    if (st !== undefined && !st.empty) {
      const resync = this.config.resyncFailedSyncsAfterFsync
      // What this fd wrote cannot be sent once it is closed; with resync on, other fds' failed
      // writes stay cached for them.
      const failed = await this.#sync(st, (b) => !resync || b.fd === fd)
      const lost = await this.#drainFd(st, fd)
      if (failed !== undefined || lost !== undefined) {
        const ranges = mergeRanges([...(failed ?? []).map(rangeOf), ...(lost?.ranges ?? [])])
        const othersKept = resync && failed !== undefined && failed.some((b) => b.fd !== fd)
        err = this.#reportError('flush', fd.inode, failed !== undefined ? failed[0]!.error : lost?.cause, ranges,
          `${othersKept ? 'those other fds wrote stay cached for their fsync; ' : ''}what this fd wrote was dropped: every later fsync and close of an fd that was open on this file fails`)
      }
    }
    if (err === undefined) {
      const losses = this.#lossesOf(st, fd)
      if (losses.length > 0) err = this.#lossError('flush', fd.inode, losses)
    }
    // FLUSH goes even after a failure: it releases the caller's POSIX locks on the brick.
    if (this.config.flushBehind || err !== undefined) {
      this.#fdState(fd).flushing = this.child.flush(call, fd, xdata).catch((e: unknown) => debug('%s: background flush failed: %s', this.name, (e as Error).message))
      if (err !== undefined) throw err
      return { xdata: undefined }
    }
    return this.child.flush(call, fd, xdata)
  }

  override async release(call: Call, fd: Fd): Promise<void> {
    const st = this.#peek(fd.inode)
    if (st !== undefined && !st.empty) {
      // A release without close (Glfs.fini): nobody can be told here; fini reports it.
      const lost = await this.#drainFd(st, fd, true)
      if (lost !== undefined) this.#unreported = mergeLoss(this.#unreported, lost)
    }
    const flushing = (fd.ctx.get(this) as WbFd | undefined)?.flushing
    if (flushing !== undefined) await flushing
    fd.ctx.delete(this)
    return this.child.release(call, fd)
  }

  override readv(call: Call, fd: Fd, size: number, offset: number, flags: number, xdata?: Dict, sink?: Uint8Array): Promise<ReadResult> {
    const st = this.#peek(fd.inode)
    // Nothing cached for the file: straight down, without an async frame of our own.
    if (st === undefined || st.empty || size <= 0) return this.child.readv(call, fd, size, offset, flags, xdata, sink)
    return this.#readvCached(st, call, fd, size, offset, flags, xdata, sink)
  }

  async #readvCached(st: WbInode, call: Call, fd: Fd, size: number, offset: number, flags: number, xdata?: Dict, sink?: Uint8Array): Promise<ReadResult> {
    const hit = fromCache(st, size, offset)
    if (hit !== undefined) return this.#answer(hit)
    await this.#dependOn(st, offset, offset + size, 'read', fd.inode)
    return this.child.readv(call, fd, size, offset, flags, xdata, sink)
  }

  override async fstat(call: Call, fd: Fd, xdata?: Dict): Promise<IattResult> {
    const st = this.#peek(fd.inode)
    if (st !== undefined && !st.empty) await this.#dependOn(st, 0, Infinity, 'fstat', fd.inode)
    const r = await this.child.fstat(call, fd, xdata)
    if (st !== undefined && st.empty) st.knownSize = r.stat.size
    return r
  }

  override async stat(call: Call, loc: Loc, xdata?: Dict): Promise<IattResult> {
    const st = this.#peek(loc.inode)
    if (st !== undefined && !st.empty) await this.#dependOn(st, 0, Infinity, 'stat', loc.inode!)
    const r = await this.child.stat(call, loc, xdata)
    if (st !== undefined && st.empty) st.knownSize = r.stat.size
    return r
  }

  override async lookup(call: Call, loc: Loc, xdata?: Dict): Promise<LookupResult> {
    const st = this.#peek(loc.inode)
    await this.#orderAfter(st)
    const r = await this.child.lookup(call, loc, xdata)
    if (st !== undefined) {
      if (st.empty) st.knownSize = r.stat.size
      return r
    }
    // A lookup by name carries no inode: recognise a file with cached writes by its gfid, and
    // look again once they landed, so the size and times include them.
    const named = this.#dirty.size > 0 ? this.#dirtyByGfid(r.stat.gfid) : undefined
    if (named === undefined) return r
    await this.#orderAfter(named)
    return this.child.lookup(call, loc, xdata)
  }

  #dirtyByGfid(gfid: Buffer): WbInode | undefined {
    for (const st of this.#dirty) if (st.gfid.equals(gfid)) return st
    return undefined
  }

  override ftruncate(call: Call, fd: Fd, offset: number, xdata?: Dict): Promise<PrePostResult> {
    return this.#truncate(fd.inode, offset, 'ftruncate', () => this.child.ftruncate(call, fd, offset, xdata))
  }

  override truncate(call: Call, loc: Loc, offset: number, xdata?: Dict): Promise<PrePostResult> {
    return this.#truncate(loc.inode, offset, 'truncate', () => this.child.truncate(call, loc, offset, xdata))
  }

  /**
   * A truncation supersedes the cached writes above `offset` that failed: their bytes would be
   * cut off anyway, and a retry after it would bring them back. They are forgotten (no loss to
   * report: the file ends up as if they had landed) unless the truncation fails; the rest of what
   * it depends on is waited for (and retried) as for any request.
   */
  async #truncate(inode: Inode | undefined, offset: number, syscall: string, wind: () => Promise<PrePostResult>): Promise<PrePostResult> {
    const st = this.#peek(inode)
    let superseded: ByteRange[] | undefined
    if (st !== undefined && !st.empty) {
      if (st.failed > 0) superseded = this.#supersede(st, offset, undefined)
      await this.#dependOn(st, offset, Infinity, syscall, inode!)
    }
    let r: PrePostResult
    try {
      r = await wind()
    } catch (err) {
      if (st !== undefined && superseded !== undefined) this.#supersedeFailed(st, superseded, err)
      throw err
    }
    if (st !== undefined) truncated(st, offset)
    return r
  }

  /**
   * Forget the FAILED blocks above `offset`, and cut those across it down to it; returns the ranges
   * forgotten, or undefined when none. With `among` (the blocks an O_TRUNC open waited for), the
   * DIRTY ones stuck behind them too: sent now, they would land after the truncation.
   */
  #supersede(st: WbInode, offset: number, among: readonly Block[] | undefined): ByteRange[] | undefined {
    let gone: ByteRange[] | undefined
    const forgotten: Block[] = []
    if (among === undefined) {
      for (let b = st.head; b !== undefined; b = b.next) if (b.state === FAILED) forgotten.push(b)
    } else {
      for (const b of among) if (b.linked && b.state !== INFLIGHT) forgotten.push(b)
    }
    for (const b of forgotten) {
      if (b.end <= offset) continue
      const from = Math.max(b.offset, offset)
      ;(gone ??= []).push({ offset: from, length: b.end - from })
      if (b.offset >= offset) {
        st.unlink(b)
      } else {
        if (b.lied) st.cachedBytes -= b.end - offset
        b.length = offset - b.offset
      }
    }
    if (gone !== undefined) this.#progress(st)
    return gone
  }

  /** The truncation that superseded failed writes failed itself: their loss stands. */
  #supersedeFailed(st: WbInode, ranges: ByteRange[], err: unknown): void {
    const cause = err instanceof GlusterError ? err : undefined
    st.addLoss(new Loss(this.#clock++, cause === undefined ? errnoOf('EIO') : -cause.errno, cause, mergeRanges(ranges)))
  }

  override async discard(call: Call, fd: Fd, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    const st = this.#peek(fd.inode)
    if (st !== undefined && !st.empty) await this.#dependOn(st, offset, offset + length, 'discard', fd.inode)
    return this.child.discard(call, fd, offset, length, xdata)
  }

  override async zerofill(call: Call, fd: Fd, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    const st = this.#peek(fd.inode)
    if (st !== undefined && !st.empty) await this.#dependOn(st, offset, offset + length, 'zerofill', fd.inode)
    const r = await this.child.zerofill(call, fd, offset, length, xdata)
    if (st !== undefined && offset + length > st.knownSize) st.knownSize = offset + length
    return r
  }

  override async fallocate(call: Call, fd: Fd, mode: number, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    const st = this.#peek(fd.inode)
    if (st !== undefined && !st.empty) await this.#dependOn(st, offset, offset + length, 'fallocate', fd.inode)
    const r = await this.child.fallocate(call, fd, mode, offset, length, xdata)
    if (st !== undefined && (mode & FALLOC_FL_KEEP_SIZE) === 0 && offset + length > st.knownSize) st.knownSize = offset + length
    return r
  }

  override async seek(call: Call, fd: Fd, offset: number, what: number, xdata?: Dict): Promise<SeekResult> {
    const st = this.#peek(fd.inode)
    if (st !== undefined && !st.empty) await this.#dependOn(st, offset, Infinity, 'seek', fd.inode)
    return this.child.seek(call, fd, offset, what, xdata)
  }

  override async setattr(call: Call, loc: Loc, attrs: SetattrArgs, valid: number, xdata?: Dict): Promise<PrePostResult> {
    // A cached write landing later would overwrite the times set here.
    await this.#orderAfter(this.#peek(loc.inode))
    return this.child.setattr(call, loc, attrs, valid, xdata)
  }

  override async fsetattr(call: Call, fd: Fd, attrs: SetattrArgs, valid: number, xdata?: Dict): Promise<PrePostResult> {
    await this.#orderAfter(this.#peek(fd.inode))
    return this.child.fsetattr(call, fd, attrs, valid, xdata)
  }

  override async rename(call: Call, oldLoc: Loc, newLoc: Loc, xdata?: Dict): Promise<RenameResult> {
    await this.#orderAfter(this.#peek(oldLoc.inode))
    return this.child.rename(call, oldLoc, newLoc, xdata)
  }

  override async link(call: Call, oldLoc: Loc, newLoc: Loc, xdata?: Dict): Promise<EntryResult> {
    await this.#orderAfter(this.#peek(oldLoc.inode))
    return this.child.link(call, oldLoc, newLoc, xdata)
  }

  override async readdirp(call: Call, fd: Fd, size: number, offset: bigint, xdata?: Dict): Promise<ReaddirResult> {
    // Entries carry sizes and times: let cached writes land first (write-behind.c instead blanks
    // the stat of entries with pending writes).
    if (this.#dirty.size > 0) await Promise.all([...this.#dirty].map((st) => this.#orderAfter(st)))
    return this.child.readdirp(call, fd, size, offset, xdata)
  }

  override async open(call: Call, loc: Loc, flags: number, fd: Fd, xdata?: Dict): Promise<OpenResult> {
    const truncating = (flags & O_TRUNC) !== 0 && (flags & O_ACCMODE) !== 0
    const st = this.#peek(fd.inode)
    // Older cached writes must not land after the brick truncated the file: wait for them, and
    // forget those that failed (a retry would bring their bytes back into the emptied file).
    const older = truncating && st !== undefined && !st.empty ? await this.#waitFor(st, 0, Infinity, undefined) : undefined
    const r = await this.child.open(call, loc, flags, fd, xdata)
    this.#fdState(fd)
    if (truncating) {
      const now = this.#inode(fd.inode)
      if (older !== undefined) this.#supersede(now, 0, older)
      truncated(now, 0)
    }
    return r
  }

  override async create(call: Call, loc: Loc, flags: number, mode: number, umask: number, fd: Fd, xdata?: Dict): Promise<CreateResult> {
    const r = await this.child.create(call, loc, flags, mode, umask, fd, xdata)
    this.#fdState(fd)
    const st = this.#inode(fd.inode)
    if (st.empty) st.knownSize = r.stat.size
    return r
  }

  /** Write what is still cached (one attempt each); fail if anything was lost unreported. */
  override async fini(): Promise<void> {
    for (const st of this.#dirty) {
      for (const w of st.admission.splice(0)) {
        w.reject(new GlusterError({ errno: errnoOf('ENOTCONN'), syscall: 'write', gfid: gfidToString(w.fd.inode.gfid), volume: this.#volume, detail: 'the volume is being unmounted' }))
      }
    }
    for (const st of [...this.#dirty]) {
      st.retryBefore(this.#clock)
      await this.#waitFor(st, 0, Infinity, undefined)
      const left: Block[] = []
      for (let b = st.head; b !== undefined; b = b.next) left.push(b)
      if (left.length > 0) this.#unreported = mergeLoss(this.#unreported, this.#drop(st, left, st.firstFailed()?.error))
    }
    const lost = this.#unreported
    this.#unreported = undefined
    if (lost !== undefined) {
      throw new GlusterError({
        errno: lost.errno, syscall: 'fini', volume: this.#volume, brick: lost.cause?.brick, cause: lost.cause, failedRanges: lost.ranges,
        detail: `${totalBytes(lost.ranges)} bytes of cached writes never reached the brick (${describeRanges(lost.ranges)}) and their fds were released without close`,
      })
    }
  }

  // ---------------------------------------------------------------------------------------------

  #inode(inode: Inode): WbInode {
    let st = inode.ctx.get(this) as WbInode | undefined
    if (st === undefined) {
      st = new WbInode(inode.gfid)
      inode.ctx.set(this, st)
    }
    return st
  }

  #peek(inode: Inode | undefined): WbInode | undefined {
    return inode === undefined ? undefined : inode.ctx.get(this) as WbInode | undefined
  }

  #fdState(fd: Fd): WbFd {
    let s = fd.ctx.get(this) as WbFd | undefined
    if (s === undefined) {
      s = new WbFd(this.#clock++)
      fd.ctx.set(this, s)
    }
    return s
  }

  /**
   * Room for a cached write that starts no aggregate: over CARVE_MAX, a buffer of that size
   * written before (#large) or a new one; of a smaller aligned size, likewise (#sized); otherwise
   * carved from a shared slab (Buffer.allocUnsafe pools nothing from 4 KiB up, so each would be an
   * ArrayBuffer and a malloc of its own). Each is exactly `len` long: a block grows into a new
   * buffer, never past it.
   */
  #carve(len: number): Buffer {
    if (len > CARVE_MAX) return this.#takeLarge(len) ?? Buffer.allocUnsafeSlow(len)
    if (len % SIZED_STEP === 0) {
      const buf = this.#sized[len / SIZED_STEP - 1]!.pop()
      if (buf === undefined) return Buffer.allocUnsafeSlow(len)
      this.#sizedBytes -= len
      return buf
    }
    let slab = this.#slab
    if (slab === undefined || slab.length - this.#slabUsed < len) {
      slab = this.#slab = Buffer.allocUnsafeSlow(CARVE_SLAB_BYTES)
      this.#slabUsed = 0
    }
    const at = this.#slabUsed
    // 8-byte aligned, as Node's pool.
    this.#slabUsed = Math.min(slab.length, (at + len + 7) & ~7)
    return slab.subarray(at, at + len)
  }

  #slab: Buffer | undefined
  #slabUsed = 0

  #takeBuffer(): Buffer {
    return this.#pool.pop() ?? Buffer.allocUnsafe(this.config.aggregateBytes)
  }

  /** Idle buffers over CARVE_MAX, oldest first, each its own ArrayBuffer (#carve). */
  readonly #large: Buffer[] = []
  #largeBytes = 0

  #takeLarge(len: number): Buffer | undefined {
    const large = this.#large
    for (let i = large.length - 1; i >= 0; i--) {
      const buf = large[i]!
      if (buf.length !== len) continue
      large.splice(i, 1)
      this.#largeBytes -= len
      return buf
    }
    return undefined
  }

  #keepLarge(buf: Buffer): void {
    const len = buf.length
    const budget = this.config.windowBytes
    if (len > budget) return
    const large = this.#large
    while (large.length >= LARGE_POOL_MAX || this.#largeBytes + len > budget) this.#largeBytes -= large.shift()!.length
    large.push(buf)
    this.#largeBytes += len
  }

  /**
   * Idle buffers of aligned small writes, by size (#carve): each its own ArrayBuffer, so a pooled
   * one keeps no slab alive; the Buffer object is reused too, not only its memory.
   */
  readonly #sized: Buffer[][] = Array.from({ length: CARVE_MAX / SIZED_STEP }, () => [])
  #sizedBytes = 0

  /**
   * Only buffers of acknowledged WRITEs come back: the socket is done with them, and their block
   * left the list, so no read from the cache can see them again.
   */
  #recycle(buf: Buffer): void {
    const len = buf.length
    if (len === this.config.aggregateBytes) {
      if (this.#pool.length < POOL_MAX) this.#pool.push(buf)
    } else if (buf.byteOffset === 0 && buf.buffer.byteLength === len) {
      // Not a view of a carve slab, which is shared and never given back.
      if (len > CARVE_MAX) this.#keepLarge(buf)
      else if (len % SIZED_STEP === 0 && this.#sizedBytes + len <= SIZED_POOL_BYTES) {
        this.#sized[len / SIZED_STEP - 1]!.push(buf)
        this.#sizedBytes += len
      }
    }
  }

  #reportError(syscall: string, inode: Inode, cause: GlusterError | undefined, ranges: ByteRange[], fate: string): GlusterError {
    return new GlusterError({
      errno: cause === undefined ? errnoOf('EIO') : -cause.errno, syscall, gfid: gfidToString(inode.gfid), volume: this.#volume,
      brick: cause?.brick, host: cause?.host, port: cause?.port, cause, failedRanges: ranges,
      detail: `${totalBytes(ranges)} bytes of cached writes did not reach the brick (${describeRanges(ranges)}${cause === undefined ? '' : ': ' + cause.code}); ${fate}`,
    })
  }

  #dependentError(st: WbInode, syscall: string, inode: Inode, blocks: readonly Block[]): GlusterError {
    const cause = blocks.find((b) => b.error !== undefined)?.error ?? st.firstFailed()?.error
    const ranges = mergeRanges(blocks.map(rangeOf))
    return new GlusterError({
      errno: cause === undefined ? errnoOf('EIO') : -cause.errno, syscall, gfid: gfidToString(inode.gfid), volume: this.#volume,
      brick: cause?.brick, host: cause?.host, port: cause?.port, cause, failedRanges: ranges,
      detail: `depends on cached writes that did not reach the brick (${describeRanges(ranges)}${cause === undefined ? '' : ': ' + cause.code}); fsync or close reports them`,
    })
  }

  #lossError(syscall: string, inode: Inode, losses: readonly Loss[]): GlusterError {
    const first = losses[0]!
    const ranges = mergeRanges(losses.flatMap((l) => l.ranges))
    return new GlusterError({
      errno: first.errno, syscall, gfid: gfidToString(inode.gfid), volume: this.#volume, brick: first.cause?.brick,
      cause: first.cause, failedRanges: ranges,
      detail: `${totalBytes(ranges)} bytes written to this file while this fd was open were lost (${describeRanges(ranges)}); reported before, and on every fsync and close of this fd`,
    })
  }

  #stallError(st: WbInode, w: WaitingWrite): GlusterError {
    const cause = st.firstFailed()?.error
    return new GlusterError({
      errno: cause === undefined ? errnoOf('EIO') : -cause.errno, syscall: 'write', gfid: gfidToString(w.fd.inode.gfid), volume: this.#volume,
      brick: cause?.brick, host: cause?.host, port: cause?.port, cause,
      detail: `not written: the write-behind window (${this.config.windowBytes} bytes) is full of cached writes the brick refused${cause === undefined ? '' : ' (' + cause.code + ')'}; fsync or close reports them`,
    })
  }
}

/** SentWrites kept per xlator: about as many as WRITEs usually in flight. */
const MAX_POOLED_SENT = 64
/** Written cached blocks kept per xlator for reuse. */
const MAX_POOLED_BLOCKS = 64
/** WaitingWrites kept per xlator: about as many as writes usually waiting for room. */
const MAX_POOLED_WAITING = 64

/** The WaitingWrite whose promise is being made: the executor runs synchronously inside `new Promise`. */
let waitingToSettle: WaitingWrite | undefined
/** One executor for every waiting write's promise, instead of a closure per write. */
function takeWaitingSettlers(resolve: (r: WriteResult) => void, reject: (err: unknown) => void): void {
  waitingToSettle!.resolve = resolve
  waitingToSettle!.reject = reject
}
type WrittenFn = (st: WbInode, b: Block, start: number, end: number, result: WriteResult | undefined, failure: unknown) => void

/**
 * The answer handlers of one WRITE (#send), instead of two closures per WRITE. Its lifetime is
 * certain: taken when the WRITE's promise is subscribed to, and given back inside the one handler
 * the promise calls (exactly one of `ok` and `failed` runs, once), after its fields were read and
 * before #written runs; nothing else refers to it.
 */
class SentWrite {
  st: WbInode | undefined = undefined
  block: Block | undefined = undefined
  start = 0
  end = 0
  readonly #pool: SentWrite[]
  readonly #written: WrittenFn

  constructor(pool: SentWrite[], written: WrittenFn) {
    this.#pool = pool
    this.#written = written
  }

  readonly ok = (result: WriteResult): void => {
    this.#answered(result, undefined)
  }

  readonly failed = (err: unknown): void => {
    this.#answered(undefined, err)
  }

  #answered(result: WriteResult | undefined, failure: unknown): void {
    const { st, block, start, end } = this
    this.st = undefined
    this.block = undefined
    if (this.#pool.length < MAX_POOLED_SENT) this.#pool.push(this)
    this.#written(st!, block!, start, end, result, failure)
  }
}

/** A read that lies inside the newest cached block covering it is answered from that block (a copy). */
function fromCache(st: WbInode, size: number, offset: number): ReadResult | undefined {
  const end = offset + size
  for (let b = st.tail; b !== undefined; b = b.prev) {
    if (b.orders(offset, end)) {
      if (!b.lied || b.state === FAILED || offset < b.offset || end > b.end) return undefined
      const data = Buffer.allocUnsafe(size)
      b.data.copy(data, 0, b.start + offset - b.offset, b.start + end - b.offset)
      return { data, stat: ZERO_IATT, eof: false, xdata: undefined }
    }
  }
  return undefined
}

/** What a cached write resolves with: its size, no attributes (write-behind.c `wb_do_unwinds`). */
function cachedWriteResult(size: number): WriteResult {
  return Object.freeze({ size, prestat: ZERO_IATT, poststat: ZERO_IATT, xdata: undefined })
}

function truncated(st: WbInode, offset: number): void {
  let size = offset
  for (let b = st.head; b !== undefined; b = b.next) if (b.end > size) size = b.end
  st.knownSize = size
}

function rangeOf(b: Block): ByteRange {
  return { offset: b.offset, length: b.length }
}

function totalBytes(ranges: readonly ByteRange[]): number {
  let n = 0
  for (const r of ranges) n += r.length
  return n
}

function mergeLoss(a: Loss | undefined, b: Loss): Loss {
  if (a === undefined) return b
  return new Loss(b.clock, a.errno, a.cause ?? b.cause, mergeRanges([...a.ranges, ...b.ranges]))
}

/** A failure from below as a GlusterError; anything else (a bug, a protocol error) becomes EIO. */
function toGlusterError(err: unknown, volume: string, inode: Inode): GlusterError {
  if (err instanceof GlusterError) return err
  return new GlusterError({
    errno: errnoOf('EIO'), syscall: 'write', gfid: gfidToString(inode.gfid), volume, cause: err,
    detail: err === undefined ? 'the brick wrote 0 bytes' : `write failed: ${(err as Error).message ?? String(err)}`,
  })
}
