import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { API_MD, apiReference } from '../../../docs/api-reference.ts'

describe('docs/API.md', () => {
  it('is what docs/api-reference.ts generates from the current declarations (run `npm run docs:api` after changing the API)', () => {
    const generated = apiReference()
    // Every export is in it: a sample of each kind.
    for (const heading of ['### class Glfs', '### class GlfsFd', '### interface GlfsOptions', '### type TimeSpec', '| `O_RDWR` |']) {
      expect(generated).toContain(heading)
    }
    expect(readFileSync(API_MD, 'utf8')).toBe(generated)
  }, 120_000)
})
