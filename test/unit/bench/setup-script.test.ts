/**
 * The sandbox launcher returns when the script exits, even though a process the script started
 * (as gluster-sandbox.sh starts glusterd) still holds the script's stdout and stderr.
 */
import { execFile, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { runSetupScript } from '../../../bench/lib/setup-script.ts'

const dirs: string[] = []
const daemons: number[] = []

afterEach(() => {
  for (const pid of daemons.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
})
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function script(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gfts-setup-script-'))
  dirs.push(dir)
  const path = join(dir, 'setup.sh')
  writeFileSync(path, `set -eu\n${body}\n`)
  return path
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

// A "daemon" that keeps the script's stdout and stderr open long after the script exits.
const LEAVES_A_DAEMON = script([
  'sleep 600 &',
  'echo "$!" > "$(dirname "$0")/daemon.pid"',
  'echo "progress on stderr" >&2',
  'printf \'{"daemon":%d}\\n\' "$!"',
].join('\n'))
const PID_FILE = join(LEAVES_A_DAEMON, '..', 'daemon.pid')

describe('runSetupScript', () => {
  it('returns the stdout of a script whose background process still holds its stdout and stderr', async () => {
    rmSync(PID_FILE, { force: true })
    const out = await runSetupScript(LEAVES_A_DAEMON, { timeoutMs: 30_000 })
    const { daemon } = JSON.parse(out) as { daemon: number }
    daemons.push(daemon)
    expect(alive(daemon)).toBe(true)
  })

  it('is needed: execFile on the same script waits until that background process is gone', async () => {
    rmSync(PID_FILE, { force: true })
    let done = false
    let stdout = ''
    let child: ChildProcess | undefined
    const finished = new Promise<void>((resolve) => {
      child = execFile('bash', [LEAVES_A_DAEMON], (_err, out) => {
        done = true
        stdout = out
        resolve()
      })
    })
    const daemon = await daemonPid()
    daemons.push(daemon)
    // A second after the script itself exited, execFile is still waiting on the pipes.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expect(child!.exitCode).toBe(0)
    expect(done).toBe(false)
    process.kill(daemon, 'SIGKILL')
    await finished
    expect(JSON.parse(stdout)).toEqual({ daemon })
  })

  it('rejects with the exit status when the script fails', async () => {
    await expect(runSetupScript(script('echo "cannot do it" >&2\nexit 3'), { timeoutMs: 30_000 })).rejects.toThrow(/exited with 3/)
  })

  it('kills a script that runs past its timeout', async () => {
    const started = Date.now()
    await expect(runSetupScript(script('exec sleep 600'), { timeoutMs: 300 })).rejects.toThrow(/did not finish within/)
    expect(Date.now() - started).toBeLessThan(30_000)
  })
})

/** The pid LEAVES_A_DAEMON wrote, once it has written it. */
async function daemonPid(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    if (existsSync(PID_FILE)) {
      const text = readFileSync(PID_FILE, 'utf8')
      if (text.endsWith('\n')) return Number(text)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${LEAVES_A_DAEMON} never wrote ${PID_FILE}`)
}
