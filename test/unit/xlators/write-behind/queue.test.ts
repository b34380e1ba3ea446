import { describe, expect, it } from 'vitest'
import { Fd, Inode } from '../../../../src/xlators/types.ts'
import {
  Block, type BlockState, DIRTY, FAILED, INFLIGHT, Loss, MAX_RANGES, WbInode, describeRanges, mergeRanges,
} from '../../../../src/xlators/write-behind/queue.ts'
import { CALL } from '../../../helpers/fake-brick.ts'

const fd = new Fd(new Inode(Buffer.alloc(16)), 2, false)

function block(st: WbInode, offset: number, length: number, state: BlockState = DIRTY): Block {
  const b = new Block(fd, CALL, 0, undefined, Buffer.alloc(length), 0, offset, length, offset, true, false, undefined, undefined)
  st.link(b)
  if (state !== DIRTY) st.setState(b, state)
  return b
}

describe('mergeRanges', () => {
  it('sorts and joins overlapping and touching ranges', () => {
    expect(mergeRanges([{ offset: 100, length: 50 }, { offset: 0, length: 10 }, { offset: 10, length: 5 }, { offset: 120, length: 100 }]))
      .toEqual([{ offset: 0, length: 15 }, { offset: 100, length: 120 }])
    expect(mergeRanges([])).toEqual([])
  })

  it(`keeps at most ${MAX_RANGES} ranges by joining the closest, still covering every byte`, () => {
    const many = Array.from({ length: 200 }, (_, i) => ({ offset: i * 1000 + (i % 7) * 10, length: 10 }))
    const merged = mergeRanges(many)
    expect(merged.length).toBe(MAX_RANGES)
    for (const r of many) {
      expect(merged.some((m) => m.offset <= r.offset && r.offset + r.length <= m.offset + m.length)).toBe(true)
    }
  })

  it('describes the first few ranges', () => {
    expect(describeRanges([{ offset: 0, length: 10 }])).toBe('[0, 10)')
    expect(describeRanges(Array.from({ length: 6 }, (_, i) => ({ offset: i * 100, length: 1 })))).toBe('[0, 1), [100, 101), [200, 201), [300, 301) and 2 more')
  })
})

describe('WbInode', () => {
  it('counts blocks per state and lied bytes as they move', () => {
    const st = new WbInode(Buffer.alloc(16))
    const a = block(st, 0, 100)
    const b = block(st, 100, 50, INFLIGHT)
    expect([st.dirty, st.inflight, st.inflightLied, st.failed, st.cachedBytes]).toEqual([1, 1, 1, 0, 150])
    st.setState(b, FAILED)
    expect([st.dirty, st.inflight, st.failed]).toEqual([1, 0, 1])
    st.unlink(b)
    st.unlink(a)
    expect([st.dirty, st.inflight, st.failed, st.cachedBytes, st.empty]).toEqual([0, 0, 0, 0, true])
  })

  it('sends a block only when no older block overlaps it (or when it is the oldest, with strict ordering)', () => {
    const st = new WbInode(Buffer.alloc(16))
    block(st, 0, 100, INFLIGHT)
    const overlapping = block(st, 50, 100)
    const apart = block(st, 1000, 100)
    block(st, 5000, 10)
    expect(st.canSend(overlapping, true, false)).toBe(false)
    expect(st.canSend(apart, true, false)).toBe(true)
    expect(st.canSend(apart, true, true)).toBe(false)
  })

  it('holds the open tail, full or not, while a lied write is in flight (trickling), as C holds its last holder', () => {
    const st = new WbInode(Buffer.alloc(16))
    const first = block(st, 0, 100)
    expect(st.canSend(first, true, false)).toBe(true)
    expect(st.canSend(first, false, false)).toBe(false)
    st.setState(first, INFLIGHT)
    const tail = block(st, 100, 100)
    expect(st.canSend(tail, true, false)).toBe(false)
    // the next write seals it (link), whatever its size
    const next = block(st, 200, 100)
    expect(st.canSend(tail, true, false)).toBe(true)
    expect(st.canSend(next, true, false)).toBe(false)
    // nothing lied in flight any more: the tail goes (trickling), not without trickling
    st.setState(first, DIRTY)
    st.unlink(first)
    expect(st.canSend(next, true, false)).toBe(true)
    expect(st.canSend(next, false, false)).toBe(false)
  })

  it('finds blocks stuck behind a failed one, transitively', () => {
    const st = new WbInode(Buffer.alloc(16))
    block(st, 0, 100, FAILED)
    const behind = block(st, 50, 100)
    const behindThat = block(st, 140, 20)
    const free = block(st, 1000, 10)
    const stuck = st.stuck(false)
    expect([...stuck]).toEqual([behind, behindThat])
    expect(stuck.has(free)).toBe(false)
    expect(st.stuck(true).has(free)).toBe(true)
  })

  it('merges into the newest block a write overlaps or touches, never past a newer overlapping one', () => {
    const st = new WbInode(Buffer.alloc(16))
    const a = block(st, 0, 100)
    block(st, 500, 100)
    const data = Buffer.alloc(20, 9)
    expect(st.merge(fd, CALL, 0, data, 100, 4096)).toBe(a)
    expect([a.offset, a.length, st.cachedBytes]).toEqual([0, 120, 220])
    expect(st.merge(fd, CALL, 0, data, 590, 4096)?.offset).toBe(500)
    // Over the limit, from another fd, or onto a block already sent: a new block instead.
    expect(st.merge(fd, CALL, 0, Buffer.alloc(5000), 0, 4096)).toBeUndefined()
    expect(st.merge(new Fd(fd.inode, 2, false), CALL, 0, data, 0, 4096)).toBeUndefined()
    a.sent = true
    expect(st.merge(fd, CALL, 0, data, 10, 4096)).toBeUndefined()
  })

  it('keeps a bounded number of loss records, merging the oldest without hiding any', () => {
    const st = new WbInode(Buffer.alloc(16))
    for (let i = 1; i <= 40; i++) st.addLoss(new Loss(i * 10, 28, undefined, [{ offset: i * 100, length: 10 }]))
    expect(st.losses!.length).toBeLessThanOrEqual(16)
    const seenByEarliest = st.lossesSince(0).flatMap((l) => l.ranges)
    for (let i = 1; i <= 40; i++) expect(seenByEarliest.some((r) => r.offset <= i * 100 && i * 100 + 10 <= r.offset + r.length)).toBe(true)
    expect(st.lossesSince(395).flatMap((l) => l.ranges)).toEqual([{ offset: 4000, length: 10 }])
    expect(st.lossesSince(400)).toEqual([])
  })
})
