import { RpcError } from './errors.ts'

// RFC 5531 §11: each fragment starts with a 4-byte big-endian header; bit 31 marks the last
// fragment of a record, bits 0..30 give the fragment length.
const LAST_FRAGMENT = 0x80000000
const FRAGMENT_LENGTH_MASK = 0x7fffffff

/** Default largest record accepted: a 64 MiB READ plus headers, with room to spare. */
export const DEFAULT_MAX_RECORD_BYTES = 80 * 1024 * 1024

// Records that must be copied are placed in slabs carved in order, so a stream of 128 KiB READ
// replies costs one allocation per slab instead of one per record (and far less GC). A slab
// lives while any record view into it does; records above SLAB_MAX_RECORD get their own buffer.
const SLAB_BYTES = 2 * 1024 * 1024
const SLAB_MAX_RECORD = 512 * 1024

/** Bytes of a record seen before deciding whether its tail goes to a read sink. */
export const PLACEMENT_PEEK_BYTES = 256

/**
 * Decides, from the first PLACEMENT_PEEK_BYTES of a larger record, whether its tail (a READ
 * reply's data) is written straight into a read sink (a caller's buffer) instead of a slab: the
 * one copy out of the receive buffer lands where the caller wants the bytes.
 */
export interface ReadSinkFinder {
  /**
   * The length of the head to keep as the record, or -1 to keep the whole record; sets `buffer`.
   * `chunk` holds, from `at`, at least the record's first PLACEMENT_PEEK_BYTES (all of it when
   * it came whole).
   */
  find(chunk: Buffer, at: number, recordLength: number): number
  /** The read sink the tail goes to when `find` returned a head length. */
  readonly buffer: Uint8Array | undefined
}

/**
 * Offered every record (or record head, its tail placed in a read sink) that lies whole inside a
 * transient chunk, where it lies: `chunk` from `start` to `end`, `placedBytes` sent to the read
 * sink. True when it was consumed there, decoded straight from the receive buffer, keeping no
 * view of it; false to have it copied out and handed to `onRecord` as usual.
 */
export type InPlaceRecord = (chunk: Buffer, start: number, end: number, placedBytes: number) => boolean

/** Encode a single-fragment record mark for `length` bytes (what GlusterFS always sends). */
export function recordMark(length: number): number {
  return (LAST_FRAGMENT | length) >>> 0
}

/**
 * Reassembles records from a byte stream split anywhere, with at most one copy per record:
 *
 * - chunks the caller hands over for good (`transientChunks` false, Node's 'data' buffers): a
 *   record whole inside one chunk is handed up as a view of it, one spanning chunks is copied
 *   once into a slab or a buffer of its size;
 * - chunks the caller reuses after `push` returns (`transientChunks` true, a socket `onread`
 *   buffer): every record is copied once into a slab; a single-fragment record (what GlusterFS
 *   sends) is copied straight into its final place as its bytes arrive.
 *
 * Nothing is allocated before the bytes that justify it arrived (a hostile length costs
 * nothing), nor beyond `maxRecordBytes`. Handed-out records are never written again.
 */
export class RecordDecoder {
  readonly maxRecordBytes: number
  readonly #onRecord: (record: Buffer, placedBytes: number) => void
  readonly #transient: boolean
  readonly #readSinks: ReadSinkFinder | undefined
  readonly #inPlace: InPlaceRecord | undefined
  // Placement of a large single-fragment record: its first bytes gathered in #peek, then either
  // its head in #head and its tail in #readSink, or the whole record through #dest or #parts.
  #peek: Buffer | undefined
  #peeking = false
  #head: Buffer | undefined
  #readSink: Uint8Array | undefined
  #readSinkAt = 0
  // Partial record being assembled across chunks: its fragments' bytes so far, either in
  // #parts (views, or copies when chunks are transient) or written straight into #dest.
  #parts: Buffer[] = []
  #partsBytes = 0
  #dest: Buffer | undefined
  // Bytes of the current fragment still expected (0 = expecting a header).
  #fragmentLeft = 0
  #lastFragment = false
  // A fragment header split across chunks.
  readonly #header = Buffer.alloc(4)
  #headerHave = 0
  #slab: Buffer | undefined
  #slabUsed = 0
  // Bytes received so far: no buffer is larger, so nothing is allocated beyond what arrived.
  #bytesSeen = 0

  /**
   * `onRecord` gets each record and, when its tail went to a read sink, how many bytes went there
   * (the record is then only the head). Read sinks are found, and `inPlace` offered records, on
   * transient chunks only.
   */
  constructor(onRecord: (record: Buffer, placedBytes: number) => void, maxRecordBytes = DEFAULT_MAX_RECORD_BYTES,
    transientChunks = false, readSinks?: ReadSinkFinder, inPlace?: InPlaceRecord) {
    this.#onRecord = onRecord
    this.maxRecordBytes = maxRecordBytes
    this.#transient = transientChunks
    this.#readSinks = transientChunks ? readSinks : undefined
    this.#inPlace = transientChunks ? inPlace : undefined
  }

  /** True while a record is partly received (a peer closing now closed mid-record). */
  get midRecord(): boolean {
    return this.#headerHave > 0 || this.#fragmentLeft > 0 || this.#partsBytes > 0
  }

  /**
   * Feed bytes from the stream, the first `end` of `chunk` (a reused receive buffer needs no view
   * per read); calls `onRecord` for each completed record, in order.
   */
  push(chunk: Buffer, end = chunk.length): void {
    this.#bytesSeen += end
    let at = 0
    while (at < end) {
      if (this.#fragmentLeft === 0) {
        // Fast path: header, whole single-fragment record, all inside this chunk.
        if (this.#headerHave === 0 && this.#partsBytes === 0 && end - at >= 4) {
          const mark = chunk.readUInt32BE(at)
          const length = mark & FRAGMENT_LENGTH_MASK
          this.#checkSize(length)
          if ((mark & LAST_FRAGMENT) !== 0 && end - at - 4 >= length) {
            const start = at + 4
            if (!this.#transient) this.#onRecord(chunk.subarray(start, start + length), 0)
            else if (this.#readSinks !== undefined && length > PLACEMENT_PEEK_BYTES && this.#toReadSinkWhole(chunk, start, length)) {
              // Its tail went to the read sink and its head was handled.
            } else if (this.#inPlace === undefined || !this.#inPlace(chunk, start, start + length, 0)) {
              this.#onRecord(this.#copyOut(chunk, start, length), 0)
            }
            at += 4 + length
            continue
          }
          this.#startFragment(mark)
          at += 4
          continue
        }
        // Slow path: gather the 4 header bytes, possibly across chunks.
        const take = Math.min(4 - this.#headerHave, end - at)
        chunk.copy(this.#header, this.#headerHave, at, at + take)
        this.#headerHave += take
        at += take
        if (this.#headerHave < 4) return
        this.#headerHave = 0
        this.#startFragment(this.#header.readUInt32BE(0))
        continue
      }
      if (this.#peeking) {
        const take = Math.min(this.#fragmentLeft, end - at, PLACEMENT_PEEK_BYTES - this.#partsBytes)
        chunk.copy(this.#peek!, this.#partsBytes, at, at + take)
        this.#partsBytes += take
        this.#fragmentLeft -= take
        at += take
        if (this.#partsBytes === PLACEMENT_PEEK_BYTES) this.#toReadSink()
        continue
      }
      const take = Math.min(this.#fragmentLeft, end - at)
      const dest = this.#dest
      if (this.#readSink !== undefined) {
        chunk.copy(this.#readSink, this.#readSinkAt, at, at + take)
        this.#readSinkAt += take
      } else if (dest !== undefined) chunk.copy(dest, this.#partsBytes, at, at + take)
      else this.#parts.push(this.#transient ? Buffer.from(chunk.subarray(at, at + take)) : chunk.subarray(at, at + take))
      this.#partsBytes += take
      this.#fragmentLeft -= take
      at += take
      if (this.#fragmentLeft === 0 && this.#lastFragment) this.#emit()
    }
  }

  #startFragment(mark: number): void {
    const length = mark & FRAGMENT_LENGTH_MASK
    this.#lastFragment = (mark & LAST_FRAGMENT) !== 0
    this.#checkSize(this.#partsBytes + length)
    this.#fragmentLeft = length
    if (this.#transient && this.#lastFragment && this.#partsBytes === 0) {
      if (this.#readSinks !== undefined && length > PLACEMENT_PEEK_BYTES) {
        // Large enough to be bulk data: look at its head before deciding where it goes.
        this.#peek ??= Buffer.allocUnsafe(PLACEMENT_PEEK_BYTES)
        this.#peeking = true
      } else if (length > 0 && length <= this.#bytesSeen) {
        // A whole record in one fragment, its size already covered by traffic seen: copy its
        // bytes straight into their final place instead of gathering copies and assembling them.
        this.#dest = this.#alloc(length)
      }
    }
    // A zero-length last fragment completes its record without consuming any bytes.
    if (length === 0 && this.#lastFragment) this.#emit()
  }

  #checkSize(total: number): void {
    if (total > this.maxRecordBytes) {
      throw new RpcError('ERR_RPC_RECORD_TOO_LARGE', `RPC record of ${total} bytes exceeds the ${this.maxRecordBytes}-byte limit`)
    }
  }

  /**
   * A record whole in one chunk, at `start`: its tail straight to a read sink, if its call gave
   * one, and its head decoded in place or copied out. By offsets, not through subarrays: no view
   * objects per READ reply.
   */
  #toReadSinkWhole(chunk: Buffer, start: number, length: number): boolean {
    const headLength = this.#readSinks!.find(chunk, start, length)
    const sink = this.#readSinks!.buffer
    if (headLength < 0 || headLength > PLACEMENT_PEEK_BYTES || sink === undefined || length - headLength > sink.length) return false
    const headEnd = start + headLength
    chunk.copy(sink, 0, headEnd, start + length)
    if (this.#inPlace !== undefined && this.#inPlace(chunk, start, headEnd, length - headLength)) return true
    const head = this.#alloc(headLength)
    chunk.copy(head, 0, start, headEnd)
    this.#onRecord(head, length - headLength)
    return true
  }

  /** The peeked head is in: ask where the rest of the record goes. */
  #toReadSink(): void {
    this.#peeking = false
    const peek = this.#peek!
    const total = PLACEMENT_PEEK_BYTES + this.#fragmentLeft
    const headLength = this.#readSinks!.find(peek, 0, total)
    const sink = this.#readSinks!.buffer
    if (headLength >= 0 && headLength <= PLACEMENT_PEEK_BYTES && sink !== undefined && total - headLength <= sink.length) {
      const head = this.#alloc(headLength)
      peek.copy(head, 0, 0, headLength)
      sink.set(peek.subarray(headLength), 0)
      this.#head = head
      this.#readSink = sink
      this.#readSinkAt = PLACEMENT_PEEK_BYTES - headLength
    } else if (total <= this.#bytesSeen) {
      this.#dest = this.#alloc(total)
      peek.copy(this.#dest, 0, 0, PLACEMENT_PEEK_BYTES)
    } else {
      this.#parts.push(Buffer.from(peek))
    }
  }

  /**
   * The caller that owns `buffer` got it back (its call expired): the rest of the record being
   * received into it goes to a scratch buffer of ours instead (the reply is dropped, so what it
   * held so far need not follow). Allocates only then.
   */
  releaseReadSink(buffer: Uint8Array): void {
    if (this.#readSink === buffer) this.#readSink = Buffer.allocUnsafe(buffer.length)
  }

  #emit(): void {
    let record: Buffer
    let placed = 0
    if (this.#readSink !== undefined) {
      record = this.#head!
      placed = this.#readSinkAt
      this.#head = undefined
      this.#readSink = undefined
    } else if (this.#dest !== undefined) {
      record = this.#dest
      this.#dest = undefined
    } else {
      const parts = this.#parts
      record = parts.length === 1 ? parts[0]! : this.#assemble(parts, this.#partsBytes)
      this.#parts = []
    }
    this.#partsBytes = 0
    this.#lastFragment = false
    this.#onRecord(record, placed)
  }

  #assemble(parts: Buffer[], total: number): Buffer {
    const out = this.#alloc(total)
    let at = 0
    for (const part of parts) {
      out.set(part, at)
      at += part.length
    }
    return out
  }

  #copyOut(chunk: Buffer, start: number, length: number): Buffer {
    const out = this.#alloc(length)
    chunk.copy(out, 0, start, start + length)
    return out
  }

  /** `n` bytes from the current slab, or a buffer of their own for large records. */
  #alloc(n: number): Buffer {
    if (n > SLAB_MAX_RECORD) return Buffer.allocUnsafeSlow(n)
    if (this.#slab === undefined || this.#slab.length - this.#slabUsed < n) {
      this.#slab = Buffer.allocUnsafeSlow(Math.min(SLAB_BYTES, Math.max(n, this.#bytesSeen)))
      this.#slabUsed = 0
    }
    const out = this.#slab.subarray(this.#slabUsed, this.#slabUsed + n)
    // Keep the next record 8-byte aligned within the slab.
    this.#slabUsed += (n + 7) & ~7
    return out
  }
}
