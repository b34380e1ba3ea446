/**
 * The transaction's wire sequence against recording bricks: what each brick is sent, in what
 * order, with which lock owner, domain, range and changelog values (afr.md §2, §4).
 */
import { describe, expect, it } from 'vitest'
import { GlusterError } from '../../../../src/rpc/errors.ts'
import { errnoOf } from '../../../../src/rpc/errno.ts'
import { Dict } from '../../../../src/rpc/programs/fops/dict.ts'
import { Iatt } from '../../../../src/rpc/programs/fops/iatt.ts'
import { replicate } from '../../../../src/xlators/replicate/index.ts'
import type { Replicate } from '../../../../src/xlators/replicate/replicate.ts'
import { type Call, type CommonResult, Fd, type Flock, Inode, type Loc, type PrePostResult, type WriteResult, type XattrResult, ROOT_GFID } from '../../../../src/xlators/types.ts'
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
  override async writev(call: Call, _fd: Fd, data: Buffer, offset: number): Promise<WriteResult> {
    this.#record('write', call, `${data.length}@${offset}`)
    return { size: data.length, prestat: new Iatt(), poststat: new Iatt(), xdata: undefined }
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

function setup(arbiter = false): { afr: Replicate; bricks: Brick[]; log: Sent[]; file: Inode; fd: Fd } {
  const log: Sent[] = []
  const bricks = [0, 1, 2].map((i) => new Brick(i, log))
  const options = new Map([['afr-pending-xattr', 'v-client-0,v-client-1,v-client-2'], ['granular-entry-heal', 'on']])
  if (arbiter) options.set('arbiter-count', '1')
  const afr = buildXlator(replicate, { name: 'v-replicate-0', type: 'cluster/replicate', options, subvolumes: [], line: 1 }, bricks, { volume: 'v' }) as Replicate
  for (const b of bricks) b.notify('CHILD_UP', b)
  const file = new Inode(Buffer.from('0ac59dd1d1a44f2b9a7e1b0c3f2e4d5c', 'hex'), 0o100000)
  return { afr, bricks, log, file, fd: new Fd(file, 2, false) }
}

const row = (log: Sent[], fop: string): Sent[] => log.filter((s) => s.fop === fop)

describe('a data transaction (write), all bricks up', () => {
  it('locks the whole file non-blocking in the xlator domain with a fresh owner, pre-ops dirty +1, writes with the app owner, undirties, unlocks', async () => {
    const { afr, log, fd } = setup()
    await afr.writev(APP, fd, Buffer.alloc(10), 5, 0)
    expect(log.map((s) => s.fop)).toEqual([
      'lock-nb', 'lock-nb', 'lock-nb', 'xattrop', 'xattrop', 'xattrop', 'write', 'write', 'write', 'xattrop', 'xattrop', 'xattrop', 'unlock', 'unlock', 'unlock',
    ])
    for (const s of row(log, 'lock-nb')) expect(s.detail).toBe('v-replicate-0 0+0')
    const owner = log[0]!.owner
    expect(owner).toMatch(/^[0-9a-f]{16}$/)
    for (const s of log.filter((x) => x.fop !== 'write')) expect(s.owner).toBe(owner)
    for (const s of row(log, 'write')) expect(s.owner).toBe('2a000000')
    expect(row(log, 'xattrop').map((s) => s.detail)).toEqual([
      'dirty=000000010000000000000000', 'dirty=000000010000000000000000', 'dirty=000000010000000000000000',
      'dirty=ffffffff0000000000000000', 'dirty=ffffffff0000000000000000', 'dirty=ffffffff0000000000000000',
    ])
    log.length = 0
    await afr.writev(APP, fd, Buffer.alloc(10), 5, 0)
    expect(log[0]!.owner).not.toBe(owner)
  })

  it('with brick 2 down: nothing sent to it, and the post-op blames it in the data slot', async () => {
    const { afr, bricks, log, fd } = setup()
    bricks[2]!.notify('CHILD_DOWN', bricks[2]!)
    await afr.writev(APP, fd, Buffer.alloc(10), 0, 0)
    expect(log.some((s) => s.brick === 2)).toBe(false)
    expect(row(log, 'xattrop').slice(2).map((s) => s.detail)).toEqual([
      'dirty=ffffffff0000000000000000 v-client-2=000000010000000000000000', 'dirty=ffffffff0000000000000000 v-client-2=000000010000000000000000',
    ])
  })

  it('a write failing on one brick is blamed on it by the others', async () => {
    const { afr, bricks, log, fd } = setup()
    bricks[1]!.fail.write = 'EIO'
    await afr.writev(APP, fd, Buffer.alloc(10), 0, 0)
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
