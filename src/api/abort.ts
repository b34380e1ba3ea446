/** Options of the API calls that may wait on the network. */
export interface GlfsCallOptions {
  /**
   * Stops waiting: the call rejects at once with an `AbortError` (code `ABORT_ERR`, the signal's
   * reason as `cause`). A request already sent is not recalled: a write or fsync may still be
   * applied (`maybeApplied`), and a write's bytes may still be read from the caller's buffer
   * until the connection has sent them.
   */
  readonly signal?: AbortSignal | undefined
}

/** A call given up by its AbortSignal, shaped like Node's own AbortError (code ABORT_ERR). */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR'
  readonly syscall: string
  readonly path: string | undefined
  /** True when the request may already have reached the brick and may still be applied. */
  readonly maybeApplied: boolean

  constructor(syscall: string, path: string | undefined, maybeApplied: boolean, reason: unknown) {
    super(`The operation was aborted, ${syscall}${path !== undefined ? ` '${path}'` : ''}`, { cause: reason })
    this.name = 'AbortError'
    this.syscall = syscall
    this.path = path
    this.maybeApplied = maybeApplied
  }
}

/**
 * `promise`, or an AbortError as soon as `signal` aborts, whichever comes first. The work behind
 * `promise` goes on; its outcome is dropped. `mutates` marks calls whose effect may land anyway.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal, syscall: string, path: string | undefined, mutates: boolean): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined)
    return Promise.reject(new AbortError(syscall, path, mutates, signal.reason))
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortError(syscall, path, mutates, signal.reason))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then((value) => {
      signal.removeEventListener('abort', onAbort)
      resolve(value)
    }, (err: unknown) => {
      signal.removeEventListener('abort', onAbort)
      reject(err)
    })
  })
}

/**
 * Run `run` under `options.signal`: an already-aborted signal rejects before `run` starts (no
 * request is sent); a later abort rejects at once and drops the outcome, as {@link abortable}.
 * `discard` disposes of a result that arrives after the abort (an fd nobody will close).
 */
export function withSignal<T>(
  options: GlfsCallOptions | undefined, syscall: string, path: string | undefined, mutates: boolean,
  run: () => Promise<T>, discard?: (late: T) => Promise<unknown>,
): Promise<T> {
  const signal = options?.signal
  if (signal?.aborted) return Promise.reject(new AbortError(syscall, path, false, signal.reason))
  let work: Promise<T>
  try {
    work = run()
  } catch (err) {
    // Bad arguments are reported through the promise, as every other failure.
    return Promise.reject(err)
  }
  if (signal === undefined) return work
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortError(syscall, path, mutates, signal.reason))
    signal.addEventListener('abort', onAbort, { once: true })
    work.then((value) => {
      signal.removeEventListener('abort', onAbort)
      if (signal.aborted && discard !== undefined) discard(value).catch(() => undefined)
      resolve(value)
    }, (err: unknown) => {
      signal.removeEventListener('abort', onAbort)
      reject(err)
    })
  })
}
