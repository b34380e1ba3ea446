import { errnoOf } from '../rpc/errno.ts'
import { argType, rangeError } from './arg-errors.ts'
import { GlusterError } from '../rpc/errors.ts'
import { SetAttr, type Call, type DirEntry, type Fd, type ReadResult, type WriteResult } from '../xlators/types.ts'
import { SeekWhat } from '../rpc/linux.ts'
import type { Xlator } from '../xlators/xlator.ts'
import {
  FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, O_ACCMODE, O_APPEND, O_RDONLY, O_WRONLY, SEEK_CUR, SEEK_DATA, SEEK_END,
  SEEK_HOLE, SEEK_SET,
} from './constants.ts'
import { AbortError, type GlfsCallOptions, abortable, withSignal } from './abort.ts'
import {
  type FileReadOptions, type FileReadResult, type FileWriteOptions, type FileWriteResult, type ReadFileOptions,
  type WriteFileData, type WriteFileOptions, readArgs, readWholeFile, writeArgs, writeWholeFile,
} from './file-handle.ts'
import { ownerSetattr, parseMode } from './modes.ts'
import { withPath } from './resolve.ts'
import { type GlfsBigIntStats, GlfsStats, type StatOptions, asAsked } from './stats.ts'
import { GlfsReadStream, GlfsWriteStream, type ReadStreamOptions, type WriteStreamOptions, webStreamOf } from './streams.ts'
import { type TimeSpec, toSetattr } from './times.ts'
import { listedXattrNames, xattrDict, xattrValue } from './xattr.ts'
import { fdMessage, fopChannel, sizeOf, traceFop } from './tracing.ts'

/**
 * Largest single READ/WRITE sent to a brick; larger I/O is split and pipelined. Bricks take 64 MiB
 * (wire reference §1.1) but smaller pieces keep reassembly buffers and latency bounded.
 */
export const MAX_IO_CHUNK = 8 * 1024 * 1024
/** Largest pread/pwrite accepted in one call (Buffer's own limit in Node 20 is 4 GiB). */
export const MAX_IO_LENGTH = 2 ** 32 - 1

/** What an open file needs from its Glfs; kept narrow so fd.ts does not import glfs.ts. */
export interface FdOwner {
  readonly volume: string
  readonly top: Xlator
  readonly call: Call
  forget(fd: GlfsFd | GlfsDir): void
}

/** Package-internal operations on an open file or directory, kept off the public API. */
interface HandleInternals<H> {
  /** The xlator-level fd. */
  fd(h: H): Fd
  /** Make every later call fail EBADFD with `cause` (the fd could not move to a new graph). */
  lose(h: H, cause: Error): void
  /** Release without flushing, for `Glfs.fini()`; later calls fail ENOTCONN. */
  release(h: H): Promise<void>
}

interface FileInternals extends HandleInternals<GlfsFd> {
  /**
   * Writes acknowledged through the file failed where they were cached (the graph it moved off):
   * its next fsync, fdatasync or close fails with `err`, once, as fsync(2) reports a lost write.
   */
  reportWriteError(h: GlfsFd, err: unknown): void
}

// Set by each class's static block, the only code that may read its private fields.
let fileInternals: FileInternals
let dirInternals: HandleInternals<GlfsDir>

/** What Glfs and the graph switch may do to an open file or directory that its user may not. */
export const fdInternals: HandleInternals<GlfsFd | GlfsDir> & Pick<FileInternals, 'reportWriteError'> = {
  fd: (h) => (h instanceof GlfsFd ? fileInternals.fd(h) : dirInternals.fd(h)),
  lose: (h, cause) => (h instanceof GlfsFd ? fileInternals.lose(h, cause) : dirInternals.lose(h, cause)),
  reportWriteError: (h, err) => fileInternals.reportWriteError(h, err),
  release: (h) => (h instanceof GlfsFd ? fileInternals.release(h) : dirInternals.release(h)),
}

/**
 * An open file (libgfapi glfs_fd_t). Every method is async; use after `close()` fails with EBADF,
 * after `Glfs.fini()` with ENOTCONN, locally, without a round trip.
 */
export class GlfsFd {
  /** Path the file was opened by (for messages; the fd follows the inode, not the name). */
  readonly path: string
  readonly flags: number
  readonly #owner: FdOwner
  readonly #fd: Fd
  #closed = false
  /** Released by `Glfs.fini()`: the volume is no longer mounted. */
  #unmounted = false
  #position = 0
  /** Why this fd no longer works (it could not follow a volfile change); EBADFD on every use. */
  #lost: Error | undefined
  /** A write acknowledged on a graph this fd left failed there: the next fsync or close reports it. */
  #writeError: unknown

  constructor(owner: FdOwner, fd: Fd, path: string) {
    this.#owner = owner
    this.#fd = fd
    this.path = path
    this.flags = fd.flags
  }

  static {
    fileInternals = {
      fd: (h) => h.#fd,
      lose: (h, cause) => {
        h.#lost = cause
      },
      reportWriteError: (h, err) => {
        h.#writeError ??= err
      },
      release: (h) => h.#releaseForFini(),
    }
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Throws the write error recorded by `fdInternals.reportWriteError`, once. */
  #takeWriteError(syscall: string): void {
    const err = this.#writeError
    if (err === undefined) return
    this.#writeError = undefined
    throw withPath(err, syscall, this.path)
  }

  /**
   * Read at `offset` without moving the file position. Given a length, resolves with a Buffer of
   * at most that many bytes (a view of the received reply, no copy); given a buffer, fills it and
   * resolves with the byte count. Short at end of file, 0 at and past it. An aborted read leaves
   * the given buffer untouched.
   */
  pread(length: number, offset: number, options?: GlfsCallOptions): Promise<Buffer>
  pread(buffer: Uint8Array, offset: number, options?: GlfsCallOptions): Promise<number>
  pread(target: number | Uint8Array, offset: number, options?: GlfsCallOptions): Promise<Buffer | number> {
    if (!fopChannel.hasSubscribers) return this.#preadSignalled(target, offset, options)
    return traceFop(fdMessage('pread', this.#owner.volume, this.path, this.#fd, sizeOf(target)), () => this.#preadSignalled(target, offset, options))
  }

  #preadSignalled(target: number | Uint8Array, offset: number, options: GlfsCallOptions | undefined): Promise<Buffer | number> {
    const signal = options?.signal
    if (signal === undefined) {
      if (target instanceof Uint8Array && target.length > 0 && target.length <= MAX_IO_CHUNK) return this.#preadOne(target, offset)
      return this.#pread(target, offset, undefined)
    }
    if (signal.aborted) return Promise.reject(new AbortError('pread', this.path, false, signal.reason))
    return abortable(this.#pread(target, offset, signal), signal, 'pread', this.path, false)
  }

  /**
   * The hot path: one READ into the caller's buffer, whose data the reply may be received straight
   * into. Not async: the fop's promise and one `then` are all a call makes here.
   */
  #preadOne(target: Uint8Array, offset: number): Promise<number> {
    let read: Promise<ReadResult>
    try {
      this.#checkIo('pread', offset, target.length)
    } catch (err) {
      return Promise.reject(err)
    }
    try {
      read = this.#owner.top.readv(this.#owner.call, this.#fd, target.length, offset, 0, undefined, target)
    } catch (err) {
      return this.#preadFailed(err)
    }
    const placement = this.#placements.pop() ?? new Placement(this.#placements, this.#preadFailed)
    placement.target = target
    return read.then(placement.placed, placement.failed)
  }

  readonly #preadFailed = (err: unknown): Promise<never> => Promise.reject(withPath(err, 'pread', this.path))
  /** Placements of this fd's preads not in flight, for reuse. */
  readonly #placements: Placement[] = []

  async #pread(target: number | Uint8Array, offset: number, signal: AbortSignal | undefined): Promise<Buffer | number> {
    this.#check('pread')
    checkOffset(offset, 'offset')
    if (typeof target === 'number') {
      checkLength(target, 'length')
      checkEnd(offset, target)
      if (target === 0) return Buffer.alloc(0)
      if (target <= MAX_IO_CHUNK) return this.#readv(target, offset, 'pread')
      const out = Buffer.allocUnsafe(target)
      const n = await this.#readInto(out, offset, 'pread', undefined)
      return n === target ? out : out.subarray(0, n)
    }
    if (!(target instanceof Uint8Array)) throw argType('buffer', 'Buffer, Uint8Array or a length', target)
    checkEnd(offset, target.length)
    if (target.length === 0) return 0
    if (target.length <= MAX_IO_CHUNK) {
      // Only with a signal (#preadOne takes the others): the reply is not received straight into
      // `target`, since an aborted read must not write into a buffer the caller already got back.
      const data = await this.#readv(target.length, offset, 'pread')
      return signal?.aborted === true ? 0 : placeInto(target, data)
    }
    return this.#readInto(target, offset, 'pread', signal)
  }

  /** Scatter read into several buffers from `offset`; resolves with the total bytes read. */
  async preadv(buffers: readonly Uint8Array[], offset: number, options?: GlfsCallOptions): Promise<number> {
    this.#check('preadv')
    checkOffset(offset, 'offset')
    let total = 0
    for (const b of buffers) total += b.length
    if (total === 0) return 0
    const data = await this.pread(total, offset, options)
    let at = 0
    for (const b of buffers) {
      if (at >= data.length) break
      const n = Math.min(b.length, data.length - at)
      b.set(data.subarray(at, at + n))
      at += n
    }
    return data.length
  }

  /**
   * Write `data` at `offset` without moving the file position (with O_APPEND the brick appends).
   * The bytes are sent by reference, not copied; do not modify them until the promise settles.
   * Resolves with the bytes written: all of them (short writes are continued) unless a part
   * failed, then those written contiguously from `offset` (a short write, as pwrite(2)); rejects
   * only when none were. Settles only after every piece of a large write settled.
   */
  pwrite(data: Uint8Array | string, offset: number, options?: GlfsCallOptions): Promise<number> {
    if (!fopChannel.hasSubscribers) return this.#pwriteSignalled(data, offset, options)
    return traceFop(fdMessage('pwrite', this.#owner.volume, this.path, this.#fd, sizeOf(data)), () => this.#pwriteSignalled(data, offset, options))
  }

  #pwriteSignalled(data: Uint8Array | string, offset: number, options: GlfsCallOptions | undefined): Promise<number> {
    const signal = options?.signal
    if (signal === undefined) {
      if (data instanceof Uint8Array && data.length > 0 && data.length <= MAX_IO_CHUNK) return this.#pwriteOne(toBuffer(data), offset)
      return this.#pwrite(data, offset)
    }
    if (signal.aborted) return Promise.reject(new AbortError('pwrite', this.path, false, signal.reason))
    return abortable(this.#pwrite(data, offset), signal, 'pwrite', this.path, true)
  }

  /** The hot path: one WRITE, not async (as #preadOne); a short write is continued by #pwrite's rule. */
  #pwriteOne(buf: Buffer, offset: number): Promise<number> {
    let written: Promise<WriteResult>
    try {
      this.#checkIo('pwrite', offset, buf.length)
    } catch (err) {
      return Promise.reject(err)
    }
    try {
      written = this.#owner.top.writev(this.#owner.call, this.#fd, buf, offset, 0)
    } catch (err) {
      return this.#pwriteFailed(err)
    }
    const completion = this.#completions.pop() ?? new WriteCompletion(this.#completions, this.#pwriteRestFn, this.#pwriteFailed)
    completion.buf = buf
    completion.offset = offset
    return written.then(completion.written, completion.failed)
  }

  /** Completions of this fd's pwrites not in flight, for reuse. */
  readonly #completions: WriteCompletion[] = []
  readonly #pwriteRestFn = (buf: Buffer, offset: number, n: number): Promise<number> => this.#pwriteRest(buf, offset, n)

  readonly #pwriteFailed = (err: unknown): Promise<never> => Promise.reject(withPath(err, 'pwrite', this.path))

  /** A short write is continued; if the rest fails, the part that landed is the result. */
  async #pwriteRest(buf: Buffer, offset: number, n: number): Promise<number> {
    return n + await this.#writeAll(buf.subarray(n), offset + n, 'pwrite').catch(() => 0)
  }

  async #pwrite(data: Uint8Array | string, offset: number): Promise<number> {
    this.#check('pwrite')
    checkOffset(offset, 'offset')
    const buf = toBuffer(data)
    checkEnd(offset, buf.length)
    if (buf.length === 0) return 0
    if (buf.length <= MAX_IO_CHUNK) {
      const n = await this.#writev(buf, offset, 'pwrite')
      return n === buf.length ? n : this.#pwriteRest(buf, offset, n)
    }
    return this.#writeAll(buf, offset, 'pwrite')
  }

  /** Gather write of several buffers at `offset`; resolves with the total bytes written. */
  async pwritev(buffers: readonly Uint8Array[], offset: number, options?: GlfsCallOptions): Promise<number> {
    this.#check('pwritev')
    if (buffers.length === 1) return this.pwrite(buffers[0]!, offset, options)
    // The xlator writev takes one buffer; gathering here costs one copy of the payload.
    return this.pwrite(Buffer.concat(buffers.map(toBuffer)), offset, options)
  }

  /**
   * Read as FileHandle.read: into `buffer` from `offset` for `length` bytes, at `position`, or,
   * when `position` is null or omitted, at the file position, which then advances. Also takes
   * `(buffer, { offset, length, position, signal })` and `({ buffer, offset, length, position,
   * signal })`; without a buffer a 16 KiB Buffer is allocated.
   */
  read<T extends ArrayBufferView = Buffer>(buffer: T, offset?: number | null, length?: number | null, position?: number | bigint | null): Promise<FileReadResult<T>>
  read<T extends ArrayBufferView = Buffer>(buffer: T, options?: FileReadOptions<T>): Promise<FileReadResult<T>>
  read<T extends ArrayBufferView = Buffer>(options?: FileReadOptions<T>): Promise<FileReadResult<T>>
  async read(...args: unknown[]): Promise<FileReadResult<ArrayBufferView>> {
    const r = readArgs(args)
    const at = r.position ?? this.#position
    const n = await this.pread(r.bytes, at, r.options)
    if (r.position === undefined) this.#position = at + n
    return { bytesRead: n, buffer: r.returned }
  }

  /**
   * Write as FileHandle.write: `(buffer, offset?, length?, position?)`, `(buffer, { offset,
   * length, position })` or `(string, position?, encoding?)`. With `position` null or omitted the
   * bytes go at the file position (the end, with O_APPEND), which then advances.
   */
  write<T extends ArrayBufferView>(buffer: T, offset?: number | null, length?: number | null, position?: number | null): Promise<FileWriteResult<T>>
  write<T extends ArrayBufferView>(buffer: T, options?: FileWriteOptions): Promise<FileWriteResult<T>>
  write(data: string, position?: number | null, encoding?: BufferEncoding): Promise<FileWriteResult<string>>
  async write(...args: unknown[]): Promise<FileWriteResult<ArrayBufferView | string>> {
    const w = writeArgs(args)
    this.#check('write')
    const at = w.position ?? ((this.flags & O_APPEND) !== 0 ? (await this.fstat()).size : this.#position)
    const n = await this.pwrite(w.bytes, at, w.options)
    if (w.position === undefined) this.#position = at + n
    return { bytesWritten: n, buffer: w.returned }
  }

  /** Scatter read as FileHandle.readv: at `position`, or at the file position, which then advances. */
  async readv<T extends readonly ArrayBufferView[]>(buffers: T, position?: number | null): Promise<{ bytesRead: number; buffers: T }> {
    const at = position ?? this.#position
    const n = await this.preadv(buffers.map(bytesOf), at)
    if (position === undefined || position === null) this.#position = at + n
    return { bytesRead: n, buffers }
  }

  /** Gather write as FileHandle.writev: at `position`, or at the file position, which then advances. */
  async writev<T extends readonly ArrayBufferView[]>(buffers: T, position?: number | null): Promise<{ bytesWritten: number; buffers: T }> {
    this.#check('write')
    const at = position ?? ((this.flags & O_APPEND) !== 0 ? (await this.fstat()).size : this.#position)
    const n = await this.pwritev(buffers.map(bytesOf), at)
    if (position === undefined || position === null) this.#position = at + n
    return { bytesWritten: n, buffers }
  }

  /** FileHandle.stat: fstat, every field a number, or a bigint with `{ bigint: true }`. */
  stat(options?: StatOptions & { bigint?: false | undefined }): Promise<GlfsStats>
  stat(options: StatOptions & { bigint: true }): Promise<GlfsBigIntStats>
  stat(options?: StatOptions): Promise<GlfsStats | GlfsBigIntStats> {
    return this.#op(options, 'fstat', false, async () => asAsked(await this.#fstat(), options))
  }

  /** FileHandle.truncate: ftruncate to `length` (default 0). */
  truncate(length = 0, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'ftruncate', true, () => this.#ftruncate(length))
  }

  /** FileHandle.sync: fsync. */
  sync(options?: GlfsCallOptions): Promise<void> {
    return this.fsync(options)
  }

  /** FileHandle.datasync: fdatasync. */
  datasync(options?: GlfsCallOptions): Promise<void> {
    return this.fdatasync(options)
  }

  /** FileHandle.utimes: set both times (each a Date, seconds, ns bigint, UTIME_NOW or UTIME_OMIT). */
  utimes(atime: TimeSpec, mtime: TimeSpec, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'futimens', true, () => this.#futimens(atime, mtime))
  }

  /** FileHandle.chmod: set the permission bits (glfs_fchmod). */
  chmod(mode: number | string, options?: GlfsCallOptions): Promise<void> {
    return this.fchmod(mode, options)
  }

  /** FileHandle.chown: set owner and group; -1 leaves one as it is (glfs_fchown). */
  chown(uid: number, gid: number, options?: GlfsCallOptions): Promise<void> {
    return this.fchown(uid, gid, options)
  }

  /** glfs_fgetxattr: an extended attribute's value; ENODATA when it is not set. */
  getxattr(name: string, options?: GlfsCallOptions): Promise<Buffer> {
    return this.#op(options, 'fgetxattr', false, () => this.#fgetxattr(name))
  }

  async #fgetxattr(name: string): Promise<Buffer> {
    this.#check('fgetxattr')
    const { dict } = await this.#relabel('fgetxattr', this.#owner.top.fgetxattr(this.#owner.call, this.#fd, name))
    return xattrValue(dict, name, (code, detail) => this.#error(code, 'fgetxattr', detail))
  }

  /** glfs_fsetxattr: set an extended attribute; `flags` 0, XATTR_CREATE or XATTR_REPLACE. */
  setxattr(name: string, value: Uint8Array | string, flags = 0, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'fsetxattr', true, () => this.#fsetxattr(name, value, flags))
  }

  async #fsetxattr(name: string, value: Uint8Array | string, flags: number): Promise<void> {
    this.#check('fsetxattr')
    const dict = xattrDict(name, value, flags, (code, detail) => this.#error(code, 'fsetxattr', detail))
    await this.#relabel('fsetxattr', this.#owner.top.fsetxattr(this.#owner.call, this.#fd, dict, flags))
  }

  /** glfs_fremovexattr: remove an extended attribute; ENODATA when it is not set. */
  removexattr(name: string, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'fremovexattr', true, () => this.#fremovexattr(name))
  }

  async #fremovexattr(name: string): Promise<void> {
    this.#check('fremovexattr')
    await this.#relabel('fremovexattr', this.#owner.top.fremovexattr(this.#owner.call, this.#fd, name))
  }

  /** glfs_flistxattr: the names of the file's extended attributes, as the brick lists them on an fd. */
  listxattr(options?: GlfsCallOptions): Promise<string[]> {
    return this.#op(options, 'flistxattr', false, () => this.#flistxattr())
  }

  async #flistxattr(): Promise<string[]> {
    this.#check('flistxattr')
    const { dict } = await this.#relabel('flistxattr', this.#owner.top.fgetxattr(this.#owner.call, this.#fd, ''))
    return listedXattrNames(dict)
  }

  /** glfs_fchmod: set the permission bits (a number, or an octal string as node:fs takes). */
  fchmod(mode: number | string, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'fchmod', true, () => this.#fchmod(mode))
  }

  async #fchmod(mode: number | string): Promise<void> {
    this.#check('fchmod')
    const bits = parseMode(mode, 'mode')
    const attrs = { mode: bits, uid: 0, gid: 0, atime: 0, atimeNsec: 0, mtime: 0, mtimeNsec: 0 }
    await this.#relabel('fchmod', this.#owner.top.fsetattr(this.#owner.call, this.#fd, attrs, SetAttr.MODE))
  }

  /** glfs_fchown: set owner and group; -1 leaves one as it is. */
  fchown(uid: number, gid: number, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'fchown', true, () => this.#fchown(uid, gid))
  }

  async #fchown(uid: number, gid: number): Promise<void> {
    this.#check('fchown')
    const { attrs, valid } = ownerSetattr(uid, gid)
    if (valid === 0) return
    await this.#relabel('fchown', this.#owner.top.fsetattr(this.#owner.call, this.#fd, attrs, valid))
  }

  /** FileHandle.readFile: the rest of the file from the file position (a string with an encoding). */
  readFile(options?: (ReadFileOptions & { encoding?: null | undefined })): Promise<Buffer>
  readFile(options: (ReadFileOptions & { encoding: BufferEncoding }) | BufferEncoding): Promise<string>
  readFile(options?: ReadFileOptions | BufferEncoding): Promise<Buffer | string>
  readFile(options?: ReadFileOptions | BufferEncoding): Promise<Buffer | string> {
    return readWholeFile(this, options)
  }

  /** FileHandle.writeFile: write all of `data` at the file position (the end, with O_APPEND). */
  writeFile(data: WriteFileData, options?: WriteFileOptions | BufferEncoding): Promise<void> {
    return writeWholeFile(this, data, options)
  }

  /** FileHandle.appendFile: as writeFile; the bytes go at the end when the fd has O_APPEND. */
  appendFile(data: WriteFileData, options?: WriteFileOptions | BufferEncoding): Promise<void> {
    return writeWholeFile(this, data, options)
  }

  /** A node:stream Readable of `start`..`end` (inclusive), `highWaterMark` bytes per read; closes the fd at its end unless `autoClose: false`. */
  createReadStream(options?: ReadStreamOptions): GlfsReadStream {
    return new GlfsReadStream(this, this.path, options)
  }

  /** A node:stream Writable from `start`; closes the fd (reporting its flush) at its end unless `autoClose: false`. */
  createWriteStream(options?: WriteStreamOptions): GlfsWriteStream {
    return new GlfsWriteStream(this, this.path, options)
  }

  /** A WHATWG ReadableStream of the file from `start`; the fd stays open. */
  readableWebStream(options?: { start?: number; chunkSize?: number }): ReadableStream<Uint8Array> {
    return webStreamOf(this, options)
  }

  /** `await using fd = await glfs.open(...)`: closed at the end of the scope (unless already). */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#closed) await this.close()
  }

  /** A call bounded by `options.signal`, traced on `gfapi-ts:fop` when someone listens. */
  #op<T>(options: GlfsCallOptions | undefined, fop: string, mutates: boolean, run: () => Promise<T>): Promise<T> {
    if (!fopChannel.hasSubscribers) return withSignal(options, fop, this.path, mutates, run)
    return traceFop(fdMessage(fop, this.#owner.volume, this.path, this.#fd, undefined), () => withSignal(options, fop, this.path, mutates, run))
  }

  /** Move the file position (SEEK_SET/CUR/END, and SEEK_DATA/SEEK_HOLE asked of the brick). */
  lseek(offset: number, whence: number, options?: GlfsCallOptions): Promise<number> {
    return this.#op(options, 'lseek', false, () => this.#lseek(offset, whence))
  }

  async #lseek(offset: number, whence: number): Promise<number> {
    this.#check('lseek')
    if (!Number.isSafeInteger(offset)) throw rangeError('offset', 'a safe integer', offset)
    let next: number
    switch (whence) {
      case SEEK_SET:
        next = offset
        break
      case SEEK_CUR:
        next = this.#position + offset
        break
      case SEEK_END:
        next = (await this.fstat()).size + offset
        break
      case SEEK_DATA:
      case SEEK_HOLE: {
        checkOffset(offset, 'offset')
        const what = whence === SEEK_DATA ? SeekWhat.DATA : SeekWhat.HOLE
        try {
          next = (await this.#owner.top.seek(this.#owner.call, this.#fd, offset, what)).offset
        } catch (err) {
          throw withPath(err, 'lseek', this.path)
        }
        break
      }
      default:
        throw this.#error('EINVAL', 'lseek', `unknown whence ${whence}`)
    }
    if (next < 0) throw this.#error('EINVAL', 'lseek', 'the resulting offset would be negative')
    this.#position = next
    return next
  }

  /** Flush data and metadata to the brick's disk. */
  fsync(options?: GlfsCallOptions): Promise<void> {
    return this.#sync(false, 'fsync', options?.signal)
  }

  /** Flush data (and the metadata needed to read it) to the brick's disk. */
  fdatasync(options?: GlfsCallOptions): Promise<void> {
    return this.#sync(true, 'fdatasync', options?.signal)
  }

  #sync(datasync: boolean, syscall: string, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortError(syscall, this.path, false, signal.reason))
    const done = (async () => {
      this.#check(syscall)
      // Reported first: the graph serving the fd now may refuse every call (the volume changed).
      this.#takeWriteError(syscall)
      try {
        await this.#owner.top.fsync(this.#owner.call, this.#fd, datasync)
      } catch (err) {
        throw withPath(err, syscall, this.path)
      }
    })()
    return signal === undefined ? done : abortable(done, signal, syscall, this.path, true)
  }

  fstat(options?: GlfsCallOptions): Promise<GlfsStats> {
    return this.#op(options, 'fstat', false, () => this.#fstat())
  }

  async #fstat(): Promise<GlfsStats> {
    this.#check('fstat')
    return new GlfsStats((await this.#relabel('fstat', this.#owner.top.fstat(this.#owner.call, this.#fd))).stat)
  }

  ftruncate(length: number, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'ftruncate', true, () => this.#ftruncate(length))
  }

  async #ftruncate(length: number): Promise<void> {
    this.#check('ftruncate')
    checkOffset(length, 'length')
    await this.#relabel('ftruncate', this.#owner.top.ftruncate(this.#owner.call, this.#fd, length))
  }

  /** Deallocate a range (punch a hole); it reads as zeros afterwards, the size is unchanged. */
  discard(offset: number, length: number, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'discard', true, () => this.#discard(offset, length))
  }

  async #discard(offset: number, length: number): Promise<void> {
    this.#check('discard')
    checkOffset(offset, 'offset')
    checkOffset(length, 'length')
    await this.#relabel('discard', this.#owner.top.discard(this.#owner.call, this.#fd, offset, length))
  }

  /** Write zeros over a range (allocating it); extends the file if the range passes its end. */
  zerofill(offset: number, length: number, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'zerofill', true, () => this.#zerofill(offset, length))
  }

  async #zerofill(offset: number, length: number): Promise<void> {
    this.#check('zerofill')
    checkOffset(offset, 'offset')
    checkOffset(length, 'length')
    await this.#relabel('zerofill', this.#owner.top.zerofill(this.#owner.call, this.#fd, offset, length))
  }

  /**
   * fallocate(2): `mode` 0 allocates (and extends the file), FALLOC_FL_KEEP_SIZE allocates without
   * changing the size, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE deallocates (as `discard`).
   * Other modes are ENOTSUP: the brick's FALLOCATE only knows keep-size (posix_glfallocate).
   */
  fallocate(mode: number, offset: number, length: number, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'fallocate', true, () => this.#fallocate(mode, offset, length))
  }

  async #fallocate(mode: number, offset: number, length: number): Promise<void> {
    this.#check('fallocate')
    if (!Number.isInteger(mode) || mode < 0) throw rangeError('mode', 'a non-negative integer', mode)
    checkOffset(offset, 'offset')
    checkOffset(length, 'length')
    if (length === 0) throw this.#error('EINVAL', 'fallocate', 'length must be greater than 0')
    if ((mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) !== 0) {
      throw this.#error('ENOTSUP', 'fallocate', `mode ${mode} is not supported; use 0, FALLOC_FL_KEEP_SIZE or FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE`)
    }
    try {
      if ((mode & FALLOC_FL_PUNCH_HOLE) !== 0) {
        // Linux requires KEEP_SIZE with PUNCH_HOLE; the brick punches holes through DISCARD.
        if ((mode & FALLOC_FL_KEEP_SIZE) === 0) throw this.#error('ENOTSUP', 'fallocate', 'FALLOC_FL_PUNCH_HOLE needs FALLOC_FL_KEEP_SIZE')
        await this.#owner.top.discard(this.#owner.call, this.#fd, offset, length)
      } else {
        await this.#owner.top.fallocate(this.#owner.call, this.#fd, mode & FALLOC_FL_KEEP_SIZE, offset, length)
      }
    } catch (err) {
      throw withPath(err, 'fallocate', this.path)
    }
  }

  /** Set access and modification times; each a Date, ns bigint, seconds, UTIME_NOW or UTIME_OMIT. */
  futimens(atime: TimeSpec, mtime: TimeSpec, options?: GlfsCallOptions): Promise<void> {
    return this.#op(options, 'futimens', true, () => this.#futimens(atime, mtime))
  }

  async #futimens(atime: TimeSpec, mtime: TimeSpec): Promise<void> {
    this.#check('futimens')
    const { attrs, valid } = toSetattr(atime, mtime)
    if (valid === 0) return
    await this.#relabel('futimens', this.#owner.top.fsetattr(this.#owner.call, this.#fd, attrs, valid))
  }

  /**
   * Flush and release. Reports the flush's failure (a write that did not reach the brick) but
   * releases the fd either way; a second close is EBADF.
   */
  async close(): Promise<void> {
    this.#check('close')
    this.#closed = true
    const { top, call } = this.#owner
    try {
      if (!this.#fd.isDirectory) await top.flush(call, this.#fd)
      this.#takeWriteError('close')
    } catch (err) {
      throw withPath(err, 'close', this.path)
    } finally {
      this.#owner.forget(this)
      await (this.#fd.isDirectory ? top.releasedir(call, this.#fd) : top.release(call, this.#fd)).catch(() => undefined)
    }
  }

  /** Release without flushing, used by `Glfs.fini()` after it flushed what it could. */
  async #releaseForFini(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#unmounted = true
    const { top, call } = this.#owner
    await (this.#fd.isDirectory ? top.releasedir(call, this.#fd) : top.release(call, this.#fd)).catch(() => undefined)
  }

  /** What every pread/pwrite checks first: the fd is usable, the range is valid. */
  #checkIo(syscall: string, offset: number, length: number): void {
    this.#check(syscall)
    checkOffset(offset, 'offset')
    checkEnd(offset, length)
  }

  async #readv(size: number, offset: number, syscall: string): Promise<Buffer> {
    try {
      return (await this.#owner.top.readv(this.#owner.call, this.#fd, size, offset, 0)).data
    } catch (err) {
      throw withPath(err, syscall, this.path)
    }
  }

  async #writev(data: Buffer, offset: number, syscall: string): Promise<number> {
    try {
      return (await this.#owner.top.writev(this.#owner.call, this.#fd, data, offset, 0)).size
    } catch (err) {
      throw withPath(err, syscall, this.path)
    }
  }

  /**
   * Large or unaligned reads: chunks in flight together, each copied once into `out` (never after
   * `signal` aborted: the caller owns the buffer again by then).
   */
  async #readInto(out: Uint8Array, offset: number, syscall: string, signal: AbortSignal | undefined): Promise<number> {
    const chunks: Promise<Buffer>[] = []
    for (let at = 0; at < out.length; at += MAX_IO_CHUNK) {
      chunks.push(this.#readv(Math.min(MAX_IO_CHUNK, out.length - at), offset + at, syscall))
    }
    const parts = await Promise.all(chunks)
    if (signal?.aborted) return 0
    let total = 0
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!
      out.set(part, i * MAX_IO_CHUNK)
      total += part.length
      // A short chunk is the end of the file: later chunks read past it and returned nothing.
      if (part.length < Math.min(MAX_IO_CHUNK, out.length - i * MAX_IO_CHUNK)) break
    }
    return total
  }

  /**
   * Large writes: chunks in flight together; a short write is continued from where it stopped.
   * Settles only when every chunk did (the caller's buffer is free again then). When one failed,
   * resolves with the bytes written contiguously from `offset`, as pwrite(2) and glfs_pwrite
   * report a short write; with none, rejects with the first chunk's error, whose `failedRanges`
   * list what did not land (chunks after a failed one may have).
   */
  async #writeAll(buf: Buffer, offset: number, syscall: string): Promise<number> {
    const chunks: Promise<void>[] = []
    const done: number[] = []
    const errors: unknown[] = []
    for (let at = 0, i = 0; at < buf.length; at += MAX_IO_CHUNK, i++) {
      done.push(0)
      chunks.push(this.#writePiece(buf.subarray(at, Math.min(at + MAX_IO_CHUNK, buf.length)), offset + at, syscall, done, i).catch((err: unknown) => {
        errors[i] = err
      }))
    }
    await Promise.all(chunks)
    let total = 0
    for (let i = 0; i < done.length; i++) {
      total += done[i]!
      if (errors[i] !== undefined) break
    }
    if (errors.length === 0 || total > 0) return total
    const first = errors.find((e) => e !== undefined)
    if (!(first instanceof GlusterError)) throw first
    const failedRanges: { offset: number; length: number }[] = []
    for (let i = 0; i < done.length; i++) {
      const at = i * MAX_IO_CHUNK
      const length = Math.min(MAX_IO_CHUNK, buf.length - at)
      if (errors[i] !== undefined) failedRanges.push({ offset: offset + at + done[i]!, length: length - done[i]! })
    }
    throw new GlusterError({
      errno: first.errno, syscall, path: this.path, cause: first, failedRanges, volume: first.volume, brick: first.brick, host: first.host, port: first.port,
      detail: `${failedRanges.length} of ${done.length} pieces of a ${buf.length}-byte write failed (${first.code}); the others were written`,
    })
  }

  /** One chunk of #writeAll, continued after short writes; `done[i]` counts what landed. */
  async #writePiece(piece: Buffer, offset: number, syscall: string, done: number[], i: number): Promise<void> {
    while (done[i]! < piece.length) {
      const n = await this.#writev(piece.subarray(done[i]!), offset + done[i]!, syscall)
      if (n === 0) throw this.#error('EIO', syscall, 'the brick wrote 0 bytes')
      done[i]! += n
    }
  }

  /** Await an xlator call, re-labelling its error with this API call and the fd's path. */
  async #relabel<T>(syscall: string, op: Promise<T>): Promise<T> {
    try {
      return await op
    } catch (err) {
      throw withPath(err, syscall, this.path)
    }
  }

  #check(syscall: string): void {
    if (this.#unmounted) throw unmountedError(syscall, this.path, this.#owner.volume)
    if (this.#closed) throw this.#error('EBADF', syscall, 'the fd is closed')
    if (this.#lost !== undefined) throw lostError(syscall, this.path, this.#lost)
    if (syscall.startsWith('pwrite') || syscall === 'write' || syscall === 'ftruncate' || syscall === 'discard' || syscall === 'zerofill' || syscall === 'fallocate') {
      if ((this.flags & O_ACCMODE) === O_RDONLY) throw this.#error('EBADF', syscall, 'the fd is open read-only')
    } else if ((syscall.startsWith('pread') || syscall === 'read') && (this.flags & O_ACCMODE) === O_WRONLY) {
      throw this.#error('EBADF', syscall, 'the fd is open write-only')
    }
  }

  #error(code: string, syscall: string, detail: string): GlusterError {
    return new GlusterError({ errno: errnoOf(code), syscall, path: this.path, detail })
  }
}

/** An open directory: `for await (const entry of dir)` lists it through READDIRP. */
export class GlfsDir implements AsyncIterable<DirEntry> {
  readonly path: string
  readonly #owner: FdOwner
  readonly #fd: Fd
  #closed = false
  /** Released by `Glfs.fini()`: the volume is no longer mounted. */
  #unmounted = false
  #lost: Error | undefined
  /** Closed by a `for await` loop left early: the caller's own `close()` then resolves, once. */
  #closedByLoop = false

  constructor(owner: FdOwner, fd: Fd, path: string) {
    this.#owner = owner
    this.#fd = fd
    this.path = path
  }

  static {
    dirInternals = {
      fd: (h) => h.#fd,
      lose: (h, cause) => {
        h.#lost = cause
      },
      release: (h) => h.#releaseForFini(),
    }
  }

  /** `await using dir = await glfs.opendir(...)`: closed at the end of the scope (unless already). */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#closed) await this.close()
  }

  get closed(): boolean {
    return this.#closed
  }

  /**
   * Entries with their attributes, without '.' and '..' (as node:fs's Dir). A loop left early
   * (break, return, throw) or a failed listing closes the directory; one run to its end leaves it
   * open to be listed again. A later `close()` of a directory closed that way resolves.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<DirEntry> {
    let listed = false
    try {
      yield* this.#entries()
      listed = true
    } finally {
      if (!listed && !this.#closed) {
        await this.close()
        this.#closedByLoop = true
      }
    }
  }

  async *#entries(): AsyncGenerator<DirEntry> {
    let offset = 0n
    for (;;) {
      if (this.#unmounted) throw unmountedError('readdir', this.path, this.#owner.volume)
      if (this.#closed) throw new GlusterError({ errno: errnoOf('EBADF'), syscall: 'readdir', path: this.path, detail: 'the directory is closed' })
      if (this.#lost !== undefined) throw lostError('readdir', this.path, this.#lost)
      let page
      try {
        page = await this.#owner.top.readdirp(this.#owner.call, this.#fd, READDIR_BYTES, offset)
      } catch (err) {
        throw withPath(err, 'readdir', this.path)
      }
      for (const entry of page.entries) {
        offset = entry.offset
        if (entry.name !== '.' && entry.name !== '..') yield entry
      }
      if (page.eof || page.entries.length === 0) return
    }
  }

  async close(): Promise<void> {
    if (this.#unmounted) throw unmountedError('closedir', this.path, this.#owner.volume)
    if (this.#closedByLoop) {
      this.#closedByLoop = false
      return
    }
    if (this.#closed) throw new GlusterError({ errno: errnoOf('EBADF'), syscall: 'closedir', path: this.path, detail: 'the directory is already closed' })
    this.#closed = true
    this.#owner.forget(this)
    await this.#owner.top.releasedir(this.#owner.call, this.#fd).catch(() => undefined)
  }

  /** Release without waiting for the caller, used by `Glfs.fini()`. */
  async #releaseForFini(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#unmounted = true
    await this.#owner.top.releasedir(this.#owner.call, this.#fd).catch(() => undefined)
  }
}

/** The error of a call on an fd after `Glfs.fini()`: the same ENOTCONN as the Glfs's own calls. */
function unmountedError(syscall: string, path: string, volume: string): GlusterError {
  return new GlusterError({ errno: errnoOf('ENOTCONN'), syscall, path, volume, detail: `volume '${volume}' is not mounted: fini() was called` })
}

/** The error of a call on an fd that could not follow a volfile change. */
function lostError(syscall: string, path: string, cause: Error): GlusterError {
  return new GlusterError({
    errno: errnoOf('EBADFD'), syscall, path, cause,
    detail: `the fd could not be reopened after the volume's configuration changed (${(cause as { code?: string }).code ?? cause.message}); open it again`,
  })
}

/** libgfapi asks READDIRP for up to 128 KiB of entries per call. */
const READDIR_BYTES = 131072

function toBuffer(data: Uint8Array | string): Buffer {
  if (Buffer.isBuffer(data)) return data
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  if (typeof data === 'string') return Buffer.from(data, 'utf8')
  throw argType('data', 'Buffer, Uint8Array or string', data)
}

function checkOffset(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw rangeError(name, '>= 0 and <= 2^53 - 1', value)
}

/** Offsets past 2^53 - 1 cannot be told apart as numbers: `offset + length` must stay below. */
function checkEnd(offset: number, length: number): void {
  if (offset + length > Number.MAX_SAFE_INTEGER) throw rangeError('offset', `at most 2^53 - 1 - length (${length})`, offset)
}

function checkLength(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_IO_LENGTH) throw rangeError(name, `>= 0 and <= ${MAX_IO_LENGTH}`, value)
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return view instanceof Uint8Array ? view : new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
}

/**
 * How a pread's result gets into its target buffer: a reusable object whose two handlers are made
 * once, where a closure over the target per pread would be two objects. Back in its pool as soon
 * as one of them ran (a promise runs exactly one).
 */
class Placement {
  target: Uint8Array = NO_TARGET
  readonly #pool: Placement[]
  readonly #fail: (err: unknown) => Promise<never>

  constructor(pool: Placement[], fail: (err: unknown) => Promise<never>) {
    this.#pool = pool
    this.#fail = fail
  }

  readonly placed = (r: ReadResult): number => placeInto(this.#release(), r.data)
  readonly failed = (err: unknown): Promise<never> => {
    this.#release()
    return this.#fail(err)
  }

  /** The target, forgotten here (the caller's buffer is not kept) and this object pooled again. */
  #release(): Uint8Array {
    const target = this.target
    this.target = NO_TARGET
    if (this.#pool.length < MAX_POOLED_PLACEMENTS) this.#pool.push(this)
    return target
  }
}

/**
 * How a pwrite's result becomes its byte count, a short write continued (#pwriteRest): reusable,
 * as Placement, instead of a closure over the buffer and offset per pwrite.
 */
class WriteCompletion {
  buf: Buffer = NO_BUFFER
  offset = 0
  readonly #pool: WriteCompletion[]
  readonly #rest: (buf: Buffer, offset: number, n: number) => Promise<number>
  readonly #fail: (err: unknown) => Promise<never>

  constructor(pool: WriteCompletion[], rest: (buf: Buffer, offset: number, n: number) => Promise<number>, fail: (err: unknown) => Promise<never>) {
    this.#pool = pool
    this.#rest = rest
    this.#fail = fail
  }

  readonly written = (r: WriteResult): number | Promise<number> => {
    const buf = this.buf
    const offset = this.offset
    this.#release()
    return r.size === buf.length ? r.size : this.#rest(buf, offset, r.size)
  }

  readonly failed = (err: unknown): Promise<never> => {
    this.#release()
    return this.#fail(err)
  }

  #release(): void {
    this.buf = NO_BUFFER
    if (this.#pool.length < MAX_POOLED_PLACEMENTS) this.#pool.push(this)
  }
}

const NO_BUFFER = Buffer.alloc(0)
const NO_TARGET = new Uint8Array(0)
/** Placements (and write completions) kept per fd: as many as it usually has in flight. */
const MAX_POOLED_PLACEMENTS = 64

/** Data a READ returned, in the caller's buffer (already there when it was received into it); its length. */
function placeInto(target: Uint8Array, data: Buffer): number {
  if (data.buffer !== target.buffer || data.byteOffset !== target.byteOffset) target.set(data)
  return data.length
}
