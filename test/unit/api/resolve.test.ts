import { describe, expect, it } from 'vitest'
import { Resolver } from '../../../src/api/resolve.ts'
import { errnoOf } from '../../../src/rpc/errno.ts'
import { GlusterError } from '../../../src/rpc/errors.ts'
import { Iatt } from '../../../src/rpc/programs/fops/iatt.ts'
import type { Call, Loc, LookupResult, ReadlinkResult } from '../../../src/xlators/types.ts'
import { Xlator } from '../../../src/xlators/xlator.ts'
import { testInit } from '../../helpers/xlator-init.ts'

const DIR = 0o040755
const REG = 0o100644
const LNK = 0o120777

interface Node {
  gfid: Buffer
  mode: number
  target?: string
  children: Map<string, Node>
}

/** An in-memory namespace standing in for the graph below the resolver: it counts lookups. */
class Namespace extends Xlator {
  readonly root: Node = { gfid: gfid(1), mode: DIR, children: new Map() }
  readonly byGfid = new Map<string, Node>([[this.root.gfid.toString('hex'), this.root]])
  lookups: string[] = []
  #next = 2

  constructor() {
    super(testInit('ns', 'test/namespace'))
  }

  add(parent: Node, name: string, mode: number, target?: string): Node {
    const node: Node = { gfid: gfid(this.#next++), mode, target, children: new Map() }
    parent.children.set(name, node)
    this.byGfid.set(node.gfid.toString('hex'), node)
    return node
  }

  override async lookup(_call: Call, loc: Loc): Promise<LookupResult> {
    this.lookups.push(loc.path)
    if (loc.parent === undefined) return { stat: iatt(this.root), postparent: iatt(this.root), xdata: undefined }
    const parent = this.byGfid.get(loc.parent.gfid.toString('hex'))
    if (parent === undefined) throw new GlusterError({ errno: errnoOf('ESTALE'), syscall: 'lookup' })
    const node = parent.children.get(loc.name)
    if (node === undefined) throw new GlusterError({ errno: errnoOf('ENOENT'), syscall: 'lookup' })
    return { stat: iatt(node), postparent: iatt(parent), xdata: undefined }
  }

  override async readlink(_call: Call, loc: Loc): Promise<ReadlinkResult> {
    const node = this.byGfid.get(loc.inode!.gfid.toString('hex'))!
    return { target: node.target!, stat: iatt(node), xdata: undefined }
  }
}

function gfid(n: number): Buffer {
  const b = Buffer.alloc(16)
  b.writeUInt32BE(n, 12)
  return b
}

function iatt(node: Node): Iatt {
  const ia = new Iatt(Buffer.from(node.gfid))
  ia.mode = node.mode
  return ia
}

const call: Call = { pid: 1, uid: 0, gid: 0, groups: [], lkOwner: Buffer.alloc(8, 1) }

function setup(maxEntries?: number): { ns: Namespace; resolver: Resolver } {
  const ns = new Namespace()
  return { ns, resolver: new Resolver(ns, call, maxEntries) }
}

describe('Resolver', () => {
  it('looks intermediate directories up once and the last component every time', async () => {
    const { ns, resolver } = setup()
    const a = ns.add(ns.root, 'a', DIR)
    const b = ns.add(a, 'b', DIR)
    ns.add(b, 'f', REG)
    await resolver.resolve('/a/b/f', true, 'stat')
    expect(ns.lookups).toEqual(['/a', '/a/b', '/a/b/f'])
    ns.lookups = []
    const r = await resolver.resolve('a//b/./f', true, 'stat')
    expect(ns.lookups).toEqual(['/a/b/f'])
    expect(r.loc.path).toBe('/a/b/f')
    expect(r.loc.name).toBe('f')
  })

  it('answers a miss under a freshly looked-up directory with one lookup', async () => {
    const { ns, resolver } = setup()
    await expect(resolver.resolve('/missing', true, 'stat')).rejects.toMatchObject({ code: 'ENOENT', path: '/missing', syscall: 'stat' })
    expect(ns.lookups).toEqual(['/missing'])
  })

  it('looks again without the cache, once, when a miss comes from under a cached directory', async () => {
    const { ns, resolver } = setup()
    ns.add(ns.root, 'a', DIR)
    await resolver.resolve('/a', true, 'stat')
    ns.lookups = []
    await expect(resolver.resolve('/a/missing', true, 'stat')).rejects.toMatchObject({ code: 'ENOENT', path: '/a/missing' })
    expect(ns.lookups).toEqual(['/a/missing', '/a', '/a/missing'])
  })

  it('retries once without the cache when a cached directory turns out stale', async () => {
    const { ns, resolver } = setup()
    const a = ns.add(ns.root, 'a', DIR)
    ns.add(a, 'f', REG)
    await resolver.resolve('/a/f', true, 'stat')
    // Another client replaces /a: same name, new gfid; the old gfid is gone.
    ns.byGfid.delete(a.gfid.toString('hex'))
    const a2 = ns.add(ns.root, 'a', DIR)
    const f2 = ns.add(a2, 'f', REG)
    ns.lookups = []
    const r = await resolver.resolve('/a/f', true, 'stat')
    expect(r.stat.gfid.equals(f2.gfid)).toBe(true)
    expect(ns.lookups).toEqual(['/a/f', '/a', '/a/f'])
  })

  it('follows symlinks in the middle and, when asked, at the end; loops end in ELOOP', async () => {
    const { ns, resolver } = setup()
    const d = ns.add(ns.root, 'd', DIR)
    const f = ns.add(d, 'f', REG)
    ns.add(ns.root, 'l', LNK, 'd')
    ns.add(d, 'lf', LNK, '/d/f')
    expect((await resolver.resolve('/l/f', false, 'stat')).stat.gfid.equals(f.gfid)).toBe(true)
    expect((await resolver.resolve('/d/lf', true, 'stat')).stat.gfid.equals(f.gfid)).toBe(true)
    expect((await resolver.resolve('/d/lf', false, 'lstat')).stat.mode).toBe(LNK)
    ns.add(ns.root, 'loop', LNK, '/loop')
    await expect(resolver.resolve('/loop', true, 'stat')).rejects.toMatchObject({ code: 'ELOOP' })
  })

  it('refuses a file used as a directory (ENOTDIR) and names too long (ENAMETOOLONG)', async () => {
    const { ns, resolver } = setup()
    ns.add(ns.root, 'f', REG)
    await expect(resolver.resolve('/f/x', true, 'stat')).rejects.toMatchObject({ code: 'ENOTDIR' })
    await expect(resolver.resolve('/' + 'x'.repeat(256), true, 'stat')).rejects.toMatchObject({ code: 'ENAMETOOLONG' })
    await expect(resolver.resolve('', true, 'stat')).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('keeps at most the configured number of cached entries, evicting the least recently used', async () => {
    // Each resolve caches the directory and the file: 4 entries hold two paths.
    const { ns, resolver } = setup(4)
    for (const n of ['a', 'b', 'c']) ns.add(ns.add(ns.root, n, DIR), 'f', REG)
    await resolver.resolve('/a/f', true, 'stat')
    await resolver.resolve('/b/f', true, 'stat')
    await resolver.resolve('/a/f', true, 'stat')
    await resolver.resolve('/c/f', true, 'stat')
    ns.lookups = []
    await resolver.resolve('/a/f', true, 'stat')
    await resolver.resolve('/b/f', true, 'stat')
    expect(ns.lookups).toEqual(['/a/f', '/b', '/b/f'])
  })

  it('shares one Inode per gfid and resolves parents for entry creation', async () => {
    const { ns, resolver } = setup()
    const d = ns.add(ns.root, 'd', DIR)
    const one = await resolver.resolve('/d', true, 'stat')
    const p = await resolver.resolveParent('/d/new', 'creat')
    expect(p.parent).toBe(one.loc.inode)
    expect(p.parent.gfid.equals(d.gfid)).toBe(true)
    expect(p.loc).toMatchObject({ path: '/d/new', name: 'new', inode: undefined })
    await expect(resolver.resolveParent('/', 'mkdir')).rejects.toMatchObject({ code: 'EEXIST' })
  })
})
