import { inject } from 'vitest'
import { Glfs, type GlfsOptions } from '../../src/api/index.ts'

type VolumeKey = 'single' | 'dist2' | 'dist3' | 'stopped' | 'tiny' | 'denied' | 'rep3' | 'disp' | 'shard'

/** Mount a sandbox volume through this client; the caller must `fini()` it. */
export async function mount(volume: VolumeKey, options: GlfsOptions = {}): Promise<Glfs> {
  const sb = inject('sandbox')
  const glfs = new Glfs(sb.volumes[volume].name, options)
  glfs.setVolfileServer('tcp', sb.host, sb.port)
  await glfs.init()
  return glfs
}
