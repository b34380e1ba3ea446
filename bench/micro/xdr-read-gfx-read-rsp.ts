/**
 * Decode of a READ reply as protocol/client does it: reply header (readReplyStatus), then
 * gfx_read_rsp with its iatt and the data handed up as a view of the record.
 * Run: npx tsx bench/micro/xdr-read-gfx-read-rsp.ts
 */
import { benchSync, microText } from '../lib/micro-harness.ts'
import { readReplyStatus } from '../../src/rpc/message.ts'
import { readGfxReadRsp } from '../../src/rpc/programs/fops/replies.ts'
import { XdrReader } from '../../src/xdr/reader.ts'
import { readReply } from './fixtures.ts'

const where = { program: 'GlusterFS 4.x v1', procedure: 'READ', xid: 42 }
const r = new XdrReader(Buffer.alloc(0))

for (const size of [4096, 131072]) {
  const record = readReply(42, size)
  const last = record[record.length - 1]
  console.log(microText(benchSync(`decode READ reply, ${size / 1024} KiB data`, () => {
    r.reset(record)
    if (r.uint32() !== 42 || r.uint32() !== 1) throw new Error('bad reply header')
    readReplyStatus(r, where)
    const rsp = readGfxReadRsp(r)
    // The result is checked every time, so the decoding cannot be skipped.
    if (rsp.opRet !== size || rsp.data.length !== size || rsp.data[size - 1] !== last || rsp.stat.size !== size) {
      throw new Error('READ reply decoded wrongly')
    }
  })))
}
