/**
 * Runs the same jobs with fio's libgfapi engines, the C reference, and reads its results.
 *
 * Engines: `gfapi` (synchronous glfs_pread/pwrite) at iodepth 1, `gfapi_async` (glfs_*_async)
 * above. Always `--thread` (fio's fork mode loses the async engine's CPU). fio's gfapi engine
 * sleeps 2 s after glfs_init and libgfapi 10.3's glfs_fini blocks 5-10 s, so each fio run takes
 * that much longer than its jobs; neither is inside fio's measured runtime.
 *
 * CPU: fio's usr_cpu/sys_cpu come from getrusage(RUSAGE_THREAD) on the job thread, which
 * misses what libgfapi spends in its own threads (epoll readers, timers, syncenv): on 4 KiB
 * reads they show ~20 µs/op where the process spends ~90. So the runner takes the whole fio
 * process's CPU instead (bash's `times` after fio exits: the children's rusage, all threads)
 * and subtracts a baseline: a 4 KiB fio job on the same engine and volume, started at the same
 * moment, whose start-up, glfs_init and glfs_fini cost the same and whose tiny I/O falls in the
 * main run's 2 s post-init sleep. What remains, divided by the operations, is the same
 * whole-process measure `process.cpuUsage()` gives for our side.
 */
import { spawn } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { extractJson } from './json-text.ts'
import { flushWrites } from './machine.ts'
import { formatFilename } from './engine.ts'
import type { JobSpec } from './options.ts'
import { summarizeFioJob, type JobSummary } from './report.ts'
import type { Target } from './target.ts'

/** One job for fio: the spec and where fio's copy of its file lives. */
export interface FioJobPlan {
  readonly spec: JobSpec
  readonly target: Target
  /** The job's explicit shared path (ours); fio's file is derived from it. Undefined: per-clone files. */
  readonly path: string | undefined
}

/** A finished fio run. */
export interface FioRun {
  /** fio's JSON document as printed. */
  readonly doc: unknown
  /**
   * Its jobs read back. `cpuUsPerOp` is fio's (job thread only) from `runFio`, and the
   * whole-process measure after `withProcessCpu`.
   */
  readonly jobs: readonly JobSummary[]
  /** CPU per op from fio's own usr_cpu/sys_cpu (job thread only), per job, µs. */
  readonly threadCpuUsPerOp: readonly number[]
  /** CPU subtracted as fio's fixed cost before dividing by operations, ms; 0 until set. */
  readonly baselineCpuMs: number
  /** Lines fio printed before its JSON (gfapi_async's warning). */
  readonly preamble: readonly string[]
  /** Wall time of the whole fio process, ms. */
  readonly wallMs: number
  /** User + system CPU of the whole fio process (all threads), ms; undefined if not measured. */
  readonly processCpuMs: number | undefined
  /** Minor + major page faults of the whole fio process; undefined if not measured. */
  readonly processFaults?: number | undefined
  readonly args: readonly string[]
}

/** Marks fio's copies of files, so neither side reads the other's cached blocks. */
export const FIO_FILE_INFIX = '.libgfapi'

/** fio's file for a job clone: a sibling of ours (`<ours>.libgfapi`). */
export function fioPath(spec: JobSpec, jobnum: number, path: string | undefined): string {
  return path !== undefined ? `${path}${FIO_FILE_INFIX}` : `/${formatFilename(spec.filenameFormat, spec.name, jobnum)}${FIO_FILE_INFIX}`
}

/** fio's log prefix for a job whose logs we write under `prefix`: beside ours, not over them. */
export function fioLogPrefix(prefix: string): string {
  return `${prefix}${FIO_FILE_INFIX}`
}

function escapeFioName(name: string): string {
  // fio splits filename lists on ':'; a literal colon is written '\:'.
  return name.replace(/:/g, '\\:')
}

/** fio command-line arguments that run `plans` as fio jobs with the gfapi engines. */
export function fioArgs(plans: readonly FioJobPlan[]): string[] {
  const args = ['--thread', '--output-format=json']
  for (const { spec: s, target, path } of plans) {
    args.push(
      `--name=${s.name}`,
      `--ioengine=${s.iodepth > 1 ? 'gfapi_async' : 'gfapi'}`,
      `--volume=${target.volume}`,
      `--brick=${target.host}`,
      `--rw=${s.rw}${s.seqAdd > 0 ? `:${s.seqAdd}` : s.seqNr !== 1 ? `:${s.seqNr}` : ''}`,
      `--bs=${s.bs}`,
      `--size=${s.size}`,
      `--iodepth=${s.iodepth}`,
      `--numjobs=${s.numjobs}`,
    )
    // Relative names: libgfapi resolves them from the volume root, as it does fio's defaults.
    if (path !== undefined) args.push(`--filename=${escapeFioName(fioPath(s, 0, path).slice(1))}`)
    else args.push(`--filename_format=${s.filenameFormat}${FIO_FILE_INFIX}`)
    if (s.sequencer !== 'sequential') args.push(`--rw_sequencer=${s.sequencer}`)
    if (!s.randrepeat) args.push('--randrepeat=0')
    if (s.randseed !== undefined) args.push(`--randseed=${s.randseed}`)
    if (!s.randommap) args.push('--norandommap')
    if (s.numberIos !== undefined) args.push(`--number_ios=${s.numberIos}`)
    if (s.groupReporting) args.push('--group_reporting')
    if (s.bwLog !== undefined) args.push(`--write_bw_log=${fioLogPrefix(s.bwLog)}`)
    if (s.latLog !== undefined) args.push(`--write_lat_log=${fioLogPrefix(s.latLog)}`)
    if (s.iopsLog !== undefined) args.push(`--write_iops_log=${fioLogPrefix(s.iopsLog)}`)
    if (s.logAvgMsec > 0) args.push(`--log_avg_msec=${s.logAvgMsec}`)
    if (s.logOffset) args.push('--log_offset=1')
    if (s.offset > 0) args.push(`--offset=${s.offset}`)
    if (s.rw === 'randrw') args.push(`--rwmixread=${s.rwmixread}`)
    if (s.runtimeMs !== undefined) args.push(`--runtime=${Math.round(s.runtimeMs * 1000)}us`)
    if (s.timeBased) args.push('--time_based')
    if (s.rampTimeMs > 0) args.push(`--ramp_time=${Math.round(s.rampTimeMs * 1000)}us`)
    if (s.fsync > 0) args.push(`--fsync=${s.fsync}`)
    if (s.endFsync) args.push('--end_fsync=1')
    if (s.direct) args.push('--direct=1')
    // verify_state_save=0: fio would otherwise drop a <job>-verify.state file in the working directory.
    if (s.verify !== undefined) args.push(`--verify=${s.verify}`, '--verify_state_save=0')
    if (s.stonewall) args.push('--stonewall')
    if (s.unlink) args.push('--unlink=1')
  }
  return args
}

/** Parse bash's `times` output; the second line is the children's user and system time. */
export function parseBashTimes(text: string): number | undefined {
  const lines = [...text.matchAll(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/g)]
  const child = lines[1]
  if (child === undefined) return undefined
  const ms = (min: string, sec: string): number => (Number(min) * 60 + Number(sec)) * 1000
  return ms(child[1]!, child[2]!) + ms(child[3]!, child[4]!)
}

/**
 * Page faults of the waited-for children from the `stat ...` line (bash's /proc/PID/stat from the
 * state field on: cminflt and cmajflt are the 9th and 11th), or undefined.
 */
export function parseChildFaults(text: string): number | undefined {
  const fields = /^stat (.*)$/m.exec(text)?.[1]?.split(' ')
  const minor = Number(fields?.[8])
  const major = Number(fields?.[10])
  return Number.isSafeInteger(minor) && Number.isSafeInteger(major) ? minor + major : undefined
}

/**
 * Read fio's `--output-format=json` stdout: skip any lines before the document (gfapi_async's
 * warning), check the shape, summarise each job.
 */
export function parseFioOutput(stdout: string): { doc: unknown, preamble: readonly string[], jobs: JobSummary[] } {
  const { value, preamble } = extractJson(stdout)
  const jobs = (value as { jobs?: unknown }).jobs
  if (!Array.isArray(jobs)) throw new TypeError('fio JSON: no "jobs" array')
  return { doc: value, preamble, jobs: jobs.map((j) => summarizeFioJob(j)) }
}

/** True when an `fio` binary with the gfapi engines is on PATH. */
export function fioAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn('fio', ['--enghelp=gfapi_async'], { stdio: 'ignore' })
    p.on('error', () => resolve(false))
    p.on('close', (code) => resolve(code === 0))
  })
}

/**
 * Run fio with `args` and collect its JSON, wall time and whole-process CPU.
 *
 * @throws Error with fio's stderr when fio fails or prints no JSON
 */
export function runFio(args: readonly string[]): Promise<FioRun> {
  return new Promise((resolve, reject) => {
    const start = performance.now()
    // bash's `times` reports the rusage of its waited-for children: fio with all its threads; so
    // do the cminflt and cmajflt fields of bash's /proc stat for page faults (read by builtins:
    // no other child is waited for).
    const script = 'fio "$@"; rc=$?; times >&3; read -r s < /proc/$$/stat && echo "stat ${s##*) }" >&3; exit $rc'
    const p = spawn('bash', ['-c', script, 'bash', ...args], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let times = ''
    p.stdout!.on('data', (d: Buffer) => { stdout += d.toString() })
    p.stderr!.on('data', (d: Buffer) => { stderr += d.toString() })
    p.stdio[3]!.on('data', (d: Buffer) => { times += d.toString() })
    p.on('error', reject)
    p.on('close', (code) => {
      const wallMs = performance.now() - start
      let parsed
      try {
        parsed = parseFioOutput(stdout)
      } catch (err) {
        reject(new Error(`fio exited ${code}: ${(err as Error).message}\n${stderr.trim()}`))
        return
      }
      resolve({
        doc: parsed.doc,
        jobs: parsed.jobs,
        threadCpuUsPerOp: parsed.jobs.map((j) => j.cpuUsPerOp),
        baselineCpuMs: 0,
        preamble: [...parsed.preamble, ...stderr.split('\n').filter((l) => l.trim() !== '')],
        wallMs,
        processCpuMs: parseBashTimes(times),
        processFaults: parseChildFaults(times),
        args,
      })
    })
  })
}

/**
 * Replace each job's CPU per op by the whole process's CPU less `baselineCpuMs`, over all the
 * run's operations (shared by its jobs, as ours is within a group). fio counts no operations
 * during ramp_time but the process CPU includes them, so with `rampMs` the I/O CPU is first
 * scaled by runtime / (runtime + ramp), which assumes the ramp ran at the measured rate.
 * Unchanged when the process CPU could not be read. Page faults per op likewise, less
 * `baselineFaults`, when they were read.
 */
export function withProcessCpu(run: FioRun, baselineCpuMs: number, rampMs = 0, baselineFaults = 0): FioRun {
  const ops = run.jobs.reduce((n, j) => n + j.read.totalIos + j.write.totalIos, 0)
  if (run.processCpuMs === undefined || ops === 0) return run
  const runtimeMs = run.jobs.reduce((t, j) => Math.max(t, j.runtimeMs), 0)
  const measured = runtimeMs + rampMs > 0 ? runtimeMs / (runtimeMs + rampMs) : 1
  const usPerOp = (Math.max(0, run.processCpuMs - baselineCpuMs) * measured * 1000) / ops
  const faults = run.processFaults
  const faultsPerOp = faults === undefined ? null : (Math.max(0, faults - baselineFaults) * measured) / ops
  return { ...run, baselineCpuMs, jobs: run.jobs.map((j) => ({ ...j, cpuUsPerOp: usPerOp, pageFaultsPerOp: faultsPerOp })) }
}

/**
 * Run fio with `args` beside a baseline run (`baseline`, see baselineArgs) and give its CPU and
 * page faults per op net of the baseline's (withProcessCpu). gfapi_async now and then completes an
 * I/O with a garbage timestamp: fio then reports a job runtime of years, 0 MiB/s, and a VM
 * profile's total time as long. Such a run measured nothing and is run again (FIO_ATTEMPTS in all).
 * Each attempt starts after `sync` (flushWrites), as our side's runs do.
 */
export async function runFioMeasured(args: readonly string[], baseline: readonly string[], rampMs = 0): Promise<FioRun> {
  for (let attempt = 1; ; attempt++) {
    flushWrites()
    const [run, base] = await Promise.all([runFio(args), runFio(baseline)])
    if (!fioClockWentWrong(run) || attempt === FIO_ATTEMPTS) return withProcessCpu(run, base.processCpuMs ?? 0, rampMs, base.processFaults ?? 0)
  }
}

const FIO_ATTEMPTS = 3

/** A job of `run` reports a runtime longer than the whole fio process ran. */
export function fioClockWentWrong(run: Pick<FioRun, 'jobs' | 'wallMs'>): boolean {
  return run.jobs.some((j) => j.runtimeMs > run.wallMs)
}

/**
 * fio arguments for the baseline of a run: `clones` 4 KiB jobs on `engine` against the same
 * volume, on their own files, removed afterwards.
 */
export function baselineArgs(target: Target, engine: 'gfapi' | 'gfapi_async', clones: number): string[] {
  return [
    '--thread', '--output-format=json', '--name=gfts-baseline', `--ioengine=${engine}`,
    `--volume=${target.volume}`, `--brick=${target.host}`, '--rw=write', '--bs=4k', '--size=4k',
    `--numjobs=${clones}`, `--filename_format=gfts-baseline${FIO_FILE_INFIX}.$jobnum`, '--unlink=1',
  ]
}
