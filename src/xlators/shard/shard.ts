// features/shard (xlators/features/shard/src/shard.c): a file is cut into blocks of
// `shard-block-size`; block 0 is the base file, block N >= 1 the file /.shard/<base gfid>.<N>.
// The file's size and 512-byte block count live in the base file's FILE_SIZE_KEY xattr, changed
// only by ADD_ARRAY64 xattrop deltas, so clients writing different blocks never overwrite each
// other's accounting. Unlink of a sharded file leaves a marker in /.shard/.remove_me that any
// client (this one in the background, or the C one) turns into the deletion of every shard.

import { debuglog } from 'node:util'
import { errnoOf } from '../../rpc/errno.ts'
import { GlusterError } from '../../rpc/errors.ts'
import { newGfid } from '../../rpc/gfid.ts'
import { newLkOwner } from '../../rpc/lk-owner.ts'
import { O_APPEND, O_RDWR, O_TRUNC, S_IFDIR, S_IFMT, S_IFREG } from '../../rpc/linux.ts'
import { Dict } from '../../rpc/programs/fops/dict.ts'
import { Iatt } from '../../rpc/programs/fops/iatt.ts'
import { EntrylkCmd, EntrylkType, GfLkCmd, GfLkType } from '../../rpc/programs/fops/program.ts'
import type { OptionSpec } from '../options.ts'
import { type ReadOnLookup, askReadOnLookup, earlyReadOf } from '../read-on-lookup.ts'
import {
  type Call, type CommonResult, type CreateResult, type EntryResult, Fd, Inode, type IattResult, type Loc, type LookupResult,
  type OpenResult, type ParentResult, type PrePostResult, ROOT_GFID, type ReadResult, type ReaddirResult, type RenameResult,
  type SeekResult, type WriteResult, type XattrResult, gfidToString,
} from '../types.ts'
import { type SetattrArgs, Xlator, type XlatorInit } from '../xlator.ts'
import {
  BLOCK_SIZE_KEY, DOT_SHARD, DOT_SHARD_GFID, FILE_BLOCK_COUNT_KEY, FILE_SIZE_KEY, INTERNAL_FOP_KEY, REMOVE_ME, REMOVE_ME_GFID,
  SHARD_XATTR_PREFIX, UNLINKED_LOOKUP_KEY, WRITE_UPDATE_ATOMIC_KEY, XATTROP_ADD_ARRAY64, blockSizeAttr, highestBlock,
  lowestBlock, readBlockSizeAttr, readSizeAttr, shardCount, shardName, sizeAttr, splitRange,
} from './layout.ts'

const debug = debuglog('gfapi')

/** shard.c options[]. */
export const SHARD_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'shard-block-size', name: 'blockSize', type: 'size', default: '64MB', min: 4 * 1024 ** 2, max: 4 * 1024 ** 4,
    description: 'Block size of files created through this client (existing files keep the one in their block-size xattr).',
  },
  {
    key: 'shard-deletion-rate', name: 'deletionRate', type: 'int', default: '100', min: 100, max: 2 ** 31 - 1,
    description: 'Shards unlinked in parallel per batch by the background deletion of removed files.',
  },
  {
    key: 'shard-lru-limit', name: 'lruLimit', type: 'int', default: '16384', min: 20, max: 2 ** 31 - 1,
    description: 'Shard inodes the C client keeps resolved; here, the bound on shard fds kept open (at most 1024).',
  },
]

export interface ShardConfig {
  readonly blockSize: number
  readonly deletionRate: number
  readonly lruLimit: number
}

/** Shard fds kept open per mount: each is an open file on a brick. */
const MAX_OPEN_SHARDS = 1024
/** fallocate modes shard_fallocate accepts: plain, ZERO_RANGE, KEEP_SIZE|PUNCH_HOLE. */
const FALLOCATE_MODES = new Set([0, 0x10, 0x01 | 0x02])
/** Errors of a cached shard fd whose file another client removed or replaced. */
const STALE_FD = new Set(['ESTALE', 'ENOENT', 'EBADF', 'EBADFD'])

/** A read of a block whose lookup may bring its data (read-on-lookup.ts): filled by #openShard. */
interface ShardRead {
  readonly asked: ReadOnLookup
  data: Buffer | undefined
}

/** What this xlator keeps per base inode (shard_inode_ctx_t). */
class ShardCtx {
  /** The base file's gfid as text: the prefix of its shards' names. */
  readonly gfidText: string
  /** 0: not sharded (made before shard was on, or a directory). */
  blockSize = 0
  size = 0
  blocks = 0
  /** size/blocks were read from the brick and nothing since made them doubtful. */
  fresh = false
  /** Size-changing fops of ours in flight: a stat reply then may predate them, so it is not adopted. */
  busy = 0
  /** Open fds on the base file: its shard fds are closed with the last one. */
  openFds = 0
  stat: Iatt | undefined
  constructor(gfidText: string) {
    this.gfidText = gfidText
  }
}

type InodeWriteKind = 'write' | 'fallocate' | 'zerofill' | 'discard'

export class Shard extends Xlator {
  static readonly type = 'features/shard'
  readonly #config: ShardConfig
  readonly #root = new Inode(ROOT_GFID, S_IFDIR)
  #dotShard: Inode | undefined
  #removeMe: Inode | undefined
  /** Open shard fds, least recently used first: key `<base gfid>.<N>`. */
  readonly #shardFds = new Map<string, Fd>()
  readonly #opening = new Map<string, Promise<Fd | undefined>>()
  #firstLookupDone = false
  #deletion: Promise<void> | undefined
  #deletionAgain = false
  #stopping = false
  /** shard_unlink_handler: once this mount removed a sharded file, leftovers are swept every 600 s. */
  #sweep: NodeJS.Timeout | undefined

  constructor(init: XlatorInit<ShardConfig>) {
    super(init)
    this.#config = init.options
  }

  override async fini(): Promise<void> {
    this.#stopping = true
    clearInterval(this.#sweep)
    await this.#deletion
  }

  // ---- inode ctx -------------------------------------------------------------------------------

  #ctx(inode: Inode): ShardCtx {
    let c = inode.ctx.get(this) as ShardCtx | undefined
    if (c === undefined) {
      c = new ShardCtx(gfidToString(inode.gfid))
      inode.ctx.set(this, c)
    }
    return c
  }

  /** Take a reply's attributes and shard xattrs into the ctx; the stat is corrected in place. */
  #adopt(inode: Inode | undefined, stat: Iatt, xdata: Dict | undefined): Iatt {
    if ((stat.mode & S_IFMT) === S_IFDIR) return stat
    const bs = xdata?.getPtr(BLOCK_SIZE_KEY)
    const sz = xdata?.getPtr(FILE_SIZE_KEY)
    const parsed = sz === undefined ? undefined : readSizeAttr(sz)
    if (inode === undefined) {
      if (bs !== undefined && (readBlockSizeAttr(bs) ?? 0) > 0 && parsed !== undefined) {
        stat.size = parsed.size
        stat.blocks = parsed.blocks
      }
      return stat
    }
    const ctx = this.#ctx(inode)
    if (bs !== undefined) ctx.blockSize = readBlockSizeAttr(bs) ?? 0
    if (parsed !== undefined && ctx.blockSize > 0) {
      if (ctx.busy === 0) {
        ctx.size = parsed.size
        ctx.blocks = parsed.blocks
        ctx.fresh = true
      } else if (parsed.size !== ctx.size || parsed.blocks !== ctx.blocks) {
        ctx.fresh = false
      }
      stat.size = parsed.size
      stat.blocks = parsed.blocks
    }
    ctx.stat = stat
    return stat
  }

  /** A stat of a sharded file with the size and blocks this client accounts. */
  #patched(ctx: ShardCtx, stat: Iatt): Iatt {
    if (ctx.blockSize > 0) {
      stat.size = ctx.size
      stat.blocks = ctx.blocks
    }
    return stat
  }

  /** A copy of the base file's last attributes with `size` and the accounted blocks (C's local->postbuf). */
  #statOf(ctx: ShardCtx, size = ctx.size, blocks = ctx.blocks): Iatt {
    const stat = Object.assign(new Iatt(), ctx.stat)
    stat.size = size
    stat.blocks = blocks
    return stat
  }

  /** SHARD_MD_READ_FOP_INIT_REQ_DICT plus the block size: what lookup/stat ask the brick for. */
  #mdRequest(xdata?: Dict): Dict {
    const d = copyDict(xdata)
    d.setUint(BLOCK_SIZE_KEY, 0)
    d.setUint(FILE_SIZE_KEY, 32)
    return d
  }

  /** The ctx of an fd's inode with size and block size read from the brick if not known. */
  async #known(call: Call, fd: Fd): Promise<ShardCtx> {
    const ctx = this.#ctx(fd.inode)
    if (ctx.stat === undefined || (!ctx.fresh && ctx.busy === 0 && ctx.blockSize > 0)) await this.#refreshFd(call, fd)
    return ctx
  }

  async #refreshFd(call: Call, fd: Fd): Promise<void> {
    const r = await this.child.fstat(call, fd, this.#mdRequest())
    this.#adopt(fd.inode, r.stat, r.xdata)
  }

  // ---- /.shard and /.shard/.remove_me ----------------------------------------------------------

  /** shard_lookup_internal_dir / shard_mkdir_internal_dir: the directory, made with its fixed gfid if asked. */
  async #internalDir(call: Call, which: 'shard' | 'remove_me', create: boolean): Promise<Inode | undefined> {
    const known = which === 'shard' ? this.#dotShard : this.#removeMe
    if (known !== undefined) return known
    const parent = which === 'shard' ? this.#root : await this.#internalDir(call, 'shard', create)
    if (parent === undefined) return undefined
    const name = which === 'shard' ? DOT_SHARD : REMOVE_ME
    const gfid = which === 'shard' ? DOT_SHARD_GFID : REMOVE_ME_GFID
    const loc: Loc = { path: which === 'shard' ? `/${DOT_SHARD}` : `/${DOT_SHARD}/${REMOVE_ME}`, name, parent, inode: undefined }
    const root = rootCall(call)
    let stat: Iatt
    try {
      stat = (await this.child.lookup(root, loc)).stat
    } catch (err) {
      if (!create || (err as GlusterError).code !== 'ENOENT') {
        if ((err as GlusterError).code === 'ENOENT') return undefined
        throw err
      }
      try {
        stat = (await this.child.mkdir(root, loc, 0o755, 0, new Dict().setGfuuid('gfid-req', gfid))).stat
      } catch (e) {
        if ((e as GlusterError).code !== 'EEXIST') throw e
        stat = (await this.child.lookup(root, loc)).stat
      }
    }
    if (!stat.gfid.equals(gfid)) {
      throw new GlusterError({
        errno: errnoOf('EIO'), syscall: 'lookup', path: loc.path, volume: this.graph.volume,
        detail: `${loc.path} has gfid ${gfidToString(stat.gfid)}, not shard's fixed ${gfidToString(gfid)}; fix the volume before using it`,
      })
    }
    const inode = new Inode(gfid, S_IFDIR)
    // A second lookup by inode lets the cluster xlators below keep their directory state on it.
    await this.child.lookup(root, { ...loc, inode })
    if (which === 'shard') this.#dotShard = inode
    else this.#removeMe = inode
    return inode
  }

  #shardLoc(base: Inode, block: number): Loc {
    const name = shardName(gfidToString(base.gfid), block)
    return { path: `/${DOT_SHARD}/${name}`, name, parent: this.#dotShard, inode: undefined }
  }

  /**
   * An anonymous fd on block `block` of `base` (as C's shard reaches its blocks: no OPEN on the
   * bricks): looked up, created with mknod + gfid-req when `create` (shard_common_resume_mknod,
   * the base file's mode), else undefined when it does not exist.
   */
  async #shardFd(call: Call, base: Inode, ctx: ShardCtx, block: number, create: boolean, read?: ShardRead): Promise<Fd | undefined> {
    const key = shardName(ctx.gfidText, block)
    const cached = this.#cachedShardFd(key)
    if (cached !== undefined) return cached
    const pending = this.#opening.get(key)
    if (pending !== undefined) {
      const fd = await pending
      if (fd !== undefined || !create) return fd
    }
    const p = this.#openShard(call, base, ctx, block, create, key, read)
    this.#opening.set(key, p)
    try {
      return await p
    } finally {
      if (this.#opening.get(key) === p) this.#opening.delete(key)
    }
  }

  /** The cached fd of shard `key`, made the most recently used. */
  #cachedShardFd(key: string): Fd | undefined {
    const cached = this.#shardFds.get(key)
    if (cached !== undefined) {
      this.#shardFds.delete(key)
      this.#shardFds.set(key, cached)
    }
    return cached
  }

  async #openShard(call: Call, base: Inode, ctx: ShardCtx, block: number, create: boolean, key: string, read?: ShardRead): Promise<Fd | undefined> {
    const root = rootCall(call)
    if ((await this.#internalDir(call, 'shard', create)) === undefined) return undefined
    const loc = this.#shardLoc(base, block)
    let stat: Iatt
    try {
      const found = await this.child.lookup(root, loc, read === undefined ? undefined : askReadOnLookup(read.asked))
      stat = found.stat
      if (read !== undefined) read.data = earlyReadOf(found.xdata)?.data
    } catch (err) {
      if ((err as GlusterError).code !== 'ENOENT') throw err
      if (!create) return undefined
      const mode = S_IFREG | ((ctx.stat?.mode ?? 0o644) & 0o7777)
      try {
        stat = (await this.child.mknod(root, loc, mode, 0, 0, new Dict().setGfuuid('gfid-req', newGfid()))).stat
      } catch (e) {
        if ((e as GlusterError).code !== 'EEXIST') throw e
        stat = (await this.child.lookup(root, loc)).stat
      }
    }
    const fd = new Fd(new Inode(stat.gfid, S_IFREG), O_RDWR, false, true)
    this.#shardFds.set(key, fd)
    this.#evictShardFds(root)
    return fd
  }

  #evictShardFds(call: Call): void {
    const limit = Math.min(this.#config.lruLimit, MAX_OPEN_SHARDS)
    while (this.#shardFds.size > limit) {
      const [key, fd] = this.#shardFds.entries().next().value as [string, Fd]
      this.#shardFds.delete(key)
      this.child.release(call, fd).catch((err: unknown) => debug('%s: release of shard %s: %s', this.name, key, (err as Error).message))
    }
  }

  /** Close our fd on a shard that is being removed (its file is gone for every client). */
  #forgetShard(call: Call, base: Inode, block: number): void {
    const key = shardName(gfidToString(base.gfid), block)
    const fd = this.#shardFds.get(key)
    if (fd === undefined) return
    this.#shardFds.delete(key)
    this.child.release(rootCall(call), fd).catch((err: unknown) => debug('%s: release of shard %s: %s', this.name, key, (err as Error).message))
  }

  // ---- entry fops ------------------------------------------------------------------------------

  override async lookup(call: Call, loc: Loc, xdata?: Dict): Promise<LookupResult> {
    refuseInternal(loc, 'lookup', this.graph.volume)
    const r = await this.child.lookup(call, loc, this.#mdRequest(xdata))
    // A lookup by name has no inode yet: the size is still corrected, the ctx filled on first use.
    this.#adopt(loc.inode, r.stat, r.xdata)
    // shard_lookup_cbk starts the deletion of leftover markers on the first lookup of a file; here
    // on the first lookup of anything (a directory too), so leftovers go sooner.
    if (!this.#firstLookupDone) {
      this.#firstLookupDone = true
      this.#startDeletion(call)
    }
    return r
  }

  override async stat(call: Call, loc: Loc, xdata?: Dict): Promise<IattResult> {
    const r = await this.child.stat(call, loc, this.#mdRequest(xdata))
    this.#adopt(loc.inode, r.stat, r.xdata)
    return r
  }

  override async fstat(call: Call, fd: Fd, xdata?: Dict): Promise<IattResult> {
    const r = await this.child.fstat(call, fd, this.#mdRequest(xdata))
    this.#adopt(fd.inode, r.stat, r.xdata)
    return r
  }

  override async create(call: Call, loc: Loc, flags: number, mode: number, umask: number, fd: Fd, xdata?: Dict): Promise<CreateResult> {
    refuseInternal(loc, 'create', this.graph.volume)
    const r = await this.child.create(call, loc, flags, mode, umask, fd, this.#createRequest(xdata))
    this.#newFile(fd.inode, r.stat)
    this.#ctx(fd.inode).openFds++
    return r
  }

  override async mknod(call: Call, loc: Loc, mode: number, rdev: number, umask: number, xdata?: Dict): Promise<EntryResult> {
    refuseInternal(loc, 'mknod', this.graph.volume)
    const r = await this.child.mknod(call, loc, mode, rdev, umask, this.#createRequest(xdata))
    return r
  }

  /** SHARD_INODE_CREATE_INIT: a new file carries the volfile's block size and a zero size xattr. */
  #createRequest(xdata?: Dict): Dict {
    const d = copyDict(xdata)
    d.setPtr(BLOCK_SIZE_KEY, blockSizeAttr(this.#config.blockSize))
    d.setPtr(FILE_SIZE_KEY, sizeAttr(0, 0))
    return d
  }

  #newFile(inode: Inode, stat: Iatt): void {
    const ctx = this.#ctx(inode)
    ctx.blockSize = this.#config.blockSize
    ctx.size = 0
    ctx.blocks = 0
    ctx.fresh = true
    ctx.stat = stat
  }

  override async link(call: Call, oldLoc: Loc, newLoc: Loc, xdata?: Dict): Promise<EntryResult> {
    refuseInternal(oldLoc, 'link', this.graph.volume)
    refuseInternal(newLoc, 'link', this.graph.volume)
    const r = await this.child.link(call, oldLoc, newLoc, xdata)
    if (oldLoc.inode !== undefined) this.#patched(this.#ctx(oldLoc.inode), r.stat)
    return r
  }

  /**
   * O_TRUNC on a sharded file is done as a truncate to 0 after the open: the brick would cut only
   * the base file, leaving the shards and the size xattr as they were.
   */
  override async open(call: Call, loc: Loc, flags: number, fd: Fd, xdata?: Dict): Promise<OpenResult> {
    const r = await this.child.open(call, loc, flags & ~O_TRUNC, fd, xdata)
    this.#ctx(fd.inode).openFds++
    if ((flags & O_TRUNC) !== 0) await this.ftruncate(call, fd, 0)
    return r
  }

  /**
   * The shard fds of a file are released with its last fd. They hold nothing open on the bricks
   * (anonymous); releasing them drops what the layers below keep for them and posts a replica's
   * delayed changelog of the shards at once, as the close of the file does for block 0.
   */
  override async release(call: Call, fd: Fd): Promise<void> {
    await this.child.release(call, fd)
    const ctx = fd.inode.ctx.get(this) as ShardCtx | undefined
    if (ctx !== undefined && --ctx.openFds <= 0) {
      ctx.openFds = 0
      this.#releaseShardsOf(call, fd.inode)
    }
  }

  #releaseShardsOf(call: Call, base: Inode): void {
    const prefix = gfidToString(base.gfid) + '.'
    for (const key of [...this.#shardFds.keys()]) {
      if (key.startsWith(prefix)) this.#forgetShard(call, base, Number(key.slice(prefix.length)))
    }
  }

  override async unlink(call: Call, loc: Loc, xflags: number, xdata?: Dict): Promise<ParentResult> {
    refuseInternal(loc, 'unlink', this.graph.volume)
    const target = await this.#shardedTarget(call, loc)
    if (target === undefined) return this.child.unlink(call, loc, xflags, xdata)
    const r = await this.#removeWithMarker(call, target, () => this.child.unlink(call, loc, xflags, xdata))
    this.#deleteNowAndEvery600s(call)
    return r
  }

  override async rename(call: Call, oldLoc: Loc, newLoc: Loc, xdata?: Dict): Promise<RenameResult> {
    refuseInternal(oldLoc, 'rename', this.graph.volume)
    refuseInternal(newLoc, 'rename', this.graph.volume)
    const target = await this.#shardedTarget(call, newLoc).catch((err: unknown) => {
      if ((err as GlusterError).code === 'ENOENT') return undefined
      throw err
    })
    if (target === undefined || (oldLoc.inode !== undefined && oldLoc.inode.gfid.equals(target.stat.gfid))) {
      return this.child.rename(call, oldLoc, newLoc, xdata)
    }
    const r = await this.#removeWithMarker(call, target, () => this.child.rename(call, oldLoc, newLoc, xdata))
    this.#deleteNowAndEvery600s(call)
    return r
  }

  /** The sharded regular file an entry names, looked up with its shard xattrs; else undefined. */
  async #shardedTarget(call: Call, loc: Loc): Promise<{ loc: Loc; stat: Iatt; blockSize: number } | undefined> {
    const r = await this.child.lookup(call, { ...loc, inode: loc.inode }, this.#mdRequest())
    if ((r.stat.mode & S_IFMT) !== S_IFREG) return undefined
    const bs = r.xdata?.getPtr(BLOCK_SIZE_KEY)
    const blockSize = bs === undefined ? 0 : (readBlockSizeAttr(bs) ?? 0)
    if (blockSize === 0) return undefined
    const inode = loc.inode ?? new Inode(r.stat.gfid, S_IFREG)
    return { loc: { ...loc, inode }, stat: r.stat, blockSize }
  }

  /**
   * shard_unlink / shard_rename over a sharded file: under an inodelk on the base (domain: this
   * xlator's name) and an entrylk on .remove_me/<gfid>, a marker carrying block size and size is
   * made before the base goes, so the shards of a removed file are always found again. With
   * other hard links left, only the name goes.
   */
  async #removeWithMarker<T>(call: Call, target: { loc: Loc; stat: Iatt; blockSize: number }, remove: () => Promise<T>): Promise<T> {
    const removeMe = await this.#internalDir(call, 'remove_me', true)
    const lockCall: Call = { ...rootCall(call), lkOwner: newLkOwner() }
    const baseLoc: Loc = { path: target.loc.path, name: '', parent: undefined, inode: target.loc.inode }
    const full = { whence: 0, start: 0, len: 0, pid: 0, lkOwner: lockCall.lkOwner }
    await this.child.inodelk(lockCall, this.name, baseLoc, GfLkCmd.SETLKW, { ...full, type: GfLkType.WRLCK })
    try {
      const fresh = await this.child.lookup(call, target.loc, this.#mdRequest())
      const size = readSizeAttr(fresh.xdata?.getPtr(FILE_SIZE_KEY) ?? Buffer.alloc(0))?.size ?? 0
      if (fresh.stat.nlink > 1) return await remove()
      const gfid = gfidToString(fresh.stat.gfid)
      const rmLoc: Loc = { path: `/${DOT_SHARD}/${REMOVE_ME}`, name: '', parent: undefined, inode: removeMe }
      await this.child.entrylk(lockCall, this.name, rmLoc, gfid, EntrylkCmd.LOCK, EntrylkType.WRLCK)
      try {
        await this.#makeMarker(call, gfid, target.blockSize, size)
        const r = await remove()
        const ctx = target.loc.inode?.ctx.get(this) as ShardCtx | undefined
        if (ctx !== undefined) ctx.fresh = false
        return r
      } finally {
        await this.child.entrylk(lockCall, this.name, rmLoc, gfid, EntrylkCmd.UNLOCK, EntrylkType.WRLCK)
      }
    } finally {
      await this.child.inodelk(lockCall, this.name, baseLoc, GfLkCmd.SETLK, { ...full, type: GfLkType.UNLCK })
    }
  }

  /** shard_create_marker_file_under_remove_me (an existing marker gets the current values). */
  async #makeMarker(call: Call, gfid: string, blockSize: number, size: number): Promise<void> {
    const root = rootCall(call)
    const loc: Loc = { path: `/${DOT_SHARD}/${REMOVE_ME}/${gfid}`, name: gfid, parent: this.#removeMe, inode: undefined }
    const xdata = new Dict().setGfuuid('gfid-req', newGfid())
      .setPtr(BLOCK_SIZE_KEY, blockSizeAttr(blockSize)).setPtr(FILE_SIZE_KEY, sizeAttr(size, 0)).setInt(INTERNAL_FOP_KEY, 1)
    try {
      await this.child.mknod(root, loc, 0, 0, 0o644, xdata)
    } catch (err) {
      if ((err as GlusterError).code !== 'EEXIST') throw err
      const existing = await this.child.lookup(root, loc)
      const inode = new Inode(existing.stat.gfid, S_IFREG)
      const values = new Dict().setPtr(BLOCK_SIZE_KEY, blockSizeAttr(blockSize)).setPtr(FILE_SIZE_KEY, sizeAttr(size, 0))
      await this.child.setxattr(root, { ...loc, inode }, values, 0)
    }
  }

  // ---- background deletion (shard_delete_shards) -----------------------------------------------

  #deleteNowAndEvery600s(call: Call): void {
    this.#startDeletion(call)
    if (this.#sweep === undefined && !this.#stopping) {
      const root = rootCall(call)
      this.#sweep = setInterval(() => this.#startDeletion(root), 600_000)
      this.#sweep.unref()
    }
  }

  /** Run the deletion of every marker in .remove_me, once more if asked again while it runs. */
  #startDeletion(call: Call): void {
    if (this.#deletion !== undefined) {
      this.#deletionAgain = true
      return
    }
    const root = rootCall(call)
    this.#deletion = (async () => {
      do {
        this.#deletionAgain = false
        await this.deleteMarkedShards(root).catch((err: unknown) => debug('%s: background shard deletion: %s', this.name, (err as Error).message))
      } while (this.#deletionAgain && !this.#stopping)
    })().finally(() => {
      this.#deletion = undefined
    })
  }

  /** Resolves when no background deletion runs (one asked again while it ran included). */
  override async whenSettled(): Promise<void> {
    while (this.#deletion !== undefined) await this.#deletion
    await super.whenSettled()
  }

  /**
   * Every marker under .remove_me whose base file is gone: its shards unlinked in batches of
   * shard-deletion-rate, then the marker. A marker another client holds (entrylk busy) is skipped,
   * as C skips it; a marker whose base still exists is left alone.
   */
  async deleteMarkedShards(call: Call): Promise<void> {
    const removeMe = await this.#internalDir(call, 'remove_me', false)
    if (removeMe === undefined) return
    const names = await this.#listDir(call, removeMe)
    for (const name of names) {
      if (this.#stopping) return
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(name)) continue
      await this.#deleteShardsOf(call, removeMe, name).catch((err: unknown) => debug('%s: deleting shards of %s: %s', this.name, name, (err as Error).message))
    }
  }

  async #listDir(call: Call, dir: Inode): Promise<string[]> {
    const fd = new Fd(dir, 0, true)
    const loc: Loc = { path: `/${DOT_SHARD}/${REMOVE_ME}`, name: '', parent: undefined, inode: dir }
    await this.child.opendir(call, loc, fd)
    const names: string[] = []
    try {
      let offset = 0n
      for (;;) {
        const page = await this.child.readdirp(call, fd, 131072, offset)
        for (const e of page.entries) {
          offset = e.offset
          if (e.name !== '.' && e.name !== '..') names.push(e.name)
        }
        if (page.eof || page.entries.length === 0) break
      }
    } finally {
      await this.child.releasedir(call, fd)
    }
    return names
  }

  async #deleteShardsOf(call: Call, removeMe: Inode, gfid: string): Promise<void> {
    const rmLoc: Loc = { path: `/${DOT_SHARD}/${REMOVE_ME}`, name: '', parent: undefined, inode: removeMe }
    const lockCall: Call = { ...call, lkOwner: newLkOwner() }
    try {
      await this.child.entrylk(lockCall, this.name, rmLoc, gfid, EntrylkCmd.LOCK_NB, EntrylkType.WRLCK)
    } catch (err) {
      if ((err as GlusterError).code === 'EAGAIN') return
      throw err
    }
    try {
      const markerLoc: Loc = { path: `/${DOT_SHARD}/${REMOVE_ME}/${gfid}`, name: gfid, parent: removeMe, inode: undefined }
      const marker = await this.child.lookup(call, markerLoc, this.#mdRequest())
      const blockSize = readBlockSizeAttr(marker.xdata?.getPtr(BLOCK_SIZE_KEY) ?? Buffer.alloc(0)) ?? 0
      const size = readSizeAttr(marker.xdata?.getPtr(FILE_SIZE_KEY) ?? Buffer.alloc(0))?.size ?? 0
      const count = blockSize > 0 ? shardCount(size, blockSize) : 0
      if (count > 0) {
        const baseGfid = Buffer.from(gfid.replaceAll('-', ''), 'hex')
        if (await this.#exists(call, baseGfid)) return
        if ((await this.#internalDir(call, 'shard', false)) === undefined) return
        const base = new Inode(baseGfid, S_IFREG)
        for (let first = 1; first <= count; first += this.#config.deletionRate) {
          if (this.#stopping) return
          const last = Math.min(count, first + this.#config.deletionRate - 1)
          const batch: Promise<void>[] = []
          for (let b = first; b <= last; b++) batch.push(this.#unlinkShard(call, base, b).then(() => undefined))
          await Promise.all(batch)
        }
      }
      await this.child.unlink(call, markerLoc, 0).catch((err: unknown) => {
        if ((err as GlusterError).code !== 'ENOENT') throw err
      })
    } finally {
      await this.child.entrylk(lockCall, this.name, rmLoc, gfid, EntrylkCmd.UNLOCK, EntrylkType.WRLCK)
    }
  }

  /** shard_nameless_lookup_base_file: whether an inode of this gfid still exists (linked). */
  async #exists(call: Call, gfid: Buffer): Promise<boolean> {
    const loc: Loc = { path: `<gfid:${gfidToString(gfid)}>`, name: '', parent: undefined, inode: new Inode(gfid, 0) }
    try {
      await this.child.lookup(call, loc, new Dict().setUint(UNLINKED_LOOKUP_KEY, 1))
      return true
    } catch (err) {
      const code = (err as GlusterError).code
      if (code === 'ENOENT' || code === 'ESTALE') return false
      throw err
    }
  }

  /** Unlink one shard; resolves to the 512-byte blocks it held (0 when it did not exist). */
  async #unlinkShard(call: Call, base: Inode, block: number): Promise<number> {
    this.#forgetShard(call, base, block)
    try {
      const r = await this.child.unlink(call, this.#shardLoc(base, block), 0, new Dict().setUint(FILE_BLOCK_COUNT_KEY, 64))
      return Number(r.xdata?.getInt(FILE_BLOCK_COUNT_KEY) ?? 0n)
    } catch (err) {
      if ((err as GlusterError).code === 'ENOENT') return 0
      throw err
    }
  }

  // ---- data fops -------------------------------------------------------------------------------

  override async readv(call: Call, fd: Fd, size: number, offset: number, flags: number, xdata?: Dict, sink?: Uint8Array): Promise<ReadResult> {
    const ctx = await this.#known(call, fd)
    if (ctx.blockSize === 0) return this.child.readv(call, fd, size, offset, flags, xdata, sink)
    const bs = ctx.blockSize
    if (offset >= ctx.size || size === 0) return { data: Buffer.alloc(0), stat: this.#statOf(ctx), eof: true, xdata: undefined }
    const n = Math.min(size, ctx.size - offset)
    const eof = offset + n >= ctx.size
    if (lowestBlock(offset, bs) === 0 && highestBlock(offset, n, bs) === 0) {
      // The common small read inside block 0: the base file answers, holes past its end are zeros.
      const r = await this.child.readv(call, fd, n, offset, flags, xdata, sink)
      const stat = { mode: r.stat.mode, size: ctx.size }
      if (r.data.length >= n) return { data: r.data, stat, eof, xdata: r.xdata }
      // Zeros after what the base file held: in place when the reply already sits in the caller's sink.
      const inSink = sink !== undefined && sink.length >= n && r.data.buffer === sink.buffer && r.data.byteOffset === sink.byteOffset
      const out = inSink ? Buffer.from(sink.buffer, sink.byteOffset, n) : Buffer.allocUnsafe(n)
      if (!inSink) r.data.copy(out)
      out.fill(0, r.data.length)
      return { data: out, stat, eof, xdata: r.xdata }
    }
    const out = sink !== undefined && sink.length >= n ? Buffer.from(sink.buffer, sink.byteOffset, n) : Buffer.allocUnsafe(n)
    const root = rootCall(call)
    const first = lowestBlock(offset, bs)
    // A read inside one block (the common case) is that block's piece alone.
    if (first === highestBlock(offset, n, bs)) await this.#readPiece(call, root, fd, ctx, first, offset - first * bs, n, flags, out)
    else await Promise.all(splitRange(offset, n, bs).map((p) => this.#readPiece(call, root, fd, ctx, p.block, p.offsetInBlock, p.length, flags, out.subarray(p.bufferOffset, p.bufferOffset + p.length))))
    return { data: out, stat: { mode: ctx.stat!.mode, size: ctx.size }, eof, xdata: undefined }
  }

  /** Fill `target` with `length` bytes of block `block` from `offsetInBlock`: a missing shard, or the part past its end, is a hole (zeros). */
  async #readPiece(call: Call, root: Call, fd: Fd, ctx: ShardCtx, block: number, offsetInBlock: number, length: number, flags: number, target: Buffer): Promise<void> {
    let shardFd = block === 0 ? fd : this.#cachedShardFd(shardName(ctx.gfidText, block))
    if (shardFd === undefined) {
      // A block not resolved yet: its lookup carries the read (read-on-lookup.ts).
      const read: ShardRead = { asked: { offset: offsetInBlock, size: length, flags }, data: undefined }
      shardFd = await this.#shardFd(root, fd.inode, ctx, block, false, read)
      if (read.data !== undefined) {
        // Copied rather than read into `target`: a READ the lookup refused may still land later.
        const got = read.data.copy(target, 0, 0, Math.min(length, read.data.length))
        if (got < length) target.fill(0, got)
        return
      }
    }
    let got = 0
    if (shardFd !== undefined) {
      const r = await this.#onShard(root, fd.inode, ctx, block, shardFd, false,
        (f) => this.child.readv(block === 0 ? call : root, f, length, offsetInBlock, flags, undefined, target))
      if (r !== undefined) {
        got = r.data.length
        if (r.data.buffer !== target.buffer || r.data.byteOffset !== target.byteOffset) r.data.copy(target)
      }
    }
    if (got < length) target.fill(0, got)
  }

  /**
   * Run `op` on a shard's fd; when a cached fd's file was removed by another client, reopen it once
   * (created again if `create`). Undefined when the shard no longer exists and is not to be made.
   */
  async #onShard<T>(call: Call, base: Inode, ctx: ShardCtx, block: number, fd: Fd, create: boolean, op: (fd: Fd) => Promise<T>): Promise<T | undefined> {
    try {
      return await op(fd)
    } catch (err) {
      if (block === 0 || !STALE_FD.has((err as GlusterError).code ?? '')) throw err
      this.#forgetShard(call, base, block)
      const again = await this.#shardFd(call, base, ctx, block, create)
      return again === undefined ? undefined : op(again)
    }
  }

  override async writev(call: Call, fd: Fd, data: Buffer, offset: number, flags: number, xdata?: Dict): Promise<WriteResult> {
    const ctx = await this.#known(call, fd)
    if (ctx.blockSize === 0) return this.child.writev(call, fd, data, offset, flags, xdata)
    return this.#inodeWrite(call, fd, ctx, 'write', offset, data.length, flags, data, xdata)
  }

  override async fallocate(call: Call, fd: Fd, mode: number, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    const ctx = await this.#known(call, fd)
    if (ctx.blockSize > 0 && !FALLOCATE_MODES.has(mode)) {
      throw new GlusterError({ errno: errnoOf('ENOTSUP'), syscall: 'fallocate', gfid: gfidToString(fd.inode.gfid), volume: this.graph.volume, detail: `fallocate mode 0x${mode.toString(16)} on a sharded file (features/shard takes 0, ZERO_RANGE and KEEP_SIZE|PUNCH_HOLE)` })
    }
    return this.#rangeWrite(call, fd, ctx, 'fallocate', offset, length, mode, xdata)
  }

  override async zerofill(call: Call, fd: Fd, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    return this.#rangeWrite(call, fd, await this.#known(call, fd), 'zerofill', offset, length, 0, xdata)
  }

  override async discard(call: Call, fd: Fd, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    return this.#rangeWrite(call, fd, await this.#known(call, fd), 'discard', offset, length, 0, xdata)
  }

  /** fallocate, zerofill, discard: as the base file's fop when the file is not sharded. */
  #rangeWrite(call: Call, fd: Fd, ctx: ShardCtx, kind: Exclude<InodeWriteKind, 'write'>, offset: number, len: number, mode: number, xdata: Dict | undefined): Promise<PrePostResult> {
    if (ctx.blockSize > 0) return this.#inodeWrite(call, fd, ctx, kind, offset, len, mode, undefined, xdata)
    switch (kind) {
      case 'fallocate': return this.child.fallocate(call, fd, mode, offset, len, xdata)
      case 'zerofill': return this.child.zerofill(call, fd, offset, len, xdata)
      case 'discard': return this.child.discard(call, fd, offset, len, xdata)
    }
  }

  /**
   * shard_common_inode_write_begin..do: the range cut at block boundaries, missing shards made, the
   * pieces sent in parallel, then one fxattrop ADD_ARRAY64 with the size and block-count deltas.
   */
  async #inodeWrite(call: Call, fd: Fd, ctx: ShardCtx, kind: InodeWriteKind, offset: number, len: number, flags: number, data: Buffer | undefined, xdata: Dict | undefined): Promise<PrePostResult & WriteResult> {
    const bs = ctx.blockSize
    const append = kind === 'write' && ((flags | fd.flags) & O_APPEND) !== 0
    ctx.busy++
    try {
      const at = append ? ctx.size : offset
      if (append) ctx.size += len
      const root = rootCall(call)
      const pieces = splitRange(at, len, bs)
      const req = copyDict(xdata).setUint(WRITE_UPDATE_ATOMIC_KEY, 4)
      const results = await Promise.all(pieces.map(async (p) => {
        const target = p.block === 0 ? fd : await this.#shardFd(root, fd.inode, ctx, p.block, true)
        const piece = data?.subarray(p.bufferOffset, p.bufferOffset + p.length)
        const r = await this.#onShard<WriteResult | PrePostResult>(root, fd.inode, ctx, p.block, target!, true, (f) => {
          const c = p.block === 0 ? call : root
          switch (kind) {
            case 'write': return this.child.writev(c, f, piece!, p.offsetInBlock, p.block === 0 ? flags : 0, req)
            case 'fallocate': return this.child.fallocate(c, f, flags, p.offsetInBlock, p.length, req)
            case 'zerofill': return this.child.zerofill(c, f, p.offsetInBlock, p.length, req)
            case 'discard': return this.child.discard(c, f, p.offsetInBlock, p.length, req)
          }
        })
        return r!
      }))
      let written = 0
      let deltaBlocks = 0
      for (const r of results) {
        written += 'size' in r ? (r as WriteResult).size : 0
        deltaBlocks += r.poststat.blocks - r.prestat.blocks
      }
      let deltaSize: number
      if (append) {
        deltaSize = len
      } else {
        deltaSize = Math.max(0, at + len - ctx.size)
        ctx.size += deltaSize
      }
      ctx.blocks += deltaBlocks
      if (deltaSize !== 0 || deltaBlocks !== 0) await this.#addSize(root, fd, deltaSize, deltaBlocks)
      // The base file's attributes with the file's size: a piece's own iatt may be a shard's.
      const prestat = this.#statOf(ctx, ctx.size - deltaSize, ctx.blocks - deltaBlocks)
      return { size: kind === 'write' ? written : 0, prestat, poststat: this.#statOf(ctx), xdata: results[0]!.xdata }
    } catch (err) {
      ctx.fresh = false
      throw err
    } finally {
      ctx.busy--
    }
  }

  /** shard_update_file_size: the deltas added to the base file's size xattr. */
  async #addSize(call: Call, target: Fd | Loc, deltaSize: number, deltaBlocks: number): Promise<void> {
    const dict = new Dict().setPtr(FILE_SIZE_KEY, sizeAttr(deltaSize, deltaBlocks))
    if (target instanceof Fd) await this.child.fxattrop(call, target, XATTROP_ADD_ARRAY64, dict)
    else await this.child.xattrop(call, target, XATTROP_ADD_ARRAY64, dict)
  }

  override async ftruncate(call: Call, fd: Fd, offset: number, xdata?: Dict): Promise<PrePostResult> {
    await this.#refreshFd(call, fd)
    const ctx = this.#ctx(fd.inode)
    if (ctx.blockSize === 0) return this.child.ftruncate(call, fd, offset, xdata)
    return this.#truncate(call, fd.inode, ctx, offset, (n) => this.child.ftruncate(call, fd, n, xdata), fd)
  }

  override async truncate(call: Call, loc: Loc, offset: number, xdata?: Dict): Promise<PrePostResult> {
    const r = await this.child.lookup(call, loc, this.#mdRequest())
    const inode = loc.inode ?? new Inode(r.stat.gfid, r.stat.mode & S_IFMT)
    this.#adopt(inode, r.stat, r.xdata)
    const ctx = this.#ctx(inode)
    if (ctx.blockSize === 0) return this.child.truncate(call, loc, offset, xdata)
    const baseLoc: Loc = { ...loc, inode }
    try {
      return await this.#truncate(call, inode, ctx, offset, (n) => this.child.truncate(call, baseLoc, n, xdata), baseLoc)
    } finally {
      if (ctx.openFds === 0) this.#releaseShardsOf(call, inode)
    }
  }

  /**
   * shard_post_lookup_truncate_handler: up, only the size xattr grows; down, the shards above the
   * new end are unlinked (highest first), the block holding the new end is cut, and the size and
   * blocks xattr gets the (negative) deltas.
   */
  async #truncate(call: Call, base: Inode, ctx: ShardCtx, offset: number, truncateBase: (n: number) => Promise<PrePostResult>, target: Fd | Loc): Promise<PrePostResult> {
    const bs = ctx.blockSize
    const before = { size: ctx.size, blocks: ctx.blocks }
    const root = rootCall(call)
    ctx.busy++
    try {
      if (offset === before.size) return { prestat: this.#statOf(ctx), poststat: this.#statOf(ctx), xdata: undefined }
      if (offset > before.size) {
        await this.#addSize(root, target, offset - before.size, 0)
        ctx.size = offset
      } else {
        const first = offset === 0 ? 0 : lowestBlock(offset - 1, bs)
        const last = highestBlock(0, before.size, bs)
        let deltaBlocks = 0
        if (last > first && (await this.#internalDir(root, 'shard', false)) !== undefined) {
          const unlinks: Promise<number>[] = []
          for (let b = last; b > first; b--) unlinks.push(this.#unlinkShard(root, base, b))
          for (const n of await Promise.all(unlinks)) deltaBlocks -= n
        }
        const keep = offset - first * bs
        if (first === 0) {
          const r = await truncateBase(keep)
          deltaBlocks += r.poststat.blocks - r.prestat.blocks
        } else {
          const shardFd = await this.#shardFd(root, base, ctx, first, false)
          if (shardFd !== undefined) {
            const r = await this.#onShard(root, base, ctx, first, shardFd, false, (f) => this.child.ftruncate(root, f, keep))
            if (r !== undefined) deltaBlocks += r.poststat.blocks - r.prestat.blocks
          }
        }
        await this.#addSize(root, target, offset - before.size, deltaBlocks)
        ctx.size = offset
        ctx.blocks += deltaBlocks
      }
      return { prestat: this.#statOf(ctx, before.size, before.blocks), poststat: this.#statOf(ctx), xdata: undefined }
    } catch (err) {
      ctx.fresh = false
      throw err
    } finally {
      ctx.busy--
    }
  }

  override async fsync(call: Call, fd: Fd, datasync: boolean, xdata?: Dict): Promise<PrePostResult> {
    const prefix = gfidToString(fd.inode.gfid) + '.'
    const root = rootCall(call)
    const shards: Promise<unknown>[] = []
    for (const [key, shardFd] of this.#shardFds) {
      if (key.startsWith(prefix)) shards.push(this.child.fsync(root, shardFd, datasync))
    }
    const [r] = await Promise.all([this.child.fsync(call, fd, datasync, xdata), ...shards])
    const result = r as PrePostResult
    const ctx = fd.inode.ctx.get(this) as ShardCtx | undefined
    if (ctx !== undefined) {
      this.#patched(ctx, result.prestat)
      this.#patched(ctx, result.poststat)
    }
    return result
  }

  override seek(call: Call, fd: Fd, _offset: number, _what: number, _xdata?: Dict): Promise<SeekResult> {
    // shard_seek answers ENOTSUP for every file: callers (qemu-img) then treat the whole file as data.
    return Promise.reject(new GlusterError({
      errno: errnoOf('ENOTSUP'), syscall: 'seek', gfid: gfidToString(fd.inode.gfid), volume: this.graph.volume,
      detail: 'features/shard does not implement SEEK_DATA/SEEK_HOLE (as the C client); read the file to find its holes',
    }))
  }

  // ---- attributes ------------------------------------------------------------------------------

  override async setattr(call: Call, loc: Loc, attrs: SetattrArgs, valid: number, xdata?: Dict): Promise<PrePostResult> {
    const r = await this.child.setattr(call, loc, attrs, valid, xdata)
    const ctx = loc.inode?.ctx.get(this) as ShardCtx | undefined
    if (ctx !== undefined) {
      this.#patched(ctx, r.prestat)
      this.#patched(ctx, r.poststat)
    }
    return r
  }

  override async fsetattr(call: Call, fd: Fd, attrs: SetattrArgs, valid: number, xdata?: Dict): Promise<PrePostResult> {
    const r = await this.child.fsetattr(call, fd, attrs, valid, xdata)
    const ctx = fd.inode.ctx.get(this) as ShardCtx | undefined
    if (ctx !== undefined) {
      this.#patched(ctx, r.prestat)
      this.#patched(ctx, r.poststat)
    }
    return r
  }

  override async getxattr(call: Call, loc: Loc, name: string, xdata?: Dict): Promise<XattrResult> {
    refuseShardKey(name, 'getxattr', 'ENODATA', this.graph.volume)
    return stripShardKeys(await this.child.getxattr(call, loc, name, xdata))
  }

  override async fgetxattr(call: Call, fd: Fd, name: string, xdata?: Dict): Promise<XattrResult> {
    refuseShardKey(name, 'fgetxattr', 'ENODATA', this.graph.volume)
    return stripShardKeys(await this.child.fgetxattr(call, fd, name, xdata))
  }

  override setxattr(call: Call, loc: Loc, dict: Dict, flags: number, xdata?: Dict): Promise<CommonResult> {
    for (const key of dict.keys()) refuseShardKey(key, 'setxattr', 'EPERM', this.graph.volume)
    return this.child.setxattr(call, loc, dict, flags, xdata)
  }

  override fsetxattr(call: Call, fd: Fd, dict: Dict, flags: number, xdata?: Dict): Promise<CommonResult> {
    for (const key of dict.keys()) refuseShardKey(key, 'fsetxattr', 'EPERM', this.graph.volume)
    return this.child.fsetxattr(call, fd, dict, flags, xdata)
  }

  override removexattr(call: Call, loc: Loc, name: string, xdata?: Dict): Promise<CommonResult> {
    refuseShardKey(name, 'removexattr', 'EPERM', this.graph.volume)
    return this.child.removexattr(call, loc, name, xdata)
  }

  override fremovexattr(call: Call, fd: Fd, name: string, xdata?: Dict): Promise<CommonResult> {
    refuseShardKey(name, 'fremovexattr', 'EPERM', this.graph.volume)
    return this.child.fremovexattr(call, fd, name, xdata)
  }

  // ---- directories -----------------------------------------------------------------------------

  override async readdirp(call: Call, fd: Fd, size: number, offset: bigint, xdata?: Dict): Promise<ReaddirResult> {
    const r = await this.child.readdirp(call, fd, size, offset, this.#mdRequest(xdata))
    const inRoot = fd.inode.gfid.equals(ROOT_GFID)
    const entries = inRoot ? r.entries.filter((e) => e.name !== DOT_SHARD) : r.entries
    for (const e of entries) {
      if ((e.stat.mode & S_IFMT) !== S_IFREG) continue
      const sz = e.xdata?.getPtr(FILE_SIZE_KEY)
      const bs = e.xdata?.getPtr(BLOCK_SIZE_KEY)
      const parsed = sz === undefined || bs === undefined || readBlockSizeAttr(bs) === 0 ? undefined : readSizeAttr(sz)
      if (parsed !== undefined) {
        e.stat.size = parsed.size
        e.stat.blocks = parsed.blocks
      }
    }
    return entries === r.entries ? r : { ...r, entries }
  }
}

/** SHARD_SET_ROOT_FS_ID: internal fops on shards and markers run as root. */
function rootCall(call: Call): Call {
  return call.uid === 0 && call.gid === 0 ? call : { ...call, uid: 0, gid: 0, groups: [] }
}

function copyDict(xdata: Dict | undefined): Dict {
  const d = new Dict()
  if (xdata !== undefined) for (const [k, v] of xdata) d.set(k, v)
  return d
}

/** SHARD_ENTRY_FOP_CHECK: /.shard and anything in it are not the application's. */
function refuseInternal(loc: Loc, syscall: string, volume: string): void {
  const parent = loc.parent?.gfid
  if (parent === undefined) return
  if ((loc.name === DOT_SHARD && parent.equals(ROOT_GFID)) || parent.equals(DOT_SHARD_GFID) || parent.equals(REMOVE_ME_GFID)) {
    throw new GlusterError({ errno: errnoOf('EPERM'), syscall, path: loc.path, volume, detail: `/${DOT_SHARD} holds features/shard's blocks and is not accessible to applications` })
  }
}

function refuseShardKey(name: string, syscall: string, code: 'EPERM' | 'ENODATA', volume: string): void {
  if (name.startsWith(SHARD_XATTR_PREFIX)) {
    throw new GlusterError({ errno: errnoOf(code), syscall, volume, detail: `${name} is features/shard's own xattr` })
  }
}

/** The shard xattrs are not listed to the application (shard_getxattr_cbk). */
function stripShardKeys(r: XattrResult): XattrResult {
  r.dict.deleteWhere((key) => key.startsWith(SHARD_XATTR_PREFIX))
  return r
}
