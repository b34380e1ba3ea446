/**
 * node:fs/promises calls made of several fops (mkdir -p, rm -r, copyFile, mkdtemp, readFile...),
 * written over Glfs's public calls so each step is what a caller could have sent itself.
 */
import { randomBytes } from 'node:crypto'
import { posix } from 'node:path'
import { errnoOf } from '../rpc/errno.ts'
import { GlusterError } from '../rpc/errors.ts'
import type { GlfsCallOptions } from './abort.ts'
import { O_CREAT, O_EXCL, O_TRUNC, O_WRONLY, toOpenFlags } from './constants.ts'
import type { GlfsFd } from './fd.ts'
import { type ReadFileOptions, type WriteFileData, type WriteFileOptions, throwIfAborted } from './file-handle.ts'
import { parseMode } from './modes.ts'
import { normalize } from './resolve.ts'
import type { GlfsStats } from './stats.ts'

/**
 * The calls of Glfs these helpers are written over, as a caller would make them (structural:
 * glfs.ts builds its fs-style methods from this module).
 */
export interface PathCalls {
  readonly volume: string
  open(path: string, flags: number | string, options?: GlfsCallOptions): Promise<GlfsFd>
  creat(path: string, flags: number | string, mode?: number, options?: GlfsCallOptions): Promise<GlfsFd>
  stat(path: string, options?: GlfsCallOptions): Promise<GlfsStats>
  lstat(path: string, options?: GlfsCallOptions): Promise<GlfsStats>
  unlink(path: string, options?: GlfsCallOptions): Promise<void>
  mkdir(path: string, options?: MkdirOptions): Promise<string | undefined>
  rmdir(path: string, options?: GlfsCallOptions): Promise<void>
  readdir(path: string, options?: GlfsCallOptions): Promise<string[]>
}

/** Options of `Glfs.mkdir`. */
export interface MkdirOptions extends GlfsCallOptions {
  /** Create missing parents too, and succeed when the directory exists (mkdir -p). */
  readonly recursive?: boolean | undefined
  /** Permission bits of each directory created: an integer or an octal string. Default 0o755. */
  readonly mode?: number | string | undefined
}

/** Options of `Glfs.rm`. */
export interface RmOptions extends GlfsCallOptions {
  /** Remove directories and everything under them. */
  readonly recursive?: boolean | undefined
  /** A path that does not exist is not an error. */
  readonly force?: boolean | undefined
}

/** `copyFile` fails EEXIST when the destination exists (fs.constants.COPYFILE_EXCL). */
export const COPYFILE_EXCL = 1
/** Accepted and ignored: a copy through the client is always a plain copy (fs.constants.COPYFILE_FICLONE). */
export const COPYFILE_FICLONE = 2
/** A reflink cannot be made through the client: ENOTSUP (fs.constants.COPYFILE_FICLONE_FORCE). */
export const COPYFILE_FICLONE_FORCE = 4

/** Options of `Glfs.writeFile` and `Glfs.appendFile`. */
export interface PathWriteFileOptions extends WriteFileOptions {
  /** Open flags. Default 'w' (writeFile) or 'a' (appendFile). */
  readonly flag?: number | string | undefined
  /** Permission bits of a file created. Default 0o644. */
  readonly mode?: number | string | undefined
}

/** Options of `Glfs.readFile`. */
export interface PathReadFileOptions extends ReadFileOptions {
  /** Open flags. Default 'r'. */
  readonly flag?: number | string | undefined
}

const DEFAULT_DIR_MODE = 0o755
const DEFAULT_FILE_MODE = 0o644
/** Bytes per read and write of copyFile. */
const COPY_CHUNK = 1024 * 1024

/**
 * mkdir as node:fs: `options` a mode or `{ recursive, mode }`. Resolves with the first directory
 * created when `recursive` (undefined when all existed), else undefined. `one` makes one level.
 */
export async function mkdirWith(
  glfs: PathCalls, path: string, options: number | string | MkdirOptions | undefined,
  one: (path: string, mode: number) => Promise<void>,
): Promise<string | undefined> {
  const o: MkdirOptions = typeof options === 'object' && options !== null ? options : { mode: options }
  const mode = o.mode === undefined ? DEFAULT_DIR_MODE : parseMode(o.mode, 'mode')
  if (o.recursive !== true) {
    await one(path, mode)
    return undefined
  }
  return mkdirp(glfs, normalize(path, 'mkdir'), mode, o.signal, one)
}

async function mkdirp(glfs: PathCalls, path: string, mode: number, signal: AbortSignal | undefined, one: (path: string, mode: number) => Promise<void>): Promise<string | undefined> {
  throwIfAborted(signal, 'mkdir', path)
  try {
    await one(path, mode)
    return path
  } catch (err) {
    if (codeOf(err) === 'ENOENT') {
      const first = await mkdirp(glfs, posix.dirname(path), mode, signal, one)
      throwIfAborted(signal, 'mkdir', path)
      try {
        await one(path, mode)
      } catch (again) {
        // Made by someone else meanwhile: fine, if it is a directory.
        if (codeOf(again) !== 'EEXIST' || !await isDirectory(glfs, path, signal)) throw again
      }
      return first ?? path
    }
    if (await isDirectory(glfs, path, signal)) return undefined
    throw err
  }
}

async function isDirectory(glfs: PathCalls, path: string, signal: AbortSignal | undefined): Promise<boolean> {
  return glfs.stat(path, { signal }).then((s) => s.isDirectory(), () => false)
}

/** rm as node:fs: unlink a file; with `recursive` a directory and all under it; `force` ignores ENOENT. */
export async function rm(glfs: PathCalls, path: string, options: RmOptions = {}): Promise<void> {
  const { signal } = options
  let isDir: boolean
  try {
    isDir = (await glfs.lstat(path, { signal })).isDirectory()
  } catch (err) {
    if (options.force === true && codeOf(err) === 'ENOENT') return
    throw err
  }
  if (!isDir) return ignoreMissing(glfs.unlink(path, { signal }), options.force)
  if (options.recursive !== true) {
    throw new GlusterError({ errno: errnoOf('EISDIR'), syscall: 'rm', path, volume: glfs.volume, detail: 'is a directory: pass { recursive: true } to remove it and its contents' })
  }
  const base = normalize(path, 'rm')
  for (const name of await glfs.readdir(base, { signal })) {
    await rm(glfs, base === '/' ? `/${name}` : `${base}/${name}`, options)
  }
  await ignoreMissing(glfs.rmdir(base, { signal }), options.force)
}

async function ignoreMissing(op: Promise<void>, force: boolean | undefined): Promise<void> {
  try {
    await op
  } catch (err) {
    if (force !== true || codeOf(err) !== 'ENOENT') throw err
  }
}

/**
 * copyFile as node:fs: the bytes and the permission bits of `src` into `dest` (created, or
 * truncated; EEXIST with COPYFILE_EXCL). The copy is closed (its writes flushed) before this resolves.
 */
export async function copyFile(glfs: PathCalls, src: string, dest: string, mode: number, options: GlfsCallOptions = {}): Promise<void> {
  if (!Number.isInteger(mode) || mode < 0 || mode > 7) throw Object.assign(new RangeError(`The value of "mode" is out of range. It must be an integer >= 0 && <= 7. Received ${mode}`), { code: 'ERR_OUT_OF_RANGE' })
  if ((mode & COPYFILE_FICLONE_FORCE) !== 0) {
    throw new GlusterError({ errno: errnoOf('ENOTSUP'), syscall: 'copyfile', path: src, volume: glfs.volume, detail: 'COPYFILE_FICLONE_FORCE: a reflink cannot be made through the client' })
  }
  const { signal } = options
  const from = await glfs.open(src, 'r', { signal })
  try {
    await copyFrom(glfs, from, src, dest, mode, signal)
  } finally {
    await from.close().catch(() => undefined)
  }
}

async function copyFrom(glfs: PathCalls, from: GlfsFd, src: string, dest: string, mode: number, signal: AbortSignal | undefined): Promise<void> {
  const stat = await from.stat({ signal })
  const flags = O_WRONLY | O_CREAT | O_TRUNC | ((mode & COPYFILE_EXCL) !== 0 ? O_EXCL : 0)
  const perm = stat.mode & 0o7777
  const to = await glfs.creat(dest, flags, perm, { signal })
  try {
    for (let at = 0; ; ) {
      throwIfAborted(signal, 'copyfile', src)
      const data = await from.pread(COPY_CHUNK, at, { signal })
      if (data.length === 0) break
      const n = await to.pwrite(data, at, { signal })
      if (n !== data.length) throw new GlusterError({ errno: errnoOf('EIO'), syscall: 'copyfile', path: dest, volume: glfs.volume, detail: `short write: ${n} of ${data.length} bytes at ${at}` })
      at += n
    }
    // An existing destination keeps its mode on open: set it, as libuv's copyfile does.
    await to.chmod(perm, { signal })
  } catch (err) {
    await to.close().catch(() => undefined)
    throw err
  }
  await to.close()
}

/** mkdtemp as node:fs: a new directory (mode 0o700) named `prefix` and six random characters. */
export async function mkdtemp(glfs: PathCalls, prefix: string, options: GlfsCallOptions = {}): Promise<string> {
  if (typeof prefix !== 'string') throw Object.assign(new TypeError('The "prefix" argument must be of type string'), { code: 'ERR_INVALID_ARG_TYPE' })
  for (let attempt = 0; ; attempt++) {
    const path = prefix + randomName()
    try {
      await glfs.mkdir(path, { mode: 0o700, signal: options.signal })
      return normalize(path, 'mkdtemp')
    } catch (err) {
      if (codeOf(err) !== 'EEXIST' || attempt >= 100) throw err
    }
  }
}

const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

function randomName(): string {
  let out = ''
  for (const b of randomBytes(6)) out += NAME_CHARS[b % NAME_CHARS.length]
  return out
}

/** readFile as node:fs: the whole file, a string when an encoding is given. */
export async function readFile(glfs: PathCalls, path: string, options: PathReadFileOptions | BufferEncoding | undefined): Promise<Buffer | string> {
  const o: PathReadFileOptions = typeof options === 'string' ? { encoding: options } : options ?? {}
  const fd = await glfs.open(path, o.flag ?? 'r', { signal: o.signal })
  try {
    return await fd.readFile(o)
  } finally {
    await fd.close().catch(() => undefined)
  }
}

/** writeFile/appendFile as node:fs: open with `flag` (creating with `mode`), write all, close. */
export async function writeFile(glfs: PathCalls, path: string, data: WriteFileData, options: PathWriteFileOptions | BufferEncoding | undefined, defaultFlag: string): Promise<void> {
  const o: PathWriteFileOptions = typeof options === 'string' ? { encoding: options } : options ?? {}
  const fd = await openForWrite(glfs, path, o.flag ?? defaultFlag, o.mode, o.signal)
  try {
    await fd.writeFile(data, o)
  } catch (err) {
    await fd.close().catch(() => undefined)
    throw err
  }
  // Outside the try: a failed close (a cached write that did not land) is the caller's error.
  await fd.close()
}

/** Open for writing: `creat` when the flags create, so `mode` applies. */
export function openForWrite(glfs: PathCalls, path: string, flag: number | string, mode: number | string | undefined, signal: AbortSignal | undefined): Promise<GlfsFd> {
  const flags = toOpenFlags(flag)
  const perm = mode === undefined ? DEFAULT_FILE_MODE : parseMode(mode, 'mode')
  return (flags & O_CREAT) !== 0 ? glfs.creat(path, flags, perm, { signal }) : glfs.open(path, flags, { signal })
}

function codeOf(err: unknown): string | undefined {
  return (err as { code?: string } | undefined)?.code
}
