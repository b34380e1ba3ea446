/**
 * Log-linear latency histogram in the manner of HdrHistogram: values below 256 get one bucket
 * each; above that, every power-of-two range [2^k, 2^(k+1)) is cut into 128 equal buckets. A
 * bucket's midpoint is then within 1/256 (0.4%) of any value in it, whatever the magnitude, in
 * 47 x 128 buckets covering every safe integer. Recording is a few integer operations and one
 * array increment, with no allocation, so it can run on every completion.
 *
 *   value  0 ... 255 | 256 ... 511 (step 2) | 512 ... 1023 (step 4) | ...
 *   index  0 ... 255 | 256 ... 383         | 384 ... 511          | ...
 */

const SUB_BITS = 7
const SUB = 1 << SUB_BITS
// Largest exponent step: values up to 2^53 have floor(log2) <= 52, so e <= 45.
const MAX_SHIFT = 53 - SUB_BITS
const BUCKETS = (MAX_SHIFT + 2) * SUB
const TWO_31 = 2 ** 31

function bucketOf(value: number): number {
  if (value < 2 * SUB) return value
  let log2 = value < TWO_31 ? 31 - Math.clz32(value) : Math.floor(Math.log2(value))
  // Math.log2 may round a value just under a power of two up to it; step back if so.
  if (2 ** log2 > value) log2--
  const shift = log2 - SUB_BITS
  return shift * SUB + Math.floor(value / 2 ** shift)
}

/** Midpoint of a bucket (the value itself for the exact buckets below 256). */
function valueOf(index: number): number {
  if (index < 2 * SUB) return index
  const shift = Math.floor(index / SUB) - 1
  const width = 2 ** shift
  return (index - shift * SUB) * width + width / 2
}

/** Latency histogram with exact min, max, mean and standard deviation. Values in nanoseconds. */
export class Histogram {
  readonly #counts = new Float64Array(BUCKETS)
  count = 0
  min = Number.POSITIVE_INFINITY
  max = 0
  // Welford's running mean and sum of squared deviations: stable over millions of samples.
  #mean = 0
  #m2 = 0

  /** Record one value (ns). Negative values count as 0; fractions keep their exact mean. */
  record(value: number): void {
    const v = value > 0 ? value : 0
    const whole = Math.floor(v)
    this.#counts[bucketOf(whole < Number.MAX_SAFE_INTEGER ? whole : Number.MAX_SAFE_INTEGER)]! += 1
    const n = ++this.count
    if (v < this.min) this.min = v
    if (v > this.max) this.max = v
    const delta = v - this.#mean
    this.#mean += delta / n
    this.#m2 += delta * (v - this.#mean)
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.#mean
  }

  /** Sample standard deviation (n - 1), 0 below two samples. */
  get stddev(): number {
    return this.count < 2 ? 0 : Math.sqrt(this.#m2 / (this.count - 1))
  }

  /**
   * The value at or below which `p` percent of samples fall (nearest rank, as fio reports),
   * accurate to 0.4%, clamped to the exact min and max. 0 for an empty histogram.
   */
  percentile(p: number): number {
    if (this.count === 0) return 0
    const rank = Math.max(1, Math.ceil((p / 100) * this.count))
    let seen = 0
    const counts = this.#counts
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i]!
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, valueOf(i)))
    }
    return this.max
  }

  /** Add every sample of `other` (fio group_reporting's sum of its jobs). */
  merge(other: Histogram): void {
    if (other.count === 0) return
    for (let i = 0; i < BUCKETS; i++) this.#counts[i]! += other.#counts[i]!
    const n = this.count + other.count
    const delta = other.#mean - this.#mean
    // Chan et al.'s pairwise update of the running mean and squared deviations.
    this.#m2 += other.#m2 + (delta * delta * this.count * other.count) / n
    this.#mean += (delta * other.count) / n
    this.count = n
    if (other.min < this.min) this.min = other.min
    if (other.max > this.max) this.max = other.max
  }

  /** Forget every sample (the end of a ramp period). */
  reset(): void {
    this.#counts.fill(0)
    this.count = 0
    this.min = Number.POSITIVE_INFINITY
    this.max = 0
    this.#mean = 0
    this.#m2 = 0
  }
}
