// Scaffolding shared by the seeded, time-bounded fuzz tests in test/fuzz/ (STYLE.md §7): the run's
// seed, its time budget, a reproducible random source and the loop that names the seed and the
// iteration when a body fails. What to generate and how to mutate it stays in each fuzz file.

/**
 * The seed of this run, an unsigned 32-bit integer: `FUZZ_SEED=<n>` in the environment replays a
 * run (every Rng built from it gives the same sequence), otherwise a random one.
 */
export const FUZZ_SEED: number = process.env.FUZZ_SEED !== undefined
  ? Number(process.env.FUZZ_SEED) >>> 0
  : (Math.random() * 2 ** 32) >>> 0

/**
 * Time each fuzz file may spend, in ms, shared out between its tests: 15 000 when `CI=true`,
 * 2 000 otherwise (short enough for a local `vitest run`, long enough to reach the error paths).
 */
export const FUZZ_BUDGET_MS: number = process.env.CI === 'true' ? 15_000 : 2_000

/** mulberry32: small, fast, reproducible; not for anything but driving tests. */
export class Rng {
  #state: number

  /** @param seed any number, taken as an unsigned 32-bit integer. */
  constructor(seed: number) {
    this.#state = seed >>> 0
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** An integer in [0, 2^32). */
  u32(): number {
    return this.int(2 ** 32)
  }

  /** True with probability `p` (0..1). */
  chance(p: number): boolean {
    return this.next() < p
  }

  /** One of `items`, which must not be empty. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!
  }

  /** `n` random bytes. */
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n)
    for (let i = 0; i < n; i++) b[i] = this.int(256)
    return b
  }

  /** `min` to `max` (inclusive) code points drawn from `alphabet`. */
  string(alphabet: string, min: number, max: number): string {
    const chars = [...alphabet]
    let s = ''
    for (let n = min + this.int(max - min + 1); n > 0; n--) s += this.pick(chars)
    return s
  }
}

/** How {@link fuzz} seeds and bounds its loop. */
export interface FuzzOptions {
  /** Seed of the loop's Rng; default {@link FUZZ_SEED}. Derive it from FUZZ_SEED so that a replay still works. */
  readonly seed?: number
  /** Iterations run even when the budget is spent first; default 0. */
  readonly minIterations?: number
}

/**
 * Runs `body` again and again with one Rng, until `budgetMs` (ms) has passed and at least
 * `minIterations` ran. A failure is logged and rethrown (the original as `cause`) under a message
 * naming `FUZZ_SEED` and the iteration, so that `FUZZ_SEED=<n>` replays it.
 * @returns the number of iterations run.
 */
export function fuzz(budgetMs: number, body: (g: Rng, iteration: number) => void, options: FuzzOptions = {}): number {
  const g = new Rng(options.seed ?? FUZZ_SEED)
  const min = options.minIterations ?? 0
  const until = performance.now() + budgetMs
  let i = 0
  for (; i < min || performance.now() < until; i++) {
    try {
      body(g, i)
    } catch (err) {
      console.error(`fuzz failure: replay with FUZZ_SEED=${FUZZ_SEED} (iteration ${i})`)
      throw Object.assign(new Error(`FUZZ_SEED=${FUZZ_SEED} iteration ${i}: ${(err as Error).message}`), { cause: err })
    }
  }
  return i
}
