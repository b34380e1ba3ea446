/**
 * performance/stride-ahead against the real volume: strided and sequential reads interleaved with
 * writes, truncates, zerofills and discards through two fds of the file (write-behind below
 * acknowledging the writes early), every byte read checked against a model of the file, and the
 * final content checked through the C client (libgfapi, gfapi_peer.py).
 */
import { createHash, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type Glfs, O_CREAT, O_RDWR } from '../../src/api/index.ts'
import { mount } from '../helpers/mount.ts'
import { runProcess, uniqueName } from '../helpers/sandbox.ts'

const sb = inject('sandbox')
const FILE_SIZE = 4 * 1024 * 1024

/** Deterministic choices, so a failure replays. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 4294967296
  }
}

describe('stride-ahead on the single volume', () => {
  let glfs: Glfs
  const created: string[] = []

  beforeAll(async () => {
    glfs = await mount('single', { strideAhead: { depth: 8 } })
  })
  afterAll(async () => {
    for (const p of created) await glfs.unlink(p).catch(() => undefined)
    await glfs.fini()
  })

  it('is inserted above the volume graph when asked', () => {
    expect(glfs.describeGraph().split('\n')[0]).toMatch(/-stride-ahead \(performance\/stride-ahead\)/)
  })

  for (const [label, bs, stride] of [['sequential 4 KiB', 4096, 4096], ['4 KiB every 64 KiB', 4096, 65536], ['64 KiB every 1 MiB + 4 KiB', 65536, 1052672]] as const) {
    it(`${label}: every byte read matches, with writes, truncates, zerofills and discards between the reads`, async () => {
      const path = `/${uniqueName('sa')}`
      created.push(path)
      const model = randomBytes(FILE_SIZE)
      let size = FILE_SIZE
      const fd = await glfs.creat(path, O_RDWR | O_CREAT, 0o644)
      const other = await glfs.open(path, O_RDWR)
      await fd.pwrite(model, 0)
      const next = rng(bs ^ stride)
      const buf = Buffer.alloc(bs)
      let reads = 0
      for (let pass = 0; pass < 3; pass++) {
        for (let at = 0; at + bs <= FILE_SIZE; at += stride) {
          const n = await fd.pread(buf, at)
          const want = model.subarray(at, Math.min(at + bs, size))
          expect(n).toBe(want.length)
          expect(buf.subarray(0, n).equals(want)).toBe(true)
          reads++
          const r = next()
          // Changes land just ahead of the reader, where prefetched blocks are.
          const where = Math.min(FILE_SIZE - 1, at + stride * (1 + Math.floor(next() * 4)) + Math.floor(next() * bs))
          const len = Math.min(FILE_SIZE - where, 1 + Math.floor(next() * bs * 2))
          if (r < 0.25) {
            const data = randomBytes(len)
            await (next() < 0.5 ? fd : other).pwrite(data, where)
            data.copy(model, where)
            size = Math.max(size, where + len)
          } else if (r < 0.3) {
            await other.zerofill(where, len)
            model.fill(0, where, where + len)
          } else if (r < 0.33) {
            // Punching a hole needs whole filesystem blocks to read back as zeros; keep it aligned.
            const off = where - (where % 4096)
            const holeLen = Math.max(4096, len - (len % 4096))
            if (off + holeLen <= size) {
              await other.discard(off, holeLen)
              model.fill(0, off, off + holeLen)
            }
          } else if (r < 0.35) {
            const cut = Math.max(at + bs, where)
            await other.ftruncate(cut)
            model.fill(0, cut)
            size = cut
            await other.ftruncate(FILE_SIZE)
            size = FILE_SIZE
          }
        }
      }
      expect(reads).toBeGreaterThan(10)
      await fd.fsync()
      await fd.close()
      await other.close()
      // The C client reads the same bytes.
      const peer = await runProcess('python3', ['/work/shared/tools/gfapi_peer.py', '-s', sb.host, '-p', String(sb.port), '-V', sb.volumes.single.name,
        'sha256', path], 120_000)
      expect(peer.status).toBe(0)
      expect(peer.stdout).toContain(createHash('sha256').update(model).digest('hex'))
    }, 180_000)
  }

  it('a read issued after a write returned sees the write, however many blocks were in flight', async () => {
    const path = `/${uniqueName('sa')}`
    created.push(path)
    const fd = await glfs.creat(path, O_RDWR | O_CREAT, 0o644)
    await fd.pwrite(Buffer.alloc(FILE_SIZE, 0x11), 0)
    const buf = Buffer.alloc(4096)
    for (let i = 0; i < 200; i++) {
      const at = i * 8192
      await fd.pread(buf, at)
      expect(buf.every((b) => b === 0x11 || b === 0x22)).toBe(true)
      // Overwrite the next block of the pattern without waiting for the prefetches to land.
      await fd.pwrite(Buffer.alloc(4096, 0x22), at + 8192)
      const n = await fd.pread(buf, at + 8192)
      expect(n).toBe(4096)
      expect(buf.every((b) => b === 0x22)).toBe(true)
    }
    await fd.close()
  }, 120_000)
})
