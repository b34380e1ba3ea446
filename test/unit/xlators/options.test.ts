import { describe, expect, it } from 'vitest'
import { OptionError, type OptionSpec, findOption, parseOptionValue, parseOptions } from '../../../src/xlators/options.ts'

function spec(type: OptionSpec['type'], extra: Partial<OptionSpec> = {}): OptionSpec {
  return { key: 'test-key', name: 'testKey', type, default: '', description: 'for tests', ...extra }
}

function optionError(fn: () => unknown): OptionError {
  try {
    fn()
  } catch (err) {
    if (err instanceof OptionError) return err
    throw err
  }
  throw new Error('expected an OptionError, but the call returned')
}

function rejects(s: OptionSpec, raw: string): void {
  const err = optionError(() => parseOptionValue('performance/x', s, raw))
  expect(err.code, raw).toBe('ERR_GLFS_OPTION')
  expect(err.xlator).toBe('performance/x')
  expect(err.key).toBe(s.key)
}

const parse = (s: OptionSpec, raw: string): boolean | number | string => parseOptionValue('performance/x', s, raw)

describe('parseOptionValue: bool', () => {
  const b = spec('bool')
  it('accepts the glusterfs true and false words in any case', () => {
    for (const w of ['on', 'yes', 'true', 'enable', '1', 'ON', 'Yes', 'TRUE', 'Enable', ' on ']) expect(parse(b, w), w).toBe(true)
    for (const w of ['off', 'no', 'false', 'disable', '0', 'OFF', 'No', 'False', 'DISABLE']) expect(parse(b, w), w).toBe(false)
  })
  it('rejects anything else', () => {
    for (const w of ['', 'maybe', '2', 'onn', 'y', 'enabled']) rejects(b, w)
  })
})

describe('parseOptionValue: int', () => {
  it('parses decimal integers, negatives included', () => {
    const i = spec('int')
    expect(parse(i, '42')).toBe(42)
    expect(parse(i, '-1')).toBe(-1)
    expect(parse(i, ' 7 ')).toBe(7)
    expect(parse(i, '0')).toBe(0)
  })
  it('rejects non-integers', () => {
    for (const w of ['', '4.2', '0x10', '1e3', 'ten', '5 5', '+']) rejects(spec('int'), w)
  })
  it('applies inclusive min and max', () => {
    const i = spec('int', { min: 1, max: 64 })
    expect(parse(i, '1')).toBe(1)
    expect(parse(i, '64')).toBe(64)
    rejects(i, '0')
    rejects(i, '65')
  })
})

describe('parseOptionValue: size', () => {
  const s = spec('size')
  it('parses sizes with binary units, in bytes', () => {
    expect(parse(s, '512KB')).toBe(512 * 1024)
    expect(parse(s, '1MB')).toBe(1024 * 1024)
    expect(parse(s, '1GB')).toBe(1024 * 1024 * 1024)
    expect(parse(s, '2TB')).toBe(2 * 1024 ** 4)
    expect(parse(s, '4096')).toBe(4096)
    expect(parse(s, '100B')).toBe(100)
    expect(parse(s, '128kb')).toBe(128 * 1024)
    expect(parse(s, '128KiB')).toBe(128 * 1024)
    expect(parse(s, '32m')).toBe(32 * 1024 * 1024)
    expect(parse(s, '1 MB')).toBe(1024 * 1024)
    expect(parse(s, '1.5MB')).toBe(1.5 * 1024 * 1024)
  })
  it('rejects malformed sizes and unknown units', () => {
    for (const w of ['', 'MB', '-1MB', '1PB', '1 M B', 'one MB', '1MBs']) rejects(s, w)
  })
  it('checks min and max in bytes', () => {
    const bounded = spec('size', { min: 4096, max: 1024 * 1024 })
    expect(parse(bounded, '4KB')).toBe(4096)
    expect(parse(bounded, '1MB')).toBe(1024 * 1024)
    rejects(bounded, '4095')
    rejects(bounded, '1025KB')
  })
})

describe('parseOptionValue: time', () => {
  const t = spec('time')
  it('parses seconds with optional units', () => {
    expect(parse(t, '42')).toBe(42)
    expect(parse(t, '30s')).toBe(30)
    expect(parse(t, '30sec')).toBe(30)
    expect(parse(t, '2m')).toBe(120)
    expect(parse(t, '2min')).toBe(120)
    expect(parse(t, '1h')).toBe(3600)
    expect(parse(t, '1d')).toBe(86400)
    expect(parse(t, '500ms')).toBe(0.5)
    expect(parse(t, '1.5')).toBe(1.5)
  })
  it('rejects malformed times', () => {
    for (const w of ['', '1w', 'soon', '-5', 's']) rejects(t, w)
  })
  it('checks min and max in seconds', () => {
    const bounded = spec('time', { min: 0, max: 1013 })
    expect(parse(bounded, '1013')).toBe(1013)
    rejects(bounded, '1014')
    rejects(bounded, '17m')
  })
})

describe('parseOptionValue: percent', () => {
  const p = spec('percent', { min: 0, max: 100 })
  it('parses numbers with or without %', () => {
    expect(parse(p, '80%')).toBe(80)
    expect(parse(p, '80')).toBe(80)
    expect(parse(p, '12.5%')).toBe(12.5)
    expect(parse(p, '100 %')).toBe(100)
  })
  it('rejects malformed and out-of-range percentages', () => {
    for (const w of ['', '%', 'abc', '80%%', '-1%', '101%']) rejects(p, w)
  })
})

describe('parseOptionValue: string and enum', () => {
  it('returns strings trimmed', () => {
    expect(parse(spec('string'), '  /bricks/b1 ')).toBe('/bricks/b1')
  })
  it('matches enum values case-insensitively and returns them in lower case', () => {
    const e = spec('enum', { values: ['inet', 'inet6'] })
    expect(parse(e, 'inet6')).toBe('inet6')
    expect(parse(e, 'INET')).toBe('inet')
    rejects(e, 'unix')
    rejects(spec('enum'), 'anything')
  })
})

describe('findOption and parseOptions', () => {
  const table: OptionSpec[] = [
    { key: 'cache-size', name: 'cacheSize', type: 'size', default: '1MB', min: 512 * 1024, max: 1024 ** 3, description: '' },
    { key: 'flush-behind', name: 'flushBehind', type: 'bool', default: 'on', description: '' },
    { key: 'ping-timeout', aliases: ['network.ping-timeout'], name: 'pingTimeout', type: 'time', default: '42', description: '' },
  ]

  it('finds specs by key and by alias', () => {
    expect(findOption(table, 'cache-size')?.name).toBe('cacheSize')
    expect(findOption(table, 'network.ping-timeout')?.name).toBe('pingTimeout')
    expect(findOption(table, 'nope')).toBeUndefined()
  })

  it('starts from the defaults', () => {
    expect(parseOptions('performance/x', table, new Map())).toEqual({ cacheSize: 1024 * 1024, flushBehind: true, pingTimeout: 42 })
  })

  it('applies volfile values over defaults, through aliases too, and ignores unknown keys', () => {
    const options = new Map([['cache-size', '512KB'], ['flush-behind', 'off'], ['network.ping-timeout', '10'], ['unknown-option', 'whatever']])
    expect(parseOptions('performance/x', table, options)).toEqual({ cacheSize: 512 * 1024, flushBehind: false, pingTimeout: 10 })
  })

  it('throws OptionError naming the xlator and key for a bad value of a known key', () => {
    const err = optionError(() => parseOptions('performance/write-behind', table, new Map([['cache-size', '1KB']])))
    expect(err.code).toBe('ERR_GLFS_OPTION')
    expect(err.xlator).toBe('performance/write-behind')
    expect(err.key).toBe('cache-size')
    expect(err.name).toBe('OptionError')
  })
})
