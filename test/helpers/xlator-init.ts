import type { GraphContext, Xlator, XlatorInit } from '../../src/xlators/xlator.ts'

/** The graph context of xlators built by unit tests: volume `v`, default connection settings. */
export const TEST_GRAPH: GraphContext = { volume: 'v' }

/** The init of a test xlator that parses no options (fake bricks, pass-throughs). */
export function testInit(name: string, type: string, children: readonly Xlator[] = [], graph: GraphContext = TEST_GRAPH): XlatorInit {
  return { name, type, children, options: undefined, graph }
}
