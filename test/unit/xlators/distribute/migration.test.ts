import { describe, expect, it } from 'vitest'
import { Dict } from '../../../../src/rpc/programs/fops/dict.ts'
import { Iatt } from '../../../../src/rpc/programs/fops/iatt.ts'
import { errnoOf } from '../../../../src/rpc/errno.ts'
import { GlusterError } from '../../../../src/rpc/errors.ts'
import type { Distribute } from '../../../../src/xlators/distribute/distribute.ts'
import { distribute } from '../../../../src/xlators/distribute/index.ts'
import { migrationPhase } from '../../../../src/xlators/distribute/merge.ts'
import { PROTECT_WRITES_KEY, withKey } from '../../../../src/xlators/distribute/migration.ts'
import { FileCtx } from '../../../../src/xlators/distribute/state.ts'
import {
  type Call, Fd, Inode, type Loc, type LookupResult, type OpenResult, type WriteResult, type XattrResult,
} from '../../../../src/xlators/types.ts'
import type { VolfileNode } from '../../../../src/xlators/volfile.ts'
import { Xlator, buildXlator } from '../../../../src/xlators/xlator.ts'
import { TEST_GRAPH, testInit } from '../../../helpers/xlator-init.ts'
import { S_IFDIR, S_IFREG } from '../../../../src/rpc/linux.ts'


function iatt(mode: number): Iatt {
  const ia = new Iatt(Buffer.alloc(16))
  ia.mode = mode
  return ia
}

describe('migrationPhase (IS_DHT_MIGRATION_PHASE1/PHASE2)', () => {
  it('sees no migration on ordinary files and directories', () => {
    for (const mode of [S_IFREG | 0o644, S_IFREG | 0o2755, S_IFREG | 0o4755, S_IFDIR | 0o1777, S_IFDIR | 0o3777]) {
      expect(migrationPhase(iatt(mode)), mode.toString(8)).toBe(0)
    }
  })

  it('sees phase 1 in a regular file with both the sticky and setgid bits, whatever its permissions', () => {
    for (const perm of [0o644, 0o600, 0o777, 0o000, 0o4755]) expect(migrationPhase(iatt(S_IFREG | 0o3000 | perm)), perm.toString(8)).toBe(1)
  })

  it('sees phase 2 only when the mode is exactly ---------T (the source became a linkto file)', () => {
    expect(migrationPhase(iatt(S_IFREG | 0o1000))).toBe(2)
    // Sticky with permissions is a user's file, not a linkto.
    expect(migrationPhase(iatt(S_IFREG | 0o1644))).toBe(0)
  })
})

describe('withKey', () => {
  it('adds the key to a copy and leaves the caller\'s xdata untouched', () => {
    const mine = new Dict().setStr('a', 'b')
    const out = withKey(mine, PROTECT_WRITES_KEY)
    expect(out.has(PROTECT_WRITES_KEY)).toBe(true)
    expect(out.getStr('a')).toBe('b')
    expect(mine.has(PROTECT_WRITES_KEY)).toBe(false)
    expect(withKey(undefined, PROTECT_WRITES_KEY).size).toBe(1)
  })
})

// The per-fd serialization: many writes in flight meet the migration together, and the fd is
// opened on the destination once. Fake subvolumes answer as bricks do in each phase.

const GFID = Buffer.alloc(16, 7)
const ctx = TEST_GRAPH
const node: VolfileNode = { name: 'v-dht', type: 'cluster/distribute', options: new Map(), subvolumes: [], line: 1 }
const CALL: Call = { pid: 1, uid: 0, gid: 0, groups: [], lkOwner: Buffer.alloc(8, 1) }

/** A brick holding the file: `mode` is what its replies' iatts say; it counts what it is sent. */
class FakeBrick extends Xlator {
  mode = S_IFREG | 0o644
  linkto: string | undefined
  opens = 0
  readonly writes: { offset: number; protect: boolean }[] = []

  #iatt(): Iatt {
    const ia = iatt(this.mode)
    ia.gfid = Buffer.from(GFID)
    return ia
  }

  override async open(_call: Call, _loc: Loc, _flags: number, fd: Fd): Promise<OpenResult> {
    this.opens++
    await new Promise((r) => setImmediate(r))
    return { fd, xdata: undefined }
  }

  override async writev(_call: Call, _fd: Fd, _data: Buffer, offset: number, _flags: number, xdata?: Dict): Promise<WriteResult> {
    this.writes.push({ offset, protect: xdata?.has(PROTECT_WRITES_KEY) ?? false })
    return { size: 4096, prestat: this.#iatt(), poststat: this.#iatt(), xdata: undefined }
  }

  override async fgetxattr(_call: Call, _fd: Fd, name: string): Promise<XattrResult> {
    if (this.linkto === undefined) throw new GlusterError({ errno: errnoOf('ENODATA'), syscall: 'fgetxattr' })
    return { dict: new Dict().setStr(name, this.linkto), xdata: undefined }
  }

  override async lookup(_call: Call, _loc: Loc): Promise<LookupResult> {
    const xdata = this.linkto === undefined ? undefined : new Dict().setStr('trusted.glusterfs.dht.linkto', this.linkto)
    return { stat: this.#iatt(), postparent: iatt(S_IFDIR | 0o755), xdata }
  }
}

async function openedOn(dht: Distribute, src: FakeBrick): Promise<Fd> {
  const inode = new Inode(Buffer.from(GFID), S_IFREG)
  dht.conf.remember(inode, inode.gfid, new FileCtx(0))
  const fd = new Fd(inode, 2, false)
  await dht.open(CALL, { path: '/f', name: '', parent: undefined, inode }, 2, fd)
  expect(src.opens).toBe(1)
  return fd
}

describe('files migrating under an open fd', () => {
  it('phase 1: every write in flight reaches the destination too, marked, through one open', async () => {
    const src = new FakeBrick(testInit('v-client-0', 'protocol/client'))
    const dst = new FakeBrick(testInit('v-client-1', 'protocol/client'))
    const dht = buildXlator(distribute, node, [src, dst], ctx) as Distribute
    const fd = await openedOn(dht, src)
    src.mode = S_IFREG | 0o3644
    src.linkto = 'v-client-1'
    dst.mode = S_IFREG | 0o1000
    dst.linkto = 'v-client-0'
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => dht.writev(CALL, fd, Buffer.alloc(4096), i * 4096, 0)))
    expect(dst.opens).toBe(1)
    expect(src.writes).toHaveLength(20)
    expect(dst.writes.map((w) => w.offset).sort((a, b) => a - b)).toEqual(src.writes.map((w) => w.offset).sort((a, b) => a - b))
    expect(dst.writes.every((w) => w.protect)).toBe(true)
    // Callers never see the migration bits.
    for (const r of results) expect(r.poststat.mode).toBe(S_IFREG | 0o644)
  })

  it('phase 2: writes answered by the source that became a linkto are sent again where the file is, the fd opened there once', async () => {
    const src = new FakeBrick(testInit('v-client-0', 'protocol/client'))
    const dst = new FakeBrick(testInit('v-client-1', 'protocol/client'))
    const dht = buildXlator(distribute, node, [src, dst], ctx) as Distribute
    const fd = await openedOn(dht, src)
    src.mode = S_IFREG | 0o1000
    src.linkto = 'v-client-1'
    await Promise.all(Array.from({ length: 20 }, (_, i) => dht.writev(CALL, fd, Buffer.alloc(4096), i * 4096, 0)))
    expect(dst.opens).toBe(1)
    expect(dst.writes).toHaveLength(20)
    expect(dst.writes.some((w) => w.protect)).toBe(false)
    // Later writes go straight to the new subvolume.
    src.writes.length = 0
    await dht.writev(CALL, fd, Buffer.alloc(4096), 0, 0)
    expect(src.writes).toHaveLength(0)
    expect(dst.writes).toHaveLength(21)
  })

  it('an anonymous fd (shard blocks) writes where a lookup by name found the file, and follows a migration with no OPEN anywhere', async () => {
    const a = new FakeBrick(testInit('v-client-0', 'protocol/client'))
    const b = new FakeBrick(testInit('v-client-1', 'protocol/client'))
    const dht = buildXlator(distribute, node, [a, b], ctx) as Distribute
    const inode = new Inode(Buffer.from(GFID), S_IFREG)
    dht.conf.remember(undefined, inode.gfid, new FileCtx(1))
    const fd = new Fd(inode, 2, false, true)
    await dht.writev(CALL, fd, Buffer.alloc(4096), 0, 0)
    expect([a.writes.length, b.writes.length]).toEqual([0, 1])
    b.mode = S_IFREG | 0o1000
    b.linkto = 'v-client-0'
    await dht.writev(CALL, fd, Buffer.alloc(4096), 4096, 0)
    await dht.writev(CALL, fd, Buffer.alloc(4096), 8192, 0)
    expect(a.writes.map((w) => w.offset)).toEqual([4096, 8192])
    expect(a.opens + b.opens).toBe(0)
    // One it knows nothing of is refused, not sent to some subvolume.
    const unknown = new Fd(new Inode(Buffer.alloc(16, 9), S_IFREG), 2, false, true)
    await expect(dht.writev(CALL, unknown, Buffer.alloc(4096), 0, 0)).rejects.toMatchObject({ code: 'EBADF', syscall: 'write' })
  })

  it('leaves a file with the mode bits but no linkto xattr alone (not a migration of this DHT)', async () => {
    const src = new FakeBrick(testInit('v-client-0', 'protocol/client'))
    const dst = new FakeBrick(testInit('v-client-1', 'protocol/client'))
    const dht = buildXlator(distribute, node, [src, dst], ctx) as Distribute
    const fd = await openedOn(dht, src)
    src.mode = S_IFREG | 0o1000
    const r = await dht.writev(CALL, fd, Buffer.alloc(4096), 0, 0)
    expect(r.poststat.mode).toBe(S_IFREG | 0o1000)
    expect(dst.opens + dst.writes.length).toBe(0)
  })
})
