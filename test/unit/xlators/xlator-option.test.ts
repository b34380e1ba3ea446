import { describe, expect, it } from 'vitest'
import { Glfs } from '../../../src/api/glfs.ts'
import { GlusterError } from '../../../src/rpc/errors.ts'
import { buildGraph } from '../../../src/xlators/graph.ts'
import { parseVolfile } from '../../../src/xlators/volfile.ts'
import { checkXlatorOption, readXlatorOption } from '../../../src/xlators/xlator-option.ts'

function einval(fn: () => unknown): GlusterError {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(GlusterError)
  expect((caught as GlusterError).code).toBe('EINVAL')
  return caught as GlusterError
}

describe('checkXlatorOption (Glfs.setXlatorOption validation)', () => {
  it('accepts known keys and aliases on patterns matching the volume\'s xlators', () => {
    checkXlatorOption('vol', '*-write-behind', 'cache-size', '4MB')
    checkXlatorOption('vol', 'vol-write-behind', 'window-size', '512KB')
    checkXlatorOption('vol', '*', 'resync-failed-syncs-after-fsync', 'on')
    checkXlatorOption('vol', '*-client-*', 'ping-timeout', '10')
    checkXlatorOption('vol', 'vol-client-17', 'ping-timeout', '10')
    checkXlatorOption('vol', 'vol-client-[0-3]', 'frame-timeout', '60')
  })

  it('rejects a pattern that matches no xlator this client configures, typos included', () => {
    expect(einval(() => checkXlatorOption('vol', '*-write-behinde', 'cache-size', '4MB')).message).toContain("'*-write-behinde'")
    einval(() => checkXlatorOption('vol', 'other-write-behind', 'cache-size', '4MB'))
    einval(() => checkXlatorOption('vol', '*-open-behind', 'lazy-open', 'on'))
    einval(() => checkXlatorOption('vol', 'vol-client-x', 'ping-timeout', '10'))
  })

  it('rejects a key none of the matched xlator types has', () => {
    const err = einval(() => checkXlatorOption('vol', '*-write-behind', 'cache-sise', '4MB'))
    expect(err.message).toContain("'cache-sise'")
    expect(err.message).toContain('cache-size')
    // A client option is unknown to write-behind, and the reverse.
    einval(() => checkXlatorOption('vol', '*-write-behind', 'ping-timeout', '10'))
    einval(() => checkXlatorOption('vol', '*-client-0', 'cache-size', '4MB'))
  })

  it('rejects values that do not parse or are out of range', () => {
    einval(() => checkXlatorOption('vol', '*-write-behind', 'cache-size', '100KB'))
    einval(() => checkXlatorOption('vol', '*-write-behind', 'cache-size', '2GB'))
    einval(() => checkXlatorOption('vol', '*-write-behind', 'flush-behind', 'maybe'))
    einval(() => checkXlatorOption('vol', '*', 'ping-timeout', 'soon'))
  })
})

describe('Glfs.setXlatorOption and getXlatorOption', () => {
  it('throws EINVAL at the call, before init', () => {
    const glfs = new Glfs('vol')
    glfs.setXlatorOption('*-write-behind', 'cache-size', '2MB')
    einval(() => glfs.setXlatorOption('*-write-behinde', 'cache-size', '2MB'))
    einval(() => glfs.setXlatorOption('*-write-behind', 'no-such-key', 'on'))
    einval(() => glfs.setXlatorOption('*-write-behind', 'aggregate-size', '-1'))
  })

  it('reads back effective values: volfile, override (last of key and aliases wins), default', () => {
    const volfile = parseVolfile(`
volume v-client-0
    type protocol/client
    option remote-host h
    option remote-subvolume /b
    option ping-timeout 20
end-volume
volume v-write-behind
    type performance/write-behind
    option cache-size 2MB
    subvolumes v-client-0
end-volume
`)
    const graph = buildGraph(volfile, { volume: 'v' }, [
      { pattern: '*-write-behind', key: 'window-size', value: '8MB' },
      { pattern: '*-write-behind', key: 'resync-failed-syncs-after-fsync', value: 'on' },
    ])
    expect(readXlatorOption(graph, 'v', 'v-write-behind', 'cache-size')).toBe(8 * 1024 * 1024)
    expect(readXlatorOption(graph, 'v', 'v-write-behind', 'window-size')).toBe(8 * 1024 * 1024)
    expect(readXlatorOption(graph, 'v', 'v-write-behind', 'resync-failed-syncs-after-fsync')).toBe(true)
    expect(readXlatorOption(graph, 'v', 'v-write-behind', 'aggregate-size')).toBe(128 * 1024)
    expect(readXlatorOption(graph, 'v', 'v-client-0', 'ping-timeout')).toBe(20)
    expect(() => readXlatorOption(graph, 'v', 'v-io-cache', 'cache-size')).toThrow(expect.objectContaining({ code: 'ENOENT' }))
    einval(() => readXlatorOption(graph, 'v', 'v-write-behind', 'ping-timeout'))
  })
})
