import { describe, expect, it } from 'vitest'
import { type TracedSnapshot, tracedAllocations } from '../../../bench/lib/engine.ts'

// A snapshot's allocation stack tree: (root) → app.ts:main → [app.ts:work, node:inspector:post → app.ts:cb].
const snapshot: TracedSnapshot = {
  snapshot: { meta: { trace_function_info_fields: ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'] } },
  strings: ['', '(root)', 'main', 'work', 'post', 'cb', 'app.ts', 'node:inspector'],
  trace_function_infos: [
    0, 1, 0, 0, 0, 0, // (root)
    1, 2, 6, 1, 1, 1, // main, app.ts
    2, 3, 6, 1, 5, 1, // work, app.ts
    3, 4, 7, 2, 9, 1, // post, node:inspector
    4, 5, 6, 1, 7, 1, // cb, app.ts
  ],
  trace_tree: [0, 0, 0, 0, [
    1, 1, 2, 64, [
      2, 2, 10, 320, [],
      3, 3, 4, 4000, [
        4, 4, 1, 16, [],
      ],
    ],
  ]],
}

describe('tracedAllocations (bench: objects and bytes from the allocation tracker)', () => {
  it('sums every node of the allocation stack tree', () => {
    expect(tracedAllocations(snapshot, () => false)).toEqual({ objects: 17, bytes: 4400 })
  })

  it('leaves out the subtrees under a skipped script, callees included', () => {
    expect(tracedAllocations(snapshot, (script) => script === 'node:inspector')).toEqual({ objects: 12, bytes: 384 })
  })
})
