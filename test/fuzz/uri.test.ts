// Seeded, time-bounded fuzzing of parseGlusterUri (STYLE.md §7). Random valid URIs in QEMU's
// grammar (percent-encoding whatever needs it) must parse back to what they were built from;
// mutated ones must either parse to a consistent result or throw GlusterUriError.
// Seed, budget and replay: test/helpers/fuzz.ts.

import { describe, expect, it } from 'vitest'
import { GlusterUriError, parseGlusterUri, type GlusterUri } from '../../src/api/uri.ts'
import { FUZZ_BUDGET_MS, type Rng, fuzz } from '../helpers/fuzz.ts'

const HOST_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-.'
const VOLUME_CHARS = 'abcdefghijklmnopqrstuvwxyzABC0123456789_.-'
const PATH_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-._~ %#?&=+:@[]é日'

function ipv6(g: Rng): string {
  const groups = Array.from({ length: 8 }, () => g.int(0x10000).toString(16))
  if (g.chance(0.5)) return groups.join(':')
  const keep = g.int(7)
  return `${groups.slice(0, keep).join(':')}::${groups.slice(keep + 1 + g.int(7 - keep)).join(':')}`
}

/** A valid URI and the parse it must give. */
function randomUri(g: Rng): [string, GlusterUri] {
  const volume = g.string(VOLUME_CHARS, 1, 12)
  const segments = Array.from({ length: g.int(4) }, () => g.string(PATH_CHARS, 1, 8))
  const path = '/' + segments.join('/')
  const encodedPath = segments.map((s) => '/' + encodeURIComponent(s)).join('')
  const encodedVolume = g.chance(0.2) ? [...volume].map((c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join('') : volume
  if (g.chance(0.25)) {
    const socket = '/' + g.string(PATH_CHARS, 1, 20)
    const scheme = g.pick(['gluster+unix', 'GLUSTER+UNIX', 'gluster+Unix'])
    return [`${scheme}:///${encodedVolume}${encodedPath}?socket=${encodeURIComponent(socket)}`, { transport: 'unix', host: '', port: 0, volume, path, socket }]
  }
  const kind = g.int(4)
  const host = kind === 0 ? '' : kind === 1 ? Array.from({ length: 4 }, () => g.int(256)).join('.') : kind === 2 ? ipv6(g) : g.string(HOST_CHARS, 1, 20)
  const port = g.chance(0.5) ? undefined : 1 + g.int(65535)
  const hostText = host.includes(':') ? `[${host}]` : host
  const authority = host.length === 0 ? '' : hostText + (port === undefined ? '' : `:${port}`)
  const scheme = g.pick(['gluster', 'gluster+tcp', 'Gluster+TCP'])
  return [`${scheme}://${authority}/${encodedVolume}${encodedPath}`, {
    transport: 'tcp', host: host.length === 0 ? 'localhost' : host, port: host.length === 0 ? 24007 : port ?? 24007, volume, path,
  }]
}

function mutate(g: Rng, uri: string): string {
  let u = uri
  for (let n = 1 + g.int(3); n > 0; n--) {
    const at = g.int(u.length + 1)
    switch (g.int(5)) {
      case 0:
        u = u.slice(0, at) + u.slice(at + 1 + g.int(4))
        break
      case 1:
        u = u.slice(0, at) + g.pick([':', '/', '//', '[', ']', '@', '?', '&', '=', '%', '%2', '%zz', '%00', '#', '+rdma', '+unix', 'socket=', '?socket=/s', ':0', ':65536', ' ', '\u00e9']) + u.slice(at)
        break
      case 2:
        u = u.slice(0, at) + g.pick([...'abc019:/[]@?&=%#+.-_ ']) + u.slice(at + 1)
        break
      case 3:
        u = u.slice(0, at)
        break
      default:
        u = u.slice(at) + u.slice(0, at)
    }
  }
  return u
}

function checkConsistent(res: GlusterUri): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(res.volume)) throw new Error(`volume ${JSON.stringify(res.volume)}`)
  if (!res.path.startsWith('/')) throw new Error(`path ${JSON.stringify(res.path)}`)
  if (res.transport === 'unix') {
    if (res.host !== '' || res.port !== 0 || res.socket === undefined || res.socket.length === 0) throw new Error(`unix result ${JSON.stringify(res)}`)
  } else if (res.transport === 'tcp') {
    if (res.host.length === 0 || res.socket !== undefined) throw new Error(`tcp result ${JSON.stringify(res)}`)
    if (!Number.isInteger(res.port) || res.port < 1 || res.port > 65535) throw new Error(`port ${res.port}`)
  } else {
    throw new Error(`transport ${String(res.transport)}`)
  }
}

describe('parseGlusterUri fuzz', () => {
  it('parses random valid URIs back to what they were built from', () => {
    const iterations = fuzz(FUZZ_BUDGET_MS / 2, (g) => {
      const [uri, expected] = randomUri(g)
      let got: GlusterUri
      try {
        got = parseGlusterUri(uri)
      } catch (err) {
        throw new Error(`${uri}: ${(err as Error).message}`)
      }
      expect(got, uri).toEqual(expected)
    })
    expect(iterations).toBeGreaterThan(0)
  }, FUZZ_BUDGET_MS + 30_000)

  it('gives a consistent result or a GlusterUriError for mutated URIs', () => {
    const iterations = fuzz(FUZZ_BUDGET_MS / 2, (g) => {
      const uri = mutate(g, randomUri(g)[0])
      let res: GlusterUri
      try {
        res = parseGlusterUri(uri)
      } catch (err) {
        if (err instanceof GlusterUriError && err.code === 'ERR_GLFS_INVALID_URI' && err.uri === uri) return
        throw err
      }
      checkConsistent(res)
    })
    expect(iterations).toBeGreaterThan(0)
  }, FUZZ_BUDGET_MS + 30_000)
})
