import { EventEmitter } from 'node:events'
import { connect as netConnect, type OnReadOpts, type Socket } from 'node:net'
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls'
import { debuglog } from 'node:util'
import { XdrReader } from '../xdr/reader.ts'
import { XdrWriter } from '../xdr/writer.ts'
import { XdrError } from '../xdr/errors.ts'
import { AuthFlavor, type AuthIdentity, NO_TIME, type WallClock, wallClock } from './auth.ts'
import { describeResolverFailure, errnoOf } from './errno.ts'
import { GlusterError, RpcError, formatHostPort } from './errors.ts'
import { MsgType, type RpcProgram, procedureName, readReplyStatus, writeCallHeader } from './message.ts'
import { DEFAULT_MAX_RECORD_BYTES, RecordDecoder, recordMark } from './record.ts'
import { type TlsProfile, describeTlsFailure, writeRecordsSeparately } from './tls.ts'

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
   * (protocol/client `ping-timeout`): it is dropped within this bound plus one sweep tick
   * (a tenth of it, at most 1 s). 0 disables. Defaults to 42 s.
   */
  pingTimeoutMs?: number
  /**
   * A call without a reply for this long fails with ETIMEDOUT and the connection stays
   * (protocol/client `frame-timeout`). A call whose payload (a WRITE's data, sent by reference) the
   * socket has not written out yet fails only once it has, or when the connection drops. Defaults to 1800 s.
   */
  callTimeoutMs?: number
  /** Largest record accepted from the peer. Defaults to 80 MiB. */
  maxRecordBytes?: number
  /** Words naming this connection in errors and debug lines, e.g. `brick vm:/b1`. */
  label?: string
  /** Extra error context (volume, brick) copied into errors raised here. */
  volume?: string | undefined
  brick?: string | undefined
  /** TLS right after the TCP connect (client.ssl, secure-access); ignored for unix sockets, as in socket.c. */
  tls?: TlsProfile | undefined
}

/**
 * Where the bulk data of a reply goes: straight into a caller's buffer. `headLength` reads the
 * reply body's first bytes (after the accepted-reply header) and says where the data starts, or
 * -1 to receive the reply whole; the program's codec knows the layout (READ: gfx_read_rsp).
 */
export interface ReplySink {
  readonly buffer: Uint8Array
  headLength(body: Buffer, bodyAt: number, recordLength: number): number
}

/** A call sent and not yet answered. One class so every pending call has the same shape. */
class PendingCall {
  readonly xid: number
  readonly program: RpcProgram
  readonly proc: number
  readonly deadline: number
  readonly timeoutMs: number
  readonly resolve: (r: XdrReader) => void
  readonly reject: (e: Error) => void
  /** Data-changing calls whose fate is unknown if the connection drops after sending. */
  readonly mutates: boolean
  readonly sink: ReplySink | undefined
  /**
   * With a payload sent by reference: the connection's count of queued bytes once it was queued.
   * The call may settle on its deadline only when the socket has written that far.
   */
  readonly sentMark: number

  constructor(xid: number, program: RpcProgram, proc: number, timeoutMs: number, mutates: boolean,
    sink: ReplySink | undefined, sentMark: number, resolve: (r: XdrReader) => void, reject: (e: Error) => void) {
    this.xid = xid
    this.program = program
    this.proc = proc
    this.timeoutMs = timeoutMs
    this.deadline = performance.now() + timeoutMs
    this.mutates = mutates
    this.sink = sink
    this.sentMark = sentMark
    this.resolve = resolve
    this.reject = reject
  }
}

export type RpcClientStatus = 'connecting' | 'connected' | 'closed'

/** DUMP program, used for liveness pings (rpc-clnt-ping.c pings with GF-DUMP proc 2). */
const PING_PROGRAM: RpcProgram = { name: 'GF-DUMP', number: 123451501, version: 1, procedures: ['NULL', 'DUMP', 'PING'] }
const PING_PROC = 2
const NO_IDENTITY: AuthIdentity = { pid: 0, uid: 0, gid: 0, groups: [], lkOwner: Buffer.alloc(0) }
/** xid, REPLY, MSG_ACCEPTED, verifier AUTH_NULL + length 0, SUCCESS. */
const REPLY_HEADER_BYTES = 24
/** Receive buffer per connection: a 128 KiB READ reply and its neighbours in one read. */
const RECEIVE_BUFFER_BYTES = 256 * 1024
/** XIDs of calls failed by their deadline, remembered so a late reply is dropped, not fatal. */
const MAX_EXPIRED_XIDS = 4096

/**
 * One ONC RPC connection (RFC 5531) over TCP or a unix socket: many calls in flight, replies
 * matched by XID in any order, server CALLs (the GlusterFS callback program) handed to
 * `'callback'` listeners and never answered. One timer per connection sweeps call deadlines and
 * keeps the ping-timeout; no timer per call. One RpcClient is one connection: reconnecting (new
 * port, new handshake) belongs to the layer that knows the handshake (protocol/client, mgmt).
 *
 * Liveness: the clock starts when a call is issued with none outstanding and restarts on every
 * byte received; with calls outstanding the sweep PINGs (GF-DUMP proc 2) every quarter
 * ping-timeout and drops the connection once the clock passes ping-timeout. Only received bytes
 * count: rpc-clnt-ping.c also counts bytes sent, which lets a frozen brick that still accepts
 * our PING into its socket buffer live for twice the ping-timeout.
 *
 * Events: `'close'` (error | undefined) once, when the connection ends for any reason: undefined
 * only when `close()` ended it; a peer closing gives ECONNRESET, broken framing an RpcError;
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
  /**
   * Sends the data of a large reply straight into the buffer its call supplied (a ReplySink):
   * only for an accepted, successful reply with an empty verifier (24 header bytes), whose codec
   * finds where the data starts.
   */
  readonly #placer = {
    sink: undefined as Uint8Array | undefined,
    place: (head: Buffer, recordLength: number): number => {
      const placer = this.#placer
      placer.sink = undefined
      const call = this.#pending.get(head.readUInt32BE(0))
      const sink = call?.sink
      if (sink === undefined) return -1
      if (head.readUInt32BE(4) !== MsgType.REPLY || head.readUInt32BE(8) !== 0 || head.readUInt32BE(16) !== 0 || head.readUInt32BE(20) !== 0) return -1
      const at = sink.headLength(head, REPLY_HEADER_BYTES, recordLength)
      if (at < 0) return -1
      placer.sink = sink.buffer
      return at
    },
  }

  /**
   * Socket reads land in one buffer per connection, reused for every read: no 64 KiB allocation
   * per read as with 'data' events, and up to RECEIVE_BUFFER_BYTES per system call.
   */
  readonly #onread = {
    buffer: Buffer.allocUnsafe(RECEIVE_BUFFER_BYTES),
    callback: (bytes: number, buffer: Buffer): boolean => {
      this.#onData(buffer.subarray(0, bytes))
      return true
    },
  }
  readonly #uncork = (): void => {
    this.#corked = false
    this.#socket?.uncork()
  }
  readonly #connectTimeoutMs: number
  readonly #pingTimeoutMs: number
  readonly #callTimeoutMs: number
  readonly #volume: string | undefined
  readonly #brick: string | undefined
  readonly #tls: TlsProfile | undefined
  #sweepTimer: NodeJS.Timeout | undefined
  /** Liveness clock: last byte received, or the issue of a call when none was outstanding. */
  #aliveAt = 0
  #pingInFlight = false
  #lastPingAt = 0
  #closeError: Error | undefined
  /** Rejects the pending `connect()` when the connection ends before it is established. */
  #connectReject: ((err: Error) => void) | undefined
  readonly #expired = new Set<number>()
  /** Some expired xids were forgotten: a reply to an unknown xid is then dropped, not fatal. */
  #expiredForgotten = false
  #idleWaiters: Array<() => void> = []
  /** Resolved once the socket is released (or was never opened) after the connection ended. */
  #released: Promise<void> | undefined
  #release: (() => void) | undefined

  constructor(endpoint: RpcEndpoint, options: RpcClientOptions = {}) {
    super()
    this.endpoint = endpoint
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000
    this.#pingTimeoutMs = options.pingTimeoutMs ?? 42_000
    this.#callTimeoutMs = options.callTimeoutMs ?? 1_800_000
    this.#volume = options.volume
    this.#brick = options.brick
    this.#tls = endpoint.transport === 'tcp' ? options.tls : undefined
    this.label = options.label ?? describeEndpoint(endpoint)
    // Chunks come from one reused receive buffer (socket onread): the decoder copies each record out.
    this.#decoder = new RecordDecoder((record) => this.#onRecord(record), options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES, true, this.#placer)
  }

  get status(): RpcClientStatus {
    return this.#status
  }

  /** Calls sent and not yet answered. */
  get inFlight(): number {
    return this.#pending.size
  }

  /**
   * Connect within the connect timeout; rejects with ECONNREFUSED, ETIMEDOUT... naming host:port,
   * or ECONNABORTED when `close()` is called first.
   */
  connect(): Promise<void> {
    const { endpoint } = this
    debug('connect %s', this.label)
    return new Promise<void>((resolve, reject) => {
      if (this.#status !== 'connecting') {
        reject(this.#transportError('ECONNABORTED', 'connect', 'the client was closed before connecting'))
        return
      }
      let socket: Socket
      try {
        socket = this.#openSocket()
      } catch (err) {
        this.#finish(err as Error)
        reject(err)
        return
      }
      this.#socket = socket
      this.#released = new Promise<void>((resolve) => {
        this.#release = resolve
      })
      const timer = setTimeout(() => {
        this.#finish(this.#transportError('ETIMEDOUT', 'connect', `no connection within ${this.#connectTimeoutMs} ms`))
      }, this.#connectTimeoutMs)
      this.#connectReject = (err) => {
        clearTimeout(timer)
        this.#connectReject = undefined
        reject(err)
      }
      // With TLS, once the handshake is done: the peer's chain verified, ours accepted.
      socket.once(this.#tls === undefined ? 'connect' : 'secureConnect', () => {
        clearTimeout(timer)
        this.#connectReject = undefined
        socket.setNoDelay(true)
        if (endpoint.transport === 'tcp') socket.setKeepAlive(true, 20_000)
        this.#status = 'connected'
        this.#aliveAt = performance.now()
        this.#startSweep()
        resolve()
      })
      socket.on('error', (err: NodeJS.ErrnoException) => {
        this.#finish(this.#transportError(err.code ?? 'ECONNRESET', this.#status === 'connecting' ? 'connect' : 'recv', err.message, err))
      })
      socket.on('close', () => {
        this.#release?.()
        this.#finish(this.#decoder.midRecord
          ? new RpcError('ERR_RPC_PROTOCOL', 'peer closed the connection in the middle of a record', this.#where())
          : this.#transportError('ECONNRESET', this.#status === 'connecting' ? 'connect' : 'recv', 'the peer closed the connection'))
      })
    })
  }

  /** A TCP or unix socket, or TLS over TCP with this attempt's certificates (read now: may throw). */
  #openSocket(): Socket {
    const { endpoint } = this
    if (endpoint.transport === 'unix') return netConnect({ path: endpoint.socketPath ?? '', onread: this.#onread })
    if (this.#tls === undefined) return netConnect({ host: endpoint.host, port: endpoint.port, onread: this.#onread })
    const material = this.#tls.load({ host: endpoint.host, port: endpoint.port, volume: this.#volume, brick: this.#brick })
    this.#tlsName = material.commonName
    // node:tls takes `onread` (tls.md) though @types/node's ConnectionOptions does not list it.
    const options: ConnectionOptions & { onread: OnReadOpts } = { ...material.options, host: endpoint.host, port: endpoint.port, onread: this.#onread }
    const socket = tlsConnect(options)
    writeRecordsSeparately(socket as unknown as { _writev?: unknown })
    return socket
  }

  #tlsName: string | undefined
  /** CN of the certificate this connection presented (TLS only): what auth.ssl-allow is matched against. */
  get tlsName(): string | undefined {
    return this.#tlsName
  }

  /**
   * Start a call: encodes the record mark placeholder and the CALL header, and returns the writer
   * for the caller to append the arguments; `endCall` (or `abortCall`) must follow synchronously.
   * Two steps instead of an encode callback keep the hot path free of per-call closures.
   * The credential carries the current time when `authFlags` ask the brick to set times, or when
   * `stampTime` says the fop takes its ctime from it anyway (setattr of times).
   */
  beginCall(program: RpcProgram, proc: number, flavor: AuthFlavor, id: AuthIdentity, authFlags: number, stampTime = authFlags !== 0): XdrWriter {
    const w = this.#writer
    w.reserve(4)
    const xid = this.#nextXid()
    writeCallHeader(w, xid, program, proc, flavor, id, authFlags, stampTime ? wallClock(this.#clock) : NO_TIME)
    this.#beganXid = xid
    return w
  }

  #beganXid = 0
  /** Bytes handed to the socket so far; minus its writableLength, the bytes it has written. */
  #queuedBytes = 0
  readonly #clock: WallClock = { sec: 0, nsec: 0 }

  /** Drop a call begun with `beginCall` whose arguments failed to encode. */
  abortCall(): void {
    this.#writer.discard()
  }

  /**
   * Send the call begun with `beginCall`, with an optional payload sent by reference after the
   * arguments (WRITE data: no copy into the header buffer). Resolves with a reader positioned at
   * the procedure's results. `timeoutMs` bounds this call instead of `callTimeoutMs`.
   */
  endCall(program: RpcProgram, proc: number, payload: Buffer | undefined, mutates: boolean, timeoutMs?: number, sink?: ReplySink): Promise<XdrReader> {
    const w = this.#writer
    const payloadBytes = payload === undefined ? 0 : payload.length
    w.patchUint32(0, recordMark(w.length - 4 + payloadBytes))
    const header = w.finish()
    const xid = this.#beganXid
    const socket = this.#socket
    if (this.#status !== 'connected' || socket === undefined) {
      return Promise.reject(this.#notConnected(program, proc, xid, false))
    }
    // The liveness clock runs only while calls are outstanding: an idle spell is not silence.
    if (this.#pending.size === 0) this.#aliveAt = performance.now()
    this.#queuedBytes += header.length + payloadBytes
    const sentMark = payloadBytes > 0 ? this.#queuedBytes : 0
    return new Promise<XdrReader>((resolve, reject) => {
      this.#pending.set(xid, new PendingCall(xid, program, proc, timeoutMs ?? this.#callTimeoutMs, mutates, sink, sentMark, resolve, reject))
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

  /**
   * A whole call without payload, for the cold paths (handshake, portmap). `timeoutMs` bounds it
   * instead of `callTimeoutMs` (a handshake waits no longer than a connect).
   */
  call(program: RpcProgram, proc: number, flavor: AuthFlavor, id: AuthIdentity, encodeArgs: (w: XdrWriter) => void, timeoutMs?: number): Promise<XdrReader> {
    const w = this.beginCall(program, proc, flavor, id, 0)
    try {
      encodeArgs(w)
    } catch (err) {
      this.abortCall()
      return Promise.reject(err)
    }
    return this.endCall(program, proc, undefined, false, timeoutMs)
  }

  /**
   * Resolves once no call is outstanding (at once if none is), or when the connection ends:
   * how an old graph waits for its calls to drain before it is finished.
   */
  whenIdle(): Promise<void> {
    if (this.#pending.size === 0 || this.#status === 'closed') return Promise.resolve()
    return new Promise<void>((resolve) => this.#idleWaiters.push(resolve))
  }

  /** Close now: pending calls fail with ENOTCONN; 'close' is emitted once. */
  close(): void {
    if (this.#status === 'closed') return
    this.#finish(undefined)
  }

  /**
   * Resolves once the connection has ended and its socket is released: after it, this client
   * holds no handle that keeps the process alive. Pending until the connection ends.
   */
  whenClosed(): Promise<void> {
    return this.#released ?? Promise.resolve()
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
    this.#aliveAt = performance.now()
    try {
      this.#decoder.push(chunk)
    } catch (err) {
      // Framing or decoding garbage from the peer: drop the connection, never crash. The record
      // decoder knows no peer: errors from it get the address here.
      if (err instanceof RpcError) this.#finish(err.host === undefined ? new RpcError(err.code, err.message, { ...this.#where(), cause: err }) : err)
      else this.#finish(new RpcError('ERR_RPC_PROTOCOL', `malformed data from peer: ${(err as Error).message}`, { ...this.#where(), cause: err }))
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
      // A late reply to a call its deadline already failed is harmless (rpc-clnt.c logs and drops
      // it); a reply to an XID never sent means the peer is confused.
      if (this.#expired.delete(xid)) return
      // More calls expired than are remembered: this may be a late reply to a forgotten one.
      if (this.#expiredForgotten) {
        debug('%s: dropped a reply to xid %d, unknown or expired long ago', this.label, xid)
        return
      }
      throw new RpcError('ERR_RPC_PROTOCOL', `reply to unknown xid ${xid}`, this.#where())
    }
    this.#pending.delete(xid)
    if (this.#pending.size === 0 && this.#idleWaiters.length > 0) this.#wakeIdle()
    // Fast path, what every good reply starts with: MSG_ACCEPTED, an empty verifier, SUCCESS.
    const b = r.buffer
    const at = r.offset
    if (r.end - at >= 16 && b.readUInt32BE(at) === 0 && b.readUInt32BE(at + 8) === 0 && b.readUInt32BE(at + 12) === 0) {
      r.offset = at + 16
      call.resolve(r)
      return
    }
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
      const silentMs = now - this.#aliveAt
      if (silentMs >= this.#pingTimeoutMs) {
        this.#finish(this.#transportError('ETIMEDOUT', 'ping', `no reply for ${Math.round(silentMs)} ms with calls outstanding (ping-timeout ${this.#pingTimeoutMs} ms)`))
        return
      }
      // Keep traffic flowing while calls are outstanding, so a live but busy peer is never
      // mistaken for a dead one.
      if (!this.#pingInFlight && now - this.#lastPingAt >= this.#pingTimeoutMs / 4) this.#ping(now)
    }
    let written = -1
    for (const call of this.#pending.values()) {
      if (call.deadline <= now) {
        // Its payload is the caller's buffer, sent by reference: while the socket still holds
        // part of it the call stays (the caller must not refill a buffer still being sent); it
        // settles once written, or when the connection drops (ping-timeout bounds that).
        if (call.sentMark > 0) {
          if (written < 0) written = this.#queuedBytes - (this.#socket?.writableLength ?? 0)
          if (written < call.sentMark) continue
        }
        // A reply being received into the caller's buffer goes to one of ours from here on.
        if (call.sink !== undefined) this.#decoder.releaseSink(call.sink.buffer)
        this.#pending.delete(call.xid)
        if (this.#expired.size >= MAX_EXPIRED_XIDS) {
          this.#expired.delete(this.#expired.values().next().value!)
          this.#expiredForgotten = true
        }
        this.#expired.add(call.xid)
        call.reject(new GlusterError({
          errno: errnoOf('ETIMEDOUT'), syscall: procedureName(call.program, call.proc).toLowerCase(), host: this.endpoint.host, port: this.endpoint.port,
          volume: this.#volume, brick: this.#brick, maybeApplied: call.mutates,
          detail: `no reply within ${call.timeoutMs} ms (${call.program.name} xid ${call.xid})`,
        }))
      }
    }
    if (this.#pending.size === 0 && this.#idleWaiters.length > 0) this.#wakeIdle()
  }

  #wakeIdle(): void {
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const wake of waiters) wake()
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
    this.#connectReject?.(err ?? this.#transportError('ECONNABORTED', 'connect', 'the client was closed before the connection was established'))
    const pending = [...this.#pending.values()]
    this.#pending.clear()
    this.#expired.clear()
    this.#expiredForgotten = false
    for (const call of pending) call.reject(this.#notConnected(call.program, call.proc, call.xid, call.mutates, err))
    this.#wakeIdle()
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
    const where = { syscall, host: this.endpoint.host, port: this.endpoint.port, volume: this.#volume, brick: this.#brick, detail: `${this.label}: ${message}`, cause }
    // getaddrinfo failures (ENOTFOUND, EAI_AGAIN) keep Node's code and errno (GlusterError fills
    // in libuv's number when Node gave none).
    if (describeResolverFailure(code) !== undefined) {
      return new GlusterError({ ...where, code, errno: -((cause as NodeJS.ErrnoException | undefined)?.errno ?? 0) })
    }
    const tlsFailure = this.#tls === undefined ? undefined : describeTlsFailure(code)
    if (tlsFailure !== undefined) {
      // OpenSSL's `reason` ('tlsv1 alert unknown ca') rather than its multi-line error stack.
      const said = (cause as { reason?: unknown } | undefined)?.reason
      return new GlusterError({ ...where, errno: errnoOf(tlsFailure.errno), detail: `${this.label}: TLS (${this.#tls!.purpose}): ${tlsFailure.reason}: ${typeof said === 'string' ? said : message} (${code})` })
    }
    if (this.#tls !== undefined && code === 'ECONNRESET' && this.#status === 'connecting') {
      return new GlusterError({ ...where, errno: errnoOf(code), detail: `${this.label}: closed during the TLS handshake (${this.#tls.purpose}): the peer refused our certificate or does not speak TLS` })
    }
    let errno: number
    try {
      errno = errnoOf(code)
    } catch {
      // Any other code without a Linux errno: the host could not be reached.
      errno = errnoOf('EHOSTUNREACH')
    }
    return new GlusterError({ ...where, errno })
  }

  #where(): { host: string; port: number } {
    return { host: this.endpoint.host, port: this.endpoint.port }
  }
}

function noArgs(): void {}

export function describeEndpoint(e: RpcEndpoint): string {
  return e.transport === 'unix' ? `unix:${e.socketPath ?? ''}` : formatHostPort(e.host, e.port)
}
