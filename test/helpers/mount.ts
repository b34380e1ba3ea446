import { inject } from 'vitest'
import { Glfs, type GlfsOptions } from '../../src/api/index.ts'

type VolumeKey = 'single' | 'dist2' | 'dist3' | 'stopped' | 'tiny' | 'fill2' | 'denied' | 'rep3' | 'disp' | 'shard' | 'virt' | 'tls'

/** Mount a sandbox volume through this client; the caller must `fini()` it. */
export async function mount(volume: VolumeKey, options: GlfsOptions = {}): Promise<Glfs> {
  const sb = inject('sandbox')
  const glfs = new Glfs(sb.volumes[volume].name, options)
  glfs.setVolfileServer('tcp', sb.host, sb.port)
  await glfs.init()
  return glfs
}

/** Create (or truncate) `path` and write `data` into it through `glfs`. */
export async function writeText(glfs: Glfs, path: string, data: string): Promise<void> {
  const fd = await glfs.creat(path, 'w')
  try {
    await fd.pwrite(data, 0)
  } finally {
    await fd.close()
  }
}

/** The first MiB of `path` through `glfs`, as text. */
export async function readText(glfs: Glfs, path: string): Promise<string> {
  const fd = await glfs.open(path, 'r')
  try {
    return (await fd.pread(1 << 20, 0)).toString()
  } finally {
    await fd.close()
  }
}

/**
 * Resolves at the next successful graph switch of `glfs` (a volfile change is live). A failed
 * switch rejects when `rejectOnFailure` is set; otherwise it waits for the next attempt.
 */
export function nextGraphSwitch(glfs: Glfs, timeoutMs = 60_000, rejectOnFailure = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      glfs.off('graph-switch', onSwitch)
      reject(new Error(`no graph switch within ${timeoutMs} ms`))
    }, timeoutMs)
    const onSwitch = (err: Error | undefined): void => {
      if (err !== undefined && !rejectOnFailure) return
      clearTimeout(timer)
      glfs.off('graph-switch', onSwitch)
      if (err === undefined) resolve()
      else reject(err)
    }
    glfs.on('graph-switch', onSwitch)
  })
}
