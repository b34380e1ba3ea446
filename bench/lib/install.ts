/**
 * Where this bench runs from: a checkout of gfapi-ts (bench/*.ts through tsx, with the test
 * sandbox beside it) or an installed package (compiled, under node_modules/gfapi-ts/dist).
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The nearest folder above this file with gfapi-ts's package.json: the checkout or the package. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const file = join(dir, 'package.json')
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'gfapi-ts') return dir
    const up = dirname(dir)
    if (up === dir) throw new Error(`gfapi-ts's package.json not found above ${fileURLToPath(import.meta.url)}`)
    dir = up
  }
}

export const PACKAGE_ROOT = packageRoot()

export const PACKAGE_VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version

/** The script that sets up the local test volumes; only a checkout has it. */
export const SANDBOX_SCRIPT = join(PACKAGE_ROOT, 'test', 'integration', 'gluster-sandbox.sh')

/** Suite results: bench/results in a checkout, ./gfapi-bench-results where the package is installed. */
export function resultsDir(): string {
  return existsSync(SANDBOX_SCRIPT) ? join(PACKAGE_ROOT, 'bench', 'results') : join(process.cwd(), 'gfapi-bench-results')
}
