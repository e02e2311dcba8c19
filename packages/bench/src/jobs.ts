/**
 * A job is one measured side of one scenario, run in a fresh Node process (`--expose-gc`) so that
 * heap, RSS, JIT state and leftover timers never carry from one measurement to the next. Suites
 * say which jobs they need; a job several suites need (a network of N nodes serves join, lookup,
 * memory and growth) runs once.
 */
import { spawn } from 'node:child_process'
import { mkdir, readFile, rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import type { NetworkResult } from './runners/network.js'
import type { MessagesResult } from './runners/messages.js'
import type { TokensResult } from './runners/tokens.js'
import type { DaemonMetricsResult } from './runners/daemon-metrics.js'
import type { HostsResult } from './runners/hosts.js'
import type { TunnelsResult } from './runners/tunnels.js'

export type Side = 'realmesh' | 'plain'
export type Transport = 'memory' | 'tcp'

/** N nodes of one side: join until settled, memory, then coordinator lookups */
export interface NetworkJob {
  kind: 'network'
  side: Side
  /** nodes in all (realmesh: the leader + n - 1; plain: the bootstrap node + n - 1) */
  n: number
  transport: Transport
  /** nodes started at once */
  concurrency: number
  /** lookups measured (after a few unmeasured warm-up lookups) */
  lookups: number
  /** stop measuring lookups after this long, however many were done (the run's time limit) */
  lookupBudgetMs: number
  quietMs: number
  settleTimeoutMs: number
}

/** two nodes of a small network of each side, in one process: echo round trips and sink throughput */
export interface MessagesJob {
  kind: 'messages'
  /** nodes in each network the two belong to */
  nodes: number
  /** round trips in all (spread over the rounds) */
  echo: { size: number, count: number }
  /** messages per size in all (spread over the rounds) */
  throughput: Array<{ size: number, count: number }>
  /** interleaved rounds */
  rounds: number
}

/** token verification rates (both sides in one process, interleaved rounds) */
export interface TokensJob {
  kind: 'tokens'
  /** distinct tokens verified per pass */
  tokens: number
  /** each measured round runs passes until at least this long */
  minMs: number
  rounds: number
}

/** three hosts (OS processes) in network namespaces or on loopback: lookups and acked round trips, both sides */
export interface HostsJob {
  kind: 'hosts'
  where: 'netns' | 'loopback'
  /** lookups measured per side (spread over the rounds) */
  lookups: number
  /** round trips measured per side (spread over the rounds) */
  roundTrips: number
  /** unmeasured round trips first */
  warmup: number
  /** message size, bytes */
  size: number
  rounds: number
}

/** a tunnel against a plain libp2p stream and plain TCP, all in one process (interleaved rounds) */
export interface TunnelsJob {
  kind: 'tunnels'
  /** round trips on one open connection, in all (spread over the rounds) */
  echo: { size: number, count: number }
  /** new connections timed to their first echo, in all */
  connects: number
  /** per throughput run: writes of `size` bytes, `bytes` in all */
  throughput: { size: number, bytes: number }
  /** connections at once in the parallel throughput run */
  parallel: number
  rounds: number
}

/** one round of one side of the metrics cost: a node daemon with metrics on or off (runners/daemon-metrics.ts) */
export interface DaemonMetricsJob {
  kind: 'daemon-metrics'
  metrics: boolean
  /** rounds alternate the sides; each round is a job of its own */
  round: number
  warmup: number
  messages: number
  concurrency: number
  idleMs: number
  /** GET /metrics this often while publishing (with metrics) */
  scrapeMs: number
  /** and this often while idle */
  idleScrapeMs: number
}

export type Job = NetworkJob | MessagesJob | TokensJob | HostsJob | TunnelsJob | DaemonMetricsJob

export interface JobResults {
  network: NetworkResult
  messages: MessagesResult
  tokens: TokensResult
  hosts: HostsResult
  tunnels: TunnelsResult
  'daemon-metrics': DaemonMetricsResult
}

export type JobOutcome =
  /** `partial`: the child was killed at its time limit; `result` is what it had measured by then */
  | { key: string, ok: true, wallMs: number, result: NetworkResult | MessagesResult | TokensResult | HostsResult | TunnelsResult | DaemonMetricsResult, partial?: string }
  | { key: string, ok: false, wallMs: number, error: string }

export function jobKey (job: Job): string {
  switch (job.kind) {
    case 'network': return `network-${job.side}-${job.n}`
    case 'messages': return 'messages'
    case 'tokens': return 'tokens'
    case 'hosts': return `hosts-${job.where}`
    case 'tunnels': return 'tunnels'
    case 'daemon-metrics': return `metrics-${job.metrics ? 'on' : 'off'}-${job.round}`
  }
}

/** the jobs, each once, in the order first asked for */
export function uniqueJobs (jobs: Job[]): Job[] {
  const seen = new Map<string, Job>()
  for (const job of jobs) if (!seen.has(jobKey(job))) seen.set(jobKey(job), job)
  return [...seen.values()]
}

export interface RunInChildOptions {
  /** where the child writes its result */
  tmpDir: string
  /** the child is killed after this long */
  timeoutMs: number
}

/** 200 realm nodes in one process hold over 1.5 GiB of heap; V8's default limit is close to that */
const CHILD_HEAP_MIB = 8_192

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url))

/** Runs `job` in a fresh `node --expose-gc` process; never throws (a failure is an outcome). */
export async function runInChild (job: Job, options: RunInChildOptions): Promise<JobOutcome> {
  const key = jobKey(job)
  await mkdir(options.tmpDir, { recursive: true })
  const out = join(options.tmpDir, `${key}.json`)
  await rm(out, { force: true })
  const started = performance.now()
  const exit = await new Promise<{ code: number | null, signal: string | null, killed: boolean }>((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', `--max-old-space-size=${CHILD_HEAP_MIB}`, CHILD, JSON.stringify(job), out], { stdio: ['ignore', 'inherit', 'inherit'] })
    let killed = false
    const timer = setTimeout(() => {
      killed = true
      child.kill('SIGKILL')
    }, options.timeoutMs)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, killed })
    })
  })
  const wallMs = performance.now() - started
  const ended = exit.killed ? `killed after ${Math.round(options.timeoutMs / 1000)} s (timeout)` : `exited with ${exit.code ?? exit.signal}`
  try {
    const written = JSON.parse(await readFile(out, 'utf8')) as { ok: boolean, partial?: boolean, result?: unknown, error?: string }
    // a partial result (the child ended before its final write) is what was measured by then
    const result = written.result as NetworkResult | MessagesResult | TokensResult | HostsResult | TunnelsResult | DaemonMetricsResult
    if (written.ok) return written.partial === true ? { key, ok: true, wallMs, result, partial: `${ended}; what it measured by then is reported` } : { key, ok: true, wallMs, result }
    return { key, ok: false, wallMs, error: written.error ?? 'the job failed' }
  } catch {
    return { key, ok: false, wallMs, error: exit.killed ? ended : `${ended} without a result` }
  }
}
