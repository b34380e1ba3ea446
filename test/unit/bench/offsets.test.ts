/**
 * Our offsets against fio's own: fio (null engine, no I/O) writes the offsets it generates with
 * write_iolog, and OffsetGenerator must produce the same list for the same options.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Taus88, jobIos, jobOffsets } from '../../../bench/lib/offsets.ts'
import { parseArgs } from '../../../bench/lib/options.ts'

const dir = mkdtempSync(join(tmpdir(), 'gfts-offsets-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** fio's offsets per thread (1-based thread number -> offsets), from write_iolog. */
function fioOffsets(args: readonly string[]): Map<string, number[]> {
  const log = join(dir, `iolog-${Math.random().toString(36).slice(2)}`)
  const r = spawnSync('fio', ['--ioengine=null', `--write_iolog=${log}`, '--output-format=terse', ...args], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`fio failed: ${r.stderr}`)
  const byFile = new Map<string, number[]>()
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const f = line.split(' ')
    if (f.length === 5 && (f[2] === 'read' || f[2] === 'write')) {
      const list = byFile.get(f[1]!) ?? []
      list.push(Number(f[3]))
      byFile.set(f[1]!, list)
    }
  }
  return byFile
}

/** Ours, for the same command line: each clone's offsets until the job's I/O count (or fio's, when time-based). */
function ourOffsets(args: readonly string[], fioCounts: readonly number[]): number[][] {
  // rate_iops only slows fio's null engine down so its time-based log stays short.
  const inv = parseArgs(args.filter((a) => !a.startsWith('--rate_iops')), () => '')
  const out: number[][] = []
  let thread = 0
  for (const spec of inv.jobs) {
    for (let n = 0; n < spec.numjobs; n++) {
      const gen = jobOffsets(spec, ++thread)
      const ios = spec.timeBased ? fioCounts[thread - 1]! : jobIos(spec)
      const list: number[] = []
      for (let i = 0; i < ios; i++) {
        const o = gen.next()
        if (o < 0) break
        list.push(o)
      }
      out.push(list)
    }
  }
  return out
}

const CASES: Record<string, string[]> = {
  'randread, fio defaults': ['--name=a', '--rw=randread', '--bs=4k', '--size=1m'],
  'randwrite, 2 clones (thread numbers 1 and 2)': ['--name=a', '--rw=randwrite', '--bs=4k', '--size=512k', '--numjobs=2'],
  'randread, randrepeat=0 randseed=1234': ['--name=a', '--rw=randread', '--bs=8k', '--size=1m', '--randrepeat=0', '--randseed=1234'],
  'randread, randseed ignored under randrepeat=1': ['--name=a', '--rw=randread', '--bs=4k', '--size=256k', '--randseed=77'],
  'randread:4 (sequential runs between random offsets)': ['--name=a', '--rw=randread:4', '--bs=4k', '--size=256k'],
  'randread:3 with rw_sequencer=identical': ['--name=a', '--rw=randread:3', '--rw_sequencer=identical', '--bs=4k', '--size=256k'],
  'read:12k (holes), wrapping': ['--name=a', '--rw=read:12k', '--bs=4k', '--size=1m'],
  'read:8188k: 4 KiB every 8 MiB, number_ios': ['--name=a', '--rw=read:8188k', '--bs=4k', '--size=256m', '--number_ios=40'],
  'randread with offset': ['--name=a', '--rw=randread', '--bs=4k', '--offset=64k', '--size=512k'],
  'randread, norandommap': ['--name=a', '--rw=randread', '--bs=4k', '--size=1m', '--norandommap'],
  'randread 16 MiB in 4 KiB, 3000 I/Os': ['--name=a', '--rw=randread', '--bs=4k', '--size=16m', '--number_ios=3000'],
  'two jobs: the second continues the thread numbers': ['--name=a', '--rw=randread', '--bs=4k', '--size=128k', '--numjobs=2', '--name=b', '--rw=randwrite', '--bs=4k', '--size=128k'],
  'time_based: the random map starts over when full': ['--name=a', '--rw=randread', '--bs=4k', '--size=64k', '--time_based', '--runtime=300ms', '--rate_iops=1000'],
}

describe('OffsetGenerator against fio write_iolog', () => {
  for (const [name, args] of Object.entries(CASES)) {
    it(name, () => {
      // Thread order: by file name, <jobname>.<jobnum>.0 (the log interleaves the threads).
      const fio = [...fioOffsets(args).entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, list]) => list)
      const ours = ourOffsets(args, fio.map((l) => l.length))
      expect(ours.length).toBe(fio.length)
      for (let i = 0; i < fio.length; i++) {
        expect(fio[i]!.length).toBeGreaterThan(0)
        expect(ours[i]).toEqual(fio[i])
      }
    })
  }
})

describe('Taus88', () => {
  it('differs by seed and repeats for the same seed', () => {
    const a = new Taus88(1)
    const b = new Taus88(1)
    const c = new Taus88(2)
    const xs = [a.next(), a.next(), a.next()]
    expect([b.next(), b.next(), b.next()]).toEqual(xs)
    expect([c.next(), c.next(), c.next()]).not.toEqual(xs)
  })
})
