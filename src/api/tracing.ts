import { channel, tracingChannel } from 'node:diagnostics_channel'
import { type Fd, gfidToString } from '../xlators/types.ts'
import { Xlator } from '../xlators/xlator.ts'

/**
 * What a subscriber of `gfapi-ts:fop` receives, one object per call from `start` to `asyncEnd`
 * (the `error` event adds `error`, `asyncStart`/`asyncEnd` see `result`).
 */
export interface FopMessage {
  /** The API call: 'pread', 'pwrite', 'stat', 'open', 'mkdir'... */
  readonly fop: string
  readonly volume: string
  /** The path the call named (for fd calls: the path the file was opened by). */
  readonly path: string | undefined
  /** For fd calls: the gfid of the open file. */
  readonly gfid: string | undefined
  /** For fd calls: the brick(s) holding the open file, as `host:/path`. */
  readonly brick: string | undefined
  /** For reads and writes: bytes asked for at `start`, bytes transferred once the call resolved. */
  bytes: number | undefined
  result?: unknown
  error?: unknown
}

/** A brick connection that became ready (`gfapi-ts:connect`) or was lost (`gfapi-ts:disconnect`). */
export interface BrickChannelMessage {
  readonly volume: string
  /** The protocol/client xlator's name, e.g. `vol-client-0`. */
  readonly xlator: string
  readonly host: string
  readonly path: string
  readonly port: number | undefined
  /** For `gfapi-ts:disconnect`: why, when known. */
  readonly cause?: Error | undefined
}

export const fopChannel = tracingChannel<unknown, FopMessage>('gfapi-ts:fop')
export const connectChannel = channel('gfapi-ts:connect')
export const disconnectChannel = channel('gfapi-ts:disconnect')

/**
 * `run()` traced on `gfapi-ts:fop`. Callers check `fopChannel.hasSubscribers` first, so the
 * message is only built when someone listens.
 */
export function traceFop<T>(message: FopMessage, run: () => Promise<T>): Promise<T> {
  return fopChannel.tracePromise(async () => {
    const result = await run()
    if (message.bytes !== undefined) message.bytes = transferred(result, message.bytes)
    return result
  }, message)
}

/** Bytes a read or write moved: its count, or the Buffer it returned. */
function transferred(result: unknown, asked: number): number {
  if (typeof result === 'number') return result
  if (result instanceof Uint8Array) return result.length
  return asked
}

/** The bricks an open file lives on (the protocol/client xlators holding its fd), for messages. */
export function bricksOf(fd: Fd): string | undefined {
  let bricks: string | undefined
  for (const x of fd.ctx.keys()) {
    // The graph's leaves (protocol/client) keep their state of the fd under themselves.
    if (x instanceof Xlator && x.children.length === 0 && x.brick !== undefined) bricks = bricks === undefined ? x.brick : `${bricks},${x.brick}`
  }
  return bricks
}

/** The message of a call on an open file. */
export function fdMessage(fop: string, volume: string, path: string, fd: Fd, bytes: number | undefined): FopMessage {
  return { fop, volume, path, gfid: gfidToString(fd.inode.gfid), brick: bricksOf(fd), bytes }
}

/** What `publishBrickChannels` needs of a Glfs: its volume and brick events. */
interface BrickEvents {
  readonly volume: string
  on(event: 'brick-up', listener: (brick: BrickRef) => void): unknown
  on(event: 'brick-down', listener: (brick: BrickRef, cause: Error | undefined) => void): unknown
}

interface BrickRef {
  readonly xlator: string
  readonly host: string
  readonly path: string
  readonly port: number | undefined
}

/** Publish a Glfs's brick connections on `gfapi-ts:connect` / `gfapi-ts:disconnect` while someone subscribes. */
export function publishBrickChannels(glfs: BrickEvents): void {
  glfs.on('brick-up', (brick) => {
    if (connectChannel.hasSubscribers) connectChannel.publish(brickMessage(glfs.volume, brick, undefined))
  })
  glfs.on('brick-down', (brick, cause) => {
    if (disconnectChannel.hasSubscribers) disconnectChannel.publish(brickMessage(glfs.volume, brick, cause))
  })
}

function brickMessage(volume: string, brick: BrickRef, cause: Error | undefined): BrickChannelMessage {
  return { volume, xlator: brick.xlator, host: brick.host, path: brick.path, port: brick.port, cause }
}

/** Bytes a read or write asks for: a length, or the size of the data or buffer (undefined for bad arguments, which the call rejects). */
export function sizeOf(target: unknown): number | undefined {
  if (typeof target === 'number') return target
  if (typeof target === 'string') return Buffer.byteLength(target)
  return target instanceof Uint8Array ? target.length : undefined
}
