/**
 * Freeze a brick process of a volume this test owns (SIGSTOP) so calls to it time out, with a
 * detached watchdog that resumes it (SIGCONT) after `maxMs` even if this process dies first: a
 * brick left stopped would hang every later user of the volume.
 */
import { spawn } from 'node:child_process'

export function freeze(pid: number, maxMs: number): () => void {
  const watchdog = spawn('sh', ['-c', `sleep ${Math.ceil(maxMs / 1000)}; kill -CONT ${pid}`], { detached: true, stdio: 'ignore' })
  watchdog.unref()
  process.kill(pid, 'SIGSTOP')
  return () => {
    process.kill(pid, 'SIGCONT')
    try {
      if (watchdog.pid !== undefined) process.kill(watchdog.pid, 'SIGTERM')
    } catch {
      // already gone
    }
  }
}
