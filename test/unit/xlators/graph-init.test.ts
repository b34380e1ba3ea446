import { describe, expect, it } from 'vitest'
import { Graph } from '../../../src/xlators/graph.ts'
import { Xlator } from '../../../src/xlators/xlator.ts'
import { testInit } from '../../helpers/xlator-init.ts'

/** A leaf whose init fails with `failure` (or succeeds), recording whether it was left retrying. */
class Leaf extends Xlator {
  readonly failure: Error | undefined
  degradedBy: unknown
  constructor(name: string, failure?: Error) {
    super(testInit(name, 'test/leaf'))
    this.failure = failure
  }
  override async init(): Promise<void> {
    if (this.failure !== undefined) throw this.failure
  }
  override startDegraded(cause: unknown): void {
    this.degradedBy = cause
  }
}

class Cluster extends Xlator {
  readonly tolerant: boolean
  initialised = false
  constructor(children: Xlator[], tolerant: boolean) {
    super(testInit('top', 'test/cluster', children))
    this.tolerant = tolerant
  }
  override get mountsDegraded(): boolean {
    return this.tolerant
  }
  override async init(): Promise<void> {
    this.initialised = true
  }
}

function graphOf(top: Xlator, all: Xlator[]): Graph {
  return new Graph({ nodes: [], top: { name: top.name, type: top.type, options: new Map(), subvolumes: [], line: 1 } }, top, all)
}

describe('Graph.init with children that fail', () => {
  it('mounts degraded under a tolerant xlator, leaving the failed subtree retrying', async () => {
    const down = new Error('brick down')
    const a = new Leaf('a')
    const b = new Leaf('b', down)
    // a pass-through between the cluster and its leaf hands the news down
    const mid = new Xlator(testInit('mid', 'performance/readdir-ahead', [b]))
    const top = new Cluster([a, mid], true)
    await graphOf(top, [a, b, mid, top]).init()
    expect(top.initialised).toBe(true)
    expect(a.degradedBy).toBeUndefined()
    expect(b.degradedBy).toBe(down)
  })

  it('fails with the first child\'s failure when every child fails', async () => {
    const first = new Error('first')
    const a = new Leaf('a', first)
    const b = new Leaf('b', new Error('second'))
    const top = new Cluster([a, b], true)
    await expect(graphOf(top, [a, b, top]).init()).rejects.toBe(first)
    expect(top.initialised).toBe(false)
    expect(a.degradedBy).toBeUndefined()
  })

  it('fails on any child failure under an xlator that does not mount degraded', async () => {
    const down = new Error('down')
    const a = new Leaf('a')
    const b = new Leaf('b', down)
    const top = new Cluster([a, b], false)
    await expect(graphOf(top, [a, b, top]).init()).rejects.toBe(down)
    expect(b.degradedBy).toBeUndefined()
  })
})
