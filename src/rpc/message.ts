import type { XdrReader } from '../xdr/reader.ts'
import type { XdrWriter } from '../xdr/writer.ts'
import { type AuthFlavor, type AuthIdentity, type WallClock, writeCredential, MAX_AUTH_BYTES } from './auth.ts'
import { RpcError, type RpcErrorInit } from './errors.ts'

/** RFC 5531 §9 message constants. */
export const RPC_VERSION = 2
export const MsgType = { CALL: 0, REPLY: 1 } as const
export const ReplyStat = { MSG_ACCEPTED: 0, MSG_DENIED: 1 } as const
export const AcceptStat = {
  SUCCESS: 0,
  PROG_UNAVAIL: 1,
  PROG_MISMATCH: 2,
  PROC_UNAVAIL: 3,
  GARBAGE_ARGS: 4,
  SYSTEM_ERR: 5,
} as const
export const RejectStat = { RPC_MISMATCH: 0, AUTH_ERROR: 1 } as const

/** An RPC program as the client names it in calls and in error messages. */
export interface RpcProgram {
  readonly name: string
  readonly number: number
  readonly version: number
  /** Procedure names by number, for errors and debug lines. */
  readonly procedures: readonly string[]
}

export function procedureName(program: RpcProgram, proc: number): string {
  return program.procedures[proc] ?? `proc-${proc}`
}

/**
 * CALL header: xid, CALL, rpcvers 2, prog, vers, proc, credential, AUTH_NULL verifier
 * (rpc-clnt.c rpc_clnt_fill_request: GlusterFS never sends a verifier).
 */
export function writeCallHeader(w: XdrWriter, xid: number, program: RpcProgram, proc: number,
  flavor: AuthFlavor, id: AuthIdentity, authFlags: number, ctime: Readonly<WallClock>): void {
  w.uint32(xid).uint32(MsgType.CALL).uint32(RPC_VERSION)
  w.uint32(program.number).uint32(program.version).uint32(proc)
  writeCredential(w, flavor, id, authFlags, ctime)
  w.uint32(0).uint32(0)
}

/**
 * Reads a REPLY body after xid and msg_type, leaving `r` at the procedure's results on
 * SUCCESS; every other state becomes a typed `RpcError`.
 */
export function readReplyStatus(r: XdrReader, where: RpcErrorInit): void {
  const replyStat = r.uint32()
  if (replyStat === ReplyStat.MSG_ACCEPTED) {
    r.uint32() // verifier flavor
    r.opaque(MAX_AUTH_BYTES) // verifier body
    const acceptStat = r.uint32()
    switch (acceptStat) {
      case AcceptStat.SUCCESS:
        return
      case AcceptStat.PROG_UNAVAIL:
        throw new RpcError('ERR_RPC_PROG_UNAVAIL', 'RPC program unavailable on the server', where)
      case AcceptStat.PROG_MISMATCH: {
        const low = r.uint32()
        const high = r.uint32()
        throw new RpcError('ERR_RPC_PROG_MISMATCH', `RPC program version not supported by the server (it supports ${low}..${high})`, where)
      }
      case AcceptStat.PROC_UNAVAIL:
        throw new RpcError('ERR_RPC_PROC_UNAVAIL', 'RPC procedure unavailable on the server', where)
      case AcceptStat.GARBAGE_ARGS:
        throw new RpcError('ERR_RPC_GARBAGE_ARGS', 'server could not decode the arguments (or the connection has no accepted SETVOLUME yet)', where)
      case AcceptStat.SYSTEM_ERR:
        throw new RpcError('ERR_RPC_SYSTEM_ERR', 'server system error', where)
      default:
        throw new RpcError('ERR_RPC_PROTOCOL', `unknown accept_stat ${acceptStat}`, where)
    }
  }
  if (replyStat === ReplyStat.MSG_DENIED) {
    const rejectStat = r.uint32()
    if (rejectStat === RejectStat.RPC_MISMATCH) {
      const low = r.uint32()
      const high = r.uint32()
      throw new RpcError('ERR_RPC_MISMATCH', `server speaks ONC RPC versions ${low}..${high}, not ${RPC_VERSION}`, where)
    }
    if (rejectStat === RejectStat.AUTH_ERROR) {
      const authStat = r.uint32()
      throw new RpcError('ERR_RPC_AUTH', `server rejected the credential (auth_stat ${authStat}; a brick with server.allow-insecure off refuses unprivileged ports)`, where)
    }
    throw new RpcError('ERR_RPC_PROTOCOL', `unknown reject_stat ${rejectStat}`, where)
  }
  throw new RpcError('ERR_RPC_PROTOCOL', `unknown reply_stat ${replyStat}`, where)
}
