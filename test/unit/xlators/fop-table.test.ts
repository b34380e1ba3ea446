import { describe, expect, it } from 'vitest'
import { ProtocolClient } from '../../../src/xlators/client/client.ts'
import { FOP_NAMES, Xlator } from '../../../src/xlators/xlator.ts'
import { testInit } from '../../helpers/xlator-init.ts'

describe('the fop table', () => {
  it('is implemented by the pass-through base, each fop forwarding to the first child', async () => {
    const seen: string[] = []
    const child = new Xlator(testInit('child', 'test/child'))
    for (const name of FOP_NAMES) {
      ;(child as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        seen.push(name)
        return Promise.resolve(args.length)
      }
    }
    const parent = new Xlator(testInit('parent', 'test/parent', [child]))
    for (const name of FOP_NAMES) {
      const fop = (parent as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!
      expect(typeof fop, name).toBe('function')
      // Every argument reaches the child unchanged, in order.
      await expect(fop.call(parent, 1, 2, 3, 4, 5, 6, 7)).resolves.toBe(fop.length)
    }
    expect(seen).toEqual([...FOP_NAMES])
  })

  it('is implemented by protocol/client with its own method for every fop', () => {
    for (const name of FOP_NAMES) {
      expect(Object.prototype.hasOwnProperty.call(ProtocolClient.prototype, name), name).toBe(true)
    }
  })
})
