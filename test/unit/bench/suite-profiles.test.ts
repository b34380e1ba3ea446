import { describe, expect, it } from 'vitest'
import { PROFILES, REPLICA_PROFILES, profileSpec } from '../../../bench/suite.ts'

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
