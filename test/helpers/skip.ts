/**
 * The one way a test skips itself: with its reason printed on stderr (every reporter shows it in
 * the CI log) and kept as the skip's note. A skip without a reason is a silent one.
 */
import type { TestContext } from 'vitest'

export function skipBecause(ctx: TestContext, reason: string): never {
  console.warn(`[skipped] ${ctx.task.name}: ${reason}`)
  return ctx.skip(reason)
}
