import { O_APPEND, O_CREAT, O_EXCL, O_RDONLY, O_RDWR, O_SYNC, O_TRUNC, O_WRONLY } from '../rpc/linux.ts'

// Open flags and st_mode type bits, public as libgfapi's users know them from <fcntl.h> and <sys/stat.h>.
export {
  O_RDONLY, O_WRONLY, O_RDWR, O_ACCMODE, O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC, O_APPEND, O_NONBLOCK, O_DSYNC, O_DIRECT, O_LARGEFILE, O_DIRECTORY, O_NOFOLLOW, O_NOATIME, O_CLOEXEC, O_SYNC, S_IFMT, S_IFSOCK, S_IFLNK, S_IFREG, S_IFBLK, S_IFDIR, S_IFCHR, S_IFIFO,
} from '../rpc/linux.ts'

/** lseek whence, including Linux SEEK_DATA / SEEK_HOLE. */
export { SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE } from '../rpc/linux.ts'

/** fallocate modes (Linux FALLOC_FL_*). */
export const FALLOC_FL_KEEP_SIZE = 0x01
export const FALLOC_FL_PUNCH_HOLE = 0x02

/** access() masks. */
export const F_OK = 0
export const X_OK = 1
export const W_OK = 2
export const R_OK = 4

/** setxattr flags. */
export const XATTR_CREATE = 1
export const XATTR_REPLACE = 2

/** Set a time to the current time in utimens/futimens/lutimens. */
export const UTIME_NOW: unique symbol = Symbol('UTIME_NOW')
/** Leave a time unchanged in utimens/futimens/lutimens: nothing is sent for it. */
export const UTIME_OMIT: unique symbol = Symbol('UTIME_OMIT')

/** Node's string flags ('r', 'w+', 'ax'...) as numbers, as fs.open reads them. */
const STRING_FLAGS: Record<string, number> = {
  r: O_RDONLY,
  rs: O_RDONLY | O_SYNC,
  sr: O_RDONLY | O_SYNC,
  'r+': O_RDWR,
  'rs+': O_RDWR | O_SYNC,
  'sr+': O_RDWR | O_SYNC,
  w: O_TRUNC | O_CREAT | O_WRONLY,
  wx: O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  xw: O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  'w+': O_TRUNC | O_CREAT | O_RDWR,
  'wx+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  'xw+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  a: O_APPEND | O_CREAT | O_WRONLY,
  ax: O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  xa: O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  as: O_APPEND | O_CREAT | O_WRONLY | O_SYNC,
  sa: O_APPEND | O_CREAT | O_WRONLY | O_SYNC,
  'a+': O_APPEND | O_CREAT | O_RDWR,
  'ax+': O_APPEND | O_CREAT | O_RDWR | O_EXCL,
  'xa+': O_APPEND | O_CREAT | O_RDWR | O_EXCL,
  'as+': O_APPEND | O_CREAT | O_RDWR | O_SYNC,
  'sa+': O_APPEND | O_CREAT | O_RDWR | O_SYNC,
}

/** Flags as a number, from a number or one of Node's flag strings; anything else is a TypeError. */
export function toOpenFlags(flags: number | string): number {
  if (typeof flags === 'number') {
    if (!Number.isInteger(flags) || flags < 0 || flags > 0x7fffffff) {
      throw Object.assign(new RangeError(`The value of "flags" is out of range. Received ${flags}`), { code: 'ERR_OUT_OF_RANGE' })
    }
    return flags
  }
  if (typeof flags === 'string') {
    const n = STRING_FLAGS[flags]
    if (n !== undefined) return n
    throw Object.assign(new TypeError(`The value "${flags}" is invalid for option "flags"`), { code: 'ERR_INVALID_ARG_VALUE' })
  }
  throw Object.assign(new TypeError('The "flags" argument must be of type number or string'), { code: 'ERR_INVALID_ARG_TYPE' })
}
