import { describe, expect, it } from 'vitest'
import { type PlotRow, renderPlot } from '../../../bench/lib/plot.ts'
import { parseXml } from '../../helpers/svg.ts'

const side = (scale: number): PlotRow['ours'] => ({ mibs: 100 * scale, iops: 800 * scale, p50us: 50 * scale, p90us: 80 * scale, p99us: 200 * scale, p999us: 900 * scale })

const rows: PlotRow[] = [
  { profile: 'seq-read-128k-qd1', bs: 131072, ours: side(2), libgfapi: side(1) },
  { profile: 'rand<read>&4k', bs: 4096, ours: side(1), libgfapi: side(3) },
]

describe('--plot SVG', () => {
  it('is well-formed XML with a bar per side and profile, in the unit the profile is judged by', () => {
    const elements = parseXml(renderPlot(rows, 'run "A" & <B>'))
    expect(elements[0]!.name).toBe('svg')
    const bars = elements.filter((e) => e.attrs.class?.startsWith('bar '))
    expect(bars.map((b) => [b.attrs['data-profile'], b.attrs['data-side'], b.attrs['data-unit'], b.attrs['data-value']])).toEqual([
      ['seq-read-128k-qd1', 'ours', 'MiB/s', '200'], ['seq-read-128k-qd1', 'libgfapi', 'MiB/s', '100'],
      ['rand&lt;read&gt;&amp;4k', 'ours', 'IOPS', '800'], ['rand&lt;read&gt;&amp;4k', 'libgfapi', 'IOPS', '2400'],
    ])
    // Each profile is scaled to its larger bar.
    const width = (i: number): number => Number(bars[i]!.attrs.width)
    expect(width(0)).toBeCloseTo(2 * width(1), 0)
    expect(width(3)).toBeCloseTo(3 * width(2), 0)
    expect(width(0)).toBe(width(3))
    const pcts = elements.filter((e) => e.attrs.class?.startsWith('pct '))
    expect(pcts).toHaveLength(2 * 2 * 4)
    expect(pcts.slice(0, 4).map((p) => [p.attrs['data-percentile'], p.attrs['data-us']])).toEqual([['p50', '100'], ['p90', '160'], ['p99', '400'], ['p99.9', '1800']])
    // Later percentiles sit further right on the log axis.
    const xs = pcts.slice(0, 4).map((p) => Number(p.attrs.x))
    expect([...xs].sort((a, b) => a - b)).toEqual(xs)
  })

  it('draws only our side when nothing was compared', () => {
    const elements = parseXml(renderPlot(rows.map((r) => ({ ...r, libgfapi: undefined })), 't'))
    expect(elements.filter((e) => e.attrs.class?.includes('libgfapi'))).toEqual([])
    expect(elements.filter((e) => e.attrs.class === 'bar ours')).toHaveLength(2)
  })

  it('the XML check rejects what is not well-formed', () => {
    for (const bad of ['<svg><rect></svg>', '<svg a="1" a="2"/>', '<svg a=1/>', '<svg>&nbsp;</svg>', '<svg/><svg/>', '<svg>']) {
      expect(() => parseXml(bad), bad).toThrow(/well-formed/)
    }
  })
})
