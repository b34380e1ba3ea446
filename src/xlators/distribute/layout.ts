// DHT directory layouts (xlators/cluster/dht/src/dht-layout.c, dht-selfheal.c): the per-brick hash
// ranges of a directory, read from and written to the `trusted.glusterfs.dht` xattr.

import { describeErrno, errnoOf } from '../../rpc/errno.ts'
import { DhtHasher } from './hash.ts'

/** Hash type of a normal layout, written and rewritten by DHT (DHT_HASH_TYPE_DM). */
export const DHT_HASH_TYPE_DM = 0
/** Hash type of a layout an administrator set by hand: DHT never rewrites it (DHT_HASH_TYPE_DM_USER). */
export const DHT_HASH_TYPE_DM_USER = 1
/** The hash types a layout xattr may carry; anything else makes the xattr unusable. */
export type DhtHashType = typeof DHT_HASH_TYPE_DM | typeof DHT_HASH_TYPE_DM_USER

/** Layout commit hash meaning "not known to match the volume's" (DHT_LAYOUT_HASH_INVALID). */
export const DHT_LAYOUT_HASH_INVALID = 1
/** Default name of the layout xattr (cluster/distribute option `xattr-name`). */
export const DHT_LAYOUT_XATTR = 'trusted.glusterfs.dht'
/** The top of the 32-bit hash space; layouts must cover 0..HASH_RANGE_MAX. */
export const HASH_RANGE_MAX = 0xffffffff
/**
 * {@link LayoutEntry.err} of a brick that has the directory but whose layout xattr could not be
 * used (C's `err = -1`): it counts as missing.
 */
export const LAYOUT_ERR_UNUSABLE = -1

const ENOENT = errnoOf('ENOENT')
const ESTALE = errnoOf('ESTALE')
const ENOTCONN = errnoOf('ENOTCONN')
const ENOSPC = errnoOf('ENOSPC')
const EINVAL = errnoOf('EINVAL')

/** Stable codes of {@link LayoutError}. */
export type LayoutErrorCode = 'ERR_DHT_LAYOUT_XATTR' | 'ERR_DHT_LAYOUT_HOLE' | 'ERR_DHT_LAYOUT_OVERLAP'

/** Where a {@link LayoutError} applies. */
export interface LayoutErrorInit {
  /** Directory path, as far as known. */
  path?: string | undefined
  /** The bricks involved. */
  entries?: readonly Pick<LayoutEntry, 'subvolume' | 'name'>[] | undefined
  /** The hash range affected (inclusive), for holes and overlaps. */
  start?: number | undefined
  stop?: number | undefined
}

/**
 * A directory layout that cannot be used as it is: an unparsable xattr (`ERR_DHT_LAYOUT_XATTR`), or
 * hash values no brick owns (`ERR_DHT_LAYOUT_HOLE`, creating there fails with EIO in the C client)
 * or that two bricks claim (`ERR_DHT_LAYOUT_OVERLAP`). The C client heals both under locks.
 */
export class LayoutError extends Error {
  readonly code: LayoutErrorCode
  readonly path: string | undefined
  /** Subvolume indexes (volfile order) of the bricks involved. */
  readonly subvolumes: readonly number[]
  /** Their protocol/client xlator names, or `subvolume N` when unknown. */
  readonly bricks: readonly string[]
  readonly start: number | undefined
  readonly stop: number | undefined

  constructor(code: LayoutErrorCode, message: string, init: LayoutErrorInit = {}) {
    super(message)
    this.name = 'LayoutError'
    this.code = code
    this.path = init.path
    this.subvolumes = (init.entries ?? []).map((e) => e.subvolume)
    this.bricks = (init.entries ?? []).map(brickName)
    this.start = init.start
    this.stop = init.stop
  }
}

function brickName(e: Pick<LayoutEntry, 'subvolume' | 'name'>): string {
  return e.name ?? `subvolume ${e.subvolume}`
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`
}

// ---------------------------------------------------------------------------------------------
// The xattr

/** The decoded 16-byte `trusted.glusterfs.dht` value of one brick. All fields are u32. */
export interface DiskLayout {
  /** Layout commit hash: the volume's commit hash when the layout was written, or 1 (invalid). */
  readonly commitHash: number
  readonly type: DhtHashType
  /** First hash value this brick owns (inclusive). */
  readonly start: number
  /** Last hash value this brick owns (inclusive). */
  readonly stop: number
}

/**
 * Decodes a brick's layout xattr: four big-endian u32 words, commit hash, hash type, start, stop
 * (`dht_disk_layout_merge`).
 *
 * @param where Named in the error, if any.
 * @throws {LayoutError} `ERR_DHT_LAYOUT_XATTR` if the value is not 16 bytes or the hash type is
 *   neither DM (0) nor DM_USER (1).
 */
export function parseLayoutXattr(
  value: Uint8Array,
  where: { path?: string | undefined; subvolume?: number | undefined; name?: string | undefined } = {},
): DiskLayout {
  const init: LayoutErrorInit = {
    path: where.path,
    entries: where.subvolume === undefined ? [] : [{ subvolume: where.subvolume, name: where.name }],
  }
  const on = `${where.path ?? 'directory'}${where.subvolume === undefined ? '' : ` on ${brickName({ subvolume: where.subvolume, name: where.name })}`}`
  if (value.length !== 16) {
    throw new LayoutError('ERR_DHT_LAYOUT_XATTR', `layout xattr of ${on} is ${value.length} bytes, expected 16`, init)
  }
  const view = new DataView(value.buffer, value.byteOffset, 16)
  const type = view.getUint32(4)
  if (type !== DHT_HASH_TYPE_DM && type !== DHT_HASH_TYPE_DM_USER) {
    throw new LayoutError('ERR_DHT_LAYOUT_XATTR', `layout xattr of ${on} has unknown hash type ${type}`, init)
  }
  return { commitHash: view.getUint32(0), type, start: view.getUint32(8), stop: view.getUint32(12) }
}

/**
 * Encodes a layout xattr value (16 bytes, big-endian words), as DHT writes it with SETXATTR.
 *
 * @throws {RangeError} if a field is not an integer in 0..0xffffffff.
 */
export function encodeLayoutXattr(layout: DiskLayout): Uint8Array {
  const out = new Uint8Array(16)
  const view = new DataView(out.buffer)
  const words = [layout.commitHash, layout.type, layout.start, layout.stop]
  words.forEach((w, i) => {
    if (!Number.isInteger(w) || w < 0 || w > HASH_RANGE_MAX) throw new RangeError(`layout word ${i} out of u32 range: ${w}`)
    view.setUint32(i * 4, w)
  })
  return out
}

// ---------------------------------------------------------------------------------------------
// Layouts

/** One brick's part of a directory layout. */
export interface LayoutEntry {
  /** Index of the subvolume in the DHT xlator's `subvolumes` (volfile order). */
  readonly subvolume: number
  /** Its protocol/client xlator name (`testvol-client-0`), for messages and linkto values. */
  readonly name?: string | undefined
  /** Hash range (inclusive). 0/0 means the brick has no range: no xattr, an error, or not in use. */
  readonly start: number
  readonly stop: number
  readonly commitHash: number
  /**
   * Why this brick has no usable range: a positive Linux errno from its LOOKUP/MKDIR (ENOENT: the
   * directory is missing there, ENOTCONN: brick down...), or {@link LAYOUT_ERR_UNUSABLE}.
   * Absent when the brick answered (with or without an xattr).
   */
  readonly err?: number | undefined
  /** The parse failure behind {@link LAYOUT_ERR_UNUSABLE}. */
  readonly xattrError?: LayoutError | undefined
}

/** The layout of one directory: which brick owns which names' hashes. */
export interface Layout {
  /** The directory, for messages. */
  readonly path: string
  /** DM_USER when any brick says so: such a layout is never rewritten. */
  readonly type: DhtHashType
  /**
   * Directory commit hash: the bricks' common word 0, else {@link DHT_LAYOUT_HASH_INVALID}; 0 when
   * no brick has a layout. Compared with the volume commit hash for lookup-optimize.
   */
  readonly commitHash: number
  /**
   * All bricks, in the order `dht_layout_sort` leaves them: bricks without a range (0/0) first,
   * then by start. {@link searchLayout} takes the first match in this order.
   */
  readonly entries: readonly LayoutEntry[]
}

/** What one brick said about a directory, input to {@link layoutFromBricks}. */
export interface BrickLayout {
  /** Index of the subvolume (volfile order). */
  readonly subvolume: number
  /** Its protocol/client xlator name. */
  readonly name?: string | undefined
  /** Positive errno if the brick's LOOKUP failed. */
  readonly err?: number | undefined
  /** The raw `trusted.glusterfs.dht` value from the reply; absent or null if the brick sent none. */
  readonly xattr?: Uint8Array | null | undefined
}

// Bricks without a range first, then by start; stable, which for these keys gives the order glibc's
// merge-sort qsort gives with dht_layout_entry_cmp.
function sortEntries(entries: LayoutEntry[]): LayoutEntry[] {
  const noRange = (e: LayoutEntry): number => (e.start === 0 && e.stop === 0 ? 0 : 1)
  return entries.sort((a, b) => noRange(a) - noRange(b) || a.start - b.start)
}

/**
 * Builds a directory's layout from every brick's LOOKUP answer (`dht_layout_merge` then
 * `dht_layout_sort`). A brick whose xattr is unusable gets {@link LAYOUT_ERR_UNUSABLE} (the C client
 * treats it as missing and heals) instead of failing the whole layout.
 *
 * A volume with a single subvolume keeps no layout xattrs: DHT sends everything to that brick and
 * callers must not build (or check) a layout there.
 *
 * @param path The directory, for messages.
 * @param bricks One answer per subvolume, in any order.
 */
export function layoutFromBricks(path: string, bricks: readonly BrickLayout[]): Layout {
  let type: DhtHashType = DHT_HASH_TYPE_DM
  let commitHash: number | undefined
  const entries = bricks.map((b): LayoutEntry => {
    const none = { subvolume: b.subvolume, name: b.name, start: 0, stop: 0, commitHash: 0 }
    if (b.err) return { ...none, err: b.err }
    if (!b.xattr) return none
    let disk: DiskLayout
    try {
      disk = parseLayoutXattr(b.xattr, { path, subvolume: b.subvolume, name: b.name })
    } catch (err) {
      if (!(err instanceof LayoutError)) throw err
      return { ...none, err: LAYOUT_ERR_UNUSABLE, xattrError: err }
    }
    if (disk.type === DHT_HASH_TYPE_DM_USER) type = DHT_HASH_TYPE_DM_USER
    // dht_layout_merge treats a 0 it has so far as "unset", which makes its result depend on the
    // order replies arrive in when some bricks have 0; "all equal, else invalid" never claims a
    // match C might not see (the cost is at most an extra lookup-everywhere).
    commitHash = commitHash === undefined || commitHash === disk.commitHash ? disk.commitHash : DHT_LAYOUT_HASH_INVALID
    return { ...none, start: disk.start, stop: disk.stop, commitHash: disk.commitHash }
  })
  return { path, type, commitHash: commitHash ?? 0, entries: sortEntries(entries) }
}

/**
 * The brick a hash belongs to: the first entry with start <= hash <= stop (`dht_layout_search`),
 * or undefined when the hash falls in a hole (the C client fails creates there with EIO).
 *
 * As in C, entries are not filtered by error: bricks without a range are 0/0 and sorted first, so
 * hash 0 goes to such a brick (missing xattr, down, spread-out) when the layout has one.
 *
 * @param hash Unsigned 32-bit name hash, from {@link DhtHasher.hashName}.
 */
export function searchLayout(layout: Layout, hash: number): LayoutEntry | undefined {
  for (const e of layout.entries) {
    if (e.start <= hash && hash <= e.stop) return e
  }
  return undefined
}

/** A hash range no brick owns, or that several bricks claim. */
export interface LayoutAnomaly {
  readonly kind: 'hole' | 'overlap'
  /** The affected hash range (inclusive). */
  readonly start: number
  readonly stop: number
  /** Hole: the bricks whose ranges end before and start after it. Overlap: the bricks sharing it. */
  readonly entries: readonly LayoutEntry[]
}

/** The result of {@link checkLayout}. */
export interface LayoutCheck {
  /** No holes and no overlaps: every hash has exactly one brick. */
  readonly ok: boolean
  readonly anomalies: readonly LayoutAnomaly[]
  /** Bricks lacking the directory (ENOENT, ESTALE) or with an unusable xattr. */
  readonly missing: readonly LayoutEntry[]
  /** Bricks that were not connected (ENOTCONN): the C client does not heal while any is down. */
  readonly down: readonly LayoutEntry[]
  /** Bricks that reported ENOSPC. */
  readonly noSpace: readonly LayoutEntry[]
  /** Bricks with any other error: the C client refuses to heal the directory. */
  readonly failed: readonly LayoutEntry[]
  /**
   * The C client would self-heal this directory on lookup (`dht_layout_normalize` non-zero):
   * holes, overlaps, or the directory missing on some brick.
   */
  readonly needsHeal: boolean
  /** One line for logs, naming the directory and bricks; "ok" details when there is nothing wrong. */
  readonly description: string
  /** The first anomaly as an error to throw (`ERR_DHT_LAYOUT_HOLE`/`_OVERLAP`); undefined when ok. */
  readonly error: LayoutError | undefined
}

function describeErr(err: number): string {
  return err === LAYOUT_ERR_UNUSABLE ? 'unusable layout xattr' : describeErrno(err).code
}

/**
 * Checks that a layout gives every hash 0..0xffffffff exactly one brick, as `dht_layout_anomalies`
 * does: bricks with an error, and bricks whose range is empty (start == stop, which C reads as "not
 * taking part", e.g. beyond `directory-layout-spread`), are left out; the others' ranges must tile
 * the hash space. A layout where no brick has a range is one hole.
 *
 * C counts some anomalies differently (a range starting after one that ended at 0xffffffff counts
 * as a hole there); whether anything is wrong always agrees.
 */
export function checkLayout(layout: Layout): LayoutCheck {
  const missing: LayoutEntry[] = []
  const down: LayoutEntry[] = []
  const noSpace: LayoutEntry[] = []
  const failed: LayoutEntry[] = []
  const used: LayoutEntry[] = []
  for (const e of layout.entries) {
    if (!e.err) {
      if (e.start < e.stop) used.push(e)
    } else if (e.err === ENOENT || e.err === ESTALE || e.err === LAYOUT_ERR_UNUSABLE) {
      missing.push(e)
    } else if (e.err === ENOTCONN) {
      down.push(e)
    } else if (e.err === ENOSPC) {
      noSpace.push(e)
    } else {
      failed.push(e)
    }
  }
  used.sort((a, b) => a.start - b.start || a.stop - b.stop)

  const anomalies: LayoutAnomaly[] = []
  let next = 0 // first hash not yet covered
  let last: LayoutEntry | undefined // the entry covering up to next - 1
  for (const e of used) {
    if (e.start > next) {
      anomalies.push({ kind: 'hole', start: next, stop: e.start - 1, entries: last ? [last, e] : [e] })
    } else if (e.start < next && last) {
      anomalies.push({ kind: 'overlap', start: e.start, stop: Math.min(e.stop, next - 1), entries: [last, e] })
    }
    if (e.stop + 1 > next) {
      next = e.stop + 1
      last = e
    }
  }
  if (next <= HASH_RANGE_MAX) anomalies.push({ kind: 'hole', start: next, stop: HASH_RANGE_MAX, entries: last ? [last] : [] })

  const parts = anomalies.map((a) => {
    const names = a.entries.map(brickName)
    const range = `${hex(a.start)}-${hex(a.stop)}`
    if (a.kind === 'overlap') return `overlap ${range} between ${names.join(' and ')}`
    if (a.entries.length === 0) return `hole ${range}: no brick has a range`
    if (a.start === 0) return `hole ${range} before ${names[0]}`
    return a.entries.length === 1 ? `hole ${range} after ${names[0]}` : `hole ${range} between ${names.join(' and ')}`
  })
  for (const e of [...missing, ...down, ...noSpace, ...failed]) parts.push(`${brickName(e)}: ${describeErr(e.err!)}`)
  const description = `layout of ${layout.path}: ${parts.length > 0 ? parts.join('; ') : 'ok'}`

  const first = anomalies[0]
  const error = first === undefined
    ? undefined
    : new LayoutError(first.kind === 'hole' ? 'ERR_DHT_LAYOUT_HOLE' : 'ERR_DHT_LAYOUT_OVERLAP', description, {
      path: layout.path,
      entries: first.entries,
      start: first.start,
      stop: first.stop,
    })
  // dht_layout_missing_dirs: ENOENT, or an unusable xattr on a brick without a range.
  const missingDirs = layout.entries.some((e) => e.err === ENOENT || (e.err === LAYOUT_ERR_UNUSABLE && e.start === 0 && e.stop === 0))
  return {
    ok: anomalies.length === 0,
    anomalies,
    missing,
    down,
    noSpace,
    failed,
    needsHeal: anomalies.length > 0 || missingDirs,
    description,
    error,
  }
}

// ---------------------------------------------------------------------------------------------
// New directories

/** Options of {@link newDirectoryLayout}, after the cluster/distribute volfile options. */
export interface NewDirectoryLayoutOptions {
  /**
   * Protocol/client xlator names, by subvolume index. The C client walks subvolumes in the byte
   * order of these names (`dht_layout_sort_volname`), so `vol-client-10` comes before
   * `vol-client-2`; without names, index order is used (the same up to 10 bricks).
   */
  names?: readonly string[] | undefined
  /** Hashes the path (or gfid); default: a {@link DhtHasher} with default options. */
  hasher?: DhtHasher | undefined
  /**
   * `randomize-hash-range-by-gfid` (default false): pick the first subvolume by the hash of the
   * directory's gfid (canonical lowercase text form) instead of its path.
   */
  randomizeByGfid?: boolean | undefined
  /** The new directory's gfid (16 bytes or text); required with randomizeByGfid. */
  gfid?: Uint8Array | string | undefined
  /** `weighted-rebalance` (default true): size ranges by brick size when all sizes are known. */
  weighted?: boolean | undefined
  /**
   * Brick sizes by subvolume index, in 1 MiB chunks as {@link statfsChunks} computes them from each
   * brick's STATFS. A missing or 0 size of a brick in use turns weighting off.
   */
  chunks?: readonly number[] | undefined
  /**
   * Per-subvolume errno of the MKDIR (treat EEXIST as success, as the C client does), ENOSPC for
   * bricks over min-free-disk. Bricks with errors other than ENOENT get no range; ENOSPC bricks
   * get ranges only if no brick is free of errors.
   */
  errors?: readonly (number | undefined)[] | undefined
  /**
   * Subvolume indices being removed (`decommissioned-bricks`): they get no range, whatever their
   * MKDIR error, and are marked EINVAL as dht_get_layout_count marks them.
   */
  decommissioned?: ReadonlySet<number> | undefined
  /** `directory-layout-spread`: how many bricks get a range (default: all usable). */
  spreadCount?: number | undefined
  /**
   * Commit hash written with the ranges. Default 0: C writes the volume commit hash (root xattr
   * `trusted.glusterfs.dht.commithash`, 0 until a rebalance sets it) with lookup-optimize on (the
   * default), and {@link DHT_LAYOUT_HASH_INVALID} with it off.
   */
  commitHash?: number | undefined
}

function gfidText(gfid: Uint8Array | string): string {
  if (typeof gfid === 'string') return gfid.toLowerCase()
  const h = Array.from(gfid, (b) => b.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

/**
 * The layout the C client gives a new directory (`dht_selfheal_layout_new_directory`), so that a
 * directory this client creates looks exactly like one a C client creates.
 *
 * Walking the subvolumes (name order) cyclically from `hash(path) mod N`, each usable one gets the
 * next range of `floor(0xffffffff / used)` hashes, or with weighting `trunc(0xffffffff / totalChunks
 * * chunks)` computed in doubles as C does (so equal sizes can give a range 1 shorter than
 * unweighted); the last range ends at 0xffffffff. On a 2-brick volume, `/` starts at the first
 * brick and `/pr` at the second.
 *
 * @param subvolumeCount Number of DHT subvolumes (N).
 * @param dirPath The directory's full path from the volume root, as the C client's loc.path:
 *   leading `/`, no trailing `/` (`/pr`, `/a/b`).
 * @returns A layout with one entry per subvolume; bricks without a range get 0/0 and commit hash 0,
 *   which is what C writes to them. Encode each entry with {@link encodeLayoutXattr} and the
 *   layout's type.
 */
export function newDirectoryLayout(subvolumeCount: number, dirPath: string, opts: NewDirectoryLayoutOptions = {}): Layout {
  if (!Number.isInteger(subvolumeCount) || subvolumeCount < 1) throw new RangeError(`bad subvolume count ${subvolumeCount}`)
  const names = opts.names
  if (names !== undefined && names.length !== subvolumeCount) throw new RangeError(`${names.length} names for ${subvolumeCount} subvolumes`)
  if (opts.randomizeByGfid && opts.gfid === undefined) throw new TypeError('randomizeByGfid needs the gfid')
  const commitHash = opts.commitHash ?? 0

  const order = Array.from({ length: subvolumeCount }, (_, i) => i)
  if (names !== undefined) order.sort((a, b) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0))

  // dht_get_layout_count: bricks free of errors (or just missing the directory) take part; bricks
  // over min-free-disk only when there is nothing else; decommissioned bricks never.
  const errOf = (i: number): number => (opts.decommissioned?.has(i) ? EINVAL : opts.errors?.[i] ?? 0)
  const usable = new Set(order.filter((i) => errOf(i) === 0 || errOf(i) === ENOENT))
  if (usable.size === 0) for (const i of order) if (errOf(i) === ENOSPC) usable.add(i)
  const spread = opts.spreadCount
  const bricksToUse = spread && spread <= usable.size ? spread : Math.max(usable.size, 1)

  // Total size of the first bricksToUse usable bricks in name order — not necessarily the ones the
  // walk below uses when spread < N, exactly as in C.
  let weighted = opts.weighted ?? true
  let totalChunks = 0
  let counted = 0
  for (const i of order) {
    if (!usable.has(i)) continue
    const c = opts.chunks?.[i] ?? 0
    if (!c) {
      weighted = false
      break
    }
    totalChunks += c
    if (++counted >= bricksToUse) break
  }
  if (!totalChunks) weighted = false
  const chunk = weighted ? HASH_RANGE_MAX / totalChunks : HASH_RANGE_MAX / bricksToUse

  const hasher = opts.hasher ?? new DhtHasher()
  const first = hasher.hashName(opts.randomizeByGfid ? gfidText(opts.gfid!) : dirPath) % subvolumeCount

  const ranges = new Map<number, { start: number; stop: number }>()
  let start = 0
  for (let k = 0; k < subvolumeCount; k++) {
    const i = order[(k + first) % subvolumeCount]!
    if (!usable.has(i)) continue
    const size = weighted ? (opts.chunks?.[i] ?? 0) : 1
    if (!size) continue
    const rangeSize = Math.trunc(chunk * size) >>> 0 // C: double to uint32_t
    if (ranges.size + 1 >= bricksToUse) {
      ranges.set(i, { start, stop: HASH_RANGE_MAX })
      break
    }
    ranges.set(i, { start, stop: (start + rangeSize - 1) >>> 0 })
    start = (start + rangeSize) >>> 0
  }

  const entries = order.map((i): LayoutEntry => {
    const r = ranges.get(i)
    const err = r === undefined && errOf(i) !== 0 ? errOf(i) : undefined
    return { subvolume: i, name: names?.[i], start: r?.start ?? 0, stop: r?.stop ?? 0, commitHash: r ? commitHash : 0, err }
  })
  return { path: dirPath, type: DHT_HASH_TYPE_DM, commitHash, entries: sortEntries(entries) }
}

/**
 * The subvolume indices named by a `decommissioned-bricks` value: comma-separated subvolume names
 * (dht_parse_decommissioned_bricks; empty pieces are skipped as strtok_r skips them).
 *
 * @param fail Makes the error for a name that is no subvolume: C's init fails then.
 */
export function parseDecommissionedBricks(value: string, names: readonly string[], fail: (detail: string) => Error): ReadonlySet<number> {
  const out = new Set<number>()
  for (const name of value.split(',')) {
    if (name === '') continue
    const i = names.indexOf(name)
    if (i < 0) throw fail(`decommissioned-bricks names '${name}', which is not one of its subvolumes (${names.join(', ')})`)
    out.add(i)
  }
  return out
}

/**
 * A brick's size in 1 MiB chunks, the weight of weighted layouts (`dht_du_info_cbk`):
 * `ceil(blocks / (1 MiB / bsize))`, truncated to u32. C divides the block count (in f_frsize
 * units) by a chunk size derived from f_bsize; this keeps that.
 *
 * @param blocks STATFS f_blocks of the brick.
 * @param bsize STATFS f_bsize in bytes.
 * @returns 0 when unknown (no blocks, or bsize above 1 MiB, where C would divide by zero).
 */
export function statfsChunks(blocks: number | bigint, bsize: number): number {
  const blocksPerChunk = BigInt(Math.floor(0x100000 / bsize) >>> 0)
  const b = BigInt(blocks)
  if (b === 0n || blocksPerChunk === 0n) return 0
  return Number(BigInt.asUintN(32, (b + blocksPerChunk - 1n) / blocksPerChunk))
}
