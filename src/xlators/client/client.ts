import { debuglog } from 'node:util'
import type { XdrReader } from '../../xdr/reader.ts'
import type { XdrWriter } from '../../xdr/writer.ts'
import { AuthFlavor, MdataFlag } from '../../rpc/auth.ts'
import { CallFlag, RpcClient, type ReadSink, type ReplyDecoder, type RpcClientOptions } from '../../rpc/client.ts'
import { errnoOf } from '../../rpc/errno.ts'
import { GlusterError } from '../../rpc/errors.ts'
import { newGfid } from '../../rpc/gfid.ts'
import { type TlsProfile, clientTlsProfiles } from '../../rpc/tls.ts'
import { CALLBACK_PROGRAM_NUMBER, CallbackProc } from '../../rpc/programs/callback.ts'
import { Dict } from '../../rpc/programs/fops/dict.ts'
import { Iatt } from '../../rpc/programs/fops/iatt.ts'
import { FOP_PROGRAM, FopProc } from '../../rpc/programs/fops/program.ts'
import {
  gfxReadRspDataOffset, readGfxCommon2iattRsp, readGfxCommon3iattRsp, readGfxCommonDictRsp, readGfxCommonIattRsp,
  readGfxCommonRsp, readGfxCreateRsp, readGfxOpenRsp, readGfxReaddirpRsp, readGfxReadlinkRsp, readGfxReadRsp,
  readGfxRenameRsp, readGfxSeekRsp, readGfxStatfsRsp, readGfxWriteRsp,
} from '../../rpc/programs/fops/replies.ts'
import {
  writeGfxAccessReq, writeGfxCreateReq, writeGfxDiscardReq, writeGfxEntrylkReq, writeGfxFallocateReq,
  writeGfxFgetxattrReq, writeGfxFlushReq, writeGfxFsetattrReq, writeGfxFsetxattrReq, writeGfxFstatReq,
  writeGfxFsyncReq, writeGfxFtruncateReq, writeGfxGetxattrReq, writeGfxInodelkReq, writeGfxLinkReq,
  writeGfxLookupReq, writeGfxMkdirReq, writeGfxMknodReq, writeGfxOpendirReq, writeGfxOpenReq, writeGfxReaddirpReq,
  writeGfxReadlinkReq, writeGfxReadReq, writeGfxReleasedirReq, writeGfxReleaseReq, writeGfxRemovexattrReq, writeGfxFremovexattrReq,
  writeGfxRenameReq, writeGfxRmdirReq, writeGfxSeekReq, writeGfxSetattrReq, writeGfxSetxattrReq, writeGfxStatfsReq,
  writeGfxStatReq, writeGfxSymlinkReq, writeGfxTruncateReq, writeGfxUnlinkReq, writeGfxWriteReq, writeGfxXattropReq,
  writeGfxFxattropReq, writeGfxZerofillReq,
} from '../../rpc/programs/fops/requests.ts'
import type { OptionSpec } from '../options.ts'
import { withoutReadOnLookup } from '../read-on-lookup.ts'
import {
  type Call, type CommonResult, type CreateResult, type DirEntry, type EntryResult, type Fd, type Flock,
  type IattResult, type Loc, type LookupResult, type OpenResult, type ParentResult, type PrePostResult,
  type ReadResult, type ReaddirResult, type ReadlinkResult, type RenameResult, type SeekResult, type StatfsResult,
  type WriteResult, type XattrResult, SetAttr, gfidToString,
} from '../types.ts'
import { type BrickState, type BrickStatus, type GraphContext, type SetattrArgs, Xlator, type XlatorEvent, type XlatorInit } from '../xlator.ts'
import {
  type BrickAddress, type BrickSession, brickLabel, connectBrick, queryBrickPort, releaseRemoteFd, reopenFd,
} from './handshake.ts'
import { Reconnector } from '../../rpc/reconnect.ts'

const debug = debuglog('gfapi')

const NO_SINK = new Uint8Array(0)
/** READs over this many bytes are CallFlag.PROMPT. */
const BULK_READ_BYTES = 64 * 1024
/** ReadCalls kept per brick connection for reuse. */
const MAX_POOLED_READS = 64

/**
 * A READ in flight: its reply decoder's context, and the read sink when the caller gave a buffer.
 * Reused (Client #readCalls): the decoder lets go of it before decoding, when nothing else holds it.
 */
class ReadCall implements ReadSink {
  gfid: Uint8Array = NO_SINK
  size = 0
  buffer: Uint8Array = NO_SINK

  dataOffset(body: Buffer, bodyAt: number, recordEnd: number): number {
    return gfxReadRspDataOffset(body, bodyAt, recordEnd)
  }
}

/**
 * protocol/client options we act on (xlators/protocol/client/src/client.c options).
 * The rest of C's table: `transport-type` other than tcp refuses the mount (support.ts
 * REFUSED_OPTIONS); `strict-locks` changes only the reopen of fds holding POSIX (LK) locks, which
 * this client never takes, so it is accepted (glusterd sets it on every volume at once: it is a
 * global option); the transport.socket.ssl-* options are read by rpc/tls.ts. username/password and
 * every other option go to the brick in SETVOLUME (handshake.ts). Not acted on, since they change
 * nothing on the bricks: send-gids (groups are always sent), filter-O_DIRECT (the brick then sees
 * the flag; the data is the same), client-bind-insecure, tcp-window-size, event-threads, keepalive
 * and tcp-user-timeout tuning, testing.old-protocol (the brick's DUMP answer picks the program).
 */
export const CLIENT_OPTIONS: readonly OptionSpec[] = [
  { key: 'remote-host', name: 'remoteHost', type: 'string', default: '', description: 'Host of the brick (and of the glusterd that maps it to a port).' },
  { key: 'remote-port', name: 'remotePort', type: 'int', default: '0', min: 0, max: 65535, description: 'Brick port; 0 asks glusterd (PORTBYBRICK).' },
  { key: 'remote-subvolume', name: 'remoteSubvolume', type: 'string', default: '', description: 'Brick path on remote-host.' },
  { key: 'transport-type', aliases: ['transport.address-family'], name: 'transportType', type: 'string', default: 'tcp', description: 'tcp (inet, inet6) or unix.' },
  { key: 'ping-timeout', name: 'pingTimeoutSeconds', type: 'time', default: '42', min: 0, max: 1013, description: 'Seconds without any reply, with calls outstanding, after which the brick is declared dead. Defaults to 42 s.' },
  { key: 'frame-timeout', aliases: ['rpc-timeout'], name: 'frameTimeoutSeconds', type: 'time', default: '1800', min: 0, max: 86400, description: 'Seconds a single call may wait for its reply. Defaults to 1800 s.' },
]

/** `CLIENT_OPTIONS` as parsed from the volfile section (times in seconds, as written there). */
export interface ClientOptions {
  readonly remoteHost: string
  readonly remotePort: number
  readonly remoteSubvolume: string
  readonly transportType: string
  readonly pingTimeoutSeconds: number
  readonly frameTimeoutSeconds: number
}

/** What one protocol/client runs with: its volfile options, with GlfsOptions' timeouts where set. */
export interface ClientConfig {
  readonly remoteHost: string
  /** 0: ask glusterd (PORTBYBRICK) on every connect. */
  readonly remotePort: number
  readonly remoteSubvolume: string
  readonly transportType: string
  /** ping-timeout, or GlfsOptions.pingTimeoutMs; 0 disables. */
  readonly pingTimeoutMs: number
  /** frame-timeout, or GlfsOptions.callTimeoutMs: how long one call may wait for its reply. */
  readonly frameTimeoutMs: number
  /** GlfsOptions.connectTimeoutMs: each connect and handshake step; undefined for RpcClient's default. */
  readonly connectTimeoutMs: number | undefined
}

/** The config of a client built from `init` (frozen). */
function clientConfig(init: XlatorInit<ClientOptions>): ClientConfig {
  const o = init.options
  const rpc = init.graph.rpc
  return Object.freeze({
    remoteHost: o.remoteHost,
    remotePort: o.remotePort,
    remoteSubvolume: o.remoteSubvolume,
    transportType: o.transportType,
    pingTimeoutMs: rpc?.pingTimeoutMs ?? o.pingTimeoutSeconds * 1000,
    frameTimeoutMs: rpc?.callTimeoutMs ?? o.frameTimeoutSeconds * 1000,
    connectTimeoutMs: rpc?.connectTimeoutMs,
  })
}

const NULL_GFID = Buffer.alloc(16)
/** GF_ANON_FD_NO (glusterfs fd.h): the brick resolves the file by the request's gfid. */
const ANON_FD = -2

// consistent-time flags per fop, as the client-side utime xlator sends them (wire reference §1.5).
const CREATE_FLAGS = MdataFlag.CTIME | MdataFlag.MTIME | MdataFlag.ATIME | MdataFlag.PAR_CTIME | MdataFlag.PAR_MTIME
const REMOVE_FLAGS = MdataFlag.CTIME | MdataFlag.PAR_CTIME | MdataFlag.PAR_MTIME
const DATA_FLAGS = MdataFlag.CTIME | MdataFlag.MTIME
const ALLOC_FLAGS = MdataFlag.MTIME | MdataFlag.ATIME

/** Everything a reconnect needs to reopen an fd: the identity that opened it. */
interface OpenFd {
  readonly call: Call
}

/**
 * The fd ctx value under a client whose fd could not be reopened after a reconnect (the file was
 * removed meanwhile): every later fop on the fd fails EBADFD with the reason.
 */
class LostFd {
  readonly cause: Error
  constructor(cause: Error) {
    this.cause = cause
  }
}

/**
 * protocol/client: one brick connection, turning fops into GlusterFS 4.x FOP calls. Remote fd
 * numbers live in each Fd's ctx under this xlator, and every open Fd is remembered so a
 * reconnect can reopen it. Mount flow (portmap, DUMP, SETVOLUME, reopen) is in handshake.ts;
 * the retry timing in reconnect.ts.
 *
 * When the connection drops, every call in flight fails ENOTCONN at once (writes and fsyncs
 * with `maybeApplied`), parents hear CHILD_DOWN with the cause, and reconnect attempts start
 * with backoff: PORTBYBRICK again (a restarted brick has a new port), SETVOLUME, then OPEN or
 * OPENDIR of every saved fd by gfid; only then CHILD_UP. Nothing is replayed: a fop issued while
 * disconnected fails ENOTCONN at once.
 */
export class ProtocolClient extends Xlator {
  static readonly type = 'protocol/client'

  readonly config: ClientConfig
  readonly address: BrickAddress
  /** The section's options as written: echoed to the brick in SETVOLUME. */
  readonly #rawOptions: ReadonlyMap<string, string>
  readonly #ctx: GraphContext
  readonly #rpcOptions: RpcClientOptions
  /** TLS of the PORTBYBRICK connection to glusterd (management TLS), unlike the brick's. */
  readonly #glusterdTls: TlsProfile | undefined
  #session: BrickSession | undefined
  #status: BrickStatus = 'connecting'
  /** Why the connection last went down or a reconnect attempt failed. */
  #cause: Error | undefined
  /** The last event raised, so a CHILD_DOWN is not repeated (client_notify_dispatch_uniq). */
  #lastEvent: XlatorEvent | undefined
  #connections = 0
  /** Fds open on this brick, reopened after a reconnect. */
  readonly #fds = new Map<Fd, OpenFd>()
  readonly #reconnector: Reconnector
  /** Aborted by fini: stops a connect or handshake in progress. */
  readonly #closing = new AbortController()

  constructor(init: XlatorInit<ClientOptions>) {
    super(init)
    const ctx = init.graph
    this.#ctx = ctx
    this.#rawOptions = init.section?.options ?? new Map()
    this.config = clientConfig(init)
    if (this.config.remoteHost === '' || this.config.remoteSubvolume === '') {
      throw new GlusterError({
        errno: errnoOf('EINVAL'), syscall: 'init', volume: ctx.volume,
        detail: `protocol/client ${init.name}${init.section === undefined ? '' : ` (volfile line ${init.section.line})`} lacks remote-host or remote-subvolume`,
      })
    }
    this.address = {
      volume: ctx.volume,
      xlatorName: init.name,
      remoteHost: this.config.remoteHost,
      glusterdPort: 24007,
      remoteSubvolume: this.config.remoteSubvolume,
      transport: 'tcp',
    }
    const tls = clientTlsProfiles(init.name, this.#rawOptions, ctx.tls)
    this.#glusterdTls = tls.glusterd
    this.#rpcOptions = {
      ...ctx.rpc,
      pingTimeoutMs: this.config.pingTimeoutMs,
      callTimeoutMs: this.config.frameTimeoutMs,
      tls: tls.brick,
    }
    this.#reconnector = new Reconnector(() => this.#reconnect(), (err, attempt) => {
      debug('%s: reconnect attempt %d to %s failed: %s', this.name, attempt, this.brick, (err as Error).message)
      this.#setStatus('disconnected', err as Error)
      // Still trying in the background (client-handshake.c after a failed handshake).
      this.#raise('CHILD_CONNECTING', err)
    }, ctx.reconnect)
  }

  get status(): BrickStatus {
    return this.#status
  }

  /** `host:/brick/path`, for messages. */
  override get brick(): string {
    return brickLabel(this.address)
  }

  /** The brick's port, once connected. */
  get port(): number | undefined {
    return this.#session?.port
  }

  override openFds(into: Set<Fd> = new Set()): Set<Fd> {
    for (const fd of this.#fds.keys()) into.add(fd)
    return into
  }

  override holdsFd(fd: Fd): boolean {
    return fd.ctx.has(this)
  }

  override get callsInFlight(): number {
    return this.#session?.rpc.inFlight ?? 0
  }

  /** Calls waiting for one of the connection's maxInFlight slots. */
  get waiting(): number {
    return this.#session?.rpc.waiting ?? 0
  }

  override async whenIdle(): Promise<void> {
    await this.#session?.rpc.whenIdle()
  }

  override bricks(into: BrickState[] = []): BrickState[] {
    into.push({ xlator: this.name, host: this.address.remoteHost, path: this.address.remoteSubvolume, port: this.port, status: this.#status, cause: this.#cause })
    return into
  }

  /**
   * First connection. A failure fails the init; unless the graph mounts without this brick
   * ({@link startDegraded}), nothing is retried.
   */
  override async init(): Promise<void> {
    this.#attach(await this.#connect())
  }

  /** The mount goes on without this brick: fops on it fail ENOTCONN at once while it reconnects. */
  override startDegraded(cause: unknown): void {
    if (this.#status === 'closed' || this.#status === 'connected') return
    this.#setStatus('disconnected', cause instanceof Error ? cause : undefined)
    this.#raise('CHILD_DOWN', cause)
    this.#reconnector.schedule()
  }

  /** PORTBYBRICK (unless the volfile fixes the port), then connect, DUMP and SETVOLUME. */
  async #connect(): Promise<BrickSession> {
    const signal = this.#closing.signal
    const port = this.config.remotePort > 0 ? this.config.remotePort : await this.#queryPort(signal)
    return connectBrick(this.address, port, this.#rawOptions, this.#rpcOptions, this.#connections++, signal)
  }

  async #queryPort(signal: AbortSignal): Promise<number> {
    const glusterd = new RpcClient({ transport: 'tcp', host: this.address.remoteHost, port: this.address.glusterdPort }, {
      ...this.#rpcOptions, tls: this.#glusterdTls, label: `glusterd ${this.address.remoteHost}:${this.address.glusterdPort}`, volume: this.#ctx.volume,
    })
    const abort = (): void => glusterd.close()
    signal.addEventListener('abort', abort, { once: true })
    try {
      if (signal.aborted) glusterd.close()
      await glusterd.connect()
      return await queryBrickPort(glusterd, this.address, this.#rpcOptions.connectTimeoutMs)
    } catch (err) {
      // A TLS refusal shows as the connection's error, not the call's ENOTCONN.
      throw glusterd.closeError ?? err
    } finally {
      signal.removeEventListener('abort', abort)
      glusterd.close()
      await glusterd.whenClosed()
    }
  }

  /** One reconnect attempt: handshake, reopen the saved fds, then go live. */
  async #reconnect(): Promise<void> {
    if (this.#closing.signal.aborted) return
    this.#setStatus('connecting', undefined)
    const session = await this.#connect()
    try {
      await this.#reopen(session)
    } catch (err) {
      session.rpc.close()
      await session.rpc.whenClosed()
      throw err
    }
    if (this.#closing.signal.aborted) {
      session.rpc.close()
      await session.rpc.whenClosed()
      return
    }
    this.#attach(session)
  }

  /**
   * Reopen every saved fd on the new connection, in parallel. An fd the brick refuses (file gone)
   * is marked lost; a dropped connection fails the whole attempt, to be retried.
   */
  async #reopen(session: BrickSession): Promise<void> {
    const timeoutMs = this.#rpcOptions.connectTimeoutMs
    await Promise.all([...this.#fds].map(async ([fd, open]) => {
      let remote: number
      try {
        remote = await reopenFd(session.rpc, fd, open.call, timeoutMs)
      } catch (err) {
        if (session.rpc.status !== 'connected' || !(err instanceof GlusterError) || err.code === 'ETIMEDOUT') throw err
        debug('%s: fd on %s not reopened: %s', this.name, gfidToString(fd.inode.gfid), err.message)
        this.#fds.delete(fd)
        fd.ctx.set(this, new LostFd(err))
        return
      }
      // Released while the OPEN was on the wire: free the new remote fd at once.
      if (!this.#fds.has(fd)) releaseRemoteFd(session.rpc, fd, remote, open.call)
      else fd.ctx.set(this, remote)
    }))
  }

  #attach(session: BrickSession): void {
    // The connection may have died between the last handshake reply and now.
    if (session.rpc.status !== 'connected') {
      throw session.rpc.closeError ?? new GlusterError({ errno: errnoOf('ENOTCONN'), syscall: 'setvolume', volume: this.#ctx.volume, brick: this.brick, detail: 'the connection closed right after the handshake' })
    }
    this.#session = session
    session.rpc.on('callback', (prog: number, _vers: number, proc: number) => this.#onCallback(prog, proc))
    session.rpc.once('close', (err: Error | undefined) => {
      if (this.#session !== session) return
      this.#session = undefined
      if (this.#status === 'closed') return
      debug('%s: brick %s disconnected%s', this.name, this.brick, err ? ': ' + err.message : '')
      this.#setStatus('disconnected', err)
      this.#raise('CHILD_DOWN', err)
      this.#reconnector.schedule()
    })
    this.#setStatus('connected', undefined)
    this.#raise('CHILD_UP', undefined)
  }

  #setStatus(status: BrickStatus, cause: Error | undefined): void {
    this.#status = status
    if (cause !== undefined || status === 'connected') this.#cause = cause
  }

  /** Tell the parents about this brick; a CHILD_DOWN after a CHILD_DOWN says nothing new. */
  #raise(event: XlatorEvent, cause: unknown): void {
    if (event === 'CHILD_DOWN' && this.#lastEvent === 'CHILD_DOWN') return
    this.#lastEvent = event
    this.notify(event, this, cause)
  }

  #onCallback(prog: number, proc: number): void {
    if (prog !== CALLBACK_PROGRAM_NUMBER) return
    // The brick's storage graph going down or up without closing the socket (server.c).
    if (proc === CallbackProc.CHILD_DOWN) this.#raise('CHILD_DOWN', undefined)
    else if (proc === CallbackProc.CHILD_UP) this.#raise('CHILD_UP', undefined)
  }

  /** Close the connection and stop reconnecting; calls in flight fail ENOTCONN. */
  override async fini(): Promise<void> {
    if (this.#status === 'closed') return
    this.#closing.abort()
    const session = this.#session
    this.#session = undefined
    this.#setStatus('closed', undefined)
    session?.rpc.close()
    await Promise.all([this.#reconnector.stop(), session?.rpc.whenClosed()])
  }

  #rpc(syscall: string): RpcClient {
    const session = this.#session
    if (session === undefined) {
      throw new GlusterError({
        errno: errnoOf('ENOTCONN'), syscall, volume: this.#ctx.volume, brick: this.brick,
        detail: `brick ${this.brick} is not connected (${this.#status})`,
      })
    }
    return session.rpc
  }

  #remoteFd(fd: Fd, syscall: string): number {
    const remote = fd.ctx.get(this)
    if (typeof remote === 'number') return remote
    if (fd.anonymous) return ANON_FD
    if (remote instanceof LostFd) {
      throw new GlusterError({
        errno: errnoOf('EBADFD'), syscall, gfid: gfidToString(fd.inode.gfid), volume: this.#ctx.volume, brick: this.brick, cause: remote.cause,
        detail: `the fd could not be reopened after brick ${this.brick} reconnected (${(remote.cause as GlusterError).code ?? remote.cause.message}): the file was probably removed meanwhile; open it again`,
      })
    }
    throw new GlusterError({ errno: errnoOf('EBADF'), syscall, gfid: gfidToString(fd.inode.gfid), volume: this.#ctx.volume, brick: this.brick, detail: `fd is not open on brick ${this.brick}` })
  }

  /** Remember an fd the brick just opened, with the identity to reopen it with. */
  #opened(fd: Fd, remote: number, call: Call): void {
    fd.ctx.set(this, remote)
    this.#fds.set(fd, { call })
  }

  #fail(opErrno: number, syscall: string, gfid: Uint8Array | undefined, path?: string): GlusterError {
    return new GlusterError({
      errno: opErrno > 0 ? opErrno : errnoOf('EIO'), syscall, path, gfid: gfid === undefined || path !== undefined ? undefined : gfidToString(gfid),
      volume: this.#ctx.volume, brick: this.brick,
    })
  }

  /** Cold-path call: one encode closure per call is fine off the I/O path. */
  async #call<T>(proc: number, call: Call, authFlags: number, encode: (w: XdrWriter) => void, decode: ReplyDecoder<T>, mutates: boolean): Promise<T> {
    const rpc = this.#rpc(FOP_PROGRAM.procedures[proc]?.toLowerCase() ?? 'fop')
    // (f)setattr of times sends flags 0 yet the brick takes the new ctime from the credential.
    const stampTime = authFlags !== 0 || proc === FopProc.SETATTR || proc === FopProc.FSETATTR
    const w = rpc.beginCall(FOP_PROGRAM, proc, AuthFlavor.GLUSTERFS_V3, call, authFlags, stampTime)
    try {
      encode(w)
    } catch (err) {
      rpc.abortCall()
      throw err
    }
    // A blocked lock must not hold a call slot its own unlock needs (rpcsvc.c exempts them too).
    const bound = proc === FopProc.INODELK || proc === FopProc.ENTRYLK ? CallFlag.UNBOUNDED : 0
    const prompt = proc === FopProc.READDIR || proc === FopProc.READDIRP ? CallFlag.PROMPT : 0
    return rpc.send(decode, (mutates ? CallFlag.MUTATES : 0) | bound | prompt)
  }

  override async lookup(call: Call, loc: Loc, xdata?: Dict): Promise<LookupResult> {
    const named = loc.parent !== undefined && loc.name !== ''
    const gfid = loc.inode?.gfid ?? NULL_GFID
    const pargfid = named ? loc.parent!.gfid : NULL_GFID
    // A read asked of a lookup no replicate took stays in the process (read-on-lookup.ts).
    const req = xdata === undefined ? undefined : withoutReadOnLookup(xdata)
    const rsp = await this.#call(FopProc.LOOKUP, call, 0, (w) => writeGfxLookupReq(w, gfid, pargfid, 0, named ? loc.name : '', req), readGfxCommon2iattRsp, false)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'lookup', gfid, loc.path)
    return { stat: rsp.prestat, postparent: rsp.poststat, xdata: rsp.xdata }
  }

  override async stat(call: Call, loc: Loc, xdata?: Dict): Promise<IattResult> {
    const gfid = inodeGfid(loc)
    const rsp = await this.#call(FopProc.STAT, call, 0, (w) => writeGfxStatReq(w, gfid, xdata), readGfxCommonIattRsp, false)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'stat', gfid, loc.path)
    return { stat: rsp.stat, xdata: rsp.xdata }
  }

  override async fstat(call: Call, fd: Fd, xdata?: Dict): Promise<IattResult> {
    const rpc = this.#rpc('fstat')
    const remote = this.#remoteFd(fd, 'fstat')
    const w = rpc.beginCall(FOP_PROGRAM, FopProc.FSTAT, AuthFlavor.GLUSTERFS_V3, call, 0)
    writeGfxFstatReq(w, fd.inode.gfid, remote, xdata)
    const rsp = await rpc.send(readGfxCommonIattRsp)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'fstat', fd.inode.gfid)
    return { stat: rsp.stat, xdata: rsp.xdata }
  }

  override async access(call: Call, loc: Loc, mask: number, xdata?: Dict): Promise<CommonResult> {
    const gfid = inodeGfid(loc)
    const rsp = await this.#call(FopProc.ACCESS, call, 0, (w) => writeGfxAccessReq(w, gfid, mask, xdata), readGfxCommonRsp, false)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'access', gfid, loc.path)
    return { xdata: rsp.xdata }
  }

  override async open(call: Call, loc: Loc, flags: number, fd: Fd, xdata?: Dict): Promise<OpenResult> {
    const gfid = inodeGfid(loc)
    const rsp = await this.#call(FopProc.OPEN, call, 0, (w) => writeGfxOpenReq(w, gfid, flags, xdata), readGfxOpenRsp, false)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'open', gfid, loc.path)
    this.#opened(fd, rsp.fd, call)
    return { fd, xdata: rsp.xdata }
  }

  override async create(call: Call, loc: Loc, flags: number, mode: number, umask: number, fd: Fd, xdata?: Dict): Promise<CreateResult> {
    const pargfid = parentGfid(loc)
    const req = withGfidReq(xdata, loc)
    const rsp = await this.#call(FopProc.CREATE, call, CREATE_FLAGS, (w) => writeGfxCreateReq(w, pargfid, flags, mode, umask, loc.name, req), readGfxCreateRsp, true)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'create', pargfid, loc.path)
    this.#opened(fd, rsp.fd, call)
    return { fd, stat: rsp.stat, preparent: rsp.preparent, postparent: rsp.postparent, xdata: rsp.xdata }
  }

  // readv and writev, the hot path, are not async: the RPC call's promise is the fop's, its reply
  // decoder makes the result or throws the error, so no async frame or closure is made per call.
  override readv(call: Call, fd: Fd, size: number, offset: number, flags: number, xdata?: Dict, sink?: Uint8Array): Promise<ReadResult> {
    let rpc: RpcClient
    try {
      rpc = this.#rpc('read')
      const remote = this.#remoteFd(fd, 'read')
      const w = rpc.beginCall(FOP_PROGRAM, FopProc.READ, AuthFlavor.GLUSTERFS_V3, call, 0)
      try {
        writeGfxReadReq(w, fd.inode.gfid, remote, offset, size, flags, xdata)
      } catch (err) {
        rpc.abortCall()
        throw err
      }
    } catch (err) {
      return Promise.reject(err)
    }
    const read = this.#readCalls.pop() ?? new ReadCall()
    read.gfid = fd.inode.gfid
    read.size = size
    read.buffer = sink !== undefined && sink.length >= size ? sink : NO_SINK
    return rpc.send(this.#readReply, size > BULK_READ_BYTES ? CallFlag.PROMPT : 0, undefined, read.buffer === NO_SINK ? undefined : read, undefined, read)
  }

  readonly #readReply = (r: XdrReader, placed: Buffer | undefined, read: ReadCall): ReadResult => {
    // Answered: its call is out of the connection's table, so the ReadCall can serve the next READ.
    const gfid = read.gfid
    const size = read.size
    read.gfid = NO_SINK
    read.buffer = NO_SINK
    if (this.#readCalls.length < MAX_POOLED_READS) this.#readCalls.push(read)
    const rsp = readGfxReadRsp(r, placed)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'read', gfid)
    // posix-inode-fd-ops.c: op_errno ENOENT on a successful READ means end of file.
    return { data: rsp.data, stat: rsp.stat, eof: rsp.opErrno === ENOENT || rsp.opRet < size, xdata: rsp.xdata }
  }

  /** Answered ReadCalls kept for reuse: as many as are usually in flight. */
  readonly #readCalls: ReadCall[] = []

  override writev(call: Call, fd: Fd, data: Buffer, offset: number, flags: number, xdata?: Dict): Promise<WriteResult> {
    let rpc: RpcClient
    try {
      rpc = this.#rpc('write')
      const remote = this.#remoteFd(fd, 'write')
      const w = rpc.beginCall(FOP_PROGRAM, FopProc.WRITE, AuthFlavor.GLUSTERFS_V3, call, DATA_FLAGS)
      try {
        writeGfxWriteReq(w, fd.inode.gfid, remote, offset, data.length, flags, xdata)
      } catch (err) {
        rpc.abortCall()
        throw err
      }
    } catch (err) {
      return Promise.reject(err)
    }
    return rpc.send(this.#writeReply, CallFlag.MUTATES | CallFlag.IN_PLACE | CallFlag.PROMPT, data, undefined, undefined, fd.inode.gfid)
  }

  readonly #writeReply = (r: XdrReader, _placed: Buffer | undefined, gfid: Uint8Array): WriteResult => {
    const rsp = readGfxWriteRsp(r)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'write', gfid)
    return rsp
  }

  override async flush(call: Call, fd: Fd, xdata?: Dict): Promise<CommonResult> {
    const remote = this.#remoteFd(fd, 'flush')
    const rsp = await this.#call(FopProc.FLUSH, call, 0, (w) => writeGfxFlushReq(w, fd.inode.gfid, remote, xdata), readGfxCommonRsp, true)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'flush', fd.inode.gfid)
    return { xdata: rsp.xdata }
  }

  override async fsync(call: Call, fd: Fd, datasync: boolean, xdata?: Dict): Promise<PrePostResult> {
    const rpc = this.#rpc('fsync')
    const remote = this.#remoteFd(fd, 'fsync')
    const w = rpc.beginCall(FOP_PROGRAM, FopProc.FSYNC, AuthFlavor.GLUSTERFS_V3, call, 0)
    writeGfxFsyncReq(w, fd.inode.gfid, remote, datasync ? 1 : 0, xdata)
    const rsp = await rpc.send(readGfxCommon2iattRsp, CallFlag.MUTATES)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'fsync', fd.inode.gfid)
    return { prestat: rsp.prestat, poststat: rsp.poststat, xdata: rsp.xdata }
  }

  override async release(call: Call, fd: Fd): Promise<void> {
    const remote = fd.ctx.get(this)
    fd.ctx.delete(this)
    this.#fds.delete(fd)
    if (typeof remote !== 'number' || this.#session === undefined) return
    // The brick frees the fd; its reply carries nothing we need, but waiting keeps fini ordered.
    await this.#call(FopProc.RELEASE, call, 0, (w) => writeGfxReleaseReq(w, fd.inode.gfid, remote), readGfxCommonRsp, false).catch(() => undefined)
  }

  override async ftruncate(call: Call, fd: Fd, offset: number, xdata?: Dict): Promise<PrePostResult> {
    const remote = this.#remoteFd(fd, 'ftruncate')
    return this.#prePost(FopProc.FTRUNCATE, 'ftruncate', call, DATA_FLAGS, fd.inode.gfid, (w) => writeGfxFtruncateReq(w, fd.inode.gfid, remote, offset, xdata))
  }

  override async truncate(call: Call, loc: Loc, offset: number, xdata?: Dict): Promise<PrePostResult> {
    const gfid = inodeGfid(loc)
    return this.#prePost(FopProc.TRUNCATE, 'truncate', call, DATA_FLAGS, gfid, (w) => writeGfxTruncateReq(w, gfid, offset, xdata), loc.path)
  }

  override async discard(call: Call, fd: Fd, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    const remote = this.#remoteFd(fd, 'discard')
    return this.#prePost(FopProc.DISCARD, 'discard', call, 0, fd.inode.gfid, (w) => writeGfxDiscardReq(w, fd.inode.gfid, remote, offset, length, xdata))
  }

  override async zerofill(call: Call, fd: Fd, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    const remote = this.#remoteFd(fd, 'zerofill')
    return this.#prePost(FopProc.ZEROFILL, 'zerofill', call, ALLOC_FLAGS, fd.inode.gfid, (w) => writeGfxZerofillReq(w, fd.inode.gfid, remote, offset, length, xdata))
  }

  override async fallocate(call: Call, fd: Fd, mode: number, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    const remote = this.#remoteFd(fd, 'fallocate')
    return this.#prePost(FopProc.FALLOCATE, 'fallocate', call, ALLOC_FLAGS, fd.inode.gfid, (w) => writeGfxFallocateReq(w, fd.inode.gfid, remote, mode, offset, length, xdata))
  }

  override async setattr(call: Call, loc: Loc, attrs: SetattrArgs, valid: number, xdata?: Dict): Promise<PrePostResult> {
    const gfid = inodeGfid(loc)
    const stbuf = setattrIatt(gfid, attrs, valid)
    return this.#prePost(FopProc.SETATTR, 'setattr', call, setattrFlags(valid), gfid, (w) => writeGfxSetattrReq(w, gfid, stbuf, valid, xdata), loc.path)
  }

  override async fsetattr(call: Call, fd: Fd, attrs: SetattrArgs, valid: number, xdata?: Dict): Promise<PrePostResult> {
    const remote = this.#remoteFd(fd, 'fsetattr')
    const stbuf = setattrIatt(fd.inode.gfid, attrs, valid)
    return this.#prePost(FopProc.FSETATTR, 'fsetattr', call, setattrFlags(valid), fd.inode.gfid, (w) => writeGfxFsetattrReq(w, fd.inode.gfid, remote, stbuf, valid, xdata))
  }

  async #prePost(proc: number, syscall: string, call: Call, authFlags: number, gfid: Buffer, encode: (w: XdrWriter) => void, path?: string): Promise<PrePostResult> {
    const rsp = await this.#call(proc, call, authFlags, encode, readGfxCommon2iattRsp, true)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, syscall, gfid, path)
    return { prestat: rsp.prestat, poststat: rsp.poststat, xdata: rsp.xdata }
  }

  override async seek(call: Call, fd: Fd, offset: number, what: number, xdata?: Dict): Promise<SeekResult> {
    const remote = this.#remoteFd(fd, 'seek')
    const rsp = await this.#call(FopProc.SEEK, call, 0, (w) => writeGfxSeekReq(w, fd.inode.gfid, remote, offset, what, xdata), readGfxSeekRsp, false)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'seek', fd.inode.gfid)
    return { offset: rsp.offset, xdata: rsp.xdata }
  }

  override async unlink(call: Call, loc: Loc, xflags: number, xdata?: Dict): Promise<ParentResult> {
    const pargfid = parentGfid(loc)
    const rsp = await this.#call(FopProc.UNLINK, call, REMOVE_FLAGS, (w) => writeGfxUnlinkReq(w, pargfid, loc.name, xflags, xdata), readGfxCommon2iattRsp, true)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'unlink', pargfid, loc.path)
    return { preparent: rsp.prestat, postparent: rsp.poststat, xdata: rsp.xdata }
  }

  override async rmdir(call: Call, loc: Loc, xflags: number, xdata?: Dict): Promise<ParentResult> {
    const pargfid = parentGfid(loc)
    // A non-zero xflags makes the brick delete the whole tree (posix_rmdir): never pass it on.
    if (xflags !== 0) throw new GlusterError({ errno: errnoOf('EINVAL'), syscall: 'rmdir', path: loc.path, volume: this.#ctx.volume, detail: 'recursive rmdir flags are refused' })
    const rsp = await this.#call(FopProc.RMDIR, call, REMOVE_FLAGS, (w) => writeGfxRmdirReq(w, pargfid, 0, loc.name, xdata), readGfxCommon2iattRsp, true)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'rmdir', pargfid, loc.path)
    return { preparent: rsp.prestat, postparent: rsp.poststat, xdata: rsp.xdata }
  }

  override async mkdir(call: Call, loc: Loc, mode: number, umask: number, xdata?: Dict): Promise<EntryResult> {
    const pargfid = parentGfid(loc)
    const req = withGfidReq(xdata, loc)
    return this.#entry(FopProc.MKDIR, 'mkdir', call, pargfid, loc.path, (w) => writeGfxMkdirReq(w, pargfid, mode, umask, loc.name, req))
  }

  override async mknod(call: Call, loc: Loc, mode: number, rdev: number, umask: number, xdata?: Dict): Promise<EntryResult> {
    const pargfid = parentGfid(loc)
    const req = withGfidReq(xdata, loc)
    return this.#entry(FopProc.MKNOD, 'mknod', call, pargfid, loc.path, (w) => writeGfxMknodReq(w, pargfid, rdev, mode, umask, loc.name, req))
  }

  override async symlink(call: Call, target: string, loc: Loc, umask: number, xdata?: Dict): Promise<EntryResult> {
    const pargfid = parentGfid(loc)
    const req = withGfidReq(xdata, loc)
    return this.#entry(FopProc.SYMLINK, 'symlink', call, pargfid, loc.path, (w) => writeGfxSymlinkReq(w, pargfid, loc.name, umask, target, req))
  }

  override async link(call: Call, oldLoc: Loc, newLoc: Loc, xdata?: Dict): Promise<EntryResult> {
    const gfid = inodeGfid(oldLoc)
    const pargfid = parentGfid(newLoc)
    const rsp = await this.#call(FopProc.LINK, call, REMOVE_FLAGS, (w) => writeGfxLinkReq(w, gfid, pargfid, newLoc.name, xdata), readGfxCommon3iattRsp, true)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'link', pargfid, newLoc.path)
    return { stat: rsp.stat, preparent: rsp.preparent, postparent: rsp.postparent, xdata: rsp.xdata }
  }

  async #entry(proc: number, syscall: string, call: Call, pargfid: Buffer, path: string, encode: (w: XdrWriter) => void): Promise<EntryResult> {
    const rsp = await this.#call(proc, call, CREATE_FLAGS, encode, readGfxCommon3iattRsp, true)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, syscall, pargfid, path)
    return { stat: rsp.stat, preparent: rsp.preparent, postparent: rsp.postparent, xdata: rsp.xdata }
  }

  override async rename(call: Call, oldLoc: Loc, newLoc: Loc, xdata?: Dict): Promise<RenameResult> {
    const oldParent = parentGfid(oldLoc)
    const newParent = parentGfid(newLoc)
    const rsp = await this.#call(FopProc.RENAME, call, REMOVE_FLAGS, (w) => writeGfxRenameReq(w, oldParent, newParent, oldLoc.name, newLoc.name, xdata), readGfxRenameRsp, true)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'rename', oldParent, oldLoc.path)
    return {
      stat: rsp.stat, preoldparent: rsp.preoldparent, postoldparent: rsp.postoldparent,
      prenewparent: rsp.prenewparent, postnewparent: rsp.postnewparent, xdata: rsp.xdata,
    }
  }

  override async readlink(call: Call, loc: Loc, size: number, xdata?: Dict): Promise<ReadlinkResult> {
    const gfid = inodeGfid(loc)
    const rsp = await this.#call(FopProc.READLINK, call, 0, (w) => writeGfxReadlinkReq(w, gfid, size, xdata), readGfxReadlinkRsp, false)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'readlink', gfid, loc.path)
    return { target: rsp.path, stat: rsp.buf, xdata: rsp.xdata }
  }

  override async opendir(call: Call, loc: Loc, fd: Fd, xdata?: Dict): Promise<OpenResult> {
    const gfid = inodeGfid(loc)
    const rsp = await this.#call(FopProc.OPENDIR, call, 0, (w) => writeGfxOpendirReq(w, gfid, xdata), readGfxOpenRsp, false)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'opendir', gfid, loc.path)
    this.#opened(fd, rsp.fd, call)
    return { fd, xdata: rsp.xdata }
  }

  override async readdirp(call: Call, fd: Fd, size: number, offset: bigint, xdata?: Dict): Promise<ReaddirResult> {
    const remote = this.#remoteFd(fd, 'readdirp')
    const rsp = await this.#call(FopProc.READDIRP, call, 0, (w) => writeGfxReaddirpReq(w, fd.inode.gfid, remote, offset, size, xdata), readGfxReaddirpRsp, false)
    if (rsp.opRet < 0) {
      // A directory read past its end answers ENOENT on some bricks: that is the end, not an error.
      if (rsp.opErrno === ENOENT) return { entries: [], eof: true, xdata: rsp.xdata }
      throw this.#fail(rsp.opErrno, 'readdirp', fd.inode.gfid)
    }
    const entries: DirEntry[] = new Array(rsp.entries.length)
    for (let i = 0; i < rsp.entries.length; i++) {
      const e = rsp.entries[i]!
      entries[i] = { name: e.name, offset: e.dOff, ino: e.dIno, type: e.dType, stat: e.stat, xdata: e.dict }
    }
    // posix_fill_readdir sets op_errno ENOENT when the directory is exhausted.
    return { entries, eof: rsp.opRet === 0 || rsp.opErrno === ENOENT, xdata: rsp.xdata }
  }

  override async releasedir(call: Call, fd: Fd): Promise<void> {
    const remote = fd.ctx.get(this)
    fd.ctx.delete(this)
    this.#fds.delete(fd)
    if (typeof remote !== 'number' || this.#session === undefined) return
    await this.#call(FopProc.RELEASEDIR, call, 0, (w) => writeGfxReleasedirReq(w, fd.inode.gfid, remote), readGfxCommonRsp, false).catch(() => undefined)
  }

  override async statfs(call: Call, loc: Loc, xdata?: Dict): Promise<StatfsResult> {
    const gfid = inodeGfid(loc)
    const rsp = await this.#call(FopProc.STATFS, call, 0, (w) => writeGfxStatfsReq(w, gfid, xdata), readGfxStatfsRsp, false)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'statfs', gfid, loc.path)
    return { ...rsp.statfs, xdata: rsp.xdata }
  }

  override async getxattr(call: Call, loc: Loc, name: string, xdata?: Dict): Promise<XattrResult> {
    const gfid = inodeGfid(loc)
    const rsp = await this.#call(FopProc.GETXATTR, call, 0, (w) => writeGfxGetxattrReq(w, gfid, name === '' ? 0 : 1, name, xdata), readGfxCommonDictRsp, false)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'getxattr', gfid, loc.path)
    return { dict: rsp.dict ?? new Dict(), xdata: rsp.xdata }
  }

  override async fgetxattr(call: Call, fd: Fd, name: string, xdata?: Dict): Promise<XattrResult> {
    const remote = this.#remoteFd(fd, 'fgetxattr')
    const rsp = await this.#call(FopProc.FGETXATTR, call, 0, (w) => writeGfxFgetxattrReq(w, fd.inode.gfid, remote, name === '' ? 0 : 1, name, xdata), readGfxCommonDictRsp, false)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'fgetxattr', fd.inode.gfid)
    return { dict: rsp.dict ?? new Dict(), xdata: rsp.xdata }
  }

  override async setxattr(call: Call, loc: Loc, dict: Dict, flags: number, xdata?: Dict): Promise<CommonResult> {
    const gfid = inodeGfid(loc)
    return this.#common(FopProc.SETXATTR, 'setxattr', call, MdataFlag.CTIME, gfid, (w) => writeGfxSetxattrReq(w, gfid, flags, dict, xdata), loc.path)
  }

  override async fsetxattr(call: Call, fd: Fd, dict: Dict, flags: number, xdata?: Dict): Promise<CommonResult> {
    const remote = this.#remoteFd(fd, 'fsetxattr')
    return this.#common(FopProc.FSETXATTR, 'fsetxattr', call, MdataFlag.CTIME, fd.inode.gfid, (w) => writeGfxFsetxattrReq(w, fd.inode.gfid, remote, flags, dict, xdata))
  }

  override async removexattr(call: Call, loc: Loc, name: string, xdata?: Dict): Promise<CommonResult> {
    const gfid = inodeGfid(loc)
    return this.#common(FopProc.REMOVEXATTR, 'removexattr', call, MdataFlag.CTIME, gfid, (w) => writeGfxRemovexattrReq(w, gfid, name, xdata), loc.path)
  }

  override async fremovexattr(call: Call, fd: Fd, name: string, xdata?: Dict): Promise<CommonResult> {
    const remote = this.#remoteFd(fd, 'fremovexattr')
    return this.#common(FopProc.FREMOVEXATTR, 'fremovexattr', call, MdataFlag.CTIME, fd.inode.gfid, (w) => writeGfxFremovexattrReq(w, fd.inode.gfid, remote, name, xdata))
  }

  override async inodelk(call: Call, domain: string, loc: Loc, cmd: number, lock: Flock, xdata?: Dict): Promise<CommonResult> {
    const gfid = inodeGfid(loc)
    return this.#common(FopProc.INODELK, 'inodelk', call, 0, gfid, (w) => writeGfxInodelkReq(w, gfid, cmd, lock.type, lock, domain, xdata), loc.path)
  }

  override async entrylk(call: Call, domain: string, loc: Loc, basename: string, cmd: number, type: number, xdata?: Dict): Promise<CommonResult> {
    const gfid = inodeGfid(loc)
    return this.#common(FopProc.ENTRYLK, 'entrylk', call, 0, gfid, (w) => writeGfxEntrylkReq(w, gfid, cmd, type, basename === '' ? 0 : 1, basename, domain, xdata), loc.path)
  }

  override async xattrop(call: Call, loc: Loc, flags: number, dict: Dict, xdata?: Dict): Promise<XattrResult> {
    const gfid = inodeGfid(loc)
    const rsp = await this.#call(FopProc.XATTROP, call, 0, (w) => writeGfxXattropReq(w, gfid, flags, dict, xdata), readGfxCommonDictRsp, true)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'xattrop', gfid, loc.path)
    return { dict: rsp.dict ?? new Dict(), xdata: rsp.xdata }
  }

  override async fxattrop(call: Call, fd: Fd, flags: number, dict: Dict, xdata?: Dict): Promise<XattrResult> {
    const remote = this.#remoteFd(fd, 'fxattrop')
    const rsp = await this.#call(FopProc.FXATTROP, call, 0, (w) => writeGfxFxattropReq(w, fd.inode.gfid, remote, flags, dict, xdata), readGfxCommonDictRsp, true)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, 'fxattrop', fd.inode.gfid)
    return { dict: rsp.dict ?? new Dict(), xdata: rsp.xdata }
  }

  async #common(proc: number, syscall: string, call: Call, authFlags: number, gfid: Buffer, encode: (w: XdrWriter) => void, path?: string): Promise<CommonResult> {
    const rsp = await this.#call(proc, call, authFlags, encode, readGfxCommonRsp, true)
    if (rsp.opRet < 0) throw this.#fail(rsp.opErrno, syscall, gfid, path)
    return { xdata: rsp.xdata }
  }
}

const ENOENT = errnoOf('ENOENT')


function inodeGfid(loc: Loc): Buffer {
  const inode = loc.inode
  if (inode === undefined) throw new GlusterError({ errno: errnoOf('EINVAL'), syscall: 'resolve', path: loc.path, detail: 'path is not resolved to an inode' })
  return inode.gfid
}

function parentGfid(loc: Loc): Buffer {
  const parent = loc.parent
  if (parent === undefined) throw new GlusterError({ errno: errnoOf('EINVAL'), syscall: 'resolve', path: loc.path, detail: 'entry has no resolved parent' })
  return parent.gfid
}

/** CREATE/MKDIR/MKNOD/SYMLINK must carry `gfid-req` (posix_gfid_set): add a fresh one if absent. */
function withGfidReq(xdata: Dict | undefined, loc: Loc): Dict {
  if (xdata?.has('gfid-req')) return xdata
  const out = new Dict()
  if (xdata !== undefined) for (const [k, v] of xdata) out.set(k, v)
  out.setGfuuid('gfid-req', loc.inode?.gfid ?? newGfid())
  return out
}

/** The stbuf of a (f)setattr: only the fields `valid` names matter to the brick. */
function setattrIatt(gfid: Buffer, a: SetattrArgs, valid: number): Iatt {
  const ia = new Iatt(gfid)
  if (valid & SetAttr.MODE) ia.mode = a.mode & 0o7777
  if (valid & SetAttr.UID) ia.uid = a.uid
  if (valid & SetAttr.GID) ia.gid = a.gid
  if (valid & SetAttr.ATIME) {
    ia.atime = a.atime
    ia.atimeNsec = a.atimeNsec
  }
  if (valid & SetAttr.MTIME) {
    ia.mtime = a.mtime
    ia.mtimeNsec = a.mtimeNsec
  }
  return ia
}

/** utime xlator: ctime moves on mode/owner changes or a bare setattr; time-only changes send 0. */
function setattrFlags(valid: number): number {
  return valid === 0 || (valid & (SetAttr.MODE | SetAttr.UID | SetAttr.GID)) !== 0 ? MdataFlag.CTIME : 0
}
