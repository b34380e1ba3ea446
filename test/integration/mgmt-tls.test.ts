/**
 * Management TLS against a second glusterd that runs with /var/lib/glusterd/secure-access in its
 * own network and mount namespace (netns-glusterd.sh; the shared glusterd never gets
 * secure-access). GETSPEC and PORTBYBRICK go over TLS; the bricks are plain TCP on one volume
 * and TLS on the other. libgfapi, run in a mount namespace that sees that glusterd's
 * /var/lib/glusterd (so it finds secure-access, as on a real client), checks the data.
 */
import { randomBytes } from 'node:crypto'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Glfs, GlusterError } from '../../src/api/index.ts'
import { readText, writeText } from '../helpers/mount.ts'
import { runProcess, sandbox, uniqueName } from '../helpers/sandbox.ts'

const SCRIPT = join(import.meta.dirname, 'netns-glusterd.sh')
const PEER = process.env.GFAPI_PEER ?? '/work/shared/tools/gfapi_peer.py'
const REPO = join(import.meta.dirname, '..', '..')

interface Cluster {
  host: string
  dir: string
  libDir: string
  volumes: { mgmt: string, mgmtIo: string }
}

let cluster: Cluster

beforeAll(async () => {
  const r = await runProcess(SCRIPT, ['up'], 300_000)
  if (r.status !== 0) throw new Error(`netns-glusterd.sh up failed (${r.status ?? r.signal}): ${r.stderr.slice(-1000)}`)
  cluster = JSON.parse(r.stdout) as Cluster
}, 320_000)

afterAll(async () => {
  const r = await runProcess(SCRIPT, ['down'], 120_000)
  expect(r.status).toBe(0)
}, 130_000)

async function mountMgmtTls(volume: string): Promise<Glfs> {
  const glfs = new Glfs(volume, { connectTimeoutMs: 5_000, tls: { management: true } })
  glfs.setVolfileServer('tcp', cluster.host, 24007)
  await glfs.init()
  return glfs
}

/** `sh -c command` in a mount namespace where /var/lib/glusterd is that glusterd's (secure-access in it). */
function withSecureAccess(command: string, timeoutMs: number): ReturnType<typeof runProcess> {
  return runProcess('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount --bind ${cluster.libDir} /var/lib/glusterd && ${command}`], timeoutMs)
}

function cPeer(volume: string, args: string): ReturnType<typeof runProcess> {
  return withSecureAccess(`exec timeout 60 python3 ${PEER} -s ${cluster.host} -V ${volume} ${args}`, 90_000)
}

describe('a glusterd with secure-access (management TLS)', () => {
  it.each(['mgmt', 'mgmtIo'] as const)('%s: GETSPEC and PORTBYBRICK over TLS; libgfapi reads what we wrote and we read what it wrote', async (key) => {
    const volume = cluster.volumes[key]
    const glfs = await mountMgmtTls(volume)
    try {
      const ours = `/${uniqueName('mtls-ours')}`
      const text = randomBytes(3000).toString('hex')
      await writeText(glfs, ours, text)
      const r = await cPeer(volume, `read ${ours} 0 -1`)
      expect(r.status).toBe(0)
      expect(r.stdout).toBe(text)

      const theirs = `/${uniqueName('mtls-theirs')}`
      const w = await withSecureAccess(`echo -n theirs-${theirs} | exec timeout 60 python3 ${PEER} -s ${cluster.host} -V ${volume} write ${theirs} 0 --create`, 90_000)
      expect(w.status).toBe(0)
      expect(await readText(glfs, theirs)).toBe(`theirs-${theirs}`)
    } finally {
      await glfs.fini()
    }
  }, 180_000)

  it('turns management TLS on by itself when /var/lib/glusterd/secure-access exists on this machine', async () => {
    const probe = join(sandbox().sandboxDir, `${uniqueName('secure-access')}.mts`)
    writeFileSync(probe, [
      `import { Glfs } from ${JSON.stringify(join(REPO, 'src/api/index.ts'))}`,
      `const glfs = new Glfs(${JSON.stringify(cluster.volumes.mgmt)}, { connectTimeoutMs: 5000 })`,
      `glfs.setVolfileServer('tcp', ${JSON.stringify(cluster.host)}, 24007)`,
      'await glfs.init()',
      "console.log(JSON.stringify((await glfs.stat('/')).isDirectory()))",
      'await glfs.fini()',
    ].join('\n'))
    const r = await withSecureAccess(`cd ${REPO} && exec npx tsx ${probe}`, 90_000).finally(() => rmSync(probe, { force: true }))
    expect(r.stderr).toBe('')
    expect(r.stdout.trim()).toBe('true')
  }, 120_000)

  it('without management TLS the glusterd resets the connection: a typed error, not a hang', async () => {
    const glfs = new Glfs(cluster.volumes.mgmt, { connectTimeoutMs: 5_000 })
    glfs.setVolfileServer('tcp', cluster.host, 24007)
    const err = await glfs.init().then(() => undefined, (e: unknown) => e)
    if (err === undefined) await glfs.fini()
    expect(err).toBeInstanceOf(GlusterError)
    expect((err as GlusterError).code).toBe('ECONNRESET')
    expect((err as GlusterError).host).toBe(cluster.host)
    expect((err as GlusterError).message).toContain('GlfsOptions.tls.management')
  }, 60_000)
})
