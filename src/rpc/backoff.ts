/**
 * How long to wait before reconnect attempt `n`: exponential, capped, with jitter (ioredis
 * `retryStrategy`). glusterfs retries a lost brick every 3 s flat (rpc-clnt.c reconnect timer);
 * starting small and backing off reconnects a restarted brick sooner and spares a dead one.
 */
export interface BackoffOptions {
  /** Wait before the first attempt after a connection is lost, in ms. Defaults to 100 ms. */
  initialDelayMs?: number
  /** Largest wait between two attempts, in ms. Defaults to 5 s. */
  maxDelayMs?: number
  /** Growth of the wait per failed attempt. Defaults to 2. */
  factor?: number
  /**
   * Share of each wait that is random, 0..1: the wait is drawn from
   * `[delay * (1 - jitter), delay]` so many clients do not retry in step. Defaults to 0.5.
   */
  jitter?: number
}

/** The defaults of `BackoffOptions`. */
export const DEFAULT_BACKOFF: Readonly<Required<BackoffOptions>> = { initialDelayMs: 100, maxDelayMs: 5000, factor: 2, jitter: 0.5 }

/** Checked, defaulted backoff settings; throws RangeError (ERR_OUT_OF_RANGE) on nonsense. */
export function backoffOptions(o: BackoffOptions | undefined): Readonly<Required<BackoffOptions>> {
  const r = { ...DEFAULT_BACKOFF, ...o }
  check('initialDelayMs', r.initialDelayMs, 0, 3_600_000)
  check('maxDelayMs', r.maxDelayMs, r.initialDelayMs, 3_600_000)
  check('factor', r.factor, 1, 100)
  check('jitter', r.jitter, 0, 1)
  return r
}

/**
 * The wait before attempt `attempt` (0 = the first retry). `random` is injectable so tests can
 * pin the jitter.
 */
export function backoffDelayMs(o: Readonly<Required<BackoffOptions>>, attempt: number, random: () => number = Math.random): number {
  // Past ~60 doublings any factor is far beyond the cap; stop multiplying before Infinity.
  const base = Math.min(o.maxDelayMs, o.initialDelayMs * o.factor ** Math.min(attempt, 60))
  return Math.round(base * (1 - o.jitter * random()))
}

function check(name: string, value: number, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw Object.assign(new RangeError(`The value of "${name}" is out of range. It must be >= ${min} && <= ${max}. Received ${String(value)}`), { code: 'ERR_OUT_OF_RANGE' })
  }
}
