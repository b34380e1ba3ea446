import { describe, expect, it } from 'vitest'
import { GLUSTERD_DEFAULT_PORT, GlusterUriError, parseGlusterUri } from '../../../src/api/uri.ts'

function uriError(uri: string): GlusterUriError {
  try {
    parseGlusterUri(uri)
  } catch (err) {
    if (err instanceof GlusterUriError) return err
    throw err
  }
  throw new Error(`expected a GlusterUriError for ${uri}, but it parsed`)
}

function rejects(uri: string): void {
  const err = uriError(uri)
  expect(err.code, uri).toBe('ERR_GLFS_INVALID_URI')
  expect(err.uri).toBe(uri)
  expect(err.name).toBe('GlusterUriError')
}

describe('parseGlusterUri: the forms QEMU documents', () => {
  it('gluster://1.2.3.4/testvol/a.img', () => {
    expect(parseGlusterUri('gluster://1.2.3.4/testvol/a.img')).toEqual({ transport: 'tcp', host: '1.2.3.4', port: 24007, volume: 'testvol', path: '/a.img' })
  })

  it('gluster+tcp://1.2.3.4:24007/testvol/dir/a.img', () => {
    expect(parseGlusterUri('gluster+tcp://1.2.3.4:24007/testvol/dir/a.img')).toEqual({ transport: 'tcp', host: '1.2.3.4', port: 24007, volume: 'testvol', path: '/dir/a.img' })
  })

  it('gluster+tcp://[1:2:3:4:5:6:7:8]:24007/testvol/dir/a.img', () => {
    expect(parseGlusterUri('gluster+tcp://[1:2:3:4:5:6:7:8]:24007/testvol/dir/a.img')).toEqual({ transport: 'tcp', host: '1:2:3:4:5:6:7:8', port: 24007, volume: 'testvol', path: '/dir/a.img' })
  })

  it('gluster+tcp://[1:2:3:4:5:6:7:8]/testvol/dir/a.img', () => {
    expect(parseGlusterUri('gluster+tcp://[1:2:3:4:5:6:7:8]/testvol/dir/a.img')).toEqual({ transport: 'tcp', host: '1:2:3:4:5:6:7:8', port: 24007, volume: 'testvol', path: '/dir/a.img' })
  })

  it('gluster+tcp://host.domain.com:24007/testvol/dir/a.img', () => {
    expect(parseGlusterUri('gluster+tcp://host.domain.com:24007/testvol/dir/a.img')).toEqual({ transport: 'tcp', host: 'host.domain.com', port: 24007, volume: 'testvol', path: '/dir/a.img' })
  })

  it('gluster+unix:///testvol/dir/a.img?socket=/tmp/glusterd.socket', () => {
    expect(parseGlusterUri('gluster+unix:///testvol/dir/a.img?socket=/tmp/glusterd.socket')).toEqual({ transport: 'unix', host: '', port: 0, volume: 'testvol', path: '/dir/a.img', socket: '/tmp/glusterd.socket' })
  })
})

describe('parseGlusterUri: defaults and normalisation', () => {
  it('defaults the port to 24007 and the host to localhost', () => {
    expect(GLUSTERD_DEFAULT_PORT).toBe(24007)
    expect(parseGlusterUri('gluster://vm/testvol').port).toBe(24007)
    expect(parseGlusterUri('gluster:///testvol/a')).toMatchObject({ host: 'localhost', port: 24007, volume: 'testvol', path: '/a' })
  })

  it('takes other ports, 1 and 65535 included', () => {
    expect(parseGlusterUri('gluster://vm:1/v').port).toBe(1)
    expect(parseGlusterUri('gluster://vm:65535/v').port).toBe(65535)
    expect(parseGlusterUri('gluster://[::1]:49152/v').port).toBe(49152)
  })

  it("gives '/' as the path when the URI names only the volume", () => {
    expect(parseGlusterUri('gluster://vm/testvol').path).toBe('/')
    expect(parseGlusterUri('gluster://vm/testvol/').path).toBe('/')
  })

  it('drops empty path segments', () => {
    expect(parseGlusterUri('gluster://vm/testvol//dir///a.img/').path).toBe('/dir/a.img')
  })

  it('percent-decodes the volume, the path and the socket', () => {
    const u = parseGlusterUri('gluster+unix:///test%5Fvol/my%20dir/caf%C3%A9.img?socket=/run/my%20gluster.sock')
    expect(u.volume).toBe('test_vol')
    expect(u.path).toBe('/my dir/café.img')
    expect(u.socket).toBe('/run/my gluster.sock')
  })

  it('accepts the scheme and transport in any case', () => {
    expect(parseGlusterUri('GLUSTER+TCP://vm/v/a').transport).toBe('tcp')
    expect(parseGlusterUri('Gluster+Unix:///v/a?socket=/s').transport).toBe('unix')
  })

  it('accepts IPv6 shorthand in brackets', () => {
    expect(parseGlusterUri('gluster://[::1]/v').host).toBe('::1')
    expect(parseGlusterUri('gluster://[fe80::1:2]:24008/v').host).toBe('fe80::1:2')
  })
})

describe('parseGlusterUri: refused forms', () => {
  it('refuses the rdma transport and unknown transports', () => {
    rejects('gluster+rdma://1.2.3.4:24007/testvol/a.img')
    rejects('gluster+udp://1.2.3.4/testvol/a.img')
  })

  it('refuses other schemes', () => {
    for (const u of ['', 'nfs://h/v/a', 'gluster:/h/v/a', 'gluster:h/v', 'glusterfs://h/v/a', '/testvol/a.img']) rejects(u)
  })

  it('refuses a URI without a volume', () => {
    for (const u of ['gluster://host/', 'gluster://host', 'gluster://host//a.img', 'gluster+unix:///?socket=/s']) rejects(u)
  })

  it('refuses bad volume names', () => {
    rejects('gluster://h/vol%2Fx/a')
    rejects('gluster://h/v%20x/a')
  })

  it('refuses bad ports', () => {
    for (const u of [
      'gluster://vm:abc/v/a', 'gluster://vm:/v/a', 'gluster://vm:-1/v/a', 'gluster://vm:24007x/v/a',
      'gluster://vm:0/v/a', 'gluster://vm:65536/v/a', 'gluster://vm:99999/v/a', 'gluster://vm:123456/v/a',
      'gluster://[::1]:0/v/a', 'gluster://[::1]:x/v/a', 'gluster://[::1]x/v/a',
    ]) rejects(u)
  })

  it('refuses the unix transport without a socket or with a host', () => {
    rejects('gluster+unix:///testvol/a.img')
    rejects('gluster+unix:///testvol/a.img?socket=')
    rejects('gluster+unix:///testvol/a.img?socket')
    rejects('gluster+unix://localhost/testvol/a.img?socket=/tmp/glusterd.socket')
    rejects('gluster+unix://[::1]/testvol/a.img?socket=/tmp/glusterd.socket')
  })

  it('refuses a socket with the tcp transport', () => {
    rejects('gluster://vm/testvol/a.img?socket=/tmp/glusterd.socket')
    rejects('gluster+tcp://vm:24007/testvol/a.img?socket=/tmp/glusterd.socket')
  })

  it('refuses unknown or repeated query parameters', () => {
    rejects('gluster://vm/testvol/a.img?transport=tcp')
    rejects('gluster+unix:///testvol/a.img?socket=/s&foo=bar')
    rejects('gluster+unix:///testvol/a.img?socket=/s&socket=/t')
  })

  it('refuses IPv6 hosts without brackets, unclosed brackets and non-IPv6 in brackets', () => {
    rejects('gluster://1:2:3:4:5:6:7:8/testvol/a.img')
    rejects('gluster://::1/testvol/a.img')
    rejects('gluster://[1:2:3:4:5:6:7:8/testvol/a.img')
    rejects('gluster://[]/testvol/a.img')
    rejects('gluster://[vm]/testvol/a.img')
  })

  it('refuses user information, fragments, empty hosts before a port and odd host characters', () => {
    rejects('gluster://user@vm/testvol/a.img')
    rejects('gluster://vm/testvol/a.img#frag')
    rejects('gluster://:24007/testvol/a.img')
    rejects('gluster://v%6D/testvol/a.img')
    rejects('gluster://v m/testvol/a.img')
  })

  it('refuses malformed percent-encoding', () => {
    rejects('gluster://vm/testvol/a%zz.img')
    rejects('gluster://vm/testvol/a%')
    rejects('gluster+unix:///testvol/a?socket=/tmp/%E0%A4%A')
  })

  it('throws TypeError, not GlusterUriError, for a non-string argument', () => {
    expect(() => parseGlusterUri(undefined as unknown as string)).toThrow(TypeError)
  })
})
