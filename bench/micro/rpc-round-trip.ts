/**
 * One RPC round trip through RpcClient over loopback TCP: beginCall + gfx_fstat_req + send,
 * a server in this process that answers each record with a canned FSTAT reply, and the reply
 * decoded with readGfxCommonIattRsp. The server's work (reassembly, one copy, one write per
 * incoming chunk) is inside the numbers; it is the same in every run, so a change in the
 * figures is a change in the client path. QD1 measures latency, QD32 pipelining.
 * Run: npx tsx bench/micro/rpc-round-trip.ts
 */
import { randomBytes } from 'node:crypto'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { benchAsync, microText } from '../lib/micro-harness.ts'
import { AuthFlavor } from '../../src/rpc/auth.ts'
import { RpcClient } from '../../src/rpc/client.ts'
import { FOP_PROGRAM, FopProc } from '../../src/rpc/programs/fops/program.ts'
import { readGfxCommonIattRsp } from '../../src/rpc/programs/fops/replies.ts'
import { writeGfxFstatReq } from '../../src/rpc/programs/fops/requests.ts'
import { RecordDecoder } from '../../src/rpc/record.ts'
import { fstatReplyRecord, IDENTITY } from './fixtures.ts'

const reply = fstatReplyRecord(0)

function serve(socket: Socket): void {
  socket.setNoDelay(true)
  let out: Buffer[] = []
  const decoder = new RecordDecoder((record) => {
    const r = Buffer.from(reply)
    // The reply's xid (after the 4-byte mark) is the call's xid (the record's first word).
    r.writeUInt32BE(record.readUInt32BE(0), 4)
    out.push(r)
  })
  socket.on('data', (chunk: Buffer) => {
    decoder.push(chunk)
    // One write per chunk received, as a brick's epoll thread answers a batch.
    if (out.length > 0) {
      socket.write(out.length === 1 ? out[0]! : Buffer.concat(out))
      out = []
    }
  })
  socket.on('error', () => socket.destroy())
}

const server = createServer(serve)
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const client = new RpcClient({ transport: 'tcp', host: '127.0.0.1', port: (server.address() as AddressInfo).port })
await client.connect()
const gfid = randomBytes(16)

async function fstat(): Promise<void> {
  const w = client.beginCall(FOP_PROGRAM, FopProc.FSTAT, AuthFlavor.GLUSTERFS_V3, IDENTITY, 0)
  writeGfxFstatReq(w, gfid, 3, undefined)
  const rsp = await client.send(readGfxCommonIattRsp)
  // Checked every time: the reply must be the FSTAT answer, decoded in full.
  if (rsp.opRet !== 0 || rsp.stat.size !== 4096) throw new Error('bad FSTAT reply')
}

for (const depth of [1, 32]) {
  console.log(microText(await benchAsync(`RPC round trip (FSTAT), QD${depth}`, fstat, { depth })))
}
client.close()
server.close()
