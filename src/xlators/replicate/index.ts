import type { XlatorDescriptor } from '../xlator.ts'
import { Replicate } from './replicate.ts'
import { REPLICATE_OPTIONS, type ReplicateOptions } from './topology.ts'

/**
 * cluster/replicate (AFR). Not in registry.ts yet: until transactions are built and tested
 * against real replica volumes, support.ts refuses replicate graphs at mount (STATUS.md).
 */
export const replicate: XlatorDescriptor<ReplicateOptions> = {
  type: Replicate.type,
  options: REPLICATE_OPTIONS,
  create(init) {
    return new Replicate(init)
  },
}
