import { XdrError } from '../../xdr/errors.ts'

/**
 * The pre-4.x serialized dict (libglusterfs dict.c dict_serialize / dict_unserialize) that the
 * Handshake program still carries in 10.x: count, then per pair keylen, vallen (both BE u32),
 * key bytes + NUL, value bytes. No types: numbers travel as decimal text with a trailing NUL.
 */
export function encodeOldDict(entries: ReadonlyArray<readonly [string, string]>): Buffer {
  const parts: Buffer[] = []
  const count = Buffer.alloc(4)
  count.writeUInt32BE(entries.length)
  parts.push(count)
  for (const [key, value] of entries) {
    const k = Buffer.from(key, 'utf8')
    const v = Buffer.from(value + '\0', 'utf8')
    const lengths = Buffer.alloc(8)
    lengths.writeUInt32BE(k.length, 0)
    lengths.writeUInt32BE(v.length, 4)
    parts.push(lengths, k, Buffer.alloc(1), v)
  }
  return Buffer.concat(parts)
}

/** Decodes an old dict; values are returned as strings without their trailing NUL. */
export function decodeOldDict(bytes: Buffer): Map<string, string> {
  const out = new Map<string, string>()
  if (bytes.length === 0) return out
  if (bytes.length < 4) throw new XdrError('ERR_XDR_SHORT', 'old dict: shorter than its count')
  const count = bytes.readUInt32BE(0)
  let at = 4
  for (let i = 0; i < count; i++) {
    if (bytes.length - at < 8) throw new XdrError('ERR_XDR_SHORT', `old dict: pair ${i} header cut short`)
    const keyLength = bytes.readUInt32BE(at)
    const valueLength = bytes.readUInt32BE(at + 4)
    at += 8
    if (keyLength + 1 + valueLength > bytes.length - at) {
      throw new XdrError('ERR_XDR_LENGTH', `old dict: pair ${i} claims ${keyLength}+${valueLength} bytes, ${bytes.length - at} left`)
    }
    const key = bytes.toString('utf8', at, at + keyLength)
    at += keyLength + 1
    let valueEnd = at + valueLength
    if (valueLength > 0 && bytes[valueEnd - 1] === 0) valueEnd--
    out.set(key, bytes.toString('utf8', at, valueEnd))
    at += valueLength
  }
  return out
}
