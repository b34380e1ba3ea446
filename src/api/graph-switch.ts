import { errnoOf } from '../rpc/errno.ts'
import { GlusterError } from '../rpc/errors.ts'
import { Xlator } from '../xlators/xlator.ts'

/**
 * Stands above whichever graph is active and passes every fop to its top, so code that keeps an
 * xlator (the path resolver) follows a volfile change without being rebuilt (glusterfs keeps
 * `fs->active_subvol` for the same purpose). After unmount, fops fail ENOTCONN.
 */
export class GraphSwitch extends Xlator {
  readonly volume: string
  #top: Xlator | undefined
  #refusal: GlusterError | undefined

  constructor(volume: string) {
    super(`${volume}-api`, 'api/graph-switch', [])
    this.volume = volume
  }

  /** Send fops to `top` from now on; undefined after unmount. */
  retarget(top: Xlator | undefined): void {
    this.#top = top
  }

  /** Fail every fop with `err` from now on: the volume became one this client refuses. */
  refuse(err: GlusterError): void {
    this.#refusal = err
    this.#top = undefined
  }

  protected override get child(): Xlator {
    if (this.#refusal !== undefined) throw this.#refusal
    const top = this.#top
    if (top === undefined) {
      throw new GlusterError({ errno: errnoOf('ENOTCONN'), syscall: 'glfs', volume: this.volume, detail: `volume '${this.volume}' is not mounted` })
    }
    return top
  }
}
