/**
 * A distribute volume with a brick down before the mount: it mounts as libgfapi does, the files
 * of the down brick fail ENOTCONN at once and nothing meant for it lands elsewhere, the others
 * work, and when the brick comes back its files work without a remount. The C client then reads
 * everything written meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BrickInfo, Glfs } from '../../src/api/index.ts'
import { GlusterError } from '../../src/rpc/errors.ts'
import { killBrick, restartVolume, sandbox } from '../helpers/sandbox.ts'
import { cClient, dataSubvols, entriesOnBricks, hashedSubvol, layoutOnBricks } from '../helpers/distribute.ts'
import { type ThrowawayVolume, createDistributeVolume, mountVolume } from '../helpers/throwaway-volume.ts'
import { readText, writeText } from '../helpers/mount.ts'

const sb = sandbox()
const FILES = Array.from({ length: 15 }, (_, i) => `f${i}`)
const content = (name: string, who: string): string => `${name} written by ${who}\n`

/** The rejection of `p` and how long it took to come. */
async function failure(p: Promise<unknown>): Promise<{ err: GlusterError; ms: number }> {
  const t0 = Date.now()
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(GlusterError)
  return { err: err as GlusterError, ms: Date.now() - t0 }
}

describe('distribute volume with a brick down before the mount', () => {
  let vol: ThrowawayVolume
  let glfs: Glfs | undefined
  beforeAll(async () => {
    vol = createDistributeVolume('degraded', 3)
    const r = await cClient(vol.name, sb.host, sb.port, [['mkdir', '/keep'], ...FILES.map((n) => ['write', `/${n}`, content(n, 'libgfapi')] as const)])
    expect(r[0]).toBe(0)
    expect(r.slice(1).every((x) => typeof x === 'number')).toBe(true)
  }, 180_000)
  afterAll(async () => {
    await glfs?.fini()
    vol?.destroy()
  }, 120_000)

  it('mounts, fails the down brick\'s files ENOTCONN, serves the rest, and picks the brick up again', async () => {
    glfs = new Glfs(vol.name)
    const up: BrickInfo[] = []
    glfs.on('brick-up', (b: BrickInfo) => up.push(b))

    // The files' bricks, read off the brick directories (a fresh volume: no linkto files).
    const probe = await mountVolume(vol.name)
    const where = new Map(FILES.map((n) => [n, dataSubvols(probe, `/${n}`)[0]!]))
    const rootLayout = layoutOnBricks(probe, '/')
    await probe.fini()
    const counts = [0, 1, 2].map((i) => FILES.filter((n) => where.get(n) === i).length)
    const dead = counts.indexOf(Math.max(...counts))
    expect(counts[dead]).toBeGreaterThan(0)
    const deadBrick = vol.bricks[dead]!
    const onDead = FILES.filter((n) => where.get(n) === dead)
    const onLive = FILES.filter((n) => where.get(n) !== dead)
    expect(onLive.length).toBeGreaterThan(0)

    await killBrick(vol.name, deadBrick)
    await mountVolume(vol.name, glfs)
    expect(up.map((b) => b.path).sort()).toEqual(vol.bricks.filter((b) => b !== deadBrick).sort())
    expect(glfs.bricks.find((b) => b.path === deadBrick)?.status).not.toBe('connected')

    for (const n of onDead) {
      const { err, ms } = await failure(readText(glfs, `/${n}`))
      expect(err.code).toBe('ENOTCONN')
      expect(err.message).toContain(deadBrick)
      expect(ms).toBeLessThan(5000)
    }
    for (const n of onLive) expect(await readText(glfs, `/${n}`)).toBe(content(n, 'libgfapi'))
    // The root and the volume's sizes answer from the bricks that are up (dht_statfs sums them).
    expect((await glfs.stat('/')).isDirectory()).toBe(true)
    expect((await glfs.statvfs('/')).blocks).toBeGreaterThan(0)
    // A listing has what the bricks that are up hold (dht_readdirp skips a down subvolume).
    expect((await glfs.readdir('/')).filter((n) => n !== '.' && n !== '..').sort()).toEqual([...onLive, 'keep'].sort())
    // rmdir needs every brick (the copy on the down one would come back): refused, nothing removed.
    const rm = await failure(glfs.rmdir('/keep'))
    expect(rm.err.code).toBe('ENOTCONN')
    expect(entriesOnBricks(glfs, '/keep')).toEqual(['dir', 'dir', 'dir'])

    // New names: those hashed to the down brick fail and are created nowhere else.
    const fresh = Array.from({ length: 15 }, (_, i) => `new${i}`)
    const created: string[] = []
    for (const n of fresh) {
      if (hashedSubvol(rootLayout, n) === dead) {
        const { err, ms } = await failure(writeText(glfs, `/${n}`, content(n, 'gfapi-ts')))
        expect(err.code).toBe('ENOTCONN')
        expect(err.message).toContain(deadBrick)
        expect(ms).toBeLessThan(5000)
        expect(entriesOnBricks(glfs, `/${n}`)).toEqual([undefined, undefined, undefined])
      } else {
        await writeText(glfs, `/${n}`, content(n, 'gfapi-ts'))
        expect(dataSubvols(glfs, `/${n}`)).toEqual([hashedSubvol(rootLayout, n)])
        created.push(n)
      }
    }
    expect(created.length).toBeGreaterThan(0)
    expect(created.length).toBeLessThan(fresh.length)
    // An overwrite of a file on a brick that is up.
    const overwritten = onLive[0]!
    await writeText(glfs, `/${overwritten}`, content(overwritten, 'gfapi-ts'))
    // mkdir works as in C (dht_mkdir_cbk, dht_selfheal_new_directory): the bricks that are up get
    // the directory and share the whole hash range; the down brick gets it, without a range, from
    // the first lookup after it is back. So every file created in it has a brick that is up.
    await glfs.mkdir('/d')
    expect(entriesOnBricks(glfs, '/d')[dead]).toBeUndefined()
    const dLayout = layoutOnBricks(glfs, '/d')
    expect(dLayout.entries.filter((e) => e.start < e.stop).map((e) => e.subvolume).sort()).toEqual([0, 1, 2].filter((i) => i !== dead))
    const inD = Array.from({ length: 6 }, (_, i) => `d${i}`)
    for (const n of inD) await writeText(glfs, `/d/${n}`, content(n, 'gfapi-ts'))

    // The brick comes back: its files work on the same mount once 'brick-up' fired for it.
    const back = new Promise<void>((resolve) => {
      glfs!.on('brick-up', (b: BrickInfo) => {
        if (b.path === deadBrick) resolve()
      })
    })
    await restartVolume(vol.name)
    await Promise.race([back, new Promise((_, reject) => setTimeout(() => reject(new Error('no brick-up within 30 s')), 30_000))])
    for (const n of onDead) expect(await readText(glfs, `/${n}`)).toBe(content(n, 'libgfapi'))
    await glfs.fini()
    glfs = undefined

    // The C client sees exactly what we wrote meanwhile.
    const reads = await cClient(vol.name, sb.host, sb.port, [
      ...created.map((n) => ['read', `/${n}`] as const),
      ['read', `/${overwritten}`],
      ['list', '/'],
      ['list', '/d'],
      ...inD.map((n) => ['read', `/d/${n}`] as const),
    ])
    expect(reads.slice(0, created.length)).toEqual(created.map((n) => content(n, 'gfapi-ts')))
    expect(reads[created.length]).toBe(content(overwritten, 'gfapi-ts'))
    expect((reads[created.length + 1] as string[]).sort()).toEqual([...FILES, ...created, 'd', 'keep'].sort())
    expect((reads[created.length + 2] as string[]).sort()).toEqual(inD)
    expect(reads.slice(created.length + 3)).toEqual(inD.map((n) => content(n, 'gfapi-ts')))
  }, 240_000)

  it('fails init() as before when no brick is reachable, leaving nothing running', async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    for (const b of vol.bricks) await killBrick(vol.name, b)
    try {
      const lone = new Glfs(vol.name)
      const { err } = await failure(mountVolume(vol.name, lone))
      expect(err.code).toBe('ENOTCONN')
      expect(err.volume).toBe(vol.name)
      expect(vol.bricks.some((b) => err.message.includes(b))).toBe(true)
      expect(lone.bricks).toEqual([])
      // no reconnect timer of the failed graph is left armed
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBeLessThanOrEqual(timersBefore)
    } finally {
      await restartVolume(vol.name)
    }
  }, 120_000)
})
