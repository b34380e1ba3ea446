import { describe, expect, it } from 'vitest'
import { XdrWriter } from '../../../src/xdr/writer.ts'
import { XdrReader } from '../../../src/xdr/reader.ts'
import { xdr } from '../../helpers/xdr-bytes.ts'

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/[\s|]/g, ''), 'hex')
}

/** Byte equality without a deep element-by-element diff, which is slow for large buffers. */
function expectSameBytes(actual: Buffer, expected: Buffer, label?: string): void {
  if (!actual.equals(expected)) expect(actual.toString('hex'), label).toBe(expected.toString('hex'))
}

function encode(fn: (w: XdrWriter) => void): Buffer {
  const w = new XdrWriter()
  fn(w)
  return Buffer.from(w.finish())
}

describe('XdrWriter primitives', () => {
  it('writes uint32 big-endian, wrapping like a C cast', () => {
    expect(encode((w) => w.uint32(0).uint32(1).uint32(0x80000000).uint32(0xffffffff))).toEqual(
      xdr().u32(0).u32(1).u32(0x80000000).u32(0xffffffff).bytes())
    expect(encode((w) => w.uint32(-1))).toEqual(hex('ffffffff'))
  })

  it('writes int32 two’s complement', () => {
    expect(encode((w) => w.int32(-1).int32(-0x80000000).int32(0x7fffffff).int32(1234))).toEqual(
      xdr().i32(-1).i32(-0x80000000).i32(0x7fffffff).i32(1234).bytes())
  })

  it('writes bool as 0 and 1', () => {
    expect(encode((w) => w.bool(false).bool(true))).toEqual(hex('00000000 00000001'))
  })

  it('writes hyper from bigint', () => {
    expect(encode((w) => w.hyper(-2n).hyper(-(2n ** 63n)).hyper(2n ** 63n - 1n))).toEqual(
      hex('ffffffff fffffffe 80000000 00000000 7fffffff ffffffff'))
  })

  it('writes negative hypers from numbers in two’s complement', () => {
    expect(encode((w) => w.hyper(-2))).toEqual(hex('ffffffff fffffffe'))
    expect(encode((w) => w.hyper(-1))).toEqual(hex('ffffffff ffffffff'))
    expect(encode((w) => w.hyper(-(2 ** 32)))).toEqual(hex('ffffffff 00000000'))
    expect(encode((w) => w.hyper(-(2 ** 32) - 1))).toEqual(hex('fffffffe ffffffff'))
    expect(encode((w) => w.hyper(Number.MIN_SAFE_INTEGER))).toEqual(hex('ffe00000 00000001'))
  })

  it('writes positive hypers from numbers, safe integers included', () => {
    const values = [0, 1, 0xffffffff, 2 ** 32, 2 ** 32 + 7, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER]
    for (const v of values) {
      expect(encode((w) => w.hyper(v)), String(v)).toEqual(xdr().i64(BigInt(v)).bytes())
    }
    expect(encode((w) => w.hyper(Number.MAX_SAFE_INTEGER))).toEqual(hex('001fffff ffffffff'))
  })

  it('writes uhyper from numbers and bigints', () => {
    expect(encode((w) => w.uhyper(0xcaed))).toEqual(hex('00000000 0000caed'))
    expect(encode((w) => w.uhyper(2 ** 32 + 5))).toEqual(hex('00000001 00000005'))
    expect(encode((w) => w.uhyper(Number.MAX_SAFE_INTEGER))).toEqual(hex('001fffff ffffffff'))
    expect(encode((w) => w.uhyper(2n ** 64n - 1n))).toEqual(hex('ffffffff ffffffff'))
  })

  it('hyper and uhyper numbers read back exactly', () => {
    const signed = [0, -1, -2, 5, -(2 ** 33) + 1, 2 ** 52 + 1, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]
    const unsigned = [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 52 + 3, Number.MAX_SAFE_INTEGER]
    const bytes = encode((w) => {
      for (const v of signed) w.hyper(v)
      for (const v of unsigned) w.uhyper(v)
    })
    const r = new XdrReader(bytes)
    expect(signed.map(() => r.hyperNumber())).toEqual(signed)
    expect(unsigned.map(() => r.uhyperNumber())).toEqual(unsigned)
  })

  it('writes doubles', () => {
    expect(encode((w) => w.double(1.5).double(-0))).toEqual(xdr().f64(1.5).f64(-0).bytes())
    expect(encode((w) => w.double(1))).toEqual(hex('3ff00000 00000000'))
  })

  it('pads fixed opaque with zeros to a multiple of 4', () => {
    for (let n = 0; n <= 9; n++) {
      const body = Buffer.alloc(n, 0xee)
      expect(encode((w) => w.fixedOpaque(body)), `n=${n}`).toEqual(xdr().fixed(body).bytes())
      expect(encode((w) => w.fixedOpaque(body)).length % 4).toBe(0)
    }
  })

  it('writes variable opaque as length, bytes, zero padding', () => {
    for (let n = 0; n <= 9; n++) {
      const body = Buffer.alloc(n, 0x5a)
      expect(encode((w) => w.opaque(body)), `n=${n}`).toEqual(xdr().opaque(body).bytes())
    }
    expect(encode((w) => w.opaque(Uint8Array.of(1, 2, 3, 4, 5)))).toEqual(hex('00000005 0102030405 000000'))
  })

  it('writes strings as UTF-8 with the byte length', () => {
    for (const s of ['', 'a', 'ab', 'abc', 'abcd', 'testvol', 'héllo', '日本語', '\u{1f600}']) {
      expect(encode((w) => w.string(s)), s).toEqual(xdr().string(s).bytes())
    }
    expect(encode((w) => w.string('testvol'))).toEqual(hex('00000007 74657374766f6c 00'))
  })

  it('zeroes string padding even in a slab that held other bytes', () => {
    const w = new XdrWriter()
    w.uint32(0xffffffff).uint32(0xffffffff).uint32(0xffffffff)
    w.discard()
    w.string('a')
    expect(w.finish()).toEqual(hex('00000001 61000000'))
  })

  it('writes raw bytes without length or padding', () => {
    expect(encode((w) => w.raw(Uint8Array.of(1, 2, 3)).uint32(4))).toEqual(hex('010203 00000004'))
  })

  it('reports the bytes written since the last finish()', () => {
    const w = new XdrWriter()
    expect(w.length).toBe(0)
    w.uint32(1).hyper(2).string('abc')
    expect(w.length).toBe(4 + 8 + 8)
    w.finish()
    expect(w.length).toBe(0)
  })

  it('reserve() and patchUint32() fill a field later', () => {
    const w = new XdrWriter()
    w.uint32(0xaaaaaaaa)
    w.finish()
    const at = w.reserve(4)
    expect(at).toBe(0)
    w.string('xyz')
    const at2 = w.reserve(4)
    expect(at2).toBe(12)
    w.patchUint32(at, 0x80000000 | 12)
    w.patchUint32(at2, 0xffffffff)
    expect(w.finish()).toEqual(hex('8000000c 00000003 78797a00 ffffffff'))
  })
})

describe('XdrWriter messages and slabs', () => {
  it('finishAt() moves past the message like finish() and says where it starts in slab', () => {
    const w = new XdrWriter()
    w.uint32(1).string('first')
    const firstBytes = w.length
    const firstAt = w.finishAt()
    w.uint32(2)
    const secondBytes = w.length
    const slab = w.slab
    const secondAt = w.finishAt()
    expect(slab.subarray(firstAt, firstAt + firstBytes)).toEqual(hex('00000001 00000005 66697273 74000000'))
    expect(slab.subarray(secondAt, secondAt + secondBytes)).toEqual(hex('00000002'))
    // Messages in a row lie contiguously.
    expect(secondAt).toBe(firstAt + firstBytes)
  })

  it('rewind() starts the next message at the beginning of the slab, and only between messages', () => {
    const w = new XdrWriter()
    w.uint32(1).string('first')
    expect(w.finishAt()).toBe(0)
    w.uint32(2)
    expect(w.finishAt()).toBe(16)
    w.uint32(3)
    expect(() => w.rewind()).toThrow(/being encoded/)
    w.discard()
    w.rewind()
    w.uint32(4)
    const slab = w.slab
    expect(w.finishAt()).toBe(0)
    expect(slab.subarray(0, 4)).toEqual(hex('00000004'))
  })

  it('finish() returns only the current message and leaves earlier ones unchanged', () => {
    const w = new XdrWriter()
    const a = w.uint32(1).string('first').finish()
    const b = w.uint32(2).finish()
    const c = w.hyper(-2).finish()
    expect(a).toEqual(xdr().u32(1).string('first').bytes())
    expect(b).toEqual(hex('00000002'))
    expect(c).toEqual(hex('ffffffff fffffffe'))
  })

  it('discard() drops a half-written message and keeps the finished ones', () => {
    const w = new XdrWriter()
    const a = w.uint32(7).finish()
    w.uint32(8).string('half')
    w.discard()
    expect(w.length).toBe(0)
    const b = w.uint32(9).finish()
    expect(a).toEqual(hex('00000007'))
    expect(b).toEqual(hex('00000009'))
  })

  it('grows past 64 KiB without changing any view finish() already returned', () => {
    const w = new XdrWriter()
    const kept: Array<[Buffer, Buffer]> = []
    // ~300 KiB of messages of varied sizes: several slab changes at odd offsets
    for (let i = 0; kept.length < 400; i++) {
      const body = Buffer.alloc(1 + ((i * 977) % 1500), i & 0xff)
      const view = w.uint32(i).opaque(body).hyper(-i).finish()
      kept.push([view, xdr().u32(i).opaque(body).i64(-i).bytes()])
    }
    for (const [view, expected] of kept) expectSameBytes(view, expected)
  })

  it('encodes one message bigger than a slab, with a reserved field patched after growth', () => {
    const w = new XdrWriter()
    const before = w.uint32(0x01020304).finish()
    const at = w.reserve(4)
    const big = Buffer.alloc(200 * 1024)
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff
    w.opaque(big).uint32(0xcafebabe)
    w.patchUint32(at, w.length - 4)
    const msg = w.finish()
    expectSameBytes(msg, xdr().u32(4 + big.length + 4).opaque(big).u32(0xcafebabe).bytes())
    expect(before).toEqual(hex('01020304'))
    // and the writer goes on working after the growth
    expect(w.string('after').finish()).toEqual(xdr().string('after').bytes())
    expect(before).toEqual(hex('01020304'))
  })

  it('keeps a message intact when the slab fills in the middle of it', () => {
    const w = new XdrWriter()
    // fill the first slab to a few bytes short of 64 KiB
    w.raw(Buffer.alloc(64 * 1024 - 6, 0x11))
    const filler = w.finish()
    const msg = w.uint32(0xabcdef01).string('crosses the slab end').finish()
    expect(msg).toEqual(xdr().u32(0xabcdef01).string('crosses the slab end').bytes())
    expect(filler.every((b) => b === 0x11)).toBe(true)
  })

  it('returns an empty view for an empty message', () => {
    const w = new XdrWriter()
    expect(w.finish().length).toBe(0)
    expect(w.uint32(3).finish()).toEqual(hex('00000003'))
  })
})
