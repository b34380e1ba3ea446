/**
 * Topology from the volfiles glusterd served (GETSPEC) for a real `replica 3` and a real
 * `replica 3 arbiter 1` volume (test/fixtures/replicate-*.vol, volumes gfts-i13-r3 and gfts-i13-arb).
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { replicate } from '../../../../src/xlators/replicate/index.ts'
import { hasQuorum } from '../../../../src/xlators/replicate/topology.ts'
import type { Replicate } from '../../../../src/xlators/replicate/replicate.ts'
import { parseVolfile, type VolfileNode } from '../../../../src/xlators/volfile.ts'
import { Xlator, buildXlator } from '../../../../src/xlators/xlator.ts'
import { testInit } from '../../../helpers/xlator-init.ts'

function fixture(name: string): { node: VolfileNode; children: Xlator[] } {
  const volfile = parseVolfile(readFileSync(new URL(`../../../fixtures/${name}`, import.meta.url), 'utf8'))
  const node = volfile.nodes.find((n) => n.type === 'cluster/replicate')!
  const children = node.subvolumes.map((s) => new Xlator(testInit(s, 'protocol/client')))
  return { node, children }
}

function build(node: VolfileNode, children: Xlator[], options: Record<string, string | undefined> = {}): Replicate {
  const opts = new Map(node.options)
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) opts.delete(k)
    else opts.set(k, v)
  }
  return buildXlator(replicate, { ...node, options: opts }, children, { volume: 'gfts-i13-r3' }) as Replicate
}

describe('replicate topology from a real replica 3 volfile', () => {
  const { node, children } = fixture('replicate-3.vol')

  it('takes children in order, pending keys from afr-pending-xattr, auto quorum, the default read policy', () => {
    const t = build(node, children).topology
    expect(t.domain).toBe('gfts-i13-r3-replicate-0')
    expect(t.children).toEqual(['gfts-i13-r3-client-0', 'gfts-i13-r3-client-1', 'gfts-i13-r3-client-2'])
    expect(t.pendingKeys).toEqual(['trusted.afr.gfts-i13-r3-client-0', 'trusted.afr.gfts-i13-r3-client-1', 'trusted.afr.gfts-i13-r3-client-2'])
    expect(t.dirtyKey).toBe('trusted.afr.dirty')
    expect(t.arbiter).toBe(-1)
    expect(t.quorum).toEqual({ kind: 'auto' })
    expect(t.readChild).toBe(-1)
    expect(t.readHashMode).toBe(1)
    expect(t.chooseLocal).toBe(true)
    expect(t.granularEntryHeal).toBe(true)
    expect(t.anonDirName).toMatch(/^\.glusterfs-anonymous-inode-[0-9a-f-]{36}$/)
  })

  it('uses the afr-pending-xattr names even when they differ from the xlator names (after replace-brick)', () => {
    const t = build(node, children, { 'afr-pending-xattr': 'gfts-i13-r3-client-0,gfts-i13-r3-client-7,gfts-i13-r3-client-2' }).topology
    expect(t.pendingKeys[1]).toBe('trusted.afr.gfts-i13-r3-client-7')
  })

  it('refuses a volfile without afr-pending-xattr rather than guess the names', () => {
    expect(() => build(node, children, { 'afr-pending-xattr': undefined })).toThrow(/ENOTSUP.*afr-pending-xattr/)
    expect(() => build(node, children, { 'afr-pending-xattr': 'a,b' })).toThrow(/EINVAL.*2 afr-pending-xattr names for 3/)
  })

  it('honours quorum-type and quorum-count when given', () => {
    expect(build(node, children, { 'quorum-type': 'none' }).topology.quorum).toEqual({ kind: 'none' })
    expect(build(node, children, { 'quorum-type': 'fixed', 'quorum-count': '3' }).topology.quorum).toEqual({ kind: 'fixed', count: 3 })
    expect(() => build(node, children, { 'quorum-type': 'fixed', 'quorum-count': '4' })).toThrow(/quorum-count 4/)
  })

  it('reads read-subvolume by name and read-subvolume-index, refusing ones that are not children', () => {
    expect(build(node, children, { 'read-subvolume': 'gfts-i13-r3-client-2' }).topology.readChild).toBe(2)
    expect(build(node, children, { 'read-subvolume-index': '1' }).topology.readChild).toBe(1)
    expect(() => build(node, children, { 'read-subvolume': 'nope' })).toThrow(/not a subvolume/)
    expect(() => build(node, children, { 'read-subvolume-index': '3' })).toThrow(/not a subvolume index/)
  })

  it.each([
    ['thin-arbiter', 'vm:/ta'],
    ['halo-enabled', 'on'],
    ['consistent-metadata', 'on'],
    ['consistent-io', 'yes'],
    ['data-change-log', 'off'],
    ['read-hash-mode', '3'],
    ['iam-self-heal-daemon', 'yes'],
    ['some-future-option', 'x'],
  ])('refuses %s %s with ENOTSUP naming the option', (key, value) => {
    let err: unknown
    try {
      build(node, children, { [key]: value })
    } catch (e) {
      err = e
    }
    expect(err).toMatchObject({ code: 'ENOTSUP', syscall: 'init' })
    expect((err as Error).message).toContain(`'${key} ${value}'`)
    expect((err as Error).message).toContain('gfts-i13-r3-replicate-0')
  })

  it('accepts the options whose meaning needs nothing from a client that never heals and locks per transaction', () => {
    expect(() => build(node, children, {
      'eager-lock': 'off', 'favorite-child-policy': 'mtime', 'data-self-heal': 'on', 'entry-self-heal': 'on',
      'metadata-self-heal': 'on', 'halo-enabled': 'off', 'consistent-metadata': 'no', 'full-lock': 'no', 'post-op-delay-secs': '0',
    })).not.toThrow()
  })
})

describe('replicate topology from a real replica 3 arbiter 1 volfile', () => {
  const { node, children } = fixture('replicate-arbiter.vol')

  it('makes child 2 the arbiter', () => {
    const t = build(node, children).topology
    expect(t.arbiter).toBe(2)
    expect(t.quorum).toEqual({ kind: 'auto' })
    expect(t.pendingKeys).toEqual(['trusted.afr.gfts-i13-arb-client-0', 'trusted.afr.gfts-i13-arb-client-1', 'trusted.afr.gfts-i13-arb-client-2'])
  })

  it('refuses an arbiter on other than three children', () => {
    const two = children.slice(0, 2)
    expect(() => build({ ...node, subvolumes: node.subvolumes.slice(0, 2) }, two, { 'afr-pending-xattr': 'a,b' })).toThrow(/arbiter needs exactly 3/)
  })
})

describe('afr_has_quorum', () => {
  it('auto: more than half; exactly half only with child 0', () => {
    const auto = { kind: 'auto' } as const
    expect(hasQuorum(auto, [true, true, false])).toBe(true)
    expect(hasQuorum(auto, [true, false, false])).toBe(false)
    expect(hasQuorum(auto, [false, true, true])).toBe(true)
    expect(hasQuorum(auto, [true, false])).toBe(true)
    expect(hasQuorum(auto, [false, true])).toBe(false)
    expect(hasQuorum(auto, [true, true, false, false])).toBe(true)
    expect(hasQuorum(auto, [false, true, true, false])).toBe(false)
  })
  it('fixed counts; none always holds', () => {
    expect(hasQuorum({ kind: 'fixed', count: 3 }, [true, true, false])).toBe(false)
    expect(hasQuorum({ kind: 'fixed', count: 1 }, [false, false, true])).toBe(true)
    expect(hasQuorum({ kind: 'none' }, [false, false, false])).toBe(true)
  })
})
