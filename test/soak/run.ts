/**
 * Soak: resources over time against the real sandbox volume (`npm run soak`).
 *
 *   1. Mount and unmount N times (default 1000): heap after GC, open sockets and active handles
 *      must come back to where they started.
 *   2. M mixed fops (default 100 000) with D in flight (default 256) on one mount: pwrite and
 *      pread of 4 KiB at random offsets, fstat, and an fsync every 1000: heap and RSS must stay
 *      bounded while running and fall back afterwards.
 *
 * Prints the figures as it goes and a summary; exits 1 when a bound is broken.
 * Options: --cycles N  --ops M  --depth D  --volume V  --host H  --port P
 * (without --volume, test/integration/gluster-sandbox.sh is run and its single-brick volume used).
 */
import { randomBytes } from 'node:crypto'
import { readdirSync, readlinkSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Glfs, type GlfsFd } from '../../src/api/index.ts'
import { sandboxTarget } from '../../bench/lib/target.ts'

/** Heap growth over the mount cycles above which the run fails, MiB. */
const MAX_CYCLE_HEAP_GROWTH_MIB = 8
/** Heap and RSS growth while the fop mix runs above which the run fails, MiB. */
const MAX_FOP_HEAP_GROWTH_MIB = 64
const MAX_FOP_RSS_GROWTH_MIB = 256
const FILE_BYTES = 64 * 1024 * 1024
const IO_BYTES = 4096

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '1000' },
    ops: { type: 'string', default: '100000' },
    depth: { type: 'string', default: '256' },
    volume: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string', default: '24007' },
  },
})
const cycles = positive('cycles', values.cycles)
const ops = positive('ops', values.ops)
const depth = positive('depth', values.depth)
const target = values.volume !== undefined
  ? { volume: values.volume, host: values.host ?? 'localhost', port: positive('port', values.port) }
  : await sandboxTarget()

interface Sample {
  readonly heapMiB: number
  readonly rssMiB: number
  readonly sockets: number
  readonly handles: number
}

function sample(collect: boolean): Sample {
  if (collect) {
    gc()
    gc()
  }
  const m = process.memoryUsage()
  return {
    heapMiB: m.heapUsed / 1048576,
    rssMiB: m.rss / 1048576,
    sockets: openSockets(),
    handles: process.getActiveResourcesInfo().filter((k) => k !== 'TTYWrap' && k !== 'FSReqCallback').length,
  }
}

/** Sockets this process holds, counted from /proc/self/fd. */
function openSockets(): number {
  let n = 0
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++
    } catch {
      // closed while we looked
    }
  }
  return n
}

function show(label: string, s: Sample, extra = ''): void {
  console.log(`${label.padEnd(18)} heap ${s.heapMiB.toFixed(1).padStart(7)} MiB  rss ${s.rssMiB.toFixed(1).padStart(7)} MiB  sockets ${String(s.sockets).padStart(3)}  handles ${String(s.handles).padStart(3)}${extra}`)
}

async function mount(): Promise<Glfs> {
  const glfs = new Glfs(target.volume)
  glfs.setVolfileServer('tcp', target.host, target.port)
  await glfs.init()
  return glfs
}

const failures: string[] = []

async function mountCycles(): Promise<void> {
  console.log(`\n== ${cycles} mount/unmount cycles of ${target.volume} on ${target.host}:${target.port}`)
  // Warm-up: module code, JIT and first-use caches are not leaks.
  for (let i = 0; i < Math.min(20, cycles); i++) await (await mount()).fini()
  const base = sample(true)
  show('baseline', base)
  const started = performance.now()
  let last = started
  let lastCycle = 0
  for (let i = 1; i <= cycles; i++) {
    const glfs = await mount()
    await glfs.stat('/')
    await glfs.fini()
    if (i % 100 === 0 || i === cycles) {
      const now = performance.now()
      show(`cycle ${i}`, sample(true), `  ${((now - last) / (i - lastCycle)).toFixed(1)} ms/cycle`)
      last = now
      lastCycle = i
    }
  }
  const end = sample(true)
  const growth = end.heapMiB - base.heapMiB
  console.log(`mount cycles: ${((performance.now() - started) / cycles).toFixed(1)} ms each; heap ${growth >= 0 ? '+' : ''}${growth.toFixed(2)} MiB, sockets ${base.sockets} -> ${end.sockets}, handles ${base.handles} -> ${end.handles}`)
  if (growth > MAX_CYCLE_HEAP_GROWTH_MIB) failures.push(`heap grew ${growth.toFixed(1)} MiB over ${cycles} mount cycles (bound ${MAX_CYCLE_HEAP_GROWTH_MIB} MiB)`)
  if (end.sockets > base.sockets) failures.push(`${end.sockets - base.sockets} sockets left open after ${cycles} mount cycles`)
  if (end.handles > base.handles) failures.push(`${end.handles - base.handles} handles left active after ${cycles} mount cycles`)
}

async function fopMix(): Promise<void> {
  console.log(`\n== ${ops} mixed fops, ${depth} in flight, on one ${FILE_BYTES / 1048576} MiB file`)
  const base = sample(true)
  show('baseline', base)
  const glfs = await mount()
  const path = `/soak-${randomBytes(6).toString('hex')}`
  const fd: GlfsFd = await glfs.creat(path, 'w+')
  await fd.ftruncate(FILE_BYTES)
  const payload = randomBytes(IO_BYTES)
  const slots = FILE_BYTES / IO_BYTES
  const counts = { pwrite: 0, pread: 0, fstat: 0, fsync: 0 }
  let issued = 0
  let done = 0
  let peakHeap = 0
  let peakRss = 0
  const started = performance.now()
  const worker = async (): Promise<void> => {
    while (issued < ops) {
      const n = issued++
      const offset = Math.floor(Math.random() * slots) * IO_BYTES
      if (n % 1000 === 999) {
        await fd.fsync()
        counts.fsync++
      } else if (n % 10 === 0) {
        await fd.fstat()
        counts.fstat++
      } else if (n % 2 === 0) {
        await fd.pwrite(payload, offset)
        counts.pwrite++
      } else {
        const data = await fd.pread(IO_BYTES, offset)
        if (data.length !== IO_BYTES) throw new Error(`short read: ${data.length} bytes at ${offset}`)
        counts.pread++
      }
      done++
      if (done % 10_000 === 0) {
        const s = sample(false)
        peakHeap = Math.max(peakHeap, s.heapMiB)
        peakRss = Math.max(peakRss, s.rssMiB)
        show(`${done} ops`, s, `  ${Math.round(done / ((performance.now() - started) / 1000))} ops/s`)
      }
    }
  }
  await Promise.all(Array.from({ length: depth }, worker))
  const seconds = (performance.now() - started) / 1000
  await fd.close()
  await glfs.unlink(path)
  await glfs.fini()
  const end = sample(true)
  show('after fini', end)
  console.log(`fop mix: ${done} ops in ${seconds.toFixed(1)} s (${Math.round(done / seconds)} ops/s; ${counts.pwrite} pwrite, ${counts.pread} pread, ${counts.fstat} fstat, ${counts.fsync} fsync); peak heap +${(peakHeap - base.heapMiB).toFixed(1)} MiB, peak rss +${(peakRss - base.rssMiB).toFixed(1)} MiB; after fini heap ${end.heapMiB - base.heapMiB >= 0 ? '+' : ''}${(end.heapMiB - base.heapMiB).toFixed(2)} MiB`)
  if (peakHeap - base.heapMiB > MAX_FOP_HEAP_GROWTH_MIB) failures.push(`heap peaked ${(peakHeap - base.heapMiB).toFixed(1)} MiB above baseline during the fop mix (bound ${MAX_FOP_HEAP_GROWTH_MIB} MiB)`)
  if (peakRss - base.rssMiB > MAX_FOP_RSS_GROWTH_MIB) failures.push(`rss peaked ${(peakRss - base.rssMiB).toFixed(1)} MiB above baseline during the fop mix (bound ${MAX_FOP_RSS_GROWTH_MIB} MiB)`)
  if (end.heapMiB - base.heapMiB > MAX_CYCLE_HEAP_GROWTH_MIB) failures.push(`heap stayed ${(end.heapMiB - base.heapMiB).toFixed(1)} MiB above baseline after the fop mix`)
  if (end.sockets > base.sockets) failures.push(`${end.sockets - base.sockets} sockets left open after the fop mix`)
}

function positive(name: string, text: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n <= 0) throw Object.assign(new RangeError(`--${name} must be a positive integer, not '${text}'`), { code: 'ERR_OUT_OF_RANGE' })
  return n
}

console.log(`soak: node ${process.version}, ${cycles} cycles, ${ops} ops at depth ${depth}`)
await mountCycles()
await fopMix()
if (failures.length > 0) {
  console.log(`\nFAILED:\n- ${failures.join('\n- ')}`)
  process.exitCode = 1
} else {
  console.log('\nOK: memory, sockets and handles stayed bounded')
}
