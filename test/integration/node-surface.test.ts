/**
 * The node:fs/promises-shaped surface (issue 17) against the sandbox volume, with what lands on the
 * volume judged by the C client (gfapi_peer.py).
 */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { pipeline } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  AbortError, COPYFILE_EXCL, type FopMessage, Glfs, GlfsBigIntStats, GlfsDirent, GlfsStats, O_RDWR, UTIME_OMIT,
} from '../../src/api/index.ts'
import { cRead, cView, viewOf } from '../helpers/c-peer.ts'
import { mount } from '../helpers/mount.ts'
import { runProcess, sandbox } from '../helpers/sandbox.ts'

const sb = inject('sandbox')
const volume = sb.volumes.single.name
const brick = sb.volumes.single.bricks[0]!

let glfs: Glfs
let dir: string

beforeAll(async () => {
  glfs = await mount('single')
  dir = `/node-surface-${randomBytes(4).toString('hex')}`
  await glfs.mkdir(dir)
})

afterAll(async () => {
  await glfs?.rm(dir, { recursive: true, force: true })
  await glfs?.fini()
})

async function failure(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected a rejection')
}

/** The C client's stat of `path`, its ino kept exact (JSON numbers past 2^53 are not). */
async function cStat(path: string): Promise<{ mode: number; uid: number; gid: number; size: number; ino: string; atime_ns: string; mtime_ns: string }> {
  const s = sandbox()
  const r = await runProcess('python3', ['/work/shared/tools/gfapi_peer.py', '-s', s.host, '-p', String(s.port), '-V', volume, '--json', 'stat', path], 60_000)
  if (r.status !== 0) throw new Error(`gfapi_peer stat ${path}: ${r.stderr}`)
  const exact = r.stdout.replace(/"(ino|atime_ns|mtime_ns|ctime_ns)": (\d+)/g, '"$1": "$2"')
  const parsed = JSON.parse(exact) as { mode: string; uid: number; gid: number; size: number; ino: string; atime_ns: string; mtime_ns: string }
  return { ...parsed, mode: Number.parseInt(parsed.mode.replace(/^0o/, ""), 8) }
}

describe('await using (Symbol.asyncDispose)', () => {
  it('closes an fd and a directory at the end of the scope and finishes a Glfs', async () => {
    const path = `${dir}/dispose`
    let fdSeen
    let dirSeen
    let outer: Glfs
    {
      await using g = await mount('single')
      outer = g
      {
        await using fd = await g.creat(path, 'w')
        await using d = await g.opendir(dir)
        await fd.writeFile('disposed')
        fdSeen = fd
        dirSeen = d
      }
      expect(fdSeen.closed).toBe(true)
      expect(dirSeen.closed).toBe(true)
      // The close flushed: the C client sees the bytes.
      expect((await cRead(volume, path, 0, 100)).toString()).toBe('disposed')
    }
    expect(await failure(outer.stat('/'))).toMatchObject({ code: 'ENOTCONN' })
    // Disposing what was closed already is no error.
    await fdSeen[Symbol.asyncDispose]()
    await dirSeen[Symbol.asyncDispose]()
  })
})

describe('FileHandle-shaped fds', () => {
  it('read honours buffer, offset, length and position in every node:fs form', async () => {
    const path = `${dir}/read`
    await glfs.writeFile(path, 'abcdefghij')
    const fd = await glfs.open(path, 'r')
    const buf = Buffer.alloc(6, '.')
    // The case: used to return 0 and leave the buffer untouched.
    expect(await fd.read(buf, 0, 3, 0)).toEqual({ bytesRead: 3, buffer: buf })
    expect(buf.toString()).toBe('abc...')
    expect((await fd.read(buf, 2, 3, 4)).bytesRead).toBe(3)
    expect(buf.toString()).toBe('abefg.')
    // Position null: at the file position (still 0: positioned reads do not move it), which advances.
    const b2 = Buffer.alloc(4)
    expect((await fd.read(b2, 0, 4, null)).bytesRead).toBe(4)
    expect(b2.toString()).toBe('abcd')
    expect((await fd.read(b2, 0, 4, null)).bytesRead).toBe(4)
    expect(b2.toString()).toBe('efgh')
    // The options forms.
    const b3 = Buffer.alloc(5, '.')
    expect((await fd.read({ buffer: b3, offset: 1, length: 2, position: 8 })).bytesRead).toBe(2)
    expect(b3.toString()).toBe('.ij..')
    expect((await fd.read(b3, { length: 3, position: 1n })).bytesRead).toBe(3)
    expect(b3.toString()).toBe('bcd..')
    const fresh = await fd.read({ position: 0 })
    expect(fresh.buffer.length).toBe(16384)
    expect(fresh.buffer.subarray(0, fresh.bytesRead).toString()).toBe('abcdefghij')
    // Typed arrays other than Uint8Array are filled through their bytes.
    const u16 = new Uint16Array(2)
    expect((await fd.read(u16, 0, 4, 0)).bytesRead).toBe(4)
    expect(Buffer.from(u16.buffer).toString()).toBe('abcd')
    expect(await failure(fd.read(buf, 4, 3, 0))).toMatchObject({ code: 'ERR_OUT_OF_RANGE' })
    expect(await failure(fd.read(buf, 0, 1, -2))).toMatchObject({ code: 'ERR_OUT_OF_RANGE' })
    await fd.close()
  })

  it('write, readv and writev honour their arguments; the C client reads what they wrote', async () => {
    const path = `${dir}/write`
    const fd = await glfs.creat(path, O_RDWR)
    const src = Buffer.from('0123456789')
    expect(await fd.write(src, 2, 3, 5)).toEqual({ bytesWritten: 3, buffer: src })
    expect(await fd.write('héllo', null, 'latin1')).toEqual({ bytesWritten: 5, buffer: 'héllo' })
    expect((await fd.write(src, { offset: 8, length: 2, position: 10 })).bytesWritten).toBe(2)
    expect((await fd.writev([Buffer.from('AB'), Buffer.from('CD')], 12)).bytesWritten).toBe(4)
    await fd.sync()
    // Bytes 8 and 9 were never written: a hole, zeros.
    const expected = Buffer.concat([Buffer.from('héllo', 'latin1'), Buffer.from('234'), Buffer.alloc(2), Buffer.from('89ABCD')])
    expect(await cRead(volume, path, 0, 100)).toEqual(expected)
    const a = Buffer.alloc(3)
    const b = Buffer.alloc(4)
    expect((await fd.readv([a, b], 10)).bytesRead).toBe(6)
    expect(a.toString() + b.subarray(0, 3).toString()).toBe('89ABCD')
    await fd.close()
  })

  it('stat, truncate, datasync, utimes, chmod and chown as FileHandle; the C client sees each', async () => {
    const path = `${dir}/attrs`
    const fd = await glfs.creat(path, O_RDWR)
    await fd.writeFile('0123456789')
    await fd.truncate(4)
    await fd.datasync()
    await fd.utimes(new Date('2010-01-01T00:00:00Z'), 1_300_000_000.5)
    await fd.chmod(0o640)
    await fd.chown(4321, 8765)
    await fd.chown(-1, -1)
    const c = await cStat(path)
    expect(c).toMatchObject({ size: 4, mode: 0o100640, uid: 4321, gid: 8765, mtime_ns: '1300000000500000000', atime_ns: '1262304000000000000' })
    const s = await fd.stat()
    expect(s).toBeInstanceOf(GlfsStats)
    expect([s.size, s.mode, s.uid, s.gid]).toEqual([4, 0o100640, 4321, 8765])
    const big = await fd.stat({ bigint: true })
    expect(big).toBeInstanceOf(GlfsBigIntStats)
    expect(big.ino.toString()).toBe(c.ino)
    expect(big.mtimeNs.toString()).toBe(c.mtime_ns)
    await fd.truncate()
    expect((await fd.stat()).size).toBe(0)
    expect(await failure(fd.chmod(0o10000))).toBeInstanceOf(RangeError)
    await fd.close()
  })

  it('readFile, writeFile and appendFile on an fd and on a path; the C client sees the bytes', async () => {
    const path = `${dir}/whole`
    const data = randomBytes(3 * 1024 * 1024 + 17)
    await glfs.writeFile(path, data)
    expect(await cView(volume, path)).toEqual(viewOf(data))
    expect((await glfs.readFile(path)).equals(data)).toBe(true)
    await glfs.appendFile(path, 'tail', { encoding: 'utf8' })
    await glfs.appendFile(path, Readable.from([Buffer.from('-a'), '-b']))
    const whole = Buffer.concat([data, Buffer.from('tail-a-b')])
    expect(await cView(volume, path)).toEqual(viewOf(whole))
    const text1 = `${dir}/text`
    await glfs.writeFile(text1, 'première', { mode: 0o600 })
    expect(await glfs.readFile(text1, 'utf8')).toBe('première')
    expect((await cStat(text1)).mode).toBe(0o100600)
    // FileHandle.readFile reads from the file position.
    const fd = await glfs.open(text1, 'r+')
    await fd.read(Buffer.alloc(3), 0, 3, null)
    expect(await fd.readFile({ encoding: 'utf8' })).toBe('mière')
    await fd.writeFile('!')
    await fd.close()
    expect((await cRead(volume, text1, 0, 100)).toString()).toBe('première!')
    expect(await failure(glfs.writeFile(text1, 'x', { flag: 'wx' }))).toMatchObject({ code: 'EEXIST' })
  })
})

describe('streams', () => {
  const size = 8 * 1024 * 1024 + 333
  let data: Buffer
  let path: string

  beforeAll(async () => {
    data = randomBytes(size)
    path = `${dir}/stream-src`
    await glfs.writeFile(path, data)
  })

  it('createReadStream reads start..end inclusive, in highWaterMark pieces', async () => {
    const pieces: number[] = []
    const out: Buffer[] = []
    for await (const chunk of glfs.createReadStream(path, { start: 10, end: 300_009, highWaterMark: 65536 })) {
      pieces.push((chunk as Buffer).length)
      out.push(chunk as Buffer)
    }
    expect(Buffer.concat(out).equals(data.subarray(10, 300_010))).toBe(true)
    expect(Math.max(...pieces)).toBe(65536)
    // On an fd: the whole file, and the fd closed at the end.
    const fd = await glfs.open(path, 'r')
    const all: Buffer[] = []
    for await (const chunk of fd.createReadStream()) all.push(chunk as Buffer)
    expect(Buffer.concat(all).equals(data)).toBe(true)
    expect(fd.closed).toBe(true)
    expect(await failure(glfs.createReadStream(`${dir}/missing`).toArray())).toMatchObject({ code: 'ENOENT' })
  })

  it('createWriteStream writes from start; the C client reads it', async () => {
    const dest = `${dir}/stream-dst`
    await glfs.writeFile(dest, Buffer.alloc(10, '-'))
    await pipeline(glfs.createReadStream(path), glfs.createWriteStream(dest, { flags: 'r+', start: 5 }))
    expect(await cView(volume, dest)).toEqual(viewOf(Buffer.concat([Buffer.alloc(5, '-'), data])))
    const fd = await glfs.open(dest, 'r+')
    const ws = fd.createWriteStream({ start: 1, flush: true })
    ws.end('STREAM')
    await new Promise((resolve, reject) => ws.on('finish', resolve).on('error', reject))
    expect(fd.closed).toBe(true)
    expect((await cRead(volume, dest, 0, 12)).toString('latin1')).toBe(`-STREAM${data.subarray(2, 7).toString('latin1')}`)
  })

  it('a stream aborted by its signal fails with AbortError and closes its fd', async () => {
    const controller = new AbortController()
    const stream = glfs.createReadStream(path, { highWaterMark: 65536, signal: controller.signal })
    let got = 0
    const err = await failure((async () => {
      for await (const chunk of stream) {
        got += (chunk as Buffer).length
        if (got >= 4 * 65536) controller.abort()
      }
    })())
    expect(err.name).toBe('AbortError')
    expect(got).toBeLessThan(size)
    if (!stream.closed) await once(stream, 'close')
    expect(stream.fd?.closed).toBe(true)
  })

  it('readableWebStream yields the file and leaves the fd open', async () => {
    const fd = await glfs.open(path, 'r')
    const parts: Uint8Array[] = []
    for await (const part of fd.readableWebStream()) parts.push(part)
    expect(Buffer.concat(parts).equals(data)).toBe(true)
    expect(fd.closed).toBe(false)
    await fd.close()
  })

  it('a slow reader holds back the reads: fetched minus consumed stays within a small multiple of highWaterMark', async () => {
    const hwm = 64 * 1024
    let fetched = 0
    const onEnd = (message: unknown): void => {
      const m = message as FopMessage
      if (m.fop === 'pread' && m.path === path) fetched += m.bytes ?? 0
    }
    const fop = tracingChannel('gfapi-ts:fop')
    const ignore = (): void => undefined
    const handlers = { start: ignore, end: ignore, asyncStart: ignore, asyncEnd: onEnd, error: ignore }
    fop.subscribe(handlers)
    let consumed = 0
    let worst = 0
    try {
      const stream = glfs.createReadStream(path, { highWaterMark: hwm, end: 4 * 1024 * 1024 - 1 })
      for await (const chunk of stream) {
        consumed += (chunk as Buffer).length
        await sleep(2)
        worst = Math.max(worst, fetched - consumed)
        if (consumed === 1024 * 1024) {
          // A reader that stops: nothing more is fetched past the buffer.
          const before = fetched
          await sleep(300)
          expect(fetched - before).toBeLessThanOrEqual(2 * hwm)
        }
      }
    } finally {
      fop.unsubscribe(handlers)
    }
    expect(consumed).toBe(4 * 1024 * 1024)
    expect(fetched).toBe(consumed)
    expect(worst).toBeLessThanOrEqual(3 * hwm)
  })

  it('a writer that waits for drain never has more than highWaterMark plus one chunk buffered', async () => {
    const dest = `${dir}/stream-bp`
    const ws = glfs.createWriteStream(dest, { highWaterMark: 64 * 1024 })
    const chunk = randomBytes(16 * 1024)
    let worst = 0
    for (let i = 0; i < 512; i++) {
      if (!ws.write(chunk)) {
        worst = Math.max(worst, ws.writableLength)
        await new Promise((resolve) => ws.once('drain', resolve))
      }
    }
    ws.end()
    await new Promise((resolve, reject) => ws.on('finish', resolve).on('error', reject))
    expect(worst).toBeGreaterThan(0)
    expect(worst).toBeLessThanOrEqual(64 * 1024 + chunk.length)
    expect((await cStat(dest)).size).toBe(512 * chunk.length)
  })
})

describe('path calls of node:fs/promises', () => {
  it('mkdir { recursive } makes missing parents with the mode asked, and no longer mode 0000', async () => {
    const top = `${dir}/mk`
    expect(await glfs.mkdir(`${top}/a/b`, { recursive: true, mode: 0o750 })).toBe(`${top}`)
    for (const p of [top, `${top}/a`, `${top}/a/b`]) expect((await cStat(p)).mode).toBe(0o40750)
    // The case: recursive under an existing parent.
    expect(await glfs.mkdir(`${top}/a/c`, { recursive: true })).toBe(`${top}/a/c`)
    expect((await cStat(`${top}/a/c`)).mode).toBe(0o40755)
    expect(statSync(join(brick, top, 'a/c')).mode & 0o7777).toBe(0o755)
    expect(await glfs.mkdir(`${top}/a`, { recursive: true })).toBeUndefined()
    expect(await glfs.mkdir(`${top}/octal`, '700')).toBeUndefined()
    expect((await cStat(`${top}/octal`)).mode).toBe(0o40700)
    await glfs.writeFile(`${top}/file`, 'x')
    expect(await failure(glfs.mkdir(`${top}/file`, { recursive: true }))).toMatchObject({ code: 'EEXIST' })
    expect(await failure(glfs.mkdir(`${top}/file/sub`, { recursive: true }))).toMatchObject({ code: 'ENOTDIR' })
    expect(await failure(glfs.mkdir(`${top}/x/y`))).toMatchObject({ code: 'ENOENT' })
    for (const bad of [0o10000, -1, 1.5]) expect(await failure(glfs.mkdir(`${top}/bad`, { mode: bad }))).toBeInstanceOf(RangeError)
    expect(await failure(glfs.mkdir(`${top}/bad`, { mode: 'rwx' }))).toBeInstanceOf(TypeError)
    expect(await failure(glfs.stat(`${top}/bad`))).toMatchObject({ code: 'ENOENT' })
  })

  it('rm removes files and, with recursive, trees; force ignores what is missing', async () => {
    const top = `${dir}/rm`
    await glfs.mkdir(`${top}/d/e`, { recursive: true })
    await glfs.writeFile(`${top}/d/e/f`, 'x')
    await glfs.symlink('e', `${top}/d/link`)
    expect(await failure(glfs.rm(`${top}/d`))).toMatchObject({ code: 'EISDIR' })
    await glfs.rm(`${top}/d`, { recursive: true })
    expect(await failure(cStat(`${top}/d`))).toBeInstanceOf(Error)
    expect(await failure(glfs.rm(`${top}/none`))).toMatchObject({ code: 'ENOENT' })
    await glfs.rm(`${top}/none`, { force: true })
    await glfs.writeFile(`${top}/plain`, 'x')
    await glfs.rm(`${top}/plain`)
    expect(await glfs.readdir(top)).toEqual([])
  })

  it('copyFile copies bytes and permission bits; COPYFILE_EXCL refuses an existing target', async () => {
    const src = `${dir}/cp-src`
    const data = randomBytes(2 * 1024 * 1024 + 5)
    await glfs.writeFile(src, data, { mode: 0o640 })
    await glfs.copyFile(src, `${dir}/cp-dst`)
    expect(await cView(volume, `${dir}/cp-dst`)).toEqual(viewOf(data))
    expect((await cStat(`${dir}/cp-dst`)).mode).toBe(0o100640)
    expect(await failure(glfs.copyFile(src, `${dir}/cp-dst`, COPYFILE_EXCL))).toMatchObject({ code: 'EEXIST' })
    // Over a longer file: truncated to the source.
    await glfs.writeFile(`${dir}/cp-long`, randomBytes(3 * 1024 * 1024))
    await glfs.copyFile(src, `${dir}/cp-long`)
    expect(await cView(volume, `${dir}/cp-long`)).toEqual(viewOf(data))
  })

  it('realpath, mkdtemp and access', async () => {
    await glfs.mkdir(`${dir}/real/inner`, { recursive: true })
    await glfs.symlink('real/inner', `${dir}/via`)
    expect(await glfs.realpath(`${dir}/via`)).toBe(`${dir}/real/inner`)
    expect(await glfs.realpath(`${dir}//real/./inner/`)).toBe(`${dir}/real/inner`)
    const tmp = await glfs.mkdtemp(`${dir}/tmp-`)
    expect(tmp).toMatch(new RegExp(`^${dir}/tmp-[A-Za-z0-9]{6}$`))
    expect((await cStat(tmp)).mode).toBe(0o40700)
    expect(await glfs.mkdtemp(`${dir}/tmp-`)).not.toBe(tmp)
    await glfs.access(tmp)
    expect(await failure(glfs.access(`${dir}/nope`))).toMatchObject({ code: 'ENOENT' })
  })
})

describe('AbortSignal on every call', () => {
  it('an aborted signal rejects every path call with AbortError, and nothing reaches the volume', async () => {
    const signal = AbortSignal.abort()
    const p = `${dir}/never`
    const calls: Array<Promise<unknown>> = [
      glfs.stat(p, { signal }), glfs.lstat(p, { signal }), glfs.access(p, 0, { signal }), glfs.unlink(p, { signal }),
      glfs.mkdir(p, { signal }), glfs.mkdir(p, { recursive: true, signal }), glfs.rmdir(p, { signal }),
      glfs.rename(p, `${p}2`, { signal }), glfs.link(p, `${p}2`, { signal }), glfs.symlink('x', p, { signal }),
      glfs.readlink(p, { signal }), glfs.truncate(p, 0, { signal }), glfs.utimens(p, UTIME_OMIT, UTIME_OMIT, { signal }),
      glfs.lutimens(p, UTIME_OMIT, UTIME_OMIT, { signal }), glfs.chmod(p, 0o644, { signal }), glfs.statvfs('/', { signal }),
      glfs.opendir(dir, { signal }), glfs.readdir(dir, { signal }), glfs.setxattr(p, 'user.a', 'b', 0, { signal }),
      glfs.getxattr(p, 'user.a', { signal }), glfs.removexattr(p, 'user.a', { signal }), glfs.open(p, 'w', { signal }),
      glfs.creat(p, 'w', 0o644, { signal }), glfs.realpath(p, { signal }), glfs.rm(p, { signal }),
      glfs.copyFile(`${dir}/cp-src`, p, 0, { signal }), glfs.mkdtemp(p, { signal }), glfs.readFile(p, { signal }),
      glfs.writeFile(p, 'x', { signal }), glfs.appendFile(p, 'x', { signal }),
    ]
    for (const call of calls) {
      const err = await failure(call)
      expect(err).toBeInstanceOf(AbortError)
      expect(err).toMatchObject({ code: 'ABORT_ERR', maybeApplied: false })
    }
    expect(await failure(cStat(p))).toBeInstanceOf(Error)
    expect(await glfs.readdir(dir)).not.toContain('never')
  })

  it('fd calls take a signal too, and an abort during open closes the fd it was too late for', async () => {
    const path = `${dir}/abort-fd`
    await glfs.writeFile(path, 'abc')
    const fd = await glfs.open(path, 'r+')
    const signal = AbortSignal.abort()
    for (const call of [
      fd.stat({ signal }), fd.truncate(0, { signal }), fd.sync({ signal }), fd.datasync({ signal }), fd.utimes(1, 1, { signal }),
      fd.chmod(0o600, { signal }), fd.chown(-1, -1, { signal }), fd.read({ signal }), fd.readFile({ signal }),
      fd.writeFile('zzz', { signal }), fd.pread(1, 0, { signal }), fd.pwrite('z', 0, { signal }),
      fd.preadv([Buffer.alloc(1)], 0, { signal }), fd.pwritev([Buffer.from('z')], 0, { signal }), fd.fstat({ signal }),
      fd.ftruncate(0, { signal }), fd.discard(0, 1, { signal }), fd.zerofill(0, 1, { signal }), fd.fallocate(0, 0, 1, { signal }),
      fd.futimens(1, 1, { signal }), fd.fchmod(0o600, { signal }), fd.fchown(0, 0, { signal }), fd.lseek(0, 0, { signal }),
    ]) {
      expect(await failure(call)).toBeInstanceOf(AbortError)
    }
    expect((await cRead(volume, path, 0, 10)).toString()).toBe('abc')
    await fd.close()
    const controller = new AbortController()
    const opening = glfs.open(path, 'r', { signal: controller.signal })
    controller.abort()
    expect(await failure(opening)).toBeInstanceOf(AbortError)
  })
})

describe('directories and stats as node:fs', () => {
  it("opendir's iterator skips . and .., and closes the directory when a loop ends early or throws", async () => {
    const d = `${dir}/list`
    await glfs.mkdir(d)
    for (const n of ['a', 'b', 'c']) await glfs.writeFile(`${d}/${n}`, n)
    const names: string[] = []
    const full = await glfs.opendir(d)
    for await (const e of full) names.push(e.name)
    expect(names.sort()).toEqual(['a', 'b', 'c'])
    expect(full.closed).toBe(false)
    await full.close()

    const early = await glfs.opendir(d)
    for await (const _ of early) break
    expect(early.closed).toBe(true)
    await early.close()
    expect(await failure(early.close())).toMatchObject({ code: 'EBADF' })

    const thrown = await glfs.opendir(d)
    await expect((async () => {
      for await (const _ of thrown) throw new Error('stop')
    })()).rejects.toThrow('stop')
    expect(thrown.closed).toBe(true)
  })

  it('readdir { withFileTypes } returns Dirents with types and parentPath, as the C client lists them', async () => {
    const d = `${dir}/typed`
    await glfs.mkdir(`${d}/sub`, { recursive: true })
    await glfs.writeFile(`${d}/file`, 'x')
    await glfs.symlink('file', `${d}/link`)
    const entries = await glfs.readdir(d, { withFileTypes: true })
    expect(entries.every((e) => e instanceof GlfsDirent && e.parentPath === d)).toBe(true)
    const kinds = Object.fromEntries(entries.map((e) => [e.name, [e.isFile(), e.isDirectory(), e.isSymbolicLink()]]))
    expect(kinds).toEqual({ file: [true, false, false], sub: [false, true, false], link: [false, false, true] })
    const s = sandbox()
    const r = await runProcess('python3', ['/work/shared/tools/gfapi_peer.py', '-s', s.host, '-p', String(s.port), '-V', volume, '--json', 'ls', d], 60_000)
    const cNames = (JSON.parse(r.stdout) as Array<{ name: string }>).map((e) => e.name).filter((n) => n !== '.' && n !== '..')
    expect(cNames.sort()).toEqual(entries.map((e) => e.name).sort())
  })

  it('stats are all numbers by default and all bigints with { bigint: true }', async () => {
    const path = `${dir}/stats`
    await glfs.writeFile(path, 'stats')
    const s = await glfs.stat(path)
    for (const k of ['dev', 'ino', 'mode', 'nlink', 'uid', 'gid', 'rdev', 'size', 'blksize', 'blocks', 'atimeMs', 'mtimeMs', 'ctimeMs', 'birthtimeMs'] as const) {
      expect(typeof s[k], k).toBe('number')
    }
    const b = await glfs.lstat(path, { bigint: true })
    for (const k of ['dev', 'ino', 'mode', 'nlink', 'uid', 'gid', 'rdev', 'size', 'blksize', 'blocks', 'atimeMs', 'mtimeNs', 'ctimeNs', 'birthtimeNs'] as const) {
      expect(typeof b[k], k).toBe('bigint')
    }
    const c = await cStat(path)
    expect(b.ino.toString()).toBe(c.ino)
    expect(b.size).toBe(5n)
    expect(b.isFile()).toBe(true)
    expect(s.ino).toBe(Number(b.ino))
    expect(s.mtime.getTime()).toBe(Number(b.mtimeMs))
  })
})

describe('diagnostics_channel', () => {
  it('traces fops on gfapi-ts:fop with fop, path, gfid, volume, brick and bytes', async () => {
    const path = `${dir}/traced`
    await glfs.writeFile(path, 'traced!')
    const events: Array<[string, FopMessage]> = []
    const fop = tracingChannel('gfapi-ts:fop')
    const record = (kind: string) => (m: unknown): void => {
      events.push([kind, { ...(m as FopMessage) }])
    }
    const handlers = { start: record('start'), end: record('end'), asyncStart: record('asyncStart'), asyncEnd: record('asyncEnd'), error: record('error') }
    fop.subscribe(handlers)
    const fd = await glfs.open(path, 'r')
    try {
      await fd.pread(100, 0)
      await failure(glfs.stat(`${dir}/absent`))
    } finally {
      fop.unsubscribe(handlers)
      await fd.close()
    }
    const pread = events.filter(([, m]) => m.fop === 'pread')
    expect(pread.map(([k]) => k)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd'])
    expect(pread[0]![1]).toMatchObject({ volume, path, bytes: 100, brick: `${sb.host}:${brick}` })
    expect(pread[0]![1].gfid).toMatch(/^[0-9a-f-]{36}$/)
    expect(pread[3]![1].bytes).toBe(7)
    expect(events.find(([, m]) => m.fop === 'open')?.[1]).toMatchObject({ volume, path })
    const stat = events.filter(([, m]) => m.fop === 'stat')
    expect(stat.map(([k]) => k)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd'])
    expect(stat[2]![1].error).toMatchObject({ code: 'ENOENT' })
    // Unsubscribed: nothing more.
    const count = events.length
    await glfs.stat(path)
    expect(events.length).toBe(count)
  })

  it('types Glfs events by name', () => {
    const before = glfs.listenerCount('brick-down')
    const listener = (brick: { host: string }, cause: Error | undefined): void => void [brick.host, cause]
    glfs.on('brick-down', listener)
    expect(glfs.listenerCount('brick-down')).toBe(before + 1)
    glfs.off('brick-down', listener)
    const typo = (): undefined => undefined
    // @ts-expect-error: no such event (caught by `tsc`, which checks this file)
    glfs.on('brick-upp', typo)
    // @ts-expect-error: no such event
    glfs.off('brick-upp', typo)
    expect(glfs.listenerCount('brick-down')).toBe(before)
  })

  it('publishes brick connections on gfapi-ts:connect and their loss on gfapi-ts:disconnect', async () => {
    const connects: unknown[] = []
    const disconnects: unknown[] = []
    const onConnect = (m: unknown): void => void connects.push(m)
    const onDisconnect = (m: unknown): void => void disconnects.push(m)
    subscribe('gfapi-ts:connect', onConnect)
    subscribe('gfapi-ts:disconnect', onDisconnect)
    const g = new Glfs(volume)
    try {
      g.setVolfileServer('tcp', sb.host, sb.port)
      await g.init()
      expect(connects).toEqual([expect.objectContaining({ volume, host: sb.host, path: brick, xlator: `${volume}-client-0` })])
      // A lost brick (the event this Glfs emits for one) reaches the channel with its cause.
      const cause = new Error('connection reset')
      g.emit('brick-down', g.bricks[0]!, cause)
      expect(disconnects).toEqual([expect.objectContaining({ volume, path: brick, cause })])
    } finally {
      unsubscribe('gfapi-ts:connect', onConnect)
      unsubscribe('gfapi-ts:disconnect', onDisconnect)
      await g.fini()
    }
  })
})
