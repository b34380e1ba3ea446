/**
 * vitest globalSetup: bring up the local GlusterFS sandbox (gluster-sandbox.sh) once per run and
 * hand its description to the tests as `inject('sandbox')` (see test/helpers/sandbox.ts).
 *
 * We never skip silently: if the sandbox cannot be started the run fails, with the script's
 * stderr in the error (under CI=true and locally alike).
 *
 * Only type imports from the helpers: a globalSetup must not import 'vitest' at runtime.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import type { Sandbox } from '../helpers/sandbox.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    sandbox: Sandbox
  }
}

export const SANDBOX_SCRIPT = fileURLToPath(new URL('./gluster-sandbox.sh', import.meta.url))

/** apt installs on a fresh machine can take minutes. */
const SCRIPT_TIMEOUT_MS = 20 * 60_000

export type SandboxScriptResult =
  | { ok: true; sandbox: Sandbox; stderr: string }
  | { ok: false; error: string; stderr: string }

/** Run gluster-sandbox.sh synchronously and parse the JSON it prints on stdout. */
export function runSandboxScript(timeoutMs = SCRIPT_TIMEOUT_MS): SandboxScriptResult {
  const r = spawnSync('bash', [SANDBOX_SCRIPT], {
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stderr = r.stderr ?? ''
  if (r.error) return { ok: false, stderr, error: `cannot run ${SANDBOX_SCRIPT}: ${r.error.message}` }
  if (r.status !== 0) {
    const how = r.signal ? `was killed by ${r.signal}${r.signal === 'SIGKILL' ? ' (timeout?)' : ''}` : `exited with ${r.status}`
    return { ok: false, stderr, error: `${SANDBOX_SCRIPT} ${how}` }
  }
  const out = (r.stdout ?? '').trim()
  try {
    const parsed = JSON.parse(out) as Sandbox
    if (typeof parsed.host !== 'string' || typeof parsed.volumes?.single?.name !== 'string') {
      throw new Error('missing host or volumes.single.name')
    }
    return { ok: true, sandbox: parsed, stderr }
  } catch (e) {
    return { ok: false, stderr, error: `${SANDBOX_SCRIPT} printed invalid JSON (${(e as Error).message}): ${out.slice(0, 500)}` }
  }
}

export default async function setup({ provide }: TestProject): Promise<void> {
  const started = Date.now()
  const r = runSandboxScript()
  if (!r.ok) {
    const where = process.env.CI === 'true' ? 'CI' : 'local run'
    throw new Error(
      `GlusterFS sandbox could not be started (${where}): ${r.error}\n` +
        `--- gluster-sandbox.sh stderr (tail) ---\n${r.stderr.trim().slice(-8000)}`,
    )
  }
  const ms = Date.now() - started
  if (ms > 5_000) console.error(`[global-setup] gluster sandbox ready in ${(ms / 1000).toFixed(1)} s`)
  provide('sandbox', r.sandbox)
}
