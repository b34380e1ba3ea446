import { describe, expect, it } from 'vitest'
import type { Distribute } from '../../../../src/xlators/distribute/distribute.ts'
import { distribute } from '../../../../src/xlators/distribute/index.ts'
import { Dict } from '../../../../src/rpc/programs/fops/dict.ts'
import { Iatt } from '../../../../src/rpc/programs/fops/iatt.ts'
import { GfLkType } from '../../../../src/rpc/programs/fops/program.ts'
import { DhtHasher } from '../../../../src/xlators/distribute/hash.ts'
import { encodeLayoutXattr, layoutFromBricks } from '../../../../src/xlators/distribute/layout.ts'
import { DirCtx } from '../../../../src/xlators/distribute/state.ts'
import {
  type Call, type CommonResult, type CreateResult, Fd, type Flock, Inode, type Loc, type LookupResult,
} from '../../../../src/xlators/types.ts'
import type { VolfileNode } from '../../../../src/xlators/volfile.ts'
import { Xlator, buildXlator } from '../../../../src/xlators/xlator.ts'
import { TEST_GRAPH, testInit } from '../../../helpers/xlator-init.ts'
import { S_IFDIR, S_IFREG } from '../../../../src/rpc/linux.ts'

// dht_create with its hashed subvolume decommissioned (remove-brick start): before creating, the
// parent's layout is re-read under a read lock in dht.layout.heal taken on that subvolume, and
// the file goes where the re-read layout says. Fake subvolumes answer as bricks do.

const LAYOUT_KEY = 'trusted.glusterfs.dht'
const PARENT_GFID = Buffer.alloc(16, 9)
const ctx = TEST_GRAPH
const CALL: Call = { pid: 1, uid: 0, gid: 0, groups: [], lkOwner: Buffer.alloc(8, 1) }

const range = (start: number, stop: number): Buffer => Buffer.from(encodeLayoutXattr({ commitHash: 0, type: 0, start, stop }))

function iatt(mode: number, gfid: Buffer): Iatt {
  const ia = new Iatt(Buffer.alloc(16))
  ia.mode = mode
  ia.gfid = Buffer.from(gfid)
  return ia
}

/** One brick: the parent directory with `layout` on disk; it logs the locks and creates it is sent. */
class Brick extends Xlator {
  layout: Buffer
  readonly log: string[]

  constructor(name: string, layout: Buffer, log: string[]) {
    super(testInit(name, 'protocol/client'))
    this.layout = layout
    this.log = log
  }

  override async lookup(_call: Call, _loc: Loc): Promise<LookupResult> {
    this.log.push(`${this.name} lookup`)
    return { stat: iatt(S_IFDIR | 0o755, PARENT_GFID), postparent: iatt(S_IFDIR | 0o755, Buffer.alloc(16)), xdata: new Dict().setPtr(LAYOUT_KEY, this.layout) }
  }

  override async inodelk(_call: Call, domain: string, _loc: Loc, _cmd: number, lock: Flock): Promise<CommonResult> {
    const what = lock.type === GfLkType.UNLCK ? 'unlock' : lock.type === GfLkType.RDLCK ? 'rdlock' : 'wrlock'
    this.log.push(`${this.name} ${what} ${domain}`)
    return { xdata: undefined }
  }

  override async create(_call: Call, _loc: Loc, _flags: number, _mode: number, _umask: number, fd: Fd, xdata?: Dict): Promise<CreateResult> {
    this.log.push(`${this.name} create${xdata?.has('glusterfs.preop.parent.key') ? ' with layout check' : ''}`)
    const dir = iatt(S_IFDIR | 0o755, PARENT_GFID)
    return { fd, stat: iatt(S_IFREG | 0o644, Buffer.alloc(16, 1)), preparent: dir, postparent: dir, xdata: undefined }
  }
}

/** A 2-brick DHT whose cached layout of /d is the one before remove-brick (halves). */
function setup(decommissioned: string): { dht: Distribute; bricks: Brick[]; log: string[]; parent: Inode } {
  const log: string[] = []
  const bricks = [new Brick('v-client-0', range(0, 0x7fffffff), log), new Brick('v-client-1', range(0x80000000, 0xffffffff), log)]
  const node: VolfileNode = {
    name: 'v-dht', type: 'cluster/distribute', subvolumes: [], line: 1,
    options: new Map(decommissioned === '' ? [] : [['decommissioned-bricks', decommissioned]]),
  }
  const dht = buildXlator(distribute, node, bricks, ctx) as Distribute
  const parent = new Inode(Buffer.from(PARENT_GFID), S_IFDIR)
  const cached = layoutFromBricks('/d', bricks.map((b, i) => ({ subvolume: i, name: b.name, xattr: b.layout })))
  dht.conf.remember(parent, parent.gfid, new DirCtx('/d', cached, 0))
  return { dht, bricks, log, parent }
}

/** A name in the second half of the hash space: brick 1 in the old layout. */
function nameOnSecondHalf(): string {
  const hasher = new DhtHasher()
  for (let i = 0; ; i++) if (hasher.hashName(`f${i}`) >= 0x80000000) return `f${i}`
}

async function create(dht: Distribute, parent: Inode, name: string): Promise<void> {
  const inode = new Inode(Buffer.alloc(16), S_IFREG)
  await dht.create(CALL, { path: `/d/${name}`, name, parent, inode }, 0o1, 0o644, 0o022, new Fd(inode, 0o1, false), undefined)
}

describe('create with the hashed subvolume decommissioned (dht_create -> dht_create_lock -> dht_create_do)', () => {
  it('re-reads the parent layout under the layout-heal read lock and creates where it now says', async () => {
    const { dht, bricks, log, parent } = setup('v-client-1')
    // Fix-layout moved /d's range off brick 1; our cached layout is older.
    bricks[0]!.layout = range(0, 0xffffffff)
    bricks[1]!.layout = range(0, 0)
    await create(dht, parent, nameOnSecondHalf())
    expect(log).toEqual([
      'v-client-1 rdlock dht.layout.heal',
      'v-client-0 lookup', 'v-client-1 lookup',
      'v-client-0 create',
      'v-client-1 unlock dht.layout.heal',
    ])
  })

  it('creates on the decommissioned brick when fix-layout has not reached the parent yet', async () => {
    const { dht, log, parent } = setup('v-client-1')
    await create(dht, parent, nameOnSecondHalf())
    expect(log.filter((l) => l.includes('create'))).toEqual(['v-client-1 create'])
    expect(log[0]).toBe('v-client-1 rdlock dht.layout.heal')
  })

  it('creates straight on the hashed subvolume, with the layout check, when it is not decommissioned', async () => {
    const { dht, log, parent } = setup('v-client-0')
    await create(dht, parent, nameOnSecondHalf())
    expect(log).toEqual(['v-client-1 create with layout check'])
  })
})
