import { describe, expect, it } from 'vitest'
import { Dict } from '../../../../src/rpc/programs/fops/dict.ts'
import { Iatt } from '../../../../src/rpc/programs/fops/iatt.ts'
import { OptionError } from '../../../../src/xlators/options.ts'
import { Distribute } from '../../../../src/xlators/distribute/distribute.ts'
import { distribute } from '../../../../src/xlators/distribute/index.ts'
import {
  DHT_DIR_STAT_BLOCKS, DHT_DIR_STAT_SIZE, DHT_LINKTO_XATTR, isLinkto, linktoTarget, mergeDirIatts, mergeIatt,
  stripPhase1Flags, sumStatfs,
} from '../../../../src/xlators/distribute/merge.ts'
import { decodeDirCookie, encodeDirCookie } from '../../../../src/xlators/distribute/readdir.ts'
import type { VolfileNode } from '../../../../src/xlators/volfile.ts'
import { FOP_NAMES, Xlator, buildXlator } from '../../../../src/xlators/xlator.ts'
import { TEST_GRAPH, testInit } from '../../../helpers/xlator-init.ts'
import { S_IFDIR, S_IFREG } from '../../../../src/rpc/linux.ts'

const EXT4_EOF = 0x7fffffffffffffffn

describe('readdir cookies', () => {
  it('pass the brick offset through unchanged with one subvolume', () => {
    expect(encodeDirCookie(0, 0x1234n, 1)).toBe(0x1234n)
    expect(decodeDirCookie(0x1234n, 1)).toEqual({ subvol: 0, brickOffset: 0x1234n })
  })

  it('start at subvolume 0, offset 0, from cookie 0', () => {
    for (const count of [2, 3, 4, 9]) {
      expect(encodeDirCookie(0, 0n, count)).toBe(0n)
      expect(decodeDirCookie(0n, count)).toEqual({ subvol: 0, brickOffset: 0n })
    }
  })

  it('keep every 63-bit brick offset exactly with two subvolumes', () => {
    for (const off of [1n, 2n, 0x48252287e0729caan, 0x5953d9f73fa8591dn, EXT4_EOF]) {
      for (const subvol of [0, 1]) {
        const cookie = encodeDirCookie(subvol, off, 2)
        expect(cookie).toBeLessThan(1n << 64n)
        expect(decodeDirCookie(cookie, 2)).toEqual({ subvol, brickOffset: off })
      }
    }
  })

  it('keep small brick offsets exactly with more subvolumes (xfs/btrfs-style counters)', () => {
    for (const count of [3, 4, 5, 16, 100]) {
      for (const off of [1n, 2n, 3n, 4n, 5n, 1000n, 0xffffffffn]) {
        const subvol = count - 1
        const cookie = encodeDirCookie(subvol, off, count)
        expect(cookie >> 63n).toBe(0n)
        expect(decodeDirCookie(cookie, count)).toEqual({ subvol, brickOffset: off })
      }
    }
  })

  it('keep the subvolume and all but the low bits of 63-bit hash offsets with more subvolumes', () => {
    const off = 0x48252287e0729caan // an ext4 htree position, bits 0..62 in use
    for (const [count, bits] of [[3, 2n], [4, 2n], [5, 3n], [100, 7n]] as const) {
      for (let subvol = 0; subvol < count; subvol += Math.max(1, Math.floor(count / 3))) {
        const cookie = encodeDirCookie(subvol, off, count)
        expect(cookie).toBeLessThan(1n << 64n)
        const back = decodeDirCookie(cookie, count)
        expect(back.subvol).toBe(subvol)
        expect(back.brickOffset).toBe((off >> bits) << bits)
        expect(off - back.brickOffset).toBeLessThan(1n << bits)
      }
    }
  })

  it('treat brick offsets at or above 2^63 as the largest offset', () => {
    const back = decodeDirCookie(encodeDirCookie(1, 0xffffffffffffffffn, 2), 2)
    expect(back).toEqual({ subvol: 1, brickOffset: EXT4_EOF })
  })

  it('never confuse two subvolumes for the same brick offset', () => {
    const seen = new Set<bigint>()
    for (let subvol = 0; subvol < 3; subvol++) seen.add(encodeDirCookie(subvol, 0x7000000000000123n, 3))
    expect(seen.size).toBe(3)
  })
})

function iatt(fields: Partial<Iatt>): Iatt {
  return Object.assign(new Iatt(Buffer.alloc(16, 7)), fields)
}

describe('attribute merging (dht_iatt_merge)', () => {
  it('sums sizes and blocks of a file answered by several bricks', () => {
    const to = new Iatt()
    mergeIatt(to, iatt({ mode: S_IFREG | 0o644, size: 100, blocks: 8 }))
    mergeIatt(to, iatt({ mode: S_IFREG | 0o644, size: 50, blocks: 1 }))
    expect([to.size, to.blocks]).toEqual([150, 9])
  })

  it('reports the fixed 4096 bytes and 8 blocks for directories', () => {
    const merged = mergeDirIatts([
      iatt({ mode: S_IFDIR | 0o755, size: 12288, blocks: 24 }),
      iatt({ mode: S_IFDIR | 0o755, size: 4096, blocks: 8 }),
    ])
    expect([merged.size, merged.blocks]).toEqual([DHT_DIR_STAT_SIZE, DHT_DIR_STAT_BLOCKS])
  })

  it('keeps the largest uid and gid and the latest times, nanoseconds breaking ties', () => {
    const merged = mergeDirIatts([
      iatt({ mode: S_IFDIR | 0o755, uid: 5, gid: 9, atime: 10, atimeNsec: 500, mtime: 20, mtimeNsec: 1, ctime: 30, ctimeNsec: 9 }),
      iatt({ mode: S_IFDIR | 0o755, uid: 7, gid: 3, atime: 10, atimeNsec: 600, mtime: 19, mtimeNsec: 999, ctime: 31, ctimeNsec: 0 }),
    ])
    expect([merged.uid, merged.gid]).toEqual([7, 9])
    expect([merged.atime, merged.atimeNsec]).toEqual([10, 600])
    expect([merged.mtime, merged.mtimeNsec]).toEqual([20, 1])
    expect([merged.ctime, merged.ctimeNsec]).toEqual([31, 0])
  })

  it('takes identity, mode and link count from the last brick, as C does', () => {
    const gfid = Buffer.alloc(16, 0xab)
    const merged = mergeDirIatts([
      iatt({ mode: S_IFDIR | 0o700, nlink: 3, ino: 1n }),
      Object.assign(new Iatt(gfid), { mode: S_IFDIR | 0o755, nlink: 2, ino: 42n }),
    ])
    expect(merged.gfid).toBe(gfid)
    expect([merged.mode, merged.nlink, merged.ino]).toEqual([S_IFDIR | 0o755, 2, 42n])
  })

  it('hides the rebalance phase-1 bits (sticky + setgid) of regular files only', () => {
    expect(stripPhase1Flags(iatt({ mode: S_IFREG | 0o3644 })).mode).toBe(S_IFREG | 0o644)
    expect(stripPhase1Flags(iatt({ mode: S_IFREG | 0o1644 })).mode).toBe(S_IFREG | 0o1644)
    expect(stripPhase1Flags(iatt({ mode: S_IFDIR | 0o3755 })).mode).toBe(S_IFDIR | 0o3755)
  })
})

const statfs = (bsize: number, frsize: number, blocks: number, bfree: number, bavail: number, files = 100, ffree = 50) => ({
  bsize, frsize, blocks, bfree, bavail, files, ffree, favail: ffree, fsid: 1n, flag: 4096, namemax: 255,
})

describe('statfs summing (dht_statfs_cbk)', () => {
  it('sums the counts of bricks with equal block sizes', () => {
    const sum = sumStatfs([statfs(4096, 4096, 1000, 600, 500), statfs(4096, 4096, 3000, 100, 50, 10, 5)])!
    expect(sum).toMatchObject({ bsize: 4096, frsize: 4096, blocks: 4000, bfree: 700, bavail: 550, files: 110, ffree: 55, favail: 55 })
  })

  it('brings bricks with smaller fragments to the largest fragment size before summing', () => {
    // 1000 blocks of 1 KiB are 250 blocks of 4 KiB; 999 truncate to 249.
    const sum = sumStatfs([statfs(4096, 4096, 100, 10, 5), statfs(1024, 1024, 1000, 999, 3)])!
    expect(sum).toMatchObject({ bsize: 4096, frsize: 4096, blocks: 350, bfree: 259, bavail: 5 })
  })

  it('has no answer without bricks', () => {
    expect(sumStatfs([])).toBeUndefined()
  })
})

describe('linkto detection (check_is_linkfile)', () => {
  const withLinkto = new Dict().setPtr(DHT_LINKTO_XATTR, Buffer.from('vol-client-1\0'))

  it('needs both the sticky-only mode and the linkto xattr', () => {
    expect(isLinkto(iatt({ mode: S_IFREG | 0o1000 }), withLinkto)).toBe(true)
    expect(isLinkto(iatt({ mode: S_IFREG | 0o1000 }), new Dict())).toBe(false)
    expect(isLinkto(iatt({ mode: S_IFREG | 0o1000 }), undefined)).toBe(false)
    expect(isLinkto(iatt({ mode: S_IFREG | 0o1644 }), withLinkto)).toBe(false)
    expect(isLinkto(iatt({ mode: S_IFREG | 0o644 }), withLinkto)).toBe(false)
  })

  it('does not take a file being migrated (sticky + setgid) for a linkto', () => {
    expect(isLinkto(iatt({ mode: S_IFREG | 0o3000 }), withLinkto)).toBe(false)
  })

  it('reads the target xlator name without its NUL, from PTR or STR values', () => {
    expect(linktoTarget(withLinkto)).toBe('vol-client-1')
    expect(linktoTarget(new Dict().setStr(DHT_LINKTO_XATTR, 'vol-client-2'))).toBe('vol-client-2')
    expect(linktoTarget(new Dict())).toBeUndefined()
  })
})

const ctx = TEST_GRAPH
function node(options: Record<string, string> = {}): VolfileNode {
  return { name: 'v-dht', type: 'cluster/distribute', options: new Map(Object.entries(options)), subvolumes: [], line: 1 }
}
const leaves = (n: number): Xlator[] => Array.from({ length: n }, (_, i) => new Xlator(testInit(`v-client-${i}`, 'protocol/client')))

describe('the cluster/distribute xlator', () => {
  it('implements every fop itself (none may fall through to the first child)', () => {
    for (const name of FOP_NAMES) {
      expect(Object.prototype.hasOwnProperty.call(Distribute.prototype, name), name).toBe(true)
    }
  })

  it('is a plain pass-through over a single subvolume, which keeps no layouts', () => {
    const xl = buildXlator(distribute, node(), leaves(1), ctx)
    expect(xl).not.toBeInstanceOf(Distribute)
    expect(xl.children).toHaveLength(1)
  })

  it('distributes over two or more subvolumes, with C\'s defaults', () => {
    const xl = buildXlator(distribute, node(), leaves(3), ctx)
    expect(xl).toBeInstanceOf(Distribute)
    const dht = xl as Distribute
    expect(dht.conf.config).toMatchObject({ lookupOptimize: true, lookupUnhashed: 'on', readdirOptimize: false, weightedRebalance: true })
    expect(dht.conf.names).toEqual(['v-client-0', 'v-client-1', 'v-client-2'])
    expect([dht.conf.layoutKey, dht.conf.linktoKey, dht.conf.commitHashKey]).toEqual([
      'trusted.glusterfs.dht', 'trusted.glusterfs.dht.linkto', 'trusted.glusterfs.dht.commithash',
    ])
  })

  it('names the xlator and key of an option it cannot parse', () => {
    expect(() => buildXlator(distribute, node({ 'lookup-optimize': 'maybe' }), leaves(2), ctx)).toThrow(OptionError)
    expect(() => buildXlator(distribute, node({ 'lookup-optimize': 'maybe' }), leaves(2), ctx)).toThrow(/lookup-optimize.*v-dht/)
  })

  it('hashes rsync temporary names as the final name, unless rsync-hash-regex is none', () => {
    const dht = buildXlator(distribute, node(), leaves(2), ctx) as Distribute
    expect(dht.conf.hasher.hashName('.report.pdf.Xa81Zq')).toBe(dht.conf.hasher.hashName('report.pdf'))
    const plain = buildXlator(distribute, node({ 'rsync-hash-regex': 'none' }), leaves(2), ctx) as Distribute
    expect(plain.conf.hasher.hashName('.report.pdf.Xa81Zq')).not.toBe(plain.conf.hasher.hashName('report.pdf'))
  })

  it('looks a missed name up everywhere only when the layout is older than the volume (lookup-optimize)', () => {
    const dht = buildXlator(distribute, node(), leaves(2), ctx) as Distribute
    const dir = (commitHash: number) => ({ layout: { commitHash } }) as Parameters<Distribute['conf']['shouldLookupEverywhere']>[0]
    dht.conf.volCommitHash = 0
    expect(dht.conf.shouldLookupEverywhere(dir(0))).toBe(false)
    expect(dht.conf.shouldLookupEverywhere(dir(1))).toBe(true)
    dht.conf.volCommitHash = 0x1234
    expect(dht.conf.shouldLookupEverywhere(dir(0))).toBe(true)
    expect(dht.conf.shouldLookupEverywhere(dir(0x1234))).toBe(false)
    const unoptimized = buildXlator(distribute, node({ 'lookup-optimize': 'off' }), leaves(2), ctx) as Distribute
    expect(unoptimized.conf.shouldLookupEverywhere(dir(0))).toBe(true)
    const never = buildXlator(distribute, node({ 'lookup-optimize': 'off', 'lookup-unhashed': 'off' }), leaves(2), ctx) as Distribute
    expect(never.conf.shouldLookupEverywhere(dir(1))).toBe(false)
  })
})
