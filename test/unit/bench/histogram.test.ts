import { describe, expect, it } from 'vitest'
import { Histogram } from '../../../bench/lib/histogram.ts'

/** Relative error of `got` against `want`. */
function rel(got: number, want: number): number {
  return Math.abs(got - want) / want
}

/** Exact nearest-rank percentile of a sorted array, the definition the histogram approximates. */
function exact(sorted: readonly number[], p: number): number {
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!
}

const PS = [1, 10, 50, 90, 99, 99.9, 99.99]

describe('Histogram', () => {
  it('is exact for a constant distribution', () => {
    const h = new Histogram()
    for (let i = 0; i < 10_000; i++) h.record(123_456)
    for (const p of PS) expect(h.percentile(p)).toBe(123_456)
    expect(h.min).toBe(123_456)
    expect(h.max).toBe(123_456)
    expect(h.mean).toBeCloseTo(123_456, 6)
    expect(h.stddev).toBeCloseTo(0, 6)
  })

  it('stays within 1% of the exact percentiles of a uniform distribution', () => {
    const h = new Histogram()
    const values: number[] = []
    for (let i = 1; i <= 100_000; i++) {
      const v = i * 37 // 37 ns .. 3.7 ms
      values.push(v)
      h.record(v)
    }
    for (const p of PS) expect(rel(h.percentile(p), exact(values, p))).toBeLessThanOrEqual(0.01)
    expect(h.count).toBe(100_000)
    expect(rel(h.mean, 37 * 50_000.5)).toBeLessThan(1e-9)
    // Sample standard deviation of 37 * U{1..n}: 37 * sqrt(n (n + 1) / 12).
    expect(rel(h.stddev, 37 * Math.sqrt((100_000 * 100_001) / 12))).toBeLessThan(1e-6)
  })

  it('stays within 1% of the exact percentiles of an exponential distribution', () => {
    const h = new Histogram()
    const values: number[] = []
    const n = 200_000
    const mean = 250_000 // 250 µs
    for (let i = 0; i < n; i++) {
      const v = -Math.log(1 - (i + 0.5) / n) * mean // quantiles, no randomness needed
      values.push(v)
      h.record(v)
    }
    values.sort((a, b) => a - b)
    for (const p of PS) expect(rel(h.percentile(p), exact(values, p))).toBeLessThanOrEqual(0.01)
    expect(rel(h.percentile(50), mean * Math.LN2)).toBeLessThan(0.01)
    expect(rel(h.mean, mean)).toBeLessThan(0.001)
  })

  it('keeps 1% accuracy from nanoseconds to hours', () => {
    for (const v of [1, 200, 255, 256, 257, 1000, 65_537, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 12_345, 3.6e12, 2 ** 52 + 1]) {
      const h = new Histogram()
      h.record(v)
      h.record(v * 1.001 + 1)
      // Two samples: p50 is the lower one, p100 the upper one.
      expect(rel(h.percentile(50), v)).toBeLessThanOrEqual(0.01)
      expect(rel(h.percentile(100), v * 1.001 + 1)).toBeLessThanOrEqual(0.01)
    }
  })

  it('reports zeros when empty and forgets samples on reset', () => {
    const h = new Histogram()
    expect(h.percentile(50)).toBe(0)
    expect(h.mean).toBe(0)
    h.record(5)
    h.reset()
    expect(h.count).toBe(0)
    expect(h.percentile(99)).toBe(0)
    h.record(-3)
    expect(h.min).toBe(0)
  })
})

describe('Histogram.merge', () => {
  it('gives the count, mean, stddev, extremes and percentiles of all the samples', async () => {
    const { Histogram } = await import('../../../bench/lib/histogram.ts')
    const all = new Histogram()
    const a = new Histogram()
    const b = new Histogram()
    for (let i = 0; i < 1000; i++) {
      const v = 1000 + ((i * 7919) % 5000)
      all.record(v)
      ;(i % 3 === 0 ? a : b).record(v)
    }
    a.merge(b)
    expect(a.count).toBe(all.count)
    expect(a.mean).toBeCloseTo(all.mean, 6)
    expect(a.stddev).toBeCloseTo(all.stddev, 6)
    expect([a.min, a.max]).toEqual([all.min, all.max])
    expect(a.percentile(99)).toBe(all.percentile(99))
  })
})
