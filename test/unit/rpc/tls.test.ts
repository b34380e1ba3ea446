import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { type AddressInfo, createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, type Server, type TLSSocket } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RpcClient, type RpcClientOptions } from '../../../src/rpc/client.ts'
import { AuthFlavor } from '../../../src/rpc/auth.ts'
import { GlusterError } from '../../../src/rpc/errors.ts'
import { TlsProfile, clientTlsProfiles, describeTlsFailure, readSecureAccess } from '../../../src/rpc/tls.ts'

/** root.pem (CA), inter.pem (CA under root), direct.* (leaf under root), viainter.* (leaf under inter). */
const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'tls')
const fixture = (name: string): string => join(FIXTURES, name)
const WHERE = { host: 'h', port: 1 }

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gfapi-tls-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('readSecureAccess (glusterfs_read_secure_access_file)', () => {
  it('is undefined without the file, depth 1 for an empty one or depth 0, else the depth given', () => {
    expect(readSecureAccess(join(dir, 'absent'))).toBeUndefined()
    const file = join(dir, 'secure-access')
    writeFileSync(file, '')
    expect(readSecureAccess(file)).toEqual({ certDepth: 1 })
    writeFileSync(file, '# comment\noption transport.socket.ssl-cert-depth 3\n')
    expect(readSecureAccess(file)).toEqual({ certDepth: 3 })
    writeFileSync(file, 'option transport.socket.ssl-cert-depth 0\n')
    expect(readSecureAccess(file)).toEqual({ certDepth: 1 })
  })
})

describe('describeTlsFailure', () => {
  it('types expiry, refused certificates both ways, and other handshake failures', () => {
    expect(describeTlsFailure('CERT_HAS_EXPIRED')?.errno).toBe('EKEYEXPIRED')
    expect(describeTlsFailure('ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED')?.errno).toBe('EKEYEXPIRED')
    expect(describeTlsFailure('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA')?.errno).toBe('EKEYREJECTED')
    expect(describeTlsFailure('UNABLE_TO_VERIFY_LEAF_SIGNATURE')?.errno).toBe('EKEYREJECTED')
    expect(describeTlsFailure('CERT_CHAIN_TOO_LONG')?.errno).toBe('EKEYREJECTED')
    expect(describeTlsFailure('ERR_SSL_WRONG_VERSION_NUMBER')?.errno).toBe('EPROTO')
    expect(describeTlsFailure('ECONNREFUSED')).toBeUndefined()
  })
})

describe('TlsProfile.load: where the certificates come from', () => {
  it('takes glusterfs.pem/.key/.ca from the first search folder holding glusterfs.pem', () => {
    const first = join(dir, 'first')
    const second = join(dir, 'second')
    mkdirSync(first)
    mkdirSync(second)
    symlinkSync(fixture('direct.pem'), join(second, 'glusterfs.pem'))
    symlinkSync(fixture('direct.key'), join(second, 'glusterfs.key'))
    symlinkSync(fixture('root.pem'), join(second, 'glusterfs.ca'))
    const m = new TlsProfile({ purpose: 'test', searchDirs: [first, second] }).load(WHERE)
    expect(m.certFrom).toBe(join(second, 'glusterfs.pem'))
    expect(m.commonName).toBe('fixture-direct')
    const aes = /^flags\s*:.* aes( |$)/m.test(readFileSync('/proc/cpuinfo', 'latin1'))
    expect(m.options.ciphers).toBe(`${aes ? 'AES128:' : ''}EECDH:EDH:HIGH:!3DES:!RC4:!DES:!MD5:!aNULL:!eNULL`)
  })

  it('says where it looked when no folder holds glusterfs.pem (ENOENT)', () => {
    expect(() => new TlsProfile({ purpose: 'test', searchDirs: [join(dir, 'x'), join(dir, 'y')] }).load(WHERE))
      .toThrow(expect.objectContaining({ code: 'ENOENT', message: expect.stringContaining(`no glusterfs.pem in ${join(dir, 'x')}, ${join(dir, 'y')}`) }))
  })

  it('names a missing file (ENOENT)', () => {
    const missing = join(dir, 'missing.key')
    expect(() => new TlsProfile({ purpose: 'test', cert: fixture('direct.pem'), key: missing, ca: fixture('root.pem') }).load(WHERE))
      .toThrow(expect.objectContaining({ code: 'ENOENT', message: expect.stringContaining(missing) }))
  })

  it('the volfile ssl-* options win over GlfsOptions.tls; the brick depth is the volfile\'s, glusterd\'s secure-access\'s', () => {
    const options = new Map([
      ['transport.socket.ssl-enabled', 'on'],
      ['transport.socket.ssl-own-cert', fixture('viainter-chain.pem')],
      ['transport.socket.ssl-cert-depth', '2'],
      ['transport.socket.ssl-cipher-list', 'HIGH'],
    ])
    const mount = { files: { cert: fixture('direct.pem'), key: fixture('viainter.key'), ca: fixture('root.pem') }, managementDepth: 4 }
    const { brick, glusterd } = clientTlsProfiles('v-client-0', options, mount)
    expect(brick?.certDepth).toBe(2)
    expect(glusterd?.certDepth).toBe(4)
    const m = brick!.load(WHERE)
    expect(m.commonName).toBe('fixture-viainter')
    expect(m.options.key).toEqual(readFileSync(fixture('viainter.key')))
    expect(m.options.ciphers).toBe('HIGH')
    expect(clientTlsProfiles('v-client-0', new Map([['transport.socket.ssl-enabled', 'off']]), undefined)).toEqual({ brick: undefined, glusterd: undefined })
  })

  it('trusts the CA certificates of ssl-crl-path (hashed names) besides the CA list, as the C client loads it', () => {
    const crl = join(dir, 'crl')
    mkdirSync(crl)
    symlinkSync(fixture('inter.pem'), join(crl, '0123abcd.0'))
    writeFileSync(join(crl, '0123abcd.r0'), 'not read')
    const plain = new TlsProfile({ purpose: 't', cert: fixture('direct.pem'), key: fixture('direct.key'), ca: fixture('root.pem') }).load(WHERE)
    const withCrl = new TlsProfile({ purpose: 't', cert: fixture('direct.pem'), key: fixture('direct.key'), ca: fixture('root.pem'), crlPath: crl }).load(WHERE)
    expect(String(withCrl.options.ca)).toContain(readFileSync(fixture('inter.pem'), 'utf8').trim())
    expect(String(withCrl.options.ca)).not.toContain('not read')
    expect((withCrl.options.ca as Buffer).length).toBeGreaterThan((plain.options.ca as Buffer).length)
  })
})

describe('certificate depth (SSL_CTX_set_verify_depth) against a TLS peer', () => {
  let server: Server
  let port: number
  beforeAll(async () => {
    // A peer whose certificate sits under one intermediate CA, and that requires ours.
    server = createServer({
      cert: readFileSync(fixture('viainter-chain.pem')), key: readFileSync(fixture('viainter.key')),
      ca: readFileSync(fixture('root.pem')), requestCert: true, rejectUnauthorized: true,
    }, (socket) => socket.on('error', () => undefined))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  const connect = async (certDepth: number): Promise<unknown> => {
    const profile = new TlsProfile({ purpose: 'test', cert: fixture('direct.pem'), key: fixture('direct.key'), ca: fixture('root.pem'), certDepth })
    const rpc = new RpcClient({ transport: 'tcp', host: '127.0.0.1', port }, { tls: profile, connectTimeoutMs: 5_000 })
    try {
      await rpc.connect()
      expect(rpc.tlsName).toBe('fixture-direct')
      return undefined
    } catch (err) {
      return err
    } finally {
      rpc.close()
      await rpc.whenClosed()
    }
  }

  it('depth 1 (the default) accepts one intermediate CA', async () => {
    expect(await connect(1)).toBeUndefined()
  })

  it('depth 0 refuses it: EKEYREJECTED naming host and port', async () => {
    const err = await connect(0) as GlusterError
    expect(err).toBeInstanceOf(GlusterError)
    expect(err.code).toBe('EKEYREJECTED')
    expect(err.port).toBe(port)
    expect(err.message).toContain('1 intermediate CA certificate(s); certificate depth 0 allows 0')
  })
})

describe('a TLS connection to a peer that does not speak TLS', () => {
  it('fails the connect with ECONNRESET saying the handshake was cut, not a hang', async () => {
    // A plain RPC peer reads the ClientHello as a record of garbage and drops the connection.
    const server = createNetServer((socket) => socket.once('data', () => socket.resetAndDestroy()))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    const profile = new TlsProfile({ purpose: 'test', cert: fixture('direct.pem'), key: fixture('direct.key'), ca: fixture('root.pem') })
    const rpc = new RpcClient({ transport: 'tcp', host: '127.0.0.1', port }, { tls: profile, connectTimeoutMs: 5_000 })
    try {
      const err = await rpc.connect().then(() => undefined, (e: unknown) => e) as GlusterError
      expect(err).toBeInstanceOf(GlusterError)
      expect(err.code).toBe('ECONNRESET')
      expect(err.message).toContain('closed during the TLS handshake (test)')
    } finally {
      rpc.close()
      await rpc.whenClosed()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})

/**
 * A TLS peer (leaf under an intermediate CA) whose connections go to `onConnection`, an RpcClient
 * to it with `options`, and `body` run on the connected client; everything is closed after.
 */
async function withTlsPeer(onConnection: (socket: TLSSocket) => void, options: RpcClientOptions, body: (rpc: RpcClient) => Promise<void>): Promise<void> {
  const server = createServer({
    cert: readFileSync(fixture('viainter-chain.pem')), key: readFileSync(fixture('viainter.key')), ca: readFileSync(fixture('root.pem')),
  }, (socket) => {
    socket.on('error', () => undefined)
    onConnection(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const profile = new TlsProfile({ purpose: 'test', cert: fixture('direct.pem'), key: fixture('direct.key'), ca: fixture('root.pem'), certDepth: 2 })
  const rpc = new RpcClient({ transport: 'tcp', host: '127.0.0.1', port }, { tls: profile, connectTimeoutMs: 5_000, ...options })
  try {
    await rpc.connect()
    await body(rpc)
  } finally {
    rpc.close()
    await rpc.whenClosed()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

const TEST_PROGRAM = { name: 'Test', number: 0x20000123, version: 1, procedures: ['NULL', 'ECHO'] }
const TEST_ID = { pid: 1, uid: 0, gid: 0, groups: [], lkOwner: Buffer.alloc(0) }

describe('writes over TLS', () => {
  it('puts each call in its own TLS record, even calls made in the same tick (socket.c reads one RPC record per poll event)', async () => {
    // The peer decrypts one TLS record per read: each 'data' chunk is one record's plaintext.
    const chunks: Buffer[] = []
    await withTlsPeer((socket) => socket.on('data', (d: Buffer) => chunks.push(d)), {}, async (rpc) => {
      const calls: Promise<unknown>[] = []
      for (let i = 0; i < 3; i++) {
        rpc.beginCall(TEST_PROGRAM, 1, AuthFlavor.NULL, TEST_ID, 0).uint32(i)
        calls.push(rpc.send(() => undefined).catch(() => undefined))
      }
      const deadline = performance.now() + 5_000
      while (chunks.reduce((n, c) => n + c.length, 0) < 3 * 48 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
      expect(chunks).toHaveLength(3)
      for (const c of chunks) expect(c.readUInt32BE(0) & 0x7fffffff).toBe(c.length - 4)
      rpc.close()
      await Promise.all(calls)
    })
  })
})

describe('reads over TLS', () => {
  it('reads every reply as it arrives, whatever coalesceReadsMs says (a pause costs a TLS connection more than it saves)', async () => {
    // The peer collects the calls (record mark, xid first) and answers the ones the test says.
    let pending = Buffer.alloc(0)
    const xids: number[] = []
    let peer: TLSSocket | undefined
    const collect = (socket: TLSSocket): void => {
      peer = socket
      socket.on('data', (d: Buffer) => {
        pending = Buffer.concat([pending, d])
        while (pending.length >= 8 && pending.length >= 4 + (pending.readUInt32BE(0) & 0x7fffffff)) {
          xids.push(pending.readUInt32BE(4))
          pending = pending.subarray(4 + (pending.readUInt32BE(0) & 0x7fffffff))
        }
      })
    }
    const answer = (xid: number): void => {
      // REPLY, MSG_ACCEPTED, AUTH_NULL verifier, SUCCESS, no results.
      const reply = Buffer.alloc(28)
      reply.writeUInt32BE(0x80000000 + 24, 0)
      reply.writeUInt32BE(xid, 4)
      reply.writeUInt32BE(1, 8)
      peer!.write(reply)
    }
    await withTlsPeer(collect, { pingTimeoutMs: 0, coalesceReadsMs: 1500 }, async (rpc) => {
      const calls: Promise<void>[] = []
      for (let i = 0; i < 20; i++) {
        rpc.beginCall(TEST_PROGRAM, 1, AuthFlavor.NULL, TEST_ID, 0).uint32(i)
        calls.push(rpc.send(() => undefined))
      }
      const deadline = performance.now() + 5_000
      while (xids.length < 20 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
      expect(xids).toHaveLength(20)
      answer(xids[1]!)
      await calls[1]
      // 19 calls in flight: over plain TCP the connection would now pause reading for 1.5 s.
      answer(xids[2]!)
      let settled = false
      void calls[2]!.then(() => { settled = true })
      await new Promise((resolve) => setTimeout(resolve, 400))
      expect(settled).toBe(true)
      for (const [i, xid] of xids.entries()) if (i !== 1 && i !== 2) answer(xid)
      await Promise.all(calls)
    })
  })
})
