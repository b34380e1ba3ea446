/**
 * fopHandler: the xlator a fop first does work in, found once per graph so calls skip the layers
 * that only pass it down. It must stop wherever the walk down would have run something else.
 */
import { describe, expect, it } from 'vitest'
import type { Call, Dict, Fd, ReadResult } from '../../../src/xlators/types.ts'
import { Xlator, fopHandler } from '../../../src/xlators/xlator.ts'
import { testInit } from '../../helpers/xlator-init.ts'

class Reads extends Xlator {
  override readv(call: Call, fd: Fd, size: number, offset: number, flags: number, xdata?: Dict, sink?: Uint8Array): Promise<ReadResult> {
    return this.child.readv(call, fd, size, offset, flags, xdata, sink)
  }
}

/** Passes every fop to its second child: its base methods do not pass to children[0]. */
class Elsewhere extends Xlator {
  protected override get child(): Xlator {
    return this.children[1] ?? this.children[0]!
  }
}

function pass(name: string, child: Xlator): Xlator {
  return new Xlator(testInit(name, 'debug/io-stats', [child]))
}

describe('fopHandler', () => {
  const leaf = new Reads(testInit('leaf', 'protocol/client'))

  it('skips xlators that only pass the fop to their one child', () => {
    const middle = new Reads(testInit('middle', 'performance/write-behind', [pass('utime', leaf)]))
    const top = pass('io-stats', pass('md-cache', middle))
    expect(fopHandler(top, 'readv')).toBe(middle)
    // Nothing overrides writev: the walk ends at the leaf, which has no child to pass to.
    expect(fopHandler(top, 'writev')).toBe(leaf)
  })

  it('stops at an xlator that overrides the fop on its instance', () => {
    const own = pass('own', leaf)
    own.writev = (...args) => leaf.writev(...args)
    expect(fopHandler(pass('top', own), 'writev')).toBe(own)
  })

  it('stops at an xlator that chooses its child itself, or has several', () => {
    const other = new Reads(testInit('other', 'protocol/client'))
    const chooser = new Elsewhere(testInit('chooser', 'api/graph-switch', [leaf]))
    expect(fopHandler(pass('top', chooser), 'readv')).toBe(chooser)
    const fanOut = new Xlator(testInit('fan', 'cluster/distribute', [new Reads(testInit('a', 'protocol/client')), other]))
    expect(fopHandler(pass('top', fanOut), 'readv')).toBe(fanOut)
  })
})
