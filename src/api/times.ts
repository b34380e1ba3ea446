import { SetAttr } from '../xlators/types.ts'
import type { SetattrArgs } from '../xlators/xlator.ts'
import { UTIME_NOW, UTIME_OMIT } from './constants.ts'

/** A time for utimens: a Date, nanoseconds since the epoch, seconds (like fs.utimes), UTIME_NOW or UTIME_OMIT. */
export type TimeSpec = Date | bigint | number | typeof UTIME_NOW | typeof UTIME_OMIT

const NS = 1_000_000_000n

/**
 * SETATTR arguments for a pair of times. Only the times given are set: an omitted time clears its
 * `valid` bit, so nothing is sent for it and the brick keeps its value. UTIME_NOW is turned into
 * the current time here, never sent as Linux's magic nsec values (wire reference §3.8).
 */
export function toSetattr(atime: TimeSpec, mtime: TimeSpec): { attrs: SetattrArgs; valid: number } {
  let valid = 0
  let a = [0, 0] as const as readonly [number, number]
  let m = a
  if (atime !== UTIME_OMIT) {
    a = toSecNsec(atime, 'atime')
    valid |= SetAttr.ATIME
  }
  if (mtime !== UTIME_OMIT) {
    m = toSecNsec(mtime, 'mtime')
    valid |= SetAttr.MTIME
  }
  return { attrs: { mode: 0, uid: 0, gid: 0, atime: a[0], atimeNsec: a[1], mtime: m[0], mtimeNsec: m[1] }, valid }
}

function toSecNsec(t: TimeSpec, name: string): readonly [number, number] {
  let ns: bigint
  if (t === UTIME_NOW) {
    const ms = performance.timeOrigin + performance.now()
    ns = BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.floor((ms % 1) * 1e6))
  } else if (t instanceof Date) {
    const ms = t.getTime()
    if (!Number.isFinite(ms)) throw invalid(name, t)
    ns = BigInt(ms) * 1_000_000n
  } else if (typeof t === 'bigint') {
    ns = t
  } else if (typeof t === 'number') {
    if (!Number.isFinite(t)) throw invalid(name, t)
    const sec = Math.floor(t)
    ns = BigInt(sec) * NS + BigInt(Math.round((t - sec) * 1e9))
  } else {
    throw Object.assign(new TypeError(`The "${name}" argument must be a Date, bigint, number, UTIME_NOW or UTIME_OMIT`), { code: 'ERR_INVALID_ARG_TYPE' })
  }
  let sec = ns / NS
  let nsec = ns - sec * NS
  if (nsec < 0n) {
    nsec += NS
    sec -= 1n
  }
  return [Number(sec), Number(nsec)]
}

function invalid(name: string, value: unknown): RangeError {
  return Object.assign(new RangeError(`The value of "${name}" is invalid. Received ${String(value)}`), { code: 'ERR_OUT_OF_RANGE' })
}
