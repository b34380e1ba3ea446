// RpcClient against a raw RPC peer on 127.0.0.1 (a unit test of the transport, not of GlusterFS):
// the peer parses the client's records with its own code and answers with bytes built by the
// independent XdrBytes helper.

import { spawn, type ChildProcess } from 'node:child_process'
import { EventEmitter, once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CallFlag, RpcClient, type RpcClientOptions, type RpcEndpoint } from '../../../src/rpc/client.ts'
import { AuthFlavor, type AuthIdentity } from '../../../src/rpc/auth.ts'
import { GlusterError, RpcError } from '../../../src/rpc/errors.ts'
import type { RpcProgram } from '../../../src/rpc/message.ts'
import { XdrReader } from '../../../src/xdr/reader.ts'
import { XdrError } from '../../../src/xdr/errors.ts'
import { skipBecause } from '../../helpers/skip.ts'
import { xdr } from '../../helpers/xdr-bytes.ts'

const LAST = 0x80000000
const CALLBACK_PROGRAM = 52743234
const TEST_PROGRAM: RpcProgram = { name: 'Test Program', number: 0x20000123, version: 3, procedures: ['NULL', 'ECHO', 'WRITE'] }
const ECHO = 1
const WRITE = 2
const ID: AuthIdentity = { pid: 4321, uid: 1000, gid: 100, groups: [4, 27], lkOwner: Buffer.from('0102030405060708', 'hex') }

// ------------------------------------------------------------------------------------------------
// The raw peer

interface ReceivedCall {
  readonly xid: number
  readonly rpcvers: number
  readonly prog: number
  readonly vers: number
  readonly proc: number
  readonly credFlavor: number
  readonly cred: Buffer
  readonly verfFlavor: number
  readonly verf: Buffer
  /** Everything after the verifier. */
  readonly args: Buffer
  /** The record exactly as received, record mark included. */
  readonly wire: Buffer
  readonly socket: Socket
}

function parseCall(wire: Buffer, socket: Socket): ReceivedCall {
  const rec = wire.subarray(4)
  let at = 0
  const u32 = (): number => {
    const v = rec.readUInt32BE(at)
    at += 4
    return v
  }
  const opaque = (): Buffer => {
    const n = u32()
    const v = rec.subarray(at, at + n)
    at += (n + 3) & ~3
    return v
  }
  const xid = u32()
  const msgType = u32()
  if (msgType !== 0) throw new Error(`peer: client sent msg_type ${msgType}`)
  const rpcvers = u32()
  const prog = u32()
  const vers = u32()
  const proc = u32()
  const credFlavor = u32()
  const cred = opaque()
  const verfFlavor = u32()
  const verf = opaque()
  return { xid, rpcvers, prog, vers, proc, credFlavor, cred, verfFlavor, verf, args: rec.subarray(at), wire, socket }
}

class Peer extends EventEmitter {
  readonly server: Server
  readonly sockets: Socket[] = []
  readonly calls: ReceivedCall[] = []
  /** Anything the client sent that is not a single-fragment CALL record. */
  readonly violations: string[] = []
  port = 0

  constructor(onCall?: (call: ReceivedCall, peer: Peer) => void) {
    super()
    this.server = createServer((socket) => {
      this.sockets.push(socket)
      let pending = Buffer.alloc(0)
      socket.on('error', () => {})
      socket.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk])
        while (pending.length >= 4) {
          const mark = pending.readUInt32BE(0)
          if ((mark & LAST) === 0) this.violations.push(`fragment without the last bit: ${mark.toString(16)}`)
          const length = mark & 0x7fffffff
          if (pending.length < 4 + length) break
          const wire = Buffer.from(pending.subarray(0, 4 + length))
          pending = pending.subarray(4 + length)
          let call: ReceivedCall
          try {
            call = parseCall(wire, socket)
          } catch (err) {
            this.violations.push((err as Error).message)
            continue
          }
          this.calls.push(call)
          this.emit('call', call)
          onCall?.(call, this)
        }
      })
    })
  }

  async listen(): Promise<this> {
    this.server.listen(0, '127.0.0.1')
    await once(this.server, 'listening')
    const address = this.server.address()
    if (address === null || typeof address === 'string') throw new Error('no address')
    this.port = address.port
    return this
  }

  /** Resolves once `n` calls (in total) have arrived. */
  async waitForCalls(n: number): Promise<ReceivedCall[]> {
    while (this.calls.length < n) await once(this, 'call')
    return this.calls.slice(0, n)
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

/** A record: single fragment with the last bit set. */
function record(body: Buffer): Buffer {
  return xdr().u32(LAST + body.length).raw(body).bytes()
}

/** MSG_ACCEPTED / SUCCESS reply with an AUTH_NULL verifier, then `results`. */
function successReply(xid: number, results: Buffer = Buffer.alloc(0)): Buffer {
  return record(xdr().u32(xid).u32(1).u32(0).u32(0).u32(0).u32(0).raw(results).bytes())
}

function acceptedReply(xid: number, acceptStat: number): Buffer {
  return record(xdr().u32(xid).u32(1).u32(0).u32(0).u32(0).u32(acceptStat).bytes())
}

/** A server-initiated CALL of the GlusterFS callback program (AUTH_NULL cred and verf). */
function callbackCall(xid: number, proc: number, args: Buffer = Buffer.alloc(0)): Buffer {
  return record(xdr().u32(xid).u32(0).u32(2).u32(CALLBACK_PROGRAM).u32(1).u32(proc).u32(0).u32(0).u32(0).u32(0).raw(args).bytes())
}

// ------------------------------------------------------------------------------------------------
// Per-test resources

const cleanups: Array<() => unknown> = []

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

/** A server answering every call it gets with SUCCESS and one uint32 result. */
function constantReplyServer(result: number): Server {
  return createServer((socket) => {
    let buf = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      while (buf.length >= 4 && buf.length >= 4 + (buf.readUInt32BE(0) & 0x7fffffff)) {
        const n = buf.readUInt32BE(0) & 0x7fffffff
        socket.write(successReply(buf.readUInt32BE(4), xdr().u32(result).bytes()))
        buf = buf.subarray(4 + n)
      }
    })
  })
}

async function startPeer(onCall?: (call: ReceivedCall, peer: Peer) => void): Promise<Peer> {
  const peer = await new Peer(onCall).listen()
  cleanups.push(() => peer.close())
  return peer
}

function tcp(port: number): RpcEndpoint {
  return { transport: 'tcp', host: '127.0.0.1', port }
}

async function connectTo(peer: Peer, options: RpcClientOptions = {}): Promise<RpcClient> {
  const client = new RpcClient(tcp(peer.port), options)
  cleanups.push(() => client.close())
  await client.connect()
  return client
}

/** A reply decoder that keeps the reply: a reader of its own (the client's is reset per reply). */
function ownReader(r: XdrReader): XdrReader {
  return new XdrReader(r.buffer, r.offset, r.end)
}

function echo(client: RpcClient, value: number): Promise<XdrReader> {
  return client.call(TEST_PROGRAM, ECHO, AuthFlavor.NULL, ID, (w) => {
    w.uint32(value)
  })
}

/** Settles a promise into its rejection reason; fails if it resolves. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection, but the promise resolved')
}

async function glusterRejection(p: Promise<unknown>): Promise<GlusterError> {
  const err = await rejection(p)
  expect(err).toBeInstanceOf(GlusterError)
  return err as GlusterError
}

/** Waits for the client's 'close' event, returning its error argument. */
function closed(client: RpcClient): Promise<Error | undefined> {
  return new Promise((resolve) => client.once('close', (err: Error | undefined) => resolve(err)))
}

function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items]
  let s = seed >>> 0
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    const j = s % (i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

// ------------------------------------------------------------------------------------------------

describe('RpcClient calls and replies', () => {
  it('matches many calls in flight to replies sent out of order, by xid', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer)
    const n = 64
    const results = Array.from({ length: n }, (_, i) => echo(client, 1000 + i).then((r) => r.uint32()))
    expect(client.inFlight).toBe(n)
    const calls = await peer.waitForCalls(n)
    expect(new Set(calls.map((c) => c.xid)).size).toBe(n)
    // answer in a scrambled order, all in one write: value × 2 back
    const replies = shuffle(calls, 7).map((c) => successReply(c.xid, xdr().u32(c.args.readUInt32BE(0) * 2).bytes()))
    calls[0]!.socket.write(Buffer.concat(replies))
    expect(await Promise.all(results)).toEqual(Array.from({ length: n }, (_, i) => (1000 + i) * 2))
    expect(client.inFlight).toBe(0)
    expect(peer.violations).toEqual([])
  })

  it('gives each call its own decoder and context, also when answered calls are reused for later ones', async () => {
    const peer = await startPeer((call) => call.socket.write(successReply(call.xid, call.args)))
    const client = await connectTo(peer)
    const tagged = (r: XdrReader, _placed: Buffer | undefined, tag: string): string => `${tag}:${r.uint32()}`
    const counted = (r: XdrReader): number => r.uint32() + 1000
    const send = (value: number, tag: string | undefined): Promise<string | number> => {
      client.beginCall(TEST_PROGRAM, ECHO, AuthFlavor.NULL, ID, 0).uint32(value)
      return tag === undefined ? client.send(counted) : client.send(tagged, 0, undefined, undefined, undefined, tag)
    }
    // One at a time (each call may reuse the last one's object), then several in flight.
    for (let i = 0; i < 5; i++) expect(await send(i, i % 2 === 0 ? `t${i}` : undefined)).toBe(i % 2 === 0 ? `t${i}:${i}` : i + 1000)
    expect(await Promise.all([send(7, 'a'), send(8, undefined), send(9, 'b')])).toEqual(['a:7', 1008, 'b:9'])
    expect(peer.violations).toEqual([])
  })

  it('sends well-formed CALL records: rpcvers 2, program, version, procedure, credential, AUTH_NULL verifier', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer)
    const done = client.call(TEST_PROGRAM, ECHO, AuthFlavor.GLUSTERFS_V2, ID, (w) => {
      w.string('hello')
    })
    const [call] = await peer.waitForCalls(1)
    expect(call!.rpcvers).toBe(2)
    expect([call!.prog, call!.vers, call!.proc]).toEqual([0x20000123, 3, ECHO])
    expect(call!.credFlavor).toBe(390039)
    expect(call!.cred).toEqual(xdr().i32(4321).u32(1000).u32(100).u32(2).u32(4).u32(27).opaque(ID.lkOwner).bytes())
    expect([call!.verfFlavor, call!.verf.length]).toEqual([0, 0])
    expect(call!.args).toEqual(xdr().string('hello').bytes())
    call!.socket.write(successReply(call!.xid))
    await done
  })

  it('reassembles a reply sent as several fragments in many small writes', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer)
    const pending = echo(client, 5)
    const [call] = await peer.waitForCalls(1)
    const body = xdr().u32(call!.xid).u32(1).u32(0).u32(0).u32(0).u32(0).string('split reply').bytes()
    const wire = xdr().u32(10).raw(body.subarray(0, 10)).u32(0).u32(LAST + body.length - 10).raw(body.subarray(10)).bytes()
    for (let i = 0; i < wire.length; i += 3) call!.socket.write(wire.subarray(i, i + 3))
    expect((await pending).string()).toBe('split reply')
  })

  it('sends a WRITE-style payload after the header, byte-exact, under one record mark', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer)
    const payload = Buffer.alloc(100_003)
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + 3) & 0xff
    const w = client.beginCall(TEST_PROGRAM, WRITE, AuthFlavor.GLUSTERFS_V2, ID, 0)
    w.hyper(-2).uint32(payload.length)
    const done = client.send(ownReader, CallFlag.MUTATES, payload)
    const [call] = await peer.waitForCalls(1)
    const body = xdr()
      .u32(call!.xid).u32(0).u32(2).u32(0x20000123).u32(3).u32(WRITE)
      .u32(390039).opaque(xdr().i32(4321).u32(1000).u32(100).u32(2).u32(4).u32(27).opaque(ID.lkOwner).bytes())
      .u32(0).u32(0)
      .i64(-2).u32(payload.length)
      .raw(payload)
      .bytes()
    const expected = record(body)
    expect(call!.wire.length).toBe(expected.length)
    expect(call!.wire.equals(expected)).toBe(true)
    expect(peer.violations).toEqual([])
    call!.socket.write(successReply(call!.xid, xdr().u32(payload.length).bytes()))
    expect((await done).uint32()).toBe(payload.length)
  })

  it('keeps the bytes of calls the socket has not written yet: later calls are encoded elsewhere, each record intact', async () => {
    // Calls written whole at once let the next one be encoded over their bytes (XdrWriter.rewind);
    // calls still queued in the socket must not be: with the peer not reading, a large WRITE fills
    // the kernel's buffers and the calls made after it, one per tick, wait in the socket.
    const peer = await startPeer((call) => call.socket.write(successReply(call.xid, call.proc === ECHO ? call.args : xdr().u32(call.args.length).bytes())))
    const client = await connectTo(peer)
    expect((await echo(client, 1)).uint32()).toBe(1)
    const server = peer.sockets[0]!
    server.pause()
    const payload = Buffer.alloc(8 * 1024 * 1024, 0x5a)
    client.beginCall(TEST_PROGRAM, WRITE, AuthFlavor.NULL, ID, 0)
    const written = client.send(ownReader, CallFlag.MUTATES, payload)
    const echoes: Array<Promise<XdrReader>> = []
    for (const value of [11, 22, 33]) {
      await new Promise((resolve) => setImmediate(resolve))
      echoes.push(echo(client, value))
    }
    server.resume()
    expect((await written).uint32()).toBe(payload.length)
    expect(await Promise.all(echoes.map((p) => p.then((r) => r.uint32())))).toEqual([11, 22, 33])
    // In the order made (the liveness pings sent meanwhile aside).
    expect(peer.calls.filter((c) => c.prog === TEST_PROGRAM.number && c.proc === ECHO).map((c) => c.args.readUInt32BE(0))).toEqual([1, 11, 22, 33])
    expect(peer.violations).toEqual([])
  })

  it('writes batches of calls with payloads byte-exact when their headers land where the previous batch\'s did (views reused)', async () => {
    const peer = await startPeer((call) => call.socket.write(successReply(call.xid, xdr().u32(call.args.length).bytes())))
    const client = await connectTo(peer)
    for (let round = 0; round < 5; round++) {
      // One tick's calls: one socket write of header, payload, header... over views of the
      // writer's slab, at the same places every round but the fourth (a longer first header).
      const longer = round === 3
      const sent = [0, 1, 2].map((i) => {
        const payload = Buffer.alloc(4096, round * 16 + i)
        const w = client.beginCall(TEST_PROGRAM, WRITE, AuthFlavor.NULL, ID, 0).uint32(round).uint32(i)
        if (longer && i === 0) w.uint32(0xabcd)
        return { payload, reply: client.send(ownReader, CallFlag.MUTATES, payload) }
      })
      const argBytes = (i: number): number => (longer && i === 0 ? 12 : 8)
      for (const [i, { payload, reply }] of sent.entries()) expect((await reply).uint32()).toBe(argBytes(i) + payload.length)
      const got = peer.calls.slice(-3)
      for (const [i, call] of got.entries()) {
        expect(call.args.readUInt32BE(0)).toBe(round)
        expect(call.args.readUInt32BE(4)).toBe(i)
        expect(call.args.subarray(argBytes(i)).equals(sent[i]!.payload)).toBe(true)
      }
    }
    expect(peer.violations).toEqual([])
  })

  it('rejects a call whose arguments fail to encode and keeps the connection usable', async () => {
    const peer = await startPeer((call) => call.socket.write(successReply(call.xid, call.args)))
    const client = await connectTo(peer)
    const boom = new Error('encoder failed')
    const err = await rejection(client.call(TEST_PROGRAM, ECHO, AuthFlavor.NULL, ID, (w) => {
      w.uint32(1).string('half written')
      throw boom
    }))
    expect(err).toBe(boom)
    expect((await echo(client, 77)).uint32()).toBe(77)
    // the aborted call never reached the wire
    expect(peer.calls).toHaveLength(1)
    expect(peer.violations).toEqual([])
  })

  it('rejects one call with its accept_stat code and keeps serving the others', async () => {
    const peer = await startPeer((call, p) => {
      const v = call.args.readUInt32BE(0)
      call.socket.write(v === 3 ? acceptedReply(call.xid, 3) : successReply(call.xid, call.args))
      void p
    })
    const client = await connectTo(peer)
    const bad = rejection(echo(client, 3))
    const good = echo(client, 4)
    const err = await bad
    expect(err).toBeInstanceOf(RpcError)
    expect((err as RpcError).code).toBe('ERR_RPC_PROC_UNAVAIL')
    expect((err as RpcError).program).toBe('Test Program')
    expect((err as RpcError).procedure).toBe('ECHO')
    expect((await good).uint32()).toBe(4)
    expect(client.status).toBe('connected')
  })

  it('rejects a call whose reply header is malformed with ERR_RPC_PROTOCOL, keeping the connection', async () => {
    const peer = await startPeer((call) => {
      const v = call.args.readUInt32BE(0)
      // reply_stat MSG_ACCEPTED with the verifier cut short
      call.socket.write(v === 1 ? record(xdr().u32(call.xid).u32(1).u32(0).u32(0).bytes()) : successReply(call.xid, call.args))
    })
    const client = await connectTo(peer)
    const err = await rejection(echo(client, 1))
    expect(err).toBeInstanceOf(RpcError)
    expect((err as RpcError).code).toBe('ERR_RPC_PROTOCOL')
    expect((err as RpcError).cause).toBeInstanceOf(XdrError)
    expect((await echo(client, 2)).uint32()).toBe(2)
  })

  it('works over TCP on IPv6 loopback', async () => {
    const server = constantReplyServer(0x6)
    server.listen(0, '::1')
    await once(server, 'listening')
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const port = (server.address() as { port: number }).port
    const client = new RpcClient({ transport: 'tcp', host: '::1', port })
    cleanups.push(() => client.close())
    await client.connect()
    expect(client.label).toBe(`[::1]:${port}`)
    expect((await echo(client, 1)).uint32()).toBe(0x6)
  })

  it('works over a unix socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gfapi-rpc-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const path = join(dir, 'glusterd.socket')
    const server = constantReplyServer(0xabc)
    server.listen(path)
    await once(server, 'listening')
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const client = new RpcClient({ transport: 'unix', host: 'localhost', port: 0, socketPath: path })
    cleanups.push(() => client.close())
    await client.connect()
    expect(client.status).toBe('connected')
    expect((await echo(client, 1)).uint32()).toBe(0xabc)
  })
})

describe('RpcClient server-initiated calls', () => {
  it('emits a callback CALL arriving between replies, never answers it, and keeps the connection', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer)
    const callbacks: Array<[number, number, number, string]> = []
    client.on('callback', (prog: number, vers: number, proc: number, r: XdrReader) => {
      callbacks.push([prog, vers, proc, r.string()])
    })
    const a = echo(client, 1)
    const b = echo(client, 2)
    const calls = await peer.waitForCalls(2)
    const socket = calls[0]!.socket
    socket.write(Buffer.concat([
      successReply(calls[1]!.xid, calls[1]!.args),
      callbackCall(0x7001, 6, xdr().string('child up').bytes()),
      successReply(calls[0]!.xid, calls[0]!.args),
    ]))
    expect([(await a).uint32(), (await b).uint32()]).toEqual([1, 2])
    expect(callbacks).toEqual([[CALLBACK_PROGRAM, 1, 6, 'child up']])
    // The next thing the peer receives is the next call, not a reply to the callback.
    const c = echo(client, 3)
    const [, , third] = await peer.waitForCalls(3)
    expect(third!.prog).toBe(0x20000123)
    expect(third!.args.readUInt32BE(0)).toBe(3)
    socket.write(successReply(third!.xid, third!.args))
    expect((await c).uint32()).toBe(3)
    expect(peer.violations).toEqual([])
    expect(client.status).toBe('connected')
  })

  it('emits a callback that arrives when no call is pending', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer)
    const got = once(client, 'callback')
    await new Promise<void>((resolve) => {
      if (peer.sockets.length > 0) resolve()
      else peer.server.once('connection', () => resolve())
    })
    peer.sockets[0]!.write(callbackCall(1, 1))
    const [prog, vers, proc] = await got
    expect([prog, vers, proc]).toEqual([CALLBACK_PROGRAM, 1, 1])
    expect(client.status).toBe('connected')
  })
})

describe('RpcClient connection failures', () => {
  it('fails every pending call with ENOTCONN naming program, procedure and xid when the server closes', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer, { volume: 'testvol', brick: 'vm:/bricks/b1' })
    const pending = [echo(client, 1), echo(client, 2), echo(client, 3)].map(glusterRejection)
    const calls = await peer.waitForCalls(3)
    const closing = closed(client)
    calls[0]!.socket.end()
    const errors = await Promise.all(pending)
    const closeErr = await closing
    expect(closeErr).toBeInstanceOf(GlusterError)
    expect((closeErr as GlusterError).code).toBe('ECONNRESET')
    errors.forEach((err, i) => {
      expect(err.code).toBe('ENOTCONN')
      expect(err.errno).toBe(-107)
      expect(err.syscall).toBe('echo')
      expect(err.volume).toBe('testvol')
      expect(err.brick).toBe('vm:/bricks/b1')
      expect(err.message).toContain('Test Program')
      expect(err.message).toContain('ECHO')
      expect(err.message).toContain(`xid ${calls[i]!.xid}`)
    })
    expect(client.status).toBe('closed')
    expect(client.inFlight).toBe(0)
  })

  it('marks pending data-changing calls as maybe applied when the connection drops', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer)
    const w = client.beginCall(TEST_PROGRAM, WRITE, AuthFlavor.NULL, ID, 0)
    w.uint32(1)
    const write = glusterRejection(client.send(ownReader, CallFlag.MUTATES, Buffer.from('data')))
    const read = glusterRejection(echo(client, 1))
    const calls = await peer.waitForCalls(2)
    calls[0]!.socket.destroy()
    expect((await write).maybeApplied).toBe(true)
    expect((await read).maybeApplied).toBe(false)
  })

  it('fails calls made after the connection closed with ENOTCONN', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer)
    const closing = closed(client)
    client.close()
    expect(await closing).toBeUndefined()
    expect(client.status).toBe('closed')
    expect(client.closeError).toBeUndefined()
    const err = await glusterRejection(echo(client, 1))
    expect(err.code).toBe('ENOTCONN')
  })

  it('fails pending calls with ENOTCONN when the client closes, and emits close once', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer)
    let closes = 0
    client.on('close', () => closes++)
    const pending = glusterRejection(echo(client, 1))
    await peer.waitForCalls(1)
    client.close()
    client.close()
    expect((await pending).code).toBe('ENOTCONN')
    expect(closes).toBe(1)
  })

  it('reports a peer that closes in the middle of a record as ERR_RPC_PROTOCOL', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer)
    const pending = glusterRejection(echo(client, 1))
    const [call] = await peer.waitForCalls(1)
    const closing = closed(client)
    call!.socket.end(successReply(call!.xid).subarray(0, 10))
    const err = await closing
    expect(err).toBeInstanceOf(RpcError)
    expect((err as RpcError).code).toBe('ERR_RPC_PROTOCOL')
    expect((await pending).code).toBe('ENOTCONN')
  })

  it('drops the connection when a record exceeds maxRecordBytes', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer, { maxRecordBytes: 1024 })
    const pending = glusterRejection(echo(client, 1))
    const [call] = await peer.waitForCalls(1)
    const closing = closed(client)
    call!.socket.write(successReply(call!.xid, Buffer.alloc(2000)))
    const err = await closing
    expect(err).toBeInstanceOf(RpcError)
    expect((err as RpcError).code).toBe('ERR_RPC_RECORD_TOO_LARGE')
    expect(client.closeError).toBe(err)
    const callErr = await pending
    expect(callErr.code).toBe('ENOTCONN')
    expect(callErr.cause).toBe(err)
  })

  it('drops the connection on a header announcing a hostile length, before the bytes arrive', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer)
    const pending = glusterRejection(echo(client, 1))
    const [call] = await peer.waitForCalls(1)
    const closing = closed(client)
    call!.socket.write(xdr().u32(0xffffffff).bytes())
    const err = await closing
    expect((err as RpcError).code).toBe('ERR_RPC_RECORD_TOO_LARGE')
    expect((await pending).code).toBe('ENOTCONN')
  })

  it('drops the connection with a typed error on a reply to an unknown xid', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer)
    const pending = glusterRejection(echo(client, 1))
    const [call] = await peer.waitForCalls(1)
    const closing = closed(client)
    call!.socket.write(successReply((call!.xid + 1000) >>> 0))
    const err = await closing
    expect(err).toBeInstanceOf(RpcError)
    expect((err as RpcError).code).toBe('ERR_RPC_PROTOCOL')
    expect((await pending).code).toBe('ENOTCONN')
  })

  const garbage: Array<[string, Buffer]> = [
    ['text that is not RPC', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
    ['a record too short for xid and msg_type', record(Buffer.from([1, 2, 3]))],
    ['an unknown msg_type', record(xdr().u32(1).u32(7).bytes())],
    ['a callback CALL cut short', record(xdr().u32(1).u32(0).u32(2).u32(CALLBACK_PROGRAM).bytes())],
    ['a callback CALL with an oversized credential', record(xdr().u32(1).u32(0).u32(2).u32(CALLBACK_PROGRAM).u32(1).u32(1).u32(0).u32(401).zeros(404).u32(0).u32(0).bytes())],
    ['random bytes', Buffer.from('8000002a7b1f00ee00000001deadbeefcafebabe0000000000000000000000000000000000000000000000000000', 'hex')],
  ]
  for (const [what, bytes] of garbage) {
    it(`drops the connection with an RpcError on ${what}, without crashing`, async () => {
      const peer = await startPeer()
      const client = await connectTo(peer)
      const pending = glusterRejection(echo(client, 1))
      const [call] = await peer.waitForCalls(1)
      const closing = closed(client)
      call!.socket.write(bytes)
      const err = await closing
      expect(err).toBeInstanceOf(RpcError)
      expect(['ERR_RPC_PROTOCOL', 'ERR_RPC_RECORD_TOO_LARGE']).toContain((err as RpcError).code)
      expect((await pending).code).toBe('ENOTCONN')
    })
  }
})

describe('RpcClient connect', () => {
  it('rejects with ECONNREFUSED naming host:port when nothing listens', async () => {
    const probe = createServer()
    probe.listen(0, '127.0.0.1')
    await once(probe, 'listening')
    const port = (probe.address() as { port: number }).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const client = new RpcClient(tcp(port))
    cleanups.push(() => client.close())
    const err = await glusterRejection(client.connect())
    expect(err.code).toBe('ECONNREFUSED')
    expect(err.errno).toBe(-111)
    expect(err.syscall).toBe('connect')
    expect(err.host).toBe('127.0.0.1')
    expect(err.port).toBe(port)
    expect(err.message).toContain(`127.0.0.1:${port}`)
    expect(client.status).toBe('closed')
  })

  it('rejects with ETIMEDOUT when the connection is not established in time', async (ctx) => {
    // A listener in a stopped child process with a full accept queue: the kernel drops further
    // SYNs, so a connect to it on loopback hangs until our timer fires.
    const child: ChildProcess = spawn(process.execPath, ['-e', `
      const s = require('net').createServer()
      s.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => process.stdout.write(s.address().port + '\\n'))
    `], { stdio: ['ignore', 'pipe', 'ignore'] })
    cleanups.push(() => child.kill('SIGKILL'))
    const [line] = await once(child.stdout!, 'data') as [Buffer]
    const port = Number(line.toString().trim())
    child.kill('SIGSTOP')
    const fillers: Socket[] = []
    cleanups.push(() => fillers.forEach((s) => s.destroy()))
    let full = false
    for (let i = 0; i < 32 && !full; i++) {
      const s = createConnection({ host: '127.0.0.1', port })
      s.on('error', () => {})
      fillers.push(s)
      const connected = await Promise.race([
        once(s, 'connect').then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 500)),
      ])
      full = !connected
    }
    if (!full) skipBecause(ctx, 'the kernel accepted every one of 32 connections to a stopped listener (its accept queue never filled), so no connect can be made to hang here')
    const client = new RpcClient(tcp(port), { connectTimeoutMs: 300 })
    cleanups.push(() => client.close())
    const err = await glusterRejection(client.connect())
    expect(err.code).toBe('ETIMEDOUT')
    expect(err.syscall).toBe('connect')
    expect(err.message).toContain(`127.0.0.1:${port}`)
    expect(client.status).toBe('closed')
  })
})

describe('RpcClient liveness', () => {
  it('pings while a call is outstanding and drops a silent peer after ping-timeout, failing the call', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer, { pingTimeoutMs: 300 })
    const closing = closed(client)
    const pending = glusterRejection(echo(client, 1))
    const closeErr = await closing
    expect(closeErr).toBeInstanceOf(GlusterError)
    expect((closeErr as GlusterError).code).toBe('ETIMEDOUT')
    expect((closeErr as GlusterError).syscall).toBe('ping')
    const err = await pending
    // GlusterFS semantics (gluster-wire.md §4.4): the connection is dropped and pending calls fail
    // with ENOTCONN; the cause says it was the ping-timeout.
    expect(err.code).toBe('ENOTCONN')
    expect(err.cause).toBe(closeErr)
    // the client sent GF-DUMP PING (123451501 v1 proc 2) while waiting
    expect(peer.calls.some((c) => c.prog === 123451501 && c.vers === 1 && c.proc === 2)).toBe(true)
  })

  it('keeps a connection whose peer answers pings, even when one call stays unanswered', async () => {
    const peer = await startPeer((call) => {
      if (call.prog === 123451501 && call.proc === 2) call.socket.write(successReply(call.xid, Buffer.alloc(12)))
    })
    const client = await connectTo(peer, { pingTimeoutMs: 600 })
    const slow = echo(client, 1)
    // wait for more than a ping-timeout, counted in answered pings (one per 150 ms) rather than wall time
    while (peer.calls.filter((c) => c.proc === 2).length < 6) await once(peer, 'call')
    expect(client.status).toBe('connected')
    const echoCall = peer.calls.find((c) => c.prog === 0x20000123)!
    echoCall.socket.write(successReply(echoCall.xid, echoCall.args))
    expect((await slow).uint32()).toBe(1)
  })

  it('fails a call with ETIMEDOUT after callTimeoutMs without dropping the connection', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer, { callTimeoutMs: 100, pingTimeoutMs: 0 })
    const w = client.beginCall(TEST_PROGRAM, WRITE, AuthFlavor.NULL, ID, 0)
    w.uint32(9)
    const err = await glusterRejection(client.send(ownReader, CallFlag.MUTATES))
    expect(err.code).toBe('ETIMEDOUT')
    expect(err.syscall).toBe('write')
    expect(err.maybeApplied).toBe(true)
    expect(client.status).toBe('connected')
    expect(client.inFlight).toBe(0)
  })
})

describe('RpcClient deadlines, idleness and credentials', () => {
  it('drops a late reply to a call its deadline already failed, and keeps the connection', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer, { callTimeoutMs: 100, pingTimeoutMs: 0 })
    const err = await glusterRejection(echo(client, 1))
    expect(err.code).toBe('ETIMEDOUT')
    const [late] = await peer.waitForCalls(1)
    const next = echo(client, 2)
    const [, second] = await peer.waitForCalls(2)
    late!.socket.write(Buffer.concat([successReply(late!.xid, late!.args), successReply(second!.xid, second!.args)]))
    expect((await next).uint32()).toBe(2)
    expect(client.status).toBe('connected')
  })

  it('settles a timed-out call only once its payload left the caller\'s buffer', async () => {
    // A peer that reads nothing at first: the payload stays queued in the client's socket.
    let seenScribble = false
    let received = 0
    let server!: Socket
    const srv = createServer((socket) => {
      server = socket
      socket.pause()
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length
        if (chunk.includes(0xee)) seenScribble = true
      })
    })
    srv.listen(0, '127.0.0.1')
    await once(srv, 'listening')
    cleanups.push(() => new Promise<void>((resolve) => { server?.destroy(); srv.close(() => resolve()) }))
    const port = (srv.address() as { port: number }).port
    const client = new RpcClient(tcp(port), { callTimeoutMs: 100, pingTimeoutMs: 0 })
    cleanups.push(() => client.close())
    await client.connect()
    const payload = Buffer.alloc(64 * 1024 * 1024, 0x5a)
    const w = client.beginCall(TEST_PROGRAM, WRITE, AuthFlavor.NULL, ID, 0)
    w.uint32(payload.length)
    let settled = false
    const call = glusterRejection(client.send(ownReader, CallFlag.MUTATES, payload)).then((err) => {
      settled = true
      payload.fill(0xee)
      return err
    })
    await new Promise((r) => setTimeout(r, 2500))
    expect(settled).toBe(false)
    server.resume()
    expect((await call).code).toBe('ETIMEDOUT')
    while (received < payload.length) await new Promise((r) => setTimeout(r, 20))
    expect(seenScribble).toBe(false)
  })

  it('never writes into the caller\'s buffer after its call timed out, even mid-reply', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer, { callTimeoutMs: 100, pingTimeoutMs: 0 })
    const sinkBuffer = Buffer.alloc(1024 * 1024)
    const sink = { buffer: sinkBuffer, dataOffset: (_body: Buffer, bodyAt: number) => bodyAt }
    client.beginCall(TEST_PROGRAM, ECHO, AuthFlavor.NULL, ID, 0).uint32(1)
    const call = glusterRejection(client.send(ownReader, 0, undefined, sink))
    const [received] = await peer.waitForCalls(1)
    const reply = successReply(received!.xid, Buffer.alloc(sinkBuffer.length, 0x11))
    received!.socket.write(reply.subarray(0, 300 * 1024))
    expect((await call).code).toBe('ETIMEDOUT')
    sinkBuffer.fill(0xee)
    received!.socket.write(reply.subarray(300 * 1024))
    const next = echo(client, 2)
    const [, second] = await peer.waitForCalls(2)
    second!.socket.write(successReply(second!.xid, second!.args))
    expect((await next).uint32()).toBe(2)
    expect(sinkBuffer.every((b) => b === 0xee)).toBe(true)
    expect(client.status).toBe('connected')
  })

  it('keeps the connection on a late reply to a call expired beyond the remembered 4096', async () => {
    const peer = await startPeer()
    // No bound on calls in flight: all 4100 must reach the peer before they expire.
    const client = await connectTo(peer, { callTimeoutMs: 100, pingTimeoutMs: 0, maxInFlight: 0 })
    const calls: Promise<GlusterError>[] = []
    for (let i = 0; i < 4100; i++) calls.push(glusterRejection(echo(client, i)))
    for (const c of calls) expect((await c).code).toBe('ETIMEDOUT')
    const [first] = await peer.waitForCalls(1)
    const next = echo(client, 7)
    const received = await peer.waitForCalls(4101)
    const last = received[4100]!
    first!.socket.write(Buffer.concat([successReply(first!.xid, first!.args), successReply(last.xid, last.args)]))
    expect((await next).uint32()).toBe(7)
    expect(client.status).toBe('connected')
  })

  it('bounds one call by its own timeoutMs', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer, { pingTimeoutMs: 0 })
    const err = await glusterRejection(client.call(TEST_PROGRAM, ECHO, AuthFlavor.NULL, ID, (w) => {
      w.uint32(1)
    }, 100))
    expect(err.code).toBe('ETIMEDOUT')
    expect(err.maybeApplied).toBe(false)
    expect(client.status).toBe('connected')
  })

  it('rejects connect() with ECONNABORTED when the client is closed first or while connecting', async () => {
    const peer = await startPeer()
    const before = new RpcClient(tcp(peer.port))
    before.close()
    expect((await glusterRejection(before.connect())).code).toBe('ECONNABORTED')
    const during = new RpcClient(tcp(peer.port))
    const connecting = glusterRejection(during.connect())
    during.close()
    expect((await connecting).code).toBe('ECONNABORTED')
    expect(during.status).toBe('closed')
  })

  it('whenIdle() resolves at once when idle, after the last reply otherwise, and on close', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer)
    await client.whenIdle()
    const a = echo(client, 1)
    const b = echo(client, 2)
    let idle = false
    const idling = client.whenIdle().then(() => {
      idle = true
    })
    const calls = await peer.waitForCalls(2)
    calls[0]!.socket.write(successReply(calls[0]!.xid, calls[0]!.args))
    await a
    expect(idle).toBe(false)
    calls[1]!.socket.write(successReply(calls[1]!.xid, calls[1]!.args))
    await b
    await idling
    expect(idle).toBe(true)
    const c = glusterRejection(echo(client, 3))
    const closing = client.whenIdle()
    client.close()
    await closing
    expect((await c).code).toBe('ENOTCONN')
  })

  it('stamps the v3 credential with the wall clock only for calls that set times', async () => {
    const peer = await startPeer((call) => call.socket.write(successReply(call.xid)))
    const client = await connectTo(peer)
    const send = (flags: number, stampTime?: boolean): Promise<XdrReader> => {
      client.beginCall(TEST_PROGRAM, ECHO, AuthFlavor.GLUSTERFS_V3, ID, flags, stampTime)
      return client.send(ownReader)
    }
    const before = Math.floor(Date.now() / 1000)
    await Promise.all([send(0), send(3), send(0, true)])
    const after = Math.ceil(Date.now() / 1000)
    const calls = await peer.waitForCalls(3)
    // v3 body: pid, uid, gid, flags, ctime_nsec, ctime_sec (u64), groups<>, lk_owner<>
    const times = calls.map((c) => ({ flags: c.cred.readUInt32BE(12), nsec: c.cred.readUInt32BE(16), sec: Number(c.cred.readBigUInt64BE(20)) }))
    expect(calls.every((c) => c.credFlavor === 390040)).toBe(true)
    expect(times[0]).toEqual({ flags: 0, nsec: 0, sec: 0 })
    for (const t of [times[1]!, times[2]!]) {
      expect(t.sec).toBeGreaterThanOrEqual(before - 1)
      expect(t.sec).toBeLessThanOrEqual(after + 1)
      expect(t.nsec).toBeLessThan(1_000_000_000)
    }
    expect(times[1]!.flags).toBe(3)
    expect(times[2]!.flags).toBe(0)
  })
})

describe('RpcClient calls in flight', () => {
  /** Let the client's writes and the peer's reads happen. */
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50))

  it('sends at most maxInFlight calls; the others wait and go out in the order they were made', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer, { maxInFlight: 3 })
    const replies = Array.from({ length: 10 }, (_, i) => echo(client, i))
    await settle()
    expect(peer.calls).toHaveLength(3)
    expect(client.inFlight).toBe(3)
    expect(client.waiting).toBe(7)
    // Answer the oldest call each time: exactly one waiting call follows each reply, in order.
    for (let answered = 0; answered < 10; answered++) {
      const call = peer.calls[answered]!
      call.socket.write(successReply(call.xid, call.args))
      expect((await replies[answered]!).uint32()).toBe(answered)
      await settle()
      expect(client.inFlight).toBeLessThanOrEqual(3)
      expect(peer.calls).toHaveLength(Math.min(10, answered + 4))
    }
    expect(peer.calls.map((c) => c.args.readUInt32BE(0))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(client.inFlight).toBe(0)
    expect(client.waiting).toBe(0)
  })

  it('fails a call that waited past its deadline with ETIMEDOUT, unsent and so not applied', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer, { maxInFlight: 1, callTimeoutMs: 150, pingTimeoutMs: 0 })
    const first = glusterRejection(echo(client, 1))
    client.beginCall(TEST_PROGRAM, WRITE, AuthFlavor.NULL, ID, 0).uint32(2)
    const waiting = glusterRejection(client.send(ownReader, CallFlag.MUTATES))
    const err = await waiting
    expect(err.code).toBe('ETIMEDOUT')
    expect(err.maybeApplied).toBe(false)
    expect(err.message).toMatch(/not sent within 150 ms/)
    expect((await first).code).toBe('ETIMEDOUT')
    await settle()
    expect(peer.calls).toHaveLength(1)
    expect(client.status).toBe('connected')
    // The slot is free again.
    peer.on('call', (call: ReceivedCall) => call.socket.write(successReply(call.xid, call.args)))
    expect((await echo(client, 3)).uint32()).toBe(3)
  })

  it('sends unbounded calls (locks, pings) past the bound at once', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer, { maxInFlight: 1 })
    const blocked = echo(client, 1)
    client.beginCall(TEST_PROGRAM, ECHO, AuthFlavor.NULL, ID, 0).uint32(2)
    const unbounded = client.send(ownReader, CallFlag.UNBOUNDED)
    const calls = await peer.waitForCalls(2)
    expect(calls.map((c) => c.args.readUInt32BE(0))).toEqual([1, 2])
    for (const call of calls) call.socket.write(successReply(call.xid, call.args))
    expect((await unbounded).uint32()).toBe(2)
    expect((await blocked).uint32()).toBe(1)
  })

  it('fails waiting calls as never sent when the connection ends, and is idle after', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer, { maxInFlight: 1 })
    const sent = glusterRejection(echo(client, 1))
    client.beginCall(TEST_PROGRAM, WRITE, AuthFlavor.NULL, ID, 0).uint32(2)
    const waiting = glusterRejection(client.send(ownReader, CallFlag.MUTATES))
    await peer.waitForCalls(1)
    const idle = client.whenIdle()
    client.close()
    const err = await waiting
    expect(err.code).toBe('ENOTCONN')
    expect(err.maybeApplied).toBe(false)
    expect(err.message).toMatch(/was not sent/)
    expect((await sent).code).toBe('ENOTCONN')
    await idle
    expect(client.waiting).toBe(0)
  })
})

describe('RpcClient read coalescing', () => {
  // A window far longer than any scheduling hiccup, so "not read yet" and "read at once" are
  // told apart by hundreds of milliseconds.
  const WINDOW_MS = 1500
  const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
  const answer = (call: ReceivedCall): void => {
    call.socket.write(successReply(call.xid, call.args))
  }
  /** Whether `p` has settled `ms` from now. */
  async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
    let settled = false
    const done = (): void => { settled = true }
    void p.then(done, done)
    await wait(ms)
    return settled
  }

  /**
   * `n` ECHO calls in flight, the first with `firstFlags`. The peer answers call 1, the client
   * reads it (with n - 1 calls still in flight), then the peer answers call 2 at once: is call 2
   * settled 400 ms later?
   */
  async function secondReplyReadAtOnce(n: number, options: RpcClientOptions, firstFlags = 0): Promise<boolean> {
    const peer = await startPeer()
    const client = await connectTo(peer, { pingTimeoutMs: 0, ...options })
    client.beginCall(TEST_PROGRAM, ECHO, AuthFlavor.NULL, ID, 0).uint32(0)
    // Each reply's value, read as it settles (the client's reader serves the next reply after).
    const replies = [client.send((r) => r.uint32(), firstFlags)]
    for (let i = 1; i < n; i++) replies.push(echo(client, i).then((r) => r.uint32()))
    const calls = await peer.waitForCalls(n)
    answer(calls[1]!)
    expect(await replies[1]!).toBe(1)
    answer(calls[2]!)
    const atOnce = await settlesWithin(replies[2]!, 400)
    // Read in the end, whatever the pause: every call gets its own reply.
    for (const call of calls.slice(3).concat(calls[0]!)) answer(call)
    expect(await Promise.all(replies)).toEqual(Array.from({ length: n }, (_, i) => i))
    return atOnce
  }

  it('with 16 calls or more in flight, pauses reading after a reply and reads the next ones when the pause ends', async () => {
    expect(await secondReplyReadAtOnce(20, { coalesceReadsMs: WINDOW_MS })).toBe(false)
  })

  it('reads every reply at once with fewer than 16 calls in flight', async () => {
    expect(await secondReplyReadAtOnce(16, { coalesceReadsMs: WINDOW_MS })).toBe(true)
  })

  it('reads every reply at once while a PROMPT call (a WRITE, a bulk READ, a listing) is in flight', async () => {
    expect(await secondReplyReadAtOnce(20, { coalesceReadsMs: WINDOW_MS }, CallFlag.PROMPT)).toBe(true)
  })

  it('reads every reply at once with coalesceReadsMs 0', async () => {
    expect(await secondReplyReadAtOnce(20, { coalesceReadsMs: 0 })).toBe(true)
  })

  it('ends a pause when a PROMPT call is sent: the replies that arrived meanwhile are read at once', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer, { pingTimeoutMs: 0, coalesceReadsMs: WINDOW_MS })
    const replies = Array.from({ length: 20 }, (_, i) => echo(client, i).then((r) => r.uint32()))
    const calls = await peer.waitForCalls(20)
    answer(calls[0]!)
    expect(await replies[0]!).toBe(0)
    // Read with 19 calls in flight: the connection pauses. Call 1's reply waits in the socket.
    answer(calls[1]!)
    expect(await settlesWithin(replies[1]!, 300)).toBe(false)
    client.beginCall(TEST_PROGRAM, ECHO, AuthFlavor.NULL, ID, 0).uint32(20)
    const prompt = client.send((r) => r.uint32(), CallFlag.PROMPT)
    const started = performance.now()
    expect(await replies[1]!).toBe(1)
    expect(performance.now() - started).toBeLessThan(WINDOW_MS / 3)
    const [last] = (await peer.waitForCalls(21)).slice(20)
    for (const call of calls.slice(2).concat(last!)) answer(call)
    expect(await Promise.all(replies)).toEqual(Array.from({ length: 20 }, (_, i) => i))
    expect(await prompt).toBe(20)
  })

  it('does not pause while the calls in flight would not keep the peer busy through the pause at its pace', async () => {
    const peer = await startPeer()
    // At any pace above one reply per ~4 s, 19 calls last far less than this pause.
    const client = await connectTo(peer, { pingTimeoutMs: 0, coalesceReadsMs: 60_000 })
    // Two calls answered 5 ms apart, too few to pause for: they set the peer's pace.
    const paced = [echo(client, 0), echo(client, 1)]
    const first = await peer.waitForCalls(2)
    answer(first[0]!)
    await paced[0]
    await wait(5)
    answer(first[1]!)
    await paced[1]
    const replies = Array.from({ length: 20 }, (_, i) => echo(client, i).then((r) => r.uint32()))
    const calls = (await peer.waitForCalls(22)).slice(2)
    answer(calls[0]!)
    expect(await replies[0]!).toBe(0)
    // Read with 19 calls in flight, but at that pace they end long before the pause would.
    answer(calls[1]!)
    expect(await settlesWithin(replies[1]!, 400)).toBe(true)
    for (const call of calls.slice(2)) answer(call)
    expect(await Promise.all(replies)).toEqual(Array.from({ length: 20 }, (_, i) => i))
  })

  it('drops a paused connection on close without waiting for the pause, failing the calls in flight', async () => {
    const peer = await startPeer()
    const client = await connectTo(peer, { pingTimeoutMs: 0, coalesceReadsMs: WINDOW_MS })
    const answered = echo(client, 0)
    const unanswered = Array.from({ length: 19 }, (_, i) => glusterRejection(echo(client, i + 1)))
    const calls = await peer.waitForCalls(20)
    answer(calls[0]!)
    expect((await answered).uint32()).toBe(0)
    const started = performance.now()
    client.close()
    for (const err of await Promise.all(unanswered)) expect(err.code).toBe('ENOTCONN')
    expect(performance.now() - started).toBeLessThan(WINDOW_MS / 2)
  })
})
