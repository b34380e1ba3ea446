import { createHash } from 'node:crypto'
import { lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Glfs, type GlfsFd } from '../../src/api/index.ts'
import { gluster, sandbox, uniqueName, volumeSet } from '../helpers/sandbox.ts'
import { brickXattr, cClient, dataSubvols, hashedSubvol, layoutOnBricks, subvolumes } from '../helpers/distribute.ts'
import { nextGraphSwitch } from '../helpers/mount.ts'

// Files caught by rebalance while an fd of ours writes them (dht-inode-write.c, dht-helper.c
// migration checks): every write acknowledged must be in the file the C client reads afterwards.
// Each test makes its own volume: add-brick, remove-brick and rebalance must not touch the shared
// gfts-* volumes.

const sb = sandbox()
const BLOCK = 4096
const FILE_SIZE = 1 << 20
const BLOCKS = FILE_SIZE / BLOCK
const BRICKS_ROOT = '/var/lib/gfapi-ts-sandbox/i21'

interface TestVolume {
  readonly name: string
  readonly dir: string
  brick(i: number): string
}

const volumes: TestVolume[] = []
const mounts: Glfs[] = []

function createVolume(bricks: number): TestVolume {
  const name = uniqueName('gfts-i21')
  const dir = join(BRICKS_ROOT, name)
  mkdirSync(dir, { recursive: true })
  const vol: TestVolume = { name, dir, brick: (i) => join(dir, `b${i}`) }
  volumes.push(vol)
  gluster(['volume', 'create', name, ...Array.from({ length: bricks }, (_, i) => `${sb.host}:${vol.brick(i)}`), 'force'])
  gluster(['volume', 'start', name])
  return vol
}

afterEach(async () => {
  for (const m of mounts.splice(0)) await m.fini().catch(() => undefined)
  for (const v of volumes.splice(0)) {
    try {
      gluster(['volume', 'stop', v.name, 'force'])
      gluster(['volume', 'delete', v.name])
    } finally {
      rmSync(v.dir, { recursive: true, force: true })
    }
  }
})

async function mount(volume: string): Promise<Glfs> {
  const glfs = new Glfs(volume)
  glfs.setVolfileServer('tcp', sb.host, sb.port)
  await glfs.init()
  mounts.push(glfs)
  return glfs
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

async function waitFor(what: string, check: () => boolean, timeoutMs = 180_000, pollMs = 500): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not done within ${timeoutMs} ms`)
    await sleep(pollMs)
  }
}

/** Where a volume's rebalance process logs (one file per volume, on this host). */
function rebalanceLog(volume: string): string {
  return `/var/log/glusterfs/${volume}-rebalance.log`
}

/** The rebalance log's length now: a migration started next logs past it. */
function rebalanceLogMark(volume: string): number {
  return statSync(rebalanceLog(volume), { throwIfNoEntry: false })?.size ?? 0
}

/**
 * A migration's totals, once done: from `gluster ... status --xml`, or from the rebalance
 * process's own log when glusterd has not taken its end in (a migration over in under a second can
 * leave the CLI saying "in progress" for minutes) — the log says "Rebalance is completed" with the
 * totals. `since` is the log length before the migration started.
 */
function migrationStatus(args: string[], volume: string, since: number): { done: boolean; files: number; failures: number } {
  const logged = /Rebalance is (completed|failed)\..*?Files migrated: (\d+),.*?failures: (\d+)/.exec(readLogSince(rebalanceLog(volume), since))
  if (logged !== null) return { done: true, files: Number(logged[2]), failures: Number(logged[3]) }
  let xml: string
  try {
    xml = gluster([...args, 'status', '--xml'])
  } catch (err) {
    // glusterd answers this while the rebalance process starts or exits: not an outcome, poll again.
    if (/brick op '(Rebalance|Remove brick)' failed/i.test((err as Error).message)) return { done: false, files: NaN, failures: NaN }
    throw err
  }
  const agg = /<aggregate>([\s\S]*?)<\/aggregate>/.exec(xml)?.[1] ?? ''
  const num = (tag: string): number => Number(new RegExp(`<${tag}>(\\d+)</${tag}>`).exec(agg)?.[1] ?? NaN)
  // statusStr: "completed" / "failed" / "in progress"...
  const status = /<statusStr>([^<]*)<\/statusStr>/.exec(agg)?.[1] ?? ''
  return { done: status === 'completed' || status === 'failed', files: num('files'), failures: num('failures') }
}

function readLogSince(path: string, since: number): string {
  try {
    return readFileSync(path).subarray(since).toString('utf8')
  } catch {
    return ''
  }
}

/** 4 KiB naming the file, the block and the write: stale content never passes for fresh. */
function blockContent(file: number, block: number, seq: number): Buffer {
  const b = Buffer.alloc(BLOCK)
  const tag = `f${file} b${block} w${seq};`
  for (let i = 0; i < BLOCK; i += tag.length) b.write(tag, i, 'latin1')
  return b
}

const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex').slice(0, 16)

/**
 * Fds of ours held open on files of 1 MiB, each written 4 KiB at a time at pseudo-random blocks
 * (fsync every 10 writes) until stopped; `model` is what the files hold after each acknowledged
 * write.
 */
class Writers {
  readonly model: Buffer[]
  readonly errors: Error[] = []
  acked = 0
  #stop = false
  #loops: Promise<void>[] = []
  readonly #fds: GlfsFd[]

  constructor(fds: GlfsFd[], model: Buffer[]) {
    this.#fds = fds
    this.model = model
  }

  start(pauseMs: number): void {
    this.#loops = this.#fds.map(async (fd, f) => {
      let seq = 0
      try {
        while (!this.#stop) {
          seq++
          const block = (seq * 97 + f * 31) % BLOCKS
          const data = blockContent(f, block, seq)
          await fd.pwrite(data, block * BLOCK)
          data.copy(this.model[f]!, block * BLOCK)
          this.acked++
          if (seq % 10 === 0) await fd.fsync()
          if (pauseMs > 0) await sleep(pauseMs)
        }
        await fd.fsync()
      } catch (err) {
        this.errors.push(err as Error)
      }
    })
  }

  async stop(): Promise<void> {
    this.#stop = true
    await Promise.all(this.#loops)
    for (const fd of this.#fds) await fd.close().catch((err: unknown) => this.errors.push(err as Error))
  }
}

/** Files of 1 MiB made by us, and an fd of ours held open O_RDWR on each. */
async function openFiles(glfs: Glfs, dir: string, count: number): Promise<{ paths: string[]; fds: GlfsFd[]; model: Buffer[] }> {
  await glfs.mkdir(dir)
  const paths = Array.from({ length: count }, (_, i) => `${dir}/file-${i}`)
  const model = paths.map((_, f) => Buffer.concat(Array.from({ length: BLOCKS }, (_, b) => blockContent(f, b, 0))))
  const fds: GlfsFd[] = []
  for (const [f, p] of paths.entries()) {
    const fd = await glfs.creat(p, 'w+')
    await fd.pwrite(model[f]!, 0)
    await fd.fsync()
    fds.push(fd)
  }
  return { paths, fds, model }
}

/** Blocks whose content the C client reads differently from what our acknowledged writes left. */
async function lostBlocks(volume: string, paths: readonly string[], model: readonly Buffer[]): Promise<{ files: number; blocks: number }> {
  const read = await cClient(volume, sb.host, sb.port, paths.map((p) => ['blocks', p, BLOCK] as const))
  let files = 0
  let blocks = 0
  read.forEach((sums, f) => {
    if (!Array.isArray(sums)) throw new Error(`C client failed to read ${paths[f]}: ${JSON.stringify(sums)}`)
    let bad = sums.length === BLOCKS ? 0 : Math.abs(BLOCKS - sums.length)
    for (let b = 0; b < Math.min(BLOCKS, sums.length); b++) {
      if (sums[b] !== digest(model[f]!.subarray(b * BLOCK, (b + 1) * BLOCK))) bad++
    }
    if (bad > 0) files++
    blocks += bad
  })
  return { files, blocks }
}

/** Data files (not linkto files: empty, mode exactly ---------T) of `dir` on one brick. */
function dataFilesOn(brick: string, dir: string): number {
  let names: string[]
  try {
    names = readdirSync(join(brick, dir))
  } catch {
    return 0
  }
  return names.filter((n) => {
    const st = lstatSync(join(brick, dir, n))
    return !((st.mode & 0o7777) === 0o1000 && st.size === 0)
  }).length
}

describe('cluster/distribute: files migrated while our fds write them', () => {
  it.each([
    { writeBehind: 'on' },
    { writeBehind: 'off' },
  ])('add-brick + rebalance start force: no acknowledged write lost (write-behind $writeBehind)', async ({ writeBehind }) => {
    const vol = createVolume(2)
    volumeSet(vol.name, 'performance.write-behind', writeBehind)
    const glfs = await mount(vol.name)
    const { paths, fds, model } = await openFiles(glfs, '/d', 40)
    const writers = new Writers(fds, model)
    writers.start(2)
    await sleep(1000)

    const switched = nextGraphSwitch(glfs)
    gluster(['volume', 'add-brick', vol.name, `${sb.host}:${vol.brick(2)}`, 'force'])
    await switched
    const mark = rebalanceLogMark(vol.name)
    gluster(['volume', 'rebalance', vol.name, 'start', 'force'])
    let status = migrationStatus(['volume', 'rebalance', vol.name], vol.name, mark)
    await waitFor('rebalance', () => (status = migrationStatus(['volume', 'rebalance', vol.name], vol.name, mark)).done)
    await sleep(2000)
    await writers.stop()

    const moved = dataFilesOn(vol.brick(2), 'd')
    const lost = await lostBlocks(vol.name, paths, model)
    console.log(`write-behind ${writeBehind}: ${writers.acked} writes acknowledged, rebalance moved ${status.files} files (${moved} on the new brick), ${status.failures} failures; lost: ${lost.blocks} blocks in ${lost.files} files; errors: ${writers.errors.map((e) => e.message).join('; ')}`)
    expect(writers.errors).toEqual([])
    expect(lost).toEqual({ files: 0, blocks: 0 })
    expect(moved).toBeGreaterThan(0)
  }, 300_000)

  it.each([
    { writeBehind: 'on' },
    { writeBehind: 'off' },
  ])('remove-brick start + commit: no acknowledged write lost (write-behind $writeBehind)', async ({ writeBehind }) => {
    const vol = createVolume(3)
    volumeSet(vol.name, 'performance.write-behind', writeBehind)
    const glfs = await mount(vol.name)
    const { paths, fds, model } = await openFiles(glfs, '/d', 30)
    const leaving = dataFilesOn(vol.brick(2), 'd')
    const writers = new Writers(fds, model)
    writers.start(2)
    await sleep(1000)

    const brick = `${sb.host}:${vol.brick(2)}`
    const started = nextGraphSwitch(glfs)
    let mark = rebalanceLogMark(vol.name)
    gluster(['volume', 'remove-brick', vol.name, brick, 'start'])
    await started
    let status = migrationStatus(['volume', 'remove-brick', vol.name, brick], vol.name, mark)
    await waitFor('remove-brick', () => (status = migrationStatus(['volume', 'remove-brick', vol.name, brick], vol.name, mark)).done)
    // Files whose migration the brick abandoned (our writes reached the copy) are still there;
    // committing would drop them from the volume, so an administrator starts it again.
    for (let attempt = 0; dataFilesOn(vol.brick(2), 'd') > 0 && attempt < 5; attempt++) {
      gluster(['volume', 'remove-brick', vol.name, brick, 'stop'])
      mark = rebalanceLogMark(vol.name)
      gluster(['volume', 'remove-brick', vol.name, brick, 'start'])
      await waitFor('remove-brick again', () => (status = migrationStatus(['volume', 'remove-brick', vol.name, brick], vol.name, mark)).done)
    }
    expect(dataFilesOn(vol.brick(2), 'd')).toBe(0)
    // An fd follows its file at its first fop after the migration ends; a commit stopping the
    // brick before that fop fails the fop ENOTCONN, as in the C client. Give the writers a moment.
    await sleep(1000)
    const committed = nextGraphSwitch(glfs)
    gluster(['volume', 'remove-brick', vol.name, brick, 'commit'])
    await committed
    await sleep(1000)
    await writers.stop()

    const lost = await lostBlocks(vol.name, paths, model)
    console.log(`remove-brick, write-behind ${writeBehind}: ${writers.acked} writes acknowledged, ${leaving} files moved off the brick, last pass ${status.files} files, ${status.failures} failures; lost: ${lost.blocks} blocks in ${lost.files} files; errors: ${writers.errors.map((e) => e.message).join('; ')}`)
    expect(leaving).toBeGreaterThan(0)
    expect(writers.errors).toEqual([])
    expect(lost).toEqual({ files: 0, blocks: 0 })
  }, 300_000)

  it.each([
    { writeBehind: 'on' },
    { writeBehind: 'off' },
  ])('a file migrated between our write and our fsync keeps both writes (write-behind $writeBehind)', async ({ writeBehind }) => {
    const vol = createVolume(2)
    volumeSet(vol.name, 'performance.write-behind', writeBehind)
    const glfs = await mount(vol.name)
    await glfs.mkdir('/m')
    // A file whose data is not where its name hashes (renamed across subvolumes, as the C client
    // leaves it: data stays, a linkto file on the new hashed subvolume): migrate-data moves it.
    const layout = layoutOnBricks(glfs, '/m')
    const from = hashedSubvol(layout, 'src')
    let name = ''
    for (let i = 0; name === ''; i++) if (hashedSubvol(layout, `dst-${i}`) !== from) name = `dst-${i}`
    const path = `/m/${name}`
    expect(await cClient(vol.name, sb.host, sb.port, [['write', '/m/src', 'x'], ['rename', '/m/src', path]])).toEqual([1, 0])
    expect(dataSubvols(glfs, path)).toEqual([from])

    const fd = await glfs.open(path, 'r+')
    const a = blockContent(0, 0, 1)
    const b = blockContent(0, 1, 2)
    await fd.pwrite(a, 0)
    expect(await cClient(vol.name, sb.host, sb.port, [['setxattr', path, 'trusted.distribute.migrate-data', 'force']])).toEqual([0])
    expect(dataSubvols(glfs, path)).toEqual([1 - from])
    await fd.pwrite(b, BLOCK)
    await fd.fsync()
    // Reads and attributes through the same fd come from the file's new place.
    expect((await fd.fstat()).size).toBe(2 * BLOCK)
    expect(await fd.pread(2 * BLOCK, 0)).toEqual(Buffer.concat([a, b]))
    await fd.close()

    const sums = await cClient(vol.name, sb.host, sb.port, [['blocks', path, BLOCK]])
    expect(sums).toEqual([[digest(a), digest(b)]])
    expect(dataSubvols(glfs, path)).toEqual([1 - from])
  }, 120_000)

  it('writes made while a migration copies the file reach the copy (phase 1), or stop the migration', async () => {
    const vol = createVolume(2)
    volumeSet(vol.name, 'performance.write-behind', 'off')
    const glfs = await mount(vol.name)
    await glfs.mkdir('/p')
    const layout = layoutOnBricks(glfs, '/p')
    const from = hashedSubvol(layout, 'src')
    let name = ''
    for (let i = 0; name === ''; i++) if (hashedSubvol(layout, `big-${i}`) !== from) name = `big-${i}`
    const path = `/p/${name}`
    // Big enough that copying it takes a while: our write lands while the source shows phase 1.
    const blocks = 12 * 1024
    const model = Buffer.alloc(blocks * BLOCK)
    for (let b = 0; b < blocks; b++) blockContent(0, b, 0).copy(model, b * BLOCK)
    const fd = await glfs.creat('/p/src', 'w+')
    for (let off = 0; off < model.length; off += FILE_SIZE) await fd.pwrite(model.subarray(off, off + FILE_SIZE), off)
    await fd.close()
    await glfs.rename('/p/src', path)
    expect(dataSubvols(glfs, path)).toEqual([from])

    const mine = await glfs.open(path, 'r+')
    const migrating = cClient(vol.name, sb.host, sb.port, [['setxattr', path, 'trusted.distribute.migrate-data', 'force']])
    const source = join(vol.brick(from), 'p', name)
    await waitFor('phase 1 on the source', () => ((lstatSync(source, { throwIfNoEntry: false })?.mode ?? 0) & 0o3000) === 0o3000, 30_000, 1)
    // The first and the last block: one the copy has passed, one it has not reached.
    const first = blockContent(0, 0, 1)
    const last = blockContent(0, blocks - 1, 1)
    await mine.pwrite(first, 0)
    await mine.pwrite(last, (blocks - 1) * BLOCK)
    expect(await mine.pread(BLOCK, 0)).toEqual(first)
    await mine.fsync()
    first.copy(model, 0)
    last.copy(model, (blocks - 1) * BLOCK)
    // The migration either completed with our writes in the copy or was abandoned because of
    // them (the brick's protect.writes mark): the C client's setxattr then fails.
    const [outcome] = await migrating
    console.log(`phase 1: the migration ${outcome === 0 ? 'completed' : `was abandoned (${JSON.stringify(outcome)})`}`)
    await mine.close()

    const sums = (await cClient(vol.name, sb.host, sb.port, [['blocks', path, BLOCK]]))[0] as string[]
    expect(sums.length).toBe(blocks)
    const bad = sums.flatMap((d, b) => (d === digest(model.subarray(b * BLOCK, (b + 1) * BLOCK)) ? [] : [b]))
    expect(bad).toEqual([])
    if (outcome === 0) {
      expect(dataSubvols(glfs, path)).toEqual([1 - from])
    } else {
      // Abandoned: the data stays on the source. The destination keeps the migration's linkto
      // (mode 01000 and the linkto xattr naming the source), which every client reads as a link;
      // its size may not be 0, as a phase-1 write (ours, or a C client's) can land after the
      // migration's cleanup truncated it.
      expect(dataSubvols(glfs, path)).toContain(from)
      const dst = join(vol.brick(1 - from), 'p', name)
      const st = lstatSync(dst, { throwIfNoEntry: false })
      if (st !== undefined) {
        expect(st.mode & 0o7777).toBe(0o1000)
        expect(brickXattr(dst, 'trusted.glusterfs.dht.linkto')?.toString('latin1')).toBe(`${subvolumes(glfs)[from]?.name}\0`)
      }
    }
  }, 180_000)
})
