// Expected-bytes builder for tests. Written independently of src/xdr/writer.ts (pg-protocol's
// testing/buffer-list.ts plays the same role), so that a bug in the encoder under test is not
// mirrored in its own expectation. Big-endian, RFC 4506 padding; no caps, no checks beyond
// Node's own range checks: tests also use it to build malformed input.

/** Appends XDR items to a list of Buffers; `bytes()` joins them. Every method chains. */
export class XdrBytes {
  readonly #parts: Buffer[] = []
  #length = 0

  /** Bytes appended so far. */
  get length(): number {
    return this.#length
  }

  #push(part: Buffer): this {
    this.#parts.push(part)
    this.#length += part.length
    return this
  }

  #pad(n: number): this {
    const pad = (4 - (n % 4)) % 4
    return pad === 0 ? this : this.#push(Buffer.alloc(pad))
  }

  /** XDR unsigned int. */
  u32(value: number): this {
    const b = Buffer.alloc(4)
    b.writeUInt32BE(value)
    return this.#push(b)
  }

  /** XDR int. */
  i32(value: number): this {
    const b = Buffer.alloc(4)
    b.writeInt32BE(value)
    return this.#push(b)
  }

  /** XDR unsigned hyper. */
  u64(value: bigint | number): this {
    const b = Buffer.alloc(8)
    b.writeBigUInt64BE(BigInt(value))
    return this.#push(b)
  }

  /** XDR hyper. */
  i64(value: bigint | number): this {
    const b = Buffer.alloc(8)
    b.writeBigInt64BE(BigInt(value))
    return this.#push(b)
  }

  /** XDR double. */
  f64(value: number): this {
    const b = Buffer.alloc(8)
    b.writeDoubleBE(value)
    return this.#push(b)
  }

  /** XDR bool. */
  bool(value: boolean): this {
    return this.u32(value ? 1 : 0)
  }

  /** Fixed-length opaque[n]: the bytes, then zero padding to a multiple of 4. */
  fixed(bytes: Uint8Array): this {
    return this.#push(Buffer.from(bytes)).#pad(bytes.length)
  }

  /** Variable-length opaque<>: a length, the bytes, padding. */
  opaque(bytes: Uint8Array): this {
    return this.u32(bytes.length).fixed(bytes)
  }

  /** string<>: UTF-8 bytes as an opaque<>. */
  string(text: string): this {
    return this.opaque(Buffer.from(text, 'utf8'))
  }

  /** Raw bytes: no length, no padding. */
  raw(bytes: Uint8Array): this {
    return this.#push(Buffer.from(bytes))
  }

  /** Raw bytes from hex text; whitespace and `|` separators are ignored. */
  hex(text: string): this {
    return this.raw(Buffer.from(text.replace(/[\s|]/g, ''), 'hex'))
  }

  /** n zero bytes. */
  zeros(n: number): this {
    return this.#push(Buffer.alloc(n))
  }

  /** Everything appended, as one new Buffer. */
  bytes(): Buffer {
    return Buffer.concat(this.#parts, this.#length)
  }
}

/** Shorthand: `xdr().u32(1).string('a').bytes()`. */
export function xdr(): XdrBytes {
  return new XdrBytes()
}
