import { describe, expect, it } from 'vitest'
import { heapAllocated } from '../../../bench/lib/engine.ts'

const collection = (before: number, after: number) =>
  ({ beforeGC: { heapStatistics: { usedHeapSize: before } }, afterGC: { heapStatistics: { usedHeapSize: after } } }) as unknown as Parameters<typeof heapAllocated>[1][number]

describe('heapAllocated (bench: V8 heap bytes allocated over a window)', () => {
  it('without a collection: the growth of the used heap', () => {
    expect(heapAllocated(1000, [], 1500)).toBe(500)
  })

  it('adds the growth up to each collection and after the last, not what the collections freed', () => {
    // 1000 → 5000 (collected to 2000) → 6000 (collected to 1200) → 1700: 4000 + 4000 + 500.
    expect(heapAllocated(1000, [collection(5000, 2000), collection(6000, 1200)], 1700)).toBe(8500)
  })
})
