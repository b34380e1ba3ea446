import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Glfs } from '../../src/api/index.ts'
import { gluster, sandbox, uniqueName } from '../helpers/sandbox.ts'
import { nextGraphSwitch } from '../helpers/mount.ts'
import {
  brickXattr, cClient, dataSubvols, entriesOnBricks, hashedSubvol, layoutOnBricks, namesOn, setBrickXattr, subvolumes,
} from '../helpers/distribute.ts'

// A volume with a `remove-brick start` in progress (the client volfile names the brick in
// cluster/distribute's `decommissioned-bricks`): this client must place new files and lay out new
// directories exactly as the C client does (dht-common.c dht_create/dht_mknod, dht-selfheal.c
// dht_get_layout_count). Each test makes its own volume.

const sb = sandbox()
const BRICKS_ROOT = '/var/lib/gfapi-ts-sandbox/i21b'
const LAYOUT = 'trusted.glusterfs.dht'

const cleanups: (() => Promise<void> | void)[] = []

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function createVolume(bricks: number): { name: string; brick: (i: number) => string } {
  const name = uniqueName('gfts-i21b')
  const dir = join(BRICKS_ROOT, name)
  mkdirSync(dir, { recursive: true })
  cleanups.push(() => {
    try {
      gluster(['volume', 'stop', name, 'force'])
      gluster(['volume', 'delete', name])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
  const brick = (i: number): string => join(dir, `b${i}`)
  gluster(['volume', 'create', name, ...Array.from({ length: bricks }, (_, i) => `${sb.host}:${brick(i)}`), 'force'])
  gluster(['volume', 'start', name])
  return { name, brick }
}

async function mount(volume: string): Promise<Glfs> {
  const glfs = new Glfs(volume)
  glfs.setVolfileServer('tcp', sb.host, sb.port)
  await glfs.init()
  cleanups.push(() => glfs.fini().catch(() => undefined))
  return glfs
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

async function waitRemoveBrick(volume: string, brick: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const xml = gluster(['volume', 'remove-brick', volume, brick, 'status', '--xml'])
    const status = /<aggregate>[\s\S]*?<statusStr>([^<]*)<\/statusStr>/.exec(xml)?.[1] ?? ''
    if (status === 'completed') return
    if (status === 'failed' || Date.now() > deadline) throw new Error(`remove-brick ${brick}: ${status || xml.slice(0, 500)}`)
    await sleep(500)
  }
}

async function createFile(glfs: Glfs, path: string, data: string): Promise<void> {
  const fd = await glfs.creat(path, 'w')
  await fd.pwrite(Buffer.from(data), 0)
  await fd.close()
}

describe('cluster/distribute during remove-brick start (decommissioned-bricks)', () => {
  it('creates files and lays out directories where the C client does', async () => {
    const vol = createVolume(3)
    const glfs = await mount(vol.name)
    await glfs.mkdir('/fixed')
    await glfs.mkdir('/unfixed')
    // Our cached layouts of both directories are the ones before the remove-brick.
    await glfs.readdir('/fixed')
    await glfs.readdir('/unfixed')
    const oldFixed = layoutOnBricks(glfs, '/fixed')
    const oldUnfixed = subvolumes(glfs).map((s) => brickXattr(join(s.brick, '/unfixed'), LAYOUT))
    const [ours, theirs] = namesOn(oldFixed, 2, 'f', 2) as [string, string]
    const [oursU, theirsU] = namesOn(layoutOnBricks(glfs, '/unfixed'), 2, 'u', 2) as [string, string]

    const brick = `${sb.host}:${vol.brick(2)}`
    const switched = nextGraphSwitch(glfs, 60_000, true)
    gluster(['volume', 'remove-brick', vol.name, brick, 'start'])
    await switched
    await waitRemoveBrick(vol.name, brick)

    // Fix-layout went over /fixed: brick 2 has no range there any more. A name that hashed to
    // brick 2 goes where the new layout says, as the C client's twin name does; no linkto.
    const newFixed = layoutOnBricks(glfs, '/fixed')
    const rangeOf2 = newFixed.entries.find((e) => e.subvolume === 2)!
    expect([rangeOf2.start, rangeOf2.stop]).toEqual([0, 0])
    await createFile(glfs, `/fixed/${ours}`, 'ours')
    expect(await cClient(vol.name, sb.host, sb.port, [['write', `/fixed/${theirs}`, 'theirs'], ['read', `/fixed/${ours}`]])).toEqual([6, 'ours'])
    for (const name of [ours, theirs]) {
      const at = hashedSubvol(newFixed, name)
      expect(at).not.toBe(2)
      expect(entriesOnBricks(glfs, `/fixed/${name}`)).toEqual([0, 1, 2].map((i) => (i === at ? 'data' : undefined)))
    }

    // Fix-layout "has not reached" /unfixed (its old layout put back on the bricks): the name is
    // created on the decommissioned brick, as C does, for the rebalance to move later.
    subvolumes(glfs).forEach((s, i) => setBrickXattr(join(s.brick, '/unfixed'), LAYOUT, oldUnfixed[i]!))
    await createFile(glfs, `/unfixed/${oursU}`, 'ours')
    expect(await cClient(vol.name, sb.host, sb.port, [['write', `/unfixed/${theirsU}`, 'theirs']])).toEqual([6])
    expect(dataSubvols(glfs, `/unfixed/${theirsU}`)).toEqual([2])
    expect(entriesOnBricks(glfs, `/unfixed/${oursU}`)).toEqual([undefined, undefined, 'data'])

    // A new directory: no range on the decommissioned brick, byte for byte the layout a C
    // client's mkdir of the same path writes.
    await glfs.mkdir('/newdir')
    const mine = subvolumes(glfs).map((s) => brickXattr(join(s.brick, '/newdir'), LAYOUT)?.toString('hex'))
    const layout = layoutOnBricks(glfs, '/newdir')
    const on2 = layout.entries.find((e) => e.subvolume === 2)!
    expect([on2.start, on2.stop]).toEqual([0, 0])
    expect(layout.entries.filter((e) => e.stop > e.start).map((e) => e.subvolume).sort()).toEqual([0, 1])
    await glfs.rmdir('/newdir')
    expect(await cClient(vol.name, sb.host, sb.port, [['mkdir', '/newdir']])).toEqual([0])
    const theirsLayout = subvolumes(glfs).map((s) => brickXattr(join(s.brick, '/newdir'), LAYOUT)?.toString('hex'))
    console.log(`remove-brick: /newdir layout ours ${JSON.stringify(mine)}, C ${JSON.stringify(theirsLayout)}`)
    expect(mine).toEqual(theirsLayout)

    // The commit drops the brick: everything we created is still found, by us and by C.
    const committed = nextGraphSwitch(glfs, 60_000, true)
    gluster(['volume', 'remove-brick', vol.name, brick, 'commit'])
    await committed
    expect((await glfs.stat(`/fixed/${ours}`)).size).toBe(4)
    expect((await glfs.stat(`/fixed/${theirs}`)).size).toBe(6)
  }, 300_000)
})
