import { randomBytes } from 'node:crypto'

/**
 * A fresh lock owner: 8 random bytes, never all zero (the brick treats a zero owner as "none").
 * Each fd and each DHT lock set gets its own, as each C lock frame does.
 */
export function newLkOwner(): Buffer {
  const owner = randomBytes(8)
  owner[0] = owner[0]! | 1
  return owner
}
