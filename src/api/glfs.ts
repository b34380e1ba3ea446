import { EventEmitter } from 'node:events'
import { debuglog } from 'node:util'
import { errnoOf } from '../rpc/errno.ts'
import { GlusterError } from '../rpc/errors.ts'
import type { BackoffOptions } from '../rpc/backoff.ts'
import { type Graph, type XlatorOptionOverride, buildGraph } from '../xlators/graph.ts'
import { newGfid } from '../rpc/gfid.ts'
import { newLkOwner } from '../rpc/lk-owner.ts'
import { DEFAULT_CERT_DEPTH, type MountTls, SECURE_ACCESS_FILE, type TlsFiles, TlsProfile, readSecureAccess } from '../rpc/tls.ts'
import { type Call, Fd, type Loc, SetAttr } from '../xlators/types.ts'
import { STRIDE_AHEAD_OPTIONS, type StrideAheadConfig, withStrideAhead } from '../xlators/stride-ahead/stride-ahead.ts'
import { parseOptions } from '../xlators/options.ts'
import { parseVolfile } from '../xlators/volfile.ts'
import { checkXlatorOption, readXlatorOption } from '../xlators/xlator-option.ts'
import type { BrickState, BrickStatus, HealReport, SetattrArgs } from '../xlators/xlator.ts'
import { AbortError, type GlfsCallOptions, withSignal } from './abort.ts'
import { rangeError } from './arg-errors.ts'
import {
  F_OK, O_ACCMODE, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_RDONLY, O_TRUNC, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG,
  toOpenFlags,
} from './constants.ts'
import { type GlfsDirent, type ReaddirOptions, listDirectory } from './dirent.ts'
import { GlfsDir, GlfsFd, type FdOwner, fdInternals } from './fd.ts'
import type { WriteFileData } from './file-handle.ts'
import {
  type MkdirOptions, type PathReadFileOptions, type PathWriteFileOptions, type RmOptions, copyFile, mkdirWith, mkdtemp,
  openForWrite, readFile, rm, writeFile,
} from './fs-helpers.ts'
import { GraphSwitch, type SwitchHost } from './graph-switch.ts'
import type { VolfileServer } from './mgmt.ts'
import { ownerSetattr, parseMode } from './modes.ts'
import { Resolver, withPath } from './resolve.ts'
import { type GlfsBigIntStats, GlfsStats, type GlfsStatvfs, type StatOptions, asAsked } from './stats.ts'
import { GlfsReadStream, GlfsWriteStream, type PathReadStreamOptions, type PathWriteStreamOptions } from './streams.ts'
import { type TimeSpec, toSetattr } from './times.ts'
import { listedXattrNames, xattrDict, xattrValue } from './xattr.ts'
import { type FopMessage, fopChannel, publishBrickChannels, traceFop } from './tracing.ts'
import { GLUSTERD_DEFAULT_PORT, parseGlusterUri, type GlusterUri } from './uri.ts'
import { type VolfileServerChange, VolfileServers } from './volfile-servers.ts'

const debug = debuglog('gfapi')

export interface GlfsOptions {
  /**
   * Bound on each TCP/unix connect and on each answer of the mount handshake (GETSPEC from every
   * volfile server, PORTBYBRICK, SETVOLUME, the reopen of fds after a reconnect). Defaults to 10 s.
   */
  connectTimeoutMs?: number
  /**
   * Overrides the volfile's ping-timeout for every brick: a brick that sends nothing for this long
   * while calls wait is dropped (calls fail ENOTCONN) within it plus at most 1 s; 0 disables.
   * Defaults to the volfile's (42 s).
   */
  pingTimeoutMs?: number
  /**
   * Deadline of every call to a brick: past it the call fails ETIMEDOUT and the connection stays.
   * Defaults to the volfile's frame-timeout (1800 s).
   */
  callTimeoutMs?: number
  /**
   * Calls in flight per brick connection, at most: further calls wait in order, each within its
   * call deadline, and none fails for it; lock calls are not counted. 0 means no bound. Defaults
   * to 256 (the brick itself reads at most 64 at a time, its rpc.outstanding-rpc-limit).
   */
  maxInFlight?: number
  /**
   * With 16 calls or more in flight on a brick connection and none a WRITE, a READ of over 64 KiB
   * or a directory listing, the connection reads its socket at most once per this many ms and
   * handles the replies gathered meanwhile in one go: far less CPU per call at deep queues. It
   * pauses only when the calls in flight keep the brick busy for longer than that at the pace it
   * has been answering, so the brick never waits; a reply is read at most this much later. 0 reads
   * every reply as it arrives, as TLS connections (client.ssl) always do. Defaults to 1.
   */
  coalesceReadsMs?: number
  /**
   * Backoff of brick reconnects and of the rotation through volfile servers after the mount.
   * Defaults to 100 ms doubling up to 5 s, each wait shortened by up to half at random.
   */
  reconnect?: BackoffOptions
  /** Identity of every fop. Default: this process's uid, gid and pid. */
  uid?: number
  gid?: number
  groups?: readonly number[]
  pid?: number
  /** Bound of the path → gfid cache, in entries. Defaults to 16384. */
  dentryCacheEntries?: number
  /**
   * Read ahead along a constant stride (and sequentially): when an fd's reads are the same size
   * a constant distance apart, the next `depth` blocks are kept in flight (performance/stride-ahead,
   * inserted above the volume's graph; not part of glusterfs). `true` for the defaults (depth 16,
   * reads up to 128 KiB, 16 MiB in all), or `{ depth, maxBlock, cacheSize }` in bytes. Defaults to off.
   */
  strideAhead?: boolean | { depth?: number, cacheSize?: number, maxBlock?: number }
  /**
   * TLS certificates, each a file path or the PEM text as a Buffer: `cert` (own certificate,
   * always presented), `key`, `ca` (the CA list the peer's certificate must chain to). For bricks
   * the volfile's transport.socket.ssl-own-cert / -private-key / -ca-list win over these; unset
   * ones fall back to glusterfs.pem / .key / .ca in the first of /usr/lib/ssl, /etc/pki/tls,
   * /etc/ssl holding glusterfs.pem, as the C client's builds do. Brick connections use TLS when
   * the volume has client.ssl on; glusterd connections when /var/lib/glusterd/secure-access
   * exists on this machine (as libgfapi), or when `management` is true.
   */
  tls?: TlsFiles & { management?: boolean }
}

/** `GlfsOptions.strideAhead` as volfile options, checked now so a bad value fails here, not at init. */
function strideAheadOptions(volume: string, opt: GlfsOptions['strideAhead']): ReadonlyMap<string, string> | undefined {
  if (opt === undefined || opt === false) return undefined
  const options = new Map<string, string>()
  if (typeof opt === 'object') {
    if (opt.depth !== undefined) options.set('depth', String(opt.depth))
    if (opt.cacheSize !== undefined) options.set('cache-size', String(opt.cacheSize))
    if (opt.maxBlock !== undefined) options.set('max-block', String(opt.maxBlock))
  }
  parseOptions<StrideAheadConfig>(`${volume}-stride-ahead`, STRIDE_AHEAD_OPTIONS, options)
  return options
}

type GlfsState = 'new' | 'initializing' | 'ready' | 'finalized'

/** One brick of the mounted volume, as `Glfs.bricks` reports it. */
export interface BrickInfo {
  readonly xlator: string
  readonly host: string
  readonly path: string
  readonly port: number | undefined
  readonly status: BrickStatus
}

/** Glfs's events, each with its listener's arguments (described on {@link Glfs}). */
export type GlfsEvents = {
  'brick-up': [brick: BrickInfo]
  'brick-down': [brick: BrickInfo, cause: Error | undefined]
  'volfile-server': [change: VolfileServerChange]
  'graph-switch': [error: Error | undefined]
  'heal-pending': [report: HealReport]
  'split-brain': [report: HealReport]
}

/**
 * A GlusterFS volume mounted in this process (libgfapi glfs_t): `new Glfs(volume)`,
 * `setVolfileServer(...)`, `await init()`, then path calls and `open()`/`creat()` for fds,
 * and `await fini()`. A mounted Glfs keeps the process alive until `fini()`.
 *
 * Connections come and go without the caller's help: a lost brick is reconnected with backoff
 * and its open fds reopened (calls made meanwhile fail ENOTCONN at once; writes and fsyncs that
 * were in flight fail with `maybeApplied`); a lost glusterd is replaced by the next volfile
 * server; a volfile changed by glusterd (FETCHSPEC) is mounted as a new graph that takes every
 * new call and every open fd, while the old one finishes the calls it has.
 *
 * Events (none is 'error'; nothing needs a listener):
 * - `'brick-up'` (brick: BrickInfo): a brick connection is ready (at mount, after each reconnect,
 *   and for each brick of a new graph);
 * - `'brick-down'` (brick: BrickInfo, cause: Error | undefined): a ready brick connection was lost;
 * - `'volfile-server'` (change: VolfileServerChange): the management connection's state changed;
 * - `'graph-switch'` (error: Error | undefined): a changed volfile is now live (undefined), or
 *   could not be mounted and the current graph stays (the error); when the new volfile is one this
 *   client refuses (ENOTSUP, as `init()` would), every call fails with that error from then on;
 * - `'heal-pending'` (report: HealReport): on a replicate volume, a lookup or stat found copies
 *   another copy blames (or a dirty count): glustershd has a heal to do; `report.bricks` are the
 *   blamed bricks. Reads still go to a good copy;
 * - `'split-brain'` (report: HealReport): a lookup found no good copy although every brick
 *   answered; calls on it fail (ENOTCONN / EIO) until an admin resolves it
 *   (`gluster volume heal VOL split-brain ...`).
 * Each is emitted when what the lookups see of an inode changes, not on every lookup.
 */
export class Glfs extends EventEmitter<GlfsEvents> {
  readonly volume: string
  readonly #options: GlfsOptions
  readonly #servers: VolfileServer[] = []
  readonly #overrides: XlatorOptionOverride[] = []
  readonly #fds = new Set<GlfsFd | GlfsDir>()
  /** The stride-ahead section's options, or undefined when it is off. */
  readonly #strideAhead: ReadonlyMap<string, string> | undefined
  /** The identity of every fop of this mount. */
  readonly #call: Call
  #state: GlfsState = 'new'
  #mgmt: VolfileServers | undefined
  /** Certificates and management TLS of the current mount, set by init. */
  #tls: MountTls | undefined
  #resolver: Resolver | undefined
  /** Where every fop goes: the active graph, through volfile changes (graph-switch.ts). */
  readonly #switch: GraphSwitch
  /** What the open files and directories need of this Glfs. */
  readonly #owner: FdOwner
  /** Aborted by `fini()`: stops a mount or a graph switch in progress. */
  #closing = new AbortController()
  #initDone: Promise<unknown> | undefined
  #finiDone: Promise<void> | undefined
  /** The URI this Glfs was made from by `fromUri`, if any. */
  uri: GlusterUri | undefined

  constructor(volume: string, options: GlfsOptions = {}) {
    super()
    if (typeof volume !== 'string' || volume.length === 0) {
      throw Object.assign(new TypeError('The "volume" argument must be a non-empty string'), { code: 'ERR_INVALID_ARG_TYPE' })
    }
    const maxInFlight = options.maxInFlight
    if (maxInFlight !== undefined && (!Number.isSafeInteger(maxInFlight) || maxInFlight < 0)) {
      throw rangeError('maxInFlight', 'an integer >= 0', maxInFlight)
    }
    const coalesceReadsMs = options.coalesceReadsMs
    if (coalesceReadsMs !== undefined && (!Number.isSafeInteger(coalesceReadsMs) || coalesceReadsMs < 0 || coalesceReadsMs > 1000)) {
      throw rangeError('coalesceReadsMs', 'an integer >= 0 and <= 1000', coalesceReadsMs)
    }
    this.volume = volume
    this.#options = options
    this.#strideAhead = strideAheadOptions(volume, options.strideAhead)
    publishBrickChannels(this)
    // A non-zero lock owner per mount: bricks refuse empty/zero owners for locks (wire reference §1.4).
    this.#call = {
      pid: options.pid ?? process.pid,
      uid: options.uid ?? process.getuid?.() ?? 0,
      gid: options.gid ?? process.getgid?.() ?? 0,
      groups: options.groups ?? [],
      lkOwner: newLkOwner(),
    }
    this.#switch = new GraphSwitch(volume, this.#switchHost())
    this.#owner = { volume, top: this.#switch, call: this.#call, forget: (h) => this.#fds.delete(h) }
  }

  /** A Glfs for the volume and server a `gluster://` URI names; its path is in `glfs.uri.path`. */
  static fromUri(uri: string, options: GlfsOptions = {}): Glfs {
    const parsed = parseGlusterUri(uri)
    const glfs = new Glfs(parsed.volume, options)
    glfs.setVolfileServer(parsed.transport, parsed.transport === 'unix' ? parsed.socket! : parsed.host, parsed.port)
    glfs.uri = parsed
    return glfs
  }

  /**
   * Add a volfile server (glfs_set_volfile_server). Call it several times for failover: `init()`
   * tries them in order. For 'unix', `host` is the socket path.
   */
  setVolfileServer(transport: 'tcp' | 'unix', host: string, port: number = GLUSTERD_DEFAULT_PORT): this {
    this.#assertState('new', 'setVolfileServer')
    if (transport !== 'tcp' && transport !== 'unix') {
      throw Object.assign(new TypeError(`transport must be 'tcp' or 'unix', not '${String(transport)}' (rdma is not supported)`), { code: 'ERR_INVALID_ARG_VALUE' })
    }
    if (typeof host !== 'string' || host.length === 0) throw Object.assign(new TypeError('The "host" argument must be a non-empty string'), { code: 'ERR_INVALID_ARG_TYPE' })
    if (transport === 'tcp' && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw Object.assign(new RangeError(`The value of "port" is out of range. It must be >= 1 && <= 65535. Received ${port}`), { code: 'ERR_OUT_OF_RANGE' })
    }
    this.#servers.push(transport === 'unix' ? { transport, host: 'localhost', port: 0, socketPath: host } : { transport, host, port })
    return this
  }

  /** Volfile servers in the order `init()` tries them. */
  get volfileServers(): readonly VolfileServer[] {
    return this.#servers
  }

  /**
   * Set an option on every xlator whose name matches `pattern` (glfs_set_xlator_option), before
   * `init()`: e.g. `('*-write-behind', 'cache-size', '4MB')`. Checked at once against the
   * conventional xlator names of this volume and the option tables of the xlators this client
   * implements: a pattern matching none of them (`*-write-behinde`), a key none of them has, or a
   * value out of range throws GlusterError EINVAL (`checkXlatorOption` states the rule).
   */
  setXlatorOption(pattern: string, key: string, value: string): this {
    this.#assertState('new', 'setXlatorOption')
    for (const [name, v] of [['pattern', pattern], ['key', key], ['value', value]] as const) {
      if (typeof v !== 'string' || v.length === 0) throw Object.assign(new TypeError(`The "${name}" argument must be a non-empty string`), { code: 'ERR_INVALID_ARG_TYPE' })
    }
    checkXlatorOption(this.volume, pattern, key, value)
    this.#overrides.push({ pattern, key, value })
    return this
  }

  /**
   * The effective value of an option of a mounted xlator, by its graph name
   * (`getXlatorOption('vol-write-behind', 'cache-size')` → 1048576): from the volfile, a
   * `setXlatorOption` override, or the default. Sizes are bytes, times seconds, switches booleans.
   * Throws GlusterError ENOENT when no xlator has that name, EINVAL for a key it does not have.
   */
  getXlatorOption(name: string, key: string): boolean | number | string {
    const graph = this.#switch.active
    if (graph === undefined) throw this.#notReady()
    return readXlatorOption(graph, this.volume, name, key)
  }

  /**
   * Fetch the volfile, build the graph and connect every brick (glfs_init). Volfile servers are
   * tried in order, each within `connectTimeoutMs`. `signal` aborts the mount: it rejects with an
   * AbortError and nothing stays open.
   */
  init(options: GlfsCallOptions = {}): Promise<void> {
    // A promise API reports misuse through the promise too, never by throwing synchronously.
    try {
      this.#assertState('new', 'init')
    } catch (err) {
      return Promise.reject(err)
    }
    const signal = options.signal
    if (signal?.aborted) return Promise.reject(new AbortError('init', undefined, false, signal.reason))
    if (this.#servers.length === 0) this.setVolfileServer('tcp', 'localhost', GLUSTERD_DEFAULT_PORT)
    this.#state = 'initializing'
    this.#closing = new AbortController()
    const done = this.#init(signal)
    this.#initDone = done.catch(() => undefined)
    return done
  }

  async #init(signal: AbortSignal | undefined): Promise<void> {
    const closing = this.#closing
    const abort = (): void => closing.abort(signal?.reason)
    signal?.addEventListener('abort', abort, { once: true })
    const mgmt = new VolfileServers([...this.#servers], this.volume, { timeoutMs: this.#connectTimeoutMs, backoff: this.#options.reconnect, tls: this.#managementTls() })
    this.#mgmt = mgmt
    mgmt.on('status', (change: VolfileServerChange) => this.emit('volfile-server', change))
    try {
      const spec = await mgmt.mount(closing.signal)
      const graph = await this.#mountGraph(spec, closing.signal)
      if (closing.signal.aborted) {
        await graph.fini().catch(() => undefined)
        throw closing.signal.reason
      }
      this.#switch.activate(graph, spec)
      this.#resolver = new Resolver(this.#switch, this.#call, this.#options.dentryCacheEntries)
      mgmt.on('volfile', (next: string) => this.#switch.offer(next))
      mgmt.on('volfile-error', (err: Error) => debug('refetching the volfile of %s failed: %s', this.volume, err.message))
      this.#state = 'ready'
      // A FETCHSPEC answered while the bricks were connecting had no listener yet.
      if (mgmt.spec !== spec) this.#switch.offer(mgmt.spec)
    } catch (err) {
      await this.#teardown()
      if (this.#state === 'initializing') this.#state = 'new'
      if (signal?.aborted) throw new AbortError('init', undefined, false, signal.reason)
      if (closing.signal.aborted) {
        throw new GlusterError({ errno: errnoOf('ECANCELED'), syscall: 'init', volume: this.volume, cause: err, detail: 'fini() was called before the mount completed' })
      }
      throw err
    } finally {
      signal?.removeEventListener('abort', abort)
    }
  }

  /**
   * Management TLS (api/src/glfs.c: on iff secure-access exists, read at each init), or the user's
   * `tls.management`; the certificates are the user's or the defaults (no volfile yet).
   */
  #managementTls(): TlsProfile | undefined {
    const secure = readSecureAccess()
    const user = this.#options.tls
    const certDepth = secure?.certDepth ?? (user?.management === true ? DEFAULT_CERT_DEPTH : undefined)
    this.#tls = { files: { cert: user?.cert, key: user?.key, ca: user?.ca }, managementDepth: certDepth }
    if (certDepth === undefined) return undefined
    const why = secure === undefined ? 'GlfsOptions.tls.management' : SECURE_ACCESS_FILE
    return new TlsProfile({ ...this.#tls.files, certDepth, purpose: `management TLS (${why}) of volume ${this.volume}` })
  }

  get #connectTimeoutMs(): number {
    return this.#options.connectTimeoutMs ?? 10_000
  }

  /** Build and connect a graph from volfile text; `signal` stops its bricks' connects. */
  async #mountGraph(spec: string, signal: AbortSignal): Promise<Graph> {
    const strideAhead = this.#strideAhead
    const volfile = strideAhead === undefined ? parseVolfile(spec) : withStrideAhead(parseVolfile(spec), this.volume, strideAhead)
    const bricksUp = new Set<string>()
    const graph: Graph = buildGraph(volfile, {
      volume: this.volume,
      rpc: {
        connectTimeoutMs: this.#connectTimeoutMs, pingTimeoutMs: this.#options.pingTimeoutMs, callTimeoutMs: this.#options.callTimeoutMs,
        maxInFlight: this.#options.maxInFlight, coalesceReadsMs: this.#options.coalesceReadsMs,
      },
      reconnect: this.#options.reconnect,
      root: {
        notify: () => this.#onGraphEvent(graph, bricksUp),
        report: (r) => {
          if (!this.#switch.isRetiring(graph)) this.emit(r.kind, r)
        },
      },
      tls: this.#tls,
    }, this.#overrides)
    debug('graph of %s:\n%s', this.volume, graph.describe())
    const stop = (): void => {
      void graph.fini().catch(() => undefined)
    }
    signal.addEventListener('abort', stop, { once: true })
    try {
      await graph.init()
    } catch (err) {
      await graph.fini().catch(() => undefined)
      throw err
    } finally {
      signal.removeEventListener('abort', stop)
    }
    return graph
  }

  /**
   * The top of `graph` passed an event up: turn the brick connections' changes since the last one
   * into 'brick-up' / 'brick-down'. `bricksUp` holds the bricks of `graph` last seen connected.
   */
  #onGraphEvent(graph: Graph, bricksUp: Set<string>): void {
    if (this.#switch.isRetiring(graph)) return
    for (const brick of graph.top.bricks()) {
      if (brick.status === 'connected') {
        if (bricksUp.has(brick.xlator)) continue
        bricksUp.add(brick.xlator)
        this.emit('brick-up', brickInfo(brick))
      } else if (brick.status === 'disconnected' && bricksUp.delete(brick.xlator)) {
        this.emit('brick-down', brickInfo(brick), brick.cause)
      }
    }
  }

  /** What the graph switch needs of this Glfs. */
  #switchHost(): SwitchHost {
    const glfs = this
    return {
      call: this.#call,
      reconnect: this.#options.reconnect,
      get closing() {
        return glfs.#closing.signal
      },
      serving: () => this.#state === 'ready',
      notMounted: () => this.#notReady(),
      handles: () => this.#fds,
      mount: (spec, signal) => this.#mountGraph(spec, signal),
      retargeted: () => this.#resolver?.invalidate(),
      switched: (err) => this.emit('graph-switch', err),
    }
  }

  /**
   * Close every fd (RELEASE sent), brick and glusterd connection and timer (glfs_fini); no fixed
   * waits, and the process can exit as soon as it resolves. Aborts an `init()` in progress.
   */
  fini(): Promise<void> {
    this.#finiDone ??= this.#fini()
    return this.#finiDone
  }

  async #fini(): Promise<void> {
    const state = this.#state
    this.#closing.abort()
    if (state === 'initializing') await this.#initDone
    const fds = [...this.#fds]
    this.#fds.clear()
    // Released while the graph is still the active one.
    await Promise.all(fds.map((fd) => fdInternals.release(fd)))
    this.#state = 'finalized'
    await this.#teardown()
  }

  async #teardown(): Promise<void> {
    this.#resolver = undefined
    const mgmt = this.#mgmt
    this.#mgmt = undefined
    const results = await Promise.allSettled([mgmt?.close(), this.#switch.close()])
    for (const r of results) if (r.status === 'rejected') throw r.reason
  }

  /**
   * Resolves once the background work the mount started on its own has ended: features/shard
   * deletes the blocks of removed sharded files after `unlink`/`rename` returned (and resumes what
   * other clients left). `fini()` does not wait for it (the rest is resumed by the next mount of
   * any client); await this first when the volume should hold no leftovers, e.g. before measuring.
   */
  settled(options?: GlfsCallOptions): Promise<void> {
    return withSignal(options, 'settled', undefined, false, () => {
      const graph = this.#switch.active
      if (graph === undefined) throw this.#notReady()
      return graph.top.whenSettled()
    })
  }

  /** The mounted graph as an indented tree, top first. */
  describeGraph(): string {
    const graph = this.#switch.active
    if (graph === undefined) throw this.#notReady()
    return graph.describe()
  }

  /** The bricks of the mounted volume and their connection state. */
  get bricks(): BrickInfo[] {
    return this.#switch.active?.top.bricks().map(brickInfo) ?? []
  }

  /** The volfile text the graph was built from. */
  get volfile(): string | undefined {
    return this.#switch.spec
  }

  /** The volfile server the management connection is on, and that connection's state. */
  get volfileServer(): { readonly server: VolfileServer; readonly status: string } | undefined {
    const mgmt = this.#mgmt
    const server = mgmt?.current
    return mgmt === undefined || server === undefined ? undefined : { server, status: mgmt.status }
  }

  // ---------------------------------------------------------------------------------------------
  // Files

  /**
   * Open a file (glfs_open). Flags are numbers (O_RDWR | O_APPEND...) or Node's strings ('r+',
   * 'w', 'ax'...); with O_CREAT this is `creat(path, flags, 0o644)`.
   */
  open(path: string, flags: number | string, options?: GlfsCallOptions): Promise<GlfsFd> {
    return this.#op(options, 'open', path, false, () => this.#open(path, flags), closeLate)
  }

  async #open(path: string, flags: number | string): Promise<GlfsFd> {
    const f = toOpenFlags(flags)
    if ((f & O_CREAT) !== 0) return this.creat(path, f, 0o644)
    const { loc, stat } = await this.#resolverOrThrow().resolve(path, (f & O_NOFOLLOW) === 0, 'open').catch(this.#rethrow('open', path))
    return this.#openResolved(loc, stat.mode, f, 'open')
  }

  async #openResolved(loc: Loc, mode: number, flags: number, syscall: string): Promise<GlfsFd> {
    const type = mode & S_IFMT
    if (type === S_IFDIR) {
      if ((flags & O_ACCMODE) !== O_RDONLY) throw this.#error('EISDIR', syscall, loc.path)
      throw this.#error('EISDIR', syscall, loc.path, 'use opendir() to read a directory')
    }
    if ((flags & O_DIRECTORY) !== 0) throw this.#error('ENOTDIR', syscall, loc.path)
    if (type === S_IFLNK) throw this.#error('ELOOP', syscall, loc.path, 'the last component is a symlink and O_NOFOLLOW was given')
    const fd = new Fd(loc.inode!, flags & ~(O_CREAT | O_EXCL), false)
    try {
      await this.#switch.open(this.#call, loc, flags & ~(O_CREAT | O_EXCL), fd)
    } catch (err) {
      throw withPath(err, syscall, loc.path)
    }
    return this.#track(new GlfsFd(this.#owner, fd, loc.path))
  }

  /**
   * Create (or open) a file (glfs_creat): O_EXCL fails with EEXIST when it exists; otherwise an
   * existing file is opened (truncated with O_TRUNC). `mode` is the permission bits.
   */
  creat(path: string, flags: number | string, mode = 0o644, options?: GlfsCallOptions): Promise<GlfsFd> {
    return this.#op(options, 'creat', path, true, () => this.#creat(path, flags, mode), closeLate)
  }

  async #creat(path: string, flags: number | string, mode: number): Promise<GlfsFd> {
    const f = toOpenFlags(flags) | O_CREAT
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw Object.assign(new RangeError(`The value of "mode" is out of range. Received ${mode}`), { code: 'ERR_OUT_OF_RANGE' })
    const resolver = this.#resolverOrThrow()
    for (let attempt = 0; ; attempt++) {
      const existing = await resolver.resolve(path, true, 'creat').catch((err: unknown) => {
        if (err instanceof GlusterError && err.code === 'ENOENT') return undefined
        throw err
      })
      if (existing !== undefined) {
        if ((f & O_EXCL) !== 0) throw this.#error('EEXIST', 'creat', path)
        return this.#openResolved(existing.loc, existing.stat.mode, f, 'creat')
      }
      const { loc, parent } = await resolver.resolveParent(path, 'creat')
      const placeholder = resolver.inode(newGfid(), S_IFREG)
      const fd = new Fd(placeholder, f & ~(O_CREAT | O_EXCL), false)
      try {
        const created = await this.#switch.create(this.#call, { ...loc, inode: placeholder }, f, mode, 0, fd)
        // The brick may keep an existing gfid (a racing create): open the file it kept under its
        // own inode, so every xlator's state (and a reopen after a reconnect) names the real gfid.
        if (!created.stat.gfid.equals(placeholder.gfid)) {
          await this.#switch.release(this.#call, fd).catch(() => undefined)
          const real = resolver.inode(created.stat.gfid, created.stat.mode)
          const fdReal = new Fd(real, fd.flags, false)
          await this.#switch.open(this.#call, { ...loc, inode: real }, fd.flags & ~O_TRUNC, fdReal)
          return this.#track(new GlfsFd(this.#owner, fdReal, loc.path))
        }
        resolver.invalidate(parent, loc.name)
        return this.#track(new GlfsFd(this.#owner, fd, loc.path))
      } catch (err) {
        // Someone created it between our lookup and CREATE: open it instead, unless O_EXCL.
        if (err instanceof GlusterError && err.code === 'EEXIST' && (f & O_EXCL) === 0 && attempt === 0) continue
        throw withPath(err, 'creat', loc.path)
      }
    }
  }

  /** Remember an fd for fini and graph switches, moved to the active graph if need be. */
  #track<T extends GlfsFd | GlfsDir>(handle: T): Promise<T> {
    this.#fds.add(handle)
    return this.#switch.track(handle)
  }

  // ---------------------------------------------------------------------------------------------
  // Path calls

  stat(path: string, options?: StatOptions & { bigint?: false | undefined }): Promise<GlfsStats>
  stat(path: string, options: StatOptions & { bigint: true }): Promise<GlfsBigIntStats>
  stat(path: string, options?: StatOptions): Promise<GlfsStats | GlfsBigIntStats> {
    return this.#op(options, 'stat', path, false, async () => asAsked(await this.#stat(path), options))
  }

  async #stat(path: string): Promise<GlfsStats> {
    const { stat } = await this.#resolverOrThrow().resolve(path, true, 'stat').catch(this.#rethrow('stat', path))
    return new GlfsStats(stat)
  }

  lstat(path: string, options?: StatOptions & { bigint?: false | undefined }): Promise<GlfsStats>
  lstat(path: string, options: StatOptions & { bigint: true }): Promise<GlfsBigIntStats>
  lstat(path: string, options?: StatOptions): Promise<GlfsStats | GlfsBigIntStats> {
    return this.#op(options, 'lstat', path, false, async () => asAsked(await this.#lstat(path), options))
  }

  async #lstat(path: string): Promise<GlfsStats> {
    const { stat } = await this.#resolverOrThrow().resolve(path, false, 'lstat').catch(this.#rethrow('lstat', path))
    return new GlfsStats(stat)
  }

  /** access(2): resolves when the caller may access `path` with `mode` (F_OK, R_OK | W_OK...). */
  access(path: string, mode: number = F_OK, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'access', path, false, () => this.#access(path, mode))
  }

  async #access(path: string, mode: number): Promise<void> {
    const { loc } = await this.#resolverOrThrow().resolve(path, true, 'access').catch(this.#rethrow('access', path))
    await this.#switch.access(this.#call, loc, mode).catch(this.#rethrow('access', path))
  }

  unlink(path: string, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'unlink', path, true, () => this.#unlink(path))
  }

  async #unlink(path: string): Promise<void> {
    const { loc, stat } = await this.#resolverOrThrow().resolve(path, false, 'unlink').catch(this.#rethrow('unlink', path))
    if ((stat.mode & S_IFMT) === S_IFDIR) throw this.#error('EISDIR', 'unlink', path, 'use rmdir() for directories')
    await this.#switch.unlink(this.#call, loc, 0).catch(this.#rethrow('unlink', path))
    this.#resolver?.invalidate(loc.parent, loc.name)
  }

  /**
   * mkdir as node:fs: `options` is the mode (an integer or octal string; default 0o755; anything
   * else is a RangeError or TypeError) or `{ recursive, mode, signal }`. With `recursive`, missing
   * parents are made too, an existing directory is no error, and the first directory made is
   * the result.
   */
  mkdir(path: string, options?: number | string | MkdirOptions): Promise<string | undefined> {
    return this.#op(typeof options === 'object' ? options : undefined, 'mkdir', path, true, () => mkdirWith(this, path, options, (p, mode) => this.#mkdir(p, mode)))
  }

  async #mkdir(path: string, mode: number): Promise<void> {
    const { loc } = await this.#resolverOrThrow().resolveParent(path, 'mkdir').catch(this.#rethrow('mkdir', path))
    await this.#switch.mkdir(this.#call, loc, mode & 0o7777, 0).catch(this.#rethrow('mkdir', path))
  }

  rmdir(path: string, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'rmdir', path, true, () => this.#rmdir(path))
  }

  async #rmdir(path: string): Promise<void> {
    const { loc, stat } = await this.#resolverOrThrow().resolve(path, false, 'rmdir').catch(this.#rethrow('rmdir', path))
    if (loc.path === '/') throw this.#error('EBUSY', 'rmdir', path, 'the volume root cannot be removed')
    if ((stat.mode & S_IFMT) !== S_IFDIR) throw this.#error('ENOTDIR', 'rmdir', path)
    await this.#switch.rmdir(this.#call, loc, 0).catch(this.#rethrow('rmdir', path))
    this.#resolver?.invalidate(loc.parent, loc.name)
  }

  rename(oldPath: string, newPath: string, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'rename', oldPath, true, () => this.#rename(oldPath, newPath))
  }

  async #rename(oldPath: string, newPath: string): Promise<void> {
    const resolver = this.#resolverOrThrow()
    const from = await resolver.resolve(oldPath, false, 'rename').catch(this.#rethrow('rename', oldPath))
    const to = await resolver.resolveParent(newPath, 'rename').catch(this.#rethrow('rename', newPath))
    const target = await resolver.resolve(newPath, false, 'rename').catch(() => undefined)
    const newLoc: Loc = { ...to.loc, inode: target?.loc.inode }
    await this.#switch.rename(this.#call, from.loc, newLoc).catch(this.#rethrow('rename', oldPath))
    resolver.invalidate(from.loc.parent, from.loc.name)
    resolver.invalidate(to.parent, to.loc.name)
  }

  link(existingPath: string, newPath: string, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'link', newPath, true, () => this.#link(existingPath, newPath))
  }

  async #link(existingPath: string, newPath: string): Promise<void> {
    const resolver = this.#resolverOrThrow()
    const from = await resolver.resolve(existingPath, false, 'link').catch(this.#rethrow('link', existingPath))
    if ((from.stat.mode & S_IFMT) === S_IFDIR) throw this.#error('EPERM', 'link', existingPath, 'hard links to directories are not allowed')
    const to = await resolver.resolveParent(newPath, 'link').catch(this.#rethrow('link', newPath))
    await this.#switch.link(this.#call, from.loc, to.loc).catch(this.#rethrow('link', newPath))
  }

  symlink(target: string, path: string, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'symlink', path, true, () => this.#symlink(target, path))
  }

  async #symlink(target: string, path: string): Promise<void> {
    if (typeof target !== 'string' || target.length === 0) throw this.#error('ENOENT', 'symlink', path, 'empty symlink target')
    const { loc } = await this.#resolverOrThrow().resolveParent(path, 'symlink').catch(this.#rethrow('symlink', path))
    await this.#switch.symlink(this.#call, target, loc, 0).catch(this.#rethrow('symlink', path))
  }

  readlink(path: string, options?: GlfsCallOptions): Promise<string> {
    return this.#op(options, 'readlink', path, false, () => this.#readlink(path))
  }

  async #readlink(path: string): Promise<string> {
    const { loc, stat } = await this.#resolverOrThrow().resolve(path, false, 'readlink').catch(this.#rethrow('readlink', path))
    if ((stat.mode & S_IFMT) !== S_IFLNK) throw this.#error('EINVAL', 'readlink', path, 'not a symbolic link')
    return (await this.#switch.readlink(this.#call, loc, 4096).catch(this.#rethrow('readlink', path))).target
  }

  truncate(path: string, length: number, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'truncate', path, true, () => this.#truncate(path, length))
  }

  async #truncate(path: string, length: number): Promise<void> {
    if (!Number.isSafeInteger(length) || length < 0) throw Object.assign(new RangeError(`The value of "length" is out of range. Received ${length}`), { code: 'ERR_OUT_OF_RANGE' })
    const { loc, stat } = await this.#resolverOrThrow().resolve(path, true, 'truncate').catch(this.#rethrow('truncate', path))
    if ((stat.mode & S_IFMT) === S_IFDIR) throw this.#error('EISDIR', 'truncate', path)
    await this.#switch.truncate(this.#call, loc, length).catch(this.#rethrow('truncate', path))
  }

  /** Set times of `path` (following symlinks); UTIME_OMIT leaves a time exactly as it is. */
  utimens(path: string, atime: TimeSpec, mtime: TimeSpec, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'utimens', path, true, () => this.#setattrAt(path, true, 'utimens', toSetattr(atime, mtime)))
  }

  /** Set times of `path` itself, not of a symlink's target. */
  lutimens(path: string, atime: TimeSpec, mtime: TimeSpec, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'lutimens', path, true, () => this.#setattrAt(path, false, 'lutimens', toSetattr(atime, mtime)))
  }

  chmod(path: string, mode: number | string, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'chmod', path, true, () => this.#setattrAt(path, true, 'chmod', {
      attrs: { mode: parseMode(mode, 'mode'), uid: 0, gid: 0, atime: 0, atimeNsec: 0, mtime: 0, mtimeNsec: 0 }, valid: SetAttr.MODE,
    }))
  }

  /** Set owner and group of `path`, following symlinks (glfs_chown); -1 leaves one as it is. */
  chown(path: string, uid: number, gid: number, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'chown', path, true, () => this.#setattrAt(path, true, 'chown', ownerSetattr(uid, gid)))
  }

  /** Set owner and group of `path` itself, not of a symlink's target (glfs_lchown). */
  lchown(path: string, uid: number, gid: number, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'lchown', path, true, () => this.#setattrAt(path, false, 'lchown', ownerSetattr(uid, gid)))
  }

  /**
   * One SETATTR of `path` (its symlink itself unless `follow`); none when `valid` is 0, but the
   * path must exist. Argument errors thrown while building `attrs` reject the call (#op).
   */
  async #setattrAt(path: string, follow: boolean, syscall: string, { attrs, valid }: { attrs: SetattrArgs, valid: number }): Promise<void> {
    const { loc } = await this.#resolverOrThrow().resolve(path, follow, syscall).catch(this.#rethrow(syscall, path))
    if (valid === 0) return
    await this.#switch.setattr(this.#call, loc, attrs, valid).catch(this.#rethrow(syscall, path))
  }

  statvfs(path = '/', options?: GlfsCallOptions): Promise<GlfsStatvfs> {
    return this.#op(options, 'statvfs', path, false, () => this.#statvfs(path))
  }

  async #statvfs(path: string): Promise<GlfsStatvfs> {
    const { loc } = await this.#resolverOrThrow().resolve(path, true, 'statvfs').catch(this.#rethrow('statvfs', path))
    const { xdata: _, ...statvfs } = await this.#switch.statfs(this.#call, loc).catch(this.#rethrow('statvfs', path))
    return statvfs
  }

  /** Open a directory for `for await` listing (entries carry their stat, from READDIRP). */
  opendir(path: string, options?: GlfsCallOptions): Promise<GlfsDir> {
    return this.#op(options, 'opendir', path, false, () => this.#opendir(path), closeLate)
  }

  async #opendir(path: string): Promise<GlfsDir> {
    const { loc, stat } = await this.#resolverOrThrow().resolve(path, true, 'opendir').catch(this.#rethrow('opendir', path))
    if ((stat.mode & S_IFMT) !== S_IFDIR) throw this.#error('ENOTDIR', 'opendir', path)
    const fd = new Fd(loc.inode!, O_RDONLY, true)
    await this.#switch.opendir(this.#call, loc, fd).catch(this.#rethrow('opendir', path))
    return this.#track(new GlfsDir(this.#owner, fd, loc.path))
  }

  /** Names in a directory, without '.' and '..'; Dirent-like entries with `{ withFileTypes: true }`. */
  readdir(path: string, options?: ReaddirOptions & { withFileTypes?: false | undefined }): Promise<string[]>
  readdir(path: string, options: ReaddirOptions & { withFileTypes: true }): Promise<GlfsDirent[]>
  async readdir(path: string, options?: ReaddirOptions): Promise<string[] | GlfsDirent[]> {
    return listDirectory(await this.opendir(path, options), path, options)
  }

  /** Set an extended attribute (glfs_setxattr; symlinks followed); `flags` 0, XATTR_CREATE or XATTR_REPLACE. */
  setxattr(path: string, name: string, value: Uint8Array | string, flags = 0, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'setxattr', path, true, () => this.#setxattr(path, name, value, flags, true, 'setxattr'))
  }

  /** setxattr on `path` itself, not on a symlink's target (glfs_lsetxattr). */
  lsetxattr(path: string, name: string, value: Uint8Array | string, flags = 0, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'lsetxattr', path, true, () => this.#setxattr(path, name, value, flags, false, 'lsetxattr'))
  }

  async #setxattr(path: string, name: string, value: Uint8Array | string, flags: number, follow: boolean, syscall: string): Promise<void> {
    const dict = xattrDict(name, value, flags, (code, detail) => this.#error(code, syscall, path, detail))
    const { loc } = await this.#resolverOrThrow().resolve(path, follow, syscall).catch(this.#rethrow(syscall, path))
    await this.#switch.setxattr(this.#call, loc, dict, flags).catch(this.#rethrow(syscall, path))
  }

  /** An extended attribute's value (glfs_getxattr; symlinks followed); ENODATA when it is not set. */
  getxattr(path: string, name: string, options?: GlfsCallOptions): Promise<Buffer> {
    return this.#op(options, 'getxattr', path, false, () => this.#getxattr(path, name, true, 'getxattr'))
  }

  /** getxattr of `path` itself, not of a symlink's target (glfs_lgetxattr). */
  lgetxattr(path: string, name: string, options?: GlfsCallOptions): Promise<Buffer> {
    return this.#op(options, 'lgetxattr', path, false, () => this.#getxattr(path, name, false, 'lgetxattr'))
  }

  async #getxattr(path: string, name: string, follow: boolean, syscall: string): Promise<Buffer> {
    const { loc } = await this.#resolverOrThrow().resolve(path, follow, syscall).catch(this.#rethrow(syscall, path))
    const { dict } = await this.#switch.getxattr(this.#call, loc, name).catch(this.#rethrow(syscall, path))
    return xattrValue(dict, name, (code, detail) => this.#error(code, syscall, path, detail))
  }

  /**
   * The names of `path`'s extended attributes (glfs_listxattr; symlinks followed), as the
   * volume's translators show them: their internal attributes hidden, and GlusterFS's virtual
   * `glusterfs.*` names too.
   */
  listxattr(path: string, options?: GlfsCallOptions): Promise<string[]> {
    return this.#op(options, 'listxattr', path, false, () => this.#listxattr(path, true, 'listxattr'))
  }

  /** listxattr of `path` itself, not of a symlink's target (glfs_llistxattr). */
  llistxattr(path: string, options?: GlfsCallOptions): Promise<string[]> {
    return this.#op(options, 'llistxattr', path, false, () => this.#listxattr(path, false, 'llistxattr'))
  }

  async #listxattr(path: string, follow: boolean, syscall: string): Promise<string[]> {
    const { loc } = await this.#resolverOrThrow().resolve(path, follow, syscall).catch(this.#rethrow(syscall, path))
    const { dict } = await this.#switch.getxattr(this.#call, loc, '').catch(this.#rethrow(syscall, path))
    return listedXattrNames(dict)
  }

  /** Remove an extended attribute (glfs_removexattr; symlinks followed); ENODATA when it is not set. */
  removexattr(path: string, name: string, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'removexattr', path, true, () => this.#removexattr(path, name, true, 'removexattr'))
  }

  /** removexattr on `path` itself, not on a symlink's target (glfs_lremovexattr). */
  lremovexattr(path: string, name: string, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'lremovexattr', path, true, () => this.#removexattr(path, name, false, 'lremovexattr'))
  }

  async #removexattr(path: string, name: string, follow: boolean, syscall: string): Promise<void> {
    const { loc } = await this.#resolverOrThrow().resolve(path, follow, syscall).catch(this.#rethrow(syscall, path))
    await this.#switch.removexattr(this.#call, loc, name).catch(this.#rethrow(syscall, path))
  }

  // ---------------------------------------------------------------------------------------------
  // node:fs/promises calls (fs-helpers.ts, streams.ts)

  /** The path with every symlink resolved, as the volume sees it. */
  realpath(path: string, options?: GlfsCallOptions): Promise<string> {
    return this.#op(options, 'realpath', path, false, async () => (await this.#resolverOrThrow().resolve(path, true, 'realpath').catch(this.#rethrow('realpath', path))).loc.path)
  }

  /** rm as node:fs: a file, or with `recursive` a directory and everything in it; `force` ignores ENOENT. */
  rm(path: string, options?: RmOptions): Promise<void> {
    return this.#op(options, 'rm', path, true, () => rm(this, path, options))
  }

  /** copyFile as node:fs: bytes and permission bits; `mode` COPYFILE_EXCL fails EEXIST. */
  copyFile(src: string, dest: string, mode = 0, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'copyfile', src, true, () => copyFile(this, src, dest, mode, options))
  }

  /** mkdtemp as node:fs: a new directory `prefix` + six random characters (mode 0o700); its path. */
  mkdtemp(prefix: string, options?: GlfsCallOptions): Promise<string> {
    return this.#op(options, 'mkdtemp', prefix, true, () => mkdtemp(this, prefix, options))
  }

  /** readFile as node:fs: the whole file; a string when an encoding is given. */
  readFile(path: string, options?: (PathReadFileOptions & { encoding?: null | undefined })): Promise<Buffer>
  readFile(path: string, options: (PathReadFileOptions & { encoding: BufferEncoding }) | BufferEncoding): Promise<string>
  readFile(path: string, options?: PathReadFileOptions | BufferEncoding): Promise<Buffer | string>
  readFile(path: string, options?: PathReadFileOptions | BufferEncoding): Promise<Buffer | string> {
    return readFile(this, path, options)
  }

  /** writeFile as node:fs: create or truncate (flag 'w', mode 0o644), write all, close (its flush reported). */
  writeFile(path: string, data: WriteFileData, options?: PathWriteFileOptions | BufferEncoding): Promise<void> {
    return writeFile(this, path, data, options, 'w')
  }

  /** appendFile as node:fs: writeFile with flag 'a'. */
  appendFile(path: string, data: WriteFileData, options?: PathWriteFileOptions | BufferEncoding): Promise<void> {
    return writeFile(this, path, data, options, 'a')
  }

  /** fs.createReadStream: opens `path` (flag 'r') when the stream starts, closes it at its end. */
  createReadStream(path: string, options: PathReadStreamOptions = {}): GlfsReadStream {
    return new GlfsReadStream(() => this.open(path, options.flags ?? 'r', options), path, options)
  }

  /** fs.createWriteStream: opens `path` (flag 'w', mode 0o644) when the stream starts, closes it at its end. */
  createWriteStream(path: string, options: PathWriteStreamOptions = {}): GlfsWriteStream {
    return new GlfsWriteStream(() => openForWrite(this, path, options.flags ?? 'w', options.mode, options.signal), path, options)
  }

  /** `await using glfs = ...`: `fini()` at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.fini()
  }

  // ---------------------------------------------------------------------------------------------

  /** A path call: bounded by `options.signal`, traced on `gfapi-ts:fop` when someone listens. */
  #op<T>(options: GlfsCallOptions | undefined, fop: string, path: string, mutates: boolean, run: () => Promise<T>, discard?: (late: T) => Promise<unknown>): Promise<T> {
    if (!fopChannel.hasSubscribers) return withSignal(options, fop, path, mutates, run, discard)
    const message: FopMessage = { fop, volume: this.volume, path, gfid: undefined, brick: undefined, bytes: undefined }
    return traceFop(message, () => withSignal(options, fop, path, mutates, run, discard))
  }

  #resolverOrThrow(): Resolver {
    const r = this.#resolver
    if (r === undefined || this.#state !== 'ready') throw this.#notReady()
    return r
  }

  #rethrow(syscall: string, path: string): (err: unknown) => never {
    return (err: unknown) => {
      throw withPath(err, syscall, path)
    }
  }

  #error(code: string, syscall: string, path: string, detail?: string): GlusterError {
    return new GlusterError({ errno: errnoOf(code), syscall, path, volume: this.volume, detail })
  }

  #notReady(): GlusterError {
    const what = this.#state === 'finalized' ? 'fini() was called' : this.#state === 'initializing' ? 'init() has not finished' : 'init() was not called'
    return new GlusterError({ errno: errnoOf('ENOTCONN'), syscall: 'glfs', volume: this.volume, detail: `volume '${this.volume}' is not mounted: ${what}` })
  }

  #assertState(expected: GlfsState, syscall: string): void {
    if (this.#state !== expected) {
      throw new GlusterError({ errno: errnoOf('EINVAL'), syscall, volume: this.volume, detail: `not allowed now: the Glfs is ${this.#state}` })
    }
  }
}

function brickInfo(b: BrickState): BrickInfo {
  return { xlator: b.xlator, host: b.host, path: b.path, port: b.port, status: b.status }
}

/** Closes an fd or directory opened for a caller that gave up (its signal aborted) meanwhile. */
function closeLate(handle: GlfsFd | GlfsDir): Promise<void> {
  return handle.close()
}
