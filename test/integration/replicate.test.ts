/**
 * cluster/replicate on real `replica 3` and `replica 3 arbiter 1` volumes (gfts-i13-r3,
 * gfts-i13-arb), judged by the bricks themselves (sha256 of each copy, trusted.afr.* xattrs),
 * `gluster volume heal VOL info` and the C client (libgfapi through gfapi_peer.py).
 * Bricks are killed and restarted only on these two volumes.
 */
import { spawnSync } from 'node:child_process'
import { lstatSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { superFastHash } from '../../src/xlators/replicate/changelog.ts'
import { Dict } from '../../src/rpc/programs/fops/dict.ts'
import { askReadOnLookup, earlyReadOf } from '../../src/xlators/read-on-lookup.ts'
import { Fd, Inode, type Loc } from '../../src/xlators/types.ts'
import type { SetattrArgs } from '../../src/xlators/xlator.ts'
import { cView, viewOf } from '../helpers/c-peer.ts'
import { gluster, killBrick, restartVolume, sandbox, uniqueName, withSandboxLock } from '../helpers/sandbox.ts'
import {
  CALL, VOLUMES, afrXattrs, allClean, brickCopies, cWrite, expectedCopies, closeFile, createFile, distributedSet, ensureVolume, useReplicaVolumesAlone, healInfoCount, openFile, replicaSet, sha, waitFor,
} from '../helpers/replicate.ts'

useReplicaVolumesAlone()

for (const key of ['r3', 'arb'] as const) {
  const vol = VOLUMES[key]
  describe(`replicate on ${vol.name} (${vol.create.join(' ')})`, () => {
    it('a new file: every data brick holds the data, the arbiter none, no afr xattr non-zero after close, heal info 0', async () => {
      const set = await replicaSet(vol.name)
      try {
        const name = uniqueName('new')
        const { fd } = await createFile(set, name)
        const data = randomBytes(200_000)
        const w = await set.afr.writev(CALL, fd, data, 0, 0)
        expect(w.size).toBe(data.length)
        await set.afr.fsync(CALL, fd, false)
        const r = await set.afr.readv(CALL, fd, data.length, 0, 0)
        expect(sha(r.data)).toBe(sha(data))
        await closeFile(set, fd)
        expect(brickCopies(vol.bricks, name)).toEqual(expectedCopies(data, key === 'arb'))
        expect(allClean(afrXattrs(vol.bricks, name))).toBe(true)
        expect(await cView(vol.name, `/${name}`)).toEqual(viewOf(data))
        // Every brick is on this host: after a root lookup one of them (never the arbiter) is the read child.
        await set.afr.lookup(CALL, { path: '/', name: '', parent: undefined, inode: set.root })
        await set.afr.discovered()
        expect(key === 'arb' ? [0, 1] : [0, 1, 2]).toContain(set.afr.readChild)
        expect(healInfoCount(vol.name)).toBe(0)
      } finally {
        await set.close()
      }
    }, 120_000)

    it('an overwrite of a file the C client made lands on every data brick, clean', async () => {
      const name = uniqueName('cmade')
      const original = randomBytes(50_000)
      await cWrite(vol.name, `/${name}`, 0, original, true)
      const set = await replicaSet(vol.name)
      try {
        const { fd } = await openFile(set, name)
        const patch = randomBytes(10_000)
        await set.afr.writev(CALL, fd, patch, 20_000, 0)
        await set.afr.fsync(CALL, fd, false)
        await closeFile(set, fd)
        const expected = Buffer.from(original)
        patch.copy(expected, 20_000)
        expect(brickCopies(vol.bricks, name)).toEqual(expectedCopies(expected, key === 'arb'))
        expect(allClean(afrXattrs(vol.bricks, name))).toBe(true)
        expect(await cView(vol.name, `/${name}`)).toEqual(viewOf(expected))
        expect(healInfoCount(vol.name)).toBe(0)
      } finally {
        await set.close()
      }
    }, 120_000)
  })
}

describe('replicate with a brick killed during writes (gfts-i13-r3)', () => {
  const vol = VOLUMES.r3
  it('writes succeed with quorum; the blame is on the survivors when fsync returns; heal makes all copies equal', async () => {
    await withSandboxLock(vol.name, async () => {
      const set = await replicaSet(vol.name)
      const name = uniqueName('killed')
      let written = ''
      try {
        const { fd } = await createFile(set, name)
        const first = randomBytes(64_000)
        await set.afr.writev(CALL, fd, first, 0, 0)
        await killBrick(vol.name, vol.bricks[2]!)
        await waitFor('child 2 down', () => !set.afr.isUp(2), 10_000)
        const second = randomBytes(64_000)
        expect((await set.afr.writev(CALL, fd, second, 64_000, 0)).size).toBe(64_000)
        await set.afr.fsync(CALL, fd, false)
        written = sha(Buffer.concat([first, second]))
        const x = afrXattrs(vol.bricks, name)
        // Survivors blame client-2 in the data slot, already on disk when fsync resolved.
        for (const i of [0, 1]) expect(x[i]![`trusted.afr.${vol.name}-client-2`]).toMatch(/^0000000[1-9a-f]0{16}$/)
        await closeFile(set, fd)
        // The index xlator linked the blamed file: heal info lists it while the brick is down.
        expect(healInfoCount(vol.name)).toBeGreaterThan(0)
      } finally {
        await set.close()
        await restartVolume(vol.name)
      }
      await waitFor('glustershd to heal', () => {
        // The shd may not be connected to the restarted brick yet: the index heal is only a nudge.
        try {
          gluster(['volume', 'heal', vol.name], 0)
        } catch {
          // retried on the next poll
        }
        return healInfoCount(vol.name) === 0
      }, 120_000)
      const copies = brickCopies(vol.bricks, name)
      expect(copies[0]).toEqual(copies[1])
      expect(copies[2]).toEqual(copies[0])
      expect(copies[0]).toEqual({ sha256: written, size: 128_000 })
      expect(allClean(afrXattrs(vol.bricks, name))).toBe(true)
    })
  }, 300_000)
})

describe('replicate with quorum lost (gfts-i13-r3, two bricks down)', () => {
  const vol = VOLUMES.r3
  it('writes and creates fail with ENOTCONN naming the volume and the down bricks, without waiting', async () => {
    await withSandboxLock(vol.name, async () => {
      const set = await replicaSet(vol.name)
      try {
        const { fd } = await createFile(set, uniqueName('q'))
        await killBrick(vol.name, vol.bricks[1]!)
        await killBrick(vol.name, vol.bricks[2]!)
        await waitFor('children 1 and 2 down', () => !set.afr.isUp(1) && !set.afr.isUp(2), 10_000)
        const t0 = Date.now()
        await expect(set.afr.writev(CALL, fd, Buffer.from('x'), 0, 0)).rejects.toMatchObject({ code: 'ENOTCONN', syscall: 'write' })
        await expect(createFile(set, uniqueName('q2'))).rejects.toThrow(/ENOTCONN.*gfts-i13-r3.*quorum.*gfts-i13-r3-client-1.*gfts-i13-r3-client-2/)
        expect(Date.now() - t0).toBeLessThan(5000)
        await set.afr.release(CALL, fd)
      } finally {
        await set.close()
        await restartVolume(vol.name)
      }
    })
  }, 120_000)
})

/** Run `fn` with glustershd off on `volume` (stale copies stay stale), then turn it back on and wait for heal info 0. */
async function withShdOff(volume: string, fn: () => Promise<void>): Promise<void> {
  gluster(['volume', 'set', volume, 'cluster.self-heal-daemon', 'off'])
  try {
    await fn()
  } finally {
    gluster(['volume', 'set', volume, 'cluster.self-heal-daemon', 'on'])
    await waitFor(`${volume} healed`, () => {
      try {
        gluster(['volume', 'heal', volume], 0)
      } catch {
        // the shd may still be starting
      }
      return healInfoCount(volume) === 0
    }, 180_000)
  }
}

describe('replicate with quorum lost to silent bricks (gfts-i13-r3, two bricks SIGSTOPped)', () => {
  const vol = VOLUMES.r3
  it('a write fails ENOTCONN once the ping-timeout declares them dead, not later', async () => {
    await withSandboxLock(vol.name, async () => {
      const pingMs = 3000
      const set = await replicaSet(vol.name, pingMs)
      const stopped: number[] = []
      try {
        const { fd } = await createFile(set, uniqueName('silent'))
        for (const b of [vol.bricks[1]!, vol.bricks[2]!]) stopped.push(await killBrick(vol.name, b, 'SIGSTOP'))
        const t0 = Date.now()
        await expect(set.afr.writev(CALL, fd, Buffer.from('x'), 0, 0)).rejects.toMatchObject({ code: 'ENOTCONN' })
        const waited = Date.now() - t0
        expect(waited).toBeLessThan(pingMs * 3)
        await set.afr.release(CALL, fd).catch(() => undefined)
      } finally {
        for (const pid of stopped) process.kill(pid, 'SIGCONT')
        await set.close()
      }
    })
  }, 120_000)
})

describe('a stale brick is never read (gfts-i13-r3, shd off)', () => {
  const vol = VOLUMES.r3
  it('brick 1 killed, files overwritten, brick 1 back: every read returns the new data', async () => {
    await withSandboxLock(vol.name, () => withShdOff(vol.name, async () => {
      const names = Array.from({ length: 12 }, () => uniqueName('stale'))
      const old = randomBytes(4096)
      const fresh = randomBytes(4096)
      let set = await replicaSet(vol.name)
      const gfids: Buffer[] = []
      try {
        for (const n of names) {
          const { fd } = await createFile(set, n)
          gfids.push(fd.inode.gfid)
          await set.afr.writev(CALL, fd, old, 0, 0)
          await closeFile(set, fd)
        }
        await killBrick(vol.name, vol.bricks[0]!)
        await waitFor('child 0 down', () => !set.afr.isUp(0), 10_000)
        for (const n of names) {
          const { fd } = await openFile(set, n)
          await set.afr.writev(CALL, fd, fresh, 0, 0)
          await closeFile(set, fd)
        }
      } finally {
        await set.close()
        await restartVolume(vol.name)
      }
      // Brick 1 still holds the old data and is the gfid-hash read child of some of these files.
      for (const n of names) expect(brickCopies(vol.bricks, n)[0]!.sha256).toBe(sha(old))
      expect(gfids.filter((g) => superFastHash(g) % 3 === 0).length).toBeGreaterThan(0)
      set = await replicaSet(vol.name)
      try {
        await waitFor('child 0 up', () => set.afr.isUp(0), 20_000)
        for (const n of names) {
          const { fd } = await openFile(set, n, 0)
          const r = await set.afr.readv(CALL, fd, 4096, 0, 0)
          expect(sha(r.data), n).toBe(sha(fresh))
          await closeFile(set, fd)
        }
        // A lookup asked to read (shard's unresolved blocks): the READ goes out on the first answer
        // to the gfid-hash child; where that is the stale brick 1, the answers of all three copies
        // refuse it and no data comes back; elsewhere the lookup brings the new data.
        const staleFirst = gfids.map((g) => superFastHash(g) % 3 === 0)
        expect(staleFirst.filter((s) => !s).length).toBeGreaterThan(0)
        for (const [i, n] of names.entries()) {
          const found = await set.afr.lookup(CALL, { path: `/${n}`, name: n, parent: set.root, inode: undefined }, askReadOnLookup({ offset: 1000, size: 2000, flags: 0 }))
          const early = earlyReadOf(found.xdata)
          if (staleFirst[i]) expect(early, n).toBeUndefined()
          else expect(early && sha(early.data), n).toBe(sha(fresh.subarray(1000, 3000)))
        }
      } finally {
        await set.close()
      }
    }))
  }, 400_000)
})

describe('entry operations with a brick down (gfts-i13-r3)', () => {
  const vol = VOLUMES.r3
  it('the parent is blamed in the entry slot, the new file pending, heal recreates them with equal gfids', async () => {
    await withSandboxLock(vol.name, async () => {
      const dirName = uniqueName('dir')
      const set = await replicaSet(vol.name)
      try {
        const dirInode = new Inode(randomBytes(16), 0o040000)
        await set.afr.mkdir(CALL, { path: `/${dirName}`, name: dirName, parent: set.root, inode: dirInode }, 0o755, 0)
        await killBrick(vol.name, vol.bricks[2]!)
        await waitFor('child 2 down', () => !set.afr.isUp(2), 10_000)
        const f = new Inode(randomBytes(16), 0o100000)
        const fd = new Fd(f, 0o2, false)
        await set.afr.create(CALL, { path: `/${dirName}/f`, name: 'f', parent: dirInode, inode: f }, 0o2 | 0o100, 0o644, 0, fd)
        await closeFile(set, fd)
        await set.afr.mkdir(CALL, { path: `/${dirName}/sub`, name: 'sub', parent: dirInode, inode: new Inode(randomBytes(16), 0o040000) }, 0o755, 0)
        const blame = `trusted.afr.${vol.name}-client-2`
        const dirX = afrXattrs(vol.bricks, dirName)
        for (const i of [0, 1]) expect(dirX[i]![blame]).toMatch(/^0{16}0000000[1-9a-f]$/)
        const fx = afrXattrs(vol.bricks, `${dirName}/f`)
        for (const i of [0, 1]) expect(fx[i]![blame]).toBe('000000010000000100000000')
        const sx = afrXattrs(vol.bricks, `${dirName}/sub`)
        for (const i of [0, 1]) expect(sx[i]![blame]).toBe('000000010000000100000001')
        expect(brickCopies(vol.bricks, `${dirName}/f`)[2]).toBeUndefined()
      } finally {
        await set.close()
        await restartVolume(vol.name)
      }
      await waitFor('glustershd to heal', () => {
        try {
          gluster(['volume', 'heal', vol.name], 0)
        } catch {
          // retried on the next poll
        }
        return healInfoCount(vol.name) === 0
      }, 120_000)
      for (const p of [dirName, `${dirName}/f`, `${dirName}/sub`]) {
        const gfids = vol.bricks.map((b) => gfidOnBrick(b, p))
        expect(gfids[0], p).toMatch(/^[0-9a-f]{32}$/)
        expect(gfids[1]).toBe(gfids[0])
        expect(gfids[2]).toBe(gfids[0])
        expect(allClean(afrXattrs(vol.bricks, p))).toBe(true)
      }
    })
  }, 300_000)
})

function gfidOnBrick(brick: string, path: string): string | undefined {
  const r = spawnSync('getfattr', ['-n', 'trusted.gfid', '-e', 'hex', '--absolute-names', join(brick, path)], { encoding: 'utf8' })
  return /trusted\.gfid=0x([0-9a-f]{32})/.exec(r.stdout ?? '')?.[1]
}

function setAfr(brick: string, path: string, key: string, hex: string | undefined): void {
  const args = hex === undefined ? ['-x', key, join(brick, path)] : ['-n', key, '-v', `0x${hex}`, join(brick, path)]
  const r = spawnSync('setfattr', args, { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`setfattr ${args.join(' ')}: ${r.stderr}`)
}

describe('split-brain made on purpose (gfts-i13-r3)', () => {
  const vol = VOLUMES.r3
  it('a read on an open fd fails EIO, a lookup ENOTCONN, as the C client answers', async () => {
    const name = uniqueName('sb')
    const keys = [0, 1, 2].map((i) => `trusted.afr.${vol.name}-client-${i}`)
    const set = await replicaSet(vol.name)
    try {
      const { fd, loc } = await createFile(set, name)
      await set.afr.writev(CALL, fd, randomBytes(1000), 0, 0)
      await set.afr.fsync(CALL, fd, false)
      // Each brick blames the next one for data: no copy is good. (setfattr does not feed the
      // index, so heal info stays 0, afr.md §2.3.)
      for (let i = 0; i < 3; i++) setAfr(vol.bricks[i]!, name, keys[(i + 1) % 3]!, '000000010000000000000000')
      // Opened by gfid with no lookup (as a cached path resolves): the first read refreshes and
      // sees the split-brain. (An fd whose lookup came before the xattrs changed reads from what
      // that lookup saw, as C's inode ctx does, until a refresh.)
      const reader = new Fd(new Inode(loc.inode!.gfid, 0o100000), 0, false)
      await set.afr.open(CALL, { ...loc, inode: reader.inode }, 0, reader)
      try {
        await expect(set.afr.readv(CALL, reader, 1000, 0, 0)).rejects.toMatchObject({ code: 'EIO' })
        await expect(set.afr.lookup(CALL, { path: `/${name}`, name, parent: set.root, inode: undefined })).rejects.toMatchObject({ code: 'ENOTCONN' })
        await expect(cView(vol.name, `/${name}`)).rejects.toThrow(/ENOTCONN|Transport endpoint is not connected|errno 107/)
      } finally {
        for (let i = 0; i < 3; i++) setAfr(vol.bricks[i]!, name, keys[(i + 1) % 3]!, undefined)
      }
      await closeFile(set, fd)
      await closeFile(set, reader)
    } finally {
      await set.close()
    }
  }, 120_000)
})

describe('this client and the C client writing disjoint ranges of one file at once (gfts-i13-r3)', () => {
  const vol = VOLUMES.r3
  it('the file holds both, every copy equal, heal info 0, no deadlock', async () => {
    const name = uniqueName('both')
    const set = await replicaSet(vol.name)
    try {
      const { fd } = await createFile(set, name)
      const mine = randomBytes(1 << 20)
      const theirs = randomBytes(1 << 20)
      const c = cWrite(vol.name, `/${name}`, 0, theirs, false)
      for (let off = 0; off < mine.length; off += 64 * 1024) {
        await set.afr.writev(CALL, fd, mine.subarray(off, off + 64 * 1024), (1 << 20) + off, 0)
      }
      await set.afr.fsync(CALL, fd, false)
      await c
      await closeFile(set, fd)
      const expected = Buffer.concat([theirs, mine])
      const copies = brickCopies(vol.bricks, name)
      for (const copy of copies) expect(copy).toEqual({ sha256: sha(expected), size: expected.length })
      expect(allClean(afrXattrs(vol.bricks, name))).toBe(true)
      expect(healInfoCount(vol.name)).toBe(0)
      expect(await cView(vol.name, `/${name}`)).toEqual(viewOf(expected))
    } finally {
      await set.close()
    }
  }, 180_000)
})

describe('arbitration (gfts-i13-arb)', () => {
  const vol = VOLUMES.arb
  it('a write whose only good copy would be the arbiter fails ENOTCONN and writes nothing', async () => {
    await withSandboxLock(vol.name, () => withShdOff(vol.name, async () => {
      const name = uniqueName('arb')
      const first = randomBytes(2000)
      let set = await replicaSet(vol.name)
      try {
        const { fd } = await createFile(set, name)
        await set.afr.writev(CALL, fd, first, 0, 0)
        await closeFile(set, fd)
        await killBrick(vol.name, vol.bricks[0]!)
        await waitFor('child 0 down', () => !set.afr.isUp(0), 10_000)
        const { fd: fd2 } = await openFile(set, name)
        await set.afr.writev(CALL, fd2, randomBytes(2000), 0, 0)
        await closeFile(set, fd2)
      } finally {
        await set.close()
        await restartVolume(vol.name)
      }
      // Brick 1 is now blamed (stale), brick 2 holds the good data: open, then take brick 2 away.
      set = await replicaSet(vol.name)
      try {
        await waitFor('all children up', () => [0, 1, 2].every((i) => set.afr.isUp(i)), 20_000)
        const { fd } = await openFile(set, name)
        const before = brickCopies(vol.bricks, name)[0]
        await killBrick(vol.name, vol.bricks[1]!)
        await waitFor('child 1 down', () => !set.afr.isUp(1), 10_000)
        await expect(set.afr.writev(CALL, fd, randomBytes(100), 0, 0)).rejects.toMatchObject({ code: 'ENOTCONN' })
        expect(brickCopies(vol.bricks, name)[0]).toEqual(before)
        // Nor is the stale brick read: the only other candidate is the arbiter.
        await expect(set.afr.readv(CALL, fd, 100, 0, 0)).rejects.toMatchObject({ code: 'EIO' })
        await set.afr.release(CALL, fd)
      } finally {
        await set.close()
        await restartVolume(vol.name)
      }
    }))
  }, 400_000)
})

const MODE_ONLY: SetattrArgs = { mode: 0o600, uid: 0, gid: 0, atime: 0, atimeNsec: 0, mtime: 0, mtimeNsec: 0 }

/** What each brick holds at `path`: kind, permission bits, size, gfid, user.k xattr. */
function brickView(bricks: readonly string[], path: string): (string | undefined)[] {
  return bricks.map((b) => {
    const p = join(b, path)
    let st: ReturnType<typeof lstatSync>
    try {
      st = lstatSync(p)
    } catch {
      return undefined
    }
    const x = spawnSync('getfattr', ['-n', 'user.k', '--only-values', '--absolute-names', p], { encoding: 'utf8' })
    return `${st.mode.toString(8)} ${st.isFile() ? st.size : '-'} ${gfidOnBrick(b, path)} ${x.status === 0 ? x.stdout : '(no user.k)'}`
  })
}

describe('every changing fop through replicate (gfts-i13-r3)', () => {
  const vol = VOLUMES.r3

  async function exercise(set: Awaited<ReturnType<typeof replicaSet>>, dirName: string): Promise<Inode> {
    const dir = new Inode(randomBytes(16), 0o040000)
    await set.afr.mkdir(CALL, { path: `/${dirName}`, name: dirName, parent: set.root, inode: dir }, 0o755, 0)
    const f = new Inode(randomBytes(16), 0o100000)
    const fd = new Fd(f, 2, false)
    const fLoc: Loc = { path: `/${dirName}/a`, name: 'a', parent: dir, inode: f }
    await set.afr.create(CALL, fLoc, 0o2 | 0o100, 0o644, 0, fd)
    await set.afr.writev(CALL, fd, Buffer.alloc(300_000, 7), 0, 0)
    await set.afr.ftruncate(CALL, fd, 250_000)
    await set.afr.fallocate(CALL, fd, 0, 250_000, 10_000)
    await set.afr.discard(CALL, fd, 4096, 8192)
    await set.afr.zerofill(CALL, fd, 65_536, 4096)
    await set.afr.fsync(CALL, fd, false)
    await set.afr.fsetattr(CALL, fd, MODE_ONLY, 1)
    await closeFile(set, fd)
    await set.afr.setxattr(CALL, fLoc, new Dict().setPtr('user.k', Buffer.from('v1')), 0)
    await set.afr.truncate(CALL, fLoc, 200_000)
    const bLoc: Loc = { path: `/${dirName}/b`, name: 'b', parent: dir, inode: undefined }
    await set.afr.rename(CALL, fLoc, bLoc)
    await set.afr.link(CALL, { ...bLoc, inode: f }, { path: `/${dirName}/c`, name: 'c', parent: dir, inode: undefined })
    await set.afr.symlink(CALL, 'b', { path: `/${dirName}/s`, name: 's', parent: dir, inode: new Inode(randomBytes(16), 0o120000) }, 0)
    await set.afr.unlink(CALL, { path: `/${dirName}/c`, name: 'c', parent: dir, inode: f }, 0)
    const sub = new Inode(randomBytes(16), 0o040000)
    await set.afr.mkdir(CALL, { path: `/${dirName}/sub`, name: 'sub', parent: dir, inode: sub }, 0o755, 0)
    await set.afr.rmdir(CALL, { path: `/${dirName}/sub`, name: 'sub', parent: dir, inode: sub }, 0)
    await set.afr.setattr(CALL, { path: `/${dirName}/b`, name: 'b', parent: dir, inode: f }, { ...MODE_ONLY, mode: 0o640 }, 1)
    await set.afr.removexattr(CALL, { path: `/${dirName}/b`, name: 'b', parent: dir, inode: f }, 'user.k')
    await set.afr.setxattr(CALL, { path: `/${dirName}/b`, name: 'b', parent: dir, inode: f }, new Dict().setPtr('user.k', Buffer.from('v2')), 0)
    return f
  }

  function expectSameEverywhere(dirName: string): void {
    for (const p of [dirName, `${dirName}/b`, `${dirName}/s`]) {
      const v = brickView(vol.bricks, p)
      expect(v[0], p).toBeDefined()
      expect(v[1], p).toBe(v[0])
      expect(v[2], p).toBe(v[0])
      expect(allClean(afrXattrs(vol.bricks, p)), p).toBe(true)
    }
    for (const p of [`${dirName}/a`, `${dirName}/c`, `${dirName}/sub`]) expect(brickView(vol.bricks, p), p).toEqual([undefined, undefined, undefined])
    const copies = brickCopies(vol.bricks, `${dirName}/b`)
    expect(copies[0]!.size).toBe(200_000)
    expect(copies[1]).toEqual(copies[0])
    expect(copies[2]).toEqual(copies[0])
  }

  it('all bricks up: every copy identical, nothing pending', async () => {
    const dirName = uniqueName('ops')
    const set = await replicaSet(vol.name)
    try {
      await exercise(set, dirName)
    } finally {
      await set.close()
    }
    expectSameEverywhere(dirName)
    expect(brickView(vol.bricks, `${dirName}/b`)[0]).toMatch(/^100640 200000 [0-9a-f]{32} v2$/)
    expect(healInfoCount(vol.name)).toBe(0)
    expect((await cView(vol.name, `/${dirName}/b`)).size).toBe(200_000)
  }, 120_000)

  it('brick 3 down: the survivors blame it (data, metadata, entry slots), glustershd makes every copy identical', async () => {
    await withSandboxLock(vol.name, async () => {
      const dirName = uniqueName('opsdown')
      const set = await replicaSet(vol.name)
      try {
        await killBrick(vol.name, vol.bricks[2]!)
        await waitFor('child 2 down', () => !set.afr.isUp(2), 10_000)
        await exercise(set, dirName)
        const blame = `trusted.afr.${vol.name}-client-2`
        const fileX = afrXattrs(vol.bricks, `${dirName}/b`)
        for (const i of [0, 1]) {
          const v = fileX[i]![blame]!
          expect(Number.parseInt(v.slice(0, 8), 16), 'data slot').toBeGreaterThan(0)
          expect(Number.parseInt(v.slice(8, 16), 16), 'metadata slot').toBeGreaterThan(0)
        }
        const dirX = afrXattrs(vol.bricks, dirName)
        for (const i of [0, 1]) expect(Number.parseInt(dirX[i]![blame]!.slice(16, 24), 16), 'entry slot').toBeGreaterThan(0)
      } finally {
        await set.close()
        await restartVolume(vol.name)
      }
      await waitFor('glustershd to heal', () => {
        try {
          gluster(['volume', 'heal', vol.name], 0)
        } catch {
          // retried on the next poll
        }
        return healInfoCount(vol.name) === 0
      }, 180_000)
      expectSameEverywhere(dirName)
    })
  }, 300_000)
})

describe('distribute over two replica 3 sets (gfts-i13-d2r3)', () => {
  const vol = VOLUMES.d2r3
  it('directories, files, renames and listings through DHT: each file identical on its set, nothing pending, the C client sees them', async () => {
    ensureVolume(vol)
    const set = await distributedSet(vol.name)
    const dirName = uniqueName('dd')
    const expected = new Map<string, string>()
    try {
      const dir = new Inode(randomBytes(16), 0o040000)
      await set.top.mkdir(CALL, { path: `/${dirName}`, name: dirName, parent: set.root, inode: dir }, 0o755, 0)
      for (let i = 0; i < 12; i++) {
        const f = new Inode(randomBytes(16), 0o100000)
        const fd = new Fd(f, 2, false)
        const name = `f${i}`
        await set.top.create(CALL, { path: `/${dirName}/${name}`, name, parent: dir, inode: f }, 0o2 | 0o100, 0o644, 0, fd)
        const data = randomBytes(10_000 + i)
        await set.top.writev(CALL, fd, data, 0, 0)
        await set.top.flush(CALL, fd)
        await set.top.release(CALL, fd)
        const finalName = i % 3 === 0 ? `r${i}` : name
        if (finalName !== name) {
          await set.top.rename(CALL, { path: `/${dirName}/${name}`, name, parent: dir, inode: f }, { path: `/${dirName}/${finalName}`, name: finalName, parent: dir, inode: undefined })
        }
        expected.set(finalName, sha(data))
      }
      const dfd = new Fd(dir, 0, true)
      await set.top.opendir(CALL, { path: `/${dirName}`, name: dirName, parent: set.root, inode: dir }, dfd)
      const seen: string[] = []
      for (let off = 0n; ;) {
        const r = await set.top.readdirp(CALL, dfd, 64 * 1024, off)
        for (const e of r.entries) if (e.name !== '.' && e.name !== '..') seen.push(e.name)
        if (r.eof || r.entries.length === 0) break
        off = r.entries[r.entries.length - 1]!.offset
      }
      await set.top.releasedir(CALL, dfd)
      expect(seen.sort()).toEqual([...expected.keys()].sort())
    } finally {
      await set.close()
    }
    const sets = [vol.bricks.slice(0, 3), vol.bricks.slice(3, 6)]
    const onEach = [0, 0]
    for (const [name, sum] of expected) {
      const p = `${dirName}/${name}`
      const holders = sets.map((bricks) => brickCopies(bricks, p).filter((c) => c !== undefined && c.size > 0))
      const k = holders[0]!.length > 0 ? 0 : 1
      onEach[k]!++
      expect(holders[k]!.map((c) => c!.sha256), p).toEqual([sum, sum, sum])
      expect(allClean(afrXattrs(sets[k]!, p)), p).toBe(true)
    }
    // Both replica sets hold some of the files: DHT spread them over the two.
    expect(onEach[0]).toBeGreaterThan(0)
    expect(onEach[1]).toBeGreaterThan(0)
    for (const bricks of sets) expect(allClean(afrXattrs(bricks, dirName))).toBe(true)
    expect(healInfoCount(vol.name)).toBe(0)
    const [first] = expected
    expect((await cView(vol.name, `/${dirName}/${first![0]}`)).sha256).toBe(first![1])
  }, 180_000)
})
