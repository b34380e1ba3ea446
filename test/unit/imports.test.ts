// The structure of src, held against its imports (type-only imports count): no circles, so each
// layer and xlator folder reads on its own and a new xlator plugs in without reaching back.
import { describe, expect, it } from 'vitest'
import { cycles, importGraph } from '../helpers/imports.ts'

describe('src imports', () => {
  it('form no circle', () => {
    const graph = importGraph()
    expect(graph.size).toBeGreaterThan(50)
    expect(cycles(graph)).toEqual([])
  })

  it('reach bricks from src/api only through the xlator contract: nothing from src/xlators/client', () => {
    const reaching = [...importGraph()].flatMap(([from, to]) =>
      from.startsWith('api/') ? to.filter((t) => t.startsWith('xlators/client/')).map((t) => `${from} -> ${t}`) : [])
    expect(reaching).toEqual([])
  })

  it('leave the distribute xlator class to its folder descriptor: its helper modules take the DhtConf', () => {
    const importers = [...importGraph()].filter(([, to]) => to.includes('xlators/distribute/distribute.ts')).map(([from]) => from)
    expect(importers).toEqual(['xlators/distribute/index.ts'])
  })

  it('finds a circle when there is one', () => {
    expect(cycles(new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']]]))).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']])
  })
})
