import type { XdrReader } from '../../xdr/reader.ts'
import type { XdrWriter } from '../../xdr/writer.ts'
import type { RpcProgram } from '../message.ts'
import { decodeOldDict, encodeOldDict } from './old-dict.ts'

/** GlusterFS Handshake program (rpc/rpc-lib/src/protocol-common.h gf_handshake_procnum). */
export const HANDSHAKE_PROGRAM: RpcProgram = {
  name: 'GlusterFS Handshake', number: 14398633, version: 2,
  procedures: ['NULL', 'SETVOLUME', 'GETSPEC', 'PING', 'SET_LK_VER', 'EVENT_NOTIFY', 'GET_VOLUME_INFO', 'GET_SNAPSHOT_INFO'],
} as const
export const HandshakeProc = { NULL: 0, SETVOLUME: 1, GETSPEC: 2, PING: 3, EVENT_NOTIFY: 5, GET_VOLUME_INFO: 6 } as const

/** GF_GETSPEC_FLAG_SERVERS_LIST: ask glusterd for the other volfile servers too. */
export const GETSPEC_FLAG_SERVERS_LIST = 1
/** The op-version range libgfapi 10 announces (globals.h GD_OP_VERSION_MIN / _MAX). */
export const CLIENT_MIN_OP_VERSION = '1'
export const CLIENT_MAX_OP_VERSION = '100000'

/** Volfiles are a few KiB; a megabyte is generous and still bounds a hostile reply. */
const MAX_SPEC_BYTES = 16 * 1024 * 1024
const MAX_DICT_BYTES = 1024 * 1024

/** glusterfs3-xdr.x gf_getspec_req { flags, key, xdata (old dict) } */
export function writeGfGetspecReq(w: XdrWriter, volume: string): void {
  w.uint32(GETSPEC_FLAG_SERVERS_LIST)
  w.string(volume)
  // Without min/max-op-version glusterd answers ENOTSUP (wire reference §4.2).
  w.opaque(encodeOldDict([['max-op-version', CLIENT_MAX_OP_VERSION], ['min-op-version', CLIENT_MIN_OP_VERSION]]))
}

export interface GetspecResult {
  /** The volfile length on success (not 0), -1 on failure. */
  readonly opRet: number
  readonly opErrno: number
  readonly spec: string
  readonly xdata: Map<string, string>
}

/** glusterfs3-xdr.x gf_getspec_rsp { op_ret, op_errno, spec, xdata } */
export function readGfGetspecRsp(r: XdrReader): GetspecResult {
  const opRet = r.int32()
  const opErrno = r.int32()
  const spec = r.string(MAX_SPEC_BYTES)
  const xdata = decodeOldDict(r.opaque(MAX_DICT_BYTES))
  return { opRet, opErrno, spec, xdata }
}

/** glusterfs3-xdr.x gf_setvolume_req { dict } */
export function writeGfSetvolumeReq(w: XdrWriter, entries: ReadonlyArray<readonly [string, string]>): void {
  w.opaque(encodeOldDict(entries))
}

export interface SetvolumeResult {
  readonly opRet: number
  readonly opErrno: number
  readonly dict: Map<string, string>
}

/** glusterfs3-xdr.x gf_setvolume_rsp { op_ret, op_errno, dict } */
export function readGfSetvolumeRsp(r: XdrReader): SetvolumeResult {
  const opRet = r.int32()
  const opErrno = r.int32()
  const dict = decodeOldDict(r.opaque(MAX_DICT_BYTES))
  return { opRet, opErrno, dict }
}
