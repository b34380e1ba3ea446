import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { debuglog } from 'node:util'
import { errnoOf } from '../rpc/errno.ts'
import { GlusterError } from '../rpc/errors.ts'
import { type BackoffOptions, backoffDelayMs, backoffOptions } from '../rpc/backoff.ts'
import { Dict } from '../rpc/programs/fops.ts'
import { DEFAULT_CERT_DEPTH, type MountTls, SECURE_ACCESS_FILE, type TlsFiles, TlsProfile, readSecureAccess } from '../rpc/tls.ts'
import { type BrickStatus, type BrickStatusChange, ProtocolClient } from '../xlators/client/client.ts'
import { Graph, type XlatorOptionOverride, buildGraph } from '../xlators/graph.ts'
import { type Call, Fd, type Loc } from '../xlators/types.ts'
import { STRIDE_AHEAD_OPTIONS, type StrideAheadConfig, withStrideAhead } from '../xlators/stride-ahead/stride-ahead.ts'
import { parseOptions } from '../xlators/options.ts'
import { parseVolfile } from '../xlators/volfile.ts'
import { checkXlatorOption, readXlatorOption } from '../xlators/xlator-option.ts'
import type { Xlator } from '../xlators/xlator.ts'
import { AbortError, type GlfsCallOptions } from './abort.ts'
import {
  O_ACCMODE, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_RDONLY, O_TRUNC, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG,
  XATTR_CREATE, XATTR_REPLACE, toOpenFlags,
} from './constants.ts'
import { GlfsDir, GlfsFd, type FdOwner } from './fd.ts'
import { GraphSwitch } from './graph-switch.ts'
import type { VolfileServer } from './mgmt.ts'
import { Resolver, withPath } from './resolve.ts'
import { GlfsStats, type GlfsStatvfs } from './stats.ts'
import { type TimeSpec, toSetattr } from './times.ts'
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
 *   client refuses (ENOTSUP, as `init()` would), every call fails with that error from then on.
 */
export class Glfs extends EventEmitter implements FdOwner {
  readonly volume: string
  readonly #options: GlfsOptions
  readonly #servers: VolfileServer[] = []
  readonly #overrides: XlatorOptionOverride[] = []
  readonly #fds = new Set<GlfsFd | GlfsDir>()
  /** The stride-ahead section's options, or undefined when it is off. */
  readonly #strideAhead: ReadonlyMap<string, string> | undefined
  readonly call: Call
  #state: GlfsState = 'new'
  #graph: Graph | undefined
  /** Set when glusterd changed the volume into one this client refuses: every call fails with it. */
  #refusal: GlusterError | undefined
  /** The volfile text `#graph` was built from. */
  #spec: string | undefined
  #mgmt: VolfileServers | undefined
  /** Certificates and management TLS of the current mount, set by init. */
  #tls: MountTls | undefined
  #resolver: Resolver | undefined
  /** What the resolver winds to: always the active graph. */
  readonly #switch: GraphSwitch
  /** Old graphs finishing their calls after a volfile change. */
  readonly #retiring = new Set<Graph>()
  /** Aborted by `fini()`: stops a mount or a graph switch in progress. */
  #closing = new AbortController()
  #initDone: Promise<unknown> | undefined
  #finiDone: Promise<void> | undefined
  /** The newest volfile not yet mounted, and whether a switch is running. */
  #nextSpec: string | undefined
  #switching = false
  /** The URI this Glfs was made from by `fromUri`, if any. */
  uri: GlusterUri | undefined

  constructor(volume: string, options: GlfsOptions = {}) {
    super()
    if (typeof volume !== 'string' || volume.length === 0) {
      throw Object.assign(new TypeError('The "volume" argument must be a non-empty string'), { code: 'ERR_INVALID_ARG_TYPE' })
    }
    this.volume = volume
    this.#options = options
    this.#strideAhead = strideAheadOptions(volume, options.strideAhead)
    this.#switch = new GraphSwitch(volume)
    // A non-zero lock owner per mount: bricks refuse empty/zero owners for locks (wire reference §1.4).
    this.call = {
      pid: options.pid ?? process.pid,
      uid: options.uid ?? process.getuid?.() ?? 0,
      gid: options.gid ?? process.getgid?.() ?? 0,
      groups: options.groups ?? [],
      lkOwner: nonZeroOwner(),
    }
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
    if (this.#graph === undefined) throw this.#notReady()
    return readXlatorOption(this.#graph, this.volume, name, key)
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
      this.#graph = graph
      this.#spec = spec
      this.#switch.retarget(graph.top)
      this.#resolver = new Resolver(this.#switch, this.call, this.#options.dentryCacheEntries)
      mgmt.on('volfile', (next: string) => this.#onVolfile(next))
      mgmt.on('volfile-error', (err: Error) => debug('refetching the volfile of %s failed: %s', this.volume, err.message))
      this.#state = 'ready'
      // A FETCHSPEC answered while the bricks were connecting had no listener yet.
      if (mgmt.spec !== spec) this.#onVolfile(mgmt.spec)
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
    const graph = buildGraph(volfile, {
      volume: this.volume,
      volfileServerHost: this.#mgmt?.current?.host ?? 'localhost',
      rpc: { connectTimeoutMs: this.#connectTimeoutMs, pingTimeoutMs: this.#options.pingTimeoutMs, callTimeoutMs: this.#options.callTimeoutMs },
      reconnect: this.#options.reconnect,
      tls: this.#tls,
    }, this.#overrides)
    debug('graph of %s:\n%s', this.volume, graph.describe())
    this.#watchBricks(graph)
    const stop = (): void => {
      for (const client of clientsOf(graph)) void client.fini()
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

  /** Turn the brick connections' state changes into 'brick-up' / 'brick-down'. */
  #watchBricks(graph: Graph): void {
    for (const client of clientsOf(graph)) {
      let up = false
      client.watch((change: BrickStatusChange) => {
        if (this.#retiring.has(graph)) return
        if (change.status === 'connected') {
          up = true
          this.emit('brick-up', brickInfo(client))
        } else if (change.status === 'disconnected' && up) {
          up = false
          this.emit('brick-down', brickInfo(client), change.cause)
        }
      })
    }
  }

  /** A new volfile from glusterd: mount it, one switch at a time, always the newest text. */
  #onVolfile(spec: string): void {
    this.#nextSpec = spec
    if (this.#switching) return
    this.#switching = true
    void (async () => {
      const closing = this.#closing.signal
      const backoff = backoffOptions(this.#options.reconnect)
      let attempt = 0
      try {
        while (this.#nextSpec !== undefined && this.#state === 'ready' && !closing.aborted) {
          const next = this.#nextSpec
          this.#nextSpec = undefined
          try {
            if (await this.#switchGraph(next)) this.emit('graph-switch', undefined)
            attempt = 0
          } catch (err) {
            debug('volfile change of %s not applied: %s', this.volume, (err as Error).message)
            if (this.#state !== 'ready' || closing.aborted) return
            if (isRefusal(err)) {
              await this.#stopServing(err)
              this.emit('graph-switch', err)
              return
            }
            this.emit('graph-switch', err)
            // A brick of the new graph not up yet (glusterd pushes the volfile of an added brick
            // before the brick listens): try the same text again later, unless a newer one came.
            if (!isTransient(err)) continue
            await sleep(backoffDelayMs(backoff, attempt++), undefined, { signal: closing }).catch(() => undefined)
            this.#nextSpec ??= next
          }
        }
      } finally {
        this.#switching = false
      }
    })()
  }

  /**
   * Mount `spec` as a new graph, move every open fd onto it (glfs-resolve.c glfs_migrate_fd_safe:
   * fsync on the old graph so buffered writes land, nameless LOOKUP and OPEN/OPENDIR on the new
   * one), then send every new fop to it; the old graph is finished once its calls drain.
   * Resolves false when unmounted meanwhile.
   */
  async #switchGraph(spec: string): Promise<boolean> {
    const old = this.#graph
    if (old === undefined) return false
    const graph = await this.#mountGraph(spec, this.#closing.signal)
    const moved = new Set<GlfsFd | GlfsDir>()
    for (;;) {
      if (this.#state !== 'ready' || this.#closing.signal.aborted) {
        await graph.fini().catch(() => undefined)
        return false
      }
      // Fds opened while others moved are moved too; none can open on the new graph yet.
      const todo = [...this.#fds].filter((h) => !moved.has(h))
      if (todo.length === 0) break
      for (const h of todo) moved.add(h)
      await Promise.all(todo.map((h) => this.#moveFd(h, graph, old)))
    }
    this.#retiring.add(old)
    this.#graph = graph
    this.#spec = spec
    this.#switch.retarget(graph.top)
    this.#resolver?.invalidate()
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
    const old = this.#graph
    if (old === undefined) return
    await this.#flushWrites(old, this.#fds)
    this.#refusal = refusal
    this.#switch.refuse(refusal)
    this.#resolver?.invalidate()
    this.#retiring.add(old)
    this.#graph = undefined
    void this.#retire(old)
  }

  /**
   * FSYNC on `graph` every file of `handles` open for writing: what its write-behind took lands
   * now. A failure is the fd's to report at its next fsync or close, whichever graph serves it then.
   */
  async #flushWrites(graph: Graph, handles: Iterable<GlfsFd | GlfsDir>): Promise<void> {
    await Promise.all([...handles].map(async (h) => {
      if (!(h instanceof GlfsFd) || h.closed || (h.fd.flags & O_ACCMODE) === O_RDONLY) return
      try {
        await graph.top.fsync(this.call, h.fd, false)
      } catch (err) {
        debug('fd %s: writes cached by the old graph failed: %s', h.path, (err as Error).message)
        h.reportWriteError(err)
      }
    }))
  }

  /** Open `h`'s fd on `to`; on failure it fails EBADFD from now on. */
  async #moveFd(h: GlfsFd | GlfsDir, to: Graph, from: Graph | undefined): Promise<void> {
    const fd = h.fd
    try {
      if (from !== undefined && !fd.isDirectory && (fd.flags & O_ACCMODE) !== O_RDONLY) await from.top.fsync(this.call, fd, false)
      const loc: Loc = { path: h.path, name: '', parent: undefined, inode: fd.inode }
      await to.top.lookup(this.call, loc)
      if (fd.isDirectory) await to.top.opendir(this.call, loc, fd)
      else await to.top.open(this.call, loc, fd.flags & ~(O_CREAT | O_EXCL | O_TRUNC), fd)
    } catch (err) {
      debug('fd %s not moved to the new graph: %s', h.path, (err as Error).message)
      h.invalidate(err as Error)
    }
  }

  /** Wait until no call is in flight on the old graph, release its fds, then finish it. */
  async #retire(old: Graph): Promise<void> {
    const clients = clientsOf(old)
    // A fop of several steps issues its next call in the microtasks after a reply: idle must
    // hold across a macrotask turn.
    do {
      await Promise.all(clients.map((c) => c.drain()))
      await new Promise<void>((resolve) => setImmediate(resolve))
    } while (clients.some((c) => c.inFlight > 0) && this.#retiring.has(old))
    if (!this.#retiring.has(old)) return
    const fds = new Set<Fd>()
    for (const c of clients) for (const fd of c.openFds) fds.add(fd)
    await Promise.all([...fds].map((fd) => (fd.isDirectory ? old.top.releasedir(this.call, fd) : old.top.release(this.call, fd)).catch(() => undefined)))
    if (!this.#retiring.delete(old)) return
    await old.fini().catch((err: unknown) => debug('finishing the old graph of %s: %s', this.volume, (err as Error).message))
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
    // Released while the graph is still the target of `top`.
    await Promise.all(fds.map((fd) => fd.releaseForFini()))
    this.#state = 'finalized'
    await this.#teardown()
  }

  async #teardown(): Promise<void> {
    const graph = this.#graph
    const retiring = [...this.#retiring]
    this.#graph = undefined
    this.#spec = undefined
    this.#retiring.clear()
    this.#resolver = undefined
    this.#switch.retarget(undefined)
    const mgmt = this.#mgmt
    this.#mgmt = undefined
    const results = await Promise.allSettled([mgmt?.close(), graph?.fini(), ...retiring.map((g) => g.fini())])
    for (const r of results) if (r.status === 'rejected') throw r.reason
  }

  /** The top of the translator graph (for code inside this package). */
  get top(): Xlator {
    const graph = this.#graph
    if (this.#refusal !== undefined && this.#state === 'ready') throw this.#refusal
    if (graph === undefined || this.#state !== 'ready') throw this.#notReady()
    return graph.top
  }

  /** The mounted graph as an indented tree, top first. */
  describeGraph(): string {
    if (this.#graph === undefined) throw this.#notReady()
    return this.#graph.describe()
  }

  /** The bricks of the mounted volume and their connection state. */
  get bricks(): BrickInfo[] {
    if (this.#graph === undefined) return []
    return clientsOf(this.#graph).map(brickInfo)
  }

  /** The volfile text the graph was built from. */
  get volfile(): string | undefined {
    return this.#spec
  }

  /** The volfile server the management connection is on, and that connection's state. */
  get volfileServer(): { readonly server: VolfileServer; readonly status: string } | undefined {
    const mgmt = this.#mgmt
    const server = mgmt?.current
    return mgmt === undefined || server === undefined ? undefined : { server, status: mgmt.status }
  }

  forget(fd: GlfsFd | GlfsDir): void {
    this.#fds.delete(fd)
  }

  // ---------------------------------------------------------------------------------------------
  // Files

  /**
   * Open a file (glfs_open). Flags are numbers (O_RDWR | O_APPEND...) or Node's strings ('r+',
   * 'w', 'ax'...); with O_CREAT this is `creat(path, flags, 0o644)`.
   */
  async open(path: string, flags: number | string): Promise<GlfsFd> {
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
      await this.top.open(this.call, loc, flags & ~(O_CREAT | O_EXCL), fd)
    } catch (err) {
      throw withPath(err, syscall, loc.path)
    }
    return this.#track(new GlfsFd(this, fd, loc.path))
  }

  /**
   * Create (or open) a file (glfs_creat): O_EXCL fails with EEXIST when it exists; otherwise an
   * existing file is opened (truncated with O_TRUNC). `mode` is the permission bits.
   */
  async creat(path: string, flags: number | string, mode = 0o644): Promise<GlfsFd> {
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
      const placeholder = resolver.inode(randomGfid(), S_IFREG)
      const fd = new Fd(placeholder, f & ~(O_CREAT | O_EXCL), false)
      try {
        const created = await this.top.create(this.call, { ...loc, inode: placeholder }, f, mode, 0, fd)
        // The brick may keep an existing gfid (a racing create): open the file it kept under its
        // own inode, so every xlator's state (and a reopen after a reconnect) names the real gfid.
        if (!created.stat.gfid.equals(placeholder.gfid)) {
          await this.top.release(this.call, fd).catch(() => undefined)
          const real = resolver.inode(created.stat.gfid, created.stat.mode)
          const fdReal = new Fd(real, fd.flags, false)
          await this.top.open(this.call, { ...loc, inode: real }, fd.flags & ~O_TRUNC, fdReal)
          return this.#track(new GlfsFd(this, fdReal, loc.path))
        }
        resolver.invalidate(parent, loc.name)
        return this.#track(new GlfsFd(this, fd, loc.path))
      } catch (err) {
        // Someone created it between our lookup and CREATE: open it instead, unless O_EXCL.
        if (err instanceof GlusterError && err.code === 'EEXIST' && (f & O_EXCL) === 0 && attempt === 0) continue
        throw withPath(err, 'creat', loc.path)
      }
    }
  }

  /**
   * Remember an fd for fini and graph switches. One opened on a graph that was replaced while the
   * OPEN was on the wire is moved to the active graph before the caller gets it.
   */
  async #track<T extends GlfsFd | GlfsDir>(handle: T): Promise<T> {
    this.#fds.add(handle)
    const graph = this.#graph
    if (this.#retiring.size > 0 && graph !== undefined && !clientsOf(graph).some((c) => handle.fd.ctx.has(c))) {
      await this.#moveFd(handle, graph, undefined)
    }
    return handle
  }

  // ---------------------------------------------------------------------------------------------
  // Path calls

  async stat(path: string): Promise<GlfsStats> {
    const { stat } = await this.#resolverOrThrow().resolve(path, true, 'stat').catch(this.#rethrow('stat', path))
    return new GlfsStats(stat)
  }

  async lstat(path: string): Promise<GlfsStats> {
    const { stat } = await this.#resolverOrThrow().resolve(path, false, 'lstat').catch(this.#rethrow('lstat', path))
    return new GlfsStats(stat)
  }

  /** access(2): resolves when the caller may access `path` with `mode` (F_OK, R_OK | W_OK...). */
  async access(path: string, mode: number): Promise<void> {
    const { loc } = await this.#resolverOrThrow().resolve(path, true, 'access').catch(this.#rethrow('access', path))
    await this.top.access(this.call, loc, mode).catch(this.#rethrow('access', path))
  }

  async unlink(path: string): Promise<void> {
    const { loc, stat } = await this.#resolverOrThrow().resolve(path, false, 'unlink').catch(this.#rethrow('unlink', path))
    if ((stat.mode & S_IFMT) === S_IFDIR) throw this.#error('EISDIR', 'unlink', path, 'use rmdir() for directories')
    await this.top.unlink(this.call, loc, 0).catch(this.#rethrow('unlink', path))
    this.#resolver?.invalidate(loc.parent, loc.name)
  }

  async mkdir(path: string, mode = 0o755): Promise<void> {
    const { loc } = await this.#resolverOrThrow().resolveParent(path, 'mkdir').catch(this.#rethrow('mkdir', path))
    await this.top.mkdir(this.call, loc, mode & 0o7777, 0).catch(this.#rethrow('mkdir', path))
  }

  async rmdir(path: string): Promise<void> {
    const { loc, stat } = await this.#resolverOrThrow().resolve(path, false, 'rmdir').catch(this.#rethrow('rmdir', path))
    if (loc.path === '/') throw this.#error('EBUSY', 'rmdir', path, 'the volume root cannot be removed')
    if ((stat.mode & S_IFMT) !== S_IFDIR) throw this.#error('ENOTDIR', 'rmdir', path)
    await this.top.rmdir(this.call, loc, 0).catch(this.#rethrow('rmdir', path))
    this.#resolver?.invalidate(loc.parent, loc.name)
  }

  async rename(oldPath: string, newPath: string): Promise<void> {
    const resolver = this.#resolverOrThrow()
    const from = await resolver.resolve(oldPath, false, 'rename').catch(this.#rethrow('rename', oldPath))
    const to = await resolver.resolveParent(newPath, 'rename').catch(this.#rethrow('rename', newPath))
    const target = await resolver.resolve(newPath, false, 'rename').catch(() => undefined)
    const newLoc: Loc = { ...to.loc, inode: target?.loc.inode }
    await this.top.rename(this.call, from.loc, newLoc).catch(this.#rethrow('rename', oldPath))
    resolver.invalidate(from.loc.parent, from.loc.name)
    resolver.invalidate(to.parent, to.loc.name)
  }

  async link(existingPath: string, newPath: string): Promise<void> {
    const resolver = this.#resolverOrThrow()
    const from = await resolver.resolve(existingPath, false, 'link').catch(this.#rethrow('link', existingPath))
    if ((from.stat.mode & S_IFMT) === S_IFDIR) throw this.#error('EPERM', 'link', existingPath, 'hard links to directories are not allowed')
    const to = await resolver.resolveParent(newPath, 'link').catch(this.#rethrow('link', newPath))
    await this.top.link(this.call, from.loc, to.loc).catch(this.#rethrow('link', newPath))
  }

  async symlink(target: string, path: string): Promise<void> {
    if (typeof target !== 'string' || target.length === 0) throw this.#error('ENOENT', 'symlink', path, 'empty symlink target')
    const { loc } = await this.#resolverOrThrow().resolveParent(path, 'symlink').catch(this.#rethrow('symlink', path))
    await this.top.symlink(this.call, target, loc, 0).catch(this.#rethrow('symlink', path))
  }

  async readlink(path: string): Promise<string> {
    const { loc, stat } = await this.#resolverOrThrow().resolve(path, false, 'readlink').catch(this.#rethrow('readlink', path))
    if ((stat.mode & S_IFMT) !== S_IFLNK) throw this.#error('EINVAL', 'readlink', path, 'not a symbolic link')
    return (await this.top.readlink(this.call, loc, 4096).catch(this.#rethrow('readlink', path))).target
  }

  async truncate(path: string, length: number): Promise<void> {
    if (!Number.isSafeInteger(length) || length < 0) throw Object.assign(new RangeError(`The value of "length" is out of range. Received ${length}`), { code: 'ERR_OUT_OF_RANGE' })
    const { loc, stat } = await this.#resolverOrThrow().resolve(path, true, 'truncate').catch(this.#rethrow('truncate', path))
    if ((stat.mode & S_IFMT) === S_IFDIR) throw this.#error('EISDIR', 'truncate', path)
    await this.top.truncate(this.call, loc, length).catch(this.#rethrow('truncate', path))
  }

  /** Set times of `path` (following symlinks); UTIME_OMIT leaves a time exactly as it is. */
  async utimens(path: string, atime: TimeSpec, mtime: TimeSpec): Promise<void> {
    return this.#utimens(path, atime, mtime, true, 'utimens')
  }

  /** Set times of `path` itself, not of a symlink's target. */
  async lutimens(path: string, atime: TimeSpec, mtime: TimeSpec): Promise<void> {
    return this.#utimens(path, atime, mtime, false, 'lutimens')
  }

  async #utimens(path: string, atime: TimeSpec, mtime: TimeSpec, follow: boolean, syscall: string): Promise<void> {
    const { attrs, valid } = toSetattr(atime, mtime)
    const { loc } = await this.#resolverOrThrow().resolve(path, follow, syscall).catch(this.#rethrow(syscall, path))
    if (valid === 0) return
    await this.top.setattr(this.call, loc, attrs, valid).catch(this.#rethrow(syscall, path))
  }

  async chmod(path: string, mode: number): Promise<void> {
    const { loc } = await this.#resolverOrThrow().resolve(path, true, 'chmod').catch(this.#rethrow('chmod', path))
    await this.top.setattr(this.call, loc, { mode, uid: 0, gid: 0, atime: 0, atimeNsec: 0, mtime: 0, mtimeNsec: 0 }, 0x1).catch(this.#rethrow('chmod', path))
  }

  async statvfs(path = '/'): Promise<GlfsStatvfs> {
    const { loc } = await this.#resolverOrThrow().resolve(path, true, 'statvfs').catch(this.#rethrow('statvfs', path))
    const { xdata: _, ...statvfs } = await this.top.statfs(this.call, loc).catch(this.#rethrow('statvfs', path))
    return statvfs
  }

  /** Open a directory for `for await` listing (entries carry their stat, from READDIRP). */
  async opendir(path: string): Promise<GlfsDir> {
    const { loc, stat } = await this.#resolverOrThrow().resolve(path, true, 'opendir').catch(this.#rethrow('opendir', path))
    if ((stat.mode & S_IFMT) !== S_IFDIR) throw this.#error('ENOTDIR', 'opendir', path)
    const fd = new Fd(loc.inode!, O_RDONLY, true)
    await this.top.opendir(this.call, loc, fd).catch(this.#rethrow('opendir', path))
    return this.#track(new GlfsDir(this, fd, loc.path))
  }

  /** Names in a directory, without '.' and '..'. */
  async readdir(path: string): Promise<string[]> {
    const dir = await this.opendir(path)
    const names: string[] = []
    try {
      for await (const entry of dir) if (entry.name !== '.' && entry.name !== '..') names.push(entry.name)
    } finally {
      await dir.close()
    }
    return names
  }

  /** Set an extended attribute; `flags` 0, XATTR_CREATE or XATTR_REPLACE. */
  async setxattr(path: string, name: string, value: Uint8Array | string, flags = 0): Promise<void> {
    if (flags !== 0 && flags !== XATTR_CREATE && flags !== XATTR_REPLACE) throw this.#error('EINVAL', 'setxattr', path, `bad flags ${flags}`)
    const { loc } = await this.#resolverOrThrow().resolve(path, true, 'setxattr').catch(this.#rethrow('setxattr', path))
    const dict = new Dict().setPtr(name, Buffer.from(value))
    await this.top.setxattr(this.call, loc, dict, flags).catch(this.#rethrow('setxattr', path))
  }

  /** An extended attribute's value; ENODATA when it is not set. */
  async getxattr(path: string, name: string): Promise<Buffer> {
    const { loc } = await this.#resolverOrThrow().resolve(path, true, 'getxattr').catch(this.#rethrow('getxattr', path))
    const { dict } = await this.top.getxattr(this.call, loc, name).catch(this.#rethrow('getxattr', path))
    if (!dict.has(name)) throw this.#error('ENODATA', 'getxattr', path, `no attribute '${name}'`)
    // Bricks return xattr values as PTR; a STR is taken as its text.
    const text = dict.getStr(name)
    const bytes = dict.getPtr(name) ?? (text === undefined ? undefined : Buffer.from(text))
    if (bytes === undefined) throw this.#error('EIO', 'getxattr', path, `attribute '${name}' came back with an unexpected type`)
    return bytes
  }

  async removexattr(path: string, name: string): Promise<void> {
    const { loc } = await this.#resolverOrThrow().resolve(path, true, 'removexattr').catch(this.#rethrow('removexattr', path))
    await this.top.removexattr(this.call, loc, name).catch(this.#rethrow('removexattr', path))
  }

  // ---------------------------------------------------------------------------------------------

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

/** A volfile this client refuses to mount (support.ts), as opposed to one it could not mount yet. */
function isRefusal(err: unknown): err is GlusterError {
  return err instanceof GlusterError && err.code === 'ENOTSUP' && err.syscall === 'init'
}

/** Connection failures that a later attempt may not meet. */
function isTransient(err: unknown): boolean {
  return err instanceof GlusterError && TRANSIENT_CODES.has(err.code)
}

const TRANSIENT_CODES = new Set(['ENOTCONN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EAGAIN', 'ENOTFOUND', 'EAI_AGAIN'])

function clientsOf(graph: Graph): ProtocolClient[] {
  return graph.xlators.filter((x): x is ProtocolClient => x instanceof ProtocolClient)
}

function brickInfo(c: ProtocolClient): BrickInfo {
  return { xlator: c.name, host: c.address.remoteHost, path: c.address.remoteSubvolume, port: c.port, status: c.status }
}

function nonZeroOwner(): Buffer {
  const owner = randomBytes(8)
  owner[0] = owner[0]! | 1
  return owner
}

function randomGfid(): Buffer {
  const g = randomBytes(16)
  // RFC 4122 version 4, variant 10: what libuuid generates for gfid-req.
  g[6] = (g[6]! & 0x0f) | 0x40
  g[8] = (g[8]! & 0x3f) | 0x80
  return g
}

