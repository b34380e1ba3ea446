/**
 * Runs a list of jobs on both sides: ours through gfapi-ts (one client instance per job clone,
 * stonewall groups in turn, the clones of a group at once) and fio's libgfapi engines with the
 * same parameters, then pairs their results.
 */
import type { Glfs, GlfsOptions } from '../../src/api/index.ts'
import { defaultPath, JobRunner, layOut, mount, runGroup } from './engine.ts'
import { baselineArgs, fioArgs, fioPath, runFioMeasured, type FioJobPlan, type FioRun } from './fio-runner.ts'
import { flushWrites } from './machine.ts'
import { stonewallGroups, type JobSpec } from './options.ts'
import { showProgress } from './progress.ts'
import { compareJobs, fioJobJson, summarizeFioJob, type CompareRow, type JobResult } from './report.ts'
import { FIO_GFAPI_PORT, targetUrl, type Placement, type Target } from './target.ts'

/** A job and where it runs. */
export interface PlannedJob {
  readonly spec: JobSpec
  readonly placement: Placement
}

/** Options for `runOurJobs`. */
export interface RunOptions {
  /** Show the progress line (only drawn on a TTY). Defaults to true. */
  readonly progress?: boolean
  /** What the progress line calls the run. Defaults to "group <n>". */
  readonly label?: string
  /** Called with each group's results as soon as it finishes. */
  readonly onGroup?: (results: readonly JobResult[]) => void
  /** Called with the first mounted client, e.g. to print its graph. */
  readonly onMount?: (glfs: Glfs, target: Target) => void
  /** Options of every client mounted (e.g. strideAhead). */
  readonly glfs?: GlfsOptions
}

/**
 * Run jobs through gfapi-ts. Every clone mounts its own client before the group starts, so
 * neither mount time nor file layout is inside the measurement.
 */
export async function runOurJobs(jobs: readonly PlannedJob[], opts: RunOptions = {}): Promise<JobResult[]> {
  const results: JobResult[] = []
  let reportedMount = false
  const groups = stonewallGroups(jobs)
  let thread = 0
  for (let g = 0; g < groups.length; g++) {
    const runners: JobRunner[] = []
    const mounts: Glfs[] = []
    try {
      for (const { spec, placement } of groups[g]!) {
        for (let n = 0; n < spec.numjobs; n++) {
          const glfs = await mount(placement.target, opts.glfs)
          mounts.push(glfs)
          if (!reportedMount) {
            reportedMount = true
            opts.onMount?.(glfs, placement.target)
          }
          const runner = new JobRunner(spec, n, g, placement.target, placement.path ?? defaultPath(spec, n), ++thread)
          await runner.prepare(glfs)
          runners.push(runner)
        }
      }
      const stop = opts.progress === false ? () => {} : showProgress(runners, opts.label ?? `group ${g}`)
      let groupResults: JobResult[]
      try {
        // After the lay-out, so neither its writeback nor an earlier run's lands in this one.
        flushWrites()
        groupResults = await runGroup(runners)
      } finally {
        stop()
      }
      results.push(...groupResults)
      opts.onGroup?.(groupResults)
    } finally {
      for (const r of runners) await r.cleanup()
      await Promise.all(mounts.map((m) => m.fini()))
    }
  }
  return results
}

/** Why fio cannot run against these jobs' targets, or undefined when it can. */
export function fioUnsupported(jobs: readonly PlannedJob[]): string | undefined {
  for (const { spec, placement: { target } } of jobs) {
    if (target.transport !== 'tcp') return `job '${spec.name}': fio's gfapi engine connects over tcp only`
    if (target.port !== FIO_GFAPI_PORT) {
      return `job '${spec.name}': glusterd is on port ${target.port}; fio's gfapi engine can only reach ${FIO_GFAPI_PORT}`
    }
  }
  return undefined
}

/**
 * Run the same jobs with fio's gfapi engines on fio's own copies of the files, beside a baseline
 * fio run whose CPU is subtracted (see fio-runner.ts). Files of jobs that read are laid out first
 * by us, so fio's measured run, and its CPU, contain no layout.
 */
export async function runFioJobs(jobs: readonly PlannedJob[]): Promise<FioRun> {
  const plans: FioJobPlan[] = jobs.map(({ spec, placement }) => ({ spec, target: placement.target, path: placement.path }))
  for (const { spec, target, path } of plans) {
    if (spec.rw === 'write' || spec.rw === 'randwrite') continue
    const glfs = await mount(target)
    try {
      const clones = path === undefined ? spec.numjobs : 1
      for (let n = 0; n < clones; n++) await layOut(glfs, fioPath(spec, n, path), spec.offset + spec.size)
    } finally {
      await glfs.fini()
    }
  }
  const first = plans[0]!
  const clones = plans.reduce((n, p) => n + p.spec.numjobs, 0)
  const rampMs = plans.reduce((t, p) => Math.max(t, p.spec.rampTimeMs), 0)
  return runFioMeasured(fioArgs(plans), baselineArgs(first.target, first.spec.iodepth > 1 ? 'gfapi_async' : 'gfapi', clones), rampMs)
}

/** One job's comparison: a title and the rows. */
export interface JobComparison {
  readonly job: string
  readonly file: string
  readonly libgfapiFile: string
  readonly rows: readonly CompareRow[]
}

/**
 * Pair our results with fio's job by job. fio lists a job's clones one after another in job
 * order, as we do, so position identifies the pair.
 */
export function compareRuns(jobs: readonly PlannedJob[], ours: readonly JobResult[], fio: FioRun): JobComparison[] {
  if (ours.length !== fio.jobs.length) {
    throw new Error(`fio reported ${fio.jobs.length} jobs, ours ran ${ours.length}`)
  }
  return ours.map((r, i) => {
    const { placement } = jobs.find((j) => j.spec === r.spec)!
    return {
      job: `${r.spec.name}.${r.jobnum}`,
      file: r.file,
      libgfapiFile: targetUrl(placement.target, fioPath(r.spec, r.jobnum, placement.path)),
      rows: compareJobs(summarizeFioJob(fioJobJson(r)), fio.jobs[i]!),
    }
  })
}
