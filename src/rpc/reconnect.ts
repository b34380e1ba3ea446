import { type BackoffOptions, backoffDelayMs, backoffOptions } from './backoff.ts'

/**
 * Retries an async attempt with capped exponential backoff and jitter until it succeeds or
 * `stop()` is called; at most one attempt runs at a time and at most one timer is armed.
 *
 *   idle --schedule()--> waiting --timer--> attempting --ok--> idle (attempts reset)
 *                          ^                    |
 *                          +-------failed-------+        stop(): stopped, from any state
 */
export class Reconnector {
  readonly #attempt: () => Promise<void>
  readonly #onFailure: (err: unknown, attempt: number) => void
  readonly #options: Readonly<Required<BackoffOptions>>
  #timer: NodeJS.Timeout | undefined
  #attempts = 0
  #running: Promise<void> | undefined
  #stopped = false

  /**
   * `attempt` is one try (throws on failure); `onFailure` hears every failed try, with its
   * 0-based number.
   */
  constructor(attempt: () => Promise<void>, onFailure: (err: unknown, attempt: number) => void, options?: BackoffOptions) {
    this.#attempt = attempt
    this.#onFailure = onFailure
    this.#options = backoffOptions(options)
  }

  /** A try is waiting for its timer or running. */
  get active(): boolean {
    return this.#timer !== undefined || this.#running !== undefined
  }

  /** Failed tries since the last success. */
  get attempts(): number {
    return this.#attempts
  }

  /** Arm the next try after the backoff delay, unless one is already armed or running. */
  schedule(): void {
    if (this.#stopped || this.active) return
    const delay = backoffDelayMs(this.#options, this.#attempts)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#running = this.#run()
    }, delay)
  }

  /**
   * Cancel the armed try; a running one finishes but schedules nothing more. Resolves when no
   * try is running.
   */
  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    await this.#running
  }

  async #run(): Promise<void> {
    let failure: { err: unknown } | undefined
    try {
      await this.#attempt()
      this.#attempts = 0
    } catch (err) {
      failure = { err }
    }
    this.#running = undefined
    if (failure === undefined || this.#stopped) return
    this.#onFailure(failure.err, this.#attempts++)
    this.schedule()
  }
}
