import { debuglog } from 'node:util'
import type { BackoffOptions } from '../rpc/backoff.ts'
import type { RpcClientOptions } from '../rpc/client.ts'
import type { MountTls } from '../rpc/tls.ts'
import { lookupXlatorType } from './registry.ts'
import { assertSupported } from './support.ts'
import type { Volfile, VolfileNode } from './volfile.ts'
import { Xlator } from './xlator.ts'

const debug = debuglog('gfapi')

/** An option set through `Glfs.setXlatorOption`, applied to matching volfile sections. */
export interface XlatorOptionOverride {
  /** fnmatch-style pattern on the xlator name, e.g. `*-write-behind`. */
  readonly pattern: string
  readonly key: string
  readonly value: string
}

/** What every xlator of one mounted graph shares. */
export interface GraphContext {
  readonly volume: string
  /** Connection settings for protocol/client; `pingTimeoutMs` overrides the volfile's when set. */
  readonly rpc: RpcClientOptions & { pingTimeoutMs?: number | undefined }
  /** The volfile server's endpoint, for protocol/client portmap queries on the same host. */
  readonly volfileServerHost: string
  /** Backoff of protocol/client reconnect attempts. Defaults to `DEFAULT_BACKOFF`. */
  readonly reconnect?: BackoffOptions | undefined
  /** Certificates and management TLS of the mount, for protocol/client. */
  readonly tls?: MountTls | undefined
}

/** Builds one xlator from its volfile section and already-built children. */
export type XlatorFactory = (node: VolfileNode, children: Xlator[], ctx: GraphContext) => Xlator

/** A linked, initialised translator graph: `top` receives the API's fops. */
export class Graph {
  readonly top: Xlator
  readonly xlators: readonly Xlator[]
  readonly volfile: Volfile
  /** Each xlator's volfile section with `setXlatorOption` overrides applied, by name. */
  readonly #effective: ReadonlyMap<string, VolfileNode>

  constructor(volfile: Volfile, top: Xlator, xlators: readonly Xlator[], effective: ReadonlyMap<string, VolfileNode> = new Map()) {
    this.volfile = volfile
    this.top = top
    this.xlators = xlators
    this.#effective = effective
  }

  /** The options an xlator was built with (volfile plus overrides), by its name. */
  effectiveOptions(name: string): ReadonlyMap<string, string> | undefined {
    return this.#effective.get(name)?.options
  }

  /**
   * Init bottom-up: children are ready before their parents. Below an xlator that mounts degraded
   * (distribute), children that fail are left retrying as long as one succeeded; with none, the
   * first child's failure fails the mount.
   */
  async init(): Promise<void> {
    const started = new Set<Xlator>()
    const initOne = async (xl: Xlator): Promise<void> => {
      if (started.has(xl)) return
      started.add(xl)
      if (!xl.mountsDegraded) {
        await Promise.all(xl.children.map(initOne))
      } else {
        const results = await Promise.allSettled(xl.children.map(initOne))
        const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [{ child: xl.children[i]!, cause: r.reason as unknown }] : []))
        if (failed.length === results.length && failed.length > 0) throw failed[0]!.cause
        for (const { child, cause } of failed) {
          debug('%s: %s is not reachable, mounting without it: %s', xl.name, child.name, cause instanceof Error ? cause.message : String(cause))
          child.startDegraded(cause)
        }
      }
      await xl.init()
    }
    await initOne(this.top)
  }

  /** Fini top-down; every xlator is finished even if one of them fails. */
  async fini(): Promise<void> {
    const errors: unknown[] = []
    for (let i = this.xlators.length - 1; i >= 0; i--) {
      try {
        await this.xlators[i]!.fini()
      } catch (err) {
        errors.push(err)
      }
    }
    if (errors.length > 0) throw errors[0]
  }

  /** The graph as an indented tree, top first: `name (type)`. */
  describe(): string {
    const lines: string[] = []
    const walk = (xl: Xlator, depth: number): void => {
      lines.push(`${'  '.repeat(depth)}${xl.name} (${xl.type})`)
      for (const c of xl.children) walk(c, depth + 1)
    }
    walk(this.top, 0)
    return lines.join('\n')
  }

  find(name: string): Xlator | undefined {
    return this.xlators.find((x) => x.name === name)
  }
}

/** fnmatch(3) subset used by glfs_set_xlator_option patterns: `*`, `?`, `[...]`. */
export function fnmatch(pattern: string, name: string): boolean {
  return fnmatchRegExp(pattern)?.test(name) ?? false
}

/**
 * `pattern` as an anchored RegExp, to test many names; undefined when it can match nothing
 * (a class the RegExp engine refuses, a range written backwards `[9-0]`, as in fnmatch(3)).
 */
export function fnmatchRegExp(pattern: string): RegExp | undefined {
  let re = '^'
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '*') re += '.*'
    else if (c === '?') re += '.'
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 1)
      if (close < 0) re += '\\['
      else {
        re += '[' + pattern.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']'
        i = close
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&')
  }
  try {
    return new RegExp(re + '$')
  } catch {
    return undefined
  }
}

/**
 * Instantiate the volfile's sections by type, children first. Types in the pass-through table
 * (support.ts) become base xlators that forward every fop; a volfile with anything else this
 * client would mishandle throws GlusterError ENOTSUP before any xlator is built.
 */
export function buildGraph(volfile: Volfile, ctx: GraphContext, overrides: readonly XlatorOptionOverride[] = []): Graph {
  const effectiveNodes = volfile.nodes.map((node) => applyOverrides(node, overrides))
  assertSupported(effectiveNodes, ctx.volume, (type) => lookupXlatorType(type) !== undefined)
  const built = new Map<string, Xlator>()
  const xlators: Xlator[] = []
  const nodes = new Map<string, VolfileNode>()
  for (const effective of effectiveNodes) {
    const children = effective.subvolumes.map((name) => built.get(name)!)
    nodes.set(effective.name, effective)
    const factory = lookupXlatorType(effective.type)
    let xl: Xlator
    if (factory === undefined) {
      debug('xlator %s: %s skipped, passing its fops through', effective.name, effective.type)
      xl = new Xlator(effective.name, effective.type, children)
    } else {
      xl = factory(effective, children, ctx)
    }
    built.set(effective.name, xl)
    xlators.push(xl)
  }
  return new Graph(volfile, built.get(volfile.top.name)!, xlators, nodes)
}

function applyOverrides(node: VolfileNode, overrides: readonly XlatorOptionOverride[]): VolfileNode {
  const matching = overrides.filter((o) => fnmatch(o.pattern, node.name))
  if (matching.length === 0) return node
  const options = new Map(node.options)
  for (const o of matching) options.set(o.key, o.value)
  return { ...node, options }
}
