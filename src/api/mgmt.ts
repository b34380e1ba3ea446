import { debuglog } from 'node:util'
import { AuthFlavor, HANDSHAKE_IDENTITY } from '../rpc/auth.ts'
import { RpcClient, type RpcEndpoint, describeEndpoint } from '../rpc/client.ts'
import { describeErrno, errnoOf } from '../rpc/errno.ts'
import { GlusterError } from '../rpc/errors.ts'
import type { TlsProfile } from '../rpc/tls.ts'
import { HANDSHAKE_PROGRAM, HandshakeProc, readGfGetspecRsp, writeGfGetspecReq } from '../rpc/programs/handshake.ts'

const debug = debuglog('gfapi')

/** One volfile server, as given to `setVolfileServer`. */
export interface VolfileServer extends RpcEndpoint {}

export interface FetchedVolfile {
  readonly spec: string
  /** The management connection it came over; stays open for FETCHSPEC callbacks. */
  readonly rpc: RpcClient
  readonly server: VolfileServer
}

/** Largest record taken from glusterd: volfiles are kilobytes; no peer may make us buffer more. */
const MGMT_MAX_RECORD_BYTES = 4 * 1024 * 1024

/** `glusterd host:port`, for messages. */
export function describeVolfileServer(server: VolfileServer): string {
  return `glusterd ${describeEndpoint(server)}`
}

/**
 * Connect to glusterd and GETSPEC the volume's client volfile (api/src/glfs-mgmt.c
 * glfs_volfile_fetch). `timeoutMs` bounds the connect and the answer each: a server that accepts
 * and never answers fails with ETIMEDOUT in that bound, not after the 42 s ping-timeout.
 * Resolves with the text and the still-open connection; `signal` aborts (the connection is closed
 * and the promise rejects with the signal's reason).
 *
 * Failures are typed: ECONNREFUSED (nothing listens), ETIMEDOUT (silent), ECONNRESET (closed on
 * us), an RpcError (the peer does not speak ONC RPC), ENOENT (no such volume). With `tls`
 * (management TLS) the connection is TLS, and its failures are typed as RpcClient types them.
 */
export async function fetchVolfile(server: VolfileServer, volume: string, timeoutMs: number, signal?: AbortSignal, tls?: TlsProfile): Promise<FetchedVolfile> {
  signal?.throwIfAborted()
  const rpc = new RpcClient(server, {
    connectTimeoutMs: timeoutMs, pingTimeoutMs: timeoutMs, callTimeoutMs: timeoutMs, maxRecordBytes: MGMT_MAX_RECORD_BYTES,
    label: describeVolfileServer(server), volume, tls,
  })
  const abort = (): void => rpc.close()
  signal?.addEventListener('abort', abort, { once: true })
  try {
    await rpc.connect()
    const spec = await getspec(rpc, server, volume, timeoutMs)
    return { spec, rpc, server }
  } catch (err) {
    rpc.close()
    await rpc.whenClosed()
    signal?.throwIfAborted()
    throw tls === undefined ? withTlsHint(err) : err
  } finally {
    signal?.removeEventListener('abort', abort)
  }
}

/**
 * A glusterd with management TLS (secure-access) resets a plain connection at its first bytes:
 * say so, since nothing else in that ECONNRESET points at TLS.
 */
function withTlsHint(err: unknown): unknown {
  if (!(err instanceof GlusterError) || err.code !== 'ECONNRESET' || err.syscall === 'connect') return err
  return new GlusterError({
    errno: -err.errno, syscall: err.syscall, host: err.host, port: err.port, volume: err.volume, cause: err,
    detail: `${err.detail ?? ''}; a glusterd with management TLS (/var/lib/glusterd/secure-access on its host) does this to clients without TLS: ` +
      'create that file on this machine too, or set GlfsOptions.tls.management',
  })
}

/**
 * GETSPEC on an open management connection: the volfile text, or a typed error. When the
 * connection drops under the call, the connection's own error (ETIMEDOUT, ECONNRESET, RpcError)
 * is thrown rather than the call's ENOTCONN, so a caller learns what the server did.
 */
export async function getspec(rpc: RpcClient, server: VolfileServer, volume: string, timeoutMs: number): Promise<string> {
  debug('GETSPEC %s volume %s', rpc.label, volume)
  let reply
  try {
    reply = await rpc.call(HANDSHAKE_PROGRAM, HandshakeProc.GETSPEC, AuthFlavor.GLUSTERFS_V3, HANDSHAKE_IDENTITY,
      (w) => writeGfGetspecReq(w, volume), timeoutMs)
  } catch (err) {
    throw rpc.closeError ?? err
  }
  const rsp = readGfGetspecRsp(reply)
  if (rsp.opRet < 0) {
    const errno = rsp.opErrno > 0 ? rsp.opErrno : errnoOf('EIO')
    const name = describeErrno(errno).code
    const detail = name === 'ENOENT'
      ? `volume '${volume}' does not exist on ${rpc.label} ('gluster volume list' shows the volumes it has)`
      : name === 'ENOTSUP'
        ? `glusterd refused the client's op-version range for volume '${volume}'`
        : `glusterd could not give the volfile of '${volume}'`
    throw new GlusterError({ errno, syscall: 'getspec', host: server.host, port: server.port, volume, detail })
  }
  if (rsp.spec.length === 0) {
    throw new GlusterError({ errno: errnoOf('EIO'), syscall: 'getspec', host: server.host, port: server.port, volume, detail: 'glusterd returned an empty volfile' })
  }
  return rsp.spec
}
