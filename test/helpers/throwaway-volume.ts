/**
 * Helpers of the unsupported-volume and degraded-mount tests: throwaway distribute volumes of
 * their own, and a fingerprint of brick trees that shows whether anything was written to them.
 */
import { execFileSync } from 'node:child_process'
import { lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { Glfs } from '../../src/api/index.ts'
import { gluster, sandbox, uniqueName } from './sandbox.ts'

export interface ThrowawayVolume {
  readonly name: string
  readonly bricks: readonly string[]
  /** Stop and delete the volume, remove its bricks. */
  destroy(): void
}

/** A started distribute volume of `brickCount` bricks named `gfts-i10-<tag>-...`, bricks under the sandbox folder. */
export function createDistributeVolume(tag: string, brickCount: number): ThrowawayVolume {
  const sb = sandbox()
  const name = uniqueName(`gfts-i10-${tag}`)
  const root = join(sb.sandboxDir, 'i10', name)
  const bricks = Array.from({ length: brickCount }, (_, i) => join(root, `b${i}`))
  for (const b of bricks) mkdirSync(b, { recursive: true })
  gluster(['volume', 'create', name, ...bricks.map((b) => `${sb.host}:${b}`), 'force'])
  gluster(['volume', 'start', name])
  return {
    name,
    bricks,
    destroy() {
      gluster(['volume', 'stop', name, 'force'])
      gluster(['volume', 'delete', name])
      rmSync(root, { recursive: true, force: true })
    },
  }
}

/** Mount `volume` of the sandbox's glusterd with this client; the caller must `fini()` it. */
export async function mountVolume(volume: string, glfs = new Glfs(volume)): Promise<Glfs> {
  const sb = sandbox()
  glfs.setVolfileServer('tcp', sb.host, sb.port)
  await glfs.init()
  return glfs
}

/** Written by the brick process itself every few seconds (storage.health-check-interval). */
const BRICK_OWN = new Set(['.glusterfs/health_check'])

/**
 * Every entry under the brick directories with its type, size, mode, mtime, ctime and every
 * xattr (trusted.* included), one line each: equal fingerprints mean nothing was created, changed
 * or removed on the bricks.
 */
export function brickFingerprint(bricks: readonly string[]): string {
  const lines: string[] = []
  for (const brick of bricks) {
    const xattrs = xattrsUnder(brick)
    const walk = (rel: string): void => {
      const abs = rel === '' ? brick : join(brick, rel)
      const st = lstatSync(abs, { bigint: true })
      lines.push(`${brick}|${rel}|${st.mode}|${st.size}|${st.mtimeNs}|${st.ctimeNs}|${xattrs.get(abs) ?? ''}`)
      if (!st.isDirectory()) return
      for (const name of readdirSync(abs).sort()) {
        const child = rel === '' ? name : `${rel}/${name}`
        if (!BRICK_OWN.has(child)) walk(child)
      }
    }
    walk('')
  }
  return lines.join('\n')
}

/** Every xattr of every entry under `dir` (one getfattr -R), by absolute path, sorted and joined. */
function xattrsUnder(dir: string): Map<string, string> {
  const out = execFileSync('getfattr', ['-R', '-P', '--absolute-names', '-h', '-d', '-m', '-', '-e', 'hex', dir], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
  const map = new Map<string, string>()
  for (const block of out.split('\n\n')) {
    const [head, ...attrs] = block.trim().split('\n')
    if (head?.startsWith('# file: ')) map.set(head.slice('# file: '.length), attrs.sort().join(','))
  }
  return map
}
