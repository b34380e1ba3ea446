/**
 * The package as a user gets it: `npm pack` (which builds dist/), installed offline into a fresh
 * project, then run with plain node (no tsx, no TypeScript loader): the README example mounts the
 * sandbox volume as an ES module, `require()` loads and mounts it, a strict TypeScript project
 * compiles against its declarations, and the installed gfapi-bench runs.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Glfs } from '../../src/api/index.ts'
import { sandbox } from '../helpers/sandbox.ts'

const sb = sandbox()
const REPO = fileURLToPath(new URL('../..', import.meta.url))
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc')

let work: string
let app: string

interface Ran {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Run a command, without blocking this worker (npm pack and tsc take a while); the environment is
 * ours without npm's lifecycle variables of the run around us.
 */
function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')))
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env: { ...base, ...env }, encoding: 'utf8', timeout: 240_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err !== null && typeof err.code !== 'number') reject(err)
      else resolve({ status: err === null ? 0 : (err.code as number), stdout, stderr })
    })
  })
}

async function ok(ran: Promise<Ran>): Promise<string> {
  const r = await ran
  if (r.status !== 0) throw new Error(`exit ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`)
  return r.stdout
}

/** The README's first js example, verbatim. */
function readmeExample(): string {
  const m = /```js\n([\s\S]*?)```/.exec(readFileSync(join(REPO, 'README.md'), 'utf8'))
  if (m === null) throw new Error('README.md has no ```js example')
  return m[1]!
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gfts-package-'))
  await ok(run('npm', ['pack', '--pack-destination', work, '--silent'], REPO))
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))
  if (tarball === undefined) throw new Error(`npm pack left no tarball in ${work}`)
  app = join(work, 'app')
  mkdirSync(app)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }))
  // No runtime dependencies: the install needs no registry.
  await ok(run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(work, tarball)], app))
  // A TypeScript user installs @types/node; take this repository's copy rather than the network.
  mkdirSync(join(app, 'node_modules', '@types'), { recursive: true })
  symlinkSync(join(REPO, 'node_modules', '@types', 'node'), join(app, 'node_modules', '@types', 'node'), 'dir')
}, 600_000)

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true })
})

describe('the packed package', () => {
  it('holds dist (ES module and CommonJS, declarations, source maps), README, LICENSE and CHANGELOG only', () => {
    const root = join(app, 'node_modules', 'gfapi-ts')
    expect(readdirSync(root).sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'dist', 'package.json'])
    for (const f of ['dist/src/api/index.js', 'dist/src/api/index.d.ts', 'dist/src/api/index.js.map', 'dist/cjs/api/index.js',
      'dist/cjs/api/index.d.ts', 'dist/bench/bin.js']) {
      expect(() => readFileSync(join(root, f)), f).not.toThrow()
    }
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toContain('Apache License\n                           Version 2.0, January 2004')
  })

  it('runs the README example verbatim with plain node: mounts the sandbox volume, writes and reads', async () => {
    const example = readmeExample()
    // The example names the sandbox's single volume; anything else would not run here.
    expect(example).toContain(`new Glfs('${sb.volumes.single.name}')`)
    writeFileSync(join(app, 'readme.mjs'), example)
    try {
      expect(await ok(run(process.execPath, ['readme.mjs'], app))).toBe('hello\n')
    } finally {
      await removeFromVolume('/images/disk.raw')
    }
  })

  it('require() loads it and mounts the volume', async () => {
    const name = `/package-cjs-${randomBytes(4).toString('hex')}`
    writeFileSync(join(app, 'app.cjs'), `
const { Glfs, GlusterError, O_RDWR } = require('gfapi-ts')
;(async () => {
  const glfs = new Glfs(${JSON.stringify(sb.volumes.single.name)})
  glfs.setVolfileServer('tcp', ${JSON.stringify(sb.host)}, ${sb.port})
  await glfs.init()
  const fd = await glfs.creat(${JSON.stringify(name)}, O_RDWR, 0o644)
  await fd.pwrite(Buffer.from('from require'), 0)
  const text = (await fd.pread(64, 0)).toString()
  await fd.close()
  await glfs.unlink(${JSON.stringify(name)})
  const err = await glfs.stat(${JSON.stringify(name)}).catch((e) => e)
  await glfs.fini()
  console.log(JSON.stringify({ text, typed: err instanceof GlusterError, code: err.code }))
})().catch((e) => { console.error(e); process.exitCode = 1 })
`)
    expect(JSON.parse(await ok(run(process.execPath, ['app.cjs'], app)))).toEqual({ text: 'from require', typed: true, code: 'ENOENT' })
  })

  it('compiles in a strict TypeScript project (NodeNext, exactOptionalPropertyTypes, library checks on)', async () => {
    const ts = join(app, 'ts')
    mkdirSync(ts)
    writeFileSync(join(ts, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true,
        exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, skipLibCheck: false, noEmit: true,
      },
      include: ['*.ts', '*.cts'],
    }))
    // The README example as a TypeScript module, and typed uses of the API from both module kinds.
    writeFileSync(join(ts, 'readme.ts'), `${readmeExample()}\nexport {}\n`)
    writeFileSync(join(ts, 'typed.ts'), `
import { Glfs, GlusterError, O_RDONLY, type GlfsOptions, type DirEntry } from 'gfapi-ts'
const options: GlfsOptions = { connectTimeoutMs: 5000 }
export async function names(volume: string): Promise<string[]> {
  const glfs = new Glfs(volume, options)
  await glfs.init()
  const out: string[] = []
  const dir = await glfs.opendir('/')
  for await (const e of dir) out.push((e satisfies DirEntry).name)
  const fd = await glfs.open('/x', O_RDONLY)
  const n: number = await fd.pread(Buffer.alloc(4), 0)
  out.push(String(n))
  await glfs.fini()
  return out
}
export const isMissing = (e: unknown): boolean => e instanceof GlusterError && e.code === 'ENOENT'
`)
    writeFileSync(join(ts, 'legacy.cts'), `
import gfapi = require('gfapi-ts')
export const glfs: gfapi.Glfs = new gfapi.Glfs('v').setVolfileServer('tcp', 'h', 24007)
`)
    await ok(run(process.execPath, [TSC, '-p', ts], app))
  }, 240_000)

  it('ships gfapi-bench, which runs with plain node and, with no volume given, says how to name one', async () => {
    const help = await ok(run('npx', ['--offline', 'gfapi-bench', '--help'], app))
    expect(help).toMatch(/^usage: gfapi-bench /)
    const bare = await run('npx', ['--offline', 'gfapi-bench', '--rw=read', '--size=1m'], app)
    expect(bare.status).toBe(2)
    expect(bare.stderr).toMatch(/^gfapi-bench: no volume given\. .*gluster:\/\/HOST\[:PORT\]\/VOLUME\/FILE/)
    expect(bare.stderr).not.toMatch(/apt-get|gluster-sandbox/)
  })

  it('reports a run-time failure of gfapi-bench in one line, with the stack only under NODE_DEBUG=gfapi', async () => {
    const url = `gluster://${sb.host}:${sb.port}/gfts-no-such-volume/f`
    const r = await run('npx', ['--offline', 'gfapi-bench', url, '--rw=read', '--size=1m'], app)
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(`gfapi-bench: ENOENT: volume 'gfts-no-such-volume' does not exist on glusterd ${sb.host}:${sb.port} ('gluster volume list' shows the volumes it has)\n`)
    const debug = await run('npx', ['--offline', 'gfapi-bench', url, '--rw=read', '--size=1m'], app, { NODE_DEBUG: 'gfapi' })
    expect(debug.status).toBe(1)
    expect(debug.stderr).toMatch(/gfapi-bench: GlusterError: ENOENT[^\n]*\n\s+at /)
  })
})

/** Remove a file the README example wrote (and its folder when that is then empty). */
async function removeFromVolume(path: string): Promise<void> {
  const glfs = new Glfs(sb.volumes.single.name)
  glfs.setVolfileServer('tcp', sb.host, sb.port)
  await glfs.init()
  try {
    await glfs.unlink(path).catch(() => undefined)
    await glfs.rmdir(path.slice(0, path.lastIndexOf('/'))).catch(() => undefined)
  } finally {
    await glfs.fini()
  }
}
