import { describe, expect, it } from 'vitest'
import { XdrReader, XDR_DEFAULT_MAX_LENGTH } from '../../../src/xdr/reader.ts'
import { XdrError, type XdrErrorCode } from '../../../src/xdr/errors.ts'
import { xdr } from '../../helpers/xdr-bytes.ts'

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/[\s|]/g, ''), 'hex')
}

/** Runs `fn` and returns the XdrError it throws; fails the test if it returns or throws anything else. */
function xdrErrorOf(fn: () => unknown): XdrError {
  try {
    fn()
  } catch (err) {
    if (err instanceof XdrError) return err
    throw err
  }
  throw new Error('expected an XdrError, but the call returned')
}

function expectXdrCode(fn: () => unknown, code: XdrErrorCode): void {
  expect(xdrErrorOf(fn).code).toBe(code)
}

describe('XdrReader primitives', () => {
  it('reads uint32 big-endian across the whole range', () => {
    const r = new XdrReader(hex('00000000 00000001 7fffffff 80000000 ffffffff'))
    expect([r.uint32(), r.uint32(), r.uint32(), r.uint32(), r.uint32()]).toEqual([0, 1, 0x7fffffff, 0x80000000, 0xffffffff])
    expect(r.remaining).toBe(0)
  })

  it('reads int32 and enum as signed', () => {
    const r = new XdrReader(hex('ffffffff 80000000 7fffffff fffffffe'))
    expect(r.int32()).toBe(-1)
    expect(r.int32()).toBe(-0x80000000)
    expect(r.enum()).toBe(0x7fffffff)
    expect(r.enum()).toBe(-2)
  })

  it('reads bool 0 and 1 and rejects any other value with ERR_XDR_VALUE', () => {
    const r = new XdrReader(hex('00000000 00000001'))
    expect(r.bool()).toBe(false)
    expect(r.bool()).toBe(true)
    for (const bad of ['00000002', 'ffffffff', '80000000', '00000100']) {
      expectXdrCode(() => new XdrReader(hex(bad)).bool(), 'ERR_XDR_VALUE')
    }
  })

  it('reads hyper and uhyper as bigint', () => {
    const r = new XdrReader(hex('ffffffff fffffffe 80000000 00000000 7fffffff ffffffff ffffffff ffffffff 00000001 00000002'))
    expect(r.hyper()).toBe(-2n)
    expect(r.hyper()).toBe(-(2n ** 63n))
    expect(r.hyper()).toBe(2n ** 63n - 1n)
    expect(r.uhyper()).toBe(2n ** 64n - 1n)
    expect(r.uhyper()).toBe(0x1_0000_0002n)
  })

  it('reads hyperNumber exactly inside the safe range, negatives included', () => {
    const cases: Array<[string, number]> = [
      ['00000000 00000000', 0],
      ['00000000 00000001', 1],
      ['ffffffff ffffffff', -1],
      ['ffffffff fffffffe', -2],
      ['00000001 00000000', 2 ** 32],
      ['ffffffff 00000000', -(2 ** 32)],
      ['00000001 00000005', 2 ** 32 + 5],
      ['fffffffe fffffffb', -(2 ** 32) - 5],
      ['001fffff ffffffff', Number.MAX_SAFE_INTEGER],
      ['ffe00000 00000001', Number.MIN_SAFE_INTEGER],
    ]
    for (const [bytes, value] of cases) {
      expect(new XdrReader(hex(bytes)).hyperNumber(), bytes).toBe(value)
    }
  })

  it('rejects hyperNumber outside ±(2^53 − 1) with ERR_XDR_VALUE', () => {
    for (const bytes of ['00200000 00000000', '7fffffff ffffffff', 'ffe00000 00000000', 'ffdfffff ffffffff', '80000000 00000000']) {
      expectXdrCode(() => new XdrReader(hex(bytes)).hyperNumber(), 'ERR_XDR_VALUE')
    }
  })

  it('reads uhyperNumber up to 2^53 − 1 and rejects anything above', () => {
    expect(new XdrReader(hex('001fffff ffffffff')).uhyperNumber()).toBe(Number.MAX_SAFE_INTEGER)
    expect(new XdrReader(hex('00000001 00000000')).uhyperNumber()).toBe(2 ** 32)
    expect(new XdrReader(hex('00000000 0000caed')).uhyperNumber()).toBe(0xcaed)
    for (const bytes of ['00200000 00000000', 'ffffffff ffffffff', '80000000 00000000']) {
      expectXdrCode(() => new XdrReader(hex(bytes)).uhyperNumber(), 'ERR_XDR_VALUE')
    }
  })

  it('reads IEEE-754 doubles', () => {
    const r = new XdrReader(xdr().f64(1.5).f64(-0).f64(Number.POSITIVE_INFINITY).f64(Number.NaN).bytes())
    expect(r.double()).toBe(1.5)
    expect(Object.is(r.double(), -0)).toBe(true)
    expect(r.double()).toBe(Number.POSITIVE_INFINITY)
    expect(r.double()).toBeNaN()
  })
})

describe('XdrReader opaque and string', () => {
  it('reads fixed opaque of every length mod 4 and skips the padding', () => {
    for (let n = 0; n <= 9; n++) {
      const body = Buffer.from(Array.from({ length: n }, (_, i) => i + 1))
      const r = new XdrReader(xdr().fixed(body).u32(0xdeadbeef).bytes())
      expect(r.fixedOpaque(n)).toEqual(body)
      expect(r.uint32()).toBe(0xdeadbeef)
      expect(r.remaining).toBe(0)
    }
  })

  it('returns opaque data as a view of the input, not a copy', () => {
    const input = xdr().opaque(Buffer.from('abcde')).bytes()
    const view = new XdrReader(input).opaque()
    expect(view.toString()).toBe('abcde')
    input[4] = 0x7a // first data byte
    expect(view.toString()).toBe('zbcde')
  })

  it('reads variable opaque of every length mod 4', () => {
    for (let n = 0; n <= 9; n++) {
      const body = Buffer.alloc(n, 0xab)
      const r = new XdrReader(xdr().opaque(body).u32(7).bytes())
      expect(r.opaque()).toEqual(body)
      expect(r.uint32()).toBe(7)
    }
  })

  it('reads UTF-8 strings, lengths in bytes', () => {
    const r = new XdrReader(xdr().string('héllo wörld').string('').string('日本').u32(1).bytes())
    expect(r.string()).toBe('héllo wörld')
    expect(r.string()).toBe('')
    expect(r.string()).toBe('日本')
    expect(r.uint32()).toBe(1)
  })

  it('accepts a length equal to max and rejects max + 1 with ERR_XDR_LENGTH', () => {
    expect(new XdrReader(xdr().opaque(Buffer.alloc(8)).bytes()).opaque(8).length).toBe(8)
    expect(new XdrReader(xdr().string('abcd').bytes()).string(4)).toBe('abcd')
    expectXdrCode(() => new XdrReader(xdr().opaque(Buffer.alloc(9)).bytes()).opaque(8), 'ERR_XDR_LENGTH')
    expectXdrCode(() => new XdrReader(xdr().string('abcde').bytes()).string(4), 'ERR_XDR_LENGTH')
  })

  it('checks the configured max before the bytes present (a hostile length is a LENGTH error)', () => {
    expectXdrCode(() => new XdrReader(hex('ffffffff')).opaque(1024), 'ERR_XDR_LENGTH')
    expectXdrCode(() => new XdrReader(hex('ffffffff')).string(1024), 'ERR_XDR_LENGTH')
  })

  it('applies the 64 MiB default max', () => {
    expect(XDR_DEFAULT_MAX_LENGTH).toBe(64 * 1024 * 1024)
    const over = xdr().u32(XDR_DEFAULT_MAX_LENGTH + 1).bytes()
    expectXdrCode(() => new XdrReader(over).opaque(), 'ERR_XDR_LENGTH')
    expectXdrCode(() => new XdrReader(over).string(), 'ERR_XDR_LENGTH')
    // Exactly the default max is a SHORT error here: allowed, but the bytes are not present.
    expectXdrCode(() => new XdrReader(xdr().u32(XDR_DEFAULT_MAX_LENGTH).bytes()).opaque(), 'ERR_XDR_SHORT')
  })

  it('rejects a length past the end with ERR_XDR_SHORT', () => {
    expectXdrCode(() => new XdrReader(hex('00000005 61626364')).opaque(), 'ERR_XDR_SHORT')
    expectXdrCode(() => new XdrReader(hex('00000005 61626364')).string(), 'ERR_XDR_SHORT')
  })

  it('rejects data whose padding is missing with ERR_XDR_SHORT', () => {
    // 5 data bytes present but only 1 of the 3 padding bytes
    expectXdrCode(() => new XdrReader(hex('00000005 6162636465 00')).opaque(), 'ERR_XDR_SHORT')
    expectXdrCode(() => new XdrReader(hex('6162636465 0000')).fixedOpaque(5), 'ERR_XDR_SHORT')
  })
})

describe('XdrReader bounds', () => {
  const primitives: Array<[string, number, (r: XdrReader) => unknown]> = [
    ['uint32', 4, (r) => r.uint32()],
    ['int32', 4, (r) => r.int32()],
    ['enum', 4, (r) => r.enum()],
    ['bool', 4, (r) => r.bool()],
    ['hyper', 8, (r) => r.hyper()],
    ['uhyper', 8, (r) => r.uhyper()],
    ['hyperNumber', 8, (r) => r.hyperNumber()],
    ['uhyperNumber', 8, (r) => r.uhyperNumber()],
    ['double', 8, (r) => r.double()],
    ['fixedOpaque(6)', 8, (r) => r.fixedOpaque(6)],
    ['opaque (len 3)', 8, (r) => r.opaque()],
    ['string (len 3)', 8, (r) => r.string()],
    ['skip(8)', 8, (r) => r.skip(8)],
  ]

  for (const [name, size, read] of primitives) {
    it(`${name}: every truncation throws ERR_XDR_SHORT and a whole input reads`, () => {
      // zero bytes, except a length 3 where opaque/string expect one
      const whole = Buffer.alloc(size)
      if (name.startsWith('opaque') || name.startsWith('string')) whole.writeUInt32BE(3, 0)
      for (let cut = 0; cut < size; cut++) {
        const r = new XdrReader(whole.subarray(0, cut))
        const err = xdrErrorOf(() => read(r))
        expect(err.code, `cut at ${cut}`).toBe('ERR_XDR_SHORT')
      }
      const r = new XdrReader(whole)
      read(r)
      expect(r.remaining).toBe(0)
    })
  }

  it('does not advance the cursor on a short fixed-size read', () => {
    const r = new XdrReader(hex('000000 01'))
    r.skip(1)
    expectXdrCode(() => r.uint32(), 'ERR_XDR_SHORT')
    expect(r.offset).toBe(1)
  })

  it('never reads past `end` inside a larger buffer', () => {
    // 4 bytes of window, followed by bytes that would make every read succeed
    const backing = hex('00000001 00000004 61626364 ffffffff ffffffff')
    const r = new XdrReader(backing, 4, 8)
    expect(r.remaining).toBe(4)
    expectXdrCode(() => new XdrReader(backing, 4, 8).opaque(), 'ERR_XDR_SHORT')
    expectXdrCode(() => new XdrReader(backing, 4, 8).hyper(), 'ERR_XDR_SHORT')
    expect(r.uint32()).toBe(4)
    expectXdrCode(() => r.uint32(), 'ERR_XDR_SHORT')
    expect(r.rest().length).toBe(0)
  })

  it('starts at `offset` and honours `end` given to the constructor and to reset()', () => {
    const backing = hex('11111111 00000002 00000003 22222222')
    const r = new XdrReader(backing, 4, 12)
    expect([r.uint32(), r.uint32()]).toEqual([2, 3])
    expect(r.remaining).toBe(0)
    expect(r.reset(backing, 12)).toBe(r)
    expect(r.uint32()).toBe(0x22222222)
    r.reset(hex('00000009'))
    expect(r.offset).toBe(0)
    expect(r.end).toBe(4)
    expect(r.uint32()).toBe(9)
  })

  it('rest() returns the remaining bytes as a view and moves to the end', () => {
    const backing = hex('00000001 aabbccdd eeff')
    const r = new XdrReader(backing)
    r.uint32()
    const rest = r.rest()
    expect(rest).toEqual(hex('aabbccdd eeff'))
    expect(rest.buffer).toBe(backing.buffer)
    expect(r.remaining).toBe(0)
    expect(r.rest().length).toBe(0)
  })

  it('skip() moves the cursor and refuses to skip past the end', () => {
    const r = new XdrReader(hex('00000000 00000007'))
    r.skip(4)
    expect(r.uint32()).toBe(7)
    expectXdrCode(() => r.skip(1), 'ERR_XDR_SHORT')
  })
})

describe('XdrReader length, array and optional', () => {
  it('length() checks n × elementBytes against the bytes left without allocating', () => {
    // 3 elements of 8 bytes claimed, 16 present
    const input = xdr().u32(3).zeros(16).bytes()
    expectXdrCode(() => new XdrReader(input).length(10, 8), 'ERR_XDR_SHORT')
    expect(new XdrReader(input).length(10, 4)).toBe(3)
    expect(new XdrReader(input).length(3)).toBe(3)
    expectXdrCode(() => new XdrReader(input).length(2), 'ERR_XDR_LENGTH')
  })

  it('reads arrays of elements', () => {
    const input = xdr().u32(3).i64(-1).i64(2).i64(2 ** 40).u32(0xabcdef01).bytes()
    const r = new XdrReader(input)
    expect(r.array(16, 8, (x) => x.hyperNumber())).toEqual([-1, 2, 2 ** 40])
    expect(r.uint32()).toBe(0xabcdef01)
    expect(new XdrReader(xdr().u32(0).bytes()).array(16, 8, (x) => x.hyper())).toEqual([])
  })

  it('refuses a hostile array count: above max is LENGTH, above the bytes present is SHORT', () => {
    let calls = 0
    const element = (x: XdrReader): number => {
      calls++
      return x.uint32()
    }
    expectXdrCode(() => new XdrReader(hex('ffffffff 00000001')).array(1000, 4, element), 'ERR_XDR_LENGTH')
    expectXdrCode(() => new XdrReader(hex('000003e8 00000001')).array(1000, 4, element), 'ERR_XDR_SHORT')
    expect(calls).toBe(0)
  })

  it('reads optional data: absent, present, and a bad discriminant', () => {
    const r = new XdrReader(xdr().bool(false).bool(true).string('x').bytes())
    expect(r.optional((x) => x.string())).toBeUndefined()
    expect(r.optional((x) => x.string())).toBe('x')
    expectXdrCode(() => new XdrReader(hex('00000002 00000000')).optional((x) => x.uint32()), 'ERR_XDR_VALUE')
  })

  it('reads a structure built by an independent encoder back field by field', () => {
    const input = xdr()
      .u32(42).i32(-42).bool(true).i64(-3).u64(2n ** 63n).f64(0.25)
      .string('volume').opaque(Buffer.from([1, 2, 3])).fixed(Buffer.from([9, 8, 7, 6, 5]))
      .u32(2).string('a').string('bb')
      .bytes()
    const r = new XdrReader(input)
    expect(r.uint32()).toBe(42)
    expect(r.int32()).toBe(-42)
    expect(r.bool()).toBe(true)
    expect(r.hyperNumber()).toBe(-3)
    expect(r.uhyper()).toBe(2n ** 63n)
    expect(r.double()).toBe(0.25)
    expect(r.string(255)).toBe('volume')
    expect([...r.opaque(16)]).toEqual([1, 2, 3])
    expect([...r.fixedOpaque(5)]).toEqual([9, 8, 7, 6, 5])
    expect(r.array(4, 4, (x) => x.string())).toEqual(['a', 'bb'])
    expect(r.remaining).toBe(0)
  })
})

describe('XdrError', () => {
  it('is an Error with name XdrError and the given code', () => {
    const err = new XdrError('ERR_XDR_LENGTH', 'x')
    expect(err).toBeInstanceOf(Error)
    expect(err.name).toBe('XdrError')
    expect(err.code).toBe('ERR_XDR_LENGTH')
  })
})
