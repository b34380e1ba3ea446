/**
 * fio's live status line ("[42.0%] 512.3 MiB/s 4096 IOPS ETA 0:05"), redrawn twice a second on
 * a terminal and never written elsewhere, so piped and JSON output stay clean.
 */
import { performance } from 'node:perf_hooks'

/** What the progress line reads from a running job. */
export interface ProgressSource {
  /** Bytes done so far (after ramp). */
  readonly doneBytes: number
  /** Operations done so far (after ramp). */
  readonly ops: number
  /** Fraction done, 0..1. */
  readonly progress: number
}

const INTERVAL_MS = 500

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--'
  const s = Math.max(0, Math.round(seconds))
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

/**
 * Show progress for `jobs` on `out` while they run, if `out` is a TTY.
 *
 * @returns a function that stops the updates and clears the line
 */
export function showProgress(
  jobs: readonly ProgressSource[], label: string, out: NodeJS.WriteStream = process.stderr,
): () => void {
  if (!out.isTTY) return () => {}
  // Progress starts after ramp_time; the ETA extrapolates from the first progress seen.
  let firstTime = 0
  let firstFraction = 0
  let lastTime = performance.now()
  let lastBytes = 0
  let lastOps = 0
  const timer = setInterval(() => {
    const now = performance.now()
    let bytes = 0
    let ops = 0
    let fraction = 0
    for (const j of jobs) {
      bytes += j.doneBytes
      ops += j.ops
      fraction += j.progress
    }
    fraction /= jobs.length
    // Counters restart at the end of a ramp; a drop means a new measuring phase began.
    if (bytes < lastBytes) { lastBytes = 0; lastOps = 0 }
    const dt = (now - lastTime) / 1000
    const mibs = (bytes - lastBytes) / 1048576 / dt
    const iops = (ops - lastOps) / dt
    lastTime = now
    lastBytes = bytes
    lastOps = ops
    if (fraction === 0) {
      out.write(`\r\x1b[K${label} [ramp]`)
      return
    }
    if (firstTime === 0) {
      firstTime = now
      firstFraction = fraction
    }
    const eta = fraction > firstFraction
      ? ((now - firstTime) / 1000 / (fraction - firstFraction)) * (1 - fraction)
      : Number.POSITIVE_INFINITY
    out.write(`\r\x1b[K${label} [${(fraction * 100).toFixed(1)}%] ${mibs.toFixed(1)} MiB/s ${iops.toFixed(0)} IOPS ETA ${clock(eta)}`)
  }, INTERVAL_MS)
  timer.unref()
  return () => {
    clearInterval(timer)
    out.write('\r\x1b[K')
  }
}

/**
 * A status line with a running clock for work without counters (an fio run), on a TTY only.
 *
 * @returns a function that stops the clock and clears the line
 */
export function showStatus(label: string, out: NodeJS.WriteStream = process.stderr): () => void {
  if (!out.isTTY) return () => {}
  const start = performance.now()
  const draw = (): void => { out.write(`\r\x1b[K${label} ${clock((performance.now() - start) / 1000)}`) }
  draw()
  const timer = setInterval(draw, INTERVAL_MS)
  timer.unref()
  return () => {
    clearInterval(timer)
    out.write('\r\x1b[K')
  }
}
