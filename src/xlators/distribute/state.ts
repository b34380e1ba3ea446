// What cluster/distribute keeps per inode and per fd, and small helpers its modules share.

import { posix } from 'node:path'
import { GlusterError } from '../../rpc/errors.ts'
import type { Xlator } from '../xlator.ts'
import { type Layout, type LayoutCheck, checkLayout } from './layout.ts'

/** A directory's layout and what is known about it (Inode.ctx of a directory). */
export class DirCtx {
  /** The directory, for messages. */
  readonly path: string
  readonly layout: Layout
  /** Holes, overlaps and bricks lacking the directory, checked once. */
  readonly check: LayoutCheck
  /** The subvolume holding `trusted.glusterfs.dht.mds` (the directory's metadata source), if any. */
  readonly mds: number | undefined
  constructor(path: string, layout: Layout, mds: number | undefined) {
    this.path = path
    this.layout = layout
    this.check = checkLayout(layout)
    this.mds = mds
  }
}

/** Where a file's data lives: its "cached" subvolume (Inode.ctx of a non-directory). */
export class FileCtx {
  readonly subvol: number
  constructor(subvol: number) {
    this.subvol = subvol
  }
}

/**
 * Fd.ctx of an open file: where its fops go, and what it learned of a rebalance moving the file
 * (dht_fd_ctx_t `opened_on_dst` and the inode's dht_migrate_info_t, kept per fd here):
 *   sub      the subvolume holding the data when last seen; every fop starts there. It changes
 *            only when a fop finds the migration done (phase 2) and the fd is open on the new one.
 *   dst      set while `sub` reports a migration in progress (phase 1) and the fd is open on the
 *            destination too: writes go to both. Cleared when `sub` answers without the phase
 *            bits (the migration was abandoned) or the fd moves.
 *   open     every subvolume the fd is open on; old ones stay open (fops in flight may still use
 *            them) until release.
 *   check    the migration check running for this fd: fops that meet the migration meanwhile
 *            wait for it instead of opening the destination again.
 */
export class FileFd {
  sub: Xlator
  dst: Xlator | undefined
  readonly open: Xlator[]
  check: Promise<unknown> | undefined
  constructor(sub: Xlator) {
    this.sub = sub
    this.dst = undefined
    this.open = [sub]
    this.check = undefined
  }
}

/** What DHT keeps for one inode. */
export type InodeState = DirCtx | FileCtx

/** Fd.ctx of an open directory: which bricks it is open on (bricks lacking it are skipped). */
export class DirFd {
  readonly open: readonly boolean[]
  constructor(open: readonly boolean[]) {
    this.open = open
  }
}

/** The brick lacks the entry (a new brick, or removed meanwhile): fan-outs skip it. */
export function isMissing(err: unknown): boolean {
  return err instanceof GlusterError && (err.code === 'ENOENT' || err.code === 'ESTALE')
}

/** The `code` of a GlusterError ('ENOENT'...), undefined for anything else. */
export function errorCode(err: unknown): string | undefined {
  return err instanceof GlusterError ? err.code : undefined
}

/** The failure to report when every brick failed: the first that is not "brick down", if any. */
export function firstFailure(results: readonly PromiseSettledResult<unknown>[]): unknown {
  let first: unknown
  for (const r of results) {
    if (r.status !== 'rejected') continue
    if (errorCode(r.reason) !== 'ENOTCONN') return r.reason
    first ??= r.reason
  }
  return first
}

/** The parent directory of a path inside the volume. */
export function parentPath(path: string): string {
  return posix.dirname(path)
}
