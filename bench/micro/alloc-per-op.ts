/**
 * Allocation and client CPU per 4 KiB op through the whole client (API → graph → RPC → socket),
 * against a real volume: a fixed job of N preads or pwrites of 4 KiB at random aligned offsets of a
 * 64 MiB file, `qd` at a time, after a warm-up of N/10. Bytes allocated are the young- and
 * old-generation growth between garbage collections (v8.GCProfiler) plus the heap used at the end
 * minus at the start; page faults are the process's minor faults over the same pass (fresh slabs
 * and buffers touched for the first time); objects are counted over a second, shorter run of the
 * job under V8's allocation tracker. The tracker turns off inline allocation and with it some of
 * the allocations the optimizing compiler removes, so its count is an upper bound (its bytes run
 * about a third above the first pass's). The sampling heap profiler cannot count them: in Node 20
 * its samples' sizes are not the sampled objects' sizes.
 * Node's Buffer pool and ArrayBuffer backing stores live outside the V8 heap and are not counted.
 * Run: npx tsx bench/micro/alloc-per-op.ts gluster://HOST/VOLUME/FILE randread|randwrite QD [N]
 */
import { Session } from 'node:inspector/promises'
import { GCProfiler, getHeapStatistics } from 'node:v8'
import { Glfs, parseGlusterUri } from '../../src/api/index.ts'
import { type TracedSnapshot, heapAllocated, tracedAllocations } from '../lib/engine.ts'

const [uri, rw, qdText, nText] = process.argv.slice(2)
if (uri === undefined || (rw !== 'randread' && rw !== 'randwrite')) {
  console.error('usage: alloc-per-op.ts gluster://HOST/VOLUME/FILE randread|randwrite QD [N]')
  process.exit(2)
}
const qd = Number(qdText ?? 1)
const ops = Number(nText ?? 100_000)
const BS = 4096
const FILE_BYTES = 64 * 1024 * 1024
/** Ops of the tracked pass: allocation tracking is slow, and its snapshot grows with the run. */
const TRACKED_OPS = Math.min(ops, 10_000)

const target = parseGlusterUri(uri)
const glfs = new Glfs(target.volume)
glfs.setVolfileServer('tcp', target.host, target.port)
await glfs.init()
const fd = await glfs.open(target.path, 'r+').catch(() => glfs.creat(target.path, 'w+'))
if ((await fd.fstat()).size < FILE_BYTES) {
  const chunk = Buffer.alloc(1 << 20, 7)
  for (let at = 0; at < FILE_BYTES; at += chunk.length) await fd.pwrite(chunk, at)
}
const buffers = Array.from({ length: qd }, () => Buffer.alloc(BS, 1))
let seed = 12345
function nextOffset(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return (seed % (FILE_BYTES / BS)) * BS
}

async function job(n: number): Promise<void> {
  let issued = 0
  async function lane(buf: Buffer): Promise<void> {
    while (issued < n) {
      issued++
      if (rw === 'randread') await fd.pread(buf, nextOffset())
      else await fd.pwrite(buf, nextOffset())
    }
  }
  await Promise.all(buffers.map(lane))
}

await job(ops / 10)
// Pass 1, nothing attached: bytes and CPU. Pass 2: the same job under the sampling profiler, for objects.
const gc = new GCProfiler()
globalThis.gc?.()
const usedBefore = getHeapStatistics().used_heap_size
gc.start()
const cpuBefore = process.cpuUsage()
const faultsBefore = process.resourceUsage().minorPageFault
const started = performance.now()
await job(ops)
const elapsedMs = performance.now() - started
const cpu = process.cpuUsage(cpuBefore)
const faults = process.resourceUsage().minorPageFault - faultsBefore
const usedAfter = getHeapStatistics().used_heap_size
const stats = gc.stop()?.statistics ?? []
const allocated = heapAllocated(usedBefore, stats, usedAfter)

const session = new Session()
session.connect()
await session.post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true })
await job(TRACKED_OPS)
const chunks: string[] = []
session.on('HeapProfiler.addHeapSnapshotChunk', (m) => chunks.push(m.params.chunk))
await session.post('HeapProfiler.takeHeapSnapshot', { reportProgress: false })
session.removeAllListeners('HeapProfiler.addHeapSnapshotChunk')
await session.post('HeapProfiler.stopTrackingHeapObjects', { reportProgress: false })
const traced = tracedAllocations(JSON.parse(chunks.join('')) as TracedSnapshot, (script) => script === 'node:inspector')
const scavenges = stats.filter((s) => s.gcType === 'Scavenge').length
console.log(JSON.stringify({
  rw, qd, ops,
  bytesPerOp: Math.round(allocated / ops),
  objectsPerOp: Number((traced.objects / TRACKED_OPS).toFixed(1)),
  trackedBytesPerOp: Math.round(traced.bytes / TRACKED_OPS),
  scavenges,
  cpuUsPerOp: Number(((cpu.user + cpu.system) / ops).toFixed(1)),
  userUsPerOp: Number((cpu.user / ops).toFixed(1)),
  faultsPerOp: Number((faults / ops).toFixed(2)),
  iops: Math.round(ops / (elapsedMs / 1000)),
}))
session.disconnect()
await fd.close()
await glfs.fini()
