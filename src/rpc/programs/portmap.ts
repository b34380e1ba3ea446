import type { XdrReader } from '../../xdr/reader.ts'
import type { XdrWriter } from '../../xdr/writer.ts'
import type { RpcProgram } from '../message.ts'

/** Gluster Portmap, served by glusterd only (rpc/xdr/src/portmap-xdr.x). */
export const PORTMAP_PROGRAM: RpcProgram = {
  name: 'Gluster Portmap', number: 34123456, version: 1,
  procedures: ['NULL', 'PORTBYBRICK', 'BRICKBYPORT', 'SIGNUP', 'SIGNIN', 'SIGNOUT'],
} as const
export const PortmapProc = { PORTBYBRICK: 1, BRICKBYPORT: 2 } as const

/** portmap-xdr.x pmap_port_by_brick_req { brick } */
export function writePmapPortByBrickReq(w: XdrWriter, brick: string): void {
  w.string(brick)
}

export interface PortByBrickResult {
  readonly opRet: number
  readonly opErrno: number
  readonly status: number
  /** 0 when the brick is unknown or not running (volume created but not started). */
  readonly port: number
}

/** portmap-xdr.x pmap_port_by_brick_rsp { op_ret, op_errno, status, port } */
export function readPmapPortByBrickRsp(r: XdrReader): PortByBrickResult {
  const opRet = r.int32()
  const opErrno = r.int32()
  const status = r.int32()
  const port = r.int32()
  return { opRet, opErrno, status, port }
}
