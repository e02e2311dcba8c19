#!/usr/bin/env node
/**
 * pnpm bench [--quick] [--only <suite>[,<suite>]] [--out <dir>]
 *
 * Runs the suites' jobs one after another, each in a fresh child process, prints progress and the
 * final table, and writes latest.json, latest.md and the SVG charts. Exits 0 whatever the
 * measurements say (a job that fails or times out is recorded as such); 2 on bad arguments.
 */
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { join, resolve } from 'node:path'
import { configFor, jobTimeoutMs } from './config.js'
import { jobKey, runInChild, uniqueJobs } from './jobs.js'
import { markdownTable, spliceResults, writeReport } from './report.js'
import { SUITES, SUITE_NAMES } from './suites/index.js'
import type { Job, JobOutcome } from './jobs.js'
import type { JobSummary, RunInfo } from './report.js'
import type { Suite, SuiteName } from './suites/index.js'

const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url))
const RESULTS_DIR = join(PACKAGE_DIR, 'results')
const TMP_DIR = join(RESULTS_DIR, 'tmp')
const BENCHMARKS_MD = join(PACKAGE_DIR, '..', '..', 'BENCHMARKS.md')

const USAGE = `usage: pnpm bench [--quick] [--only <suite>[,<suite>...]] [--out <dir>]

  --quick         smaller networks and fewer repetitions (under 2 minutes)
  --only <names>  run only these suites: ${SUITE_NAMES.join(', ')}
                  (hosts, between network namespaces, needs root and runs only when named)
  --out <dir>     where to write latest.json, latest.md and the charts
                  (default: packages/bench/results for a full run of every suite,
                  packages/bench/results/tmp/<run> otherwise, so a partial run never
                  replaces the committed results)
`

interface Args {
  quick: boolean
  only: SuiteName[] | undefined
  out: string | undefined
}

function parseArgs (argv: string[]): Args {
  const args: Args = { quick: false, only: undefined, out: undefined }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') continue
    if (arg === '--quick') args.quick = true
    else if (arg === '--only' || arg === '--out') {
      const value = argv[++i]
      if (value == null || value.startsWith('--')) throw new UsageError(`${arg} needs a value`)
      if (arg === '--out') args.out = resolve(value)
      else args.only = [...(args.only ?? []), ...value.split(',').map(v => suiteName(v.trim()))]
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE)
      process.exit(0)
    } else {
      throw new UsageError(`unknown argument ${arg}`)
    }
  }
  return args
}

class UsageError extends Error {
  static override name = 'UsageError'
}

function suiteName (value: string): SuiteName {
  const found = SUITE_NAMES.find(s => s === value)
  if (found == null) throw new UsageError(`unknown suite "${value}"; the suites are ${SUITE_NAMES.join(', ')}`)
  return found
}

/** tokens, messages and tunnels first (quick), then networks by size, realmesh then plain at each size */
function order (jobs: Job[]): Job[] {
  const rank = (job: Job): number => job.kind === 'tokens' ? 0 : job.kind === 'messages' || job.kind === 'hosts' || job.kind === 'tunnels' ? 1 : 2
  const size = (job: Job): number => job.kind === 'network' ? job.n : 0
  const side = (job: Job): number => job.kind === 'network' && job.side === 'plain' ? 1 : 0
  return [...jobs].sort((a, b) => rank(a) - rank(b) || size(a) - size(b) || side(a) - side(b))
}

function seconds (ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

async function main (): Promise<void> {
  let args: Args
  try {
    args = parseArgs(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`)
    process.exit(2)
  }
  const config = configFor(args.quick ? 'quick' : 'full')
  const suites: Suite[] = SUITES.filter(s => args.only == null ? s.optIn !== true : args.only.includes(s.name))
  const complete = SUITES.every(s => s.optIn === true || args.only == null || args.only.includes(s.name)) && suites.every(s => s.optIn !== true)
  const official = !args.quick && complete && args.out == null
  const out = args.out ?? (official ? RESULTS_DIR : join(TMP_DIR, `${config.mode}${complete ? '' : `-${suites.map(s => s.name).join('-')}`}`))
  const jobs = order(uniqueJobs(suites.flatMap(s => s.jobs(config))))

  const started = performance.now()
  const runAt = new Date().toISOString()
  process.stdout.write(`realmesh bench (${config.mode}): ${suites.map(s => s.name).join(', ')}; ${jobs.length} jobs, each in its own process\n`)
  const outcomes = new Map<string, JobOutcome>()
  const summaries: JobSummary[] = []
  for (const [i, job] of jobs.entries()) {
    const key = jobKey(job)
    const load = loadavg()[0] ?? 0
    process.stdout.write(`[${i + 1}/${jobs.length}] ${key} (load ${load.toFixed(2)})\n`)
    const outcome = await runInChild(job, { tmpDir: join(TMP_DIR, 'jobs'), timeoutMs: jobTimeoutMs(job) })
    outcomes.set(key, outcome)
    summaries.push({ key, ok: outcome.ok, wallMs: outcome.wallMs, error: outcome.ok ? undefined : outcome.error, partial: outcome.ok ? outcome.partial : undefined, load })
    process.stdout.write(`[${i + 1}/${jobs.length}] ${key}: ${outcome.ok ? (outcome.partial == null ? 'done' : `PARTIAL (${outcome.partial})`) : `FAILED (${outcome.error.split('\n')[0] ?? ''})`} in ${seconds(outcome.wallMs)}\n`)
  }

  const ctx = { config, outcome: (job: Job) => outcomes.get(jobKey(job)) }
  const rows = suites.flatMap(s => s.rows(ctx))
  const charts = suites.flatMap(s => s.charts?.(ctx) ?? [])
  const info: RunInfo = {
    runAt,
    node: process.version,
    cpus: cpus().length,
    mode: config.mode,
    suites: suites.map(s => s.name),
    wallMs: performance.now() - started,
    jobs: summaries
  }
  const written = await writeReport(out, info, rows, suites, charts)
  const table = markdownTable(rows)
  if (official && await spliceResults(BENCHMARKS_MD, `Full run of ${runAt} (Node ${info.node}, ${info.cpus} CPUs, ${(info.wallMs / 60_000).toFixed(1)} min).\n\n${table}`)) {
    written.push(BENCHMARKS_MD)
  }
  process.stdout.write(`\n${table}\nwrote ${written.join(', ')}\n${config.mode} run: ${seconds(info.wallMs)}\n`)
}

await main()
process.exit(0)
