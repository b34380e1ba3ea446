// AFR changelog arithmetic and read-child choice: pure functions over replies, no I/O.
// Sources: afr-common.c afr_xattr_req_prepare, afr_lookup_xattr_req_prepare, afr_readables_fill,
// afr_accused_fill, afr_accuse_smallfiles, afr_is_possibly_under_txn, afr_hash_child,
// afr_read_subvol_select_by_policy; libglusterfs hashfn.c SuperFastHash.

import { S_IFDIR, S_IFMT, S_IFREG } from '../../rpc/linux.ts'
import { Dict } from '../../rpc/programs/fops/dict.ts'
import type { Iatt } from '../../rpc/programs/fops/iatt.ts'
import type { Topology } from './topology.ts'

/** Changelog slots (afr_index_for_transaction_type): data, metadata, entry. */
export const Slot = { DATA: 0, METADATA: 1, ENTRY: 2 } as const
export type Slot = (typeof Slot)[keyof typeof Slot]

/** AFR_NUM_CHANGE_LOGS * sizeof(int): a changelog value is 3 big-endian int32. */
export const CHANGELOG_BYTES = 12

export const isDirMode = (mode: number): boolean => (mode & S_IFMT) === S_IFDIR
export const isRegMode = (mode: number): boolean => (mode & S_IFMT) === S_IFREG

/** Keys the bricks answer with lock counts (glusterfs.h GLUSTERFS_*). */
export const INODELK_COUNT = 'glusterfs.inodelk-count'
export const ENTRYLK_COUNT = 'glusterfs.entrylk-count'
export const PARENT_ENTRYLK = 'glusterfs.parent-entrylk'
export const BAD_INODE = 'glusterfs.bad-inode'

/**
 * The LOOKUP (and refresh) request: the caller's keys plus every pending key and the dirty key
 * (uint64 12, the size wanted), list-xattr, the lock counts and the index link count. Sealed: it
 * goes to every child, encoded once.
 */
export function lookupXdata(topo: Topology, caller: Dict | undefined): Dict {
  const d = new Dict()
  if (caller !== undefined) for (const [k, v] of caller) d.set(k, v)
  for (const key of topo.pendingKeys) d.setUint(key, CHANGELOG_BYTES)
  d.setUint(topo.dirtyKey, CHANGELOG_BYTES)
  d.setInt('list-xattr', 1)
  d.setUint(INODELK_COUNT, 0)
  d.setUint(ENTRYLK_COUNT, 0)
  d.setUint(PARENT_ENTRYLK, 0)
  d.setStr('link-count', 'glusterfs.xattrop_index_count')
  return d.seal()
}

/** The three counters of `key` in `dict`, or undefined when absent (= all zero on the brick). */
export function changelogOf(dict: Dict | undefined, key: string): [number, number, number] | undefined {
  const raw = dict?.getPtr(key)
  if (raw === undefined || raw.length < CHANGELOG_BYTES) return undefined
  return [raw.readInt32BE(0), raw.readInt32BE(4), raw.readInt32BE(8)]
}

/** A 12-byte changelog delta (three int32 big-endian), as XATTROP ADD_ARRAY takes it. */
export function changelogValue(data: number, metadata: number, entry: number): Buffer {
  const b = Buffer.alloc(CHANGELOG_BYTES)
  b.writeInt32BE(data, 0)
  b.writeInt32BE(metadata, 4)
  b.writeInt32BE(entry, 8)
  return b
}

/** One child's answer to a LOOKUP or refresh; undefined in the array when not asked (down). */
export interface ChildReply {
  readonly ok: boolean
  readonly stat: Iatt | undefined
  readonly xdata: Dict | undefined
}

/** Which children may serve data reads and which metadata reads. */
export interface Readables {
  readonly data: boolean[]
  readonly metadata: boolean[]
  /** Some reply blamed some child, or carried a non-zero dirty: a heal is pending (item 7). */
  readonly pendingHeal: boolean
  /** Children some reply blamed, in any slot. */
  readonly blamed: boolean[]
}

/**
 * afr_readables_fill over lookup replies: every child starts readable (the arbiter never); a
 * failed or missing reply or a bad inode excludes a child; any reply with a non-zero counter for
 * child i in the data slot (entry slot for directories) or the metadata slot excludes i there;
 * for regular files with no lock held in the domain, smaller non-arbiter copies are excluded too.
 */
export function readablesOf(topo: Topology, replies: readonly (ChildReply | undefined)[]): Readables {
  const n = topo.children.length
  const data = new Array<boolean>(n).fill(true)
  const metadata = new Array<boolean>(n).fill(true)
  const dataAccused = new Array<boolean>(n).fill(false)
  const metaAccused = new Array<boolean>(n).fill(false)
  if (topo.arbiter >= 0) {
    data[topo.arbiter] = false
    metadata[topo.arbiter] = false
  }
  let pendingHeal = false
  let dirtied = false
  let mode = -1
  for (let i = 0; i < n; i++) {
    const r = replies[i]
    if (r === undefined || !r.ok || r.xdata?.has(BAD_INODE) === true) {
      data[i] = false
      metadata[i] = false
      continue
    }
    if (r.stat !== undefined) mode = r.stat.mode
    if (r.xdata === undefined) continue
    const dataSlot = isDirMode(r.stat?.mode ?? 0) ? Slot.ENTRY : Slot.DATA
    for (let j = 0; j < n; j++) {
      const c = changelogOf(r.xdata, topo.pendingKeys[j]!)
      if (c === undefined) continue
      if (c[dataSlot] !== 0) dataAccused[j] = true
      if (c[Slot.METADATA] !== 0) metaAccused[j] = true
      if (c[0] !== 0 || c[1] !== 0 || c[2] !== 0) pendingHeal = true
    }
    const dirty = changelogOf(r.xdata, topo.dirtyKey)
    if (dirty !== undefined && (dirty[0] !== 0 || dirty[1] !== 0 || dirty[2] !== 0)) dirtied = true
  }
  // Dirty under a lock is a transaction in flight (an eager lock keeps its pre-op up to
  // post-op-delay-secs after the last write, ours included), not a heal to report.
  if (dirtied && !possiblyUnderDataTxn(replies)) pendingHeal = true
  if (mode !== -1 && isRegMode(mode) && !possiblyUnderDataTxn(replies)) accuseSmallFiles(topo, replies, dataAccused)
  for (let i = 0; i < n; i++) {
    if (dataAccused[i]) data[i] = false
    if (metaAccused[i]) metadata[i] = false
  }
  const blamed = dataAccused.map((d, i) => d || metaAccused[i] === true)
  return { data, metadata, pendingHeal, blamed }
}

function possiblyUnderDataTxn(replies: readonly (ChildReply | undefined)[]): boolean {
  for (const r of replies) {
    const c = r?.xdata?.getInt(INODELK_COUNT)
    if (c !== undefined && c !== 0n) return true
  }
  return false
}

function accuseSmallFiles(topo: Topology, replies: readonly (ChildReply | undefined)[], accused: boolean[]): void {
  let max = 0
  for (let i = 0; i < accused.length; i++) {
    const r = replies[i]
    if (r?.xdata?.has(BAD_INODE) === true || accused[i]) continue
    const size = r?.ok === true ? (r.stat?.size ?? 0) : 0
    if (size > max) max = size
  }
  for (let i = 0; i < accused.length; i++) {
    if (accused[i] || i === topo.arbiter) continue
    const r = replies[i]
    const size = r?.ok === true ? (r.stat?.size ?? 0) : 0
    if (size < max) accused[i] = true
  }
}

/** Little-endian 16 bits at `o` (glusterfs get16bits on x86). */
function get16(data: Uint8Array, o: number): number {
  return data[o]! | (data[o + 1]! << 8)
}

/** libglusterfs SuperFastHash (Paul Hsieh), little-endian 16-bit reads as glusterfs does. */
export function superFastHash(data: Uint8Array): number {
  let len = data.length
  if (len <= 1) return 1
  let hash = len >>> 0
  const rem = len & 3
  len >>>= 2
  let p = 0
  for (; len > 0; len--) {
    hash = (hash + get16(data, p)) >>> 0
    const tmp = ((get16(data, p + 2) << 11) ^ hash) >>> 0
    hash = ((hash << 16) ^ tmp) >>> 0
    p += 4
    hash = (hash + (hash >>> 11)) >>> 0
  }
  switch (rem) {
    case 3:
      hash = (hash + get16(data, p)) >>> 0
      hash = (hash ^ (hash << 16)) >>> 0
      // glusterfs reads this byte through a (signed) char.
      hash = (hash ^ (((data[p + 2]! << 24) >> 24) << 18)) >>> 0
      hash = (hash + (hash >>> 11)) >>> 0
      break
    case 2:
      hash = (hash + get16(data, p)) >>> 0
      hash = (hash ^ (hash << 11)) >>> 0
      hash = (hash + (hash >>> 17)) >>> 0
      break
    case 1:
      hash = (hash + ((data[p]! << 24) >> 24)) >>> 0
      hash = (hash ^ (hash << 10)) >>> 0
      hash = (hash + (hash >>> 1)) >>> 0
      break
  }
  hash = (hash ^ (hash << 3)) >>> 0
  hash = (hash + (hash >>> 5)) >>> 0
  hash = (hash ^ (hash << 4)) >>> 0
  hash = (hash + (hash >>> 17)) >>> 0
  hash = (hash ^ (hash << 25)) >>> 0
  hash = (hash + (hash >>> 6)) >>> 0
  return hash
}

/**
 * afr_read_subvol_select_by_policy: the configured or local read child if readable, else the
 * read-hash-mode choice if readable, else the first readable; -1 when none.
 * `pid` is the caller's pid (mode 2 mixes it into the gfid, files only).
 */
export function chooseReadChild(topo: Topology, readable: readonly boolean[], preferred: number, gfid: Uint8Array, isDir: boolean, pid: number): number {
  if (preferred >= 0 && readable[preferred] === true) return preferred
  let hashed = -1
  if (topo.readHashMode === 1) hashed = superFastHash(gfid) % topo.children.length
  else if (topo.readHashMode === 2) {
    const copy = Buffer.from(gfid)
    if (!isDir) copy.writeInt32LE(copy.readInt32LE(0) ^ pid, 0)
    hashed = superFastHash(copy) % topo.children.length
  }
  if (hashed >= 0 && readable[hashed] === true) return hashed
  return readable.indexOf(true)
}

/** Whether `key` is an AFR-internal xattr hidden from applications (afr_is_xattr_ignorable, GF_IF_INTERNAL_XATTR_GOTO). */
export function isAfrKey(key: string): boolean {
  return key.startsWith('trusted.afr.') || key.startsWith('trusted.glusterfs.afr.')
}

/** A copy of `dict` without AFR-internal keys; `dict` itself when it has none. */
export function withoutAfrKeys(dict: Dict): Dict {
  let found = false
  for (const k of dict.keys()) if (isAfrKey(k)) found = true
  if (!found) return dict
  const out = new Dict()
  for (const [k, v] of dict) if (!isAfrKey(k)) out.set(k, v)
  return out
}
