import type { Iatt } from '../rpc/programs/fops/iatt.ts'
import type { GfStatfs } from '../rpc/programs/fops/structs.ts'
import { gfidToString } from '../xlators/types.ts'
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK } from './constants.ts'

// DHT marks files under migration with S_ISVTX|S_ISGID (wire reference §6.4); not the user's bits.
const NS_PER_MS = 1_000_000n

/**
 * File attributes shaped like Node's fs.Stats (with nanosecond times as in `{ bigint: true }`),
 * plus the GlusterFS `gfid`. `ino` is a bigint: it is the gfid's last 8 bytes and uses all 64 bits.
 */
export class GlfsStats {
  readonly dev: bigint
  readonly ino: bigint
  readonly mode: number
  readonly nlink: number
  readonly uid: number
  readonly gid: number
  readonly rdev: bigint
  readonly size: number
  readonly blksize: number
  /** 512-byte blocks allocated. */
  readonly blocks: number
  readonly atimeMs: number
  readonly mtimeMs: number
  readonly ctimeMs: number
  readonly birthtimeMs: number
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
    this.mode = ia.mode
    this.nlink = ia.nlink
    this.uid = ia.uid
    this.gid = ia.gid
    this.rdev = ia.rdev
    this.size = ia.size
    this.blksize = ia.blksize
    this.blocks = ia.blocks
    this.atimeNs = BigInt(ia.atime) * 1_000_000_000n + BigInt(ia.atimeNsec)
    this.mtimeNs = BigInt(ia.mtime) * 1_000_000_000n + BigInt(ia.mtimeNsec)
    this.ctimeNs = BigInt(ia.ctime) * 1_000_000_000n + BigInt(ia.ctimeNsec)
    this.birthtimeNs = BigInt(ia.btime) * 1_000_000_000n + BigInt(ia.btimeNsec)
    this.atimeMs = ia.atime * 1000 + ia.atimeNsec / 1e6
    this.mtimeMs = ia.mtime * 1000 + ia.mtimeNsec / 1e6
    this.ctimeMs = ia.ctime * 1000 + ia.ctimeNsec / 1e6
    this.birthtimeMs = ia.btime * 1000 + ia.btimeNsec / 1e6
    this.atime = new Date(Number(this.atimeNs / NS_PER_MS))
    this.mtime = new Date(Number(this.mtimeNs / NS_PER_MS))
    this.ctime = new Date(Number(this.ctimeNs / NS_PER_MS))
    this.birthtime = new Date(Number(this.birthtimeNs / NS_PER_MS))
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

/** statvfs(3) of the volume: the bricks' gf_statfs, summed by distribute. */
export type GlfsStatvfs = GfStatfs
