import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { debuglog } from 'node:util'
import { AuthFlavor, type AuthIdentity, HANDSHAKE_IDENTITY } from '../../rpc/auth.ts'
import { RpcClient, type RpcClientOptions } from '../../rpc/client.ts'
import { errnoOf } from '../../rpc/errno.ts'
import { GlusterError } from '../../rpc/errors.ts'
import { DUMP_PROGRAM, DumpProc, readGfDumpRsp, writeGfDumpReq } from '../../rpc/programs/dump.ts'
import { FOP_PROGRAM, FopProc } from '../../rpc/programs/fops/program.ts'
import { readGfxOpenRsp } from '../../rpc/programs/fops/replies.ts'
import {
  writeGfxOpendirReq, writeGfxOpenReq, writeGfxReleasedirReq, writeGfxReleaseReq,
} from '../../rpc/programs/fops/requests.ts'
import { type Fd, gfidToString } from '../types.ts'
import { CLIENT_MAX_OP_VERSION, HANDSHAKE_PROGRAM, HandshakeProc, readGfSetvolumeRsp, writeGfSetvolumeReq } from '../../rpc/programs/handshake.ts'
import { PORTMAP_PROGRAM, PortmapProc, readPmapPortByBrickRsp, writePmapPortByBrickReq } from '../../rpc/programs/portmap.ts'
import { O_CREAT, O_EXCL, O_TRUNC } from '../../rpc/linux.ts'

const debug = debuglog('gfapi')

/** What libgfapi 10.3 reports as its version in SETVOLUME. */
const CLIENT_VERSION = '10.3'

/** Where a protocol/client connects, from its volfile section. */
export interface BrickAddress {
  readonly volume: string
  /** The volfile xlator name, e.g. `vol-client-0`. */
  readonly xlatorName: string
  readonly remoteHost: string
  /** glusterd's port on remote-host (`remote-port` when the volfile has one). */
  readonly glusterdPort: number
  readonly remoteSubvolume: string
  readonly transport: 'tcp' | 'unix'
}

export function brickLabel(b: BrickAddress): string {
  return `${b.remoteHost}:${b.remoteSubvolume}`
}

/**
 * Ask glusterd on the brick's host which port serves the brick (client-handshake.c
 * client_query_portmap), waiting at most `timeoutMs`. A brick that is not running (volume not
 * started, process killed) answers port 0. Asked again on every reconnect: a restarted brick
 * listens on a new port.
 */
export async function queryBrickPort(glusterd: RpcClient, brick: BrickAddress, timeoutMs?: number): Promise<number> {
  debug('PORTBYBRICK %s %s', glusterd.label, brick.remoteSubvolume)
  const r = await glusterd.call(PORTMAP_PROGRAM, PortmapProc.PORTBYBRICK, AuthFlavor.GLUSTERFS_V3, HANDSHAKE_IDENTITY,
    (w) => writePmapPortByBrickReq(w, brick.remoteSubvolume), timeoutMs)
  const rsp = readPmapPortByBrickRsp(r)
  if (rsp.opRet < 0 || rsp.port <= 0) {
    throw new GlusterError({
      errno: errnoOf('ENOTCONN'), syscall: 'portbybrick', host: brick.remoteHost, port: brick.glusterdPort, volume: brick.volume, brick: brickLabel(brick),
      detail: `glusterd has no port for brick ${brickLabel(brick)}: the brick process is not running (is volume '${brick.volume}' started? try 'gluster volume start ${brick.volume}')`,
    })
  }
  return rsp.port
}

/** A connected, SETVOLUME-accepted brick connection. */
export interface BrickSession {
  readonly rpc: RpcClient
  readonly port: number
  /** The brick's reply dict (process-uuid, volume-id...). */
  readonly serverInfo: ReadonlyMap<string, string>
}

/**
 * Connect to the brick and run DUMP + SETVOLUME (client-handshake.c client_setvolume), pipelined:
 * SETVOLUME does not depend on the DUMP answer because we only speak FOP v400.
 * `options` are the protocol/client volfile options, echoed to the brick as libgfapi does
 * (username/password of the trusted volfile among them). Each step waits at most
 * `rpcOptions.connectTimeoutMs`: a port that accepts and never answers fails the mount in that
 * bound, not after a ping-timeout.
 */
export async function connectBrick(brick: BrickAddress, port: number, options: ReadonlyMap<string, string>,
  rpcOptions: RpcClientOptions, connectionCounter: number, signal?: AbortSignal): Promise<BrickSession> {
  const rpc = new RpcClient({ transport: 'tcp', host: brick.remoteHost, port }, {
    ...rpcOptions, label: `brick ${brickLabel(brick)} (port ${port})`, volume: brick.volume, brick: brickLabel(brick),
  })
  const abort = (): void => rpc.close()
  signal?.addEventListener('abort', abort, { once: true })
  if (signal?.aborted) rpc.close()
  try {
    await rpc.connect()
    const dict: Array<readonly [string, string]> = []
    for (const [key, value] of options) dict.push([key, value])
    // The brick keys fds and locks by process-uuid: a fresh one per connection, like RECON_NO.
    dict.push(
      ['process-uuid', `CTX_ID:${randomUUID()}-GRAPH_ID:0-PID:${process.pid}-HOST:${hostname()}-PC_NAME:${brick.xlatorName}-RECON_NO:-${connectionCounter}`],
      ['fops-version', String(FOP_PROGRAM.number)],
      ['volfile-key', brick.volume],
      ['client-version', CLIENT_VERSION],
      ['process-name', 'gfapi.gfapi-ts'],
      ['opversion', CLIENT_MAX_OP_VERSION],
      ['clnt-lk-version', '1'],
      ['volfile-checksum', '0'],
    )
    if (!options.has('remote-subvolume')) dict.push(['remote-subvolume', brick.remoteSubvolume])
    debug('DUMP + SETVOLUME %s', rpc.label)
    const timeoutMs = rpcOptions.connectTimeoutMs
    const dumpReply = rpc.call(DUMP_PROGRAM, DumpProc.DUMP, AuthFlavor.GLUSTERFS_V2, HANDSHAKE_IDENTITY, writeGfDumpReq, timeoutMs)
    const setvolumeReply = rpc.call(HANDSHAKE_PROGRAM, HandshakeProc.SETVOLUME, AuthFlavor.GLUSTERFS_V3, HANDSHAKE_IDENTITY,
      (w) => writeGfSetvolumeReq(w, dict), timeoutMs)
    const [dumpReader, setvolumeReader] = await Promise.all([dumpReply, setvolumeReply])
    const programs = readGfDumpRsp(dumpReader).programs
    if (!programs.some((p) => p.number === FOP_PROGRAM.number && p.version === FOP_PROGRAM.version)) {
      throw new GlusterError({
        errno: errnoOf('EPROTONOSUPPORT'), syscall: 'setvolume', host: brick.remoteHost, port, volume: brick.volume, brick: brickLabel(brick),
        detail: `the brick does not serve the GlusterFS 4.x FOP program (${FOP_PROGRAM.number} v${FOP_PROGRAM.version}); it offers ${programs.map((p) => `${p.name} v${p.version}`).join(', ')}`,
      })
    }
    const rsp = readGfSetvolumeRsp(setvolumeReader)
    if (rsp.opRet < 0) throw setvolumeError(brick, port, rsp.opErrno, rsp.dict.get('ERROR'), rpc.tlsName)
    return { rpc, port, serverInfo: rsp.dict }
  } catch (err) {
    // A connection that broke under the handshake says why (ECONNRESET, ETIMEDOUT, an RpcError
    // for garbage) better than the ENOTCONN of the calls it failed.
    const cause = rpc.closeError ?? err
    rpc.close()
    await rpc.whenClosed()
    throw cause
  } finally {
    signal?.removeEventListener('abort', abort)
  }
}

/**
 * Open an fd again on a new connection, by gfid, with its original flags minus
 * O_CREAT|O_EXCL|O_TRUNC (client-handshake.c protocol_client_reopenfile_v2): the file must not be
 * created or truncated a second time. Resolves with the new remote fd number; rejects with the
 * brick's errno (ESTALE or ENOENT: the file was removed meanwhile).
 */
export async function reopenFd(rpc: RpcClient, fd: Fd, id: AuthIdentity, timeoutMs: number | undefined): Promise<number> {
  const proc = fd.isDirectory ? FopProc.OPENDIR : FopProc.OPEN
  const r = await rpc.call(FOP_PROGRAM, proc, AuthFlavor.GLUSTERFS_V3, id, fd.isDirectory
    ? (w) => writeGfxOpendirReq(w, fd.inode.gfid)
    : (w) => writeGfxOpenReq(w, fd.inode.gfid, fd.flags & ~(O_CREAT | O_EXCL | O_TRUNC)), timeoutMs)
  const rsp = readGfxOpenRsp(r)
  if (rsp.opRet < 0) {
    throw new GlusterError({
      errno: rsp.opErrno > 0 ? rsp.opErrno : errnoOf('EIO'), syscall: fd.isDirectory ? 'opendir' : 'open', gfid: gfidToString(fd.inode.gfid),
      host: rpc.endpoint.host, port: rpc.endpoint.port, detail: 'reopening the fd after a reconnect',
    })
  }
  return rsp.fd
}

/** Tell the brick to free a remote fd; nothing waits for or needs the answer. */
export function releaseRemoteFd(rpc: RpcClient, fd: Fd, remote: number, id: AuthIdentity): void {
  const proc = fd.isDirectory ? FopProc.RELEASEDIR : FopProc.RELEASE
  rpc.call(FOP_PROGRAM, proc, AuthFlavor.GLUSTERFS_V3, id, fd.isDirectory
    ? (w) => writeGfxReleasedirReq(w, fd.inode.gfid, remote)
    : (w) => writeGfxReleaseReq(w, fd.inode.gfid, remote)).catch(() => undefined)
}

/** `tlsName`: the CN of the certificate we presented, which the brick matches against auth.ssl-allow. */
function setvolumeError(brick: BrickAddress, port: number, opErrno: number, serverMessage: string | undefined, tlsName: string | undefined): GlusterError {
  const said = serverMessage !== undefined ? `the brick said '${serverMessage}'` : 'the brick gave no reason'
  let errno = opErrno > 0 ? opErrno : errnoOf('EIO')
  let detail: string
  if (errno === errnoOf('EACCES') && tlsName !== undefined) {
    detail = `SETVOLUME refused: ${said}. Over TLS the brick authorises our certificate by its CN, and CN '${tlsName}' is not allowed by auth.ssl-allow of volume '${brick.volume}' (check 'gluster volume get ${brick.volume} auth.ssl-allow', and auth.reject)`
  } else if (errno === errnoOf('EACCES')) {
    detail = `SETVOLUME refused: ${said}. Volume '${brick.volume}' does not let this client mount it: its auth.allow / auth.reject options (or auth.login credentials) decide who may; check 'gluster volume get ${brick.volume} auth.allow' and 'auth.reject'`
  } else if (errno === errnoOf('ENOENT')) {
    detail = `SETVOLUME failed: ${said}; the brick process does not know ${brick.remoteSubvolume}`
  } else if (errno === errnoOf('EAGAIN')) {
    detail = `SETVOLUME failed: ${said}; the brick is still starting, retry shortly`
  } else {
    if (errno === 0) errno = errnoOf('EIO')
    detail = `SETVOLUME failed: ${said}`
  }
  return new GlusterError({ errno, syscall: 'setvolume', host: brick.remoteHost, port, volume: brick.volume, brick: brickLabel(brick), detail })
}
