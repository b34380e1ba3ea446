import { afterEach, describe, expect, it, vi } from 'vitest'
import { main, oneLine } from '../../../bench/cli.ts'
import { GlusterError } from '../../../src/api/index.ts'

describe('gfapi-bench errors', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('gives a GlusterError as its code and its own words, which name the server', () => {
    const err = new GlusterError({ errno: 2, syscall: 'getspec', host: 'h1', port: 24007, volume: 'x', detail: "volume 'x' does not exist on glusterd h1:24007" })
    expect(oneLine(err)).toBe("ENOENT: volume 'x' does not exist on glusterd h1:24007")
  })

  it('keeps the whole message of a GlusterError about a path (the detail alone would not name it)', () => {
    const err = new GlusterError({ errno: 21, syscall: 'open', path: '/d', volume: 'x', detail: 'use opendir() to read a directory' })
    expect(oneLine(err)).toBe(err.message)
    expect(oneLine(err)).toContain("'/d'")
  })

  it('takes the first line of any other error', () => {
    expect(oneLine(new Error('first\nsecond'))).toBe('first')
    expect(oneLine('text')).toBe('text')
  })

  it('prints usage errors as one line and exits 2', async () => {
    const written: string[] = []
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk))
      return true
    })
    expect(await main(['--iodepht=4'])).toBe(2)
    expect(written).toEqual(["gfapi-bench: unknown option '--iodepht' (see gfapi-bench --help)\n"])
  })
})
