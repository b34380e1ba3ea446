// Connection lifecycle of RpcClient and the reconnect machinery, against raw TCP peers on
// 127.0.0.1 (a unit test of the transport, not of GlusterFS): the liveness clock, a peer that
// hangs up, backoff and the Reconnector. Deadlines, late replies, whenIdle and close during
// connect are in client.test.ts.

import { once } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { AuthFlavor, type AuthIdentity } from '../../../src/rpc/auth.ts'
import { DEFAULT_BACKOFF, backoffDelayMs, backoffOptions } from '../../../src/rpc/backoff.ts'
import { RpcClient, type RpcClientOptions } from '../../../src/rpc/client.ts'
import { GlusterError } from '../../../src/rpc/errors.ts'
import type { RpcProgram } from '../../../src/rpc/message.ts'
import { Reconnector } from '../../../src/rpc/reconnect.ts'
import { xdr } from '../../helpers/xdr-bytes.ts'

const LAST = 0x80000000
const PROGRAM: RpcProgram = { name: 'Test Program', number: 0x20000123, version: 3, procedures: ['NULL', 'ECHO'] }
const ECHO = 1
const DUMP_PROGRAM_NUMBER = 123451501
const ID: AuthIdentity = { pid: 1, uid: 0, gid: 0, groups: [], lkOwner: Buffer.alloc(8, 1) }

interface Received {
  readonly xid: number
  readonly prog: number
  readonly proc: number
  readonly socket: Socket
}

/** A raw peer: splits the client's records, reports each CALL; answers only what `onCall` does. */
class Peer {
  readonly server: Server
  readonly sockets: Socket[] = []
  readonly calls: Received[] = []
  port = 0

  constructor(onCall: (call: Received) => void = () => undefined) {
    this.server = createServer((socket) => {
      this.sockets.push(socket)
      socket.on('error', () => undefined)
      let pending = Buffer.alloc(0)
      socket.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk])
        while (pending.length >= 4) {
          const length = pending.readUInt32BE(0) & 0x7fffffff
          if (pending.length < 4 + length) break
          const rec = pending.subarray(4, 4 + length)
          pending = pending.subarray(4 + length)
          const call = { xid: rec.readUInt32BE(0), prog: rec.readUInt32BE(12), proc: rec.readUInt32BE(20), socket }
          this.calls.push(call)
          onCall(call)
        }
      })
    })
  }

  async listen(): Promise<this> {
    this.server.listen(0, '127.0.0.1')
    await once(this.server, 'listening')
    this.port = (this.server.address() as { port: number }).port
    return this
  }

  async waitForCalls(n: number): Promise<Received[]> {
    while (this.calls.length < n) await new Promise((resolve) => setTimeout(resolve, 5))
    return this.calls.slice(0, n)
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

function reply(xid: number, value: number): Buffer {
  const body = xdr().u32(xid).u32(1).u32(0).u32(0).u32(0).u32(0).u32(value).bytes()
  return xdr().u32(LAST + body.length).raw(body).bytes()
}

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

async function peer(onCall?: (call: Received) => void): Promise<Peer> {
  const p = await new Peer(onCall).listen()
  cleanups.push(() => p.close())
  return p
}

async function connected(p: Peer, options: RpcClientOptions = {}): Promise<RpcClient> {
  const client = new RpcClient({ transport: 'tcp', host: '127.0.0.1', port: p.port }, options)
  cleanups.push(() => client.close())
  await client.connect()
  return client
}

function echo(client: RpcClient, value: number, timeoutMs?: number): Promise<number> {
  return client.call(PROGRAM, ECHO, AuthFlavor.NULL, ID, (w) => {
    w.uint32(value)
  }, timeoutMs).then((r) => r.uint32())
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection, but the promise resolved')
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe('RpcClient liveness clock', () => {
  it('does not count an idle spell against the ping-timeout of the next call', async () => {
    // The peer never answers pings and answers ECHO only after 150 ms (half the ping-timeout):
    // a client that measured silence from the last byte received, idle time included, would
    // drop the connection right after the call goes out.
    const p = await peer((call) => {
      if (call.prog === PROGRAM.number) setTimeout(() => call.socket.write(reply(call.xid, 7)), 150)
    })
    const client = await connected(p, { pingTimeoutMs: 300 })
    await sleep(700)
    expect(await echo(client, 7)).toBe(7)
    expect(client.status).toBe('connected')
  })

  it('drops a peer that stops answering, failing the call ENOTCONN with the ping-timeout as cause', async () => {
    const p = await peer()
    const client = await connected(p, { pingTimeoutMs: 200 })
    const err = await rejection(echo(client, 1))
    expect(err).toBeInstanceOf(GlusterError)
    expect((err as GlusterError).code).toBe('ENOTCONN')
    const cause = (err as GlusterError).cause as GlusterError
    expect(cause.code).toBe('ETIMEDOUT')
    expect(cause.syscall).toBe('ping')
    expect(p.calls.some((c) => c.prog === DUMP_PROGRAM_NUMBER && c.proc === 2)).toBe(true)
  })
})

describe('RpcClient peer close', () => {
  it('reports a peer that closes at once as ECONNRESET, and fails the calls it had with it as cause', async () => {
    const p = await peer((call) => call.socket.end())
    const client = await connected(p)
    const err = await rejection(echo(client, 1))
    expect((err as GlusterError).code).toBe('ENOTCONN')
    expect(client.closeError).toBeInstanceOf(GlusterError)
    expect((client.closeError as GlusterError).code).toBe('ECONNRESET')
    expect((err as GlusterError).cause).toBe(client.closeError)
  })
})

describe('backoff', () => {
  it('doubles from the initial delay up to the cap, each wait cut by at most the jitter share', () => {
    const o = backoffOptions({ initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5 })
    expect([0, 1, 2, 3, 4, 10, 500].map((n) => backoffDelayMs(o, n, () => 0))).toEqual([100, 200, 400, 800, 1000, 1000, 1000])
    expect([0, 1, 4].map((n) => backoffDelayMs(o, n, () => 1))).toEqual([50, 100, 500])
    for (let n = 0; n < 20; n++) {
      const d = backoffDelayMs(o, n)
      const base = Math.min(1000, 100 * 2 ** n)
      expect(d).toBeGreaterThanOrEqual(base / 2)
      expect(d).toBeLessThanOrEqual(base)
    }
  })

  it('has defaults and refuses nonsense with ERR_OUT_OF_RANGE', () => {
    expect(backoffOptions(undefined)).toEqual(DEFAULT_BACKOFF)
    for (const bad of [{ initialDelayMs: -1 }, { maxDelayMs: 10, initialDelayMs: 100 }, { factor: 0.5 }, { jitter: 2 }, { initialDelayMs: Number.NaN }]) {
      expect(() => backoffOptions(bad)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    }
  })
})

describe('Reconnector', () => {
  it('retries a failing attempt with backoff until it succeeds, reporting each failure', async () => {
    let tries = 0
    const failures: number[] = []
    let succeeded!: () => void
    const done = new Promise<void>((resolve) => {
      succeeded = resolve
    })
    const r = new Reconnector(async () => {
      tries++
      if (tries < 4) throw new Error(`try ${tries}`)
      succeeded()
    }, (_err, attempt) => failures.push(attempt), { initialDelayMs: 1, maxDelayMs: 8 })
    cleanups.push(() => r.stop())
    r.schedule()
    r.schedule() // a second schedule while armed adds nothing
    await done
    expect(tries).toBe(4)
    expect(failures).toEqual([0, 1, 2])
    await sleep(0)
    expect(r.attempts).toBe(0)
    expect(r.active).toBe(false)
  })

  it('stops retrying after stop(), even while an attempt is running', async () => {
    let tries = 0
    let release!: () => void
    const r = new Reconnector(() => {
      tries++
      return new Promise<void>((_resolve, reject) => {
        release = () => reject(new Error('failed'))
      })
    }, () => undefined, { initialDelayMs: 1, maxDelayMs: 1 })
    r.schedule()
    while (tries === 0) await sleep(1)
    r.stop()
    release()
    await sleep(20)
    expect(tries).toBe(1)
    expect(r.active).toBe(false)
    r.schedule()
    await sleep(20)
    expect(tries).toBe(1)
  })
})
