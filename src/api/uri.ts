/** Default glusterd management port. */
export const GLUSTERD_DEFAULT_PORT = 24007

/** A parsed `gluster[+tcp|+unix]://[host[:port]]/volume/path[?socket=...]` URI. */
export interface GlusterUri {
  readonly transport: 'tcp' | 'unix'
  /** Empty for unix sockets; 'localhost' when a tcp URI names none (as QEMU does). IPv6 literals without brackets. */
  readonly host: string
  readonly port: number
  readonly volume: string
  /** Path inside the volume, always starting with '/' ('/' when the URI names none). */
  readonly path: string
  /** Unix socket path, present exactly when transport is 'unix'. */
  readonly socket?: string | undefined
}

/** A URI that does not follow QEMU's gluster grammar; the message says what is wrong. */
export class GlusterUriError extends Error {
  readonly code = 'ERR_GLFS_INVALID_URI'
  readonly uri: string
  constructor(uri: string, problem: string) {
    super(`invalid gluster URI '${uri}': ${problem}`)
    this.name = 'GlusterUriError'
    this.uri = uri
  }
}

const SCHEME = /^gluster(?:\+([a-z0-9]+))?:\/\//i

/**
 * Parse a URI in the grammar QEMU documents for its gluster block driver
 * (`gluster[+transport]://[host[:port]]/volume/path[?socket=...]`): default port 24007, IPv6
 * hosts in brackets, the unix transport only with `?socket=` and no host, rdma refused.
 */
export function parseGlusterUri(uri: string): GlusterUri {
  if (typeof uri !== 'string') throw new TypeError('The "uri" argument must be of type string')
  const scheme = SCHEME.exec(uri)
  if (scheme === null) throw new GlusterUriError(uri, "it must start with 'gluster://', 'gluster+tcp://' or 'gluster+unix://'")
  const transportName = (scheme[1] ?? 'tcp').toLowerCase()
  if (transportName === 'rdma') throw new GlusterUriError(uri, 'the rdma transport is not supported (GlusterFS removed it); use tcp or unix')
  if (transportName !== 'tcp' && transportName !== 'unix') throw new GlusterUriError(uri, `unknown transport '${transportName}'; use tcp or unix`)
  const transport = transportName
  let rest = uri.slice(scheme[0].length)
  if (rest.includes('#')) throw new GlusterUriError(uri, 'fragments (#...) are not allowed')

  let query = ''
  const q = rest.indexOf('?')
  if (q >= 0) {
    query = rest.slice(q + 1)
    rest = rest.slice(0, q)
  }
  const slash = rest.indexOf('/')
  const authority = slash >= 0 ? rest.slice(0, slash) : rest
  const pathPart = slash >= 0 ? rest.slice(slash) : ''

  let host = ''
  let port = GLUSTERD_DEFAULT_PORT
  if (authority.includes('@')) throw new GlusterUriError(uri, 'user information (user@host) is not allowed')
  if (authority.length > 0) {
    let portText: string | undefined
    if (authority.startsWith('[')) {
      const close = authority.indexOf(']')
      if (close < 0) throw new GlusterUriError(uri, "IPv6 host is missing its closing ']'")
      host = authority.slice(1, close)
      if (host.length === 0 || !/^[0-9a-fA-F:.]+(?:%[\w.-]+)?$/.test(host) || !host.includes(':')) {
        throw new GlusterUriError(uri, `'${host}' is not an IPv6 address`)
      }
      const after = authority.slice(close + 1)
      if (after.length > 0) {
        if (!after.startsWith(':')) throw new GlusterUriError(uri, `unexpected '${after}' after the IPv6 host`)
        portText = after.slice(1)
      }
    } else {
      const colon = authority.indexOf(':')
      if (colon >= 0) {
        if (authority.indexOf(':', colon + 1) >= 0) throw new GlusterUriError(uri, 'IPv6 hosts must be written in brackets, e.g. gluster://[::1]/volume/path')
        host = authority.slice(0, colon)
        portText = authority.slice(colon + 1)
      } else {
        host = authority
      }
      if (host.length === 0) throw new GlusterUriError(uri, 'empty host before the port')
      if (!/^[A-Za-z0-9._-]+$/.test(host)) throw new GlusterUriError(uri, `'${host}' is not a valid host name`)
    }
    if (portText !== undefined) {
      if (!/^\d{1,5}$/.test(portText)) throw new GlusterUriError(uri, `port '${portText}' is not a number`)
      port = Number(portText)
      if (port < 1 || port > 65535) throw new GlusterUriError(uri, `port ${port} is out of range 1-65535`)
    }
  }

  const segments = pathPart.split('/').slice(1)
  const volumeRaw = segments[0] ?? ''
  if (volumeRaw.length === 0) throw new GlusterUriError(uri, 'no volume name: expected .../volume/path')
  const volume = decode(uri, volumeRaw)
  if (!/^[A-Za-z0-9_.-]+$/.test(volume)) throw new GlusterUriError(uri, `'${volume}' is not a valid volume name`)
  const path = '/' + segments.slice(1).map((s) => decode(uri, s)).filter((s) => s.length > 0).join('/')

  let socket: string | undefined
  if (query.length > 0) {
    for (const pair of query.split('&')) {
      const eq = pair.indexOf('=')
      const key = eq >= 0 ? pair.slice(0, eq) : pair
      const value = eq >= 0 ? decode(uri, pair.slice(eq + 1)) : ''
      if (key !== 'socket') throw new GlusterUriError(uri, `unknown query parameter '${key}'; only 'socket' is allowed`)
      if (socket !== undefined) throw new GlusterUriError(uri, "'socket' given more than once")
      if (value.length === 0) throw new GlusterUriError(uri, "'socket' has no value")
      socket = value
    }
  }
  if (transport === 'unix') {
    if (socket === undefined) throw new GlusterUriError(uri, 'the unix transport needs ?socket=/path/to/glusterd.socket')
    if (host.length > 0) throw new GlusterUriError(uri, 'the unix transport takes no host: use gluster+unix:///volume/path?socket=...')
    return { transport, host: '', port: 0, volume, path, socket }
  }
  if (socket !== undefined) throw new GlusterUriError(uri, "'socket' is only valid with gluster+unix://")
  // QEMU's block/gluster.c takes a missing host as localhost.
  return { transport, host: host.length > 0 ? host : 'localhost', port, volume, path }
}

function decode(uri: string, text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    throw new GlusterUriError(uri, `malformed percent-encoding in '${text}'`)
  }
}
