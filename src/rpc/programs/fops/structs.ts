// Structs the FOP program borrows from glusterfs3-xdr.x: gf_proto_flock, gf_proto_lease, gf_statfs
// and gfs3_locklist, encoded and decoded.

import type { XdrReader } from '../../../xdr/reader.ts'
import type { XdrWriter } from '../../../xdr/writer.ts'
import { argError, writeCookie, writeGfid, writeOffset } from './checks.ts'
import { FOP_LIMITS, tooManyEntries } from './program.ts'

/** glusterfs3-xdr.x gf_proto_flock. The lock owner that counts is the credential's (§1.4). */
export interface GfProtoFlock {
  /** GfLkType. */
  readonly type: number
  /** SEEK_SET 0, SEEK_CUR 1, SEEK_END 2. */
  readonly whence: number
  /** Bytes; up to 2^53 - 1 as a number, any u64 as a bigint (AFR's metadata range starts at LLONG_MAX - 1). */
  readonly start: number | bigint
  /** Bytes; 0 = to the end of the file. */
  readonly len: number
  readonly pid: number
  /** At most 1024 bytes. */
  readonly lkOwner: Uint8Array
}

/** glusterfs3-xdr.x gf_proto_flock { type, whence, start u64, len u64, pid, lk_owner<> } */
export function writeGfProtoFlock(w: XdrWriter, flock: GfProtoFlock): void {
  if (flock.lkOwner.length > FOP_LIMITS.lkOwnerBytes) {
    throw argError('flock.lkOwner', `at most ${FOP_LIMITS.lkOwnerBytes} bytes long`, `${flock.lkOwner.length} bytes`)
  }
  w.uint32(flock.type).uint32(flock.whence)
  // writeCookie: the same u64 check, a number or a bigint
  writeCookie(w, 'flock.start', flock.start)
  writeOffset(w, 'flock.len', flock.len)
  w.uint32(flock.pid)
  w.opaque(flock.lkOwner)
}

/** glusterfs3-xdr.x gf_proto_flock. */
export function readGfProtoFlock(r: XdrReader): GfProtoFlock {
  const type = r.uint32()
  const whence = r.uint32()
  const start = r.uhyperNumber()
  const len = r.uhyperNumber()
  const pid = r.uint32()
  const lkOwner = Buffer.from(r.opaque(FOP_LIMITS.lkOwnerBytes))
  return { type, whence, start, len, pid, lkOwner }
}

/** glusterfs3-xdr.x gf_proto_lease; values from glusterfs-fops.h gf_lease_cmds_t/gf_lease_types_t. */
export interface GfProtoLease {
  /** GET 1, SET 2, UNLK 3. */
  readonly cmd: number
  /** NONE 0, RD 1, RW 2. */
  readonly leaseType: number
  /** 16 bytes. */
  readonly leaseId: Uint8Array
  readonly leaseFlags: number
}

/** glusterfs3-xdr.x gf_proto_lease { cmd, lease_type, lease_id[16], lease_flags } */
export function writeGfProtoLease(w: XdrWriter, lease: GfProtoLease): void {
  w.uint32(lease.cmd).uint32(lease.leaseType)
  writeGfid(w, 'lease.leaseId', lease.leaseId)
  w.uint32(lease.leaseFlags)
}

/** glusterfs3-xdr.x gf_proto_lease. */
export function readGfProtoLease(r: XdrReader): GfProtoLease {
  const cmd = r.uint32()
  const leaseType = r.uint32()
  const leaseId = Buffer.from(r.fixedOpaque(16))
  const leaseFlags = r.uint32()
  return { cmd, leaseType, leaseId, leaseFlags }
}

/**
 * glusterfs3-xdr.x gf_statfs (struct statvfs). Capacities above 2^53 are rounded to the nearest
 * double rather than rejected: some filesystems report "unlimited" inodes as 2^64 - 1, and
 * failing STATFS would fail the mount. `fsid` is an identifier, kept exact as a bigint.
 */
export interface GfStatfs {
  readonly bsize: number
  readonly frsize: number
  readonly blocks: number
  readonly bfree: number
  readonly bavail: number
  readonly files: number
  readonly ffree: number
  readonly favail: number
  readonly fsid: bigint
  readonly flag: number
  readonly namemax: number
}

const TWO_32 = 4294967296

function uhyperApprox(r: XdrReader): number {
  const hi = r.uint32()
  return hi * TWO_32 + r.uint32()
}

/** glusterfs3-xdr.x gf_statfs: 11 × u64. */
export function readGfStatfs(r: XdrReader): GfStatfs {
  const bsize = uhyperApprox(r)
  const frsize = uhyperApprox(r)
  const blocks = uhyperApprox(r)
  const bfree = uhyperApprox(r)
  const bavail = uhyperApprox(r)
  const files = uhyperApprox(r)
  const ffree = uhyperApprox(r)
  const favail = uhyperApprox(r)
  const fsid = r.uhyper()
  const flag = uhyperApprox(r)
  const namemax = uhyperApprox(r)
  return { bsize, frsize, blocks, bfree, bavail, files, ffree, favail, fsid, flag, namemax }
}

/** One node of glusterfs3-xdr.x gfs3_locklist (GETACTIVELK/SETACTIVELK). */
export interface Gfs3Locklist {
  readonly flock: GfProtoFlock
  readonly clientUid: string
  readonly lkFlags: number
}

/** glusterfs3-xdr.x `gfs3_locklist *`: `[1, node]… 0`. */
export function writeGfs3Locklist(w: XdrWriter, locks: readonly Gfs3Locklist[]): void {
  for (const lock of locks) {
    w.uint32(1)
    writeGfProtoFlock(w, lock.flock)
    w.string(lock.clientUid)
    w.uint32(lock.lkFlags)
  }
  w.uint32(0)
}

/** glusterfs3-xdr.x `gfs3_locklist *`. */
export function readGfs3Locklist(r: XdrReader): Gfs3Locklist[] {
  const locks: Gfs3Locklist[] = []
  while (r.bool()) {
    if (locks.length === FOP_LIMITS.listEntries) throw tooManyEntries(r)
    const flock = readGfProtoFlock(r)
    const clientUid = r.string(FOP_LIMITS.nameBytes)
    const lkFlags = r.uint32()
    locks.push({ flock, clientUid, lkFlags })
  }
  return locks
}
