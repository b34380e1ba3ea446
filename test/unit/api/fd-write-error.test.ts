/**
 * A write acknowledged on a graph an fd moved off (a volfile change) that then failed there is not
 * dropped: the fd's next fsync (or close) reports it, once, as fsync(2) reports a lost write.
 */
import { describe, expect, it } from 'vitest'
import { GlfsFd, fdInternals } from '../../../src/api/fd.ts'
import { GlusterError } from '../../../src/api/index.ts'
import { errnoOf } from '../../../src/rpc/errno.ts'
import { Iatt } from '../../../src/rpc/programs/fops/iatt.ts'
import { type Call, type CommonResult, Fd, Inode, type PrePostResult } from '../../../src/xlators/types.ts'
import { Xlator } from '../../../src/xlators/xlator.ts'
import { testInit } from '../../helpers/xlator-init.ts'

/** A brick where every fsync, flush and release succeeds; counts what reached it. */
class Healthy extends Xlator {
  fsyncs = 0
  flushes = 0
  releases = 0
  constructor() {
    super(testInit('healthy', 'test/healthy'))
  }

  override async fsync(): Promise<PrePostResult> {
    this.fsyncs++
    return { prestat: new Iatt(), poststat: new Iatt(), xdata: undefined }
  }

  override async flush(): Promise<CommonResult> {
    this.flushes++
    return { xdata: undefined }
  }

  override async release(): Promise<void> {
    this.releases++
  }
}

function open(top: Xlator): GlfsFd {
  const call = { uid: 0, gid: 0, groups: [], pid: 1, lkOwner: Buffer.alloc(8, 1) } as unknown as Call
  const owner = { volume: 'v', top, call, forget: () => undefined }
  return new GlfsFd(owner, new Fd(new Inode(Buffer.alloc(16, 7)), 2, false), '/f')
}

const lost = (): GlusterError => new GlusterError({ errno: errnoOf('ENOSPC'), syscall: 'write', volume: 'v', detail: 'cached write failed' })

describe('a write error reported to an fd (fdInternals.reportWriteError)', () => {
  it('fails the next fsync with the recorded error, once, then syncs again', async () => {
    const top = new Healthy()
    const fd = open(top)
    fdInternals.reportWriteError(fd, lost())
    const err = await fd.fsync().then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(GlusterError)
    expect((err as GlusterError).code).toBe('ENOSPC')
    expect((err as GlusterError).syscall).toBe('fsync')
    expect((err as GlusterError).path).toBe('/f')
    await expect(fd.fsync()).resolves.toBeUndefined()
    expect(top.fsyncs).toBe(1)
  })

  it('fails close with it when no fsync came first, and still releases the fd', async () => {
    const top = new Healthy()
    const fd = open(top)
    fdInternals.reportWriteError(fd, lost())
    await expect(fd.close()).rejects.toMatchObject({ code: 'ENOSPC', syscall: 'close' })
    expect(top.flushes).toBe(1)
    expect(top.releases).toBe(1)
  })

  it('keeps the first error when several are recorded', async () => {
    const fd = open(new Healthy())
    fdInternals.reportWriteError(fd, lost())
    fdInternals.reportWriteError(fd, new GlusterError({ errno: errnoOf('EIO'), syscall: 'write', detail: 'later' }))
    await expect(fd.fdatasync()).rejects.toMatchObject({ code: 'ENOSPC', syscall: 'fdatasync' })
  })
})
