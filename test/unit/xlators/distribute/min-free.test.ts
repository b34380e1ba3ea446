import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Distribute } from '../../../../src/xlators/distribute/distribute.ts'
import { distribute } from '../../../../src/xlators/distribute/index.ts'
import { Dict } from '../../../../src/rpc/programs/fops/dict.ts'
import { Iatt } from '../../../../src/rpc/programs/fops/iatt.ts'
import { GlusterError } from '../../../../src/rpc/errors.ts'
import { errnoOf } from '../../../../src/rpc/errno.ts'
import { DhtHasher } from '../../../../src/xlators/distribute/hash.ts'
import { encodeLayoutXattr, layoutFromBricks } from '../../../../src/xlators/distribute/layout.ts'
import { DirCtx } from '../../../../src/xlators/distribute/state.ts'
import {
  type Call, type CreateResult, type EntryResult, Fd, Inode, type Loc, type PrePostResult, type StatfsResult,
} from '../../../../src/xlators/types.ts'
import type { VolfileNode } from '../../../../src/xlators/volfile.ts'
import { Xlator, buildXlator, type SetattrArgs } from '../../../../src/xlators/xlator.ts'
import { TEST_GRAPH, testInit } from '../../../helpers/xlator-init.ts'
import { S_IFDIR, S_IFIFO, S_IFREG } from '../../../../src/rpc/linux.ts'

// dht_create / dht_mknod with the hashed subvolume filled (dht_create_wind_to_avail_subvol): the
// order of the fops sent to fake bricks, what each carries, and what is left on failure.

const LINKTO_KEY = 'trusted.glusterfs.dht.linkto'
const PARENT_GFID = Buffer.alloc(16, 9)
const FILE_GFID = Buffer.alloc(16, 1)
const CALL: Call = { pid: 1, uid: 1000, gid: 1000, groups: [], lkOwner: Buffer.alloc(8, 1) }

const range = (start: number, stop: number): Buffer => Buffer.from(encodeLayoutXattr({ commitHash: 0, type: 0, start, stop }))

function iatt(mode: number, gfid: Buffer, uid = 0): Iatt {
  const ia = new Iatt(Buffer.from(gfid))
  ia.mode = mode
  ia.uid = uid
  ia.gid = uid
  return ia
}

const fail = (code: string) => new GlusterError({ errno: errnoOf(code), syscall: 'test' })

/** One brick of 1000 blocks and 1000 inodes with `free` % of both free; it logs what it is sent. */
class Brick extends Xlator {
  free = 50
  statfsCalls = 0
  failCreate: string | undefined
  failMknod: string | undefined
  /** While set, STATFS answers only once it resolves (a slow brick). */
  gate: Promise<void> | undefined
  readonly log: string[]

  constructor(name: string, log: string[]) {
    super(testInit(name, 'protocol/client'))
    this.log = log
  }

  override async statfs(): Promise<StatfsResult> {
    this.statfsCalls++
    await this.gate
    return { bsize: 4096, frsize: 4096, blocks: 1000, bfree: this.free * 10, bavail: this.free * 10, files: 1000, ffree: this.free * 10, favail: 0, fsid: 0n, flag: 0, namemax: 255, xdata: undefined }
  }

  override async create(call: Call, _loc: Loc, _flags: number, _mode: number, _umask: number, fd: Fd, xdata?: Dict): Promise<CreateResult> {
    this.log.push(`${this.name} create${xdata?.has('glusterfs.preop.parent.key') ? ' with layout check' : ''} gfid ${xdata?.getGfuuid('gfid-req')?.[0]}${xdata?.has(LINKTO_KEY) ? ' LINKTO' : ''}`)
    if (this.failCreate !== undefined) throw fail(this.failCreate)
    const dir = iatt(S_IFDIR | 0o755, PARENT_GFID)
    return { fd, stat: iatt(S_IFREG | 0o644, FILE_GFID, call.uid), preparent: dir, postparent: dir, xdata: undefined }
  }

  override async mknod(call: Call, _loc: Loc, mode: number, _rdev: number, _umask: number, xdata?: Dict): Promise<EntryResult> {
    const linkto = xdata?.getStr(LINKTO_KEY)
    this.log.push(`${this.name} mknod ${(mode & 0o170000) === S_IFREG && (mode & 0o7777) === 0o1000 ? 'linkto' : 'file'}${linkto === undefined ? '' : ` -> ${linkto}`} as uid ${call.uid} gfid ${xdata?.getGfuuid('gfid-req')?.[0]}`)
    if (this.failMknod !== undefined && linkto !== undefined) throw fail(this.failMknod)
    const dir = iatt(S_IFDIR | 0o755, PARENT_GFID)
    return { stat: iatt(mode, FILE_GFID, call.uid), preparent: dir, postparent: dir, xdata: undefined }
  }

  override async setattr(call: Call, _loc: Loc, attrs: SetattrArgs, valid: number): Promise<PrePostResult> {
    this.log.push(`${this.name} setattr valid ${valid} uid ${attrs.uid} gid ${attrs.gid} as uid ${call.uid}`)
    return { prestat: new Iatt(), poststat: new Iatt(), xdata: undefined }
  }

  override async unlink(): Promise<never> {
    this.log.push(`${this.name} unlink`)
    throw fail('ENOENT')
  }
}

function build(options: [string, string][]): Distribute {
  const node: VolfileNode = { name: 'v-dht', type: 'cluster/distribute', subvolumes: [], line: 1, options: new Map(options) }
  return buildXlator(distribute, node, [new Brick('v-client-0', []), new Brick('v-client-1', [])], TEST_GRAPH) as Distribute
}

describe('min-free-disk and min-free-inodes options (dht-shared.c)', () => {
  it('default to 10 % of space and 5 % of inodes', () => {
    expect(build([]).conf.minFree).toEqual({ disk: 10, inodes: 5 })
  })

  it('take a percentage or a size, and a percentage of inodes', () => {
    expect(build([['min-free-disk', '2GB'], ['min-free-inodes', '12%']]).conf.minFree).toEqual({ disk: 2 * 1024 ** 3, inodes: 12 })
    expect(build([['min-free-disk', '25%']]).conf.minFree.disk).toBe(25)
  })

  it('refuse a value C refuses, naming the option', () => {
    expect(() => build([['min-free-disk', 'lots']])).toThrow(/min-free-disk 'lots'/)
    expect(() => build([['min-free-inodes', '150%']])).toThrow(/min-free-inodes/)
  })
})

/** A 2-brick DHT with /d split in halves; brick 0 has `free0` % free, brick 1 `free1` %. */
async function setup(free0: number, free1: number): Promise<{ dht: Distribute; bricks: Brick[]; log: string[]; parent: Inode }> {
  const log: string[] = []
  const bricks = [new Brick('v-client-0', log), new Brick('v-client-1', log)]
  bricks[0]!.free = free0
  bricks[1]!.free = free1
  const node: VolfileNode = { name: 'v-dht', type: 'cluster/distribute', subvolumes: [], line: 1, options: new Map() }
  const dht = buildXlator(distribute, node, bricks, TEST_GRAPH) as Distribute
  await dht.conf.fetchDiskUsage(CALL)
  const parent = new Inode(Buffer.from(PARENT_GFID), S_IFDIR)
  const cached = layoutFromBricks('/d', [range(0, 0x7fffffff), range(0x80000000, 0xffffffff)].map((xattr, i) => ({ subvolume: i, name: bricks[i]!.name, xattr })))
  dht.conf.remember(parent, parent.gfid, new DirCtx('/d', cached, 0))
  return { dht, bricks, log, parent }
}

/** A name in the first half of the hash space: brick 0. */
function nameOnFirstHalf(): string {
  const hasher = new DhtHasher()
  for (let i = 0; ; i++) if (hasher.hashName(`f${i}`) < 0x80000000) return `f${i}`
}

const GFID_REQ = new Dict().setGfuuid('gfid-req', Buffer.alloc(16, 7))

async function create(dht: Distribute, parent: Inode, name: string): Promise<Fd> {
  const inode = new Inode(Buffer.alloc(16), S_IFREG)
  const fd = new Fd(inode, 0o1, false)
  await dht.create(CALL, { path: `/d/${name}`, name, parent, inode }, 0o1, 0o644, 0o022, fd, GFID_REQ)
  return fd
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('create whose hashed subvolume is filled (dht_create_wind_to_avail_subvol)', () => {
  it('makes the linkto on the hashed brick first (as root, same gfid), then the file elsewhere, then gives the linkto its owner', async () => {
    const { dht, bricks, log, parent } = await setup(5, 50)
    const fd = await create(dht, parent, nameOnFirstHalf())
    expect(log).toEqual([
      'v-client-0 mknod linkto -> v-client-1 as uid 0 gfid 7',
      'v-client-1 create gfid 7',
      'v-client-0 setattr valid 6 uid 1000 gid 1000 as uid 0',
    ])
    // The fd's fops go to the data's brick.
    expect(fd.ctx.get(dht)).toMatchObject({ sub: bricks[1] })
  })

  it('creates on the hashed brick, with the layout check, when it is not filled', async () => {
    const { dht, log, parent } = await setup(10, 50) // exactly 10 %: not below min-free-disk
    await create(dht, parent, nameOnFirstHalf())
    expect(log).toEqual(['v-client-0 create with layout check gfid 7'])
  })

  it('counts a brick short of inodes as filled', async () => {
    const { dht, bricks, log, parent } = await setup(50, 50)
    bricks[0]!.free = 4 // 4 % of blocks and inodes free
    await dht.conf.fetchDiskUsage(CALL)
    await create(dht, parent, nameOnFirstHalf())
    expect(log[0]).toBe('v-client-0 mknod linkto -> v-client-1 as uid 0 gfid 7')
  })

  it('creates on the hashed brick, with the layout check, when it has the most room of all filled ones', async () => {
    const { dht, log, parent } = await setup(8, 5)
    await create(dht, parent, nameOnFirstHalf())
    expect(log).toEqual(['v-client-0 create with layout check gfid 7'])
  })

  it('fails without creating the file when the linkto cannot be made', async () => {
    const { dht, bricks, log, parent } = await setup(5, 50)
    bricks[0]!.failMknod = 'EACCES'
    await expect(create(dht, parent, nameOnFirstHalf())).rejects.toMatchObject({ code: 'EACCES' })
    expect(log).toEqual(['v-client-0 mknod linkto -> v-client-1 as uid 0 gfid 7'])
  })

  it('leaves the linkto in place when the file then fails, as C does', async () => {
    const { dht, bricks, log, parent } = await setup(5, 50)
    bricks[1]!.failCreate = 'EDQUOT'
    await expect(create(dht, parent, nameOnFirstHalf())).rejects.toMatchObject({ code: 'EDQUOT' })
    expect(log).toEqual(['v-client-0 mknod linkto -> v-client-1 as uid 0 gfid 7', 'v-client-1 create gfid 7'])
  })
})

describe('mknod whose hashed subvolume is filled (dht_mknod_wind_to_avail_subvol)', () => {
  it('makes the linkto first, then the node elsewhere; the linkto keeps root as owner', async () => {
    const { dht, log, parent } = await setup(5, 50)
    const name = nameOnFirstHalf()
    await dht.mknod(CALL, { path: `/d/${name}`, name, parent, inode: new Inode(Buffer.alloc(16), S_IFIFO) }, S_IFIFO | 0o644, 0, 0o022, GFID_REQ)
    expect(log).toEqual([
      'v-client-0 mknod linkto -> v-client-1 as uid 0 gfid 7',
      'v-client-1 mknod file as uid 1000 gfid 7',
    ])
  })
})

describe('disk usage refresh (dht_get_du_info)', () => {
  it('sends STATFS to every brick at most once a second, the create not waiting for it', async () => {
    const { dht, bricks, parent } = await setup(50, 50)
    const now = vi.spyOn(Date, 'now').mockReturnValue(1_800_000_000_000)
    for (let i = 0; i < 5; i++) await create(dht, parent, `g${i}`)
    expect(bricks.map((b) => b.statfsCalls)).toEqual([2, 2]) // the mount's, then one
    now.mockReturnValue(1_800_000_000_999)
    await create(dht, parent, 'h')
    expect(bricks.map((b) => b.statfsCalls)).toEqual([2, 2])
    now.mockReturnValue(1_800_000_001_000)
    await create(dht, parent, 'i')
    expect(bricks.map((b) => b.statfsCalls)).toEqual([3, 3])
  })

  it('does not wait for a slow STATFS: decides on what it knew, then on the new sizes once they came', async () => {
    const { dht, bricks, log, parent } = await setup(50, 50)
    vi.spyOn(Date, 'now').mockReturnValue(1_900_000_000_000)
    let answer = (): void => undefined
    const gate = new Promise<void>((resolve) => {
      answer = resolve
    })
    for (const b of bricks) b.gate = gate
    bricks[0]!.free = 5
    const name = nameOnFirstHalf()
    await create(dht, parent, name) // brick 0's STATFS is still unanswered
    expect(log).toEqual(['v-client-0 create with layout check gfid 7'])
    for (const b of bricks) b.gate = undefined
    answer()
    await new Promise((r) => setTimeout(r, 0))
    await create(dht, parent, name)
    expect(log[1]).toBe('v-client-0 mknod linkto -> v-client-1 as uid 0 gfid 7')
  })

  it('keeps what it knew of a brick whose STATFS fails', async () => {
    const { dht, bricks, log, parent } = await setup(5, 50)
    vi.spyOn(bricks[0]!, 'statfs').mockRejectedValue(fail('ENOTCONN'))
    await dht.conf.fetchDiskUsage(CALL)
    await create(dht, parent, nameOnFirstHalf())
    expect(log[0]).toBe('v-client-0 mknod linkto -> v-client-1 as uid 0 gfid 7')
  })
})
