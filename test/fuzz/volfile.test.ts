// Seeded, time-bounded fuzzing of parseVolfile (STYLE.md §7). Random valid volfiles (quoting and
// escaping whatever needs it) must parse back to the graph they were written from; mutated ones
// must either parse to a well-formed graph or throw VolfileError with a line inside the text.
// Seed, budget and replay: test/helpers/fuzz.ts.

import { describe, expect, it } from 'vitest'
import { VolfileError, parseVolfile, type Volfile } from '../../src/xlators/volfile.ts'
import { FUZZ_BUDGET_MS, type Rng, fuzz } from '../helpers/fuzz.ts'

// ------------------------------------------------------------------------------------------------
// A model of a volfile, its text, and the comparison

interface ModelNode {
  name: string
  type: string
  options: Array<[string, string]>
  subvolumes: string[]
}

const KEYWORDS = ['volume', 'type', 'option', 'subvolumes', 'end-volume']
const WORD_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-./_:,=*@'
const ANY_CHARS = WORD_CHARS + ' \t\n"\\#é'

function word(g: Rng, chars = WORD_CHARS): string {
  return g.string(chars, 1, 12)
}

function needsQuotes(s: string): boolean {
  return s.length === 0 || KEYWORDS.includes(s) || /[\s"\\#]/.test(s)
}

function quote(s: string): string {
  return '"' + s.replace(/[\\"]/g, (c) => '\\' + c) + '"'
}

function token(g: Rng, s: string): string {
  return needsQuotes(s) || g.chance(0.1) ? quote(s) : s
}

function randomModel(g: Rng): ModelNode[] {
  const nodes: ModelNode[] = []
  const used = new Set<string>()
  for (let n = 1 + g.int(6); n > 0; n--) {
    let name = word(g)
    while (used.has(name) || KEYWORDS.includes(name)) name = word(g) + n
    used.add(name)
    const options: Array<[string, string]> = []
    const keys = new Set<string>()
    for (let k = g.int(5); k > 0; k--) {
      const key = g.chance(0.1) ? g.pick(KEYWORDS) : word(g)
      if (keys.has(key)) continue
      keys.add(key)
      options.push([key, g.chance(0.3) ? (g.chance(0.5) ? g.pick(KEYWORDS) : word(g, ANY_CHARS)) : word(g)])
    }
    const earlier = nodes.map((x) => x.name)
    const subvolumes = earlier.filter(() => g.chance(0.4))
    nodes.push({ name, type: g.chance(0.9) ? `${word(g)}/${word(g)}` : word(g, ANY_CHARS), options, subvolumes })
  }
  return nodes
}

function sep(g: Rng): string {
  return g.pick([' ', '  ', '\t', '\n', ' \n  ', ' # comment "x\n', '\r\n'])
}

function render(g: Rng, nodes: ModelNode[]): string {
  let text = g.chance(0.3) ? '# generated\n' : ''
  for (const node of nodes) {
    text += `volume${sep(g)}${token(g, node.name)}\n`
    text += `  type${sep(g)}${token(g, node.type)}\n`
    const options = node.options.map(([k, v]) => `  option${sep(g)}${token(g, k)}${sep(g)}${token(g, v)}\n`)
    const subs = node.subvolumes.length > 0 ? `  subvolumes ${node.subvolumes.map((s) => token(g, s)).join(g.pick([' ', '\n    ']))}\n` : ''
    const split = g.int(options.length + 1)
    text += options.slice(0, split).join('') + subs + options.slice(split).join('')
    text += `end-volume${g.chance(0.2) ? ' # done' : ''}\n${g.chance(0.5) ? '\n' : ''}`
  }
  return text
}

function project(vf: Volfile): ModelNode[] {
  return vf.nodes.map((n) => ({ name: n.name, type: n.type, options: [...n.options], subvolumes: [...n.subvolumes] }))
}

/** What any successful parse must satisfy. */
function checkGraph(vf: Volfile, text: string): void {
  const lines = text.split('\n').length
  const seen = new Set<string>()
  if (vf.nodes.length === 0) throw new Error('no nodes')
  if (vf.top !== vf.nodes[vf.nodes.length - 1]) throw new Error('top is not the last node')
  for (const n of vf.nodes) {
    if (seen.has(n.name)) throw new Error(`duplicate ${n.name}`)
    if (n.name.length === 0) throw new Error('empty name')
    for (const s of n.subvolumes) if (!seen.has(s)) throw new Error(`${n.name} uses ${s} before it is defined`)
    if (n.line < 1 || n.line > lines) throw new Error(`node line ${n.line} outside 1..${lines}`)
    seen.add(n.name)
  }
}

// ------------------------------------------------------------------------------------------------
// Mutations, on tokens and on characters

function mutate(g: Rng, text: string): string {
  let t = text
  for (let n = 1 + g.int(3); n > 0; n--) {
    const at = g.int(t.length + 1)
    switch (g.int(9)) {
      case 0: // delete a run
        t = t.slice(0, at) + t.slice(at + 1 + g.int(12))
        break
      case 1: // insert a keyword
        t = t.slice(0, at) + ` ${g.pick(KEYWORDS)} ` + t.slice(at)
        break
      case 2: // insert a lexically special character
        t = t.slice(0, at) + g.pick(['"', '\\', '#', '\n', '\r', ' ', '\0', '\u2028']) + t.slice(at)
        break
      case 3: // replace a character
        t = t.slice(0, at) + g.pick([...ANY_CHARS]) + t.slice(at + 1)
        break
      case 4: { // swap two lines
        const lines = t.split('\n')
        const a = g.int(lines.length)
        const b = g.int(lines.length)
        ;[lines[a], lines[b]] = [lines[b]!, lines[a]!]
        t = lines.join('\n')
        break
      }
      case 5: { // duplicate a line
        const lines = t.split('\n')
        const a = g.int(lines.length)
        lines.splice(a, 0, lines[a]!)
        t = lines.join('\n')
        break
      }
      case 6: { // delete a line
        const lines = t.split('\n')
        lines.splice(g.int(lines.length), 1)
        t = lines.join('\n')
        break
      }
      case 7: // truncate
        t = t.slice(0, at)
        break
      default: // insert a word
        t = t.slice(0, at) + ' ' + word(g) + ' ' + t.slice(at)
    }
  }
  return t
}

describe('parseVolfile fuzz', () => {
  it('parses random valid volfiles back to the graph they were written from', () => {
    const iterations = fuzz(FUZZ_BUDGET_MS / 2, (g) => {
      const model = randomModel(g)
      const text = render(g, model)
      const vf = parseVolfile(text)
      checkGraph(vf, text)
      expect(project(vf)).toEqual(model)
    })
    expect(iterations).toBeGreaterThan(0)
  }, FUZZ_BUDGET_MS + 30_000)

  it('gives a well-formed graph or a VolfileError with a line inside the text for mutated volfiles', () => {
    const iterations = fuzz(FUZZ_BUDGET_MS / 2, (g) => {
      const text = mutate(g, render(g, randomModel(g)))
      let vf: Volfile
      try {
        vf = parseVolfile(text)
      } catch (err) {
        if (!(err instanceof VolfileError)) throw err
        const lines = text.split('\n').length
        if (err.code !== 'ERR_GLFS_VOLFILE') throw new Error(`code ${err.code}`)
        if (!Number.isInteger(err.line) || err.line < 1 || err.line > lines) {
          throw new Error(`error line ${err.line} outside 1..${lines}: ${err.message}\n${JSON.stringify(text)}`)
        }
        return
      }
      checkGraph(vf, text)
    })
    expect(iterations).toBeGreaterThan(0)
  }, FUZZ_BUDGET_MS + 30_000)
})
