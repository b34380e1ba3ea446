/**
 * The transaction's wire sequence against recording bricks: what each brick is sent, in what
 * order, with which lock owner, domain, range and changelog values (afr.md §2, §4).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { GlusterError } from '../../../../src/rpc/errors.ts'
import { errnoOf } from '../../../../src/rpc/errno.ts'
import { Dict } from '../../../../src/rpc/programs/fops/dict.ts'
import { Iatt } from '../../../../src/rpc/programs/fops/iatt.ts'
import { replicate } from '../../../../src/xlators/replicate/index.ts'
import type { Replicate } from '../../../../src/xlators/replicate/replicate.ts'
import { type Call, type CommonResult, Fd, type Flock, Inode, type Loc, type PrePostResult, type WriteResult, type XattrResult, ROOT_GFID } from '../../../../src/xlators/types.ts'
import { FanOut } from '../../../../src/xlators/replicate/transaction.ts'
import { Xlator, buildXlator } from '../../../../src/xlators/xlator.ts'
import { testInit } from '../../../helpers/xlator-init.ts'

interface Sent {
  readonly brick: number
  readonly fop: string
  readonly owner: string
  readonly detail: string
}

/** A brick that records what it is sent and answers as told. */
class Brick extends Xlator {
  readonly index: number
  readonly log: Sent[]
  fail: Partial<Record<string, string>> = {}
  /** What the brick's changelog holds, as XATTROP would add to it. */
  readonly xattrs = new Map<string, Buffer>()
  /** `glusterfs.inodelk-count` this brick puts in write and fsync replies (asked for by inodelk-dom-count). */
  lockCount = 1
  /** `glusterfs.open-active-fd-count` this brick puts in write replies (asked for by afr_writev). */
  activeFds = 1
  /** xdata of each write, as `key=value` sorted. */
  readonly writeXdata: string[] = []
  /** Writes wait for this, when set (to hold a transaction in flight). */
  gate: Promise<void> | undefined
  /** The error a write at this offset fails with, when set (failures that differ between writes). */
  failWriteAt: ((offset: number) => string | undefined) | undefined
  constructor(index: number, log: Sent[]) {
    super(testInit(`v-client-${index}`, 'protocol/client'))
    this.index = index
    this.log = log
  }
  #record(fop: string, call: Call, detail: string): void {
    this.log.push({ brick: this.index, fop, owner: call.lkOwner.toString('hex'), detail })
    const code = this.fail[fop]
    if (code !== undefined) throw new GlusterError({ errno: errnoOf(code), syscall: fop })
  }
  override async inodelk(call: Call, domain: string, _loc: Loc, cmd: number, lock: Flock): Promise<CommonResult> {
    this.#record(lock.type === 2 ? 'unlock' : cmd === 1 ? 'lock-nb' : 'lock-blocking', call, `${domain} ${lock.start}+${lock.len}`)
    return { xdata: undefined }
  }
  override async entrylk(call: Call, domain: string, loc: Loc, name: string, cmd: number): Promise<CommonResult> {
    this.#record(cmd === 1 ? 'entry-unlock' : cmd === 2 ? 'entry-lock-nb' : 'entry-lock', call, `${domain} ${loc.inode!.gfid.toString('hex').slice(-4)}/${name}`)
    return { xdata: undefined }
  }
  override async xattrop(call: Call, _loc: Loc, _flags: number, dict: Dict, xdata?: Dict): Promise<XattrResult> {
    const parts: string[] = []
    const out = new Dict()
    for (const [k, v] of dict) {
      const delta = (v as { value: Buffer }).value
      const cur = Buffer.from(this.xattrs.get(k) ?? Buffer.alloc(12))
      for (let i = 0; i < 12; i += 4) cur.writeInt32BE(cur.readInt32BE(i) + delta.readInt32BE(i), i)
      this.xattrs.set(k, cur)
      out.setPtr(k, cur)
      if (!/^0+$/.test(delta.toString('hex'))) parts.push(`${k.replace('trusted.afr.', '')}=${delta.toString('hex')}`)
    }
    const entry = xdata?.getStr('glusterfs.xattrop-entry-create') ?? xdata?.getStr('glusterfs.xattrop-entry-delete')
    this.#record('xattrop', call, parts.join(' ') + (entry === undefined ? '' : ` [${xdata!.has('glusterfs.xattrop-entry-create') ? 'create' : 'delete'} ${entry}]`))
    return { dict: out, xdata: undefined }
  }
  override async fxattrop(call: Call, _fd: Fd, _flags: number, dict: Dict): Promise<XattrResult> {
    this.#record('fxattrop', call, [...dict.keys()].join(' '))
    return { dict, xdata: undefined }
  }
  override async writev(call: Call, _fd: Fd, data: Buffer, offset: number, _flags: number, xdata?: Dict): Promise<WriteResult> {
    this.#record('write', call, `${data.length}@${offset}`)
    const code = this.failWriteAt?.(offset)
    if (code !== undefined) throw new GlusterError({ errno: errnoOf(code), syscall: 'write' })
    this.writeXdata.push(xdata === undefined ? '' : [...xdata].map(([k, v]) => `${k}=${String((v as { value: unknown }).value)}`).sort().join(' '))
    if (this.gate !== undefined) await this.gate
    this.log.push({ brick: this.index, fop: 'write-done', owner: call.lkOwner.toString('hex'), detail: `${data.length}@${offset}` })
    return { size: data.length, prestat: new Iatt(), poststat: new Iatt(), xdata: this.#counts(xdata) }
  }
  override async fsync(call: Call, _fd: Fd, datasync: boolean, xdata?: Dict): Promise<PrePostResult> {
    const internal = xdata?.getStr('glusterfs-internal-fop') === 'yes' ? ` internal batch=${xdata.getInt('batch-fsync')}` : ''
    this.#record('fsync', call, `datasync=${datasync}${internal}`)
    return { prestat: new Iatt(), poststat: new Iatt(), xdata: this.#counts(xdata) }
  }
  override async flush(call: Call): Promise<CommonResult> {
    this.#record('flush', call, '')
    return { xdata: undefined }
  }
  override holdsFd(): boolean {
    return true
  }
  #counts(xdata: Dict | undefined): Dict | undefined {
    if (xdata?.getStr('glusterfs.inodelk-dom-count') === undefined) return undefined
    const out = new Dict().setInt('glusterfs.inodelk-count', this.lockCount)
    return xdata.has('glusterfs.open-active-fd-count') ? out.setUint('glusterfs.open-active-fd-count', this.activeFds) : out
  }
  override async ftruncate(call: Call, _fd: Fd, offset: number): Promise<PrePostResult> {
    this.#record('ftruncate', call, `${offset}`)
    return { prestat: new Iatt(), poststat: new Iatt(), xdata: undefined }
  }
  override async open(call: Call, _loc: Loc, flags: number, fd: Fd): Promise<{ fd: Fd; xdata: undefined }> {
    this.#record('open', call, flags.toString(8))
    return { fd, xdata: undefined }
  }
  override async setattr(call: Call): Promise<PrePostResult> {
    this.#record('setattr', call, '')
    return { prestat: new Iatt(), poststat: new Iatt(), xdata: undefined }
  }
  override async mkdir(call: Call, loc: Loc, _mode: number, _umask: number, xdata?: Dict) {
    this.#record('mkdir', call, `${loc.name} gfid-req ${xdata?.getGfuuid('gfid-req')?.toString('hex')}`)
    const stat = new Iatt(Buffer.from(xdata!.getGfuuid('gfid-req')!))
    stat.mode = 0o040755
    return { stat, preparent: new Iatt(), postparent: new Iatt(), xdata: undefined }
  }
}

const APP: Call = { pid: 42, uid: 0, gid: 0, groups: [], lkOwner: Buffer.from('2a000000', 'hex') }

function setup(arbiter = false, extra: Record<string, string> = {}): { afr: Replicate; bricks: Brick[]; log: Sent[]; file: Inode; fd: Fd } {
  const log: Sent[] = []
  const bricks = [0, 1, 2].map((i) => new Brick(i, log))
  const options = new Map([['afr-pending-xattr', 'v-client-0,v-client-1,v-client-2'], ['granular-entry-heal', 'on'], ...Object.entries(extra)])
  if (arbiter) options.set('arbiter-count', '1')
  const afr = buildXlator(replicate, { name: 'v-replicate-0', type: 'cluster/replicate', options, subvolumes: [], line: 1 }, bricks, { volume: 'v' }) as Replicate
  for (const b of bricks) b.notify('CHILD_UP', b)
  const file = new Inode(Buffer.from('0ac59dd1d1a44f2b9a7e1b0c3f2e4d5c', 'hex'), 0o100000)
  return { afr, bricks, log, file, fd: new Fd(file, 2, false) }
}

const row = (log: Sent[], fop: string): Sent[] => log.filter((s) => s.fop === fop)

describe('a data transaction (write), all bricks up', () => {
  it('eager-lock off: locks the whole file non-blocking in the xlator domain with a fresh owner, pre-ops dirty +1, writes with the app owner, FSYNCs (ensure-durability), undirties, unlocks', async () => {
    const { afr, log, fd } = setup(false, { 'eager-lock': 'off' })
    await afr.writev(APP, fd, Buffer.alloc(10), 5, 0)
    expect(log.filter((s) => s.fop !== 'write-done').map((s) => s.fop)).toEqual([
      'lock-nb', 'lock-nb', 'lock-nb', 'xattrop', 'xattrop', 'xattrop', 'write', 'write', 'write', 'fsync', 'fsync', 'fsync',
      'xattrop', 'xattrop', 'xattrop', 'unlock', 'unlock', 'unlock',
    ])
    for (const s of row(log, 'fsync')) expect(s.detail).toBe('datasync=true internal batch=1')
    for (const s of row(log, 'lock-nb')) expect(s.detail).toBe('v-replicate-0 0+0')
    const owner = log[0]!.owner
    expect(owner).toMatch(/^[0-9a-f]{16}$/)
    for (const s of log.filter((x) => x.fop !== 'write' && x.fop !== 'write-done')) expect(s.owner).toBe(owner)
    for (const s of row(log, 'write')) expect(s.owner).toBe('2a000000')
    expect(row(log, 'xattrop').map((s) => s.detail)).toEqual([
      'dirty=000000010000000000000000', 'dirty=000000010000000000000000', 'dirty=000000010000000000000000',
      'dirty=ffffffff0000000000000000', 'dirty=ffffffff0000000000000000', 'dirty=ffffffff0000000000000000',
    ])
    log.length = 0
    await afr.writev(APP, fd, Buffer.alloc(10), 5, 0)
    expect(log[0]!.owner).not.toBe(owner)
  })

  it('with brick 2 down: nothing sent to it, and the post-op (at close) blames it in the data slot', async () => {
    const { afr, bricks, log, fd } = setup()
    bricks[2]!.notify('CHILD_DOWN', bricks[2]!)
    await afr.writev(APP, fd, Buffer.alloc(10), 0, 0)
    expect(row(log, 'xattrop')).toHaveLength(2)
    await afr.flush(APP, fd)
    expect(log.filter((s) => s.fop !== 'flush').some((s) => s.brick === 2)).toBe(false)
    expect(row(log, 'xattrop').slice(2).map((s) => s.detail)).toEqual([
      'dirty=ffffffff0000000000000000 v-client-2=000000010000000000000000', 'dirty=ffffffff0000000000000000 v-client-2=000000010000000000000000',
    ])
  })

  it('a write failing on one brick is blamed on it by the others before the write resolves; the lock goes', async () => {
    const { afr, bricks, log, fd } = setup()
    bricks[1]!.fail.write = 'EIO'
    await afr.writev(APP, fd, Buffer.alloc(10), 0, 0)
    expect(row(log, 'unlock')).toHaveLength(3)
    expect(afr.eagerLocks).toBe(0)
    const post = row(log, 'xattrop').slice(3)
    expect(post.map((s) => s.brick)).toEqual([0, 2])
    for (const s of post) expect(s.detail).toBe('dirty=ffffffff0000000000000000 v-client-1=000000010000000000000000')
  })

  it('the same error everywhere (ENOSPC) blames nobody and fails the write', async () => {
    const { afr, bricks, log, fd } = setup()
    for (const b of bricks) b.fail.write = 'ENOSPC'
    await expect(afr.writev(APP, fd, Buffer.alloc(10), 0, 0)).rejects.toMatchObject({ code: 'ENOSPC' })
    for (const s of row(log, 'xattrop').slice(3)) expect(s.detail).toBe('dirty=ffffffff0000000000000000')
  })

  it('a write reaching only blamed copies fails EIO without writing (write validity from the pre-op replies)', async () => {
    const { afr, bricks, log, fd } = setup()
    bricks[2]!.notify('CHILD_DOWN', bricks[2]!)
    // Brick 2 (down) blamed 0 and 1 earlier; the pre-op replies of 0 and 1 carry that blame.
    for (const b of [bricks[0]!, bricks[1]!]) {
      b.xattrs.set('trusted.afr.v-client-0', Buffer.from('000000010000000000000000', 'hex'))
      b.xattrs.set('trusted.afr.v-client-1', Buffer.from('000000010000000000000000', 'hex'))
    }
    await expect(afr.writev(APP, fd, Buffer.alloc(10), 0, 0)).rejects.toMatchObject({ code: 'EIO' })
    expect(row(log, 'write')).toEqual([])
  })

  it('quorum lost: ENOTCONN naming the down bricks, nothing sent', async () => {
    const { afr, bricks, log, fd } = setup()
    bricks[1]!.notify('CHILD_DOWN', bricks[1]!)
    bricks[2]!.notify('CHILD_DOWN', bricks[2]!)
    await expect(afr.writev(APP, fd, Buffer.alloc(1), 0, 0)).rejects.toThrow(/ENOTCONN.*volume v.*quorum.*v-client-1.*v-client-2/)
    expect(log).toEqual([])
  })

  it('a lock refused non-blocking is dropped and retaken blocking, one brick at a time in child order', async () => {
    const { afr, bricks, log, fd } = setup()
    bricks[1]!.fail['lock-nb'] = 'EAGAIN'
    await afr.writev(APP, fd, Buffer.alloc(1), 0, 0)
    const locks = log.filter((s) => s.fop.startsWith('lock') || s.fop === 'unlock').slice(0, 8)
    expect(locks.slice(3).map((s) => `${s.fop}:${s.brick}`)).toEqual(['unlock:0', 'unlock:2', 'lock-blocking:0', 'lock-blocking:1', 'lock-blocking:2'])
  })

  it('the arbiter receives one byte at the offset and counts as the full length', async () => {
    const { afr, log, fd } = setup(true)
    const r = await afr.writev(APP, fd, Buffer.alloc(4096), 8192, 0)
    expect(r.size).toBe(4096)
    expect(row(log, 'write').map((s) => `${s.brick}:${s.detail}`)).toEqual(['0:4096@8192', '1:4096@8192', '2:1@8192'])
  })
})

describe('metadata and entry transactions', () => {
  it('a setattr with all bricks up locks the metadata range and skips pre-op and post-op (optimistic changelog)', async () => {
    const { afr, log, file } = setup()
    await afr.setattr(APP, { path: '/f', name: 'f', parent: undefined, inode: file }, { mode: 0o600, uid: 0, gid: 0, atime: 0, atimeNsec: 0, mtime: 0, mtimeNsec: 0 }, 1)
    expect(log.map((s) => s.fop)).toEqual(['lock-nb', 'lock-nb', 'lock-nb', 'setattr', 'setattr', 'setattr', 'unlock', 'unlock', 'unlock'])
    expect(log[0]!.detail).toBe('v-replicate-0 9223372036854775806+0')
  })

  it('a mkdir with brick 2 down: entry lock on (parent, name), granular pre-op, one gfid-req everywhere, new-entry marking, blame in the entry slot', async () => {
    const { afr, bricks, log } = setup()
    bricks[2]!.notify('CHILD_DOWN', bricks[2]!)
    const root = new Inode(ROOT_GFID, 0o040000)
    await afr.mkdir(APP, { path: '/d', name: 'd', parent: root, inode: undefined }, 0o755, 0)
    expect(row(log, 'entry-lock-nb').map((s) => s.detail)).toEqual(['v-replicate-0 0001/d', 'v-replicate-0 0001/d'])
    const mk = row(log, 'mkdir')
    expect(mk[0]!.detail).toBe(mk[1]!.detail)
    const details = row(log, 'xattrop').map((s) => s.detail)
    expect(details.slice(0, 2)).toEqual(['dirty=000000000000000000000001 [create d]', 'dirty=000000000000000000000001 [create d]'])
    // No name key in the post-op: the name index made by the pre-op stays for the shd (afr_changelog_populate_xdata).
    expect(details.slice(2, 4)).toEqual(['dirty=0000000000000000ffffffff v-client-2=000000000000000000000001', 'dirty=0000000000000000ffffffff v-client-2=000000000000000000000001'])
    expect(details.slice(4)).toEqual(['v-client-2=000000010000000100000001', 'v-client-2=000000010000000100000001'])
  })
})

describe('open, xattrs', () => {
  it('open never passes O_TRUNC to the bricks; the truncation is an ftruncate transaction', async () => {
    const { afr, log, file, fd } = setup()
    await afr.open(APP, { path: '/f', name: 'f', parent: undefined, inode: file }, 0o1002, fd)
    expect(row(log, 'open').map((s) => s.detail)).toEqual(['2', '2', '2'])
    expect(row(log, 'ftruncate').map((s) => s.detail)).toEqual(['0', '0', '0'])
  })

  it('the changelog keys are the xlator\'s own: getxattr ENODATA, setxattr EPERM', async () => {
    const { afr, file } = setup()
    const loc = { path: '/f', name: 'f', parent: undefined, inode: file }
    await expect(afr.getxattr(APP, loc, 'trusted.afr.v-client-0')).rejects.toMatchObject({ code: 'ENODATA' })
    await expect(afr.setxattr(APP, loc, new Dict().setStr('trusted.afr.dirty', 'x'), 0)).rejects.toMatchObject({ code: 'EPERM' })
  })
})

describe('locks from above (afr_handle_inodelk / afr_handle_entrylk)', () => {
  const flock = (type: number): Flock => ({ type, whence: 0, start: 0, len: 0, pid: 0, lkOwner: Buffer.alloc(0) })

  it('a blocking inodelk is tried non-blocking on every child with the caller\'s owner and domain', async () => {
    const { afr, log, file } = setup()
    await afr.inodelk(APP, 'v-dht', { path: '/f', name: 'f', parent: undefined, inode: file }, 2, flock(1))
    expect(log.map((s) => `${s.fop}:${s.brick}:${s.owner}:${s.detail}`)).toEqual([0, 1, 2].map((i) => `lock-nb:${i}:2a000000:v-dht 0+0`))
  })

  it('on a conflict it releases what it got and locks child by child in order with the caller\'s command', async () => {
    const { afr, bricks, log, file } = setup()
    bricks[1]!.fail['lock-nb'] = 'EAGAIN'
    await afr.inodelk(APP, 'v-dht', { path: '/f', name: 'f', parent: undefined, inode: file }, 2, flock(1))
    expect(log.slice(3).map((s) => `${s.fop}:${s.brick}`)).toEqual(['unlock:0', 'unlock:2', 'lock-blocking:0', 'lock-blocking:1', 'lock-blocking:2'])
  })

  it('a non-blocking request that still conflicts in the serial pass fails EAGAIN holding nothing', async () => {
    const { afr, bricks, log, file } = setup()
    bricks[1]!.fail['lock-nb'] = 'EAGAIN'
    await expect(afr.inodelk(APP, 'v-dht', { path: '/f', name: 'f', parent: undefined, inode: file }, 1, flock(1))).rejects.toMatchObject({ code: 'EAGAIN' })
    const got = new Set<number>()
    for (const s of log) {
      if (s.fop === 'lock-nb' && !(s.brick === 1)) got.add(s.brick)
      if (s.fop === 'unlock') got.delete(s.brick)
    }
    expect([...got]).toEqual([])
  })

  it('an entrylk unlock goes to every child at once', async () => {
    const { afr, log } = setup()
    const dir = new Inode(ROOT_GFID, 0o040000)
    await afr.entrylk(APP, 'v-dht', { path: '/', name: '', parent: undefined, inode: dir }, 'x', 1, 1)
    expect(log.map((s) => `${s.fop}:${s.brick}`)).toEqual(['entry-unlock:0', 'entry-unlock:1', 'entry-unlock:2'])
  })
})

describe('open with O_TRUNC failing its truncation', () => {
  it('fails the open and releases the fd it opened', async () => {
    const { afr, bricks, file, fd } = setup()
    const released: number[] = []
    bricks.forEach((b, i) => {
      b.fail.ftruncate = 'EIO'
      b.holdsFd = () => true
      b.release = async () => { released.push(i) }
    })
    await expect(afr.open(APP, { path: '/f', name: 'f', parent: undefined, inode: file }, 0o1002, fd)).rejects.toMatchObject({ code: 'EIO' })
    expect(released).toEqual([0, 1, 2])
  })
})

const fops = (log: Sent[]): string[] => log.filter((s) => s.fop !== 'write-done').map((s) => s.fop)
/** Let the background release (post-op, unlock) run: it is a chain of promises, no timer. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
}

describe('eager lock and delayed post-op (cluster.eager-lock on, the default)', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('N writes share one lock and one pre-op; the post-op and unlock go after post-op-delay-secs of idleness, without FSYNC', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { afr, bricks, log, fd } = setup()
    await afr.writev(APP, fd, Buffer.alloc(10), 0, 0)
    await Promise.all([afr.writev(APP, fd, Buffer.alloc(10), 10, 0), afr.writev(APP, fd, Buffer.alloc(10), 20, 0)])
    await afr.writev(APP, fd, Buffer.alloc(10), 30, 0)
    expect(fops(log)).toEqual(['lock-nb', 'lock-nb', 'lock-nb', 'xattrop', 'xattrop', 'xattrop', ...new Array(12).fill('write')])
    expect(row(log, 'xattrop').map((s) => s.detail)).toEqual(new Array(3).fill('dirty=000000010000000000000000'))
    // afr_writev's questions, in every write.
    for (const b of bricks) {
      for (const x of b.writeXdata) expect(x).toBe('glusterfs.inodelk-dom-count=v-replicate-0 glusterfs.open-active-fd-count=4 glusterfs.write-is-append=4')
    }
    expect(afr.eagerLocks).toBe(1)
    await vi.advanceTimersByTimeAsync(999)
    expect(row(log, 'unlock')).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    await settle()
    expect(fops(log).slice(18)).toEqual(['xattrop', 'xattrop', 'xattrop', 'unlock', 'unlock', 'unlock'])
    expect(row(log, 'xattrop').slice(3).map((s) => s.detail)).toEqual(new Array(3).fill('dirty=ffffffff0000000000000000'))
    const owner = log[0]!.owner
    for (const s of log.filter((x) => !x.fop.startsWith('write'))) expect(s.owner).toBe(owner)
    expect(afr.eagerLocks).toBe(0)
    // The next write takes a new lock with a new owner.
    log.length = 0
    await afr.writev(APP, fd, Buffer.alloc(10), 0, 0)
    expect(fops(log).slice(0, 3)).toEqual(['lock-nb', 'lock-nb', 'lock-nb'])
    expect(log[0]!.owner).not.toBe(owner)
    await afr.fini()
    expect(row(log, 'unlock')).toHaveLength(3)
  })

  it('a write while the idle timer runs inherits the lock and the pre-op (no new lock, no new XATTROP)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { afr, log, fd } = setup()
    await afr.writev(APP, fd, Buffer.alloc(10), 0, 0)
    await vi.advanceTimersByTimeAsync(900)
    await afr.writev(APP, fd, Buffer.alloc(10), 0, 0)
    await vi.advanceTimersByTimeAsync(900)
    expect(fops(log)).toEqual(['lock-nb', 'lock-nb', 'lock-nb', 'xattrop', 'xattrop', 'xattrop', ...new Array(6).fill('write')])
    await vi.advanceTimersByTimeAsync(100)
    await settle()
    expect(row(log, 'unlock')).toHaveLength(3)
  })

  it('fsync posts at once and resolves only once the post-op and unlock are done (no second FSYNC: the fsync made the writes stable)', async () => {
    const { afr, log, fd } = setup()
    await afr.writev(APP, fd, Buffer.alloc(10), 0, 0)
    await afr.fsync(APP, fd, false)
    expect(fops(log).slice(9)).toEqual(['fsync', 'fsync', 'fsync', 'xattrop', 'xattrop', 'xattrop', 'unlock', 'unlock', 'unlock'])
    for (const s of row(log, 'fsync')) expect(s).toMatchObject({ owner: '2a000000', detail: 'datasync=false' })
    expect(afr.eagerLocks).toBe(0)
  })

  it('close: FLUSH posts the delayed changelog and unlocks first, then flushes (afr_flush)', async () => {
    const { afr, log, fd } = setup()
    await afr.writev(APP, fd, Buffer.alloc(10), 0, 0)
    await afr.flush(APP, fd)
    expect(fops(log).slice(9)).toEqual(['xattrop', 'xattrop', 'xattrop', 'unlock', 'unlock', 'unlock', 'flush', 'flush', 'flush'])
    expect(row(log, 'fsync')).toEqual([])
  })

  it('contention: a write reply with inodelk-count 2 releases the lock at once: FSYNC (ensure-durability, internal, lock owner), post-op, unlock', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { afr, bricks, log, fd } = setup()
    await afr.writev(APP, fd, Buffer.alloc(10), 0, 0)
    bricks[0]!.lockCount = 2
    await afr.writev(APP, fd, Buffer.alloc(10), 10, 0)
    await settle()
    expect(fops(log).slice(12)).toEqual(['fsync', 'fsync', 'fsync', 'xattrop', 'xattrop', 'xattrop', 'unlock', 'unlock', 'unlock'])
    const owner = log[0]!.owner
    for (const s of row(log, 'fsync')) expect(s).toMatchObject({ owner, detail: 'datasync=true internal batch=1' })
    expect(afr.eagerLocks).toBe(0)
  })

  it('ensure-durability off: the contention release posts without FSYNC', async () => {
    const { afr, bricks, log, fd } = setup(false, { 'ensure-durability': 'off' })
    bricks[1]!.lockCount = 3
    await afr.writev(APP, fd, Buffer.alloc(10), 0, 0)
    await settle()
    expect(fops(log).slice(9)).toEqual(['xattrop', 'xattrop', 'xattrop', 'unlock', 'unlock', 'unlock'])
  })

  it('an O_DSYNC write is stable: its contention release sends no FSYNC', async () => {
    const { afr, bricks, log, file } = setup()
    bricks[1]!.lockCount = 2
    await afr.writev(APP, new Fd(file, 2 | 0o10000, false), Buffer.alloc(10), 0, 0)
    await settle()
    expect(row(log, 'fsync')).toEqual([])
    expect(row(log, 'unlock')).toHaveLength(3)
  })

  it('a child going down releases an idle lock at once; the next lock leaves it out and blames it at the post-op', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { afr, bricks, log, fd } = setup()
    await afr.writev(APP, fd, Buffer.alloc(10), 0, 0)
    bricks[2]!.notify('CHILD_DOWN', bricks[2]!)
    await settle()
    expect(fops(log).slice(9)).toEqual(['xattrop', 'xattrop', 'xattrop', 'unlock', 'unlock', 'unlock'])
    log.length = 0
    await afr.writev(APP, fd, Buffer.alloc(10), 0, 0)
    expect(fops(log)).toEqual(['lock-nb', 'lock-nb', 'xattrop', 'xattrop', 'write', 'write'])
    // Delayed with a brick down (nothing failed on a locked child), as C; the blame goes at the post-op.
    await afr.flush(APP, fd)
    expect(row(log, 'xattrop').slice(2).map((s) => `${s.brick}:${s.detail}`)).toEqual([
      '0:dirty=ffffffff0000000000000000 v-client-2=000000010000000000000000', '1:dirty=ffffffff0000000000000000 v-client-2=000000010000000000000000',
    ])
  })

  it('a child change while writes are in flight: the lock goes when they are done, and the next write takes a new one', async () => {
    const { afr, bricks, log, fd } = setup()
    let open!: () => void
    const gate = new Promise<void>((r) => { open = r })
    for (const b of bricks) b.gate = gate
    const w = afr.writev(APP, fd, Buffer.alloc(10), 0, 0)
    await settle()
    bricks[2]!.notify('CHILD_DOWN', bricks[2]!)
    bricks[2]!.notify('CHILD_UP', bricks[2]!)
    expect(row(log, 'unlock')).toEqual([])
    for (const b of bricks) b.gate = undefined
    open()
    await w
    await settle()
    expect(row(log, 'unlock')).toHaveLength(3)
    const owner = log[0]!.owner
    await afr.writev(APP, fd, Buffer.alloc(10), 0, 0)
    expect(row(log, 'lock-nb').slice(3).map((s) => s.owner)).toEqual(new Array(3).fill(row(log, 'lock-nb')[3]!.owner))
    expect(row(log, 'lock-nb')[3]!.owner).not.toBe(owner)
    await afr.fini()
  })

  it('overlapping writes of this process wait for each other (afr_has_lock_conflict); a disjoint one goes at once', async () => {
    const { afr, bricks, log, fd } = setup()
    await afr.writev(APP, fd, Buffer.alloc(1), 1000, 0) // the lock is held from here on
    log.length = 0
    let open!: () => void
    const gate = new Promise<void>((r) => { open = r })
    for (const b of bricks) b.gate = gate
    const a = afr.writev(APP, fd, Buffer.alloc(10), 0, 0)
    const b = afr.writev(APP, fd, Buffer.alloc(10), 5, 0)
    const c = afr.writev(APP, fd, Buffer.alloc(10), 100, 0)
    await settle()
    // A and C are at the bricks; B waits for A.
    expect(row(log, 'write').map((s) => s.detail)).toEqual(['10@0', '10@0', '10@0', '10@100', '10@100', '10@100'])
    for (const br of bricks) br.gate = undefined
    open()
    await Promise.all([a, b, c])
    const lastA = log.map((s) => s.fop === 'write-done' && s.detail === '10@0').lastIndexOf(true)
    const firstB = log.findIndex((s) => s.fop === 'write' && s.detail === '10@5')
    expect(firstB).toBeGreaterThan(lastA)
    expect(row(log, 'lock-nb')).toEqual([])
    await afr.fini()
  })

  it('a write that failed without quorum does not cancel the blame a disjoint write sharing the lock earned: that write resolves with it on disk, dirty stays', async () => {
    const { afr, bricks, log, fd } = setup()
    let open!: () => void
    const gate = new Promise<void>((r) => { open = r })
    for (const b of bricks) b.gate = gate
    // A (at 0) fails on brick 2 only; B (at 100) succeeds only on brick 2: below quorum, it fails and posts nothing of its own.
    bricks[2]!.failWriteAt = (off) => (off === 0 ? 'EIO' : undefined)
    for (const b of [bricks[0]!, bricks[1]!]) b.failWriteAt = (off) => (off === 100 ? 'EIO' : undefined)
    const a = afr.writev(APP, fd, Buffer.alloc(10), 0, 0)
    const b = afr.writev(APP, fd, Buffer.alloc(10), 100, 0)
    await settle()
    for (const br of bricks) br.gate = undefined
    open()
    const [ra, rb] = await Promise.allSettled([a, b])
    expect(ra.status).toBe('fulfilled')
    expect(rb.status).toBe('rejected')
    expect(row(log, 'unlock')).toHaveLength(3)
    const post = row(log, 'xattrop').slice(3)
    expect(post.map((s) => s.brick)).toEqual([0, 1])
    for (const s of post) expect(s.detail).toBe('v-client-2=000000010000000000000000')
  })

  it('post-op-delay-secs 0: every write posts and unlocks at once', async () => {
    const { afr, log, fd } = setup(false, { 'post-op-delay-secs': '0' })
    await afr.writev(APP, fd, Buffer.alloc(10), 0, 0)
    expect(row(log, 'unlock')).toHaveLength(3)
    expect(afr.eagerLocks).toBe(0)
  })

  it('truncate is not delayed: it resolves after its post-op', async () => {
    const { afr, log, fd } = setup()
    await afr.ftruncate(APP, fd, 0)
    expect(fops(log)).toEqual(['lock-nb', 'lock-nb', 'lock-nb', 'xattrop', 'xattrop', 'xattrop', 'ftruncate', 'ftruncate', 'ftruncate',
      'xattrop', 'xattrop', 'xattrop', 'unlock', 'unlock', 'unlock'])
  })
})

describe('metadata transactions under the eager lock (afr_transaction_start: lock[AFR_METADATA_TRANSACTION])', () => {
  afterEach(() => {
    vi.useRealTimers()
  })
  const SIZE = new Dict().setPtr('trusted.glusterfs.shard.file-size', Buffer.alloc(32))
  const META_RANGE = 'v-replicate-0 9223372036854775806+0'

  it('N fxattrops (shard size updates) share one metadata lock; no pre-op or post-op with every brick locked; unlock after post-op-delay-secs idle', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { afr, log, fd } = setup()
    await afr.fxattrop(APP, fd, 0, SIZE)
    await Promise.all([afr.fxattrop(APP, fd, 0, SIZE), afr.fxattrop(APP, fd, 0, SIZE)])
    await afr.fxattrop(APP, fd, 0, SIZE)
    expect(fops(log)).toEqual(['lock-nb', 'lock-nb', 'lock-nb', ...new Array(12).fill('fxattrop')])
    for (const s of row(log, 'lock-nb')) expect(s.detail).toBe(META_RANGE)
    // The fop keeps the application's owner; the lock has its own.
    for (const s of row(log, 'fxattrop')) expect(s.owner).toBe('2a000000')
    expect(afr.eagerLocks).toBe(1)
    await vi.advanceTimersByTimeAsync(999)
    expect(row(log, 'unlock')).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    await settle()
    expect(fops(log).slice(15)).toEqual(['unlock', 'unlock', 'unlock'])
    for (const s of row(log, 'unlock')) expect(s).toMatchObject({ owner: log[0]!.owner, detail: META_RANGE })
    expect(afr.eagerLocks).toBe(0)
  })

  it('concurrent metadata transactions run one after another under the lock (the metadata range always conflicts)', async () => {
    const { afr, bricks, log, fd } = setup()
    let open!: () => void
    const gate = new Promise<void>((r) => { open = r })
    const fx = bricks[0]!.fxattrop.bind(bricks[0]!)
    bricks[0]!.fxattrop = async (...a) => { const r = await fx(...a); await gate; return r }
    const a = afr.fxattrop(APP, fd, 0, SIZE)
    const b = afr.fxattrop(APP, fd, 0, SIZE)
    await settle()
    expect(row(log, 'fxattrop')).toHaveLength(3)
    open()
    await Promise.all([a, b])
    expect(row(log, 'fxattrop')).toHaveLength(6)
    expect(row(log, 'lock-nb')).toHaveLength(3)
    await afr.fini()
    expect(row(log, 'unlock')).toHaveLength(3)
  })

  it('data and metadata locks are separate: a write and an fxattrop hold one each; close (FLUSH) releases both before flushing', async () => {
    const { afr, log, fd } = setup()
    await afr.writev(APP, fd, Buffer.alloc(10), 0, 0)
    await afr.fxattrop(APP, fd, 0, SIZE)
    expect(afr.eagerLocks).toBe(2)
    expect(row(log, 'lock-nb').map((s) => s.detail)).toEqual([...new Array(3).fill('v-replicate-0 0+0'), ...new Array(3).fill(META_RANGE)])
    await afr.flush(APP, fd)
    expect(afr.eagerLocks).toBe(0)
    expect(fops(log).slice(-3)).toEqual(['flush', 'flush', 'flush'])
    expect(row(log, 'unlock').map((s) => s.detail).sort()).toEqual([...new Array(3).fill('v-replicate-0 0+0'), ...new Array(3).fill(META_RANGE)])
  })

  it('a non-delayable metadata fop (setattr) joins an idle metadata lock and releases it (only FXATTROP may wait)', async () => {
    const { afr, log, file, fd } = setup()
    await afr.fxattrop(APP, fd, 0, SIZE)
    await afr.setattr(APP, { path: '/f', name: 'f', parent: undefined, inode: file }, { mode: 0o600, uid: 0, gid: 0, atime: 0, atimeNsec: 0, mtime: 0, mtimeNsec: 0 }, 1)
    expect(fops(log)).toEqual(['lock-nb', 'lock-nb', 'lock-nb', 'fxattrop', 'fxattrop', 'fxattrop', 'setattr', 'setattr', 'setattr', 'unlock', 'unlock', 'unlock'])
    expect(afr.eagerLocks).toBe(0)
  })

  it('contention (afr_are_conflicting_ops_waiting): once a write reply says the file is open twice, the next fxattrop releases the metadata lock', async () => {
    const { afr, bricks, log, fd } = setup()
    await afr.fxattrop(APP, fd, 0, SIZE)
    expect(row(log, 'unlock')).toEqual([])
    bricks[1]!.activeFds = 2
    await afr.writev(APP, fd, Buffer.alloc(10), 0, 0)
    await afr.fxattrop(APP, fd, 0, SIZE)
    expect(row(log, 'unlock').map((s) => s.detail)).toEqual(new Array(3).fill(META_RANGE))
    // The data lock looks at inodelk-count only: still held.
    expect(afr.eagerLocks).toBe(1)
    await afr.fini()
  })

  it('a child going down releases an idle metadata lock; with it down each fxattrop pre-ops and posts its blame (metadata slot) before it resolves, and the lock stays', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { afr, bricks, log, fd } = setup()
    await afr.fxattrop(APP, fd, 0, SIZE)
    bricks[2]!.notify('CHILD_DOWN', bricks[2]!)
    await settle()
    expect(fops(log).slice(6)).toEqual(['unlock', 'unlock', 'unlock'])
    log.length = 0
    await afr.fxattrop(APP, fd, 0, SIZE)
    expect(fops(log)).toEqual(['lock-nb', 'lock-nb', 'xattrop', 'xattrop', 'fxattrop', 'fxattrop', 'xattrop', 'xattrop'])
    expect(row(log, 'xattrop').map((s) => s.detail)).toEqual([
      'dirty=000000000000000100000000', 'dirty=000000000000000100000000',
      'dirty=00000000ffffffff00000000 v-client-2=000000000000000100000000', 'dirty=00000000ffffffff00000000 v-client-2=000000000000000100000000',
    ])
    await afr.fxattrop(APP, fd, 0, SIZE)
    expect(row(log, 'lock-nb')).toHaveLength(2)
    expect(row(log, 'xattrop')).toHaveLength(8)
    await vi.advanceTimersByTimeAsync(1000)
    await settle()
    expect(row(log, 'unlock')).toHaveLength(2)
  })

  it('an fxattrop failing on one brick blames it before resolving and releases the lock', async () => {
    const { afr, bricks, log, fd } = setup()
    bricks[1]!.fail.fxattrop = 'EIO'
    await afr.fxattrop(APP, fd, 0, SIZE)
    expect(fops(log)).toEqual(['lock-nb', 'lock-nb', 'lock-nb', 'fxattrop', 'fxattrop', 'fxattrop', 'xattrop', 'xattrop', 'unlock', 'unlock', 'unlock'])
    expect(row(log, 'xattrop').map((s) => `${s.brick}:${s.detail}`)).toEqual(['0:v-client-1=000000000000000100000000', '2:v-client-1=000000000000000100000000'])
    expect(afr.eagerLocks).toBe(0)
  })

  it('eager-lock off: each fxattrop locks and unlocks the metadata range', async () => {
    const { afr, log, fd } = setup(false, { 'eager-lock': 'off' })
    await afr.fxattrop(APP, fd, 0, SIZE)
    await afr.fxattrop(APP, fd, 0, SIZE)
    expect(fops(log)).toEqual(new Array(2).fill(['lock-nb', 'lock-nb', 'lock-nb', 'fxattrop', 'fxattrop', 'fxattrop', 'unlock', 'unlock', 'unlock']).flat())
    expect(row(log, 'lock-nb')[0]!.owner).not.toBe(row(log, 'lock-nb')[3]!.owner)
  })
})

describe('FanOut (the data path fan-out, reused across transactions)', () => {
  const enoent = (): GlusterError => new GlusterError({ errno: errnoOf('ENOENT'), syscall: 'write', detail: 'test' })
  const children = [0, 1, 2].map((i) => new Xlator(testInit(`brick-${i}`, 'protocol/client')))

  it('collects each chosen child\'s reply by index; a GlusterError thrown or rejected is that child\'s failure; a reused fan-out starts empty', async () => {
    const fan = new FanOut<number>(3)
    fan.which.splice(0, 3, true, true, true)
    const first = await fan.run(children, {
      fop: (_c, i) => {
        if (i === 1) throw enoent()
        return i === 2 ? Promise.reject(enoent()) : Promise.resolve(10)
      },
    })
    expect(first[0]).toEqual({ ok: true, value: 10 })
    expect(first[1]?.ok === false && first[1].error.code).toBe('ENOENT')
    expect(first[2]?.ok === false && first[2].error.code).toBe('ENOENT')
    fan.which.splice(0, 3, false, true, false)
    const calls: number[] = []
    const second = await fan.run(children, { fop: (_c, i) => { calls.push(i); return Promise.resolve(i) } })
    expect(calls).toEqual([1])
    expect([...second]).toEqual([undefined, { ok: true, value: 1 }, undefined])
    fan.which.fill(false)
    expect([...await fan.run(children, { fop: () => Promise.resolve(0) })]).toEqual([undefined, undefined, undefined])
  })

  it('fails the run with anything other than a GlusterError, without waiting for the other children', async () => {
    const fan = new FanOut<number>(3)
    fan.which.fill(true)
    await expect(fan.run(children, { fop: (_c, i) => (i === 1 ? Promise.reject(new TypeError('bug')) : new Promise<number>(() => undefined)) }))
      .rejects.toThrow(TypeError)
  })
})
