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
import { DEFAULT_MAX_RECORD_BYTES, type ReadSinkFinder, RecordDecoder, recordMark } from './record.ts'
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
  /**
   * Calls sent and not yet answered, at most, on this connection; further calls wait in order
   * (each within its own deadline) and are sent as replies come in. Lock calls and pings are not
   * counted: a blocked lock must not keep its own unlock from being sent (the brick exempts the
   * same procedures from its rpc.outstanding-rpc-limit, rpcsvc.c). 0 means no bound.
   * Defaults to DEFAULT_MAX_IN_FLIGHT.
   */
  maxInFlight?: number
  /**
   * With COALESCE_MIN_IN_FLIGHT (16) calls or more in flight and none that wants its reply at once
   * (CallFlag.PROMPT), the connection reads its socket at most once per this many ms: the replies
   * that arrived meanwhile are decoded, and the calls they make room for sent, in one read and one
   * write instead of a wakeup and a write per reply (a NIC's interrupt coalescing). It pauses only
   * while the calls in flight keep the peer busy for longer than the pause (#keepReading). 0 reads
   * every reply as it arrives, as TLS connections always do. Defaults to 1.
   */
  coalesceReadsMs?: number
  /** Words naming this connection in errors and debug lines, e.g. `brick vm:/b1`. */
  label?: string
  /** Extra error context (volume, brick) copied into errors raised here. */
  volume?: string | undefined
  brick?: string | undefined
  /** TLS right after the TCP connect (client.ssl, secure-access); ignored for unix sockets, as in socket.c. */
  tls?: TlsProfile | undefined
}

/**
 * A read sink: the caller's buffer that a reply's bulk data (a READ's) is received into, straight
 * out of the receive buffer. `dataOffset` reads the reply body's first bytes (at `bodyAt`, after
 * the accepted-reply header; the record ends at `recordEnd`) and says where in `body` the data
 * starts, or -1 to receive the reply whole; the program's codec knows the layout (READ:
 * gfxReadRspDataOffset). Once the data was placed, the call's decoder runs on the receive buffer
 * itself (CallFlag.IN_PLACE): it must keep no view of the record.
 */
export interface ReadSink {
  readonly buffer: Uint8Array
  dataOffset(body: Buffer, bodyAt: number, recordEnd: number): number
}

/**
 * Decodes a reply's results, synchronously, from the connection's one reader (reset for every
 * reply, so nothing may keep it). `placed` is the data received into the call's read sink, a
 * view of exactly the bytes placed there, or undefined when the reply was received whole.
 * `context` is what the caller gave `send`: a decoder that also makes the caller's result (and
 * throws its error) needs no closure nor async frame per call. What it throws fails the call.
 */
export type ReplyDecoder<T, C = undefined> = (r: XdrReader, placed: Buffer | undefined, context: C) => T

/** `send` flags. */
export const CallFlag = {
  /** Data-changing: its fate is unknown if the connection drops after sending. */
  MUTATES: 1,
  /** Not counted against maxInFlight, never waits (lock calls, pings). */
  UNBOUNDED: 2,
  /**
   * Its decoder keeps no view of the reply (it copies what it keeps): the reply is decoded
   * straight from the receive buffer. A call with a read sink is decoded so once its data was
   * placed, whatever its flags: its decoder must then keep nothing of the record either.
   */
  IN_PLACE: 4,
  /**
   * While one is in flight, replies are read as they arrive (no coalesceReadsMs pause, and sending
   * one ends a pause under way): a WRITE (write-behind's window, and the caller behind it, waits
   * for its answer), bulk data (a READ of over 64 KiB, a directory listing: a paused socket must
   * not hold back megabytes).
   */
  PROMPT: 8,
} as const

/** Calls in flight from which a connection reads in batches (coalesceReadsMs). */
const COALESCE_MIN_IN_FLIGHT = 16
/** Shortest span the peer's reply pace is measured over. */
const RATE_WINDOW_MS = 2

/**
 * Calls in flight per connection by default. The brick stops reading a connection with more than
 * its rpc.outstanding-rpc-limit (64) calls outstanding, and libgfapi (rpc-clnt) has no client-side
 * bound; 256 keeps the brick's queue full at any depth the bench drives while a burst of 100k
 * calls queues here, in order, instead of in the socket.
 */
export const DEFAULT_MAX_IN_FLIGHT = 256

function settleNothing(): void {}

/** The call whose promise is being made: the executor below runs synchronously inside `new Promise`. */
let promising: PendingCall | undefined
/** One executor for every call's promise, instead of a closure per call. */
function takeSettlers(resolve: (value: unknown) => void, reject: (e: Error) => void): void {
  promising!.resolve = resolve
  promising!.reject = reject
}

function decodeNothing(): undefined {
  return undefined
}

/**
 * A call sent (or waiting to be) and not yet answered. One class so every call has the same shape.
 * Calls answered by a reply are reused (RpcClient #recycle): nothing holds them once settled.
 */
class PendingCall {
  xid = 0
  program: RpcProgram = PING_PROGRAM
  proc = 0
  deadline = 0
  timeoutMs = 0
  flags = 0
  decode: ReplyDecoder<unknown, unknown> = decodeNothing
  context: unknown = undefined
  resolve: (value: unknown) => void = settleNothing
  reject: (e: Error) => void = settleNothing
  readSink: ReadSink | undefined = undefined
  /**
   * The writer's slab holding the encoded call (`headerBytes` at `headerAt`) while it waits for a
   * slot; undefined once sent or failed. Offsets, not a view: no Buffer object per call.
   */
  header: Buffer | undefined = undefined
  headerAt = 0
  headerBytes = 0
  payload: Buffer | undefined = undefined
  /**
   * With a payload sent by reference: the connection's count of queued bytes once it was queued.
   * The call may settle on its deadline only when the socket has written that far.
   */
  sentMark = 0

  init(program: RpcProgram, proc: number, timeoutMs: number, flags: number, decode: ReplyDecoder<unknown, unknown>, context: unknown,
    readSink: ReadSink | undefined, header: Buffer, headerAt: number, headerBytes: number, payload: Buffer | undefined): this {
    this.xid = 0
    this.program = program
    this.proc = proc
    this.timeoutMs = timeoutMs
    this.deadline = performance.now() + timeoutMs
    this.flags = flags
    this.decode = decode
    this.context = context
    this.readSink = readSink
    this.header = header
    this.headerAt = headerAt
    this.headerBytes = headerBytes
    this.payload = payload
    this.sentMark = 0
    return this
  }

  /** Answered: let go of everything the caller gave, so a reused call keeps nothing alive. */
  clear(): void {
    this.decode = decodeNothing
    this.context = undefined
    this.resolve = settleNothing
    this.reject = settleNothing
    this.readSink = undefined
    this.header = undefined
    this.payload = undefined
  }

  get mutates(): boolean {
    return (this.flags & CallFlag.MUTATES) !== 0
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
/** Calls in flight are found by `xid & mask` in a table kept at most half full. */
const MIN_SLOTS = 64
/** Views of the writer's slab kept for reuse per connection (#runViews): a batch of 32 WRITEs and their payloads. */
const MAX_KEPT_VIEWS = 64
/** Answered call objects kept per connection for reuse. */
const MAX_FREE_CALLS = 256
/** The cold path's reply: a reader of its own, since the connection's is reset for the next reply. */
const ownReader: ReplyDecoder<XdrReader> = (r) => new XdrReader(r.buffer, r.offset, r.end)

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
 * `'callback'` (program, version, proc, reader) for server-initiated calls; the reader is the
 * connection's, valid only while the listener runs.
 */
export class RpcClient extends EventEmitter {
  readonly endpoint: RpcEndpoint
  readonly label: string
  #status: RpcClientStatus = 'connecting'
  #socket: Socket | undefined
  readonly #writer = new XdrWriter()
  readonly #decoder: RecordDecoder
  /** One reader for every reply of this connection, reset per record. */
  readonly #reader = new XdrReader(Buffer.alloc(0))
  /** Calls in flight by `xid & #mask`; #nextXid keeps every xid's slot its own. */
  #slots: Array<PendingCall | undefined> = new Array<PendingCall | undefined>(MIN_SLOTS).fill(undefined)
  #mask = MIN_SLOTS - 1
  #inFlight = 0
  /** Calls in flight with CallFlag.PROMPT. */
  #inFlightPrompt = 0
  readonly #coalesceReadsMs: number
  /** Resumes reading after a coalescing pause; made once, refreshed for every pause. */
  #resumeTimer: NodeJS.Timeout | undefined
  /** Reading is paused (#keepReading returned false) until #resumeReads. */
  #readsPaused = false
  /** Replies taken so far, and the peer's pace in replies per ms, measured over RATE_WINDOW_MS or more (#keepReading). */
  #replies = 0
  #replyRate = 0
  #rateSince = 0
  #repliesAtRateSince = 0
  /** Calls in flight that count against #maxInFlight. */
  #bounded = 0
  readonly #maxInFlight: number
  /** Calls waiting for a slot, in order, from #waitingHead on. */
  #waiting: Array<PendingCall | undefined> = []
  #waitingHead = 0
  #xid = 1
  /** Answered calls kept for reuse (#recycle). */
  readonly #freeCalls: PendingCall[] = []
  /**
   * This tick's calls, written in one go once it ends (#flush): the closed chunks, then the run
   * being extended. Consecutive headers lie next to each other in the writer's slab, so a tick's
   * calls without payloads make one chunk, one socket write (over TCP; over TLS one per call).
   */
  readonly #batch: Array<Buffer | undefined> = []
  /** Chunks in #batch; the array is cleared slot by slot, not emptied, so it keeps its backing store. */
  #batchCount = 0
  /** The buffer holding the run, which spans #runStart to #runEnd of its ArrayBuffer. */
  #run: Buffer | undefined
  #runStart = 0
  #runEnd = 0
  /** Bytes in #batch and #run, not yet handed to the socket. */
  #batchBytes = 0
  #flushQueued = false
  /**
   * Finds the read sink of a large reply: only for an accepted, successful reply with an empty
   * verifier (24 header bytes) to a call that gave one, whose codec finds where the data starts.
   */
  readonly #readSinks: ReadSinkFinder & { buffer: Uint8Array | undefined } = {
    buffer: undefined,
    find: (chunk: Buffer, start: number, recordLength: number): number => {
      const finder = this.#readSinks
      finder.buffer = undefined
      const xid = chunk.readUInt32BE(start)
      const call = this.#slots[xid & this.#mask]
      const sink = call?.xid === xid ? call.readSink : undefined
      if (sink === undefined) return -1
      if (chunk.readUInt32BE(start + 4) !== MsgType.REPLY || chunk.readUInt32BE(start + 8) !== 0 || chunk.readUInt32BE(start + 16) !== 0 || chunk.readUInt32BE(start + 20) !== 0) return -1
      const at = sink.dataOffset(chunk, start + REPLY_HEADER_BYTES, start + recordLength)
      if (at < 0) return -1
      finder.buffer = sink.buffer
      return at - start
    },
  }

  /**
   * Replies whole in the receive buffer are decoded there when their call allows it (IN_PLACE,
   * or data placed in its read sink): no copy into a slab, no view object per reply.
   */
  readonly #inPlace = (chunk: Buffer, start: number, end: number, placedBytes: number): boolean => {
    if (end - start < 8 || chunk.readUInt32BE(start + 4) !== MsgType.REPLY) return false
    const xid = chunk.readUInt32BE(start)
    const call = this.#slots[xid & this.#mask]
    if (call === undefined || call.xid !== xid || (placedBytes === 0 && (call.flags & CallFlag.IN_PLACE) === 0)) return false
    this.#onRecord(chunk, placedBytes, start, end)
    return true
  }

  /**
   * Socket reads land in one buffer per connection, reused for every read: no 64 KiB allocation
   * per read as with 'data' events, and up to RECEIVE_BUFFER_BYTES per system call.
   */
  readonly #onread = {
    buffer: Buffer.allocUnsafe(RECEIVE_BUFFER_BYTES),
    callback: (bytes: number, buffer: Buffer): boolean => {
      this.#onData(buffer, bytes)
      // false pauses the socket (readStop) until #resumeReads.
      return this.#keepReading()
    },
  }

  /**
   * Read on at once, or pause reading for coalesceReadsMs (false)? Only with enough small calls in
   * flight to keep the peer busy for the whole pause at the pace it has been answering (replies
   * per ms over the last RATE_WINDOW_MS or more): a pause must never leave the peer idle.
   */
  #keepReading(): boolean {
    const now = this.#aliveAt
    const span = now - this.#rateSince
    if (span >= RATE_WINDOW_MS) {
      this.#replyRate = (this.#replies - this.#repliesAtRateSince) / span
      this.#rateSince = now
      this.#repliesAtRateSince = this.#replies
    }
    if (this.#coalesceReadsMs === 0 || this.#inFlight < COALESCE_MIN_IN_FLIGHT || this.#inFlightPrompt > 0 || this.#status !== 'connected' ||
      this.#inFlight < this.#replyRate * this.#coalesceReadsMs * 1.25) return true
    if (this.#resumeTimer === undefined) this.#resumeTimer = setTimeout(this.#resumeReads, this.#coalesceReadsMs)
    else this.#resumeTimer.refresh()
    this.#readsPaused = true
    return false
  }

  /** End a coalescing pause: when its timer fires, or at once for a PROMPT call sent meanwhile. */
  readonly #resumeReads = (): void => {
    if (!this.#readsPaused) return
    this.#readsPaused = false
    this.#socket?.resume()
  }
  readonly #flush = (): void => {
    this.#flushQueued = false
    this.#closeRun()
    const batch = this.#batch
    const n = this.#batchCount
    const socket = this.#socket
    this.#batchBytes = 0
    if (n > 0 && this.#status === 'connected' && socket !== undefined) {
      if (n === 1) socket.write(batch[0]!)
      else {
        // Header, payload, header...: one writev.
        socket.cork()
        for (let i = 0; i < n; i++) socket.write(batch[i]!)
        socket.uncork()
      }
      // All written at once (the socket holds no chunk) and no waiting call keeps its header in
      // the slab: the next calls are encoded over the same bytes, and one at a time they are one
      // run at the same place, written through the same view (#closeRun).
      if (socket.writableLength === 0 && this.#waitingHead === this.#waiting.length) this.#writer.rewind()
    }
    this.#clearBatch()
  }
  /**
   * Views #closeRun made of the writer's slab #viewsOf, by their place in the batch: after a
   * rewind, a batch's calls are encoded at the places the previous batch's were, and a run at the
   * same place and length is written through the same view instead of a new one per call. Views
   * of any other buffer are not kept (they would keep it alive).
   */
  readonly #runViews: Array<Buffer | undefined> = new Array<Buffer | undefined>(MAX_KEPT_VIEWS).fill(undefined)
  #viewsOf: ArrayBufferLike | undefined
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
    this.#maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT
    this.#tls = endpoint.transport === 'tcp' ? options.tls : undefined
    // Over TLS a pause costs more than it saves: 4 KiB reads at QD32 on gfts-tls fell from 12-14k
    // to 6.3k IOPS with it. TLS connections read every reply as it arrives.
    this.#coalesceReadsMs = this.#tls === undefined ? options.coalesceReadsMs ?? 1 : 0
    this.label = options.label ?? describeEndpoint(endpoint)
    // Chunks come from one reused receive buffer (socket onread): the decoder copies each record out.
    this.#decoder = new RecordDecoder((record, placedBytes) => this.#onRecord(record, placedBytes),
      options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES, true, this.#readSinks, this.#inPlace)
  }

  get status(): RpcClientStatus {
    return this.#status
  }

  /** Calls sent and not yet answered. */
  get inFlight(): number {
    return this.#inFlight
  }

  /** Calls waiting for one of the maxInFlight slots. */
  get waiting(): number {
    return this.#waiting.length - this.#waitingHead
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
   * for the caller to append the arguments; `send` (or `abortCall`) must follow synchronously.
   * Two steps instead of an encode callback keep the hot path free of per-call closures.
   * The credential carries the current time when `authFlags` ask the brick to set times, or when
   * `stampTime` says the fop takes its ctime from it anyway (setattr of times).
   */
  beginCall(program: RpcProgram, proc: number, flavor: AuthFlavor, id: AuthIdentity, authFlags: number, stampTime = authFlags !== 0): XdrWriter {
    const w = this.#writer
    w.reserve(4)
    // The xid is written when the call is sent (#transmit): a waiting call holds no slot.
    writeCallHeader(w, 0, program, proc, flavor, id, authFlags, stampTime ? wallClock(this.#clock) : NO_TIME)
    this.#beganProgram = program
    this.#beganProc = proc
    return w
  }

  #beganProgram: RpcProgram = PING_PROGRAM
  #beganProc = 0
  /** Bytes of the calls transmitted so far; less #batchBytes and the socket's writableLength, the bytes it has written. */
  #queuedBytes = 0
  readonly #clock: WallClock = { sec: 0, nsec: 0 }

  /** Drop a call begun with `beginCall` whose arguments failed to encode. */
  abortCall(): void {
    this.#writer.discard()
  }

  /**
   * Send the call begun with `beginCall`, with an optional payload sent by reference after the
   * arguments (WRITE data: no copy into the header buffer) and an optional read sink for the
   * reply's data. Resolves with what `decode` makes of the results. With maxInFlight calls in
   * flight the call waits, in order, for a slot; its deadline runs from now either way.
   * `timeoutMs` bounds this call instead of `callTimeoutMs`; `context` is handed to `decode`.
   */
  send<T, C = undefined>(decode: ReplyDecoder<T, C>, flags = 0, payload?: Buffer, readSink?: ReadSink, timeoutMs?: number, context?: C): Promise<T> {
    const w = this.#writer
    const payloadBytes = payload === undefined ? 0 : payload.length
    const headerBytes = w.length
    w.patchUint32(0, recordMark(headerBytes - 4 + payloadBytes))
    const slab = w.slab
    const headerAt = w.finishAt()
    const program = this.#beganProgram
    const proc = this.#beganProc
    if (this.#status !== 'connected' || this.#socket === undefined) {
      return Promise.reject(this.#notConnected(program, proc, 0, false))
    }
    const call = (this.#freeCalls.pop() ?? new PendingCall()).init(program, proc, timeoutMs ?? this.#callTimeoutMs, flags, decode as ReplyDecoder<unknown, unknown>,
      context, readSink, slab, headerAt, headerBytes, payloadBytes > 0 ? payload : undefined)
    promising = call
    const promise = new Promise<unknown>(takeSettlers) as Promise<T>
    promising = undefined
    if ((flags & CallFlag.UNBOUNDED) !== 0 || this.#maxInFlight === 0) this.#transmit(call)
    else if (this.#bounded < this.#maxInFlight && this.#waitingHead === this.#waiting.length) {
      this.#bounded++
      this.#transmit(call)
    } else this.#waiting.push(call)
    return promise
  }

  /** Give `call` an xid and a slot, and write it out (batched with this tick's other calls). */
  #transmit(call: PendingCall): void {
    const header = call.header!
    const headerAt = call.headerAt
    const headerBytes = call.headerBytes
    const payload = call.payload
    call.header = undefined
    call.payload = undefined
    const xid = this.#nextXid()
    call.xid = xid
    header.writeUInt32BE(xid, headerAt + 4)
    // The liveness clock runs only while calls are outstanding: an idle spell is not silence.
    if (this.#inFlight === 0) this.#aliveAt = performance.now()
    this.#slots[xid & this.#mask] = call
    this.#inFlight++
    if ((call.flags & CallFlag.PROMPT) !== 0) {
      this.#inFlightPrompt++
      // Its answer must not wait out a pause begun before it (nor the replies ahead of it).
      this.#resumeReads()
    }
    this.#queuedBytes += headerBytes
    if (payload !== undefined) {
      this.#queuedBytes += payload.length
      call.sentMark = this.#queuedBytes
    }
    // Over TLS every call is its own write, so its own SSL_write: a TLS record carrying the end of
    // one RPC record and the start of the next stalls the brick (writeRecordsSeparately).
    if (this.#tls !== undefined) this.#closeRun()
    this.#append(header, headerAt, headerBytes)
    if (payload !== undefined) this.#append(payload, 0, payload.length)
    this.#batchBytes += headerBytes + (payload?.length ?? 0)
    if (!this.#flushQueued) {
      if (this.#inFlight === 1) {
        // The only call outstanding (one at a time, or the first of a burst): out at once, without
        // a tick (its object, and in Node 20 a Map per run of the tick queue).
        this.#flush()
      } else {
        // Every call made in this tick (and the microtasks it runs) goes out in one write.
        this.#flushQueued = true
        process.nextTick(this.#flush)
      }
    }
    if (debug.enabled) debug('call %s %s %s xid %d (%d+%d bytes)', this.label, call.program.name, procedureName(call.program, call.proc), xid, headerBytes, payload?.length ?? 0)
  }

  /** Add `length` bytes at `at` in `bytes` to this tick's batch: to the run when they follow it in memory. */
  #append(bytes: Buffer, at: number, length: number): void {
    const start = bytes.byteOffset + at
    const run = this.#run
    if (run !== undefined && bytes.buffer === run.buffer && start === this.#runEnd) {
      this.#runEnd += length
      return
    }
    this.#closeRun()
    this.#run = bytes
    this.#runStart = start
    this.#runEnd = start + length
  }

  #clearBatch(): void {
    for (let i = 0; i < this.#batchCount; i++) this.#batch[i] = undefined
    this.#batchCount = 0
  }

  /** The run becomes a chunk of the batch: one view per run, or the buffer itself when it is all of it. */
  #closeRun(): void {
    const run = this.#run
    if (run === undefined) return
    const length = this.#runEnd - this.#runStart
    const chunk = this.#runStart === run.byteOffset && length === run.length ? run : this.#viewOf(run.buffer, this.#runStart, length, this.#batchCount)
    this.#batch[this.#batchCount++] = chunk
    this.#run = undefined
  }

  /** A view of `length` bytes at `start` of `buffer`, the batch's chunk number `index` (see #runViews). */
  #viewOf(buffer: ArrayBufferLike, start: number, length: number, index: number): Buffer {
    if (index >= MAX_KEPT_VIEWS || buffer !== this.#writer.slab.buffer) return Buffer.from(buffer, start, length)
    const views = this.#runViews
    if (buffer !== this.#viewsOf) {
      views.fill(undefined)
      this.#viewsOf = buffer
    }
    let view = views[index]
    if (view === undefined || view.byteOffset !== start || view.length !== length) {
      view = Buffer.from(buffer, start, length)
      views[index] = view
    }
    return view
  }

  /**
   * A bounded call is over (answered, expired): the next waiting calls take its slot, and failed
   * ones leave the queue. Without a call, only the latter.
   */
  #admitNext(call: PendingCall | undefined): void {
    if (call !== undefined) {
      if ((call.flags & CallFlag.UNBOUNDED) !== 0 || this.#maxInFlight === 0) return
      this.#bounded--
    }
    const waiting = this.#waiting
    while (this.#waitingHead < waiting.length) {
      const next = waiting[this.#waitingHead]!
      // A waiting call its deadline already failed was left in place (#sweep): it just leaves.
      if (next.header !== undefined) {
        if (this.#bounded >= this.#maxInFlight) break
        this.#bounded++
        this.#transmit(next)
      }
      waiting[this.#waitingHead++] = undefined
    }
    if (this.#waitingHead === waiting.length) {
      // Emptied (a new array only when it held calls: none is made per reply).
      if (waiting.length > 0) this.#waiting = []
      this.#waitingHead = 0
    } else if (this.#waitingHead >= 1024 && this.#waitingHead * 2 >= waiting.length) {
      this.#waiting = waiting.slice(this.#waitingHead)
      this.#waitingHead = 0
    }
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
    return this.send(ownReader, 0, undefined, undefined, timeoutMs)
  }

  /**
   * Resolves once no call is outstanding (at once if none is), or when the connection ends:
   * how an old graph waits for its calls to drain before it is finished.
   */
  whenIdle(): Promise<void> {
    if (this.#idle() || this.#status === 'closed') return Promise.resolve()
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

  #idle(): boolean {
    return this.#inFlight === 0 && this.#waitingHead === this.#waiting.length
  }

  #nextXid(): number {
    if (this.#inFlight * 2 >= this.#slots.length) this.#growSlots()
    // XIDs only need to be unique among outstanding calls, and each needs its own slot; wrap well
    // before 2^32. The table is at most half full, so a free slot is a step or two away.
    const slots = this.#slots
    const mask = this.#mask
    let xid = this.#xid
    do {
      xid = xid >= 0x7fffffff ? 1 : xid + 1
    } while (slots[xid & mask] !== undefined)
    this.#xid = xid
    return xid
  }

  /** Twice the slots: xids apart under the old mask stay apart under the new one. */
  #growSlots(): void {
    const slots = new Array<PendingCall | undefined>(this.#slots.length * 2).fill(undefined)
    const mask = slots.length - 1
    for (const call of this.#slots) if (call !== undefined) slots[call.xid & mask] = call
    this.#slots = slots
    this.#mask = mask
  }

  /** The call in flight with `xid`, taken out of its slot; undefined if none. */
  #take(xid: number): PendingCall | undefined {
    const slot = xid & this.#mask
    const call = this.#slots[slot]
    if (call === undefined || call.xid !== xid) return undefined
    this.#slots[slot] = undefined
    this.#inFlight--
    this.#replies++
    if ((call.flags & CallFlag.PROMPT) !== 0) this.#inFlightPrompt--
    return call
  }

  #onData(chunk: Buffer, bytes: number): void {
    this.#aliveAt = performance.now()
    try {
      this.#decoder.push(chunk, bytes)
    } catch (err) {
      // Framing or decoding garbage from the peer: drop the connection, never crash. The record
      // decoder knows no peer: errors from it get the address here.
      if (err instanceof RpcError) this.#finish(err.host === undefined ? new RpcError(err.code, err.message, { ...this.#where(), cause: err }) : err)
      else this.#finish(new RpcError('ERR_RPC_PROTOCOL', `malformed data from peer: ${(err as Error).message}`, { ...this.#where(), cause: err }))
    }
  }

  /** A record: all of `record`, or from `start` to `end` of the receive buffer (in place). */
  #onRecord(record: Buffer, placedBytes: number, start = 0, end = record.length): void {
    const r = this.#reader.reset(record, start, end)
    const xid = r.uint32()
    const msgType = r.uint32()
    if (msgType === MsgType.CALL) {
      this.#onServerCall(r)
      return
    }
    if (msgType !== MsgType.REPLY) {
      throw new RpcError('ERR_RPC_PROTOCOL', `unknown msg_type ${msgType}`, this.#where())
    }
    const call = this.#take(xid)
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
    this.#settle(call, r, placedBytes)
    this.#admitNext(call)
    this.#recycle(call)
    if (this.#idleWaiters.length > 0 && this.#idle()) this.#wakeIdle()
  }

  /**
   * An answered call, out of its slot and settled, is kept for the next `send`: no call object
   * (and no boxed deadline) per call. Calls failed by deadline or close are not: a late reply or
   * the sweep may still look at them.
   */
  #recycle(call: PendingCall): void {
    call.clear()
    if (this.#freeCalls.length < MAX_FREE_CALLS) this.#freeCalls.push(call)
  }

  /** Decode the reply to `call` from `r` (at its accept status) and settle the call with it. */
  #settle(call: PendingCall, r: XdrReader, placedBytes: number): void {
    // Fast path, what every good reply starts with: MSG_ACCEPTED, an empty verifier, SUCCESS.
    const b = r.buffer
    const at = r.offset
    if (r.end - at >= 16 && b.readUInt32BE(at) === 0 && b.readUInt32BE(at + 8) === 0 && b.readUInt32BE(at + 12) === 0) {
      r.offset = at + 16
    } else {
      try {
        readReplyStatus(r, { program: call.program.name, procedure: procedureName(call.program, call.proc), xid: call.xid, host: this.endpoint.host, port: this.endpoint.port })
      } catch (err) {
        call.reject(err instanceof XdrError ? new RpcError('ERR_RPC_PROTOCOL', `malformed reply: ${err.message}`, { program: call.program.name, xid: call.xid, cause: err }) : err as Error)
        return
      }
    }
    const sink = placedBytes > 0 ? call.readSink?.buffer : undefined
    let value: unknown
    try {
      value = call.decode(r, sink === undefined ? undefined : placedView(sink, placedBytes), call.context)
    } catch (err) {
      // A reply its codec rejects fails its call; the stream itself is intact.
      call.reject(err as Error)
      return
    }
    call.resolve(value)
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
    if (this.#idle()) return
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
    // Waiting calls were never sent: past their deadline they fail (and leave the queue when
    // reached), before expired calls in flight free slots they would be sent in.
    for (let i = this.#waitingHead; i < this.#waiting.length; i++) {
      const call = this.#waiting[i]!
      if (call.header === undefined || call.deadline > now) continue
      call.header = undefined
      call.payload = undefined
      call.reject(this.#timedOut(call, `not sent within ${call.timeoutMs} ms: all ${this.#maxInFlight} call slots of ${this.label} stayed busy`, false))
    }
    this.#admitNext(undefined)
    let written = -1
    for (const call of this.#slots) {
      if (call === undefined || call.deadline > now) continue
      // Its payload is the caller's buffer, sent by reference: while the socket still holds
      // part of it the call stays (the caller must not refill a buffer still being sent); it
      // settles once written, or when the connection drops (ping-timeout bounds that).
      if (call.sentMark > 0) {
        if (written < 0) written = this.#queuedBytes - this.#batchBytes - (this.#socket?.writableLength ?? 0)
        if (written < call.sentMark) continue
      }
      // A reply being received into the caller's buffer goes to one of ours from here on.
      if (call.readSink !== undefined) this.#decoder.releaseReadSink(call.readSink.buffer)
      this.#take(call.xid)
      if (this.#expired.size >= MAX_EXPIRED_XIDS) {
        this.#expired.delete(this.#expired.values().next().value!)
        this.#expiredForgotten = true
      }
      this.#expired.add(call.xid)
      call.reject(this.#timedOut(call, `no reply within ${call.timeoutMs} ms (${call.program.name} xid ${call.xid})`))
      this.#admitNext(call)
    }
    if (this.#idleWaiters.length > 0 && this.#idle()) this.#wakeIdle()
  }

  #timedOut(call: PendingCall, detail: string, maybeApplied = call.mutates): GlusterError {
    return new GlusterError({
      errno: errnoOf('ETIMEDOUT'), syscall: procedureName(call.program, call.proc).toLowerCase(), host: this.endpoint.host, port: this.endpoint.port,
      volume: this.#volume, brick: this.#brick, maybeApplied, detail,
    })
  }

  #wakeIdle(): void {
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const wake of waiters) wake()
  }

  #ping(now: number): void {
    this.#pingInFlight = true
    this.#lastPingAt = now
    this.beginCall(PING_PROGRAM, PING_PROC, AuthFlavor.GLUSTERFS_V2, NO_IDENTITY, 0)
    // A ping never waits behind the calls it vouches for.
    this.send(noReply, CallFlag.UNBOUNDED).then(
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
    const sent = this.#slots.filter((call) => call !== undefined)
    const waiting = this.#waiting.slice(this.#waitingHead).filter((call): call is PendingCall => call?.header !== undefined)
    this.#slots = new Array<PendingCall | undefined>(MIN_SLOTS).fill(undefined)
    this.#mask = MIN_SLOTS - 1
    this.#inFlight = 0
    this.#inFlightPrompt = 0
    clearTimeout(this.#resumeTimer)
    this.#readsPaused = false
    this.#bounded = 0
    this.#waiting = []
    this.#waitingHead = 0
    this.#clearBatch()
    this.#run = undefined
    this.#batchBytes = 0
    this.#expired.clear()
    this.#expiredForgotten = false
    for (const call of sent) call.reject(this.#notConnected(call.program, call.proc, call.xid, call.mutates, err))
    // Never sent: they cannot have been applied.
    for (const call of waiting) call.reject(this.#notConnected(call.program, call.proc, 0, false, err))
    this.#wakeIdle()
    debug('closed %s%s', this.label, err ? ': ' + err.message : '')
    this.emit('close', err)
  }

  #notConnected(program: RpcProgram, proc: number, xid: number, mutates: boolean, cause?: Error): GlusterError {
    return new GlusterError({
      errno: errnoOf('ENOTCONN'), syscall: procedureName(program, proc).toLowerCase(), host: this.endpoint.host, port: this.endpoint.port,
      volume: this.#volume, brick: this.#brick, maybeApplied: mutates, cause,
      detail: `connection to ${this.label} ${cause ? 'lost (' + cause.message + ')' : 'closed'}; ${program.name} ${procedureName(program, proc)} ${xid === 0 ? 'was not sent' : `xid ${xid} ${mutates ? 'may or may not have been applied' : 'failed'}`}`,
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

function noReply(): void {}

/** The bytes placed in a read sink: the sink itself when they fill a Buffer, else a view. */
function placedView(sink: Uint8Array, bytes: number): Buffer {
  return bytes === sink.length && Buffer.isBuffer(sink) ? sink : Buffer.from(sink.buffer, sink.byteOffset, bytes)
}

export function describeEndpoint(e: RpcEndpoint): string {
  return e.transport === 'unix' ? `unix:${e.socketPath ?? ''}` : formatHostPort(e.host, e.port)
}
