import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_RSYNC_HASH_REGEX,
  DhtHasher,
  HashRegexError,
  dmHash,
  posixEreToRegExp,
} from '../../../../src/xlators/distribute/hash.ts'

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'))
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
function asText(b: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(b)
  } catch {
    return undefined
  }
}

// gluster-wire.md §6.2, checked against gf_dm_hashfn of libglusterfs.so.0 (10.3). The last column is
// what an unsigned-char implementation would give: it must differ wherever the name's last
// (length mod 4) bytes hold a byte >= 0x80.
const TABLE: ReadonlyArray<readonly [label: string, hex: string, hash: number, unsignedVariant?: number]> = [
  ['(empty)', '', 0x884774a2],
  ['a', '61', 0x3a17e4e6],
  ['ab', '6162', 0xc3af40d9],
  ['abc', '616263', 0xba8bd29a],
  ['abcd', '61626364', 0xd89627f6],
  ['hello', '68656c6c6f', 0xa7923147],
  ['a.txt', '612e747874', 0x3e99171a],
  ['b.txt', '622e747874', 0xd46dfd6e],
  ['fiotest1', '66696f7465737431', 0xc9754712],
  ['/', '2f', 0x8619bd58],
  ['/pr', '2f7072', 0x7fc0e627],
  ['0123456789abcdef', '30313233343536373839616263646566', 0x6ecb5ada],
  ['0123456789abcdefg', '3031323334353637383961626364656667', 0x7f5d9903],
  ['café', '636166c3a9', 0x9e089967, 0xfdcdd575],
  ['é', 'c3a9', 0x65cfcaa1, 0xbff26769],
  ['\\xff', 'ff', 0xee42408a, 0x31eb697e],
  ['ab\\xff', '6162ff', 0x654a382e, 0xc832cec3],
  ['Ωmega-文件', 'cea96d6567612de69687e4bbb6', 0x8ba62dad, 0x32c88fe1],
  ['x × 255', '78'.repeat(255), 0x8ca66f57],
  ['x × 256', '78'.repeat(256), 0x630b0036],
  ['zz_t0', '7a7a5f7430', 0x485d4a7b],
  ['.zz_t0.QQ9 (raw)', '2e7a7a5f74302e515139', 0xcde155cc],
]

describe('dmHash', () => {
  for (const [label, hex, hash, unsignedVariant] of TABLE) {
    it(`${label} -> 0x${hash.toString(16)}`, () => {
      const name = bytes(hex)
      expect(dmHash(name)).toBe(hash)
      const text = asText(name)
      if (text !== undefined) expect(dmHash(text)).toBe(hash)
      if (unsignedVariant !== undefined) expect(dmHash(name)).not.toBe(unsignedVariant)
    })
  }

  it('returns unsigned 32-bit integers', () => {
    for (const [, hex] of TABLE) {
      const h = dmHash(bytes(hex))
      expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true)
    }
  })

  it('hashes a view by its own bytes only', () => {
    const backing = utf8('xxhelloxx')
    expect(dmHash(backing.subarray(2, 7))).toBe(0xa7923147)
  })

  it('hashes long strings (scratch buffer growth) like their bytes', () => {
    const s = 'é'.repeat(3000) + 'x'
    expect(dmHash(s)).toBe(dmHash(utf8(s)))
    expect(dmHash('hello')).toBe(0xa7923147)
  })

  const fixture = JSON.parse(readFileSync(new URL('../../../fixtures/dm-hash-vectors.json', import.meta.url), 'utf8')) as {
    _source: string
    vectors: [string, string][]
  }

  it('has the libglusterfs vector file', () => {
    expect(fixture._source).toMatch(/libglusterfs/)
    expect(fixture.vectors.length).toBe(2000)
  })

  it('matches libglusterfs gf_dm_hashfn on all fixture vectors (bytes and, where UTF-8, strings)', () => {
    let strings = 0
    const mismatches: string[] = []
    for (const [hex, want] of fixture.vectors) {
      const name = bytes(hex)
      const expected = parseInt(want, 16)
      if (dmHash(name) !== expected) mismatches.push(`${hex}: ${dmHash(name).toString(16)} != ${want}`)
      const text = asText(name)
      if (text !== undefined) {
        strings++
        if (dmHash(text) !== expected) mismatches.push(`string ${hex}`)
      }
    }
    expect(mismatches).toEqual([])
    expect(strings).toBeGreaterThan(500)
  })
})

// Capture group 1 as glibc regexec (REG_EXTENDED, locale C.UTF-8) returns it, null when it does not
// munge (no match, or group 1 not taking part). [pattern, name hex, capture hex | null]
const GLIBC_CAPTURES: ReadonlyArray<readonly [string, string, string | null]> = [
  ["^\\.(.+)\\.[^.]+$", "2e7a7a5f74302e515139", "7a7a5f7430"],
  ["^\\.(.+)\\.[^.]+$", "2e612e622e63", "612e62"],
  ["^\\.(.+)\\.[^.]+$", "2e2e78", null],
  ["^\\.(.+)\\.[^.]+$", "2e2e2e78", "2e"],
  ["^\\.(.+)\\.[^.]+$", "2e612e", null],
  ["^\\.(.+)\\.[^.]+$", "2e666f6f", null],
  ["^\\.(.+)\\.[^.]+$", "666f6f2e626172", null],
  ["^\\.(.+)\\.[^.]+$", "2e666f6f2e6261720a", "666f6f"],
  ["^\\.(.+)\\.[^.]+$", "2e660a6f2e620a72", "660a6f"],
  ["^\\.(.+)\\.[^.]+$", "2ec3a92e746d70", "c3a9"],
  ["^\\.(.+)\\.[^.]+$", "2efffe2e78", null],
  ["^\\.(.+)\\.[^.]+$", "2ec32ea978", null],
  ["^\\.(.+)\\.[^.]+$", "2e612eff", null],
  ["^\\.(.+)\\.[^.]+$", "2ecea96d6567612de69687e4bbb62e416243313233", "cea96d6567612de69687e4bbb6"],
  ["^\\.(.+)\\.[^.]+$", "2e612e2e62", "612e"],
  ["^\\.(.+)\\.[^.]+$", "2eeda0802e78", null],
  ["^\\.(.+)\\.[^.]+$", "2ef49080802e78", "f4908080"],
  ["^\\.(.+)\\.[^.]+$", "2ef09f98802e78", "f09f9880"],
  ["^\\.(.+)\\.[^.]+$", "2e612ec080", null],
  ["^\\.(.+)\\.[^.]+$", "2eefbbbf782e79", "efbbbf78"],
  ["^(.+)\\.tmp$", "7265706f72742e746d70", "7265706f7274"],
  ["^~(.*)$", "7e", ""],
  ["^x(y)?z$", "787a", null],
  ["^\\.([\\.a-z]+)\\.x$", "2e615c622e78", "615c62"],
  ["^\\.([\\.a-z]+)\\.x$", "2e612e622e78", "612e62"],
  ["^([[:digit:]]+)-[[:alpha:]]+$", "3132332d616263", "313233"],
  ["^([[:alpha:]]+)$", "c3a961", "c3a961"],
  ["^(.{3})", "616263646566", "616263"],
  ["^(.{3})", "c3a9c3a9c3a9c3a9c3a9", "c3a9c3a9c3a9"],
  ["(a|ab)(c|bcd)(d*)", "61626364", "61"],
  ["^(a*)b", "616162", "6161"],
  ["x(.)", "6178627863", "62"],
  ["^[^~]+~(.+)$", "61627e6364", "6364"],
  ["^a{2,}(b)", "61616162", "62"],
  ["^([]x]+)\\.", "5d785d2e79", "5d785d"],
  ["^([^]x]+)\\.", "61622e79", "6162"],
  ["^(a-b|[a-c-]+)$", "612d63", "612d63"],
  ["^(x*)(x+)$", "787878", "7878"],
  ["^(a|ab)(b*)$", "616262", "61"],
  ["^([[:upper:]][[:lower:]]*)", "c389636c616972", "c389636c616972"],
  ["^([[:punct:]]+)", "212d5f2378", "212d5f23"],
  ["^([[.-.]]+)", "2d2d78", "2d2d"],
  ["^(a**)", "6161", "6161"],
  ["^(a+?)", "616161", "616161"],
  ["^(a{1}{2})", "616161", "6161"],
  ["^(a{,2})", "616161", "6161"],
  ["^()x", "78", ""],
  ["^(a)b)", "616229", "61"],
  ["^(\\{[}])$", "7b7d", "7b7d"],
  ["^([[:space:]]+)", "20090a0b78", "20090a0b"],
  ["^([[:xdigit:]]+)", "30396166414667", "303961664146"],
  ["^\\.(.+)\\.(tmp|swp)$", "2e6e6f7465732e7478742e737770", "6e6f7465732e747874"],
  ["^#(.+)#$", "23647261667423", "6472616674"]
]

describe('DhtHasher munging', () => {
  it('hashes rsync temp names by their final name with the default regex (.zz_t0.QQ9 -> zz_t0)', () => {
    const hasher = new DhtHasher()
    expect(hasher.mungeName('.zz_t0.QQ9')).toBe('zz_t0')
    expect(hasher.hashName('.zz_t0.QQ9')).toBe(0x485d4a7b)
    expect(hasher.hashName(utf8('.zz_t0.QQ9'))).toBe(0x485d4a7b)
    expect(dmHash('.zz_t0.QQ9')).toBe(0xcde155cc)
    expect(hasher.hashName('a.txt')).toBe(0x3e99171a)
    expect(hasher.ignoredRegexErrors).toEqual([])
  })

  it('uses the default regex when the option is unset or null', () => {
    expect(DEFAULT_RSYNC_HASH_REGEX).toBe('^\\.(.+)\\.[^.]+$')
    expect(new DhtHasher({ rsyncHashRegex: null }).mungeName('.x.y')).toBe('x')
    expect(new DhtHasher({ rsyncHashRegex: undefined, extraHashRegex: null }).mungeName('.x.y')).toBe('x')
  })

  it("disables munging with 'none'", () => {
    const hasher = new DhtHasher({ rsyncHashRegex: 'none' })
    expect(hasher.mungeName('.zz_t0.QQ9')).toBe('.zz_t0.QQ9')
    expect(hasher.hashName('.zz_t0.QQ9')).toBe(0xcde155cc)
    expect(hasher.hashName(utf8('.zz_t0.QQ9'))).toBe(0xcde155cc)
  })

  it('tries extra-hash-regex first, then the rsync regex', () => {
    const hasher = new DhtHasher({ extraHashRegex: '^(.+)\\.tmp$' })
    expect(hasher.mungeName('report.tmp')).toBe('report')
    expect(hasher.mungeName('.report.tmp')).toBe('.report')
    expect(hasher.mungeName('.report.QQ9')).toBe('report')
    expect(hasher.hashName(utf8('report.tmp'))).toBe(dmHash('report'))
    const onlyExtra = new DhtHasher({ extraHashRegex: '^(.+)\\.tmp$', rsyncHashRegex: 'none' })
    expect(onlyExtra.mungeName('.report.QQ9')).toBe('.report.QQ9')
  })

  it('falls through to the next regex when group 1 does not take part', () => {
    const hasher = new DhtHasher({ extraHashRegex: '^\\.x(y)?z\\.' })
    expect(hasher.mungeName('.xz.abc')).toBe('xz')
    expect(hasher.mungeName('.xyz.abc')).toBe('y')
  })

  it('hashes an empty capture as the empty name', () => {
    const hasher = new DhtHasher({ extraHashRegex: '^~(.*)$' })
    expect(hasher.hashName('~')).toBe(0x884774a2)
    expect(hasher.hashName(utf8('~'))).toBe(0x884774a2)
  })

  it.each(GLIBC_CAPTURES)('%s on %s like glibc', (pattern, nameHex, captureHex) => {
    const hasher = new DhtHasher({ rsyncHashRegex: pattern })
    const name = bytes(nameHex)
    const hashed = captureHex === null ? name : bytes(captureHex)
    expect(hasher.hashName(name)).toBe(dmHash(hashed))
    const text = asText(name)
    if (text !== undefined) {
      expect(hasher.mungeName(text)).toBe(asText(hashed))
      expect(hasher.hashName(text)).toBe(dmHash(hashed))
    }
  })

  it('leaves names that are not valid UTF-8 alone where glibc does (Latin-1 rsync temp name)', () => {
    const latin1 = Uint8Array.from([0x2e, 0x63, 0x61, 0x66, 0xe9, 0x2e, 0x51, 0x51, 0x39]) // ".caf\xe9.QQ9"
    expect(new DhtHasher().hashName(latin1)).toBe(dmHash(latin1))
  })

  it('ignores a regex glibc rejects, as the C client does, and reports it', () => {
    const hasher = new DhtHasher({ rsyncHashRegex: '^\\.(.+\\.[^.]+$' })
    expect(hasher.mungeName('.zz_t0.QQ9')).toBe('.zz_t0.QQ9')
    expect(hasher.ignoredRegexErrors).toHaveLength(1)
    expect(hasher.ignoredRegexErrors[0]!.code).toBe('ERR_DHT_HASH_REGEX_INVALID')
    expect(hasher.ignoredRegexErrors[0]!.pattern).toBe('^\\.(.+\\.[^.]+$')
  })

  it('throws for a regex it cannot reproduce', () => {
    expect(() => new DhtHasher({ extraHashRegex: '^(\\w+)~$' })).toThrow(HashRegexError)
    try {
      new DhtHasher({ extraHashRegex: '^(\\w+)~$' })
    } catch (err) {
      expect((err as HashRegexError).code).toBe('ERR_DHT_HASH_REGEX_UNSUPPORTED')
      expect((err as HashRegexError).position).toBe(2)
    }
  })
})

describe('posixEreToRegExp', () => {
  // All rejected by glibc regcomp(REG_EXTENDED) as well.
  it.each(['(a', '[a', 'a\\', '*a', 'a|*b', '^*', '(*a)', 'a{2', 'a{', '{1}', 'a{3,2}', 'a{32768}', 'a{x}', '[[:foo:]]', '[b-a]', '[]', '[^]', '[[:alpha:]-z]', '[a-c-e]'])(
    'rejects %s as invalid',
    (pattern) => {
      expect(() => posixEreToRegExp(pattern)).toThrow(expect.objectContaining({ code: 'ERR_DHT_HASH_REGEX_INVALID' }))
    },
  )

  it.each(['\\w', '\\1', '(a)\\1', '\\<a', "a\\'", '[[=a=]]', '[[:print:]]', '[[.hyphen.]]'])('rejects %s as unsupported', (pattern) => {
    expect(() => posixEreToRegExp(pattern)).toThrow(expect.objectContaining({ code: 'ERR_DHT_HASH_REGEX_UNSUPPORTED' }))
  })

  it.each([
    ['a)', 'a)', true],
    ['a{,3}', 'aa', true],
    ['^a{1}{2}$', 'aa', true],
    ['^a+*$', 'aaa', true],
    ['()', '', true],
    ['a||b', 'b', true],
    ['[a-]', '-', true],
    ['[[.a.]-c]', 'b', true],
    ['\\{', '{', true],
    ['[\\]]', '\\]', true],
    ['[a\\]+', 'a\\]', true],
    ['}', '}', true],
    [']', ']', true],
    ['x$y', 'x$y', false],
    ['^a{32767}$', 'a', false],
    ['a.b', 'a\nb', true],
    ['a[^x]b', 'a\nb', true],
  ] as const)('%s on %j matches: %s', (pattern, subject, matches) => {
    expect(posixEreToRegExp(pattern).test(subject)).toBe(matches)
  })

  it('reads a stacked ? as "optional", not lazy', () => {
    expect(posixEreToRegExp('^(a+?)').exec('aaa')?.[1]).toBe('aaa')
  })
})
