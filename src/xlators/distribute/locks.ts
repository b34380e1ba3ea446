// The locks DHT takes so that concurrent clients (C ones included) agree: inodelk and entrylk on
// the bricks, in the lock domains of xlators/cluster/dht/src/dht-common.h, always blocking, each
// lock set with a lock owner of its own (dht-lock.c).

import { EntrylkCmd, EntrylkType, GfLkCmd, GfLkType } from '../../rpc/programs/fops/program.ts'
import { newLkOwner } from '../../rpc/lk-owner.ts'
import type { Call, Flock, Loc } from '../types.ts'
import type { Xlator } from '../xlator.ts'
import { errorCode } from './state.ts'

/** Directory layouts: readers (entry creation) share it, layout writers (heal, rebalance) own it. */
export const DHT_LAYOUT_HEAL_DOMAIN = 'dht.layout.heal'
/** One name in a directory (entrylk): creation, removal and renames of that name. */
export const DHT_ENTRY_SYNC_DOMAIN = 'dht.entry.sync'
/** A file's data: rebalance migrating it, renames moving its names. */
export const DHT_FILE_MIGRATE_DOMAIN = 'dht.file.migrate'

interface Held {
  readonly sub: Xlator
  readonly loc: Loc
  readonly domain: string
  /** Set for entrylks. */
  readonly basename: string | undefined
}

/**
 * Locks held together for one operation and released together, last taken first released.
 * `release()` always runs (call it in `finally`); failures to unlock are ignored, as the brick
 * drops a client's locks when its connection does.
 */
export class LockSet {
  /** The caller's identity with this set's own lock owner: use it for the locks only. */
  readonly call: Call
  readonly #held: Held[] = []

  constructor(call: Call) {
    this.call = { ...call, lkOwner: newLkOwner() }
  }

  /**
   * Blocking whole-inode lock on `loc` on each subvolume, taken one after another in the order
   * given (callers pass name order, as dht_lock_order_requests sorts, so that two clients locking
   * the same set never deadlock).
   *
   * @param ignore Error codes that mean "nothing to lock there" (ENOENT, ESTALE...): that brick is skipped.
   */
  async inodelk(subs: readonly Xlator[], loc: Loc, type: 'read' | 'write', domain: string, ignore: readonly string[] = []): Promise<void> {
    const flock: Flock = { type: type === 'read' ? GfLkType.RDLCK : GfLkType.WRLCK, whence: 0, start: 0, len: 0, pid: 0, lkOwner: this.call.lkOwner }
    for (const sub of subs) {
      try {
        await sub.inodelk(this.call, domain, loc, GfLkCmd.SETLKW, flock)
      } catch (err) {
        const code = errorCode(err)
        if (code !== undefined && ignore.includes(code)) continue
        throw err
      }
      this.#held.push({ sub, loc, domain, basename: undefined })
    }
  }

  /** Blocking write lock on one name of the directory `parent` (dht_protect_namespace). */
  async entrylk(sub: Xlator, parent: Loc, basename: string, domain: string): Promise<void> {
    await sub.entrylk(this.call, domain, parent, basename, EntrylkCmd.LOCK, EntrylkType.WRLCK)
    this.#held.push({ sub, loc: parent, domain, basename })
  }

  async release(): Promise<void> {
    const unlock: Flock = { type: GfLkType.UNLCK, whence: 0, start: 0, len: 0, pid: 0, lkOwner: this.call.lkOwner }
    while (this.#held.length > 0) {
      const h = this.#held.pop()!
      const done = h.basename === undefined
        ? h.sub.inodelk(this.call, h.domain, h.loc, GfLkCmd.SETLK, unlock)
        : h.sub.entrylk(this.call, h.domain, h.loc, h.basename, EntrylkCmd.UNLOCK, EntrylkType.WRLCK)
      await done.catch(() => undefined)
    }
  }
}
