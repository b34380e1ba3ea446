import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, statSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, type Glfs, GlusterError, O_CREAT, O_EXCL, O_RDONLY, O_RDWR, O_TRUNC,
  O_WRONLY, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET, UTIME_NOW, UTIME_OMIT, XATTR_CREATE,
} from '../../src/api/index.ts'
import { mount } from '../helpers/mount.ts'

const run = promisify(execFile)
const sb = inject('sandbox')
const brick = sb.volumes.single.bricks[0]!
const onBrick = (path: string): string => join(brick, path)

let glfs: Glfs
let dir: string

beforeAll(async () => {
  glfs = await mount('single')
  dir = `/fops-${randomBytes(4).toString('hex')}`
  await glfs.mkdir(dir)
})

afterAll(async () => {
  await glfs?.fini()
  rmSync(onBrick(dir), { recursive: true, force: true })
})

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
    return undefined
  } catch (err) {
    return (err as { code?: string }).code
  }
}

describe('file I/O round trips on the real brick', () => {
  for (const size of [0, 1, 4096, 128 * 1024, 1024 * 1024, 64 * 1024 * 1024]) {
    it(`writes and reads back ${size} bytes identically, here and on the brick`, async () => {
      const path = `${dir}/rt-${size}`
      const data = randomBytes(size)
      const fd = await glfs.creat(path, O_RDWR | O_TRUNC, 0o644)
      expect(await fd.pwrite(data, 0)).toBe(size)
      const back = await fd.pread(size + 100, 0)
      expect(back.length).toBe(size)
      expect(back.equals(data)).toBe(true)
      expect((await fd.fstat()).size).toBe(size)
      await fd.close()
      expect(readFileSync(onBrick(path)).equals(data)).toBe(true)
    })
  }

  it('reads short at end of file and 0 bytes at and past it', async () => {
    const fd = await glfs.creat(`${dir}/eof`, O_RDWR, 0o600)
    await fd.pwrite(Buffer.from('0123456789'), 0)
    const buf = Buffer.alloc(8)
    expect(await fd.pread(buf, 6)).toBe(4)
    expect(buf.subarray(0, 4).toString()).toBe('6789')
    expect(await fd.pread(buf, 10)).toBe(0)
    expect(await fd.pread(buf, 1_000_000)).toBe(0)
    expect((await fd.pread(5, 10)).length).toBe(0)
    await fd.close()
  })

  it('keeps unaligned and overlapping writes in order', async () => {
    const path = `${dir}/overlap`
    const fd = await glfs.creat(path, O_RDWR, 0o644)
    const model = Buffer.alloc(10000)
    const writes: Array<[number, Buffer]> = [[3, randomBytes(4093)], [1000, randomBytes(77)], [1037, randomBytes(5000)], [4097, randomBytes(1)], [9999, randomBytes(1)]]
    for (const [off, data] of writes) {
      await fd.pwrite(data, off)
      data.copy(model, off)
    }
    expect((await fd.pread(10000, 0)).equals(model)).toBe(true)
    await fd.close()
    expect(readFileSync(onBrick(path)).equals(model)).toBe(true)
  })

  it('serves 1000 concurrent preads and pwrites on one fd', async () => {
    const path = `${dir}/concurrent`
    const fd = await glfs.creat(path, O_RDWR, 0o644)
    const blocks = Array.from({ length: 1000 }, (_, i) => Buffer.alloc(512, i & 0xff))
    const written = await Promise.all(blocks.map((b, i) => fd.pwrite(b, i * 512)))
    expect(written.every((n) => n === 512)).toBe(true)
    const reads = await Promise.all(blocks.map((_, i) => fd.pread(512, i * 512)))
    reads.forEach((r, i) => expect(r.equals(blocks[i]!)).toBe(true))
    await fd.close()
    expect(statSync(onBrick(path)).size).toBe(512_000)
  })

  it('supports preadv/pwritev, the file position, lseek and O_APPEND', async () => {
    const fd = await glfs.creat(`${dir}/vec`, O_RDWR, 0o644)
    expect(await fd.pwritev([Buffer.from('abc'), Buffer.from('defg')], 0)).toBe(7)
    const a = Buffer.alloc(2)
    const b = Buffer.alloc(10)
    expect(await fd.preadv([a, b], 1)).toBe(6)
    expect(a.toString() + b.subarray(0, 4).toString()).toBe('bcdefg')
    expect(await fd.lseek(2, SEEK_SET)).toBe(2)
    expect((await fd.write('XY')).bytesWritten).toBe(2)
    expect(await fd.lseek(0, SEEK_END)).toBe(7)
    await fd.close()
    const app = await glfs.open(`${dir}/vec`, 'a')
    await app.write('!')
    await app.close()
    const ro = await glfs.open(`${dir}/vec`, O_RDONLY)
    expect((await ro.pread(100, 0)).toString()).toBe('abXYefg!')
    await ro.close()
  })
})

describe('data written by one client reads back identically through the other (libgfapi via qemu-img)', () => {
  const local = mkdtempSync(join(tmpdir(), 'gfts-cross-'))
  afterAll(() => rmSync(local, { recursive: true, force: true }))

  it('libgfapi reads back what we wrote', async () => {
    // qemu-img works in 512-byte sectors: sizes that are whole sectors compare exactly.
    const data = randomBytes(3 * 1024 * 1024 + 4608)
    const fd = await glfs.creat(`${dir}/ours.raw`, O_WRONLY | O_TRUNC, 0o644)
    await fd.pwrite(data, 0)
    await fd.close()
    const out = join(local, 'from-gluster.raw')
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'raw', `gluster://${sb.host}/${sb.volumes.single.name}${dir}/ours.raw`, out], { timeout: 60_000 })
    expect(readFileSync(out).equals(data)).toBe(true)
  }, 90_000)

  it('we read back what libgfapi wrote', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 1536)
    const src = join(local, 'to-gluster.raw')
    writeFileSync(src, data)
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'raw', src, `gluster://${sb.host}/${sb.volumes.single.name}${dir}/theirs.raw`], { timeout: 60_000 })
    const fd = await glfs.open(`${dir}/theirs.raw`, O_RDONLY)
    const back = await fd.pread(data.length + 10, 0)
    await fd.close()
    expect(back.length).toBe(data.length)
    expect(back.equals(data)).toBe(true)
  }, 90_000)
})

describe('space management', () => {
  it('discard punches a hole: fewer blocks on the brick, zeros in the range, same size', async () => {
    const path = `${dir}/discard`
    const fd = await glfs.creat(path, O_RDWR, 0o644)
    await fd.pwrite(randomBytes(4 * 1024 * 1024), 0)
    await fd.fsync()
    const before = statSync(onBrick(path)).blocks
    await fd.discard(1024 * 1024, 2 * 1024 * 1024)
    const after = statSync(onBrick(path)).blocks
    expect(after).toBeLessThan(before)
    expect((await fd.pread(2 * 1024 * 1024, 1024 * 1024)).equals(Buffer.alloc(2 * 1024 * 1024))).toBe(true)
    expect((await fd.fstat()).size).toBe(4 * 1024 * 1024)
    // SEEK_HOLE from the start finds the punched range; SEEK_DATA from inside it finds its end.
    expect(await fd.lseek(0, SEEK_HOLE)).toBe(1024 * 1024)
    expect(await fd.lseek(1024 * 1024, SEEK_DATA)).toBe(3 * 1024 * 1024)
    await fd.close()
  })

  it('zerofill writes zeros without shrinking the file, and extends it past the end', async () => {
    const path = `${dir}/zerofill`
    const fd = await glfs.creat(path, O_RDWR, 0o644)
    await fd.pwrite(Buffer.alloc(8192, 0xaa), 0)
    await fd.zerofill(100, 1000)
    const back = await fd.pread(8192, 0)
    expect(back.subarray(100, 1100).equals(Buffer.alloc(1000))).toBe(true)
    expect(back[99]).toBe(0xaa)
    expect(back[1100]).toBe(0xaa)
    expect((await fd.fstat()).size).toBe(8192)
    await fd.zerofill(8192, 4096)
    expect((await fd.fstat()).size).toBe(12288)
    await fd.close()
  })

  it('fallocate with KEEP_SIZE allocates without growing; PUNCH_HOLE deallocates', async () => {
    const path = `${dir}/falloc`
    const fd = await glfs.creat(path, O_RDWR, 0o644)
    await fd.fallocate(FALLOC_FL_KEEP_SIZE, 0, 1024 * 1024)
    expect((await fd.fstat()).size).toBe(0)
    expect(statSync(onBrick(path)).blocks).toBeGreaterThanOrEqual(2048)
    await fd.fallocate(0, 0, 65536)
    expect((await fd.fstat()).size).toBe(65536)
    await fd.pwrite(Buffer.alloc(65536, 1), 0)
    await fd.fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 65536)
    expect((await fd.pread(65536, 0)).equals(Buffer.alloc(65536))).toBe(true)
    expect((await fd.fstat()).size).toBe(65536)
    expect(await code(fd.fallocate(FALLOC_FL_PUNCH_HOLE, 0, 4096))).toBe('ENOTSUP')
    await fd.close()
  })

  it('ftruncate and truncate change the size on the brick', async () => {
    const path = `${dir}/trunc`
    const fd = await glfs.creat(path, O_RDWR, 0o644)
    await fd.pwrite(Buffer.alloc(5000, 3), 0)
    await fd.ftruncate(100)
    expect(statSync(onBrick(path)).size).toBe(100)
    await fd.close()
    await glfs.truncate(path, 70000)
    expect((await glfs.stat(path)).size).toBe(70000)
  })
})

describe('times', () => {
  it('utimens with UTIME_OMIT for atime leaves atime exactly as it was', async () => {
    const path = `${dir}/times`
    const fd = await glfs.creat(path, O_RDWR, 0o644)
    await fd.close()
    await glfs.utimens(path, new Date('2001-02-03T04:05:06.789Z'), new Date('2002-01-01T00:00:00Z'))
    const before = await glfs.stat(path, { bigint: true })
    expect(before.atimeNs).toBe(981173106789000000n)
    await glfs.utimens(path, UTIME_OMIT, 1_500_000_000n * 1_000_000_000n + 123n)
    const after = await glfs.stat(path, { bigint: true })
    expect(after.atimeNs).toBe(before.atimeNs)
    expect(after.mtimeNs).toBe(1_500_000_000_000_000_123n)
  })

  it('UTIME_NOW sets the time to now, and futimens sets exact times', async () => {
    const path = `${dir}/times-now`
    const fd = await glfs.creat(path, O_RDWR, 0o644)
    await fd.futimens(new Date(1_000_000_000_000), new Date(1_000_000_000_000))
    expect((await fd.fstat()).mtime.getTime()).toBe(1_000_000_000_000)
    const t0 = Date.now()
    await fd.futimens(UTIME_NOW, UTIME_OMIT)
    const st = await fd.fstat()
    expect(st.atimeMs).toBeGreaterThanOrEqual(t0 - 1000)
    expect(st.atimeMs).toBeLessThanOrEqual(Date.now() + 1000)
    expect(st.mtime.getTime()).toBe(1_000_000_000_000)
    await fd.close()
  })

  it('a write moves mtime forward and a create is dated now', async () => {
    const t0 = Date.now()
    const fd = await glfs.creat(`${dir}/ctime`, O_RDWR, 0o644)
    const created = await fd.fstat()
    expect(created.mtimeMs).toBeGreaterThanOrEqual(t0 - 1000)
    await fd.futimens(new Date(1_200_000_000_000), new Date(1_200_000_000_000))
    await fd.pwrite(Buffer.from('x'), 0)
    const after = await fd.fstat()
    expect(after.mtimeMs).toBeGreaterThanOrEqual(t0 - 1000)
    await fd.close()
  })
})

describe('namespace', () => {
  it('lists, renames, links, symlinks, reads links and removes', async () => {
    const d = `${dir}/ns`
    await glfs.mkdir(d, 0o750)
    expect((await glfs.stat(d)).mode & 0o777).toBe(0o750)
    const fd = await glfs.creat(`${d}/a`, O_WRONLY, 0o600)
    await fd.pwrite('hello', 0)
    await fd.close()
    await glfs.rename(`${d}/a`, `${d}/b`)
    await glfs.link(`${d}/b`, `${d}/c`)
    await glfs.symlink('b', `${d}/s`)
    expect(await glfs.readlink(`${d}/s`)).toBe('b')
    expect((await glfs.lstat(`${d}/s`)).isSymbolicLink()).toBe(true)
    expect((await glfs.stat(`${d}/s`)).size).toBe(5)
    expect((await glfs.stat(`${d}/c`)).nlink).toBe(2)
    expect((await glfs.readdir(d)).sort()).toEqual(['b', 'c', 's'])
    const entries = []
    const h = await glfs.opendir(d)
    for await (const e of h) entries.push(e)
    await h.close()
    expect(entries.find((e) => e.name === 'b')?.stat.size).toBe(5)
    await glfs.unlink(`${d}/b`)
    await glfs.unlink(`${d}/c`)
    await glfs.unlink(`${d}/s`)
    await glfs.rmdir(d)
    expect(await code(glfs.stat(d))).toBe('ENOENT')
  })

  it('sets, gets and removes extended attributes', async () => {
    const path = `${dir}/xattr`
    await (await glfs.creat(path, O_WRONLY, 0o644)).close()
    await glfs.setxattr(path, 'user.colour', 'blue')
    expect((await glfs.getxattr(path, 'user.colour')).toString()).toBe('blue')
    expect(await code(glfs.setxattr(path, 'user.colour', 'red', XATTR_CREATE))).toBe('EEXIST')
    await glfs.removexattr(path, 'user.colour')
    expect(await code(glfs.getxattr(path, 'user.colour'))).toBe('ENODATA')
  })

  it('reports the volume statvfs and honours access()', async () => {
    const s = await glfs.statvfs('/')
    expect(s.bsize).toBeGreaterThan(0)
    expect(s.blocks).toBeGreaterThan(s.bfree - 1)
    await glfs.access(dir, 7)
  })
})

describe('errors are Node-style with the Linux errno', () => {
  it('ENOENT, EEXIST, EISDIR, ENOTDIR, ENOTEMPTY, EBADF and EINVAL', async () => {
    const noent = (await glfs.stat(`${dir}/missing`).catch((e: unknown) => e)) as GlusterError
    expect(noent).toBeInstanceOf(GlusterError)
    expect(noent).toMatchObject({ code: 'ENOENT', errno: -2, syscall: 'stat', path: `${dir}/missing` })
    expect(noent.message).toMatch(/^ENOENT: no such file or directory, stat '.*missing'/)

    await (await glfs.creat(`${dir}/exists`, O_WRONLY, 0o644)).close()
    expect(await code(glfs.creat(`${dir}/exists`, O_WRONLY | O_CREAT | O_EXCL, 0o644))).toBe('EEXIST')
    expect(await code(glfs.open(`${dir}/exists`, 'wx'))).toBe('EEXIST')
    expect(await code(glfs.open(dir, O_RDWR))).toBe('EISDIR')
    expect(await code(glfs.unlink(dir))).toBe('EISDIR')
    expect(await code(glfs.stat(`${dir}/exists/below`))).toBe('ENOTDIR')
    await glfs.mkdir(`${dir}/full`)
    await (await glfs.creat(`${dir}/full/f`, O_WRONLY, 0o644)).close()
    expect(await code(glfs.rmdir(`${dir}/full`))).toBe('ENOTEMPTY')
    expect(await code(glfs.mkdir(`${dir}/full`))).toBe('EEXIST')

    const fd = await glfs.open(`${dir}/exists`, O_RDONLY)
    expect(await code(fd.pwrite('x', 0))).toBe('EBADF')
    await fd.close()
    expect(await code(fd.pread(1, 0))).toBe('EBADF')
    expect(await code(fd.close())).toBe('EBADF')

    const rw = await glfs.open(`${dir}/exists`, O_RDWR)
    expect(await code(rw.lseek(0, 99))).toBe('EINVAL')
    expect(await code(rw.fallocate(0, 0, 0))).toBe('EINVAL')
    expect(await code(glfs.readlink(`${dir}/exists`))).toBe('EINVAL')
    await expect(rw.pread(1, -1)).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' })
    await rw.close()
  })

  it('never reports errno 0 and names volume and brick of a failed fop', async () => {
    const err = (await glfs.open(`${dir}/nope/x`, O_RDONLY).catch((e: unknown) => e)) as GlusterError
    expect(err.errno).toBeLessThan(0)
    expect(err.volume).toBe(sb.volumes.single.name)
    expect(err.brick).toContain(brick)
  })
})
