/**
 * `--plot FILE.svg`: one self-contained SVG of a run. Top: per-profile throughput bars, ours
 * beside libgfapi when compared (MiB/s for profiles of 64 KiB blocks and up, IOPS below: the unit
 * a reader judges that profile by), each profile scaled to its own larger bar. Bottom: completion
 * latency percentiles (p50, p90, p99, p99.9) of each side on one log axis. Pure: text in, text out.
 */
import type { DirectionSummary, JobSummary } from './report.ts'

/** One side of one profile, in the units drawn. */
export interface PlotSide {
  readonly mibs: number
  readonly iops: number
  /** Completion latency percentiles of the direction with more operations, µs. */
  readonly p50us: number
  readonly p90us: number
  readonly p99us: number
  readonly p999us: number
}

export interface PlotRow {
  readonly profile: string
  /** Block size in bytes: picks MiB/s (>= 64 KiB) or IOPS. */
  readonly bs: number
  readonly ours: PlotSide
  readonly libgfapi: PlotSide | undefined
}

/** A side of a row from a job read back through `summarizeFioJob` (ours and fio's alike). */
export function plotSide(s: JobSummary): PlotSide {
  const main: DirectionSummary = s.read.totalIos >= s.write.totalIos ? s.read : s.write
  return {
    mibs: (s.read.bwBytes + s.write.bwBytes) / 1048576,
    iops: s.read.iops + s.write.iops,
    p50us: main.clat.p50 / 1000,
    p90us: main.clat.p90 / 1000,
    p99us: main.clat.p99 / 1000,
    p999us: main.clat.p999 / 1000,
  }
}

const WIDTH = 960
const LABEL_W = 230
const PLOT_X = LABEL_W + 20
const PLOT_W = WIDTH - PLOT_X - 90
const ROW_H = 40
const COLORS = { ours: '#1f77b4', libgfapi: '#ff7f0e' } as const
const PERCENTILE_KEYS = [['p50us', 'p50'], ['p90us', 'p90'], ['p99us', 'p99'], ['p999us', 'p99.9']] as const

/** The SVG document for `rows` under `title`. */
export function renderPlot(rows: readonly PlotRow[], title: string): string {
  const compared = rows.some((r) => r.libgfapi !== undefined)
  const out: string[] = []
  let y = 30
  out.push(text(WIDTH / 2, y, title, 'title', 'middle'))
  y += 28
  out.push(legend(y, compared))
  y += 30
  out.push(text(10, y, 'Throughput (each profile scaled to its larger bar)', 'heading'))
  y += 16
  for (const r of rows) {
    out.push(throughputRow(r, y))
    y += ROW_H
  }
  y += 30
  out.push(text(10, y, 'Completion latency, µs (log scale): p50, p90, p99, p99.9', 'heading'))
  y += 12
  const axis = latencyAxis(rows)
  const top = y
  y += 10
  for (const r of rows) {
    out.push(latencyRow(r, y, axis))
    y += ROW_H
  }
  out.push(axisLines(axis, top, y))
  y += 30
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="sans-serif" font-size="12">`,
    `<style>.title{font-size:16px;font-weight:bold}.heading{font-size:13px;font-weight:bold}.value{font-size:11px}.axis{font-size:10px;fill:#555}</style>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${y}" fill="#ffffff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n')
}

function throughputRow(r: PlotRow, y: number): string {
  const useBw = r.bs >= 65536
  const unit = useBw ? 'MiB/s' : 'IOPS'
  const value = (s: PlotSide): number => (useBw ? s.mibs : s.iops)
  const sides: Array<['ours' | 'libgfapi', PlotSide]> = [['ours', r.ours]]
  if (r.libgfapi !== undefined) sides.push(['libgfapi', r.libgfapi])
  const max = Math.max(...sides.map(([, s]) => value(s)), Number.MIN_VALUE)
  const parts = [text(10, y + 17, `${r.profile} (${unit})`)]
  const barH = sides.length === 1 ? 22 : 13
  sides.forEach(([side, s], i) => {
    const v = value(s)
    const w = Math.max(1, (v / max) * PLOT_W)
    const by = y + 4 + i * (barH + 2)
    parts.push(`<rect class="bar ${side}" data-profile="${escape(r.profile)}" data-side="${side}" data-unit="${unit}" data-value="${round(v)}" ` +
      `x="${PLOT_X}" y="${by}" width="${round(w)}" height="${barH}" fill="${COLORS[side]}"/>`)
    parts.push(text(PLOT_X + w + 4, by + barH - 3, formatNumber(v), 'value'))
  })
  return parts.join('\n')
}

interface Axis {
  readonly min: number
  readonly max: number
  x(us: number): number
}

/** A log axis over whole decades spanning every percentile drawn. */
function latencyAxis(rows: readonly PlotRow[]): Axis {
  const values = rows.flatMap((r) => [r.ours, r.libgfapi].flatMap((s) => (s === undefined ? [] : PERCENTILE_KEYS.map(([k]) => s[k]))))
    .filter((v) => v > 0 && Number.isFinite(v))
  const lo = values.length === 0 ? 1 : 10 ** Math.floor(Math.log10(Math.min(...values)))
  const hi = values.length === 0 ? 10 : 10 ** Math.ceil(Math.log10(Math.max(...values)))
  const max = hi > lo ? hi : lo * 10
  const span = Math.log10(max) - Math.log10(lo)
  return { min: lo, max, x: (us) => PLOT_X + ((Math.log10(Math.min(Math.max(us, lo), max)) - Math.log10(lo)) / span) * PLOT_W }
}

function latencyRow(r: PlotRow, y: number, axis: Axis): string {
  const parts = [text(10, y + 17, r.profile)]
  const sides: Array<['ours' | 'libgfapi', PlotSide]> = [['ours', r.ours]]
  if (r.libgfapi !== undefined) sides.push(['libgfapi', r.libgfapi])
  sides.forEach(([side, s], i) => {
    const cy = y + 10 + i * 14
    const xs = PERCENTILE_KEYS.map(([k]) => axis.x(s[k]))
    parts.push(`<line class="range ${side}" x1="${round(xs[0]!)}" y1="${cy}" x2="${round(xs[3]!)}" y2="${cy}" stroke="${COLORS[side]}" stroke-width="2"/>`)
    PERCENTILE_KEYS.forEach(([k, label], j) => {
      parts.push(`<rect class="pct ${side}" data-profile="${escape(r.profile)}" data-side="${side}" data-percentile="${label}" data-us="${round(s[k])}" ` +
        `x="${round(xs[j]! - 3)}" y="${cy - 5}" width="6" height="10" fill="${COLORS[side]}"/>`)
    })
    parts.push(text(xs[3]! + 6, cy + 4, `p50 ${formatNumber(s.p50us)} · p99 ${formatNumber(s.p99us)}`, 'value'))
  })
  return parts.join('\n')
}

function axisLines(axis: Axis, top: number, bottom: number): string {
  const parts: string[] = []
  for (let v = axis.min; v <= axis.max; v *= 10) {
    const x = round(axis.x(v))
    parts.push(`<line class="grid" x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="#ccc" stroke-dasharray="3,3"/>`)
    parts.push(text(x, bottom + 12, formatNumber(v), 'axis', 'middle'))
  }
  return parts.join('\n')
}

function legend(y: number, compared: boolean): string {
  const items: Array<['ours' | 'libgfapi', string]> = [['ours', 'gfapi-ts (ours)']]
  if (compared) items.push(['libgfapi', 'libgfapi (fio gfapi engine)'])
  return items.map(([side, label], i) => {
    const x = PLOT_X + i * 220
    return `<rect class="legend ${side}" x="${x}" y="${y - 10}" width="12" height="12" fill="${COLORS[side]}"/>\n${text(x + 18, y, label)}`
  }).join('\n')
}

function text(x: number, y: number, content: string, cls?: string, anchor?: 'middle'): string {
  return `<text x="${round(x)}" y="${round(y)}"${cls === undefined ? '' : ` class="${cls}"`}${anchor === undefined ? '' : ` text-anchor="${anchor}"`}>${escape(content)}</text>`
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

function round(v: number): number {
  return Math.round(v * 10) / 10
}

function formatNumber(v: number): string {
  if (v >= 10000) return `${(v / 1000).toFixed(1)}k`
  if (v >= 100) return v.toFixed(0)
  return v.toFixed(1)
}
