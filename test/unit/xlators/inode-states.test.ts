/** What an xlator keeps per inode, and lookup results waiting for their Inode. */
import { describe, expect, it } from 'vitest'
import { InodeStates } from '../../../src/xlators/inode-states.ts'
import { Inode } from '../../../src/xlators/types.ts'

const owner = {}
const gfid = (n: number): Buffer => Buffer.alloc(16, n)

describe('InodeStates', () => {
  it('a lookup without an Inode is adopted by the first Inode of its gfid, once', () => {
    const states = new InodeStates<string>(owner)
    states.remember(undefined, gfid(1), 'looked up')
    expect(states.unclaimed(gfid(1))).toBe('looked up')
    const a = new Inode(gfid(1))
    expect(states.known(a)).toBe('looked up')
    expect(a.ctx.get(owner)).toBe('looked up')
    expect(states.unclaimed(gfid(1))).toBeUndefined()
    expect(states.known(new Inode(gfid(2)))).toBeUndefined()
  })

  it('latest: a newer lookup wins over the ctx; known: the ctx wins (no map read per I/O)', () => {
    const states = new InodeStates<string>(owner)
    const a = new Inode(gfid(1))
    states.remember(a, gfid(1), 'old')
    states.remember(undefined, gfid(1), 'new')
    expect(states.known(a)).toBe('old')
    expect(states.latest(a)).toBe('new')
    expect(states.known(a)).toBe('new')
  })

  it('an Inode of another gfid in the loc keeps its state; the result waits for its own gfid', () => {
    const states = new InodeStates<string>(owner)
    const stale = new Inode(gfid(1))
    states.set(stale, 'stale file')
    states.remember(stale, gfid(2), 'replacement')
    expect(states.known(stale)).toBe('stale file')
    expect(states.known(new Inode(gfid(2)))).toBe('replacement')
  })

  it('forget drops the ctx and the unclaimed result; unclaimed results are bounded, oldest first', () => {
    const states = new InodeStates<number>(owner)
    const a = new Inode(gfid(1))
    states.set(a, 1)
    states.remember(undefined, gfid(1), 2)
    states.forget(a)
    expect(states.latest(a)).toBeUndefined()
    for (let n = 0; n < 4097; n++) states.remember(undefined, Buffer.from(n.toString(16).padStart(32, '0'), 'hex'), n)
    expect(states.unclaimed(Buffer.alloc(16))).toBeUndefined()
    expect(states.unclaimed(Buffer.from((1).toString(16).padStart(32, '0'), 'hex'))).toBe(1)
    expect(states.unclaimed(Buffer.from((4096).toString(16).padStart(32, '0'), 'hex'))).toBe(4096)
  })
})
