import { describe, expect, it } from 'vitest'
import { errnoOf } from '../../../../src/rpc/errno.ts'
import { DhtHasher, dmHash } from '../../../../src/xlators/distribute/hash.ts'
import {
  DHT_HASH_TYPE_DM,
  DHT_HASH_TYPE_DM_USER,
  DHT_LAYOUT_HASH_INVALID,
  HASH_RANGE_MAX,
  LAYOUT_ERR_UNUSABLE,
  LayoutError,
  checkLayout,
  encodeLayoutXattr,
  layoutFromBricks,
  newDirectoryLayout,
  parseDecommissionedBricks,
  parseLayoutXattr,
  searchLayout,
  statfsChunks,
  type BrickLayout,
  type Layout,
  type LayoutEntry,
} from '../../../../src/xlators/distribute/layout.ts'

const ENOENT = errnoOf('ENOENT')
const ENOSPC = 28
const ENOTCONN = 107
const EINVAL = 22
const EACCES = 13

const xattr = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/ /g, ''), 'hex'))
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex').replace(/(.{8})(?!$)/g, '$1 ')
const NAMES = ['testvol-client-0', 'testvol-client-1']

// gluster-wire.md §6.1 [wire]: the 2-brick test volume.
const ROOT = { b1: '00000001 00000000 00000000 7ffffffe', b2: '00000001 00000000 7fffffff ffffffff' }
const PR = { b1: '00000000 00000000 7fffffff ffffffff', b2: '00000000 00000000 00000000 7ffffffe' }

function twoBricks(path: string, v: { b1: string; b2: string }): Layout {
  return layoutFromBricks(path, [
    { subvolume: 0, name: NAMES[0], xattr: xattr(v.b1) },
    { subvolume: 1, name: NAMES[1], xattr: xattr(v.b2) },
  ])
}

/** Layout from [start, stop] per brick (commit 0); null = brick answered without an xattr. */
function ranges(...rs: Array<readonly [number, number] | null>): Layout {
  return layoutFromBricks(
    '/d',
    rs.map((r, i): BrickLayout => ({
      subvolume: i,
      name: `b${i + 1}`,
      xattr: r === null ? null : encodeLayoutXattr({ commitHash: 0, type: 0, start: r[0], stop: r[1] }),
    })),
  )
}

const rangeOf = (l: Layout, subvolume: number): [number, number] => {
  const e = l.entries.find((x) => x.subvolume === subvolume)!
  return [e.start, e.stop]
}

describe('layout xattr', () => {
  it('parses the wire values of / and /pr', () => {
    expect(parseLayoutXattr(xattr(ROOT.b1))).toEqual({ commitHash: 1, type: DHT_HASH_TYPE_DM, start: 0, stop: 0x7ffffffe })
    expect(parseLayoutXattr(xattr(ROOT.b2))).toEqual({ commitHash: 1, type: DHT_HASH_TYPE_DM, start: 0x7fffffff, stop: 0xffffffff })
    expect(parseLayoutXattr(xattr(PR.b1))).toEqual({ commitHash: 0, type: DHT_HASH_TYPE_DM, start: 0x7fffffff, stop: 0xffffffff })
    expect(parseLayoutXattr(xattr(PR.b2))).toEqual({ commitHash: 0, type: DHT_HASH_TYPE_DM, start: 0, stop: 0x7ffffffe })
  })

  it('reads a view at an offset', () => {
    const backing = xattr(`ffff ${PR.b1} ffff`)
    expect(parseLayoutXattr(backing.subarray(2, 18)).start).toBe(0x7fffffff)
  })

  it('accepts the user-set hash type', () => {
    expect(parseLayoutXattr(xattr('00000000 00000001 00000000 ffffffff')).type).toBe(DHT_HASH_TYPE_DM_USER)
  })

  it.each([0, 15, 17, 20])('rejects %d bytes with ERR_DHT_LAYOUT_XATTR naming directory and brick', (len) => {
    let caught: unknown
    try {
      parseLayoutXattr(new Uint8Array(len), { path: '/pr', subvolume: 1, name: 'testvol-client-1' })
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(LayoutError)
    const e = caught as LayoutError
    expect(e.code).toBe('ERR_DHT_LAYOUT_XATTR')
    expect(e.path).toBe('/pr')
    expect(e.subvolumes).toEqual([1])
    expect(e.bricks).toEqual(['testvol-client-1'])
    expect(e.message).toContain(`${len} bytes`)
    expect(e.message).toContain('testvol-client-1')
  })

  it('rejects an unknown hash type', () => {
    expect(() => parseLayoutXattr(xattr('00000000 00000002 00000000 ffffffff'))).toThrow(
      expect.objectContaining({ code: 'ERR_DHT_LAYOUT_XATTR', message: expect.stringContaining('hash type 2') }),
    )
  })

  it('encodes back to the same 16 bytes', () => {
    for (const v of [ROOT.b1, ROOT.b2, PR.b1, PR.b2]) expect(toHex(encodeLayoutXattr(parseLayoutXattr(xattr(v))))).toBe(v)
  })

  it('refuses values outside u32', () => {
    expect(() => encodeLayoutXattr({ commitHash: 0, type: 0, start: -1, stop: 5 })).toThrow(RangeError)
    expect(() => encodeLayoutXattr({ commitHash: 2 ** 32, type: 0, start: 0, stop: 5 })).toThrow(RangeError)
    expect(() => encodeLayoutXattr({ commitHash: 0, type: 0, start: 0.5, stop: 5 })).toThrow(RangeError)
  })
})

describe('layoutFromBricks / searchLayout', () => {
  it('builds / from the wire: commit hash 1, b1 owns the low half', () => {
    const root = twoBricks('/', ROOT)
    expect(root.commitHash).toBe(1)
    expect(root.type).toBe(DHT_HASH_TYPE_DM)
    expect(root.entries.map((e) => [e.name, e.start, e.stop])).toEqual([
      ['testvol-client-0', 0, 0x7ffffffe],
      ['testvol-client-1', 0x7fffffff, 0xffffffff],
    ])
    expect(checkLayout(root)).toMatchObject({ ok: true, needsHeal: false, anomalies: [], error: undefined })
  })

  it('builds /pr from the wire in hash order whatever the reply order', () => {
    const pr = layoutFromBricks('/pr', [
      { subvolume: 0, name: NAMES[0], xattr: xattr(PR.b1) },
      { subvolume: 1, name: NAMES[1], xattr: xattr(PR.b2) },
    ])
    expect(pr.commitHash).toBe(0)
    expect(pr.entries.map((e) => e.subvolume)).toEqual([1, 0])
    expect(checkLayout(pr).ok).toBe(true)
  })

  it('searches at the range boundaries', () => {
    const root = twoBricks('/', ROOT)
    expect(searchLayout(root, 0)?.subvolume).toBe(0)
    expect(searchLayout(root, 0x7ffffffe)?.subvolume).toBe(0)
    expect(searchLayout(root, 0x7fffffff)?.subvolume).toBe(1)
    expect(searchLayout(root, 0xffffffff)?.subvolume).toBe(1)
    const pr = twoBricks('/pr', PR)
    expect(searchLayout(pr, 0)?.name).toBe('testvol-client-1')
    expect(searchLayout(pr, 0x7ffffffe)?.name).toBe('testvol-client-1')
    expect(searchLayout(pr, 0x7fffffff)?.name).toBe('testvol-client-0')
    expect(searchLayout(pr, 0xffffffff)?.name).toBe('testvol-client-0')
  })

  it('places the names the wire trace saw', () => {
    const hasher = new DhtHasher()
    const pr = twoBricks('/pr', PR)
    expect(searchLayout(pr, hasher.hashName('a.txt'))?.name).toBe('testvol-client-1')
    expect(searchLayout(pr, hasher.hashName('b.txt'))?.name).toBe('testvol-client-0')
    const root = twoBricks('/', ROOT)
    expect(searchLayout(root, hasher.hashName('fiotest1'))?.name).toBe('testvol-client-1')
    // .zz_t0.QQ9 hashes as zz_t0 (b1) although its raw hash is in b2's range [probe].
    expect(searchLayout(root, hasher.hashName('.zz_t0.QQ9'))?.name).toBe('testvol-client-0')
    expect(searchLayout(root, dmHash('.zz_t0.QQ9'))?.name).toBe('testvol-client-1')
  })

  it('returns undefined in a hole', () => {
    const l = ranges([0, 0x10], [0x20, HASH_RANGE_MAX])
    expect(searchLayout(l, 0x10)?.subvolume).toBe(0)
    expect(searchLayout(l, 0x11)).toBeUndefined()
    expect(searchLayout(l, 0x1f)).toBeUndefined()
    expect(searchLayout(l, 0x20)?.subvolume).toBe(1)
  })

  it('takes the first match when ranges overlap', () => {
    const l = ranges([0, 0x80000000], [0x7fffffff, HASH_RANGE_MAX])
    expect(searchLayout(l, 0x7fffffff)?.subvolume).toBe(0)
    expect(searchLayout(l, 0x80000001)?.subvolume).toBe(1)
  })

  it('lists bricks without a range first, so hash 0 finds them as in C', () => {
    const l = layoutFromBricks('/', [
      { subvolume: 0, name: NAMES[0], xattr: xattr(ROOT.b1) },
      { subvolume: 1, name: NAMES[1], err: ENOTCONN },
    ])
    expect(l.entries.map((e) => e.subvolume)).toEqual([1, 0])
    expect(searchLayout(l, 0)?.subvolume).toBe(1)
    expect(searchLayout(l, 1)?.subvolume).toBe(0)
    expect(searchLayout(l, 0x7fffffff)).toBeUndefined()
  })

  it('takes the commit hash all bricks agree on, else 1, ignoring bricks without a layout', () => {
    const commit = (...hashes: Array<number | null>): number =>
      layoutFromBricks(
        '/d',
        hashes.map((h, i) => ({
          subvolume: i,
          xattr: h === null ? undefined : encodeLayoutXattr({ commitHash: h, type: 0, start: i, stop: i + 1 }),
        })),
      ).commitHash
    expect(commit(5, 5)).toBe(5)
    expect(commit(0, 0)).toBe(0)
    expect(commit(5, 6)).toBe(DHT_LAYOUT_HASH_INVALID)
    expect(commit(0, 5)).toBe(DHT_LAYOUT_HASH_INVALID)
    expect(commit(5, 0)).toBe(DHT_LAYOUT_HASH_INVALID)
    expect(commit(7, null)).toBe(7)
    expect(commit(null, null)).toBe(0)
  })

  it('marks a user-set layout', () => {
    const l = layoutFromBricks('/d', [
      { subvolume: 0, xattr: xattr('00000000 00000001 00000000 7ffffffe') },
      { subvolume: 1, xattr: xattr('00000000 00000000 7fffffff ffffffff') },
    ])
    expect(l.type).toBe(DHT_HASH_TYPE_DM_USER)
  })

  it('keeps an unusable xattr as a missing brick instead of failing the layout', () => {
    const l = layoutFromBricks('/pr', [
      { subvolume: 0, name: NAMES[0], xattr: xattr(PR.b1) },
      { subvolume: 1, name: NAMES[1], xattr: xattr('00000000 00000009 00000000 7ffffffe') },
    ])
    const bad = l.entries.find((e) => e.subvolume === 1)!
    expect(bad).toMatchObject({ err: LAYOUT_ERR_UNUSABLE, start: 0, stop: 0 })
    expect(bad.xattrError).toBeInstanceOf(LayoutError)
    expect(bad.xattrError?.code).toBe('ERR_DHT_LAYOUT_XATTR')
    expect(bad.xattrError?.bricks).toEqual(['testvol-client-1'])
    expect(l.commitHash).toBe(0)
    const check = checkLayout(l)
    expect(check.missing).toEqual([bad])
    expect(check.needsHeal).toBe(true)
    expect(check.anomalies).toEqual([{ kind: 'hole', start: 0, stop: 0x7ffffffe, entries: [l.entries.find((e) => e.subvolume === 0)] }])
    expect(check.description).toContain('testvol-client-1: unusable layout xattr')
  })
})

describe('checkLayout', () => {
  const only = (l: Layout) => checkLayout(l).anomalies.map((a) => [a.kind, a.start, a.stop, a.entries.map((e) => e.name)])

  it('finds a hole where a brick has no xattr, naming the brick before it', () => {
    const l = ranges([0, 0x7ffffffe], null)
    const check = checkLayout(l)
    expect(only(l)).toEqual([['hole', 0x7fffffff, 0xffffffff, ['b1']]])
    expect(check.ok).toBe(false)
    expect(check.needsHeal).toBe(true)
    expect(check.description).toBe('layout of /d: hole 0x7fffffff-0xffffffff after b1')
    expect(check.error).toBeInstanceOf(LayoutError)
    expect(check.error).toMatchObject({
      code: 'ERR_DHT_LAYOUT_HOLE',
      path: '/d',
      subvolumes: [0],
      bricks: ['b1'],
      start: 0x7fffffff,
      stop: 0xffffffff,
    })
  })

  it('finds holes at the start and in the middle', () => {
    expect(only(ranges([1, HASH_RANGE_MAX]))).toEqual([['hole', 0, 0, ['b1']]])
    expect(checkLayout(ranges([1, HASH_RANGE_MAX])).description).toBe('layout of /d: hole 0x00000000-0x00000000 before b1')
    expect(only(ranges([0, 0x10], [0x20, HASH_RANGE_MAX]))).toEqual([['hole', 0x11, 0x1f, ['b1', 'b2']]])
    expect(checkLayout(ranges([0, 0x10], [0x20, HASH_RANGE_MAX])).description).toBe(
      'layout of /d: hole 0x00000011-0x0000001f between b1 and b2',
    )
  })

  it('reports a directory no brick has a range for as one hole', () => {
    const l = ranges(null, null)
    expect(only(l)).toEqual([['hole', 0, HASH_RANGE_MAX, []]])
    expect(checkLayout(l).description).toBe('layout of /d: hole 0x00000000-0xffffffff: no brick has a range')
    expect(checkLayout(l).error?.code).toBe('ERR_DHT_LAYOUT_HOLE')
  })

  it('finds overlaps, including a range inside another and one after a range ending at 0xffffffff', () => {
    const l = ranges([0, 0x80000000], [0x7fffffff, HASH_RANGE_MAX])
    expect(only(l)).toEqual([['overlap', 0x7fffffff, 0x80000000, ['b1', 'b2']]])
    expect(checkLayout(l).error).toMatchObject({ code: 'ERR_DHT_LAYOUT_OVERLAP', subvolumes: [0, 1], bricks: ['b1', 'b2'] })
    expect(checkLayout(l).description).toBe('layout of /d: overlap 0x7fffffff-0x80000000 between b1 and b2')
    expect(only(ranges([0, HASH_RANGE_MAX], [0x80000000, HASH_RANGE_MAX]))).toEqual([
      ['overlap', 0x80000000, HASH_RANGE_MAX, ['b1', 'b2']],
    ])
    expect(only(ranges([0, 0x100], [0x10, 0x20], [0x101, HASH_RANGE_MAX]))).toEqual([['overlap', 0x10, 0x20, ['b1', 'b2']]])
  })

  it('leaves out bricks with an empty range, as C does (a one-hash range counts as empty)', () => {
    expect(only(ranges([0, 0x7ffffffe], [0, 0], [0x7fffffff, HASH_RANGE_MAX]))).toEqual([])
    const l = ranges([0, 4], [5, 5], [6, HASH_RANGE_MAX])
    expect(only(l)).toEqual([['hole', 5, 5, ['b1', 'b3']]])
    expect(searchLayout(l, 5)?.name).toBe('b2')
  })

  it('sorts bricks into missing, down, no space and failed', () => {
    const l = layoutFromBricks('/d', [
      { subvolume: 0, name: 'b1', xattr: encodeLayoutXattr({ commitHash: 0, type: 0, start: 0, stop: HASH_RANGE_MAX }) },
      { subvolume: 1, name: 'b2', err: ENOENT },
      { subvolume: 2, name: 'b3', err: ENOTCONN },
      { subvolume: 3, name: 'b4', err: ENOSPC },
      { subvolume: 4, name: 'b5', err: EACCES },
    ])
    const check = checkLayout(l)
    const names = (es: readonly LayoutEntry[]) => es.map((e) => e.name)
    expect(check.ok).toBe(true)
    expect(names(check.missing)).toEqual(['b2'])
    expect(names(check.down)).toEqual(['b3'])
    expect(names(check.noSpace)).toEqual(['b4'])
    expect(names(check.failed)).toEqual(['b5'])
    expect(check.needsHeal).toBe(true) // b2 lacks the directory
    expect(check.error).toBeUndefined()
    expect(check.description).toBe('layout of /d: b2: ENOENT; b3: ENOTCONN; b4: ENOSPC; b5: EACCES')
  })

  it('says ok for a complete layout', () => {
    expect(checkLayout(twoBricks('/', ROOT)).description).toBe('layout of /: ok')
  })
})

describe('newDirectoryLayout', () => {
  it('reproduces / and /pr of the 2-brick volume byte for byte', () => {
    const root = newDirectoryLayout(2, '/', { names: NAMES, commitHash: 1 })
    const pr = newDirectoryLayout(2, '/pr', { names: NAMES })
    const wire = (l: Layout, subvolume: number) =>
      toHex(encodeLayoutXattr({ ...l.entries.find((e) => e.subvolume === subvolume)!, type: l.type }))
    expect([wire(root, 0), wire(root, 1)]).toEqual([ROOT.b1, ROOT.b2])
    expect([wire(pr, 0), wire(pr, 1)]).toEqual([PR.b1, PR.b2])
    expect(pr.commitHash).toBe(0)
    expect(pr.path).toBe('/pr')
    expect(pr.entries.map((e) => e.name)).toEqual(['testvol-client-1', 'testvol-client-0'])
    expect(checkLayout(pr).ok).toBe(true)
  })

  it('gives each brick floor(0xffffffff / N) from hash(path) mod N on, the last up to 0xffffffff', () => {
    // dmHash('/d0') = 0x50303fa2, mod 3 = 2.
    const l = newDirectoryLayout(3, '/d0')
    const chunk = Math.floor(0xffffffff / 3)
    expect(rangeOf(l, 2)).toEqual([0, chunk - 1])
    expect(rangeOf(l, 0)).toEqual([chunk, 2 * chunk - 1])
    expect(rangeOf(l, 1)).toEqual([2 * chunk, HASH_RANGE_MAX])
    expect(l.entries.every((e) => e.commitHash === 0 && e.err === undefined)).toBe(true)
    expect(checkLayout(l).ok).toBe(true)
  })

  it('walks subvolumes in the byte order of their names, as dht_layout_sort_volname does', () => {
    // dmHash('/d16') = 0x40eb54a4, mod 11 = 2: the third name in byte order, vol-client-10.
    const names = Array.from({ length: 11 }, (_, i) => `vol-client-${i}`)
    const l = newDirectoryLayout(11, '/d16', { names })
    const chunk = Math.floor(0xffffffff / 11)
    const walk = [10, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    walk.forEach((subvolume, k) => {
      expect(rangeOf(l, subvolume)).toEqual([k * chunk, k === 10 ? HASH_RANGE_MAX : (k + 1) * chunk - 1])
    })
    // Without names: index order, so subvolume 2 starts.
    expect(rangeOf(newDirectoryLayout(11, '/d16'), 2)).toEqual([0, chunk - 1])
  })

  it('starts from the gfid with randomize-hash-range-by-gfid', () => {
    // dmHash('6ba7b810-9dad-11d1-80b4-00c04fd430c8') = 0x39829d46, mod 3 = 0 ('/d0' would give 2).
    const gfid = Uint8Array.from(Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex'))
    const l = newDirectoryLayout(3, '/d0', { randomizeByGfid: true, gfid })
    expect(rangeOf(l, 0)[0]).toBe(0)
    const fromText = newDirectoryLayout(3, '/d0', { randomizeByGfid: true, gfid: '6BA7B810-9DAD-11D1-80B4-00C04FD430C8' })
    expect(fromText.entries).toEqual(l.entries)
    expect(() => newDirectoryLayout(3, '/d0', { randomizeByGfid: true })).toThrow(TypeError)
  })

  it('munges the hashed path with the hasher it is given', () => {
    // '.d0.x' munges to 'd0' with an extra regex that ignores the leading '/'.
    const hasher = new DhtHasher({ extraHashRegex: '^/(.+)\\.x$' })
    expect(hasher.hashName('/.d0.x')).toBe(dmHash('.d0'))
    const start = dmHash('.d0') % 3
    expect(rangeOf(newDirectoryLayout(3, '/.d0.x', { hasher }), start)[0]).toBe(0)
  })

  it('weights ranges by brick size with the C double arithmetic', () => {
    // 0xffffffff / 4 chunks = 1073741823.75 per chunk. '/pr' starts at subvolume 1.
    const pr = newDirectoryLayout(2, '/pr', { chunks: [1, 3] })
    expect(rangeOf(pr, 1)).toEqual([0, 3221225470])
    expect(rangeOf(pr, 0)).toEqual([3221225471, HASH_RANGE_MAX])
    const root = newDirectoryLayout(2, '/', { chunks: [1, 3] })
    expect(rangeOf(root, 0)).toEqual([0, 1073741822])
    expect(rangeOf(root, 1)).toEqual([1073741823, HASH_RANGE_MAX])
    expect(newDirectoryLayout(2, '/pr', { chunks: [1, 3], weighted: false }).entries).toEqual(newDirectoryLayout(2, '/pr').entries)
  })

  it('equals the unweighted layout for equal sizes except where C rounds down', () => {
    expect(newDirectoryLayout(2, '/pr', { chunks: [51200, 51200] }).entries).toEqual(newDirectoryLayout(2, '/pr').entries)
    expect(newDirectoryLayout(3, '/d0', { chunks: [7, 7, 7] }).entries).toEqual(newDirectoryLayout(3, '/d0').entries)
    // 5 x 12345 chunks: (0xffffffff / 61725) * 12345 = 858993458.99... truncates one below
    // floor(0xffffffff / 5) = 858993459 (checked with gcc). dmHash('/d3') mod 5 = 0.
    const weighted = newDirectoryLayout(5, '/d3', { chunks: [12345, 12345, 12345, 12345, 12345] })
    expect(rangeOf(weighted, 0)).toEqual([0, 858993457])
    expect(rangeOf(weighted, 3)).toEqual([3 * 858993458, 4 * 858993458 - 1])
    expect(rangeOf(weighted, 4)).toEqual([4 * 858993458, HASH_RANGE_MAX])
    expect(rangeOf(newDirectoryLayout(5, '/d3'), 0)).toEqual([0, 858993458])
  })

  it('drops weighting when a size is unknown', () => {
    expect(newDirectoryLayout(2, '/pr', { chunks: [0, 3] }).entries).toEqual(newDirectoryLayout(2, '/pr').entries)
    expect(newDirectoryLayout(2, '/pr', { chunks: [3] }).entries).toEqual(newDirectoryLayout(2, '/pr').entries)
  })

  it('leaves failed bricks out and gives full bricks ranges only when nothing else is left', () => {
    // '/d5' mod 3 = 0.
    const down = newDirectoryLayout(3, '/d5', { errors: [undefined, ENOTCONN, undefined] })
    expect(rangeOf(down, 0)).toEqual([0, 0x7ffffffe])
    expect(rangeOf(down, 2)).toEqual([0x7fffffff, HASH_RANGE_MAX])
    expect(down.entries.find((e) => e.subvolume === 1)).toMatchObject({ start: 0, stop: 0, commitHash: 0, err: ENOTCONN })
    const check = checkLayout(down)
    expect(check.ok).toBe(true)
    expect(check.down.map((e) => e.subvolume)).toEqual([1])

    const full = newDirectoryLayout(2, '/pr', { errors: [ENOSPC, undefined] })
    expect(rangeOf(full, 1)).toEqual([0, HASH_RANGE_MAX])
    expect(full.entries.find((e) => e.subvolume === 0)?.err).toBe(ENOSPC)

    expect(newDirectoryLayout(2, '/pr', { errors: [ENOSPC, ENOSPC] }).entries).toEqual(newDirectoryLayout(2, '/pr').entries)
    // ENOENT: the directory is missing there but the brick still gets its range.
    expect(newDirectoryLayout(2, '/pr', { errors: [ENOENT, undefined] }).entries).toEqual(newDirectoryLayout(2, '/pr').entries)
  })

  it('gives decommissioned bricks no range and marks them EINVAL, as dht_get_layout_count does', () => {
    // '/d5' mod 3 = 0: the walk is 0, 1, 2 and skips the decommissioned 1, as a brick that failed would be skipped.
    const l = newDirectoryLayout(3, '/d5', { decommissioned: new Set([1]) })
    expect(rangeOf(l, 0)).toEqual([0, 0x7ffffffe])
    expect(rangeOf(l, 2)).toEqual([0x7fffffff, HASH_RANGE_MAX])
    expect(l.entries.find((e) => e.subvolume === 1)).toMatchObject({ start: 0, stop: 0, commitHash: 0, err: EINVAL })
    expect(checkLayout(l).ok).toBe(true)
    // Whatever its mkdir answered; and weighting counts only the bricks kept.
    expect(newDirectoryLayout(3, '/d5', { decommissioned: new Set([1]), errors: [undefined, ENOENT, undefined] }).entries).toEqual(l.entries)
    expect(newDirectoryLayout(3, '/d5', { decommissioned: new Set([1]), chunks: [5, 1, 5] }).entries).toEqual(l.entries)
    // Not an ENOSPC brick: never used, even when nothing else is left.
    const last = newDirectoryLayout(2, '/pr', { decommissioned: new Set([0]), errors: [undefined, ENOSPC] })
    expect(rangeOf(last, 1)).toEqual([0, HASH_RANGE_MAX])
    expect(last.entries.find((e) => e.subvolume === 0)?.err).toBe(EINVAL)
  })

  it('gives ranges to directory-layout-spread bricks only', () => {
    // '/d9' mod 3 = 1: subvolumes 1 and 2 get the halves, 0 gets 0/0.
    const l = newDirectoryLayout(3, '/d9', { spreadCount: 2 })
    expect(rangeOf(l, 1)).toEqual([0, 0x7ffffffe])
    expect(rangeOf(l, 2)).toEqual([0x7fffffff, HASH_RANGE_MAX])
    expect(l.entries[0]).toMatchObject({ subvolume: 0, start: 0, stop: 0, commitHash: 0 })
    expect(checkLayout(l).ok).toBe(true)
    expect(newDirectoryLayout(3, '/d9', { spreadCount: 5 }).entries).toEqual(newDirectoryLayout(3, '/d9').entries)
  })

  it('writes the given commit hash on bricks with a range', () => {
    const l = newDirectoryLayout(3, '/d9', { spreadCount: 2, commitHash: 0x1234 })
    expect(l.commitHash).toBe(0x1234)
    expect(l.entries.map((e) => e.commitHash)).toEqual([0, 0x1234, 0x1234])
  })

  it('gives a single subvolume everything', () => {
    expect(newDirectoryLayout(1, '/x').entries).toEqual([
      { subvolume: 0, name: undefined, start: 0, stop: HASH_RANGE_MAX, commitHash: 0, err: undefined },
    ])
  })

  it('rejects bad arguments', () => {
    expect(() => newDirectoryLayout(0, '/x')).toThrow(RangeError)
    expect(() => newDirectoryLayout(2, '/x', { names: ['a'] })).toThrow(RangeError)
  })
})

describe('parseDecommissionedBricks', () => {
  const names = ['v-client-0', 'v-client-1', 'v-client-2']
  const fail = (detail: string): Error => new Error(detail)

  it('maps comma-separated subvolume names to indices, skipping empty pieces as strtok_r does', () => {
    expect([...parseDecommissionedBricks('v-client-1', names, fail)]).toEqual([1])
    expect([...parseDecommissionedBricks(',v-client-2,,v-client-0,', names, fail)].sort()).toEqual([0, 2])
    expect(parseDecommissionedBricks('', names, fail).size).toBe(0)
  })

  it('fails on a name that is no subvolume (dht init fails)', () => {
    expect(() => parseDecommissionedBricks('v-client-1,v-client-9', names, fail)).toThrow("'v-client-9', which is not one of its subvolumes")
  })
})

describe('statfsChunks', () => {
  it('counts 1 MiB chunks from f_blocks and f_bsize, rounding up', () => {
    expect(statfsChunks(1_000_000, 4096)).toBe(3907)
    expect(statfsChunks(256, 4096)).toBe(1)
    expect(statfsChunks(257n, 4096)).toBe(2)
    expect(statfsChunks(0, 4096)).toBe(0)
    expect(statfsChunks(100, 2 * 1024 * 1024)).toBe(0)
    expect(statfsChunks(2n ** 40n, 4096)).toBe(0) // 2^32 chunks wrap in C's uint32_t
  })
})
