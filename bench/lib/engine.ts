/**
 * Our side of the benchmark: fio's job semantics driven through the gfapi-ts client.
 *
 * Each job keeps `iodepth` operations in flight with one async loop per slot: a slot claims the
 * next offset, awaits its pread/pwrite, records the latency and claims again. Slots own their
 * buffers from the start, offsets come from a precomputed order, and the claim hands its result
 * over in fields rather than an object, so the loop allocates nothing beyond what each client
 * call needs (its promise). Latency is taken with performance.now() around the awaited call.
 *
 * Job lifecycle: prepare (lay out, open) -> run (ramp, measured phase, end_fsync, verify
 * read-back, close) -> cleanup (unlink). runGroup reads the CPU around a stonewall group's run.
 */
import { randomFillSync } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { GCProfiler, getHeapStatistics } from 'node:v8'
import { Glfs, type GlfsOptions, O_CREAT, O_DIRECT, O_RDONLY, O_RDWR, O_WRONLY } from '../../src/api/index.ts'
import { JobLogs } from './fio-log.ts'
import { Histogram } from './histogram.ts'
import { jobIos, jobOffsets, type OffsetGenerator } from './offsets.ts'
import type { JobSpec } from './options.ts'
import type { JobResult } from './report.ts'
import { targetUrl, type Target } from './target.ts'
import { checkBlock, stampBlock } from './verify.ts'

type GlfsFd = Awaited<ReturnType<Glfs['open']>>

/** Linux EIO: the error a short read or write is reported as. */
export const EIO = 5
/** Linux EILSEQ: fio's error for a verify mismatch. */
export const EILSEQ = 84

const LAYOUT_CHUNK_BYTES = 1 << 20

/** Mount a volume the way every job does: one client instance per job, as fio's gfapi engine. */
export async function mount(target: Target, options: GlfsOptions = {}): Promise<Glfs> {
  const glfs = new Glfs(target.volume, options)
  glfs.setVolfileServer(target.transport, target.transport === 'unix' ? target.socket ?? '' : target.host, target.port)
  await glfs.init()
  return glfs
}

/** Default file name of a job clone: fio's filename_format, `$jobname.$jobnum.$filenum` unless set. */
export function defaultPath(spec: JobSpec, jobnum: number): string {
  return `/${formatFilename(spec.filenameFormat, spec.name, jobnum)}`
}

/** fio's filename_format expansion (one file per job: $filenum is 0). */
export function formatFilename(format: string, name: string, jobnum: number): string {
  return format.replaceAll('$jobname', name).replaceAll('$jobnum', String(jobnum)).replaceAll('$filenum', '0')
}

/**
 * Make sure a file holds at least `end` bytes of data, writing random bytes from 0 if it is
 * missing or shorter, as fio lays out the file of a read job (fio engines/glusterfs.c
 * `fio_gf_open_file`: ftruncate, fill, fsync).
 *
 * @returns true when the file was (re)written
 */
export async function layOut(glfs: Glfs, path: string, end: number): Promise<boolean> {
  let size = -1
  try {
    size = (await glfs.stat(path)).size
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ENOENT') throw err
  }
  if (size >= end) return false
  const fd = await glfs.creat(path, O_RDWR | O_CREAT, 0o644)
  try {
    await fd.ftruncate(end)
    const chunk = randomFillSync(Buffer.allocUnsafe(Math.min(LAYOUT_CHUNK_BYTES, end)))
    for (let at = 0; at < end; at += chunk.length) {
      const part = end - at >= chunk.length ? chunk : chunk.subarray(0, end - at)
      const n = await fd.pwrite(part, at)
      if (n !== part.length) throw new Error(`laying out ${path}: short write of ${n} of ${part.length} bytes at ${at}`)
    }
    await fd.fsync()
  } finally {
    await fd.close()
  }
  return true
}

function errnoOf(err: unknown): number {
  const e = (err as { errno?: unknown }).errno
  return typeof e === 'number' && e !== 0 ? Math.abs(e) : EIO
}

class MutableDirection {
  ios = 0
  bytes = 0
  readonly clat = new Histogram()
  reset(): void {
    this.ios = 0
    this.bytes = 0
    this.clat.reset()
  }
}

/** xorshift32: a small seeded generator for randrw's choice of direction. */
function nextRandom(state: Uint32Array): number {
  let x = state[0]!
  x ^= x << 13
  x ^= x >>> 17
  x ^= x << 5
  state[0] = x
  return x >>> 0
}

/** One clone of a job on one client instance. */
export class JobRunner {
  readonly spec: JobSpec
  readonly jobnum: number
  readonly groupid: number
  readonly path: string
  readonly url: string
  /** Resolves when statistics start (after ramp_time), or when the job ends first. */
  readonly started: Promise<void>
  /** Bytes counted so far, for the progress line. */
  get doneBytes(): number { return this.#read.bytes + this.#write.bytes }
  /** Fraction of the job done (0..1), for the progress line; 0 during ramp. */
  get progress(): number {
    if (!this.#measuring) return 0
    const s = this.spec
    if (s.runtimeMs !== undefined) {
      const t = (performance.now() - this.#measureStart) / s.runtimeMs
      if (s.timeBased) return Math.min(1, t)
      return Math.min(1, Math.max(t, this.#issued / this.#ios))
    }
    return Math.min(1, this.#issued / this.#ios)
  }

  /** fio's thread number: 1-based over every clone of every job of the run; seeds the offsets. */
  readonly threadNumber: number
  /** I/Os the job does unless time-based. */
  readonly #ios: number
  readonly #offsets: OffsetGenerator
  readonly #logs: JobLogs | undefined
  /** Percent of operations that read: 100 for read jobs, 0 for write jobs, rwmixread for randrw. */
  readonly #readPct: number
  readonly #read = new MutableDirection()
  readonly #write = new MutableDirection()
  readonly #sync = new Histogram()
  readonly #rng = new Uint32Array(1)
  readonly #resolveStarted: () => void
  #glfs: Glfs | undefined
  #fd: GlfsFd | undefined
  #buffers: Buffer[] = []
  #cursor = 0
  #written: Uint8Array | undefined
  #measuring = false
  #measureStart = 0
  #deadline = Number.POSITIVE_INFINITY
  #issued = 0
  #stopping = false
  #rampTimer: NodeJS.Timeout | undefined
  #generation = 0
  #sinceFsync = 0
  #errors = 0
  #error = 0
  #errorMessage: string | undefined
  #verified = 0
  #writeMs = 0
  #readMs = 0
  #runtimeMs = 0

  /** Set by `#claim` for the slot that called it: the offset and direction of its next op. */
  #claimOffset = 0
  #claimRead = false

  constructor(spec: JobSpec, jobnum: number, groupid: number, target: Target, path: string, threadNumber = jobnum + 1) {
    this.spec = spec
    this.jobnum = jobnum
    this.groupid = groupid
    this.path = path
    this.url = targetUrl(target, path)
    this.threadNumber = threadNumber
    this.#ios = jobIos(spec)
    this.#offsets = jobOffsets(spec, threadNumber)
    this.#logs = JobLogs.for(spec, threadNumber)
    this.#readPct = spec.rw === 'read' || spec.rw === 'randread' ? 100 : spec.rw === 'randrw' ? spec.rwmixread : 0
    // Seeded from the job so runs repeat; odd and nonzero as xorshift needs.
    let seed = 0x9e3779b9 ^ (jobnum * 0x85ebca6b)
    for (let i = 0; i < spec.name.length; i++) seed = Math.imul(seed ^ spec.name.charCodeAt(i), 0x01000193)
    this.#rng[0] = seed | 1
    let resolve!: () => void
    this.started = new Promise<void>((r) => { resolve = r })
    this.#resolveStarted = resolve
  }

  /** Open the file (laying it out first for jobs that read), allocate slot buffers. */
  async prepare(glfs: Glfs): Promise<void> {
    const s = this.spec
    this.#glfs = glfs
    if (this.#readPct > 0) await layOut(glfs, this.path, s.offset + s.size)
    const direct = s.direct ? O_DIRECT : 0
    if (this.#readPct === 100) {
      this.#fd = await glfs.open(this.path, O_RDONLY | direct)
    } else {
      const access = s.rw === 'randrw' || s.verify !== undefined ? O_RDWR : O_WRONLY
      this.#fd = await glfs.creat(this.path, access | O_CREAT | direct, 0o644)
    }
    for (let i = 0; i < s.iodepth; i++) {
      // Random contents once per slot: what fio writes by default, and incompressible.
      this.#buffers.push(this.#readPct === 100 ? Buffer.alloc(s.bs) : randomFillSync(Buffer.allocUnsafe(s.bs)))
    }
    if (s.verify !== undefined) this.#written = new Uint8Array(Math.floor(s.size / s.bs))
  }

  /** Run the job to its end: ramp, measured phase, end_fsync, then verify's read-back. */
  async run(): Promise<void> {
    try {
      await this.#run()
    } finally {
      // A job that fails or ends within its ramp still releases runGroup's wait on `started`.
      clearTimeout(this.#rampTimer)
      this.#resolveStarted()
    }
  }

  async #run(): Promise<void> {
    const s = this.spec
    if (s.rampTimeMs > 0) {
      this.#rampTimer = setTimeout(() => this.#startMeasuring(), s.rampTimeMs)
    } else {
      this.#startMeasuring()
    }
    const slots: Promise<void>[] = []
    for (const buf of this.#buffers) slots.push(this.#slot(buf))
    await Promise.all(slots)
    clearTimeout(this.#rampTimer)
    if (!this.#measuring) this.#startMeasuring()
    if (s.endFsync && !this.#stopping) await this.#timedFsync()
    const writeEnd = performance.now()
    this.#runtimeMs = writeEnd - this.#measureStart
    this.#logs?.write(this.#runtimeMs)
    this.#writeMs = this.#runtimeMs
    this.#readMs = this.#readPct > 0 ? this.#runtimeMs : 0
    if (s.verify !== undefined && !this.#stopping) {
      this.#cursor = 0
      const checks: Promise<void>[] = []
      for (const buf of this.#buffers) checks.push(this.#verifySlot(buf))
      await Promise.all(checks)
      const end = performance.now()
      this.#readMs = end - writeEnd
      this.#runtimeMs = end - this.#measureStart
    }
    // Outside the runtime, as in fio, but checked: with write-behind a failed write may first
    // show here, and it is the job's error.
    const fd = this.#fd!
    this.#fd = undefined
    try {
      await fd.close()
    } catch (err) {
      this.#fail(errnoOf(err), `close: ${(err as Error).message}`)
    }
  }

  /**
   * After the results are taken: remove the file if the job asked (fio `unlink`). The file was
   * closed by `run`; a job that never ran has it closed here, its errors ignored. Does not unmount.
   */
  async cleanup(): Promise<void> {
    const fd = this.#fd
    this.#fd = undefined
    await fd?.close().catch(() => {})
    if (this.spec.unlink && this.#glfs !== undefined) {
      // Clones sharing one file each unlink it; only the first finds it.
      await this.#glfs.unlink(this.path).catch((err: { code?: unknown }) => {
        if (err.code !== 'ENOENT') throw err
      })
    }
  }

  /** Successful operations counted so far. */
  get ops(): number {
    return this.#read.ios + this.#write.ios
  }

  /** The job's result, given the process CPU of its group window. */
  result(usrCpuMs: number, sysCpuMs: number, cpuUsPerOp: number, allocBytesPerOp = 0, pageFaultsPerOp = 0): JobResult {
    return {
      spec: this.spec,
      jobnum: this.jobnum,
      groupid: this.groupid,
      file: this.url,
      read: { ios: this.#read.ios, bytes: this.#read.bytes, clat: this.#read.clat, runtimeMs: this.#readMs },
      write: { ios: this.#write.ios, bytes: this.#write.bytes, clat: this.#write.clat, runtimeMs: this.#writeMs },
      sync: this.#sync,
      runtimeMs: this.#runtimeMs,
      errors: this.#errors,
      error: this.#error,
      errorMessage: this.#errorMessage,
      verified: this.#verified,
      usrCpuMs,
      sysCpuMs,
      cpuUsPerOp,
      allocBytesPerOp,
      pageFaultsPerOp,
    }
  }

  #startMeasuring(): void {
    this.#measuring = true
    this.#read.reset()
    this.#write.reset()
    this.#sync.reset()
    this.#issued = 0
    this.#measureStart = performance.now()
    if (this.spec.runtimeMs !== undefined) this.#deadline = this.#measureStart + this.spec.runtimeMs
    this.#resolveStarted()
  }

  /** Pick the next operation into #claimOffset/#claimRead; false when the job is done. */
  #claim(now: number): boolean {
    if (this.#stopping) return false
    const s = this.spec
    if (this.#measuring) {
      if (now >= this.#deadline) return false
      if (!s.timeBased && this.#issued >= this.#ios) return false
    }
    // fio's offsets, in fio's order; -1 where fio would end the job.
    const offset = this.#offsets.next()
    if (offset < 0) return false
    this.#claimOffset = offset
    const readPct = this.#readPct
    this.#claimRead = readPct === 100 || (readPct > 0 && nextRandom(this.#rng) % 100 < readPct)
    if (this.#measuring) this.#issued++
    return true
  }

  async #slot(buf: Buffer): Promise<void> {
    const fd = this.#fd!
    const verify = this.spec.verify
    const fsyncEvery = this.spec.fsync
    const bs = buf.length
    let now = performance.now()
    while (this.#claim(now)) {
      const offset = this.#claimOffset
      const isRead = this.#claimRead
      const counted = this.#measuring
      if (!isRead && verify !== undefined) stampBlock(buf, offset, this.#generation++, verify)
      const t0 = performance.now()
      let n: number
      try {
        n = isRead ? await fd.pread(buf, offset) : await fd.pwrite(buf, offset)
      } catch (err) {
        this.#fail(errnoOf(err), `${isRead ? 'pread' : 'pwrite'} at ${offset}: ${(err as Error).message}`)
        break
      }
      now = performance.now()
      if (n !== bs) {
        this.#fail(EIO, `short ${isRead ? 'read' : 'write'} at ${offset}: ${n} of ${bs} bytes`)
        break
      }
      if (counted) {
        const d = isRead ? this.#read : this.#write
        d.ios++
        d.bytes += bs
        d.clat.record((now - t0) * 1e6)
        this.#logs?.add(now - this.#measureStart, (now - t0) * 1e6, isRead ? 0 : 1, bs, offset)
      }
      if (!isRead) {
        if (this.#written !== undefined) this.#written[(offset - this.spec.offset) / bs] = 1
        if (fsyncEvery > 0 && ++this.#sinceFsync >= fsyncEvery) {
          this.#sinceFsync = 0
          if (!(await this.#timedFsync())) break
          now = performance.now()
        }
      }
    }
  }

  async #timedFsync(): Promise<boolean> {
    const t0 = performance.now()
    try {
      await this.#fd!.fsync()
    } catch (err) {
      this.#fail(errnoOf(err), `fsync: ${(err as Error).message}`)
      return false
    }
    if (this.#measuring) this.#sync.record((performance.now() - t0) * 1e6)
    return true
  }

  /** Read back every block this job wrote and check it; counted as reads, as fio does. */
  async #verifySlot(buf: Buffer): Promise<void> {
    const fd = this.#fd!
    const written = this.#written!
    const algo = this.spec.verify!
    const bs = buf.length
    while (!this.#stopping) {
      let block = this.#cursor
      while (block < written.length && written[block] === 0) block++
      if (block >= written.length) return
      this.#cursor = block + 1
      const offset = this.spec.offset + block * bs
      const t0 = performance.now()
      let n: number
      try {
        n = await fd.pread(buf, offset)
      } catch (err) {
        this.#fail(errnoOf(err), `verify pread at ${offset}: ${(err as Error).message}`)
        return
      }
      const t1 = performance.now()
      if (n !== bs) {
        this.#fail(EIO, `verify: short read at ${offset}: ${n} of ${bs} bytes`)
        return
      }
      this.#read.ios++
      this.#read.bytes += bs
      this.#read.clat.record((t1 - t0) * 1e6)
      const problem = checkBlock(buf, offset, algo)
      this.#verified++
      if (problem !== undefined) {
        this.#fail(EILSEQ, `verify: ${problem}`)
        return
      }
    }
  }

  /** Count an error; like fio, the job stops issuing at its first one. */
  #fail(errno: number, message: string): void {
    this.#errors++
    if (this.#error === 0) {
      this.#error = errno
      this.#errorMessage = message
    }
    this.#stopping = true
  }
}

/**
 * Run a stonewall group's jobs at once and read the process CPU over their measured phase
 * (from the moment every job is past its ramp to the end of the last). The CPU is the whole
 * process's, so with several jobs it is shared: CPU per op divides it by the group's operations.
 * So do the V8 heap bytes allocated (growth between collections, as v8.GCProfiler reports them)
 * and the page faults (process.resourceUsage) over the same window.
 */
export async function runGroup(runners: readonly JobRunner[]): Promise<JobResult[]> {
  const done = Promise.all(runners.map((r) => r.run()))
  await Promise.all(runners.map((r) => r.started))
  const gc = new GCProfiler()
  const heap0 = getHeapStatistics().used_heap_size
  gc.start()
  const usage0 = process.resourceUsage()
  const cpu0 = process.cpuUsage()
  await done
  const cpu = process.cpuUsage(cpu0)
  const usage = process.resourceUsage()
  const heap = getHeapStatistics().used_heap_size
  const collections = gc.stop()?.statistics ?? []
  const ops = runners.reduce((sum, r) => sum + r.ops, 0)
  const perOp = (v: number): number => (ops > 0 ? v / ops : 0)
  const faults = usage.minorPageFault - usage0.minorPageFault + usage.majorPageFault - usage0.majorPageFault
  return runners.map((r) => r.result(cpu.user / 1000, cpu.system / 1000, perOp(cpu.user + cpu.system), perOp(heapAllocated(heap0, collections, heap)), perOp(faults)))
}

/** Bytes allocated on the V8 heap between two points: growth up to each collection, then after the last. */
export function heapAllocated(before: number, collections: readonly GCStatistics[], after: number): number {
  let allocated = 0
  let last = before
  for (const c of collections) {
    allocated += c.beforeGC.heapStatistics.usedHeapSize - last
    last = c.afterGC.heapStatistics.usedHeapSize
  }
  return allocated + after - last
}

type GCStatistics = NonNullable<ReturnType<GCProfiler['stop']>>['statistics'][number]

/** What `tracedAllocations` reads of a V8 heap snapshot taken with allocation tracking on. */
export interface TracedSnapshot {
  readonly snapshot: { readonly meta: { readonly trace_function_info_fields: readonly string[] } }
  /** Per function: its fields (trace_function_info_fields), flattened. */
  readonly trace_function_infos: readonly number[]
  /** The allocation stack tree: [id, function_info_index, count, size, children] per node, flattened. */
  readonly trace_tree: readonly unknown[]
  readonly strings: readonly string[]
}

/**
 * Objects and bytes allocated while V8's allocation tracker ran (HeapProfiler
 * startTrackingHeapObjects with trackAllocations), dead or alive, from the snapshot's allocation
 * stack tree; allocations under a frame of a script `skip` names (the inspector taking the
 * snapshot) are not counted.
 */
export function tracedAllocations(snap: TracedSnapshot, skip: (scriptName: string) => boolean): { objects: number; bytes: number } {
  const infos = snap.trace_function_infos
  const fields = snap.snapshot.meta.trace_function_info_fields
  const width = fields.length
  const scriptAt = fields.indexOf('script_name')
  let objects = 0
  let bytes = 0
  const visit = (nodes: readonly unknown[]): void => {
    for (let i = 0; i < nodes.length; i += 5) {
      const script = snap.strings[infos[(nodes[i + 1] as number) * width + scriptAt]!] ?? ''
      if (skip(script)) continue
      objects += nodes[i + 2] as number
      bytes += nodes[i + 3] as number
      visit(nodes[i + 4] as unknown[])
    }
  }
  visit(snap.trace_tree)
  return { objects, bytes }
}
