/**
 * min-free-disk on a real volume (gfts-fill2: two bricks, each on its own ~32 MiB filesystem): a
 * filler file written on a brick's filesystem, outside the brick, makes that brick "filled"
 * (below the default 10 % free). New files hashing to it must be laid out as the C client lays
 * them out: data on the other brick, a linkto on the hashed one. The bricks are read directly;
 * the C client (libgfapi) reads the data and, creating the same kind of names, must lay them out
 * the same way.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { lstatSync, rmSync, statfsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Glfs } from '../../src/api/index.ts'
import { cView, viewOf } from '../helpers/c-peer.ts'
import { brickXattr, cClient, entriesOnBricks, hashedSubvol, layoutOnBricks, namesOn, subvolumes } from '../helpers/distribute.ts'
import { mount, readText, writeText } from '../helpers/mount.ts'
import { acquireSandboxLock, sandbox, uniqueName } from '../helpers/sandbox.ts'

const sb = sandbox()
const vol = sb.volumes.fill2
const FILLER = '.gfts-min-free-filler'
const LINKTO = 'trusted.glusterfs.dht.linkto'

/** floor(f_bavail * 100 / f_blocks) of a brick filesystem: what DHT compares with min-free-disk. */
function freePercent(mnt: string): number {
  const s = statfsSync(mnt, { bigint: true })
  return Number((s.bavail * 100n) / s.blocks)
}

/** Fills `mnt` outside its brick until DHT sees `pct` % free (floor), with one preallocated file. */
function fillTo(mnt: string, pct: number): void {
  const s = statfsSync(mnt)
  const keep = Math.floor((s.blocks * (pct + 0.5)) / 100)
  execFileSync('fallocate', ['-l', String((s.bavail - keep) * s.bsize), join(mnt, FILLER)])
  expect(freePercent(mnt), `free space of ${mnt} after filling`).toBe(pct)
}

function unfill(): void {
  for (const m of vol.mountPoints) rmSync(join(m, FILLER), { force: true })
}

function gfidOf(path: string): string | undefined {
  return brickXattr(path, 'trusted.gfid')?.toString('hex')
}

/** Asserts a file of `dir` has its data on `dataOn` and, if `linkOn` is set, a linkto there naming it. */
function expectLaidOut(glfs: Glfs, path: string, dataOn: number, linkOn: number | undefined): void {
  const subs = subvolumes(glfs)
  const want = subs.map((_, i) => (i === dataOn ? 'data' : i === linkOn ? 'linkto' : undefined))
  expect(entriesOnBricks(glfs, path), path).toEqual(want)
  if (linkOn === undefined) return
  const link = join(subs[linkOn]!.brick, path)
  const st = lstatSync(link)
  expect(st.isFile()).toBe(true)
  expect(st.mode & 0o7777).toBe(0o1000) // ---------T
  expect(st.size).toBe(0)
  expect(brickXattr(link, LINKTO)?.toString()).toBe(`${subs[dataOn]!.name}\0`)
  expect(gfidOf(link)).toBe(gfidOf(join(subs[dataOn]!.brick, path)))
  expect(gfidOf(link)).toMatch(/^[0-9a-f]{32}$/)
}

describe('cluster/distribute min-free-disk on gfts-fill2', () => {
  const c = (ops: Parameters<typeof cClient>[3]) => cClient(vol.name, sb.host, sb.port, ops)
  let release: () => void
  let glfs: Glfs | undefined
  let base: string

  beforeAll(async () => {
    release = await acquireSandboxLock(vol.name)
    unfill() // left by an interrupted run
    for (const m of vol.mountPoints) expect(freePercent(m), `${m} must start mostly empty`).toBeGreaterThan(50)
    glfs = await mount('fill2')
    base = `/${uniqueName('minfree')}`
    await glfs.mkdir(base)
  })

  afterAll(async () => {
    unfill()
    try {
      if (glfs !== undefined) await glfs.rm(base, { recursive: true, force: true })
    } finally {
      await glfs?.fini()
      // Left only by a failed removal: take it off the bricks directly.
      for (const b of vol.bricks) rmSync(join(b, base), { recursive: true, force: true })
      release?.()
    }
  })

  /** A client mounted now: it reads every brick's STATFS at mount, so it sees the filler at once. */
  async function remount(): Promise<Glfs> {
    await glfs?.fini()
    glfs = undefined
    glfs = await mount('fill2')
    return glfs
  }

  it('places new files on their hashed brick while no brick is filled', async () => {
    const g = glfs!
    const layout = layoutOnBricks(g, base)
    for (const sub of [0, 1]) {
      for (const name of namesOn(layout, sub, 'free-', 3)) {
        await writeText(g, `${base}/${name}`, name)
        expectLaidOut(g, `${base}/${name}`, sub, undefined)
      }
    }
  })

  it('creates a file hashing to a filled brick on the other one, behind a linkto, as the C client does', async () => {
    fillTo(vol.mountPoints[0]!, 5)
    const g = await remount()
    const layout = layoutOnBricks(g, base)
    const ours = namesOn(layout, 0, 'ours-', 4)
    for (const name of ours) await writeText(g, `${base}/${name}`, `data of ${name}`)
    for (const name of ours) expectLaidOut(g, `${base}/${name}`, 1, 0)
    // Names hashing to the brick with room are not affected.
    const other = namesOn(layout, 1, 'ours-other-', 2)
    for (const name of other) {
      await writeText(g, `${base}/${name}`, name)
      expectLaidOut(g, `${base}/${name}`, 1, undefined)
    }
    expect(await readText(g, `${base}/${ours[0]}`)).toBe(`data of ${ours[0]}`)
    expect(await c(ours.map((n) => ['read', `${base}/${n}`] as const))).toEqual(ours.map((n) => `data of ${n}`))

    // The C client, mounted after the filler too, lays the same kind of names out the same way.
    const theirs = namesOn(layout, 0, 'theirs-', 4)
    expect(await c(theirs.map((n) => ['write', `${base}/${n}`, n] as const))).toEqual(theirs.map((n) => n.length))
    for (const name of theirs) expectLaidOut(g, `${base}/${name}`, 1, 0)
    expect(await Promise.all(theirs.map((n) => readText(g, `${base}/${n}`)))).toEqual(theirs)
  })

  it('takes more data than the filled brick has room for, readable by both clients', async () => {
    const g = glfs!
    const name = namesOn(layoutOnBricks(g, base), 0, 'big-', 1)[0]!
    const free = statfsSync(vol.mountPoints[0]!)
    const data = randomBytes(Math.max(4 << 20, 2 * free.bavail * free.bsize))
    expect(data.length).toBeGreaterThan(free.bavail * free.bsize)
    const fd = await g.creat(`${base}/${name}`, 'w')
    try {
      let off = 0
      while (off < data.length) off += await fd.pwrite(data.subarray(off, off + (1 << 20)), off)
    } finally {
      await fd.close()
    }
    expectLaidOut(g, `${base}/${name}`, 1, 0)
    const back = await g.open(`${base}/${name}`, 'r')
    try {
      expect((await back.pread(data.length, 0)).equals(data)).toBe(true)
    } finally {
      await back.close()
    }
    expect(await cView(vol.name, `${base}/${name}`)).toEqual(viewOf(data))
  })

  it('gives a filled brick no range in a new directory\'s layout, as the C client does', async () => {
    const g = glfs!
    // One directory name hashing to each brick, by each client: the filled one is then the
    // hashed brick of one mkdir and another brick of the other.
    const layout = layoutOnBricks(g, base)
    const tag = uniqueName('d')
    const ours = [0, 1].map((sub) => `${base}/${namesOn(layout, sub, `${tag}-ours-`, 1)[0]}`)
    const theirs = [0, 1].map((sub) => `${base}/${namesOn(layout, sub, `${tag}-theirs-`, 1)[0]}`)
    for (const dir of ours) await g.mkdir(dir)
    expect(await c(theirs.map((d) => ['mkdir', d] as const))).toEqual([0, 0])
    for (const dir of [...ours, ...theirs]) {
      const layout = layoutOnBricks(g, dir)
      const on = layout.entries.map((e) => [e.subvolume, e.start, e.stop])
      expect(on, dir).toEqual([[0, 0, 0], [1, 0, 0xffffffff]])
      // C zeroes the layout of a brick left without a range (commit hash, type, range all 0).
      expect(brickXattr(join(vol.bricks[0]!, dir), 'trusted.glusterfs.dht')?.toString('hex'), dir).toBe('0'.repeat(32))
    }
  })

  it('with every brick filled, sends a new file to the brick with the most free space, as the C client does', async () => {
    // Brick 0 at 5 %, brick 1 at 7 %: both below 10 %.
    fillTo(vol.mountPoints[1]!, 7)
    expect(freePercent(vol.mountPoints[0]!)).toBe(5)
    const g = await remount()
    const layout = layoutOnBricks(g, base)
    const to0 = namesOn(layout, 0, 'full-a-', 2)
    const to1 = namesOn(layout, 1, 'full-b-', 2)
    for (const name of [...to0, ...to1]) await writeText(g, `${base}/${name}`, name)
    for (const name of to0) expectLaidOut(g, `${base}/${name}`, 1, 0)
    for (const name of to1) expectLaidOut(g, `${base}/${name}`, 1, undefined)

    const c0 = namesOn(layout, 0, 'cfull-a-', 2)
    const c1 = namesOn(layout, 1, 'cfull-b-', 2)
    await c([...c0, ...c1].map((n) => ['write', `${base}/${n}`, n] as const))
    for (const name of c0) expectLaidOut(g, `${base}/${name}`, 1, 0)
    for (const name of c1) expectLaidOut(g, `${base}/${name}`, 1, undefined)
    expect(hashedSubvol(layout, c0[0]!)).toBe(0)

    // A new directory still spreads over both bricks when no brick has room (dht_selfheal_layout_new_directory).
    const ours = `${base}/${uniqueName('alldir')}`
    const theirs = `${base}/${uniqueName('calldir')}`
    await g.mkdir(ours)
    expect(await c([['mkdir', theirs]])).toEqual([0])
    for (const dir of [ours, theirs]) {
      const ranges = layoutOnBricks(g, dir).entries.map((e) => e.stop - e.start)
      expect(ranges.every((r) => r > 0x70000000), `${dir}: ${ranges.join(', ')}`).toBe(true)
    }
  })
})
