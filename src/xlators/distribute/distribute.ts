// cluster/distribute (DHT, xlators/cluster/dht/src): spreads a volume's files over its subvolumes
// by name hash, placing every name exactly where the C clients place and look for it.
//
// What this xlator knows lives in one DhtConf (conf.ts, dht_conf_t): subvolumes and their state,
// options, xattr names, commit hash, decommissioned bricks, per-inode layouts and cached
// subvolumes. Per fd (Fd.ctx keyed by this xlator): a FileFd (the data's subvolume, and what the
// fd knows of a rebalance moving the file), or a DirFd listing the bricks a directory is open on.
//
// This class is the fop surface: one method per fop, each handing the conf to the module that
// does the work: route.ts (which subvolume a fop goes to), lookup.ts (lookup, layout fetch and
// heal), entry.ts (create, mknod, symlink, link, unlink, mkdir, rmdir), rename.ts, readdir.ts,
// migration.ts (files rebalance moves under open fds); merge.ts holds the pure merging of brick
// answers, diskusage.ts the min-free-disk rules, locks.ts the lock sets.

import { debuglog } from 'node:util'
import { errnoOf } from '../../rpc/errno.ts'
import { GlusterError } from '../../rpc/errors.ts'
import type { OptionSpec } from '../options.ts'
import { newLkOwner } from '../../rpc/lk-owner.ts'
import { Dict } from '../../rpc/programs/fops/dict.ts'
import {
  type Call, type CommonResult, type CreateResult, type EntryResult, type Fd, type Flock, type IattResult,
  type Loc, type LookupResult, type OpenResult, type ParentResult, type PrePostResult, type ReadResult,
  type ReaddirResult, type ReadlinkResult, type RenameResult, ROOT_GFID, type SeekResult, type StatfsResult,
  type WriteResult, type XattrResult, gfidToString,
} from '../types.ts'
import { type SetattrArgs, Xlator, type XlatorEvent, type XlatorInit } from '../xlator.ts'
import { DhtConf, type DistributeConfig } from './conf.ts'
import type { Iatt } from '../../rpc/programs/fops/iatt.ts'
import * as entry from './entry.ts'
import { parseMinFreeDisk } from './diskusage.ts'
import { DhtHasher } from './hash.ts'
import { DHT_LAYOUT_XATTR, parseDecommissionedBricks } from './layout.ts'
import { discover, lookupNamed, lookupRoot } from './lookup.ts'
import { mergeDirIatts, migrationPhase, stripPhase1Flags, sumStatfs } from './merge.ts'
import { IATT_IN_XDATA_KEY, PROTECT_WRITES_KEY, followMigration, phaseOneTarget, withKey } from './migration.ts'
import { readdirpDistributed } from './readdir.ts'
import { rename } from './rename.ts'
import {
  afterFailure, dirInode, dirOf, fileFd, isDir, lockSubvol, onAllDirSubvols, onAnyDirSubvol, onCached, onCachedFile, onFileFd, refuseInternalKeys,
} from './route.ts'
import { DirCtx, DirFd, FileFd, firstFailure } from './state.ts'
import { S_IFDIR, S_IFMT } from '../../rpc/linux.ts'

const debug = debuglog('gfapi')

/**
 * cluster/distribute options this client acts on (xlators/cluster/dht/src/dht-shared.c).
 * The rest of C's table:
 * - refused (support.ts REFUSED_OPTIONS): `assert-no-child-down on` (C exits on a brick loss).
 * - `decommissioned-bricks` (glusterd sets it during `remove-brick start`, drops it at commit or
 *   stop) is acted on as C does: new directory layouts give those bricks no range, and a create or
 *   mknod whose name hashes to one re-reads the parent's layout first (see entry.ts), and
 *   min-free-disk never sends a new file to one. The other C readers of the decommissioned list
 *   are the rebalance daemon's (fix-layout's dht_should_fix_layout, the migrate setxattr).
 * - `min-free-disk` (10%: a percentage below 100, else bytes) and `min-free-inodes` (5%) are
 *   acted on as C does (dht-diskusage.c; diskusage.ts, entry.ts): a create or mknod whose hashed
 *   brick is below either goes to the brick with the most room behind a linkto on the hashed one,
 *   and a mkdir gives such a brick no range unless all are; each brick's STATFS is read again at
 *   most once a second, without the fop waiting for it.
 * - accepted without acting on them: `unhashed-sticky-bit` (sets the sticky bit in the lookup
 *   reply of a file found off its hashed brick; off by default), `use-readdirp`,
 *   `rmdir-optimize`, `ensure-durability` and the rebalance daemon's own options (rebalance-cmd,
 *   node-uuid, commit-hash, rebalance-stats, rebalance-filter, rebal-throttle, lock-migration,
 *   force-migration), none of which changes where a client puts or finds data.
 * - `local-volume-name` and `pattern.switch.case` belong to cluster/nufa and cluster/switch, types
 *   refused as a whole.
 */
export const DISTRIBUTE_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'lookup-optimize', name: 'lookupOptimize', type: 'bool', default: 'on',
    description: 'A name missing on its hashed subvolume is looked up everywhere only when its directory\'s layout commit hash differs from the volume\'s. Defaults to on.',
  },
  {
    key: 'lookup-unhashed', name: 'lookupUnhashed', type: 'enum', default: 'on',
    values: ['on', 'off', 'yes', 'no', 'true', 'false', 'enable', 'disable', '1', '0', 'auto'],
    description: 'With lookup-optimize off: look up everywhere after a miss on the hashed subvolume (on) or not (off); auto counts as off here, as it relies on readdir statistics this client does not keep. Defaults to on.',
  },
  {
    key: 'readdir-optimize', name: 'readdirOptimize', type: 'bool', default: 'off',
    description: 'List directories only from the first subvolume that is up, instead of from each name\'s hashed subvolume. Defaults to off.',
  },
  {
    key: 'rsync-hash-regex', name: 'rsyncHashRegex', type: 'string', default: '',
    description: 'POSIX extended regex whose group 1 is hashed instead of a matching name; empty means the default ^\\.(.+)\\.[^.]+$, "none" disables it.',
  },
  {
    key: 'extra-hash-regex', name: 'extraHashRegex', type: 'string', default: '',
    description: 'Like rsync-hash-regex, tried first; empty or "none" means none.',
  },
  {
    key: 'randomize-hash-range-by-gfid', name: 'randomizeHashRangeByGfid', type: 'bool', default: 'off',
    description: 'New directory layouts start at the subvolume chosen by the gfid\'s hash instead of the path\'s. Defaults to off.',
  },
  {
    key: 'weighted-rebalance', name: 'weightedRebalance', type: 'bool', default: 'on',
    description: 'Size new directory layout ranges by brick size. Defaults to on.',
  },
  {
    key: 'directory-layout-spread', name: 'directoryLayoutSpread', type: 'int', default: '0', min: 0,
    description: 'How many subvolumes get a range in new directory layouts; 0 means all. Defaults to 0.',
  },
  {
    key: 'decommissioned-bricks', name: 'decommissionedBricks', type: 'string', default: '',
    description: 'Comma-separated subvolume names being removed (set by glusterd during remove-brick start): new directories give them no layout range and files hashing to them are placed by the parent\'s re-read layout. Defaults to none.',
  },
  {
    key: 'min-free-disk', name: 'minFreeDisk', type: 'string', default: '10%',
    description: 'A new file whose hashed subvolume has less free space than this (a percentage below 100, else a size such as 2GB) is created on the subvolume with the most room, behind a linkto file on the hashed one. Defaults to 10%.',
  },
  {
    key: 'min-free-inodes', name: 'minFreeInodes', type: 'percent', default: '5%', min: 0, max: 100,
    description: 'Like min-free-disk, for the percentage of free inodes. Defaults to 5%.',
  },
  {
    key: 'xattr-name', name: 'xattrName', type: 'string', default: DHT_LAYOUT_XATTR,
    description: 'Name of the layout xattr; linkto, mds and commithash xattrs are named after it. Defaults to trusted.glusterfs.dht.',
  },
]

/** The DHT xlator for a volume of several subvolumes (one subvolume: a pass-through, see index.ts). */
export class Distribute extends Xlator {
  static readonly type = 'cluster/distribute'

  /** Everything this xlator knows (dht_conf_t); the modules beside this file take it. */
  readonly conf: DhtConf
  /** Each subvolume's last event, undefined until it reported one (dht conf->last_event). */
  readonly #lastEvent: (XlatorEvent | undefined)[]

  constructor(init: XlatorInit<DistributeConfig>) {
    super(init)
    const config = init.options
    const children = init.children
    const hasher = new DhtHasher({
      rsyncHashRegex: config.rsyncHashRegex === '' ? undefined : config.rsyncHashRegex,
      extraHashRegex: config.extraHashRegex === '' ? undefined : config.extraHashRegex,
    })
    for (const err of hasher.ignoredRegexErrors) debug('%s: hash regex ignored: %s', this.name, err.message)
    const decommissioned = parseDecommissionedBricks(config.decommissionedBricks, children.map((c) => c.name), (detail) =>
      new GlusterError({ errno: errnoOf('EINVAL'), syscall: 'init', volume: init.graph.volume, detail: `xlator '${init.name}': ${detail}` }))
    const minFreeDisk = parseMinFreeDisk(config.minFreeDisk)
    if (minFreeDisk === undefined) {
      throw new GlusterError({
        errno: errnoOf('EINVAL'), syscall: 'init', volume: init.graph.volume,
        detail: `xlator '${init.name}': option min-free-disk '${config.minFreeDisk}' is neither a percentage (0-100%) nor a size (e.g. 2GB)`,
      })
    }
    const minFree = { disk: minFreeDisk, inodes: config.minFreeInodes }
    this.conf = new DhtConf({ xlator: this, volume: init.graph.volume, config, hasher, decommissioned, minFree })
    this.#lastEvent = children.map(() => undefined)
  }

  /** The mount's first fops, as the C client's: brick sizes, then the root layout (healed if unset). */
  override async init(): Promise<void> {
    const call = this.conf.internalCall(undefined)
    await this.conf.fetchDiskUsage(call)
    // Not fatal, as glfs_init's first lookup: a later lookup of "/" tries again.
    await lookupRoot(this.conf, call, this.conf.rootLoc(), undefined).catch((err: unknown) => {
      debug('%s: first lookup of / failed: %s', this.name, err instanceof Error ? err.message : String(err))
    })
  }

  /** dht_init/dht_notify: the volume mounts with the subvolumes that are up, the others join later. */
  override get mountsDegraded(): boolean {
    return true
  }

  /**
   * dht_notify: keeps each subvolume's state and stays quiet until every one reported once; that
   * first full report passes up CHILD_UP if one is up, else CHILD_CONNECTING if one is trying,
   * else CHILD_DOWN. From then on every event passes up, a CHILD_DOWN as SOME_DESCENDENT_DOWN
   * while another subvolume is not down.
   */
  override notify(event: XlatorEvent, from: Xlator, detail?: unknown): void {
    const i = this.children.indexOf(from)
    if (i < 0 || event === 'SOME_DESCENDENT_DOWN') {
      super.notify(event, from, detail)
      return
    }
    const heardFromAll = !this.#lastEvent.includes(undefined)
    this.#lastEvent[i] = event
    if (event !== 'CHILD_CONNECTING') this.conf.up[i] = event === 'CHILD_UP'
    // dht_notify: a subvolume coming up has its disk usage read again.
    if (event === 'CHILD_UP') void this.conf.fetchDiskUsage(this.conf.internalCall(undefined), [i])
    let up: XlatorEvent = event
    if (event === 'CHILD_DOWN' && this.#lastEvent.some((e) => e !== 'CHILD_DOWN')) up = 'SOME_DESCENDENT_DOWN'
    if (!heardFromAll) {
      if (this.#lastEvent.includes(undefined)) return
      up = this.#lastEvent.includes('CHILD_UP') ? 'CHILD_UP' : this.#lastEvent.includes('CHILD_CONNECTING') ? 'CHILD_CONNECTING' : 'CHILD_DOWN'
    }
    super.notify(up, from, detail)
  }

  // ---------------------------------------------------------------------------------------------
  // Fops: lookup and attributes

  override lookup(call: Call, loc: Loc, xdata?: Dict): Promise<LookupResult> {
    if (loc.parent !== undefined && loc.name !== '') return lookupNamed(this.conf, call, loc, xdata)
    if (loc.inode === undefined || loc.inode.gfid.equals(ROOT_GFID)) return lookupRoot(this.conf, call, loc.inode === undefined ? this.conf.rootLoc() : loc, xdata)
    return discover(this.conf, call, loc, xdata)
  }

  override async stat(call: Call, loc: Loc, xdata?: Dict): Promise<IattResult> {
    if (isDir(this.conf, loc.inode)) {
      const results = await Promise.allSettled(this.children.map((c) => c.stat(call, loc, xdata)))
      return mergeIattResults(results)
    }
    const r = await onCachedFile(this.conf, call, loc, 'stat', false, statOf, (sub) => sub.stat(call, loc, xdata))
    stripPhase1Flags(r.stat)
    return r
  }

  override async access(call: Call, loc: Loc, mask: number, xdata?: Dict): Promise<CommonResult> {
    if (isDir(this.conf, loc.inode)) {
      const dir = await dirOf(this.conf, call, dirInode(this.conf, loc, 'access'), loc.path)
      return onAnyDirSubvol(this.conf, dir, (sub) => sub.access(call, loc, mask, xdata))
    }
    return onCached(this.conf, call, loc, 'access', (sub) => sub.access(call, loc, mask, xdata))
  }

  override async setattr(call: Call, loc: Loc, attrs: SetattrArgs, valid: number, xdata?: Dict): Promise<PrePostResult> {
    if (isDir(this.conf, loc.inode)) {
      const dir = await dirOf(this.conf, call, dirInode(this.conf, loc, 'setattr'), loc.path)
      return mergePrePost(await onAllDirSubvols(this.conf, dir, (sub) => sub.setattr(call, loc, attrs, valid, xdata)))
    }
    return stripPrePost(await onCachedFile(this.conf, call, loc, 'setattr', false, poststatOf, (sub) => sub.setattr(call, loc, attrs, valid, xdata)))
  }

  override async truncate(call: Call, loc: Loc, offset: number, xdata?: Dict): Promise<PrePostResult> {
    if (isDir(this.conf, loc.inode)) throw this.conf.error('EISDIR', 'truncate', loc.path)
    return stripPrePost(await onCachedFile(this.conf, call, loc, 'truncate', true, poststatOf, (sub) => sub.truncate(call, loc, offset, xdata)))
  }

  override async readlink(call: Call, loc: Loc, size: number, xdata?: Dict): Promise<ReadlinkResult> {
    return onCached(this.conf, call, loc, 'readlink', (sub) => sub.readlink(call, loc, size, xdata))
  }

  override async statfs(call: Call, loc: Loc, xdata?: Dict): Promise<StatfsResult> {
    // dht_statfs: a non-directory's filesystem is the volume's, asked at the root.
    const at = isDir(this.conf, loc.inode) ? loc : this.conf.rootLoc()
    const results = await Promise.allSettled(this.children.map((c) => c.statfs(call, at, xdata)))
    const parts: StatfsResult[] = []
    let failure: unknown
    for (const r of results) {
      if (r.status === 'fulfilled') parts.push(r.value)
      else failure ??= r.reason
    }
    const sum = sumStatfs(parts)
    if (sum === undefined) throw failure
    return { ...sum, xdata: parts[parts.length - 1]!.xdata }
  }

  // ---------------------------------------------------------------------------------------------
  // Fops: extended attributes and locks

  override async getxattr(call: Call, loc: Loc, name: string, xdata?: Dict): Promise<XattrResult> {
    // dht_getxattr compares only the asked name's length: any prefix of the mds key is refused.
    if (name !== '' && this.conf.mdsKey.startsWith(name)) {
      throw this.conf.error('ENOTSUP', 'getxattr', loc.path, `'${name}' is internal to distribute`)
    }
    if (isDir(this.conf, loc.inode)) {
      const dir = await dirOf(this.conf, call, dirInode(this.conf, loc, 'getxattr'), loc.path)
      return this.#withoutInternalKeys(call, await onAnyDirSubvol(this.conf, dir, (sub) => sub.getxattr(call, loc, name, xdata)))
    }
    return this.#withoutInternalKeys(call, await onCached(this.conf, call, loc, 'getxattr', (sub) => sub.getxattr(call, loc, name, xdata)))
  }

  /**
   * dht_getxattr_cbk: the layout, mds and commit-hash keys never reach the application, nor (for
   * a process's own calls, pid >= 0) quota's and the parent-gfid index's keys.
   */
  #withoutInternalKeys(call: Call, r: XattrResult): XattrResult {
    const { layoutKey, mdsKey, commitHashKey } = this.conf
    r.dict.deleteWhere((key) => key === layoutKey || key === mdsKey || key === commitHashKey ||
      (call.pid >= 0 && (key.startsWith('trusted.glusterfs.quota') || key.startsWith('trusted.pgfid'))))
    return r
  }

  override async setxattr(call: Call, loc: Loc, dict: Dict, flags: number, xdata?: Dict): Promise<CommonResult> {
    refuseInternalKeys(this.conf, dict.keys(), 'setxattr', loc.path)
    if (isDir(this.conf, loc.inode)) {
      const dir = await dirOf(this.conf, call, dirInode(this.conf, loc, 'setxattr'), loc.path)
      const done = await onAllDirSubvols(this.conf, dir, (sub) => sub.setxattr(call, loc, dict, flags, xdata))
      return done[0]!
    }
    const req = withKey(xdata, IATT_IN_XDATA_KEY)
    return onCachedFile(this.conf, call, loc, 'setxattr', true, xdataIattOf, (sub) => sub.setxattr(call, loc, dict, flags, req))
  }

  override async removexattr(call: Call, loc: Loc, name: string, xdata?: Dict): Promise<CommonResult> {
    refuseInternalKeys(this.conf, [name], 'removexattr', loc.path)
    if (isDir(this.conf, loc.inode)) {
      const dir = await dirOf(this.conf, call, dirInode(this.conf, loc, 'removexattr'), loc.path)
      const done = await onAllDirSubvols(this.conf, dir, (sub) => sub.removexattr(call, loc, name, xdata))
      return done[0]!
    }
    return onCached(this.conf, call, loc, 'removexattr', (sub) => sub.removexattr(call, loc, name, xdata))
  }

  override async inodelk(call: Call, domain: string, loc: Loc, cmd: number, lock: Flock, xdata?: Dict): Promise<CommonResult> {
    return (await lockSubvol(this.conf, call, loc, 'inodelk')).inodelk(call, domain, loc, cmd, lock, xdata)
  }

  override async entrylk(call: Call, domain: string, loc: Loc, basename: string, cmd: number, type: number, xdata?: Dict): Promise<CommonResult> {
    return (await lockSubvol(this.conf, call, loc, 'entrylk')).entrylk(call, domain, loc, basename, cmd, type, xdata)
  }

  // ---------------------------------------------------------------------------------------------
  // Fops: open files (the hot path goes straight to the subvolume remembered in the fd)

  override open(call: Call, loc: Loc, flags: number, fd: Fd, xdata?: Dict): Promise<OpenResult> {
    return onCached(this.conf, call, loc, 'open', async (sub) => {
      const r = await sub.open(call, loc, flags, fd, xdata)
      fd.ctx.set(this, new FileFd(sub))
      return r
    })
  }

  // The fd fops follow a file that rebalance moves (migration.ts): each reply's iatt is checked
  // for the migration phase bits, which costs one bit test when the file is not moving. readv and
  // writev spell #onFileFd's steps out, so the hot path makes no closure per call.

  override async readv(call: Call, fd: Fd, size: number, offset: number, flags: number, xdata?: Dict, sink?: Uint8Array): Promise<ReadResult> {
    const st = fileFd(this.conf, fd, 'read')
    const from = st.sub
    let r: ReadResult
    try {
      r = await from.readv(call, fd, size, offset, flags, xdata, sink)
    } catch (err) {
      const to = await afterFailure(this.conf, call, fd, st, from, err)
      return stripRead(await to.readv(call, fd, size, offset, flags, xdata, sink))
    }
    // Phase 1: the source still holds every byte; only a finished migration sends reads elsewhere.
    if (migrationPhase(r.stat) === 2) {
      const to = await followMigration(this.conf, call, fd, st, from)
      if (to !== undefined) return stripRead(await to.readv(call, fd, size, offset, flags, xdata, sink))
    }
    return stripRead(r)
  }

  override async writev(call: Call, fd: Fd, data: Buffer, offset: number, flags: number, xdata?: Dict): Promise<WriteResult> {
    const st = fileFd(this.conf, fd, 'write')
    const from = st.sub
    let r: WriteResult
    try {
      r = await from.writev(call, fd, data, offset, flags, xdata)
    } catch (err) {
      const to = await afterFailure(this.conf, call, fd, st, from, err)
      return stripPrePost(await to.writev(call, fd, data, offset, flags, xdata))
    }
    const phase = migrationPhase(r.poststat)
    if (phase === 0) {
      if (st.dst !== undefined && st.sub === from) st.dst = undefined
      return r
    }
    if (phase === 2) {
      const to = await followMigration(this.conf, call, fd, st, from)
      return to === undefined ? r : stripPrePost(await to.writev(call, fd, data, offset, flags, xdata))
    }
    // dht_writev_cbk: the source took it; the copy in progress must get it too, marked as ours.
    const target = await phaseOneTarget(this.conf, call, fd, st, from, 'write')
    if (target !== undefined) {
      const again = await target.to.writev(call, fd, data, offset, flags, target.copy ? withKey(xdata, PROTECT_WRITES_KEY) : xdata)
      if (!target.copy) return stripPrePost(again)
    }
    return stripPrePost(r)
  }

  override async flush(call: Call, fd: Fd, xdata?: Dict): Promise<CommonResult> {
    const st = fileFd(this.conf, fd, 'flush')
    const from = st.sub
    let r: CommonResult
    try {
      r = await from.flush(call, fd, xdata)
    } catch (err) {
      return (await afterFailure(this.conf, call, fd, st, from, err)).flush(call, fd, xdata)
    }
    // dht_flush_cbk: an fd also open on a migration's destination flushes there too.
    const dst = st.dst
    return dst !== undefined && st.sub === from ? dst.flush(call, fd, xdata) : r
  }

  override fsync(call: Call, fd: Fd, datasync: boolean, xdata?: Dict): Promise<PrePostResult> {
    return onFileFd(this.conf, call, fd, 'fsync', true, poststatOf, (sub) => sub.fsync(call, fd, datasync, xdata)).then(stripPrePost)
  }

  override async release(call: Call, fd: Fd): Promise<void> {
    const st = fd.ctx.get(this)
    fd.ctx.delete(this)
    if (st instanceof FileFd) await Promise.all(st.open.map((sub) => sub.release(call, fd)))
  }

  override ftruncate(call: Call, fd: Fd, offset: number, xdata?: Dict): Promise<PrePostResult> {
    return onFileFd(this.conf, call, fd, 'ftruncate', true, poststatOf, (sub) => sub.ftruncate(call, fd, offset, xdata)).then(stripPrePost)
  }

  override discard(call: Call, fd: Fd, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    return onFileFd(this.conf, call, fd, 'discard', true, poststatOf, (sub) => sub.discard(call, fd, offset, length, xdata)).then(stripPrePost)
  }

  override zerofill(call: Call, fd: Fd, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    return onFileFd(this.conf, call, fd, 'zerofill', true, poststatOf, (sub) => sub.zerofill(call, fd, offset, length, xdata)).then(stripPrePost)
  }

  override fallocate(call: Call, fd: Fd, mode: number, offset: number, length: number, xdata?: Dict): Promise<PrePostResult> {
    return onFileFd(this.conf, call, fd, 'fallocate', true, poststatOf, (sub) => sub.fallocate(call, fd, mode, offset, length, xdata)).then(stripPrePost)
  }

  override seek(call: Call, fd: Fd, offset: number, what: number, xdata?: Dict): Promise<SeekResult> {
    return onFileFd(this.conf, call, fd, 'seek', false, noIatt, (sub) => sub.seek(call, fd, offset, what, xdata))
  }

  override async fstat(call: Call, fd: Fd, xdata?: Dict): Promise<IattResult> {
    if (!fd.isDirectory) {
      const r = await onFileFd(this.conf, call, fd, 'fstat', false, statOf, (sub) => sub.fstat(call, fd, xdata))
      stripPhase1Flags(r.stat)
      return r
    }
    const open = this.conf.dirFd(fd, 'fstat').open
    const results = await Promise.allSettled(this.children.map((c, i) => (open[i] ? c.fstat(call, fd, xdata) : Promise.reject(missing))))
    return mergeIattResults(results)
  }

  override async fsetattr(call: Call, fd: Fd, attrs: SetattrArgs, valid: number, xdata?: Dict): Promise<PrePostResult> {
    // Attributes reach the destination when the migration ends (dht_file_setattr_cbk): phase 2 only.
    if (!fd.isDirectory) return stripPrePost(await onFileFd(this.conf, call, fd, 'fsetattr', false, poststatOf, (sub) => sub.fsetattr(call, fd, attrs, valid, xdata)))
    return mergePrePost(await this.#onOpenDirSubvols(fd, 'fsetattr', (sub) => sub.fsetattr(call, fd, attrs, valid, xdata)))
  }

  // dht_xattrop/dht_fxattrop: to the subvolume holding the file (AFR's changelog below uses
  // them; above distribute nothing does, so directories are refused rather than guessed).
  override async xattrop(call: Call, loc: Loc, flags: number, dict: Dict, xdata?: Dict): Promise<XattrResult> {
    if (isDir(this.conf, loc.inode)) throw this.conf.error('ENOTSUP', 'xattrop', loc.path, 'xattrop on a directory through distribute is not implemented')
    return onCached(this.conf, call, loc, 'xattrop', (sub) => sub.xattrop(call, loc, flags, dict, xdata))
  }

  override async fxattrop(call: Call, fd: Fd, flags: number, dict: Dict, xdata?: Dict): Promise<XattrResult> {
    if (fd.isDirectory) throw this.conf.error('ENOTSUP', 'fxattrop', undefined, 'fxattrop on a directory through distribute is not implemented', undefined, fd)
    return onFileFd(this.conf, call, fd, 'fxattrop', false, noIatt, (sub) => sub.fxattrop(call, fd, flags, dict, xdata))
  }

  override async fgetxattr(call: Call, fd: Fd, name: string, xdata?: Dict): Promise<XattrResult> {
    if (!fd.isDirectory) return this.#withoutInternalKeys(call, await onFileFd(this.conf, call, fd, 'fgetxattr', false, noIatt, (sub) => sub.fgetxattr(call, fd, name, xdata)))
    const open = this.conf.dirFd(fd, 'fgetxattr').open
    const i = open.findIndex((o, k) => o && this.conf.isUp(k))
    if (i < 0) throw this.conf.error('ENOTCONN', 'fgetxattr', undefined, 'no subvolume is connected', undefined, fd)
    return this.#withoutInternalKeys(call, await this.children[i]!.fgetxattr(call, fd, name, xdata))
  }

  override async fsetxattr(call: Call, fd: Fd, dict: Dict, flags: number, xdata?: Dict): Promise<CommonResult> {
    refuseInternalKeys(this.conf, dict.keys(), 'fsetxattr', `<gfid:${gfidToString(fd.inode.gfid)}>`)
    if (!fd.isDirectory) {
      // dht_fsetxattr asks the brick for the file's iatt, to see a migration in it.
      const req = withKey(xdata, IATT_IN_XDATA_KEY)
      return onFileFd(this.conf, call, fd, 'fsetxattr', true, xdataIattOf, (sub) => sub.fsetxattr(call, fd, dict, flags, req))
    }
    return (await this.#onOpenDirSubvols(fd, 'fsetxattr', (sub) => sub.fsetxattr(call, fd, dict, flags, xdata)))[0]!
  }

  override async fremovexattr(call: Call, fd: Fd, name: string, xdata?: Dict): Promise<CommonResult> {
    refuseInternalKeys(this.conf, [name], 'fremovexattr', `<gfid:${gfidToString(fd.inode.gfid)}>`)
    if (!fd.isDirectory) {
      const req = withKey(xdata, IATT_IN_XDATA_KEY)
      return onFileFd(this.conf, call, fd, 'fremovexattr', true, xdataIattOf, (sub) => sub.fremovexattr(call, fd, name, req))
    }
    return (await this.#onOpenDirSubvols(fd, 'fremovexattr', (sub) => sub.fremovexattr(call, fd, name, xdata)))[0]!
  }

  /** A change through a directory fd: on every subvolume it is open on, the MDS first (onAllDirSubvols). */
  #onOpenDirSubvols<T>(fd: Fd, syscall: string, fn: (sub: Xlator) => Promise<T>): Promise<T[]> {
    const open = this.conf.dirFd(fd, syscall).open
    const dir = this.conf.stateOf(fd.inode)
    return onAllDirSubvols(this.conf, dir instanceof DirCtx ? dir : undefined, fn, (i) => open[i] === true)
  }

  // ---------------------------------------------------------------------------------------------
  // Fops: directories

  override async opendir(call: Call, loc: Loc, fd: Fd, xdata?: Dict): Promise<OpenResult> {
    const req = this.conf.withRequest(xdata, this.conf.readdirKeys)
    const results = await Promise.allSettled(this.children.map((c) => c.opendir(call, loc, fd, req)))
    const open = results.map((r) => r.status === 'fulfilled')
    const ok = results.find((r): r is PromiseFulfilledResult<OpenResult> => r.status === 'fulfilled')
    if (ok === undefined) throw firstFailure(results)
    fd.ctx.set(this, new DirFd(open))
    return { fd, xdata: ok.value.xdata }
  }

  override readdirp(call: Call, fd: Fd, size: number, offset: bigint, xdata?: Dict): Promise<ReaddirResult> {
    return readdirpDistributed(this.conf, call, fd, size, offset, xdata)
  }

  override async releasedir(call: Call, fd: Fd): Promise<void> {
    const state = fd.ctx.get(this)
    fd.ctx.delete(this)
    if (!(state instanceof DirFd)) return
    await Promise.all(this.children.map((c, i) => (state.open[i] ? c.releasedir(call, fd) : undefined)))
  }

  // ---------------------------------------------------------------------------------------------
  // Fops: entries (entry.ts, rename.ts)

  override create(call: Call, loc: Loc, flags: number, mode: number, umask: number, fd: Fd, xdata?: Dict): Promise<CreateResult> {
    return entry.create(this.conf, call, loc, flags, mode, umask, fd, xdata)
  }

  override mknod(call: Call, loc: Loc, mode: number, rdev: number, umask: number, xdata?: Dict): Promise<EntryResult> {
    return entry.mknod(this.conf, call, loc, mode, rdev, umask, xdata)
  }

  override symlink(call: Call, target: string, loc: Loc, umask: number, xdata?: Dict): Promise<EntryResult> {
    return entry.symlink(this.conf, call, target, loc, umask, xdata)
  }

  override link(call: Call, oldLoc: Loc, newLoc: Loc, xdata?: Dict): Promise<EntryResult> {
    return entry.link(this.conf, call, oldLoc, newLoc, xdata)
  }

  override unlink(call: Call, loc: Loc, xflags: number, xdata?: Dict): Promise<ParentResult> {
    return entry.unlink(this.conf, call, loc, xflags, xdata)
  }

  override mkdir(call: Call, loc: Loc, mode: number, umask: number, xdata?: Dict): Promise<EntryResult> {
    return entry.mkdir(this.conf, call, loc, mode, umask, xdata)
  }

  override rmdir(call: Call, loc: Loc, xflags: number, xdata?: Dict): Promise<ParentResult> {
    return entry.rmdir(this.conf, call, loc, xflags, xdata)
  }

  override rename(call: Call, oldLoc: Loc, newLoc: Loc, xdata?: Dict): Promise<RenameResult> {
    return rename(this.conf, call, oldLoc, newLoc, xdata)
  }
}

/**
 * The xlator for a cluster/distribute volfile section. With a single subvolume DHT keeps no
 * layouts (wire reference §8) and every fop goes to that subvolume, so a pass-through stands in.
 */
/** Stands for "not open on this brick" in fan-outs over a directory fd. */
const missing = new GlusterError({ errno: errnoOf('ENOENT'), syscall: 'dht', detail: 'not open on this subvolume' })

function mergeIattResults(results: readonly PromiseSettledResult<IattResult>[]): IattResult {
  const ok = results.filter((r): r is PromiseFulfilledResult<IattResult> => r.status === 'fulfilled').map((r) => r.value)
  if (ok.length === 0) throw firstFailure(results)
  return { stat: mergeDirIatts(ok.map((r) => r.stat)), xdata: ok[0]!.xdata }
}

function mergePrePost(results: readonly PrePostResult[]): PrePostResult {
  return {
    prestat: mergeDirIatts(results.map((r) => r.prestat)),
    poststat: mergeDirIatts(results.map((r) => r.poststat)),
    xdata: results[0]?.xdata,
  }
}

function stripPrePost<T extends { readonly prestat: Pick<Iatt, 'mode'>; readonly poststat: Pick<Iatt, 'mode'> }>(r: T): T {
  stripPhase1Flags(r.prestat)
  stripPhase1Flags(r.poststat)
  return r
}

function stripRead(r: ReadResult): ReadResult {
  stripPhase1Flags(r.stat)
  return r
}

const poststatOf = (r: PrePostResult): Iatt => r.poststat
const statOf = (r: IattResult): Iatt => r.stat
const noIatt = (): undefined => undefined
const xdataIattOf = (r: CommonResult): Iatt | undefined => r.xdata?.getIatt(IATT_IN_XDATA_KEY)
