// glusterfs4-xdr.x gfx_dict: the typed key/value dict every FOP carries as xdata, encoded and
// decoded.

import { XdrError } from '../../../xdr/errors.ts'
import type { XdrReader } from '../../../xdr/reader.ts'
import type { XdrWriter } from '../../../xdr/writer.ts'
import { argError, writeGfid } from './checks.ts'
import { type Iatt, readGfxIattx, writeGfxIattx } from './iatt.ts'
import { FOP_LIMITS } from './program.ts'

/** gfx_value discriminants: glusterfs-fops.h gf_dict_data_type_t. */
export const DictType = {
  STR_OLD: 1,
  INT: 2,
  UINT: 3,
  DOUBLE: 4,
  STR: 5,
  PTR: 6,
  GFUUID: 7,
  IATT: 8,
  MDATA: 9,
} as const
/** A gfx_value discriminant. */
export type DictType = (typeof DictType)[keyof typeof DictType]

/** glusterfs4-xdr.x gfx_mdata_iatt: the times of the consistent-time feature. */
export interface GfxMdataIatt {
  readonly atime: number
  readonly mtime: number
  readonly ctime: number
  readonly atimeNsec: number
  readonly mtimeNsec: number
  readonly ctimeNsec: number
}

/** One typed dict value, as the gfx_value union carries it. */
export type DictValue =
  | { readonly type: typeof DictType.STR_OLD | typeof DictType.PTR | typeof DictType.GFUUID; readonly value: Buffer }
  | { readonly type: typeof DictType.INT | typeof DictType.UINT; readonly value: bigint }
  | { readonly type: typeof DictType.DOUBLE; readonly value: number }
  | { readonly type: typeof DictType.STR; readonly value: string }
  | { readonly type: typeof DictType.IATT; readonly value: Iatt }
  | { readonly type: typeof DictType.MDATA; readonly value: GfxMdataIatt }

function stripNul(bytes: Buffer): number {
  return bytes.length > 0 && bytes[bytes.length - 1] === 0 ? bytes.length - 1 : bytes.length
}

/**
 * GlusterFS dict_t as the FOP program carries it (`xdata`, SETXATTR/XATTROP `dict`, readdirp
 * entries): an insertion-ordered map of keys to typed values. The type matters to the server
 * (`gfid-req` must be GFUUID, layout requests UINT), so each setter names it. Buffers given to
 * setters are kept by reference.
 */
export class Dict implements Iterable<[string, DictValue]> {
  readonly #map = new Map<string, DictValue>()
  #sealed = false
  /** A sealed dict's encoded pairs, made by the first writeGfxDict. */
  #wire: Buffer | undefined

  /**
   * No change after this: set and delete throw, and the pairs are encoded once, for every request
   * that carries the dict (an xlator's constant xdata). Buffers given to its setters must not
   * change either.
   */
  seal(): this {
    this.#sealed = true
    return this
  }

  get sealed(): boolean {
    return this.#sealed
  }

  /** The encoded pairs of a sealed dict, once writeGfxDict has made them. */
  get wire(): Buffer | undefined {
    return this.#wire
  }

  /** writeGfxDict keeps a sealed dict's encoded pairs here; other dicts keep nothing. */
  keepWire(bytes: Buffer): void {
    if (this.#sealed) this.#wire = bytes
  }

  #checkUnsealed(): void {
    if (this.#sealed) throw new TypeError('Dict: a sealed dict cannot change')
  }

  /** Number of pairs. */
  get size(): number {
    return this.#map.size
  }

  has(key: string): boolean {
    return this.#map.has(key)
  }

  /** The typed value, whatever its type. */
  get(key: string): DictValue | undefined {
    return this.#map.get(key)
  }

  /** Sets a typed value; the typed setters below are shorthands for this. */
  set(key: string, value: DictValue): this {
    this.#checkUnsealed()
    this.#map.set(key, value)
    return this
  }

  delete(key: string): boolean {
    this.#checkUnsealed()
    return this.#map.delete(key)
  }

  /** Deletes every key `drop` picks (a translator hiding its own keys from a reply); returns the dict. */
  deleteWhere(drop: (key: string) => boolean): this {
    this.#checkUnsealed()
    for (const key of this.#map.keys()) if (drop(key)) this.#map.delete(key)
    return this
  }

  /** Keys in insertion order, which is also the wire order. */
  keys(): IterableIterator<string> {
    return this.#map.keys()
  }

  /** `[key, value]` pairs in insertion order. */
  [Symbol.iterator](): IterableIterator<[string, DictValue]> {
    return this.#map.entries()
  }

  /** STR: sent with a trailing NUL, as dict_set_str does. */
  setStr(key: string, value: string): this {
    return this.set(key, { type: DictType.STR, value })
  }

  /** INT: a signed 64-bit integer. Throws RangeError outside that range. */
  setInt(key: string, value: bigint | number): this {
    const v = BigInt(value)
    if (BigInt.asIntN(64, v) !== v) throw argError(key, 'a signed 64-bit integer', value)
    return this.set(key, { type: DictType.INT, value: v })
  }

  /** UINT: an unsigned 64-bit integer (e.g. `trusted.glusterfs.dht: 16` asks for the layout). */
  setUint(key: string, value: bigint | number): this {
    const v = BigInt(value)
    if (BigInt.asUintN(64, v) !== v) throw argError(key, 'an unsigned 64-bit integer', value)
    return this.set(key, { type: DictType.UINT, value: v })
  }

  setDouble(key: string, value: number): this {
    return this.set(key, { type: DictType.DOUBLE, value })
  }

  /** PTR: raw bytes, how xattr values travel (SETXATTR dicts, layouts, linkto). */
  setPtr(key: string, value: Buffer): this {
    return this.set(key, { type: DictType.PTR, value })
  }

  /** GFUUID: exactly 16 raw bytes (`gfid-req`). */
  setGfuuid(key: string, value: Buffer): this {
    if (value.length !== 16) throw argError(key, '16 bytes long', `${value.length} bytes`)
    return this.set(key, { type: DictType.GFUUID, value })
  }

  setIatt(key: string, value: Iatt): this {
    return this.set(key, { type: DictType.IATT, value })
  }

  setMdata(key: string, value: GfxMdataIatt): this {
    return this.set(key, { type: DictType.MDATA, value })
  }

  /**
   * The value as text: STR as is; PTR and STR_OLD decoded as UTF-8 without their trailing NUL
   * (bricks return xattrs such as `trusted.glusterfs.dht.linkto` as PTR "vol-client-1\0").
   */
  getStr(key: string): string | undefined {
    const v = this.#map.get(key)
    if (v === undefined) return undefined
    if (v.type === DictType.STR) return v.value
    if (v.type === DictType.PTR || v.type === DictType.STR_OLD) return v.value.toString('utf8', 0, stripNul(v.value))
    return undefined
  }

  /** The raw bytes of a PTR, STR_OLD or GFUUID value. */
  getPtr(key: string): Buffer | undefined {
    const v = this.#map.get(key)
    if (v === undefined) return undefined
    if (v.type === DictType.PTR || v.type === DictType.STR_OLD || v.type === DictType.GFUUID) return v.value
    return undefined
  }

  /** An INT or UINT value. */
  getInt(key: string): bigint | undefined {
    const v = this.#map.get(key)
    return v !== undefined && (v.type === DictType.INT || v.type === DictType.UINT) ? v.value : undefined
  }

  getDouble(key: string): number | undefined {
    const v = this.#map.get(key)
    return v !== undefined && v.type === DictType.DOUBLE ? v.value : undefined
  }

  getGfuuid(key: string): Buffer | undefined {
    const v = this.#map.get(key)
    return v !== undefined && v.type === DictType.GFUUID ? v.value : undefined
  }

  getIatt(key: string): Iatt | undefined {
    const v = this.#map.get(key)
    return v !== undefined && v.type === DictType.IATT ? v.value : undefined
  }

  getMdata(key: string): GfxMdataIatt | undefined {
    const v = this.#map.get(key)
    return v !== undefined && v.type === DictType.MDATA ? v.value : undefined
  }
}

/**
 * glusterfs4-xdr.x gfx_dict:
 * ```
 * xdr_size u32 | count i32 | pairs_len u32 | pairs_len × { key opaque<> (with NUL) | type i32 | arm }
 * ```
 * `undefined` is the NULL dict `0, -1, 0` (glusterfs3.h dict_to_xdr). `xdr_size` is the pairs'
 * encoded size: the brick uses it to find where WRITE data starts, so it is measured, not guessed.
 */
export function writeGfxDict(w: XdrWriter, dict: Dict | undefined): void {
  if (dict === undefined) {
    w.uint32(0).int32(-1).uint32(0)
    return
  }
  const sizeAt = w.reserve(4)
  w.int32(dict.size).uint32(dict.size)
  const start = w.length
  const wire = dict.wire
  if (wire !== undefined) w.raw(wire)
  else {
    for (const [key, value] of dict) {
      w.string(`${key}\0`)
      writeGfxValue(w, value)
    }
    if (dict.sealed) dict.keepWire(w.copyFrom(start))
  }
  w.patchUint32(sizeAt, w.length - start)
}

function writeGfxValue(w: XdrWriter, v: DictValue): void {
  w.int32(v.type)
  switch (v.type) {
    case DictType.INT:
      w.hyper(v.value)
      break
    case DictType.UINT:
      w.uhyper(v.value)
      break
    case DictType.DOUBLE:
      w.double(v.value)
      break
    case DictType.STR:
      w.string(`${v.value}\0`)
      break
    case DictType.STR_OLD:
    case DictType.PTR:
      w.opaque(v.value)
      break
    case DictType.GFUUID:
      writeGfid(w, 'gfuuid', v.value)
      break
    case DictType.IATT:
      writeGfxIattx(w, v.value)
      break
    case DictType.MDATA:
      w.hyper(v.value.atime).hyper(v.value.mtime).hyper(v.value.ctime)
      w.uint32(v.value.atimeNsec).uint32(v.value.mtimeNsec).uint32(v.value.ctimeNsec)
      break
  }
}

/** Smallest gfx_dict_pair: empty key opaque (4) + type (4) + empty opaque arm (4). */
const MIN_PAIR_BYTES = 12

/**
 * glusterfs4-xdr.x gfx_dict. The NULL dict (count < 0) and the empty dict both come back as
 * `undefined`, without allocating. `xdr_size` is not trusted: the pairs are parsed in sequence.
 */
export function readGfxDict(r: XdrReader): Dict | undefined {
  r.uint32() // xdr_size
  const count = r.int32()
  const n = r.length(FOP_LIMITS.dictPairs, MIN_PAIR_BYTES)
  if (n === 0) return undefined
  const dict = new Dict()
  for (let i = 0; i < n; i++) {
    const keyLen = r.length(FOP_LIMITS.dictKeyBytes)
    const keyAt = r.offset
    r.skip((keyLen + 3) & ~3)
    const keyEnd = keyLen > 0 && r.buffer[keyAt + keyLen - 1] === 0 ? keyAt + keyLen - 1 : keyAt + keyLen
    dict.set(keyString(r.buffer, keyAt, keyEnd), readGfxValue(r))
  }
  // xdr_to_dict: a negative count means NULL whatever pairs followed; they were consumed above.
  return count < 0 ? undefined : dict
}

/**
 * Keys decoded lately, by a hash of their bytes: replies carry the same few keys over and over
 * (a replicated write's lock and fd counts), and each would otherwise be a new string per reply.
 */
const KEY_SLOTS = 256
const KEY_CACHE_MAX_BYTES = 64
const keyBytes: (Buffer | undefined)[] = new Array<Buffer | undefined>(KEY_SLOTS).fill(undefined)
const keyStrings: string[] = new Array<string>(KEY_SLOTS).fill('')

function keyString(b: Buffer, start: number, end: number): string {
  const n = end - start
  if (n > KEY_CACHE_MAX_BYTES) return b.toString('utf8', start, end)
  let h = n
  for (let i = start; i < end; i++) h = (h * 31 + b[i]!) | 0
  const slot = h & (KEY_SLOTS - 1)
  const known = keyBytes[slot]
  if (known !== undefined && known.length === n) {
    let same = true
    for (let i = 0; i < n && same; i++) same = known[i] === b[start + i]
    if (same) return keyStrings[slot]!
  }
  const key = b.toString('utf8', start, end)
  keyBytes[slot] = Buffer.from(b.subarray(start, end))
  keyStrings[slot] = key
  return key
}

/** INT and UINT values 0..SMALL_INTS-1 (counts, flags), shared: a DictValue is never changed. */
const SMALL_INTS = 64
const smallInts = Array.from({ length: SMALL_INTS }, (_, i) => Object.freeze({ type: DictType.INT, value: BigInt(i) }))
const smallUints = Array.from({ length: SMALL_INTS }, (_, i) => Object.freeze({ type: DictType.UINT, value: BigInt(i) }))

/** The value's index in smallInts/smallUints when the next 8 bytes hold 0..SMALL_INTS-1, else -1. */
function smallIntAt(r: XdrReader): number {
  if (r.remaining < 8) return -1
  const b = r.buffer
  const at = r.offset
  if (b.readUInt32BE(at) !== 0) return -1
  const lo = b.readUInt32BE(at + 4)
  return lo < SMALL_INTS ? lo : -1
}

function readGfxValue(r: XdrReader): DictValue {
  const type = r.int32()
  switch (type) {
    case DictType.INT:
    case DictType.UINT: {
      const small = smallIntAt(r)
      if (small >= 0) {
        r.skip(8)
        return (type === DictType.INT ? smallInts : smallUints)[small]!
      }
      return type === DictType.INT ? { type, value: r.hyper() } : { type, value: r.uhyper() }
    }
    case DictType.DOUBLE:
      return { type, value: r.double() }
    case DictType.STR: {
      const bytes = r.opaque()
      return { type, value: bytes.toString('utf8', 0, stripNul(bytes)) }
    }
    case DictType.STR_OLD:
    case DictType.PTR:
      return { type, value: Buffer.from(r.opaque()) }
    case DictType.GFUUID:
      return { type, value: Buffer.from(r.fixedOpaque(16)) }
    case DictType.IATT:
      return { type, value: readGfxIattx(r) }
    case DictType.MDATA: {
      const atime = r.hyperNumber()
      const mtime = r.hyperNumber()
      const ctime = r.hyperNumber()
      const atimeNsec = r.uint32()
      const mtimeNsec = r.uint32()
      const ctimeNsec = r.uint32()
      return { type, value: { atime, mtime, ctime, atimeNsec, mtimeNsec, ctimeNsec } }
    }
    default:
      // gfx_value has no default arm: the C decoder rejects the message too.
      throw new XdrError('ERR_XDR_VALUE', `XDR: gfx_value type ${type} is not a GF_DATA_TYPE`)
  }
}
