// cluster/replicate topology: what the volfile section says, checked once at build time.
//
// Every option of AFR's table (xlators/cluster/afr/src/afr.c options[]) is listed below with what
// this client does with it. Values whose meaning is not implemented refuse the xlator with ENOTSUP
// naming the option; a key the table does not list refuses too (a newer glusterd may write an
// option whose meaning we cannot know).

import { errnoOf } from '../../rpc/errno.ts'
import { GlusterError } from '../../rpc/errors.ts'
import type { OptionSpec } from '../options.ts'

/** AFR_XATTR_PREFIX (afr.h): pending key i is `trusted.afr.<afr-pending-xattr name i>`. */
export const AFR_XATTR_PREFIX = 'trusted.afr'

/** afr.h AFR_ANON_DIR_PREFIX: the brick-root directory AFR hides (use-anonymous-inode). */
export const ANON_DIR_PREFIX = '.glusterfs-anonymous-inode'

/** GF_REPLICATE_TRASH_DIR: hidden at the root for backward compatibility (afr_is_private_directory). */
export const TRASH_DIR = '.landfill'

const b = (key: string, name: string, def: string, description: string): OptionSpec => ({ key, name, type: 'bool', default: def, description })
const s = (key: string, name: string, def: string, description: string): OptionSpec => ({ key, name, type: 'string', default: def, description })
const n = (key: string, name: string, def: string, description: string, min?: number, max?: number): OptionSpec =>
  ({ key, name, type: 'int', default: def, description, ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) })

/**
 * AFR's option table. "Acted on" options change what this xlator sends; "accepted" ones change
 * nothing a client puts on the bricks (they tune glustershd, client-side heals this client never
 * does, logging, or an optimisation whose absence the disk format allows); "refused when" ones
 * fail `create` with ENOTSUP.
 */
export const REPLICATE_OPTIONS: readonly OptionSpec[] = [
  // Acted on.
  s('afr-pending-xattr', 'afrPendingXattr', '', 'Changelog names, one per child in order (glusterd-volgen.c from brick ids). Required: never derived from xlator names.'),
  s('afr-dirty-xattr', 'afrDirtyXattr', 'trusted.afr.dirty', 'The dirty key.'),
  n('arbiter-count', 'arbiterCount', '0', 'Arbiter bricks: 1 makes child 2 of 3 the arbiter.', 0, 1),
  s('thin-arbiter', 'thinArbiter', '', 'Refused when set: the thin-arbiter protocol is not implemented.'),
  { key: 'quorum-type', name: 'quorumType', type: 'enum', values: ['none', 'auto', 'fixed'], default: 'none', description: 'none, auto (more than half up; half with child 0), fixed (quorum-count). Absent with more than two children: auto.' },
  n('quorum-count', 'quorumCount', '0', 'Children needed with quorum-type fixed.', 0, 2 ** 31 - 1),
  s('read-subvolume', 'readSubvolume', '', 'Child (by xlator name) to read from when readable.'),
  n('read-subvolume-index', 'readSubvolumeIndex', '-1', 'Child (by index) to read from when readable; -1 none.', -1, 2 ** 31 - 1),
  n('read-hash-mode', 'readHashMode', '1', '0 first readable, 1 gfid hash, 2 gfid xor pid hash; 3-5 (load, latency) refused.', 0, 5),
  b('choose-local', 'chooseLocal', 'true', 'Prefer a child whose brick is on this host (local discovery).'),
  b('optimistic-change-log', 'optimisticChangeLog', 'on', 'Skip metadata/entry pre-op and post-op when every child was locked and nothing failed.'),
  b('granular-entry-heal', 'granularEntryHeal', 'no', 'Entry pre-op/post-op carry the name for the index (glusterfs.xattrop-entry-create/-delete).'),
  b('use-anonymous-inode', 'useAnonymousInode', 'no', 'Hide .glusterfs-anonymous-inode-<volume-id> at the root.'),
  s('volume-id', 'volumeId', '', 'Names the anonymous-inode directory.'),
  b('data-change-log', 'dataChangeLog', 'on', 'Refused when off: writing without changelog leaves stale copies looking good.'),
  b('metadata-change-log', 'metadataChangeLog', 'on', 'Refused when off (as data-change-log).'),
  b('entry-change-log', 'entryChangeLog', 'on', 'Refused when off (as data-change-log).'),
  b('halo-enabled', 'haloEnabled', 'False', 'Refused when on: halo replication is not implemented.'),
  b('consistent-metadata', 'consistentMetadata', 'no', 'Refused when on: not implemented.'),
  b('consistent-io', 'consistentIo', 'no', 'Refused when on: not implemented (fail i/o when any brick is down).'),
  b('iam-self-heal-daemon', 'iamSelfHealDaemon', 'off', 'Refused when on: this is the shd graph, not a client.'),
  b('iam-nfs-daemon', 'iamNfsDaemon', 'off', 'Refused when on: this is the gNFS graph, not a client.'),
  b('eager-lock', 'eagerLock', 'on', 'Data transactions of this process on one inode share one lock and one pre-op; the post-op waits for idleness (eager.ts). Off: each takes its own.'),
  n('post-op-delay-secs', 'postOpDelaySecs', '1', 'Idle seconds before an eager lock posts its changelog and unlocks; 0 posts at once.', 0, 2 ** 31 - 1),
  b('ensure-durability', 'ensureDurability', 'on', 'FSYNC the bricks before the post-op that clears dirty after unstable writes, on the lock-release path (afr_changelog_post_op_safe).'),
  // Accepted: no effect on what a client without heals sends.
  b('full-lock', 'fullLock', 'yes', 'Accepted: data locks are always the whole file (what yes means).'),
  b('pre-op-compat', 'preOpCompat', 'on', 'Accepted: the pre-op is always a separate XATTROP (what on means).'),
  { key: 'favorite-child-policy', name: 'favoriteChildPolicy', type: 'enum', values: ['none', 'size', 'ctime', 'mtime', 'majority'], default: 'none', description: 'Accepted: the C client would resolve a split-brain in place (afr_txn_refresh_done); this client never heals and answers EIO, leaving it to glustershd, which applies the same policy.' },
  s('data-self-heal', 'dataSelfHeal', 'off', 'Accepted: this client never heals (glustershd does).'),
  b('metadata-self-heal', 'metadataSelfHeal', 'off', 'Accepted: never heals.'),
  b('entry-self-heal', 'entrySelfHeal', 'off', 'Accepted: never heals.'),
  s('data-self-heal-algorithm', 'dataSelfHealAlgorithm', '', 'Accepted: heal tuning.'),
  n('data-self-heal-window-size', 'dataSelfHealWindowSize', '8', 'Accepted: heal tuning.'),
  n('background-self-heal-count', 'backgroundSelfHealCount', '8', 'Accepted: heal tuning.'),
  n('heal-wait-queue-length', 'healWaitQueueLength', '128', 'Accepted: heal tuning.'),
  b('self-heal-daemon', 'selfHealDaemon', 'on', 'Accepted: shd on/off.'),
  n('heal-timeout', 'healTimeout', '600', 'Accepted: shd crawl period.'),
  n('shd-max-threads', 'shdMaxThreads', '1', 'Accepted: shd tuning.'),
  n('shd-wait-qlength', 'shdWaitQlength', '1024', 'Accepted: shd tuning.'),
  s('self-heal-readdir-size', 'selfHealReaddirSize', '1KB', 'Accepted: shd tuning.'),
  b('metadata-splitbrain-forced-heal', 'metadataSplitbrainForcedHeal', 'off', 'Accepted: heal only.'),
  { key: 'locking-scheme', name: 'lockingScheme', type: 'enum', values: ['full', 'granular'], default: 'full', description: 'Accepted: granular only changes shd locking.' },
  s('node-uuid', 'nodeUuid', '', 'Accepted: shd only.'),
  b('quorum-reads', 'quorumReads', 'no', 'Accepted: removed upstream; reads always check quorum.'),
  b('use-compound-fops', 'useCompoundFops', 'no', 'Accepted: "exists only for backward compatibility" (afr.c).'),
  b('inodelk-trace', 'inodelkTrace', 'off', 'Accepted: logging.'),
  b('entrylk-trace', 'entrylkTrace', 'off', 'Accepted: logging.'),
  n('halo-shd-max-latency', 'haloShdMaxLatency', '99999', 'Accepted while halo-enabled is off.'),
  n('halo-nfsd-max-latency', 'haloNfsdMaxLatency', '5', 'Accepted while halo-enabled is off.'),
  n('halo-max-latency', 'haloMaxLatency', '5', 'Accepted while halo-enabled is off.'),
  n('halo-max-replicas', 'haloMaxReplicas', '99999', 'Accepted while halo-enabled is off.'),
  n('halo-min-replicas', 'haloMinReplicas', '2', 'Accepted while halo-enabled is off.'),
]

/** REPLICATE_OPTIONS parsed (only the ones the topology reads are typed). */
export interface ReplicateOptions {
  readonly afrPendingXattr: string
  readonly afrDirtyXattr: string
  readonly arbiterCount: number
  readonly thinArbiter: string
  readonly quorumType: 'none' | 'auto' | 'fixed'
  readonly quorumCount: number
  readonly readSubvolume: string
  readonly readSubvolumeIndex: number
  readonly readHashMode: number
  readonly chooseLocal: boolean
  readonly optimisticChangeLog: boolean
  readonly granularEntryHeal: boolean
  readonly useAnonymousInode: boolean
  readonly volumeId: string
  readonly dataChangeLog: boolean
  readonly metadataChangeLog: boolean
  readonly entryChangeLog: boolean
  readonly haloEnabled: boolean
  readonly consistentMetadata: boolean
  readonly consistentIo: boolean
  readonly iamSelfHealDaemon: boolean
  readonly iamNfsDaemon: boolean
  readonly eagerLock: boolean
  readonly postOpDelaySecs: number
  readonly ensureDurability: boolean
}

/** Quorum rule (afr_has_quorum): `count` 0 = none; 'auto' = more than half, half with child 0. */
export type Quorum = { readonly kind: 'none' } | { readonly kind: 'auto' } | { readonly kind: 'fixed'; readonly count: number }

/** The replica set as this xlator runs it. */
export interface Topology {
  /** The xlator's name: also the lock domain of data, metadata and entry locks (afr_lock). */
  readonly domain: string
  readonly volume: string
  /** Children (protocol/client xlator names), in volfile order. */
  readonly children: readonly string[]
  /** `trusted.afr.<name>` per child, in child order, from afr-pending-xattr. */
  readonly pendingKeys: readonly string[]
  readonly dirtyKey: string
  /** The arbiter's child index (ARBITER_BRICK_INDEX 2), or -1. */
  readonly arbiter: number
  readonly quorum: Quorum
  /** read-subvolume(-index): the preferred read child, or -1. */
  readonly readChild: number
  readonly readHashMode: 0 | 1 | 2
  readonly chooseLocal: boolean
  readonly optimisticChangeLog: boolean
  readonly granularEntryHeal: boolean
  /** eager-lock: data transactions share one lock and pre-op per inode. */
  readonly eagerLock: boolean
  /** post-op-delay-secs, in milliseconds. */
  readonly postOpDelayMs: number
  readonly ensureDurability: boolean
  /** The anonymous-inode directory's name when use-anonymous-inode and volume-id are set. */
  readonly anonDirName: string | undefined
}

/** Turn the parsed options of section `node` into a topology; throws ENOTSUP or EINVAL naming the option. */
export function topologyOf(
  name: string, volume: string, children: readonly string[], options: ReplicateOptions, raw: ReadonlyMap<string, string>, line?: number,
): Topology {
  const where = `cluster/replicate ${name}${line === undefined ? '' : ` (volfile line ${line})`}`
  const refuse = (key: string, value: string, why: string): GlusterError =>
    new GlusterError({ errno: errnoOf('ENOTSUP'), syscall: 'init', volume, detail: `${where} has option '${key} ${value}': ${why}; refusing to mount` })
  const invalid = (detail: string): GlusterError => new GlusterError({ errno: errnoOf('EINVAL'), syscall: 'init', volume, detail: `${where} ${detail}` })

  for (const key of raw.keys()) {
    if (!REPLICATE_OPTIONS.some((spec) => spec.key === key)) throw refuse(key, raw.get(key)!, 'an AFR option this client does not know the meaning of')
  }
  if (children.length < 2) throw invalid(`has ${children.length} subvolume(s); a replica set needs at least 2`)
  if (options.thinArbiter !== '') throw refuse('thin-arbiter', options.thinArbiter, 'the thin-arbiter protocol is not implemented')
  if (options.haloEnabled) throw refuse('halo-enabled', raw.get('halo-enabled')!, 'halo replication is not implemented')
  if (options.consistentMetadata) throw refuse('consistent-metadata', raw.get('consistent-metadata')!, 'not implemented')
  if (options.consistentIo) throw refuse('consistent-io', raw.get('consistent-io')!, 'not implemented (fail i/o when any brick is down)')
  if (options.iamSelfHealDaemon) throw refuse('iam-self-heal-daemon', raw.get('iam-self-heal-daemon')!, 'this is the self-heal daemon\'s graph, not a client\'s')
  if (options.iamNfsDaemon) throw refuse('iam-nfs-daemon', raw.get('iam-nfs-daemon')!, 'this is the NFS server\'s graph, not a client\'s')
  for (const [key, on] of [['data-change-log', options.dataChangeLog], ['metadata-change-log', options.metadataChangeLog], ['entry-change-log', options.entryChangeLog]] as const) {
    if (!on) throw refuse(key, raw.get(key)!, 'writing without a changelog leaves stale copies looking good')
  }
  if (options.readHashMode > 2) throw refuse('read-hash-mode', String(options.readHashMode), 'the load and latency read policies are not implemented')

  // The changelog names must come from glusterd: after replace-brick they differ from xlator names.
  if (options.afrPendingXattr === '') throw refuse('afr-pending-xattr', '(absent)', 'the changelog names are needed and must not be guessed from xlator names')
  const names = options.afrPendingXattr.split(',').filter((x) => x !== '')
  if (names.length !== children.length) throw invalid(`has ${names.length} afr-pending-xattr names for ${children.length} subvolumes`)

  if (options.arbiterCount === 1 && children.length !== 3) throw refuse('arbiter-count', '1', `an arbiter needs exactly 3 subvolumes, not ${children.length}`)

  // fix_quorum_options: no quorum-type in the volfile and more than two children means auto.
  let quorum: Quorum
  const type = raw.has('quorum-type') ? options.quorumType : children.length > 2 ? 'auto' : 'none'
  if (type === 'fixed') {
    if (options.quorumCount < 1 || options.quorumCount > children.length) throw invalid(`has quorum-count ${options.quorumCount} for ${children.length} subvolumes`)
    quorum = { kind: 'fixed', count: options.quorumCount }
  } else quorum = { kind: type }

  let readChild = -1
  if (options.readSubvolume !== '') {
    readChild = children.indexOf(options.readSubvolume)
    if (readChild < 0) throw invalid(`has read-subvolume ${options.readSubvolume}, which is not a subvolume`)
  }
  if (options.readSubvolumeIndex > -1) {
    if (options.readSubvolumeIndex >= children.length) throw invalid(`has read-subvolume-index ${options.readSubvolumeIndex}, not a subvolume index`)
    readChild = options.readSubvolumeIndex
  }

  return Object.freeze({
    domain: name,
    volume,
    children: Object.freeze([...children]),
    pendingKeys: Object.freeze(names.map((x) => `${AFR_XATTR_PREFIX}.${x}`)),
    dirtyKey: options.afrDirtyXattr,
    arbiter: options.arbiterCount === 1 ? 2 : -1,
    quorum,
    readChild,
    readHashMode: options.readHashMode as 0 | 1 | 2,
    chooseLocal: options.chooseLocal,
    optimisticChangeLog: options.optimisticChangeLog,
    granularEntryHeal: options.granularEntryHeal,
    eagerLock: options.eagerLock,
    postOpDelayMs: options.postOpDelaySecs * 1000,
    ensureDurability: options.ensureDurability,
    anonDirName: options.useAnonymousInode && options.volumeId !== '' ? `${ANON_DIR_PREFIX}-${options.volumeId}` : undefined,
  })
}

/** afr_has_quorum over `up` (one flag per child). */
export function hasQuorum(quorum: Quorum, up: readonly boolean[]): boolean {
  let count = 0
  for (let i = 0; i < up.length; i++) if (up[i] === true) count++
  switch (quorum.kind) {
    case 'none': return true
    case 'fixed': return count >= quorum.count
    case 'auto':
      // Of two equal halves only the one with child 0 keeps quorum, so both cannot.
      if (count * 2 === up.length) return up[0] === true
      return count >= Math.floor(up.length / 2) + 1
  }
}

