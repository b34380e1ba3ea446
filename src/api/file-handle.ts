/**
 * The node:fs FileHandle shape of GlfsFd: argument parsing of read/write (every node:fs
 * signature, every argument honoured) and whole-file reads and writes. GlfsFd keeps thin methods
 * that call these.
 */
import { argType, rangeError } from './arg-errors.ts'
import { constants as bufferConstants } from 'node:buffer'
import { AbortError, type GlfsCallOptions } from './abort.ts'
import type { GlfsStats } from './stats.ts'

/**
 * The calls of an open file that whole-file reads/writes and the streams are written over
 * (structural: GlfsFd builds its FileHandle methods from these modules).
 */
export interface FileCalls {
  readonly path: string
  readonly closed: boolean
  stat(options?: GlfsCallOptions): Promise<GlfsStats>
  read(options: { buffer: Buffer; signal?: AbortSignal | undefined }): Promise<FileReadResult<Buffer>>
  write(buffer: Uint8Array): Promise<FileWriteResult<Uint8Array>>
  pread(length: number, offset: number, options?: GlfsCallOptions): Promise<Buffer>
  pwrite(data: Uint8Array | string, offset: number, options?: GlfsCallOptions): Promise<number>
  sync(options?: GlfsCallOptions): Promise<void>
  close(): Promise<void>
}

/** What `fd.read()` resolves with, as FileHandle.read. */
export interface FileReadResult<T extends ArrayBufferView> {
  bytesRead: number
  buffer: T
}

/** What `fd.write()` resolves with, as FileHandle.write. */
export interface FileWriteResult<T> {
  bytesWritten: number
  buffer: T
}

/** Options of `fd.read(buffer, options)` and `fd.read(options)`. */
export interface FileReadOptions<T extends ArrayBufferView = Buffer> extends GlfsCallOptions {
  /** Where the bytes go; a new 16 KiB Buffer when omitted. */
  readonly buffer?: T | undefined
  /** Where in `buffer` to start filling. Default 0. */
  readonly offset?: number | undefined
  /** Bytes to read. Default: the rest of `buffer` from `offset`. */
  readonly length?: number | undefined
  /** File offset to read at; null or omitted reads at the file position and advances it. */
  readonly position?: number | bigint | null | undefined
}

/** Options of `fd.write(buffer, options)`. */
export interface FileWriteOptions extends GlfsCallOptions {
  readonly offset?: number | undefined
  readonly length?: number | undefined
  /** File offset to write at; null or omitted writes at the file position and advances it. */
  readonly position?: number | null | undefined
}

/** Options of readFile: the encoding (then a string is returned) and a signal. */
export interface ReadFileOptions extends GlfsCallOptions {
  readonly encoding?: BufferEncoding | null | undefined
}

/** Options of writeFile and appendFile on an open file. */
export interface WriteFileOptions extends GlfsCallOptions {
  /** Encoding of string data. Default 'utf8'. */
  readonly encoding?: BufferEncoding | null | undefined
}

/** Data writeFile accepts: bytes, text, or an (async) iterable of either (a Readable is one). */
export type WriteFileData = string | ArrayBufferView | Iterable<string | ArrayBufferView> | AsyncIterable<string | ArrayBufferView>

/** FileHandle.read's default buffer size when none is given. */
const DEFAULT_READ_BUFFER = 16384

/** A read or write as one shape: the bytes, where, and the caller's own buffer to hand back. */
export interface IoArgs<T> {
  readonly returned: T
  readonly bytes: Uint8Array
  /** undefined: at the file position, which then advances. */
  readonly position: number | undefined
  readonly options: GlfsCallOptions | undefined
}

/** `fd.read(...)`'s arguments in any of node:fs's forms. */
export function readArgs(args: readonly unknown[]): IoArgs<ArrayBufferView> {
  const [first, second] = args
  let buffer: unknown
  let offset: unknown
  let length: unknown
  let position: unknown
  let options: GlfsCallOptions | undefined
  if (first === undefined || isPlainOptions(first)) {
    const o = (first ?? {}) as FileReadOptions<ArrayBufferView>
    buffer = o.buffer ?? Buffer.alloc(DEFAULT_READ_BUFFER)
    ;({ offset, length, position } = o)
    options = o
  } else if (isPlainOptions(second)) {
    buffer = first
    const o = second as FileReadOptions<ArrayBufferView>
    ;({ offset, length, position } = o)
    options = o
  } else {
    ;[buffer, offset, length, position] = args
  }
  if (!ArrayBuffer.isView(buffer)) throw argType('buffer', 'an instance of Buffer, TypedArray or DataView', buffer)
  return { returned: buffer, ...window(buffer, offset, length), position: filePosition(position), options }
}

/** `fd.write(...)`'s arguments in any of node:fs's forms; a string is encoded here. */
export function writeArgs(args: readonly unknown[]): IoArgs<ArrayBufferView | string> {
  const [first, second, third, fourth] = args
  if (typeof first === 'string') {
    // write(string, position?, encoding?)
    if (third !== undefined && typeof third !== 'string') throw argType('encoding', 'a string', third)
    const encoding = (third ?? 'utf8') as BufferEncoding
    if (!Buffer.isEncoding(encoding)) throw Object.assign(new TypeError(`Unknown encoding: ${encoding}`), { code: 'ERR_UNKNOWN_ENCODING' })
    return { returned: first, bytes: Buffer.from(first, encoding), position: filePosition(second), options: undefined }
  }
  if (!ArrayBuffer.isView(first)) throw argType('buffer', 'of type string or an instance of Buffer, TypedArray or DataView', first)
  if (isPlainOptions(second)) {
    const o = second as FileWriteOptions
    return { returned: first, ...window(first, o.offset, o.length), position: filePosition(o.position), options: o }
  }
  return { returned: first, ...window(first, second, third), position: filePosition(fourth), options: undefined }
}

/** The part of `view` from `offset` for `length` bytes, both checked against it as node:fs does. */
function window(view: ArrayBufferView, offset: unknown, length: unknown): { bytes: Uint8Array } {
  const size = view.byteLength
  const from = offset === undefined || offset === null ? 0 : offset
  if (typeof from !== 'number' || !Number.isInteger(from) || from < 0 || from > size) throw rangeError('offset', `>= 0 && <= ${size}`, from)
  const count = length === undefined || length === null ? size - from : length
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > size - from) throw rangeError('length', `>= 0 && <= ${size - from}`, count)
  return { bytes: new Uint8Array(view.buffer, view.byteOffset + from, count) }
}

/** A file position argument: undefined for "the current position" (null, undefined or -1). */
function filePosition(position: unknown): number | undefined {
  if (position === undefined || position === null || position === -1 || position === -1n) return undefined
  const n = typeof position === 'bigint' ? Number(position) : position
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw rangeError('position', '>= 0 && <= 2^53 - 1', position)
  return n
}

function isPlainOptions(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)
}

/**
 * The rest of the file from the fd's position (FileHandle.readFile): a Buffer, or a string
 * when an encoding is given. Reads what fstat reports in one call, then on to end of file.
 */
export async function readWholeFile(fd: FileCalls, options: ReadFileOptions | BufferEncoding | undefined): Promise<Buffer | string> {
  const o: ReadFileOptions = typeof options === 'string' ? { encoding: options } : options ?? {}
  const signal = o.signal
  const parts: Buffer[] = []
  let total = 0
  let want = Math.max((await fd.stat({ signal })).size, 1)
  for (;;) {
    throwIfAborted(signal, 'readFile', fd.path)
    if (total + want > bufferConstants.MAX_LENGTH) {
      throw Object.assign(new RangeError(`File size is greater than ${bufferConstants.MAX_LENGTH} bytes`), { code: 'ERR_FS_FILE_TOO_LARGE' })
    }
    const { bytesRead, buffer } = await fd.read({ buffer: Buffer.allocUnsafe(want), signal })
    if (bytesRead === 0) break
    parts.push(bytesRead === want ? buffer : buffer.subarray(0, bytesRead))
    total += bytesRead
    // After the size fstat gave, only a file still growing has more.
    want = 65536
  }
  const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts, total)
  return o.encoding === undefined || o.encoding === null ? data : data.toString(o.encoding)
}

/**
 * Write all of `data` at the fd's position, advancing it (FileHandle.writeFile); with O_APPEND
 * at the end. Short writes are continued.
 */
export async function writeWholeFile(fd: FileCalls, data: WriteFileData, options: WriteFileOptions | BufferEncoding | undefined): Promise<void> {
  const o: WriteFileOptions = typeof options === 'string' ? { encoding: options } : options ?? {}
  const encoding = o.encoding ?? 'utf8'
  if (typeof data === 'string' || ArrayBuffer.isView(data)) return writeAll(fd, toBytes(data, encoding), o.signal)
  if (typeof data !== 'object' || data === null || !(Symbol.asyncIterator in data || Symbol.iterator in data)) {
    throw argType('data', 'of type string, an instance of Buffer, TypedArray or DataView, or an (async) iterable', data)
  }
  for await (const chunk of data) await writeAll(fd, toBytes(chunk, encoding), o.signal)
}

async function writeAll(fd: FileCalls, bytes: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
  let at = 0
  while (at < bytes.length) {
    throwIfAborted(signal, 'writeFile', fd.path)
    const { bytesWritten } = await fd.write(bytes.subarray(at))
    at += bytesWritten
  }
}

function toBytes(chunk: unknown, encoding: BufferEncoding): Uint8Array {
  if (typeof chunk === 'string') return Buffer.from(chunk, encoding)
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  throw argType('data', 'of type string or an instance of Buffer, TypedArray or DataView', chunk)
}

/** An AbortError for a step of a multi-call operation, before its next request is sent. */
export function throwIfAborted(signal: AbortSignal | undefined, syscall: string, path: string): void {
  if (signal?.aborted) throw new AbortError(syscall, path, false, signal.reason)
}
