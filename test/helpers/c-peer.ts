/**
 * The reference C client (libgfapi through /work/shared/tools/gfapi_peer.py) as the judge of what
 * another client of the volume sees: size and sha256 of a file, or a byte range.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { promisify } from 'node:util'
import { runProcess, sandbox } from './sandbox.ts'

const execFileAsync = promisify(execFile)

const PEER = process.env.GFAPI_PEER ?? '/work/shared/tools/gfapi_peer.py'

async function peer(volume: string, args: string[]): Promise<string> {
  const sb = sandbox()
  const r = await runProcess('python3', [PEER, '-s', sb.host, '-p', String(sb.port), '-V', volume, '--json', ...args], 60_000)
  if (r.timedOut || r.status !== 0) throw new Error(`gfapi_peer ${args.join(' ')} on ${volume} failed (exit ${r.status ?? r.signal}): ${r.stderr.slice(-500)}`)
  return r.stdout
}

/** The size of `path` as the C client sees it. */
export async function cSize(volume: string, path: string): Promise<number> {
  return (JSON.parse(await peer(volume, ['stat', path])) as { size: number }).size
}

/** What the C client sees of `path`: its size and the sha256 of its content. */
export async function cView(volume: string, path: string): Promise<{ size: number; sha256: string }> {
  const stat = JSON.parse(await peer(volume, ['stat', path])) as { size: number }
  const sum = JSON.parse(await peer(volume, ['sha256', path])) as { sha256: string }
  return { size: stat.size, sha256: sum.sha256 }
}

/** The C client's view of `data` as a file: same shape as `cView`. */
export function viewOf(data: Uint8Array): { size: number; sha256: string } {
  return { size: data.length, sha256: createHash('sha256').update(data).digest('hex') }
}

/** `length` bytes of `path` from `offset`, as the C client reads them (short at end of file). */
export async function cRead(volume: string, path: string, offset: number, length: number): Promise<Buffer> {
  const sb = sandbox()
  const args = [PEER, '-s', sb.host, '-p', String(sb.port), '-V', volume, 'read', path, String(offset), String(length)]
  const { stdout } = await execFileAsync('python3', args, { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024, timeout: 60_000 })
  return stdout
}

/** What the C client shows of one path's extended attributes (see cXattrs). */
export interface CXattrView {
  /** glfs_listxattr's names, sorted. */
  list: string[]
  /** glfs_llistxattr's names (of a symlink itself), sorted. */
  llist: string[]
  /** glfs_flistxattr's names on an fd of it, sorted (files only). */
  flist?: string[]
  /** For each name asked, glfs_getxattr's value (hex) or its errno. */
  values: Record<string, { hex?: string, errno?: number }>
}

/** What the C client shows of `paths`' extended attributes, from one mount (a libgfapi mount takes seconds). */
export async function cXattrs(volume: string, paths: readonly string[], names: readonly string[] = []): Promise<Record<string, CXattrView>> {
  const sb = sandbox()
  const script = new URL('./c_xattr.py', import.meta.url).pathname
  const r = await runProcess('python3', [script, PEER, sb.host, String(sb.port), volume, names.join(','), ...paths], 120_000)
  if (r.timedOut || r.status !== 0) throw new Error(`c_xattr.py ${paths.join(' ')} on ${volume} failed (exit ${r.status ?? r.signal}): ${r.stderr.slice(-500)}`)
  return JSON.parse(r.stdout) as Record<string, CXattrView>
}
