/**
 * Eager lock and delayed post-op on the real replica 3 and arbiter volumes (afr.md §2.4): one
 * lock and one pre-op per burst (the bricks' dirty count says so), the post-op after the idle
 * delay, and other clients (the C client, glustershd) served within the bound while we write.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Dict } from '../../src/rpc/programs/fops/dict.ts'
import { cView, viewOf } from '../helpers/c-peer.ts'
import { gluster, killBrick, restartVolume, runProcess, sandbox, uniqueName, volumeReset, volumeSet, withSandboxLock } from '../helpers/sandbox.ts'
import {
  CALL, VOLUMES, afrXattrs, allClean, brickCopies, cWrite, expectedCopies, closeFile, createFile, useReplicaVolumesAlone, healInfoCount, replicaSet, sha, waitFor,
} from '../helpers/replicate.ts'

useReplicaVolumesAlone()

const DIRTY_ONE = '000000010000000000000000'
const ZERO = '000000000000000000000000'

/** A shard-style size delta: GF_XATTROP_ADD_ARRAY64 of +1 on a counter of our own. */
const COUNTER = 'trusted.gfts-i14m.count'
const ADD_ARRAY64 = 1
const PEER = '/work/shared/tools/gfapi_peer.py'
const plusOne = (): Dict => new Dict().setPtr(COUNTER, Buffer.from('0000000000000001', 'hex'))

/** The counter on each brick (hex), as getfattr reads it from the brick's file. */
function counters(bricks: readonly string[], name: string): (string | undefined)[] {
  return bricks.map((b) => {
    const r = spawnSync('getfattr', ['-n', COUNTER, '-e', 'hex', '--absolute-names', join(b, name)], { encoding: 'utf8' })
    return /=0x([0-9a-f]+)/.exec(r.stdout ?? '')?.[1]
  })
}

for (const key of ['r3', 'arb'] as const) {
  const vol = VOLUMES[key]
  describe(`eager lock on ${vol.name}`, () => {
    it('a burst of writes takes one lock and one pre-op (dirty 1 on every brick, not N); idle for post-op-delay-secs, it is 0 and the lock is gone', async () => {
      const set = await replicaSet(vol.name)
      try {
        const name = uniqueName('eager')
        const { fd } = await createFile(set, name)
        const data = randomBytes(40 * 4096)
        // Concurrent and consecutive writes alike.
        await Promise.all([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => set.afr.writev(CALL, fd, data.subarray(k * 4096, (k + 1) * 4096), k * 4096, 0)))
        for (let k = 10; k < 40; k++) await set.afr.writev(CALL, fd, data.subarray(k * 4096, (k + 1) * 4096), k * 4096, 0)
        expect(set.afr.eagerLocks).toBe(1)
        for (const x of afrXattrs(vol.bricks, name)) expect(x['trusted.afr.dirty']).toBe(DIRTY_ONE)
        await waitFor('the idle post-op', () => set.afr.eagerLocks === 0, 5_000)
        for (const x of afrXattrs(vol.bricks, name)) expect(x['trusted.afr.dirty']).toBe(ZERO)
        expect(allClean(afrXattrs(vol.bricks, name))).toBe(true)
        // Another burst after the release takes a lock of its own, and close posts at once.
        await set.afr.writev(CALL, fd, data.subarray(0, 4096), 0, 0)
        for (const x of afrXattrs(vol.bricks, name)) expect(x['trusted.afr.dirty']).toBe(DIRTY_ONE)
        await closeFile(set, fd)
        expect(set.afr.eagerLocks).toBe(0)
        expect(allClean(afrXattrs(vol.bricks, name))).toBe(true)
        expect(brickCopies(vol.bricks, name)).toEqual(expectedCopies(data, key === 'arb'))
        expect(await cView(vol.name, `/${name}`)).toEqual(viewOf(data))
        expect(healInfoCount(vol.name)).toBe(0)
      } finally {
        await set.close()
      }
    }, 120_000)

    it('N fxattrops (features/shard\'s size updates) share one metadata lock: the counter is N on every brick, no changelog written; the lock goes after the idle delay', async () => {
      const set = await replicaSet(vol.name)
      try {
        const name = uniqueName('meta')
        const { fd } = await createFile(set, name)
        await Promise.all(Array.from({ length: 10 }, () => set.afr.fxattrop(CALL, fd, ADD_ARRAY64, plusOne())))
        for (let k = 0; k < 10; k++) await set.afr.fxattrop(CALL, fd, ADD_ARRAY64, plusOne())
        // One lock (the metadata one: no write was made) held between them.
        expect(set.afr.eagerLocks).toBe(1)
        expect(counters(vol.bricks, name)).toEqual(new Array(3).fill('0000000000000014'))
        // Every brick locked: optimistic changelog, no dirty, no blame.
        expect(allClean(afrXattrs(vol.bricks, name))).toBe(true)
        await waitFor('the idle release', () => set.afr.eagerLocks === 0, 5_000)
        // The C client's metadata transaction (utimens: setattr) while our metadata lock is held
        // goes through once our idle timer releases it, and lands on every brick.
        await set.afr.fxattrop(CALL, fd, ADD_ARRAY64, plusOne())
        expect(set.afr.eagerLocks).toBe(1)
        const sb = sandbox()
        const peer = await runProcess('python3', [PEER, '-s', sb.host, '-p', String(sb.port), '-V', vol.name, 'utimens', `/${name}`, '1000000000', '1000000000'], 60_000)
        expect(peer.status).toBe(0)
        for (const b of vol.bricks) expect(statSync(join(b, name)).mtimeMs).toBe(1_000_000_000_000)
        await closeFile(set, fd)
        expect(set.afr.eagerLocks).toBe(0)
        expect(counters(vol.bricks, name)).toEqual(new Array(3).fill('0000000000000015'))
        expect(allClean(afrXattrs(vol.bricks, name))).toBe(true)
        expect(healInfoCount(vol.name)).toBe(0)
      } finally {
        await set.close()
      }
    }, 120_000)
  })
}

describe('metadata eager lock with a brick down (gfts-i13-r3)', () => {
  const vol = VOLUMES.r3
  it('each fxattrop resolves with its blame (metadata slot) and dirty 0 on the survivors\' disks; glustershd heals the counter', async () => {
    await withSandboxLock(vol.name, async () => {
      const name = uniqueName('metadown')
      const set = await replicaSet(vol.name)
      try {
        const { fd } = await createFile(set, name)
        await set.afr.fxattrop(CALL, fd, ADD_ARRAY64, plusOne())
        await killBrick(vol.name, vol.bricks[2]!)
        await waitFor('child 2 down', () => !set.afr.isUp(2), 10_000)
        for (let k = 1; k <= 3; k++) {
          await set.afr.fxattrop(CALL, fd, ADD_ARRAY64, plusOne())
          // On disk when the fop resolves: brick 3 blamed k times in the metadata slot, dirty back to 0.
          for (const x of afrXattrs(vol.bricks.slice(0, 2), name)) {
            expect(x['trusted.afr.dirty']).toBe(ZERO)
            expect(x[`trusted.afr.${vol.name}-client-2`]).toBe(`00000000${k.toString(16).padStart(8, '0')}00000000`)
          }
        }
        expect(counters(vol.bricks.slice(0, 2), name)).toEqual(['0000000000000004', '0000000000000004'])
        await closeFile(set, fd)
        await restartVolume(vol.name)
        await waitFor('child 2 up', () => set.afr.isUp(2), 30_000)
      } finally {
        await set.close()
      }
      await waitFor('the metadata heal', () => {
        try {
          gluster(['volume', 'heal', vol.name], 0)
        } catch {
          // The shd may not be connected to the restarted brick yet.
        }
        return healInfoCount(vol.name) === 0
      }, 90_000)
      expect(counters(vol.bricks, name)).toEqual(new Array(3).fill('0000000000000004'))
      expect(allClean(afrXattrs(vol.bricks, name))).toBe(true)
    })
  }, 240_000)
})

describe('cluster.eager-lock off (gfts-i13-r3)', () => {
  const vol = VOLUMES.r3
  it('each write is a whole transaction: dirty is back to 0 on every brick when it resolves, no lock kept', async () => {
    await withSandboxLock(vol.name, async () => {
      volumeSet(vol.name, 'cluster.eager-lock', 'off')
      try {
        const set = await replicaSet(vol.name)
        try {
          const name = uniqueName('noeager')
          const { fd } = await createFile(set, name)
          const data = randomBytes(8 * 4096)
          for (let k = 0; k < 8; k++) {
            await set.afr.writev(CALL, fd, data.subarray(k * 4096, (k + 1) * 4096), k * 4096, 0)
            expect(set.afr.eagerLocks).toBe(0)
            for (const x of afrXattrs(vol.bricks, name)) expect(x['trusted.afr.dirty']).toBe(ZERO)
          }
          await closeFile(set, fd)
          for (const copy of brickCopies(vol.bricks, name)) expect(copy).toEqual({ sha256: sha(data), size: data.length })
          expect(await cView(vol.name, `/${name}`)).toEqual(viewOf(data))
        } finally {
          await set.close()
        }
      } finally {
        volumeReset(vol.name, 'cluster.eager-lock')
      }
    })
  }, 120_000)
})

describe('eager lock under contention (gfts-i13-r3)', () => {
  const vol = VOLUMES.r3
  it('a C client writing the same file while we write without pause gets the lock (our writes see inodelk-count 2 and release); both land, copies equal, clean', async () => {
    const name = uniqueName('contend')
    const set = await replicaSet(vol.name)
    try {
      const { fd } = await createFile(set, name)
      const mine = randomBytes(64 * 1024)
      const theirs = randomBytes(256 * 1024)
      // Hold the eager lock first, then the C client asks for it while we keep writing.
      await set.afr.writev(CALL, fd, mine, 1 << 20, 0)
      let cDone = false
      const started = Date.now()
      const c = cWrite(vol.name, `/${name}`, 0, theirs, false).finally(() => { cDone = true })
      let writes = 0
      // Without the contention release we would hold the lock as long as we write (no idle
      // second ever passes): the cap makes that a failure, not a hang.
      while (!cDone && Date.now() - started < 60_000) {
        await set.afr.writev(CALL, fd, mine, 1 << 20, 0)
        writes++
      }
      await c
      expect(cDone).toBe(true)
      expect(Date.now() - started).toBeLessThan(60_000)
      expect(writes).toBeGreaterThan(0)
      await closeFile(set, fd)
      const expected = Buffer.alloc((1 << 20) + mine.length)
      theirs.copy(expected, 0)
      mine.copy(expected, 1 << 20)
      const copies = brickCopies(vol.bricks, name)
      for (const copy of copies) expect(copy).toEqual({ sha256: sha(expected), size: expected.length })
      expect(allClean(afrXattrs(vol.bricks, name))).toBe(true)
      expect(await cView(vol.name, `/${name}`)).toEqual(viewOf(expected))
      expect(healInfoCount(vol.name)).toBe(0)
    } finally {
      await set.close()
    }
  }, 180_000)

  it('glustershd heals the file we keep writing (it waits for our lock and gets it); all three copies equal, trusted.afr.* zero', async () => {
    await withSandboxLock(vol.name, async () => {
      const name = uniqueName('shd')
      const block = randomBytes(128 * 1024)
      const set = await replicaSet(vol.name)
      // Off until we write again, so the heal happens while we hold the lock, not before.
      gluster(['volume', 'set', vol.name, 'cluster.self-heal-daemon', 'off'])
      try {
        const { fd } = await createFile(set, name)
        await set.afr.writev(CALL, fd, randomBytes(1 << 20), 0, 0)
        await killBrick(vol.name, vol.bricks[2]!)
        await waitFor('child 2 down', () => !set.afr.isUp(2), 10_000)
        // Brick 3 misses these: blamed, the file needs a data heal.
        for (let off = 0; off < 1 << 20; off += block.length) await set.afr.writev(CALL, fd, block, off, 0)
        await set.afr.fsync(CALL, fd, false)
        await restartVolume(vol.name)
        await waitFor('child 2 up', () => set.afr.isUp(2), 30_000)
        expect(healInfoCount(vol.name)).toBeGreaterThan(0)
        await set.afr.writev(CALL, fd, block, 0, 0)
        gluster(['volume', 'set', vol.name, 'cluster.self-heal-daemon', 'on'])
        // Keep writing (the eager lock is held most of the time) while the shd heals the file.
        const started = Date.now()
        let healed = false
        let nudged = 0
        while (!healed && Date.now() - started < 120_000) {
          for (let k = 0; k < 8; k++) await set.afr.writev(CALL, fd, block, (k % 8) * block.length, 0)
          if (Date.now() - nudged > 3_000) {
            nudged = Date.now()
            try {
              gluster(['volume', 'heal', vol.name], 0)
            } catch {
              // The shd may not be connected to the restarted brick yet: retried on the next round.
            }
            healed = healInfoCount(vol.name) === 0
          }
        }
        expect(healed).toBe(true)
        await set.afr.fsync(CALL, fd, false)
        await closeFile(set, fd)
      } finally {
        await set.close()
        gluster(['volume', 'set', vol.name, 'cluster.self-heal-daemon', 'on'])
      }
      await waitFor('nothing left to heal', () => healInfoCount(vol.name) === 0, 60_000)
      const copies = brickCopies(vol.bricks, name)
      expect(copies[1]).toEqual(copies[0])
      expect(copies[2]).toEqual(copies[0])
      expect(copies[0]!.size).toBe(1 << 20)
      expect(allClean(afrXattrs(vol.bricks, name))).toBe(true)
    })
  }, 400_000)
})
