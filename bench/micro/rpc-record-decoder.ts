/**
 * Record reassembly (RFC 5531 §11) of a stream of READ replies cut into 64 KiB socket reads:
 * 4 KiB replies mostly arrive whole inside a chunk (handed up as views), 128 KiB replies always
 * span chunks (gathered and copied once).
 * Run: npx tsx bench/micro/rpc-record-decoder.ts
 */
import { benchSync, microText } from '../lib/micro-harness.ts'
import { RecordDecoder } from '../../src/rpc/record.ts'
import { readReply, withMark } from './fixtures.ts'

const CHUNK = 64 * 1024

for (const [size, count] of [[4096, 256], [131072, 16]] as const) {
  const stream = Buffer.concat(Array.from({ length: count }, (_, i) => withMark(readReply(i + 1, size))))
  const chunks: Buffer[] = []
  for (let at = 0; at < stream.length; at += CHUNK) chunks.push(stream.subarray(at, at + CHUNK))
  const recordBytes = stream.length - 4 * count
  let records = 0
  let bytes = 0
  const decoder = new RecordDecoder((record) => {
    records++
    bytes += record.length
  })
  const result = benchSync(`reassemble ${count} x ${size / 1024} KiB READ replies`, () => {
    records = 0
    bytes = 0
    for (const c of chunks) decoder.push(c)
    // Every record must come out whole, every time.
    if (records !== count || bytes !== recordBytes) throw new Error(`decoded ${records} records, ${bytes} bytes`)
  })
  console.log(microText(result))
  console.log(`${''.padEnd(44)} = ${(result.nsPerOp.median / count).toFixed(0)} ns per record, ${(stream.length / result.nsPerOp.median).toFixed(2)} GB/s`)
}
