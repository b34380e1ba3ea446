// Brick death and return, freezes, aborts, fds that cannot come back, volfile changes and
// fini, against a volume this file creates for itself (bricks are killed and frozen here; the
// shared gfts-* volumes are left alone). Tests run in order: the volume starts with
// write-behind off, so every pwrite is a WRITE on the wire, and the later tests change it.

import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { Glfs, type GlfsDir, type GlfsFd, type GlfsOptions, GlusterError } from '../../src/api/index.ts'
import { killBrick, restartVolume, sandbox, uniqueName, volumeSet } from '../helpers/sandbox.ts'
import { type OwnVolume, addBrick, allBricksUp, createOwnVolume, nextEvent } from '../helpers/lifecycle.ts'

const REPO = fileURLToPath(new URL('../..', import.meta.url))
const FAST_RECONNECT: GlfsOptions['reconnect'] = { initialDelayMs: 50, maxDelayMs: 500 }

let vol: OwnVolume
const mounted: Glfs[] = []

beforeAll(() => {
  vol = createOwnVolume(1, { 'performance.write-behind': 'off' })
})

afterEach(async () => {
  await Promise.all(mounted.splice(0).map((g) => g.fini().catch(() => undefined)))
})

afterAll(() => {
  vol?.remove()
})

async function mountOwn(options: GlfsOptions = {}): Promise<Glfs> {
  const sb = sandbox()
  const glfs = new Glfs(vol.name, { reconnect: FAST_RECONNECT, ...options })
  glfs.setVolfileServer('tcp', sb.host, sb.port)
  await glfs.init()
  mounted.push(glfs)
  return glfs
}

async function rejection(p: Promise<unknown>): Promise<Error & { code?: string; maybeApplied?: boolean }> {
  try {
    await p
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected a rejection, but the promise resolved')
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** The directory handle, kept across a reconnect or graph switch, still lists `name`; then clean up. */
async function expectListedThenRemove(glfs: Glfs, dir: GlfsDir, fd: GlfsFd, name: string): Promise<void> {
  const names: string[] = []
  for await (const entry of dir) names.push(entry.name)
  expect(names).toContain(name)
  await dir.close()
  await fd.close()
  await glfs.unlink(`/${name}`)
}

describe('brick killed and restarted', () => {
  it('fails writes in flight with ENOTCONN naming the brick, reconnects by itself, and the same fds work again', async () => {
    const glfs = await mountOwn()
    const brick = `${sandbox().host}:${vol.bricks[0]}`
    const name = uniqueName('kill')
    const fd = await glfs.creat(`/${name}`, 'w+')
    const dir = await glfs.opendir('/')
    await fd.pwrite('first', 0)
    const downs: Array<[unknown, unknown]> = []
    glfs.on('brick-down', (info: unknown, cause: unknown) => downs.push([info, cause]))
    // The loss reaches diagnostics_channel subscribers too (gfapi-ts:disconnect).
    const published: unknown[] = []
    const onDisconnect = (m: unknown): void => void published.push(m)
    subscribe('gfapi-ts:disconnect', onDisconnect)
    onTestFinished(() => void unsubscribe('gfapi-ts:disconnect', onDisconnect))

    // 16 writers keep WRITEs in flight until the brick dies; each stops at its first failure.
    let written = 0
    const failures: GlusterError[] = []
    const writers = Array.from({ length: 16 }, async (_, w) => {
      for (;;) {
        try {
          await fd.pwrite(Buffer.alloc(65536, 0x41 + w), 65536 * (1 + w))
          written++
        } catch (err) {
          failures.push(err as GlusterError)
          return
        }
        await turn()
      }
    })
    while (written < 64) await turn()
    await killBrick(vol.name, vol.bricks[0]!)
    await Promise.all(writers)

    expect(failures).toHaveLength(16)
    for (const err of failures) {
      expect(err).toBeInstanceOf(GlusterError)
      expect(err.code).toBe('ENOTCONN')
      expect(err.brick).toBe(brick)
    }
    // The WRITEs that were on the wire are reported as maybe applied, with the connection loss as cause.
    const inFlight = failures.filter((e) => e.maybeApplied)
    expect(inFlight.length).toBeGreaterThan(0)
    for (const err of inFlight) expect(err.cause).toBeInstanceOf(Error)
    expect(downs).toHaveLength(1)
    expect(downs[0]![0]).toMatchObject({ path: vol.bricks[0], status: 'disconnected' })
    expect(downs[0]![1]).toBeInstanceOf(Error)
    expect(published).toEqual([expect.objectContaining({ volume: vol.name, host: sandbox().host, path: vol.bricks[0], cause: downs[0]![1] })])

    // Down: calls fail at once, nothing waits for the brick.
    expect((await rejection(fd.pread(5, 0))).code).toBe('ENOTCONN')
    expect(glfs.bricks[0]!.status).not.toBe('connected')

    const up = nextEvent(glfs, 'brick-up', 60_000)
    await restartVolume(vol.name)
    await up
    expect(glfs.bricks[0]!.status).toBe('connected')

    // The same fd objects, reopened under the hood.
    expect(await fd.pwrite('after', 0)).toBe(5)
    expect((await fd.pread(5, 0)).toString()).toBe('after')
    await fd.fsync()
    expect(readFileSync(join(vol.bricks[0]!, name)).subarray(0, 5).toString()).toBe('after')
    await expectListedThenRemove(glfs, dir, fd, name)
  })

  it('fails an fd whose file was removed while the brick was down with EBADFD, and keeps the others', async () => {
    const glfs = await mountOwn()
    const gone = uniqueName('gone')
    const kept = uniqueName('kept')
    const goneFd = await glfs.creat(`/${gone}`, 'w+')
    const keptFd = await glfs.creat(`/${kept}`, 'w+')
    await goneFd.pwrite('doomed', 0)
    await keptFd.pwrite('stays', 0)
    const gfid = (await goneFd.fstat()).gfid

    await killBrick(vol.name, vol.bricks[0]!)
    // Remove the file behind the brick's back: its name and its .glusterfs gfid link.
    unlinkSync(join(vol.bricks[0]!, gone))
    unlinkSync(join(vol.bricks[0]!, '.glusterfs', gfid.slice(0, 2), gfid.slice(2, 4), gfid))
    const up = nextEvent(glfs, 'brick-up', 60_000)
    await restartVolume(vol.name)
    await up

    const err = await rejection(goneFd.pread(6, 0)) as GlusterError
    expect(err).toBeInstanceOf(GlusterError)
    expect(err.code).toBe('EBADFD')
    expect(['ESTALE', 'ENOENT']).toContain((err.cause as GlusterError).code)
    expect((await rejection(goneFd.pwrite('x', 0))).code).toBe('EBADFD')
    expect((await keptFd.pread(5, 0)).toString()).toBe('stays')
    await goneFd.close().catch(() => undefined)
    await keptFd.close()
    await glfs.unlink(`/${kept}`)
  })
})

describe('brick frozen (SIGSTOP)', () => {
  it('fails a waiting fsync within the ping-timeout, not twice it, and recovers after SIGCONT', async () => {
    const glfs = await mountOwn({ pingTimeoutMs: 2000 })
    const name = uniqueName('frozen')
    const fd = await glfs.creat(`/${name}`, 'w+')
    await fd.pwrite('before', 0)
    const pid = await killBrick(vol.name, vol.bricks[0]!, 'SIGSTOP')
    let err
    try {
      // The abort fires at 1.75 × ping-timeout: only a ping-timeout that works wins the race.
      err = await rejection(fd.fsync({ signal: AbortSignal.timeout(3500) })) as GlusterError
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    expect(err).toBeInstanceOf(GlusterError)
    expect(err.code).toBe('ENOTCONN')
    expect(err.maybeApplied).toBe(true)
    expect((err.cause as GlusterError).code).toBe('ETIMEDOUT')
    expect((err.cause as GlusterError).syscall).toBe('ping')

    await allBricksUp(glfs, 60_000)
    expect((await fd.pread(6, 0)).toString()).toBe('before')
    await fd.close()
    await glfs.unlink(`/${name}`)
  })

  it('gives up waiting calls when their AbortSignal fires, leaving a read buffer untouched', async () => {
    const glfs = await mountOwn({ pingTimeoutMs: 30_000 })
    const name = uniqueName('abort')
    const fd = await glfs.creat(`/${name}`, 'w+')
    await fd.pwrite('hello world', 0)
    // An already aborted signal: nothing is sent.
    const early = await rejection(fd.pwrite('XXXXX', 0, { signal: AbortSignal.abort() }))
    expect(early).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', maybeApplied: false })

    const pid = await killBrick(vol.name, vol.bricks[0]!, 'SIGSTOP')
    const buf = Buffer.alloc(5, 0x2e)
    let results
    try {
      const ac = new AbortController()
      const waiting = [fd.pread(buf, 0, { signal: ac.signal }), fd.fsync({ signal: ac.signal }), fd.pwrite('later', 100, { signal: ac.signal })].map(rejection)
      setTimeout(() => ac.abort(), 200)
      results = await Promise.all(waiting)
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    for (const err of results) expect(err).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' })
    expect(results.map((e) => e.maybeApplied)).toEqual([false, true, true])
    // The connection lived on: the abandoned READ is answered after SIGCONT, and not copied.
    expect((await fd.pread(11, 0)).toString()).toBe('hello world')
    expect(buf.toString()).toBe('.....')
    await fd.close()
    await glfs.unlink(`/${name}`)
  })
})

describe('volfile changes (FETCHSPEC)', () => {
  it('moves to a new graph when an option changes, without failing calls in progress, and open fds keep working', async () => {
    const glfs = await mountOwn()
    const name = uniqueName('switch')
    const fd = await glfs.creat(`/${name}`, 'w+')
    await fd.pwrite('before', 0)
    const dir = await glfs.opendir('/')
    expect(glfs.volfile).not.toContain('performance/write-behind')

    let ops = 0
    const errors: unknown[] = []
    let stop = false
    const io = (async () => {
      while (!stop) {
        try {
          await fd.pwrite('during', 10)
          expect((await fd.pread(6, 10)).toString()).toBe('during')
          ops++
        } catch (err) {
          errors.push(err)
        }
        await turn()
      }
    })()
    const switched = nextEvent(glfs, 'graph-switch', 60_000)
    volumeSet(vol.name, 'performance.write-behind', 'on')
    const [switchError] = await switched
    stop = true
    await io

    expect(switchError).toBeUndefined()
    expect(errors).toEqual([])
    expect(ops).toBeGreaterThan(0)
    expect(glfs.volfile).toContain('performance/write-behind')
    expect(glfs.describeGraph()).toContain('(performance/write-behind)')
    expect(await fd.pwrite('after!', 0)).toBe(6)
    await fd.fsync()
    expect((await fd.pread(16, 0)).toString()).toBe('after!\0\0\0\0during')
    await expectListedThenRemove(glfs, dir, fd, name)
  })

  it('connects the new brick when one is added, and fds opened before keep working', async () => {
    const glfs = await mountOwn()
    const name = uniqueName('grow')
    const fd = await glfs.creat(`/${name}`, 'w+')
    await fd.pwrite('grown', 0)
    const switched = nextEvent(glfs, 'graph-switch', 60_000)
    addBrick(vol)
    const [switchError] = await switched
    expect(switchError).toBeUndefined()
    await allBricksUp(glfs, 30_000)
    expect(glfs.bricks.map((b) => b.path)).toEqual(vol.bricks)
    expect((await fd.pread(5, 0)).toString()).toBe('grown')
    expect(await fd.pwrite('GROWN', 0)).toBe(5)
    await fd.close()
    expect((await glfs.stat(`/${name}`)).size).toBe(5)
    await glfs.unlink(`/${name}`)
  })
})

describe('fini', () => {
  it('leaves no socket or timer behind, even while a brick is being reconnected', async () => {
    // Sockets of earlier tests' unmounts close on a later tick: count from a settled state.
    await new Promise((resolve) => setTimeout(resolve, 100))
    const before = resources()
    const glfs = await mountOwn({ reconnect: { initialDelayMs: 20, maxDelayMs: 100 } })
    const fd = await glfs.creat(`/${uniqueName('fini')}`, 'w+')
    await fd.pwrite('x', 0)
    await fd.fsync()
    await killBrick(vol.name, vol.bricks[0]!)
    try {
      await nextEvent(glfs, 'brick-down', 10_000).catch(() => undefined)
      // let a few reconnect attempts fail
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(glfs.bricks[0]!.status).not.toBe('connected')
      const during = resources()
      await glfs.fini()
      const after = resources()
      // The mount held sockets and a reconnect timer; none of them outlives fini.
      expect((during.TCPSocketWrap ?? 0) + (during.Timeout ?? 0)).toBeGreaterThan((before.TCPSocketWrap ?? 0) + (before.Timeout ?? 0))
      for (const kind of Object.keys(after)) expect(after[kind]).toBeLessThanOrEqual(before[kind] ?? 0)
    } finally {
      await restartVolume(vol.name)
    }
  })

  it('lets a process that mounted, did I/O and called fini() exit by itself', async () => {
    const sb = sandbox()
    const dir = mkdtempSync(join(tmpdir(), 'gfts-lc-'))
    const script = join(dir, 'child.mts')
    const path = `/${uniqueName('child')}`
    writeFileSync(script, `
      import { Glfs } from ${JSON.stringify(join(REPO, 'src/api/index.ts'))}
      const glfs = new Glfs(${JSON.stringify(vol.name)})
      glfs.setVolfileServer('tcp', ${JSON.stringify(sb.host)}, ${sb.port})
      await glfs.init()
      const fd = await glfs.creat(${JSON.stringify(path)}, 'w+')
      await fd.pwrite('child', 0)
      await fd.fsync()
      const reader = await glfs.open(${JSON.stringify(path)}, 'r')
      const dir = await glfs.opendir('/')
      console.log((await reader.pread(5, 0)).toString())
      await glfs.fini()
      console.log('fini done')
    `)
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      let errOut = ''
      child.stdout.on('data', (d: Buffer) => (out += d.toString()))
      child.stderr.on('data', (d: Buffer) => (errOut += d.toString()))
      let killed = false
      const timer = setTimeout(() => {
        killed = true
        child.kill('SIGKILL')
      }, 30_000)
      const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])))
      clearTimeout(timer)
      expect({ killed, code, signal, errOut }).toEqual({ killed: false, code: 0, signal: null, errOut: '' })
      expect(out.trim().split('\n')).toEqual(['child', 'fini done'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    const glfs = await mountOwn()
    await glfs.unlink(path)
  })
})

/** Sockets and timers this process holds, by kind (vitest's own are the same before and after). */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind === 'TCPSocketWrap' || kind === 'TCPWRAP' || kind === 'PipeWrap' || kind === 'Timeout') counts[kind] = (counts[kind] ?? 0) + 1
  }
  return counts
}
