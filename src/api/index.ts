/**
 * gfapi-ts: a pure-TypeScript GlusterFS client, the libgfapi of Node.js.
 * @packageDocumentation
 */
export { Glfs, type GlfsOptions, type GlfsEvents, type BrickInfo } from './glfs.ts'
export { GlfsFd, GlfsDir, MAX_IO_CHUNK } from './fd.ts'
export { GlfsStats, GlfsBigIntStats, type GlfsStatvfs, type StatOptions } from './stats.ts'
export { GlfsDirent, type ReaddirOptions } from './dirent.ts'
export type {
  FileCalls, FileReadOptions, FileReadResult, FileWriteOptions, FileWriteResult, ReadFileOptions, WriteFileData, WriteFileOptions,
} from './file-handle.ts'
export {
  COPYFILE_EXCL, COPYFILE_FICLONE, COPYFILE_FICLONE_FORCE, type MkdirOptions, type PathReadFileOptions,
  type PathWriteFileOptions, type RmOptions,
} from './fs-helpers.ts'
export {
  GlfsReadStream, GlfsWriteStream, type PathReadStreamOptions, type PathWriteStreamOptions, type ReadStreamOptions,
  type WriteStreamOptions,
} from './streams.ts'
export type { BrickChannelMessage, FopMessage } from './tracing.ts'
export { parseGlusterUri, GLUSTERD_DEFAULT_PORT, type GlusterUri } from './uri.ts'
export type { TimeSpec } from './times.ts'
export type { VolfileServer } from './mgmt.ts'
export type { VolfileServerChange, VolfileServerStatus } from './volfile-servers.ts'
export { AbortError, type GlfsCallOptions } from './abort.ts'
export type { BackoffOptions } from '../rpc/backoff.ts'
export type { BrickStatus, HealReport } from '../xlators/xlator.ts'
export type { DirEntry } from '../xlators/types.ts'
export * from './constants.ts'
export * from './errors.ts'
