/**
 * Results in fio's shapes: its JSON (`--output-format=json`, fio stat.c `show_thread_status_json`)
 * for the keys tools read, and its human-readable summary. Both sides of a comparison go through
 * `summarizeFioJob`, ours included, so the ratios are computed from one reading of one format.
 */
import { Histogram } from './histogram.ts'
import type { JobSpec } from './options.ts'

/** fio's standard completion-latency percentiles, keyed as fio prints them ("%f"). */
export const PERCENTILES = [1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.95, 99.99] as const

/** One direction (read or write) of a finished job. */
export interface DirectionStats {
  /** Successful operations counted after ramp. */
  readonly ios: number
  /** Bytes they moved. */
  readonly bytes: number
  /** Completion latency of each, in ns. */
  readonly clat: Histogram
  /** Time spent in this direction, in ms: the job's runtime, or for verify its write or read-back phase. */
  readonly runtimeMs: number
}

/** What one job (one clone of a `numjobs` job) did, for the report. */
export interface JobResult {
  readonly spec: JobSpec
  /** Clone number, 0 .. numjobs - 1. */
  readonly jobnum: number
  /** Stonewall group, as fio's "groupid". */
  readonly groupid: number
  /** gluster:// URL of the file it used. */
  readonly file: string
  readonly read: DirectionStats
  readonly write: DirectionStats
  /** fsync latencies (fsync=N and end_fsync), in ns. */
  readonly sync: Histogram
  /** Measured time (after ramp), in ms. */
  readonly runtimeMs: number
  /** Failed or short operations, verify mismatches included. */
  readonly errors: number
  /** errno of the first error (EIO for a short I/O, EILSEQ for a verify mismatch), 0 if none. */
  readonly error: number
  /** Text of the first error. */
  readonly errorMessage: string | undefined
  /** Blocks read back and checked by verify. */
  readonly verified: number
  /** Process CPU over the job's group window, in ms (user, system). */
  readonly usrCpuMs: number
  readonly sysCpuMs: number
  /** Process CPU in the group window divided by the group's operations, in µs. */
  readonly cpuUsPerOp: number
  /**
   * Bytes allocated on the V8 heap in the group window per operation of the group (young and old
   * generation growth across collections; Buffer backing stores outside the heap are not counted).
   */
  readonly allocBytesPerOp: number
  /** Minor and major page faults of the process in the group window per operation. */
  readonly pageFaultsPerOp: number
}

/** The metrics compared per direction, in fio's units. */
export interface DirectionSummary {
  readonly ioBytes: number
  /** Bytes per second. */
  readonly bwBytes: number
  readonly iops: number
  readonly totalIos: number
  /** Completion latency in ns. */
  readonly clat: {
    readonly min: number, readonly max: number, readonly mean: number, readonly stddev: number
    readonly p50: number, readonly p90: number, readonly p99: number, readonly p999: number
  }
}

/** One job of either side, read back from fio-shaped JSON. */
export interface JobSummary {
  readonly name: string
  /** errno of the job's first error (positive), 0 if none. */
  readonly error: number
  readonly runtimeMs: number
  readonly read: DirectionSummary
  readonly write: DirectionSummary
  /** Client CPU per completed operation, µs. */
  readonly cpuUsPerOp: number
  /** V8 heap bytes allocated per operation (ours: `alloc_bytes_per_op`); null where not measured (fio). */
  readonly allocBytesPerOp: number | null
  /** Page faults of the client process per operation (`page_faults_per_op`); null where not measured. */
  readonly pageFaultsPerOp: number | null
}

type Json = Record<string, unknown>

/** Where reports are written: process.stdout, or a collector in tests. */
export interface Output {
  write(text: string): unknown
}

function pctKey(p: number): string {
  return p.toFixed(6)
}

function clatJson(h: Histogram): Json {
  // fio leaves "percentile" out of a direction with no samples.
  if (h.count === 0) return emptyLat()
  const percentile: Record<string, number> = {}
  for (const p of PERCENTILES) percentile[pctKey(p)] = Math.round(h.percentile(p))
  return {
    min: h.count === 0 ? 0 : Math.round(h.min),
    max: Math.round(h.max),
    mean: h.mean,
    stddev: h.stddev,
    N: h.count,
    percentile,
  }
}

function emptyLat(): Json {
  return { min: 0, max: 0, mean: 0, stddev: 0, N: 0 }
}

function directionJson(d: DirectionStats): Json {
  const runtimeMs = d.runtimeMs
  const seconds = runtimeMs / 1000
  const bwBytes = seconds > 0 ? Math.round(d.bytes / seconds) : 0
  const clat = clatJson(d.clat)
  return {
    io_bytes: d.bytes,
    io_kbytes: Math.floor(d.bytes / 1024),
    bw_bytes: bwBytes,
    bw: Math.floor(bwBytes / 1024),
    iops: seconds > 0 ? d.ios / seconds : 0,
    runtime: d.ios > 0 ? Math.round(runtimeMs) : 0,
    total_ios: d.ios,
    short_ios: 0,
    drop_ios: 0,
    slat_ns: emptyLat(),
    clat_ns: clat,
    // Operations are timed from submission, so total latency is the completion latency.
    lat_ns: { min: clat.min, max: clat.max, mean: clat.mean, stddev: clat.stddev, N: clat.N },
  }
}

/**
 * One job in fio's JSON shape: the keys fio-reading tools use (jobname, error, read/write/trim/sync
 * with io_bytes, bw_bytes, bw in KiB/s, iops, runtime in ms, total_ios, clat_ns percentiles,
 * usr_cpu/sys_cpu in percent of the runtime), plus `total_err`, `verified_blocks` and
 * `cpu_us_per_op`, which fio does not have.
 */
export function fioJobJson(r: JobResult): Json {
  const cpuBase = r.runtimeMs > 0 ? r.runtimeMs : 1
  return {
    jobname: r.spec.name,
    groupid: r.groupid,
    error: r.error,
    eta: 0,
    elapsed: Math.ceil(r.runtimeMs / 1000),
    'job options': r.spec.options,
    read: directionJson(r.read),
    write: directionJson(r.write),
    trim: directionJson({ ios: 0, bytes: 0, clat: new Histogram(), runtimeMs: 0 }),
    sync: { total_ios: r.sync.count, lat_ns: clatJson(r.sync) },
    job_runtime: Math.round(r.runtimeMs),
    usr_cpu: (100 * r.usrCpuMs) / cpuBase,
    sys_cpu: (100 * r.sysCpuMs) / cpuBase,
    total_err: r.errors,
    verified_blocks: r.verified,
    cpu_us_per_op: r.cpuUsPerOp,
    alloc_bytes_per_op: r.allocBytesPerOp,
    page_faults_per_op: r.pageFaultsPerOp,
    filename: r.file,
  }
}

/** C's ctime() layout, as fio's "time" ("Sun Nov 22 05:31:53 2026"), in local time. */
function ctime(d: Date): string {
  const [day, month, date, year, time] = d.toString().split(' ')
  return `${day} ${month} ${String(Number(date)).padStart(2)} ${time} ${year}`
}

/** fio's top-level JSON document around our jobs. */
export function fioDocument(version: string, jobs: readonly Json[], now = new Date()): Json {
  return {
    'fio version': version,
    timestamp: Math.floor(now.getTime() / 1000),
    timestamp_ms: now.getTime(),
    time: ctime(now),
    jobs,
  }
}

function num(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`fio JSON: ${where} is not a number`)
  return v
}

function obj(v: unknown, where: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TypeError(`fio JSON: ${where} is not an object`)
  return v as Json
}

function directionSummary(v: unknown, where: string): DirectionSummary {
  const d = obj(v, where)
  const clat = obj(d.clat_ns, `${where}.clat_ns`)
  const totalIos = num(d.total_ios, `${where}.total_ios`)
  // fio omits "percentile" when a direction did no I/O.
  const pct = totalIos > 0 && clat.percentile !== undefined ? obj(clat.percentile, `${where}.clat_ns.percentile`) : {}
  const at = (p: number): number => (pct[pctKey(p)] === undefined ? 0 : num(pct[pctKey(p)], `${where} p${p}`))
  return {
    ioBytes: num(d.io_bytes, `${where}.io_bytes`),
    bwBytes: num(d.bw_bytes, `${where}.bw_bytes`),
    iops: num(d.iops, `${where}.iops`),
    totalIos,
    clat: {
      min: num(clat.min, `${where}.clat_ns.min`),
      max: num(clat.max, `${where}.clat_ns.max`),
      mean: num(clat.mean, `${where}.clat_ns.mean`),
      stddev: num(clat.stddev, `${where}.clat_ns.stddev`),
      p50: at(50), p90: at(90), p99: at(99), p999: at(99.9),
    },
  }
}

/**
 * Read one job of fio's JSON (fio's own or ours). CPU per op is `cpu_us_per_op` when present,
 * else derived from fio's usr_cpu + sys_cpu (percent of job_runtime) over the job's operations.
 * Allocation and page faults per op are ours (`alloc_bytes_per_op`, `page_faults_per_op`), null
 * when absent.
 *
 * @throws TypeError naming the first missing or mistyped key
 */
export function summarizeFioJob(v: unknown): JobSummary {
  const j = obj(v, 'job')
  const read = directionSummary(j.read, 'read')
  const write = directionSummary(j.write, 'write')
  const runtimeMs = num(j.job_runtime ?? Math.max(num(obj(j.read, 'read').runtime, 'read.runtime'),
    num(obj(j.write, 'write').runtime, 'write.runtime')), 'job_runtime')
  const ops = read.totalIos + write.totalIos
  const cpuPct = num(j.usr_cpu, 'usr_cpu') + num(j.sys_cpu, 'sys_cpu')
  const cpuUsPerOp = typeof j.cpu_us_per_op === 'number'
    ? j.cpu_us_per_op
    : ops > 0 ? (cpuPct / 100) * runtimeMs * 1000 / ops : 0
  if (typeof j.jobname !== 'string') throw new TypeError('fio JSON: jobname is not a string')
  // fio prints a negative td->error (e.g. -5 from a failed engine init) as unsigned 32-bit.
  const error = Math.abs(num(j.error, 'error') | 0)
  const optional = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)
  return { name: j.jobname, error, runtimeMs, read, write, cpuUsPerOp, allocBytesPerOp: optional(j.alloc_bytes_per_op), pageFaultsPerOp: optional(j.page_faults_per_op) }
}

// ---- human-readable output ----

/** Indent every line of `text` by two spaces. */
export function indent(text: string): string {
  return text.split('\n').map((l) => `  ${l}`).join('\n')
}

/** fio's choice of unit: the largest in which the typical (mean) latency is at least 10. */
function latUnit(ns: number): [string, number] {
  if (ns >= 10_000_000) return ['msec', 1e6]
  if (ns >= 10_000) return ['usec', 1e3]
  return ['nsec', 1]
}

function fmtRate(bytesPerSec: number): string {
  const mib = bytesPerSec / 1048576
  const mb = bytesPerSec / 1e6
  return mib >= 1 ? `${mib.toFixed(1)}MiB/s (${mb.toFixed(1)}MB/s)` : `${(bytesPerSec / 1024).toFixed(1)}KiB/s (${(bytesPerSec / 1000).toFixed(1)}kB/s)`
}

function fmtCount(n: number): string {
  return n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(n >= 100 ? 0 : 1)
}

function directionText(label: string, d: DirectionStats): string[] {
  if (d.ios === 0) return []
  const runtimeMs = d.runtimeMs
  const s = runtimeMs / 1000
  const h = d.clat
  const [unit, div] = latUnit(h.mean)
  const f = (ns: number): string => (ns / div).toFixed(div === 1 ? 0 : 2)
  const pct = [50, 90, 99, 99.9].map((p) => `${p.toFixed(2)}th=[${Math.round(h.percentile(p) / div)}]`).join(', ')
  return [
    `  ${label}: IOPS=${fmtCount(d.ios / s)}, BW=${fmtRate(d.bytes / s)}(${(d.bytes / 1048576).toFixed(1)}MiB/${Math.round(runtimeMs)}msec)`,
    `    clat (${unit}): min=${f(h.min)}, max=${f(h.max)}, avg=${f(h.mean)}, stdev=${f(h.stddev)}, samples=${h.count}`,
    `     clat percentiles (${unit}): ${pct}`,
  ]
}

/** fio-like text for one job. */
export function jobText(r: JobResult): string {
  const s = r.spec
  const lines = [
    `${s.name}: (groupid=${r.groupid}, jobnum=${r.jobnum}): err=${String(r.error).padStart(2)}: rw=${s.rw}, bs=${s.bs}, iodepth=${s.iodepth}, file=${r.file}`,
    ...directionText('read', r.read),
    ...directionText('write', r.write),
  ]
  if (r.sync.count > 0) {
    lines.push(`  sync: ${r.sync.count} fsyncs, p50=${Math.round(r.sync.percentile(50) / 1e3)}us, max=${Math.round(r.sync.max / 1e3)}us`)
  }
  const cpuBase = r.runtimeMs > 0 ? r.runtimeMs : 1
  lines.push(`  cpu          : usr=${((100 * r.usrCpuMs) / cpuBase).toFixed(2)}%, sys=${((100 * r.sysCpuMs) / cpuBase).toFixed(2)}%, ${r.cpuUsPerOp.toFixed(1)} us/op (process), ` +
    `${r.allocBytesPerOp.toFixed(0)} B heap/op, ${r.pageFaultsPerOp.toFixed(2)} faults/op`)
  if (r.verified > 0) lines.push(`  verify       : ${r.verified} blocks checked (${s.verify})`)
  lines.push(`  errors       : ${r.errors}${r.errorMessage === undefined ? '' : ` (first: ${r.errorMessage})`}`)
  return lines.join('\n')
}

/** One row of a comparison: a metric, both values, and ours/libgfapi. */
export interface CompareRow {
  readonly metric: string
  readonly ours: number
  readonly libgfapi: number
  /** ours / libgfapi; NaN when libgfapi's value is 0. */
  readonly ratio: number
}

/**
 * The metrics compared between two summaries of the same job: per active direction MiB/s, IOPS,
 * clat p50 and p99 (µs), then CPU per op (µs). Higher is better for the first two, lower for the rest.
 */
export function compareJobs(ours: JobSummary, libgfapi: JobSummary): CompareRow[] {
  const rows: CompareRow[] = []
  const row = (metric: string, a: number, b: number): void => {
    rows.push({ metric, ours: a, libgfapi: b, ratio: b === 0 ? Number.NaN : a / b })
  }
  for (const dir of ['read', 'write'] as const) {
    const a = ours[dir]
    const b = libgfapi[dir]
    if (a.totalIos === 0 && b.totalIos === 0) continue
    row(`${dir} MiB/s`, a.bwBytes / 1048576, b.bwBytes / 1048576)
    row(`${dir} IOPS`, a.iops, b.iops)
    row(`${dir} clat p50 (us)`, a.clat.p50 / 1000, b.clat.p50 / 1000)
    row(`${dir} clat p99 (us)`, a.clat.p99 / 1000, b.clat.p99 / 1000)
  }
  row('CPU per op (us)', ours.cpuUsPerOp, libgfapi.cpuUsPerOp)
  return rows
}

function fmtValue(v: number): string {
  if (!Number.isFinite(v)) return '-'
  if (v >= 1000) return v.toFixed(0)
  if (v >= 100) return v.toFixed(1)
  return v.toFixed(2)
}

/** Render comparison rows as an aligned text table. */
export function compareText(title: string, rows: readonly CompareRow[]): string {
  const lines = [`${title.padEnd(30)}${'ours'.padStart(12)}${'libgfapi'.padStart(12)}${'ours/libgfapi'.padStart(15)}`]
  for (const r of rows) {
    lines.push(`  ${r.metric.padEnd(28)}${fmtValue(r.ours).padStart(12)}${fmtValue(r.libgfapi).padStart(12)}${(Number.isFinite(r.ratio) ? r.ratio.toFixed(2) : '-').padStart(15)}`)
  }
  return lines.join('\n')
}

function mergedDirection(ds: readonly DirectionStats[]): DirectionStats {
  const clat = new Histogram()
  for (const d of ds) clat.merge(d.clat)
  return {
    ios: ds.reduce((n, d) => n + d.ios, 0),
    bytes: ds.reduce((n, d) => n + d.bytes, 0),
    clat,
    runtimeMs: ds.reduce((t, d) => Math.max(t, d.runtimeMs), 0),
  }
}

/**
 * fio's group_reporting: the jobs of a stonewall group in which any job asked for it become one
 * result, named after the group's first job, with summed I/O, merged latencies and the longest
 * runtime (so bandwidth is the group's). Other groups are left as they are.
 */
export function groupReported(results: readonly JobResult[]): JobResult[] {
  const out: JobResult[] = []
  const byGroup = new Map<number, JobResult[]>()
  for (const r of results) {
    const list = byGroup.get(r.groupid)
    if (list === undefined) byGroup.set(r.groupid, [r])
    else list.push(r)
  }
  for (const group of byGroup.values()) {
    if (!group.some((r) => r.spec.groupReporting) || group.length === 1) {
      out.push(...group)
      continue
    }
    const first = group[0]!
    const sync = new Histogram()
    for (const r of group) sync.merge(r.sync)
    const failed = group.find((r) => r.error !== 0)
    out.push({
      ...first,
      read: mergedDirection(group.map((r) => r.read)),
      write: mergedDirection(group.map((r) => r.write)),
      sync,
      runtimeMs: group.reduce((t, r) => Math.max(t, r.runtimeMs), 0),
      errors: group.reduce((n, r) => n + r.errors, 0),
      error: failed?.error ?? 0,
      errorMessage: failed?.errorMessage,
      verified: group.reduce((n, r) => n + r.verified, 0),
    })
  }
  return out
}
