import { describe, expect, it } from 'vitest'
import { PROFILES, REPLICA_PROFILES, profileSpec } from '../../../bench/suite.ts'
import { vmSchedule, vmSettings } from '../../../bench/lib/vm-profiles.ts'

describe('the suite\'s replica 3 profiles', () => {
  it('include the three profiles issue 14 sets targets for, writes first (they lay out the file the reads use)', () => {
    const names = REPLICA_PROFILES.map((p) => p.name)
    for (const n of ['rep3-seq-write-128k-qd1', 'rep3-rand-write-4k-qd32', 'rep3-rand-read-4k-qd32']) expect(names).toContain(n)
    expect(names[0]).toBe('rep3-seq-write-128k-qd1')
    expect(names.indexOf('rep3-seq-write-128k-qd16')).toBeLessThan(names.indexOf('rep3-seq-read-128k-qd16'))
  })

  it('run exactly the options of the plain profile they repeat', () => {
    for (const p of REPLICA_PROFILES) {
      const plain = PROFILES.find((q) => `rep3-${q.name}` === p.name)!
      expect(p.options).toEqual(plain.options)
      expect(profileSpec(p, true).options).toEqual({ ...profileSpec(plain, true).options, name: p.name })
    }
  })
})

describe('the VM profiles\' rounds', () => {
  it('run every side once per round, the warm-up rounds first and not counted, the first side rotating', () => {
    const runs = vmSchedule(['ours', 'sa', 'lib'], 5, 1)
    expect(runs).toHaveLength(18)
    expect(runs.slice(0, 3)).toEqual([{ side: 'ours', counted: false }, { side: 'sa', counted: false }, { side: 'lib', counted: false }])
    expect(runs.slice(3).every((r) => r.counted)).toBe(true)
    for (const side of ['ours', 'sa', 'lib']) expect(runs.filter((r) => r.side === side && r.counted)).toHaveLength(5)
    expect([0, 1, 2, 3, 4, 5].map((round) => runs[round * 3]!.side)).toEqual(['ours', 'sa', 'lib', 'ours', 'sa', 'lib'])
  })

  it('full size: one warm-up round and five counted; --quick: one round, none to warm up', () => {
    expect(vmSettings(false)).toMatchObject({ rounds: 5, warmUpRounds: 1 })
    expect(vmSettings(true)).toMatchObject({ rounds: 1, warmUpRounds: 0 })
    expect(vmSchedule(['ours', 'lib'], 1, 0)).toEqual([{ side: 'ours', counted: true }, { side: 'lib', counted: true }])
  })
})
