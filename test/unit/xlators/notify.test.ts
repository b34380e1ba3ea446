/**
 * Events flow up the graph as glusterfs notify carries them: protocol/client raises them about its
 * connection, distribute aggregates per child as dht_notify does, and the top hands them to the
 * graph's root (what Glfs listens to).
 */
import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { client } from '../../../src/xlators/client/index.ts'
import { distribute } from '../../../src/xlators/distribute/index.ts'
import type { VolfileNode } from '../../../src/xlators/volfile.ts'
import { type GraphContext, Xlator, type XlatorEvent, buildXlator } from '../../../src/xlators/xlator.ts'
import { testInit } from '../../helpers/xlator-init.ts'

interface Heard {
  readonly event: XlatorEvent
  readonly from: string
  readonly detail: unknown
}

/** A graph context whose root records what the top passes up. */
function listening(): { graph: GraphContext; heard: Heard[] } {
  const heard: Heard[] = []
  const graph: GraphContext = {
    volume: 'v',
    reconnect: { initialDelayMs: 1, maxDelayMs: 5 },
    root: { notify: (event, top, detail) => heard.push({ event, from: top.name, detail }) },
  }
  return { graph, heard }
}

function section(name: string, type: string, options: Record<string, string> = {}): VolfileNode {
  return { name, type, options: new Map(Object.entries(options)), subvolumes: [], line: 1 }
}

/** Stands for a protocol/client: raises the events a brick connection would. */
class Brick extends Xlator {
  raise(event: XlatorEvent): void {
    this.notify(event, this)
  }
}

/** `n` bricks under a distribute under a pass-through top, as glusterd's client volfiles stack them. */
function dhtGraph(n: number): { bricks: Brick[]; top: Xlator; heard: Heard[] } {
  const { graph, heard } = listening()
  const bricks = Array.from({ length: n }, (_, i) => new Brick(testInit(`v-client-${i}`, 'test/brick', [], graph)))
  const dht = buildXlator(distribute, section('v-dht', 'cluster/distribute'), bricks, graph)
  const top = new Xlator(testInit('v', 'debug/io-stats', [dht], graph))
  return { bricks, top, heard }
}

const events = (heard: Heard[]): XlatorEvent[] => heard.map((h) => h.event)

describe('notify through distribute (dht_notify)', () => {
  it('stays quiet until every subvolume reported, then passes up CHILD_UP if one is up', () => {
    const { bricks, heard } = dhtGraph(3)
    bricks[0]!.raise('CHILD_UP')
    bricks[1]!.raise('CHILD_DOWN')
    expect(heard).toEqual([])
    bricks[2]!.raise('CHILD_DOWN')
    expect(heard).toEqual([{ event: 'CHILD_UP', from: 'v', detail: undefined }])
  })

  it('passes up CHILD_CONNECTING when none is up and one is trying, CHILD_DOWN when all are down', () => {
    const trying = dhtGraph(2)
    trying.bricks[0]!.raise('CHILD_DOWN')
    trying.bricks[1]!.raise('CHILD_CONNECTING')
    expect(events(trying.heard)).toEqual(['CHILD_CONNECTING'])

    const down = dhtGraph(2)
    down.bricks[0]!.raise('CHILD_DOWN')
    down.bricks[1]!.raise('CHILD_DOWN')
    expect(events(down.heard)).toEqual(['CHILD_DOWN'])
  })

  it('then passes every event, a CHILD_DOWN as SOME_DESCENDENT_DOWN while another subvolume is not down', () => {
    const { bricks, heard } = dhtGraph(2)
    bricks[0]!.raise('CHILD_UP')
    bricks[1]!.raise('CHILD_UP')
    bricks[0]!.raise('CHILD_DOWN')
    bricks[0]!.raise('CHILD_CONNECTING')
    bricks[1]!.raise('CHILD_DOWN')
    bricks[0]!.raise('CHILD_DOWN')
    bricks[1]!.raise('CHILD_UP')
    expect(events(heard)).toEqual(['CHILD_UP', 'SOME_DESCENDENT_DOWN', 'CHILD_CONNECTING', 'SOME_DESCENDENT_DOWN', 'CHILD_DOWN', 'CHILD_UP'])
    // The root hears each as coming from the top of the graph.
    expect(new Set(heard.map((h) => h.from))).toEqual(new Set(['v']))
  })
})

describe('notify from protocol/client', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c()
  })

  /** A port on which nothing listens: connects are refused at once. */
  async function deadPort(): Promise<number> {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    await new Promise<void>((resolve) => server.close(() => resolve()))
    return port
  }

  it('raises CHILD_DOWN when its brick is unreachable, then CHILD_CONNECTING per failed attempt, reaching the root; bricks() reports it', async () => {
    const { graph, heard } = listening()
    const port = await deadPort()
    const brick = buildXlator(client, section('v-client-0', 'protocol/client', {
      'remote-host': '127.0.0.1', 'remote-port': String(port), 'remote-subvolume': '/b0',
    }), [], graph)
    const top = new Xlator(testInit('v', 'debug/io-stats', [brick], graph))
    cleanups.push(() => brick.fini())
    const cause = await brick.init().then(() => undefined, (err: unknown) => err)
    expect(cause).toMatchObject({ code: 'ECONNREFUSED' })
    // The graph mounts without it (Graph.init under a tolerant parent): it says so and retries.
    brick.startDegraded(cause)
    expect(heard[0]).toEqual({ event: 'CHILD_DOWN', from: 'v', detail: cause })
    while (heard.length < 3) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(events(heard).slice(0, 3)).toEqual(['CHILD_DOWN', 'CHILD_CONNECTING', 'CHILD_CONNECTING'])
    expect(top.bricks()).toEqual([{
      // Between attempts it is disconnected; during one (1-5 ms apart here), connecting.
      xlator: 'v-client-0', host: '127.0.0.1', path: '/b0', port: undefined, status: expect.stringMatching(/^(disconnected|connecting)$/), cause: expect.objectContaining({ code: 'ECONNREFUSED' }),
    }])
    expect(top.callsInFlight).toBe(0)
    await top.whenIdle()
    await brick.fini()
    expect(top.bricks()[0]!.status).toBe('closed')
  })
})
