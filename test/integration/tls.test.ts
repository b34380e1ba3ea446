/**
 * TLS on the I/O path (client.ssl / server.ssl on gfts-tls) against the real bricks, with the C
 * client (libgfapi through gfapi_peer.py, which finds the certificates in the OpenSSL directory)
 * as the judge of what reaches the volume, and the refusals: a CN outside auth.ssl-allow, a
 * certificate of another CA, an expired one, a missing file.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import { type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { createServer } from 'node:tls'
import { describe, expect, it } from 'vitest'
import { Glfs, GlusterError, type GlfsOptions } from '../../src/api/index.ts'
import { RpcClient } from '../../src/rpc/client.ts'
import { TlsProfile } from '../../src/rpc/tls.ts'
import { cView, viewOf } from '../helpers/c-peer.ts'
import { runProcess, sandbox, uniqueName } from '../helpers/sandbox.ts'

const sb = sandbox()
const vol = sb.volumes.tls
const PEER = process.env.GFAPI_PEER ?? '/work/shared/tools/gfapi_peer.py'

function certs(name: string): GlfsOptions['tls'] {
  return { cert: join(vol.tlsDir, `${name}.pem`), key: join(vol.tlsDir, `${name}.key`) }
}

async function mountTls(options: GlfsOptions = {}): Promise<Glfs> {
  const glfs = new Glfs(vol.name, { connectTimeoutMs: 5_000, ...options })
  glfs.setVolfileServer('tcp', sb.host, sb.port)
  await glfs.init()
  return glfs
}

/** The mount's failure; fails the test if it mounted. */
async function mountError(options: GlfsOptions): Promise<GlusterError> {
  const glfs = new Glfs(vol.name, { connectTimeoutMs: 5_000, ...options })
  glfs.setVolfileServer('tcp', sb.host, sb.port)
  const err = await glfs.init().then(() => undefined, (e: unknown) => e)
  if (err === undefined) await glfs.fini()
  expect(err).toBeInstanceOf(GlusterError)
  return err as GlusterError
}

describe('a volume with client.ssl and server.ssl on', () => {
  it('writes what libgfapi reads, and reads what libgfapi wrote, many calls in flight', async () => {
    const glfs = await mountTls()
    try {
      // 4 MiB in 64 KiB writes issued together: TLS records must never straddle two calls,
      // or the brick leaves the second undecoded until more bytes arrive.
      const data = randomBytes(4 * 1024 * 1024)
      const ours = `/${uniqueName('tls-ours')}`
      const fd = await glfs.creat(ours, 'w')
      const chunk = 64 * 1024
      await Promise.all(Array.from({ length: data.length / chunk }, (_, i) => fd.pwrite(data.subarray(i * chunk, (i + 1) * chunk), i * chunk)))
      await fd.fsync()
      await fd.close()
      expect(await cView(vol.name, ours)).toEqual(viewOf(data))

      const theirs = `/${uniqueName('tls-theirs')}`
      const written = randomBytes(300_000)
      const w = await runPeer(['write', theirs, '0', '--create'], written)
      expect(w.status).toBe(0)
      const rfd = await glfs.open(theirs, 'r')
      const back = Buffer.alloc(written.length)
      const chunks = Array.from({ length: Math.ceil(written.length / chunk) }, (_, i) => rfd.pread(back.subarray(i * chunk, Math.min((i + 1) * chunk, written.length)), i * chunk))
      await Promise.all(chunks)
      await rfd.close()
      expect(back.equals(written)).toBe(true)
      await glfs.unlink(ours)
      await glfs.unlink(theirs)
    } finally {
      await glfs.fini()
    }
  }, 120_000)

  it('takes the certificate, key and CA list as buffers', async () => {
    const read = (f: string): Buffer => readFileSync(join(vol.tlsDir, f))
    const glfs = await mountTls({ tls: { cert: read('glusterfs.pem'), key: read('glusterfs.key'), ca: read('glusterfs.ca') } })
    try {
      expect((await glfs.stat('/')).isDirectory()).toBe(true)
    } finally {
      await glfs.fini()
    }
  }, 60_000)

  it('a CN outside auth.ssl-allow: EACCES at SETVOLUME naming the CN, within the connect timeout', async () => {
    const err = await mountError({ tls: certs('intruder') })
    expect(err.code).toBe('EACCES')
    expect(err.syscall).toBe('setvolume')
    expect(err.message).toContain("CN 'gfts-intruder' is not allowed by auth.ssl-allow")
  }, 60_000)

  it('a certificate of another CA: EKEYREJECTED, the brick refused it in the handshake', async () => {
    const err = await mountError({ tls: certs('otherca-cert') })
    expect(err.code).toBe('EKEYREJECTED')
    expect(err.message).toContain('unknown ca')
    expect(err.port).toBeGreaterThan(0)
  }, 60_000)

  it('our CA list without the brick\'s CA: EKEYREJECTED, we refused the brick', async () => {
    const err = await mountError({ tls: { ca: join(vol.tlsDir, 'otherca.pem') } })
    expect(err.code).toBe('EKEYREJECTED')
    expect(err.message).toContain('does not verify against our CA list')
  }, 60_000)

  it('an expired certificate: EKEYEXPIRED naming the file and the date', async () => {
    const err = await mountError({ tls: certs('expired') })
    expect(err.code).toBe('EKEYEXPIRED')
    expect(err.message).toContain(join(vol.tlsDir, 'expired.pem'))
    expect(err.message).toContain('2020')
  }, 60_000)

  it('a peer whose certificate expired: EKEYEXPIRED naming host and port', async () => {
    // No brick of the shared glusterd may carry an expired certificate: a TLS peer that presents
    // the sandbox's expired one (same CA) stands in for it.
    const read = (f: string): Buffer => readFileSync(join(vol.tlsDir, f))
    const server = createServer({ cert: read('expired.pem'), key: read('expired.key'), ca: read('glusterfs.ca'), requestCert: true },
      (socket) => socket.on('error', () => undefined))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    const rpc = new RpcClient({ transport: 'tcp', host: '127.0.0.1', port }, { tls: new TlsProfile({ purpose: 'client.ssl' }), connectTimeoutMs: 5_000 })
    try {
      const err = await rpc.connect().then(() => undefined, (e: unknown) => e) as GlusterError
      expect(err).toBeInstanceOf(GlusterError)
      expect(err.code).toBe('EKEYEXPIRED')
      expect(err.port).toBe(port)
      expect(err.message).toContain("the peer's certificate has expired")
    } finally {
      rpc.close()
      await rpc.whenClosed()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }, 60_000)

  it('a missing key file: ENOENT naming the path', async () => {
    const missing = join(vol.tlsDir, 'no-such.key')
    const err = await mountError({ tls: { key: missing } })
    expect(err.code).toBe('ENOENT')
    expect(err.message).toContain(missing)
  }, 60_000)

  it('libgfapi with the refused CN is told EACCES by the brick too', async () => {
    // The C client reads its certificate only from the OpenSSL directory: give it the intruder's
    // in a private mount namespace. Its glfs_init does not return after AUTH_FAILED (10.3), so
    // the brick's answer is read from its log.
    const log = join(sb.sandboxDir, `${uniqueName('c-intruder')}.log`)
    const bind = (f: string, ext: string): string => `mount --bind ${join(vol.tlsDir, f)} ${join(vol.sslDir, `glusterfs.${ext}`)}`
    const r = await runProcess('unshare', ['-m', '--propagation', 'private', 'sh', '-c',
      `${bind('intruder.pem', 'pem')} && ${bind('intruder.key', 'key')} && exec timeout 15 python3 ${PEER} -s ${sb.host} -p ${sb.port} -V ${vol.name} --log ${log} stat /`], 30_000)
    expect(r.status).not.toBe(0)
    const said = readFileSync(log, 'utf8')
    rmSync(log, { force: true })
    expect(said).toMatch(/SETVOLUME on remote-host failed \[\{remote-error=Authentication failed\}, \{errno=13\}/)
  }, 60_000)
})

/** gfapi_peer.py with `stdin` as its input (a write's data). */
function runPeer(args: string[], stdin: Buffer): Promise<{ status: number | null, stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [PEER, '-s', sb.host, '-p', String(sb.port), '-V', vol.name, ...args], { stdio: ['pipe', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString() })
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.on('error', reject)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({ status, stderr })
    })
    child.stdin.end(stdin)
  })
}
