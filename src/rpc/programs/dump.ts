import type { XdrReader } from '../../xdr/reader.ts'
import type { XdrWriter } from '../../xdr/writer.ts'
import type { RpcProgram } from '../message.ts'

/** GF-DUMP (rpc/rpc-lib/src/xdr-common.h): which programs a server serves; proc 2 is the ping. */
export const DUMP_PROGRAM: RpcProgram = {
  name: 'GF-DUMP', number: 123451501, version: 1, procedures: ['NULL', 'DUMP', 'PING'],
} as const
export const DumpProc = { NULL: 0, DUMP: 1, PING: 2 } as const

/** libgfapi's gfs_id in gf_dump_req (client-handshake.c). */
const GFS_ID = 0xcaed

export interface ProgramDetail {
  readonly name: string
  readonly number: number
  readonly version: number
}

export interface DumpResult {
  readonly opRet: number
  readonly opErrno: number
  readonly programs: ProgramDetail[]
}

/** rpc-common-xdr.x gf_dump_req { u_quad_t gfs_id } */
export function writeGfDumpReq(w: XdrWriter): void {
  w.uhyper(GFS_ID)
}

/** Servers list a dozen programs; anything far beyond that is a broken peer. */
const MAX_PROGRAMS = 256

/** rpc-common-xdr.x gf_dump_rsp { gfs_id, op_ret, op_errno, gf_prog_detail *prog } */
export function readGfDumpRsp(r: XdrReader): DumpResult {
  r.uhyper()
  const opRet = r.int32()
  const opErrno = r.int32()
  const programs: ProgramDetail[] = []
  while (r.bool()) {
    if (programs.length >= MAX_PROGRAMS) break
    const name = r.string(1024)
    const number = r.uhyperNumber()
    const version = r.uhyperNumber()
    programs.push({ name, number, version })
  }
  return { opRet, opErrno, programs }
}

/** rpc-common-xdr.x gf_common_rsp, the PING reply. */
export function readGfCommonRsp(r: XdrReader): { opRet: number; opErrno: number } {
  const opRet = r.int32()
  const opErrno = r.int32()
  r.opaque()
  return { opRet, opErrno }
}
