import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Glfs, GlusterError } from '../../src/api/index.ts'
import { encodeLayoutXattr } from '../../src/xlators/distribute/layout.ts'
import { mount, readText, writeText } from '../helpers/mount.ts'
import { sandbox, uniqueName } from '../helpers/sandbox.ts'
import {
  type CStat, brickUnion, brickXattr, cClient, dataSubvols, entriesOnBricks, fioCreate, hashedSubvol, layoutOnBricks, namesOn,
  setBrickXattr, subvolumes,
} from '../helpers/distribute.ts'

const sb = sandbox()

/**
 * 1000 names of every kind DHT hashes differently: ASCII, UTF-8 (multi-byte tails hit the
 * signed-char rule), long (up to 255 bytes: full 16-byte blocks and the 32-bit pad), rsync temp
 * names (hashed without their `.`/suffix), and punctuation. None holds ':' (fio's list separator), '#' or ';' (fio comments).
 */
function variedNames(seed: string): string[] {
  const names: string[] = []
  const utf8 = ['café', '文件', 'Ωmega', 'naïve', 'emoji😀', 'Ünïcödé', 'ß', 'é', 'Ж', 'ab\u00ff']
  const punct = ['a b', 'x+y', 'p=q', 'c,d', 'at@', 'h!sh', 'pc%', 'amp&', '(par)', '[br]', '{cu}', "q'uote", 'dash-', 'under_', '~tilde']
  for (let i = 0; i < 300; i++) names.push(i % 3 === 0 ? `f${i}` : i % 3 === 1 ? `file_${seed}_${i}.txt` : `Report ${i}.pdf`)
  for (let i = 0; i < 200; i++) names.push(`${utf8[i % utf8.length]}-${i}${i % 2 === 0 ? '' : utf8[(i * 7) % utf8.length]}`)
  for (let i = 0; i < 150; i++) {
    const stem = `long-${i}-${'x'.repeat(i % 16)}-${'é'.repeat(i % 5)}`
    const target = 190 + (i % 66) // bytes: 190..255
    let name = stem
    while (Buffer.byteLength(name) < target) name += String.fromCharCode(97 + (name.length % 26))
    names.push(name)
  }
  for (let i = 0; i < 200; i++) names.push(`.${i % 2 === 0 ? 'data' : 'upload'}-${i}.bin.${randomBytes(3).toString('hex')}`)
  for (let i = 0; i < 100; i++) names.push(`${i % 4 === 0 ? '.hidden' : ''}${punct[i % punct.length]}${i}`)
  for (let i = 0; i < 50; i++) names.push(`${seed}${i}`)
  return names
}

async function inBatches<T>(items: readonly T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn))
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
    return undefined
  } catch (err) {
    return (err as { code?: string }).code
  }
}

async function listAll(glfs: Glfs, path: string): Promise<string[]> {
  const names = await glfs.readdir(path)
  return names.sort()
}

describe.each([
  { key: 'dist2' as const, bricks: 2 },
  { key: 'dist3' as const, bricks: 3 },
])('cluster/distribute on $key', ({ key, bricks }) => {
  const volume = sb.volumes[key].name
  const c = (ops: Parameters<typeof cClient>[3]) => cClient(volume, sb.host, sb.port, ops)
  let glfs: Glfs
  let base: string

  beforeAll(async () => {
    glfs = await mount(key)
    base = `/${uniqueName('dht')}`
    await glfs.mkdir(base)
  })

  afterAll(async () => {
    await glfs?.rmdir(base).catch(() => undefined)
    await glfs?.fini()
    // Left only by a failed test: remove it from the bricks directly.
    for (const b of sb.volumes[key].bricks) rmSync(join(b, base), { recursive: true, force: true })
  })

  it('mounts with one distribute subvolume per brick', () => {
    expect(subvolumes(glfs)).toHaveLength(bricks)
  })

  it('places 1000 varied names where the parent layout says, exactly where the C client places them', async () => {
    const dir = `${base}/place`
    await glfs.mkdir(dir)
    const names = variedNames(randomBytes(2).toString('hex'))
    expect(new Set(names).size).toBe(1000)
    const layout = layoutOnBricks(glfs, dir)
    const ours: number[][] = []

    await inBatches(names, 50, async (n) => (await glfs.creat(`${dir}/${n}`, 'w')).close())
    let layoutMismatches = 0
    names.forEach((n, i) => {
      ours[i] = dataSubvols(glfs, `${dir}/${n}`)
      if (ours[i]!.length !== 1 || ours[i]![0] !== hashedSubvol(layout, n)) layoutMismatches++
      if (entriesOnBricks(glfs, `${dir}/${n}`).includes('linkto')) layoutMismatches++
    })
    // Every brick got some names: a placement that ignored the layout could not pass.
    for (let s = 0; s < bricks; s++) expect(ours.filter((o) => o[0] === s).length).toBeGreaterThan(100)

    const listed = await listAll(glfs, dir)
    expect(listed).toEqual([...names].sort())
    expect(new Set(listed)).toEqual(brickUnion(glfs, dir))

    await inBatches(names, 50, (n) => glfs.unlink(`${dir}/${n}`))
    expect(brickUnion(glfs, dir).size).toBe(0)

    // The C client (fio's gfapi engine) creates the same names in the same directory.
    const rel = dir.slice(1)
    expect(sb.fio).toBeTruthy()
    await fioCreate(sb.fio!, volume, sb.host, names.map((n) => `${rel}/${n}`))
    let cMismatches = 0
    names.forEach((n, i) => {
      const theirs = dataSubvols(glfs, `${dir}/${n}`)
      if (theirs.length !== 1 || theirs[0] !== ours[i]![0]) cMismatches++
    })
    console.log(`[distribute ${key}] placement: ${names.length} files checked, ${layoutMismatches} off-layout, ${cMismatches} differ from the C client`)
    expect(layoutMismatches).toBe(0)
    expect(cMismatches).toBe(0)

    // Files the C client made are found, read and listed here, then removed.
    expect(await listAll(glfs, dir)).toEqual([...names].sort())
    for (const n of names.slice(0, 40)) expect((await glfs.stat(`${dir}/${n}`)).size).toBe(4096)
    await inBatches(names, 50, (n) => glfs.unlink(`${dir}/${n}`))
    expect(brickUnion(glfs, dir).size).toBe(0)
    await glfs.rmdir(dir)
  }, 600_000)

  it('lists each name once: the bricks\' union without linkto files, directories from one brick', async () => {
    const dir = `${base}/list`
    await glfs.mkdir(dir)
    const files = Array.from({ length: 120 }, (_, i) => `file-${i}`)
    const dirs = Array.from({ length: 15 }, (_, i) => `sub-${i}`)
    await inBatches(files, 40, (n) => writeText(glfs, `${dir}/${n}`, n))
    await inBatches(dirs, 5, (n) => glfs.mkdir(`${dir}/${n}`))
    await glfs.symlink('file-0', `${dir}/link-0`)
    // Renames leave linkto files on the new names' hashed bricks.
    const layout = layoutOnBricks(glfs, dir)
    const moved = files.slice(0, 30).map((n) => {
      const from = hashedSubvol(layout, n)
      return [n, namesOn(layout, (from + 1) % bricks, `${n}-moved-`, 1)[0]!] as const
    })
    for (const [from, to] of moved) await glfs.rename(`${dir}/${from}`, `${dir}/${to}`)
    const linktos = moved.filter(([, to]) => entriesOnBricks(glfs, `${dir}/${to}`).includes('linkto')).length
    expect(linktos).toBe(30)
    await c([['mkdir', `${dir}/c-dir`], ['write', `${dir}/c-file`, 'from C']])

    const expected = [...files.slice(30), ...moved.map(([, to]) => to), ...dirs, 'link-0', 'c-dir', 'c-file'].sort()
    const listed = await listAll(glfs, dir)
    expect(listed).toEqual(expected)
    expect(new Set(listed)).toEqual(brickUnion(glfs, dir))
    const [cListed] = await c([['list', dir]]) as [string[]]
    expect(cListed.sort()).toEqual(expected)

    // Entries carry their attributes: directories merged to 4096 bytes, files their own size.
    const entries = new Map<string, { size: number; isDir: boolean }>()
    const handle = await glfs.opendir(dir)
    for await (const e of handle) entries.set(e.name, { size: e.stat.size, isDir: (e.stat.mode & 0o170000) === 0o040000 })
    await handle.close()
    expect(entries.get('sub-3')).toEqual({ size: 4096, isDir: true })
    expect(entries.get('file-40')).toEqual({ size: 'file-40'.length, isDir: false })
    expect(entries.get(moved[0]![1])).toEqual({ size: moved[0]![0].length, isDir: false })
  }, 120_000)

  it('finds, reads and lists what the C client created, including its renames across bricks', async () => {
    const dir = `${base}/from-c`
    const r = await c([['mkdir', dir], ['mkdir', `${dir}/inner`], ['write', `${dir}/inner/a.txt`, 'alpha'], ['write', `${dir}/b.txt`, 'bravo']])
    expect(r).toEqual([0, 0, 5, 5])
    expect(await readText(glfs, `${dir}/inner/a.txt`)).toBe('alpha')
    expect(await listAll(glfs, dir)).toEqual(['b.txt', 'inner'])

    // The C client moves b.txt to names hashing to every other brick.
    const layout = layoutOnBricks(glfs, dir)
    const home = hashedSubvol(layout, 'b.txt')
    const targets = Array.from({ length: bricks - 1 }, (_, k) => namesOn(layout, (home + 1 + k) % bricks, 'moved-by-c-', 1)[0]!)
    let current = 'b.txt'
    for (const t of targets) {
      expect(await c([['rename', `${dir}/${current}`, `${dir}/${t}`]])).toEqual([0])
      current = t
      expect(dataSubvols(glfs, `${dir}/${current}`)).toEqual([home])
      expect(await readText(glfs, `${dir}/${current}`)).toBe('bravo')
      expect(await listAll(glfs, dir)).toEqual([current, 'inner'].sort())
    }
    expect(await codeOf(glfs.stat(`${dir}/b.txt`))).toBe('ENOENT')
    await glfs.unlink(`${dir}/${current}`)
    expect(entriesOnBricks(glfs, `${dir}/${current}`).every((e) => e === undefined)).toBe(true)
    await glfs.unlink(`${dir}/inner/a.txt`)
    await glfs.rmdir(`${dir}/inner`)
    await glfs.rmdir(dir)
    expect(entriesOnBricks(glfs, dir).every((e) => e === undefined)).toBe(true)
  }, 120_000)

  it('renames across bricks as DHT does: the data stays, a linkto on the new hashed brick names it', async () => {
    const dir = `${base}/rename`
    await glfs.mkdir(dir)
    const layout = layoutOnBricks(glfs, dir)
    const src = namesOn(layout, 0, 'src-', 4)
    const dst = namesOn(layout, bricks - 1, 'dst-', 4)
    for (const n of src) await writeText(glfs, `${dir}/${n}`, `data of ${n}`)
    for (let i = 0; i < 4; i++) await glfs.rename(`${dir}/${src[i]}`, `${dir}/${dst[i]}`)

    const clientOfData = subvolumes(glfs)[0]!.name
    for (let i = 0; i < 4; i++) {
      const where = entriesOnBricks(glfs, `${dir}/${dst[i]}`)
      expect(where[0]).toBe('data')
      expect(where[bricks - 1]).toBe('linkto')
      const target = brickXattr(join(subvolumes(glfs)[bricks - 1]!.brick, dir, dst[i]!), 'trusted.glusterfs.dht.linkto')
      expect(target?.toString()).toBe(`${clientOfData}\0`)
      expect(entriesOnBricks(glfs, `${dir}/${src[i]}`).every((e) => e === undefined)).toBe(true)
      expect(await readText(glfs, `${dir}/${dst[i]}`)).toBe(`data of ${src[i]}`)
    }
    // The C client follows the linkto files too.
    expect(await c(dst.map((n) => ['read', `${dir}/${n}`] as const))).toEqual(src.map((n) => `data of ${n}`))

    // Renaming back onto the data's own brick drops the linkto.
    await glfs.rename(`${dir}/${dst[0]}`, `${dir}/${src[0]}`)
    expect(entriesOnBricks(glfs, `${dir}/${src[0]}`)[0]).toBe('data')
    expect(entriesOnBricks(glfs, `${dir}/${dst[0]}`).every((e) => e === undefined)).toBe(true)

    // Over an existing file elsewhere: the target's old data goes, the source's stays.
    const victim = namesOn(layout, bricks - 1, 'victim-', 1)[0]!
    await writeText(glfs, `${dir}/${victim}`, 'old target')
    await glfs.rename(`${dir}/${dst[1]}`, `${dir}/${victim}`)
    expect(await readText(glfs, `${dir}/${victim}`)).toBe(`data of ${src[1]}`)
    expect(entriesOnBricks(glfs, `${dir}/${victim}`)[0]).toBe('data')
    expect(dataSubvols(glfs, `${dir}/${victim}`)).toEqual([0])

    // Unlink removes the data and the linkto, from here and from the C client.
    await glfs.unlink(`${dir}/${dst[2]}`)
    expect(await c([['unlink', `${dir}/${dst[3]}`]])).toEqual([0])
    for (const n of [dst[2]!, dst[3]!]) expect(entriesOnBricks(glfs, `${dir}/${n}`).every((e) => e === undefined)).toBe(true)
    expect(await listAll(glfs, dir)).toEqual([src[0]!, victim].sort())
    await glfs.unlink(`${dir}/${src[0]}`)
    await glfs.unlink(`${dir}/${victim}`)
    expect(brickUnion(glfs, dir).size).toBe(0)
    expect(entriesOnBricks(glfs, `${dir}/${victim}`).every((e) => e === undefined)).toBe(true)
    await glfs.rmdir(dir)
  }, 120_000)

  it('hard-links across bricks with a linkto and places symlinks on their hashed brick', async () => {
    const dir = `${base}/links`
    await glfs.mkdir(dir)
    const layout = layoutOnBricks(glfs, dir)
    const [a] = namesOn(layout, 0, 'a-', 1)
    const [b] = namesOn(layout, 1, 'b-', 1)
    const [s] = namesOn(layout, bricks - 1, 's-', 1)
    await writeText(glfs, `${dir}/${a}`, 'shared')
    await glfs.link(`${dir}/${a}`, `${dir}/${b}`)
    expect(entriesOnBricks(glfs, `${dir}/${b}`).slice(0, 2)).toEqual(['data', 'linkto'])
    expect((await glfs.stat(`${dir}/${b}`)).nlink).toBe(2)
    await glfs.symlink(a!, `${dir}/${s}`)
    expect(entriesOnBricks(glfs, `${dir}/${s}`)[bricks - 1]).toBe('symlink')
    expect(await glfs.readlink(`${dir}/${s}`)).toBe(a)
    expect(await readText(glfs, `${dir}/${s}`)).toBe('shared')
    await glfs.unlink(`${dir}/${a}`)
    expect(await readText(glfs, `${dir}/${b}`)).toBe('shared')
    await glfs.unlink(`${dir}/${b}`)
    await glfs.unlink(`${dir}/${s}`)
    expect(brickUnion(glfs, dir).size).toBe(0)
    expect(entriesOnBricks(glfs, `${dir}/${b}`).every((e) => e === undefined)).toBe(true)
    await glfs.rmdir(dir)
  })

  it('makes directories on every brick with the layout the C client gives them', async () => {
    const name = `${base}/mk-${randomBytes(3).toString('hex')}`
    await glfs.mkdir(name)
    expect(entriesOnBricks(glfs, name).every((e) => e === 'dir')).toBe(true)
    const ours = subvolumes(glfs).map((s) => brickXattr(join(s.brick, name), 'trusted.glusterfs.dht')?.toString('hex'))
    const mds = subvolumes(glfs).map((s) => brickXattr(join(s.brick, name), 'trusted.glusterfs.dht.mds') !== undefined)
    expect(layoutOnBricks(glfs, name).entries.every((e) => e.stop > e.start)).toBe(true)
    const parent = layoutOnBricks(glfs, base)
    expect(mds).toEqual(subvolumes(glfs).map((_, i) => i === hashedSubvol(parent, name.slice(base.length + 1))))
    await glfs.rmdir(name)
    expect(entriesOnBricks(glfs, name).every((e) => e === undefined)).toBe(true)

    expect(await c([['mkdir', name]])).toEqual([0])
    const theirs = subvolumes(glfs).map((s) => brickXattr(join(s.brick, name), 'trusted.glusterfs.dht')?.toString('hex'))
    expect(ours).toEqual(theirs)
    expect(await c([['rmdir', name]])).toEqual([0])
  })

  it('removes a directory from every brick only when empty, clearing stale linkto files', async () => {
    const dir = `${base}/rm`
    await glfs.mkdir(dir)
    const layout = layoutOnBricks(glfs, dir)
    const [keep] = namesOn(layout, bricks - 1, 'keep-', 1)
    await writeText(glfs, `${dir}/${keep}`, 'x')
    expect(await codeOf(glfs.rmdir(dir))).toBe('ENOTEMPTY')
    expect(entriesOnBricks(glfs, dir).every((e) => e === 'dir')).toBe(true)
    await glfs.unlink(`${dir}/${keep}`)

    // A linkto whose data is gone (its target brick lacks the name) is stale: rmdir removes it.
    const [stale] = namesOn(layout, 0, 'stale-', 1)
    const [target] = namesOn(layout, 1, 'gone-', 1)
    await writeText(glfs, `${dir}/${stale}`, 'y')
    await glfs.rename(`${dir}/${stale}`, `${dir}/${target}`)
    rmSync(join(subvolumes(glfs)[0]!.brick, dir, target!))
    expect(entriesOnBricks(glfs, `${dir}/${target}`)[1]).toBe('linkto')
    await glfs.rmdir(dir)
    expect(entriesOnBricks(glfs, dir).every((e) => e === undefined)).toBe(true)
  })

  it('renames a directory on every brick, its entries following it', async () => {
    const from = `${base}/dir-from`
    await glfs.mkdir(from)
    await writeText(glfs, `${from}/inside`, 'kept')
    const parent = layoutOnBricks(glfs, base)
    const to = `${base}/${namesOn(parent, (hashedSubvol(parent, 'dir-from') + 1) % bricks, 'dir-to-', 1)[0]}`
    await glfs.rename(from, to)
    expect(entriesOnBricks(glfs, from).every((e) => e === undefined)).toBe(true)
    expect(entriesOnBricks(glfs, to).every((e) => e === 'dir')).toBe(true)
    expect(await readText(glfs, `${to}/inside`)).toBe('kept')
    expect(await c([['read', `${to}/inside`]])).toEqual(['kept'])
    await glfs.unlink(`${to}/inside`)
    await glfs.rmdir(to)
  })

  it('merges a directory\'s attributes and sums statfs over the bricks as the C client does', async () => {
    const dir = `${base}/attrs`
    await glfs.mkdir(dir)
    await writeText(glfs, `${dir}/f`, 'abc')
    const [cStat, cVfs] = await c([['stat', dir], ['statvfs', '/']]) as [CStat, Record<string, number>]
    const ours = await glfs.stat(dir)
    expect(ours.isDirectory()).toBe(true)
    expect([ours.size, ours.blocks]).toEqual([4096, 8])
    expect([(await glfs.stat(dir, { bigint: true })).ino.toString(), ours.mode, ours.uid, ours.gid]).toEqual([cStat.ino, cStat.mode, cStat.uid, cStat.gid])
    expect([ours.size, ours.blocks]).toEqual([cStat.size, cStat.blocks])
    const vfs = await glfs.statvfs('/')
    expect([vfs.bsize, vfs.frsize, vfs.blocks, vfs.files, vfs.namemax]).toEqual([cVfs.bsize, cVfs.frsize, cVfs.blocks, cVfs.files, cVfs.namemax])
    // Free space moves while other tests write; the sum must still be the volume's, not one brick's.
    expect(Math.abs(vfs.bfree - cVfs.bfree!)).toBeLessThan(vfs.blocks / 100)
    await glfs.unlink(`${dir}/f`)
    await glfs.rmdir(dir)
  })

  it('refreshes a layout changed under the running mount and creates on the new hashed brick', async () => {
    const dir = `${base}/relayout`
    await glfs.mkdir(dir)
    const before = layoutOnBricks(glfs, dir)
    // Rotate the ranges: brick i takes brick i+1's range, as a rebalance that moved them would.
    const paths = subvolumes(glfs).map((s) => join(s.brick, dir))
    const raw = paths.map((p) => brickXattr(p, 'trusted.glusterfs.dht')!)
    paths.forEach((p, i) => setBrickXattr(p, 'trusted.glusterfs.dht', raw[(i + 1) % bricks]!))
    const after = layoutOnBricks(glfs, dir)
    const names = Array.from({ length: 40 }, (_, i) => `moved-${i}`)
    const moved = names.filter((n) => hashedSubvol(before, n) !== hashedSubvol(after, n))
    expect(moved.length).toBeGreaterThan(20)
    // The first create hashes with the stale layout: the brick refuses it (preop check).
    for (const n of [moved[0]!, ...names.filter((n) => n !== moved[0])]) await writeText(glfs, `${dir}/${n}`, n)
    for (const n of names) expect(dataSubvols(glfs, `${dir}/${n}`), n).toEqual([hashedSubvol(after, n)])
    expect(await listAll(glfs, dir)).toEqual([...names].sort())
    expect(await c(names.slice(0, 5).map((n) => ['read', `${dir}/${n}`] as const))).toEqual(names.slice(0, 5))
    await inBatches(names, 20, (n) => glfs.unlink(`${dir}/${n}`))
    await glfs.rmdir(dir)
  })

  it('refuses to place names in a directory whose layout has a hole or an overlap, naming it and its bricks', async () => {
    const dir = `${base}/broken`
    await glfs.mkdir(dir)
    const layout = layoutOnBricks(glfs, dir)
    const [kept] = namesOn(layout, 0, 'kept-', 1)
    // New names on brick 0, whose range changes: its CREATE fails the stale-layout check.
    const fresh = namesOn(layout, 0, 'new-', 2)
    await writeText(glfs, `${dir}/${kept}`, 'still here')
    const paths = subvolumes(glfs).map((s) => join(s.brick, dir))
    const good = paths.map((p) => brickXattr(p, 'trusted.glusterfs.dht')!)
    const entry0 = layout.entries.find((e) => e.subvolume === 0)!
    const shrink = (stop: number) => Buffer.from(encodeLayoutXattr({ commitHash: entry0.commitHash, type: 0, start: entry0.start, stop }))
    const cases = [
      { code: 'ERR_DHT_LAYOUT_HOLE', value: shrink(entry0.start + 0xff) },
      { code: 'ERR_DHT_LAYOUT_OVERLAP', value: Buffer.from(encodeLayoutXattr({ commitHash: entry0.commitHash, type: 0, start: 0, stop: 0xffffffff })) },
    ]
    for (const [k, { code, value }] of cases.entries()) {
      setBrickXattr(paths[0]!, 'trusted.glusterfs.dht', value)
      const err = await glfs.creat(`${dir}/${fresh[k]}`, 'w').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(GlusterError)
      expect((err as GlusterError).code).toBe('EIO')
      const cause = (err as GlusterError).cause as { code?: string; path?: string; bricks?: string[] }
      expect(cause.code).toBe(code)
      expect(cause.path).toBe(dir)
      expect(cause.bricks).toContain(subvolumes(glfs)[0]!.name)
      expect((err as GlusterError).message).toContain(dir)
      // Existing names are still found: with no hashed subvolume, lookup asks every brick.
      expect(await readText(glfs, `${dir}/${kept}`)).toBe('still here')
      expect(entriesOnBricks(glfs, `${dir}/${fresh[k]}`).every((e) => e === undefined)).toBe(true)
    }
    // Once the bricks agree again, the next create refreshes the layout and succeeds.
    setBrickXattr(paths[0]!, 'trusted.glusterfs.dht', good[0]!)
    await writeText(glfs, `${dir}/after`, 'ok')
    expect(dataSubvols(glfs, `${dir}/after`)).toEqual([hashedSubvol(layout, 'after')])
    await glfs.unlink(`${dir}/after`)
    await glfs.unlink(`${dir}/${kept}`)
    await glfs.rmdir(dir)
  })

  it('refuses to set or remove the layout and linkto xattrs through the volume', async () => {
    const dir = `${base}/xattr`
    await glfs.mkdir(dir)
    const err = await glfs.setxattr(dir, 'trusted.glusterfs.dht', Buffer.from(encodeLayoutXattr({ commitHash: 0, type: 0, start: 0, stop: 1 }))).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GlusterError)
    expect((err as GlusterError).code).toBe('EPERM')
    await glfs.setxattr(dir, 'user.note', 'on every brick')
    for (const s of subvolumes(glfs)) expect(brickXattr(join(s.brick, dir), 'user.note')?.toString()).toBe('on every brick')
    expect((await glfs.getxattr(dir, 'user.note')).toString()).toBe('on every brick')
    await glfs.rmdir(dir)
  })
})
