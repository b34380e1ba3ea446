/**
 * Helpers of the distribute integration tests: the C client (libgfapi.so driven from Python's
 * ctypes, for what fio cannot do: mkdir, rename, readdir, stat...) and views of the bricks (DHT
 * layout xattrs, where a name's data and linkto files are).
 */
import { execFileSync, spawn } from 'node:child_process'
import { lstatSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Glfs } from '../../src/api/index.ts'
import { DhtHasher } from '../../src/xlators/distribute/hash.ts'
import { type Layout, layoutFromBricks, searchLayout } from '../../src/xlators/distribute/layout.ts'
import { parseFioJson, runProcess } from './sandbox.ts'

/**
 * One libgfapi mount running a list of operations, printing a JSON array of results: 0 or
 * {errno} per call, file contents for read, names for list, stat/statvfs fields, block digests
 * for blocks. It exits without
 * glfs_fini (which waits ~10 s): every write is closed (flushed) before.
 */
const C_CLIENT_PY = String.raw`
import ctypes, hashlib, json, os, struct, sys
g = ctypes.CDLL('libgfapi.so.0', use_errno=True)
for f in ('glfs_new', 'glfs_open', 'glfs_creat', 'glfs_opendir'):
    getattr(g, f).restype = ctypes.c_void_p
g.glfs_read.restype = ctypes.c_ssize_t
g.glfs_write.restype = ctypes.c_ssize_t
g.glfs_pread.restype = ctypes.c_ssize_t
g.glfs_pread.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int64, ctypes.c_int, ctypes.c_void_p]
class Dirent(ctypes.Structure):
    _fields_ = [('d_ino', ctypes.c_uint64), ('d_off', ctypes.c_int64), ('d_reclen', ctypes.c_ushort),
                ('d_type', ctypes.c_ubyte), ('d_name', ctypes.c_char * 256)]
g.glfs_readdir.restype = ctypes.POINTER(Dirent)
req = json.load(sys.stdin)
fs = ctypes.c_void_p(g.glfs_new(req['volume'].encode()))
g.glfs_set_volfile_server(fs, b'tcp', req['host'].encode(), req['port'])
g.glfs_set_logging(fs, b'/dev/null', 0)
if g.glfs_init(fs) != 0:
    print(json.dumps({'init': ctypes.get_errno()})); sys.stdout.flush(); os._exit(1)
def fail(): return {'errno': ctypes.get_errno()}
def P(s): return s.encode('utf-8', 'surrogateescape')
out = []
for op in req['ops']:
    k = op[0]
    if k == 'mkdir': out.append(0 if g.glfs_mkdir(fs, P(op[1]), 0o755) == 0 else fail())
    elif k == 'rmdir': out.append(0 if g.glfs_rmdir(fs, P(op[1])) == 0 else fail())
    elif k == 'unlink': out.append(0 if g.glfs_unlink(fs, P(op[1])) == 0 else fail())
    elif k == 'rename': out.append(0 if g.glfs_rename(fs, P(op[1]), P(op[2])) == 0 else fail())
    elif k == 'write':
        fd = g.glfs_creat(fs, P(op[1]), os.O_RDWR | os.O_TRUNC, 0o644)
        if not fd: out.append(fail()); continue
        data = P(op[2]); n = g.glfs_write(ctypes.c_void_p(fd), data, len(data), 0)
        out.append(n if g.glfs_close(ctypes.c_void_p(fd)) == 0 else fail())
    elif k == 'read':
        fd = g.glfs_open(fs, P(op[1]), os.O_RDONLY)
        if not fd: out.append(fail()); continue
        buf = ctypes.create_string_buffer(1 << 20); n = g.glfs_read(ctypes.c_void_p(fd), buf, 1 << 20, 0)
        g.glfs_close(ctypes.c_void_p(fd))
        out.append(buf.raw[:n].decode('utf-8', 'surrogateescape') if n >= 0 else fail())
    elif k == 'list':
        d = g.glfs_opendir(fs, P(op[1]))
        if not d: out.append(fail()); continue
        names = []
        while True:
            e = g.glfs_readdir(ctypes.c_void_p(d))
            if not e: break
            n = e.contents.d_name.decode('utf-8', 'surrogateescape')
            if n not in ('.', '..'): names.append(n)
        g.glfs_closedir(ctypes.c_void_p(d)); out.append(names)
    elif k == 'stat':
        st = ctypes.create_string_buffer(256)
        if g.glfs_lstat(fs, P(op[1]), st) != 0: out.append(fail()); continue
        dev, ino, nlink, mode, uid, gid, _, rdev, size, blksize, blocks, asec, ansec, msec, mnsec, csec, cnsec = \
            struct.unpack_from('QQQIIIIQqqqqqqqqq', st.raw)
        out.append({'ino': str(ino), 'nlink': nlink, 'mode': mode, 'uid': uid, 'gid': gid, 'size': size,
                    'blocks': blocks, 'mtime': msec, 'mtimeNsec': mnsec})
    elif k == 'statvfs':
        st = ctypes.create_string_buffer(256)
        if g.glfs_statvfs(fs, P(op[1]), st) != 0: out.append(fail()); continue
        bsize, frsize, blocks, bfree, bavail, files, ffree, favail, fsid, flag, namemax = struct.unpack_from('QQQQQQQQQQQ', st.raw)
        out.append({'bsize': bsize, 'frsize': frsize, 'blocks': blocks, 'bfree': bfree, 'bavail': bavail,
                    'files': files, 'ffree': ffree, 'namemax': namemax})
    elif k == 'blocks':
        fd = g.glfs_open(fs, P(op[1]), os.O_RDONLY)
        if not fd: out.append(fail()); continue
        bs = op[2]; buf = ctypes.create_string_buffer(bs); sums = []; off = 0
        while True:
            n = g.glfs_pread(ctypes.c_void_p(fd), buf, bs, ctypes.c_int64(off), 0, None)
            if n <= 0: break
            sums.append(hashlib.sha256(buf.raw[:n]).hexdigest()[:16]); off += n
        g.glfs_close(ctypes.c_void_p(fd))
        out.append(sums if n == 0 else fail())
    elif k == 'setxattr':
        v = P(op[3])
        out.append(0 if g.glfs_setxattr(fs, P(op[1]), P(op[2]), v, len(v), 0) == 0 else fail())
    else: out.append({'unknown': k})
print(json.dumps(out)); sys.stdout.flush(); os._exit(0)
`

export type COp =
  | readonly ['mkdir' | 'rmdir' | 'unlink' | 'read' | 'list' | 'stat' | 'statvfs', string]
  | readonly ['rename', string, string]
  | readonly ['write', string, string]
  /** sha256 (first 16 hex digits) of each `bs`-byte block of a file, read through the C client. */
  | readonly ['blocks', string, number]
  /** glfs_setxattr, e.g. `trusted.distribute.migrate-data` = "force" (DHT migrates the file in this mount). */
  | readonly ['setxattr', string, string, string]

export interface CStat {
  ino: string
  nlink: number
  mode: number
  uid: number
  gid: number
  size: number
  blocks: number
  mtime: number
  mtimeNsec: number
}

/** Runs `ops` through the C client (libgfapi) in one mount; one result per op, in order. */
export function cClient(volume: string, host: string, port: number, ops: readonly COp[], timeoutMs = 120_000): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', C_CLIENT_PY], { stdio: ['pipe', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => err.push(d))
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.on('close', (status) => {
      clearTimeout(timer)
      const text = Buffer.concat(out).toString('utf8').trim()
      if (status !== 0) return reject(new Error(`C client exited ${status}: ${text} ${Buffer.concat(err).toString('utf8').slice(-2000)}`))
      try {
        resolve(JSON.parse(text) as unknown[])
      } catch (e) {
        reject(new Error(`C client printed ${text.slice(0, 500)}: ${(e as Error).message}`))
      }
    })
    child.stdin.end(JSON.stringify({ volume, host, port, ops }))
  })
}

/** fio's limit on one option value (parse.c "value exceeds max length of 4096"). */
const FIO_VALUE_MAX = 4096

/**
 * Creates 4 KiB files at `paths` (inside the volume, no leading '/') with fio's gfapi engine: one
 * fio job per filename list that fits fio's option length, all in one fio run.
 */
export async function fioCreate(fio: string, volume: string, host: string, paths: readonly string[], timeoutMs = 600_000): Promise<void> {
  const args = ['--thread', '--ioengine=gfapi', `--volume=${volume}`, `--brick=${host}`, '--rw=write', '--bs=4k', '--filesize=4k', '--output-format=json']
  let batch: string[] = []
  let jobs = 0
  const flush = (): void => {
    if (batch.length === 0) return
    args.push(`--name=create${jobs++}`, `--filename=${batch.join(':')}`, `--size=${4 * batch.length}k`)
    batch = []
  }
  for (const p of paths) {
    if (p.includes(':')) throw new Error(`fio cannot take ':' in a file name: ${p}`)
    // Bytes, with room for the option name fio counts along.
    if (batch.length > 0 && Buffer.byteLength([...batch, p].join(':')) >= FIO_VALUE_MAX - 256) flush()
    batch.push(p)
  }
  flush()
  const r = await runProcess(fio, args, timeoutMs)
  if (r.status !== 0) throw new Error(`fio exited ${r.status ?? r.signal}: ${r.stderr.slice(0, 2000)}`)
  const report = parseFioJson(r.stdout)
  const failed = report.jobs.filter((j) => j.error !== 0)
  if (failed.length > 0 || report.jobs.length !== jobs) throw new Error(`fio jobs failed: ${JSON.stringify(failed.map((j) => [j.jobname, j.error]))}`)
}

/** A brick-side xattr of `path` as raw bytes, or undefined when absent. */
export function brickXattr(path: string, name: string): Buffer | undefined {
  try {
    const out = execFileSync('getfattr', ['--absolute-names', '-n', name, '-e', 'hex', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    const m = new RegExp(`^${name.replace(/\./g, '\\.')}=0x([0-9a-f]*)$`, 'm').exec(out)
    return m === null ? undefined : Buffer.from(m[1]!, 'hex')
  } catch {
    return undefined
  }
}

export function setBrickXattr(path: string, name: string, value: Buffer): void {
  execFileSync('setfattr', ['-n', name, '-v', `0x${value.toString('hex')}`, path])
}

/** The bricks of a mounted volume in volfile (subvolume) order, with their client xlator names. */
export function subvolumes(glfs: Glfs): { brick: string; name: string }[] {
  return glfs.bricks.map((b) => ({ brick: b.path, name: b.xlator }))
}

/** A directory's layout as its bricks hold it (read with getfattr, parsed with layout.ts). */
export function layoutOnBricks(glfs: Glfs, dir: string): Layout {
  return layoutFromBricks(dir, subvolumes(glfs).map((s, i) => ({
    subvolume: i, name: s.name, xattr: brickXattr(join(s.brick, dir), 'trusted.glusterfs.dht') ?? null,
  })))
}

const hasher = new DhtHasher()

/** The subvolume index a name hashes to in `layout` (what every client must agree on). */
export function hashedSubvol(layout: Layout, name: string): number {
  const e = searchLayout(layout, hasher.hashName(name))
  if (e === undefined) throw new Error(`no subvolume for ${name} in ${layout.path}`)
  return e.subvolume
}

/** Where a name of a directory is on each brick: 'data', 'linkto', 'dir', 'symlink' or absent. */
export type BrickEntry = 'data' | 'linkto' | 'dir' | 'symlink'

export function entriesOnBricks(glfs: Glfs, path: string): (BrickEntry | undefined)[] {
  return subvolumes(glfs).map((s) => {
    try {
      const st = lstatSync(join(s.brick, path))
      if (st.isDirectory()) return 'dir'
      if (st.isSymbolicLink()) return 'symlink'
      return (st.mode & 0o7777) === 0o1000 && st.size === 0 ? 'linkto' : 'data'
    } catch {
      return undefined
    }
  })
}

/** Subvolume indexes holding the data (not a linkto) of a regular file. */
export function dataSubvols(glfs: Glfs, path: string): number[] {
  return entriesOnBricks(glfs, path).flatMap((e, i) => (e === 'data' ? [i] : []))
}

/** What a directory listing must show: the union of the bricks' entries minus linkto files. */
export function brickUnion(glfs: Glfs, dir: string): Set<string> {
  const names = new Set<string>()
  for (const s of subvolumes(glfs)) {
    let list: string[]
    try {
      list = readdirSync(join(s.brick, dir))
    } catch {
      continue
    }
    for (const n of list) {
      const st = lstatSync(join(s.brick, dir, n))
      if (st.isFile() && (st.mode & 0o7777) === 0o1000 && st.size === 0) continue
      names.add(n)
    }
  }
  return names
}

/** `count` names that hash to subvolume `subvol` of `layout`, made from `prefix`. */
export function namesOn(layout: Layout, subvol: number, prefix: string, count: number): string[] {
  const out: string[] = []
  for (let i = 0; out.length < count; i++) {
    const name = `${prefix}${i}`
    if (hashedSubvol(layout, name) === subvol) out.push(name)
  }
  return out
}
