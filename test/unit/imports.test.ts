// No import circles anywhere in src (type-only imports count): each layer and each xlator folder
// stays readable on its own, and a new xlator plugs in without reaching back into another.
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = fileURLToPath(new URL('../../src/', import.meta.url))

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [])
}

/** Each source file and the source files it imports by relative path. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8')
    const targets = [...text.matchAll(/^(?:import|export)\b[^'"]*?\bfrom\s+'(\.{1,2}\/[^']+\.ts)'/gm)]
      .map((m) => resolve(dirname(file), m[1]!))
    graph.set(file, targets)
  }
  return graph
}

/** Every cycle found by a depth-first walk, each as the path that closes it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = []
  const done = new Set<string>()
  const walk = (node: string, path: string[]): void => {
    const at = path.indexOf(node)
    if (at >= 0) {
      found.push([...path.slice(at), node].map((f) => relative(SRC, f)))
      return
    }
    if (done.has(node)) return
    for (const next of graph.get(node) ?? []) walk(next, [...path, node])
    done.add(node)
  }
  for (const node of graph.keys()) walk(node, [])
  return found
}

describe('src imports', () => {
  it('form no circle', () => {
    const graph = importGraph()
    expect(graph.size).toBeGreaterThan(50)
    expect(cycles(graph)).toEqual([])
  })

  it('reach bricks from src/api only through the xlator contract: nothing from src/xlators/client', () => {
    const api = join(SRC, 'api')
    const client = join(SRC, 'xlators', 'client')
    const reaching = [...importGraph()].flatMap(([from, to]) =>
      from.startsWith(api) ? to.filter((t) => t.startsWith(client)).map((t) => `${relative(SRC, from)} -> ${relative(SRC, t)}`) : [])
    expect(reaching).toEqual([])
  })

  it('finds a circle when there is one', () => {
    const a = join(SRC, 'a.ts')
    const b = join(SRC, 'b.ts')
    expect(cycles(new Map([[a, [b]], [b, [a]]]))).toEqual([['a.ts', 'b.ts', 'a.ts']])
  })
})
