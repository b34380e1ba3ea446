// What one xlator knows of each inode (its slot in Inode.ctx), and what its lookups learned of
// gfids no Inode of the caller carries yet. A lookup by name runs before the caller makes the
// Inode (the C client links a fresh inode into the lookup's loc instead), so its result waits
// here, keyed by gfid, and the first fop on an Inode of that gfid adopts it: that fop then needs
// no refresh of its own (for replicate: no FSTAT on every brick before the first read).

import type { Inode } from './types.ts'

/** Unclaimed lookup results kept at most (the oldest go first). */
const UNCLAIMED_ENTRIES = 4096

export class InodeStates<T> {
  readonly #owner: object
  readonly #unclaimed = new Map<string, T>()

  /** `owner`: the xlator whose slot of Inode.ctx holds the states. */
  constructor(owner: object) {
    this.#owner = owner
  }

  /** The newest state: an unclaimed lookup result for the inode's gfid wins over its ctx (and replaces it). */
  latest(inode: Inode): T | undefined {
    if (this.#unclaimed.size > 0) {
      const adopted = this.#adopt(inode)
      if (adopted !== undefined) return adopted
    }
    return inode.ctx.get(this.#owner) as T | undefined
  }

  /**
   * The inode's state, else an unclaimed lookup result for its gfid. Reads no map while the ctx
   * has a state, so a per-I/O call allocates nothing.
   */
  known(inode: Inode): T | undefined {
    const state = inode.ctx.get(this.#owner) as T | undefined
    if (state !== undefined || this.#unclaimed.size === 0) return state
    return this.#adopt(inode)
  }

  /** Record what a lookup or entry fop learned of `gfid`: on `inode` when it is that gfid's, else until an Inode of it comes. */
  remember(inode: Inode | undefined, gfid: Buffer, state: T): void {
    const key = gfid.toString('latin1')
    this.#unclaimed.delete(key)
    if (inode !== undefined && inode.gfid.equals(gfid)) {
      inode.ctx.set(this.#owner, state)
      return
    }
    this.#unclaimed.set(key, state)
    if (this.#unclaimed.size > UNCLAIMED_ENTRIES) {
      const oldest = this.#unclaimed.keys().next().value
      if (oldest !== undefined) this.#unclaimed.delete(oldest)
    }
  }

  /** Set the inode's state (a refresh of the inode itself). */
  set(inode: Inode, state: T): void {
    inode.ctx.set(this.#owner, state)
  }

  /** What a lookup learned of `gfid` and no fop has claimed yet. */
  unclaimed(gfid: Buffer): T | undefined {
    return this.#unclaimed.get(gfid.toString('latin1'))
  }

  /** Forget the inode's state and any unclaimed result for its gfid. */
  forget(inode: Inode): void {
    inode.ctx.delete(this.#owner)
    this.#unclaimed.delete(inode.gfid.toString('latin1'))
  }

  #adopt(inode: Inode): T | undefined {
    const key = inode.gfid.toString('latin1')
    const found = this.#unclaimed.get(key)
    if (found === undefined) return undefined
    this.#unclaimed.delete(key)
    inode.ctx.set(this.#owner, found)
    return found
  }
}
