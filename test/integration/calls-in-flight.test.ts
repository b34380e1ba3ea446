/**
 * A burst of 100,000 4 KiB preads issued at once against the real single-brick volume: each
 * brick connection keeps at most maxInFlight calls in flight, the rest wait in order, every read
 * returns the right bytes, and the heap the burst holds stays bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Glfs, GlfsFd } from '../../src/api/index.ts'
import { DEFAULT_MAX_IN_FLIGHT } from '../../src/rpc/client.ts'
import { ProtocolClient } from '../../src/xlators/client/client.ts'
import { fdInternals } from '../../src/api/fd.ts'
import { mount } from '../helpers/mount.ts'
import { uniqueName } from '../helpers/sandbox.ts'

const BLOCK = 4096
const BLOCKS = 256
const CALLS = 100_000

/** Block i of the file: every byte is i. */
function blockByte(i: number): number {
  return i % 251
}

describe('calls in flight per brick connection', () => {
  let glfs: Glfs
  let fd: GlfsFd
  const path = `/${uniqueName('i12c-burst')}`

  beforeAll(async () => {
    glfs = await mount('single')
    fd = await glfs.creat(path, 'w+')
    const content = Buffer.alloc(BLOCK * BLOCKS)
    for (let i = 0; i < BLOCKS; i++) content.fill(blockByte(i), i * BLOCK, (i + 1) * BLOCK)
    await fd.pwrite(content, 0)
    await fd.fsync()
  })
  afterAll(async () => {
    await fd?.close()
    await glfs?.unlink(path).catch(() => undefined)
    await glfs?.fini()
  })

  it(`runs ${CALLS} preads issued at once with at most ${DEFAULT_MAX_IN_FLIGHT} in flight, all correct, in bounded memory`, async () => {
    // The brick connection this fd is open on: the protocol/client holding state in its ctx.
    const client = [...fdInternals.fd(fd).ctx.keys()].find((x): x is ProtocolClient => x instanceof ProtocolClient)
    expect(client).toBeDefined()
    globalThis.gc?.()
    const heapBefore = process.memoryUsage().heapUsed
    let maxInFlight = 0
    let wrong = 0
    let done = 0
    const reads: Array<Promise<void>> = []
    for (let i = 0; i < CALLS; i++) {
      const block = i % BLOCKS
      reads.push(fd.pread(BLOCK, block * BLOCK).then((data) => {
        maxInFlight = Math.max(maxInFlight, client!.callsInFlight)
        if (data.length !== BLOCK || data[0] !== blockByte(block) || data[BLOCK - 1] !== blockByte(block)) wrong++
        done++
      }))
    }
    // Every call has reached the connection (the API's async steps ran): the connection holds
    // the bound, the rest waits.
    await new Promise((resolve) => setImmediate(resolve))
    const issuedInFlight = client!.callsInFlight
    const issuedWaiting = client!.waiting
    const heapIssued = process.memoryUsage().heapUsed
    await Promise.all(reads)
    expect(done).toBe(CALLS)
    expect(wrong).toBe(0)
    expect(issuedInFlight).toBeLessThanOrEqual(DEFAULT_MAX_IN_FLIGHT + 1)
    expect(issuedWaiting).toBeGreaterThan(CALLS / 2)
    // Plus at most one liveness ping, which never waits behind the calls it vouches for.
    expect(maxInFlight).toBeLessThanOrEqual(DEFAULT_MAX_IN_FLIGHT + 1)
    expect(maxInFlight).toBeGreaterThan(1)
    // A waiting call holds its encoded header and its PendingCall (~200 bytes); the rest of the
    // ~2 KB per call measured is the caller's own chain of async frames (API, xlators). Nothing
    // per call reaches the socket's queue: no reply buffer, no 4 KiB block is held per call.
    const perCall = (heapIssued - heapBefore) / CALLS
    console.log(`burst: ${CALLS} preads, ${Math.round(perCall)} heap bytes per issued call, at most ${maxInFlight} in flight`)
    expect(perCall).toBeLessThan(4096)
  }, 300_000)
})
