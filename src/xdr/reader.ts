import { XdrError } from './errors.ts'

const TWO_32 = 4294967296

/** Default cap for variable-length opaque/string/array fields, in bytes or elements. */
export const XDR_DEFAULT_MAX_LENGTH = 64 * 1024 * 1024

/**
 * Cursor over an RFC 4506 encoding. Every read checks the bytes present first, so a short or
 * hostile input throws `XdrError` and never reads past `end` or allocates by a length field.
 * Opaque results are `subarray` views of the input, not copies.
 */
export class XdrReader {
  buffer: Buffer
  offset: number
  end: number

  constructor(buffer: Buffer, offset = 0, end = buffer.length) {
    this.buffer = buffer
    this.offset = offset
    this.end = end
  }

  /** Re-point the cursor at another input, so a reader can be reused without allocation. */
  reset(buffer: Buffer, offset = 0, end = buffer.length): this {
    this.buffer = buffer
    this.offset = offset
    this.end = end
    return this
  }

  get remaining(): number {
    return this.end - this.offset
  }

  #need(n: number): number {
    const at = this.offset
    if (this.end - at < n) {
      throw new XdrError('ERR_XDR_SHORT', `XDR: need ${n} bytes at offset ${at}, ${this.end - at} left`)
    }
    this.offset = at + n
    return at
  }

  uint32(): number {
    return this.buffer.readUInt32BE(this.#need(4))
  }

  int32(): number {
    return this.buffer.readInt32BE(this.#need(4))
  }

  /** An enum is an int32 on the wire (RFC 4506 §4.3). */
  enum(): number {
    return this.int32()
  }

  bool(): boolean {
    const v = this.uint32()
    if (v > 1) throw new XdrError('ERR_XDR_VALUE', `XDR: bool is ${v}, not 0 or 1`)
    return v === 1
  }

  hyper(): bigint {
    const at = this.#need(8)
    return this.#view().getBigInt64(this.buffer.byteOffset + at)
  }

  uhyper(): bigint {
    const at = this.#need(8)
    // Most uhypers on the wire (dev, rdev, counts) fit 32 bits: one BigInt, or none for zero.
    if (this.buffer.readUInt32BE(at) !== 0) return this.#view().getBigUint64(this.buffer.byteOffset + at)
    const lo = this.buffer.readUInt32BE(at + 4)
    return lo === 0 ? 0n : BigInt(lo)
  }

  #dataView: DataView | undefined
  /**
   * A DataView of the input's whole ArrayBuffer, kept while the reader is reset onto the same one
   * (a connection's receive buffer): it builds a 64-bit BigInt in one allocation, where
   * readBig(U)Int64BE builds several.
   */
  #view(): DataView {
    const dv = this.#dataView
    if (dv !== undefined && dv.buffer === this.buffer.buffer) return dv
    return (this.#dataView = new DataView(this.buffer.buffer))
  }

  /** A signed hyper as a number; throws when it is outside ±(2^53 − 1). */
  hyperNumber(): number {
    const at = this.#need(8)
    const hi = this.buffer.readInt32BE(at)
    const lo = this.buffer.readUInt32BE(at + 4)
    // -2^53 (hi -0x200000, lo 0) is exact but outside the safe range, like everything beyond it.
    if (hi > 0x1fffff || hi < -0x200000 || (hi === -0x200000 && lo === 0)) {
      throw new XdrError('ERR_XDR_VALUE', `XDR: hyper at offset ${at} exceeds the safe integer range`)
    }
    return hi * TWO_32 + lo
  }

  /** An unsigned hyper as a number; throws when it is above 2^53 − 1. */
  uhyperNumber(): number {
    const at = this.#need(8)
    const hi = this.buffer.readUInt32BE(at)
    if (hi > 0x1fffff) {
      throw new XdrError('ERR_XDR_VALUE', `XDR: uhyper at offset ${at} exceeds the safe integer range`)
    }
    return hi * TWO_32 + this.buffer.readUInt32BE(at + 4)
  }

  double(): number {
    return this.buffer.readDoubleBE(this.#need(8))
  }

  /** Fixed-length opaque[n]: n bytes plus padding to a multiple of 4, returned as a view. */
  fixedOpaque(n: number): Buffer {
    const padded = (n + 3) & ~3
    const at = this.#need(padded)
    return this.buffer.subarray(at, at + n)
  }

  /** Variable-length opaque<max>, returned as a view of the input. */
  opaque(max = XDR_DEFAULT_MAX_LENGTH): Buffer {
    const n = this.length(max)
    return this.fixedOpaque(n)
  }

  /** string<max>, decoded as UTF-8. */
  string(max = XDR_DEFAULT_MAX_LENGTH): string {
    const n = this.length(max)
    const at = this.#need((n + 3) & ~3)
    return this.buffer.toString('utf8', at, at + n)
  }

  /**
   * A length prefix, checked against `max` and against the bytes still present, so no caller
   * ever sizes an allocation or a loop by a number the peer made up.
   */
  length(max: number, elementBytes = 1): number {
    const at = this.offset
    const n = this.uint32()
    if (n > max) {
      throw new XdrError('ERR_XDR_LENGTH', `XDR: length ${n} at offset ${at} exceeds the maximum ${max}`)
    }
    if (n * elementBytes > this.end - this.offset) {
      throw new XdrError('ERR_XDR_SHORT', `XDR: length ${n} at offset ${at} exceeds the ${this.end - this.offset} bytes left`)
    }
    return n
  }

  /** Variable-length array<max> of elements of at least `minElementBytes` each. */
  array<T>(max: number, minElementBytes: number, readElement: (r: XdrReader) => T): T[] {
    const n = this.length(max, minElementBytes)
    const out = new Array<T>(n)
    for (let i = 0; i < n; i++) out[i] = readElement(this)
    return out
  }

  /** Optional-data (`T *`): a bool discriminant then the value when present. */
  optional<T>(readValue: (r: XdrReader) => T): T | undefined {
    return this.bool() ? readValue(this) : undefined
  }

  /** Skip n bytes (already padded by the caller when needed). */
  skip(n: number): void {
    this.#need(n)
  }

  /** Everything after the cursor, as a view. */
  rest(): Buffer {
    const at = this.offset
    this.offset = this.end
    return this.buffer.subarray(at, this.end)
  }
}
