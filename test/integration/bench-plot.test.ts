import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { main } from '../../bench/cli.ts'
import { mount } from '../helpers/mount.ts'
import { chromiumPath, countColour, parseXml, pngPixels, renderSvg } from '../helpers/svg.ts'

const sb = inject('sandbox')
const volumeUrl = `gluster://${sb.host}:${sb.port}/${sb.volumes.single.name}`
const work = mkdtempSync(join(tmpdir(), 'gfts-plot-'))
const name = `/plot-${randomBytes(4).toString('hex')}`

afterAll(async () => {
  rmSync(work, { recursive: true, force: true })
  const glfs = await mount('single')
  await glfs.rm(name, { force: true }).finally(() => glfs.fini())
})

describe('gfapi-bench --plot', () => {
  it('draws every job, ours beside libgfapi, and the picture renders (headless Chromium)', async () => {
    const svg = join(work, 'run.svg')
    const file = `${volumeUrl}${name}`
    const jobs = ['--name=seq-read-128k', '--rw=read', '--bs=128k', '--name=rand-read-4k', '--rw=randread', '--bs=4k', '--iodepth=4']
    let text = ''
    const code = await main(['--size=8m', '--runtime=1s', '--time_based', '--compare=fio', `--plot=${svg}`, '--output-format=json', ...jobs, file],
      { write: (t: string) => { text += t } })
    expect(code, text).toBe(0)
    const elements = parseXml(readFileSync(svg, 'utf8'))
    const root = elements[0]!
    expect(root.name).toBe('svg')
    const bars = elements.filter((e) => e.attrs.class?.startsWith('bar '))
    expect(bars.map((b) => `${b.attrs['data-profile']} ${b.attrs['data-side']} ${b.attrs['data-unit']}`)).toEqual([
      'seq-read-128k ours MiB/s', 'seq-read-128k libgfapi MiB/s', 'rand-read-4k ours IOPS', 'rand-read-4k libgfapi IOPS',
    ])
    for (const b of bars) expect(Number(b.attrs['data-value'])).toBeGreaterThan(0)
    expect(elements.filter((e) => e.attrs.class?.startsWith('pct '))).toHaveLength(2 * 2 * 4)

    const chromium = chromiumPath()
    if (chromium === undefined) {
      // Visible in the report on purpose: the render check needs Debian's chromium (apt-get install chromium).
      console.warn('bench-plot: chromium is not installed; the SVG was checked as XML only, not rendered')
      return
    }
    const png = join(work, 'run.png')
    await renderSvg(chromium, svg, png, Number(root.attrs.width), Number(root.attrs.height))
    const { width, height, rgb } = pngPixels(png)
    expect([width, height]).toEqual([Number(root.attrs.width), Number(root.attrs.height)])
    // Not blank: both sides' colours cover real areas, and the white background is not everything.
    expect(countColour(rgb, [0x1f, 0x77, 0xb4])).toBeGreaterThan(2000)
    expect(countColour(rgb, [0xff, 0x7f, 0x0e])).toBeGreaterThan(2000)
    expect(countColour(rgb, [255, 255, 255], 0)).toBeLessThan(width * height * 0.97)
  }, 180_000)
})
