import type { Iatt } from '../rpc/programs/fops/iatt.ts'
import type { GfStatfs } from '../rpc/programs/fops/structs.ts'
import { gfidToString } from '../xlators/types.ts'
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK } from './constants.ts'

// DHT marks files under migration with S_ISVTX|S_ISGID (wire reference §6.4); not the user's bits.
const NS_PER_MS = 1_000_000n

/** The attributes each GlfsStats was built from, for its `{ bigint: true }` twin. */
const sources = new WeakMap<object, Iatt>()

/**
 * File attributes shaped like Node's fs.Stats: every field a number (as `fs.stat()` gives them;
 * `ino`, which is the gfid's last 8 bytes, loses precision past 2^53 exactly as there: ask for
 * `{ bigint: true }` for the exact value), plus the GlusterFS `gfid`.
 */
export class GlfsStats {
  readonly dev: number
  readonly ino: number
  readonly mode: number
  readonly nlink: number
  readonly uid: number
  readonly gid: number
  readonly rdev: number
  readonly size: number
  readonly blksize: number
  /** 512-byte blocks allocated. */
  readonly blocks: number
  readonly atimeMs: number
  readonly mtimeMs: number
  readonly ctimeMs: number
  readonly birthtimeMs: number
  readonly atime: Date
  readonly mtime: Date
  readonly ctime: Date
  readonly birthtime: Date
  /** Canonical text of the file's gfid. */
  readonly gfid: string

  constructor(ia: Iatt) {
    sources.set(this, ia)
    this.dev = Number(ia.dev)
    this.ino = Number(ia.ino)
    this.mode = ia.mode
    this.nlink = ia.nlink
    this.uid = ia.uid
    this.gid = ia.gid
    this.rdev = Number(ia.rdev)
    this.size = ia.size
    this.blksize = ia.blksize
    this.blocks = ia.blocks
    this.atimeMs = ia.atime * 1000 + ia.atimeNsec / 1e6
    this.mtimeMs = ia.mtime * 1000 + ia.mtimeNsec / 1e6
    this.ctimeMs = ia.ctime * 1000 + ia.ctimeNsec / 1e6
    this.birthtimeMs = ia.btime * 1000 + ia.btimeNsec / 1e6
    this.atime = new Date(Number(nsOf(ia.atime, ia.atimeNsec) / NS_PER_MS))
    this.mtime = new Date(Number(nsOf(ia.mtime, ia.mtimeNsec) / NS_PER_MS))
    this.ctime = new Date(Number(nsOf(ia.ctime, ia.ctimeNsec) / NS_PER_MS))
    this.birthtime = new Date(Number(nsOf(ia.btime, ia.btimeNsec) / NS_PER_MS))
    this.gfid = gfidToString(ia.gfid)
  }

  isFile(): boolean {
    return (this.mode & S_IFMT) === S_IFREG
  }
  isDirectory(): boolean {
    return (this.mode & S_IFMT) === S_IFDIR
  }
  isSymbolicLink(): boolean {
    return (this.mode & S_IFMT) === S_IFLNK
  }
  isBlockDevice(): boolean {
    return (this.mode & S_IFMT) === S_IFBLK
  }
  isCharacterDevice(): boolean {
    return (this.mode & S_IFMT) === S_IFCHR
  }
  isFIFO(): boolean {
    return (this.mode & S_IFMT) === S_IFIFO
  }
  isSocket(): boolean {
    return (this.mode & S_IFMT) === S_IFSOCK
  }
}

/**
 * File attributes as `fs.stat(path, { bigint: true })` gives them: every field a bigint, exact,
 * with nanosecond times (`atimeNs`...), plus the GlusterFS `gfid`.
 */
export class GlfsBigIntStats {
  readonly dev: bigint
  readonly ino: bigint
  readonly mode: bigint
  readonly nlink: bigint
  readonly uid: bigint
  readonly gid: bigint
  readonly rdev: bigint
  readonly size: bigint
  readonly blksize: bigint
  /** 512-byte blocks allocated. */
  readonly blocks: bigint
  readonly atimeMs: bigint
  readonly mtimeMs: bigint
  readonly ctimeMs: bigint
  readonly birthtimeMs: bigint
  readonly atimeNs: bigint
  readonly mtimeNs: bigint
  readonly ctimeNs: bigint
  readonly birthtimeNs: bigint
  readonly atime: Date
  readonly mtime: Date
  readonly ctime: Date
  readonly birthtime: Date
  /** Canonical text of the file's gfid. */
  readonly gfid: string

  constructor(ia: Iatt) {
    this.dev = ia.dev
    this.ino = ia.ino
    this.mode = BigInt(ia.mode)
    this.nlink = BigInt(ia.nlink)
    this.uid = BigInt(ia.uid)
    this.gid = BigInt(ia.gid)
    this.rdev = ia.rdev
    this.size = BigInt(ia.size)
    this.blksize = BigInt(ia.blksize)
    this.blocks = BigInt(ia.blocks)
    this.atimeNs = nsOf(ia.atime, ia.atimeNsec)
    this.mtimeNs = nsOf(ia.mtime, ia.mtimeNsec)
    this.ctimeNs = nsOf(ia.ctime, ia.ctimeNsec)
    this.birthtimeNs = nsOf(ia.btime, ia.btimeNsec)
    this.atimeMs = this.atimeNs / NS_PER_MS
    this.mtimeMs = this.mtimeNs / NS_PER_MS
    this.ctimeMs = this.ctimeNs / NS_PER_MS
    this.birthtimeMs = this.birthtimeNs / NS_PER_MS
    this.atime = new Date(Number(this.atimeMs))
    this.mtime = new Date(Number(this.mtimeMs))
    this.ctime = new Date(Number(this.ctimeMs))
    this.birthtime = new Date(Number(this.birthtimeMs))
    this.gfid = gfidToString(ia.gfid)
  }

  isFile(): boolean {
    return (this.mode & BigInt(S_IFMT)) === BigInt(S_IFREG)
  }
  isDirectory(): boolean {
    return (this.mode & BigInt(S_IFMT)) === BigInt(S_IFDIR)
  }
  isSymbolicLink(): boolean {
    return (this.mode & BigInt(S_IFMT)) === BigInt(S_IFLNK)
  }
  isBlockDevice(): boolean {
    return (this.mode & BigInt(S_IFMT)) === BigInt(S_IFBLK)
  }
  isCharacterDevice(): boolean {
    return (this.mode & BigInt(S_IFMT)) === BigInt(S_IFCHR)
  }
  isFIFO(): boolean {
    return (this.mode & BigInt(S_IFMT)) === BigInt(S_IFIFO)
  }
  isSocket(): boolean {
    return (this.mode & BigInt(S_IFMT)) === BigInt(S_IFSOCK)
  }
}

/** Options of the stat calls. */
export interface StatOptions {
  /** Every field a bigint, exact, with nanosecond times, as `fs.stat(path, { bigint: true })`. */
  readonly bigint?: boolean | undefined
  readonly signal?: AbortSignal | undefined
}

/** `stats` as asked: unchanged, or its `{ bigint: true }` twin built from the same attributes. */
export function asAsked(stats: GlfsStats, options: StatOptions | undefined): GlfsStats | GlfsBigIntStats {
  return options?.bigint === true ? new GlfsBigIntStats(sources.get(stats)!) : stats
}

function nsOf(sec: number, nsec: number): bigint {
  return BigInt(sec) * 1_000_000_000n + BigInt(nsec)
}

/** statvfs(3) of the volume: the bricks' gf_statfs, summed by distribute. */
export type GlfsStatvfs = GfStatfs
