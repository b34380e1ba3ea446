import { errnoOf } from '../../src/rpc/errno.ts'
import { GlusterError } from '../../src/rpc/errors.ts'
import { parseVolfile } from '../../src/xlators/volfile.ts'
import { writeBehind } from '../../src/xlators/write-behind/index.ts'
import {
  type Call, type CommonResult, type Dict, Fd, type IattResult, Inode, type Loc, type LookupResult, type OpenResult, type PrePostResult,
  type ReadResult, type WriteResult,
} from '../../src/xlators/types.ts'
import { Xlator, buildXlator } from '../../src/xlators/xlator.ts'
import { TEST_GRAPH, testInit } from './xlator-init.ts'

import { Iatt } from '../../src/rpc/programs/fops/iatt.ts'
import { O_APPEND } from '../../src/rpc/linux.ts'

export const CALL: Call = { pid: 1, uid: 0, gid: 0, groups: [], lkOwner: Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]) }

/** One WRITE as the brick received it. */
export interface BrickWrite {
  readonly offset: number
  readonly length: number
}

/**
 * A brick holding one file in memory, below write-behind in unit tests. WRITEs can be held
 * (`hold`) and failed (`failWith`); it records what it received and whether two overlapping
 * WRITEs were ever in flight together.
 */
export class FakeBrick extends Xlator {
  content = Buffer.alloc(0)
  readonly writes: BrickWrite[] = []
  /** The memory each WRITE's payload was sent from, by WRITE: shows which buffers write-behind reused. */
  readonly payloadMemory: ArrayBufferLike[] = []
  readonly fops: string[] = []
  inflight: BrickWrite[] = []
  maxInflight = 0
  overlapInFlight = false
  hold = false
  /** Answer WRITEs on a later turn of the event loop, as a real brick does, instead of at once. */
  delay = false
  /** WRITE replies sent so far. */
  replies = 0
  /** Errno code for WRITEs the predicate selects, or for all when it returns true. */
  failWith: { code: string; when: (w: BrickWrite) => boolean } | undefined = undefined
  /** Largest WRITE the brick accepts in one go (short writes beyond it). */
  shortAt = Infinity
  readonly #held: (() => void)[] = []

  constructor() {
    super(testInit('fake-brick', 'test/brick'))
  }

  /** Let held WRITEs go (all, or the first `n`) and wait until their replies are processed. */
  async releaseHeld(n = Infinity): Promise<void> {
    const go = this.#held.splice(0, n)
    for (const r of go) r()
    await settle()
  }

  /** Let the held WRITE at `index` (in the order they arrived) go, and wait for its reply to be processed. */
  async releaseHeldAt(index: number): Promise<void> {
    const [go] = this.#held.splice(index, 1)
    go?.()
    await settle()
  }

  get heldCount(): number {
    return this.#held.length
  }

  override async writev(_call: Call, fd: Fd, data: Buffer, offset: number, _flags: number, _xdata?: Dict): Promise<WriteResult> {
    this.fops.push('writev')
    const w = { offset, length: data.length }
    this.writes.push(w)
    this.payloadMemory.push(data.buffer)
    for (const x of this.inflight) if (x.offset < w.offset + w.length && w.offset < x.offset + x.length) this.overlapInFlight = true
    this.inflight.push(w)
    this.maxInflight = Math.max(this.maxInflight, this.inflight.length)
    // The bytes leave the client when sent: copy them now, as the socket would.
    const bytes = Buffer.from(data)
    if (this.hold) await new Promise<void>((resolve) => this.#held.push(resolve))
    else if (this.delay) await new Promise<void>((resolve) => setImmediate(resolve))
    else await Promise.resolve()
    this.inflight = this.inflight.filter((x) => x !== w)
    this.replies++
    const fail = this.failWith
    if (fail !== undefined && fail.when(w)) throw new GlusterError({ errno: errnoOf(fail.code), syscall: 'write', brick: 'fake:/b0' })
    const n = Math.min(bytes.length, this.shortAt)
    // O_APPEND: the brick writes at the end of the file when the WRITE is done, not at `offset`.
    this.#apply(bytes.subarray(0, n), (fd.flags & O_APPEND) !== 0 ? this.content.length : offset)
    const post = new Iatt()
    post.size = this.content.length
    return { size: n, prestat: new Iatt(), poststat: post, xdata: undefined }
  }

  #apply(bytes: Buffer, offset: number): void {
    if (offset + bytes.length > this.content.length) {
      const grown = Buffer.alloc(offset + bytes.length)
      this.content.copy(grown)
      this.content = grown
    }
    bytes.copy(this.content, offset)
  }

  override async readv(_call: Call, _fd: Fd, size: number, offset: number): Promise<ReadResult> {
    this.fops.push('readv')
    const data = Buffer.from(this.content.subarray(Math.min(offset, this.content.length), Math.min(offset + size, this.content.length)))
    return { data, stat: this.#iatt(), eof: offset + size >= this.content.length, xdata: undefined }
  }

  /** The gfid the file's lookups report. */
  gfid: Buffer = Buffer.alloc(16)

  override async lookup(): Promise<LookupResult> {
    this.fops.push('lookup')
    const stat = this.#iatt()
    stat.gfid = this.gfid
    return { stat, postparent: new Iatt(), xdata: undefined }
  }

  override async fstat(): Promise<IattResult> {
    this.fops.push('fstat')
    return { stat: this.#iatt(), xdata: undefined }
  }

  override async fsync(): Promise<PrePostResult> {
    this.fops.push('fsync')
    return { prestat: this.#iatt(), poststat: this.#iatt(), xdata: undefined }
  }

  override async flush(): Promise<CommonResult> {
    this.fops.push('flush')
    return { xdata: undefined }
  }

  override async release(): Promise<void> {
    this.fops.push('release')
  }

  /** OPENs wait for it, when set. */
  openGate: Promise<void> | undefined = undefined

  override async open(_call: Call, _loc: Loc, _flags: number, fd: Fd): Promise<OpenResult> {
    this.fops.push('open')
    if (this.openGate !== undefined) await this.openGate
    return { fd, xdata: undefined }
  }

  override async ftruncate(_call: Call, _fd: Fd, offset: number): Promise<PrePostResult> {
    this.fops.push('ftruncate')
    const next = Buffer.alloc(offset)
    this.content.copy(next, 0, 0, Math.min(offset, this.content.length))
    this.content = next
    return { prestat: this.#iatt(), poststat: this.#iatt(), xdata: undefined }
  }

  override async discard(_call: Call, _fd: Fd, offset: number, length: number): Promise<PrePostResult> {
    this.fops.push('discard')
    this.content.fill(0, offset, Math.min(offset + length, this.content.length))
    return { prestat: this.#iatt(), poststat: this.#iatt(), xdata: undefined }
  }

  #iatt(): Iatt {
    const s = new Iatt()
    s.size = this.content.length
    return s
  }
}

/** Let every pending promise chain run (replies, pumps, barrier releases). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

/** write-behind over a FakeBrick, built from a volfile section with `options`. */
export function stack(options: Record<string, string> = {}): { wb: Xlator; brick: FakeBrick } {
  const lines = Object.entries(options).map(([k, v]) => `    option ${k} ${v}`).join('\n')
  const volfile = parseVolfile(`volume v-write-behind\n    type performance/write-behind\n${lines}\nend-volume\n`)
  const brick = new FakeBrick()
  const wb = buildXlator(writeBehind, volfile.top, [brick], TEST_GRAPH)
  return { wb, brick }
}

let gfidCounter = 1

/** A new inode and an fd opened on it through `wb` with `flags` (O_RDWR by default). */
export async function openFile(wb: Xlator, flags = 2, inode?: Inode): Promise<Fd> {
  const gfid = Buffer.alloc(16)
  gfid.writeUInt32BE(gfidCounter++, 12)
  const ino = inode ?? new Inode(gfid, 0o100000)
  const fd = new Fd(ino, flags, false)
  await wb.open(CALL, { path: '/f', name: 'f', parent: undefined, inode: ino }, flags, fd)
  return fd
}
