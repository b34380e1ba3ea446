// min-free-disk / min-free-inodes (xlators/cluster/dht/src/dht-diskusage.c): what a brick's STATFS
// says about its room, whether that makes it "filled", and which brick a new file goes to when
// its hashed brick is. Pure: the cache and the STATFS calls live in conf.ts, the linkto in entry.ts.

import type { GfStatfs } from '../../rpc/programs/fops/structs.ts'
import { statfsChunks } from './layout.ts'

/** One brick's room as the last STATFS that answered said (dht_du_t); all 0 until one did. */
export interface DiskUsage {
  /** floor(f_bavail * 100 / f_blocks): C divides 64-bit integers. */
  readonly availPercent: number
  /** f_bavail * f_frsize bytes. */
  readonly availSpace: number
  /** floor(f_ffree * 100 / f_files); 100 when f_files is 0 (inodes allocated on demand). */
  readonly availInodes: number
  /** Size in 1 MiB chunks, the weight of weighted layouts. */
  readonly chunks: number
}

export const NO_DISK_USAGE: DiskUsage = { availPercent: 0, availSpace: 0, availInodes: 0, chunks: 0 }

/** dht_du_info_cbk. */
export function diskUsageOf(s: Pick<GfStatfs, 'blocks' | 'bavail' | 'bsize' | 'frsize' | 'files' | 'ffree'>): DiskUsage {
  const blocks = BigInt(s.blocks)
  const files = BigInt(s.files)
  return {
    availPercent: blocks === 0n ? 0 : Number((BigInt(s.bavail) * 100n) / blocks),
    availSpace: blocks === 0n ? 0 : s.bavail * s.frsize,
    availInodes: files === 0n ? 100 : Number((BigInt(s.ffree) * 100n) / files),
    chunks: blocks === 0n ? 0 : statfsChunks(s.blocks, s.bsize),
  }
}

/** The min-free-disk and min-free-inodes limits (dht-shared.c). */
export interface MinFree {
  /** A percentage when below 100, else a size in bytes (C's disk_unit_percent). */
  readonly disk: number
  /** A percentage. */
  readonly inodes: number
}

/** Whether a min-free-disk value is a percentage: C decides by the number alone (`< 100`). */
export function diskIsPercent(min: MinFree): boolean {
  return min.disk < 100
}

const SIZE_UNITS: Record<string, number> = { kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4, pb: 1024 ** 5 }

/**
 * Parses min-free-disk as GF_OPTION_TYPE_PERCENT_OR_SIZET (options.c pc_or_size): "N%" or a bare
 * N up to 100 is a percentage, above 100 a byte count; "N<unit>" (KB, MB, GB, TB, PB, B) is a size.
 * A size under 100 bytes then reads as a percentage, as in C.
 * @returns undefined when C refuses the value.
 */
export function parseMinFreeDisk(raw: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)(%|[a-z]*)$/i.exec(raw)
  if (m === null) return undefined
  const n = Number(m[1])
  const unit = m[2]!.toLowerCase()
  if (unit === '%') return n <= 100 ? n : undefined
  if (unit === '') return n <= 100 ? n : Math.floor(n)
  if (unit === 'b') return Math.floor(n)
  const scale = SIZE_UNITS[unit]
  return scale === undefined ? undefined : Math.floor(n * scale)
}

/** Why dht_is_subvol_filled calls a brick filled: space is checked first, inodes only if space is fine. */
export type Filled = 'space' | 'inodes' | undefined

/** dht_is_subvol_filled: strictly below either limit. */
export function filledBy(du: DiskUsage, min: MinFree): Filled {
  if ((diskIsPercent(min) ? du.availPercent : du.availSpace) < min.disk) return 'space'
  if (du.availInodes < min.inodes) return 'inodes'
  return undefined
}

/**
 * dht_free_disk_available_subvol: where a new file whose hashed brick `hashed` is filled goes.
 * First pass (dht_subvol_with_free_space_inodes): bricks strictly above both limits; a later brick
 * replaces the best so far when it has more free inodes OR more free space, C's own rule, so the
 * pick is not always the roomiest. C then checks the pick against min-free-disk after adding the
 * file's size, which for a new file (size 0) it always passes. Failing that,
 * dht_subvol_maxspace_nonzeroinode: the brick with the most free space that has any inode left,
 * filled or not. Failing that, the hashed brick.
 *
 * @param usable Whether a brick may take the file: C skips bricks whose entry in the parent's
 *   layout has an error and decommissioned bricks (dht_subvol_has_err).
 */
export function availableSubvol(du: readonly DiskUsage[], min: MinFree, hashed: number, usable: (i: number) => boolean): number {
  const percent = diskIsPercent(min)
  const space = (d: DiskUsage): number => (percent ? d.availPercent : d.availSpace)
  let best = -1
  let max = 0
  let maxInodes = 0
  for (let i = 0; i < du.length; i++) {
    const d = du[i]!
    if (!usable(i) || !(space(d) > min.disk && d.availInodes > min.inodes)) continue
    if (d.availInodes > maxInodes || space(d) > max) {
      max = space(d)
      maxInodes = d.availInodes
      best = i
    }
  }
  if (best >= 0) return best
  max = 0
  for (let i = 0; i < du.length; i++) {
    const d = du[i]!
    if (usable(i) && space(d) > max && d.availInodes > 0) {
      max = space(d)
      best = i
    }
  }
  return best >= 0 ? best : hashed
}
