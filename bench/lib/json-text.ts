/**
 * Find the JSON document in a tool's stdout when lines of text may come first: fio's
 * gfapi_async engine prints "fio: the async interface is still very experimental..." before its
 * `--output-format=json` document, and setup scripts may log before their result.
 */

/** The parsed document and the lines that preceded it. */
export interface JsonWithPreamble {
  readonly value: unknown
  readonly preamble: readonly string[]
}

/**
 * Parse the first line-initial `{` from which the rest of `text` is valid JSON.
 *
 * @throws SyntaxError when no such document exists, quoting the start of the text
 */
export function extractJson(text: string): JsonWithPreamble {
  let at = 0
  while (at < text.length) {
    if (text[at] === '{') {
      try {
        const value: unknown = JSON.parse(text.slice(at))
        return { value, preamble: text.slice(0, at).split('\n').filter((l) => l.trim() !== '') }
      } catch {
        // Not the document (or a line of text starting with '{'): try the next line.
      }
    }
    const nl = text.indexOf('\n', at)
    if (nl < 0) break
    at = nl + 1
  }
  throw new SyntaxError(`no JSON document in output: ${JSON.stringify(text.slice(0, 200))}`)
}
