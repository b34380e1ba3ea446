import { describe, expect, it } from 'vitest'
import { AuthFlavor, type AuthIdentity, MAX_AUTH_BYTES, MdataFlag, NO_TIME, type WallClock, wallClock, writeCredential } from '../../../src/rpc/auth.ts'
import { XdrWriter } from '../../../src/xdr/writer.ts'
import { xdr } from '../../helpers/xdr-bytes.ts'

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/[\s|]/g, ''), 'hex')
}

const OWNER = hex('0102030405060708')

function identity(over: Partial<AuthIdentity> = {}): AuthIdentity {
  return { pid: 1234, uid: 0, gid: 0, groups: [], lkOwner: OWNER, ...over }
}

function credential(flavor: AuthFlavor, id: AuthIdentity, flags = 0, ctime: Readonly<WallClock> = NO_TIME): Buffer {
  const w = new XdrWriter()
  writeCredential(w, flavor, id, flags, ctime)
  return Buffer.from(w.finish())
}

/** Splits flavor + opaque body and checks the length word covers exactly the body. */
function body(cred: Buffer, flavor: number): Buffer {
  expect(cred.readUInt32BE(0)).toBe(flavor)
  const n = cred.readUInt32BE(4)
  expect(cred.length).toBe(8 + n)
  return cred.subarray(8)
}

function range(n: number, from = 100): number[] {
  return Array.from({ length: n }, (_, i) => from + i)
}

describe('flavor numbers', () => {
  it('match rpc/rpc-lib/src/xdr-rpc.h', () => {
    expect(AuthFlavor).toEqual({ NULL: 0, UNIX: 1, GLUSTERFS: 5, GLUSTERFS_V2: 390039, GLUSTERFS_V3: 390040 })
    expect(MAX_AUTH_BYTES).toBe(400)
    expect(MdataFlag).toEqual({ CTIME: 1, MTIME: 2, ATIME: 4, PAR_CTIME: 8, PAR_MTIME: 16, PAR_ATIME: 32 })
  })
})

describe('writeCredential', () => {
  it('AUTH_NULL: flavor 0, empty body', () => {
    expect(credential(AuthFlavor.NULL, identity())).toEqual(hex('00000000 00000000'))
  })

  it('AUTH_GLUSTERFS_v3 matches the reference example byte for byte', () => {
    const cred = credential(AuthFlavor.GLUSTERFS_V3, identity(), 0, { sec: 1_700_000_000, nsec: 5 })
    expect(cred).toEqual(hex(`0005f398 0000002c
      000004d2 00000000 00000000 00000000 00000005 00000000 6553f100 00000000 00000008 01020304 05060708`))
  })

  it('AUTH_GLUSTERFS_v3: flags, ctime_nsec before ctime_sec, groups, lk_owner', () => {
    const id = identity({ pid: 77, uid: 1000, gid: 100, groups: [4, 24, 27], lkOwner: hex('ce260000') })
    const cred = credential(AuthFlavor.GLUSTERFS_V3, id, MdataFlag.CTIME | MdataFlag.MTIME, { sec: 1_234_567_890, nsec: 123_456_789 })
    expect(body(cred, 390040)).toEqual(xdr()
      .i32(77).u32(1000).u32(100).u32(3)
      .u32(123_456_789).u64(1_234_567_890n)
      .u32(3).u32(4).u32(24).u32(27)
      .opaque(hex('ce260000'))
      .bytes())
  })

  it('AUTH_GLUSTERFS_v3: sends at most 91 − lk_owner bytes groups', () => {
    const cred = credential(AuthFlavor.GLUSTERFS_V3, identity({ groups: range(120) }))
    const b = body(cred, 390040)
    expect(b.readUInt32BE(28)).toBe(83)
    expect(b).toEqual(xdr().i32(1234).u32(0).u32(0).u32(0).u32(0).u64(0).u32(83).raw(Buffer.concat(range(83).map((g) => xdr().u32(g).bytes()))).opaque(OWNER).bytes())
    expect(b.length).toBeLessThanOrEqual(MAX_AUTH_BYTES)
  })

  it('AUTH_GLUSTERFS_v2: pid, uid, gid, groups<>, lk_owner<>', () => {
    const id = identity({ pid: -1, uid: 1000, gid: 1000, groups: [10, 20] })
    expect(body(credential(AuthFlavor.GLUSTERFS_V2, id), 390039)).toEqual(xdr()
      .i32(-1).u32(1000).u32(1000).u32(2).u32(10).u32(20).opaque(OWNER).bytes())
  })

  it('AUTH_GLUSTERFS_v2: sends at most 95 − lk_owner bytes groups and stays within 400 bytes', () => {
    const eight = body(credential(AuthFlavor.GLUSTERFS_V2, identity({ groups: range(200) })), 390039)
    expect(eight.readUInt32BE(12)).toBe(87)
    const none = body(credential(AuthFlavor.GLUSTERFS_V2, identity({ groups: range(200), lkOwner: Buffer.alloc(0) })), 390039)
    expect(none.readUInt32BE(12)).toBe(95)
    expect(none.length).toBe(MAX_AUTH_BYTES)
  })

  it('pads an lk_owner whose length is not a multiple of 4 and counts the padding in the body length', () => {
    const cred = credential(AuthFlavor.GLUSTERFS_V2, identity({ lkOwner: hex('aabbcc') }))
    expect(body(cred, 390039)).toEqual(xdr().i32(1234).u32(0).u32(0).u32(0).opaque(hex('aabbcc')).bytes())
    expect(cred.readUInt32BE(4) % 4).toBe(0)
  })

  it('AUTH_GLUSTERFS (v1): lk_owner u64, pid, uid, gid, ngrps, always 16 group slots', () => {
    const id = identity({ pid: 5, uid: 6, gid: 7, groups: [1, 2, 3], lkOwner: hex('0102') })
    const b = body(credential(AuthFlavor.GLUSTERFS, id), 5)
    expect(b.length).toBe(88)
    expect(b).toEqual(xdr().hex('01020000 00000000').u32(5).u32(6).u32(7).u32(3).u32(1).u32(2).u32(3).zeros(13 * 4).bytes())
  })

  it('AUTH_GLUSTERFS (v1): more than 16 groups are cut to 16', () => {
    const b = body(credential(AuthFlavor.GLUSTERFS, identity({ groups: range(20) })), 5)
    expect(b.length).toBe(88)
    expect(b.readUInt32BE(20)).toBe(16)
    expect(b.readUInt32BE(24 + 15 * 4)).toBe(115)
  })

  it('AUTH_UNIX: stamp, machine name, uid, gid, gids<16>', () => {
    const b = body(credential(AuthFlavor.UNIX, identity({ uid: 1000, gid: 100, groups: range(20) })), 1)
    const r = xdr().u32(0).string('gfapi-ts').u32(1000).u32(100).u32(16)
    for (const g of range(16)) r.u32(g)
    expect(b).toEqual(r.bytes())
  })

  it('writes only the credential, so the call header continues right after it', () => {
    const w = new XdrWriter()
    w.uint32(0xaaaaaaaa)
    writeCredential(w, AuthFlavor.GLUSTERFS_V2, identity(), 0, NO_TIME)
    w.uint32(0xbbbbbbbb)
    const out = w.finish()
    expect(out.readUInt32BE(0)).toBe(0xaaaaaaaa)
    expect(out.readUInt32BE(out.length - 4)).toBe(0xbbbbbbbb)
    expect(out.readUInt32BE(8)).toBe(out.length - 16)
  })
})

describe('wallClock', () => {
  it('writes the wall clock as seconds and nanoseconds into the object given', () => {
    const out: WallClock = { sec: -1, nsec: -1 }
    const before = Date.now()
    expect(wallClock(out)).toBe(out)
    const after = Date.now()
    expect(Number.isInteger(out.sec) && Number.isInteger(out.nsec)).toBe(true)
    expect(out.nsec).toBeGreaterThanOrEqual(0)
    expect(out.nsec).toBeLessThanOrEqual(999_999_999)
    const ms = out.sec * 1000 + out.nsec / 1e6
    // performance.timeOrigin and Date.now() may disagree by a little; allow 1 s
    expect(ms).toBeGreaterThan(before - 1000)
    expect(ms).toBeLessThan(after + 1000)
  })

  it('NO_TIME is zero seconds, zero nanoseconds', () => {
    expect(NO_TIME).toEqual({ sec: 0, nsec: 0 })
    expect(body(credential(AuthFlavor.GLUSTERFS_V3, identity()), 390040).subarray(16, 28)).toEqual(Buffer.alloc(12))
  })
})
