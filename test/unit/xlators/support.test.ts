import { describe, expect, it } from 'vitest'
import { GlusterError } from '../../../src/rpc/errors.ts'
import { Distribute } from '../../../src/xlators/distribute/distribute.ts'
import { buildGraph } from '../../../src/xlators/graph.ts'
import { Shard } from '../../../src/xlators/shard/shard.ts'
import { parseVolfile } from '../../../src/xlators/volfile.ts'

const CTX = { volume: 'v' }

function client(i: number): string {
  return `volume v-client-${i}
    type protocol/client
    option strict-locks off
    option transport.socket.ssl-enabled off
    option transport-type tcp
    option remote-subvolume /b${i}
    option remote-host h
end-volume
`
}

/** Sections above the bricks' protocol/client ones, each a child of the previous; `mid` sits on the clients. */
function volfile(mid: string, above: string[] = [], clients = 3): string {
  let text = ''
  for (let i = 0; i < clients; i++) text += client(i)
  text += mid
  let below = /volume (\S+)/.exec(mid)![1]!
  for (const [i, section] of above.entries()) {
    const name = `v-top-${i}`
    text += `volume ${name}\n${section}\n    subvolumes ${below}\nend-volume\n`
    below = name
  }
  return text
}

const subvols = (n: number): string => Array.from({ length: n }, (_, i) => `v-client-${i}`).join(' ')
const dht = (options = ''): string => `volume v-dht\n    type cluster/distribute\n${options}    subvolumes ${subvols(3)}\nend-volume\n`

/** The default 10.x client stack above DHT (gluster-wire.md §5.3). */
const DEFAULT_STACK = [
  '    type features/utime\n    option noatime on',
  '    type performance/write-behind',
  '    type performance/open-behind',
  '    type performance/quick-read',
  '    type performance/md-cache',
  '    type performance/io-threads',
  '    type debug/io-stats',
]

function refusal(text: string): GlusterError {
  try {
    buildGraph(parseVolfile(text), CTX)
  } catch (err) {
    expect(err).toBeInstanceOf(GlusterError)
    return err as GlusterError
  }
  throw new Error('buildGraph accepted the volfile')
}

describe('buildGraph refuses what it does not implement', () => {
  it('builds the default distribute graph, the skipped types as pass-through xlators', () => {
    const graph = buildGraph(parseVolfile(volfile(dht(), DEFAULT_STACK)), CTX)
    expect(graph.xlators.map((x) => x.type)).toEqual([
      'protocol/client', 'protocol/client', 'protocol/client', 'cluster/distribute', 'features/utime', 'performance/write-behind',
      'performance/open-behind', 'performance/quick-read', 'performance/md-cache', 'performance/io-threads', 'debug/io-stats',
    ])
  })

  it('builds graphs with every optional performance xlator on', () => {
    const perf = ['read-ahead', 'io-cache', 'readdir-ahead', 'nl-cache'].map((t) => `    type performance/${t}`)
    expect(() => buildGraph(parseVolfile(volfile(dht(), [...perf, ...DEFAULT_STACK])), CTX)).not.toThrow()
  })

  it('builds replica 3 and arbiter graphs (cluster/replicate is implemented)', () => {
    const afr = (extra = ''): string =>
      `volume v-replicate-0\n    type cluster/replicate\n    option afr-pending-xattr v-client-0,v-client-1,v-client-2\n${extra}    subvolumes ${subvols(3)}\nend-volume\n`
    expect(buildGraph(parseVolfile(volfile(afr(), DEFAULT_STACK)), CTX).xlators.map((x) => x.type)).toContain('cluster/replicate')
    expect(buildGraph(parseVolfile(volfile(afr('    option arbiter-count 1\n'), DEFAULT_STACK)), CTX).xlators.map((x) => x.type)).toContain('cluster/replicate')
  })

  it('refuses a replicate option it does not implement with ENOTSUP naming the volume, xlator and option', () => {
    const err = refusal(volfile(
      `volume v-replicate-0\n    type cluster/replicate\n    option afr-pending-xattr v-client-0,v-client-1,v-client-2\n    option thin-arbiter ta:/b\n    subvolumes ${subvols(3)}\nend-volume\n`,
      DEFAULT_STACK,
    ))
    expect(err.code).toBe('ENOTSUP')
    expect(err.errno).toBe(-95)
    expect(err.syscall).toBe('init')
    expect(err.volume).toBe('v')
    expect(err.message).toContain('v-replicate-0')
    expect(err.message).toContain("option 'thin-arbiter ta:/b'")
  })

  it('names a disperse geometry', () => {
    expect(refusal(volfile(`volume v-disperse-0\n    type cluster/disperse\n    option redundancy 1\n    subvolumes ${subvols(3)}\nend-volume\n`)).message)
      .toContain("xlator 'v-disperse-0' of type cluster/disperse (volume set up with disperse 3 redundancy 1)")
  })

  it('builds features/shard above DHT (once refused), with the volfile\'s block size', () => {
    const graph = buildGraph(parseVolfile(volfile(dht(), ['    type features/shard\n    option shard-block-size 4MB', ...DEFAULT_STACK])), CTX)
    const shard = graph.xlators.find((x) => x instanceof Shard)
    expect(shard).toBeInstanceOf(Shard)
    expect(shard!.children[0]).toBeInstanceOf(Distribute)
  })

  it('refuses types it has never heard of, and nufa', () => {
    expect(refusal(volfile(dht(), ['    type features/made-up'])).message).toContain('of type features/made-up is not implemented')
    const nufa = `volume v-dht\n    type cluster/nufa\n    subvolumes ${subvols(3)}\nend-volume\n`
    expect(refusal(volfile(nufa)).message).toContain('cluster/nufa (volume set up with cluster.nufa on)')
  })

  it('mounts a volume with a remove-brick in progress and knows the bricks being removed (dht_parse_decommissioned_bricks)', () => {
    const graph = buildGraph(parseVolfile(volfile(dht('    option decommissioned-bricks v-client-2,v-client-0\n'), DEFAULT_STACK)), CTX)
    const distribute = graph.xlators.find((x) => x instanceof Distribute)
    expect(distribute).toBeInstanceOf(Distribute)
    expect([...(distribute as Distribute).conf.decommissioned].sort()).toEqual([0, 2])
    const plain = buildGraph(parseVolfile(volfile(dht(), DEFAULT_STACK)), CTX).xlators.find((x) => x instanceof Distribute)
    expect((plain as Distribute).conf.decommissioned.size).toBe(0)
  })

  it('fails the mount with EINVAL when decommissioned-bricks names no subvolume, as dht init does', () => {
    const err = refusal(volfile(dht('    option decommissioned-bricks v-client-7\n')))
    expect(err.code).toBe('EINVAL')
    expect(err.message).toContain("decommissioned-bricks names 'v-client-7', which is not one of its subvolumes (v-client-0, v-client-1, v-client-2)")
  })

  it('refuses option values it does not implement', () => {
    expect(refusal(volfile(dht(), ['    type features/utime\n    option noatime off'])).message)
      .toContain("option 'noatime off' (ctime.noatime off)")
  })

  it('accepts strict-locks on: it changes only the reopen of fds holding POSIX locks, which this client never takes', () => {
    const strict = volfile(dht(), DEFAULT_STACK).replace(/strict-locks off/g, 'strict-locks on')
    expect(strict).toContain('strict-locks on')
    expect(buildGraph(parseVolfile(strict), CTX).xlators.some((x) => x.type === 'protocol/client')).toBe(true)
  })

  it('builds a graph whose bricks speak TLS (client.ssl on) instead of refusing it', () => {
    const tls = volfile(dht(), DEFAULT_STACK).replace(/ssl-enabled off/g, 'ssl-enabled on')
    expect(tls).toContain('ssl-enabled on')
    expect(buildGraph(parseVolfile(tls), CTX).xlators.some((x) => x.type === 'protocol/client')).toBe(true)
  })

  it('refuses an option set through setXlatorOption like one from the volfile', () => {
    expect(() => buildGraph(parseVolfile(volfile(dht(), DEFAULT_STACK)), CTX, [{ pattern: 'v-top-0', key: 'noatime', value: 'off' }]))
      .toThrow(/noatime off/)
  })
})
