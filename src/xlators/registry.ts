import type { XlatorFactory } from './graph.ts'
import { ProtocolClient } from './client/client.ts'
import { Xlator } from './xlator.ts'

/**
 * The xlator types this client implements, by volfile `type`. Types not listed here become
 * pass-through xlators (graph.ts).
 */
const TYPES = new Map<string, XlatorFactory>([
  [ProtocolClient.type, (node, children, ctx) => new ProtocolClient(node, children, ctx)],
  // With one subvolume DHT sends everything to it and keeps no layout (wire reference §8).
  ['cluster/distribute', (node, children) => {
    if (children.length !== 1) throw new Error(`cluster/distribute over ${children.length} subvolumes is not available yet`)
    return new Xlator(node.name, node.type, children)
  }],
])

export function lookupXlatorType(type: string): XlatorFactory | undefined {
  return TYPES.get(type)
}
