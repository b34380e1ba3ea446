// A real glusterd restart under a mounted client. The only test that restarts glusterd: it
// briefly takes the CLI and the volfile service away from every test file running at the same
// time, so it is kept alone here (quick, SIGKILL then start at once), and glusterd is running
// and answering again when it ends, whatever happened.

import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Glfs } from '../../src/api/index.ts'
import type { VolfileServerChange } from '../../src/api/volfile-servers.ts'
import { sandbox, uniqueName, volumeSet } from '../helpers/sandbox.ts'
import { type OwnVolume, createOwnVolume, nextEvent } from '../helpers/lifecycle.ts'

let vol: OwnVolume

beforeAll(() => {
  vol = createOwnVolume(1)
})

afterAll(() => {
  ensureGlusterd()
  vol?.remove()
})

describe('glusterd restarted after mount', () => {
  it('notices glusterd restarting, reconnects to it, and the mount keeps working', async () => {
    const sb = sandbox()
    const glfs = new Glfs(vol.name, { reconnect: { initialDelayMs: 50, maxDelayMs: 300 } })
    glfs.setVolfileServer('tcp', sb.host, sb.port)
    await glfs.init()
    try {
      const name = uniqueName('restart')
      const fd = await glfs.creat(`/${name}`, 'w+')
      const changes: VolfileServerChange[] = []
      glfs.on('volfile-server', (c: VolfileServerChange) => changes.push(c))
      let brickDowns = 0
      glfs.on('brick-down', () => brickDowns++)
      const back = new Promise<void>((resolve) => glfs.on('volfile-server', (c: VolfileServerChange) => {
        if (c.status === 'connected') resolve()
      }))
      restartGlusterd()
      await back
      expect(changes[0]).toMatchObject({ status: 'disconnected' })
      expect(changes.at(-1)).toMatchObject({ status: 'connected', server: { port: sb.port } })
      // The bricks never noticed.
      expect(brickDowns).toBe(0)
      expect(await fd.pwrite('after restart', 0)).toBe(13)
      // The new management connection hears FETCHSPEC.
      const switched = nextEvent(glfs, 'graph-switch', 60_000)
      volumeSet(vol.name, 'network.ping-timeout', '23')
      expect(await switched).toEqual([undefined])
      expect(glfs.volfile).toContain('option ping-timeout 23')
      expect((await fd.pread(13, 0)).toString()).toBe('after restart')
      await fd.close()
      await glfs.unlink(`/${name}`)
    } finally {
      await glfs.fini()
    }
  })
})

function glusterdPid(): number | undefined {
  const r = spawnSync('pidof', ['glusterd'], { encoding: 'utf8' })
  const pid = Number(r.stdout.trim().split(/\s+/)[0])
  return Number.isInteger(pid) && pid > 0 ? pid : undefined
}

function glusterdAnswers(): boolean {
  return spawnSync('gluster', ['--mode=script', 'volume', 'list'], { timeout: 10_000 }).status === 0
}

function waitSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/**
 * Kill glusterd (its bricks keep running) and start it again at once: SIGKILL keeps the outage
 * to the restart itself, where SIGTERM spends over a second shutting down first.
 */
function restartGlusterd(): void {
  const pid = glusterdPid()
  if (pid === undefined) throw new Error('glusterd is not running')
  process.kill(pid, 'SIGKILL')
  for (let i = 0; i < 200 && glusterdPid() === pid; i++) waitSync(10)
  ensureGlusterd()
}

/** Start glusterd if it is not running, and wait (up to 30 s) until it answers the CLI. */
function ensureGlusterd(): void {
  if (glusterdPid() === undefined) spawnSync('glusterd', [], { timeout: 30_000 })
  for (let i = 0; i < 150 && !glusterdAnswers(); i++) waitSync(200)
  if (!glusterdAnswers()) throw new Error('glusterd does not answer after a restart')
}
