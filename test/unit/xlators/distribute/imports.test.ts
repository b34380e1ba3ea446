// The distribute modules take the DhtConf (conf.ts) and never reach back into the xlator class:
// an import circle among them (type-only imports count) would bring back the helper-method knot
// that conf.ts replaced.
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const DIR = fileURLToPath(new URL('../../../../src/xlators/distribute/', import.meta.url))

/** Each module of the folder and the modules of the same folder it imports (`./x.ts`). */
function folderImports(): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.ts')).sort()) {
    const text = readFileSync(DIR + file, 'utf8')
    const local = [...text.matchAll(/^(?:import|export)\b[^'"]*?\bfrom\s+'\.\/([\w-]+\.ts)'/gm)].map((m) => m[1]!)
    graph.set(file, local)
  }
  return graph
}

/** Every cycle reachable in `graph`, each as the path that closes it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = []
  const done = new Set<string>()
  const walk = (node: string, path: string[]): void => {
    const at = path.indexOf(node)
    if (at >= 0) {
      found.push([...path.slice(at), node])
      return
    }
    if (done.has(node)) return
    for (const next of graph.get(node) ?? []) walk(next, [...path, node])
    done.add(node)
  }
  for (const node of graph.keys()) walk(node, [])
  return found
}

describe('the distribute modules', () => {
  it('import one another without a circle', () => {
    const graph = folderImports()
    expect(graph.get('distribute.ts')).toContain('conf.ts')
    expect(cycles(graph)).toEqual([])
  })

  it('leave the xlator class to the folder descriptor: no other module imports distribute.ts', () => {
    const importers = [...folderImports()].filter(([, to]) => to.includes('distribute.ts')).map(([from]) => from)
    expect(importers).toEqual(['index.ts'])
  })

  it('finds a circle when there is one', () => {
    expect(cycles(new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']]]))).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']])
  })
})
