/**
 * `gfapi-bench`: a fio-like load generator for gfapi-ts that runs fio's libgfapi engines beside it.
 * `gfapi-bench --help` prints the options; with no arguments it runs the standard suite (suite.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { debuglog } from 'node:util'
import { GlusterError, type Glfs } from '../src/api/index.ts'
import { fioAvailable } from './lib/fio-runner.ts'
import { BENCH_VERSION, machineInfo, machineText } from './lib/machine.ts'
import { parseArgs, USAGE, type Invocation } from './lib/options.ts'
import { plotSide, renderPlot } from './lib/plot.ts'
import { compareRuns, fioUnsupported, runFioJobs, runOurJobs, type PlannedJob } from './lib/run.ts'
import { compareText, fioDocument, fioJobJson, groupReported, indent, jobText, summarizeFioJob, type JobResult, type Output } from './lib/report.ts'
import { placeJob, sandboxOnce, targetUrl, type Target } from './lib/target.ts'
import { BenchUsageError } from './lib/units.ts'
import { runSuite } from './suite.ts'

async function runJobs(inv: Invocation, out: Output): Promise<number> {
  const sandbox = sandboxOnce()
  const jobs: PlannedJob[] = []
  for (const spec of inv.jobs) jobs.push({ spec, placement: await placeJob(spec, inv.target, sandbox) })
  const compare = inv.compare === 'fio'
  if (compare) {
    if (!(await fioAvailable())) throw new BenchUsageError('--compare=fio: fio with the gfapi engines is not installed')
    const why = fioUnsupported(jobs)
    if (why !== undefined) throw new BenchUsageError(`--compare=fio: ${why}`)
  }
  const text = inv.outputFormat === 'normal'
  let graph = ''
  const ours = groupReported(await runOurJobs(jobs, {
    glfs: inv.strideAhead ? { strideAhead: true } : {},
    onMount: (glfs: Glfs, target: Target) => { graph = `volume  : ${targetUrl(target, '/')}\ngraph   :\n${indent(glfs.describeGraph())}` },
    onGroup: (results: readonly JobResult[]) => {
      if (text) out.write(`${groupReported(results).map(jobText).join('\n\n')}\n\n`)
    },
  }))
  const failed = ours.some((r) => r.error !== 0)
  const fio = compare ? await runFioJobs(jobs) : undefined
  const comparisons = fio === undefined ? [] : compareRuns(jobs, ours, fio)
  if (inv.plot !== undefined) {
    const rows = ours.map((r) => {
      const theirs = fio?.jobs.find((j) => j.name === r.spec.name)
      return { profile: r.spec.name, bs: r.spec.bs, ours: plotSide(summarizeFioJob(fioJobJson(r))), libgfapi: theirs === undefined ? undefined : plotSide(theirs) }
    })
    writeFileSync(inv.plot, renderPlot(rows, `gfapi-bench ${BENCH_VERSION}: ${inv.target ?? 'sandbox volume'}`))
  }
  if (text) {
    const machine = await machineInfo()
    if (fio !== undefined) {
      for (const line of fio.preamble) out.write(`libgfapi (fio): ${line}\n`)
      for (const j of fio.jobs) {
        if (j.error !== 0) out.write(`libgfapi (fio): job ${j.name} reported error ${j.error}\n`)
      }
      for (const c of comparisons) out.write(`${compareText(c.job, c.rows)}\n  ours: ${c.file}\n  libgfapi: ${c.libgfapiFile}\n\n`)
      out.write(`CPU per op: whole-process CPU / operations (ours: process.cpuUsage(); libgfapi: the fio process, all threads,\n` +
        `  less ${fio.baselineCpuMs.toFixed(0)} ms for fio start, glfs_init and glfs_fini measured by a 4 KiB fio job alongside).\n`)
    }
    out.write(`${machineText(machine)}\n${graph}\n`)
  } else {
    const doc = fioDocument(BENCH_VERSION, ours.map(fioJobJson)) as Record<string, unknown>
    if (fio !== undefined) {
      doc.libgfapi = fio.doc
      doc.libgfapi_process_cpu_ms = fio.processCpuMs
      doc.libgfapi_baseline_cpu_ms = fio.baselineCpuMs
      doc.comparison = comparisons
    }
    out.write(`${JSON.stringify(doc, null, 2)}\n`)
  }
  return failed ? 1 : 0
}

function readJobFile(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    throw new BenchUsageError(`cannot read job file '${path}': ${(err as Error).message}`)
  }
}

/**
 * Run `gfapi-bench` with `argv` (without node and the script).
 *
 * @returns the exit status: 0 ok, 1 a job reported errors or the run failed, 2 usage error
 */
export async function main(argv: readonly string[], out: Output = process.stdout): Promise<number> {
  try {
    const inv = parseArgs(argv, readJobFile)
    switch (inv.mode) {
      case 'help':
        out.write(`${USAGE}\n`)
        return 0
      case 'suite':
        return await runSuite(inv, out, sandboxOnce())
      case 'jobs':
        return await runJobs(inv, out)
    }
  } catch (err) {
    if (err instanceof BenchUsageError) {
      process.stderr.write(`gfapi-bench: ${err.message}\n`)
      return err.exitCode
    }
    process.stderr.write(debuglog('gfapi').enabled ? `gfapi-bench: ${(err as Error).stack ?? String(err)}\n` : `gfapi-bench: ${oneLine(err)}\n`)
    return 1
  }
}

/**
 * A run-time failure as one line: a GlusterError's code and its own words (which name the host,
 * port and volume) when it has them, else the message's first line.
 */
export function oneLine(err: unknown): string {
  if (err instanceof GlusterError && err.detail !== undefined && err.path === undefined) return `${err.code}: ${err.detail}`
  const text = err instanceof Error ? err.message : String(err)
  return text.split('\n', 1)[0]!
}
