import { performance } from 'node:perf_hooks'
import type { OptionSpec } from '../options.ts'
import type {
  Call, CommonResult, CreateResult, Dict, Fd, Inode, Loc, OpenResult, PrePostResult, ReadResult, WriteResult,
} from '../types.ts'
import type { Volfile, VolfileNode } from '../volfile.ts'
import { Xlator, type XlatorInit } from '../xlator.ts'
import { O_DIRECT, O_TRUNC } from '../../rpc/linux.ts'

/**
 * performance/stride-ahead options. Not a glusterfs xlator: volfiles never name it; Glfs inserts
 * it above the volume's top when asked (`GlfsOptions.strideAhead`).
 */
export const STRIDE_AHEAD_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'depth', name: 'depth', type: 'int', default: '16', min: 1, max: 64,
    description: 'Blocks of a detected pattern kept in flight ahead of the reader. Defaults to 16 (measured on 4 KiB every 8 MiB: 16 and 32 about 20% faster than 8, warm and cold).',
  },
  {
    key: 'max-block', name: 'maxBlock', type: 'size', default: '128KB', min: 512, max: 64 * 1024 * 1024,
    description: 'Reads larger than this are not read ahead: at that size a reader keeps the brick busy itself, and a read ahead costs a copy the reader\'s own read does not. Defaults to 128 KiB.',
  },
  {
    key: 'cache-size', name: 'cacheBytes', type: 'size', default: '16MB', min: 64 * 1024, max: 1024 ** 3,
    description: 'Bytes all prefetched blocks of this mount may hold, in flight or waiting. Defaults to 16 MiB.',
  },
]

/** Parsed `STRIDE_AHEAD_OPTIONS`. */
export interface StrideAheadConfig {
  readonly depth: number
  readonly maxBlock: number
  readonly cacheBytes: number
}

/** A prefetched block older than this is not served: the reader moved on, and other clients may have written. */
const MAX_AGE_MS = 1000

/**
 * Recognises a constant stride in one fd's reads: the same size at offsets a constant positive
 * distance apart (the sequential case is the distance equal to the size). Two equal distances in
 * a row confirm it, which random reads almost never produce.
 */
export class StrideDetector {
  /** Distance between the last two reads; meaningful once `observe` returned true. */
  stride = 0
  #last = -1
  #size = 0
  #confirmed = false

  /** Record a read; true when it continues a confirmed pattern. */
  observe(offset: number, size: number): boolean {
    const delta = offset - this.#last
    if (this.#last >= 0 && size === this.#size && delta > 0) {
      this.#confirmed = delta === this.stride
      this.stride = delta
    } else {
      this.#confirmed = false
      this.stride = 0
    }
    this.#last = offset
    this.#size = size
    return this.#confirmed
  }
}

/** One block read ahead of the reader. `reply` never rejects: a failed prefetch is undefined. */
interface Prefetch {
  readonly size: number
  /** The inode's generation when it was sent: a later write makes it unusable. */
  readonly gen: number
  readonly sentAt: number
  readonly reply: Promise<ReadResult | undefined>
}

/** Per-fd state: the detector and the blocks read ahead for this fd, by offset. */
class Stream {
  readonly detector = new StrideDetector()
  readonly pending = new Map<number, Prefetch>()
  /** Next offset of the pattern not yet prefetched, or -1. */
  next = -1
  /** Offset at which a prefetch found the end of the file: nothing at or past it is prefetched. */
  eofAt = Number.POSITIVE_INFINITY
}

/** Per-inode state, shared by every fd of the file in this mount. */
class InodeState {
  /** Bumped when a data-changing fop starts and again when it ends. */
  gen = 0
  /** Data-changing fops in progress: no prefetch is sent while one is. */
  changing = 0
  readonly streams = new Set<Stream>()
  /** gfid in hex, the key among the mount's states. */
  readonly key: string
  /** The inode whose ctx holds this state, once this mount has seen it. */
  inode: Inode | undefined
  constructor(key: string) {
    this.key = key
  }
}

/**
 * Every stride-ahead xlator of this process, by volume: a write through one mount drops what the
 * others read ahead on the file too, and so does that mount's fsync or flush, the point by which
 * its write-behind has put the data on the brick.
 */
const MOUNTS = new Map<string, Set<StrideAhead>>()

/** Another mount's state for an inode being changed through this one. */
type OtherState = readonly [StrideAhead, InodeState]
/** A change in progress: this mount's state of the inode and the other mounts'. */
interface Change {
  readonly st: InodeState
  readonly others: readonly OtherState[] | undefined
}

/** The volfile with a stride-ahead section on top of its graph. */
export function withStrideAhead(volfile: Volfile, volume: string, options: ReadonlyMap<string, string> = new Map()): Volfile {
  const node: VolfileNode = {
    name: `${volume}-stride-ahead`, type: StrideAhead.type, options, subvolumes: [volfile.top.name], line: 0,
  }
  return { nodes: [...volfile.nodes, node], top: node }
}

/**
 * performance/stride-ahead: when an fd's reads follow a constant stride (qcow2 L2 tables read one
 * by one, 4 KiB every 8 MiB; or plain sequential reads), keeps the next `depth` blocks of the
 * pattern in flight so each read finds its data arriving or arrived instead of waiting a round
 * trip. glusterfs's read-ahead follows sequential reads only.
 *
 * Never stale: every write, truncate, discard, zerofill, fallocate or O_TRUNC open through any fd
 * of the inode in this mount drops its prefetched blocks and bumps the inode's generation both
 * when it starts and when it ends; a block is served only if no such fop started since it was
 * sent, and none is sent while one is in progress. So a read issued after a write returned never
 * sees data read before it. Prefetches go down through write-behind like any read, which orders
 * them after the cached writes they overlap. Memory: at most `cache-size` bytes held in all.
 * O_DIRECT fds, reads with xdata and reads above `max-block` (1 MiB image copies at QD4 measured
 * slower and costlier with it) pass straight through.
 */
export class StrideAhead extends Xlator {
  static readonly type = 'performance/stride-ahead'
  readonly config: StrideAheadConfig
  #held = 0
  /** The stride-ahead xlators of this volume in this process, this one included while mounted. */
  readonly #mounts: Set<StrideAhead>
  /** States by gfid (hex), for the other mounts' writes; only inodes with open streams or changes in progress. */
  readonly #byGfid = new Map<string, InodeState>()

  constructor(init: XlatorInit<StrideAheadConfig>) {
    super(init)
    this.config = init.options
    const volume = init.graph.volume
    let mounts = MOUNTS.get(volume)
    if (mounts === undefined) {
      mounts = new Set()
      MOUNTS.set(volume, mounts)
    }
    this.#mounts = mounts
    mounts.add(this)
  }

  override async fini(): Promise<void> {
    this.#mounts.delete(this)
    for (const st of this.#byGfid.values()) for (const s of st.streams) this.#drop(s)
  }

  /** Bytes reserved by prefetched blocks, sent or received; for tests. */
  get heldBytes(): number {
    return this.#held
  }

  override readv(call: Call, fd: Fd, size: number, offset: number, flags: number, xdata?: Dict, sink?: Uint8Array): Promise<ReadResult> {
    if ((fd.flags & O_DIRECT) !== 0 || xdata !== undefined || size > this.config.maxBlock) return this.child.readv(call, fd, size, offset, flags, xdata, sink)
    const ino = this.#inode(fd.inode)
    let stream = fd.ctx.get(this) as Stream | undefined
    if (stream === undefined) {
      stream = new Stream()
      fd.ctx.set(this, stream)
      ino.streams.add(stream)
    }
    let result: Promise<ReadResult> | undefined
    const hit = stream.pending.get(offset)
    if (hit !== undefined) {
      this.#remove(stream, offset, hit)
      if (hit.size === size && hit.gen === ino.gen && performance.now() - hit.sentAt <= MAX_AGE_MS) {
        result = this.#serve(hit, call, fd, size, offset, flags)
      }
    }
    // The reader's own read goes first, then the blocks after it.
    result ??= this.child.readv(call, fd, size, offset, flags, xdata, sink)
    if (stream.detector.observe(offset, size)) {
      this.#prefetch(call, fd, ino, stream, offset, size, flags)
    } else if (stream.pending.size > 0 || stream.next >= 0) {
      this.#drop(stream)
    }
    return result
  }

  override async release(call: Call, fd: Fd): Promise<void> {
    const stream = fd.ctx.get(this) as Stream | undefined
    if (stream !== undefined) {
      this.#drop(stream)
      fd.ctx.delete(this)
      const ino = this.#inode(fd.inode)
      ino.streams.delete(stream)
      this.#forgetIfIdle(ino)
    }
    return this.child.release(call, fd)
  }

  // The other mounts' reads ahead must not outlive this mount's write-behind putting data on the brick.
  override fsync(call: Call, fd: Fd, datasync: boolean, xdata?: Dict): Promise<PrePostResult> {
    if (this.#mounts.size < 2) return this.child.fsync(call, fd, datasync, xdata)
    const others = this.#othersBegin(fd.inode)
    return this.#othersEnd(others, this.child.fsync(call, fd, datasync, xdata))
  }

  override flush(call: Call, fd: Fd, xdata?: Dict): Promise<CommonResult> {
    if (this.#mounts.size < 2) return this.child.flush(call, fd, xdata)
    const others = this.#othersBegin(fd.inode)
    return this.#othersEnd(others, this.child.flush(call, fd, xdata))
  }

  override writev(call: Call, fd: Fd, data: Buffer, offset: number, flags: number, xdata?: Dict): Promise<WriteResult> {
    const change = this.#begin(fd.inode)
    return this.#end(change, this.child.writev(call, fd, data, offset, flags, xdata))
  }

  override ftruncate(call: Call, fd: Fd, offset: number, xdata?: Dict): Promise<PrePostResult> {
    const change = this.#begin(fd.inode)
    return this.#end(change, this.child.ftruncate(call, fd, offset, xdata))
  }

  override truncate(call: Call, loc: Loc, offset: number, xdata?: Dict): Promise<PrePostResult> {
    if (loc.inode === undefined) return this.child.truncate(call, loc, offset, xdata)
    const change = this.#begin(loc.inode)
    return this.#end(change, this.child.truncate(call, loc, offset, xdata))
  }

  override discard(call: Call, fd: Fd, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    const change = this.#begin(fd.inode)
    return this.#end(change, this.child.discard(call, fd, offset, length, xdata))
  }

  override zerofill(call: Call, fd: Fd, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    const change = this.#begin(fd.inode)
    return this.#end(change, this.child.zerofill(call, fd, offset, length, xdata))
  }

  override fallocate(call: Call, fd: Fd, mode: number, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    const change = this.#begin(fd.inode)
    return this.#end(change, this.child.fallocate(call, fd, mode, offset, length, xdata))
  }

  override open(call: Call, loc: Loc, flags: number, fd: Fd, xdata?: Dict): Promise<OpenResult> {
    if ((flags & O_TRUNC) === 0 || loc.inode === undefined) return this.child.open(call, loc, flags, fd, xdata)
    const change = this.#begin(loc.inode)
    return this.#end(change, this.child.open(call, loc, flags, fd, xdata))
  }

  override create(call: Call, loc: Loc, flags: number, mode: number, umask: number, fd: Fd, xdata?: Dict): Promise<CreateResult> {
    // create on an existing file opens it, truncating with O_TRUNC.
    if ((flags & O_TRUNC) === 0 || loc.inode === undefined) return this.child.create(call, loc, flags, mode, umask, fd, xdata)
    const change = this.#begin(loc.inode)
    return this.#end(change, this.child.create(call, loc, flags, mode, umask, fd, xdata))
  }

  #inode(inode: Inode): InodeState {
    let st = inode.ctx.get(this) as InodeState | undefined
    if (st === undefined) {
      const key = inode.gfid.toString('hex')
      st = this.#byGfid.get(key) ?? new InodeState(key)
      st.inode = inode
      this.#byGfid.set(key, st)
      inode.ctx.set(this, st)
    }
    return st
  }

  /** State for another mount's change on `key`, made if this mount has none yet. */
  #stateOf(key: string): InodeState {
    let st = this.#byGfid.get(key)
    if (st === undefined) {
      st = new InodeState(key)
      this.#byGfid.set(key, st)
    }
    return st
  }

  /** No stream and no change in progress: nothing depends on the generation any more. */
  #forgetIfIdle(st: InodeState): void {
    if (st.streams.size > 0 || st.changing > 0) return
    this.#byGfid.delete(st.key)
    if (st.inode?.ctx.get(this) === st) st.inode.ctx.delete(this)
  }

  static #change(st: InodeState, sa: StrideAhead): void {
    st.gen++
    st.changing++
    for (const s of st.streams) sa.#drop(s)
  }

  static #changed(st: InodeState, sa: StrideAhead): void {
    // Blocks sent while the change was in progress (none are sent, but a stream may have started) are stale too.
    st.gen++
    st.changing--
    sa.#forgetIfIdle(st)
  }

  /** A data-changing fop starts: drop everything read ahead on the inode, in every mount of the volume. */
  #begin(inode: Inode): Change {
    const st = this.#inode(inode)
    StrideAhead.#change(st, this)
    return { st, others: this.#mounts.size < 2 ? undefined : this.#othersBegin(inode) }
  }

  async #end<T>(change: Change, op: Promise<T>): Promise<T> {
    try {
      return await op
    } finally {
      StrideAhead.#changed(change.st, this)
      if (change.others !== undefined) StrideAhead.#othersDone(change.others)
    }
  }

  #othersBegin(inode: Inode): OtherState[] {
    const key = inode.gfid.toString('hex')
    const states: OtherState[] = []
    for (const sa of this.#mounts) {
      if (sa === this) continue
      const st = sa.#stateOf(key)
      StrideAhead.#change(st, sa)
      states.push([sa, st])
    }
    return states
  }

  static #othersDone(states: readonly OtherState[]): void {
    for (const [sa, st] of states) StrideAhead.#changed(st, sa)
  }

  async #othersEnd<T>(others: readonly OtherState[], op: Promise<T>): Promise<T> {
    try {
      return await op
    } finally {
      StrideAhead.#othersDone(others)
    }
  }

  async #serve(hit: Prefetch, call: Call, fd: Fd, size: number, offset: number, flags: number): Promise<ReadResult> {
    const r = await hit.reply
    // A failed prefetch says nothing: the read itself reports its own error, if any.
    return r ?? this.child.readv(call, fd, size, offset, flags)
  }

  #prefetch(call: Call, fd: Fd, ino: InodeState, stream: Stream, offset: number, size: number, flags: number): void {
    if (ino.changing > 0) return
    const stride = stream.detector.stride
    const last = offset + this.config.depth * stride
    let at = stream.next > offset && (stream.next - offset) % stride === 0 ? stream.next : offset + stride
    // Blocks behind the reader, or of an earlier pattern, are no longer wanted.
    if (stream.pending.size > this.config.depth) this.#trim(stream, offset, stride)
    for (; at <= last && at < stream.eofAt; at += stride) {
      if (stream.pending.has(at)) continue
      if (this.#held + size > this.config.cacheBytes) break
      this.#held += size
      stream.pending.set(at, { size, gen: ino.gen, sentAt: performance.now(), reply: this.#fetch(call, fd, stream, size, at, flags) })
    }
    stream.next = at
  }

  async #fetch(call: Call, fd: Fd, stream: Stream, size: number, offset: number, flags: number): Promise<ReadResult | undefined> {
    try {
      const r = await this.child.readv(call, fd, size, offset, flags)
      if (r.data.length < size && offset < stream.eofAt) stream.eofAt = offset + r.data.length
      return r
    } catch {
      return undefined
    }
  }

  /** Forget a block; its bytes are released once its reply is in. */
  #remove(stream: Stream, offset: number, p: Prefetch): void {
    stream.pending.delete(offset)
    void p.reply.then(() => { this.#held -= p.size })
  }

  #trim(stream: Stream, offset: number, stride: number): void {
    for (const [at, p] of stream.pending) {
      if (at <= offset || (at - offset) % stride !== 0) this.#remove(stream, at, p)
    }
  }

  #drop(stream: Stream): void {
    for (const [at, p] of stream.pending) this.#remove(stream, at, p)
    stream.next = -1
    stream.eofAt = Number.POSITIVE_INFINITY
  }
}
