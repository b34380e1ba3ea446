// Volfile servers and hostile peers: failover at mount through dead, silent, garbage-speaking and
// hanging-up servers, each with its own typed error within its bound; rotation after the mount
// when the volfile server goes away (a proxy in front of glusterd, cut); the same hostile peers
// as a brick port. The real glusterd restart is in lifecycle-glusterd.test.ts.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Glfs, type GlfsOptions, GlusterError } from '../../src/api/index.ts'
import type { VolfileServerChange } from '../../src/api/volfile-servers.ts'
import { RpcError } from '../../src/rpc/errors.ts'
import { connectBrick } from '../../src/xlators/client/handshake.ts'
import { sandbox, uniqueName, volumeSet } from '../helpers/sandbox.ts'
import { HostilePeer, type OwnVolume, Proxy, createOwnVolume, deadPort, nextEvent } from '../helpers/lifecycle.ts'

// glusterd busy with another test's CLI transaction can take a second to answer GETSPEC.
const FAST: GlfsOptions = { connectTimeoutMs: 5000, reconnect: { initialDelayMs: 50, maxDelayMs: 500 } }

let vol: OwnVolume
const cleanups: Array<() => unknown> = []

beforeAll(() => {
  vol = createOwnVolume(1)
})

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

afterAll(() => {
  vol?.remove()
})

async function hostile(behaviour: 'silent' | 'garbage' | 'close'): Promise<HostilePeer> {
  const peer = await new HostilePeer(behaviour).listen()
  cleanups.push(() => peer.close())
  return peer
}

/** A Glfs on `volume` with the given volfile server ports on 127.0.0.1 (`real` = glusterd). */
function glfsWith(volume: string, ports: Array<number | 'real'>, options: GlfsOptions = FAST): Glfs {
  const sb = sandbox()
  const glfs = new Glfs(volume, options)
  for (const p of ports) glfs.setVolfileServer('tcp', p === 'real' ? sb.host : '127.0.0.1', p === 'real' ? sb.port : p)
  cleanups.push(() => glfs.fini().catch(() => undefined))
  return glfs
}

function recordServerChanges(glfs: Glfs): VolfileServerChange[] {
  const changes: VolfileServerChange[] = []
  glfs.on('volfile-server', (c: VolfileServerChange) => changes.push(c))
  return changes
}

async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected a rejection, but the promise resolved')
}

describe('volfile servers at mount', () => {
  it('mounts through the second server when the first accepts and never answers, within the connect timeout', async () => {
    const silent = await hostile('silent')
    const glfs = glfsWith(sandbox().volumes.single.name, [silent.port, 'real'])
    const changes = recordServerChanges(glfs)
    await glfs.init()
    expect(silent.connections).toBe(1)
    const failed = changes.find((c) => c.server.port === silent.port && c.status === 'disconnected')
    expect((failed?.cause as GlusterError).code).toBe('ETIMEDOUT')
    expect(glfs.volfileServer).toMatchObject({ server: { port: sandbox().port }, status: 'connected' })
    expect((await glfs.stat('/')).isDirectory()).toBe(true)
  })

  it('gives each hostile server its own typed error', async () => {
    const garbage = await hostile('garbage')
    const silent = await hostile('silent')
    const closer = await hostile('close')
    const dead = await deadPort()
    const volume = sandbox().volumes.single.name
    const garbageErr = await rejection(glfsWith(volume, [garbage.port]).init())
    expect(garbageErr).toBeInstanceOf(RpcError)
    expect(garbageErr.code).toBe('ERR_RPC_RECORD_TOO_LARGE')
    const silentErr = await rejection(glfsWith(volume, [silent.port]).init())
    expect(silentErr).toMatchObject({ code: 'ETIMEDOUT', port: silent.port })
    const closerErr = await rejection(glfsWith(volume, [closer.port]).init())
    expect(closerErr).toMatchObject({ code: 'ECONNRESET', port: closer.port })
    const deadErr = await rejection(glfsWith(volume, [dead]).init())
    expect(deadErr).toMatchObject({ code: 'ECONNREFUSED', port: dead })
  })

  it('names every server that failed when none answers', async () => {
    const garbage = await hostile('garbage')
    const silent = await hostile('silent')
    const closer = await hostile('close')
    const dead = await deadPort()
    const glfs = glfsWith(sandbox().volumes.single.name, [dead, silent.port, garbage.port, closer.port])
    const changes = recordServerChanges(glfs)
    const err = await rejection(glfs.init()) as GlusterError
    expect(err).toBeInstanceOf(GlusterError)
    expect(err.code).toBe('ECONNREFUSED')
    expect(err.syscall).toBe('init')
    for (const port of [dead, silent.port, garbage.port, closer.port]) expect(err.message).toContain(`127.0.0.1:${port}`)
    expect(changes.filter((c) => c.status === 'disconnected').map((c) => c.server.port)).toEqual([dead, silent.port, garbage.port, closer.port])
  })

  it('stops a mount waiting on a silent server when its AbortSignal fires, and closes the connection', async () => {
    const silent = await hostile('silent')
    const glfs = glfsWith(sandbox().volumes.single.name, [silent.port], { connectTimeoutMs: 60_000 })
    const ac = new AbortController()
    const init = rejection(glfs.init({ signal: ac.signal }))
    while (silent.connections === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    ac.abort()
    expect(await init).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', syscall: 'init' })
    // The peer sees the connection closed by the client.
    while (silent.sockets.size > 0) await new Promise((resolve) => setTimeout(resolve, 5))
    await expect(glfs.stat('/')).rejects.toMatchObject({ code: 'ENOTCONN' })
  })

  it('fails a mount in progress with ECANCELED when fini() is called', async () => {
    const silent = await hostile('silent')
    const glfs = glfsWith(sandbox().volumes.single.name, [silent.port], { connectTimeoutMs: 60_000 })
    const init = rejection(glfs.init())
    while (silent.connections === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    await glfs.fini()
    expect(await init).toMatchObject({ code: 'ECANCELED', syscall: 'init' })
  })
})

describe('hostile peers as a brick port', () => {
  const brick = { volume: 'v', xlatorName: 'v-client-0', remoteHost: '127.0.0.1', glusterdPort: 24007, remoteSubvolume: '/b', transport: 'tcp' as const }
  const cases = [
    ['silent', (e: unknown) => expect(e).toMatchObject({ code: 'ETIMEDOUT' })],
    ['garbage', (e: unknown) => expect(e).toBeInstanceOf(RpcError)],
    // Whether our first call's write or the peer's FIN is seen first decides Node's code: both name a closed peer.
    ['close', (e: unknown) => expect(['ECONNRESET', 'EPIPE']).toContain((e as { code?: string }).code)],
  ] as const
  for (const [behaviour, check] of cases) {
    it(`fails the brick handshake with a ${behaviour} peer within the connect timeout, with a typed error`, async () => {
      const peer = await hostile(behaviour)
      const err = await rejection(connectBrick(brick, peer.port, new Map(), { connectTimeoutMs: 500, pingTimeoutMs: 42_000 }, 0))
      check(err)
      expect(peer.connections).toBe(1)
    })
  }
})

describe('volfile servers after mount', () => {
  it('moves to the next server in the background when the current one goes away, and still hears volfile changes', async () => {
    const sb = sandbox()
    const proxy = await new Proxy(sb.host, sb.port).listen()
    cleanups.push(() => proxy.cut())
    const glfs = glfsWith(vol.name, [proxy.port, 'real'])
    await glfs.init()
    expect(glfs.volfileServer?.server.port).toBe(proxy.port)
    const fd = await glfs.creat(`/${uniqueName('rotate')}`, 'w+')
    const changes = recordServerChanges(glfs)
    const connected = new Promise<void>((resolve) => glfs.on('volfile-server', (c: VolfileServerChange) => {
      if (c.status === 'connected') resolve()
    }))
    await proxy.cut()
    await connected
    expect(changes[0]).toMatchObject({ server: { port: proxy.port }, status: 'disconnected' })
    expect(changes.at(-1)).toMatchObject({ server: { port: sb.port }, status: 'connected' })
    expect(await fd.pwrite('still here', 0)).toBe(10)

    const switched = nextEvent(glfs, 'graph-switch', 60_000)
    volumeSet(vol.name, 'network.ping-timeout', '21')
    expect(await switched).toEqual([undefined])
    expect(glfs.volfile).toContain('option ping-timeout 21')
    expect((await fd.pread(10, 0)).toString()).toBe('still here')
    await fd.close()
  })
})
