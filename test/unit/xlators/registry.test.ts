/**
 * The registry is a list of descriptors, one per xlator folder: each builds an xlator of its own
 * type from a volfile section, and its option table is what setXlatorOption checks against.
 */
import { describe, expect, it } from 'vitest'
import { GlusterError } from '../../../src/rpc/errors.ts'
import { OptionError } from '../../../src/xlators/options.ts'
import { XLATORS, descriptorOf } from '../../../src/xlators/registry.ts'
import type { VolfileNode } from '../../../src/xlators/volfile.ts'
import { checkXlatorOption, conventionalName } from '../../../src/xlators/xlator-option.ts'
import { Xlator, buildXlator } from '../../../src/xlators/xlator.ts'
import { TEST_GRAPH, testInit } from '../../helpers/xlator-init.ts'

/** What a section of each type needs besides defaults, and how many children it takes. */
const MINIMAL: Record<string, { options: Record<string, string>; children: number }> = {
  'protocol/client': { options: { 'remote-host': 'h', 'remote-subvolume': '/b0' }, children: 0 },
  'cluster/distribute': { options: {}, children: 2 },
  'cluster/replicate': { options: { 'afr-pending-xattr': 'v-client-0,v-client-1,v-client-2' }, children: 3 },
  'performance/write-behind': { options: {}, children: 1 },
  'performance/stride-ahead': { options: {}, children: 1 },
  'features/shard': { options: {}, children: 1 },
}

function section(type: string, options: Record<string, string>): VolfileNode {
  return { name: conventionalName('v', type).replace(/-N$/, '-0'), type, options: new Map(Object.entries(options)), subvolumes: [], line: 1 }
}

function children(n: number): Xlator[] {
  return Array.from({ length: n }, (_, i) => new Xlator(testInit(`v-leaf-${i}`, 'test/leaf')))
}

describe('the xlator registry', () => {
  it('lists each type once, and finds each descriptor by its type', () => {
    expect(new Set(XLATORS.map((d) => d.type)).size).toBe(XLATORS.length)
    for (const d of XLATORS) expect(descriptorOf(d.type)).toBe(d)
    expect(descriptorOf('cluster/disperse')).toBeUndefined()
    expect(Object.keys(MINIMAL).sort()).toEqual(XLATORS.map((d) => d.type).sort())
  })

  it('has every registered descriptor build an xlator of its type, with its children, from a section with defaults', async () => {
    for (const d of XLATORS) {
      const minimal = MINIMAL[d.type]!
      const kids = children(minimal.children)
      const xl = buildXlator(d, section(d.type, minimal.options), kids, TEST_GRAPH)
      expect(xl, d.type).toBeInstanceOf(Xlator)
      expect(xl.type, d.type).toBe(d.type)
      expect(xl.name, d.type).toBe(section(d.type, {}).name)
      expect(xl.children, d.type).toEqual(kids)
      expect(xl.graph, d.type).toBe(TEST_GRAPH)
      for (const k of kids) expect(k.parents, d.type).toEqual([xl])
      await xl.fini()
    }
  })

  it('has every descriptor refuse a value its table does not accept, naming the xlator and key', () => {
    const bad: Record<string, [string, string]> = {
      'protocol/client': ['ping-timeout', 'soon'],
      'cluster/distribute': ['lookup-optimize', 'maybe'],
      'cluster/replicate': ['quorum-type', 'most'],
      'performance/write-behind': ['cache-size', '1KB'],
      'performance/stride-ahead': ['depth', '0'],
      'features/shard': ['shard-block-size', '1MB'],
    }
    for (const d of XLATORS) {
      const minimal = MINIMAL[d.type]!
      const [key, value] = bad[d.type]!
      const build = (): Xlator => buildXlator(d, section(d.type, { ...minimal.options, [key]: value }), children(minimal.children), TEST_GRAPH)
      expect(build, d.type).toThrow(OptionError)
      expect(build, d.type).toThrow(new RegExp(`${key}.*${section(d.type, {}).name}`))
    }
  })

  it('has setXlatorOption refuse an option unknown to every descriptor it matches, and accept the known ones', () => {
    for (const d of XLATORS) {
      const pattern = conventionalName('v', d.type).replace(/-N$/, '-*')
      let err: unknown
      try {
        checkXlatorOption('v', pattern, 'no-such-option', 'on')
      } catch (e) {
        err = e
      }
      expect(err, d.type).toBeInstanceOf(GlusterError)
      expect((err as GlusterError).code, d.type).toBe('EINVAL')
      expect((err as GlusterError).message, d.type).toContain("unknown option 'no-such-option'")
      for (const spec of d.options) expect(() => checkXlatorOption('v', pattern, spec.key, spec.default), `${d.type} ${spec.key}`).not.toThrow()
    }
  })
})
