import type { XlatorDescriptor } from '../xlator.ts'
import { Replicate } from './replicate.ts'
import { REPLICATE_OPTIONS, type ReplicateOptions } from './topology.ts'

/** cluster/replicate (AFR) and arbiter; options it does not implement refuse the mount (topology.ts). */
export const replicate: XlatorDescriptor<ReplicateOptions> = {
  type: Replicate.type,
  options: REPLICATE_OPTIONS,
  create(init) {
    return new Replicate(init)
  },
}
