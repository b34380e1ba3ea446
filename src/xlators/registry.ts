import type { XlatorFactory } from './graph.ts'
import { CLIENT_OPTIONS, ProtocolClient } from './client/client.ts'
import { DISTRIBUTE_OPTIONS, Distribute, createDistribute } from './distribute/distribute.ts'
import type { OptionSpec } from './options.ts'
import { WRITE_BEHIND_OPTIONS, WriteBehind, createWriteBehind } from './write-behind/write-behind.ts'
import { StrideAhead, createStrideAhead } from './stride-ahead/stride-ahead.ts'

/**
 * The xlator types this client implements, by volfile `type`. Of the others, only those in
 * support.ts PASS_THROUGH_TYPES may be in a graph (as pass-through xlators); any other refuses the mount.
 */
const TYPES = new Map<string, XlatorFactory>([
  [ProtocolClient.type, (node, children, ctx) => new ProtocolClient(node, children, ctx)],
  [Distribute.type, createDistribute],
  [WriteBehind.type, createWriteBehind],
  [StrideAhead.type, createStrideAhead],
])

/** Option tables of the implemented types: what `Glfs.setXlatorOption` validates against. */
const OPTIONS = new Map<string, readonly OptionSpec[]>([
  [ProtocolClient.type, CLIENT_OPTIONS],
  [Distribute.type, DISTRIBUTE_OPTIONS],
  [WriteBehind.type, WRITE_BEHIND_OPTIONS],
])

export function lookupXlatorType(type: string): XlatorFactory | undefined {
  return TYPES.get(type)
}

export function lookupXlatorOptions(type: string): readonly OptionSpec[] | undefined {
  return OPTIONS.get(type)
}

/** Every type with an option table, e.g. to match `setXlatorOption` patterns against. */
export function configurableXlatorTypes(): IterableIterator<string> {
  return OPTIONS.keys()
}
