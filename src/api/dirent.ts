import type { DirEntry } from '../xlators/types.ts'
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK } from './constants.ts'
import type { GlfsDir } from './fd.ts'
import { throwIfAborted } from './file-handle.ts'

/** DT_* values of a readdir entry's type (dirent.h), by the S_IF* type they stand for. */
const DT_TO_MODE: Readonly<Record<number, number>> = {
  1: S_IFIFO, 2: S_IFCHR, 4: S_IFDIR, 6: S_IFBLK, 8: S_IFREG, 10: S_IFLNK, 12: S_IFSOCK,
}

/** A directory entry as node:fs's Dirent (`readdir(path, { withFileTypes: true })`). */
export class GlfsDirent {
  readonly name: string
  /** The directory the entry is in. */
  readonly parentPath: string
  readonly #type: number

  constructor(entry: DirEntry, parentPath: string) {
    this.name = entry.name
    this.parentPath = parentPath
    // READDIRP carries the entry's attributes; the DT_ type is the fallback when they are empty.
    const fromStat = entry.stat.mode & S_IFMT
    this.#type = fromStat !== 0 ? fromStat : DT_TO_MODE[entry.type] ?? 0
  }

  isFile(): boolean {
    return this.#type === S_IFREG
  }
  isDirectory(): boolean {
    return this.#type === S_IFDIR
  }
  isSymbolicLink(): boolean {
    return this.#type === S_IFLNK
  }
  isBlockDevice(): boolean {
    return this.#type === S_IFBLK
  }
  isCharacterDevice(): boolean {
    return this.#type === S_IFCHR
  }
  isFIFO(): boolean {
    return this.#type === S_IFIFO
  }
  isSocket(): boolean {
    return this.#type === S_IFSOCK
  }
}

/** Options of `Glfs.readdir`. */
export interface ReaddirOptions {
  /** Dirent-like entries rather than names. */
  readonly withFileTypes?: boolean | undefined
  readonly signal?: AbortSignal | undefined
}

/** Every entry of `dir` (names, or GlfsDirents of `parentPath`), then the directory closed. */
export async function listDirectory(dir: GlfsDir, parentPath: string, options: ReaddirOptions | undefined): Promise<string[] | GlfsDirent[]> {
  const withTypes = options?.withFileTypes === true
  const names: string[] = []
  const dirents: GlfsDirent[] = []
  try {
    for await (const entry of dir) {
      throwIfAborted(options?.signal, 'readdir', parentPath)
      if (withTypes) dirents.push(new GlfsDirent(entry, parentPath))
      else names.push(entry.name)
    }
  } finally {
    await dir.close()
  }
  return withTypes ? dirents : names
}
