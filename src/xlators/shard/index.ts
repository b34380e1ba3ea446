import type { XlatorDescriptor } from '../xlator.ts'
import { SHARD_OPTIONS, Shard, type ShardConfig } from './shard.ts'

/** features/shard: files cut into blocks under /.shard (`features.shard on`, `group virt`). */
export const shard: XlatorDescriptor<ShardConfig> = {
  type: Shard.type,
  options: SHARD_OPTIONS,
  create(init) {
    return new Shard(init)
  },
}
