/**
 * The standard suite: each profile run by gfapi-ts and then by fio's libgfapi engines on the
 * same volume in the same invocation, one table of both and their ratio, and the whole result
 * saved to bench/results/<timestamp>.json (./gfapi-bench-results/ where the package is installed).
 *
 * On the sandbox, the tls-* profiles repeat four of them on its volume with client.ssl and
 * server.ssl on (gfts-tls): both clients then speak TLS to the brick. The rep3-* profiles repeat
 * six on its replica 3 volume (gfts-rep3, three local bricks): cluster/replicate on both sides.
 *
 * Files: every profile uses /gfts-bench.dat (ours) and /gfts-bench.dat.libgfapi (fio), so the
 * sequential-write profiles, which run first, also lay out the files the read profiles use,
 * and neither side reads blocks the other just wrote. Both are removed at the end.
 *
 * Mount + unmount: ours is timed directly (Glfs init, then fini). fio's gfapi engine cannot time
 * glfs_init/glfs_fini apart from the rest of fio, so libgfapi's figure is the wall time of a
 * 4 KiB fio job (glfs_new, glfs_init, its fixed 2 s sleep, lstat, creat, one write, close,
 * glfs_fini) minus the same job on fio's null engine (fio's own start and exit), minus the 2 s
 * sleep and the job's runtime. It thus includes one small lstat/creat/close, under 2 ms.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { mount } from './lib/engine.ts'
import { fioAvailable, runFio, type FioRun } from './lib/fio-runner.ts'
import { resultsDir } from './lib/install.ts'
import { BENCH_VERSION, machineInfo, machineText } from './lib/machine.ts'
import { resolveJob, type Invocation, type JobSpec, type OptionEntry } from './lib/options.ts'
import { showStatus } from './lib/progress.ts'
import { fioJobJson, indent, summarizeFioJob, type JobSummary, type Output } from './lib/report.ts'
import { type PlotRow, plotSide, renderPlot } from './lib/plot.ts'
import { fioUnsupported, runFioJobs, runOurJobs, type PlannedJob } from './lib/run.ts'
import { placeJob, targetUrl, type Target } from './lib/target.ts'
import { BenchUsageError } from './lib/units.ts'
import { prepareVmImages, removeVmImages, runVmProfile, VM_PROFILES, vmSettings, type VmResult, type VmSide } from './lib/vm-profiles.ts'

/** One suite profile: fio options beyond the suite-wide runtime, size and file. */
export interface Profile {
  readonly name: string
  readonly options: Readonly<Record<string, string>>
}

/** The I/O profiles, in run order (writes first: they lay out the files the reads use). */
export const PROFILES: readonly Profile[] = [
  { name: 'seq-write-128k-qd1', options: { rw: 'write', bs: '128k', iodepth: '1' } },
  { name: 'seq-write-128k-qd16', options: { rw: 'write', bs: '128k', iodepth: '16' } },
  { name: 'seq-read-128k-qd1', options: { rw: 'read', bs: '128k', iodepth: '1' } },
  { name: 'seq-read-128k-qd16', options: { rw: 'read', bs: '128k', iodepth: '16' } },
  { name: 'rand-read-4k-qd1', options: { rw: 'randread', bs: '4k', iodepth: '1' } },
  { name: 'rand-read-4k-qd32', options: { rw: 'randread', bs: '4k', iodepth: '32' } },
  { name: 'rand-write-4k-qd1', options: { rw: 'randwrite', bs: '4k', iodepth: '1' } },
  { name: 'rand-write-4k-qd32', options: { rw: 'randwrite', bs: '4k', iodepth: '32' } },
  { name: 'randrw-70-30-4k-qd16', options: { rw: 'randrw', rwmixread: '70', bs: '4k', iodepth: '16' } },
]

/**
 * Profiles run again on a volume with client.ssl and server.ssl on (the sandbox's gfts-tls), to
 * show what TLS costs each client; only when the suite runs on the sandbox.
 */
export const TLS_PROFILES: readonly Profile[] = ['seq-write-128k-qd16', 'seq-read-128k-qd16', 'rand-read-4k-qd32', 'rand-write-4k-qd32']
  .map((name) => ({ name: `tls-${name}`, options: PROFILES.find((p) => p.name === name)!.options }))

/**
 * Profiles run again on the sandbox's replica 3 volume (writes first: they lay out its files).
 * Issue 14's targets are rep3-seq-write-128k-qd1, rep3-rand-write-4k-qd32 and rep3-rand-read-4k-qd32.
 */
export const REPLICA_PROFILES: readonly Profile[] = ['seq-write-128k-qd1', 'seq-write-128k-qd16', 'seq-read-128k-qd16', 'rand-read-4k-qd32', 'rand-write-4k-qd32', 'randrw-70-30-4k-qd16']
  .map((name) => ({ name: `rep3-${name}`, options: PROFILES.find((p) => p.name === name)!.options }))

/** Name of the mount + unmount profile. */
export const MOUNT_PROFILE = 'mount-unmount'

/**
 * Suite-wide settings: 10 s profiles on a 256 MiB file, or 2 s on 64 MiB with --quick. No
 * ramp_time: fio's process CPU cannot be split at the end of a ramp, so both sides count from
 * the first operation, and 10 s dwarfs the first round trips.
 */
export function suiteSettings(quick: boolean): { runtime: string, size: string, mountRuns: number, fioMountRuns: number } {
  return quick
    ? { runtime: '2s', size: '64m', mountRuns: 3, fioMountRuns: 1 }
    : { runtime: '10s', size: '256m', mountRuns: 10, fioMountRuns: 3 }
}

const FILE = '/gfts-bench.dat'

/** The job a profile runs, as fio options through the same parser as the command line. */
export function profileSpec(p: Profile, quick: boolean): JobSpec {
  const s = suiteSettings(quick)
  const all: Record<string, string> = {
    name: p.name, filename: FILE, size: s.size, runtime: s.runtime, time_based: '1', ...p.options,
  }
  return resolveJob(Object.entries(all).map(([key, value]): OptionEntry => ({ key, value, where: `suite profile ${p.name}` })))
}

interface SideRow {
  readonly mibs: number
  readonly iops: number
  readonly p50us: number
  readonly p99us: number
  readonly cpuUsPerOp: number
  readonly allocBytesPerOp: number | null
  readonly pageFaultsPerOp: number | null
  readonly errors: number
}

/** Totals of a job summary; latency is that of the direction with more operations. */
function sideRow(s: JobSummary): SideRow {
  const main = s.read.totalIos >= s.write.totalIos ? s.read : s.write
  return {
    mibs: (s.read.bwBytes + s.write.bwBytes) / 1048576,
    iops: s.read.iops + s.write.iops,
    p50us: main.clat.p50 / 1000,
    p99us: main.clat.p99 / 1000,
    cpuUsPerOp: s.cpuUsPerOp,
    allocBytesPerOp: s.allocBytesPerOp,
    pageFaultsPerOp: s.pageFaultsPerOp,
    errors: s.error,
  }
}

function ratio(a: number, b: number): number | null {
  return b > 0 ? a / b : null
}

function rowRatios(ours: SideRow, theirs: SideRow | undefined): Record<string, number | null> | null {
  if (theirs === undefined) return null
  return {
    bw: ratio(ours.mibs, theirs.mibs),
    iops: ratio(ours.iops, theirs.iops),
    p50: ratio(ours.p50us, theirs.p50us),
    p99: ratio(ours.p99us, theirs.p99us),
    cpu_per_op: ratio(ours.cpuUsPerOp, theirs.cpuUsPerOp),
  }
}

const W = { name: 24, num: 10 }

function n(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-'.padStart(W.num)
  const text = Math.abs(v) >= 10_000 ? `${(v / 1000).toFixed(1)}k` : v.toFixed(v >= 1000 ? 0 : digits)
  return text.padStart(W.num)
}

/** Per side: throughput, latency, then what each op costs the client (heap B/op: ours only). */
const SIDE_COLUMNS = ['MiB/s', 'IOPS', 'p50 us', 'p99 us', 'CPU us/op', 'heap B/op', 'faults/op']

function header(): string {
  const side = (label: string): string => `${label.padEnd(W.num * SIDE_COLUMNS.length)}`
  const cols = SIDE_COLUMNS.map((c) => c.padStart(W.num)).join('')
  const rcols = ['bw', 'p50', 'p99', 'CPU/op'].map((c) => c.padStart(7)).join('')
  return [
    `${''.padEnd(W.name)} | ${side('  ours (gfapi-ts)')} | ${side('  libgfapi (fio gfapi/gfapi_async)')} | ours/libgfapi`,
    `${'profile'.padEnd(W.name)} | ${cols} | ${cols} |${rcols}`,
  ].join('\n')
}

function line(name: string, ours: SideRow, theirs: SideRow | undefined, r: Record<string, number | null> | null): string {
  const side = (s: SideRow | undefined): string => s === undefined
    ? SIDE_COLUMNS.map(() => '-'.padStart(W.num)).join('')
    : `${n(s.mibs)}${n(s.iops, 0)}${n(s.p50us)}${n(s.p99us)}${n(s.cpuUsPerOp)}${n(s.allocBytesPerOp, 0)}${n(s.pageFaultsPerOp, 2)}`
  // A space always stays between ratios: a fio p50 of 0.9 µs (its async writes) gives ratios in the thousands.
  const rr = (v: number | null | undefined): string => ` ${(v === null || v === undefined ? '-' : v.toFixed(v >= 100 ? 0 : 2)).padStart(6)}`
  const flag = ours.errors !== 0 || (theirs !== undefined && theirs.errors !== 0) ? '  ERRORS' : ''
  return `${name.padEnd(W.name)} | ${side(ours)} | ${side(theirs)} |${rr(r?.bw)}${rr(r?.p50)}${rr(r?.p99)}${rr(r?.cpu_per_op)}${flag}`
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

function vmHeader(): string {
  const cols = ['total ms', 'p50 us', 'p99 us', 'MiB/s', 'CPU us/op']
  const block = (label: string): string => `${label}: ${cols.join(' ')}`
  return `${'profile'.padEnd(W.name)} | ${block('ours')} | ${block('ours+SA')} | ${block('libgfapi')} | time ours/lib, +SA/lib; bw +SA/lib`
}

function vmCols(s: VmSide | undefined): string {
  if (s === undefined) return '-'
  return `${s.totalMs.toFixed(0).padStart(8)} ${s.p50us.toFixed(0).padStart(6)} ${s.p99us.toFixed(0).padStart(6)} ${s.mibs.toFixed(1).padStart(5)} ${s.cpuUsPerOp.toFixed(1).padStart(9)}`
}

function vmLine(r: VmResult): string {
  const lib = r.libgfapi
  const rr = (a: number, b: number | undefined): string => (b === undefined || b === 0 ? '-' : (a / b).toFixed(2))
  const flag = r.ours.errors + r.strideAhead.errors + (lib?.errors ?? 0) > 0 ? '  ERRORS' : ''
  const cache = r.cacheDropped ? '' : '  (page cache NOT dropped)'
  return `${r.name.padEnd(W.name)} | ${vmCols(r.ours)} | ${vmCols(r.strideAhead)} | ${vmCols(lib)} | ` +
    `${rr(r.ours.totalMs, lib?.totalMs)}, ${rr(r.strideAhead.totalMs, lib?.totalMs)}; ${rr(r.strideAhead.mibs, lib?.mibs)}${flag}${cache}`
}

/** Ours: mount and unmount `runs` times; medians in ms, CPU per mount+unmount in ms. */
async function ourMounts(target: Target, runs: number): Promise<{ initMs: number, finiMs: number, totalMs: number, cpuMs: number }> {
  const init: number[] = []
  const fini: number[] = []
  const cpu0 = process.cpuUsage()
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    const glfs = await mount(target)
    const t1 = performance.now()
    await glfs.fini()
    init.push(t1 - t0)
    fini.push(performance.now() - t1)
  }
  const cpu = process.cpuUsage(cpu0)
  return {
    initMs: median(init),
    finiMs: median(fini),
    totalMs: median(init.map((v, i) => v + fini[i]!)),
    cpuMs: (cpu.user + cpu.system) / 1000 / runs,
  }
}

// fio's gfapi engine sleeps this long after glfs_init (fio engines/glusterfs.c fio_gf_new_fs).
const FIO_GFAPI_INIT_SLEEP_MS = 2000

/** libgfapi: the 4 KiB fio job's wall time less fio's own (null engine), sleep and runtime. */
async function libgfapiMounts(target: Target, runs: number): Promise<{ totalMs: number, cpuMs: number }> {
  const tiny = ['--thread', '--output-format=json', '--rw=write', '--bs=4k', '--size=4k']
  const totals: number[] = []
  const cpus: number[] = []
  for (let i = 0; i < runs; i++) {
    const nul = await runFio([...tiny, '--name=null', '--ioengine=null'])
    const gf: FioRun = await runFio([...tiny, '--name=mount', '--ioengine=gfapi', `--volume=${target.volume}`,
      `--brick=${target.host}`, '--filename=gfts-bench-mount.libgfapi', '--unlink=1'])
    const runtimeMs = gf.jobs[0]?.runtimeMs ?? 0
    totals.push(gf.wallMs - nul.wallMs - FIO_GFAPI_INIT_SLEEP_MS - runtimeMs)
    cpus.push((gf.processCpuMs ?? 0) - (nul.processCpuMs ?? 0))
  }
  return { totalMs: median(totals), cpuMs: median(cpus) }
}

async function removeFiles(target: Target): Promise<void> {
  const glfs = await mount(target)
  try {
    for (const path of [FILE, `${FILE}.libgfapi`]) {
      await glfs.unlink(path).catch((err: { code?: string }) => {
        if (err.code !== 'ENOENT') throw err
      })
    }
  } finally {
    await glfs.fini()
  }
}

/**
 * Run the suite and print its table; save the JSON under bench/results/.
 *
 * @returns 0, or 1 when a profile reported errors on our side
 */
export async function runSuite(inv: Invocation, out: Output, sandbox: () => Promise<Target>): Promise<number> {
  const quick = inv.quick
  const settings = suiteSettings(quick)
  const selected = (name: string): boolean => inv.profiles.length === 0 || inv.profiles.some((p) => name.includes(p))
  const profiles = PROFILES.filter((p) => selected(p.name))
  const vmProfiles = VM_PROFILES.filter((p) => selected(p))
  const extra = [...TLS_PROFILES, ...REPLICA_PROFILES]
  if (profiles.length === 0 && vmProfiles.length === 0 && !selected(MOUNT_PROFILE) && !extra.some((p) => selected(p.name))) {
    throw new BenchUsageError(`--profile matches no profile (${[...PROFILES, ...extra].map((p) => p.name).concat(VM_PROFILES, MOUNT_PROFILE).join(', ')})`)
  }
  const specs = profiles.map((p) => profileSpec(p, quick))
  const placement = await placeJob(profileSpec(PROFILES[0]!, quick), inv.target, sandbox)
  const target = placement.target
  const jobs: PlannedJob[] = specs.map((spec) => ({ spec, placement }))
  // Only the sandbox names a TLS volume; the certificates are the ones it installed for both clients.
  const tlsTarget: Target | undefined = target.tlsVolume === undefined ? undefined : { ...target, volume: target.tlsVolume, tlsVolume: undefined }
  const tlsProfiles = tlsTarget === undefined ? [] : TLS_PROFILES.filter((p) => selected(p.name))
  for (const p of tlsProfiles) jobs.push({ spec: profileSpec(p, quick), placement: { target: tlsTarget!, path: placement.path } })
  const repTarget: Target | undefined = target.replicaVolume === undefined ? undefined : { ...target, volume: target.replicaVolume, tlsVolume: undefined, replicaVolume: undefined }
  const repProfiles = repTarget === undefined ? [] : REPLICA_PROFILES.filter((p) => selected(p.name))
  for (const p of repProfiles) jobs.push({ spec: profileSpec(p, quick), placement: { target: repTarget!, path: placement.path } })

  const json = inv.outputFormat === 'json'
  const say = (text: string): void => { if (!json) out.write(text) }
  // Compare by default when fio is there and can reach the volume; fail only if asked for.
  const haveFio = await fioAvailable()
  const why = !haveFio ? 'fio with the gfapi engines is not installed' : fioUnsupported([{ spec: profileSpec(PROFILES[0]!, quick), placement }])
  let compare = inv.compare ?? 'fio'
  if (compare === 'fio' && why !== undefined) {
    if (inv.compare === 'fio') throw new BenchUsageError(`--compare=fio: ${why}`)
    say(`libgfapi comparison skipped: ${why}\n`)
    compare = 'none'
  }

  const machine = await machineInfo()
  const probe = await mount(target)
  const graph = probe.describeGraph()
  const bricks = probe.bricks.map((b) => `${b.host}:${b.path} (port ${b.port ?? '?'}, ${b.status})`)
  await probe.fini()
  say(`gfapi-ts bench suite${quick ? ' (quick)' : ''}: ${settings.runtime} per profile, ${settings.size} file, time_based; sync before each side\n`)
  say(`${machineText(machine)}\nvolume  : ${targetUrl(target, '/')}\nbricks  : ${bricks.join(', ')}\ngraph   :\n${indent(graph)}\n`)
  if (tlsProfiles.length > 0) say(`tls-*   : ${targetUrl(tlsTarget!, '/')} (client.ssl and server.ssl on; both clients use the certificates in the OpenSSL directory)\n`)
  if (repProfiles.length > 0) say(`rep3-*  : ${targetUrl(repTarget!, '/')} (replica 3, three bricks on this host)\n`)
  say('\n')

  let mountResult: Record<string, unknown> | undefined
  let mountLine: string | undefined
  if (selected(MOUNT_PROFILE)) {
    const ours = await ourMounts(target, settings.mountRuns)
    let theirs: { totalMs: number, cpuMs: number } | undefined
    if (compare === 'fio') {
      const stop = showStatus(`${MOUNT_PROFILE}: libgfapi (fio) x${settings.fioMountRuns}`)
      try {
        theirs = await libgfapiMounts(target, settings.fioMountRuns)
      } finally {
        stop()
      }
    }
    mountResult = {
      ours: { runs: settings.mountRuns, init_ms: ours.initMs, fini_ms: ours.finiMs, total_ms: ours.totalMs, cpu_ms: ours.cpuMs },
      libgfapi: theirs === undefined ? null : { runs: settings.fioMountRuns, total_ms: theirs.totalMs, cpu_ms: theirs.cpuMs },
      ratio: theirs === undefined ? null : { total: ratio(ours.totalMs, theirs.totalMs), cpu: ratio(ours.cpuMs, theirs.cpuMs) },
    }
    mountLine = `${MOUNT_PROFILE.padEnd(W.name)} | ours ${ours.totalMs.toFixed(1)} ms (init ${ours.initMs.toFixed(1)} + fini ${ours.finiMs.toFixed(1)}), CPU ${ours.cpuMs.toFixed(1)} ms` +
      (theirs === undefined ? '' : ` | libgfapi ${theirs.totalMs.toFixed(0)} ms, CPU ${theirs.cpuMs.toFixed(1)} ms | ratio ${(ours.totalMs / theirs.totalMs).toFixed(4)}`)
  }

  say(`${header()}\n`)
  const results: Record<string, unknown>[] = []
  const plotRows: PlotRow[] = []
  let failed = false
  for (const job of jobs) {
    const name = job.spec.name
    const [ourResult] = await runOurJobs([job], { progress: !json, label: name })
    const oursJson = fioJobJson(ourResult!)
    const ours = sideRow(summarizeFioJob(oursJson))
    failed ||= ourResult!.error !== 0
    let fio: FioRun | undefined
    if (compare === 'fio') {
      const stop = showStatus(`${name}: libgfapi (fio, ~${settings.runtime} + 12 s)`)
      try {
        fio = await runFioJobs([job])
      } finally {
        stop()
      }
    }
    const theirs = fio?.jobs[0] === undefined ? undefined : sideRow(fio.jobs[0])
    plotRows.push({ profile: name, bs: job.spec.bs, ours: plotSide(summarizeFioJob(oursJson)), libgfapi: fio?.jobs[0] === undefined ? undefined : plotSide(fio.jobs[0]) })
    const r = rowRatios(ours, theirs)
    say(`${line(name, ours, theirs, r)}\n`)
    results.push({
      name,
      options: job.spec.options,
      ours: oursJson,
      libgfapi: fio === undefined ? null : (fio.doc as { jobs: unknown[] }).jobs[0],
      libgfapi_cpu_us_per_op: theirs?.cpuUsPerOp ?? null,
      libgfapi_page_faults_per_op: theirs?.pageFaultsPerOp ?? null,
      libgfapi_thread_cpu_us_per_op: fio?.threadCpuUsPerOp[0] ?? null,
      libgfapi_process_cpu_ms: fio?.processCpuMs ?? null,
      libgfapi_baseline_cpu_ms: fio?.baselineCpuMs ?? null,
      ratio: r,
    })
  }
  const vmResults: VmResult[] = []
  if (vmProfiles.length > 0) {
    const v = vmSettings(quick)
    const stop = showStatus(`VM images: ${v.jobs} x ${v.imageSize} sparse, ${v.copySize} to copy`)
    try {
      await prepareVmImages(target, quick)
    } finally {
      stop()
    }
    say(`\nVM profiles (${v.reads} reads of 4 KiB every 8 MiB of a ${v.imageSize} sparse image; copy of ${v.copySize}); ` +
      `page cache dropped before each side; median of ${v.rounds} rounds after ${v.warmUpRounds} not counted, sides rotated; ours = default graph, +SA = with stride-ahead\n${vmHeader()}\n`)
    for (const name of vmProfiles) {
      const stop = showStatus(`${name}: ours, ours + stride-ahead${compare === 'fio' ? ', libgfapi (fio)' : ''}`)
      let r: VmResult
      try {
        r = await runVmProfile(name, target, quick, compare === 'fio')
      } finally {
        stop()
      }
      failed ||= r.ours.errors !== 0 || r.strideAhead.errors !== 0
      vmResults.push(r)
      say(`${vmLine(r)}\n`)
    }
    await removeVmImages(target)
  }
  if (mountLine !== undefined) say(`${mountLine}\n`)
  say([
    '',
    'MiB/s and IOPS: read + write; p50/p99: completion latency of the direction with more operations.',
    'CPU us/op: whole-process user+system CPU / operations. Ours: process.cpuUsage() over the measured phase. libgfapi: the fio',
    '  process with all its threads, less a 4 KiB fio job run alongside (fio start, glfs_init, glfs_fini); fio\'s own usr_cpu/sys_cpu',
    '  count only the job thread and miss libgfapi\'s epoll and worker threads.',
    'heap B/op: V8 heap bytes allocated over the measured phase / operations (ours; libgfapi\'s malloc is not measured).',
    'faults/op: page faults of the process / operations. Ours: process.resourceUsage() over the measured phase; libgfapi: the',
    '  fio process (its rusage through bash\'s /proc stat), less the 4 KiB job run alongside.',
    'Ratios are ours/libgfapi: above 1 is better for bw, below 1 better for latency and CPU.',
    '',
  ].join('\n'))

  if (profiles.length > 0) await removeFiles(target)
  if (tlsProfiles.length > 0) await removeFiles(tlsTarget!)
  if (repProfiles.length > 0) await removeFiles(repTarget!)
  const doc = {
    'bench version': BENCH_VERSION,
    time: new Date().toISOString(),
    quick,
    settings,
    machine,
    volume: targetUrl(target, '/'),
    tls_volume: tlsProfiles.length > 0 ? targetUrl(tlsTarget!, '/') : null,
    replica_volume: repProfiles.length > 0 ? targetUrl(repTarget!, '/') : null,
    graph,
    compare,
    profiles: results,
    vm_profiles: vmResults,
    [MOUNT_PROFILE]: mountResult ?? null,
  }
  const dir = resultsDir()
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${doc.time.replace(/[:.]/g, '-')}.json`)
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`)
  if (inv.plot !== undefined) {
    writeFileSync(inv.plot, renderPlot(plotRows, `gfapi-bench suite${quick ? ' (quick)' : ''}, ${settings.runtime} per profile: ${targetUrl(target, '/')}`))
  }
  if (json) out.write(`${JSON.stringify(doc, null, 2)}\n`)
  else out.write(`results: ${file}${inv.plot === undefined ? '' : `\nplot: ${inv.plot}`}\n`)
  return failed ? 1 : 0
}
