/**
 * Replica 3 and arbiter volumes mounted through `Glfs`: the whole client graph the volfile
 * describes (protocol/client × 3, cluster/replicate, the DHT pass-through, write-behind, ...),
 * judged by the bricks (sha256 of each copy, trusted.afr.* and trusted.gfid, heal info) and the
 * C client. Also the heal events a lookup raises ('heal-pending', 'split-brain').
 * Bricks are killed and restarted only on gfts-i13-r3.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Glfs, HealReport } from '../../src/api/index.ts'
import { cView, viewOf } from '../helpers/c-peer.ts'
import { gluster, killBrick, restartVolume, runProcess, sandbox, uniqueName, withSandboxLock } from '../helpers/sandbox.ts'
import { mountVolume } from '../helpers/throwaway-volume.ts'
import { VOLUMES, afrXattrs, allClean, brickCopies, cWrite, useReplicaVolumesAlone, healInfoCount, sha, waitFor } from '../helpers/replicate.ts'

const PEER = '/work/shared/tools/gfapi_peer.py'

useReplicaVolumesAlone()

/** trusted.gfid of `rel` on each brick, hex (undefined where the brick has no such entry). */
function gfids(bricks: readonly string[], rel: string): (string | undefined)[] {
  return bricks.map((b) => {
    const r = spawnSync('getfattr', ['-n', 'trusted.gfid', '-e', 'hex', '--absolute-names', join(b, rel)], { encoding: 'utf8' })
    return /trusted\.gfid=0x([0-9a-f]{32})/.exec(r.stdout ?? '')?.[1]
  })
}

/** The names the C client lists in `dir`. */
async function cList(volume: string, dir: string): Promise<string[]> {
  const sb = sandbox()
  const r = await runProcess('python3', [PEER, '-s', sb.host, '-p', String(sb.port), '-V', volume, 'ls', dir], 60_000)
  if (r.status !== 0) throw new Error(`gfapi_peer ls ${dir}: exit ${r.status}: ${r.stderr.slice(-300)}`)
  // lines of `mode size name`
  return r.stdout.split('\n').map((l) => l.trim().split(/\s+/).slice(2).join(' ')).filter((n) => n !== '' && n !== '.' && n !== '..').sort()
}

/** Every data brick holds `expected`; the arbiter (index 2 of an arbiter volume) an empty copy. */
function expectCopies(bricks: readonly string[], rel: string, expected: Buffer, arbiter: boolean): void {
  const copies = brickCopies(bricks, rel)
  for (let i = 0; i < 3; i++) {
    if (arbiter && i === 2) expect(copies[i], `arbiter copy of ${rel}`).toMatchObject({ size: 0 })
    else expect(copies[i], `brick ${i} copy of ${rel}`).toEqual({ sha256: sha(expected), size: expected.length })
  }
}

for (const key of ['r3', 'arb'] as const) {
  const vol = VOLUMES[key]
  const arbiter = key === 'arb'
  describe(`Glfs on ${vol.name} (${vol.create.join(' ')})`, () => {
    it('creat, writes, fsync, close, read back, mkdir, rename, readdir, unlink: the bricks agree, clean, heal info 0, the C client sees it', async () => {
      const glfs = await mountVolume(vol.name)
      try {
        expect(glfs.describeGraph()).toContain('(cluster/replicate)')
        const dir = uniqueName('mdir')
        await glfs.mkdir(`/${dir}`)
        const data = randomBytes(3 * 1024 * 1024 + 4321)
        const fd = await glfs.creat(`/${dir}/a`, 'w')
        for (let off = 0; off < data.length; off += 128 * 1024) {
          expect(await fd.pwrite(data.subarray(off, off + 128 * 1024), off)).toBe(Math.min(128 * 1024, data.length - off))
        }
        await fd.fsync()
        await fd.close()
        expect(sha(await glfs.readFile(`/${dir}/a`))).toBe(sha(data))
        await glfs.rename(`/${dir}/a`, `/${dir}/b`)
        expect(await glfs.readdir(`/${dir}`)).toEqual(['b'])

        // an overwrite of a file the C client made, through the same graph
        const original = randomBytes(200_000)
        await cWrite(vol.name, `/${dir}/c`, 0, original, true)
        const patch = randomBytes(50_000)
        const cfd = await glfs.open(`/${dir}/c`, 'r+')
        await cfd.pwrite(patch, 100_000)
        await cfd.close()
        const patched = Buffer.from(original)
        patch.copy(patched, 100_000)

        expectCopies(vol.bricks, `${dir}/b`, data, arbiter)
        expectCopies(vol.bricks, `${dir}/c`, patched, arbiter)
        for (const b of vol.bricks) expect(existsSync(join(b, dir, 'a')), `${b}/${dir}/a after rename`).toBe(false)
        for (const rel of [dir, `${dir}/b`, `${dir}/c`]) {
          expect(allClean(afrXattrs(vol.bricks, rel)), `afr xattrs of ${rel}`).toBe(true)
          const g = gfids(vol.bricks, rel)
          expect(g[0], `gfid of ${rel}`).toMatch(/^[0-9a-f]{32}$/)
          expect(new Set(g).size, `gfids of ${rel}: ${g.join(' ')}`).toBe(1)
        }
        expect(healInfoCount(vol.name)).toBe(0)
        expect(await cView(vol.name, `/${dir}/b`)).toEqual(viewOf(data))
        expect(await cView(vol.name, `/${dir}/c`)).toEqual(viewOf(patched))
        expect(await cList(vol.name, `/${dir}`)).toEqual(['b', 'c'])

        await glfs.unlink(`/${dir}/b`)
        await glfs.unlink(`/${dir}/c`)
        expect(await glfs.readdir(`/${dir}`)).toEqual([])
        for (const b of vol.bricks) expect(existsSync(join(b, dir, 'b')) || existsSync(join(b, dir, 'c')), `${b} after unlink`).toBe(false)
        expect(await cList(vol.name, `/${dir}`)).toEqual([])
        await glfs.rmdir(`/${dir}`)
        for (const b of vol.bricks) expect(existsSync(join(b, dir)), `${b}/${dir} after rmdir`).toBe(false)
        expect(allClean(afrXattrs(vol.bricks, '.'))).toBe(true)
        expect(healInfoCount(vol.name)).toBe(0)
      } finally {
        await glfs.fini()
      }
    }, 180_000)
  })
}

describe(`heal events on ${VOLUMES.r3.name}`, () => {
  const vol = VOLUMES.r3

  it("a file written while a brick was down: a stat emits 'heal-pending' naming that brick, once", async () => {
    await withSandboxLock(vol.name, async () => {
      const glfs = await mountVolume(vol.name)
      const reports: HealReport[] = []
      glfs.on('heal-pending', (r) => reports.push(r))
      glfs.on('split-brain', (r) => reports.push(r))
      const name = `/${uniqueName('hp')}`
      try {
        await glfs.writeFile(name, randomBytes(10_000))
        await glfs.stat(name)
        expect(reports).toEqual([])
        const down = new Promise((resolve) => glfs.once('brick-down', resolve))
        await killBrick(vol.name, vol.bricks[2]!)
        await Promise.race([down, new Promise((_, reject) => setTimeout(() => reject(new Error('no brick-down within 10 s')), 10_000))])
        const fd = await glfs.open(name, 'r+')
        await fd.pwrite(randomBytes(5000), 2000)
        await fd.fsync()
        await fd.close()
        await glfs.stat(name)
        await glfs.stat(name)
        const mine = reports.filter((r) => r.path === name)
        expect(mine).toHaveLength(1)
        expect(mine[0]).toMatchObject({ kind: 'heal-pending', volume: vol.name, xlator: `${vol.name}-replicate-0` })
        expect(mine[0]!.gfid).toMatch(/^[0-9a-f-]{36}$/)
        expect(mine[0]!.bricks).toHaveLength(1)
        expect(mine[0]!.bricks[0]).toMatch(new RegExp(`:${vol.bricks[2]}$`))
      } finally {
        await glfs.fini()
        await restartVolume(vol.name)
      }
      await waitFor('glustershd to heal', () => {
        spawnSync('gluster', ['volume', 'heal', vol.name], { encoding: 'utf8' })
        return healInfoCount(vol.name) === 0
      }, 120_000)
      const copies = brickCopies(vol.bricks, name.slice(1))
      expect(copies[2]).toEqual(copies[0])
    })
  }, 240_000)

  it('an fd opened while a brick was down is opened there when it comes back (afr_fix_open): later writes reach it, nothing blamed', async () => {
    await withSandboxLock(vol.name, async () => {
      const glfs = await mountVolume(vol.name)
      const name = uniqueName('fixopen')
      try {
        const original = randomBytes(100_000)
        await glfs.writeFile(`/${name}`, original)
        const down = new Promise((resolve) => glfs.once('brick-down', resolve))
        await killBrick(vol.name, vol.bricks[2]!)
        await down
        const fd = await glfs.open(`/${name}`, 'r+')
        const up = new Promise((resolve) => glfs.once('brick-up', resolve))
        await restartVolume(vol.name)
        await Promise.race([up, new Promise((_, reject) => setTimeout(() => reject(new Error('no brick-up within 60 s')), 60_000))])
        const patch = randomBytes(20_000)
        await fd.pwrite(patch, 40_000)
        await fd.fsync()
        await fd.close()
        const expected = Buffer.from(original)
        patch.copy(expected, 40_000)
        // Without the reopen the write fails EBADF on brick 3, which the survivors then blame.
        expectCopies(vol.bricks, name, expected, false)
        expect(allClean(afrXattrs(vol.bricks, name))).toBe(true)
        expect(gluster(['volume', 'heal', vol.name, 'info'])).not.toContain(name)
      } finally {
        await glfs.fini()
        await restartVolume(vol.name)
      }
    })
  }, 180_000)

  it("a split-brain made on purpose: a stat fails ENOTCONN and emits 'split-brain' naming every brick", async () => {
    const name = uniqueName('sb')
    await cWrite(vol.name, `/${name}`, 0, randomBytes(1000), true)
    const keys = [0, 1, 2].map((i) => `trusted.afr.${vol.name}-client-${i}`)
    const setAfr = (brick: string, k: string, hex: string | undefined): void => {
      const args = hex === undefined ? ['-x', k, join(brick, name)] : ['-n', k, '-v', `0x${hex}`, join(brick, name)]
      const r = spawnSync('setfattr', args, { encoding: 'utf8' })
      if (r.status !== 0) throw new Error(`setfattr ${args.join(' ')}: ${r.stderr}`)
    }
    // Each brick blames the next for data: no copy is good (setfattr feeds no index: heal info stays 0).
    for (let i = 0; i < 3; i++) setAfr(vol.bricks[i]!, keys[(i + 1) % 3]!, '000000010000000000000000')
    const glfs = await mountVolume(vol.name)
    const reports: HealReport[] = []
    glfs.on('split-brain', (r) => reports.push(r))
    try {
      await expect(glfs.stat(`/${name}`)).rejects.toMatchObject({ code: 'ENOTCONN' })
      expect(reports).toHaveLength(1)
      expect(reports[0]).toMatchObject({ kind: 'split-brain', volume: vol.name, path: `/${name}` })
      expect(reports[0]!.bricks.map((b) => b.slice(b.indexOf(':') + 1))).toEqual(vol.bricks)
    } finally {
      await glfs.fini()
      for (let i = 0; i < 3; i++) setAfr(vol.bricks[i]!, keys[(i + 1) % 3]!, undefined)
    }
  }, 120_000)
})
