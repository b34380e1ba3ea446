import { client } from './client/index.ts'
import { distribute } from './distribute/index.ts'
import { replicate } from './replicate/index.ts'
import { shard } from './shard/index.ts'
import { strideAhead } from './stride-ahead/index.ts'
import { writeBehind } from './write-behind/index.ts'
import type { XlatorDescriptor } from './xlator.ts'

/**
 * The xlator types this client implements, one descriptor per folder (xlator.ts says what a
 * descriptor is). Of the other volfile types, only those in support.ts PASS_THROUGH_TYPES may be
 * in a graph (as pass-through xlators); any other refuses the mount.
 */
export const XLATORS: readonly XlatorDescriptor[] = [client, distribute, replicate, writeBehind, strideAhead, shard]

const BY_TYPE = new Map(XLATORS.map((d) => [d.type, d]))

export function descriptorOf(type: string): XlatorDescriptor | undefined {
  return BY_TYPE.get(type)
}
