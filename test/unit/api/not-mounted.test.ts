/**
 * Every call on a Glfs that is not mounted (before init(), after fini()) fails the same way: a
 * GlusterError ENOTCONN naming the volume and why, never a TypeError from inside.
 */
import { describe, expect, it } from 'vitest'
import { Glfs, GlusterError, O_CREAT, O_RDONLY, O_RDWR, UTIME_OMIT } from '../../../src/api/index.ts'

/** Every path and volume call, each as a thunk. */
function calls(g: Glfs): Record<string, () => unknown> {
  return {
    open: () => g.open('/f', O_RDONLY),
    'open O_CREAT': () => g.open('/f', O_RDWR | O_CREAT),
    'open flags string': () => g.open('/f', 'r+'),
    creat: () => g.creat('/f', O_RDWR, 0o644),
    stat: () => g.stat('/f'),
    lstat: () => g.lstat('/f'),
    access: () => g.access('/f', 0),
    unlink: () => g.unlink('/f'),
    mkdir: () => g.mkdir('/d'),
    rmdir: () => g.rmdir('/d'),
    rename: () => g.rename('/a', '/b'),
    link: () => g.link('/a', '/b'),
    symlink: () => g.symlink('/a', '/b'),
    readlink: () => g.readlink('/b'),
    truncate: () => g.truncate('/f', 0),
    utimens: () => g.utimens('/f', UTIME_OMIT, new Date()),
    lutimens: () => g.lutimens('/f', UTIME_OMIT, new Date()),
    chmod: () => g.chmod('/f', 0o600),
    chown: () => g.chown('/f', 1000, 1000),
    lchown: () => g.lchown('/f', 1000, -1),
    statvfs: () => g.statvfs('/'),
    opendir: () => g.opendir('/'),
    readdir: () => g.readdir('/'),
    setxattr: () => g.setxattr('/f', 'user.a', 'v'),
    getxattr: () => g.getxattr('/f', 'user.a'),
    removexattr: () => g.removexattr('/f', 'user.a'),
    listxattr: () => g.listxattr('/f'),
    lsetxattr: () => g.lsetxattr('/l', 'trusted.a', 'v'),
    lgetxattr: () => g.lgetxattr('/l', 'trusted.a'),
    lremovexattr: () => g.lremovexattr('/l', 'trusted.a'),
    llistxattr: () => g.llistxattr('/l'),
    getXlatorOption: () => g.getXlatorOption('v-write-behind', 'cache-size'),
    describeGraph: () => g.describeGraph(),
  }
}

async function failure(thunk: () => unknown): Promise<unknown> {
  try {
    await thunk()
  } catch (err) {
    return err
  }
  throw new Error('the call did not fail')
}

describe('a Glfs that is not mounted', () => {
  for (const [when, make] of [
    ['before init()', async () => new Glfs('v')],
    ['after fini()', async () => {
      const g = new Glfs('v')
      await g.fini()
      return g
    }],
  ] as const) {
    for (const name of Object.keys(calls(new Glfs('v')))) {
      it(`${name} ${when} fails ENOTCONN naming the volume and why`, async () => {
        const g = await make()
        const err = await failure(calls(g)[name]!)
        expect(err).toBeInstanceOf(GlusterError)
        expect(err).toMatchObject({ code: 'ENOTCONN', errno: -107, volume: 'v' })
        expect((err as Error).message).toContain(when === 'before init()' ? 'init() was not called' : 'fini() was called')
      })
    }
  }
})

describe('Glfs options', () => {
  it('refuses a maxInFlight that is not an integer >= 0, before any connection', () => {
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(() => new Glfs('v', { maxInFlight: bad })).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }))
    }
    expect(() => new Glfs('v', { maxInFlight: 0 })).not.toThrow()
  })

  it('refuses a coalesceReadsMs that is not an integer from 0 to 1000, before any connection', () => {
    for (const bad of [-1, 0.5, 1001, Number.NaN]) {
      expect(() => new Glfs('v', { coalesceReadsMs: bad })).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }))
    }
    for (const good of [0, 1, 1000]) expect(() => new Glfs('v', { coalesceReadsMs: good })).not.toThrow()
  })
})
