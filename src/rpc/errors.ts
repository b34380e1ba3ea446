import { describeErrno, describeResolverFailure } from './errno.ts'

/** Where an error happened, as far as the layer that raised it knows. */
export interface GlusterErrorInit {
  /** Linux errno number (positive), as the wire carries it; for `code`, Node's errno negated. */
  errno: number
  /**
   * Only for a name-resolution failure: the getaddrinfo code Node gave ('ENOTFOUND',
   * 'EAI_AGAIN'), which has no Linux errno.
   */
  code?: string | undefined
  /** The fop or API call: 'open', 'pwrite', 'init'... */
  syscall: string
  path?: string | undefined
  /** Canonical text form of the gfid the call was about. */
  gfid?: string | undefined
  host?: string | undefined
  port?: number | undefined
  volume?: string | undefined
  /** `host:/brick/path` of the brick that answered or failed. */
  brick?: string | undefined
  /** Extra words for a person: what the server said, which option decides it. */
  detail?: string | undefined
  /** For calls that failed because the connection dropped: the brick may still apply them. */
  maybeApplied?: boolean | undefined
  /** Byte ranges of cached writes that did not reach the brick (write-behind reports). */
  failedRanges?: readonly FailedRange[] | undefined
  cause?: unknown
}

/** `length` bytes of a file from `offset`. */
export interface FailedRange {
  readonly offset: number
  readonly length: number
}

/**
 * A failed fop or mount step, shaped like Node's fs errors: `code`, negative `errno`, `syscall`,
 * `path`, plus the GlusterFS location (volume, brick, host, port) so the message says where.
 */
export class GlusterError extends Error {
  readonly code: string
  /** Negative, as in Node's fs errors (-2 for ENOENT). */
  readonly errno: number
  readonly syscall: string
  readonly path: string | undefined
  readonly gfid: string | undefined
  readonly host: string | undefined
  readonly port: number | undefined
  readonly volume: string | undefined
  readonly brick: string | undefined
  /** True when the outcome is unknown: the request may have reached the brick before the failure. */
  readonly maybeApplied: boolean
  /**
   * For fsync, close and the requests that depend on cached writes: the byte ranges that did not
   * reach the brick, sorted and merged (write-behind). Undefined for other failures.
   */
  readonly failedRanges: readonly FailedRange[] | undefined
  /** The words after the location in the message: what the server said, what to check. */
  readonly detail: string | undefined

  constructor(init: GlusterErrorInit) {
    const { code, errno, message } = (init.code === undefined ? undefined : describeResolverFailure(init.code, init.errno)) ?? describeErrno(init.errno)
    let text = `${code}: ${message}, ${init.syscall}`
    if (init.path !== undefined) text += ` '${init.path}'`
    else if (init.gfid !== undefined) text += ` <gfid:${init.gfid}>`
    const where: string[] = []
    if (init.volume !== undefined) where.push(`volume ${init.volume}`)
    if (init.brick !== undefined) where.push(`brick ${init.brick}`)
    else if (init.host !== undefined) where.push(init.port !== undefined ? `${formatHostPort(init.host, init.port)}` : init.host)
    if (where.length > 0) text += ` (${where.join(', ')})`
    if (init.detail !== undefined) text += `: ${init.detail}`
    super(text, init.cause === undefined ? undefined : { cause: init.cause })
    this.name = 'GlusterError'
    this.code = code
    this.errno = -errno
    this.syscall = init.syscall
    this.path = init.path
    this.gfid = init.gfid
    this.host = init.host
    this.port = init.port
    this.volume = init.volume
    this.brick = init.brick
    this.maybeApplied = init.maybeApplied === true
    this.failedRanges = init.failedRanges
    this.detail = init.detail
  }
}

/** Stable codes for RPC-level failures (RFC 5531 reply states and framing errors). */
export type RpcErrorCode =
  | 'ERR_RPC_PROG_UNAVAIL'
  | 'ERR_RPC_PROG_MISMATCH'
  | 'ERR_RPC_PROC_UNAVAIL'
  | 'ERR_RPC_GARBAGE_ARGS'
  | 'ERR_RPC_SYSTEM_ERR'
  | 'ERR_RPC_MISMATCH'
  | 'ERR_RPC_AUTH'
  | 'ERR_RPC_RECORD_TOO_LARGE'
  | 'ERR_RPC_PROTOCOL'

export interface RpcErrorInit {
  program?: string | undefined
  procedure?: string | undefined
  xid?: number | undefined
  host?: string | undefined
  port?: number | undefined
  cause?: unknown
}

/** The server refused or could not run a call, or the peer broke the RPC framing. */
export class RpcError extends Error {
  readonly code: RpcErrorCode
  readonly program: string | undefined
  readonly procedure: string | undefined
  readonly xid: number | undefined
  readonly host: string | undefined
  readonly port: number | undefined

  constructor(code: RpcErrorCode, message: string, init: RpcErrorInit = {}) {
    let text = message
    if (init.program !== undefined) text += ` (${init.program}${init.procedure !== undefined ? ' ' + init.procedure : ''}${init.xid !== undefined ? ' xid ' + init.xid : ''})`
    if (init.host !== undefined) text += ` from ${init.port !== undefined ? formatHostPort(init.host, init.port) : init.host}`
    super(text, init.cause === undefined ? undefined : { cause: init.cause })
    this.name = 'RpcError'
    this.code = code
    this.program = init.program
    this.procedure = init.procedure
    this.xid = init.xid
    this.host = init.host
    this.port = init.port
  }
}

/** `host:port`, with IPv6 literals in brackets. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
