// The xlator contract: what every translator of the graph is and does (glusterfs xlator_api_t).
//
// Fops flow down, events flow up:
// - Fops: `Fops` below, one async method per fop in gluster's names and argument order. The base
//   `Xlator` passes each one unchanged to its first child (glusterfs default_<fop>); a subclass
//   overrides only the fops it changes.
// - Events: `notify(event, from)` carries CHILD_UP / CHILD_DOWN / CHILD_CONNECTING upward, as
//   glusterfs notify does. protocol/client raises them about its brick connection (up after a
//   handshake, down when the connection drops, connecting while a reconnect attempt fails); cluster
//   xlators keep per-child state and pass up what the C one would (distribute as dht_notify: quiet
//   until every child reported once, then CHILD_DOWN only when all are down, else
//   SOME_DESCENDENT_DOWN). The base passes every event to its parents; the top of the graph, which
//   has none, hands it to `GraphContext.root` (glusterfs ctx->root: the API above the graph).
// - Lifecycle: `init()` bottom-up once the graph is linked, `fini()` top-down on unmount.
// - Queries the API asks of a whole graph, answered by aggregating children: `whenIdle()` and
//   `callsInFlight` (drain), `whenSettled()` (background work), `holdsFd()` and `openFds()` (fds),
//   `bricks()` (connection states). Only protocol/client answers them for itself, and shard its
//   background deletion.
//
// Each xlator type lives in its own folder (src/xlators/<type after the slash>/) whose index.ts
// exports one `XlatorDescriptor`: its volfile type, its option table (glusterfs volume_options[])
// and `create(init)`. Every xlator has one constructor shape, `(init: XlatorInit)`: name, type,
// children, options parsed by the table, the volfile section and the graph's context.
//
// Adding a type (as cluster/replicate was) is a new folder and one line in registry.ts: the folder's
// index.ts exports `{ type, options, create }`, its xlator extends `Xlator`, overrides the fops it
// changes and, as a cluster xlator, `notify` (per-child up/down, what it passes up) and
// `mountsDegraded` when the mount may go on without some children. Nothing else changes: the
// graph builds it by type, `setXlatorOption` validates against its table, the API reaches its
// bricks, fds and calls in flight through the queries above.

import { debuglog } from 'node:util'
import type { BackoffOptions } from '../rpc/backoff.ts'
import type { RpcClientOptions } from '../rpc/client.ts'
import type { MountTls } from '../rpc/tls.ts'
import { type OptionSpec, parseOptions } from './options.ts'
import type {
  Call, CommonResult, CreateResult, Dict, EntryResult, Fd, Flock, IattResult, Loc, LookupResult, OpenResult,
  ParentResult, PrePostResult, ReadResult, ReaddirResult, ReadlinkResult, RenameResult, SeekResult, StatfsResult,
  WriteResult, XattrResult,
} from './types.ts'
import type { VolfileNode } from './volfile.ts'

const debug = debuglog('gfapi')

/** Events that flow up the graph (glusterfs GF_EVENT_*). */
export type XlatorEvent = 'CHILD_UP' | 'CHILD_DOWN' | 'CHILD_CONNECTING' | 'SOME_DESCENDENT_DOWN'

/**
 * What a lookup or refresh saw of an inode's copies, reported out of band as the C client's
 * gf_event (EVENT_AFR_SPLIT_BRAIN) is: a heal is pending, or no copy is good although every
 * brick answered (split-brain). Reported when an inode's state changes, not on every lookup.
 */
export interface HealReport {
  readonly kind: 'heal-pending' | 'split-brain'
  readonly volume: string
  /** The replica set (cluster/replicate xlator) holding the inode. */
  readonly xlator: string
  /** The path looked up, when the lookup was by path. */
  readonly path: string | undefined
  readonly gfid: string
  /** The bricks (`host:/path`) whose copy another copy blames: the ones a heal will rewrite. */
  readonly bricks: readonly string[]
}

/** What receives the events the top of a graph passes up (glusterfs ctx->root). */
export interface GraphRoot {
  notify(event: XlatorEvent, top: Xlator, detail?: unknown): void
  /** Any xlator's out-of-band report (gf_event), straight to the API. */
  report?(report: HealReport): void
}

/** What every xlator of one mounted graph shares. */
export interface GraphContext {
  readonly volume: string
  /** Connection settings for protocol/client; `pingTimeoutMs` and `callTimeoutMs` override the volfile's when set. */
  readonly rpc?: RpcClientOptions | undefined
  /** Backoff of protocol/client reconnect attempts. Defaults to `DEFAULT_BACKOFF`. */
  readonly reconnect?: BackoffOptions | undefined
  /** Certificates and management TLS of the mount, for protocol/client. */
  readonly tls?: MountTls | undefined
  /** Hears what the top of the graph passes up. */
  readonly root?: GraphRoot | undefined
}

/** The one constructor argument of every xlator. `C` is what its option table parses into. */
export interface XlatorInit<C = unknown> {
  readonly name: string
  readonly type: string
  readonly children: readonly Xlator[]
  /** The section's options parsed by the type's table, defaults filled in. */
  readonly options: C
  /** The volfile section as written (its raw options, its line for messages), when built from one. */
  readonly section?: VolfileNode | undefined
  readonly graph: GraphContext
}

/** One xlator type: what registry.ts lists and each xlator folder's index.ts exports. */
export interface XlatorDescriptor<C = unknown> {
  /** The volfile `type`, e.g. `cluster/distribute`. */
  readonly type: string
  /** What `options` of its init parse from, and what `setXlatorOption` validates against. */
  readonly options: readonly OptionSpec[]
  // A method, not a function-valued property: a descriptor of any `C` is then an XlatorDescriptor,
  // and buildXlator hands `create` the options its own table parsed.
  create(init: XlatorInit<C>): Xlator
}

/** Build one xlator of `descriptor`'s type from its volfile section; throws OptionError for bad values. */
export function buildXlator(descriptor: XlatorDescriptor, section: VolfileNode, children: readonly Xlator[], graph: GraphContext): Xlator {
  const options = parseOptions<unknown>(section.name, descriptor.options, section.options)
  return descriptor.create({ name: section.name, type: section.type, children, options, section, graph })
}

/**
 * A brick connection's state:
 * - `connecting`: the first handshake (inside `init()`) or a reconnect attempt is running;
 * - `connected`: SETVOLUME accepted and every saved fd reopened; fops go to the brick;
 * - `disconnected`: the connection is gone and a reconnect attempt is armed; fops fail ENOTCONN;
 * - `closed`: `fini()` was called; nothing reconnects.
 */
export type BrickStatus = 'connecting' | 'connected' | 'disconnected' | 'closed'

/** One brick connection of a graph, as protocol/client reports it through `Xlator.bricks()`. */
export interface BrickState {
  /** The protocol/client xlator's name, e.g. `vol-client-0`. */
  readonly xlator: string
  readonly host: string
  readonly path: string
  /** The brick's port, once connected. */
  readonly port: number | undefined
  readonly status: BrickStatus
  /** Why the connection last went down or a reconnect attempt failed. */
  readonly cause: Error | undefined
}

/** Attributes a (f)setattr may change; which ones is said by its `valid` mask (SetAttr bits). */
export interface SetattrArgs {
  readonly mode: number
  readonly uid: number
  readonly gid: number
  readonly atime: number
  readonly atimeNsec: number
  readonly mtime: number
  readonly mtimeNsec: number
}

/**
 * Every fop, with gluster's names and argument order (libglusterfs xlator.h fop typedefs),
 * `call` first and `xdata` last. Results are returned; failures are thrown as GlusterError.
 */
export interface Fops {
  lookup(call: Call, loc: Loc, xdata?: Dict): Promise<LookupResult>
  stat(call: Call, loc: Loc, xdata?: Dict): Promise<IattResult>
  fstat(call: Call, fd: Fd, xdata?: Dict): Promise<IattResult>
  access(call: Call, loc: Loc, mask: number, xdata?: Dict): Promise<CommonResult>
  open(call: Call, loc: Loc, flags: number, fd: Fd, xdata?: Dict): Promise<OpenResult>
  create(call: Call, loc: Loc, flags: number, mode: number, umask: number, fd: Fd, xdata?: Dict): Promise<CreateResult>
  /**
   * `sink`, when given, is the caller's buffer: protocol/client may receive the data straight into
   * it (the result's `data` is then a view of `sink`). Xlators that answer from elsewhere ignore it.
   */
  readv(call: Call, fd: Fd, size: number, offset: number, flags: number, xdata?: Dict, sink?: Uint8Array): Promise<ReadResult>
  writev(call: Call, fd: Fd, data: Buffer, offset: number, flags: number, xdata?: Dict): Promise<WriteResult>
  flush(call: Call, fd: Fd, xdata?: Dict): Promise<CommonResult>
  fsync(call: Call, fd: Fd, datasync: boolean, xdata?: Dict): Promise<PrePostResult>
  release(call: Call, fd: Fd): Promise<void>
  ftruncate(call: Call, fd: Fd, offset: number, xdata?: Dict): Promise<PrePostResult>
  truncate(call: Call, loc: Loc, offset: number, xdata?: Dict): Promise<PrePostResult>
  discard(call: Call, fd: Fd, offset: number, length: number, xdata?: Dict): Promise<PrePostResult>
  zerofill(call: Call, fd: Fd, offset: number, length: number, xdata?: Dict): Promise<PrePostResult>
  fallocate(call: Call, fd: Fd, mode: number, offset: number, length: number, xdata?: Dict): Promise<PrePostResult>
  seek(call: Call, fd: Fd, offset: number, what: number, xdata?: Dict): Promise<SeekResult>
  setattr(call: Call, loc: Loc, attrs: SetattrArgs, valid: number, xdata?: Dict): Promise<PrePostResult>
  fsetattr(call: Call, fd: Fd, attrs: SetattrArgs, valid: number, xdata?: Dict): Promise<PrePostResult>
  unlink(call: Call, loc: Loc, xflags: number, xdata?: Dict): Promise<ParentResult>
  mkdir(call: Call, loc: Loc, mode: number, umask: number, xdata?: Dict): Promise<EntryResult>
  mknod(call: Call, loc: Loc, mode: number, rdev: number, umask: number, xdata?: Dict): Promise<EntryResult>
  rmdir(call: Call, loc: Loc, xflags: number, xdata?: Dict): Promise<ParentResult>
  rename(call: Call, oldLoc: Loc, newLoc: Loc, xdata?: Dict): Promise<RenameResult>
  link(call: Call, oldLoc: Loc, newLoc: Loc, xdata?: Dict): Promise<EntryResult>
  symlink(call: Call, target: string, loc: Loc, umask: number, xdata?: Dict): Promise<EntryResult>
  readlink(call: Call, loc: Loc, size: number, xdata?: Dict): Promise<ReadlinkResult>
  opendir(call: Call, loc: Loc, fd: Fd, xdata?: Dict): Promise<OpenResult>
  readdirp(call: Call, fd: Fd, size: number, offset: bigint, xdata?: Dict): Promise<ReaddirResult>
  releasedir(call: Call, fd: Fd): Promise<void>
  statfs(call: Call, loc: Loc, xdata?: Dict): Promise<StatfsResult>
  getxattr(call: Call, loc: Loc, name: string, xdata?: Dict): Promise<XattrResult>
  fgetxattr(call: Call, fd: Fd, name: string, xdata?: Dict): Promise<XattrResult>
  setxattr(call: Call, loc: Loc, dict: Dict, flags: number, xdata?: Dict): Promise<CommonResult>
  fsetxattr(call: Call, fd: Fd, dict: Dict, flags: number, xdata?: Dict): Promise<CommonResult>
  removexattr(call: Call, loc: Loc, name: string, xdata?: Dict): Promise<CommonResult>
  fremovexattr(call: Call, fd: Fd, name: string, xdata?: Dict): Promise<CommonResult>
  inodelk(call: Call, domain: string, loc: Loc, cmd: number, lock: Flock, xdata?: Dict): Promise<CommonResult>
  entrylk(call: Call, domain: string, loc: Loc, basename: string, cmd: number, type: number, xdata?: Dict): Promise<CommonResult>
  /** Atomic changelog update (gf_xattrop_flags_t `flags`); the reply holds the values after it. */
  xattrop(call: Call, loc: Loc, flags: number, dict: Dict, xdata?: Dict): Promise<XattrResult>
  fxattrop(call: Call, fd: Fd, flags: number, dict: Dict, xdata?: Dict): Promise<XattrResult>
}

/** The fop table: every method of `Fops`, checked against the base and protocol/client in tests. */
export const FOP_NAMES = [
  'lookup', 'stat', 'fstat', 'access', 'open', 'create', 'readv', 'writev', 'flush', 'fsync', 'release',
  'ftruncate', 'truncate', 'discard', 'zerofill', 'fallocate', 'seek', 'setattr', 'fsetattr', 'unlink', 'mkdir',
  'mknod', 'rmdir', 'rename', 'link', 'symlink', 'readlink', 'opendir', 'readdirp', 'releasedir', 'statfs',
  'getxattr', 'fgetxattr', 'setxattr', 'fsetxattr', 'removexattr', 'fremovexattr', 'inodelk', 'entrylk', 'xattrop', 'fxattrop',
] as const satisfies ReadonlyArray<keyof Fops>

/**
 * The base of every translator: each fop passes unchanged to the first child (glusterfs
 * `default_<fop>` via fill_defaults). Subclasses override only the fops they change.
 * Lifecycle mirrors xlator_api_t: `init`, `fini`, `notify`.
 */
export class Xlator implements Fops {
  readonly name: string
  readonly type: string
  readonly children: readonly Xlator[]
  readonly graph: GraphContext
  parents: Xlator[] = []

  constructor(init: XlatorInit) {
    this.name = init.name
    this.type = init.type
    this.children = init.children
    this.graph = init.graph
    for (const child of init.children) child.parents.push(this)
  }

  protected get child(): Xlator {
    const c = this.children[0]
    if (c === undefined) throw new Error(`xlator ${this.name} (${this.type}) has no subvolume to pass fops to`)
    return c
  }

  /** Called bottom-up once the graph is linked; resolves when this xlator is ready. */
  async init(): Promise<void> {}

  /** Called top-down on unmount; must release sockets and timers. */
  async fini(): Promise<void> {}

  /**
   * The brick this subtree stores on, `host:/brick/path`, for messages: protocol/client's own,
   * else the first child's (a fan-out xlator has no single brick: it names its children's).
   */
  get brick(): string | undefined {
    return this.children[0]?.brick
  }

  /**
   * Whether this xlator's init goes on when some children fail theirs, as long as one succeeds
   * (Graph.init); the failed ones are then told {@link startDegraded}. False: any failure fails it.
   */
  get mountsDegraded(): boolean {
    return false
  }

  /**
   * This subtree failed its first init, yet the graph mounts without it: serve nothing and keep
   * trying in the background. The base tells its children; protocol/client reconnects.
   */
  startDegraded(cause: unknown): void {
    for (const c of this.children) c.startDegraded(cause)
  }

  /**
   * `event` happened at `from` (a child, or this xlator raising its own); the default passes it to
   * every parent as coming from this xlator, and from the top to the graph's root.
   */
  notify(event: XlatorEvent, from: Xlator, detail?: unknown): void {
    if (debug.enabled) debug('%s: %s from %s', this.name, event, from.name)
    if (this.parents.length === 0) this.graph.root?.notify(event, this, detail)
    for (const parent of this.parents) parent.notify(event, this, detail)
  }

  /** Resolves once no call is in flight below this xlator (each connection drained once). */
  async whenIdle(): Promise<void> {
    await Promise.all(this.children.map((c) => c.whenIdle()))
  }

  /**
   * Resolves once the background work this xlator and those below started on their own has ended
   * (features/shard: deleting the blocks of removed files). Nothing new is started by asking.
   */
  async whenSettled(): Promise<void> {
    await Promise.all(this.children.map((c) => c.whenSettled()))
  }

  /** Calls sent to bricks below this xlator and not yet answered. */
  get callsInFlight(): number {
    let n = 0
    for (const c of this.children) n += c.callsInFlight
    return n
  }

  /** Whether `fd` is open on some brick below this xlator (or was, and is now lost there). */
  holdsFd(fd: Fd): boolean {
    return this.children.some((c) => c.holdsFd(fd))
  }

  /** Adds to `into` every fd open on a brick below this xlator (reopened after reconnects). */
  openFds(into: Set<Fd> = new Set()): Set<Fd> {
    for (const c of this.children) c.openFds(into)
    return into
  }

  /** Appends to `into` the brick connections below this xlator, in volfile order. */
  bricks(into: BrickState[] = []): BrickState[] {
    for (const c of this.children) c.bricks(into)
    return into
  }

  lookup(call: Call, loc: Loc, xdata?: Dict): Promise<LookupResult> {
    return this.child.lookup(call, loc, xdata)
  }
  stat(call: Call, loc: Loc, xdata?: Dict): Promise<IattResult> {
    return this.child.stat(call, loc, xdata)
  }
  fstat(call: Call, fd: Fd, xdata?: Dict): Promise<IattResult> {
    return this.child.fstat(call, fd, xdata)
  }
  access(call: Call, loc: Loc, mask: number, xdata?: Dict): Promise<CommonResult> {
    return this.child.access(call, loc, mask, xdata)
  }
  open(call: Call, loc: Loc, flags: number, fd: Fd, xdata?: Dict): Promise<OpenResult> {
    return this.child.open(call, loc, flags, fd, xdata)
  }
  create(call: Call, loc: Loc, flags: number, mode: number, umask: number, fd: Fd, xdata?: Dict): Promise<CreateResult> {
    return this.child.create(call, loc, flags, mode, umask, fd, xdata)
  }
  readv(call: Call, fd: Fd, size: number, offset: number, flags: number, xdata?: Dict, sink?: Uint8Array): Promise<ReadResult> {
    return this.child.readv(call, fd, size, offset, flags, xdata, sink)
  }
  writev(call: Call, fd: Fd, data: Buffer, offset: number, flags: number, xdata?: Dict): Promise<WriteResult> {
    return this.child.writev(call, fd, data, offset, flags, xdata)
  }
  flush(call: Call, fd: Fd, xdata?: Dict): Promise<CommonResult> {
    return this.child.flush(call, fd, xdata)
  }
  fsync(call: Call, fd: Fd, datasync: boolean, xdata?: Dict): Promise<PrePostResult> {
    return this.child.fsync(call, fd, datasync, xdata)
  }
  release(call: Call, fd: Fd): Promise<void> {
    return this.child.release(call, fd)
  }
  ftruncate(call: Call, fd: Fd, offset: number, xdata?: Dict): Promise<PrePostResult> {
    return this.child.ftruncate(call, fd, offset, xdata)
  }
  truncate(call: Call, loc: Loc, offset: number, xdata?: Dict): Promise<PrePostResult> {
    return this.child.truncate(call, loc, offset, xdata)
  }
  discard(call: Call, fd: Fd, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    return this.child.discard(call, fd, offset, length, xdata)
  }
  zerofill(call: Call, fd: Fd, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    return this.child.zerofill(call, fd, offset, length, xdata)
  }
  fallocate(call: Call, fd: Fd, mode: number, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    return this.child.fallocate(call, fd, mode, offset, length, xdata)
  }
  seek(call: Call, fd: Fd, offset: number, what: number, xdata?: Dict): Promise<SeekResult> {
    return this.child.seek(call, fd, offset, what, xdata)
  }
  setattr(call: Call, loc: Loc, attrs: SetattrArgs, valid: number, xdata?: Dict): Promise<PrePostResult> {
    return this.child.setattr(call, loc, attrs, valid, xdata)
  }
  fsetattr(call: Call, fd: Fd, attrs: SetattrArgs, valid: number, xdata?: Dict): Promise<PrePostResult> {
    return this.child.fsetattr(call, fd, attrs, valid, xdata)
  }
  unlink(call: Call, loc: Loc, xflags: number, xdata?: Dict): Promise<ParentResult> {
    return this.child.unlink(call, loc, xflags, xdata)
  }
  mkdir(call: Call, loc: Loc, mode: number, umask: number, xdata?: Dict): Promise<EntryResult> {
    return this.child.mkdir(call, loc, mode, umask, xdata)
  }
  mknod(call: Call, loc: Loc, mode: number, rdev: number, umask: number, xdata?: Dict): Promise<EntryResult> {
    return this.child.mknod(call, loc, mode, rdev, umask, xdata)
  }
  rmdir(call: Call, loc: Loc, xflags: number, xdata?: Dict): Promise<ParentResult> {
    return this.child.rmdir(call, loc, xflags, xdata)
  }
  rename(call: Call, oldLoc: Loc, newLoc: Loc, xdata?: Dict): Promise<RenameResult> {
    return this.child.rename(call, oldLoc, newLoc, xdata)
  }
  link(call: Call, oldLoc: Loc, newLoc: Loc, xdata?: Dict): Promise<EntryResult> {
    return this.child.link(call, oldLoc, newLoc, xdata)
  }
  symlink(call: Call, target: string, loc: Loc, umask: number, xdata?: Dict): Promise<EntryResult> {
    return this.child.symlink(call, target, loc, umask, xdata)
  }
  readlink(call: Call, loc: Loc, size: number, xdata?: Dict): Promise<ReadlinkResult> {
    return this.child.readlink(call, loc, size, xdata)
  }
  opendir(call: Call, loc: Loc, fd: Fd, xdata?: Dict): Promise<OpenResult> {
    return this.child.opendir(call, loc, fd, xdata)
  }
  readdirp(call: Call, fd: Fd, size: number, offset: bigint, xdata?: Dict): Promise<ReaddirResult> {
    return this.child.readdirp(call, fd, size, offset, xdata)
  }
  releasedir(call: Call, fd: Fd): Promise<void> {
    return this.child.releasedir(call, fd)
  }
  statfs(call: Call, loc: Loc, xdata?: Dict): Promise<StatfsResult> {
    return this.child.statfs(call, loc, xdata)
  }
  getxattr(call: Call, loc: Loc, name: string, xdata?: Dict): Promise<XattrResult> {
    return this.child.getxattr(call, loc, name, xdata)
  }
  fgetxattr(call: Call, fd: Fd, name: string, xdata?: Dict): Promise<XattrResult> {
    return this.child.fgetxattr(call, fd, name, xdata)
  }
  setxattr(call: Call, loc: Loc, dict: Dict, flags: number, xdata?: Dict): Promise<CommonResult> {
    return this.child.setxattr(call, loc, dict, flags, xdata)
  }
  fsetxattr(call: Call, fd: Fd, dict: Dict, flags: number, xdata?: Dict): Promise<CommonResult> {
    return this.child.fsetxattr(call, fd, dict, flags, xdata)
  }
  removexattr(call: Call, loc: Loc, name: string, xdata?: Dict): Promise<CommonResult> {
    return this.child.removexattr(call, loc, name, xdata)
  }
  fremovexattr(call: Call, fd: Fd, name: string, xdata?: Dict): Promise<CommonResult> {
    return this.child.fremovexattr(call, fd, name, xdata)
  }
  inodelk(call: Call, domain: string, loc: Loc, cmd: number, lock: Flock, xdata?: Dict): Promise<CommonResult> {
    return this.child.inodelk(call, domain, loc, cmd, lock, xdata)
  }
  entrylk(call: Call, domain: string, loc: Loc, basename: string, cmd: number, type: number, xdata?: Dict): Promise<CommonResult> {
    return this.child.entrylk(call, domain, loc, basename, cmd, type, xdata)
  }
  xattrop(call: Call, loc: Loc, flags: number, dict: Dict, xdata?: Dict): Promise<XattrResult> {
    return this.child.xattrop(call, loc, flags, dict, xdata)
  }
  fxattrop(call: Call, fd: Fd, flags: number, dict: Dict, xdata?: Dict): Promise<XattrResult> {
    return this.child.fxattrop(call, fd, flags, dict, xdata)
  }
}

const BASE_CHILD = Object.getOwnPropertyDescriptor(Xlator.prototype, 'child')!.get

/**
 * The xlator a `fop` sent to `x` first does work in: `x` itself, or, past xlators that only pass
 * it to their one child (the base's method, the base's `child`), the first below that overrides
 * it. Resolved once per graph, it lets a caller skip the pass-through layers on every call; what
 * runs is what the walk down would have run.
 */
export function fopHandler(x: Xlator, fop: keyof Fops): Xlator {
  let at = x
  while (passesDown(at, fop)) at = at.children[0]!
  return at
}

function passesDown(x: Xlator, fop: keyof Fops): boolean {
  if (x.children.length !== 1 || x[fop] !== Xlator.prototype[fop]) return false
  for (let p: object | null = Object.getPrototypeOf(x); p !== null && p !== Xlator.prototype; p = Object.getPrototypeOf(p)) {
    const child = Object.getOwnPropertyDescriptor(p, 'child')
    if (child !== undefined && child.get !== BASE_CHILD) return false
  }
  return true
}
