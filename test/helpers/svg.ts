/**
 * Checks of the SVG `gfapi-bench --plot` writes: a strict XML well-formedness parse (no DTDs,
 * which the plot never has) into elements with attributes, and a headless-Chromium render read
 * back as pixels.
 */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { inflateSync } from 'node:zlib'

export interface XmlElement {
  readonly name: string
  readonly attrs: Readonly<Record<string, string>>
}

const NAME = /^[A-Za-z_][\w.:-]*/

/** Every element of `xml` in document order; throws on anything not well-formed. */
export function parseXml(xml: string): XmlElement[] {
  const elements: XmlElement[] = []
  const open: string[] = []
  let i = 0
  let rootSeen = false
  const fail = (why: string): never => {
    throw new Error(`not well-formed XML at ${i}: ${why}: ${JSON.stringify(xml.slice(i, i + 40))}`)
  }
  if (xml.startsWith('<?xml')) {
    i = xml.indexOf('?>')
    if (i < 0) fail('unterminated XML declaration')
    i += 2
  }
  while (i < xml.length) {
    const lt = xml.indexOf('<', i)
    const textEnd = lt < 0 ? xml.length : lt
    checkText(xml.slice(i, textEnd), open.length > 0, fail)
    if (lt < 0) break
    i = lt
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i)
      if (end < 0) fail('unterminated comment')
      i = end + 3
      continue
    }
    if (xml.startsWith('</', i)) {
      const name = NAME.exec(xml.slice(i + 2))?.[0] ?? fail('bad end tag')
      if (open.pop() !== name) fail(`end tag </${name}> does not match`)
      i += 2 + name.length
      while (/\s/.test(xml[i] ?? '')) i++
      if (xml[i] !== '>') fail('end tag not closed')
      i++
      continue
    }
    const name = NAME.exec(xml.slice(i + 1))?.[0] ?? fail('bad start tag')
    if (open.length === 0 && rootSeen) fail('a second root element')
    rootSeen = true
    i += 1 + name.length
    const attrs: Record<string, string> = {}
    for (;;) {
      const ws = /^\s*/.exec(xml.slice(i))![0].length
      i += ws
      if (xml.startsWith('/>', i)) {
        i += 2
        elements.push({ name, attrs })
        break
      }
      if (xml[i] === '>') {
        i++
        elements.push({ name, attrs })
        open.push(name)
        break
      }
      if (ws === 0) fail('attributes must be separated by white space')
      const attr = NAME.exec(xml.slice(i))?.[0] ?? fail('bad attribute name')
      if (attr in attrs) fail(`duplicate attribute ${attr}`)
      i += attr.length
      const m = /^\s*=\s*(["'])/.exec(xml.slice(i)) ?? fail('attribute value not quoted')
      i += m[0].length
      const end = xml.indexOf(m[1]!, i)
      if (end < 0) fail('unterminated attribute value')
      const value = xml.slice(i, end)
      if (value.includes('<')) fail('< in an attribute value')
      checkText(value, true, fail)
      attrs[attr] = value
      i = end + 1
    }
  }
  if (open.length > 0) throw new Error(`not well-formed XML: <${open.at(-1)}> is never closed`)
  if (!rootSeen) throw new Error('not well-formed XML: no root element')
  return elements
}

function checkText(text: string, inside: boolean, fail: (why: string) => never): void {
  if (!inside && text.trim() !== '') fail('text outside the root element')
  for (const m of text.matchAll(/&([^;\s]*);?/g)) {
    if (!m[0].endsWith(';') || !/^(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+)$/.test(m[1]!)) fail(`bad entity ${m[0]}`)
  }
}

/** Debian's chromium, if installed. */
export function chromiumPath(): string | undefined {
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))
}

/** Render `svgFile` headless to `pngFile` at `width` x `height`. */
export async function renderSvg(chromium: string, svgFile: string, pngFile: string, width: number, height: number): Promise<void> {
  await promisify(execFile)(chromium, [
    '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--window-size=${width},${height}`,
    `--screenshot=${pngFile}`, `file://${svgFile}`,
  ], { timeout: 90_000 })
}

/** Pixels of an 8-bit RGB or RGBA PNG, as [r, g, b] per pixel. */
export function pngPixels(file: string): { width: number; height: number; rgb: Uint8Array } {
  const png = readFileSync(file)
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error(`${file} is not a PNG`)
  let width = 0
  let height = 0
  let channels = 0
  const idat: Buffer[] = []
  for (let at = 8; at < png.length;) {
    const len = png.readUInt32BE(at)
    const type = png.toString('latin1', at + 4, at + 8)
    const body = png.subarray(at + 8, at + 8 + len)
    if (type === 'IHDR') {
      width = body.readUInt32BE(0)
      height = body.readUInt32BE(4)
      if (body[8] !== 8 || body[12] !== 0) throw new Error('only 8-bit, non-interlaced PNGs are read')
      channels = body[9] === 6 ? 4 : body[9] === 2 ? 3 : 0
      if (channels === 0) throw new Error(`PNG colour type ${body[9]} not read`)
    } else if (type === 'IDAT') {
      idat.push(body)
    }
    at += 12 + len
  }
  const raw = inflateSync(Buffer.concat(idat))
  const stride = width * channels
  const out = new Uint8Array(width * height * channels)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1))
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[y * stride + x - channels]! : 0
      const b = y > 0 ? out[(y - 1) * stride + x]! : 0
      const c = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels]! : 0
      const p = a + b - c
      const pred = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1
        : (Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c)
      out[y * stride + x] = (line[x]! + pred) & 0xff
    }
  }
  const rgb = new Uint8Array(width * height * 3)
  for (let i = 0, j = 0; i < out.length; i += channels, j += 3) rgb.set(out.subarray(i, i + 3), j)
  return { width, height, rgb }
}

/** Pixels within `tolerance` of `[r, g, b]`. */
export function countColour(rgb: Uint8Array, [r, g, b]: readonly [number, number, number], tolerance = 24): number {
  let n = 0
  for (let i = 0; i < rgb.length; i += 3) {
    if (Math.abs(rgb[i]! - r) <= tolerance && Math.abs(rgb[i + 1]! - g) <= tolerance && Math.abs(rgb[i + 2]! - b) <= tolerance) n++
  }
  return n
}
