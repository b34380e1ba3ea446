import { randomBytes } from 'node:crypto'

/** A fresh gfid: a random RFC 4122 version 4 uuid (variant 10), what libuuid makes for `gfid-req`. */
export function newGfid(): Buffer {
  const g = randomBytes(16)
  g[6] = (g[6]! & 0x0f) | 0x40
  g[8] = (g[8]! & 0x3f) | 0x80
  return g
}
