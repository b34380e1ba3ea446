import { describe, expect, it } from 'vitest'
import { GlusterError, RpcError, formatHostPort } from '../../../src/rpc/errors.ts'

describe('GlusterError', () => {
  it('is shaped like a Node fs error: code, negative errno, syscall, path', () => {
    const err = new GlusterError({ errno: 2, syscall: 'open', path: '/dir/a.txt', volume: 'testvol', brick: 'vm:/bricks/b1' })
    expect(err).toBeInstanceOf(Error)
    expect(err.name).toBe('GlusterError')
    expect(err.code).toBe('ENOENT')
    expect(err.errno).toBe(-2)
    expect(err.syscall).toBe('open')
    expect(err.path).toBe('/dir/a.txt')
    expect(err.volume).toBe('testvol')
    expect(err.brick).toBe('vm:/bricks/b1')
    expect(err.maybeApplied).toBe(false)
    expect(err.gfid).toBeUndefined()
    expect(err.host).toBeUndefined()
    expect(err.port).toBeUndefined()
  })

  it('names the code, syscall, path, volume and brick in its message', () => {
    const err = new GlusterError({ errno: 13, syscall: 'unlink', path: '/x/y', volume: 'vol9', brick: 'h1:/bricks/b7', detail: 'server said no' })
    for (const word of ['EACCES', 'unlink', '/x/y', 'vol9', 'h1:/bricks/b7', 'server said no']) expect(err.message).toContain(word)
  })

  it('names a gfid when there is no path', () => {
    const gfid = '00000000-0000-0000-0000-000000000001'
    const err = new GlusterError({ errno: 116, syscall: 'lookup', gfid })
    expect(err.code).toBe('ESTALE')
    expect(err.gfid).toBe(gfid)
    expect(err.message).toContain(gfid)
  })

  it('names host:port when there is no brick, IPv6 in brackets', () => {
    const v4 = new GlusterError({ errno: 111, syscall: 'connect', host: '127.0.0.1', port: 24007 })
    expect(v4.host).toBe('127.0.0.1')
    expect(v4.port).toBe(24007)
    expect(v4.message).toContain('127.0.0.1:24007')
    const v6 = new GlusterError({ errno: 111, syscall: 'connect', host: '::1', port: 24007 })
    expect(v6.message).toContain('[::1]:24007')
  })

  it('turns errno 0 and unknown numbers into EIO, never errno 0', () => {
    for (const n of [0, 4242]) {
      const err = new GlusterError({ errno: n, syscall: 'write' })
      expect(err.code).toBe('EIO')
      expect(err.errno).toBe(-5)
    }
  })

  it('keeps maybeApplied and cause', () => {
    const cause = new Error('socket gone')
    const err = new GlusterError({ errno: 107, syscall: 'writev', maybeApplied: true, cause })
    expect(err.code).toBe('ENOTCONN')
    expect(err.errno).toBe(-107)
    expect(err.maybeApplied).toBe(true)
    expect(err.cause).toBe(cause)
  })

  it('has no own cause when none is given', () => {
    expect('cause' in new GlusterError({ errno: 5, syscall: 'read' })).toBe(false)
  })
})

describe('RpcError', () => {
  it('carries code and where the call went', () => {
    const cause = new Error('inner')
    const err = new RpcError('ERR_RPC_GARBAGE_ARGS', 'bad args', { program: 'GlusterFS 4.x v1', procedure: 'WRITE', xid: 42, host: 'vm', port: 49153, cause })
    expect(err).toBeInstanceOf(Error)
    expect(err.name).toBe('RpcError')
    expect(err.code).toBe('ERR_RPC_GARBAGE_ARGS')
    expect(err.program).toBe('GlusterFS 4.x v1')
    expect(err.procedure).toBe('WRITE')
    expect(err.xid).toBe(42)
    expect(err.host).toBe('vm')
    expect(err.port).toBe(49153)
    expect(err.cause).toBe(cause)
    for (const word of ['GlusterFS 4.x v1', 'WRITE', '42', 'vm:49153']) expect(err.message).toContain(word)
  })

  it('works with no context', () => {
    const err = new RpcError('ERR_RPC_PROTOCOL', 'x')
    expect(err.code).toBe('ERR_RPC_PROTOCOL')
    expect(err.program).toBeUndefined()
    expect(err.xid).toBeUndefined()
  })

  it('brackets IPv6 hosts', () => {
    expect(new RpcError('ERR_RPC_AUTH', 'denied', { host: 'fe80::1', port: 24007 }).message).toContain('[fe80::1]:24007')
  })
})

describe('formatHostPort', () => {
  it('joins host and port, bracketing IPv6 literals', () => {
    expect(formatHostPort('vm', 24007)).toBe('vm:24007')
    expect(formatHostPort('10.0.0.1', 1)).toBe('10.0.0.1:1')
    expect(formatHostPort('::1', 49152)).toBe('[::1]:49152')
    expect(formatHostPort('1:2:3:4:5:6:7:8', 24007)).toBe('[1:2:3:4:5:6:7:8]:24007')
  })
})
