/**
 * The suite's VM-image profiles, short (256 MiB sparse images, 30 strided reads, 64 MiB copy),
 * run clean against the sandbox on every side: ours, ours with stride-ahead, and fio's gfapi engine.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { main } from '../../bench/cli.ts'
import type { Target } from '../../bench/lib/target.ts'
import { prepareVmImages, removeVmImages, runVmProfile, vmSettings } from '../../bench/lib/vm-profiles.ts'

const sb = inject('sandbox')
const target: Target = { transport: 'tcp', host: sb.host, port: sb.port, volume: sb.volumes.single.name }
const s = vmSettings(true)

describe('VM-image bench profiles (short)', () => {
  beforeAll(() => prepareVmImages(target, true), 120_000)
  afterAll(() => removeVmImages(target), 60_000)

  const expectedOps = { 'qcow2-cold-open': s.reads, 'boot-storm': s.reads * s.jobs, 'rand-read-4k-qd1-2000': s.reads, 'image-copy': 2 * 64 } as const
  for (const [name, ops] of Object.entries(expectedOps) as [keyof typeof expectedOps, number][]) {
    it(`${name} runs on every side without errors`, async () => {
      const r = await runVmProfile(name, target, true, true)
      for (const side of [r.ours, r.strideAhead, r.libgfapi!]) {
        expect(side.errors).toBe(0)
        expect(side.totalMs).toBeGreaterThan(0)
      }
      // fio's CPU is its process's less a baseline run, which on 30 reads may leave nothing.
      expect(r.ours.cpuUsPerOp).toBeGreaterThan(0)
      expect(r.strideAhead.cpuUsPerOp).toBeGreaterThan(0)
      expect(r.ours.ops).toBe(ops)
      expect(r.strideAhead.ops).toBe(ops)
      // fio's copy is a read job and a write job of the image's blocks: as many operations.
      expect(r.libgfapi!.ops).toBe(ops)
    }, 240_000)
  }
})

describe('fio options honoured end to end', () => {
  const volumeUrl = `gluster://${sb.host}:${sb.port}/${sb.volumes.single.name}`
  const dir = mkdtempSync(join(tmpdir(), 'gfts-bench-logs-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  /** Offsets (column 5 with log_offset=1) of a per-I/O latency log. */
  const offsets = (file: string): number[] => readFileSync(file, 'utf8').trim().split('\n').map((l) => Number(l.split(', ')[4]))

  for (const [label, rw, size, ios] of [['randread:4', 'randread:4', '8m', 300], ['read:1020k (4 KiB every 1 MiB)', 'read:1020k', '64m', 60]] as const) {
    it(`rw=${label}: ours and fio's gfapi engine issue the same offsets, in the same order`, async () => {
      const prefix = join(dir, rw.replace(/\W/g, '_'))
      const name = `bench-vm-it-${rw.replace(/\W/g, '')}-${process.pid}`
      let text = ''
      const code = await main([`--name=${name}`, `--rw=${rw}`, '--bs=4k', `--size=${size}`, `--number_ios=${ios}`, `--write_lat_log=${prefix}`,
        '--log_offset=1', '--compare=fio', '--unlink', '--output-format=json', volumeUrl], { write: (t: string) => { text += t } })
      expect(code).toBe(0)
      expect((JSON.parse(text) as { jobs: { read: { total_ios: number } }[] }).jobs[0]!.read.total_ios).toBe(ios)
      const ours = offsets(`${prefix}_lat.1.log`)
      expect(ours).toHaveLength(ios)
      expect(ours).toEqual(offsets(`${prefix}.libgfapi_lat.1.log`))
      expect(new Set(ours).size).toBeGreaterThan(ios / 2)
    }, 120_000)
  }
})
