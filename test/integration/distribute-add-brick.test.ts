import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Glfs } from '../../src/api/index.ts'
import { gluster, sandbox, uniqueName } from '../helpers/sandbox.ts'
import { readText, writeText } from '../helpers/mount.ts'
import {
  brickXattr, cClient, dataSubvols, entriesOnBricks, hashedSubvol, layoutOnBricks, subvolumes,
} from '../helpers/distribute.ts'

// A volume of its own: adding a brick and rebalancing must not touch the shared gfts-* volumes.
const sb = sandbox()
const volume = uniqueName('gftsdht')
let root: string
const mounts: Glfs[] = []

/**
 * Mounts the test volume. Another test file may be restarting glusterd right now (it is shared):
 * a mount refused by a glusterd going away is tried again, for a bounded time.
 */
async function mountVolume(): Promise<Glfs> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const glfs = new Glfs(volume)
    glfs.setVolfileServer('tcp', sb.host, sb.port)
    try {
      await glfs.init()
      mounts.push(glfs)
      return glfs
    } catch (err) {
      const code = (err as { code?: string }).code
      if (Date.now() > deadline || !['ENOTCONN', 'ECONNREFUSED', 'ECONNRESET'].includes(code ?? '')) throw err
      await new Promise((r) => setTimeout(r, 1000))
    }
  }
}

const hex = (words: string): string => words.replace(/ /g, '')

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'gfts-dht-'))
  gluster(['volume', 'create', volume, `${sb.host}:${root}/b0`, `${sb.host}:${root}/b1`, 'force'])
  gluster(['volume', 'start', volume])
})

afterAll(async () => {
  for (const m of mounts) await m.fini().catch(() => undefined)
  try {
    gluster(['volume', 'stop', volume, 'force'])
    gluster(['volume', 'delete', volume])
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

describe('cluster/distribute on a volume that grows', () => {
  it('lays out a fresh volume\'s root exactly as the C client would', async () => {
    await mountVolume()
    // The C client's self-heal of a new 2-brick root (gluster-wire.md §6.1 [wire]): commit hash 1
    // (DHT_LAYOUT_HASH_INVALID), the first range on the subvolume hash("/") % 2 = 0.
    expect(brickXattr(join(root, 'b0'), 'trusted.glusterfs.dht')?.toString('hex')).toBe(hex('00000001 00000000 00000000 7ffffffe'))
    expect(brickXattr(join(root, 'b1'), 'trusted.glusterfs.dht')?.toString('hex')).toBe(hex('00000001 00000000 7fffffff ffffffff'))
  })

  it('follows the layout add-brick and fix-layout give: old files found, new ones placed as the C client places them', async () => {
    const before = mounts[0]!
    await before.mkdir('/d')
    const old = Array.from({ length: 60 }, (_, i) => `old-${i}`)
    for (const n of old) await writeText(before, `/d/${n}`, `content of ${n}`)
    await before.fini()

    gluster(['volume', 'add-brick', volume, `${sb.host}:${root}/b2`, 'force'])
    gluster(['volume', 'rebalance', volume, 'fix-layout', 'start'])
    const deadline = Date.now() + 120_000
    while (!/fix-layout completed/.test(gluster(['volume', 'rebalance', volume, 'status']))) {
      if (Date.now() > deadline) throw new Error(`fix-layout of ${volume} did not complete`)
      await new Promise((r) => setTimeout(r, 500))
    }

    const glfs = await mountVolume()
    expect(subvolumes(glfs)).toHaveLength(3)
    const layout = layoutOnBricks(glfs, '/d')
    expect(layout.entries.every((e) => e.stop > e.start)).toBe(true)
    // Old files stay where they were; those whose name now hashes to the new brick are found
    // because /d's layout is older than the volume (its commit hash differs): lookup everywhere.
    const displaced = old.filter((n) => hashedSubvol(layout, n) !== dataSubvols(glfs, `/d/${n}`)[0])
    expect(displaced.length).toBeGreaterThan(5)
    for (const n of old) expect(await readText(glfs, `/d/${n}`)).toBe(`content of ${n}`)
    expect((await glfs.readdir('/d')).sort()).toEqual([...old].sort())

    const fresh = Array.from({ length: 90 }, (_, i) => `new-${i}`)
    for (const n of fresh) await writeText(glfs, `/d/${n}`, n)
    const ours = fresh.map((n) => dataSubvols(glfs, `/d/${n}`))
    fresh.forEach((n, i) => expect(ours[i], n).toEqual([hashedSubvol(layout, n)]))
    expect(ours.filter((o) => o[0] === 2).length).toBeGreaterThan(10)

    // The C client puts the same names on the same bricks, and reads the old files.
    for (const n of fresh) await glfs.unlink(`/d/${n}`)
    const c = await cClient(volume, sb.host, sb.port, [
      ...fresh.map((n) => ['write', `/d/${n}`, n] as const),
      ...displaced.slice(0, 5).map((n) => ['read', `/d/${n}`] as const),
    ])
    expect(c).toEqual([...fresh.map((n) => n.length), ...displaced.slice(0, 5).map((n) => `content of ${n}`)])
    fresh.forEach((n, i) => expect(dataSubvols(glfs, `/d/${n}`), n).toEqual(ours[i]))
    expect(entriesOnBricks(glfs, `/d/${fresh[0]}`).filter((e) => e === 'linkto')).toEqual([])
  })

  it('gives directories made after the rebalance the volume\'s new commit hash, as the C client does', async () => {
    const glfs = mounts[mounts.length - 1]!
    const text = brickXattr(join(root, 'b0'), 'trusted.glusterfs.dht.commithash')?.toString().replace(/\0$/, '')
    const commit = Number(text)
    expect(commit).toBeGreaterThan(1)
    await glfs.mkdir('/e')
    const ours = subvolumes(glfs).map((s) => brickXattr(join(s.brick, 'e'), 'trusted.glusterfs.dht')!)
    for (const v of ours) expect(v.readUInt32BE(0)).toBe(commit)
    await glfs.rmdir('/e')
    expect(await cClient(volume, sb.host, sb.port, [['mkdir', '/e']])).toEqual([0])
    const theirs = subvolumes(glfs).map((s) => brickXattr(join(s.brick, 'e'), 'trusted.glusterfs.dht')!)
    expect(ours.map((v) => v.toString('hex'))).toEqual(theirs.map((v) => v.toString('hex')))
  })
})
