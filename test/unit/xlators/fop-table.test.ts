import { describe, expect, it } from 'vitest'
import { ProtocolClient } from '../../../src/xlators/client/client.ts'
import { FOP_NAMES, type Fops, Xlator } from '../../../src/xlators/xlator.ts'
import { testInit } from '../../helpers/xlator-init.ts'

type FopName = (typeof FOP_NAMES)[number]

/**
 * Each fop's parameters, in order. The compiler holds every list to the length of its fop's
 * parameter list in Fops (optional ones included), so the table cannot drift from the contract.
 */
const PARAMS = {
  lookup: ['call', 'loc', 'xdata'],
  stat: ['call', 'loc', 'xdata'],
  fstat: ['call', 'fd', 'xdata'],
  access: ['call', 'loc', 'mask', 'xdata'],
  open: ['call', 'loc', 'flags', 'fd', 'xdata'],
  create: ['call', 'loc', 'flags', 'mode', 'umask', 'fd', 'xdata'],
  readv: ['call', 'fd', 'size', 'offset', 'flags', 'xdata', 'sink'],
  writev: ['call', 'fd', 'data', 'offset', 'flags', 'xdata'],
  flush: ['call', 'fd', 'xdata'],
  fsync: ['call', 'fd', 'datasync', 'xdata'],
  release: ['call', 'fd'],
  ftruncate: ['call', 'fd', 'offset', 'xdata'],
  truncate: ['call', 'loc', 'offset', 'xdata'],
  discard: ['call', 'fd', 'offset', 'length', 'xdata'],
  zerofill: ['call', 'fd', 'offset', 'length', 'xdata'],
  fallocate: ['call', 'fd', 'mode', 'offset', 'length', 'xdata'],
  seek: ['call', 'fd', 'offset', 'what', 'xdata'],
  setattr: ['call', 'loc', 'attrs', 'valid', 'xdata'],
  fsetattr: ['call', 'fd', 'attrs', 'valid', 'xdata'],
  unlink: ['call', 'loc', 'xflags', 'xdata'],
  mkdir: ['call', 'loc', 'mode', 'umask', 'xdata'],
  mknod: ['call', 'loc', 'mode', 'rdev', 'umask', 'xdata'],
  rmdir: ['call', 'loc', 'xflags', 'xdata'],
  rename: ['call', 'oldLoc', 'newLoc', 'xdata'],
  link: ['call', 'oldLoc', 'newLoc', 'xdata'],
  symlink: ['call', 'target', 'loc', 'umask', 'xdata'],
  readlink: ['call', 'loc', 'size', 'xdata'],
  opendir: ['call', 'loc', 'fd', 'xdata'],
  readdirp: ['call', 'fd', 'size', 'offset', 'xdata'],
  releasedir: ['call', 'fd'],
  statfs: ['call', 'loc', 'xdata'],
  getxattr: ['call', 'loc', 'name', 'xdata'],
  fgetxattr: ['call', 'fd', 'name', 'xdata'],
  setxattr: ['call', 'loc', 'dict', 'flags', 'xdata'],
  fsetxattr: ['call', 'fd', 'dict', 'flags', 'xdata'],
  removexattr: ['call', 'loc', 'name', 'xdata'],
  fremovexattr: ['call', 'fd', 'name', 'xdata'],
  inodelk: ['call', 'domain', 'loc', 'cmd', 'lock', 'xdata'],
  entrylk: ['call', 'domain', 'loc', 'basename', 'cmd', 'type', 'xdata'],
  xattrop: ['call', 'loc', 'flags', 'dict', 'xdata'],
  fxattrop: ['call', 'fd', 'flags', 'dict', 'xdata'],
} as const satisfies { [K in FopName]: readonly string[] & { length: Required<Parameters<Fops[K]>>['length'] } }

/** A value only one position of one call can hold: `toBe` on it proves identity and position. */
function sentinel(fop: string, param: string, position: number): object {
  return Object.freeze({ fop, param, position })
}

describe('the fop table', () => {
  it('is implemented by the pass-through base, each fop forwarding every argument unchanged, in order, to the first child', async () => {
    const received = new Map<string, unknown[]>()
    const child = new Xlator(testInit('child', 'test/child'))
    const childResult = new Map<string, object>()
    for (const name of FOP_NAMES) {
      const result = Object.freeze({ result: name })
      childResult.set(name, result)
      ;(child as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        received.set(name, args)
        return Promise.resolve(result)
      }
    }
    const parent = new Xlator(testInit('parent', 'test/parent', [child]))
    for (const name of FOP_NAMES) {
      const fop = (parent as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!
      expect(typeof fop, name).toBe('function')
      const params: readonly string[] = PARAMS[name]
      expect(fop.length, `${name} takes ${params.join(', ')}`).toBe(params.length)
      const sent = params.map((param, i) => sentinel(name, param, i))
      // The child's own answer comes back, not a copy.
      await expect(fop.apply(parent, sent), name).resolves.toBe(childResult.get(name))
      const got = received.get(name)
      expect(got, `${name} reached the child`).toBeDefined()
      expect(got!.length, `${name}: argument count at the child`).toBe(params.length)
      params.forEach((param, i) => {
        expect(got![i], `${name}: argument ${i} (${param})`).toBe(sent[i])
      })
    }
    expect([...received.keys()]).toEqual([...FOP_NAMES])
  })

  it('is implemented by protocol/client with its own method for every fop', () => {
    for (const name of FOP_NAMES) {
      expect(Object.prototype.hasOwnProperty.call(ProtocolClient.prototype, name), name).toBe(true)
    }
  })
})
