import { randomFillSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { checkBlock, crc32c, stampBlock, VERIFY_HEADER_BYTES } from '../../../bench/lib/verify.ts'

describe('crc32c', () => {
  it('matches the published check values', () => {
    // RFC 3720 §B.4 and the CRC catalogue's CRC-32/ISCSI check value.
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa)
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43)
    const ascending = Buffer.from(Array.from({ length: 32 }, (_, i) => i))
    expect(crc32c(ascending)).toBe(0x46dd794e)
  })

  it('continues across pieces, whatever the split', () => {
    const data = randomFillSync(Buffer.alloc(1000))
    const whole = crc32c(data)
    for (const cut of [0, 1, 7, 8, 9, 500, 999, 1000]) {
      expect(crc32c(data, crc32c(data, 0, 0, cut), cut, data.length)).toBe(whole)
    }
  })
})

describe('verify blocks', () => {
  for (const algo of ['crc32c', 'md5'] as const) {
    it(`accepts an intact ${algo} block and catches any single corrupted byte`, () => {
      const block = randomFillSync(Buffer.alloc(4096))
      const offset = 3 * 2 ** 32 + 8192 // above 4 GiB, so both halves of the offset matter
      stampBlock(block, offset, 7, algo)
      expect(checkBlock(block, offset, algo)).toBeUndefined()
      for (const at of [0, 5, 9, 13, 17, 21, 24, 39, VERIFY_HEADER_BYTES, 2048, 4095]) {
        const bad = Buffer.from(block)
        bad[at]! ^= 0x01
        expect(checkBlock(bad, offset, algo), `byte ${at}`).toBeTypeOf('string')
      }
    })
  }

  it('says what is wrong', () => {
    const block = randomFillSync(Buffer.alloc(512))
    stampBlock(block, 4096, 1, 'crc32c')
    expect(checkBlock(block, 8192, 'crc32c')).toBe('block for offset 4096 found at offset 8192')
    expect(checkBlock(block, 4096, 'md5')).toBe('block at offset 4096 was not written with md5')
    expect(checkBlock(block.subarray(0, 256), 4096, 'crc32c')).toBe('length 512 in header, 256 read, at offset 4096')
    const zero = Buffer.alloc(512)
    expect(checkBlock(zero, 0, 'crc32c')).toBe('bad magic 0x0 at offset 0')
    const flipped = Buffer.from(block)
    flipped[100]! ^= 0x80
    expect(checkBlock(flipped, 4096, 'crc32c')).toMatch(/^crc32c mismatch at offset 4096: stored [0-9a-f]{32}, computed [0-9a-f]{32}$/)
  })

  it('gives a rewritten block new bytes through its generation', () => {
    const a = randomFillSync(Buffer.alloc(256))
    const b = Buffer.from(a)
    stampBlock(a, 0, 1, 'crc32c')
    stampBlock(b, 0, 2, 'crc32c')
    expect(a.equals(b)).toBe(false)
    expect(checkBlock(a, 0, 'crc32c')).toBeUndefined()
    expect(checkBlock(b, 0, 'crc32c')).toBeUndefined()
  })
})
