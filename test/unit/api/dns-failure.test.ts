/**
 * A volfile server whose name does not resolve fails init() with Node's own ENOTFOUND (code and
 * errno as getaddrinfo reported them) naming the host, not a made-up Linux errno.
 */
import { lookup } from 'node:dns/promises'
import { describe, expect, it } from 'vitest'
import { Glfs, GlusterError } from '../../../src/api/index.ts'

// RFC 6761: .invalid never resolves.
const HOST = 'gfapi-ts-no-such-host.invalid'

describe('a volfile server name that does not resolve', () => {
  it('fails init() with ENOTFOUND and the host, as Node reports the lookup', async () => {
    const node = await lookup(HOST).then(() => undefined, (err: NodeJS.ErrnoException) => err)
    expect(node?.code).toBe('ENOTFOUND')
    const glfs = new Glfs('vol', { connectTimeoutMs: 5000 })
    glfs.setVolfileServer('tcp', HOST, 24007)
    const err = await glfs.init().then(() => undefined, (e: unknown) => e)
    await glfs.fini()
    expect(err).toBeInstanceOf(GlusterError)
    expect(err).toMatchObject({ code: 'ENOTFOUND', errno: node!.errno, host: HOST, port: 24007, volume: 'vol' })
    expect((err as Error).message).toMatch(/^ENOTFOUND: host name not found, /)
    expect((err as Error).message).toContain(`${HOST}:24007`)
  })
})
