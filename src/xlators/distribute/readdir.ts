// Listing a distributed directory (dht-common.c dht_opendir, dht_readdirp_cbk): the directory
// exists on every brick, so the bricks are read one after another in volfile order and their
// entries filtered so that every name appears exactly once.
//
// The offset handed up is a cookie holding (brick index, that brick's own d_off):
//
//   2 bricks:      [ brick d_off (63 bits) | index (1 bit) ]                      exact
//   3+ bricks:     [ 0 | brick d_off (63 - b bits) | index (b bits) ]             exact, small d_off
//                  [ 1 | brick d_off >> b (63 - b bits) | index (b bits) ]        large d_off
//
// where b = bits for the largest index. Bricks return d_off below 2^63 (off_t). Large d_offs
// (ext4 directory hashes use all 63 bits) lose their low b bits, as in glusterfs's gf_itransform:
// resuming there restarts at most 2^b - 1 hash positions early, which repeats an entry only if
// two names' hashes are that close.

import type { Dict } from '../../rpc/programs/fops/dict.ts'
import type { Call, DirEntry, Fd, ReaddirResult } from '../types.ts'
import type { DhtConf } from './conf.ts'
import { dirCtxOf } from './lookup.ts'
import { fixDirStat, isLinkto, stripPhase1Flags } from './merge.ts'
import { S_IFDIR, S_IFMT } from '../../rpc/linux.ts'

const TOP_BIT = 1n << 63n
const MAX_BRICK_OFFSET = TOP_BIT - 1n
const DT_DIR = 4

/** Bits needed to hold subvolume indexes 0..count-1. */
function indexBits(count: number): number {
  let bits = 0
  while (2 ** bits < count) bits++
  return bits
}

/**
 * The 64-bit readdir offset DHT hands up for an entry of subvolume `subvol` whose brick d_off is
 * `brickOffset` (see the diagram above). With one subvolume the brick's own offset is used.
 *
 * @param subvol Index in volfile order, 0..count-1.
 * @param brickOffset The brick's d_off (unsigned); values of 2^63 and above are treated as 2^63 - 1.
 * @param count Number of DHT subvolumes.
 */
export function encodeDirCookie(subvol: number, brickOffset: bigint, count: number): bigint {
  if (count <= 1) return brickOffset
  const off = brickOffset > MAX_BRICK_OFFSET ? MAX_BRICK_OFFSET : brickOffset
  const bits = BigInt(indexBits(count))
  const index = BigInt(subvol)
  if (bits === 1n) return (off << 1n) | index
  if (off < 1n << (63n - bits)) return (off << bits) | index
  return TOP_BIT | ((off >> bits) << bits) | index
}

/**
 * Splits a cookie from {@link encodeDirCookie} into the subvolume to read and the d_off to send it
 * (0 starts that brick from its beginning). A cookie naming a subvolume beyond `count` reads
 * nothing more (`subvol === count`).
 */
export function decodeDirCookie(cookie: bigint, count: number): { subvol: number; brickOffset: bigint } {
  if (count <= 1) return { subvol: 0, brickOffset: cookie }
  const bits = BigInt(indexBits(count))
  const mask = (1n << bits) - 1n
  const subvol = Math.min(Number(cookie & mask), count)
  if (bits === 1n) return { subvol, brickOffset: cookie >> 1n }
  if ((cookie & TOP_BIT) === 0n) return { subvol, brickOffset: cookie >> bits }
  return { subvol, brickOffset: ((cookie & ~TOP_BIT) >> bits) << bits }
}

/** Readdirp xdata asking each brick for the linkto xattr of every entry. */
export function readdirXdata(xdata: Dict | undefined, conf: DhtConf): Dict {
  return conf.withRequest(xdata, conf.readdirKeys)
}

/**
 * One page of a distributed directory: the first brick (from the cookie on) that has entries to
 * show. Hidden: linkto files, and directories on bricks other than the one their name hashes to
 * (or, when that brick is down or the layout has no answer, the first brick the directory is
 * open on). Bricks whose entries are all hidden are read on, so a page is empty only at the end.
 */
export async function readdirpDistributed(
  conf: DhtConf, call: Call, fd: Fd, size: number, offset: bigint, xdata: Dict | undefined,
): Promise<ReaddirResult> {
  const state = conf.dirFd(fd, 'readdirp')
  const count = conf.subvols.length
  const dir = await dirCtxOf(conf, call, fd.inode, undefined)
  const req = readdirXdata(xdata, conf)
  let { subvol, brickOffset } = decodeDirCookie(offset, count)
  const firstOpen = state.open.findIndex((o, i) => o && conf.isUp(i))
  for (;;) {
    while (subvol < count && !state.open[subvol]) {
      subvol++
      brickOffset = 0n
    }
    if (subvol >= count) return { entries: [], eof: true, xdata: undefined }
    const page = await conf.subvols[subvol]!.readdirp(call, fd, size, brickOffset, req)
    const entries: DirEntry[] = []
    for (const e of page.entries) {
      if (isLinkto(e.stat, e.xdata, conf.linktoKey)) continue
      const isDir = (e.stat.mode & S_IFMT) === S_IFDIR || (e.stat.mode === 0 && e.type === DT_DIR)
      if (isDir) {
        const hashed = conf.config.readdirOptimize ? undefined : conf.hashedIndex(dir, e.name)
        const owner = hashed !== undefined && conf.isUp(hashed) && state.open[hashed] === true ? hashed : firstOpen
        if (owner !== subvol) continue
        fixDirStat(e.stat)
      } else {
        stripPhase1Flags(e.stat)
      }
      entries.push({ name: e.name, offset: encodeDirCookie(subvol, e.offset, count), ino: e.ino, type: e.type, stat: e.stat, xdata: e.xdata })
    }
    const last = page.entries[page.entries.length - 1]
    const brickDone = page.eof || last === undefined
    if (entries.length > 0) {
      let more = !brickDone
      for (let i = subvol + 1; !more && i < count; i++) more = state.open[i] === true
      return { entries, eof: !more, xdata: page.xdata }
    }
    if (brickDone) {
      subvol++
      brickOffset = 0n
    } else {
      brickOffset = last.offset
    }
  }
}
