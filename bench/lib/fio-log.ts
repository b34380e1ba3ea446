/**
 * fio's per-job log files (write_bw_log, write_lat_log, write_iops_log), in fio 3.33's format so
 * fio's own tools (fio_generate_plots, fio2gnuplot, fiologparser) read them: one line per entry,
 * `time (ms), value, data direction (0 read, 1 write), block size, offset`, in files
 * `<prefix>_bw.<thread>.log`, `<prefix>_lat.<thread>.log`, `_clat`, `_slat`, `_iops`.
 *
 * Values as fio writes them: latency in ns, bandwidth in KiB/s, IOPS. Without log_avg_msec every
 * I/O is an entry (IOPS entries are 1); with it each window of that many ms is one entry per
 * direction, its mean (latency) or rate (bandwidth, IOPS), with block size 0. The offset column is
 * the I/O's offset with log_offset (per-I/O entries only), else 0, as in fio. Submission latency is not separate from completion
 * here, as for fio's synchronous engines: the slat log is empty and lat equals clat.
 */
import { writeFileSync } from 'node:fs'
import type { JobSpec } from './options.ts'

interface Window {
  ios: number
  bytes: number
  latSum: number
}

/** The logs one job clone asked for. */
export class JobLogs {
  readonly #spec: JobSpec
  readonly #thread: number
  readonly #avgMs: number
  readonly #bw: string[] = []
  readonly #lat: string[] = []
  readonly #iops: string[] = []
  readonly #window: [Window, Window] = [{ ios: 0, bytes: 0, latSum: 0 }, { ios: 0, bytes: 0, latSum: 0 }]
  #windowStart = 0

  /** Undefined when the job asked for no log. */
  static for(spec: JobSpec, threadNumber: number): JobLogs | undefined {
    if (spec.bwLog === undefined && spec.latLog === undefined && spec.iopsLog === undefined) return undefined
    return new JobLogs(spec, threadNumber)
  }

  constructor(spec: JobSpec, threadNumber: number) {
    this.#spec = spec
    this.#thread = threadNumber
    this.#avgMs = spec.logAvgMsec
  }

  /** One completed I/O at `offset`, `tMs` after the job's measurement started. */
  add(tMs: number, latNs: number, ddir: 0 | 1, bs: number, offset: number): void {
    if (this.#avgMs === 0) {
      const t = Math.floor(tMs)
      const tail = `${ddir}, ${bs}, ${this.#spec.logOffset ? offset : 0}`
      if (this.#spec.latLog !== undefined) this.#lat.push(`${t}, ${Math.round(latNs)}, ${tail}`)
      if (this.#spec.bwLog !== undefined) this.#bw.push(`${t}, ${Math.round((bs / 1024) / (Math.max(latNs, 1) / 1e9))}, ${tail}`)
      if (this.#spec.iopsLog !== undefined) this.#iops.push(`${t}, 1, ${tail}`)
      return
    }
    if (tMs - this.#windowStart >= this.#avgMs) this.#flush(tMs)
    const w = this.#window[ddir]
    w.ios++
    w.bytes += bs
    w.latSum += latNs
  }

  /** Write the files into the current directory (fio writes them where it runs). */
  write(endMs: number): string[] {
    if (this.#avgMs > 0) this.#flush(endMs)
    const files: string[] = []
    const out = (prefix: string | undefined, kind: string, lines: readonly string[]): void => {
      if (prefix === undefined) return
      const name = `${prefix}_${kind}.${this.#thread}.log`
      writeFileSync(name, lines.length === 0 ? '' : `${lines.join('\n')}\n`)
      files.push(name)
    }
    out(this.#spec.bwLog, 'bw', this.#bw)
    out(this.#spec.latLog, 'lat', this.#lat)
    out(this.#spec.latLog, 'clat', this.#lat)
    out(this.#spec.latLog, 'slat', [])
    out(this.#spec.iopsLog, 'iops', this.#iops)
    return files
  }

  #flush(tMs: number): void {
    const t = Math.floor(tMs)
    const seconds = (tMs - this.#windowStart) / 1000
    for (const ddir of [0, 1] as const) {
      const w = this.#window[ddir]
      if (w.ios === 0) continue
      if (this.#spec.latLog !== undefined) this.#lat.push(`${t}, ${Math.round(w.latSum / w.ios)}, ${ddir}, 0, 0`)
      if (seconds > 0) {
        if (this.#spec.bwLog !== undefined) this.#bw.push(`${t}, ${Math.round(w.bytes / 1024 / seconds)}, ${ddir}, 0, 0`)
        if (this.#spec.iopsLog !== undefined) this.#iops.push(`${t}, ${Math.round(w.ios / seconds)}, ${ddir}, 0, 0`)
      }
      w.ios = 0
      w.bytes = 0
      w.latSum = 0
    }
    this.#windowStart = tMs
  }
}
