/**
 * fio's offset generation, reproduced so a job issues the same offsets here as under fio for the
 * same options (checked against fio's `write_iolog` in test/unit/bench/offsets.test.ts).
 *
 * From fio 3.33: lib/rand.c and lib/rand.h (the 32-bit combined Tausworthe generator, its
 * seeding, the block scaling), init.c `setup_random_seeds` / `td_fill_rand_seeds_internal`
 * (randrepeat=1 seeds the block generator with FIO_RANDSEED * thread_number; otherwise randseed
 * goes through the 0x9e370001 mixing), io_u.c `get_next_offset` / `get_next_block` /
 * `get_next_seq_offset` (the `rw=...:N` postfix, rw_sequencer, holes and wrap-around) and
 * lib/axmap.c `axmap_next_free` (the random map: a drawn block already done is replaced by the
 * next free one after it, wrapping).
 */
import { randomBytes } from 'node:crypto'
import type { JobSpec } from './options.ts'

/** fio.h FIO_RANDSEED. */
const FIO_RANDSEED = 0xb1899bedn
const GOLDEN = 0x9e370001n
const U64 = (1n << 64n) - 1n
/** fio.h FIO_RAND_BLOCK_OFF: the index of the block generator's seed in td->rand_seeds. */
const FIO_RAND_BLOCK_OFF = 6n

/** fio's taus88 generator (lib/rand.h `__rand32`), state in three uint32s. */
export class Taus88 {
  #s1 = 0
  #s2 = 0
  #s3 = 0

  /** lib/rand.c `__init_rand32`: seeded through an LCG, then cranked six times. */
  constructor(seed: number) {
    const s = seed >>> 0
    // fio writes the start value as (2^31) + (2^17) + (2^7): in C '^' is XOR, so it is 29 + 19 + 5.
    const lcg = (x: number): number => (Math.imul(x, 69069) ^ s) >>> 0
    const atLeast = (x: number, m: number): number => (x < m ? x + m : x) >>> 0
    this.#s1 = atLeast(lcg(53), 1)
    this.#s2 = atLeast(lcg(this.#s1), 7)
    this.#s3 = atLeast(lcg(this.#s2), 15)
    for (let i = 0; i < 6; i++) this.next()
  }

  /** The next 32-bit value. */
  next(): number {
    const s1 = this.#s1
    const s2 = this.#s2
    const s3 = this.#s3
    this.#s1 = (((s1 & 0xfffffffe) << 12) ^ ((((s1 << 13) ^ s1) >>> 0) >>> 19)) >>> 0
    this.#s2 = (((s2 & 0xfffffff8) << 4) ^ ((((s2 << 2) ^ s2) >>> 0) >>> 25)) >>> 0
    this.#s3 = (((s3 & 0xfffffff0) << 17) ^ ((((s3 << 3) ^ s3) >>> 0) >>> 11)) >>> 0
    return (this.#s1 ^ this.#s2 ^ this.#s3) >>> 0
  }
}

/**
 * The seed of a job's block-offset generator, as fio computes it for thread `threadNumber`
 * (1-based, counting every clone of every job of the run in order). With `randrepeat` (fio's
 * default) randseed plays no part; without it and without randseed the seed is random.
 */
export function blockSeed(threadNumber: number, randrepeat: boolean, randseed: bigint | undefined): number {
  const td = BigInt(threadNumber)
  if (randrepeat) return Number((FIO_RANDSEED * td) & 0xffffffffn)
  if (randseed === undefined) return randomBytes(4).readUInt32LE(0)
  let seed = randseed & U64
  for (let i = 0; i < 4; i++) seed = (seed * GOLDEN) & U64
  for (let i = 0n; i < FIO_RAND_BLOCK_OFF; i++) seed = (seed * GOLDEN) & U64
  return Number((seed * td + FIO_RAND_BLOCK_OFF) & 0xffffffffn)
}

/** fio's random map (lib/axmap.c), flat: one bit per block. */
class BlockMap {
  readonly #words: Uint32Array
  readonly #bits: number
  constructor(bits: number) {
    this.#bits = bits
    this.#words = new Uint32Array(Math.ceil(bits / 32))
  }

  isSet(b: number): boolean {
    return (this.#words[b >>> 5]! & (1 << (b & 31))) !== 0
  }

  set(b: number): void {
    this.#words[b >>> 5]! |= 1 << (b & 31)
  }

  reset(): void {
    this.#words.fill(0)
  }

  /** `axmap_next_free`: the first clear bit after `b`, wrapping to the start; -1 when none. */
  nextFree(b: number): number {
    let next = b + 1
    if (next >= this.#bits) next = 0
    const found = this.#firstFree(next)
    return found < 0 && next !== 0 ? this.#firstFree(0) : found
  }

  #firstFree(from: number): number {
    const words = this.#words
    let w = from >>> 5
    let word = ~words[w]! & ~((1 << (from & 31)) - 1 | 0)
    while (word === 0) {
      if (++w >= words.length) return -1
      word = ~words[w]!
    }
    const b = (w << 5) + (31 - Math.clz32(word & -word))
    return b < this.#bits ? b : -1
  }
}

/** How the next offset of a job is chosen; fio option names in the comments. */
export interface OffsetPlan {
  /** `rw` is one of the random modes. */
  readonly random: boolean
  /** `bs` (and blockalign, which defaults to it). */
  readonly bs: number
  /** `size`: bytes of the region. */
  readonly size: number
  /** `offset`: where the region starts. */
  readonly offset: number
  /** The file's size; reads lay the file out to offset + size. */
  readonly fileSize: number
  /** `rw=read:N`: bytes skipped after each sequential I/O (fio ddir_seq_add). */
  readonly seqAdd: number
  /** `rw=randread:N`: a new random offset every N I/Os (fio ddir_seq_nr). */
  readonly seqNr: number
  /** `rw_sequencer`: what the I/Os between random ones do. */
  readonly sequencer: 'sequential' | 'identical'
  /** `norandommap` off: random blocks are not repeated until all were done. */
  readonly randommap: boolean
  /** `time_based`: wrap instead of ending. */
  readonly timeBased: boolean
  /** Seed of the block generator (`blockSeed`). */
  readonly seed: number
}

/**
 * The offsets of one job, in fio's order. `next()` returns -1 where fio's get_next_offset fails
 * (the job's region is used up).
 */
export class OffsetGenerator {
  readonly #p: OffsetPlan
  readonly #rng: Taus88
  readonly #map: BlockMap | undefined
  readonly #lastBlock: number
  /** f->last_pos: end of the previous I/O (absolute). */
  #lastPos: number
  /** f->last_start: start of the previous I/O, or -1. */
  #lastStart = -1
  /** td->ddir_seq_nr: starts at 1 so the first I/O of a random job is random. */
  #seqCountdown = 1

  constructor(plan: OffsetPlan) {
    this.#p = plan
    this.#rng = new Taus88(plan.seed)
    this.#lastPos = plan.offset
    const maxSize = Math.min(plan.size, plan.fileSize)
    this.#lastBlock = Math.floor(maxSize / plan.bs)
    this.#map = plan.random && plan.randommap ? new BlockMap(this.#lastBlock) : undefined
  }

  /** The absolute byte offset of the next I/O, or -1. */
  next(): number {
    const p = this.#p
    let hit = false
    if (p.seqNr > 0 && --this.#seqCountdown === 0) {
      hit = true
      this.#seqCountdown = p.seqNr
    }
    let off: number
    let markMap = false
    if (hit) {
      if (p.random) {
        off = this.#randomOffset()
        markMap = true
      } else {
        off = this.#seqOffset()
      }
    } else if (p.sequencer === 'sequential') {
      off = this.#seqOffset()
      if (off < 0) off = this.#randomOffset()
    } else {
      off = this.#lastStart >= 0 ? this.#lastStart - p.offset : 0
    }
    if (off < 0 || off >= p.size) return -1
    off += p.offset
    if (off >= p.fileSize || off + p.bs > p.fileSize) return -1
    if (markMap && this.#map !== undefined) this.#map.set((off - p.offset) / p.bs)
    this.#lastStart = off
    this.#lastPos = off + p.bs
    return off
  }

  /** io_u.c get_next_rand_block: a block, as a region-relative byte offset, or -1. */
  #randomOffset(): number {
    let b = this.#drawBlock()
    if (b < 0 && this.#p.timeBased) {
      // fio_file_reset: the map and positions start over; the generator does not.
      this.#map?.reset()
      this.#lastPos = this.#p.offset
      this.#lastStart = -1
      b = this.#drawBlock()
    }
    return b < 0 ? -1 : b * this.#p.bs
  }

  #drawBlock(): number {
    const r = this.#rng.next()
    let b = Math.floor(this.#lastBlock * (r / 4294967296))
    const map = this.#map
    if (map === undefined || !map.isSet(b)) return b
    b = map.nextFree(b)
    return b
  }

  /** io_u.c get_next_seq_offset: region-relative, or -1. */
  #seqOffset(): number {
    const p = this.#p
    if (this.#lastPos >= p.size + p.offset && p.timeBased) this.#lastPos = p.offset
    if (this.#lastPos >= p.fileSize) return -1
    let pos = this.#lastPos - p.offset
    if (pos !== 0 && p.seqAdd !== 0) {
      pos += p.seqAdd
      if (pos >= p.fileSize) pos = p.offset
    }
    return pos
  }
}

/** The offsets of clone `threadNumber` (fio's 1-based count over the run) of a job, on a file of offset + size bytes. */
export function jobOffsets(spec: JobSpec, threadNumber: number): OffsetGenerator {
  return new OffsetGenerator({
    random: spec.rw !== 'read' && spec.rw !== 'write',
    bs: spec.bs,
    size: spec.size,
    offset: spec.offset,
    fileSize: spec.offset + spec.size,
    seqAdd: spec.seqAdd,
    seqNr: spec.seqNr,
    sequencer: spec.sequencer,
    randommap: spec.randommap,
    timeBased: spec.timeBased,
    seed: blockSeed(threadNumber, spec.randrepeat, spec.randseed),
  })
}

/** I/Os a job does unless time-based: fio's number_ios, at most its region in blocks. */
export function jobIos(spec: JobSpec): number {
  const blocks = Math.floor(spec.size / spec.bs)
  return spec.numberIos === undefined ? blocks : Math.min(blocks, spec.numberIos)
}
