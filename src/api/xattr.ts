import { Dict } from '../rpc/programs/fops/dict.ts'
import { XATTR_CREATE, XATTR_REPLACE } from './constants.ts'

/**
 * The names a listxattr returns from a name-less GETXATTR's dict: every key but GlusterFS's
 * virtual `glusterfs.*` ones, which are never real attributes (libgfapi's gfapi_filter_xattr).
 * The translators below have already removed their internal keys.
 */
export function listedXattrNames(dict: Dict): string[] {
  return [...dict.keys()].filter((key) => !key.startsWith('glusterfs.'))
}

/**
 * The value of `name` in a GETXATTR reply, the bytes glfs_getxattr copies out: bricks send real
 * xattrs as PTR; a STR (a virtual xattr such as pathinfo) is its text and the trailing NUL it was
 * sent with. ENODATA when absent and EIO for any other type, made by `fail`.
 */
export function xattrValue(dict: Dict, name: string, fail: (code: 'ENODATA' | 'EIO', detail: string) => Error): Buffer {
  if (!dict.has(name)) throw fail('ENODATA', `no attribute '${name}'`)
  const text = dict.getStr(name)
  const bytes = dict.getPtr(name) ?? (text === undefined ? undefined : Buffer.from(`${text}\0`))
  if (bytes === undefined) throw fail('EIO', `attribute '${name}' came back with an unexpected type`)
  return bytes
}

/**
 * The SETXATTR dict of one attribute. `flags` must be 0, XATTR_CREATE or XATTR_REPLACE (the
 * setxattr(2) rule glfs_setxattr and glfs_fsetxattr keep); else EINVAL, made by `fail`.
 */
export function xattrDict(name: string, value: Uint8Array | string, flags: number, fail: (code: 'EINVAL', detail: string) => Error): Dict {
  if (flags !== 0 && flags !== XATTR_CREATE && flags !== XATTR_REPLACE) throw fail('EINVAL', `bad flags ${flags}`)
  return new Dict().setPtr(name, Buffer.from(value))
}
