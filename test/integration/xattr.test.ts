/**
 * Extended attributes and ownership as libgfapi gives them, judged by the C client on the same
 * volume: glfs_listxattr / glfs_flistxattr, glfs_fgetxattr / glfs_fsetxattr / glfs_fremovexattr, the translators'
 * internal attributes (distribute's layout, replicate's changelog, shard's size) hidden or refused
 * as C hides or refuses them, the l- variants on symlinks, and glfs_chown / glfs_lchown.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { type Stats, lstatSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type Glfs, O_CREAT, O_RDWR, XATTR_CREATE } from '../../src/api/index.ts'
import { cXattrs } from '../helpers/c-peer.ts'
import { mount } from '../helpers/mount.ts'

const sb = inject('sandbox')

/** Names every client must answer the same way: present, ENODATA, or refused. */
const INTERNAL = [
  'trusted.glusterfs.dht', 'trusted.glusterfs.dht.mds', 'trusted.glusterfs.d', 'trusted.glusterfs.dht.commithash', 'trusted.gfid',
  'trusted.glusterfs.mdata', 'trusted.afr.dirty', 'trusted.glusterfs.shard.block-size', 'trusted.glusterfs.shard.file-size',
]

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path)
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined
    throw err
  }
}

/**
 * The xattr names of a file on a brick (Python's os.listxattr: Node has none), of a symlink itself
 * unless `follow`; undefined when it is not there.
 */
function brickXattrNames(path: string, follow = true): string[] | undefined {
  if (lstatOrUndefined(path) === undefined) return undefined
  const script = 'import json, os, sys; print(json.dumps(os.listxattr(sys.argv[1], follow_symlinks=sys.argv[2] == "1")))'
  return JSON.parse(execFileSync('python3', ['-c', script, path, follow ? '1' : '0'], { encoding: 'utf8' })) as string[]
}

async function ours(glfs: Glfs, path: string, name: string): Promise<{ hex?: string, errno?: number }> {
  return glfs.getxattr(path, name).then((v) => ({ hex: v.toString('hex') }), (err: { errno: number }) => ({ errno: -err.errno }))
}

for (const key of ['single', 'dist2', 'rep3', 'virt'] as const) {
  const vol = sb.volumes[key]
  /** Copies of each file on the bricks: one per replica on replica 3, one on distribute. */
  const copies = key === 'rep3' || key === 'virt' ? 3 : 1
  describe(`extended attributes on ${vol.name}`, () => {
    let glfs: Glfs
    const dir = `/xattr-${randomBytes(4).toString('hex')}`

    beforeAll(async () => {
      glfs = await mount(key)
      await glfs.mkdir(dir)
    })

    afterAll(async () => {
      await glfs?.rm(dir, { recursive: true, force: true })
      await glfs?.fini()
    })

    it('lists and reads what the C client lists and reads, on a file (path and fd) and a directory', async () => {
      const file = `${dir}/f`
      const fd = await glfs.creat(file, O_RDWR | O_CREAT, 0o644)
      await fd.pwrite(Buffer.from('data'), 0)
      await glfs.setxattr(file, 'user.by-path', 'p')
      await fd.setxattr('user.by-fd', Buffer.from([0, 1, 2, 255]))
      expect(await fd.setxattr('user.by-fd', 'again', XATTR_CREATE).catch((e: { code: string }) => e.code)).toBe('EEXIST')
      expect(await fd.setxattr('user.bad-flags', 'x', 3).catch((e: { code: string, syscall: string }) => `${e.code} ${e.syscall}`)).toBe('EINVAL fsetxattr')
      await glfs.setxattr(dir, 'user.on-dir', 'd')
      await fd.setxattr('user.gone', 'x')
      await fd.removexattr('user.gone')
      expect(await fd.removexattr('user.gone').catch((e: { code: string }) => e.code)).toBe('ENODATA')

      const expected = ['user.by-fd', 'user.by-path']
      const asked = { [file]: [...expected, 'user.absent', ...INTERNAL], [dir]: ['user.on-dir', ...INTERNAL] }
      const c = await cXattrs(vol.name, [file, dir], [...new Set(Object.values(asked).flat())])
      expect((await glfs.listxattr(file)).sort()).toEqual(expected)
      expect(c[file]!.list).toEqual(expected)
      expect((await glfs.listxattr(dir)).sort()).toEqual(['user.on-dir'])
      expect(c[dir]!.list).toEqual(['user.on-dir'])
      // FGETXATTR lists what the brick's fd-based listing keeps (gfid2path, mdata): C shows the same.
      expect((await fd.listxattr()).sort()).toEqual(c[file]!.flist)
      expect((await fd.getxattr('user.by-fd')).equals(Buffer.from([0, 1, 2, 255]))).toBe(true)
      expect((await fd.getxattr('user.by-path')).toString()).toBe('p')
      expect(await fd.getxattr('user.absent').catch((e: { code: string }) => e.code)).toBe('ENODATA')
      await fd.close()
      for (const [path, names] of Object.entries(asked)) {
        for (const name of names) expect(await ours(glfs, path, name), `getxattr ${path} ${name}`).toEqual(c[path]!.values[name])
      }
      // Every copy on the bricks (all three on replica 3) has the user attributes, the removed one gone.
      let found = 0
      for (const brick of vol.bricks) {
        const names = brickXattrNames(join(brick, file))
        if (names === undefined) continue
        found++
        expect(names.filter((n) => n.startsWith('user.')).sort(), `${brick}${file}`).toEqual(expected)
      }
      expect(found).toBe(copies)
    })

    it('the l- calls (lsetxattr, lgetxattr, llistxattr, lremovexattr) act on a symlink itself, the others on its target', async () => {
      const target = `${dir}/target`
      const link = `${dir}/link`
      await (await glfs.creat(target, O_RDWR | O_CREAT, 0o644)).close()
      await glfs.symlink('target', link)
      // Linux allows no user.* attributes on a symlink: trusted.* ones are the application's here.
      await glfs.lsetxattr(link, 'trusted.gfts-test.on-link', 'L')
      await glfs.lsetxattr(link, 'trusted.gfts-test.removed', 'R')
      await glfs.lremovexattr(link, 'trusted.gfts-test.removed')
      await glfs.setxattr(link, 'user.via-link', 'T')
      expect(await glfs.llistxattr(link)).toEqual(['trusted.gfts-test.on-link'])
      expect((await glfs.listxattr(link)).sort()).toEqual(['user.via-link'])
      expect((await glfs.lgetxattr(link, 'trusted.gfts-test.on-link')).toString()).toBe('L')
      expect(await glfs.getxattr(link, 'trusted.gfts-test.on-link').catch((e: { code: string }) => e.code)).toBe('ENODATA')
      expect((await glfs.getxattr(target, 'user.via-link')).toString()).toBe('T')
      expect(await glfs.lremovexattr(link, 'trusted.gfts-test.removed').catch((e: { code: string }) => e.code)).toBe('ENODATA')
      const c = await cXattrs(vol.name, [link])
      expect(c[link]!.llist).toEqual(['trusted.gfts-test.on-link'])
      expect(c[link]!.list).toEqual(['user.via-link'])
      let links = 0
      for (const brick of vol.bricks) {
        const onBrick = join(brick, link)
        if (lstatOrUndefined(onBrick) === undefined) continue
        links++
        expect(brickXattrNames(onBrick, false)!.filter((n) => n.startsWith('trusted.gfts-test.')), onBrick).toEqual(['trusted.gfts-test.on-link'])
      }
      expect(links).toBe(copies)
    })

    it('chown and lchown change owner and group as glfs_chown / glfs_lchown do', async () => {
      const file = `${dir}/owned`
      const link = `${dir}/owned-link`
      await (await glfs.creat(file, O_RDWR | O_CREAT, 0o644)).close()
      await glfs.symlink('owned', link)
      await glfs.chown(link, 1234, 5678)
      expect(await glfs.stat(file)).toMatchObject({ uid: 1234, gid: 5678 })
      expect(await glfs.lstat(link)).toMatchObject({ uid: 0, gid: 0 })
      await glfs.lchown(link, 4321, -1)
      expect(await glfs.lstat(link)).toMatchObject({ uid: 4321, gid: 0 })
      expect(await glfs.stat(file)).toMatchObject({ uid: 1234, gid: 5678 })
      await glfs.chown(file, -1, 42)
      expect(await glfs.stat(file)).toMatchObject({ uid: 1234, gid: 42 })
      await expect(glfs.chown(file, -2, 0)).rejects.toThrow(RangeError)
      // What every other client sees: the bricks' own inodes (each copy on replica 3; on
      // distribute, the brick each name hashed to).
      let files = 0
      let links = 0
      for (const brick of vol.bricks) {
        const fileThere = lstatOrUndefined(join(brick, file))
        const linkThere = lstatOrUndefined(join(brick, link))
        if (fileThere !== undefined) {
          files++
          expect(fileThere, `${brick}${file}`).toMatchObject({ uid: 1234, gid: 42 })
        }
        if (linkThere !== undefined) {
          links++
          expect(linkThere.isSymbolicLink(), `${brick}${link}`).toBe(true)
          expect(linkThere, `${brick}${link}`).toMatchObject({ uid: 4321, gid: 0 })
        }
      }
      expect([files, links]).toEqual([copies, copies])
    })
  })
}
