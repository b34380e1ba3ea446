/**
 * The sandbox itself: what gluster-sandbox.sh promises (volumes, states, the tiny filesystem, the
 * refused volume) is checked against glusterd and against the reference C client (fio gfapi).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  brickPathOf,
  bricksHolding,
  FioTimeoutError,
  fioGfapi,
  gluster,
  sandbox,
  uniqueName,
  volumeInfo,
  volumeStatus,
  withSandboxLock,
  type VolumeKey,
} from '../helpers/sandbox.ts'
import { createOwnVolume } from '../helpers/lifecycle.ts'
import { waitFor } from '../helpers/replicate.ts'

const sb = sandbox()
/** Where glusterd keeps brick pidfiles (GlusterFS 10 on Debian). */
const VOLS_RUN_DIR = '/var/run/gluster/vols'
const BRICK_PIDFILES_SH = fileURLToPath(new URL('./brick-pidfiles.sh', import.meta.url))

// gluster-sandbox.sh names volumes <GFTS_VOLUME_PREFIX><key>, "gfts-" by default
const prefix = process.env.GFTS_VOLUME_PREFIX ?? 'gfts-'
const expected: Record<VolumeKey, { name: string; bricks: number; started: boolean; type: string }> = {
  single: { name: `${prefix}single`, bricks: 1, started: true, type: 'Distribute' },
  dist2: { name: `${prefix}dist2`, bricks: 2, started: true, type: 'Distribute' },
  dist3: { name: `${prefix}dist3`, bricks: 3, started: true, type: 'Distribute' },
  stopped: { name: `${prefix}stopped`, bricks: 1, started: false, type: 'Distribute' },
  tiny: { name: `${prefix}tiny`, bricks: 1, started: true, type: 'Distribute' },
  fill2: { name: `${prefix}fill2`, bricks: 2, started: true, type: 'Distribute' },
  denied: { name: `${prefix}denied`, bricks: 1, started: true, type: 'Distribute' },
  rep3: { name: `${prefix}rep3`, bricks: 3, started: true, type: 'Replicate' },
  disp: { name: `${prefix}disp`, bricks: 3, started: true, type: 'Disperse' },
  shard: { name: `${prefix}shard`, bricks: 1, started: true, type: 'Distribute' },
  virt: { name: `${prefix}virt`, bricks: 3, started: true, type: 'Replicate' },
  tls: { name: `${prefix}tls`, bricks: 1, started: true, type: 'Distribute' },
}
const keys = Object.keys(expected) as VolumeKey[]

/** Brick log of a brick path, as glusterd names it (/a/b/c -> a-b-c.log). */
function brickLog(brickPath: string): string {
  return `/var/log/glusterfs/bricks/${brickPath.replace(/^\//, '').replace(/\//g, '-')}.log`
}

describe('sandbox description', () => {
  it('describes the twelve volumes with their bricks under the sandbox folder', () => {
    expect(sb.port).toBe(24007)
    expect(sb.host).not.toBe('')
    expect(sb.host).not.toBe('localhost')
    expect(sb.sandboxDir.startsWith('/')).toBe(true)
    expect(Object.keys(sb.volumes).sort()).toEqual([...keys].sort())
    const allBricks = new Set<string>()
    for (const key of keys) {
      const v = sb.volumes[key]
      const want = expected[key]
      expect(v.name).toBe(want.name)
      expect(v.started).toBe(want.started)
      expect(v.bricks).toHaveLength(want.bricks)
      for (const b of v.bricks) {
        expect(b.startsWith(`${sb.sandboxDir}/`)).toBe(true)
        expect(existsSync(b)).toBe(true)
        allBricks.add(b)
      }
    }
    expect(allBricks.size).toBe(keys.reduce((n, k) => n + expected[k].bricks, 0)) // no brick shared between volumes
  })
})

describe('glusterd agrees with the description', () => {
  it.each(keys)('%s: state, brick list and brick processes', (key) => {
    const v = sb.volumes[key]
    const info = volumeInfo(v.name)
    expect(info.name).toBe(v.name)
    expect(info.type).toBe(expected[key].type)
    expect(info.brickCount).toBe(v.bricks.length)
    expect(info.bricks).toEqual(v.bricks.map((b) => `${sb.host}:${b}`))
    if (v.started) {
      expect(info.status).toBe('Started')
      const status = volumeStatus(v.name)
      expect(status.map((s) => s.path).sort()).toEqual([...v.bricks].sort())
      for (const s of status) {
        expect(s.online).toBe(true)
        expect(s.port).toBeGreaterThan(0)
        expect(s.pid).toBeGreaterThan(0)
        expect(existsSync(`/proc/${s.pid}`)).toBe(true)
      }
    } else {
      expect(['Created', 'Stopped']).toContain(info.status)
      expect(() => volumeStatus(v.name)).toThrow(/not started/)
    }
  })

  it('gfts-shard has sharding on with 4 MB blocks', () => {
    const opts = volumeInfo(sb.volumes.shard.name).options
    expect(opts['features.shard']).toBe('on')
    expect(opts['features.shard-block-size']).toBe('4MB')
  })

  it('gfts-tiny sits on a small filesystem and may fill it completely', () => {
    const tiny = sb.volumes.tiny
    const brick = tiny.bricks[0] as string
    const fs = statfsSync(brick)
    const total = fs.blocks * fs.bsize
    expect(total).toBeGreaterThan(16 * 1024 * 1024)
    expect(total).toBeLessThan(128 * 1024 * 1024)
    expect(tiny.sizeBytes).toBe(total)
    expect(['ext4', 'tmpfs']).toContain(tiny.fsType)
    // the root filesystem is not that small: the brick really is on its own mount
    const root = statfsSync(sb.sandboxDir)
    expect(root.blocks * root.bsize).toBeGreaterThan(total)
    expect(volumeInfo(tiny.name).options['storage.reserve']).toBe('0')
  })

  it('gfts-fill2 has each brick on a small filesystem of its own', () => {
    const fill2 = sb.volumes.fill2
    expect(fill2.mountPoints).toHaveLength(2)
    const root = statfsSync(sb.sandboxDir)
    fill2.bricks.forEach((brick, i) => {
      expect(brick.startsWith(`${fill2.mountPoints[i]}/`)).toBe(true)
      const fs = statfsSync(brick)
      expect(fs.blocks * fs.bsize).toBeLessThan(64 * 1024 * 1024)
      expect(root.blocks * root.bsize).toBeGreaterThan(fs.blocks * fs.bsize)
    })
    const devs = fill2.mountPoints.map((m) => execFileSync('findmnt', ['-n', '-o', 'SOURCE', '--mountpoint', m], { encoding: 'utf8' }).trim())
    expect(new Set(devs).size).toBe(2)
    expect(volumeInfo(fill2.name).options['storage.reserve']).toBe('0')
  })

  it('gfts-denied rejects every client address', () => {
    const denied = sb.volumes.denied
    expect(volumeInfo(denied.name).options['auth.reject']).toBe(denied.authReject)
    expect(denied.authReject).toBe('*')
  })
})

// The reference C client, run against the real server. Each fio run takes >= 10 s (glfs_fini),
// so these run concurrently. fio is installed by the sandbox: without it they fail (ToolMissingError),
// they do not skip.
describe.concurrent('fio gfapi (C client) against the sandbox', () => {
  it('writes a file to gfts-single that lands on the brick', async () => {
    const name = uniqueName('sandbox-fio')
    const json = await fioGfapi({ volume: sb.volumes.single.name, filename: name, rw: 'write', bs: '128k', size: '1m' })
    expect(json.jobs[0]?.error).toBe(0)
    expect(json.jobs[0]?.write.io_bytes).toBe(1024 * 1024)
    const onBricks = brickPathOf('single', name)
    expect(onBricks).toEqual([`${sb.volumes.single.bricks[0]}/${name}`])
    expect(bricksHolding('single', name)).toEqual(sb.volumes.single.bricks)
    await fioGfapi({ volume: sb.volumes.single.name, filename: name, rw: 'read', bs: '128k', size: '1m', unlink: true })
    expect(brickPathOf('single', name)).toEqual([])
  })

  it('is refused by gfts-denied at SETVOLUME (glfs_init never completes)', async () => {
    const brick = sb.volumes.denied.bricks[0] as string
    const log = brickLog(brick)
    const count = () => (readFileSync(log, 'utf8').match(/Cannot authenticate client/g) ?? []).length
    const before = count()
    const err = await fioGfapi({
      volume: sb.volumes.denied.name,
      filename: uniqueName('denied'),
      rw: 'write',
      bs: '4k',
      size: '4k',
      timeoutMs: 8_000,
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FioTimeoutError)
    expect(count()).toBeGreaterThan(before)
  })

  it('gets ENOSPC when filling gfts-tiny', async () => {
    await withSandboxLock(sb.volumes.tiny.name, async () => {
      const name = uniqueName('fill')
      const json = await fioGfapi({
        volume: sb.volumes.tiny.name,
        filename: name,
        rw: 'write',
        bs: '1m',
        size: `${Math.ceil((sb.volumes.tiny.sizeBytes * 2) / 1048576)}m`,
        unlink: true, // fio removes the file even after the error, freeing the space again
      })
      const job = json.jobs[0]
      expect(job?.error).toBe(28) // ENOSPC
      expect(job?.write.io_bytes).toBeGreaterThan(sb.volumes.tiny.sizeBytes / 2)
      // write-behind acknowledges a few writes before the brick reports ENOSPC
      expect(job?.write.io_bytes).toBeLessThan(sb.volumes.tiny.sizeBytes + 16 * 1048576)
      expect(brickPathOf('tiny', name)).toEqual([])
    })
  })
})

describe('a brick pidfile whose pid went to another process', () => {
  it('keeps glusterd from starting the brick until brick-pidfiles.sh (run by the sandbox) removes it', async () => {
    const vol = createOwnVolume(1)
    const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' })
    try {
      const [brick] = volumeStatus(vol.name)
      expect(brick?.pid).toBeGreaterThan(0)
      const pidfiles = readdirSync(join(VOLS_RUN_DIR, vol.name)).filter((f) => f.endsWith('.pid'))
      expect(pidfiles).toHaveLength(1)
      const pidfile = join(VOLS_RUN_DIR, vol.name, pidfiles[0]!)
      expect(readFileSync(pidfile, 'utf8').trim()).toBe(String(brick!.pid))
      // The brick dies with its pidfile in place, and its pid is taken by an unrelated process.
      process.kill(brick!.pid!, 'SIGKILL')
      await waitFor('the killed brick to be gone', () => !existsSync(`/proc/${brick!.pid}`), 10_000)
      writeFileSync(pidfile, `${sleeper.pid}\n`)

      gluster(['volume', 'start', vol.name, 'force'])
      await new Promise((resolve) => setTimeout(resolve, 2000))
      expect(volumeStatus(vol.name)[0]?.online).toBe(false)

      execFileSync('bash', [BRICK_PIDFILES_SH], { stdio: ['ignore', 'ignore', 'pipe'] })
      expect(existsSync(pidfile)).toBe(false)
      gluster(['volume', 'start', vol.name, 'force'])
      await waitFor('the brick to come online', () => volumeStatus(vol.name)[0]?.online === true, 30_000)
      // A live brick's pidfile is left alone.
      execFileSync('bash', [BRICK_PIDFILES_SH], { stdio: ['ignore', 'ignore', 'pipe'] })
      expect(readFileSync(pidfile, 'utf8').trim()).toBe(String(volumeStatus(vol.name)[0]?.pid))
    } finally {
      sleeper.kill()
      vol.remove()
    }
  }, 90_000)
})

describe('brick-pidfiles.sh', () => {
  it('removes pidfiles of exited, unrelated and unreadable pids, and says only which', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gfts-pidfiles-'))
    const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' })
    try {
      mkdirSync(join(dir, 'vol'))
      // A pid that exited: the shell's own, once it has returned.
      const exited = execFileSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).trim()
      writeFileSync(join(dir, 'vol', 'exited.pid'), `${exited}\n`)
      writeFileSync(join(dir, 'vol', 'sleep.pid'), `${sleeper.pid}\n`)
      writeFileSync(join(dir, 'vol', 'junk.pid'), 'not a pid\n')
      const run = spawnSync('bash', [BRICK_PIDFILES_SH], { env: { ...process.env, GLUSTER_VOLS_RUN_DIR: dir }, encoding: 'utf8' })
      expect(run.status).toBe(0)
      expect(readdirSync(join(dir, 'vol'))).toEqual([])
      const lines = run.stderr.trim().split('\n')
      expect(lines).toHaveLength(3)
      for (const line of lines) expect(line).toMatch(/^\[brick-pidfiles\] removing stale brick pidfile /)
    } finally {
      sleeper.kill()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
