import type { XdrWriter } from '../xdr/writer.ts'

/** Auth flavors (rpc/rpc-lib/src/xdr-rpc.h). */
export const AuthFlavor = {
  NULL: 0,
  UNIX: 1,
  GLUSTERFS: 5,
  GLUSTERFS_V2: 390039,
  GLUSTERFS_V3: 390040,
} as const
export type AuthFlavor = (typeof AuthFlavor)[keyof typeof AuthFlavor]

/** RFC 5531 §8.2 / xdr-common.h GF_MAX_AUTH_BYTES: the credential body is opaque<400>. */
export const MAX_AUTH_BYTES = 400

/**
 * Who a call runs as: the analogue of glusterfs `frame->root`. Built once per Glfs and reused,
 * so a fop pays nothing for it.
 */
export interface AuthIdentity {
  readonly pid: number
  readonly uid: number
  readonly gid: number
  readonly groups: readonly number[]
  /** Lock owner; bricks need it non-empty and non-zero (wire reference §1.4). */
  readonly lkOwner: Buffer
}

/** Credential of the glusterd and handshake calls (GETSPEC, PORTBYBRICK, DUMP, SETVOLUME): wire reference §1.3. */
export const HANDSHAKE_IDENTITY: AuthIdentity = { pid: 0, uid: 0, gid: 0, groups: [], lkOwner: Buffer.alloc(4) }

/** consistent-time flags of AUTH_GLUSTERFS_v3 (libglusterfs stack.h MDATA_*). */
export const MdataFlag = {
  CTIME: 0x01,
  MTIME: 0x02,
  ATIME: 0x04,
  PAR_CTIME: 0x08,
  PAR_MTIME: 0x10,
  PAR_ATIME: 0x20,
} as const

/** A wall-clock instant as whole seconds and nanoseconds, the shape the v3 credential carries. */
export interface WallClock {
  sec: number
  nsec: number
}

/** The instant of "no time": credentials of calls whose fop changes no times. */
export const NO_TIME: Readonly<WallClock> = Object.freeze({ sec: 0, nsec: 0 })

/**
 * Wall-clock now with sub-millisecond precision where the platform gives it, written into `out`
 * so the hot path allocates nothing.
 */
export function wallClock(out: WallClock): WallClock {
  const ms = performance.timeOrigin + performance.now()
  const sec = Math.floor(ms / 1000)
  out.sec = sec
  out.nsec = Math.min(999_999_999, Math.floor((ms - sec * 1000) * 1e6))
  return out
}

/** An opaque machine name for AUTH_UNIX; bricks do not check it. */
const UNIX_MACHINE_NAME = 'gfapi-ts'

/**
 * Write flavor + opaque credential body. Every field is 4-byte aligned except lk_owner and the
 * machine name, which the opaque/string encoders pad, so the body length is patched afterwards.
 * `flags` and `ctime` are the consistent-time fields of v3 (wire reference §1.5).
 */
export function writeCredential(w: XdrWriter, flavor: AuthFlavor, id: AuthIdentity, flags: number, ctime: Readonly<WallClock>): void {
  w.uint32(flavor)
  const lengthAt = w.reserve(4)
  const before = w.length
  switch (flavor) {
    case AuthFlavor.NULL:
      break
    case AuthFlavor.UNIX:
      // rpc_cred for AUTH_SYS: stamp, machinename<255>, uid, gid, gids<16>
      w.uint32(0).string(UNIX_MACHINE_NAME).uint32(id.uid).uint32(id.gid)
      writeGroups(w, id.groups, 16)
      break
    case AuthFlavor.GLUSTERFS: {
      // rpc-common-xdr.x auth_glusterfs_parms: lk_owner u64, pid, uid, gid, ngrps, groups[16]
      const owner = Buffer.alloc(8)
      id.lkOwner.copy(owner, 0, 0, 8)
      w.fixedOpaque(owner).uint32(id.pid).uint32(id.uid).uint32(id.gid)
      const n = Math.min(id.groups.length, 16)
      w.uint32(n)
      for (let i = 0; i < 16; i++) w.uint32(i < n ? id.groups[i]! : 0)
      break
    }
    case AuthFlavor.GLUSTERFS_V2:
      // rpc-common-xdr.x auth_glusterfs_params_v2: pid, uid, gid, groups<>, lk_owner<>
      w.int32(id.pid).uint32(id.uid).uint32(id.gid)
      writeGroups(w, id.groups, maxGroups(95, id.lkOwner.length))
      w.opaque(id.lkOwner)
      break
    case AuthFlavor.GLUSTERFS_V3: {
      // glusterfs4-xdr.x auth_glusterfs_params_v3: pid, uid, gid, flags, ctime_nsec (u32) BEFORE ctime_sec (u64)
      w.int32(id.pid).uint32(id.uid).uint32(id.gid).uint32(flags)
      w.uint32(ctime.nsec).uhyper(ctime.sec)
      writeGroups(w, id.groups, maxGroups(91, id.lkOwner.length))
      w.opaque(id.lkOwner)
      break
    }
  }
  w.patchUint32(lengthAt, w.length - before)
}

// auth-glusterfs.c rejects a credential whose groups plus lk_owner bytes exceed 95 (v2) / 91 (v3)
// slots; send at most what fits instead of being refused.
function maxGroups(slots: number, lkOwnerBytes: number): number {
  return Math.max(0, slots - lkOwnerBytes)
}

function writeGroups(w: XdrWriter, groups: readonly number[], max: number): void {
  const n = Math.min(groups.length, max)
  w.uint32(n)
  for (let i = 0; i < n; i++) w.uint32(groups[i]!)
}
