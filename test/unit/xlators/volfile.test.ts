import { describe, expect, it } from 'vitest'
import { VolfileError, parseVolfile } from '../../../src/xlators/volfile.ts'

// gluster-wire.md §5.2, verbatim (testvol.tcp-fuse.vol of a 2-brick distribute volume).
const REFERENCE = `volume testvol-client-0
    type protocol/client
    option send-gids true
    option strict-locks off
    option transport.socket.keepalive-count 9
    option transport.socket.keepalive-interval 2
    option transport.socket.keepalive-time 20
    option transport.tcp-user-timeout 0
    option transport.socket.ssl-enabled off
    option transport.address-family inet
    option transport-type tcp
    option remote-subvolume /bricks/b1
    option remote-host vm
    option ping-timeout 42
end-volume

volume testvol-client-1
    type protocol/client
    # (same nine transport/send-gids/strict-locks options as testvol-client-0)
    option remote-subvolume /bricks/b2
    option remote-host vm
    option ping-timeout 42
end-volume

volume testvol-dht
    type cluster/distribute
    option force-migration off
    option lock-migration off
    subvolumes testvol-client-0 testvol-client-1
end-volume

volume testvol-utime
    type features/utime
    option noatime on
    subvolumes testvol-dht
end-volume

volume testvol-write-behind
    type performance/write-behind
    subvolumes testvol-utime
end-volume

volume testvol-open-behind
    type performance/open-behind
    subvolumes testvol-write-behind
end-volume

volume testvol-quick-read
    type performance/quick-read
    subvolumes testvol-open-behind
end-volume

volume testvol-md-cache
    type performance/md-cache
    subvolumes testvol-quick-read
end-volume

volume testvol-io-threads
    type performance/io-threads
    subvolumes testvol-md-cache
end-volume

volume testvol
    type debug/io-stats
    option global-threading off
    option count-fop-hits off
    option latency-measurement off
    option threads 16
    option log-level INFO
    subvolumes testvol-io-threads
end-volume
`

function volfileError(text: string): VolfileError {
  try {
    parseVolfile(text)
  } catch (err) {
    if (err instanceof VolfileError) return err
    throw err
  }
  throw new Error('expected a VolfileError, but parseVolfile returned')
}

function expectErrorAt(text: string, line: number): void {
  const err = volfileError(text)
  expect(err.code).toBe('ERR_GLFS_VOLFILE')
  expect(err.line, err.message).toBe(line)
}

describe('parseVolfile: the reference volfile', () => {
  const vf = parseVolfile(REFERENCE)

  it('has every section in file order, the last one on top', () => {
    expect(vf.nodes.map((n) => n.name)).toEqual([
      'testvol-client-0', 'testvol-client-1', 'testvol-dht', 'testvol-utime', 'testvol-write-behind',
      'testvol-open-behind', 'testvol-quick-read', 'testvol-md-cache', 'testvol-io-threads', 'testvol',
    ])
    expect(vf.top).toBe(vf.nodes[9])
    expect(vf.top.name).toBe('testvol')
    expect(vf.top.type).toBe('debug/io-stats')
  })

  it('links each section to its subvolumes', () => {
    const by = new Map(vf.nodes.map((n) => [n.name, n]))
    expect(by.get('testvol-dht')!.subvolumes).toEqual(['testvol-client-0', 'testvol-client-1'])
    expect(by.get('testvol-utime')!.subvolumes).toEqual(['testvol-dht'])
    expect(by.get('testvol')!.subvolumes).toEqual(['testvol-io-threads'])
    expect(by.get('testvol-client-0')!.subvolumes).toEqual([])
    // walking down from the top reaches the two clients through the default 10.x chain
    const chain: string[] = []
    let node = vf.top
    while (node.subvolumes.length === 1) {
      chain.push(node.type)
      node = by.get(node.subvolumes[0]!)!
    }
    chain.push(node.type)
    expect(chain).toEqual([
      'debug/io-stats', 'performance/io-threads', 'performance/md-cache', 'performance/quick-read',
      'performance/open-behind', 'performance/write-behind', 'features/utime', 'cluster/distribute',
    ])
  })

  it('keeps every option as text', () => {
    const client0 = vf.nodes[0]!
    expect(client0.type).toBe('protocol/client')
    expect(client0.options.size).toBe(12)
    expect(client0.options.get('remote-subvolume')).toBe('/bricks/b1')
    expect(client0.options.get('remote-host')).toBe('vm')
    expect(client0.options.get('ping-timeout')).toBe('42')
    expect(client0.options.get('transport.socket.keepalive-count')).toBe('9')
    const client1 = vf.nodes[1]!
    expect([...client1.options]).toEqual([['remote-subvolume', '/bricks/b2'], ['remote-host', 'vm'], ['ping-timeout', '42']])
    expect(vf.top.options.get('log-level')).toBe('INFO')
    expect(vf.top.options.get('threads')).toBe('16')
  })

  it('records the line of each volume keyword', () => {
    const lines = REFERENCE.split('\n')
    for (const node of vf.nodes) expect(lines[node.line - 1]).toBe(`volume ${node.name}`)
  })

  it('parses the same with CRLF line endings', () => {
    const crlf = parseVolfile(REFERENCE.replace(/\n/g, '\r\n'))
    expect(crlf.nodes.map((n) => [n.name, n.type, [...n.options], n.subvolumes, n.line]))
      .toEqual(vf.nodes.map((n) => [n.name, n.type, [...n.options], n.subvolumes, n.line]))
  })
})

describe('parseVolfile: lexical forms', () => {
  it('skips comments: whole lines, after tokens, at the end of input, with keywords and quotes inside', () => {
    const vf = parseVolfile([
      '# volume fake',
      'volume a # end-volume "not a string',
      '  type x/y   # type z/w',
      '  option k v#not-part-of-the-value',
      '  # option hidden yes',
      'end-volume # trailing',
      '# no newline at the end',
    ].join('\n'))
    expect(vf.nodes).toHaveLength(1)
    expect(vf.top.type).toBe('x/y')
    expect([...vf.top.options]).toEqual([['k', 'v']])
  })

  it('takes quoted strings whole, with escapes', () => {
    const vf = parseVolfile([
      'volume "a"',
      '  type features/x',
      '  option spaced "two words # not a comment"',
      '  option escaped "say \\"hi\\" \\\\ done"',
      '  option keyword "end-volume"',
      '  option empty ""',
      '  option "quoted-key" plain',
      'end-volume',
    ].join('\n'))
    expect(vf.top.name).toBe('a')
    expect(vf.top.options.get('spaced')).toBe('two words # not a comment')
    expect(vf.top.options.get('escaped')).toBe('say "hi" \\ done')
    expect(vf.top.options.get('keyword')).toBe('end-volume')
    expect(vf.top.options.get('empty')).toBe('')
    expect(vf.top.options.get('quoted-key')).toBe('plain')
  })

  it('counts lines inside multi-line quoted strings', () => {
    const vf = parseVolfile('volume a\n type t\n option k "one\ntwo\nthree"\nend-volume\nvolume b\n type t\n subvolumes a\nend-volume\n')
    expect(vf.nodes[0]!.options.get('k')).toBe('one\ntwo\nthree')
    expect(vf.nodes[1]!.line).toBe(7)
  })

  it('accepts tokens separated by any blanks and newlines', () => {
    const vf = parseVolfile('volume\ta\ttype\tt\f option\v k \n v end-volume volume b type u subvolumes\na end-volume')
    expect(vf.nodes.map((n) => [n.name, n.type])).toEqual([['a', 't'], ['b', 'u']])
    expect(vf.nodes[0]!.options.get('k')).toBe('v')
    expect(vf.top.subvolumes).toEqual(['a'])
  })

  it('allows options after subvolumes', () => {
    const vf = parseVolfile('volume a\n type t\nend-volume\nvolume b\n type u\n subvolumes a\n option late yes\nend-volume\n')
    expect(vf.top.options.get('late')).toBe('yes')
  })
})

describe('parseVolfile: malformed input', () => {
  it('rejects empty and comment-only input', () => {
    expectErrorAt('', 1)
    expectErrorAt('# nothing here\n\n', 1)
  })

  it('rejects a section missing end-volume before the next volume, at that volume', () => {
    expectErrorAt('volume a\n  type t\n\nvolume b\n  type t\nend-volume\n', 4)
  })

  it('rejects a section missing end-volume at the end of input, at its volume line', () => {
    expectErrorAt('\nvolume a\n  type t\n  option k v\n', 2)
  })

  it('rejects a section with no type, at its volume line', () => {
    expectErrorAt('volume a\n  type t\nend-volume\n\nvolume b\n  option k v\n  subvolumes a\nend-volume\n', 5)
  })

  it('rejects a second type line', () => {
    expectErrorAt('volume a\n  type t\n  type u\nend-volume\n', 3)
  })

  it('rejects a keyword where the type should be', () => {
    expectErrorAt('volume a\n  type\n  option k v\nend-volume\n', 3)
  })

  it('rejects duplicate names, at the second definition', () => {
    expectErrorAt('volume a\n type t\nend-volume\nvolume b\n type t\nend-volume\nvolume a\n type t\nend-volume\n', 7)
  })

  it('rejects a subvolume not defined before, at its line', () => {
    // defined later (forward reference)
    expectErrorAt('volume top\n  type t\n  subvolumes\n    later\nend-volume\nvolume later\n  type t\nend-volume\n', 4)
    // never defined
    expectErrorAt('volume a\n type t\nend-volume\nvolume b\n type t\n subvolumes a ghost\nend-volume\n', 6)
  })

  it('rejects a section naming itself as subvolume', () => {
    expectErrorAt('volume a\n type t\n subvolumes a\nend-volume\n', 3)
  })

  it('rejects an empty or repeated subvolumes line', () => {
    expectErrorAt('volume a\n type t\nend-volume\nvolume b\n type t\n subvolumes\nend-volume\n', 6)
    expectErrorAt('volume a\n type t\nend-volume\nvolume b\n type t\n subvolumes a\n subvolumes a\nend-volume\n', 7)
  })

  it('rejects an option without a value, at the option line', () => {
    expectErrorAt('volume a\n  type t\n  option lonely\nend-volume\n', 3)
    expectErrorAt('volume a\n  type t\n  option lonely\n  option k v\nend-volume\n', 3)
    expectErrorAt('volume a\n  type t\n  option lonely', 3)
  })

  it('rejects an option without a key', () => {
    expectErrorAt('volume a\n  type t\n  option\nend-volume\n', 4)
  })

  it('rejects stray tokens inside a section, before the first and after the last', () => {
    expectErrorAt('volume a\n  type t\n  stray\nend-volume\n', 3)
    expectErrorAt('volume a\n  type t\n  option k v extra\nend-volume\n', 3)
    expectErrorAt('volume a\n  type t\n  "quoted"\nend-volume\n', 3)
    expectErrorAt('\n\nhello\nvolume a\n  type t\nend-volume\n', 3)
    expectErrorAt('volume a\n  type t\nend-volume\nend-volume\n', 4)
    expectErrorAt('volume a\n  type t\nend-volume\n\n"volume"\n', 5)
  })

  it('rejects a keyword or an empty string as a volume name', () => {
    expectErrorAt('volume\n  type t\nend-volume\n', 2)
    expectErrorAt('volume ""\n  type t\nend-volume\n', 1)
  })

  it('rejects an unterminated quoted string, at the line it starts', () => {
    expectErrorAt('volume a\n  type t\n  option k "never\n  closed\nend-volume\n', 3)
  })

  it('rejects a backslash outside a string and at the end of input', () => {
    expectErrorAt('volume a\n  type t\n  option k a\\b\nend-volume\n', 3)
    expectErrorAt('volume a\n  type t\n  option k "abc\\', 3)
  })

  it('rejects input larger than 16 MiB', () => {
    const err = volfileError('#'.repeat(16 * 1024 * 1024 + 1))
    expect(err.code).toBe('ERR_GLFS_VOLFILE')
  })

  it('rejects a non-string argument with VolfileError', () => {
    expect(volfileError(42 as unknown as string).code).toBe('ERR_GLFS_VOLFILE')
  })
})
