/**
 * A replica 3 volume over three hosts, each its own glusterd in its own network and mount
 * namespace on a bridge (netns-cluster.sh): hosts cut off (every packet dropped, never a reset)
 * during writes, and a volfile server's glusterd stopped under a mount. The judges are the bricks
 * (trusted.afr.* read with getfattr inside each host's namespaces, the copies' bytes),
 * `gluster volume heal VOL info` of the pool and the C client (gfapi_peer.py).
 */
import { createHash, randomBytes } from 'node:crypto'
import { constants, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BrickInfo, Glfs, type GlfsFd, GlusterError } from '../../src/api/index.ts'
import { runProcess, uniqueName } from '../helpers/sandbox.ts'

const SCRIPT = join(import.meta.dirname, 'netns-cluster.sh')
const PEER = process.env.GFAPI_PEER ?? '/work/shared/tools/gfapi_peer.py'

interface Host {
  index: number
  namespace: string
  address: string
  dir: string
  brick: string
  glusterdPid: number
}

interface Pool {
  volume: string
  /** network.ping-timeout of the volume, in seconds. */
  pingTimeout: number
  hosts: Host[]
}

let pool: Pool

async function script(args: string[], timeoutMs = 60_000): Promise<string> {
  const r = await runProcess(SCRIPT, args, timeoutMs)
  if (r.status !== 0) throw new Error(`netns-cluster.sh ${args.join(' ')} failed (${r.timedOut ? 'timed out' : r.status ?? r.signal}): ${r.stderr.slice(-1500)}`)
  return r.stdout
}

beforeAll(async () => {
  pool = JSON.parse(await script(['up'], 300_000)) as Pool
}, 320_000)

afterAll(async () => {
  await script(['down'], 120_000)
}, 130_000)

const host = (index: number): Host => pool.hosts[index - 1]!
const pingMs = (): number => pool.pingTimeout * 1000
/**
 * How long a call may wait on a host that went silent: the ping-timeout, plus the up to 1 s the
 * client takes to notice it (GlfsOptions.pingTimeoutMs), plus room for this shared 2-core machine.
 */
const stallBoundMs = (): number => pingMs() + 1000 + 3000

/** Mount with every host of the pool as a volfile server, host 1 first. */
async function mountPool(): Promise<Glfs> {
  const glfs = new Glfs(pool.volume, { connectTimeoutMs: 5000 })
  for (const h of pool.hosts) glfs.setVolfileServer('tcp', h.address, 24007)
  await glfs.init()
  return glfs
}

/** Resolves when `glfs` emits `event` for host `h`'s brick; rejects after `timeoutMs`. */
function brickEvent(glfs: Glfs, event: 'brick-up' | 'brick-down', h: Host, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      glfs.off(event, on)
      reject(new Error(`no ${event} for ${h.address}:${h.brick} within ${timeoutMs} ms`))
    }, timeoutMs)
    const on = (b: BrickInfo): void => {
      if (b.host !== h.address || b.path !== h.brick) return
      clearTimeout(timer)
      glfs.off(event, on)
      resolve(Date.now())
    }
    glfs.on(event, on)
  })
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number, pollMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, pollMs))
  }
}

/** The rejection of `p` (a GlusterError) and when it came. */
async function rejection(p: Promise<unknown>): Promise<{ err: GlusterError; at: number }> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(GlusterError)
  return { err: err as GlusterError, at: Date.now() }
}

interface WriteOp {
  offset: number
  data: Buffer
  start: number
  end: number
  error?: unknown
}

/**
 * Writes CHUNK-sized blocks one after the other, each followed by fsync (so every block has
 * reached the bricks, or failed, before the next), until stopped or, with `stopOnError`, the
 * first failure.
 */
class Writer {
  static readonly CHUNK = 64 * 1024
  readonly ops: WriteOp[] = []
  readonly done: Promise<void>
  #stopped = false

  constructor(fd: GlfsFd, firstOffset: number, stopOnError: boolean) {
    this.done = (async () => {
      let offset = firstOffset
      while (!this.#stopped) {
        const op: WriteOp = { offset, data: randomBytes(Writer.CHUNK), start: Date.now(), end: 0 }
        try {
          await fd.pwrite(op.data, op.offset)
          await fd.fsync()
        } catch (e) {
          op.error = e
        }
        op.end = Date.now()
        this.ops.push(op)
        offset += Writer.CHUNK
        if (op.error !== undefined && stopOnError) return
        // a breath between blocks: the writer must not starve the 2-core machine
        await new Promise((r) => setTimeout(r, 20))
      }
    })()
  }

  get ok(): WriteOp[] {
    return this.ops.filter((o) => o.error === undefined)
  }

  get failed(): WriteOp[] {
    return this.ops.filter((o) => o.error !== undefined)
  }

  /** Successful blocks that ended after `t`. */
  okAfter(t: number): number {
    return this.ok.filter((o) => o.end > t).length
  }

  async stop(): Promise<void> {
    this.#stopped = true
    await this.done
  }
}

/** `trusted.afr.*` of `rel` on host `h`'s brick, read by getfattr inside that host's namespaces. */
async function afrXattrs(h: Host, rel: string): Promise<Record<string, string>> {
  const out = await script(['exec', String(h.index), 'getfattr', '-d', '-m', 'trusted.afr', '-e', 'hex', '--absolute-names', join(h.brick, rel)])
  const x: Record<string, string> = {}
  for (const line of out.split('\n')) {
    const m = /^trusted\.afr\.([^=]+)=0x([0-9a-f]+)$/.exec(line.trim())
    if (m !== null) x[m[1]!] = m[2]!
  }
  return x
}

/** The changelog key of host `h`'s brick: `<volume>-client-<index - 1>`. */
const clientKey = (h: Host): string => `${pool.volume}-client-${h.index - 1}`
/** Data pending count of a trusted.afr value (its first of three 32-bit counters). */
const dataPending = (hex: string | undefined): number => (hex === undefined ? 0 : Number.parseInt(hex.slice(0, 8), 16))

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
const brickCopy = (h: Host, rel: string): Buffer => readFileSync(join(h.brick, rel))

/** Entries `gluster volume heal VOL info` lists, summed over bricks (asked of host 1's glusterd). */
async function healEntries(): Promise<number> {
  const out = await script(['gluster', '1', 'volume', 'heal', pool.volume, 'info'])
  const counts = [...out.matchAll(/Number of entries: (\d+)/g)].map((m) => Number(m[1]))
  // a brick it could not reach has no count: not converged
  if (counts.length !== pool.hosts.length) return Number.POSITIVE_INFINITY
  return counts.reduce((a, b) => a + b, 0)
}

/** Heal converges: index heal kicked now and then, until heal info lists nothing (bounded). */
async function healConverges(timeoutMs = 90_000): Promise<void> {
  let kicked = 0
  await waitFor('heal info to show 0 entries', async () => {
    if (Date.now() - kicked > 10_000) {
      kicked = Date.now()
      // refused while a host's brick is still reconnecting to the self-heal daemon: kick again later
      await script(['gluster', '1', 'volume', 'heal', pool.volume]).catch(() => undefined)
    }
    return (await healEntries()) === 0
  }, timeoutMs, 1000)
}

/** What the C client (libgfapi), mounted from `h`, reads of `path`. */
async function cSha(h: Host, path: string): Promise<string> {
  const r = await runProcess('python3', [PEER, '-s', h.address, '-V', pool.volume, '--json', 'sha256', path], 90_000)
  if (r.status !== 0) throw new Error(`gfapi_peer sha256 ${path} from ${h.address}: exit ${r.status ?? r.signal}: ${r.stderr.slice(-500)}`)
  return (JSON.parse(r.stdout) as { sha256: string }).sha256
}

/** The file as the successful writes of `ops` made it (they never overlap). */
function expectedContent(ops: readonly WriteOp[]): Buffer {
  const size = Math.max(0, ...ops.map((o) => o.offset + o.data.length))
  const out = Buffer.alloc(size)
  for (const o of ops) o.data.copy(out, o.offset)
  return out
}

describe('replica 3 over three hosts, one glusterd and one brick each, in network namespaces', () => {
  it('one host cut off during writes: they carry on within the ping-timeout, the others blame it, and after the link returns heal makes three equal copies', async () => {
    const victim = host(3)
    const survivors = [host(1), host(2)]
    const glfs = await mountPool()
    const rel = uniqueName('cut-one')
    let writer: Writer | undefined
    let fd: GlfsFd | undefined
    try {
      fd = await glfs.creat(`/${rel}`, 'w+')
      writer = new Writer(fd, 0, false)
      await waitFor('writes before the cut', () => writer!.ok.length >= 5, 30_000)

      const down = brickEvent(glfs, 'brick-down', victim, stallBoundMs() + 10_000)
      const cutStart = Date.now()
      await script(['cut', String(victim.index)])
      const cutAt = Date.now()
      const downAt = await down
      // The client gives up on the silent host after the ping-timeout, not before, not much after.
      expect(downAt - cutStart).toBeGreaterThanOrEqual(pingMs() - 100)
      expect(downAt - cutAt).toBeLessThan(stallBoundMs())
      await waitFor('writes after the host is given up', () => writer!.okAfter(downAt) >= 5, 30_000)
      // The writes carried on: none failed, none waited longer than the bound.
      expect(writer.failed.map((o) => o.error)).toEqual([])
      const longest = Math.max(...writer.ops.map((o) => o.end - o.start))
      expect(longest).toBeLessThan(stallBoundMs())

      // Every completed fsync put the blame on disk: the survivors accuse the victim's brick for
      // data, not each other; the victim's copy stopped at the cut.
      for (const s of survivors) {
        const x = await afrXattrs(s, rel)
        expect(dataPending(x[clientKey(victim)]), `${s.address} blames ${victim.address}`).toBeGreaterThan(0)
        for (const t of survivors) expect(dataPending(x[clientKey(t)]), `${s.address} on ${t.address}`).toBe(0)
      }
      expect(brickCopy(victim, rel).length).toBeLessThan(brickCopy(survivors[0]!, rel).length)

      const up = brickEvent(glfs, 'brick-up', victim, 30_000)
      await script(['restore', String(victim.index)])
      const upAt = await up
      await waitFor('writes after the host is back', () => writer!.okAfter(upAt) >= 3, 30_000)
      await writer.stop()
      expect(writer.failed.map((o) => o.error)).toEqual([])
      await fd.close()
      fd = undefined

      await healConverges()
      const expected = expectedContent(writer.ok)
      for (const h of pool.hosts) {
        const copy = brickCopy(h, rel)
        expect(copy.length, `size on ${h.address}`).toBe(expected.length)
        expect(sha(copy), `copy on ${h.address}`).toBe(sha(expected))
        const x = await afrXattrs(h, rel)
        for (const t of pool.hosts) expect(dataPending(x[clientKey(t)]), `${h.address} on ${t.address} after heal`).toBe(0)
      }
      expect(sha(await glfs.readFile(`/${rel}`))).toBe(sha(expected))
      expect(await cSha(victim, `/${rel}`)).toBe(sha(expected))
    } finally {
      await script(['restore', String(victim.index)])
      await writer?.stop()
      await fd?.close().catch(() => undefined)
      await glfs.fini()
    }
  }, 240_000)

  it('two hosts cut off: writes fail ENOTCONN (quorum) within the bound; after the links return the same fd writes again, no remount', async () => {
    const cut = [host(2), host(3)]
    const glfs = await mountPool()
    const rel = uniqueName('cut-two')
    let writer: Writer | undefined
    let fd: GlfsFd | undefined
    try {
      // O_SYNC: each write reaches the bricks or fails by itself. (A write lost from
      // write-behind's cache fails every later fsync and close of the fd it was written through.)
      fd = await glfs.creat(`/${rel}`, constants.O_RDWR | constants.O_CREAT | constants.O_SYNC)
      writer = new Writer(fd, 0, true)
      await waitFor('writes before the cut', () => writer!.ok.length >= 5, 30_000)

      const downs = cut.map((h) => brickEvent(glfs, 'brick-down', h, 2 * stallBoundMs() + 10_000))
      const cutStart = Date.now()
      await script(['cut', ...cut.map((h) => String(h.index))])
      const cutAt = Date.now()
      await waitFor('a write to fail', () => writer!.failed.length > 0, 2 * stallBoundMs() + 10_000)
      await writer.done
      const failure = writer.failed[0]!
      expect(failure.error).toBeInstanceOf(GlusterError)
      expect((failure.error as GlusterError).code).toBe('ENOTCONN')
      expect((failure.error as GlusterError).errno).toBeLessThan(0)
      // Each host is given up a ping-timeout after the first call it leaves unanswered. A host
      // that had answered everything when the links went may get its next call only once the
      // other is given up: quorum is known lost within two ping-timeouts, never later.
      expect(failure.end - cutStart).toBeGreaterThanOrEqual(pingMs() - 100)
      expect(failure.end - cutAt).toBeLessThan(2 * stallBoundMs())
      for (const at of await Promise.all(downs)) expect(at - cutStart).toBeGreaterThanOrEqual(pingMs() - 100)
      // With quorum known lost, a write fails at once (no further wait on the silent hosts).
      const t0 = Date.now()
      const { err } = await rejection(fd.pwrite(randomBytes(Writer.CHUNK), failure.offset + Writer.CHUNK))
      expect(err.code).toBe('ENOTCONN')
      expect(err.message).toContain(pool.volume)
      expect(Date.now() - t0).toBeLessThan(2000)

      const ups = cut.map((h) => brickEvent(glfs, 'brick-up', h, 30_000))
      await script(['restore', ...cut.map((h) => String(h.index))])
      await Promise.all(ups)
      // Same mount, same fd: writes resume once the client has the hosts again (bounded).
      const resumeAt = failure.offset + 2 * Writer.CHUNK
      const data = randomBytes(Writer.CHUNK)
      await waitFor('a write on the same fd to succeed', async () => {
        try {
          await fd!.pwrite(data, resumeAt)
          await fd!.fsync()
          return true
        } catch (e) {
          expect((e as GlusterError).code).toBe('ENOTCONN')
          return false
        }
      }, 30_000, 500)
      await fd.close()
      fd = undefined

      // What succeeded is there, on all three copies once heal is done; the failed writes' blocks
      // may or may not be (as in C: a write quorum refuses may have reached the brick that was up).
      await healConverges()
      const copies = pool.hosts.map((h) => brickCopy(h, rel))
      for (const c of copies.slice(1)) expect(sha(c)).toBe(sha(copies[0]!))
      for (const o of [...writer.ok, { offset: resumeAt, data }]) {
        expect(sha(copies[0]!.subarray(o.offset, o.offset + o.data.length)), `block at ${o.offset}`).toBe(sha(o.data))
      }
      // the C client, through a host that was cut off, reads what the bricks hold
      expect(await cSha(cut[0]!, `/${rel}`)).toBe(sha(copies[0]!))
    } finally {
      await script(['restore', ...cut.map((h) => String(h.index))])
      await writer?.stop()
      await fd?.close().catch(() => undefined)
      await glfs.fini()
    }
  }, 240_000)

  it("glusterd of the volfile server's host stopped under a mount: the mount keeps working and moves to another glusterd; a new mount falls over to the next volfile server", async () => {
    const first = host(1)
    const glfs = await mountPool()
    let fresh: Glfs | undefined
    try {
      expect(glfs.volfileServer?.server.host).toBe(first.address)
      const before = uniqueName('before')
      await glfs.writeFile(`/${before}`, 'written before glusterd stopped')

      await script(['stop-glusterd', String(first.index)])
      // The management connection moves on to another glusterd of the pool (bounded).
      await waitFor('the mount to be on another volfile server', () =>
        glfs.volfileServer?.status === 'connected' && glfs.volfileServer.server.host !== first.address, 30_000)
      // The bricks, host 1's too, still serve the mount.
      expect(glfs.bricks.map((b) => b.status)).toEqual(['connected', 'connected', 'connected'])
      const after = uniqueName('after')
      const data = randomBytes(300_000)
      await glfs.writeFile(`/${after}`, data)
      expect(sha(await glfs.readFile(`/${after}`))).toBe(sha(data))
      expect(await glfs.readFile(`/${before}`, 'utf8')).toBe('written before glusterd stopped')

      // A new mount: host 1 refuses, the next volfile server gives the volfile. Host 1's brick
      // still runs, but its port is asked of its own glusterd (as the C client does): until that
      // glusterd is back the new mount writes to the other two, which blame it.
      fresh = await mountPool()
      expect(fresh.volfileServer?.server.host).not.toBe(first.address)
      expect(fresh.bricks.map((b) => b.status === 'connected')).toEqual([false, true, true])
      expect(sha(await fresh.readFile(`/${after}`))).toBe(sha(data))
      await fresh.writeFile(`/${before}`, 'rewritten by the second mount')
      for (const s of [host(2), host(3)]) expect(dataPending((await afrXattrs(s, before))[clientKey(first)]), `${s.address} blames ${first.address}`).toBeGreaterThan(0)

      const up = brickEvent(fresh, 'brick-up', first, 60_000)
      // the pool exists: `up` only starts host 1's glusterd (within the test's own timeout, so a
      // failure shows the script's stderr rather than vitest's timeout)
      pool = JSON.parse(await script(['up'], 90_000)) as Pool
      await up
      await healConverges()
      for (const h of pool.hosts) {
        expect(brickCopy(h, after).equals(data), `copy on ${h.address}`).toBe(true)
        expect(brickCopy(h, before).toString(), `copy on ${h.address}`).toBe('rewritten by the second mount')
      }
      expect(await cSha(first, `/${before}`)).toBe(sha(Buffer.from('rewritten by the second mount')))
    } finally {
      await fresh?.fini()
      await glfs.fini()
      // up starts the stopped glusterd again (and anything else that is down); idempotent
      pool = JSON.parse(await script(['up'], 90_000)) as Pool
    }
  }, 240_000)
})
