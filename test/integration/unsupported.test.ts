/**
 * Volumes whose client graph holds xlators this client does not implement (disperse) are refused
 * by init() with ENOTSUP before any brick is contacted; the sandbox's replica 3 and shard volumes,
 * refused until replicate and shard were implemented, mount (shard.test.ts covers shard); the
 * default graphs and the performance xlators toggled on and off still mount and agree with the C client.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Glfs } from '../../src/api/index.ts'
import { GlusterError } from '../../src/rpc/errors.ts'
import { sandbox, uniqueName, volumeReset, volumeSet } from '../helpers/sandbox.ts'
import { cClient } from '../helpers/distribute.ts'
import { type ThrowawayVolume, brickFingerprint, createDistributeVolume, mountVolume } from '../helpers/throwaway-volume.ts'
import { readText, writeText } from '../helpers/mount.ts'
import { cView, viewOf } from '../helpers/c-peer.ts'
import { afrXattrs, allClean, brickCopies, cWrite, healInfoCount, sha } from '../helpers/replicate.ts'

const sb = sandbox()

describe('volumes with xlators this client does not implement', () => {
  const cases = [
    { key: 'disp', xlator: `${sb.volumes.disp.name}-disperse-0`, type: 'cluster/disperse', setting: 'disperse 3 redundancy 1' },
  ] as const

  it.each(cases)('$key: init() rejects ENOTSUP naming $type, and nothing reaches the bricks', async ({ key, xlator, type, setting }) => {
    const vol = sb.volumes[key]
    const before = brickFingerprint(vol.bricks)
    const glfs = new Glfs(vol.name)
    const bricksUp: unknown[] = []
    glfs.on('brick-up', (b: unknown) => bricksUp.push(b))
    const err = await mountVolume(vol.name, glfs).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(GlusterError)
    const g = err as GlusterError
    expect(g.code).toBe('ENOTSUP')
    expect(g.errno).toBe(-95)
    expect(g.syscall).toBe('init')
    expect(g.volume).toBe(vol.name)
    expect(g.message).toContain(`volume ${vol.name}`)
    expect(g.message).toContain(`xlator '${xlator}' of type ${type} (volume set up with ${setting})`)
    expect(bricksUp).toEqual([])
    // a second attempt is refused the same way: the Glfs is back to 'new', nothing half-mounted
    await expect(glfs.init()).rejects.toMatchObject({ code: 'ENOTSUP' })
    await glfs.fini()
    expect(brickFingerprint(vol.bricks)).toBe(before)
  })
})

describe('the sandbox shard volume (once refused, now implemented)', () => {
  it('mounts with features/shard in the graph; a file over two blocks reads back through the C client', async () => {
    const vol = sb.volumes.shard
    const glfs = await mountVolume(vol.name)
    try {
      expect(glfs.describeGraph()).toContain(`${vol.name}-shard (features/shard)`)
      const path = `/${uniqueName('shard')}`
      const data = randomBytes(5 * 1024 * 1024)
      await glfs.writeFile(path, data)
      expect(await cView(vol.name, path)).toEqual(viewOf(data))
    } finally {
      await glfs.fini()
    }
  })
})

describe('the sandbox replica 3 volume (once refused, now implemented)', () => {
  it('mounts; new files and overwrites of C-made files are equal on the three bricks, afr xattrs zero, heal info 0, read back by the C client', async () => {
    const vol = sb.volumes.rep3
    const glfs = await mountVolume(vol.name)
    try {
      expect(glfs.describeGraph()).toContain(`${vol.name}-replicate-0 (cluster/replicate)`)
      const ours = `/${uniqueName('ours')}`
      const data = randomBytes(300_000)
      await glfs.writeFile(ours, data)
      const theirs = `/${uniqueName('theirs')}`
      const original = randomBytes(100_000)
      await cWrite(vol.name, theirs, 0, original, true)
      const patch = randomBytes(30_000)
      const fd = await glfs.open(theirs, 'r+')
      await fd.pwrite(patch, 90_000)
      await fd.close()
      const patched = Buffer.concat([original.subarray(0, 90_000), patch])
      for (const [path, expected] of [[ours, data], [theirs, patched]] as const) {
        const copies = brickCopies(vol.bricks, path.slice(1))
        for (const copy of copies) expect(copy, path).toEqual({ sha256: sha(expected), size: expected.length })
        expect(allClean(afrXattrs(vol.bricks, path.slice(1))), `afr xattrs of ${path}`).toBe(true)
        expect(await cView(vol.name, path)).toEqual(viewOf(expected))
      }
      expect(healInfoCount(vol.name)).toBe(0)
      await glfs.unlink(ours)
      await glfs.unlink(theirs)
    } finally {
      await glfs.fini()
    }
  }, 120_000)
})

describe('distribute volumes with the performance xlators toggled', () => {
  let vol: ThrowawayVolume
  beforeAll(() => {
    vol = createDistributeVolume('perf', 2)
  }, 120_000)
  afterAll(() => vol?.destroy(), 120_000)

  const ALL = ['write-behind', 'read-ahead', 'readdir-ahead', 'io-cache', 'quick-read', 'open-behind', 'stat-prefetch', 'nl-cache', 'client-io-threads']
  const configs = [
    { label: 'every performance xlator off', set: ALL.map((k) => [`performance.${k}`, 'off'] as const), present: [] as string[], absent: ['performance/md-cache', 'performance/write-behind', 'performance/io-threads'] },
    {
      label: 'every performance xlator on, parallel-readdir too',
      set: [...ALL.map((k) => [`performance.${k}`, 'on'] as const), ['performance.parallel-readdir', 'on'] as const],
      present: ['performance/read-ahead', 'performance/io-cache', 'performance/nl-cache', 'performance/readdir-ahead', 'performance/md-cache', 'performance/io-threads'],
      absent: [],
    },
  ]

  it.each(configs)('$label: mounts, and data crosses with the C client both ways', async ({ set, present, absent }) => {
    for (const [k, v] of set) volumeSet(vol.name, k, v)
    const glfs = await mountVolume(vol.name)
    try {
      const graph = glfs.describeGraph()
      for (const t of present) expect(graph).toContain(`(${t})`)
      for (const t of absent) expect(graph).not.toContain(`(${t})`)
      const ours = Array.from({ length: 8 }, () => uniqueName('ours'))
      for (const n of ours) await writeText(glfs, `/${n}`, `from gfapi-ts ${n}\n`)
      const theirs = Array.from({ length: 8 }, () => uniqueName('theirs'))
      const c = await cClient(vol.name, sb.host, sb.port, [
        ...ours.map((n) => ['read', `/${n}`] as const),
        ...theirs.map((n) => ['write', `/${n}`, `from libgfapi ${n}\n`] as const),
      ])
      expect(c.slice(0, ours.length)).toEqual(ours.map((n) => `from gfapi-ts ${n}\n`))
      for (const n of theirs) expect(await readText(glfs, `/${n}`)).toBe(`from libgfapi ${n}\n`)
      expect((await glfs.readdir('/')).filter((n) => !n.startsWith('.')).sort()).toEqual([...ours, ...theirs].sort())
      for (const n of [...ours, ...theirs]) await glfs.unlink(`/${n}`)
    } finally {
      await glfs.fini()
    }
  }, 180_000)
})

describe('a mounted volume changed into one this client refuses', () => {
  let vol: ThrowawayVolume
  beforeAll(() => {
    vol = createDistributeVolume('switch', 2)
  }, 120_000)
  afterAll(() => vol?.destroy(), 120_000)

  it('stops serving with the refusal once glusterd sends the new volfile', async () => {
    const glfs = await mountVolume(vol.name)
    try {
      const name = `/${uniqueName('before')}`
      await writeText(glfs, name, 'written before nufa\n')
      const switched = new Promise<unknown>((resolve) => glfs.once('graph-switch', resolve))
      volumeSet(vol.name, 'cluster.nufa', 'on')
      const err = await Promise.race([switched, new Promise((_, reject) => setTimeout(() => reject(new Error('no graph-switch within 30 s')), 30_000))])
      expect(err).toBeInstanceOf(GlusterError)
      expect((err as GlusterError).code).toBe('ENOTSUP')
      expect((err as GlusterError).message).toContain(`xlator '${vol.name}-dht' of type cluster/nufa (volume set up with cluster.nufa on)`)
      await expect(glfs.stat(name)).rejects.toMatchObject({ code: 'ENOTSUP', syscall: 'stat', message: expect.stringContaining('cluster/nufa') })
      await expect(glfs.creat(`/${uniqueName('after')}`, 'w')).rejects.toMatchObject({ code: 'ENOTSUP' })
      // what was written before the change is there for the C client
      expect(await cClient(vol.name, sb.host, sb.port, [['read', name]])).toEqual(['written before nufa\n'])
    } finally {
      await glfs.fini()
    }
  }, 120_000)
})

describe('option values this client does not implement', () => {
  let vol: ThrowawayVolume
  beforeAll(() => {
    vol = createDistributeVolume('opts', 2)
  }, 120_000)
  afterAll(() => vol?.destroy(), 120_000)

  const cases = [
    { key: 'ctime.noatime', value: 'off', expected: `xlator '%V-utime' (features/utime) has option 'noatime off' (ctime.noatime off)` },
    { key: 'cluster.nufa', value: 'on', expected: `xlator '%V-dht' of type cluster/nufa (volume set up with cluster.nufa on)` },
  ]

  it.each(cases)('$key $value: init() rejects ENOTSUP naming it, and mounts again once reset', async ({ key, value, expected }) => {
    const before = brickFingerprint(vol.bricks)
    volumeSet(vol.name, key, value)
    try {
      const err = await mountVolume(vol.name).then(() => undefined, (e: unknown) => e)
      expect(err).toBeInstanceOf(GlusterError)
      expect((err as GlusterError).code).toBe('ENOTSUP')
      expect((err as GlusterError).message).toContain(expected.replace('%V', vol.name))
      expect(brickFingerprint(vol.bricks)).toBe(before)
    } finally {
      volumeReset(vol.name, key)
    }
    const glfs = await mountVolume(vol.name)
    await glfs.fini()
  }, 120_000)
})
