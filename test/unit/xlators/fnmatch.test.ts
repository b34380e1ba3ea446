import { describe, expect, it } from 'vitest'
import { fnmatch } from '../../../src/xlators/graph.ts'

function matches(pattern: string, yes: string[], no: string[]): void {
  for (const name of yes) expect(fnmatch(pattern, name), `${pattern} should match ${name}`).toBe(true)
  for (const name of no) expect(fnmatch(pattern, name), `${pattern} should not match ${name}`).toBe(false)
}

describe('fnmatch', () => {
  it('matches literal names exactly, anchored at both ends', () => {
    matches('testvol-client-0', ['testvol-client-0'], ['testvol-client-00', 'xtestvol-client-0', 'testvol-client-', ''])
  })

  it('* matches any run of characters, the empty run included', () => {
    matches('*-write-behind', ['testvol-write-behind', '-write-behind', 'a/b-write-behind'], ['testvol-write-behind-x', 'testvol-write-behin'])
    matches('*', ['', 'anything', 'a-b.c/d'], [])
    matches('testvol-*-0', ['testvol-client-0', 'testvol--0'], ['testvol-client-1'])
    matches('a*b*c', ['abc', 'aXbYc', 'abbbc'], ['acb', 'ab'])
  })

  it('? matches exactly one character', () => {
    matches('testvol-client-?', ['testvol-client-0', 'testvol-client-9'], ['testvol-client-', 'testvol-client-10'])
  })

  it('[...] matches one character of a set or range, [!...] one character outside it', () => {
    matches('client-[02]', ['client-0', 'client-2'], ['client-1', 'client-02'])
    matches('client-[0-3]', ['client-0', 'client-3'], ['client-4', 'client-a'])
    matches('client-[!0-3]', ['client-4', 'client-x'], ['client-0', 'client-3', 'client-'])
    matches('[.]x', ['.x'], ['ax'])
  })

  it('treats regular-expression characters literally', () => {
    matches('a.b', ['a.b'], ['axb'])
    matches('a+b', ['a+b'], ['aab', 'ab'])
    matches('(x)|y', ['(x)|y'], ['x', 'y'])
    matches('^a$', ['^a$'], ['a'])
    matches('a{2}', ['a{2}'], ['aa'])
    matches('a/b', ['a/b'], ['ab'])
  })

  it('treats an unclosed [ literally', () => {
    matches('client-[0', ['client-[0'], ['client-0'])
  })

  it('returns false for a range written backwards instead of throwing', () => {
    expect(fnmatch('client-[9-0]', 'client-5')).toBe(false)
  })
})
