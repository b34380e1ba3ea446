import { errnoOf } from '../rpc/errno.ts'
import { GlusterError } from '../rpc/errors.ts'
import { type Graph, fnmatchRegExp } from './graph.ts'
import { OptionError, type OptionSpec, findOption, parseOptionValue } from './options.ts'
import { XLATORS, descriptorOf } from './registry.ts'

/** Indexed names (`<volume>-client-N`) are tried for N below this: more bricks than any volume has. */
const MAX_INDEX = 4096

/**
 * The names glusterd gives the client-graph xlators of `type` in `volume`
 * (glusterd-volgen.c: `volgen_graph_add` names most `<volume>-<type after the slash>`; clients,
 * distribute, replicate and disperse have their own formats; io-stats takes the volume's name).
 * `N` stands for an index.
 */
export function conventionalName(volume: string, type: string): string {
  switch (type) {
    case 'protocol/client': return `${volume}-client-N`
    case 'cluster/distribute': return `${volume}-dht`
    case 'cluster/replicate': return `${volume}-replicate-N`
    case 'cluster/disperse': return `${volume}-disperse-N`
    case 'debug/io-stats': return volume
    default: return `${volume}-${type.slice(type.indexOf('/') + 1)}`
  }
}

function matchesConventionalName(re: RegExp, volume: string, type: string): boolean {
  const name = conventionalName(volume, type)
  if (!name.endsWith('-N')) return re.test(name)
  const prefix = name.slice(0, -1)
  for (let i = 0; i < MAX_INDEX; i++) if (re.test(prefix + i)) return true
  return false
}

/**
 * Validate a `Glfs.setXlatorOption(pattern, key, value)` before init, as far as the volume's
 * name allows. The rule: `pattern` must match the conventional name of at least one xlator type
 * this client configures (so `*-write-behinde` fails); `key` must be an option (or alias) of at
 * least one of those types; and `value` must parse and be in range for each of them that knows
 * the key. Throws GlusterError EINVAL naming what is wrong.
 */
export function checkXlatorOption(volume: string, pattern: string, key: string, value: string): void {
  const re = fnmatchRegExp(pattern)
  const matched: string[] = []
  for (const { type } of XLATORS) {
    if (re !== undefined && matchesConventionalName(re, volume, type)) matched.push(type)
  }
  if (matched.length === 0) {
    const known = XLATORS.map((d) => conventionalName(volume, d.type)).join(', ')
    throw invalid(volume, `pattern '${pattern}' matches no xlator of volume '${volume}' this client configures (${known})`)
  }
  let knownBy = 0
  for (const type of matched) {
    const spec = findOption(descriptorOf(type)!.options, key)
    if (spec === undefined) continue
    knownBy++
    try {
      parseOptionValue(conventionalName(volume, type), spec, value)
    } catch (err) {
      if (err instanceof OptionError) throw invalid(volume, err.message, err)
      throw err
    }
  }
  if (knownBy === 0) {
    const keys = matched.map((t) => `${t}: ${optionKeys(descriptorOf(t)!.options)}`).join('; ')
    throw invalid(volume, `unknown option '${key}' for the xlators '${pattern}' matches (${keys})`)
  }
}

/**
 * The value an xlator of a mounted graph was built with: sizes in bytes, times in seconds,
 * booleans as booleans (the volfile's value, a `setXlatorOption` override, or the default).
 * Throws GlusterError ENOENT for an xlator not in the graph, EINVAL for a key its type lacks.
 */
export function readXlatorOption(graph: Graph, volume: string, name: string, key: string): boolean | number | string {
  const xl = graph.find(name)
  if (xl === undefined) {
    throw new GlusterError({ errno: errnoOf('ENOENT'), syscall: 'getXlatorOption', volume, detail: `no xlator named '${name}' in the graph` })
  }
  const table = descriptorOf(xl.type)?.options
  const spec = table === undefined ? undefined : findOption(table, key)
  if (spec === undefined) {
    throw invalid(volume, `xlator '${name}' (${xl.type}) has no option '${key}'${table === undefined ? ' this client knows' : ` (${optionKeys(table)})`}`, undefined, 'getXlatorOption')
  }
  // The last of the key and its aliases wins, as in parseOptions (overrides come after the volfile's).
  let raw: string | undefined
  for (const [k, v] of graph.effectiveOptions(name) ?? []) {
    if (k === spec.key || spec.aliases?.includes(k)) raw = v
  }
  return parseOptionValue(name, spec, raw ?? spec.default)
}

function optionKeys(table: readonly OptionSpec[]): string {
  return table.map((s) => s.key).join(', ')
}

function invalid(volume: string, detail: string, cause?: unknown, syscall = 'setXlatorOption'): GlusterError {
  return new GlusterError({ errno: errnoOf('EINVAL'), syscall, volume, detail, cause })
}
