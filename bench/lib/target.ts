/**
 * Where each job runs: the volfile server, the volume, and the file path inside it, from a
 * `gluster://` URL, fio's gfapi `volume=`/`brick=` options, or the local test sandbox.
 */
import { existsSync } from 'node:fs'
import { parseGlusterUri } from '../../src/api/uri.ts'
import { PACKAGE_ROOT, SANDBOX_SCRIPT } from './install.ts'
import { extractJson } from './json-text.ts'
import { runSetupScript } from './setup-script.ts'
import type { JobSpec } from './options.ts'
import { BenchUsageError } from './units.ts'

/** A volume and the server to fetch its volfile from. */
export interface Target {
  readonly transport: 'tcp' | 'unix'
  /** Host name; empty for the unix transport. */
  readonly host: string
  /** glusterd port (24007 by default); 0 for the unix transport. */
  readonly port: number
  readonly volume: string
  /** glusterd's unix socket, for the unix transport. */
  readonly socket?: string | undefined
  /** The sandbox's volume with client.ssl on (same server), for the suite's TLS profiles. */
  readonly tlsVolume?: string | undefined
  /** The sandbox's replica 3 volume (same server), for the suite's rep3-* profiles. */
  readonly replicaVolume?: string | undefined
}

/** A job's target and, when the job names one, its file path inside the volume. */
export interface Placement {
  readonly target: Target
  /** Absolute path in the volume, or undefined for fio's default `<name>.<jobnum>.0`. */
  readonly path: string | undefined
}

/** glusterd's port, the only one fio's gfapi engine can reach (it passes port 0 to libgfapi). */
export const FIO_GFAPI_PORT = 24007


/** The URL form of a file on a target, for reports. */
export function targetUrl(t: Target, path: string): string {
  if (t.transport === 'unix') return `gluster+unix:///${t.volume}${path}?socket=${t.socket ?? ''}`
  const host = t.host.includes(':') ? `[${t.host}]` : t.host
  return `gluster://${host}:${t.port}/${t.volume}${path}`
}

function fromUri(uri: string): Placement {
  let u
  try {
    u = parseGlusterUri(uri)
  } catch (err) {
    throw new BenchUsageError((err as Error).message)
  }
  return {
    target: { transport: u.transport, host: u.host, port: u.port, volume: u.volume, socket: u.socket },
    path: u.path === '/' ? undefined : u.path,
  }
}

function absolute(path: string): string {
  return path.startsWith('/') ? path : `/${path}`
}

/**
 * Place a job: a URL in `filename` wins, then the command line's URL, then `volume=`/`brick=`,
 * then the sandbox (started only when some job needs it).
 */
export async function placeJob(spec: JobSpec, url: string | undefined, sandbox: () => Promise<Target>): Promise<Placement> {
  if (spec.filename?.startsWith('gluster')) return fromUri(spec.filename)
  const path = spec.filename === undefined ? undefined : absolute(spec.filename)
  if (url !== undefined) {
    const p = fromUri(url)
    return { target: p.target, path: path ?? p.path }
  }
  if (spec.volume !== undefined) {
    return { target: { transport: 'tcp', host: spec.brick ?? 'localhost', port: FIO_GFAPI_PORT, volume: spec.volume }, path }
  }
  if (spec.brick !== undefined) throw new BenchUsageError(`job '${spec.name}': --brick needs --volume`)
  return { target: await sandbox(), path }
}

/**
 * Start (or reuse) the local sandbox with test/integration/gluster-sandbox.sh and return its
 * "single" volume. The script prints one JSON object: {"host","port","volumes":{"single":{"name"}}}.
 * Only a checkout of gfapi-ts has the script; an installed package asks for a volume instead.
 */
export async function sandboxTarget(): Promise<Target> {
  if (!existsSync(SANDBOX_SCRIPT)) {
    throw new BenchUsageError(
      'no volume given. Point gfapi-bench at one: gfapi-bench gluster://HOST[:PORT]/VOLUME/FILE [options], ' +
        'or --volume=VOLUME --brick=HOST. (A local throwaway sandbox volume is only available from a ' +
        'checkout of gfapi-ts, through npm run bench.)',
    )
  }
  // apt-get may install GlusterFS first (about a minute on a fresh machine).
  const stdout = await runSetupScript(SANDBOX_SCRIPT, { cwd: PACKAGE_ROOT, timeoutMs: 20 * 60_000 })
  return parseSandboxOutput(stdout)
}

/** A lazily started sandbox, shared by every job that needs it. */
export function sandboxOnce(): () => Promise<Target> {
  let pending: Promise<Target> | undefined
  return () => (pending ??= sandboxTarget())
}

/** Read the sandbox script's JSON (log lines may precede it), taking its "single" volume (and "tls", "rep3"). */
export function parseSandboxOutput(stdout: string): Target {
  const doc = extractJson(stdout).value as {
    host?: unknown, port?: unknown, volumes?: { single?: { name?: unknown }, tls?: { name?: unknown }, rep3?: { name?: unknown } }
  }
  const volume = doc.volumes?.single?.name
  if (typeof doc.host !== 'string' || typeof volume !== 'string') {
    throw new Error(`sandbox JSON lacks host or volumes.single.name: ${stdout.slice(0, 300)}`)
  }
  const port = typeof doc.port === 'number' ? doc.port : FIO_GFAPI_PORT
  const tls = doc.volumes?.tls?.name
  const rep3 = doc.volumes?.rep3?.name
  return {
    transport: 'tcp', host: doc.host, port, volume, tlsVolume: typeof tls === 'string' ? tls : undefined,
    replicaVolume: typeof rep3 === 'string' ? rep3 : undefined,
  }
}
