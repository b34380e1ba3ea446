/** Option value types, as glusterfs volume_option_t types (GF_OPTION_TYPE_*). */
export type OptionType = 'bool' | 'int' | 'size' | 'time' | 'percent' | 'string' | 'enum'

/** One entry of an xlator's option table (glusterfs `volume_options[]`). */
export interface OptionSpec {
  /** Volfile spelling, e.g. 'cache-size'. */
  readonly key: string
  readonly aliases?: readonly string[]
  /** camelCase name in the parsed config. */
  readonly name: string
  readonly type: OptionType
  /** Default, in volfile syntax ('1MB', 'off', '42'). */
  readonly default: string
  /** Inclusive bounds for int, size (bytes), time (seconds) and percent. */
  readonly min?: number
  readonly max?: number
  /** Allowed values of an enum. */
  readonly values?: readonly string[]
  readonly description: string
}

/** An option value that does not parse or is out of range; names the xlator and key. */
export class OptionError extends Error {
  readonly code = 'ERR_GLFS_OPTION'
  readonly xlator: string
  readonly key: string
  constructor(xlator: string, key: string, message: string) {
    super(`option '${key}' of ${xlator}: ${message}`)
    this.name = 'OptionError'
    this.xlator = xlator
    this.key = key
  }
}

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2,
  g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4,
}
const TIME_UNITS: Record<string, number> = { '': 1, s: 1, sec: 1, m: 60, min: 60, h: 3600, hr: 3600, d: 86400, ms: 0.001 }

const TRUE_WORDS = new Set(['on', 'yes', 'true', 'enable', '1'])
const FALSE_WORDS = new Set(['off', 'no', 'false', 'disable', '0'])

/** Parse one value by its spec; throws OptionError. Sizes come back in bytes, times in seconds. */
export function parseOptionValue(xlator: string, spec: OptionSpec, raw: string): boolean | number | string {
  const text = raw.trim()
  const lower = text.toLowerCase()
  let value: number
  switch (spec.type) {
    case 'bool':
      if (TRUE_WORDS.has(lower)) return true
      if (FALSE_WORDS.has(lower)) return false
      throw new OptionError(xlator, spec.key, `'${raw}' is not a boolean (on/off)`)
    case 'string':
      return text
    case 'enum':
      if (spec.values?.includes(lower)) return lower
      throw new OptionError(xlator, spec.key, `'${raw}' is not one of ${(spec.values ?? []).join(', ')}`)
    case 'int':
      if (!/^-?\d+$/.test(text)) throw new OptionError(xlator, spec.key, `'${raw}' is not an integer`)
      value = Number(text)
      break
    case 'size': {
      const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(lower)
      const unit = m === null ? undefined : SIZE_UNITS[m[2]!]
      if (m === null || unit === undefined) throw new OptionError(xlator, spec.key, `'${raw}' is not a size (e.g. 512KB, 1MB)`)
      value = Math.floor(Number(m[1]) * unit)
      break
    }
    case 'time': {
      const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(lower)
      const unit = m === null ? undefined : TIME_UNITS[m[2]!]
      if (m === null || unit === undefined) throw new OptionError(xlator, spec.key, `'${raw}' is not a time (seconds)`)
      value = Number(m[1]) * unit
      break
    }
    case 'percent': {
      const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(lower)
      if (m === null) throw new OptionError(xlator, spec.key, `'${raw}' is not a percentage`)
      value = Number(m[1])
      break
    }
  }
  if (spec.min !== undefined && value < spec.min) throw new OptionError(xlator, spec.key, `${raw} is below the minimum ${spec.min}`)
  if (spec.max !== undefined && value > spec.max) throw new OptionError(xlator, spec.key, `${raw} is above the maximum ${spec.max}`)
  return value
}

/** Find the spec for a key or one of its aliases. */
export function findOption(table: readonly OptionSpec[], key: string): OptionSpec | undefined {
  for (const spec of table) {
    if (spec.key === key || spec.aliases?.includes(key)) return spec
  }
  return undefined
}

/**
 * Parse an xlator's volfile options into a typed config, defaults first. Keys the table does not
 * know are left alone (volfiles carry options for xlator features we do not implement); values
 * of known keys must parse.
 */
export function parseOptions<T>(xlator: string, table: readonly OptionSpec[], options: ReadonlyMap<string, string>): T {
  const config: Record<string, boolean | number | string> = {}
  for (const spec of table) config[spec.name] = parseOptionValue(xlator, spec, spec.default)
  for (const [key, raw] of options) {
    const spec = findOption(table, key)
    if (spec !== undefined) config[spec.name] = parseOptionValue(xlator, spec, raw)
  }
  return config as T
}
