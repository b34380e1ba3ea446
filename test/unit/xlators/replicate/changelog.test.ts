import { describe, expect, it } from 'vitest'
import { Dict } from '../../../../src/rpc/programs/fops/dict.ts'
import { Iatt } from '../../../../src/rpc/programs/fops/iatt.ts'
import {
  type ChildReply, changelogOf, changelogValue, chooseReadChild, lookupXdata, readablesOf, superFastHash, withoutAfrKeys,
} from '../../../../src/xlators/replicate/changelog.ts'
import type { Topology } from '../../../../src/xlators/replicate/topology.ts'

const topo = (arbiter = -1, readHashMode: 0 | 1 | 2 = 1): Topology => ({
  domain: 'v-replicate-0', volume: 'v', children: ['v-client-0', 'v-client-1', 'v-client-2'],
  pendingKeys: ['trusted.afr.v-client-0', 'trusted.afr.v-client-1', 'trusted.afr.v-client-2'], dirtyKey: 'trusted.afr.dirty',
  arbiter, quorum: { kind: 'auto' }, readChild: -1, readHashMode, chooseLocal: true, optimisticChangeLog: true, granularEntryHeal: true,
  eagerLock: true, postOpDelayMs: 1000, ensureDurability: true, anonDirName: undefined,
})

const FILE = 0o100644
const DIR = 0o040755

function reply(mode: number, size: number, xattrs: Record<string, Buffer> = {}, extra?: (d: Dict) => void): ChildReply {
  const stat = new Iatt()
  stat.mode = mode
  stat.size = size
  const xdata = new Dict()
  for (const [k, v] of Object.entries(xattrs)) xdata.setPtr(k, v)
  extra?.(xdata)
  return { ok: true, stat, xdata }
}

describe('SuperFastHash as libglusterfs computes it', () => {
  // Expected values from libglusterfs.so.0's own SuperFastHash through ctypes.
  it.each([
    ['00000000000000000000000000000001', 4266734359],
    ['0ac59dd1d1a44f2b9a7e1b0c3f2e4d5c', 1791165554],
    ['ffffffffffffffffffffffffffffffff', 421081663],
    ['14aa9fd0e3b2418a8d1c2b3a4f5e6d7c', 3342532397],
    ['616263', 3535673738],
    ['6162ff', 3261008212],
    ['fe', 1],
    ['68656c6c6f20776f726c64', 2794219650],
  ])('%s', (hex, expected) => {
    expect(superFastHash(Buffer.from(hex, 'hex'))).toBe(expected)
  })
})

describe('changelog values', () => {
  it('are three big-endian int32', () => {
    const v = changelogValue(1, -1, 2)
    expect(v.toString('hex')).toBe('00000001ffffffff00000002')
    expect(changelogOf(new Dict().setPtr('k', v), 'k')).toEqual([1, -1, 2])
    expect(changelogOf(new Dict(), 'k')).toBeUndefined()
  })

  it('the lookup asks for every pending key and dirty as uint64 12, plus the lock counts and list-xattr', () => {
    const d = lookupXdata(topo(), new Dict().setStr('caller', 'x'))
    for (const k of ['trusted.afr.v-client-0', 'trusted.afr.v-client-1', 'trusted.afr.v-client-2', 'trusted.afr.dirty']) {
      expect(d.get(k)).toEqual({ type: 3, value: 12n })
    }
    expect(d.getInt('list-xattr')).toBe(1n)
    expect(d.getInt('glusterfs.inodelk-count')).toBe(0n)
    expect(d.getStr('link-count')).toBe('glusterfs.xattrop_index_count')
    expect(d.getStr('caller')).toBe('x')
  })

  it('strips trusted.afr.* from xattr results', () => {
    const d = new Dict().setPtr('trusted.afr.v-client-0', changelogValue(0, 0, 0)).setPtr('trusted.afr.dirty', changelogValue(0, 0, 0)).setStr('user.a', 'b')
    expect([...withoutAfrKeys(d).keys()]).toEqual(['user.a'])
  })
})

describe('readables (afr_readables_fill)', () => {
  it('all clean: every copy readable; dirty alone blames nobody but shows a pending heal', () => {
    const r = readablesOf(topo(), [reply(FILE, 5), reply(FILE, 5, { 'trusted.afr.dirty': changelogValue(1, 0, 0) }), reply(FILE, 5)])
    expect(r.data).toEqual([true, true, true])
    expect(r.metadata).toEqual([true, true, true])
    expect(r.pendingHeal).toBe(true)
  })

  it('dirty while a lock is held is a transaction in flight (an eager lock\'s pre-op), not a pending heal; a blame still is', () => {
    const locked = (d: Dict): void => { d.setInt('glusterfs.inodelk-count', 1) }
    const dirty = { 'trusted.afr.dirty': changelogValue(1, 0, 0) }
    expect(readablesOf(topo(), [reply(FILE, 5, dirty, locked), reply(FILE, 5, dirty), reply(FILE, 5, dirty)]).pendingHeal).toBe(false)
    const blamed = { ...dirty, 'trusted.afr.v-client-2': changelogValue(1, 0, 0) }
    expect(readablesOf(topo(), [reply(FILE, 5, blamed, locked), reply(FILE, 5, blamed), reply(FILE, 5, dirty)]).pendingHeal).toBe(true)
  })

  it('a blamed child is unreadable for the blamed slot, whoever blames it (itself included)', () => {
    const blame2 = { 'trusted.afr.v-client-2': changelogValue(1, 0, 0) }
    const r = readablesOf(topo(), [reply(FILE, 5, blame2), reply(FILE, 5), reply(FILE, 5)])
    expect(r.data).toEqual([true, true, false])
    expect(r.metadata).toEqual([true, true, true])
    const m = readablesOf(topo(), [reply(FILE, 5), reply(FILE, 5, { 'trusted.afr.v-client-1': changelogValue(0, 1, 0) }), reply(FILE, 5)])
    expect(m.metadata).toEqual([true, false, true])
  })

  it('directories use the entry slot for data readability', () => {
    const r = readablesOf(topo(), [reply(DIR, 4096, { 'trusted.afr.v-client-0': changelogValue(1, 0, 0) }), reply(DIR, 4096), reply(DIR, 4096, { 'trusted.afr.v-client-1': changelogValue(0, 0, 1) })])
    expect(r.data).toEqual([true, false, true])
  })

  it('failed, absent and bad-inode replies are unreadable; the arbiter never is', () => {
    const failed: ChildReply = { ok: false, stat: undefined, xdata: undefined }
    expect(readablesOf(topo(), [failed, undefined, reply(FILE, 0)]).data).toEqual([false, false, true])
    expect(readablesOf(topo(), [reply(FILE, 0, {}, (d) => d.setInt('glusterfs.bad-inode', 1)), reply(FILE, 0), reply(FILE, 0)]).data).toEqual([false, true, true])
    expect(readablesOf(topo(2), [reply(FILE, 5), reply(FILE, 5), reply(FILE, 0)]).data).toEqual([true, true, false])
  })

  it('smaller non-arbiter copies are accused when no lock is held, not while a transaction may be running', () => {
    expect(readablesOf(topo(), [reply(FILE, 10), reply(FILE, 7), reply(FILE, 10)]).data).toEqual([true, false, true])
    const locked = (d: Dict): void => { d.setInt('glusterfs.inodelk-count', 1) }
    expect(readablesOf(topo(), [reply(FILE, 10, {}, locked), reply(FILE, 7), reply(FILE, 10)]).data).toEqual([true, true, true])
  })
})

describe('read child (afr_read_subvol_select_by_policy)', () => {
  const gfid = Buffer.from('0ac59dd1d1a44f2b9a7e1b0c3f2e4d5c', 'hex') // hash % 3 = 2
  it('prefers the configured child when readable, else the gfid hash, else the first readable', () => {
    expect(chooseReadChild(topo(), [true, true, true], 0, gfid, false, 1)).toBe(0)
    expect(chooseReadChild(topo(), [true, true, true], -1, gfid, false, 1)).toBe(2)
    expect(chooseReadChild(topo(), [false, true, false], -1, gfid, false, 1)).toBe(1)
    expect(chooseReadChild(topo(), [true, true, false], 2, gfid, false, 1)).toBe(0)
    expect(chooseReadChild(topo(), [false, false, false], -1, gfid, false, 1)).toBe(-1)
  })
  it('mode 0 is the first readable; mode 2 mixes the pid into a file gfid', () => {
    expect(chooseReadChild(topo(-1, 0), [false, true, true], -1, gfid, false, 1)).toBe(1)
    const mixed = Buffer.from(gfid)
    mixed.writeInt32LE(mixed.readInt32LE(0) ^ 4242, 0)
    expect(chooseReadChild(topo(-1, 2), [true, true, true], -1, gfid, false, 4242)).toBe(superFastHash(mixed) % 3)
    expect(chooseReadChild(topo(-1, 2), [true, true, true], -1, gfid, true, 4242)).toBe(2)
  })
})
