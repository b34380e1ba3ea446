/**
 * vitest globalSetup: bring up the local GlusterFS sandbox (gluster-sandbox.sh) once per run and
 * hand its description to the tests as `inject('sandbox')` (see test/helpers/sandbox.ts).
 *
 * We never skip silently: if the sandbox cannot be started the run fails (under CI=true and
 * locally alike); the script's messages are on stderr just above the error.
 *
 * Only type imports from the helpers: a globalSetup must not import 'vitest' at runtime.
 */
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { runSetupScript } from '../../bench/lib/setup-script.ts'
import type { Sandbox } from '../helpers/sandbox.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    sandbox: Sandbox
  }
}

export const SANDBOX_SCRIPT = fileURLToPath(new URL('./gluster-sandbox.sh', import.meta.url))

/** apt installs on a fresh machine can take minutes. */
const SCRIPT_TIMEOUT_MS = 20 * 60_000

/**
 * Run gluster-sandbox.sh and parse the JSON it prints on stdout. Its progress goes straight to
 * our stderr; the wait ends when the script exits, not when the glusterd it may start lets go of
 * the script's descriptors (bench/lib/setup-script.ts).
 */
export async function runSandboxScript(timeoutMs = SCRIPT_TIMEOUT_MS): Promise<Sandbox> {
  const out = (await runSetupScript(SANDBOX_SCRIPT, { timeoutMs })).trim()
  let parsed: Sandbox
  try {
    parsed = JSON.parse(out) as Sandbox
  } catch (e) {
    throw new Error(`${SANDBOX_SCRIPT} printed invalid JSON (${(e as Error).message}): ${out.slice(0, 500)}`)
  }
  if (typeof parsed.host !== 'string' || typeof parsed.volumes?.single?.name !== 'string') {
    throw new Error(`${SANDBOX_SCRIPT} printed JSON without host or volumes.single.name: ${out.slice(0, 500)}`)
  }
  return parsed
}

export default async function setup({ provide }: TestProject): Promise<void> {
  const started = Date.now()
  let sandbox: Sandbox
  try {
    sandbox = await runSandboxScript()
  } catch (err) {
    const where = process.env.CI === 'true' ? 'CI' : 'local run'
    throw new Error(`GlusterFS sandbox could not be started (${where}): ${(err as Error).message}`, { cause: err })
  }
  const ms = Date.now() - started
  if (ms > 5_000) console.error(`[global-setup] gluster sandbox ready in ${(ms / 1000).toFixed(1)} s`)
  provide('sandbox', sandbox)
}
