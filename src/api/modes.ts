import { rangeError } from './arg-errors.ts'
import { SetAttr } from '../xlators/types.ts'
import type { SetattrArgs } from '../xlators/xlator.ts'

/**
 * A permission-bits argument as node:fs takes it: an integer, or an octal string ('755').
 * Anything else is an error naming the argument, never silently 0: a mode of 0000 is a
 * directory or file nobody but root can use.
 */
export function parseMode(value: unknown, name: string): number {
  if (typeof value === 'string') {
    if (!/^[0-7]+$/.test(value)) {
      throw Object.assign(new TypeError(`The argument '${name}' must be a 32-bit unsigned integer or an octal string. Received '${value}'`), { code: 'ERR_INVALID_ARG_VALUE' })
    }
    value = Number.parseInt(value, 8)
  }
  if (typeof value !== 'number') {
    throw Object.assign(new TypeError(`The "${name}" argument must be of type number or string. Received ${value === null ? 'null' : typeof value}`), { code: 'ERR_INVALID_ARG_TYPE' })
  }
  if (!Number.isInteger(value) || value < 0 || value > 0o7777) {
    throw Object.assign(new RangeError(`The value of "${name}" is out of range. It must be >= 0 && <= 0o7777. Received ${value}`), { code: 'ERR_OUT_OF_RANGE' })
  }
  return value
}

/**
 * The SETATTR of a chown (glfs_chown / glfs_fchown): -1 leaves an id as it is; valid 0 when both
 * are -1 (nothing to send). Ids outside -1..2^32-1 are a RangeError naming the argument.
 */
export function ownerSetattr(uid: number, gid: number): { attrs: SetattrArgs, valid: number } {
  for (const [name, id] of [['uid', uid], ['gid', gid]] as const) {
    if (!Number.isInteger(id) || id < -1 || id > 0xffffffff) throw rangeError(name, '>= -1 && <= 4294967295', id)
  }
  const valid = (uid === -1 ? 0 : SetAttr.UID) | (gid === -1 ? 0 : SetAttr.GID)
  return { attrs: { mode: 0, uid: Math.max(uid, 0), gid: Math.max(gid, 0), atime: 0, atimeNsec: 0, mtime: 0, mtimeNsec: 0 }, valid }
}
