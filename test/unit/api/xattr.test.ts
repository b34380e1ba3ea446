import { describe, expect, it } from 'vitest'
import { XATTR_CREATE, XATTR_REPLACE } from '../../../src/api/constants.ts'
import { ownerSetattr } from '../../../src/api/modes.ts'
import { listedXattrNames, xattrDict, xattrValue } from '../../../src/api/xattr.ts'
import { Dict } from '../../../src/rpc/programs/fops/dict.ts'
import { SetAttr } from '../../../src/xlators/types.ts'

const fail = (code: string, detail: string): Error => Object.assign(new Error(detail), { code })

describe('xattr values as glfs_getxattr copies them', () => {
  it('a PTR is its bytes, a STR its text and the trailing NUL it was sent with', () => {
    const d = new Dict().setPtr('user.raw', Buffer.from([0, 255, 1])).setStr('trusted.glusterfs.pathinfo', '<POSIX(/b):vm:/b/f>')
    expect(xattrValue(d, 'user.raw', fail)).toEqual(Buffer.from([0, 255, 1]))
    expect(xattrValue(d, 'trusted.glusterfs.pathinfo', fail)).toEqual(Buffer.from('<POSIX(/b):vm:/b/f>\0'))
  })

  it('an absent name is ENODATA; a value of another type is EIO, not a made-up value', () => {
    const d = new Dict().setUint('user.n', 7)
    expect(() => xattrValue(d, 'user.absent', fail)).toThrow(expect.objectContaining({ code: 'ENODATA' }))
    expect(() => xattrValue(d, 'user.n', fail)).toThrow(expect.objectContaining({ code: 'EIO' }))
  })

  it('a set is one PTR attribute holding the bytes or the UTF-8 text', () => {
    expect(xattrDict('user.a', 'é', 0, fail).getPtr('user.a')).toEqual(Buffer.from('é'))
    expect(xattrDict('user.b', new Uint8Array([1, 2]), XATTR_REPLACE, fail).getPtr('user.b')).toEqual(Buffer.from([1, 2]))
  })

  it('a set takes flags 0, XATTR_CREATE or XATTR_REPLACE, and nothing else (EINVAL)', () => {
    expect(xattrDict('user.c', 'x', XATTR_CREATE, fail).has('user.c')).toBe(true)
    for (const flags of [3, 4, -1]) expect(() => xattrDict('user.c', 'x', flags, fail)).toThrow(expect.objectContaining({ code: 'EINVAL' }))
  })
})

describe('listxattr names', () => {
  it("are the reply's keys in order, without GlusterFS's virtual glusterfs.* names", () => {
    const d = new Dict().setPtr('user.b', Buffer.alloc(1)).setStr('glusterfs.inodelk-count', '0').setPtr('security.selinux', Buffer.alloc(1)).setPtr('user.a', Buffer.alloc(1))
    expect(listedXattrNames(d)).toEqual(['user.b', 'security.selinux', 'user.a'])
  })
})

describe('chown arguments', () => {
  it('-1 leaves an id alone; both -1 sends nothing', () => {
    expect(ownerSetattr(10, -1)).toMatchObject({ attrs: { uid: 10, gid: 0 }, valid: SetAttr.UID })
    expect(ownerSetattr(-1, 20)).toMatchObject({ attrs: { uid: 0, gid: 20 }, valid: SetAttr.GID })
    expect(ownerSetattr(0xffffffff, 0).valid).toBe(SetAttr.UID | SetAttr.GID)
    expect(ownerSetattr(-1, -1).valid).toBe(0)
  })

  it('ids outside -1..2^32-1 or not integers are a RangeError naming the argument', () => {
    for (const [uid, gid, name] of [[-2, 0, 'uid'], [0, 2 ** 32, 'gid'], [1.5, 0, 'uid'], [0, Number.NaN, 'gid']] as const) {
      expect(() => ownerSetattr(uid, gid)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE', message: expect.stringContaining(`"${name}"`) }))
    }
  })
})
