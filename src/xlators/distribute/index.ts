import { errnoOf } from '../../rpc/errno.ts'
import { GlusterError } from '../../rpc/errors.ts'
import { Xlator, type XlatorDescriptor } from '../xlator.ts'
import type { DistributeConfig } from './conf.ts'
import { DISTRIBUTE_OPTIONS, Distribute } from './distribute.ts'

/** cluster/distribute; over a single subvolume (a one-brick volume), a plain pass-through. */
export const distribute: XlatorDescriptor<DistributeConfig> = {
  type: Distribute.type,
  options: DISTRIBUTE_OPTIONS,
  create(init) {
    if (init.children.length === 1) return new Xlator(init)
    if (init.children.length === 0) {
      throw new GlusterError({
        errno: errnoOf('EINVAL'), syscall: 'init', volume: init.graph.volume,
        detail: `cluster/distribute ${init.name}${init.section === undefined ? '' : ` (volfile line ${init.section.line})`} has no subvolumes`,
      })
    }
    return new Distribute(init)
  },
}
