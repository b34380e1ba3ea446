/**
 * Run a setup script that may leave daemons behind (gluster-sandbox.sh starts glusterd).
 *
 * A daemon inherits the script's descriptors: with pipes for stdout/stderr, waiting for them to
 * close (execFile, spawnSync, the 'close' event) waits for the daemon, forever. So stdout goes to
 * a file read once the script has exited, stderr is the caller's own (progress shows as it comes),
 * and the wait is for the script's exit alone.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, open, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface SetupScriptOptions {
  /** The script is killed, and the run fails, after this long. */
  readonly timeoutMs: number
  readonly env?: NodeJS.ProcessEnv | undefined
  readonly cwd?: string | undefined
}

/** Run `bash script`; resolves with its stdout once it exits 0, rejects on any other end. */
export async function runSetupScript(script: string, options: SetupScriptOptions): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gfapi-ts-setup-'))
  const outPath = join(dir, 'stdout')
  const out = await open(outPath, 'w')
  try {
    const child = spawn('bash', [script], { stdio: ['ignore', out.fd, 'inherit'], env: options.env, cwd: options.cwd })
    const end = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean }>((resolve, reject) => {
      let timedOut = false
      const timer = setTimeout(() => {
        timedOut = true
        child.kill('SIGKILL')
      }, options.timeoutMs)
      child.once('error', (err) => {
        clearTimeout(timer)
        reject(new Error(`cannot run ${script}: ${err.message}`, { cause: err }))
      })
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        resolve({ code, signal, timedOut })
      })
    })
    if (end.timedOut) throw new Error(`${script} did not finish within ${Math.round(options.timeoutMs / 1000)} s and was killed`)
    if (end.code !== 0) {
      throw new Error(`${script} ${end.signal !== null ? `was killed by ${end.signal}` : `exited with ${end.code}`} (its messages are above, on stderr)`)
    }
    return await readFile(outPath, 'utf8')
  } finally {
    await out.close()
    await rm(dir, { recursive: true, force: true })
  }
}
