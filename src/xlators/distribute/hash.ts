// DHT name hashing: GlusterFS's Davies-Meyer hash (libglusterfs/src/hashfn.c gf_dm_hashfn) and the
// rsync temp-name munging of xlators/cluster/dht/src/dht-hashfn.c. Every client must agree on these
// bit for bit, or files land on (and are looked up on) different bricks.

const DM_DELTA = 0x9e3779b9 | 0
const DM_FULLROUNDS = 10
const DM_PARTROUNDS = 6

// Hash state shared by mix() and hashBytes(): module-level so a hash allocates nothing. Hashing is
// synchronous, so no two computations interleave.
let h0 = 0
let h1 = 0

/** TEA-like mixing (dm_round). Everything is int32 arithmetic; `>>>` gives C's logical u32 shift. */
function mix(rounds: number, a0: number, a1: number, a2: number, a3: number): void {
  let b0 = h0
  let b1 = h1
  let sum = 0
  for (let n = 0; n < rounds; n++) {
    sum = (sum + DM_DELTA) | 0
    b0 = (b0 + ((((b1 << 4) + a0) ^ (b1 + sum) ^ ((b1 >>> 5) + a1)))) | 0
    b1 = (b1 + ((((b0 << 4) + a2) ^ (b0 + sum) ^ ((b0 >>> 5) + a3)))) | 0
  }
  h0 = (h0 + b0) | 0
  h1 = (h1 + b1) | 0
}

/** A little-endian u32 (as int32), as x86 reads `*(uint32_t *)msg`. */
function le32(buf: Uint8Array, i: number): number {
  return buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)
}

/** gf_dm_hashfn over buf[start, end). */
function hashBytes(buf: Uint8Array, start: number, end: number): number {
  const len = end - start
  h0 = 0x9464a485 | 0
  h1 = 0x542e1a94
  // Full 32 bits: (len | len << 8) | that << 16 — no 16-bit truncation, visible from len 256 on.
  let pad = len | (len << 8)
  pad |= pad << 16

  let p = start
  for (const quadsEnd = end - (len % 16); p < quadsEnd; p += 16) {
    mix(DM_PARTROUNDS, le32(buf, p), le32(buf, p + 4), le32(buf, p + 8), le32(buf, p + 12))
  }

  // Tail of 0-15 bytes: whole words first, then one slot that starts as `pad` and absorbs the last
  // 0-3 bytes, the rest stay `pad`. C's `char` is signed on x86, so bytes >= 0x80 are sign-extended
  // before being ORed in (0xE9 ORs 0xFFFFFFE9).
  const words = (end - p) >>> 2
  let tail = pad
  for (let q = p + words * 4; q < end; q++) tail = (tail << 8) | ((buf[q]! << 24) >> 24)
  const a0 = words > 0 ? le32(buf, p) : tail
  const a1 = words > 1 ? le32(buf, p + 4) : words === 1 ? tail : pad
  const a2 = words > 2 ? le32(buf, p + 8) : words === 2 ? tail : pad
  const a3 = words === 3 ? tail : pad
  mix(DM_FULLROUNDS, a0, a1, a2, a3)

  return (h0 ^ h1) >>> 0
}

const encoder = new TextEncoder()
// Reused UTF-8 buffer for string names, so hashing a string allocates nothing once it is big enough.
let scratch = new Uint8Array(1024)

/** UTF-8-encodes `s` into `scratch`; returns the byte length. */
function encodeToScratch(s: string): number {
  // A UTF-16 code unit never needs more than 3 UTF-8 bytes.
  if (s.length * 3 > scratch.length) scratch = new Uint8Array(Math.max(s.length * 3, scratch.length * 2))
  return encoder.encodeInto(s, scratch).written
}

/**
 * GlusterFS's DHT name hash, `gf_dm_hashfn` (libglusterfs/src/hashfn.c) exactly as x86-64 clients
 * compute it: 32-bit words read little-endian, tail bytes sign-extended (C `char` is signed), and
 * the full 32-bit length pad.
 *
 * This is the raw hash: DHT first munges rsync-style temporary names, see {@link DhtHasher}.
 *
 * @param name The bytes to hash; a string is hashed as its UTF-8 encoding (as the name is stored on
 *   the bricks). No NUL terminator is included.
 * @returns The hash as an unsigned 32-bit integer (0 to 0xffffffff).
 */
export function dmHash(name: Uint8Array | string): number {
  if (typeof name === 'string') {
    const len = encodeToScratch(name) // first: it may replace `scratch`
    return hashBytes(scratch, 0, len)
  }
  return hashBytes(name, 0, name.length)
}

// ---------------------------------------------------------------------------------------------
// Munging of temporary names (dht_munge_name)

/**
 * The regex DHT uses when the volume option `rsync-hash-regex` is unset (dht-shared.c
 * `dht_init_regex`): rsync's temporary `.name.XXXXXX` hashes as `name`, so the final rename keeps
 * the file on the same brick.
 */
export const DEFAULT_RSYNC_HASH_REGEX = '^\\.(.+)\\.[^.]+$'

/** Stable codes of {@link HashRegexError}. */
export type HashRegexErrorCode = 'ERR_DHT_HASH_REGEX_INVALID' | 'ERR_DHT_HASH_REGEX_UNSUPPORTED'

/**
 * A hash regex option that cannot be used.
 *
 * `ERR_DHT_HASH_REGEX_INVALID`: glibc's regcomp() rejects it too; the C client then logs a warning
 * and hashes without that regex, and {@link DhtHasher} does the same (see
 * {@link DhtHasher.ignoredRegexErrors}).
 * `ERR_DHT_HASH_REGEX_UNSUPPORTED`: valid for glibc but outside what {@link posixEreToRegExp}
 * translates; {@link DhtHasher} throws it rather than place files differently from C clients.
 */
export class HashRegexError extends Error {
  readonly code: HashRegexErrorCode
  /** The POSIX extended regex as configured. */
  readonly pattern: string
  /** Index (in code points) into `pattern` of the offending construct. */
  readonly position: number

  constructor(code: HashRegexErrorCode, pattern: string, position: number, reason: string) {
    const what = code === 'ERR_DHT_HASH_REGEX_INVALID' ? 'invalid' : 'unsupported'
    super(`${what} POSIX extended regex ${JSON.stringify(pattern)} at ${position}: ${reason}`)
    this.name = 'HashRegexError'
    this.code = code
    this.pattern = pattern
    this.position = position
  }
}

// Bytes that are not valid UTF-8 are decoded as lone surrogates U+DC80..U+DCFF (see
// decodeForMatch). glibc's regexec in a UTF-8 locale matches such bytes with nothing, so `.` and
// negated brackets must exclude them.
const INVALID_BYTES = '\\u{dc80}-\\u{dcff}'
const ANY_CHAR = `[^${INVALID_BYTES}]`

// [:class:] names in a UTF-8 locale. Exact for ASCII; for other characters the glibc locale tables
// are approximated by Unicode properties.
const CHAR_CLASSES: Readonly<Record<string, string>> = {
  alpha: '\\p{L}',
  alnum: '\\p{L}\\p{Nd}',
  upper: '\\p{Lu}',
  lower: '\\p{Ll}',
  digit: '0-9',
  xdigit: '0-9A-Fa-f',
  punct: '\\p{P}\\p{S}',
  cntrl: '\\p{Cc}',
  space: '\\t-\\r \\u{1680}\\u{2000}-\\u{2006}\\u{2008}-\\u{200a}\\u{2028}\\u{2029}\\u{205f}\\u{3000}',
  blank: '\\t \\u{1680}\\u{2000}-\\u{2006}\\u{2008}-\\u{200a}\\u{205f}\\u{3000}',
}

const RE_DUP_MAX = 0x7fff

function hexEscape(cp: number): string {
  return `\\u{${cp.toString(16)}}`
}

function literal(ch: string): string {
  return /^[\p{L}\p{N}]$/u.test(ch) ? ch : hexEscape(ch.codePointAt(0)!)
}

/**
 * Translates a POSIX extended regular expression, as glibc's `regcomp(REG_EXTENDED)` reads it in a
 * UTF-8 locale, into a JavaScript RegExp (flag `u`) meant to be run on a name decoded as by
 * {@link DhtHasher}.
 *
 * Handled: literals and `\`-escaped punctuation, `.`, `^`, `$`, `|`, groups, `*` `+` `?`,
 * intervals (`{m}`, `{m,}`, `{m,n}`, glibc's `{,n}`), stacked quantifiers (`a+?` is `(a+)?`, not
 * lazy), bracket expressions with ranges, `]` first, literal backslash, `[.c.]` and the classes
 * alpha alnum upper lower digit xdigit punct cntrl space blank; `)` with no open group is literal.
 *
 * Limits: matching is JavaScript's leftmost-first backtracking, not POSIX leftmost-longest, so
 * captures can differ where alternatives overlap (`(|a)` captures "" where glibc takes "a");
 * patterns anchored at both ends with non-overlapping alternatives, like the rsync default, agree.
 * Ranges use code point order; non-ASCII class membership is approximate. GNU escapes (`\w`, `\<`,
 * `\'`...), back-references, `[=e=]`, `[:print:]` and `[:graph:]` throw
 * `ERR_DHT_HASH_REGEX_UNSUPPORTED`.
 *
 * @throws {HashRegexError} `ERR_DHT_HASH_REGEX_INVALID` where glibc's regcomp fails as well.
 */
export function posixEreToRegExp(pattern: string): RegExp {
  const cps = Array.from(pattern)
  const invalid = (at: number, why: string): never => {
    throw new HashRegexError('ERR_DHT_HASH_REGEX_INVALID', pattern, at, why)
  }
  const unsupported = (at: number, why: string): never => {
    throw new HashRegexError('ERR_DHT_HASH_REGEX_UNSUPPORTED', pattern, at, why)
  }

  let out = ''
  // Where in `out` the last repeatable atom starts (-1: nothing to repeat, as after `(`, `|`, `^`).
  let atomStart = -1
  let quantified = false
  const openGroups: number[] = []

  const atom = (src: string): void => {
    atomStart = out.length
    quantified = false
    out += src
  }
  const quantify = (q: string, at: number): void => {
    if (atomStart < 0) invalid(at, 'repetition operator with nothing to repeat')
    // JavaScript would read `a+?` as lazy and reject `a**`; POSIX applies the second operator to
    // the already repeated atom.
    if (quantified) out = `${out.slice(0, atomStart)}(?:${out.slice(atomStart)})`
    out += q
    quantified = true
  }

  const bracket = (open: number): [src: string, next: number] => {
    let j = open + 1
    const negate = cps[j] === '^'
    if (negate) j++
    let body = ''
    // One bracket element as a code point, or a whole class; advances j past it.
    const element = (): number | string => {
      const c = cps[j]!
      const kind = cps[j + 1]
      if (c === '[' && (kind === ':' || kind === '.' || kind === '=')) {
        let k = j + 2
        while (k < cps.length && !(cps[k] === kind && cps[k + 1] === ']')) k++
        if (k >= cps.length) invalid(j, `unterminated [${kind}`)
        const name = cps.slice(j + 2, k).join('')
        const at = j
        j = k + 2
        if (kind === ':') return CHAR_CLASSES[name] ?? (name === 'print' || name === 'graph'
          ? unsupported(at, `[:${name}:]`)
          : invalid(at, `unknown character class [:${name}:]`))
        if (kind === '=') return unsupported(at, `equivalence class [=${name}=]`)
        if (Array.from(name).length !== 1) return unsupported(at, `collating element [.${name}.]`)
        return name.codePointAt(0)!
      }
      j++
      return c.codePointAt(0)!
    }
    for (let first = true; ; first = false) {
      const c = cps[j]
      if (c === undefined) return invalid(open, 'unterminated bracket expression')
      if (c === ']' && !first) return [negate ? `[^${body}${INVALID_BYTES}]` : `[${body}]`, j + 1]
      const at = j
      const lo = element()
      const rangeNext = cps[j] === '-' && cps[j + 1] !== undefined && cps[j + 1] !== ']'
      if (typeof lo === 'string') {
        if (rangeNext) invalid(at, 'character class as range start point')
        body += lo
      } else if (rangeNext) {
        j++
        const hi = element()
        if (typeof hi === 'string') return invalid(at, 'character class as range end point')
        if (hi < lo) invalid(at, 'range end point before start point')
        // glibc rejects a range that starts where another ends ([a-c-e]).
        if (cps[j] === '-' && cps[j + 1] !== ']') invalid(at, 'range followed by -')
        body += `${hexEscape(lo)}-${hexEscape(hi)}`
      } else {
        body += hexEscape(lo)
      }
    }
  }

  for (let i = 0; i < cps.length; ) {
    const c = cps[i]!
    switch (c) {
      case '^':
      case '$':
      case '|':
        out += c
        atomStart = -1
        i++
        break
      case '(':
        openGroups.push(out.length)
        out += '('
        atomStart = -1
        i++
        break
      case ')':
        if (openGroups.length === 0) {
          atom(literal(c))
        } else {
          out += ')'
          atomStart = openGroups.pop()!
          quantified = false
        }
        i++
        break
      case '*':
      case '+':
      case '?':
        quantify(c, i)
        i++
        break
      case '{': {
        let j = i + 1
        const digits = (): string => {
          let s = ''
          while (cps[j] !== undefined && cps[j]! >= '0' && cps[j]! <= '9') s += cps[j++]
          return s
        }
        const minText = digits()
        const comma = cps[j] === ','
        if (comma) j++
        const maxText = comma ? digits() : minText
        if (cps[j] !== '}' || (minText === '' && !comma)) invalid(i, 'malformed interval')
        const min = minText === '' ? 0 : Number(minText)
        const max = maxText === '' ? undefined : Number(maxText)
        if (min > RE_DUP_MAX || (max !== undefined && max > RE_DUP_MAX)) invalid(i, 'interval count too large')
        if (max !== undefined && max < min) invalid(i, 'interval maximum below minimum')
        quantify(max === min ? `{${min}}` : `{${min},${max ?? ''}}`, i)
        i = j + 1
        break
      }
      case '[': {
        const [src, next] = bracket(i)
        atom(src)
        i = next
        break
      }
      case '\\': {
        const n = cps[i + 1]
        if (n === undefined) invalid(i, 'trailing backslash')
        if (/^[\p{L}\p{N}<>`']$/u.test(n!)) unsupported(i, `\\${n} (GNU escape or back-reference)`)
        atom(literal(n!))
        i += 2
        break
      }
      case '.':
        atom(ANY_CHAR)
        i++
        break
      default:
        atom(literal(c))
        i++
    }
  }
  if (openGroups.length > 0) invalid(cps.length, 'unmatched (')
  return new RegExp(out, 'u')
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

// Decoding a byte name that is not strict UTF-8 for matching. Reused buffers: the code units of the
// decoded string, and per code unit the byte offset it starts at (a capture maps back to its bytes).
let unitScratch = new Uint16Array(256)
let offsetScratch = new Uint32Array(257)

/**
 * Decodes UTF-8 the way glibc's mbrtowc reads it (no overlongs or surrogates; 5- and 6-byte forms
 * up to 0x7fffffff are accepted). Each byte of an invalid sequence becomes U+DC80..U+DCFF, which
 * the translated regexes never match, as glibc's regexec never matches an invalid byte. Code points
 * above U+10FFFF, which JavaScript cannot hold, become U+FFFD: `.` matches both alike.
 * Fills offsetScratch[0..n] with byte offsets.
 */
function decodeForMatch(bytes: Uint8Array): string {
  if (unitScratch.length < bytes.length) {
    unitScratch = new Uint16Array(bytes.length * 2)
    offsetScratch = new Uint32Array(bytes.length * 2 + 1)
  }
  let n = 0
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i]!
    let need = 0
    let cp = 0
    let min = 0
    if (b < 0x80) {
      cp = b
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1
      cp = b & 0x1f
      min = 0x80
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2
      cp = b & 0x0f
      min = 0x800
    } else if (b >= 0xf0 && b <= 0xf7) {
      need = 3
      cp = b & 0x07
      min = 0x10000
    } else if (b >= 0xf8 && b <= 0xfb) {
      need = 4
      cp = b & 0x03
      min = 0x200000
    } else if (b === 0xfc || b === 0xfd) {
      need = 5
      cp = b & 0x01
      min = 0x4000000
    } else {
      need = -1
    }
    let k = 1
    for (; need > 0 && k <= need; k++) {
      const c = bytes[i + k]
      if (c === undefined || (c & 0xc0) !== 0x80) break
      cp = cp * 64 + (c & 0x3f)
    }
    offsetScratch[n] = i
    if (need < 0 || k <= need || cp < min || (cp >= 0xd800 && cp <= 0xdfff)) {
      unitScratch[n++] = 0xdc00 | b
      i++
      continue
    }
    if (cp > 0x10ffff) {
      unitScratch[n++] = 0xfffd
    } else if (cp > 0xffff) {
      unitScratch[n++] = 0xd800 | ((cp - 0x10000) >> 10)
      offsetScratch[n] = i
      unitScratch[n++] = 0xdc00 | (cp & 0x3ff)
    } else {
      unitScratch[n++] = cp
    }
    i += need + 1
  }
  offsetScratch[n] = i
  return String.fromCharCode(...unitScratch.subarray(0, n))
}

interface Matcher {
  /** For string names. */
  readonly text: RegExp
  /** Same source with match indices, for byte names that are not strict UTF-8. */
  readonly indexed: RegExp
}

/** DHT hashing options, named after the cluster/distribute volfile options. */
export interface DhtHashOptions {
  /**
   * `rsync-hash-regex`: POSIX extended regex whose capture group 1 is hashed instead of a matching
   * name. Unset (`undefined`/`null`) means {@link DEFAULT_RSYNC_HASH_REGEX}; `'none'` disables it.
   */
  rsyncHashRegex?: string | null | undefined
  /**
   * `extra-hash-regex`: like rsyncHashRegex and tried first; unset or `'none'` means none.
   */
  extraHashRegex?: string | null | undefined
}

/**
 * Computes the hash DHT places a name by (`dht_hash_compute`): munge the name with
 * `extra-hash-regex` then `rsync-hash-regex` (first match whose group 1 took part wins; by default
 * `.foo.XXXXXX` hashes as `foo`), then {@link dmHash}. Build one per volume graph and reuse it.
 *
 * Regex matching follows glibc in a UTF-8 locale, the locale GlusterFS clients set up
 * (`setlocale(LC_ALL, "en_US.UTF-8")` in logging.c, the environment's locale as fallback): `.`
 * is one character, and no pattern matches bytes that are not valid UTF-8. A client running in
 * the C locale would match byte by byte instead and can munge names with invalid UTF-8 differently.
 * See {@link posixEreToRegExp} for what the regexes may contain.
 */
export class DhtHasher {
  readonly #matchers: readonly Matcher[]
  /**
   * Configured regexes that glibc would reject: the C client logs a warning and hashes without
   * them, and so does this hasher. Empty normally; worth logging when not.
   */
  readonly ignoredRegexErrors: readonly HashRegexError[]

  /** @throws {HashRegexError} `ERR_DHT_HASH_REGEX_UNSUPPORTED` for regexes it cannot reproduce. */
  constructor(options: DhtHashOptions = {}) {
    const matchers: Matcher[] = []
    const ignored: HashRegexError[] = []
    for (const pattern of [options.extraHashRegex ?? 'none', options.rsyncHashRegex ?? DEFAULT_RSYNC_HASH_REGEX]) {
      if (pattern === 'none') continue
      try {
        const text = posixEreToRegExp(pattern)
        matchers.push({ text, indexed: new RegExp(text.source, 'ud') })
      } catch (err) {
        if (!(err instanceof HashRegexError) || err.code !== 'ERR_DHT_HASH_REGEX_INVALID') throw err
        ignored.push(err)
      }
    }
    this.#matchers = matchers
    this.ignoredRegexErrors = ignored
  }

  /**
   * The name DHT actually hashes: capture group 1 of the first regex that matches with group 1
   * taking part (possibly empty), else the name itself.
   */
  mungeName(name: string): string {
    for (const m of this.#matchers) {
      const match = m.text.exec(name)
      if (match !== null && match[1] !== undefined) return match[1]
    }
    return name
  }

  /**
   * The DHT hash of a directory entry name (unsigned 32-bit): what the parent's layout is searched
   * with to find the hashed subvolume.
   *
   * @param name A file name, or the full path when placing a new directory's layout (no NUL): a
   *   string (hashed as UTF-8) or the raw bytes as the bricks store them.
   */
  hashName(name: string | Uint8Array): number {
    if (typeof name === 'string') {
      const len = encodeToScratch(this.mungeName(name)) // first: it may replace `scratch`
      return hashBytes(scratch, 0, len)
    }
    if (this.#matchers.length === 0) return hashBytes(name, 0, name.length)
    let text: string | undefined
    try {
      text = strictUtf8.decode(name)
    } catch {
      // Not strict UTF-8: the slower byte-exact decoding below.
    }
    if (text !== undefined) {
      const munged = this.mungeName(text)
      if (munged.length === text.length) return hashBytes(name, 0, name.length)
      // Strict UTF-8 round-trips, so the capture re-encodes to exactly the bytes it came from.
      const len = encodeToScratch(munged)
      return hashBytes(scratch, 0, len)
    }
    const decoded = decodeForMatch(name)
    for (const m of this.#matchers) {
      const span = m.indexed.exec(decoded)?.indices?.[1]
      if (span !== undefined) return hashBytes(name, offsetScratch[span[0]]!, offsetScratch[span[1]]!)
    }
    return hashBytes(name, 0, name.length)
  }
}
