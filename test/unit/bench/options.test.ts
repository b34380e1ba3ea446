import { describe, expect, it } from 'vitest'
import { jobsFromFile, parseArgs, resolveJob, stonewallGroups, type Invocation } from '../../../bench/lib/options.ts'
import { BenchUsageError, parseBool, parseSize, parseTime } from '../../../bench/lib/units.ts'

const noFiles = (path: string): string => {
  throw new Error(`unexpected read of ${path}`)
}

function parse(args: string[], files: Record<string, string> = {}): Invocation {
  return parseArgs(args, (p) => {
    const text = files[p]
    if (text === undefined) return noFiles(p)
    return text
  })
}

function usageError(fn: () => unknown): BenchUsageError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(BenchUsageError)
    expect((err as BenchUsageError).exitCode).toBe(2)
    return err as BenchUsageError
  }
  throw new Error('expected a BenchUsageError')
}

describe('sizes and times', () => {
  it('reads fio size suffixes with k = 1024 and, as fio does by default, KiB = 1000', () => {
    expect(parseSize('4096', 'bs')).toBe(4096)
    expect(parseSize('4k', 'bs')).toBe(4096)
    expect(parseSize('4K', 'bs')).toBe(4096)
    expect(parseSize('4kb', 'bs')).toBe(4096)
    expect(parseSize('128k', 'bs')).toBe(131072)
    expect(parseSize('256m', 'size')).toBe(268435456)
    expect(parseSize('1g', 'size')).toBe(1073741824)
    expect(parseSize('1t', 'size')).toBe(1024 ** 4)
    expect(parseSize('4KiB', 'bs')).toBe(4000)
    expect(parseSize('1MiB', 'bs')).toBe(1_000_000)
    expect(parseSize('512b', 'bs')).toBe(512)
  })

  it('swaps the units under kb_base=1000, as fio does', () => {
    expect(parseSize('4KiB', 'bs', 1000)).toBe(4096)
    expect(parseSize('4k', 'bs', 1000)).toBe(4000)
  })

  it('rejects malformed sizes naming the option', () => {
    expect(usageError(() => parseSize('4q', 'bs')).message).toMatch(/--bs: unknown size unit 'q'/)
    expect(usageError(() => parseSize('big', 'size')).message).toMatch(/--size: 'big' is not a size/)
    expect(usageError(() => parseSize('-4k', 'size')).message).toMatch(/--size/)
  })

  it('reads times in seconds by default, with us, ms, s, m, h units', () => {
    expect(parseTime('10', 'runtime')).toBe(10_000)
    expect(parseTime('10s', 'runtime')).toBe(10_000)
    expect(parseTime('500ms', 'runtime')).toBe(500)
    expect(parseTime('250us', 'runtime')).toBe(0.25)
    expect(parseTime('2m', 'runtime')).toBe(120_000)
    expect(parseTime('1h', 'runtime')).toBe(3_600_000)
    expect(usageError(() => parseTime('5x', 'ramp_time')).message).toMatch(/--ramp_time: unknown time unit 'x'/)
  })

  it('reads fio booleans, a bare flag being true', () => {
    expect(parseBool(undefined, 'direct')).toBe(true)
    expect(parseBool('1', 'direct')).toBe(true)
    expect(parseBool('0', 'direct')).toBe(false)
    expect(usageError(() => parseBool('maybe', 'direct')).message).toMatch(/--direct/)
  })
})

describe('command line', () => {
  it('runs the suite with no arguments, or with only a target URL', () => {
    expect(parse([]).mode).toBe('suite')
    const inv = parse(['gluster://h/v', '--quick'])
    expect(inv.mode).toBe('suite')
    expect(inv.quick).toBe(true)
    expect(inv.target).toBe('gluster://h/v')
  })

  it('parses one job with fio option names, both --opt=value and --opt value', () => {
    const inv = parse(['--name=rr', '--rw=randread', '--bs', '4k', '--size=256m', '--iodepth=32',
      '--runtime=10s', '--time_based', '--ramp_time=1', '--direct', 'gluster://host:24008/vol/dir/f'])
    expect(inv.mode).toBe('jobs')
    expect(inv.target).toBe('gluster://host:24008/vol/dir/f')
    expect(inv.jobs).toHaveLength(1)
    const j = inv.jobs[0]!
    expect(j).toMatchObject({
      name: 'rr', rw: 'randread', bs: 4096, size: 268435456, iodepth: 32, runtimeMs: 10_000,
      timeBased: true, rampTimeMs: 1000, direct: true, numjobs: 1, offset: 0, verify: undefined,
    })
    expect(j.options).toMatchObject({ rw: 'randread', bs: '4k', time_based: '1' })
  })

  it('applies defaults as fio does', () => {
    const j = parse(['--size=1m']).jobs[0]!
    expect(j).toMatchObject({ name: 'bench', rw: 'read', bs: 4096, iodepth: 1, numjobs: 1, rwmixread: 50, fsync: 0, endFsync: false, timeBased: false })
  })

  it('starts a job at each --name; options before the first apply to all', () => {
    const inv = parse(['--size=8m', '--bs=64k', '--name=a', '--rw=write', '--name=b', '--rw=randread', '--bs=4k'])
    expect(inv.jobs.map((j) => [j.name, j.rw, j.bs, j.size])).toEqual([['a', 'write', 65536, 8 << 20], ['b', 'randread', 4096, 8 << 20]])
  })

  it('reads rwmixread and rwmixwrite, fsync, end_fsync, verify, offset, numjobs, filename', () => {
    const j = parse(['--rw=randrw', '--rwmixwrite=30', '--size=1g', '--offset=4m', '--numjobs=4', '--fsync=8',
      '--end_fsync=1', '--filename=/dir/shared']).jobs[0]!
    expect(j).toMatchObject({ rwmixread: 70, offset: 4 << 20, numjobs: 4, fsync: 8, endFsync: true, filename: '/dir/shared' })
    expect(parse(['--rw=write', '--size=1m', '--verify=md5']).jobs[0]!.verify).toBe('md5')
  })

  it('accepts the output, compare and suite switches', () => {
    const inv = parse(['--size=1m', '--output-format=json', '--compare=fio'])
    expect(inv.outputFormat).toBe('json')
    expect(inv.compare).toBe('fio')
    expect(parse(['--suite', '--profile=rand', '--profile', 'seq']).profiles).toEqual(['rand', 'seq'])
  })

  it('rejects an unknown option by name', () => {
    expect(usageError(() => parse(['--size=1m', '--iodepht=4'])).message).toBe("unknown option '--iodepht' (see gfapi-bench --help)")
    expect(usageError(() => parse(['-x'])).message).toMatch(/unknown option '-x'/)
  })

  it('rejects unsupported values and combinations with the option in the message', () => {
    expect(usageError(() => parse(['--size=1m', '--rw=trim'])).message).toMatch(/rw=trim is not supported/)
    expect(usageError(() => parse(['--size=1m', '--verify=sha1', '--rw=write'])).message).toMatch(/verify=sha1/)
    expect(usageError(() => parse(['--size=1m', '--verify=crc32c'])).message).toMatch(/--verify needs rw=write/)
    expect(usageError(() => parse(['--size=1m', '--time_based'])).message).toMatch(/--time_based needs --runtime/)
    expect(usageError(() => parse(['--rw=read'])).message).toMatch(/--size is required/)
    expect(usageError(() => parse(['--size=4k', '--bs=8k'])).message).toMatch(/smaller than --bs/)
    expect(usageError(() => parse(['--size=1m', '--iodepth=0'])).message).toMatch(/--iodepth: '0' must be an integer from 1/)
    expect(usageError(() => parse(['--size=1m', '--ioengine=libaio'])).message).toMatch(/ioengine=libaio: bench drives GlusterFS only/)
    expect(usageError(() => parse(['--size=1m', '--output-format=terse'])).message).toMatch(/--output-format/)
    expect(usageError(() => parse(['--size=1m', '--bs'])).message).toMatch(/'--bs' needs a value/)
    expect(usageError(() => parse(['--suite', '--size=1m'])).message).toMatch(/--suite/)
    expect(usageError(() => parse(['--size=1m', '--quick'])).message).toMatch(/suite only/)
  })

  it('prints help for -h and --help', () => {
    expect(parse(['-h']).mode).toBe('help')
    expect(parse(['--size=1m', '--help']).mode).toBe('help')
  })
})

describe('job files', () => {
  const file = `; a fio job file, as fio reads it
[global]
ioengine=gfapi
volume=gv0
brick=server1
thread
size=64m
bs = 128k
# runtime for all
runtime=5
time_based

[seq-write]
rw=write
iodepth=1

[rand-read]
stonewall
rw=randread
bs=4k
iodepth=32
`

  it('runs an fio gfapi job file unchanged: [global] defaults, sections, comments', () => {
    const inv = parse(['jobs.fio'], { 'jobs.fio': file })
    expect(inv.mode).toBe('jobs')
    expect(inv.jobs.map((j) => [j.name, j.rw, j.bs, j.iodepth, j.size, j.runtimeMs, j.timeBased, j.volume, j.brick, j.stonewall]))
      .toEqual([
        ['seq-write', 'write', 131072, 1, 64 << 20, 5000, true, 'gv0', 'server1', false],
        ['rand-read', 'randread', 4096, 32, 64 << 20, 5000, true, 'gv0', 'server1', true],
      ])
  })

  it('lets [global] and job lines override command-line defaults, as fio does', () => {
    const inv = parse(['--runtime=1', '--numjobs=2', 'jobs.fio'], { 'jobs.fio': file })
    expect(inv.jobs.map((j) => [j.runtimeMs, j.numjobs])).toEqual([[5000, 2], [5000, 2]])
  })

  it('applies a later [global] only to the jobs after it', () => {
    const jobs = jobsFromFile('[global]\nsize=1m\n[a]\n[global]\nbs=8k\n[b]\n', 'f').map(resolveJob)
    expect(jobs.map((j) => [j.name, j.size, j.bs])).toEqual([['a', 1 << 20, 4096], ['b', 1 << 20, 8192]])
  })

  it('names the file and line of an unknown option', () => {
    const err = usageError(() => parse(['bad.fio'], { 'bad.fio': '[x]\nsize=1m\nfoo=bar\n' }))
    expect(err.message).toBe("bad.fio:3: unknown option 'foo'")
    expect(usageError(() => parse(['o.fio'], { 'o.fio': 'size=1m\n' })).message).toMatch(/o\.fio:1: option 'size=1m' outside any \[section\]/)
  })

  it('refuses a job file without jobs rather than running the suite', () => {
    expect(usageError(() => parse(['g.fio'], { 'g.fio': '[global]\nsize=1m\n' })).message).toBe('no job sections in g.fio')
  })

  it('names the location of a bad value', () => {
    expect(usageError(() => parse(['v.fio'], { 'v.fio': '[x]\nsize=1m\nrw=rw\n' })).message).toMatch(/^v\.fio:3: rw=rw is not supported/)
  })

  it('groups jobs at each stonewall', () => {
    const jobs = parse(['jobs.fio'], { 'jobs.fio': file }).jobs.map((spec) => ({ spec }))
    expect(stonewallGroups(jobs).map((g) => g.map((j) => j.spec.name))).toEqual([['seq-write'], ['rand-read']])
  })
})

describe('VM-pattern options (fio syntax)', () => {
  it('reads the rw postfix by the mode: a skip in bytes for sequential, a count for random', () => {
    const [a, b] = parse(['--name=a', '--rw=read:8188k', '--size=16g', '--name=b', '--rw=randread:8', '--size=1m']).jobs
    expect([a!.rw, a!.seqAdd, a!.seqNr]).toEqual(['read', 8188 * 1024, 1])
    expect([b!.rw, b!.seqAdd, b!.seqNr]).toEqual(['randread', 0, 8])
    expect(usageError(() => parse(['--name=a', '--rw=read:lots', '--size=1m'])).message).toMatch(/rw postfix/)
  })

  it('parses rw_sequencer, randrepeat, randseed, norandommap, number_ios, random_generator', () => {
    const [j] = parse(['--name=a', '--rw=randread:4', '--rw_sequencer=identical', '--randrepeat=0', '--randseed=0x10', '--norandommap',
      '--number_ios=2000', '--random_generator=tausworthe', '--size=1m']).jobs
    expect([j!.sequencer, j!.randrepeat, j!.randseed, j!.randommap, j!.numberIos]).toEqual(['identical', false, 16n, false, 2000])
    const [d] = parse(['--name=d', '--size=1m']).jobs
    expect([d!.sequencer, d!.randrepeat, d!.randseed, d!.randommap, d!.numberIos]).toEqual(['sequential', true, undefined, true, undefined])
  })

  it('rejects what bench does not implement with exit code 2, and unknown options still', () => {
    expect(usageError(() => parse(['--name=a', '--size=1m', '--random_generator=lfsr'])).message).toMatch(/tausworthe/)
    expect(usageError(() => parse(['--name=a', '--size=1m', '--rw_sequencer=backwards'])).message).toMatch(/sequential or identical/)
    expect(usageError(() => parse(['--name=a', '--size=1m', '--randseed=soon'])).message).toMatch(/randseed/)
    expect(usageError(() => parse(['--name=a', '--size=1m', '--log_avg_msec=-1'])).message).toMatch(/log_avg_msec/)
    expect(usageError(() => parse(['--name=a', '--size=1m', '--rate_iops=100'])).message).toMatch(/unknown option '--rate_iops'/)
    expect(usageError(() => parse(['x.fio'], { 'x.fio': '[x]\nsize=1m\nzonemode=strided\n' })).message).toBe("x.fio:3: unknown option 'zonemode'")
  })

  it('takes log prefixes, bare ones naming the job, log_avg_msec, group_reporting and filename_format', () => {
    const [j] = parse(['--name=vm', '--size=1m', '--write_bw_log', '--write_lat_log=lat', '--log_avg_msec=500', '--group_reporting',
      '--filename_format=img.$jobnum']).jobs
    expect([j!.bwLog, j!.latLog, j!.iopsLog, j!.logAvgMsec, j!.groupReporting, j!.filenameFormat]).toEqual(['vm', 'lat', undefined, 500, true, 'img.$jobnum'])
    const [f] = parse(['j.fio'], { 'j.fio': '[boot]\nsize=16g\nrw=read:8188k\nnumjobs=8\nfilename_format=vm.$jobname.$jobnum\nwrite_lat_log\n' }).jobs
    expect([f!.seqAdd, f!.numjobs, f!.filenameFormat, f!.latLog]).toEqual([8188 * 1024, 8, 'vm.$jobname.$jobnum', 'boot'])
  })

  it('--stride-ahead turns the read-ahead on for our clients', () => {
    expect(parse(['--name=a', '--size=1m', '--stride-ahead']).strideAhead).toBe(true)
    expect(parse(['--name=a', '--size=1m']).strideAhead).toBe(false)
  })
})
