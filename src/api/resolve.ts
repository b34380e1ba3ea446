import { posix } from 'node:path'
import { errnoOf } from '../rpc/errno.ts'
import { GlusterError } from '../rpc/errors.ts'
import type { Iatt } from '../rpc/programs/fops/iatt.ts'
import { type Call, Inode, type Loc, ROOT_GFID } from '../xlators/types.ts'
import type { Xlator } from '../xlators/xlator.ts'
import { S_IFDIR, S_IFLNK, S_IFMT } from './constants.ts'

/** Linux SYMLOOP_MAX: symlinks followed in one resolution before ELOOP. */
const MAX_SYMLINK_HOPS = 40
/** Default bound of the dentry cache (entries). */
export const DEFAULT_DENTRY_CACHE_ENTRIES = 16384

/** A path resolved to its inode, with the attributes the final LOOKUP returned. */
export interface Resolved {
  readonly loc: Loc
  readonly stat: Iatt
}

/** A path's parent directory resolved, for fops that create or remove the last component. */
export interface ResolvedParent {
  readonly loc: Loc
  readonly parent: Inode
}

/**
 * Path → gfid resolution by LOOKUP from the root (api/src/glfs-resolve.c), through a bounded
 * dentry cache of (parent gfid, name) → inode for the intermediate components. The final
 * component is always looked up afresh so callers see current attributes. Inodes are shared
 * through an inode table so every fd on one file meets the same per-inode xlator state.
 */
export class Resolver {
  readonly root: Inode = new Inode(ROOT_GFID, S_IFDIR)
  readonly #top: Xlator
  readonly #call: Call
  readonly #maxEntries: number
  readonly #dentries = new Map<string, Inode>()
  readonly #inodes = new Map<string, WeakRef<Inode>>()
  readonly #reap = new FinalizationRegistry<string>((key) => {
    const ref = this.#inodes.get(key)
    if (ref !== undefined && ref.deref() === undefined) this.#inodes.delete(key)
  })

  constructor(top: Xlator, call: Call, maxEntries = DEFAULT_DENTRY_CACHE_ENTRIES) {
    this.#top = top
    this.#call = call
    this.#maxEntries = maxEntries
  }

  /** The one Inode for a gfid while anyone holds it. */
  inode(gfid: Buffer, mode: number): Inode {
    const key = gfid.toString('hex')
    const existing = this.#inodes.get(key)?.deref()
    if (existing !== undefined) {
      existing.type = mode & S_IFMT
      return existing
    }
    const inode = new Inode(Buffer.from(gfid), mode & S_IFMT)
    this.#inodes.set(key, new WeakRef(inode))
    this.#reap.register(inode, key)
    return inode
  }

  /** Forget what the cache says about names under `parent` (or everything). */
  invalidate(parent?: Inode, name?: string): void {
    if (parent === undefined) {
      this.#dentries.clear()
      return
    }
    if (name !== undefined) this.#dentries.delete(dentryKey(parent, name))
  }

  /**
   * Resolve a path to its inode, following symlinks in intermediate components and, with
   * `follow`, in the last one. Retries once without the cache when a lookup under a cached
   * directory fails with ESTALE/ENOENT: the cached entry may be what is stale. A miss under a
   * directory looked up afresh is the answer, not a reason to look again.
   */
  async resolve(path: string, follow: boolean, syscall: string): Promise<Resolved> {
    const usage: CacheUsage = { staleSuspect: false }
    try {
      return await this.#resolve(path, follow, syscall, usage, 0)
    } catch (err) {
      if (!usage.staleSuspect || !isStale(err)) throw err
      return this.#resolve(path, follow, syscall, undefined, 0)
    }
  }

  /** Resolve everything but the last component, which must be a plain name. */
  async resolveParent(path: string, syscall: string): Promise<ResolvedParent> {
    const normalized = normalize(path, syscall)
    if (normalized === '/') {
      throw new GlusterError({ errno: errnoOf('EEXIST'), syscall, path, detail: 'the volume root has no parent' })
    }
    const dir = posix.dirname(normalized)
    const name = posix.basename(normalized)
    const parent = dir === '/' ? { loc: this.rootLoc(), stat: undefined } : await this.resolve(dir, true, syscall)
    const parentInode = parent.loc.inode!
    if (parentInode.type !== S_IFDIR) throw new GlusterError({ errno: errnoOf('ENOTDIR'), syscall, path })
    return { parent: parentInode, loc: { path: normalized, name, parent: parentInode, inode: undefined } }
  }

  rootLoc(): Loc {
    return { path: '/', name: '', parent: undefined, inode: this.root }
  }

  async #resolve(path: string, follow: boolean, syscall: string, usage: CacheUsage | undefined, hops: number): Promise<Resolved> {
    const normalized = normalize(path, syscall)
    const names = normalized === '/' ? [] : normalized.slice(1).split('/')
    let dir = this.root
    let dirPath = '/'
    let dirFromCache = false
    if (names.length === 0) {
      const root = await this.#top.lookup(this.#call, this.rootLoc())
      return { loc: this.rootLoc(), stat: root.stat }
    }
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!
      const last = i === names.length - 1
      const childPath = dirPath === '/' ? '/' + name : dirPath + '/' + name
      let inode = !last && usage !== undefined ? this.#cached(dir, name) : undefined
      const fromCache = inode !== undefined
      let stat: Iatt | undefined
      if (inode === undefined) {
        const loc: Loc = { path: childPath, name, parent: dir, inode: undefined }
        const result = await this.#top.lookup(this.#call, loc).catch((err: unknown) => {
          if (dirFromCache && usage !== undefined) usage.staleSuspect = true
          throw withPath(err, syscall, childPath)
        })
        stat = result.stat
        inode = this.inode(stat.gfid, stat.mode)
        this.#remember(dir, name, inode)
      }
      if (inode.type === S_IFLNK && (!last || follow)) {
        if (hops >= MAX_SYMLINK_HOPS) throw new GlusterError({ errno: errnoOf('ELOOP'), syscall, path })
        const link = await this.#top.readlink(this.#call, { path: childPath, name, parent: dir, inode }, 4096)
        const target = link.target.startsWith('/') ? link.target : posix.join(dirPath, link.target)
        const rest = names.slice(i + 1).join('/')
        return this.#resolve(rest.length > 0 ? posix.join(target, rest) : target, follow, syscall, usage, hops + 1)
      }
      if (last) {
        return { loc: { path: childPath, name, parent: dir, inode }, stat: stat! }
      }
      if (inode.type !== S_IFDIR) throw new GlusterError({ errno: errnoOf('ENOTDIR'), syscall, path })
      dir = inode
      dirPath = childPath
      dirFromCache = fromCache
    }
    throw new Error('unreachable')
  }

  #cached(dir: Inode, name: string): Inode | undefined {
    const key = dentryKey(dir, name)
    const hit = this.#dentries.get(key)
    if (hit !== undefined) {
      // Refresh recency: Map keeps insertion order, so the oldest entry is evicted first.
      this.#dentries.delete(key)
      this.#dentries.set(key, hit)
    }
    return hit
  }

  #remember(dir: Inode, name: string, inode: Inode): void {
    const key = dentryKey(dir, name)
    this.#dentries.delete(key)
    this.#dentries.set(key, inode)
    if (this.#dentries.size > this.#maxEntries) {
      const oldest = this.#dentries.keys().next().value
      if (oldest !== undefined) this.#dentries.delete(oldest)
    }
  }
}

/** Whether a failure may come from a stale cached entry rather than from the volume. */
interface CacheUsage {
  staleSuspect: boolean
}

function dentryKey(dir: Inode, name: string): string {
  return dir.gfid.toString('latin1') + '/' + name
}

/** Absolute, lexically normalised path; rejects what no volume can hold. */
export function normalize(path: string, syscall: string): string {
  if (typeof path !== 'string') {
    throw Object.assign(new TypeError('The "path" argument must be of type string'), { code: 'ERR_INVALID_ARG_TYPE' })
  }
  if (path.length === 0) throw new GlusterError({ errno: errnoOf('ENOENT'), syscall, path })
  if (path.includes('\0')) {
    throw Object.assign(new TypeError('The "path" argument must not contain null bytes'), { code: 'ERR_INVALID_ARG_VALUE' })
  }
  const normalized = posix.normalize(posix.join('/', path))
  const trimmed = normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized
  for (const name of trimmed.split('/')) {
    if (Buffer.byteLength(name) > 255) throw new GlusterError({ errno: errnoOf('ENAMETOOLONG'), syscall, path })
  }
  return trimmed
}

function isStale(err: unknown): boolean {
  return err instanceof GlusterError && (err.code === 'ESTALE' || err.code === 'ENOENT')
}

/** Re-label an xlator error with the API call and path the user gave. */
export function withPath(err: unknown, syscall: string, path: string): unknown {
  if (!(err instanceof GlusterError)) return err
  return new GlusterError({
    errno: -err.errno, syscall, path, host: err.host, port: err.port, volume: err.volume, brick: err.brick,
    detail: err.detail, maybeApplied: err.maybeApplied, failedRanges: err.failedRanges, cause: err.cause ?? undefined,
  })
}
