/**
 * pread and pwrite of one piece (the hot path) settle through handler objects reused from call to
 * call: each call still gets its own target, byte count, short-write rule and error.
 */
import { describe, expect, it } from 'vitest'
import { GlfsFd } from '../../../src/api/fd.ts'
import { GlusterError } from '../../../src/api/index.ts'
import { errnoOf } from '../../../src/rpc/errno.ts'
import { Iatt } from '../../../src/rpc/programs/fops/iatt.ts'
import { type Call, type Dict, Fd, Inode, type ReadResult, type WriteResult } from '../../../src/xlators/types.ts'
import { Xlator } from '../../../src/xlators/xlator.ts'
import { testInit } from '../../helpers/xlator-init.ts'

/**
 * A file in memory. Reads answer with data of their own (not placed in the caller's buffer), in
 * the order `release` picks; a read at `failAt` fails; writes land at most `maxWrite` bytes each.
 */
class MemoryFile extends Xlator {
  readonly bytes = Buffer.alloc(64 * 1024)
  readonly held: Array<() => void> = []
  failAt = -1
  maxWrite = Infinity
  constructor() {
    super(testInit('memory', 'test/memory'))
  }

  override readv(_call: Call, _fd: Fd, size: number, offset: number): Promise<ReadResult> {
    return new Promise((resolve, reject) => {
      this.held.push(() => {
        if (offset === this.failAt) reject(new GlusterError({ errno: errnoOf('EIO'), syscall: 'read', volume: 'v', detail: 'test' }))
        else resolve({ data: Buffer.from(this.bytes.subarray(offset, offset + size)), stat: { mode: 0, size: 0 }, eof: false, xdata: undefined })
      })
    })
  }

  override async writev(_call: Call, _fd: Fd, data: Buffer, offset: number, _flags: number, _xdata?: Dict): Promise<WriteResult> {
    const n = Math.min(data.length, this.maxWrite)
    data.copy(this.bytes, offset, 0, n)
    return { size: n, prestat: new Iatt(), poststat: new Iatt(), xdata: undefined }
  }
}

function open(top: Xlator): GlfsFd {
  const call = { uid: 0, gid: 0, groups: [], pid: 1, lkOwner: Buffer.alloc(8, 1) } as unknown as Call
  return new GlfsFd({ volume: 'v', top, call, forget: () => undefined }, new Fd(new Inode(Buffer.alloc(16, 7)), 2, false), '/f')
}

describe('pread and pwrite of one piece', () => {
  it('fills each concurrent pread\'s own buffer, answered out of order, over several rounds', async () => {
    const file = new MemoryFile()
    for (let i = 0; i < file.bytes.length; i++) file.bytes[i] = (i * 7 + (i >> 8)) & 0xff
    const fd = open(file)
    for (let round = 0; round < 3; round++) {
      const targets = Array.from({ length: 8 }, () => Buffer.alloc(512))
      const reads = targets.map((t, i) => fd.pread(t, (round * 8 + i) * 1024))
      for (const i of [5, 0, 7, 2, 1, 6, 3, 4]) file.held[i]!()
      file.held.length = 0
      expect(await Promise.all(reads)).toEqual(targets.map(() => 512))
      targets.forEach((t, i) => expect(t.equals(file.bytes.subarray((round * 8 + i) * 1024, (round * 8 + i) * 1024 + 512))).toBe(true))
    }
  })

  it('rejects only the pread that failed, with the fd\'s path, and keeps serving the next ones', async () => {
    const file = new MemoryFile()
    file.bytes.fill(9)
    const fd = open(file)
    file.failAt = 4096
    const bad = fd.pread(Buffer.alloc(10), 4096)
    const good = Buffer.alloc(10)
    const ok = fd.pread(good, 0)
    for (const release of file.held.splice(0)) release()
    await expect(bad).rejects.toMatchObject({ code: 'EIO', syscall: 'pread', path: '/f' })
    expect(await ok).toBe(10)
    const again = Buffer.alloc(10)
    const next = fd.pread(again, 100)
    file.held.splice(0)[0]!()
    expect(await next).toBe(10)
    expect(again.every((b) => b === 9)).toBe(true)
  })

  it('continues each pwrite\'s own short write from where it stopped', async () => {
    const file = new MemoryFile()
    file.maxWrite = 300
    const fd = open(file)
    const a = Buffer.alloc(1000, 1)
    const b = Buffer.alloc(700, 2)
    expect(await Promise.all([fd.pwrite(a, 0), fd.pwrite(b, 2000)])).toEqual([1000, 700])
    expect(file.bytes.subarray(0, 1000).every((x) => x === 1)).toBe(true)
    expect(file.bytes.subarray(2000, 2700).every((x) => x === 2)).toBe(true)
    file.maxWrite = Infinity
    expect(await fd.pwrite(Buffer.alloc(10, 3), 5000)).toBe(10)
  })
})
