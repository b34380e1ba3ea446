/** features/shard's block arithmetic and xattr encodings (shard.h, shard.c), as pure functions. */
import { describe, expect, it } from 'vitest'
import {
  blockSizeAttr, highestBlock, lowestBlock, readBlockSizeAttr, readSizeAttr, shardCount, shardName, sizeAttr, splitRange,
} from '../../../../src/xlators/shard/layout.ts'

const BS = 4 * 1024 * 1024

describe('shard layout', () => {
  it('finds the first and last block of a range as get_lowest_block / get_highest_block', () => {
    expect(lowestBlock(0, BS)).toBe(0)
    expect(lowestBlock(BS - 1, BS)).toBe(0)
    expect(lowestBlock(BS, BS)).toBe(1)
    expect(highestBlock(0, 0, BS)).toBe(0)
    expect(highestBlock(0, BS, BS)).toBe(0)
    expect(highestBlock(0, BS + 1, BS)).toBe(1)
    expect(highestBlock(BS - 1, 2, BS)).toBe(1)
  })

  it('cuts a range at block boundaries, each piece placed in its block and in the caller\'s buffer', () => {
    expect(splitRange(BS - 1000, 5 * 1024 * 1024 + 777, BS)).toEqual([
      { block: 0, offsetInBlock: BS - 1000, length: 1000, bufferOffset: 0 },
      { block: 1, offsetInBlock: 0, length: BS, bufferOffset: 1000 },
      { block: 2, offsetInBlock: 0, length: 1024 * 1024 + 777 - 1000, bufferOffset: 1000 + BS },
    ])
    expect(splitRange(123, 10, BS)).toEqual([{ block: 0, offsetInBlock: 123, length: 10, bufferOffset: 0 }])
    expect(splitRange(2 * BS, BS, BS)).toEqual([{ block: 2, offsetInBlock: 0, length: BS, bufferOffset: 0 }])
  })

  it('encodes the file-size xattr as 4 big-endian int64 [size, 0, blocks, 0], deltas negative too', () => {
    const v = sizeAttr(0x0102030405, 77)
    expect(v.toString('hex')).toBe('0000000102030405' + '0'.repeat(16) + '000000000000004d' + '0'.repeat(16))
    expect(readSizeAttr(v)).toEqual({ size: 0x0102030405, blocks: 77 })
    expect(sizeAttr(-5, -8).subarray(0, 8).toString('hex')).toBe('fffffffffffffffb')
    expect(readSizeAttr(Buffer.alloc(8))).toBeUndefined()
  })

  it('encodes the block size as one big-endian uint64', () => {
    expect(blockSizeAttr(BS).toString('hex')).toBe('0000000000400000')
    expect(readBlockSizeAttr(blockSizeAttr(64 * 1024 * 1024))).toBe(64 * 1024 * 1024)
  })

  it('names block N <gfid>.N and counts the shards beyond block 0 as the background deletion does', () => {
    expect(shardName('be318638-e8a0-4c6d-977d-7a937aa84806', 12)).toBe('be318638-e8a0-4c6d-977d-7a937aa84806.12')
    expect(shardCount(0, BS)).toBe(0)
    expect(shardCount(BS, BS)).toBe(0)
    expect(shardCount(BS + 1, BS)).toBe(1)
    expect(shardCount(3 * BS, BS)).toBe(2)
    expect(shardCount(3 * BS + 1, BS)).toBe(3)
  })
})
