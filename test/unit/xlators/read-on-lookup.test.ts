import { describe, expect, it } from 'vitest'
import { Dict } from '../../../src/rpc/programs/fops/dict.ts'
import { Iatt } from '../../../src/rpc/programs/fops/iatt.ts'
import { S_IFDIR, S_IFREG, S_ISGID, S_ISVTX } from '../../../src/rpc/linux.ts'
import type { Distribute } from '../../../src/xlators/distribute/distribute.ts'
import { distribute } from '../../../src/xlators/distribute/index.ts'
import { encodeLayoutXattr, layoutFromBricks } from '../../../src/xlators/distribute/layout.ts'
import { DirCtx } from '../../../src/xlators/distribute/state.ts'
import { askReadOnLookup, earlyReadOf, readOnLookupOf, withEarlyRead, withoutReadOnLookup } from '../../../src/xlators/read-on-lookup.ts'
import { type Call, Inode, type Loc, type LookupResult } from '../../../src/xlators/types.ts'
import type { VolfileNode } from '../../../src/xlators/volfile.ts'
import { Xlator, buildXlator } from '../../../src/xlators/xlator.ts'
import { TEST_GRAPH, testInit } from '../../helpers/xlator-init.ts'

const CALL: Call = { pid: 1, uid: 0, gid: 0, groups: [], lkOwner: Buffer.alloc(8, 1) }

describe('read on lookup: the request and the answer in a lookup xdata', () => {
  it('carries offset, size and flags, the offset past 4 GiB too', () => {
    const asked = { offset: 5 * 2 ** 32 + 7, size: 131072, flags: 0o40000 }
    expect(readOnLookupOf(askReadOnLookup(asked))).toEqual(asked)
  })

  it('is no request when absent or malformed', () => {
    expect(readOnLookupOf(undefined)).toBeUndefined()
    expect(readOnLookupOf(new Dict().setStr('other', 'x'))).toBeUndefined()
    expect(readOnLookupOf(new Dict().setPtr('gfapi-ts.read-on-lookup', Buffer.alloc(15)))).toBeUndefined()
  })

  it('leaves the bricks every key but the request, without changing the caller dict', () => {
    const xdata = askReadOnLookup({ offset: 0, size: 4096, flags: 0 }).setUint('trusted.afr.dirty', 12)
    const sent = withoutReadOnLookup(xdata)
    expect([...sent.keys()]).toEqual(['trusted.afr.dirty'])
    expect(readOnLookupOf(xdata)).toBeDefined()
    const plain = new Dict().setStr('k', 'v')
    expect(withoutReadOnLookup(plain)).toBe(plain)
  })

  it('answers with the data and the READ reply mode', () => {
    const data = Buffer.from('block data')
    const xdata = withEarlyRead(undefined, { data, stat: { mode: S_IFREG | 0o644, size: 10 }, eof: false, xdata: undefined })
    expect(earlyReadOf(xdata)).toEqual({ data, mode: S_IFREG | 0o644 })
    expect(earlyReadOf(new Dict())).toBeUndefined()
  })
})

/** A brick whose lookup finds a regular file and, when asked, answers with data whose READ reply carried mode `mode`. */
class Brick extends Xlator {
  mode = S_IFREG | 0o644
  constructor(name: string) {
    super(testInit(name, 'protocol/client'))
  }

  override async lookup(_call: Call, _loc: Loc, xdata?: Dict): Promise<LookupResult> {
    const stat = new Iatt(Buffer.alloc(16, 1))
    stat.mode = S_IFREG | 0o644
    const asked = readOnLookupOf(xdata)
    const answer = asked === undefined ? undefined : withEarlyRead(undefined, { data: Buffer.alloc(asked.size, 0xab), stat: { mode: this.mode, size: 0 }, eof: false, xdata: undefined })
    return { stat, postparent: new Iatt(Buffer.alloc(16, 9)), xdata: answer }
  }
}

describe('distribute and data read with a lookup', () => {
  async function lookUp(readMode: number): Promise<ReturnType<typeof earlyReadOf>> {
    const bricks = [new Brick('v-client-0'), new Brick('v-client-1')]
    for (const b of bricks) b.mode = readMode
    const node: VolfileNode = { name: 'v-dht', type: 'cluster/distribute', subvolumes: [], line: 1, options: new Map() }
    const dht = buildXlator(distribute, node, bricks, TEST_GRAPH) as Distribute
    const parent = new Inode(Buffer.alloc(16, 9), S_IFDIR)
    const halves = [[0, 0x7fffffff], [0x80000000, 0xffffffff]] as const
    const layout = layoutFromBricks('/d', halves.map(([start, stop], i) => ({ subvolume: i, name: bricks[i]!.name, xattr: Buffer.from(encodeLayoutXattr({ commitHash: 0, type: 0, start, stop })) })))
    dht.conf.remember(parent, parent.gfid, new DirCtx('/d', layout, 0))
    const r = await dht.lookup(CALL, { path: '/d/f.1', name: 'f.1', parent, inode: undefined }, askReadOnLookup({ offset: 0, size: 8, flags: 0 }))
    return earlyReadOf(r.xdata)
  }

  it('passes it up from a file at rest or being copied (phase 1: the source still holds every byte)', async () => {
    expect((await lookUp(S_IFREG | 0o644))?.data).toEqual(Buffer.alloc(8, 0xab))
    expect((await lookUp(S_IFREG | S_ISVTX | S_ISGID | 0o644))?.data).toEqual(Buffer.alloc(8, 0xab))
  })

  it('drops it when the READ found the migration finished (phase 2: the source may be truncated)', async () => {
    expect(await lookUp(S_IFREG | S_ISVTX)).toBeUndefined()
  })
})
