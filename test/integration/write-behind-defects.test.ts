/**
 * Defects of write-behind and the fd layer that lost or hid data (issue #19), each reproduced on
 * the 3-brick distribute volume with write-behind on (or on gfts-tiny where the brick must be
 * stopped), with the C client (libgfapi) reading the result.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Glfs, GlusterError, O_APPEND, O_CREAT, O_RDWR, O_TRUNC, O_WRONLY } from '../../src/api/index.ts'
import { cRead, cSize } from '../helpers/c-peer.ts'
import { freeze } from '../helpers/freeze.ts'
import { brickPids, sandbox, uniqueName, withSandboxLock } from '../helpers/sandbox.ts'
import { entriesOnBricks, layoutOnBricks, namesOn, subvolumes } from '../helpers/distribute.ts'

const KiB = 1024
const MiB = 1024 * KiB
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

async function mount(volume: string, options: { callTimeoutMs?: number; pingTimeoutMs?: number } = {}, wb: Record<string, string> = {}): Promise<Glfs> {
  const sb = sandbox()
  const glfs = new Glfs(volume, options)
  glfs.setVolfileServer('tcp', sb.host, sb.port)
  for (const [key, value] of Object.entries(wb)) glfs.setXlatorOption('*-write-behind', key, value)
  await glfs.init()
  return glfs
}

/** Mount gfts-dist3, run `fn` on a fresh path, then unlink it and unmount. */
async function onDist3(wb: Record<string, string>, fn: (glfs: Glfs, path: string, volume: string) => Promise<void>): Promise<void> {
  const volume = sandbox().volumes.dist3.name
  const glfs = await mount(volume, {}, wb)
  const path = `/${uniqueName('wbd')}.bin`
  try {
    await fn(glfs, path, volume)
  } finally {
    await glfs.unlink(path).catch(() => undefined)
    await glfs.fini()
  }
}

describe('write-behind defects (#19), judged by the C client', () => {
  it('orders an acknowledged O_APPEND write after the cached writes of another fd (bug 1)', async () => {
    await onDist3({}, async (glfs, path, volume) => {
      const fd2 = await glfs.creat(path, O_RDWR | O_CREAT | O_TRUNC)
      const fdA = await glfs.open(path, O_WRONLY | O_APPEND)
      expect(await fd2.pwrite(Buffer.alloc(4 * KiB, 'A'), 0)).toBe(4 * KiB)
      expect(await fd2.pwrite(Buffer.alloc(8 * KiB, 'B'), 0)).toBe(8 * KiB)
      expect(await fdA.pwrite(Buffer.alloc(10, 'X'), 100_000)).toBe(10)
      await fd2.fsync()
      await fdA.fsync()
      await fd2.close()
      await fdA.close()
      const seen = await cRead(volume, path, 0, -1)
      expect(seen.length).toBe(8202)
      expect(seen.subarray(0, 8192).equals(Buffer.alloc(8192, 'B'))).toBe(true)
      expect(seen.subarray(8192).toString()).toBe('XXXXXXXXXX')
    })
  })

  it('reads zeros inside a hole after an O_APPEND write with a meaningless offset (bug 2, repro A)', async () => {
    await onDist3({}, async (glfs, path, volume) => {
      const fd2 = await glfs.creat(path, O_RDWR | O_CREAT | O_TRUNC)
      const fdA = await glfs.open(path, O_WRONLY | O_APPEND)
      expect(await fdA.pwrite(Buffer.alloc(10, 'X'), 1_000_000)).toBe(10)
      await fd2.pwrite(Buffer.alloc(4 * KiB, 'A'), 0)
      await fd2.pwrite(Buffer.alloc(100, 'C'), 500_000)
      expect((await fd2.pread(100, 400_000)).equals(Buffer.alloc(100))).toBe(true)
      await fd2.close()
      await fdA.close()
      expect(await cSize(volume, path)).toBe(500_100)
      expect((await cRead(volume, path, 400_000, 100)).equals(Buffer.alloc(100))).toBe(true)
    })
  })

  it('reads zeros inside a hole after a write far out failed EFBIG and was reported (bug 2, repro B)', async () => {
    await onDist3({}, async (glfs, path, volume) => {
      const fd = await glfs.creat(path, O_RDWR | O_CREAT | O_TRUNC)
      await fd.pwrite(Buffer.alloc(10, 'X'), 2 ** 44 + 10)
      const err = await fd.fsync().then(() => undefined, (e: unknown) => e)
      expect(err).toBeInstanceOf(GlusterError)
      expect((err as GlusterError).code).toBe('EFBIG')
      const fd2 = await glfs.open(path, O_RDWR)
      await fd2.pwrite(Buffer.alloc(4 * KiB, 'A'), 0)
      await fd2.pwrite(Buffer.alloc(100, 'C'), 500_000)
      expect((await fd2.pread(100, 400_000)).equals(Buffer.alloc(100))).toBe(true)
      await fd2.close()
      await fd.close().catch(() => undefined)
      expect((await cRead(volume, path, 400_000, 100)).equals(Buffer.alloc(100))).toBe(true)
    })
  })

  it('lands writes issued together in issue order, a larger-than-window one behind one waiting for room (bug 3)', async () => {
    await onDist3({ 'cache-size': '512KB' }, async (glfs, path, volume) => {
      const fd = await glfs.creat(path, O_RDWR | O_CREAT | O_TRUNC)
      const writes: Promise<number>[] = []
      for (let i = 0; i < 4; i++) writes.push(fd.pwrite(Buffer.alloc(128 * KiB, 'F'), MiB + i * 128 * KiB))
      writes.push(fd.pwrite(Buffer.alloc(100 * KiB, 'A'), 0))
      writes.push(fd.pwrite(Buffer.alloc(600 * KiB, 'B'), 0))
      await Promise.all(writes)
      await fd.close()
      expect((await cRead(volume, path, 0, 1)).toString()).toBe('B')
      expect((await cRead(volume, path, 99 * KiB, 2 * KiB)).equals(Buffer.alloc(2 * KiB, 'B'))).toBe(true)
    })
  })

  it('reports the short count of a large pwrite that partly failed, with nothing in flight after (bug 6)', async () => {
    await onDist3({}, async (glfs, path, volume) => {
      const fd = await glfs.creat(path, O_RDWR | O_CREAT | O_TRUNC)
      const offset = 2 ** 44 - 8 * MiB - 8 * KiB
      const n = await fd.pwrite(Buffer.alloc(16 * MiB, 'W'), offset)
      expect(n).toBeGreaterThan(0)
      expect(n).toBeLessThan(16 * MiB)
      await fd.close()
      expect(await cSize(volume, path)).toBe(offset + n)
    })
  })

  it('refuses I/O whose end passes 2^53 - 1, where offsets stop being exact numbers', async () => {
    await onDist3({}, async (glfs, path) => {
      const fd = await glfs.creat(path, O_RDWR | O_CREAT | O_TRUNC)
      const near = Number.MAX_SAFE_INTEGER - 5
      for (const op of [fd.pwrite(Buffer.alloc(10), near), fd.pread(10, near), fd.pread(Buffer.alloc(10), near)]) {
        const err = await op.then(() => undefined, (e: unknown) => e)
        expect(err).toBeInstanceOf(RangeError)
        expect((err as { code?: string }).code).toBe('ERR_OUT_OF_RANGE')
      }
      await fd.close()
    })
  })
})

describe('write-behind defects (#19) with the brick of gfts-tiny stopped', () => {
  it('does not bring back a timed-out cached write after an O_TRUNC open from another fd (bug 4)', async () => {
    const sb = sandbox()
    const tiny = sb.volumes.tiny
    await withSandboxLock(tiny.name, async () => {
      const glfs = await mount(tiny.name, { callTimeoutMs: 1000, pingTimeoutMs: 4000 })
      const path = `/${uniqueName('wbd-trunc')}.bin`
      try {
        const fd1 = await glfs.creat(path, O_RDWR | O_CREAT | O_TRUNC)
        const thaw = freeze(brickPids(tiny.name).get(tiny.bricks[0]!)!, 10_000)
        try {
          expect(await fd1.pwrite(Buffer.alloc(512 * KiB, 'D'), 0)).toBe(512 * KiB)
          // The call deadline is swept every ping-timeout / 10.
          await sleep(1000 + 2 * 400 + 200)
        } finally {
          thaw()
        }
        await sleep(300)
        const fd2 = await glfs.open(path, O_RDWR | O_TRUNC)
        expect(await cSize(tiny.name, path)).toBe(0)
        await fd1.fsync().catch(() => undefined)
        await fd1.close().catch(() => undefined)
        await fd2.close().catch(() => undefined)
        expect(await cSize(tiny.name, path)).toBe(0)
      } finally {
        await glfs.unlink(path).catch(() => undefined)
        await glfs.fini()
      }
    })
  })
})

describe('DHT rename whose linkto step fails (#19)', () => {
  it('fails and keeps the old name whole when the rename on the new name\'s hashed brick fails', async () => {
    await onDist3({}, async (glfs, _path, volume) => {
      const dir = `/${uniqueName('wbd-rename')}`
      await glfs.mkdir(dir)
      const layout = layoutOnBricks(glfs, dir)
      const last = subvolumes(glfs).length - 1
      const [from] = namesOn(layout, 0, 'src-', 1)
      const [to] = namesOn(layout, last, 'dst-', 1)
      const fd = await glfs.creat(`${dir}/${from}`, O_RDWR | O_CREAT | O_TRUNC)
      await fd.pwrite('the data', 0)
      await fd.close()
      // Append-only on the new name's hashed brick: the linkto can be created there, not renamed.
      const onLast = join(subvolumes(glfs)[last]!.brick, dir)
      const chattr = (flag: string) => {
        const r = spawnSync('chattr', [flag, onLast], { encoding: 'utf8' })
        if (r.status !== 0) throw new Error(`chattr ${flag} ${onLast}: ${r.stderr}`)
      }
      chattr('+a')
      try {
        const err = await glfs.rename(`${dir}/${from}`, `${dir}/${to}`).then(() => undefined, (e: unknown) => e)
        expect(err).toBeInstanceOf(GlusterError)
        expect(entriesOnBricks(glfs, `${dir}/${from}`)[0]).toBe('data')
        expect(entriesOnBricks(glfs, `${dir}/${to}`)[0]).toBeUndefined()
      } finally {
        chattr('-a')
      }
      expect((await cRead(volume, `${dir}/${from}`, 0, -1)).toString()).toBe('the data')
      for (const name of [from!, to!]) await glfs.unlink(`${dir}/${name}`).catch(() => undefined)
      await glfs.rmdir(dir)
    })
  })
})
