/**
 * node:stream and WHATWG streams over an open file, shaped like fs.ReadStream/fs.WriteStream and
 * FileHandle.readableWebStream. One read or write is in flight per stream: a Readable asks for
 * more only while its buffer is below highWaterMark, and a Writable takes the next chunk only when
 * the last one was written, so memory stays within a small multiple of highWaterMark whatever the
 * pace of the other side.
 */
import { rangeError } from './arg-errors.ts'
import { Readable, Writable } from 'node:stream'
import { errnoOf } from '../rpc/errno.ts'
import { GlusterError } from '../rpc/errors.ts'
import type { GlfsCallOptions } from './abort.ts'
import type { FileCalls } from './file-handle.ts'

/** Default highWaterMark of read streams, as fs.ReadStream's. */
const READ_HIGH_WATER_MARK = 64 * 1024
/** Default highWaterMark of write streams, as fs.WriteStream's. */
const WRITE_HIGH_WATER_MARK = 16 * 1024

export interface ReadStreamOptions extends GlfsCallOptions {
  /** First byte to read. Default 0. */
  readonly start?: number | undefined
  /** Last byte to read (inclusive, as node:fs). Default: to end of file. */
  readonly end?: number | undefined
  /** Bytes asked of the brick per read, and the stream's buffer bound. Default 64 KiB. */
  readonly highWaterMark?: number | undefined
  /** Emit strings in this encoding rather than Buffers. */
  readonly encoding?: BufferEncoding | undefined
  /** Close the file when the stream ends or fails. Default true. */
  readonly autoClose?: boolean | undefined
}

export interface WriteStreamOptions extends GlfsCallOptions {
  /** File offset of the first byte written. Default 0. */
  readonly start?: number | undefined
  /** Bytes buffered before `write()` returns false. Default 16 KiB. */
  readonly highWaterMark?: number | undefined
  /** fsync before the stream finishes. Default false. */
  readonly flush?: boolean | undefined
  /** Close the file when the stream finishes or fails; close errors fail the stream. Default true. */
  readonly autoClose?: boolean | undefined
}

/** Options of `Glfs.createReadStream(path, options)`. */
export interface PathReadStreamOptions extends ReadStreamOptions {
  /** Open flags. Default 'r'. */
  readonly flags?: number | string | undefined
}

/** Options of `Glfs.createWriteStream(path, options)`. */
export interface PathWriteStreamOptions extends WriteStreamOptions {
  /** Open flags. Default 'w'. */
  readonly flags?: number | string | undefined
  /** Permission bits of a file created. Default 0o644. */
  readonly mode?: number | undefined
}

type Source = FileCalls | (() => Promise<FileCalls>)

/** fs.ReadStream over an open file: reads `highWaterMark` bytes at a time from `start` to `end`. */
export class GlfsReadStream extends Readable {
  readonly path: string
  /** Bytes read so far. */
  bytesRead = 0
  #fd: FileCalls | undefined
  readonly #open: (() => Promise<FileCalls>) | undefined
  readonly #autoClose: boolean
  #position: number
  /** One past the last byte to read. */
  readonly #stop: number

  constructor(source: Source, path: string, options: ReadStreamOptions = {}) {
    const highWaterMark = options.highWaterMark ?? READ_HIGH_WATER_MARK
    super({ highWaterMark, encoding: options.encoding, signal: options.signal })
    this.path = path
    if (typeof source === 'function') this.#open = source
    else this.#fd = source
    this.#autoClose = options.autoClose ?? true
    this.#position = checkPosition(options.start ?? 0, 'start')
    this.#stop = options.end === undefined ? Infinity : checkPosition(options.end, 'end') + 1
    if (this.#stop < this.#position) throw rangeError('start', `<= "end" (here: ${options.end})`, options.start)
  }

  /** The open file, once the stream opened it. */
  get fd(): FileCalls | undefined {
    return this.#fd
  }

  override _construct(callback: (error?: Error | null) => void): void {
    if (this.#open === undefined) return callback()
    this.#open().then((fd) => {
      this.#fd = fd
      callback()
    }, callback)
  }

  override _read(size: number): void {
    const want = Math.min(size, this.#stop - this.#position)
    if (want <= 0) {
      this.push(null)
      return
    }
    this.#fd!.pread(want, this.#position).then((data) => {
      if (data.length === 0) {
        this.push(null)
        return
      }
      this.#position += data.length
      this.bytesRead += data.length
      this.push(data)
    }, (err: Error) => this.destroy(err))
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    closeIf(this.#autoClose, this.#fd, error, callback)
  }
}

/** fs.WriteStream over an open file: writes each chunk at the next offset from `start`. */
export class GlfsWriteStream extends Writable {
  readonly path: string
  /** Bytes written so far. */
  bytesWritten = 0
  #fd: FileCalls | undefined
  readonly #open: (() => Promise<FileCalls>) | undefined
  readonly #autoClose: boolean
  readonly #flush: boolean
  #position: number

  constructor(source: Source, path: string, options: WriteStreamOptions = {}) {
    super({ highWaterMark: options.highWaterMark ?? WRITE_HIGH_WATER_MARK, decodeStrings: true, signal: options.signal })
    this.path = path
    if (typeof source === 'function') this.#open = source
    else this.#fd = source
    this.#autoClose = options.autoClose ?? true
    this.#flush = options.flush ?? false
    this.#position = checkPosition(options.start ?? 0, 'start')
  }

  /** The open file, once the stream opened it. */
  get fd(): FileCalls | undefined {
    return this.#fd
  }

  override _construct(callback: (error?: Error | null) => void): void {
    if (this.#open === undefined) return callback()
    this.#open().then((fd) => {
      this.#fd = fd
      callback()
    }, callback)
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#writeAt(chunk).then(() => callback(), callback)
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.#writeAt(chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk))).then(() => callback(), callback)
  }

  async #writeAt(data: Buffer): Promise<void> {
    const fd = this.#fd!
    const n = await fd.pwrite(data, this.#position)
    this.#position += n
    this.bytesWritten += n
    if (n !== data.length) {
      throw new GlusterError({ errno: errnoOf('EIO'), syscall: 'write', path: this.path, detail: `only ${n} of ${data.length} bytes were written` })
    }
  }

  /** Sync (if asked) and close before 'finish', so a failed flush of cached writes fails the stream. */
  override _final(callback: (error?: Error | null) => void): void {
    const fd = this.#fd!
    void (async () => {
      if (this.#flush) await fd.sync()
      if (this.#autoClose) await fd.close()
    })().then(() => callback(), callback)
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    closeIf(this.#autoClose, this.#fd, error, callback)
  }
}

/**
 * A WHATWG ReadableStream of the file from `start` (FileHandle.readableWebStream): one read of
 * `chunkSize` bytes per pull, so a reader that stops pulling stops the reads. The file stays open.
 */
export function webStreamOf(fd: FileCalls, options: { start?: number; chunkSize?: number } = {}): ReadableStream<Uint8Array> {
  let position = checkPosition(options.start ?? 0, 'start')
  const chunkSize = options.chunkSize ?? READ_HIGH_WATER_MARK
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const data = await fd.pread(chunkSize, position)
      if (data.length === 0) {
        controller.close()
        return
      }
      position += data.length
      controller.enqueue(data)
    },
  }, { highWaterMark: 1 })
}

function closeIf(autoClose: boolean, fd: FileCalls | undefined, error: Error | null, callback: (error?: Error | null) => void): void {
  if (!autoClose || fd === undefined || fd.closed) return callback(error)
  fd.close().then(() => callback(error), (closeError: Error) => callback(error ?? closeError))
}

function checkPosition(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw rangeError(name, '>= 0 && <= 2^53 - 1', value)
  return value
}
