const TWO_32 = 4294967296
const SLAB_BYTES = 64 * 1024
const ZERO_PAD = Buffer.alloc(4)

/**
 * RFC 4506 encoder writing into a shared slab. `finish()` hands out a view of the encoded bytes
 * and moves on, so the next message never overwrites a buffer the socket may still hold; a full
 * slab is left to the GC and a fresh one started (pg-protocol allocates per flush; this amortises
 * that to one allocation per 64 KiB of headers).
 */
export class XdrWriter {
  #buf: Buffer = Buffer.allocUnsafe(SLAB_BYTES)
  #start = 0
  #pos = 0

  /** Bytes written since the last `finish()`. */
  get length(): number {
    return this.#pos - this.#start
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return
    const used = this.#pos - this.#start
    const next = Buffer.allocUnsafe(Math.max(SLAB_BYTES, (used + n) * 2))
    this.#buf.copy(next, 0, this.#start, this.#pos)
    this.#buf = next
    this.#start = 0
    this.#pos = used
  }

  /** Reserve n bytes to fill later with `patchUint32`; returns their position in this message. */
  reserve(n: number): number {
    this.#ensure(n)
    const at = this.#pos - this.#start
    this.#pos += n
    return at
  }

  /** Overwrite a reserved uint32 at a position returned by `reserve`. */
  patchUint32(at: number, value: number): void {
    this.#buf.writeUInt32BE(value >>> 0, this.#start + at)
  }

  uint32(value: number): this {
    this.#ensure(4)
    this.#buf.writeUInt32BE(value >>> 0, this.#pos)
    this.#pos += 4
    return this
  }

  int32(value: number): this {
    this.#ensure(4)
    this.#buf.writeInt32BE(value | 0, this.#pos)
    this.#pos += 4
    return this
  }

  bool(value: boolean): this {
    return this.uint32(value ? 1 : 0)
  }

  /** Signed hyper from a bigint or a safe integer. */
  hyper(value: bigint | number): this {
    this.#ensure(8)
    if (typeof value === 'bigint') {
      this.#buf.writeBigInt64BE(value, this.#pos)
    } else {
      const hi = Math.floor(value / TWO_32)
      this.#buf.writeInt32BE(hi, this.#pos)
      this.#buf.writeUInt32BE(value - hi * TWO_32, this.#pos + 4)
    }
    this.#pos += 8
    return this
  }

  /** Unsigned hyper from a bigint or a non-negative safe integer. */
  uhyper(value: bigint | number): this {
    this.#ensure(8)
    if (typeof value === 'bigint') {
      this.#buf.writeBigUInt64BE(value, this.#pos)
    } else {
      const hi = Math.floor(value / TWO_32)
      this.#buf.writeUInt32BE(hi, this.#pos)
      this.#buf.writeUInt32BE(value - hi * TWO_32, this.#pos + 4)
    }
    this.#pos += 8
    return this
  }

  double(value: number): this {
    this.#ensure(8)
    this.#buf.writeDoubleBE(value, this.#pos)
    this.#pos += 8
    return this
  }

  /** Fixed-length opaque: the bytes then zero padding to a multiple of 4. */
  fixedOpaque(bytes: Uint8Array): this {
    const n = bytes.length
    const pad = (4 - (n & 3)) & 3
    this.#ensure(n + pad)
    this.#buf.set(bytes, this.#pos)
    this.#pos += n
    if (pad) {
      this.#buf.set(ZERO_PAD.subarray(0, pad), this.#pos)
      this.#pos += pad
    }
    return this
  }

  /** Variable-length opaque: a uint32 length, the bytes, padding. */
  opaque(bytes: Uint8Array): this {
    this.uint32(bytes.length)
    return this.fixedOpaque(bytes)
  }

  /** string: UTF-8 bytes as a variable-length opaque, encoded in place (no temporary Buffer). */
  string(value: string): this {
    const n = Buffer.byteLength(value, 'utf8')
    const pad = (4 - (n & 3)) & 3
    this.#ensure(4 + n + pad)
    this.#buf.writeUInt32BE(n, this.#pos)
    this.#buf.write(value, this.#pos + 4, n, 'utf8')
    this.#pos += 4 + n
    for (let i = 0; i < pad; i++) this.#buf[this.#pos++] = 0
    return this
  }

  /** Raw bytes with no length and no padding (record payloads after the XDR arguments). */
  raw(bytes: Uint8Array): this {
    this.#ensure(bytes.length)
    this.#buf.set(bytes, this.#pos)
    this.#pos += bytes.length
    return this
  }

  /** A copy of this message's bytes from position `from` (a `length` taken earlier) to now. */
  copyFrom(from: number): Buffer {
    return Buffer.from(this.#buf.subarray(this.#start + from, this.#pos))
  }

  /** The message encoded since the last `finish()`, as a view; the writer moves past it. */
  finish(): Buffer {
    const slab = this.#buf
    const length = this.length
    const at = this.finishAt()
    return slab.subarray(at, at + length)
  }

  /** The buffer the current message is encoded into (a later message may start a new one). */
  get slab(): Buffer {
    return this.#buf
  }

  /**
   * `finish()` without the view: the writer moves past the message and returns where it starts
   * in `slab` (read `slab` and `length` first). A caller that queues many messages keeps offsets
   * instead of one view object per message. The next message starts right after this one, so
   * messages encoded in a row lie contiguously (an RPC client writes them out as one chunk).
   */
  finishAt(): number {
    const at = this.#start
    this.#start = this.#pos
    return at
  }

  /**
   * Nothing encoded so far is referenced any more (its bytes were written out): the next message
   * starts at the beginning of the slab again. A caller writing one message at a time then reuses
   * the same bytes, already in cache, instead of walking the slab and allocating a new one per
   * 64 KiB. Only between messages.
   */
  rewind(): void {
    if (this.#pos !== this.#start) throw new Error('XdrWriter.rewind with a message being encoded')
    this.#start = 0
    this.#pos = 0
  }

  /** Drop what was encoded since the last `finish()` (an encoder threw half-way). */
  discard(): void {
    this.#pos = this.#start
  }
}
