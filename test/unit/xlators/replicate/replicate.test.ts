/** Per-child state from notify, lookups and readdir against scripted bricks. */
import { describe, expect, it } from 'vitest'
import { Dict } from '../../../../src/rpc/programs/fops/dict.ts'
import { Iatt } from '../../../../src/rpc/programs/fops/iatt.ts'
import { changelogValue } from '../../../../src/xlators/replicate/changelog.ts'
import { replicate } from '../../../../src/xlators/replicate/index.ts'
import type { Replicate } from '../../../../src/xlators/replicate/replicate.ts'
import { type Call, type DirEntry, Fd, Inode, type Loc, type LookupResult, type ReadResult, type ReaddirResult, ROOT_GFID, gfidToString } from '../../../../src/xlators/types.ts'
import { type GraphContext, type HealReport, Xlator, type XlatorEvent, buildXlator } from '../../../../src/xlators/xlator.ts'
import { testInit } from '../../../helpers/xlator-init.ts'

const APP: Call = { pid: 42, uid: 0, gid: 0, groups: [], lkOwner: Buffer.from('2a000000', 'hex') }
const GFID = Buffer.from('0ac59dd1d1a44f2b9a7e1b0c3f2e4d5c', 'hex')

class Brick extends Xlator {
  gfid: Buffer = GFID
  xattrs = new Dict()
  asked: Dict | undefined
  listed: bigint[] = []
  override async lookup(_c: Call, _l: Loc, xdata?: Dict): Promise<LookupResult> {
    this.asked = xdata
    const stat = new Iatt(this.gfid)
    stat.mode = 0o100644
    const x = new Dict()
    for (const [k, v] of this.xattrs) x.set(k, v)
    x.setStr('user.visible', 'yes')
    return { stat, postparent: new Iatt(), xdata: x }
  }
  override async readdirp(_c: Call, _fd: Fd, _s: number, offset: bigint): Promise<ReaddirResult> {
    this.listed.push(offset)
    const e = (name: string): DirEntry => ({ name, offset: 1n, ino: 1n, type: 4, stat: new Iatt(), xdata: undefined })
    return { entries: [e('.landfill'), e('.glusterfs-anonymous-inode-x'), e('kept')], eof: false, xdata: undefined }
  }
  fstats = 0
  override async readv(): Promise<ReadResult> {
    return { data: Buffer.from(this.name), stat: { mode: 0o100644, size: this.name.length }, eof: true, xdata: undefined }
  }
  override async fstat(_c: Call, _fd: Fd, xdata?: Dict) {
    this.fstats++
    const r = await this.lookup(_c, { path: '', name: '', parent: undefined, inode: undefined }, xdata)
    const stat = r.stat
    stat.mode = 0o040755
    return { stat, xdata: r.xdata }
  }
}

function setup(heard: XlatorEvent[] = []): { afr: Replicate; bricks: Brick[] } {
  const graph: GraphContext = { volume: 'v', root: { notify: (e) => heard.push(e) } }
  const bricks = [0, 1, 2].map((i) => new Brick(testInit(`v-client-${i}`, 'protocol/client', [], graph)))
  const options = new Map([['afr-pending-xattr', 'v-client-0,v-client-1,v-client-2']])
  const afr = buildXlator(replicate, { name: 'v-replicate-0', type: 'cluster/replicate', options, subvolumes: [], line: 1 }, bricks, graph) as Replicate
  return { afr, bricks }
}

const named = (name: string): Loc => ({ path: `/${name}`, name, parent: new Inode(ROOT_GFID, 0o040000), inode: undefined })

describe('notify (afr_notify)', () => {
  it('is quiet until every child reported, then CHILD_UP; a later child down passes as SOME_DESCENDENT_DOWN, the last as CHILD_DOWN', () => {
    const heard: XlatorEvent[] = []
    const { afr, bricks } = setup(heard)
    bricks[0]!.notify('CHILD_UP', bricks[0]!)
    bricks[1]!.notify('CHILD_DOWN', bricks[1]!)
    expect(heard).toEqual([])
    bricks[2]!.notify('CHILD_UP', bricks[2]!)
    expect(heard).toEqual(['CHILD_UP'])
    const g = afr.generation
    bricks[0]!.notify('CHILD_DOWN', bricks[0]!)
    expect(afr.generation).toBe(g + 1)
    bricks[2]!.notify('CHILD_DOWN', bricks[2]!)
    expect(heard).toEqual(['CHILD_UP', 'SOME_DESCENDENT_DOWN', 'CHILD_DOWN'])
  })
})

describe('lookup (afr_lookup_done)', () => {
  const up = (bricks: Brick[]): void => {
    for (const b of bricks) b.notify('CHILD_UP', b)
  }

  it('asks every brick for the changelog keys and hides them from the answer', async () => {
    const { afr, bricks } = setup()
    up(bricks)
    bricks[0]!.xattrs.setPtr('trusted.afr.v-client-1', changelogValue(0, 0, 0))
    const r = await afr.lookup(APP, named('f'))
    for (const b of bricks) expect(b.asked?.getInt('trusted.afr.v-client-2')).toBe(12n)
    expect([...r.xdata!.keys()]).toEqual(['user.visible'])
  })

  it('copies with different gfids fail EIO (gfid split-brain)', async () => {
    const { afr, bricks } = setup()
    up(bricks)
    bricks[2]!.gfid = Buffer.alloc(16, 9)
    await expect(afr.lookup(APP, named('f'))).rejects.toMatchObject({ code: 'EIO', syscall: 'lookup' })
  })

  it('no readable copy on a quorum volume is ENOTCONN; a pending blame shows in the inode state', async () => {
    const { afr, bricks } = setup()
    up(bricks)
    for (let i = 0; i < 3; i++) bricks[i]!.xattrs.setPtr(`trusted.afr.v-client-${(i + 1) % 3}`, changelogValue(1, 0, 0))
    await expect(afr.lookup(APP, named('f'))).rejects.toMatchObject({ code: 'ENOTCONN' })
    const inode = new Inode(GFID, 0o100000)
    bricks[0]!.xattrs = new Dict().setPtr('trusted.afr.v-client-1', changelogValue(1, 0, 0))
    bricks[1]!.xattrs = new Dict()
    bricks[2]!.xattrs = new Dict()
    await afr.lookup(APP, { ...named('f'), inode })
    expect(afr.stateOf(inode)).toEqual({ data: [true, false, true], metadata: [true, true, true], pendingHeal: true, blamed: [false, true, false] })
  })

  it('reports split-brain and pending heal to the graph root when what lookups see of an inode changes, once each', async () => {
    const reports: HealReport[] = []
    const graph: GraphContext = { volume: 'v', root: { notify: () => undefined, report: (r) => reports.push(r) } }
    const bricks = [0, 1, 2].map((i) => new Brick(testInit(`v-client-${i}`, 'protocol/client', [], graph)))
    const options = new Map([['afr-pending-xattr', 'v-client-0,v-client-1,v-client-2']])
    const afr = buildXlator(replicate, { name: 'v-replicate-0', type: 'cluster/replicate', options, subvolumes: [], line: 1 }, bricks, graph) as Replicate
    up(bricks)
    const inode = new Inode(GFID, 0o100000)
    await afr.lookup(APP, { ...named('f'), inode })
    expect(reports).toEqual([])
    bricks[0]!.xattrs = new Dict().setPtr('trusted.afr.v-client-1', changelogValue(1, 0, 0))
    await afr.lookup(APP, { ...named('f'), inode })
    await afr.lookup(APP, { ...named('f'), inode })
    expect(reports).toEqual([{ kind: 'heal-pending', volume: 'v', xlator: 'v-replicate-0', path: '/f', gfid: gfidToString(GFID), bricks: ['v-client-1'] }])
    for (let i = 0; i < 3; i++) bricks[i]!.xattrs = new Dict().setPtr(`trusted.afr.v-client-${(i + 1) % 3}`, changelogValue(1, 0, 0))
    await expect(afr.lookup(APP, { ...named('f'), inode })).rejects.toMatchObject({ code: 'ENOTCONN' })
    expect(reports[1]).toEqual({ kind: 'split-brain', volume: 'v', xlator: 'v-replicate-0', path: '/f', gfid: gfidToString(GFID), bricks: ['v-client-0', 'v-client-1', 'v-client-2'] })
    // a dirty count alone is a pending heal with no brick blamed; healed copies report nothing
    for (const b of bricks) b.xattrs = new Dict()
    bricks[1]!.xattrs.setPtr('trusted.afr.dirty', changelogValue(1, 0, 0))
    await afr.lookup(APP, { ...named('f'), inode })
    expect(reports[2]).toMatchObject({ kind: 'heal-pending', bricks: [] })
    bricks[1]!.xattrs = new Dict()
    await afr.lookup(APP, { ...named('f'), inode })
    expect(reports).toHaveLength(3)
  })

  it('a lookup by name (no Inode yet) serves the first read on an Inode made from its answer: no refresh on the bricks', async () => {
    const { afr, bricks } = setup()
    up(bricks)
    bricks[0]!.xattrs.setPtr('trusted.afr.v-client-1', changelogValue(1, 0, 0))
    await afr.lookup(APP, named('f'))
    const fd = new Fd(new Inode(GFID, 0o100000), 0, false, true)
    for (let i = 0; i < 5; i++) expect((await afr.readv(APP, fd, 16, 0, 0)).data.toString()).not.toBe('v-client-1')
    expect(bricks.map((b) => b.fstats)).toEqual([0, 0, 0])
    expect(afr.stateOf(fd.inode)).toMatchObject({ data: [true, false, true], blamed: [false, true, false] })
    // An Inode of another gfid learns nothing from it: its first read refreshes on every brick.
    const other = new Fd(new Inode(Buffer.alloc(16, 7), 0o100000), 0, false, true)
    await afr.readv(APP, other, 16, 0, 0)
    expect(bricks.map((b) => b.fstats)).toEqual([1, 1, 1])
  })

  it('private directories at the root are EPERM; quorum lost is ENOTCONN naming the down bricks', async () => {
    const { afr, bricks } = setup()
    up(bricks)
    await expect(afr.lookup(APP, named('.landfill'))).rejects.toMatchObject({ code: 'EPERM' })
    bricks[1]!.notify('CHILD_DOWN', bricks[1]!)
    bricks[2]!.notify('CHILD_DOWN', bricks[2]!)
    await expect(afr.lookup(APP, named('f'))).rejects.toThrow(/ENOTCONN.*v-client-1.*v-client-2/)
  })
})

describe('readdirp (afr_readdir)', () => {
  it('hides the private names at the root and keeps a listing on the child that began it', async () => {
    const { afr, bricks } = setup()
    for (const b of bricks) b.notify('CHILD_UP', b)
    const fd = new Fd(new Inode(ROOT_GFID, 0o040000), 0, true)
    const first = await afr.readdirp(APP, fd, 4096, 0n)
    expect(first.entries.map((e) => e.name)).toEqual(['kept'])
    const served = bricks.findIndex((b) => b.listed.length === 1)
    await afr.readdirp(APP, fd, 4096, 1n)
    expect(bricks[served]!.listed).toEqual([0n, 1n])
  })
})

describe('local discovery (choose-local)', () => {
  it('after the first root lookup, a brick whose pathinfo names this host becomes the read child, never the arbiter', async () => {
    const { hostname } = await import('node:os')
    const { pathinfoHost } = await import('../../../../src/xlators/replicate/replicate.ts')
    expect(pathinfoHost(`<POSIX(/b/r1):${hostname()}:/b/r1/>`)).toBe(hostname())
    expect(pathinfoHost('<POSIX(/b/r1)>')).toBeUndefined()
    const { afr, bricks } = setup()
    const hosts = ['elsewhere', hostname(), 'elsewhere']
    bricks.forEach((b, i) => {
      b.getxattr = async () => ({ dict: new Dict().setStr('trusted.glusterfs.pathinfo', `<POSIX(/b${i}):${hosts[i]}:/b${i}/>`), xdata: undefined })
      b.gfid = ROOT_GFID
      b.notify('CHILD_UP', b)
    })
    expect(afr.readChild).toBe(-1)
    await afr.lookup(APP, { path: '/', name: '', parent: undefined, inode: new Inode(ROOT_GFID, 0o040000) })
    await afr.discovered()
    expect(afr.readChild).toBe(1)
  })
})
