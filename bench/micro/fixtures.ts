/**
 * Wire bytes shared by the micro benchmarks: a caller identity like Glfs's and READ/FSTAT replies
 * as a brick sends them (glusterfs4-xdr.x gfx_read_rsp, gfx_common_iatt_rsp), built once.
 */
import { randomBytes } from 'node:crypto'
import type { AuthIdentity } from '../../src/rpc/auth.ts'
import { MsgType, ReplyStat, AcceptStat } from '../../src/rpc/message.ts'
import { writeGfxDict } from '../../src/rpc/programs/fops/dict.ts'
import { Iatt, writeGfxIattx } from '../../src/rpc/programs/fops/iatt.ts'
import { recordMark } from '../../src/rpc/record.ts'
import { XdrWriter } from '../../src/xdr/writer.ts'

/** The identity Glfs sends with every fop: pid, uid 0, no groups, an 8-byte lock owner. */
export const IDENTITY: AuthIdentity = { pid: process.pid, uid: 0, gid: 0, groups: [], lkOwner: randomBytes(8) }

/** A regular file's iatt as a brick reports it. */
export function fileIatt(size: number): Iatt {
  const ia = new Iatt(randomBytes(16))
  ia.flags = 0x17ff
  ia.ino = 0x1234_5678_9abcn
  ia.size = size
  ia.blocks = Math.ceil(size / 512)
  ia.mtime = ia.ctime = ia.atime = 1_700_000_000
  ia.nlink = 1
  ia.blksize = 4096
  ia.mode = 0o100644
  return ia
}

function acceptedReply(w: XdrWriter, xid: number): void {
  // RFC 5531 §9: xid, REPLY, MSG_ACCEPTED, AUTH_NULL verifier (flavor, empty body), SUCCESS.
  w.uint32(xid).uint32(MsgType.REPLY).uint32(ReplyStat.MSG_ACCEPTED).uint32(0).uint32(0).uint32(AcceptStat.SUCCESS)
}

/** A READ reply record body (no record mark) carrying `size` bytes of data. */
export function readReply(xid: number, size: number): Buffer {
  const w = new XdrWriter()
  acceptedReply(w, xid)
  // gfx_read_rsp: op_ret, op_errno, stat, size, xdata, then the data unpadded.
  w.int32(size).int32(0)
  writeGfxIattx(w, fileIatt(size))
  w.uint32(size)
  writeGfxDict(w, undefined)
  w.raw(randomBytes(size))
  return Buffer.from(w.finish())
}

/** An FSTAT reply record with its record mark: the smallest common fop reply. */
export function fstatReplyRecord(xid: number): Buffer {
  const w = new XdrWriter()
  w.reserve(4)
  acceptedReply(w, xid)
  // gfx_common_iatt_rsp: op_ret, op_errno, xdata, stat.
  w.int32(0).int32(0)
  writeGfxDict(w, undefined)
  writeGfxIattx(w, fileIatt(4096))
  w.patchUint32(0, recordMark(w.length - 4))
  return Buffer.from(w.finish())
}

/** Prefix a record body with its record mark. */
export function withMark(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + body.length)
  out.writeUInt32BE(recordMark(body.length), 0)
  body.copy(out, 4)
  return out
}
