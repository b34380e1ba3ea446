/**
 * XDR encode of a WRITE call as protocol/client sends it: record-mark placeholder, CALL header
 * with the AUTH_GLUSTERFS v3 credential (ctime/mtime flags, so the clock is read), gfx_write_req
 * (the payload itself is sent by reference, not encoded), record mark patched, `finish()`.
 * Run: npx tsx bench/micro/xdr-write-gfx-write-req.ts
 */
import { randomBytes } from 'node:crypto'
import { benchSync, microText } from '../lib/micro-harness.ts'
import { AuthFlavor, MdataFlag, wallClock, type WallClock } from '../../src/rpc/auth.ts'
import { writeCallHeader } from '../../src/rpc/message.ts'
import { FOP_PROGRAM, FopProc } from '../../src/rpc/programs/fops/program.ts'
import { writeGfxWriteReq } from '../../src/rpc/programs/fops/requests.ts'
import { recordMark } from '../../src/rpc/record.ts'
import { XdrWriter } from '../../src/xdr/writer.ts'
import { IDENTITY } from './fixtures.ts'

const DATA_FLAGS = MdataFlag.CTIME | MdataFlag.MTIME
const w = new XdrWriter()
const clock: WallClock = { sec: 0, nsec: 0 }
const gfid = randomBytes(16)

function encode(xid: number, offset: number, size: number): Buffer {
  w.reserve(4)
  writeCallHeader(w, xid, FOP_PROGRAM, FopProc.WRITE, AuthFlavor.GLUSTERFS_V3, IDENTITY, DATA_FLAGS, wallClock(clock))
  writeGfxWriteReq(w, gfid, 7, offset, size, 0, undefined)
  w.patchUint32(0, recordMark(w.length - 4 + size))
  return w.finish()
}

for (const size of [4096, 131072]) {
  const headerBytes = encode(1, 0, size).length
  let xid = 1
  let offset = 0
  console.log(microText(benchSync(`encode WRITE call, ${size / 1024} KiB payload`, () => {
    xid = xid >= 0x7fffffff ? 1 : xid + 1
    offset += size
    const out = encode(xid, offset, size)
    // The result is checked every time, so the encoding cannot be skipped.
    if (out.length !== headerBytes || out.readUInt32BE(4) !== xid || out.readUInt32BE(0) !== recordMark(headerBytes - 4 + size)) {
      throw new Error('WRITE call encoded wrongly')
    }
  })))
}
