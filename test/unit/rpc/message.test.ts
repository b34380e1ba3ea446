import { describe, expect, it } from 'vitest'
import { AcceptStat, MsgType, RPC_VERSION, RejectStat, ReplyStat, type RpcProgram, procedureName, readReplyStatus, writeCallHeader } from '../../../src/rpc/message.ts'
import { AuthFlavor, type AuthIdentity, NO_TIME } from '../../../src/rpc/auth.ts'
import { RpcError, type RpcErrorCode } from '../../../src/rpc/errors.ts'
import { XdrReader } from '../../../src/xdr/reader.ts'
import { XdrWriter } from '../../../src/xdr/writer.ts'
import { XdrError } from '../../../src/xdr/errors.ts'
import { xdr } from '../../helpers/xdr-bytes.ts'

const FOP: RpcProgram = { name: 'GlusterFS 4.x v1', number: 1298437, version: 400, procedures: ['NULL', 'STAT'] }
const ID: AuthIdentity = { pid: 1234, uid: 0, gid: 0, groups: [], lkOwner: Buffer.from('0102030405060708', 'hex') }
const WHERE = { program: 'GlusterFS 4.x v1', procedure: 'LOOKUP', xid: 7, host: 'vm', port: 49152 }

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/[\s|]/g, ''), 'hex')
}

/** A REPLY body after xid and msg_type, MSG_ACCEPTED with an AUTH_NULL verifier. */
function accepted(stat: number): ReturnType<typeof xdr> {
  return xdr().u32(0).u32(0).opaque(Buffer.alloc(0)).u32(stat)
}

function replyError(body: Buffer): unknown {
  try {
    readReplyStatus(new XdrReader(body), WHERE)
  } catch (err) {
    return err
  }
  throw new Error('readReplyStatus returned')
}

function expectRpcCode(body: Buffer, code: RpcErrorCode): RpcError {
  const err = replyError(body)
  expect(err).toBeInstanceOf(RpcError)
  expect((err as RpcError).code).toBe(code)
  return err as RpcError
}

describe('RPC constants', () => {
  it('match RFC 5531', () => {
    expect(RPC_VERSION).toBe(2)
    expect(MsgType).toEqual({ CALL: 0, REPLY: 1 })
    expect(ReplyStat).toEqual({ MSG_ACCEPTED: 0, MSG_DENIED: 1 })
    expect(AcceptStat).toEqual({ SUCCESS: 0, PROG_UNAVAIL: 1, PROG_MISMATCH: 2, PROC_UNAVAIL: 3, GARBAGE_ARGS: 4, SYSTEM_ERR: 5 })
    expect(RejectStat).toEqual({ RPC_MISMATCH: 0, AUTH_ERROR: 1 })
  })
})

describe('procedureName', () => {
  it('names known procedures and numbers unknown ones', () => {
    expect(procedureName(FOP, 1)).toBe('STAT')
    expect(procedureName(FOP, 99)).toBe('proc-99')
  })
})

describe('writeCallHeader', () => {
  it('writes an AUTH_NULL call header', () => {
    const w = new XdrWriter()
    writeCallHeader(w, 0x12345678, FOP, 1, AuthFlavor.NULL, ID, 0, NO_TIME)
    expect(w.finish()).toEqual(xdr()
      .u32(0x12345678).u32(0).u32(2).u32(1298437).u32(400).u32(1)
      .u32(0).u32(0) // cred AUTH_NULL, empty
      .u32(0).u32(0) // verf AUTH_NULL, empty
      .bytes())
  })

  it('writes the reference LOOKUP call header byte for byte (cred v3, AUTH_NULL verifier)', () => {
    const w = new XdrWriter()
    writeCallHeader(w, 7, FOP, 27, AuthFlavor.GLUSTERFS_V3, ID, 0, { sec: 1_700_000_000, nsec: 5 })
    // gluster-wire.md §9, the first 19 words after the fragment header
    expect(w.finish()).toEqual(hex(`
      00000007 00000000 00000002
      0013d005 00000190 0000001b
      0005f398 0000002c
      000004d2 00000000 00000000 00000000
      00000005 00000000 6553f100
      00000000 00000008 01020304 05060708
      00000000 00000000`))
  })
})

describe('readReplyStatus', () => {
  it('returns on SUCCESS with the reader at the results', () => {
    const r = new XdrReader(accepted(0).u32(0xfeedface).bytes())
    readReplyStatus(r, WHERE)
    expect(r.uint32()).toBe(0xfeedface)
  })

  it('skips a non-empty verifier body', () => {
    const r = new XdrReader(xdr().u32(0).u32(1).opaque(Buffer.alloc(10, 7)).u32(0).u32(0xabcd).bytes())
    readReplyStatus(r, WHERE)
    expect(r.uint32()).toBe(0xabcd)
  })

  it('maps every accept_stat to its code', () => {
    expectRpcCode(accepted(1).bytes(), 'ERR_RPC_PROG_UNAVAIL')
    expectRpcCode(accepted(2).u32(0).u32(0).bytes(), 'ERR_RPC_PROG_MISMATCH')
    expectRpcCode(accepted(3).bytes(), 'ERR_RPC_PROC_UNAVAIL')
    expectRpcCode(accepted(4).bytes(), 'ERR_RPC_GARBAGE_ARGS')
    expectRpcCode(accepted(5).bytes(), 'ERR_RPC_SYSTEM_ERR')
    expectRpcCode(accepted(6).bytes(), 'ERR_RPC_PROTOCOL')
    expectRpcCode(accepted(0xffffffff).bytes(), 'ERR_RPC_PROTOCOL')
  })

  it('consumes the low/high versions of PROG_MISMATCH', () => {
    const r = new XdrReader(accepted(2).u32(330).u32(400).u32(0x99).bytes())
    expect(() => readReplyStatus(r, WHERE)).toThrow(RpcError)
    expect(r.uint32()).toBe(0x99)
  })

  it('maps MSG_DENIED RPC_MISMATCH and AUTH_ERROR', () => {
    expectRpcCode(xdr().u32(1).u32(0).u32(2).u32(2).bytes(), 'ERR_RPC_MISMATCH')
    expectRpcCode(xdr().u32(1).u32(1).u32(2).bytes(), 'ERR_RPC_AUTH')
    expectRpcCode(xdr().u32(1).u32(2).bytes(), 'ERR_RPC_PROTOCOL')
  })

  it('rejects an unknown reply_stat', () => {
    expectRpcCode(xdr().u32(2).bytes(), 'ERR_RPC_PROTOCOL')
  })

  it('carries program, procedure, xid, host and port in the error', () => {
    const err = expectRpcCode(accepted(3).bytes(), 'ERR_RPC_PROC_UNAVAIL')
    expect(err.program).toBe('GlusterFS 4.x v1')
    expect(err.procedure).toBe('LOOKUP')
    expect(err.xid).toBe(7)
    expect(err.host).toBe('vm')
    expect(err.port).toBe(49152)
    expect(err.message).toContain('LOOKUP')
    expect(err.message).toContain('xid 7')
    expect(err.message).toContain('vm:49152')
  })

  it('throws XdrError for truncated replies at every cut', () => {
    const bodies = [
      accepted(0).bytes(),
      accepted(2).u32(0).u32(0).bytes(),
      xdr().u32(1).u32(0).u32(2).u32(2).bytes(),
      xdr().u32(1).u32(1).u32(2).bytes(),
    ]
    for (const body of bodies) {
      for (let cut = 0; cut < body.length; cut++) {
        const err = replyError(body.subarray(0, cut))
        expect(err, `cut ${cut} of ${body.toString('hex')}`).toBeInstanceOf(XdrError)
        expect((err as XdrError).code).toBe('ERR_XDR_SHORT')
      }
    }
  })

  it('refuses a verifier body above 400 bytes', () => {
    const err = replyError(xdr().u32(0).u32(0).u32(401).zeros(404).u32(0).bytes())
    expect(err).toBeInstanceOf(XdrError)
    expect((err as XdrError).code).toBe('ERR_XDR_LENGTH')
  })
})
