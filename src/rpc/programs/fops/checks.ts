// Encoder argument checks, shared by every FOP encoder: they throw what would otherwise silently
// corrupt the stream (gfid lengths, offsets, fds, byte counts) as a RangeError with code
// ERR_OUT_OF_RANGE. Cold paths build the error; the checks themselves allocate nothing.

import type { XdrWriter } from '../../../xdr/writer.ts'

export function argError(name: string, expected: string, received: unknown): RangeError {
  return Object.assign(
    new RangeError(`The value of "${name}" is out of range. It must be ${expected}. Received ${String(received)}`),
    { code: 'ERR_OUT_OF_RANGE' as const },
  )
}

export function writeGfid(w: XdrWriter, name: string, gfid: Uint8Array): void {
  if (gfid.length !== 16) throw argError(name, '16 bytes long', `${gfid.length} bytes`)
  w.fixedOpaque(gfid)
}

/** Remote fds are i64: 0, 1, 2… from OPEN/CREATE/OPENDIR, or -2 for the anonymous fd. */
export function writeFd(w: XdrWriter, name: string, fd: number): void {
  if (!Number.isSafeInteger(fd)) throw argError(name, 'a safe integer', fd)
  w.hyper(fd)
}

export function writeOffset(w: XdrWriter, name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw argError(name, '>= 0 and <= 2^53 - 1', value)
  w.uhyper(value)
}

export function writeCount(w: XdrWriter, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw argError(name, '>= 0 and <= 2^32 - 1', value)
  w.uint32(value)
}

const U64_MAX = 0xffffffffffffffffn

/** Directory cookies are opaque u64 (ext4 d_off reaches 2^63 - 1), so they may be bigints. */
export function writeCookie(w: XdrWriter, name: string, value: bigint | number): void {
  if (typeof value === 'bigint') {
    if (value < 0n || value > U64_MAX) throw argError(name, '>= 0 and <= 2^64 - 1', value)
    w.uhyper(value)
  } else {
    writeOffset(w, name, value)
  }
}
