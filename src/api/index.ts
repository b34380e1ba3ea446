/**
 * gfapi-ts: a pure-TypeScript GlusterFS client, the libgfapi of Node.js.
 * @packageDocumentation
 */
export { Glfs, type GlfsOptions, type BrickInfo } from './glfs.ts'
export { GlfsFd, GlfsDir, MAX_IO_CHUNK } from './fd.ts'
export { GlfsStats, type GlfsStatvfs } from './stats.ts'
export { parseGlusterUri, GLUSTERD_DEFAULT_PORT, type GlusterUri } from './uri.ts'
export type { TimeSpec } from './times.ts'
export type { VolfileServer } from './mgmt.ts'
export type { VolfileServerChange, VolfileServerStatus } from './volfile-servers.ts'
export { AbortError, type GlfsCallOptions } from './abort.ts'
export type { BackoffOptions } from '../rpc/backoff.ts'
export type { BrickStatus } from '../xlators/xlator.ts'
export type { DirEntry } from '../xlators/types.ts'
export * from './constants.ts'
export * from './errors.ts'
