import { debuglog } from 'node:util'
import { AuthFlavor } from '../rpc/auth.ts'
import { RpcClient, type RpcEndpoint } from '../rpc/client.ts'
import { describeErrno, errnoOf } from '../rpc/errno.ts'
import { GlusterError } from '../rpc/errors.ts'
import { HANDSHAKE_PROGRAM, HandshakeProc, readGfGetspecRsp, writeGfGetspecReq } from '../rpc/programs/handshake.ts'
import { HANDSHAKE_IDENTITY } from '../xlators/client/handshake.ts'

const debug = debuglog('gfapi')

/** One volfile server, as given to `setVolfileServer`. */
export interface VolfileServer extends RpcEndpoint {}

export interface FetchedVolfile {
  readonly spec: string
  /** The management connection it came over; stays open for FETCHSPEC callbacks. */
  readonly rpc: RpcClient
  readonly server: VolfileServer
}

/**
 * GETSPEC the volume's client volfile from glusterd (api/src/glfs-mgmt.c glfs_volfile_fetch).
 * Resolves with the text and the still-open connection.
 */
export async function fetchVolfile(server: VolfileServer, volume: string, connectTimeoutMs: number): Promise<FetchedVolfile> {
  const rpc = new RpcClient(server, { connectTimeoutMs, label: `glusterd ${server.transport === 'unix' ? 'unix:' + (server.socketPath ?? '') : server.host + ':' + server.port}`, volume })
  await rpc.connect()
  try {
    debug('GETSPEC %s volume %s', rpc.label, volume)
    const rsp = readGfGetspecRsp(await rpc.call(HANDSHAKE_PROGRAM, HandshakeProc.GETSPEC, AuthFlavor.GLUSTERFS_V3, HANDSHAKE_IDENTITY,
      (w) => writeGfGetspecReq(w, volume)))
    if (rsp.opRet < 0) {
      const errno = rsp.opErrno > 0 ? rsp.opErrno : errnoOf('EIO')
      const name = describeErrno(errno).code
      const detail = name === 'ENOENT'
        ? `volume '${volume}' does not exist on glusterd ${rpc.label} ('gluster volume list' shows the volumes it has)`
        : name === 'ENOTSUP'
          ? `glusterd refused the client's op-version range for volume '${volume}'`
          : `glusterd could not give the volfile of '${volume}'`
      throw new GlusterError({ errno, syscall: 'getspec', host: server.host, port: server.port, volume, detail })
    }
    if (rsp.spec.length === 0) {
      throw new GlusterError({ errno: errnoOf('EIO'), syscall: 'getspec', host: server.host, port: server.port, volume, detail: 'glusterd returned an empty volfile' })
    }
    return { spec: rsp.spec, rpc, server }
  } catch (err) {
    rpc.close()
    throw err
  }
}
