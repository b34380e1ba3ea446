import { EventEmitter } from 'node:events'
import { debuglog } from 'node:util'
import type { BackoffOptions } from '../rpc/backoff.ts'
import type { RpcClient } from '../rpc/client.ts'
import { errnoOf } from '../rpc/errno.ts'
import { GlusterError, RpcError } from '../rpc/errors.ts'
import { CALLBACK_PROGRAM_NUMBER, CallbackProc } from '../rpc/programs/callback.ts'
import { Reconnector } from '../rpc/reconnect.ts'
import { type VolfileServer, describeVolfileServer, fetchVolfile, getspec } from './mgmt.ts'
import type { TlsProfile } from '../rpc/tls.ts'

const debug = debuglog('gfapi')

/**
 * The management connection's state:
 * - `connecting`: trying a server (at mount, or rotating after a loss);
 * - `connected`: a glusterd answered GETSPEC; its FETCHSPEC callbacks are heard;
 * - `disconnected`: the connection is gone; the next server is tried after a backoff;
 * - `closed`: `close()` was called.
 */
export type VolfileServerStatus = 'connecting' | 'connected' | 'disconnected' | 'closed'

/** A change of the management connection, as the `'status'` event (and Glfs's `'volfile-server'`) reports it. */
export interface VolfileServerChange {
  /** The server the change is about. */
  readonly server: VolfileServer
  readonly status: VolfileServerStatus
  /** Why the connection was lost, or why this server could not be used. */
  readonly cause: Error | undefined
}

export interface VolfileServersOptions {
  /** Bound on each connect and each GETSPEC answer, in ms. */
  timeoutMs: number
  /** Backoff between servers when rotating after the mount. */
  backoff?: BackoffOptions | undefined
  /** Management TLS (secure-access), for every glusterd connection. */
  tls?: TlsProfile | undefined
}

/**
 * The volfile servers of one mount and the one management connection to them.
 *
 * At mount, `mount()` tries the servers in order, each within the timeout, and keeps the first
 * that answers. Afterwards, when that glusterd goes away, the servers are tried in turn in the
 * background (one per attempt, starting with the next, with backoff) until one answers; libgfapi
 * only rotates before the first mount (glfs-mgmt.c mgmt_rpc_notify checks `!ctx->active`).
 * The volfile is fetched again after every reconnect and on every FETCHSPEC callback
 * (prog 52743234 proc 1, glusterd.c glusterd_fetchspec_notify sends it to every client on any
 * volume change); `'volfile'` is emitted only when the text differs from the last one.
 *
 * Events: `'status'` (VolfileServerChange); `'volfile'` (spec: string);
 * `'volfile-error'` (err: Error) when a refetch on a live connection failed.
 */
export class VolfileServers extends EventEmitter {
  readonly servers: readonly VolfileServer[]
  readonly volume: string
  readonly #timeoutMs: number
  readonly #tls: TlsProfile | undefined
  readonly #reconnector: Reconnector
  #rpc: RpcClient | undefined
  #index = 0
  #status: VolfileServerStatus = 'connecting'
  #spec = ''
  /** A refetch is running; `#refetchAgain` asks for one more after it (FETCHSPEC during a fetch). */
  #refetching = false
  #refetchAgain = false
  readonly #closing = new AbortController()

  constructor(servers: readonly VolfileServer[], volume: string, options: VolfileServersOptions) {
    super()
    this.servers = servers
    this.volume = volume
    this.#timeoutMs = options.timeoutMs
    this.#tls = options.tls
    this.#reconnector = new Reconnector(() => this.#rotate(), (err) => {
      debug('volfile server rotation: %s', (err as Error).message)
    }, options.backoff)
  }

  get status(): VolfileServerStatus {
    return this.#status
  }

  /** The server the management connection is (or was last) on. */
  get current(): VolfileServer | undefined {
    return this.servers[this.#index]
  }

  /** The last volfile text fetched. */
  get spec(): string {
    return this.#spec
  }

  /**
   * Try each server in order (each bounded by the timeout) and resolve with the first volfile.
   * A volume that glusterd does not know (ENOENT) ends the search: the other servers agree.
   */
  async mount(signal?: AbortSignal): Promise<string> {
    const linked = linkSignals(signal, this.#closing.signal)
    try {
      const failures: Error[] = []
      for (let i = 0; i < this.servers.length; i++) {
        const server = this.servers[i]!
        this.#index = i
        this.#setStatus('connecting', undefined)
        try {
          const fetched = await fetchVolfile(server, this.volume, this.#timeoutMs, linked.signal, this.#tls)
          this.#adopt(fetched.rpc, fetched.spec)
          return fetched.spec
        } catch (err) {
          if (linked.signal.aborted) throw err
          if (!(err instanceof GlusterError || err instanceof RpcError)) throw err
          this.#setStatus('disconnected', err)
          if (err instanceof GlusterError && err.code === 'ENOENT') throw err
          debug('volfile server %s failed: %s', describeVolfileServer(server), err.message)
          failures.push(err)
        }
      }
      throw mountError(this.volume, failures)
    } finally {
      linked.dispose()
    }
  }

  /** Close the management connection and stop rotating; resolves once its socket is released. */
  async close(): Promise<void> {
    if (this.#status === 'closed') return
    this.#closing.abort()
    const rpc = this.#rpc
    this.#rpc = undefined
    this.#setStatus('closed', undefined)
    rpc?.close()
    await Promise.all([this.#reconnector.stop(), rpc?.whenClosed()])
  }

  #adopt(rpc: RpcClient, spec: string): void {
    this.#rpc = rpc
    this.#spec = spec
    rpc.on('callback', (prog: number, _vers: number, proc: number) => {
      if (prog === CALLBACK_PROGRAM_NUMBER && proc === CallbackProc.FETCHSPEC) void this.#refetch()
    })
    rpc.once('close', (err: Error | undefined) => {
      if (this.#rpc !== rpc || this.#status === 'closed') return
      this.#rpc = undefined
      debug('%s lost%s', rpc.label, err ? ': ' + err.message : '')
      this.#setStatus('disconnected', err)
      // Rotation starts with the next server: the one that dropped us is the least likely to answer.
      this.#index = (this.#index + 1) % this.servers.length
      this.#reconnector.schedule()
    })
    this.#setStatus('connected', undefined)
  }

  /** One rotation attempt: the current server; on failure the next one is tried next time. */
  async #rotate(): Promise<void> {
    const server = this.servers[this.#index]!
    this.#setStatus('connecting', undefined)
    let fetched
    try {
      fetched = await fetchVolfile(server, this.volume, this.#timeoutMs, this.#closing.signal, this.#tls)
    } catch (err) {
      if (this.#closing.signal.aborted) return
      this.#setStatus('disconnected', err as Error)
      this.#index = (this.#index + 1) % this.servers.length
      throw err
    }
    if (this.#closing.signal.aborted) {
      fetched.rpc.close()
      await fetched.rpc.whenClosed()
      return
    }
    const previous = this.#spec
    this.#adopt(fetched.rpc, fetched.spec)
    if (fetched.spec !== previous) this.emit('volfile', fetched.spec)
  }

  async #refetch(): Promise<void> {
    if (this.#refetching) {
      this.#refetchAgain = true
      return
    }
    this.#refetching = true
    try {
      do {
        this.#refetchAgain = false
        const rpc = this.#rpc
        const server = this.current
        if (rpc === undefined || server === undefined) return
        let spec: string
        try {
          spec = await getspec(rpc, server, this.volume, this.#timeoutMs)
        } catch (err) {
          if (this.#status !== 'closed') this.emit('volfile-error', err)
          return
        }
        if (this.#rpc !== rpc || spec === this.#spec) continue
        this.#spec = spec
        this.emit('volfile', spec)
      } while (this.#refetchAgain)
    } finally {
      this.#refetching = false
    }
  }

  #setStatus(status: VolfileServerStatus, cause: Error | undefined): void {
    this.#status = status
    const server = this.current
    if (server !== undefined) this.emit('status', { server, status, cause } satisfies VolfileServerChange)
  }
}

/** The mount error when every server failed: the only failure as is, or all of them named. */
function mountError(volume: string, failures: readonly Error[]): Error {
  if (failures.length === 1) return failures[0]!
  const first = failures[0]
  const errno = first instanceof GlusterError ? -first.errno : errnoOf('ENOTCONN')
  return new GlusterError({
    errno, syscall: 'init', volume,
    host: first instanceof GlusterError || first instanceof RpcError ? first.host : undefined,
    port: first instanceof GlusterError || first instanceof RpcError ? first.port : undefined,
    cause: first,
    detail: `no volfile server answered: ${failures.map((f) => f.message).join('; ')}`,
  })
}

/**
 * A signal that aborts with the reason of whichever of `a`, `b` aborts first, and `dispose` to
 * unhook it (AbortSignal.any is Node >= 20.3 and cannot be unhooked; engines say >= 20).
 */
function linkSignals(a: AbortSignal | undefined, b: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  if (a === undefined) return { signal: b, dispose: () => undefined }
  const c = new AbortController()
  const fromA = (): void => c.abort(a.reason)
  const fromB = (): void => c.abort(b.reason)
  if (a.aborted) fromA()
  else if (b.aborted) fromB()
  a.addEventListener('abort', fromA, { once: true })
  b.addEventListener('abort', fromB, { once: true })
  return {
    signal: c.signal,
    dispose: () => {
      a.removeEventListener('abort', fromA)
      b.removeEventListener('abort', fromB)
    },
  }
}
