import { EventEmitter } from 'node:events'
import { connect as netConnect, type Socket } from 'node:net'
import { debuglog } from 'node:util'
import { XdrReader } from '../xdr/reader.ts'
import { XdrWriter } from '../xdr/writer.ts'
import { XdrError } from '../xdr/errors.ts'
import { AuthFlavor, type AuthIdentity, wallClockNs } from './auth.ts'
import { errnoOf } from './errno.ts'
import { GlusterError, RpcError, formatHostPort } from './errors.ts'
import { MsgType, type RpcProgram, procedureName, readReplyStatus, writeCallHeader } from './message.ts'
import { DEFAULT_MAX_RECORD_BYTES, RecordDecoder, recordMark } from './record.ts'

const debug = debuglog('gfapi')

/** Where to connect: TCP host and port, or a unix socket path. */
export interface RpcEndpoint {
  readonly transport: 'tcp' | 'unix'
  /** Host name or address (TCP); for unix sockets, used only in messages. */
  readonly host: string
  readonly port: number
  /** Unix socket path, required with transport 'unix'. */
  readonly socketPath?: string | undefined
}

export interface RpcClientOptions {
  /** Bound on connection establishment. Defaults to 10 s. */
  connectTimeoutMs?: number
  /**
   * With calls outstanding, a connection that receives nothing for this long is dead
   * (protocol/client `ping-timeout`); 0 disables. Defaults to 42 s.
   */
  pingTimeoutMs?: number
  /** A call without a reply for this long fails (protocol/client `frame-timeout`). Defaults to 1800 s. */
  callTimeoutMs?: number
  /** Largest record accepted from the peer. Defaults to 80 MiB. */
  maxRecordBytes?: number
  /** Words naming this connection in errors and debug lines, e.g. `brick vm:/b1`. */
  label?: string
  /** Extra error context (volume, brick) copied into errors raised here. */
  volume?: string | undefined
  brick?: string | undefined
}

/** A call sent and not yet answered. One class so every pending call has the same shape. */
class PendingCall {
  readonly xid: number
  readonly program: RpcProgram
  readonly proc: number
  readonly deadline: number
  readonly resolve: (r: XdrReader) => void
  readonly reject: (e: Error) => void
  /** Data-changing calls whose fate is unknown if the connection drops after sending. */
  readonly mutates: boolean

  constructor(xid: number, program: RpcProgram, proc: number, deadline: number, mutates: boolean,
    resolve: (r: XdrReader) => void, reject: (e: Error) => void) {
    this.xid = xid
    this.program = program
    this.proc = proc
    this.deadline = deadline
    this.mutates = mutates
    this.resolve = resolve
    this.reject = reject
  }
}

export type RpcClientStatus = 'connecting' | 'connected' | 'closed'

/** DUMP program, used for liveness pings (rpc-clnt-ping.c pings with GF-DUMP proc 2). */
const PING_PROGRAM: RpcProgram = { name: 'GF-DUMP', number: 123451501, version: 1, procedures: ['NULL', 'DUMP', 'PING'] }
const PING_PROC = 2
const NO_IDENTITY: AuthIdentity = { pid: 0, uid: 0, gid: 0, groups: [], lkOwner: Buffer.alloc(0) }

/**
 * One ONC RPC connection (RFC 5531) over TCP or a unix socket: many calls in flight, replies
 * matched by XID in any order, server CALLs (the GlusterFS callback program) handed to
 * `'callback'` listeners and never answered. One timer per connection sweeps call deadlines and
 * keeps the ping-timeout; no timer per call.
 *
 * Events: `'close'` (error | undefined) once, when the connection ends for any reason;
 * `'callback'` (program, version, proc, reader) for server-initiated calls.
 */
export class RpcClient extends EventEmitter {
  readonly endpoint: RpcEndpoint
  readonly label: string
  #status: RpcClientStatus = 'connecting'
  #socket: Socket | undefined
  readonly #writer = new XdrWriter()
  readonly #decoder: RecordDecoder
  readonly #pending = new Map<number, PendingCall>()
  #xid = 1
  #corked = false
  readonly #uncork = (): void => {
    this.#corked = false
    this.#socket?.uncork()
  }
  readonly #connectTimeoutMs: number
  readonly #pingTimeoutMs: number
  readonly #callTimeoutMs: number
  readonly #volume: string | undefined
  readonly #brick: string | undefined
  #sweepTimer: NodeJS.Timeout | undefined
  #lastReceivedAt = 0
  #pingInFlight = false
  #lastPingAt = 0
  #closeError: Error | undefined

  constructor(endpoint: RpcEndpoint, options: RpcClientOptions = {}) {
    super()
    this.endpoint = endpoint
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000
    this.#pingTimeoutMs = options.pingTimeoutMs ?? 42_000
    this.#callTimeoutMs = options.callTimeoutMs ?? 1_800_000
    this.#volume = options.volume
    this.#brick = options.brick
    this.label = options.label ?? describeEndpoint(endpoint)
    this.#decoder = new RecordDecoder((record) => this.#onRecord(record), options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES)
  }

  get status(): RpcClientStatus {
    return this.#status
  }

  /** Calls sent and not yet answered. */
  get inFlight(): number {
    return this.#pending.size
  }

  /** Connect within the connect timeout; rejects with ECONNREFUSED, ETIMEDOUT... naming host:port. */
  connect(): Promise<void> {
    const { endpoint } = this
    debug('connect %s', this.label)
    return new Promise<void>((resolve, reject) => {
      const socket = endpoint.transport === 'unix'
        ? netConnect({ path: endpoint.socketPath ?? '' })
        : netConnect({ host: endpoint.host, port: endpoint.port })
      this.#socket = socket
      const timer = setTimeout(() => {
        const err = this.#transportError('ETIMEDOUT', 'connect', `no connection within ${this.#connectTimeoutMs} ms`)
        socket.destroy()
        this.#finish(err)
        reject(err)
      }, this.#connectTimeoutMs)
      socket.once('connect', () => {
        clearTimeout(timer)
        socket.setNoDelay(true)
        if (endpoint.transport === 'tcp') socket.setKeepAlive(true, 20_000)
        this.#status = 'connected'
        this.#lastReceivedAt = performance.now()
        this.#startSweep()
        resolve()
      })
      socket.on('data', (chunk: Buffer) => this.#onData(chunk))
      socket.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer)
        const wrapped = this.#transportError(err.code ?? 'ECONNRESET', this.#status === 'connecting' ? 'connect' : 'recv', err.message, err)
        if (this.#status === 'connecting') reject(wrapped)
        this.#finish(wrapped)
      })
      socket.on('close', () => {
        clearTimeout(timer)
        if (this.#status === 'connecting') {
          const err = this.#transportError('ECONNRESET', 'connect', 'connection closed during connect')
          reject(err)
        }
        this.#finish(this.#decoder.midRecord
          ? new RpcError('ERR_RPC_PROTOCOL', 'peer closed the connection in the middle of a record', this.#where())
          : undefined)
      })
    })
  }

  /**
   * Start a call: encodes the record mark placeholder and the CALL header, and returns the writer
   * for the caller to append the arguments; `endCall` (or `abortCall`) must follow synchronously.
   * Two steps instead of an encode callback keep the hot path free of per-call closures.
   */
  beginCall(program: RpcProgram, proc: number, flavor: AuthFlavor, id: AuthIdentity, authFlags: number): XdrWriter {
    const w = this.#writer
    w.reserve(4)
    const xid = this.#nextXid()
    writeCallHeader(w, xid, program, proc, flavor, id, authFlags, flavor === AuthFlavor.GLUSTERFS_V3 ? wallClockNs() : 0n)
    this.#beganXid = xid
    return w
  }

  #beganXid = 0

  /** Drop a call begun with `beginCall` whose arguments failed to encode. */
  abortCall(): void {
    this.#writer.discard()
  }

  /**
   * Send the call begun with `beginCall`, with an optional payload sent by reference after the
   * arguments (WRITE data: no copy into the header buffer). Resolves with a reader positioned at
   * the procedure's results.
   */
  endCall(program: RpcProgram, proc: number, payload: Buffer | undefined, mutates: boolean): Promise<XdrReader> {
    const w = this.#writer
    const payloadBytes = payload === undefined ? 0 : payload.length
    w.patchUint32(0, recordMark(w.length - 4 + payloadBytes))
    const header = w.finish()
    const xid = this.#beganXid
    const socket = this.#socket
    if (this.#status !== 'connected' || socket === undefined) {
      return Promise.reject(this.#notConnected(program, proc, xid, false))
    }
    return new Promise<XdrReader>((resolve, reject) => {
      this.#pending.set(xid, new PendingCall(xid, program, proc, performance.now() + this.#callTimeoutMs, mutates, resolve, reject))
      if (!this.#corked) {
        // Batch every call made in this tick into one writev.
        this.#corked = true
        socket.cork()
        process.nextTick(this.#uncork)
      }
      socket.write(header)
      if (payload !== undefined && payloadBytes > 0) socket.write(payload)
      if (debug.enabled) debug('call %s %s %s xid %d (%d+%d bytes)', this.label, program.name, procedureName(program, proc), xid, header.length, payloadBytes)
    })
  }

  /** A whole call without payload, for the cold paths (handshake, portmap). */
  call(program: RpcProgram, proc: number, flavor: AuthFlavor, id: AuthIdentity, encodeArgs: (w: XdrWriter) => void): Promise<XdrReader> {
    const w = this.beginCall(program, proc, flavor, id, 0)
    try {
      encodeArgs(w)
    } catch (err) {
      this.abortCall()
      return Promise.reject(err)
    }
    return this.endCall(program, proc, undefined, false)
  }

  /** Close now: pending calls fail with ENOTCONN; 'close' is emitted once. */
  close(): void {
    if (this.#status === 'closed') return
    this.#finish(undefined)
  }

  /** The error the connection ended with, if it ended badly. */
  get closeError(): Error | undefined {
    return this.#closeError
  }

  #nextXid(): number {
    // XIDs only need to be unique among outstanding calls; wrap well before 2^32.
    let xid = this.#xid
    do {
      xid = xid >= 0x7fffffff ? 1 : xid + 1
    } while (this.#pending.has(xid))
    this.#xid = xid
    return xid
  }

  #onData(chunk: Buffer): void {
    this.#lastReceivedAt = performance.now()
    try {
      this.#decoder.push(chunk)
    } catch (err) {
      // Framing or decoding garbage from the peer: drop the connection, never crash.
      this.#finish(err instanceof RpcError ? err : new RpcError('ERR_RPC_PROTOCOL', `malformed data from peer: ${(err as Error).message}`, { ...this.#where(), cause: err }))
    }
  }

  #onRecord(record: Buffer): void {
    const r = new XdrReader(record)
    const xid = r.uint32()
    const msgType = r.uint32()
    if (msgType === MsgType.CALL) {
      this.#onServerCall(r)
      return
    }
    if (msgType !== MsgType.REPLY) {
      throw new RpcError('ERR_RPC_PROTOCOL', `unknown msg_type ${msgType}`, this.#where())
    }
    const call = this.#pending.get(xid)
    if (call === undefined) {
      // A reply to an XID never sent (or already failed by its deadline): the peer is confused.
      throw new RpcError('ERR_RPC_PROTOCOL', `reply to unknown xid ${xid}`, this.#where())
    }
    this.#pending.delete(xid)
    try {
      readReplyStatus(r, { program: call.program.name, procedure: procedureName(call.program, call.proc), xid, host: this.endpoint.host, port: this.endpoint.port })
    } catch (err) {
      call.reject(err instanceof XdrError ? new RpcError('ERR_RPC_PROTOCOL', `malformed reply: ${err.message}`, { program: call.program.name, xid, cause: err }) : err as Error)
      return
    }
    call.resolve(r)
  }

  #onServerCall(r: XdrReader): void {
    // rpc-clnt.c rpc_clnt_handle_cbk: read prog/vers/proc, skip cred and verf, never reply.
    r.uint32() // rpcvers
    const prog = r.uint32()
    const vers = r.uint32()
    const proc = r.uint32()
    r.uint32()
    r.opaque(400)
    r.uint32()
    r.opaque(400)
    debug('server call %s prog %d vers %d proc %d', this.label, prog, vers, proc)
    this.emit('callback', prog, vers, proc, r)
  }

  #startSweep(): void {
    const tickMs = this.#pingTimeoutMs > 0 ? Math.min(1000, Math.max(50, this.#pingTimeoutMs / 10)) : 1000
    this.#sweepTimer = setInterval(() => this.#sweep(), tickMs)
    this.#sweepTimer.unref()
  }

  /** Deadlines and liveness, checked by one timer per connection. */
  #sweep(): void {
    if (this.#pending.size === 0) return
    const now = performance.now()
    if (this.#pingTimeoutMs > 0) {
      const silentMs = now - this.#lastReceivedAt
      if (silentMs >= this.#pingTimeoutMs) {
        this.#finish(this.#transportError('ETIMEDOUT', 'ping', `no reply for ${Math.round(silentMs)} ms with calls outstanding (ping-timeout ${this.#pingTimeoutMs} ms)`))
        return
      }
      // Keep traffic flowing while calls are outstanding, so a live but busy peer is never
      // mistaken for a dead one.
      if (!this.#pingInFlight && now - this.#lastPingAt >= this.#pingTimeoutMs / 4) this.#ping(now)
    }
    for (const call of this.#pending.values()) {
      if (call.deadline <= now) {
        this.#pending.delete(call.xid)
        call.reject(new GlusterError({
          errno: errnoOf('ETIMEDOUT'), syscall: procedureName(call.program, call.proc).toLowerCase(), host: this.endpoint.host, port: this.endpoint.port,
          volume: this.#volume, brick: this.#brick, maybeApplied: call.mutates,
          detail: `no reply within ${this.#callTimeoutMs} ms (${call.program.name} xid ${call.xid})`,
        }))
      }
    }
  }

  #ping(now: number): void {
    this.#pingInFlight = true
    this.#lastPingAt = now
    this.call(PING_PROGRAM, PING_PROC, AuthFlavor.GLUSTERFS_V2, NO_IDENTITY, noArgs).then(
      () => { this.#pingInFlight = false },
      () => { this.#pingInFlight = false },
    )
  }

  #finish(err: Error | undefined): void {
    if (this.#status === 'closed') return
    this.#status = 'closed'
    this.#closeError = err
    if (this.#sweepTimer !== undefined) clearInterval(this.#sweepTimer)
    this.#socket?.destroy()
    const pending = [...this.#pending.values()]
    this.#pending.clear()
    for (const call of pending) call.reject(this.#notConnected(call.program, call.proc, call.xid, call.mutates, err))
    debug('closed %s%s', this.label, err ? ': ' + err.message : '')
    this.emit('close', err)
  }

  #notConnected(program: RpcProgram, proc: number, xid: number, mutates: boolean, cause?: Error): GlusterError {
    return new GlusterError({
      errno: errnoOf('ENOTCONN'), syscall: procedureName(program, proc).toLowerCase(), host: this.endpoint.host, port: this.endpoint.port,
      volume: this.#volume, brick: this.#brick, maybeApplied: mutates, cause,
      detail: `connection to ${this.label} ${cause ? 'lost (' + cause.message + ')' : 'closed'}; ${program.name} ${procedureName(program, proc)} xid ${xid} ${mutates ? 'may or may not have been applied' : 'failed'}`,
    })
  }

  #transportError(code: string, syscall: string, message: string, cause?: unknown): GlusterError {
    let errno: number
    try {
      errno = errnoOf(code)
    } catch {
      // getaddrinfo failures (ENOTFOUND, EAI_AGAIN) have no Linux errno: the host is unreachable.
      errno = errnoOf('EHOSTUNREACH')
    }
    return new GlusterError({
      errno, syscall, host: this.endpoint.host, port: this.endpoint.port, volume: this.#volume, brick: this.#brick,
      detail: `${this.label}: ${message}`, cause,
    })
  }

  #where(): { host: string; port: number } {
    return { host: this.endpoint.host, port: this.endpoint.port }
  }
}

function noArgs(): void {}

export function describeEndpoint(e: RpcEndpoint): string {
  return e.transport === 'unix' ? `unix:${e.socketPath ?? ''}` : formatHostPort(e.host, e.port)
}
