/**
 * The local GlusterFS sandbox (started by test/integration/gluster-sandbox.sh through the
 * vitest globalSetup) and helpers that act on the REAL server: brick files, brick processes,
 * volume options, and the reference C clients (fio's gfapi engine, qemu-img's gluster driver).
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { inject } from 'vitest'

// ---------------------------------------------------------------------------------------------
// types
// ---------------------------------------------------------------------------------------------

export type VolumeKey = 'single' | 'dist2' | 'dist3' | 'stopped' | 'tiny' | 'fill2' | 'denied' | 'rep3' | 'disp' | 'shard' | 'virt' | 'tls'

export interface SandboxVolume {
  /** Gluster volume name, e.g. "gfts-single". */
  name: string
  /** Absolute brick directories (on this machine), in volume order. */
  bricks: string[]
  started: boolean
}

export interface TinySandboxVolume extends SandboxVolume {
  /** Mount point of the size-limited filesystem holding the brick. */
  mountPoint: string
  /** "ext4" (loop-mounted image) or "tmpfs". */
  fsType: string
  /** Size of that filesystem in bytes (~64 MiB; less for ext4 after metadata). */
  sizeBytes: number
}

/** Distribute over two small filesystems, one brick on each (`mountPoints[i]` holds `bricks[i]`). */
export interface Fill2SandboxVolume extends SandboxVolume {
  /** Mount points of the ~32 MiB filesystems; a test may fill one outside its brick directory. */
  mountPoints: string[]
}

export interface DeniedSandboxVolume extends SandboxVolume {
  /** Value of auth.reject on the volume: every client is refused at SETVOLUME. */
  authReject: string
}

/** A volume of a kind this client does not implement (yet): replica, disperse, shard. */
export interface KindSandboxVolume extends SandboxVolume {
  /** How it was created, as words: "replica 3", "disperse 3 redundancy 1", "features.shard on, ...". */
  kind: string
}

/** server.ssl and client.ssl on; certificates made by the sandbox script. */
export interface TlsSandboxVolume extends SandboxVolume {
  /**
   * The test CA and certificates: glusterfs.pem/.key/.ca (CN `allowedCn`, installed in `sslDir`),
   * intruder.* (another CN, same CA), otherca-cert.* (another CA), expired.* (expired in 2020).
   */
  tlsDir: string
  /** The OpenSSL directory where bricks and libgfapi find glusterfs.pem/.key/.ca. */
  sslDir: string
  /** auth.ssl-allow of the volume. */
  allowedCn: string
}

/** The JSON printed by gluster-sandbox.sh and provided to tests as `inject('sandbox')`. */
export interface Sandbox {
  /** Host name for the volfile server and bricks (what glusterd knows the bricks as). */
  host: string
  /** glusterd port (24007). */
  port: number
  sandboxDir: string
  glusterVersion: string | null
  volumes: {
    single: SandboxVolume
    dist2: SandboxVolume
    dist3: SandboxVolume
    stopped: SandboxVolume
    tiny: TinySandboxVolume
    fill2: Fill2SandboxVolume
    denied: DeniedSandboxVolume
    /** replica 3. */
    rep3: KindSandboxVolume
    /** disperse 3 redundancy 1. */
    disp: KindSandboxVolume
    /** 1 brick, features.shard on, shard-block-size 4MB. */
    shard: KindSandboxVolume
    /** replica 3 with the options of `group virt` (features.shard on), shard-block-size 4MB. */
    virt: KindSandboxVolume
    tls: TlsSandboxVolume
  }
  /** Path of fio (with the gfapi engines), or null when not installed. */
  fio: string | null
  /** Path of qemu-img (with the gluster:// block driver), or null when not installed. */
  qemuImg: string | null
}

/**
 * The sandbox description; only valid inside vitest test files. (The globalSetup,
 * test/integration/global-setup.ts, starts the sandbox and provides it; it must not import this
 * module at runtime, since importing 'vitest' there fails.)
 */
export function sandbox(): Sandbox {
  return inject('sandbox')
}

// ---------------------------------------------------------------------------------------------
// misc
// ---------------------------------------------------------------------------------------------

/** `prefix-<time36>-<8 hex>`: a fresh name for per-test files and directories. */
export function uniqueName(prefix = 't'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

function volumeOf(key: VolumeKey): SandboxVolume {
  return sandbox().volumes[key]
}

/**
 * Run `fn` while holding a cross-process lock named `name` (a directory under
 * <sandboxDir>/.locks). Test files run in parallel workers: wrap anything that needs a volume
 * to itself (filling gfts-tiny to ENOSPC, killing a brick, changing a volume option) in
 * `withSandboxLock(volumeName, ...)`. A lock left by a dead process is taken over.
 */
export async function withSandboxLock<T>(name: string, fn: () => Promise<T> | T, timeoutMs = 300_000): Promise<T> {
  const release = await acquireSandboxLock(name, timeoutMs)
  try {
    return await fn()
  } finally {
    release()
  }
}

/** withSandboxLock's lock, for holding across hooks (beforeAll → afterAll); call the result to release it. */
export async function acquireSandboxLock(name: string, timeoutMs = 300_000): Promise<() => void> {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`bad lock name: ${name}`)
  const root = join(sandbox().sandboxDir, '.locks')
  const dir = join(root, `${name}.lock`)
  mkdirSync(root, { recursive: true })
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      mkdirSync(dir)
      writeFileSync(join(dir, 'pid'), String(process.pid))
      return () => rmSync(dir, { recursive: true, force: true })
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      let owner = NaN
      try {
        owner = Number(readFileSync(join(dir, 'pid'), 'utf8'))
      } catch {
        // being created or removed right now
      }
      if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
        rmSync(dir, { recursive: true, force: true })
        continue
      }
      if (Date.now() >= deadline) throw new Error(`timed out waiting for sandbox lock ${name} (held by pid ${owner})`)
      await sleep(100)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// brick files
// ---------------------------------------------------------------------------------------------

function normRel(relPath: string): string {
  const rel = relPath.replace(/^\/+/, '')
  if (rel === '' || rel.split('/').some((p) => p === '..')) throw new Error(`bad volume path: ${relPath}`)
  if (rel === '.glusterfs' || rel.startsWith('.glusterfs/')) throw new Error(`not a user path: ${relPath}`)
  return rel
}

/** DHT link files are empty, mode 01000 ("---------T"); they point at the brick with the data. */
function isLinkFile(mode: number, size: number): boolean {
  return (mode & 0o7777) === 0o1000 && size === 0
}

export interface BrickPathOptions {
  /** Also report DHT link-to files (default false: only bricks holding the data). */
  includeLinkFiles?: boolean
}

/**
 * Absolute paths, on the bricks of a sandbox volume, of the regular file `relPath` (a path
 * inside the volume, e.g. "dir/file"). Usually one entry on a distribute volume; empty when no
 * brick has it. The .glusterfs gfid tree is never looked at.
 */
export function brickPathOf(volumeKey: VolumeKey, relPath: string, opts: BrickPathOptions = {}): string[] {
  const rel = normRel(relPath)
  const out: string[] = []
  for (const brick of volumeOf(volumeKey).bricks) {
    const p = join(brick, rel)
    try {
      const st = lstatSync(p)
      if (!st.isFile()) continue
      if (!opts.includeLinkFiles && isLinkFile(st.mode, st.size)) continue
      out.push(p)
    } catch {
      // not on this brick
    }
  }
  return out
}

/** The brick directories holding the data of `relPath` (see brickPathOf). */
export function bricksHolding(volumeKey: VolumeKey, relPath: string, opts: BrickPathOptions = {}): string[] {
  const rel = normRel(relPath)
  return volumeOf(volumeKey).bricks.filter((b) => brickPathOf(volumeKey, rel, opts).includes(join(b, rel)))
}

// ---------------------------------------------------------------------------------------------
// gluster CLI
// ---------------------------------------------------------------------------------------------

/** Errors glusterd returns while another CLI transaction holds the volume/cluster lock. */
const LOCK_BUSY = /Another transaction is in progress|Locking failed|lock .* held|try again after some time/i

/**
 * Run `gluster --mode=script ...args`, retrying while glusterd reports a concurrent
 * transaction (parallel test workers). Returns stdout; throws with the CLI's output otherwise.
 */
export function gluster(args: string[], retryForMs = 60_000): string {
  const deadline = Date.now() + retryForMs
  for (let attempt = 0; ; attempt++) {
    const r = spawnSync('gluster', ['--mode=script', ...args], {
      encoding: 'utf8',
      timeout: 150_000,
      killSignal: 'SIGKILL',
      maxBuffer: 16 * 1024 * 1024,
    })
    if (r.error) throw new Error(`gluster ${args.join(' ')}: ${r.error.message}`)
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim()
    if (r.status === 0 && !/<opRet>-1<\/opRet>/.test(r.stdout ?? '')) return r.stdout ?? ''
    if (LOCK_BUSY.test(out) && Date.now() < deadline) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(2000, 200 * (attempt + 1)))
      continue
    }
    throw new Error(`gluster ${args.join(' ')} failed (exit ${r.status ?? r.signal}): ${out}`)
  }
}

export function volumeSet(name: string, key: string, value: string): void {
  gluster(['volume', 'set', name, key, value])
}

export function volumeReset(name: string, key: string): void {
  gluster(['volume', 'reset', name, key])
}

function xmlText(block: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(block)
  return m?.[1]
}

function xmlUnescape(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
}

export interface VolumeInfo {
  name: string
  id: string
  /** "Created" | "Started" | "Stopped" */
  status: string
  type: string
  brickCount: number
  /** "host:/path" as glusterd knows them. */
  bricks: string[]
  /** Reconfigured options (volume info "Options Reconfigured"). */
  options: Record<string, string>
}

/** `gluster volume info NAME --xml`, parsed. */
export function volumeInfo(name: string): VolumeInfo {
  const xml = gluster(['volume', 'info', name, '--xml'])
  const vol = /<volume>([\s\S]*?)<\/volume>/.exec(xml)?.[1]
  if (!vol) throw new Error(`no <volume> in volume info of ${name}`)
  const bricksXml = /<bricks>([\s\S]*?)<\/bricks>/.exec(vol)?.[1] ?? ''
  const bricks = [...bricksXml.matchAll(/<brick [^>]*>[\s\S]*?<name>([^<]*)<\/name>/g)].map((m) => xmlUnescape(m[1] ?? ''))
  const options: Record<string, string> = {}
  const optsXml = /<options>([\s\S]*?)<\/options>/.exec(vol)?.[1] ?? ''
  for (const m of optsXml.matchAll(/<option>\s*<name>([^<]*)<\/name>\s*<value>([^<]*)<\/value>\s*<\/option>/g)) {
    options[xmlUnescape(m[1] ?? '')] = xmlUnescape(m[2] ?? '')
  }
  // the first <name> of the volume block is the volume's own name (bricks/options come later)
  return {
    name: xmlUnescape(xmlText(vol, 'name') ?? name),
    id: xmlText(vol, 'id') ?? '',
    status: xmlText(vol, 'statusStr') ?? 'unknown',
    type: xmlText(vol, 'typeStr') ?? 'unknown',
    brickCount: Number(xmlText(vol, 'brickCount') ?? bricks.length),
    bricks,
    options,
  }
}

export interface BrickStatus {
  host: string
  path: string
  online: boolean
  /** TCP port, or null when offline. */
  port: number | null
  /** Brick process pid, or null when offline. */
  pid: number | null
}

/** `gluster volume status NAME --xml`, parsed (brick nodes only). A stopped volume throws. */
export function volumeStatus(name: string): BrickStatus[] {
  const xml = gluster(['volume', 'status', name, '--xml'])
  const out: BrickStatus[] = []
  for (const m of xml.matchAll(/<node>([\s\S]*?)<\/node>/g)) {
    const node = m[1] ?? ''
    const path = xmlText(node, 'path')
    if (!path?.startsWith('/')) continue // self-heal daemon & co. have no brick path
    const online = xmlText(node, 'status') === '1'
    const port = Number(xmlText(node, 'port'))
    const pid = Number(xmlText(node, 'pid'))
    out.push({
      host: xmlText(node, 'hostname') ?? '',
      path: xmlUnescape(path),
      online,
      port: online && port > 0 ? port : null,
      pid: online && pid > 0 ? pid : null,
    })
  }
  return out
}

/** Brick path → pid of its glusterfsd, for the online bricks of a volume. */
export function brickPids(volumeName: string): Map<string, number> {
  const map = new Map<string, number>()
  for (const b of volumeStatus(volumeName)) if (b.pid !== null) map.set(b.path, b.pid)
  return map
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (alive(pid)) {
    if (Date.now() >= deadline) return false
    await sleep(50)
  }
  return true
}

/**
 * Whether every thread of `pid` is stopped. SIGSTOP takes effect on each thread only when it next
 * returns to user mode: on a loaded machine a brick thread already in the kernel can still answer
 * a request sent right after the signal.
 */
function allThreadsStopped(pid: number): boolean {
  let tasks: string[]
  try {
    tasks = readdirSync(`/proc/${pid}/task`)
  } catch {
    return false
  }
  return tasks.every((tid) => {
    try {
      // The state follows the parenthesised command name: "tid (comm) S ...".
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1')
      return /^[Tt]$/.test(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3))
    } catch {
      return true
    }
  })
}

/** Pids this module signalled, per volume, so restartVolume can wait for them. */
const signalled = new Map<string, Set<number>>()

/**
 * Send `signal` (default SIGKILL) to the brick process serving `brickPath` of `volumeName`.
 * For SIGKILL/SIGTERM waits (up to 15 s) until the process is gone. Returns the pid.
 * SIGSTOP/SIGCONT work too (a hung brick): nothing is awaited then.
 */
export async function killBrick(volumeName: string, brickPath: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<number> {
  const pid = brickPids(volumeName).get(brickPath)
  if (pid === undefined) throw new Error(`brick ${brickPath} of ${volumeName} is not online`)
  process.kill(pid, signal)
  if (signal === 'SIGSTOP') {
    const deadline = Date.now() + 10_000
    while (!allThreadsStopped(pid)) {
      if (Date.now() >= deadline) throw new Error(`brick pid ${pid} not stopped 10 s after SIGSTOP`)
      await sleep(5)
    }
  }
  if (signal === 'SIGKILL' || signal === 'SIGTERM') {
    let set = signalled.get(volumeName)
    if (!set) signalled.set(volumeName, (set = new Set()))
    set.add(pid)
    if (!(await waitGone(pid, 15_000))) throw new Error(`brick pid ${pid} did not exit after ${signal}`)
  }
  return pid
}

/**
 * Bring every brick of a volume back: wait until the brick processes killed with killBrick
 * are gone (SIGKILL them after 15 s), `gluster volume start NAME force`, then wait (up to
 * 30 s) until all bricks are online with a port. Returns brick path → new pid.
 */
export async function restartVolume(volumeName: string): Promise<Map<string, number>> {
  for (const pid of signalled.get(volumeName) ?? []) {
    if (!(await waitGone(pid, 15_000))) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
      await waitGone(pid, 5_000)
    }
  }
  signalled.delete(volumeName)
  gluster(['volume', 'start', volumeName, 'force'])
  const want = volumeInfo(volumeName).brickCount
  const deadline = Date.now() + 30_000
  for (;;) {
    const st = volumeStatus(volumeName)
    const up = st.filter((b) => b.online && b.port !== null && b.pid !== null && alive(b.pid))
    if (up.length === want) return new Map(up.map((b) => [b.path, b.pid as number]))
    if (Date.now() >= deadline) {
      throw new Error(`${volumeName}: only ${up.length}/${want} bricks online 30 s after start force`)
    }
    await sleep(200)
  }
}

// ---------------------------------------------------------------------------------------------
// reference C clients
// ---------------------------------------------------------------------------------------------

export interface ProcResult {
  status: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  timedOut: boolean
}

/** Spawn without blocking the event loop (fio/qemu-img take >= 10 s: glfs_fini is slow). */
export function runProcess(cmd: string, args: string[], timeoutMs: number, cwd?: string): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    let timedOut = false
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => err.push(d))
    // SIGKILL: a gfapi client stuck in glfs_init() (e.g. after AUTH_FAILED) ignores SIGTERM.
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.on('close', (status, signal) => {
      clearTimeout(timer)
      resolve({
        status,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      })
    })
  })
}

export class ToolMissingError extends Error {
  override name = 'ToolMissingError'
}

/** fio did not finish in time. With gfapi this is what a refused mount looks like. */
export class FioTimeoutError extends Error {
  readonly result: ProcResult
  constructor(message: string, result: ProcResult) {
    super(message)
    this.name = 'FioTimeoutError'
    this.result = result
  }
}

export interface FioGfapiOptions {
  volume: string
  /** Volfile server / brick host (default: the sandbox host). */
  host?: string
  /** Path inside the volume (fio's gfapi engine takes it relative to the volume root). */
  filename: string
  rw: 'read' | 'write' | 'randread' | 'randwrite' | 'rw' | 'randrw' | 'trim' | 'randtrim' | (string & {})
  bs: string | number
  size: string | number
  /** fio --verify= (e.g. "crc32c", "md5", "pattern"); enables do_verify. */
  verify?: string
  /** fio --verify_pattern= (with verify "pattern"). */
  verifyPattern?: string
  /** "gfapi" (default, sync) or "gfapi_async". */
  ioengine?: 'gfapi' | 'gfapi_async'
  iodepth?: number
  numjobs?: number
  offset?: string | number
  /** Remove the file when done (fio --unlink=1). */
  unlink?: boolean
  /** Job name (default "gfts"). */
  name?: string
  /** Extra raw fio arguments, e.g. ["--fsync=1"]. */
  extraArgs?: string[]
  /** Kill fio (SIGKILL) after this long (default 120 s). */
  timeoutMs?: number
}

export interface FioJob {
  jobname: string
  /** errno of the first I/O error (e.g. 28 = ENOSPC), 0 when none. */
  error: number
  read: { io_bytes: number; bw_bytes: number; iops: number; [k: string]: unknown }
  write: { io_bytes: number; bw_bytes: number; iops: number; [k: string]: unknown }
  [k: string]: unknown
}

export interface FioJson {
  'fio version': string
  jobs: FioJob[]
  [k: string]: unknown
}

/** Parse fio --output-format=json output; gfapi_async prints a warning line before the JSON. */
export function parseFioJson(stdout: string): FioJson {
  const start = stdout.indexOf('{')
  const end = stdout.lastIndexOf('}')
  if (start < 0 || end < start) throw new Error(`no JSON in fio output: ${stdout.slice(0, 300)}`)
  return JSON.parse(stdout.slice(start, end + 1)) as FioJson
}

/**
 * Run fio's gfapi engine (the reference C client) against a volume:
 * `fio --thread --ioengine=gfapi --volume=V --brick=HOST --filename=F ... --output-format=json`.
 * Returns fio's parsed JSON. I/O errors do not throw: look at `jobs[i].error` (e.g. 28 for
 * ENOSPC). Throws ToolMissingError without fio, FioTimeoutError on timeout, Error when fio
 * fails without printing JSON. Takes >= 10 s (glfs_fini).
 */
export async function fioGfapi(opts: FioGfapiOptions): Promise<FioJson> {
  const sb = sandbox()
  if (!sb.fio) throw new ToolMissingError('fio is not installed')
  const args = [
    '--thread',
    `--ioengine=${opts.ioengine ?? 'gfapi'}`,
    `--volume=${opts.volume}`,
    `--brick=${opts.host ?? sb.host}`,
    `--filename=${opts.filename}`,
    `--rw=${opts.rw}`,
    `--bs=${opts.bs}`,
    `--size=${opts.size}`,
    `--name=${opts.name ?? 'gfts'}`,
    '--output-format=json',
  ]
  if (opts.iodepth !== undefined) args.push(`--iodepth=${opts.iodepth}`)
  if (opts.numjobs !== undefined) args.push(`--numjobs=${opts.numjobs}`)
  if (opts.offset !== undefined) args.push(`--offset=${opts.offset}`)
  if (opts.verify) args.push(`--verify=${opts.verify}`, '--do_verify=1')
  if (opts.verifyPattern) args.push(`--verify_pattern=${opts.verifyPattern}`)
  if (opts.unlink) args.push('--unlink=1')
  if (opts.extraArgs) args.push(...opts.extraArgs)
  const timeoutMs = opts.timeoutMs ?? 120_000
  const r = await runProcess(sb.fio, args, timeoutMs)
  if (r.timedOut) {
    throw new FioTimeoutError(`fio on ${opts.volume} did not finish within ${timeoutMs} ms: ${r.stderr.slice(-500)}`, r)
  }
  try {
    return parseFioJson(r.stdout)
  } catch (e) {
    throw new Error(`fio on ${opts.volume} failed (exit ${r.status ?? r.signal}): ${(e as Error).message}\n${r.stderr.slice(-1000)}`)
  }
}

/** gluster://host:port/volume/path, for qemu-img (and the bench/URI parser). */
export function glusterUrl(volume: string, path: string, host?: string, port?: number): string {
  const sb = sandbox()
  const h = host ?? sb.host
  const p = port ?? sb.port
  return `gluster://${h}${p === 24007 ? '' : `:${p}`}/${volume}/${path.replace(/^\/+/, '')}`
}

async function qemuImg(args: string[], timeoutMs: number): Promise<ProcResult> {
  const sb = sandbox()
  if (!sb.qemuImg) throw new ToolMissingError('qemu-img is not installed')
  const r = await runProcess(sb.qemuImg, args, timeoutMs)
  if (r.timedOut) throw new Error(`qemu-img ${args.join(' ')} did not finish within ${timeoutMs} ms`)
  if (r.status !== 0) {
    throw new Error(`qemu-img ${args.join(' ')} failed (exit ${r.status ?? r.signal}): ${r.stderr.slice(-1500)}`)
  }
  return r
}

/**
 * Copy a file out of a volume with qemu's gluster driver (raw → raw):
 * `qemu-img convert -f raw -O raw gluster://... localPath`. About 10 s.
 */
export async function qemuImgConvertFromGluster(url: string, localPath: string, timeoutMs = 120_000): Promise<void> {
  await qemuImg(['convert', '-f', 'raw', '-O', 'raw', url, localPath], timeoutMs)
}

/**
 * Copy a local file into a volume with qemu's gluster driver (creates the target).
 * Note: qemu-img rounds the target size up to a multiple of 512 bytes and creates it with
 * mode 0600. About 20 s (two gfapi sessions).
 */
export async function qemuImgConvertToGluster(localPath: string, url: string, timeoutMs = 120_000): Promise<void> {
  await qemuImg(['convert', '-f', 'raw', '-O', 'raw', localPath, url], timeoutMs)
}
