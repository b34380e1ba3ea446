/**
 * fio's command line and job-file syntax for the subset `bench` runs. Pure: no I/O, so every
 * parsing rule is unit-tested. Option names and meanings are fio's (fio HOWTO.rst); where fio has
 * an odd rule (KiB = 1000 under the default kb_base, CLI options before `--name` being defaults
 * that a job file's [global] overrides) this follows fio, so an existing fio config runs unchanged.
 */
import { BenchUsageError, parseBool, parseInteger, parseSize, parseTime } from './units.ts'

/** The access patterns `bench` drives (fio `rw=`). */
export type RwMode = 'read' | 'write' | 'randread' | 'randwrite' | 'randrw'
/** Checksums for `verify=`; both are fio's names. */
export type VerifyAlgo = 'crc32c' | 'md5'

/** One fully resolved job, as fio would run it. Sizes in bytes, times in milliseconds. */
export interface JobSpec {
  /** Job name (fio `name=` or the job-file section). Used for the default file name. */
  readonly name: string
  readonly rw: RwMode
  /** Percent of randrw operations that are reads. Defaults to 50. */
  readonly rwmixread: number
  /** Block size in bytes. Defaults to 4096. */
  readonly bs: number
  /** Bytes of the file each job covers, from `offset`. Required, as for fio's gfapi engine. */
  readonly size: number
  /** Start of the region in the file, in bytes. Defaults to 0. */
  readonly offset: number
  /** Operations kept in flight per job. Defaults to 1. */
  readonly iodepth: number
  /** Copies of this job run at once, each on its own file unless `filename` is set. Defaults to 1. */
  readonly numjobs: number
  /** Time limit in ms; with `timeBased` the job loops over its region until it expires. */
  readonly runtimeMs: number | undefined
  readonly timeBased: boolean
  /** Warm-up in ms run before statistics start. Defaults to 0. */
  readonly rampTimeMs: number
  /** fsync after every N writes; 0 (the default) never. */
  readonly fsync: number
  /** fsync once when the job's writes are done. Defaults to false. */
  readonly endFsync: boolean
  /** Open with O_DIRECT. Defaults to false. */
  readonly direct: boolean
  /** Write checksummed blocks, then read them back and check. Defaults to none. */
  readonly verify: VerifyAlgo | undefined
  /** Path in the volume, or a `gluster://host[:port]/volume/path` URL; unset = `<name>.<n>.0`. */
  readonly filename: string | undefined
  /** fio gfapi engine's `volume=`; the volume name when no URL names one. */
  readonly volume: string | undefined
  /** fio gfapi engine's `brick=`: the volfile server host. */
  readonly brick: string | undefined
  /** Wait for the jobs before this one to finish (fio `stonewall`). Defaults to false. */
  readonly stonewall: boolean
  /** Remove the job's file when it finishes. Defaults to false, as in fio. */
  readonly unlink: boolean
  /** `rw=read:N`: bytes skipped after each sequential I/O (fio's ddir_seq_add). Defaults to 0. */
  readonly seqAdd: number
  /** `rw=randread:N`: a new random offset every N I/Os (fio's ddir_seq_nr). Defaults to 1. */
  readonly seqNr: number
  /** `rw_sequencer`: what the I/Os between random ones do. Defaults to sequential. */
  readonly sequencer: 'sequential' | 'identical'
  /** Random offsets repeat from run to run (fio `randrepeat`). Defaults to true. */
  readonly randrepeat: boolean
  /** fio `randseed`; used when randrepeat is off. */
  readonly randseed: bigint | undefined
  /** fio `norandommap` off: random blocks are not repeated until every block was done. */
  readonly randommap: boolean
  /** fio `number_ios`: stop after this many I/Os. */
  readonly numberIos: number | undefined
  /** Report the jobs of a stonewall group as one (fio `group_reporting`). Defaults to false. */
  readonly groupReporting: boolean
  /** Log prefixes (fio `write_bw_log`, `write_lat_log`, `write_iops_log`); undefined = no log. */
  readonly bwLog: string | undefined
  readonly latLog: string | undefined
  readonly iopsLog: string | undefined
  /** Average log entries over this many ms (fio `log_avg_msec`); 0 logs every I/O. */
  readonly logAvgMsec: number
  /** Per-I/O log entries carry the offset (fio `log_offset`). Defaults to false. */
  readonly logOffset: boolean
  /** fio `filename_format`: the file of each clone, with $jobname, $jobnum, $filenum. */
  readonly filenameFormat: string
  /** The options as written, for the JSON report's "job options". */
  readonly options: Readonly<Record<string, string>>
}

/** What the command line asked for. */
export interface Invocation {
  readonly mode: 'help' | 'suite' | 'jobs'
  readonly jobs: readonly JobSpec[]
  readonly outputFormat: 'normal' | 'json'
  /** Run fio's gfapi engines beside us; undefined = the mode's default (suite: when fio exists). */
  readonly compare: 'fio' | 'none' | undefined
  /** Suite: ~2 s profiles instead of 10 s. */
  readonly quick: boolean
  /** Suite: only the profiles whose names contain one of these. */
  readonly profiles: readonly string[]
  /** A positional `gluster://` URL: the server and volume of every job, and its file by default. */
  readonly target: string | undefined
  /** Our clients read ahead along strides (GlfsOptions.strideAhead). */
  readonly strideAhead: boolean
  /** Write an SVG of throughput and latency here (plot.ts). */
  readonly plot?: string | undefined
}

type Raw = string | undefined
/** One option as written: canonical key, raw value (undefined for a bare flag), and its location. */
export interface OptionEntry { readonly key: string, readonly value: Raw, readonly where: string }
type Entry = OptionEntry

// Options that take no value on the command line unless written `--opt=value`.
const FLAGS = new Set([
  'time_based', 'end_fsync', 'direct', 'thread', 'stonewall', 'unlink', 'suite', 'quick', 'help', 'norandommap',
  'group_reporting', 'log_offset', 'write_bw_log', 'write_lat_log', 'write_iops_log', 'stride_ahead',
])

// Job option spellings (aliases as in fio) -> the canonical key.
const JOB_OPTIONS: Readonly<Record<string, string>> = {
  name: 'name', filename: 'filename', rw: 'rw', readwrite: 'rw', rwmixread: 'rwmixread',
  rwmixwrite: 'rwmixwrite', bs: 'bs', blocksize: 'bs', size: 'size', offset: 'offset',
  iodepth: 'iodepth', numjobs: 'numjobs', runtime: 'runtime', timeout: 'runtime',
  time_based: 'time_based', ramp_time: 'ramp_time', fsync: 'fsync', end_fsync: 'end_fsync',
  direct: 'direct', verify: 'verify', ioengine: 'ioengine', volume: 'volume', brick: 'brick',
  thread: 'thread', stonewall: 'stonewall', wait_for_previous: 'stonewall', kb_base: 'kb_base',
  unlink: 'unlink', rw_sequencer: 'rw_sequencer', randrepeat: 'randrepeat', randseed: 'randseed',
  random_generator: 'random_generator', norandommap: 'norandommap', number_ios: 'number_ios',
  group_reporting: 'group_reporting', write_bw_log: 'write_bw_log', write_lat_log: 'write_lat_log',
  write_iops_log: 'write_iops_log', log_avg_msec: 'log_avg_msec', log_offset: 'log_offset', filename_format: 'filename_format',
}

const CLI_ONLY = new Set(['output_format', 'compare', 'suite', 'quick', 'profile', 'help', 'stride_ahead', 'plot'])

const RW_MODES: readonly RwMode[] = ['read', 'write', 'randread', 'randwrite', 'randrw']

/** Usage text for `gfapi-bench --help`. */
export const USAGE = `usage: gfapi-bench [options] [gluster://host[:port]/volume/path] [jobfile...]
       gfapi-bench [--suite] [--quick] [gluster://host[:port]/volume]   the standard suite

A fio-like load generator for gfapi-ts, run beside fio's gfapi engines on the same volume.
Options are fio's (--opt=value or --opt value); --name starts a job, and options before the
first --name apply to every job. Job files use fio's syntax: [global] and [job] sections,
key=value lines, ';' and '#' comments.

Job options (fio meanings):
  --name=STR            job name; also the default file name <name>.<jobnum>.0
  --rw=MODE             read | write | randread | randwrite | randrw   (default read); read:SIZE or
                        write:SIZE skips SIZE after each I/O, randread:N takes a new random offset
                        every N I/Os (fio's rw postfix)
  --rw_sequencer=S      sequential (default) | identical: the I/Os between random ones of randread:N
  --randrepeat=0|1      the same random offsets every run, fio's (default 1)
  --randseed=N          seed of the random offsets when randrepeat=0 (fio's generator: same offsets)
  --random_generator=tausworthe   fio's default generator (the only one bench has)
  --norandommap         random offsets may repeat before every block was done
  --number_ios=N        stop after N I/Os
  --rwmixread=PCT       percent reads for randrw (default 50); --rwmixwrite=PCT
  --bs=SIZE             block size (default 4k)
  --size=SIZE           bytes per job (required); a read job lays the file out first
  --offset=SIZE         start offset in the file (default 0)
  --iodepth=N           operations in flight per job (default 1)
  --numjobs=N           parallel copies; each has its own file unless --filename is set
  --runtime=TIME        stop after TIME; --time_based loops over the region until then
  --ramp_time=TIME      run this long before collecting statistics
  --fsync=N             fsync every N writes;  --end_fsync  fsync when the job ends
  --direct              open with O_DIRECT
  --verify=ALGO         crc32c | md5: write checksummed blocks, read back, check each
  --filename=PATH       path in the volume, or gluster://host[:port]/volume/path
  --filename_format=F   file of each clone: $jobname, $jobnum, $filenum (default $jobname.$jobnum.$filenum)
  --group_reporting     report each stonewall group's jobs as one
  --write_bw_log[=P]    fio's bandwidth log P_bw.<thread>.log (P defaults to the job name);
  --write_lat_log[=P]   latency logs P_lat/_clat/_slat.<thread>.log; --write_iops_log[=P] P_iops
  --log_avg_msec=MS     average log entries over MS (default 0: one entry per I/O)
  --log_offset=0|1      per-I/O log entries carry the I/O's offset
  --volume=V --brick=H  fio gfapi engine options: the volume and the volfile server host
  --stonewall           wait for earlier jobs;  --unlink  delete the file afterwards
  --ioengine=E          gfapi | gfapi_async (accepted for fio job files; ours runs either way)
  --thread              accepted for fio job files (gfapi-bench always runs jobs as threads)
  --kb_base=1024|1000   size units as in fio: with 1024 (default) 4k = 4096 and 4KiB = 4000
SIZE: 4096, 4k, 128k, 256m, 1g (fio units); TIME: 10 (seconds), 10s, 500ms, 2m, 1h.

Bench options:
  --output-format=F     normal (default) | json (fio's JSON shape)
  --compare=fio|none    run the same jobs with fio's gfapi (iodepth 1) or gfapi_async engine
                        and print ours/libgfapi ratios (default: none; suite: fio if installed)
  --suite               the standard profiles, ours vs libgfapi, table + results/*.json
  --quick               suite: ~2 s profiles on a 64 MiB file instead of 10 s on 256 MiB
  --profile=NAME        suite: run only profiles whose name contains NAME (repeatable)
  --stride-ahead        our clients read ahead along strides (GlfsOptions.strideAhead; off by default)
  --plot=FILE.svg       also draw the run: throughput bars per profile (ours beside libgfapi when
                        compared) and completion-latency percentiles
  -h, --help            this text

Without a gluster:// URL or --volume/--brick: in a checkout of gfapi-ts (npm run bench) the local
sandbox from test/integration/gluster-sandbox.sh is started or reused and its "single" volume is
used; an installed gfapi-bench asks for a volume.
Suite results go to bench/results/ in a checkout, ./gfapi-bench-results/ otherwise.
Errors are one line; NODE_DEBUG=gfapi adds the stack and the client's debug log.
Exit status: 0 ok, 1 a job reported errors or the run failed, 2 usage error.`

function canonical(key: string): string {
  return key.replace(/-/g, '_').toLowerCase()
}

/**
 * Parse `bench`'s argv (without node and script). Job files are read through `readFile`, so the
 * parser stays pure for tests.
 *
 * @throws BenchUsageError naming the offending option
 */
export function parseArgs(argv: readonly string[], readFile: (path: string) => string): Invocation {
  const cliGlobal: Entry[] = []
  const cliJobs: Entry[][] = []
  const files: string[] = []
  let url: string | undefined
  let outputFormat: Invocation['outputFormat'] = 'normal'
  let compare: Invocation['compare']
  let suite = false
  let quick = false
  let help = false
  let strideAhead = false
  let plot: string | undefined
  const profiles: string[] = []

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '-h') { help = true; continue }
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg !== '-') throw new BenchUsageError(`unknown option '${arg}' (see gfapi-bench --help)`)
      if (arg.startsWith('gluster://') || arg.startsWith('gluster+')) {
        if (url !== undefined) throw new BenchUsageError(`two target URLs given: '${url}' and '${arg}'`)
        url = arg
      } else {
        files.push(arg)
      }
      continue
    }
    const eq = arg.indexOf('=')
    const rawKey = eq < 0 ? arg.slice(2) : arg.slice(2, eq)
    const key = canonical(rawKey)
    const known = JOB_OPTIONS[key] ?? (CLI_ONLY.has(key) ? key : undefined)
    if (known === undefined) throw new BenchUsageError(`unknown option '--${rawKey}' (see gfapi-bench --help)`)
    let value: Raw = eq < 0 ? undefined : arg.slice(eq + 1)
    if (value === undefined && !FLAGS.has(known)) {
      value = argv[++i]
      if (value === undefined) throw new BenchUsageError(`option '--${rawKey}' needs a value`)
    }
    switch (known) {
      case 'help': help = parseBool(value, rawKey); break
      case 'suite': suite = parseBool(value, rawKey); break
      case 'quick': quick = parseBool(value, rawKey); break
      case 'stride_ahead': strideAhead = parseBool(value, rawKey); break
      case 'profile': profiles.push(value!); break
      case 'plot':
        if (!value!.endsWith('.svg')) throw new BenchUsageError(`--plot: '${value}' must name an .svg file`)
        plot = value
        break
      case 'output_format':
        if (value !== 'normal' && value !== 'json') {
          throw new BenchUsageError(`--output-format: '${value}' is not supported (normal or json)`)
        }
        outputFormat = value
        break
      case 'compare':
        if (value !== 'fio' && value !== 'none') throw new BenchUsageError(`--compare: '${value}' must be fio or none`)
        compare = value
        break
      default: {
        const entry = { key: known, value, where: `--${rawKey}` }
        if (known === 'name') cliJobs.push([entry])
        else (cliJobs.at(-1) ?? cliGlobal).push(entry)
      }
    }
  }

  if (help) return { mode: 'help', jobs: [], outputFormat, compare, quick, profiles, target: url, strideAhead, plot }
  const fileJobs = files.flatMap((f) => jobsFromFile(readFile(f), f))
  if (files.length > 0 && fileJobs.length === 0 && cliJobs.length === 0) {
    throw new BenchUsageError(`no job sections in ${files.join(', ')}`)
  }
  const anyJobOption = cliGlobal.length > 0 || cliJobs.length > 0 || fileJobs.length > 0
  if (suite || !anyJobOption) {
    if (fileJobs.length > 0 || cliJobs.length > 0) {
      throw new BenchUsageError('--suite runs its own profiles; it takes no job options or job files')
    }
    if (cliGlobal.length > 0) {
      throw new BenchUsageError(`--suite runs its own profiles; '${cliGlobal[0]!.where}' does not apply`)
    }
    return { mode: 'suite', jobs: [], outputFormat, compare, quick, profiles, target: url, strideAhead, plot }
  }
  if (quick || profiles.length > 0) throw new BenchUsageError('--quick and --profile apply to the suite only')

  // fio: command-line options outside any --name are defaults for every job, file jobs included.
  const own = [...fileJobs, ...cliJobs]
  const jobs = (own.length > 0 ? own : [[]]).map((j) => resolveJob([...cliGlobal, ...j]))
  return { mode: 'jobs', jobs, outputFormat, compare, quick, profiles, target: url, strideAhead, plot }
}

/**
 * Split a fio job file into the option lists of its jobs: each job section gets the [global]
 * sections above it, then its own lines; its section name is its default `name`.
 */
export function jobsFromFile(text: string, file: string): Entry[][] {
  const jobs: Entry[][] = []
  let global: Entry[] = []
  let current: Entry[] | undefined
  const lines = text.split(/\r?\n/)
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim()
    const where = `${file}:${n + 1}`
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue
    const section = /^\[([^\]]+)\]$/.exec(line)
    if (section) {
      const name = section[1]!.trim()
      if (name === 'global') {
        current = global = [...global]
      } else {
        current = [...global, { key: 'name', value: name, where }]
        jobs.push(current)
      }
      continue
    }
    if (current === undefined) throw new BenchUsageError(`${where}: option '${line}' outside any [section]`)
    const eq = line.indexOf('=')
    const rawKey = (eq < 0 ? line : line.slice(0, eq)).trim()
    const key = JOB_OPTIONS[canonical(rawKey)]
    if (key === undefined) throw new BenchUsageError(`${where}: unknown option '${rawKey}'`)
    current.push({ key, value: eq < 0 ? undefined : line.slice(eq + 1).trim(), where })
  }
  return jobs
}

function need(e: Entry): string {
  if (e.value === undefined || e.value === '') throw new BenchUsageError(`${e.where}: '${e.key}' needs a value`)
  return e.value
}

/**
 * Apply a job's options in order (later ones win, as in fio) and check the combination.
 *
 * @throws BenchUsageError naming the option and where it was written
 */
export function resolveJob(entries: readonly Entry[]): JobSpec {
  // kb_base changes how every size parses, so it is read first, wherever it was written.
  let kbBase: 1000 | 1024 = 1024
  for (const e of entries) {
    if (e.key !== 'kb_base') continue
    const v = parseInteger(need(e), 'kb_base', 1000, 1024)
    if (v !== 1000 && v !== 1024) throw new BenchUsageError(`${e.where}: kb_base must be 1000 or 1024`)
    kbBase = v
  }
  const options: Record<string, string> = {}
  let name = 'bench'
  let rw: RwMode = 'read'
  let rwmixread = 50
  let bs = 4096
  let size: number | undefined
  let offset = 0
  let iodepth = 1
  let numjobs = 1
  let runtimeMs: number | undefined
  let timeBased = false
  let rampTimeMs = 0
  let fsync = 0
  let endFsync = false
  let direct = false
  let verify: VerifyAlgo | undefined
  let filename: string | undefined
  let volume: string | undefined
  let brick: string | undefined
  let stonewall = false
  let unlink = false
  let seqAdd = 0
  let seqNr = 1
  let rwPostfix: Entry | undefined
  let sequencer: JobSpec['sequencer'] = 'sequential'
  let randrepeat = true
  let randseed: bigint | undefined
  let randommap = true
  let numberIos: number | undefined
  let groupReporting = false
  let bwLog: string | undefined
  let latLog: string | undefined
  let iopsLog: string | undefined
  let logAvgMsec = 0
  let logOffset = false
  let filenameFormat = '$jobname.$jobnum.$filenum'
  for (const e of entries) {
    options[e.key] = e.value ?? '1'
    const what = e.key
    switch (e.key) {
      case 'name': name = need(e); break
      case 'filename': filename = need(e); break
      case 'rw': {
        const raw = need(e)
        const colon = raw.indexOf(':')
        const v = colon < 0 ? raw : raw.slice(0, colon)
        if (!(RW_MODES as readonly string[]).includes(v)) {
          throw new BenchUsageError(`${e.where}: rw=${v} is not supported (${RW_MODES.join(', ')})`)
        }
        rw = v as RwMode
        rwPostfix = colon < 0 ? undefined : { ...e, value: raw.slice(colon + 1) }
        break
      }
      case 'rw_sequencer': {
        const v = need(e)
        if (v !== 'sequential' && v !== 'identical') throw new BenchUsageError(`${e.where}: rw_sequencer=${v} must be sequential or identical`)
        sequencer = v
        break
      }
      case 'randrepeat': randrepeat = parseBool(e.value, what); break
      case 'randseed': {
        const v = need(e)
        if (!/^(\d+|0x[0-9a-f]+)$/i.test(v)) throw new BenchUsageError(`${e.where}: randseed=${v} is not an integer`)
        randseed = BigInt(v)
        break
      }
      case 'random_generator': {
        const v = need(e)
        if (v !== 'tausworthe') throw new BenchUsageError(`${e.where}: random_generator=${v}: bench has fio's default, tausworthe`)
        break
      }
      case 'norandommap': randommap = !parseBool(e.value, what); break
      case 'number_ios': numberIos = parseInteger(need(e), what, 1); break
      case 'group_reporting': groupReporting = parseBool(e.value, what); break
      case 'write_bw_log': bwLog = e.value ?? ''; break
      case 'write_lat_log': latLog = e.value ?? ''; break
      case 'write_iops_log': iopsLog = e.value ?? ''; break
      case 'log_avg_msec': logAvgMsec = parseInteger(need(e), what, 0); break
      case 'log_offset': logOffset = parseBool(e.value, what); break
      case 'filename_format': filenameFormat = need(e); break
      case 'rwmixread': rwmixread = parseInteger(need(e), what, 0, 100); break
      case 'rwmixwrite': rwmixread = 100 - parseInteger(need(e), what, 0, 100); break
      case 'bs': bs = parseSize(need(e), what, kbBase); break
      case 'size': size = parseSize(need(e), what, kbBase); break
      case 'offset': offset = parseSize(need(e), what, kbBase); break
      case 'iodepth': iodepth = parseInteger(need(e), what, 1, 65536); break
      case 'numjobs': numjobs = parseInteger(need(e), what, 1, 1024); break
      case 'runtime': runtimeMs = parseTime(need(e), what); break
      case 'time_based': timeBased = parseBool(e.value, what); break
      case 'ramp_time': rampTimeMs = parseTime(need(e), what); break
      case 'fsync': fsync = parseInteger(need(e), what, 0); break
      case 'end_fsync': endFsync = parseBool(e.value, what); break
      case 'direct': direct = parseBool(e.value, what); break
      case 'verify': {
        const v = need(e)
        if (v === '0' || v === 'none') verify = undefined
        else if (v === 'crc32c' || v === 'md5') verify = v
        else throw new BenchUsageError(`${e.where}: verify=${v} is not supported (crc32c, md5)`)
        break
      }
      case 'ioengine': {
        const v = need(e)
        if (v !== 'gfapi' && v !== 'gfapi_async') {
          throw new BenchUsageError(`${e.where}: ioengine=${v}: bench drives GlusterFS only (gfapi, gfapi_async)`)
        }
        break
      }
      case 'volume': volume = need(e); break
      case 'brick': brick = need(e); break
      case 'thread': parseBool(e.value, what); break
      case 'stonewall': stonewall = parseBool(e.value, what); break
      case 'unlink': unlink = parseBool(e.value, what); break
      case 'kb_base': break
      default: throw new BenchUsageError(`${e.where}: unknown option '${e.key}'`)
    }
  }
  // fio reads the postfix by the final mode: a skip in bytes for sequential modes, a count for random ones.
  if (rwPostfix !== undefined) {
    const v = need(rwPostfix)
    if (rw === 'read' || rw === 'write') seqAdd = parseSize(v, 'rw postfix', kbBase)
    else seqNr = parseInteger(v, 'rw postfix', 0)
  }
  // An empty prefix (a bare --write_bw_log) means the job's name, as in fio.
  if (bwLog === '') bwLog = name
  if (latLog === '') latLog = name
  if (iopsLog === '') iopsLog = name
  if (size === undefined) {
    throw new BenchUsageError(`job '${name}': --size is required (fio's gfapi engine has no file size to default to)`)
  }
  if (bs < 1) throw new BenchUsageError(`job '${name}': --bs must be at least 1 byte`)
  if (size < bs) throw new BenchUsageError(`job '${name}': --size (${size}) is smaller than --bs (${bs})`)
  if (timeBased && runtimeMs === undefined) throw new BenchUsageError(`job '${name}': --time_based needs --runtime`)
  if (runtimeMs !== undefined && runtimeMs <= 0) throw new BenchUsageError(`job '${name}': --runtime must be positive`)
  if (verify !== undefined && rw !== 'write' && rw !== 'randwrite') {
    throw new BenchUsageError(`job '${name}': --verify needs rw=write or rw=randwrite (it reads back what the job wrote)`)
  }
  if (verify !== undefined && bs < 64) throw new BenchUsageError(`job '${name}': --verify needs --bs of at least 64 bytes`)
  return {
    name, rw, rwmixread, bs, size, offset, iodepth, numjobs, runtimeMs, timeBased, rampTimeMs,
    fsync, endFsync, direct, verify, filename, volume, brick, stonewall, unlink, seqAdd, seqNr, sequencer,
    randrepeat, randseed, randommap, numberIos, groupReporting, bwLog, latLog, iopsLog, logAvgMsec, logOffset, filenameFormat, options,
  }
}

/** Split jobs into stonewall groups: a job with `stonewall` starts a new group, as in fio. */
export function stonewallGroups<T extends { readonly spec: JobSpec }>(jobs: readonly T[]): T[][] {
  const groups: T[][] = []
  for (const j of jobs) {
    if (groups.length === 0 || j.spec.stonewall) groups.push([])
    groups.at(-1)!.push(j)
  }
  return groups
}
