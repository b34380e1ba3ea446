import { constants } from 'node:os'
import { describe, expect, it } from 'vitest'
import { describeErrno, errnoOf } from '../../../src/rpc/errno.ts'
import { skipBecause } from '../../helpers/skip.ts'

// Linux numbers, written out here rather than taken from the module under test.
const LINUX: Record<string, number> = {
  EPERM: 1, ENOENT: 2, EIO: 5, EBADF: 9, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EEXIST: 17, EXDEV: 18,
  ENOTDIR: 20, EISDIR: 21, EINVAL: 22, EFBIG: 27, ENOSPC: 28, EROFS: 30, ERANGE: 34, ENAMETOOLONG: 36,
  ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40, ENODATA: 61, EOVERFLOW: 75, EBADFD: 77, ENOTSUP: 95,
  ENOTCONN: 107, ETIMEDOUT: 110, ECONNREFUSED: 111, EHOSTUNREACH: 113, ESTALE: 116, EREMOTEIO: 121,
  EDQUOT: 122, ECANCELED: 125, ERFKILL: 132,
}

describe('errnoOf', () => {
  it('gives Linux numbers for the codes GlusterFS carries', () => {
    for (const [code, n] of Object.entries(LINUX)) expect(errnoOf(code), code).toBe(n)
  })

  it('knows the Linux aliases', () => {
    expect(errnoOf('EWOULDBLOCK')).toBe(11)
    expect(errnoOf('EDEADLOCK')).toBe(35)
    expect(errnoOf('EOPNOTSUPP')).toBe(95)
  })

  it('throws RangeError for a code Linux does not have', () => {
    expect(() => errnoOf('ENOTFOUND')).toThrow(RangeError)
    expect(() => errnoOf('')).toThrow(RangeError)
    expect(() => errnoOf('enoent')).toThrow(RangeError)
  })

  it('agrees with every errno this Linux host defines', (ctx) => {
    if (process.platform !== 'linux') skipBecause(ctx, `node:os errno constants are ${process.platform}'s numbers, not Linux's: nothing to compare with`)
    for (const [code, n] of Object.entries(constants.errno)) expect(errnoOf(code), code).toBe(n)
  })
})

describe('describeErrno', () => {
  it('names known numbers', () => {
    for (const [code, n] of Object.entries(LINUX)) {
      const d = describeErrno(n)
      expect(d.code, String(n)).toBe(code)
      expect(d.errno).toBe(n)
      expect(d.message.length).toBeGreaterThan(0)
    }
  })

  it('round-trips with errnoOf for every number 1..132 it knows', () => {
    for (let n = 1; n <= 132; n++) {
      const d = describeErrno(n)
      if (d.errno === n) expect(errnoOf(d.code)).toBe(n)
    }
  })

  it('never describes errno 0: it becomes EIO', () => {
    const d = describeErrno(0)
    expect(d.code).toBe('EIO')
    expect(d.errno).toBe(5)
  })

  it('turns numbers Linux does not define into EIO', () => {
    for (const n of [41, 58, 133, 9999, -2, 0x7fffffff]) {
      const d = describeErrno(n)
      expect(d.code, String(n)).toBe('EIO')
      expect(d.errno).toBe(5)
    }
  })

  it('never returns errno 0 for any input', () => {
    for (let n = -5; n <= 200; n++) expect(describeErrno(n).errno).not.toBe(0)
  })
})
