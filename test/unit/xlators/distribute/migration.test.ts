import { describe, expect, it } from 'vitest'
import { Dict, Iatt } from '../../../../src/rpc/programs/fops.ts'
import { PROTECT_WRITES_KEY, migrationPhase, withKey } from '../../../../src/xlators/distribute/migration.ts'

const S_IFREG = 0o100000
const S_IFDIR = 0o040000

function iatt(mode: number): Iatt {
  const ia = new Iatt(Buffer.alloc(16))
  ia.mode = mode
  return ia
}

describe('migrationPhase (IS_DHT_MIGRATION_PHASE1/PHASE2)', () => {
  it('sees no migration on ordinary files and directories', () => {
    for (const mode of [S_IFREG | 0o644, S_IFREG | 0o2755, S_IFREG | 0o4755, S_IFDIR | 0o1777, S_IFDIR | 0o3777]) {
      expect(migrationPhase(iatt(mode)), mode.toString(8)).toBe(0)
    }
  })

  it('sees phase 1 in a regular file with both the sticky and setgid bits, whatever its permissions', () => {
    for (const perm of [0o644, 0o600, 0o777, 0o000, 0o4755]) expect(migrationPhase(iatt(S_IFREG | 0o3000 | perm)), perm.toString(8)).toBe(1)
  })

  it('sees phase 2 only when the mode is exactly ---------T (the source became a linkto file)', () => {
    expect(migrationPhase(iatt(S_IFREG | 0o1000))).toBe(2)
    // Sticky with permissions is a user's file, not a linkto.
    expect(migrationPhase(iatt(S_IFREG | 0o1644))).toBe(0)
  })
})

describe('withKey', () => {
  it('adds the key to a copy and leaves the caller\'s xdata untouched', () => {
    const mine = new Dict().setStr('a', 'b')
    const out = withKey(mine, PROTECT_WRITES_KEY)
    expect(out.has(PROTECT_WRITES_KEY)).toBe(true)
    expect(out.getStr('a')).toBe('b')
    expect(mine.has(PROTECT_WRITES_KEY)).toBe(false)
    expect(withKey(undefined, PROTECT_WRITES_KEY).size).toBe(1)
  })
})
