/** What a benchmark ran on, printed and saved with every result so numbers can be compared. */
import { execFile, execFileSync } from 'node:child_process'
import { availableParallelism, cpus, release, totalmem, type } from 'node:os'
import { PACKAGE_VERSION } from './install.ts'

/** Our version, as it appears in the JSON's "fio version" field. */
export const BENCH_VERSION = `gfapi-ts-bench-${PACKAGE_VERSION}`

/** The machine and software a run used. */
export interface MachineInfo {
  readonly cpu: string
  /** Logical CPUs available to the process. */
  readonly cores: number
  readonly memoryGiB: number
  readonly kernel: string
  readonly node: string
  /** First line of `glusterfs --version`, or "unknown". */
  readonly glusterfs: string
  /** `fio --version`, or "not installed". */
  readonly fio: string
}

function firstLine(cmd: string, args: readonly string[], fallback: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 10_000 }, (err, stdout) => {
      const line = stdout.split('\n')[0]?.trim() ?? ''
      resolve(err || line === '' ? fallback : line)
    })
  })
}

/** Gather the machine description (runs `glusterfs --version` and `fio --version`). */
export async function machineInfo(): Promise<MachineInfo> {
  const [glusterfs, fio] = await Promise.all([
    firstLine('glusterfs', ['--version'], 'unknown'),
    firstLine('fio', ['--version'], 'not installed'),
  ])
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: `${type()} ${release()}`,
    node: process.version,
    glusterfs,
    fio,
  }
}

/** The description as indented text lines. */
export function machineText(m: MachineInfo): string {
  return [
    `machine : ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.kernel}`,
    `software: Node ${m.node}, ${m.glusterfs}, ${m.fio}`,
  ].join('\n')
}

/**
 * Write back this machine's dirty pages (`sync`). Run before each side measures (runOurJobs,
 * runFioMeasured, the VM profiles' cache drop): the kernel
 * writes dirty pages back about 30 s after they were written, so without it a side pays, during
 * its measurement, for the writeback of the side or profile that ran before it.
 */
export function flushWrites(): void {
  execFileSync('sync', { stdio: 'ignore' })
}
