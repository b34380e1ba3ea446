/**
 * Helpers of the connection-lifecycle tests: throwaway volumes that a test file may kill and
 * change at will, hostile TCP peers, a TCP proxy to cut, and waits on Glfs events.
 */
import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, rmSync } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import type { Glfs } from '../../src/api/index.ts'
import { gluster, sandbox, uniqueName, volumeStatus } from './sandbox.ts'

/** A volume created by a test file for itself (bricks under the sandbox folder). */
export interface OwnVolume {
  readonly name: string
  /** Absolute brick directories, in volume order. */
  readonly bricks: string[]
  /** Stop and delete the volume and remove its bricks. */
  remove(): void
}

/** Create and start a plain distribute volume of `brickCount` bricks named `lc-...`. */
export function createOwnVolume(brickCount: number, options: Record<string, string> = {}): OwnVolume {
  const sb = sandbox()
  const name = uniqueName('lc')
  const root = join(sb.sandboxDir, 'lifecycle', name)
  const bricks = Array.from({ length: brickCount }, (_, i) => join(root, `b${i}`))
  for (const b of bricks) mkdirSync(b, { recursive: true })
  gluster(['volume', 'create', name, ...bricks.map((b) => `${sb.host}:${b}`), 'force'])
  for (const [key, value] of Object.entries(options)) gluster(['volume', 'set', name, key, value])
  gluster(['volume', 'start', name])
  return {
    name,
    bricks,
    remove(): void {
      // Bricks frozen by a failed test would keep `volume stop` waiting.
      for (const b of volumeStatus(name)) if (b.pid !== null) spawnSync('kill', ['-CONT', String(b.pid)])
      gluster(['volume', 'stop', name, 'force'])
      gluster(['volume', 'delete', name])
      rmSync(root, { recursive: true, force: true })
    },
  }
}

/** Add a brick to an own volume (a volfile change with a new protocol/client). */
export function addBrick(volume: OwnVolume): string {
  const brick = join(sandbox().sandboxDir, 'lifecycle', volume.name, `b${volume.bricks.length}`)
  mkdirSync(brick, { recursive: true })
  gluster(['volume', 'add-brick', volume.name, `${sandbox().host}:${brick}`, 'force'])
  volume.bricks.push(brick)
  return brick
}

/** The next `event` of `glfs` within `timeoutMs`, with its arguments; rejects on timeout. */
export async function nextEvent(glfs: Glfs, event: string, timeoutMs: number): Promise<unknown[]> {
  const ac = new AbortController()
  const timer = setTimeout(() => ac.abort(new Error(`no '${event}' event within ${timeoutMs} ms`)), timeoutMs)
  try {
    return await once(glfs, event, { signal: ac.signal })
  } catch (err) {
    throw ac.signal.aborted ? ac.signal.reason : err
  } finally {
    clearTimeout(timer)
  }
}

/** Resolves when every brick of `glfs` is connected (at once if they are), or rejects after `timeoutMs`. */
export async function allBricksUp(glfs: Glfs, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!glfs.bricks.every((b) => b.status === 'connected')) {
    const left = deadline - Date.now()
    if (left <= 0) throw new Error(`bricks not all connected after ${timeoutMs} ms: ${JSON.stringify(glfs.bricks)}`)
    await nextEvent(glfs, 'brick-up', left).catch(() => undefined)
  }
}

/** What a hostile peer does with each connection. */
export type PeerBehaviour = 'silent' | 'garbage' | 'close'

/** A TCP listener on 127.0.0.1 that misbehaves; `connections` counts accepted sockets. */
export class HostilePeer {
  readonly server: Server
  readonly sockets = new Set<Socket>()
  connections = 0
  port = 0

  constructor(behaviour: PeerBehaviour) {
    this.server = createServer((socket) => {
      this.connections++
      this.sockets.add(socket)
      socket.on('error', () => undefined)
      socket.on('close', () => this.sockets.delete(socket))
      // Reading (and dropping) what the client sends lets the peer see the client hang up.
      if (behaviour === 'silent') socket.resume()
      else if (behaviour === 'close') socket.destroy()
      // An HTTP answer: its first four bytes read as a record mark announce ~1.2 GB.
      else if (behaviour === 'garbage') socket.once('data', () => socket.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'))
    })
  }

  async listen(): Promise<this> {
    this.server.listen(0, '127.0.0.1')
    await once(this.server, 'listening')
    this.port = (this.server.address() as { port: number }).port
    return this
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

/** A port on 127.0.0.1 where nothing listens (bound, then closed). */
export async function deadPort(): Promise<number> {
  const s = createServer()
  s.listen(0, '127.0.0.1')
  await once(s, 'listening')
  const port = (s.address() as { port: number }).port
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}

/** A TCP proxy to `target`: a volfile server that can be made to vanish with `cut()`. */
export class Proxy {
  readonly server: Server
  readonly sockets = new Set<Socket>()
  port = 0

  constructor(targetHost: string, targetPort: number) {
    this.server = createServer((client) => {
      const upstream = createConnection({ host: targetHost, port: targetPort })
      for (const s of [client, upstream]) {
        this.sockets.add(s)
        s.on('error', () => undefined)
        s.on('close', () => {
          this.sockets.delete(s)
          client.destroy()
          upstream.destroy()
        })
      }
      client.pipe(upstream)
      upstream.pipe(client)
    })
  }

  async listen(): Promise<this> {
    this.server.listen(0, '127.0.0.1')
    await once(this.server, 'listening')
    this.port = (this.server.address() as { port: number }).port
    return this
  }

  /** Stop listening and drop every proxied connection. */
  async cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    for (const s of this.sockets) s.destroy()
    await closed
  }
}
