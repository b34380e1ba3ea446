import { errnoOf } from '../rpc/errno.ts'
import { GlusterError } from '../rpc/errors.ts'
import type { VolfileNode } from './volfile.ts'

/**
 * Client-graph types this client does not implement and skips: each only caches, traces or tunes,
 * so without it every fop reaches the bricks as the C client's would (at most sooner, or more
 * often). Each reason is from the type's source in glusterfs (xlators/<type>/src).
 */
export const PASS_THROUGH_TYPES: ReadonlyMap<string, string> = new Map([
  ['debug/io-stats', 'counts fops and latencies for `volume profile` and statedumps; winds every fop unchanged'],
  ['debug/trace', 'logs each fop and reply (`debug.trace`); winds every fop unchanged'],
  ['debug/delay-gen', 'sleeps before chosen fops (`delay-gen.*`); winds every fop unchanged'],
  ['performance/io-threads', 'moves fops onto a thread pool (`performance.client-io-threads`); winds every fop unchanged'],
  ['performance/md-cache', 'answers stat/getxattr from iatts and xattrs cached off replies; modifying fops wind unchanged and drop the cache'],
  ['performance/quick-read', 'serves small files from content fetched with LOOKUP; writes and truncates wind unchanged and drop the cache'],
  ['performance/open-behind', 'answers OPEN at once and opens on the brick when a fop needs the fd (reads may use anonymous fds); what reaches the brick is the same'],
  ['performance/read-ahead', 'prefetches pages on sequential reads; writes wind unchanged and flush the pages'],
  ['performance/io-cache', 'caches read pages, revalidated by mtime; writes wind unchanged and drop the pages'],
  ['performance/readdir-ahead', 'prefetches directory entries (also per DHT subvolume with `performance.parallel-readdir`); entry fops wind unchanged'],
  ['performance/nl-cache', 'remembers negative lookups, dropped on upcalls and on its own entry fops; creates wind unchanged'],
  [
    'features/utime',
    'stamps each frame with the consistent-time flags and time (utime-helpers.c utime_update_attribute_flags); ' +
      'protocol/client here sends the same flags and time in every AUTH_GLUSTERFS_v3 credential, as with `noatime on` ' +
      '(without utime, features.ctime is off on the bricks too, and storage/posix ignores the flags)',
  ],
])

/** The volume setting that puts a type we refuse into the client graph, from glusterd-volgen.c. */
function settingOf(node: VolfileNode, children: readonly VolfileNode[]): string {
  const opt = (k: string): string | undefined => node.options.get(k)
  switch (node.type) {
    case 'cluster/disperse':
      return `disperse ${children.length} redundancy ${opt('redundancy') ?? '?'}`
    case 'cluster/nufa': return 'cluster.nufa on'
    case 'cluster/switch': return 'cluster.switch-pattern'
    case 'features/read-only': return 'a snapshot volume (read-only enforced by the client graph)'
    case 'features/snapview-client': return 'features.uss on'
    case 'features/cloudsync': return 'features.cloudsync on'
    case 'features/cdc': return 'network.compression on'
    case 'features/quiesce': return 'a gfproxy client volfile'
    case 'features/quota': return 'features.quota on (op-version 1 client graph)'
    case 'debug/error-gen': return 'debug.error-gen'
    default: return ''
  }
}

/**
 * Option values of types this client builds or skips that change what lands on the bricks in a
 * way this client does not reproduce. Decisions for the options of the implemented types:
 * client.ts (CLIENT_OPTIONS), distribute.ts (DISTRIBUTE_OPTIONS); write-behind implements its whole
 * C option table.
 */
interface OptionRefusal {
  readonly type: string
  readonly key: string
  /** Whether this value is refused (raw volfile text). */
  readonly refuses: (value: string) => boolean
  /** The volume setting behind it, for the message. */
  readonly setting: string
  readonly reason: string
}

const ON = /^(on|yes|true|enable|1)$/i

const REFUSED_OPTIONS: readonly OptionRefusal[] = [
  {
    type: 'features/utime', key: 'noatime', refuses: (v) => !ON.test(v.trim()), setting: 'ctime.noatime off',
    reason: 'the C client then asks the brick to set atime on OPEN, OPENDIR and READ; this client never does',
  },
  {
    type: 'cluster/distribute', key: 'assert-no-child-down', refuses: (v) => ON.test(v.trim()), setting: 'cluster.assert-no-child-down',
    reason: 'the C client exits when a brick goes down; this client keeps serving the bricks that are up',
  },
  {
    type: 'protocol/client', key: 'transport-type', refuses: (v) => !/^(tcp|socket)$/i.test(v.trim()), setting: 'transport',
    reason: 'only tcp is implemented',
  },
]

/**
 * Throws GlusterError ENOTSUP (syscall 'init') for the first section of the volfile this client
 * would mishandle: a type neither implemented (`implemented`) nor in {@link PASS_THROUGH_TYPES},
 * or a refused option value. Called before any xlator is built, so no brick is contacted.
 */
export function assertSupported(nodes: readonly VolfileNode[], volume: string, implemented: (type: string) => boolean): void {
  const byName = new Map(nodes.map((n) => [n.name, n]))
  for (const node of nodes) {
    if (!implemented(node.type) && !PASS_THROUGH_TYPES.has(node.type)) {
      const children = node.subvolumes.flatMap((s) => byName.get(s) ?? [])
      const setting = settingOf(node, children)
      throw notSupported(volume, `xlator '${node.name}' of type ${node.type}${setting === '' ? '' : ` (volume set up with ${setting})`} ` +
        'is not implemented by this client; refusing to mount rather than bypass it and write around it to the bricks')
    }
    for (const r of REFUSED_OPTIONS) {
      if (r.type !== node.type) continue
      const value = node.options.get(r.key)
      if (value !== undefined && r.refuses(value)) {
        throw notSupported(volume, `xlator '${node.name}' (${node.type}) has option '${r.key} ${value}' (${r.setting}): ${r.reason}; refusing to mount`)
      }
    }
  }
}

function notSupported(volume: string, detail: string): GlusterError {
  return new GlusterError({ errno: errnoOf('ENOTSUP'), syscall: 'init', volume, detail })
}
