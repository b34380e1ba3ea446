import { describe, expect, it } from 'vitest'
import { Iatt } from '../../../../src/rpc/programs/fops/iatt.ts'
import {
  STRIDE_AHEAD_OPTIONS, StrideAhead, type StrideAheadConfig, StrideDetector, withStrideAhead,
} from '../../../../src/xlators/stride-ahead/stride-ahead.ts'
import { strideAhead } from '../../../../src/xlators/stride-ahead/index.ts'
import { parseOptions } from '../../../../src/xlators/options.ts'
import {
  type Call, type CommonResult, type Dict, Fd, Inode, type Loc, type OpenResult, type PrePostResult, type ReadResult, type WriteResult,
} from '../../../../src/xlators/types.ts'
import { parseVolfile } from '../../../../src/xlators/volfile.ts'
import { Xlator, buildXlator } from '../../../../src/xlators/xlator.ts'
import { TEST_GRAPH, testInit } from '../../../helpers/xlator-init.ts'
import { O_DIRECT, O_TRUNC } from '../../../../src/rpc/linux.ts'

const CALL: Call = { pid: 1, uid: 0, gid: 0, groups: [], lkOwner: Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]) }
const IATT = new Iatt()

/**
 * One file in memory. READs can be held until `answerHeld()`; a READ copies the file when it
 * arrives, so a held one answers with what the file held then (the worst case for a cache).
 */
class MemFile extends Xlator {
  content: Buffer
  readonly reads: number[] = []
  hold = false
  failReads = false
  readonly #held: (() => void)[] = []

  constructor(size: number) {
    super(testInit('mem', 'test/mem'))
    this.content = Buffer.alloc(size)
    for (let i = 0; i < size; i += 4) this.content.writeUInt32LE(i, i)
  }

  answerHeld(): void {
    for (const r of this.#held.splice(0)) r()
  }

  override async readv(_call: Call, _fd: Fd, size: number, offset: number): Promise<ReadResult> {
    this.reads.push(offset)
    const fail = this.failReads
    const data = Buffer.from(this.content.subarray(offset, offset + size))
    if (this.hold) await new Promise<void>((r) => this.#held.push(r))
    if (fail) throw Object.assign(new Error('EIO'), { code: 'EIO' })
    return { data, stat: IATT, eof: offset + size >= this.content.length, xdata: undefined }
  }

  override async writev(_call: Call, _fd: Fd, data: Buffer, offset: number): Promise<WriteResult> {
    data.copy(this.content, offset)
    return { prestat: IATT, poststat: IATT, xdata: undefined, size: data.length }
  }

  override async ftruncate(_call: Call, _fd: Fd, offset: number): Promise<PrePostResult> {
    const next = Buffer.alloc(offset)
    this.content.copy(next, 0, 0, offset)
    this.content = next
    return { prestat: IATT, poststat: IATT, xdata: undefined }
  }

  override async zerofill(_call: Call, _fd: Fd, offset: number, length: number): Promise<PrePostResult> {
    this.content.fill(0, offset, offset + length)
    return { prestat: IATT, poststat: IATT, xdata: undefined }
  }

  override async discard(call: Call, fd: Fd, offset: number, length: number): Promise<PrePostResult> {
    return this.zerofill(call, fd, offset, length)
  }

  override async fallocate(call: Call, fd: Fd, _mode: number, offset: number, length: number): Promise<PrePostResult> {
    return this.zerofill(call, fd, offset, length)
  }

  override async open(_call: Call, _loc: Loc, flags: number, fd: Fd, _xdata?: Dict): Promise<OpenResult> {
    if ((flags & O_TRUNC) !== 0) this.content = Buffer.alloc(0)
    return { fd, xdata: undefined } as unknown as OpenResult
  }

  override async release(): Promise<void> {}

  override async fsync(): Promise<PrePostResult> {
    return { prestat: IATT, poststat: IATT, xdata: undefined }
  }

  override async flush(): Promise<CommonResult> {
    return { xdata: undefined }
  }
}

function config(over: Partial<StrideAheadConfig> = {}): StrideAheadConfig {
  return { ...parseOptions<StrideAheadConfig>('t', STRIDE_AHEAD_OPTIONS, new Map()), ...over }
}

function setup(size = 1 << 20, over: Partial<StrideAheadConfig> = {}): { mem: MemFile, sa: StrideAhead, fd: Fd, inode: Inode } {
  const mem = new MemFile(size)
  const sa = new StrideAhead({ ...testInit('sa', StrideAhead.type, [mem]), options: config(over) })
  const inode = new Inode(Buffer.alloc(16, 7))
  return { mem, sa, fd: new Fd(inode, 0, false), inode }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r))

async function read(sa: StrideAhead, fd: Fd, offset: number, size = 4096): Promise<Buffer> {
  return (await sa.readv(CALL, fd, size, offset, 0)).data
}

describe('StrideDetector', () => {
  it('confirms a constant stride on the third read and keeps confirming', () => {
    const d = new StrideDetector()
    expect(d.observe(0, 4096)).toBe(false)
    expect(d.observe(8192, 4096)).toBe(false)
    expect(d.observe(16384, 4096)).toBe(true)
    expect(d.stride).toBe(8192)
    expect(d.observe(24576, 4096)).toBe(true)
  })

  it('treats sequential reads as a stride equal to the size', () => {
    const d = new StrideDetector()
    d.observe(0, 65536)
    d.observe(65536, 65536)
    expect(d.observe(131072, 65536)).toBe(true)
    expect(d.stride).toBe(65536)
  })

  it('drops the pattern on a different distance, a different size, or a backwards read', () => {
    const d = new StrideDetector()
    for (const o of [0, 100, 200]) d.observe(o, 10)
    expect(d.observe(350, 10)).toBe(false)
    expect(d.observe(500, 10)).toBe(true)
    expect(d.observe(650, 20)).toBe(false)
    expect(d.observe(800, 20)).toBe(false)
    expect(d.observe(700, 20)).toBe(false)
    expect(d.observe(600, 20)).toBe(false)
  })

  it('almost never confirms on random offsets', () => {
    const d = new StrideDetector()
    let x = 12345
    let confirmed = 0
    for (let i = 0; i < 100_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0
      if (d.observe((x % 65536) * 4096, 4096)) confirmed++
    }
    expect(confirmed).toBeLessThan(10)
  })
})

describe('StrideAhead', () => {
  it('keeps depth blocks of the stride in flight and serves them without another READ', async () => {
    const { mem, sa, fd } = setup(1 << 20, { depth: 4 })
    for (const o of [0, 8192, 16384]) await read(sa, fd, o)
    expect(mem.reads).toEqual([0, 8192, 16384, 24576, 32768, 40960, 49152])
    const got = await read(sa, fd, 24576)
    expect(got.readUInt32LE(0)).toBe(24576)
    expect(mem.reads.length).toBe(8)
    expect(mem.reads.at(-1)).toBe(57344)
    for (let o = 32768; o < 1 << 20; o += 8192) expect((await read(sa, fd, o)).readUInt32LE(4092)).toBe(o + 4092)
    // Every block read once, nothing past the end after the first short prefetch.
    expect(new Set(mem.reads).size).toBe(mem.reads.length)
  })

  it('issues nothing extra for random reads', async () => {
    const { mem, sa, fd } = setup(1 << 24)
    let x = 99
    for (let i = 0; i < 2000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0
      await read(sa, fd, (x % 4096) * 4096)
    }
    expect(mem.reads.length).toBe(2000)
    expect(sa.heldBytes).toBe(0)
  })

  for (const op of ['writev', 'ftruncate', 'discard', 'zerofill', 'fallocate', 'open-trunc', 'other-fd-write'] as const) {
    it(`never serves data prefetched before a ${op}`, async () => {
      const { mem, sa, fd, inode } = setup(1 << 20, { depth: 4 })
      for (const o of [0, 8192, 16384]) await read(sa, fd, o)
      await tick()
      const other = new Fd(inode, 0, false)
      switch (op) {
        case 'writev': await sa.writev(CALL, fd, Buffer.alloc(4096, 0xee), 24576, 0); break
        case 'other-fd-write': await sa.writev(CALL, other, Buffer.alloc(4096, 0xee), 24576, 0); break
        case 'ftruncate': await sa.ftruncate(CALL, fd, 20000); break
        case 'discard': await sa.discard(CALL, fd, 24576, 4096); break
        case 'zerofill': await sa.zerofill(CALL, fd, 24576, 4096); break
        case 'fallocate': await sa.fallocate(CALL, fd, 0x03, 24576, 4096); break
        case 'open-trunc': await sa.open(CALL, { path: '/f', name: 'f', parent: undefined, inode }, O_TRUNC, other); break
      }
      const got = await read(sa, fd, 24576)
      expect(got).toEqual(mem.content.subarray(24576, 24576 + 4096))
      // The stale blocks' bytes are released once their replies are in.
      await tick()
      const following = await read(sa, fd, 32768)
      expect(following).toEqual(mem.content.subarray(32768, 32768 + 4096))
    })
  }

  it('does not serve a prefetch still in flight when a write started after it was sent', async () => {
    const { mem, sa, fd } = setup(1 << 20, { depth: 2 })
    for (const o of [0, 8192]) await read(sa, fd, o)
    // The third read confirms the stride: 24576 and 32768 are read at once and answered late,
    // with the data from before the write.
    mem.hold = true
    const third = read(sa, fd, 16384)
    expect(mem.reads).toEqual([0, 8192, 16384, 24576, 32768])
    mem.hold = false
    await sa.writev(CALL, fd, Buffer.alloc(4096, 0xab), 24576, 0)
    const r = read(sa, fd, 24576)
    mem.answerHeld()
    await third
    expect((await r).every((b) => b === 0xab)).toBe(true)
  })

  it('sends no prefetch while a write is in progress', async () => {
    const { mem, inode } = setup(1 << 20, { depth: 2 })
    let finish!: () => void
    const slow = new (class extends Xlator {
      override async writev(): Promise<WriteResult> {
        await new Promise<void>((r) => { finish = r })
        return { prestat: IATT, poststat: IATT, xdata: undefined, size: 0 }
      }
    })(testInit('slow', 'test/slow', [mem]))
    const top = new StrideAhead({ ...testInit('sa', StrideAhead.type, [slow]), options: config({ depth: 2 }) })
    const f = new Fd(inode, 0, false)
    const w = top.writev(CALL, f, Buffer.alloc(1), 0, 0)
    for (const o of [0, 8192, 16384]) await read(top, f, o)
    expect(mem.reads).toEqual([0, 8192, 16384])
    finish()
    await w
  })

  it('bounds the bytes held and releases them when the pattern breaks or the fd closes', async () => {
    const { mem, sa, fd } = setup(1 << 22, { depth: 64, cacheBytes: 65536 })
    for (const o of [0, 4096, 8192]) await read(sa, fd, o)
    expect(sa.heldBytes).toBe(65536)
    expect(mem.reads.length).toBe(3 + 16)
    await read(sa, fd, 3_000_000)
    await tick()
    expect(sa.heldBytes).toBe(0)
    for (const o of [0, 4096, 8192]) await read(sa, fd, o)
    await sa.release(CALL, fd)
    await tick()
    expect(sa.heldBytes).toBe(0)
  })

  it('passes reads above max-block straight through', async () => {
    const { mem, sa, fd } = setup(1 << 22, { maxBlock: 65536 })
    for (const o of [0, 131072, 262144, 393216]) await read(sa, fd, o, 131072)
    expect(mem.reads).toEqual([0, 131072, 262144, 393216])
    expect(sa.heldBytes).toBe(0)
  })

  it('passes O_DIRECT reads straight through', async () => {
    const { mem, sa, inode } = setup()
    const fd = new Fd(inode, O_DIRECT, false)
    for (const o of [0, 8192, 16384, 24576]) await read(sa, fd, o)
    expect(mem.reads).toEqual([0, 8192, 16384, 24576])
  })

  it('falls back to a real READ when the prefetch failed', async () => {
    const { mem, sa, fd } = setup(1 << 20, { depth: 2 })
    mem.failReads = false
    for (const o of [0, 8192]) await read(sa, fd, o)
    mem.failReads = true
    await read(sa, fd, 16384).catch(() => undefined)
    await tick()
    mem.failReads = false
    expect((await read(sa, fd, 24576)).readUInt32LE(0)).toBe(24576)
  })

  it('drops what another mount of the volume read ahead when that mount writes, fsyncs or flushes', async () => {
    const mem = new MemFile(1 << 20)
    const a = new StrideAhead({ ...testInit('a', StrideAhead.type, [mem], { volume: 'vol-x' }), options: config({ depth: 4 }) })
    const b = new StrideAhead({ ...testInit('b', StrideAhead.type, [mem], { volume: 'vol-x' }), options: config({ depth: 4 }) })
    const fdA = new Fd(new Inode(Buffer.alloc(16, 9)), 0, false)
    const fdB = new Fd(new Inode(Buffer.alloc(16, 9)), 0, false)
    for (const o of [0, 8192, 16384]) await read(a, fdA, o)
    await tick()
    await b.writev(CALL, fdB, Buffer.alloc(4096, 0xcd), 24576, 0)
    expect((await read(a, fdA, 24576)).every((x) => x === 0xcd)).toBe(true)
    // B's write-behind may put data on the brick only at its fsync: what A read ahead before it goes.
    await tick()
    const readsBefore = mem.reads.length
    mem.content.fill(0xef, 32768, 32768 + 4096)
    await b.fsync(CALL, fdB, false)
    expect((await read(a, fdA, 32768)).every((x) => x === 0xef)).toBe(true)
    expect(mem.reads.length).toBeGreaterThan(readsBefore)
    mem.content.fill(0x5a, 40960, 40960 + 4096)
    await b.flush(CALL, fdB)
    expect((await read(a, fdA, 40960)).every((x) => x === 0x5a)).toBe(true)
    await a.fini()
    await b.fini()
  })

  it('is inserted above the top of the volfile graph by withStrideAhead', () => {
    const vf = parseVolfile('volume v-client-0\n type protocol/client\nend-volume\nvolume v\n type debug/io-stats\n subvolumes v-client-0\nend-volume\n')
    const out = withStrideAhead(vf, 'v', new Map([['depth', '4']]))
    expect(out.top.name).toBe('v-stride-ahead')
    expect(out.top.subvolumes).toEqual(['v'])
    const xl = buildXlator(strideAhead, out.top, [new MemFile(4)], TEST_GRAPH) as StrideAhead
    expect(xl.config.depth).toBe(4)
    expect(() => buildXlator(strideAhead, { ...out.top, options: new Map([['depth', '0']]) }, [], TEST_GRAPH)).toThrow(/depth/)
    void xl.fini()
  })

  it('checks GlfsOptions.strideAhead when the Glfs is made', async () => {
    const { Glfs } = await import('../../../../src/api/index.ts')
    expect(() => new Glfs('v', { strideAhead: { depth: 0 } })).toThrow(/depth/)
    expect(() => new Glfs('v', { strideAhead: { cacheSize: 10 } })).toThrow(/cache-size/)
    expect(() => new Glfs('v', { strideAhead: { depth: 16, maxBlock: 65536 } })).not.toThrow()
  })
})
