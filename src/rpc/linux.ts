// Linux x86-64 open flags, st_mode bits and lseek whence: what the wire carries (GF_O_* and the
// iatt's ia_prot/ia_type are numerically the same, wire reference §3.9), shared by every layer above.

/** Open flags. */
export const O_RDONLY = 0o0
export const O_WRONLY = 0o1
export const O_RDWR = 0o2
export const O_ACCMODE = 0o3
export const O_CREAT = 0o100
export const O_EXCL = 0o200
export const O_NOCTTY = 0o400
export const O_TRUNC = 0o1000
export const O_APPEND = 0o2000
export const O_NONBLOCK = 0o4000
export const O_DSYNC = 0o10000
export const O_DIRECT = 0o40000
export const O_LARGEFILE = 0o100000
export const O_DIRECTORY = 0o200000
export const O_NOFOLLOW = 0o400000
export const O_NOATIME = 0o1000000
export const O_CLOEXEC = 0o2000000
/** Linux O_SYNC includes O_DSYNC (__O_SYNC | O_DSYNC). */
export const O_SYNC = 0o4010000

/** File type bits of st_mode. */
export const S_IFMT = 0o170000
export const S_IFSOCK = 0o140000
export const S_IFLNK = 0o120000
export const S_IFREG = 0o100000
export const S_IFBLK = 0o60000
export const S_IFDIR = 0o40000
export const S_IFCHR = 0o20000
export const S_IFIFO = 0o10000

/** Mode bits DHT gives meaning to: linkto files and files under migration carry them. */
export const S_ISGID = 0o2000
export const S_ISVTX = 0o1000

/** lseek whence, including Linux SEEK_DATA / SEEK_HOLE. */
export const SEEK_SET = 0
export const SEEK_CUR = 1
export const SEEK_END = 2
export const SEEK_DATA = 3
export const SEEK_HOLE = 4

/** What SEEK asks the brick for, on the wire (gfx_seek_req `what`, glusterfs-fops.h gf_seek_what_t). */
export const SeekWhat = { DATA: 0, HOLE: 1 } as const
