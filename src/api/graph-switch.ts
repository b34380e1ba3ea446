import { setTimeout as sleep } from 'node:timers/promises'
import { debuglog } from 'node:util'
import { type BackoffOptions, backoffDelayMs, backoffOptions } from '../rpc/backoff.ts'
import { GlusterError } from '../rpc/errors.ts'
import type { Graph } from '../xlators/graph.ts'
import type { Call, Dict, Fd, Loc, ReadResult, WriteResult } from '../xlators/types.ts'
import { Xlator, fopHandler } from '../xlators/xlator.ts'
import { O_ACCMODE, O_CREAT, O_EXCL, O_RDONLY, O_TRUNC } from './constants.ts'
import { GlfsFd, type GlfsDir, fdInternals } from './fd.ts'

const debug = debuglog('gfapi')

/** What a GraphSwitch needs from the Glfs it serves. */
export interface SwitchHost {
  /** The identity of the fsyncs, lookups and opens that move fds. */
  readonly call: Call
  /** Backoff between attempts to mount a volfile whose bricks are not up yet. */
  readonly reconnect: BackoffOptions | undefined
  /** Aborted by `fini()`: stops a switch in progress. */
  readonly closing: AbortSignal
  /** Whether the Glfs still serves calls (mounted, fini not called). */
  serving(): boolean
  /** The error of a call while nothing is mounted. */
  notMounted(): GlusterError
  /** Every file and directory open now. */
  handles(): Iterable<GlfsFd | GlfsDir>
  /** Build and connect a graph from volfile text. */
  mount(spec: string, signal: AbortSignal): Promise<Graph>
  /** Fops now go to another graph, or fail: cached lookups are stale. */
  retargeted(): void
  /** A volfile change is live (undefined) or was not applied (why). */
  switched(err: Error | undefined): void
}

/**
 * Stands above whichever graph is active and passes every fop to its top, so code that keeps an
 * xlator (the path resolver, open fds) follows a volfile change without being rebuilt (glusterfs
 * keeps `fs->active_subvol` for the same purpose). Owns the switch itself (glfs-resolve.c
 * glfs_active_subvol / glfs_migrate_fd_safe): a changed volfile is mounted as a new graph, every
 * open fd moves onto it, then new fops go to it while the old graph finishes the calls it has and
 * is finished. When glusterd changes the volume into one this client refuses, every fop fails
 * with that refusal from then on. Before a mount and after unmount, fops fail ENOTCONN.
 */
export class GraphSwitch extends Xlator {
  readonly #host: SwitchHost
  #active: Graph | undefined
  /** `#active.top`, read by every fop. */
  #top: Xlator | undefined
  /** Where readv and writev do work in `#active` (fopHandler): the data path skips pass-through layers. */
  #readv: Xlator | undefined
  #writev: Xlator | undefined
  /** The volfile text `#active` was built from. */
  #spec: string | undefined
  #refusal: GlusterError | undefined
  /** Old graphs finishing their calls after a volfile change. */
  readonly #retiring = new Set<Graph>()
  /** The newest volfile not yet mounted, and whether a switch is running. */
  #nextSpec: string | undefined
  #switching = false

  constructor(volume: string, host: SwitchHost) {
    super({ name: `${volume}-api`, type: 'api/graph-switch', children: [], options: undefined, graph: { volume } })
    this.#host = host
  }

  /** The graph fops go to, if any. */
  get active(): Graph | undefined {
    return this.#active
  }

  /** The volfile text of the active graph. */
  get spec(): string | undefined {
    return this.#spec
  }

  /** Whether `graph` was replaced and is finishing its calls: its events are old news. */
  isRetiring(graph: Graph): boolean {
    return this.#retiring.has(graph)
  }

  /** Send fops to the first graph of a mount. */
  activate(graph: Graph, spec: string): void {
    this.#setActive(graph)
    this.#spec = spec
  }

  #setActive(graph: Graph | undefined): void {
    this.#active = graph
    this.#top = graph?.top
    this.#readv = graph === undefined ? undefined : fopHandler(graph.top, 'readv')
    this.#writev = graph === undefined ? undefined : fopHandler(graph.top, 'writev')
  }

  /** A new volfile from glusterd: mount it, one switch at a time, always the newest text. */
  offer(spec: string): void {
    this.#nextSpec = spec
    if (this.#switching) return
    this.#switching = true
    void this.#switchLoop().finally(() => {
      this.#switching = false
    })
  }

  async #switchLoop(): Promise<void> {
    const host = this.#host
    const closing = host.closing
    const backoff = backoffOptions(host.reconnect)
    let attempt = 0
    while (this.#nextSpec !== undefined && host.serving() && !closing.aborted) {
      const next = this.#nextSpec
      this.#nextSpec = undefined
      try {
        if (await this.#switchTo(next)) host.switched(undefined)
        attempt = 0
      } catch (err) {
        debug('volfile change of %s not applied: %s', this.graph.volume, (err as Error).message)
        if (!host.serving() || closing.aborted) return
        if (isRefusal(err)) {
          await this.#stopServing(err)
          host.switched(err)
          return
        }
        host.switched(err as Error)
        // A brick of the new graph not up yet (glusterd pushes the volfile of an added brick
        // before the brick listens): try the same text again later, unless a newer one came.
        if (!isTransient(err)) continue
        await sleep(backoffDelayMs(backoff, attempt++), undefined, { signal: closing }).catch(() => undefined)
        this.#nextSpec ??= next
      }
    }
  }

  /**
   * Mount `spec` as a new graph, move every open fd onto it (glfs-resolve.c glfs_migrate_fd_safe:
   * fsync on the old graph so buffered writes land, nameless LOOKUP and OPEN/OPENDIR on the new
   * one), then send every new fop to it; the old graph is finished once its calls drain.
   * Resolves false when unmounted meanwhile.
   */
  async #switchTo(spec: string): Promise<boolean> {
    const host = this.#host
    const old = this.#active
    if (old === undefined) return false
    const graph = await host.mount(spec, host.closing)
    const moved = new Set<GlfsFd | GlfsDir>()
    for (;;) {
      if (!host.serving() || host.closing.aborted) {
        await graph.fini().catch(() => undefined)
        return false
      }
      // Fds opened while others moved are moved too; none can open on the new graph yet.
      const todo = [...host.handles()].filter((h) => !moved.has(h))
      if (todo.length === 0) break
      for (const h of todo) moved.add(h)
      await Promise.all(todo.map((h) => this.#moveFd(h, graph, old)))
    }
    this.#retiring.add(old)
    this.#setActive(graph)
    this.#spec = spec
    host.retargeted()
    // Writes the old graph's write-behind took while the fds moved land now, not whenever that
    // graph retires: a rebalance started next could move the file where that graph cannot follow.
    await this.#flushWrites(old, moved)
    void this.#retire(old)
    return true
  }

  /**
   * The volume changed into one this client refuses (a brick added as a replica, shard turned
   * on...): fops sent through the old graph would now bypass the new xlators, so every call fails
   * with the refusal from now on. Cached writes are flushed first (they were accepted before the
   * change); the old graph then finishes the calls it has.
   */
  async #stopServing(refusal: GlusterError): Promise<void> {
    const old = this.#active
    if (old === undefined) return
    await this.#flushWrites(old, this.#host.handles())
    this.#refusal = refusal
    this.#setActive(undefined)
    this.#host.retargeted()
    this.#retiring.add(old)
    void this.#retire(old)
  }

  /**
   * FSYNC on `graph` every file of `handles` open for writing: what its write-behind took lands
   * now. A failure is the fd's to report at its next fsync or close, whichever graph serves it then.
   */
  async #flushWrites(graph: Graph, handles: Iterable<GlfsFd | GlfsDir>): Promise<void> {
    await Promise.all([...handles].map(async (h) => {
      if (!(h instanceof GlfsFd) || h.closed || (h.flags & O_ACCMODE) === O_RDONLY) return
      try {
        await graph.top.fsync(this.#host.call, fdInternals.fd(h), false)
      } catch (err) {
        debug('fd %s: writes cached by the old graph failed: %s', h.path, (err as Error).message)
        fdInternals.reportWriteError(h, err)
      }
    }))
  }

  /**
   * A newly opened fd, before its caller gets it: one opened on a graph that was replaced while
   * the OPEN was on the wire is moved to the active graph.
   */
  async track<T extends GlfsFd | GlfsDir>(handle: T): Promise<T> {
    const graph = this.#active
    if (this.#retiring.size > 0 && graph !== undefined && !graph.top.holdsFd(fdInternals.fd(handle))) {
      await this.#moveFd(handle, graph, undefined)
    }
    return handle
  }

  /** Open `h`'s fd on `to`; on failure it fails EBADFD from now on. */
  async #moveFd(h: GlfsFd | GlfsDir, to: Graph, from: Graph | undefined): Promise<void> {
    const call = this.#host.call
    const fd = fdInternals.fd(h)
    try {
      if (from !== undefined && !fd.isDirectory && (fd.flags & O_ACCMODE) !== O_RDONLY) await from.top.fsync(call, fd, false)
      const loc: Loc = { path: h.path, name: '', parent: undefined, inode: fd.inode }
      await to.top.lookup(call, loc)
      if (fd.isDirectory) await to.top.opendir(call, loc, fd)
      else await to.top.open(call, loc, fd.flags & ~(O_CREAT | O_EXCL | O_TRUNC), fd)
    } catch (err) {
      debug('fd %s not moved to the new graph: %s', h.path, (err as Error).message)
      fdInternals.lose(h, err as Error)
    }
  }

  /** Wait until no call is in flight on the old graph, release its fds, then finish it. */
  async #retire(old: Graph): Promise<void> {
    const top = old.top
    // A fop of several steps issues its next call in the microtasks after a reply: idle must
    // hold across a macrotask turn.
    do {
      await top.whenIdle()
      await new Promise<void>((resolve) => setImmediate(resolve))
    } while (top.callsInFlight > 0 && this.#retiring.has(old))
    if (!this.#retiring.has(old)) return
    const call = this.#host.call
    await Promise.all([...top.openFds()].map((fd) => (fd.isDirectory ? top.releasedir(call, fd) : top.release(call, fd)).catch(() => undefined)))
    if (!this.#retiring.delete(old)) return
    await old.fini().catch((err: unknown) => debug('finishing the old graph of %s: %s', this.graph.volume, (err as Error).message))
  }

  /** Unmount: fops fail from now on; finishes the active graph and every retiring one. */
  async close(): Promise<void> {
    const graphs = [this.#active, ...this.#retiring]
    this.#setActive(undefined)
    this.#spec = undefined
    this.#refusal = undefined
    this.#nextSpec = undefined
    this.#retiring.clear()
    const results = await Promise.allSettled(graphs.map((g) => g?.fini()))
    for (const r of results) if (r.status === 'rejected') throw r.reason
  }

  override readv(call: Call, fd: Fd, size: number, offset: number, flags: number, xdata?: Dict, sink?: Uint8Array): Promise<ReadResult> {
    return (this.#readv ?? this.child).readv(call, fd, size, offset, flags, xdata, sink)
  }

  override writev(call: Call, fd: Fd, data: Buffer, offset: number, flags: number, xdata?: Dict): Promise<WriteResult> {
    return (this.#writev ?? this.child).writev(call, fd, data, offset, flags, xdata)
  }

  protected override get child(): Xlator {
    const top = this.#top
    if (top !== undefined) return top
    throw this.#refusal ?? this.#host.notMounted()
  }
}

/** A volfile this client refuses to mount (support.ts), as opposed to one it could not mount yet. */
function isRefusal(err: unknown): err is GlusterError {
  return err instanceof GlusterError && err.code === 'ENOTSUP' && err.syscall === 'init'
}

/** Connection failures that a later attempt may not meet. */
function isTransient(err: unknown): boolean {
  return err instanceof GlusterError && TRANSIENT_CODES.has(err.code)
}

const TRANSIENT_CODES = new Set(['ENOTCONN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EAGAIN', 'ENOTFOUND', 'EAI_AGAIN'])
