import { createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { Glfs, GlusterError } from '../../src/api/index.ts'
import { mount } from '../helpers/mount.ts'

const sb = inject('sandbox')

/** A loopback TCP listener that accepts connections and never says a word. */
async function silentServer(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = []
  const server = createServer((s) => sockets.push(s))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as { port: number }).port, sockets }
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const { server, port } = await silentServer()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

async function initError(glfs: Glfs): Promise<GlusterError> {
  const err = await glfs.init().then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(GlusterError)
  return err as GlusterError
}

describe('Glfs.init against the real glusterd', () => {
  const servers: Array<{ server: Server; sockets: Socket[] }> = []
  afterEach(async () => {
    for (const { server, sockets } of servers.splice(0)) {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  it('mounts the single-brick volume, shows its graph and connected brick, and unmounts', async () => {
    const glfs = await mount('single')
    try {
      const graph = glfs.describeGraph()
      expect(graph.split('\n')[0]).toMatch(new RegExp(`^${sb.volumes.single.name} \\(debug/io-stats\\)`))
      expect(graph).toContain('(protocol/client)')
      expect(graph).toContain('(cluster/distribute)')
      expect(glfs.bricks).toHaveLength(1)
      expect(glfs.bricks[0]).toMatchObject({ path: sb.volumes.single.bricks[0], status: 'connected' })
      expect(glfs.bricks[0]!.port).toBeGreaterThan(0)
      expect((await glfs.stat('/')).isDirectory()).toBe(true)
    } finally {
      await glfs.fini()
    }
    await expect(glfs.stat('/')).rejects.toMatchObject({ code: 'ENOTCONN' })
  })

  it('fails with ECONNREFUSED naming host and port when glusterd is not listening', async () => {
    const port = await closedPort()
    const glfs = new Glfs(sb.volumes.single.name)
    glfs.setVolfileServer('tcp', '127.0.0.1', port)
    const err = await initError(glfs)
    expect(err.code).toBe('ECONNREFUSED')
    expect(err.errno).toBe(-111)
    expect(err.port).toBe(port)
    expect(err.message).toContain(`127.0.0.1:${port}`)
  })

  it('fails with ETIMEDOUT within the connect timeout when the server accepts and stays silent', async () => {
    const silent = await silentServer()
    servers.push(silent)
    const glfs = new Glfs(sb.volumes.single.name, { connectTimeoutMs: 500 })
    glfs.setVolfileServer('tcp', '127.0.0.1', silent.port)
    const err = await initError(glfs)
    expect(err.code).toBe('ETIMEDOUT')
    expect(err.message).toContain(`127.0.0.1:${silent.port}`)
  })

  it('names the volume that does not exist (ENOENT)', async () => {
    const glfs = new Glfs('gfts-no-such-volume')
    glfs.setVolfileServer('tcp', sb.host, sb.port)
    const err = await initError(glfs)
    expect(err.code).toBe('ENOENT')
    expect(err.volume).toBe('gfts-no-such-volume')
    expect(err.message).toContain("volume 'gfts-no-such-volume' does not exist")
  })

  it('says which brick has no port when the volume was created but never started', async () => {
    const glfs = new Glfs(sb.volumes.stopped.name)
    glfs.setVolfileServer('tcp', sb.host, sb.port)
    const err = await initError(glfs)
    expect(err.code).toBe('ENOTCONN')
    expect(err.syscall).toBe('portbybrick')
    expect(err.brick).toContain(sb.volumes.stopped.bricks[0]!)
    expect(err.message).toContain('is volume')
    expect(err.message).toContain('started')
  })

  it('fails with EACCES naming the auth options when SETVOLUME is refused', async () => {
    const glfs = new Glfs(sb.volumes.denied.name)
    glfs.setVolfileServer('tcp', sb.host, sb.port)
    const err = await initError(glfs)
    expect(err.code).toBe('EACCES')
    expect(err.syscall).toBe('setvolume')
    expect(err.brick).toContain(sb.volumes.denied.bricks[0]!)
    expect(err.message).toContain('auth.allow')
    expect(err.message).toContain('auth.reject')
  })

  it('fails over to the next volfile server when the first refuses connections', async () => {
    const glfs = new Glfs(sb.volumes.single.name, { connectTimeoutMs: 1000 })
    glfs.setVolfileServer('tcp', '127.0.0.1', await closedPort())
    glfs.setVolfileServer('tcp', sb.host, sb.port)
    await glfs.init()
    try {
      expect((await glfs.stat('/')).isDirectory()).toBe(true)
    } finally {
      await glfs.fini()
    }
  })

  it('fetches the volfile over glusterd\'s unix socket (gluster+unix://)', async () => {
    const glfs = Glfs.fromUri(`gluster+unix:///${sb.volumes.single.name}/x?socket=/var/run/glusterd.socket`)
    await glfs.init()
    try {
      expect(glfs.volfileServers[0]).toMatchObject({ transport: 'unix', socketPath: '/var/run/glusterd.socket' })
      expect((await glfs.stat('/')).isDirectory()).toBe(true)
    } finally {
      await glfs.fini()
    }
  })

  it('mounts from a gluster:// URI', async () => {
    const glfs = Glfs.fromUri(`gluster://${sb.host}:${sb.port}/${sb.volumes.single.name}/some/file.img`)
    expect(glfs.uri?.path).toBe('/some/file.img')
    await glfs.init()
    try {
      expect(glfs.bricks[0]?.status).toBe('connected')
    } finally {
      await glfs.fini()
    }
  })

  it('refuses init twice and path calls before init', async () => {
    const glfs = new Glfs(sb.volumes.single.name)
    glfs.setVolfileServer('tcp', sb.host, sb.port)
    await expect(glfs.stat('/')).rejects.toMatchObject({ code: 'ENOTCONN' })
    await glfs.init()
    try {
      await expect(glfs.init()).rejects.toMatchObject({ code: 'EINVAL' })
    } finally {
      await glfs.fini()
    }
  })
})
