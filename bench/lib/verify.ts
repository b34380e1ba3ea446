/**
 * Self-describing verify blocks, in the spirit of fio's verify headers (fio verify.h
 * `struct verify_header`): each written block carries where it belongs and a checksum of itself,
 * so reading it back proves it is intact and in the right place without keeping a copy.
 *
 *   0       4       8               16      20      24                 40
 *   | magic | len   | offset (u64)  | gen   | algo  | checksum (16)    | payload ...
 *
 * Little-endian. The checksum covers every byte except its own 16; crc32c uses the first 4.
 * `gen` is the job's write sequence number, so rewriting a block changes its bytes.
 */
import { createHash } from 'node:crypto'
import type { VerifyAlgo } from './options.ts'

/** Bytes at the start of each block taken by the verify header. */
export const VERIFY_HEADER_BYTES = 40
const MAGIC = 0x62766667 // "gfvb"
const SUM_AT = 24
const ALGO_ID: Readonly<Record<VerifyAlgo, number>> = { crc32c: 1, md5: 2 }

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, RFC 3720 §B.4), slice-by-8 tables.
const CRC_TABLES = (() => {
  const t = new Int32Array(8 * 256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
    t[n] = c
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8)
      t[k * 256 + n] = c
    }
  }
  return t
})()

/** Continue a CRC-32C over `bytes[start, end)`; pass 0 to start. Returns an unsigned 32-bit value. */
export function crc32c(bytes: Uint8Array, crc = 0, start = 0, end = bytes.length): number {
  const t = CRC_TABLES
  let c = ~crc
  let i = start
  for (; i + 8 <= end; i += 8) {
    const lo = c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))
    c = t[1792 + (lo & 0xff)]! ^ t[1536 + ((lo >>> 8) & 0xff)]! ^
      t[1280 + ((lo >>> 16) & 0xff)]! ^ t[1024 + (lo >>> 24)]! ^
      t[768 + bytes[i + 4]!]! ^ t[512 + bytes[i + 5]!]! ^ t[256 + bytes[i + 6]!]! ^ t[bytes[i + 7]!]!
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
  return ~c >>> 0
}

function checksumInto(block: Buffer, algo: VerifyAlgo, out: Buffer): void {
  if (algo === 'crc32c') {
    const c = crc32c(block, crc32c(block, 0, 0, SUM_AT), SUM_AT + 16, block.length)
    out.fill(0)
    out.writeUInt32LE(c, 0)
  } else {
    createHash('md5').update(block.subarray(0, SUM_AT)).update(block.subarray(SUM_AT + 16)).digest().copy(out)
  }
}

/**
 * Stamp a block for `offset` in place: header, then the checksum over it and the payload already
 * in the buffer (which the caller fills once, e.g. with random bytes).
 *
 * @param offset byte offset in the file where the block is written
 * @param generation write sequence number, kept modulo 2^32
 */
export function stampBlock(block: Buffer, offset: number, generation: number, algo: VerifyAlgo): void {
  block.writeUInt32LE(MAGIC, 0)
  block.writeUInt32LE(block.length, 4)
  block.writeUInt32LE(offset % 0x100000000, 8)
  block.writeUInt32LE(Math.floor(offset / 0x100000000), 12)
  block.writeUInt32LE(generation >>> 0, 16)
  block.writeUInt32LE(ALGO_ID[algo], 20)
  checksumInto(block, algo, block.subarray(SUM_AT, SUM_AT + 16))
}

/**
 * Check a block read back from `offset`.
 *
 * @returns undefined when intact, otherwise what is wrong, for the report
 */
export function checkBlock(block: Buffer, offset: number, algo: VerifyAlgo): string | undefined {
  if (block.length < VERIFY_HEADER_BYTES) return `block of ${block.length} bytes is shorter than its header`
  const magic = block.readUInt32LE(0)
  if (magic !== MAGIC) return `bad magic 0x${magic.toString(16)} at offset ${offset}`
  const len = block.readUInt32LE(4)
  if (len !== block.length) return `length ${len} in header, ${block.length} read, at offset ${offset}`
  const at = block.readUInt32LE(8) + block.readUInt32LE(12) * 0x100000000
  if (at !== offset) return `block for offset ${at} found at offset ${offset}`
  if (block.readUInt32LE(20) !== ALGO_ID[algo]) return `block at offset ${offset} was not written with ${algo}`
  const expect = Buffer.alloc(16)
  checksumInto(block, algo, expect)
  const stored = block.subarray(SUM_AT, SUM_AT + 16)
  if (!expect.equals(stored)) {
    return `${algo} mismatch at offset ${offset}: stored ${stored.toString('hex')}, computed ${expect.toString('hex')}`
  }
  return undefined
}
