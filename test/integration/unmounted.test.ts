/**
 * After a real mount and fini(), the Glfs and the fds it had open fail every call with the same
 * ENOTCONN as before init() (test/unit/api/not-mounted.test.ts), without a round trip.
 */
import { describe, expect, it } from 'vitest'
import { GlusterError, O_RDWR } from '../../src/api/index.ts'
import { mount } from '../helpers/mount.ts'
import { uniqueName } from '../helpers/sandbox.ts'

async function failure(p: Promise<unknown>): Promise<GlusterError> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(GlusterError)
  return err as GlusterError
}

describe('after fini()', () => {
  it('the Glfs and its open file and directory fail ENOTCONN naming the volume', async () => {
    const glfs = await mount('single')
    const path = `/${uniqueName('unmounted')}`
    const fd = await glfs.creat(path, O_RDWR, 0o644)
    await fd.pwrite('x', 0)
    const dir = await glfs.opendir('/')
    await glfs.fini()

    const volume = glfs.volume
    for (const call of [
      glfs.open(path, O_RDWR), glfs.stat(path), glfs.unlink(path),
      fd.pread(1, 0), fd.pwrite('y', 0), fd.fsync(), fd.fstat(), fd.ftruncate(0), fd.close(), dir.close(),
      (async () => { for await (const _ of dir) break })(),
    ]) {
      const err = await failure(call)
      expect(err).toMatchObject({ code: 'ENOTCONN', errno: -107, volume })
      expect(err.message).toContain('fini() was called')
    }

    // Clean up through a fresh mount.
    const again = await mount('single')
    try {
      await again.unlink(path)
    } finally {
      await again.fini()
    }
  })
})
