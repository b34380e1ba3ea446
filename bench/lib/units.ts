/**
 * fio's number syntax for sizes and times, so a job file written for fio means the same here.
 * Source: fio parse.c `__get_mult_bytes` and `get_mult_time`.
 */

/** Thrown for a malformed option value; `exitCode` 2 marks it as a usage error. */
export class BenchUsageError extends Error {
  readonly exitCode = 2
  override readonly name = 'BenchUsageError'
}

const BYTE_POWERS: ReadonlyArray<readonly [string, number]> = [
  ['p', 5], ['t', 4], ['g', 3], ['m', 2], ['k', 1],
]

/**
 * Parse a size as fio does: digits then an optional unit (k, kb, m, mb, g, t, p, kib, mib...),
 * case-insensitive. With `kbBase` 1024 (fio's default "compatibility mode") k/kb/m/mb are powers
 * of 1024 and the IEC spellings kib/mib are powers of 1000, the reverse of the standards; with 1000
 * it is the other way round. So `4k` is 4096 bytes by default, exactly as in fio.
 *
 * @param what the option name, for the error message
 * @returns bytes
 */
export function parseSize(value: string, what: string, kbBase: 1000 | 1024 = 1024): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value)
  if (!m) throw new BenchUsageError(`--${what}: '${value}' is not a size (e.g. 4k, 128KiB, 256m, 1g)`)
  const unit = m[2]!.toLowerCase()
  let bytes = Number(m[1])
  if (unit !== '' && unit !== 'b') {
    const iec = unit.length === 3 && unit.endsWith('ib')
    const prefix = unit[0]!
    const power = BYTE_POWERS.find(([p]) => p === prefix)?.[1]
    const known = power !== undefined && (unit.length === 1 || unit === `${prefix}b` || iec)
    if (!known) throw new BenchUsageError(`--${what}: unknown size unit '${m[2]}' in '${value}'`)
    const other = kbBase === 1024 ? 1000 : 1024
    bytes *= (iec ? other : kbBase) ** power
  }
  if (!Number.isSafeInteger(Math.round(bytes))) {
    throw new BenchUsageError(`--${what}: '${value}' is too large`)
  }
  return Math.round(bytes)
}

const TIME_UNITS_MS: Readonly<Record<string, number>> = {
  us: 0.001, usec: 0.001, ms: 1, msec: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000,
  h: 3_600_000, d: 86_400_000,
}

/**
 * Parse a duration as fio does for `runtime` and `ramp_time`: a bare number is seconds; units
 * us, ms, s, m (minutes), h, d.
 *
 * @returns milliseconds
 */
export function parseTime(value: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value)
  if (!m) throw new BenchUsageError(`--${what}: '${value}' is not a duration (e.g. 10, 10s, 500ms, 2m)`)
  const unit = m[2]!.toLowerCase()
  const scale = unit === '' ? 1000 : TIME_UNITS_MS[unit]
  if (scale === undefined) throw new BenchUsageError(`--${what}: unknown time unit '${m[2]}' in '${value}'`)
  return Number(m[1]) * scale
}

/** Parse a positive or non-negative integer option. */
export function parseInteger(value: string, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`
    throw new BenchUsageError(`--${what}: '${value}' must be ${range}`)
  }
  return n
}

/** fio's booleans: a bare flag is true; 1/0, true/false, yes/no, on/off. */
export function parseBool(value: string | undefined, what: string): boolean {
  if (value === undefined) return true
  switch (value.trim().toLowerCase()) {
    case '1': case 'true': case 'yes': case 'on': return true
    case '0': case 'false': case 'no': case 'off': return false
    default: throw new BenchUsageError(`--${what}: '${value}' is not a boolean (use 1 or 0)`)
  }
}
