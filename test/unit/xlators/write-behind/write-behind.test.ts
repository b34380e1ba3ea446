import { describe, expect, it } from 'vitest'
import { GlusterError } from '../../../../src/rpc/errors.ts'
import { OptionError } from '../../../../src/xlators/options.ts'
import { parseVolfile } from '../../../../src/xlators/volfile.ts'
import { WriteBehind } from '../../../../src/xlators/write-behind/write-behind.ts'
import { writeBehind } from '../../../../src/xlators/write-behind/index.ts'
import { Fd } from '../../../../src/xlators/types.ts'
import { Xlator, buildXlator } from '../../../../src/xlators/xlator.ts'
import { TEST_GRAPH } from '../../../helpers/xlator-init.ts'
import { CALL, FakeBrick, openFile, settle, stack } from '../../../helpers/fake-brick.ts'
import { O_APPEND, O_DIRECT, O_SYNC, O_TRUNC } from '../../../../src/rpc/linux.ts'

const O_RDWR = 2
const KiB = 1024
const MiB = 1024 * KiB

function pattern(length: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(length)
  for (let i = 0; i < length; i++) b[i] = (i * 31 + seed * 7) & 255
  return b
}

/** Expect `p` to reject with a GlusterError and return it. */
async function rejection(p: Promise<unknown>): Promise<GlusterError> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(GlusterError)
  return err as GlusterError
}

describe('performance/write-behind: normal operation', () => {
  it('acknowledges writes before the brick does, with zeroed attributes', async () => {
    const { wb, brick } = stack()
    brick.hold = true
    const fd = await openFile(wb)
    const r = await wb.writev(CALL, fd, pattern(4096, 1), 0, 0)
    expect(r.size).toBe(4096)
    expect(r.poststat.size).toBe(0)
    expect(r.prestat.blocks).toBe(0)
    expect(brick.heldCount).toBe(1)
    await brick.releaseHeld()
    expect(brick.content.equals(pattern(4096, 1))).toBe(true)
  })

  it('lets the event loop turn during a long loop of writes and reads answered from the cache', async () => {
    const { wb, brick } = stack()
    brick.hold = true
    const fd = await openFile(wb)
    let turns = 0
    const ticker = setInterval(() => turns++, 0)
    const page = pattern(4096, 3)
    try {
      // Rewrites of one page never fill the window, so every answer comes from the cache.
      for (let i = 0; i < 5000; i++) {
        await wb.writev(CALL, fd, page, 0, 0)
        await wb.readv(CALL, fd, 4096, 0, 0)
      }
    } finally {
      clearInterval(ticker)
    }
    expect(turns).toBeGreaterThan(0)
    while (brick.heldCount > 0) await brick.releaseHeld()
    await wb.fsync(CALL, fd, false)
    expect(brick.content.equals(page)).toBe(true)
  })

  it('aggregates contiguous small writes into fewer WRITEs of at most aggregate-size, in order', async () => {
    const { wb, brick } = stack({ 'aggregate-size': '64KB' })
    brick.hold = true
    const fd = await openFile(wb)
    const whole = pattern(256 * KiB, 2)
    for (let off = 0; off < whole.length; off += 4 * KiB) await wb.writev(CALL, fd, whole.subarray(off, off + 4 * KiB), off, 0)
    while (brick.heldCount > 0) await brick.releaseHeld()
    await wb.fsync(CALL, fd, false)
    expect(brick.content.equals(whole)).toBe(true)
    expect(brick.writes.length).toBeLessThan(64 / 4)
    for (const w of brick.writes) expect(w.length).toBeLessThanOrEqual(64 * KiB)
    // The first write went alone (trickling: nothing was in flight), the rest in full aggregates.
    expect(brick.writes[0]).toEqual({ offset: 0, length: 4 * KiB })
    let next = 0
    for (const w of brick.writes) {
      expect(w.offset).toBe(next)
      next += w.length
    }
  })

  it('holds the newest write even when it fills an aggregate, until the next write or until nothing lied is in flight (C __wb_preprocess_winds)', async () => {
    const { wb, brick } = stack({ 'aggregate-size': '4KB' })
    brick.hold = true
    const fd = await openFile(wb)
    const sent = async (): Promise<number[]> => {
      await settle()
      return brick.writes.map((w) => w.offset / (4 * KiB))
    }
    await wb.writev(CALL, fd, pattern(4 * KiB, 1), 0, 0)
    expect(await sent()).toEqual([0])
    await wb.writev(CALL, fd, pattern(4 * KiB, 2), 4 * KiB, 0)
    expect(await sent()).toEqual([0])
    await wb.writev(CALL, fd, pattern(4 * KiB, 3), 8 * KiB, 0)
    expect(await sent()).toEqual([0, 1])
    await brick.releaseHeld(1)
    expect(await sent()).toEqual([0, 1])
    await brick.releaseHeld(1)
    expect(await sent()).toEqual([0, 1, 2])
    await brick.releaseHeld()
    await wb.fsync(CALL, fd, false)
    expect(brick.content.equals(Buffer.concat([pattern(4 * KiB, 1), pattern(4 * KiB, 2), pattern(4 * KiB, 3)]))).toBe(true)
  })

  it('lets the caller reuse its buffer as soon as the write resolves', async () => {
    const { wb, brick } = stack()
    brick.hold = true
    const fd = await openFile(wb)
    const buf = Buffer.alloc(128 * KiB, 0xaa)
    await wb.writev(CALL, fd, buf, 0, 0)
    buf.fill(0xbb)
    await wb.writev(CALL, fd, buf, 128 * KiB, 0)
    buf.fill(0xcc)
    await brick.releaseHeld()
    await brick.releaseHeld()
    expect(brick.content.subarray(0, 128 * KiB).every((b) => b === 0xaa)).toBe(true)
    expect(brick.content.subarray(128 * KiB).every((b) => b === 0xbb)).toBe(true)
  })

  it('keeps each small cached write\'s bytes its own, also when one grows by the next write', async () => {
    const { wb, brick } = stack()
    brick.hold = true
    const fd = await openFile(wb)
    const expected = Buffer.alloc(40 * KiB)
    const write = async (offset: number, data: Buffer): Promise<void> => {
      expect((await wb.writev(CALL, fd, data, offset, 0)).size).toBe(data.length)
      data.copy(expected, offset)
    }
    // One WRITE in flight keeps the next block cached as the tail; the write continuing it grows
    // it into a buffer of its own, and the next small write is cached next to the first in memory:
    // neither may overwrite the other's bytes.
    await write(32 * KiB, pattern(100, 1))
    await write(0, pattern(100, 2))
    await write(100, pattern(50, 3))
    await write(16 * KiB, pattern(100, 4))
    await write(16 * KiB + 100, pattern(60, 5))
    await write(8 * KiB, pattern(100, 6))
    while (brick.heldCount > 0) await brick.releaseHeld()
    expect(brick.content.equals(expected.subarray(0, 32 * KiB + 100))).toBe(true)
  })

  it('answers consecutive cached writes with their own sizes', async () => {
    const { wb, brick } = stack()
    brick.hold = true
    const fd = await openFile(wb)
    const sizes = [4096, 4096, 100, 4096, 100, 100]
    const results = await Promise.all(sizes.map((n, i) => wb.writev(CALL, fd, pattern(n, i), i * 8 * KiB, 0)))
    expect(results.map((r) => r.size)).toEqual(sizes)
    while (brick.heldCount > 0) await brick.releaseHeld()
  })

  it('makes writes wait when the window is full and admits them as the brick acknowledges', async () => {
    const { wb, brick } = stack({ 'cache-size': '512KB' })
    brick.hold = true
    const fd = await openFile(wb)
    const acked: number[] = []
    const writes = [0, 1, 2, 3, 4, 5].map((i) => wb.writev(CALL, fd, pattern(128 * KiB, i), i * 128 * KiB, 0).then(() => acked.push(i)))
    await settle()
    expect(acked).toEqual([0, 1, 2, 3])
    await brick.releaseHeld(1)
    expect(acked).toEqual([0, 1, 2, 3, 4])
    await brick.releaseHeld()
    await brick.releaseHeld()
    await Promise.all(writes)
    await wb.fsync(CALL, fd, false)
    const expected = Buffer.concat([0, 1, 2, 3, 4, 5].map((i) => pattern(128 * KiB, i)))
    expect(brick.content.equals(expected)).toBe(true)
  })

  it('admits writes that waited for room each with its own bytes and size, as they are reused (pooled waiting writes)', async () => {
    const { wb, brick } = stack({ 'cache-size': '512KB' })
    brick.hold = true
    const fd = await openFile(wb)
    const expected = Buffer.alloc(1024 * KiB)
    const write = (data: Buffer, offset: number, flags = 0): Promise<number> => {
      data.copy(expected, offset)
      // The caller reuses its buffer once the write resolves: the cache must have its own copy.
      return wb.writev(CALL, fd, data, offset, flags).then((r) => {
        data.fill(0xee)
        return r.size
      })
    }
    const full = [0, 1, 2, 3].map((i) => write(pattern(128 * KiB, i), i * 128 * KiB))
    await settle()
    const sizes = [100, 64 * KiB, 4096, 128 * KiB, 3000, 50 * KiB]
    const waiting = sizes.map((n, i) => write(pattern(n, 10 + i), (4 + i) * 64 * KiB + i, i === 2 ? O_SYNC : 0))
    while (brick.heldCount > 0) await brick.releaseHeld(1)
    expect(await Promise.all(full)).toEqual([128 * KiB, 128 * KiB, 128 * KiB, 128 * KiB])
    expect(await Promise.all(waiting)).toEqual(sizes)
    await wb.fsync(CALL, fd, false)
    expect(brick.content.equals(expected.subarray(0, brick.content.length))).toBe(true)
    expect(brick.overlapInFlight).toBe(false)
  })

  it('never has two overlapping WRITEs in flight and lands overlapping writes in order', async () => {
    const { wb, brick } = stack({ 'aggregate-size': '4KB' })
    brick.delay = true
    const fd = await openFile(wb)
    const expected = Buffer.alloc(64 * KiB)
    for (let round = 0; round < 300; round++) {
      const off = (round * 7919) % (60 * KiB)
      const len = 1 + ((round * 104729) % (4 * KiB))
      const data = pattern(len, round)
      data.copy(expected, off)
      await wb.writev(CALL, fd, data, off, 0)
    }
    await wb.fsync(CALL, fd, false)
    expect(brick.overlapInFlight).toBe(false)
    expect(brick.maxInflight).toBeGreaterThan(1)
    expect(brick.content.equals(expected.subarray(0, brick.content.length))).toBe(true)
  })

  it('folds overlapping rewrites and writes just before a cached one into the same WRITE', async () => {
    const { wb, brick } = stack()
    brick.hold = true
    const fd = await openFile(wb)
    await wb.writev(CALL, fd, Buffer.alloc(4096, 1), 0, 0)
    // [0, 4096) is in flight: everything below waits in one block behind it.
    for (let i = 0; i < 100; i++) await wb.writev(CALL, fd, Buffer.alloc(4096, i), 4096 + (i % 2) * 100, 0)
    // Touching the cached block from below (and overlapping the one in flight), then from above.
    await wb.writev(CALL, fd, Buffer.alloc(1000, 0xaa), 3096, 0)
    await wb.writev(CALL, fd, Buffer.alloc(500, 0xbb), 8292, 0)
    while (brick.heldCount > 0) await brick.releaseHeld()
    await wb.fsync(CALL, fd, false)
    expect(brick.writes).toEqual([{ offset: 0, length: 4096 }, { offset: 3096, length: 5696 }])
    expect(brick.overlapInFlight).toBe(false)
    const expected = Buffer.alloc(8792, 1)
    expected.fill(98, 4096, 8192)
    expected.fill(99, 4196, 8292)
    expected.fill(0xaa, 3096, 4096)
    expected.fill(0xbb, 8292, 8792)
    expect(brick.content.equals(expected)).toBe(true)
  })

  it('does not fold a write into an older block when a newer cached block overlaps it', async () => {
    const { wb, brick } = stack()
    brick.hold = true
    const fd = await openFile(wb)
    await wb.writev(CALL, fd, Buffer.alloc(100, 1), 0, 0)
    await wb.writev(CALL, fd, Buffer.alloc(100, 2), 10_000, 0)
    await wb.writev(CALL, fd, Buffer.alloc(100, 3), 50, 0)
    await wb.writev(CALL, fd, Buffer.alloc(100, 4), 10_050, 0)
    await wb.writev(CALL, fd, Buffer.alloc(60, 5), 20, 0)
    while (brick.heldCount > 0) await brick.releaseHeld()
    await wb.fsync(CALL, fd, false)
    const expected = Buffer.alloc(10_150)
    expected.fill(1, 0, 100)
    expected.fill(3, 50, 150)
    expected.fill(5, 20, 80)
    expected.fill(2, 10_000, 10_100)
    expected.fill(4, 10_050, 10_150)
    expect(brick.content.equals(expected)).toBe(true)
    expect(brick.overlapInFlight).toBe(false)
  })

  it('sends one WRITE at a time with strict-write-ordering', async () => {
    const { wb, brick } = stack({ 'strict-write-ordering': 'on', 'aggregate-size': '4KB' })
    const fd = await openFile(wb)
    for (let i = 0; i < 32; i++) await wb.writev(CALL, fd, pattern(4 * KiB, i), ((i * 13) % 32) * 8 * KiB, 0)
    await wb.fsync(CALL, fd, false)
    expect(brick.maxInflight).toBe(1)
    expect(brick.writes.length).toBe(32)
  })

  it('holds a partial aggregate until fsync when trickling-writes is off', async () => {
    const { wb, brick } = stack({ 'trickling-writes': 'off' })
    const fd = await openFile(wb)
    await wb.writev(CALL, fd, pattern(1000, 3), 0, 0)
    await settle()
    expect(brick.writes).toEqual([])
    await wb.fsync(CALL, fd, false)
    expect(brick.writes).toEqual([{ offset: 0, length: 1000 }])
    expect(brick.fops).toEqual(['open', 'writev', 'fsync'])
  })

  it('sends O_SYNC writes through, answering with the brick result after earlier overlapping writes', async () => {
    const { wb, brick } = stack()
    brick.hold = true
    const fd = await openFile(wb)
    const syncFd = await openFile(wb, O_RDWR | O_SYNC, fd.inode)
    await wb.writev(CALL, fd, pattern(8 * KiB, 1), 0, 0)
    let done = false
    const sync = wb.writev(CALL, syncFd, pattern(4 * KiB, 2), 2 * KiB, 0).then((r) => {
      done = true
      return r
    })
    await settle()
    expect(done).toBe(false)
    expect(brick.heldCount).toBe(1)
    await brick.releaseHeld()
    expect(done).toBe(false)
    await brick.releaseHeld()
    const r = await sync
    expect(r.poststat.size).toBe(8 * KiB)
    const expected = pattern(8 * KiB, 1)
    pattern(4 * KiB, 2).copy(expected, 2 * KiB)
    expect(brick.content.equals(expected)).toBe(true)
  })

  it('sends a write with O_DSYNC in its own flags through, on an fd without it', async () => {
    const { wb, brick } = stack()
    brick.hold = true
    const fd = await openFile(wb)
    let acked = false
    const w = wb.writev(CALL, fd, pattern(100, 1), 0, 0o10000).then(() => {
      acked = true
    })
    await settle()
    expect(acked).toBe(false)
    await brick.releaseHeld()
    await w
    expect(acked).toBe(true)
  })

  it('returns a failed O_SYNC write to its caller at once', async () => {
    const { wb, brick } = stack()
    const fd = await openFile(wb, O_RDWR | O_SYNC)
    brick.failWith = { code: 'ENOSPC', when: () => true }
    const err = await rejection(wb.writev(CALL, fd, pattern(100, 1), 0, 0))
    expect(err.code).toBe('ENOSPC')
    brick.failWith = undefined
    await expect(wb.fsync(CALL, fd, false)).resolves.toBeDefined()
  })

  it('caches O_DIRECT writes unless strict-O_DIRECT is on', async () => {
    for (const strict of [false, true]) {
      const { wb, brick } = stack({ 'strict-O_DIRECT': strict ? 'on' : 'off' })
      brick.hold = true
      const fd = await openFile(wb, O_RDWR | O_DIRECT)
      let acked = false
      const w = wb.writev(CALL, fd, pattern(4096, 1), 0, 0).then(() => {
        acked = true
      })
      await settle()
      expect(acked).toBe(!strict)
      await brick.releaseHeld()
      await w
    }
  })

  it('sends O_APPEND writes through in order, as the brick decides where they land', async () => {
    const { wb, brick } = stack()
    const fd = await openFile(wb, O_RDWR | O_APPEND)
    brick.hold = true
    let acked = false
    const w = wb.writev(CALL, fd, pattern(10, 1), 0, 0).then(() => {
      acked = true
    })
    await settle()
    expect(acked).toBe(false)
    await brick.releaseHeld()
    await w
  })

  it('orders an O_APPEND write after the cached writes of other fds and before later ones (its offset is the end of file)', async () => {
    const { wb, brick } = stack()
    const fd = await openFile(wb)
    const fdA = await openFile(wb, O_RDWR | O_APPEND, fd.inode)
    brick.hold = true
    await wb.writev(CALL, fd, pattern(4 * KiB, 1), 0, 0)
    await wb.writev(CALL, fd, pattern(8 * KiB, 2), 0, 0)
    const append = wb.writev(CALL, fdA, Buffer.from('XXXXXXXXXX'), 100_000, 0)
    const later = wb.writev(CALL, fd, pattern(10, 3), 8 * KiB + 10, 0)
    for (let i = 0; i < 10 && brick.heldCount > 0; i++) await brick.releaseHeld()
    expect((await append).size).toBe(10)
    await later
    await wb.fsync(CALL, fd, false)
    expect(brick.content.length).toBe(8 * KiB + 20)
    expect(brick.content.subarray(8 * KiB, 8 * KiB + 10).toString()).toBe('XXXXXXXXXX')
    expect(brick.content.subarray(8 * KiB + 10).equals(pattern(10, 3))).toBe(true)
  })

  for (const how of ['an O_APPEND write with a large offset', 'a cached write far out that failed and was dropped']) {
    it(`reads zeros inside a gap left by a pending write after ${how}`, async () => {
      const { wb, brick } = stack()
      const fd = await openFile(wb)
      if (how.startsWith('an O_APPEND')) {
        const fdA = await openFile(wb, O_RDWR | O_APPEND, fd.inode)
        expect((await wb.writev(CALL, fdA, pattern(10, 8), 1_000_000, 0)).size).toBe(10)
      } else {
        brick.failWith = { code: 'EFBIG', when: (w) => w.offset >= 2 ** 44 }
        await wb.writev(CALL, fd, pattern(10, 8), 2 ** 44 + 10, 0)
        expect((await rejection(wb.fsync(CALL, fd, false))).code).toBe('EFBIG')
        brick.failWith = undefined
      }
      await wb.writev(CALL, fd, pattern(4 * KiB, 9), 0, 0)
      brick.hold = true
      await wb.writev(CALL, fd, pattern(100, 10), 500_000, 0)
      const read = wb.readv(CALL, fd, 100, 400_000, 0)
      await settle()
      for (let i = 0; i < 10 && brick.heldCount > 0; i++) await brick.releaseHeld()
      expect((await read).data.equals(Buffer.alloc(100))).toBe(true)
    })
  }

  it('sends a failed cached write retried for a bypass write that overlaps it, then the bypass', async () => {
    const { wb, brick } = stack({ 'cache-size': '512KB' })
    const fd = await openFile(wb)
    brick.failWith = { code: 'ENOSPC', when: () => true }
    await wb.writev(CALL, fd, pattern(64 * KiB, 11), 0, 0)
    await settle()
    brick.failWith = undefined
    // Stuck behind the failed one, and the newest block: not what the bypass write is linked after.
    await wb.writev(CALL, fd, pattern(4 * KiB, 13), 60 * KiB, 0)
    const big = wb.writev(CALL, fd, pattern(600 * KiB, 12), 32 * KiB, 0)
    const done = await Promise.race([big.then((r) => r.size), new Promise((r) => setTimeout(r, 2000, 'hung'))])
    expect(done).toBe(600 * KiB)
    expect(brick.content.subarray(0, 32 * KiB).equals(pattern(64 * KiB, 11).subarray(0, 32 * KiB))).toBe(true)
  })

  it('keeps issue order when a write larger than the window follows one waiting for room', async () => {
    const { wb, brick } = stack({ 'cache-size': '512KB' })
    const fd = await openFile(wb)
    brick.hold = true
    for (let off = 0; off < 512 * KiB; off += 128 * KiB) await wb.writev(CALL, fd, pattern(128 * KiB, 4), 1024 * KiB + off, 0)
    const a = wb.writev(CALL, fd, Buffer.alloc(100 * KiB, 'A'), 0, 0)
    const b = wb.writev(CALL, fd, Buffer.alloc(600 * KiB, 'B'), 0, 0)
    for (let i = 0; i < 20 && brick.heldCount > 0; i++) await brick.releaseHeld()
    await Promise.all([a, b])
    expect(String.fromCharCode(brick.content[0]!)).toBe('B')
  })

  it('forgets a failed cached write above an O_TRUNC open: the next fsync does not bring it back', async () => {
    const { wb, brick } = stack()
    const fd = await openFile(wb)
    brick.failWith = { code: 'ETIMEDOUT', when: () => true }
    await wb.writev(CALL, fd, pattern(64 * KiB, 5), 0, 0)
    await settle()
    brick.failWith = undefined
    const fd2 = new Fd(fd.inode, O_RDWR | O_TRUNC, false)
    await wb.open(CALL, { path: '/f', name: 'f', parent: undefined, inode: fd.inode }, O_RDWR | O_TRUNC, fd2)
    brick.content = Buffer.alloc(0)
    await wb.fsync(CALL, fd, false)
    expect(brick.content.length).toBe(0)
  })

  it('ftruncate forgets failed cached writes above the new end and cuts those across it', async () => {
    const { wb, brick } = stack()
    const fd = await openFile(wb)
    brick.failWith = { code: 'ENOSPC', when: () => true }
    await wb.writev(CALL, fd, pattern(4 * KiB, 6), 0, 0)
    await wb.writev(CALL, fd, pattern(4 * KiB, 7), 100 * KiB, 0)
    await settle()
    // The block above the new end keeps failing: only forgetting it lets ftruncate go.
    brick.failWith = { code: 'ENOSPC', when: (w) => w.offset >= 100 * KiB }
    await wb.ftruncate(CALL, fd, 1000)
    await wb.fsync(CALL, fd, false)
    expect(brick.content.equals(pattern(1000, 6))).toBe(true)
  })

  it('credits each WRITE\'s reply to its own block when replies come out of order (pooled answer handlers)', async () => {
    const { wb, brick } = stack()
    brick.hold = true
    const fd = await openFile(wb)
    for (let i = 0; i < 4; i++) await wb.writev(CALL, fd, pattern(4 * KiB, i), i * 8 * KiB, 0)
    // A, B and C in flight; D, the tail, held back while they are.
    expect(brick.writes.map((w) => w.offset)).toEqual([0, 8 * KiB, 16 * KiB])
    await brick.releaseHeldAt(1)
    // B landed, A and C not: a rewrite of B may go now (its handlers reuse B's), one of A may not.
    await wb.writev(CALL, fd, pattern(4 * KiB, 10), 8 * KiB, 0)
    await wb.writev(CALL, fd, pattern(4 * KiB, 11), 0, 0)
    expect(brick.writes.map((w) => w.offset)).toEqual([0, 8 * KiB, 16 * KiB, 24 * KiB, 8 * KiB])
    // Now C, then A: each reply ends its own WRITE, so the rewrite of A goes only with A landed.
    await brick.releaseHeldAt(1)
    expect(brick.writes.length).toBe(5)
    await brick.releaseHeldAt(0)
    expect(brick.overlapInFlight).toBe(false)
    while (brick.heldCount > 0) await brick.releaseHeld()
    await wb.fsync(CALL, fd, false)
    const expected = Buffer.concat([pattern(4 * KiB, 11), Buffer.alloc(4 * KiB), pattern(4 * KiB, 10), Buffer.alloc(4 * KiB), pattern(4 * KiB, 2), Buffer.alloc(4 * KiB), pattern(4 * KiB, 3)])
    expect(brick.content.equals(expected)).toBe(true)
  })

  it('reuses the buffer of a cached write only once the brick acknowledged it (pooled buffers)', async () => {
    const { wb, brick } = stack()
    const fd = await openFile(wb)
    // Written and acknowledged: their buffers are idle, for the next writes of their size.
    for (let i = 0; i < 4; i++) await wb.writev(CALL, fd, pattern(4 * KiB, i), i * 64 * KiB, 0)
    await wb.fsync(CALL, fd, false)
    brick.hold = true
    const a = pattern(4 * KiB, 20)
    await wb.writev(CALL, fd, a, 0, 0)
    // A is on the wire, unacknowledged, and still answers reads; newer writes must not get its buffer.
    for (let i = 1; i < 8; i++) await wb.writev(CALL, fd, pattern(4 * KiB, 20 + i), i * 64 * KiB, 0)
    const r = await wb.readv(CALL, fd, 4 * KiB, 0, 0)
    expect(r.data.equals(a)).toBe(true)
    expect(brick.fops.filter((f) => f === 'readv')).toEqual([])
    while (brick.heldCount > 0) await brick.releaseHeld()
    await wb.fsync(CALL, fd, false)
    for (let i = 0; i < 8; i++) expect(brick.content.subarray(i * 64 * KiB, i * 64 * KiB + 4 * KiB).equals(pattern(4 * KiB, 20 + i))).toBe(true)
  })

  it('reuses the buffer of a large cached write for the next write of its size, once the brick acknowledged it', async () => {
    const { wb, brick } = stack()
    const fd = await openFile(wb)
    // 256 KiB writes apart from each other, all cached at once: each in a buffer of its own (no
    // aggregate), idle once written.
    const size = 256 * KiB
    brick.hold = true
    for (let i = 0; i < 4; i++) await wb.writev(CALL, fd, pattern(size, i), i * MiB, 0)
    while (brick.heldCount > 0) await brick.releaseHeld()
    await wb.fsync(CALL, fd, false)
    const idle = new Set(brick.payloadMemory)
    expect(idle.size).toBe(4)
    brick.hold = true
    const a = pattern(size, 20)
    await wb.writev(CALL, fd, a, 0, 0)
    // A is on the wire, unacknowledged, and still answers reads; newer writes must not get its buffer.
    for (let i = 1; i < 4; i++) await wb.writev(CALL, fd, pattern(size, 20 + i), i * MiB, 0)
    const inFlight = brick.payloadMemory.slice(4)
    expect(new Set(inFlight).size).toBe(inFlight.length)
    const r = await wb.readv(CALL, fd, size, 0, 0)
    expect(r.data.equals(a)).toBe(true)
    expect(brick.fops.filter((f) => f === 'readv')).toEqual([])
    while (brick.heldCount > 0) await brick.releaseHeld()
    await wb.fsync(CALL, fd, false)
    // Every write went out of its own buffer written before: none was allocated anew.
    const reused = brick.payloadMemory.slice(4)
    expect(new Set(reused).size).toBe(4)
    for (const memory of reused) expect(idle.has(memory)).toBe(true)
    for (let i = 0; i < 4; i++) expect(brick.content.subarray(i * MiB, i * MiB + size).equals(pattern(size, 20 + i))).toBe(true)
  })

  it('keeps the newer writes made while an O_TRUNC open was under way, though it waited for older blocks that landed meanwhile (pooled blocks)', async () => {
    const { wb, brick } = stack()
    brick.hold = true
    const fd = await openFile(wb)
    await wb.writev(CALL, fd, pattern(4 * KiB, 1), 0, 0)
    await wb.writev(CALL, fd, pattern(4 * KiB, 2), 64 * KiB, 0)
    let openGo = (): void => {}
    brick.openGate = new Promise<void>((resolve) => {
      openGo = resolve
    })
    const inode = fd.inode
    const opening = wb.open(CALL, { path: '/f', name: 'f', parent: undefined, inode }, O_RDWR | O_TRUNC, new Fd(inode, O_RDWR, false))
    // The open waited for both blocks; they land, and it goes on to the brick, which holds it.
    await brick.releaseHeld()
    expect(brick.heldCount).toBe(0)
    // Newer writes while the open is at the brick: one in flight, one cached behind it. Neither is
    // one the open waited for, whatever object holds it.
    const b1 = pattern(4 * KiB, 3)
    const b2 = pattern(4 * KiB, 4)
    await wb.writev(CALL, fd, b1, 128 * KiB, 0)
    await wb.writev(CALL, fd, b2, 192 * KiB, 0)
    openGo()
    await opening
    while (brick.heldCount > 0) await brick.releaseHeld()
    await wb.fsync(CALL, fd, false)
    expect(brick.content.subarray(128 * KiB, 132 * KiB).equals(b1)).toBe(true)
    expect(brick.content.subarray(192 * KiB, 196 * KiB).equals(b2)).toBe(true)
  })

  it('retries the rest of a short write', async () => {
    const { wb, brick } = stack()
    brick.shortAt = 1000
    const fd = await openFile(wb)
    const data = pattern(4500, 9)
    await wb.writev(CALL, fd, data, 0, 0)
    await wb.fsync(CALL, fd, false)
    expect(brick.content.equals(data)).toBe(true)
    expect(brick.writes.map((w) => w.offset)).toEqual([0, 1000, 2000, 3000, 4000])
  })
})

describe('performance/write-behind: read-your-writes', () => {
  it('answers a read inside one cached write from the cache, without the brick', async () => {
    const { wb, brick } = stack()
    brick.hold = true
    const fd = await openFile(wb)
    const data = pattern(64 * KiB, 4)
    await wb.writev(CALL, fd, data, 0, 0)
    const r = await wb.readv(CALL, fd, 1000, 777, 0)
    expect(r.data.equals(data.subarray(777, 1777))).toBe(true)
    expect(brick.fops).not.toContain('readv')
    await brick.releaseHeld()
  })

  it('orders a read that spans cached and uncached bytes after the writes it touches', async () => {
    const { wb, brick } = stack()
    brick.content = Buffer.alloc(16 * KiB, 0x11)
    const fd = await openFile(wb)
    brick.hold = true
    await wb.writev(CALL, fd, Buffer.alloc(1000, 0x22), 3000, 0)
    await wb.writev(CALL, fd, Buffer.alloc(500, 0x33), 3500, 0)
    let got: Buffer | undefined
    const read = wb.readv(CALL, fd, 4000, 2000, 0).then((r) => {
      got = r.data
    })
    await settle()
    expect(got).toBeUndefined()
    while (brick.heldCount > 0) await brick.releaseHeld()
    await read
    const expected = Buffer.alloc(4000, 0x11)
    expected.fill(0x22, 1000, 2000)
    expected.fill(0x33, 1500, 2000)
    expect(got!.equals(expected)).toBe(true)
  })

  it('sees overlapping unaligned writes while the window is full', async () => {
    const { wb, brick } = stack({ 'cache-size': '512KB', 'aggregate-size': '64KB' })
    brick.delay = true
    const fd = await openFile(wb)
    const model = Buffer.alloc(700 * KiB)
    let size = 0
    let waited = 0
    for (let i = 0; i < 200; i++) {
      const off = (i * 12345) % (600 * KiB)
      const data = pattern(17 * KiB + i * 7, i)
      data.copy(model, off)
      size = Math.max(size, off + data.length)
      const repliesBefore = brick.replies
      await wb.writev(CALL, fd, data, off, 0)
      // Acknowledged only after the brick answered something: it waited for room in the window.
      if (brick.replies > repliesBefore) waited++
      if (i % 5 === 4) {
        const at = (i * 54321) % (600 * KiB)
        const r = await wb.readv(CALL, fd, 9999, at, 0)
        expect(r.data.equals(model.subarray(at, Math.min(at + 9999, size))), `read at ${at} after write ${i}`).toBe(true)
      }
    }
    expect(waited).toBeGreaterThan(0)
    await wb.fsync(CALL, fd, false)
    expect(brick.overlapInFlight).toBe(false)
    expect(brick.content.equals(model.subarray(0, brick.content.length))).toBe(true)
  })

  it('reads zeros, not end of file, in the hole before a cached write past the end', async () => {
    const { wb, brick } = stack()
    const fd = await openFile(wb)
    brick.hold = true
    await wb.writev(CALL, fd, Buffer.alloc(100, 0x44), 10_000, 0)
    const read = wb.readv(CALL, fd, 100, 5000, 0)
    await brick.releaseHeld()
    const r = await read
    expect(r.data.equals(Buffer.alloc(100))).toBe(true)
  })

  it('answers a lookup by name of a file with cached writes with the size they make', async () => {
    const { wb, brick } = stack()
    const fd = await openFile(wb)
    brick.gfid = fd.inode.gfid
    brick.hold = true
    await wb.writev(CALL, fd, Buffer.alloc(5000, 1), 0, 0)
    await wb.writev(CALL, fd, Buffer.alloc(5000, 2), 100_000, 0)
    const lookup = wb.lookup(CALL, { path: '/f', name: 'f', parent: undefined, inode: undefined })
    await settle()
    while (brick.heldCount > 0) await brick.releaseHeld()
    expect((await lookup).stat.size).toBe(105_000)
  })

  it('orders fstat, ftruncate and discard after the cached writes they touch', async () => {
    const { wb, brick } = stack()
    const fd = await openFile(wb)
    brick.hold = true
    await wb.writev(CALL, fd, Buffer.alloc(8000, 0x55), 0, 0)
    const stat = wb.fstat(CALL, fd)
    await settle()
    await brick.releaseHeld()
    expect((await stat).stat.size).toBe(8000)
    await wb.writev(CALL, fd, Buffer.alloc(4000, 0x66), 6000, 0)
    const trunc = wb.ftruncate(CALL, fd, 7000)
    await settle()
    await brick.releaseHeld()
    await trunc
    await wb.writev(CALL, fd, Buffer.alloc(1000, 0x77), 0, 0)
    const discard = wb.discard(CALL, fd, 500, 1000)
    await settle()
    await brick.releaseHeld()
    await discard
    const expected = Buffer.alloc(7000, 0x55)
    expected.fill(0x66, 6000)
    expected.fill(0x77, 0, 1000)
    expected.fill(0, 500, 1500)
    expect(brick.content.equals(expected)).toBe(true)
  })
})

describe('performance/write-behind: failures', () => {
  async function failedWrite(options: Record<string, string>) {
    const s = stack(options)
    const fd = await openFile(s.wb)
    s.brick.failWith = { code: 'ENOSPC', when: (w) => w.offset >= 64 * KiB }
    await s.wb.writev(CALL, fd, pattern(64 * KiB, 1), 0, 0)
    await s.wb.writev(CALL, fd, pattern(64 * KiB, 2), 64 * KiB, 0)
    await settle()
    return { ...s, fd }
  }

  it('reports a failed background write on fsync with the errno and the byte ranges, without sending FSYNC', async () => {
    const { wb, brick, fd } = await failedWrite({})
    const err = await rejection(wb.fsync(CALL, fd, false))
    expect(err.code).toBe('ENOSPC')
    expect(err.syscall).toBe('fsync')
    expect(err.failedRanges).toEqual([{ offset: 64 * KiB, length: 64 * KiB }])
    expect(err.message).toContain('[65536, 131072)')
    expect(brick.fops).not.toContain('fsync')
  })

  it('with resync on, keeps failed data and retries it on every fsync until the brick takes it', async () => {
    const { wb, brick, fd } = await failedWrite({ 'resync-failed-syncs-after-fsync': 'on' })
    const before = brick.writes.length
    expect((await rejection(wb.fsync(CALL, fd, false))).code).toBe('ENOSPC')
    expect((await rejection(wb.fsync(CALL, fd, false))).code).toBe('ENOSPC')
    expect(brick.writes.length).toBe(before + 2)
    brick.failWith = undefined
    await wb.fsync(CALL, fd, false)
    expect(brick.content.equals(Buffer.concat([pattern(64 * KiB, 1), pattern(64 * KiB, 2)]))).toBe(true)
    await wb.flush(CALL, fd)
    await wb.fsync(CALL, fd, false)
  })

  it('with resync off, drops the data once reported and fails every later fsync and close of that fd', async () => {
    const { wb, brick, fd } = await failedWrite({})
    const other = await openFile(wb, O_RDWR, fd.inode)
    expect((await rejection(wb.fsync(CALL, fd, false))).code).toBe('ENOSPC')
    brick.failWith = undefined
    for (let i = 0; i < 3; i++) {
      const err = await rejection(wb.fsync(CALL, fd, true))
      expect(err.code).toBe('ENOSPC')
      expect(err.failedRanges).toEqual([{ offset: 64 * KiB, length: 64 * KiB }])
    }
    // Another fd open at the time is told too; one opened afterwards is not.
    expect((await rejection(wb.fsync(CALL, other, false))).code).toBe('ENOSPC')
    const later = await openFile(wb, O_RDWR, fd.inode)
    await wb.fsync(CALL, later, false)
    expect((await rejection(wb.flush(CALL, fd))).code).toBe('ENOSPC')
    expect(brick.content.length).toBe(64 * KiB)
  })

  it('reports the failure on close and never discards silently', async () => {
    const { wb, brick, fd } = await failedWrite({ 'resync-failed-syncs-after-fsync': 'on' })
    const err = await rejection(wb.flush(CALL, fd))
    expect(err.code).toBe('ENOSPC')
    expect(err.failedRanges).toEqual([{ offset: 64 * KiB, length: 64 * KiB }])
    await settle()
    // FLUSH still goes to the brick (it releases locks), after the report.
    expect(brick.fops.filter((f) => f === 'flush')).toHaveLength(1)
    await wb.release(CALL, fd)
    await expect((wb as WriteBehind).fini()).resolves.toBeUndefined()
  })

  it('gives a failed write one more attempt at close, and closes cleanly when it then succeeds', async () => {
    const { wb, brick, fd } = await failedWrite({})
    brick.failWith = undefined
    await wb.flush(CALL, fd)
    expect(brick.content.equals(Buffer.concat([pattern(64 * KiB, 1), pattern(64 * KiB, 2)]))).toBe(true)
  })

  it('fails a read that depends on a failed write with its errno, and serves it once a retry succeeds', async () => {
    const { wb, brick, fd } = await failedWrite({})
    const err = await rejection(wb.readv(CALL, fd, 100, 64 * KiB + 10, 0))
    expect(err.code).toBe('ENOSPC')
    expect(err.failedRanges).toEqual([{ offset: 64 * KiB, length: 64 * KiB }])
    // Bytes that do not depend on it are unaffected.
    expect((await wb.readv(CALL, fd, 100, 10, 0)).data.equals(pattern(64 * KiB, 1).subarray(10, 110))).toBe(true)
    brick.failWith = undefined
    expect((await wb.readv(CALL, fd, 100, 64 * KiB + 10, 0)).data.equals(pattern(64 * KiB, 2).subarray(10, 110))).toBe(true)
    await wb.fsync(CALL, fd, false)
  })

  it('keeps overlapping writes behind a failed one in order, and lands them after it once retried', async () => {
    const { wb, brick, fd } = await failedWrite({ 'resync-failed-syncs-after-fsync': 'on' })
    await wb.writev(CALL, fd, Buffer.alloc(100, 0xee), 64 * KiB + 50, 0)
    await settle()
    expect((await rejection(wb.fsync(CALL, fd, false))).code).toBe('ENOSPC')
    brick.failWith = undefined
    await wb.fsync(CALL, fd, false)
    const expected = Buffer.concat([pattern(64 * KiB, 1), pattern(64 * KiB, 2)])
    expected.fill(0xee, 64 * KiB + 50, 64 * KiB + 150)
    expect(brick.content.equals(expected)).toBe(true)
    expect(brick.overlapInFlight).toBe(false)
  })

  it('fails writes waiting for a window full of refused data, after one more attempt', async () => {
    const { wb, brick } = stack({ 'cache-size': '512KB' })
    const fd = await openFile(wb)
    brick.failWith = { code: 'EDQUOT', when: () => true }
    for (let i = 0; i < 4; i++) await wb.writev(CALL, fd, pattern(128 * KiB, i), i * 128 * KiB, 0)
    await settle()
    const writesBefore = brick.writes.length
    const err = await rejection(wb.writev(CALL, fd, pattern(128 * KiB, 9), 4 * 128 * KiB, 0))
    expect(err.code).toBe('EDQUOT')
    expect(err.syscall).toBe('write')
    expect(brick.writes.length).toBe(writesBefore + 4)
    const sync = await rejection(wb.fsync(CALL, fd, false))
    expect(sync.code).toBe('EDQUOT')
    expect(sync.failedRanges).toEqual([{ offset: 0, length: 512 * KiB }])
  })

  it('reports on fini what an fd released without close could not write', async () => {
    const { wb, brick, fd } = await failedWrite({})
    await wb.release(CALL, fd)
    expect(brick.fops).toContain('release')
    const err = await rejection((wb as WriteBehind).fini())
    expect(err.code).toBe('ENOSPC')
    expect(err.syscall).toBe('fini')
    expect(err.failedRanges).toEqual([{ offset: 64 * KiB, length: 64 * KiB }])
  })

  it('writes what an fd released without close still holds before the brick releases it', async () => {
    const { wb, brick } = stack({ 'trickling-writes': 'off' })
    const fd = await openFile(wb)
    await wb.writev(CALL, fd, pattern(1000, 5), 0, 0)
    await wb.release(CALL, fd)
    expect(brick.fops).toEqual(['open', 'writev', 'release'])
    expect(brick.content.equals(pattern(1000, 5))).toBe(true)
    await (wb as WriteBehind).fini()
  })
})

describe('performance/write-behind: flush and options', () => {
  it('answers close after earlier writes landed and sends FLUSH in the background with flush-behind', async () => {
    const { wb, brick } = stack()
    const fd = await openFile(wb)
    brick.hold = true
    await wb.writev(CALL, fd, pattern(100, 1), 0, 0)
    let closed = false
    const close = wb.flush(CALL, fd).then(() => {
      closed = true
    })
    await settle()
    expect(closed).toBe(false)
    await brick.releaseHeld()
    await close
    expect(brick.content.equals(pattern(100, 1))).toBe(true)
  })

  it('sends RELEASE only after the background FLUSH was answered', async () => {
    const { wb, brick } = stack()
    const fd = await openFile(wb)
    const origFlush = brick.flush.bind(brick)
    brick.flush = async () => {
      await new Promise((r) => setTimeout(r, 5))
      brick.fops.push('flush answered')
      return origFlush()
    }
    await wb.flush(CALL, fd)
    await wb.release(CALL, fd)
    expect(brick.fops.filter((f) => f.startsWith('flush') || f === 'release')).toEqual(['flush answered', 'flush', 'release'])
  })

  it('waits for FLUSH itself when flush-behind is off', async () => {
    const { wb, brick } = stack({ 'flush-behind': 'off' })
    const fd = await openFile(wb)
    const order: string[] = []
    const origFlush = brick.flush.bind(brick)
    brick.flush = async () => {
      await new Promise((r) => setTimeout(r, 5))
      order.push('brick flush done')
      return origFlush()
    }
    await wb.flush(CALL, fd)
    order.push('flush answered')
    expect(order).toEqual(['brick flush done', 'flush answered'])
  })

  it('parses its options with units, aliases and bounds', () => {
    const { wb } = stack({ 'window-size': '4MB', 'aggregate-size': '256KB', 'resync-failed-syncs-after-fsync': 'on' })
    const config = (wb as WriteBehind).config
    expect(config.windowBytes).toBe(4 * 1024 * 1024)
    expect(config.aggregateBytes).toBe(256 * KiB)
    expect(config.resyncFailedSyncsAfterFsync).toBe(true)
    expect(config.flushBehind).toBe(true)
    expect(() => stack({ 'cache-size': '100KB' })).toThrow(OptionError)
    expect(() => stack({ 'cache-size': '2GB' })).toThrow(OptionError)
    expect(() => stack({ 'cache-size': '512KB', 'aggregate-size': '1MB' })).toThrow(/aggregate-size/)
  })

  it('becomes a plain pass-through with pass-through on', () => {
    const volfile = parseVolfile('volume v-write-behind\n type performance/write-behind\n option pass-through on\nend-volume\n')
    const xl = buildXlator(writeBehind, volfile.top, [new FakeBrick()], TEST_GRAPH)
    expect(xl).not.toBeInstanceOf(WriteBehind)
    expect(xl).toBeInstanceOf(Xlator)
    expect(xl.type).toBe('performance/write-behind')
  })
})
