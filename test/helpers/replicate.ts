/**
 * cluster/replicate against real replica volumes, built directly (to reach the xlator's own
 * state and fops): protocol/client per brick from the volume's live volfile, the replicate
 * xlator over them. Plus the judges: each brick's copy (sha256, size, trusted.afr.* xattrs),
 * `gluster volume heal VOL info` and the C client's writes.
 */
import { spawn, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fetchVolfile } from '../../src/api/mgmt.ts'
import { client } from '../../src/xlators/client/index.ts'
import { distribute } from '../../src/xlators/distribute/index.ts'
import { replicate } from '../../src/xlators/replicate/index.ts'
import type { Replicate } from '../../src/xlators/replicate/replicate.ts'
import { type Call, Fd, Inode, type Loc, ROOT_GFID } from '../../src/xlators/types.ts'
import { parseVolfile } from '../../src/xlators/volfile.ts'
import { type GraphContext, type Xlator, buildXlator } from '../../src/xlators/xlator.ts'
import { afterAll, beforeAll } from 'vitest'
import { acquireSandboxLock, gluster, sandbox, volumeInfo } from './sandbox.ts'

export const BRICK_ROOT = '/var/lib/gfapi-ts-sandbox/i13'

/** This volumes: created (force: bricks on the root filesystem) and started if absent. */
export const VOLUMES = {
  r3: { name: 'gfts-i13-r3', bricks: ['r3b1', 'r3b2', 'r3b3'].map((b) => join(BRICK_ROOT, b)), create: ['replica', '3'] },
  arb: { name: 'gfts-i13-arb', bricks: ['ab1', 'ab2', 'ab3'].map((b) => join(BRICK_ROOT, b)), create: ['replica', '3', 'arbiter', '1'] },
  d2r3: { name: 'gfts-i13-d2r3', bricks: ['d1', 'd2', 'd3', 'd4', 'd5', 'd6'].map((b) => join(BRICK_ROOT, b)), create: ['replica', '3'] },
} as const

/**
 * For a test file on the replica 3 and arbiter volumes: they are its own from its first test to its
 * last (one file's killed bricks, split-brains and pending heals must not meet another file's
 * "every copy equal, heal info 0"), created first when absent.
 */
export function useReplicaVolumesAlone(): void {
  let release: (() => void) | undefined
  beforeAll(async () => {
    release = await acquireSandboxLock('gfts-i13-volumes', 1_500_000)
    ensureVolume(VOLUMES.r3)
    ensureVolume(VOLUMES.arb)
  }, 1_620_000)
  afterAll(() => release?.())
}

export function ensureVolume(v: (typeof VOLUMES)[keyof typeof VOLUMES]): void {
  const host = sandbox().host
  const list = gluster(['volume', 'list'])
  if (!list.split('\n').includes(v.name)) {
    // Brick directories left by an earlier incarnation of the volume (a reinstalled glusterd)
    // carry its volume-id and would be refused: they are this issue's own, so start afresh.
    for (const b of v.bricks) rmSync(b, { recursive: true, force: true })
    // glusterd makes only the brick directory itself (on a fresh machine the parent is absent).
    mkdirSync(BRICK_ROOT, { recursive: true })
    gluster(['volume', 'create', v.name, ...v.create, ...v.bricks.map((b) => `${host}:${b}`), 'force'])
  }
  const info = volumeInfo(v.name)
  if (info.status !== 'Started') gluster(['volume', 'start', v.name])
}

export const CALL: Call = { pid: process.pid, uid: 0, gid: 0, groups: [], lkOwner: Buffer.from([1, 2, 3, 4]) }

/** A replica set over the volume's bricks, every brick that is up connected. */
export interface ReplicaSet {
  readonly afr: Replicate
  readonly clients: readonly Xlator[]
  readonly root: Inode
  close(): Promise<void>
}

export async function replicaSet(volume: string, pingTimeoutMs?: number): Promise<ReplicaSet> {
  const sb = sandbox()
  const fetched = await fetchVolfile({ host: sb.host, port: sb.port, transport: 'tcp' }, volume, 10_000)
  fetched.rpc.close()
  const vf = parseVolfile(fetched.spec)
  const graph: GraphContext = { volume, reconnect: { initialDelayMs: 200, maxDelayMs: 1000 }, ...(pingTimeoutMs === undefined ? {} : { rpc: { pingTimeoutMs } }) }
  const clientNodes = vf.nodes.filter((n) => n.type === 'protocol/client')
  const clients = clientNodes.map((n) => buildXlator(client, n, [], graph))
  const node = vf.nodes.find((n) => n.type === 'cluster/replicate')!
  const afr = buildXlator(replicate, node, clients, graph) as Replicate
  const results = await Promise.allSettled(clients.map((c) => c.init()))
  results.forEach((r, i) => {
    if (r.status === 'rejected') clients[i]!.startDegraded(r.reason)
  })
  const root = new Inode(ROOT_GFID, 0o040000)
  return {
    afr, clients, root,
    async close() {
      await Promise.allSettled(clients.map((c) => c.fini()))
    },
  }
}

/**
 * A distributed-replicate graph (distribute over replicate sets), built directly: protocol/client
 * per brick, one replicate per set, distribute on top.
 */
export async function distributedSet(volume: string): Promise<{ top: Xlator; sets: Replicate[]; root: Inode; close(): Promise<void> }> {
  const sb = sandbox()
  const fetched = await fetchVolfile({ host: sb.host, port: sb.port, transport: 'tcp' }, volume, 10_000)
  fetched.rpc.close()
  const vf = parseVolfile(fetched.spec)
  const graph: GraphContext = { volume, reconnect: { initialDelayMs: 200, maxDelayMs: 1000 } }
  const built = new Map<string, Xlator>()
  const clients: Xlator[] = []
  const sets: Replicate[] = []
  let top: Xlator | undefined
  for (const n of vf.nodes) {
    const children = n.subvolumes.map((s) => built.get(s)!)
    if (n.type === 'protocol/client') {
      const c = buildXlator(client, n, [], graph)
      clients.push(c)
      built.set(n.name, c)
    } else if (n.type === 'cluster/replicate') {
      const r = buildXlator(replicate, n, children, graph) as Replicate
      sets.push(r)
      built.set(n.name, r)
    } else if (n.type === 'cluster/distribute') {
      top = buildXlator(distribute, n, children, graph)
      built.set(n.name, top)
    }
  }
  await Promise.all(clients.map((c) => c.init()))
  await top!.init()
  const root = new Inode(ROOT_GFID, 0o040000)
  return { top: top!, sets, root, close: async () => { await Promise.allSettled(clients.map((c) => c.fini())) } }
}

/** Create `name` under the root with the API's placeholder-gfid convention; returns the open fd. */
export async function createFile(set: ReplicaSet, name: string): Promise<{ fd: Fd; loc: Loc }> {
  const inode = new Inode(randomBytes(16), 0o100000)
  const loc: Loc = { path: `/${name}`, name, parent: set.root, inode }
  const fd = new Fd(inode, 0o2 /* O_RDWR */, false)
  const r = await set.afr.create(CALL, loc, 0o2 | 0o100, 0o644, 0, fd)
  inode.type = r.stat.mode & 0o170000
  return { fd, loc }
}

/** Look up and open an existing file at the root. */
export async function openFile(set: ReplicaSet, name: string, flags = 0o2): Promise<{ fd: Fd; loc: Loc }> {
  const named: Loc = { path: `/${name}`, name, parent: set.root, inode: undefined }
  const found = await set.afr.lookup(CALL, named)
  const inode = new Inode(found.stat.gfid, found.stat.mode & 0o170000)
  const loc: Loc = { ...named, inode }
  const fd = new Fd(inode, flags, false)
  await set.afr.open(CALL, loc, flags, fd)
  return { fd, loc }
}

export async function closeFile(set: ReplicaSet, fd: Fd): Promise<void> {
  await set.afr.flush(CALL, fd)
  await set.afr.release(CALL, fd)
}

export const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

/** Each brick's copy of `name`: sha256 and size, or undefined when it has none. */
export function brickCopies(bricks: readonly string[], name: string): ({ sha256: string; size: number } | undefined)[] {
  return bricks.map((b) => {
    const p = join(b, name)
    if (!existsSync(p)) return undefined
    const data = readFileSync(p)
    return { sha256: sha(data), size: statSync(p).size }
  })
}

/** What brickCopies must give for three bricks holding `data`: the arbiter's copy (brick 3) is empty. */
export function expectedCopies(data: Uint8Array, arbiter: boolean): { sha256: string; size: number }[] {
  const full = { sha256: sha(data), size: data.length }
  return [full, full, arbiter ? { sha256: sha(new Uint8Array(0)), size: 0 } : full]
}

/** `trusted.afr.*` of `name` on each brick, hex values by key (getfattr -d -m trusted.afr -e hex). */
export function afrXattrs(bricks: readonly string[], name: string): Record<string, string>[] {
  return bricks.map((b) => {
    const r = spawnSync('getfattr', ['-d', '-m', 'trusted.afr', '-e', 'hex', '--absolute-names', join(b, name)], { encoding: 'utf8' })
    const out: Record<string, string> = {}
    for (const line of (r.stdout ?? '').split('\n')) {
      const m = /^(trusted\.afr\.[^=]+)=0x([0-9a-f]+)$/.exec(line.trim())
      if (m !== null) out[m[1]!] = m[2]!
    }
    return out
  })
}

/** Whether every trusted.afr.* value on every brick is zero (or absent). */
export function allClean(x: readonly Record<string, string>[]): boolean {
  return x.every((m) => Object.values(m).every((v) => /^0+$/.test(v)))
}

/** Entries `gluster volume heal VOL info` lists, summed over bricks. */
export function healInfoCount(volume: string): number {
  const out = gluster(['volume', 'heal', volume, 'info'])
  let n = 0
  for (const m of out.matchAll(/Number of entries: (\d+)/g)) n += Number(m[1])
  return n
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 500))
  }
}

const PEER = '/work/shared/tools/gfapi_peer.py'

/** Write `data` at `offset` with the C client (libgfapi), glfs_fini included so its post-op is on disk. */
export function cWrite(volume: string, path: string, offset: number, data: Buffer, create: boolean): Promise<void> {
  const sb = sandbox()
  const args = [PEER, '-s', sb.host, '-p', String(sb.port), '-V', volume, '--fini', 'write', path, String(offset), ...(create ? ['--create'] : [])]
  return new Promise((resolve, reject) => {
    const p = spawn('python3', args, { stdio: ['pipe', 'ignore', 'pipe'] })
    let err = ''
    p.stderr.on('data', (c: Buffer) => { err += c.toString() })
    p.stdin.end(data)
    p.on('error', reject)
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`gfapi_peer write ${path} on ${volume}: exit ${code}: ${err.slice(-400)}`))))
  })
}
