/** One `volume ... end-volume` section of a volfile. */
export interface VolfileNode {
  readonly name: string
  /** e.g. `protocol/client`, `cluster/distribute`. */
  readonly type: string
  readonly options: ReadonlyMap<string, string>
  /** Names of the child sections, in volfile order. */
  readonly subvolumes: readonly string[]
  /** Line of the `volume` keyword, for errors. */
  readonly line: number
}

export interface Volfile {
  /** Sections in file order; the last one is the top of the graph. */
  readonly nodes: readonly VolfileNode[]
  readonly top: VolfileNode
}

/** Malformed volfile text; `line` is 1-based. */
export class VolfileError extends Error {
  readonly code = 'ERR_GLFS_VOLFILE'
  readonly line: number
  constructor(line: number, message: string) {
    super(`volfile line ${line}: ${message}`)
    this.name = 'VolfileError'
    this.line = line
  }
}

interface Token {
  readonly text: string
  readonly line: number
  readonly quoted: boolean
}

/** A generous bound: real volfiles are a few KiB; this keeps a hostile spec from running away. */
const MAX_VOLFILE_BYTES = 16 * 1024 * 1024

// libglusterfs/src/graph.l: words are runs of non-blank characters other than '"' and '\';
// "..." strings may contain anything with \-escapes; '#' comments to end of line.
function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let line = 1
  let i = 0
  const n = text.length
  while (i < n) {
    const c = text[i]!
    if (c === '\n') {
      line++
      i++
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++
    } else if (c === '#') {
      while (i < n && text[i] !== '\n') i++
    } else if (c === '"') {
      const startLine = line
      let value = ''
      i++
      for (;;) {
        if (i >= n) throw new VolfileError(startLine, 'unterminated quoted string')
        const d = text[i]!
        if (d === '"') {
          i++
          break
        }
        if (d === '\\') {
          if (i + 1 >= n) throw new VolfileError(line, 'backslash at end of input')
          value += text[i + 1]!
          if (text[i + 1] === '\n') line++
          i += 2
          continue
        }
        if (d === '\n') line++
        value += d
        i++
      }
      tokens.push({ text: value, line: startLine, quoted: true })
    } else if (c === '\\') {
      throw new VolfileError(line, 'unexpected backslash outside a quoted string')
    } else {
      const start = i
      while (i < n) {
        const d = text[i]!
        if (d === ' ' || d === '\t' || d === '\n' || d === '\r' || d === '\f' || d === '\v' || d === '"' || d === '\\' || d === '#') break
        i++
      }
      tokens.push({ text: text.slice(start, i), line, quoted: false })
    }
  }
  return tokens
}

/**
 * Parse volfile text (libglusterfs graph.y grammar) into sections. Checks what the C parser
 * checks: one `type` per section, subvolumes defined earlier, unique names, `end-volume`.
 */
export function parseVolfile(text: string): Volfile {
  if (typeof text !== 'string') throw new VolfileError(0, 'volfile is not text')
  if (text.length > MAX_VOLFILE_BYTES) throw new VolfileError(0, `volfile of ${text.length} bytes exceeds ${MAX_VOLFILE_BYTES}`)
  const tokens = tokenize(text)
  const nodes: VolfileNode[] = []
  const byName = new Map<string, VolfileNode>()
  let i = 0
  const next = (what: string, after: Token): Token => {
    const t = tokens[i]
    if (t === undefined) throw new VolfileError(after.line, `expected ${what} after '${after.text}', found end of file`)
    i++
    return t
  }
  while (i < tokens.length) {
    const kw = tokens[i++]!
    if (kw.quoted || kw.text !== 'volume') throw new VolfileError(kw.line, `expected 'volume', found '${kw.text}'`)
    const nameTok = next('a volume name', kw)
    if (isKeyword(nameTok)) throw new VolfileError(nameTok.line, `expected a volume name, found keyword '${nameTok.text}'`)
    const name = nameTok.text
    if (name.length === 0) throw new VolfileError(nameTok.line, 'empty volume name')
    if (byName.has(name)) throw new VolfileError(nameTok.line, `volume '${name}' defined twice`)
    let type: string | undefined
    const options = new Map<string, string>()
    const subvolumes: string[] = []
    let sawSubvolumes = false
    for (;;) {
      const t = next(`'type', 'option', 'subvolumes' or 'end-volume' in volume '${name}'`, nameTok)
      if (t.quoted) throw new VolfileError(t.line, `unexpected quoted string '${t.text}' in volume '${name}'`)
      if (t.text === 'end-volume') break
      if (t.text === 'type') {
        const v = next('an xlator type', t)
        if (isKeyword(v)) throw new VolfileError(v.line, `expected an xlator type, found keyword '${v.text}'`)
        if (type !== undefined) throw new VolfileError(t.line, `volume '${name}' has more than one type`)
        type = v.text
      } else if (t.text === 'option') {
        const k = next('an option key', t)
        if (isKeyword(k)) throw new VolfileError(k.line, `expected an option key, found keyword '${k.text}'`)
        const v = next(`a value for option '${k.text}'`, k)
        if (isKeyword(v)) throw new VolfileError(k.line, `option '${k.text}' has no value`)
        options.set(k.text, v.text)
      } else if (t.text === 'subvolumes') {
        if (sawSubvolumes) throw new VolfileError(t.line, `volume '${name}' has more than one subvolumes line`)
        sawSubvolumes = true
        while (i < tokens.length && !isKeyword(tokens[i]!)) {
          const s = tokens[i++]!
          const child = byName.get(s.text)
          if (child === undefined) throw new VolfileError(s.line, `subvolume '${s.text}' of '${name}' is not defined before it`)
          subvolumes.push(s.text)
        }
        if (subvolumes.length === 0) throw new VolfileError(t.line, `empty subvolumes list in volume '${name}'`)
      } else if (t.text === 'volume') {
        throw new VolfileError(t.line, `volume '${name}' is missing 'end-volume'`)
      } else {
        throw new VolfileError(t.line, `unexpected '${t.text}' in volume '${name}'`)
      }
    }
    if (type === undefined) throw new VolfileError(nameTok.line, `volume '${name}' has no type`)
    const node: VolfileNode = { name, type, options, subvolumes, line: kw.line }
    nodes.push(node)
    byName.set(name, node)
  }
  const top = nodes[nodes.length - 1]
  if (top === undefined) throw new VolfileError(1, 'no volume defined')
  return { nodes, top }
}

const KEYWORDS = new Set(['volume', 'type', 'option', 'subvolumes', 'end-volume'])

function isKeyword(t: Token): boolean {
  return !t.quoted && KEYWORDS.has(t.text)
}
