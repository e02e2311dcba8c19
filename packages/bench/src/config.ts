/**
 * What a run measures: the full run (`pnpm bench`, under 20 minutes on 2 cores) and the quick one
 * (`pnpm bench --quick`, under 2 minutes: smaller N, fewer repetitions).
 */
import type { DaemonMetricsJob, HostsJob, Job, MessagesJob, NetworkJob, Side, TokensJob, TunnelsJob } from './jobs.js'

export type Mode = 'full' | 'quick'

export interface BenchConfig {
  mode: Mode
  /** suite 1: network sizes */
  joinSizes: number[]
  /** suite 2: network size */
  lookupSize: number
  /** suite 5: network size */
  memorySize: number
  /** suite 6: network sizes */
  growthSizes: number[]
  /** lookups measured per network (at most) */
  lookups: number
  /** time given to a network's lookups (fewer are measured when they are slow) */
  lookupBudgetMs: number
  /**
   * nodes started at once. Every node at once: starting a node does not wait for its join, and
   * started in batches, the later batches' start() waited behind the microtask chains of the
   * in-memory traffic of the earlier ones (100 realm nodes took 69 s to start 8 at a time, 6 s all at once)
   */
  concurrency: number
  /**
   * routing tables unchanged, all of them, this long = settled. 30 s in a full run: with 2 s,
   * realmesh's tables went on changing after "settled" (160 changes in the next 60 s at N = 50, 682
   * at N = 100, quiet only 61 to 144 s later), so its settle time and memory were measured early
   */
  quietMs: number
  /** most time a network gets from its first start to settle (see settleTimeoutMs) */
  settleCapMs: number
  /** suite 3 */
  messages: Omit<MessagesJob, 'kind'>
  /** suite 4 */
  tokens: Omit<TokensJob, 'kind'>
  /** the hosts suite (opt-in, root only), for each of netns and loopback */
  hosts: Omit<HostsJob, 'kind' | 'where'>
  /** suite 7 */
  tunnels: Omit<TunnelsJob, 'kind'>
  /** suite 8: rounds of each side, and each round's work */
  metrics: { rounds: number } & Omit<DaemonMetricsJob, 'kind' | 'metrics' | 'round'>
}

/** as many nodes as any network here has: all of them at once */
const ALL_AT_ONCE = 1_000

export function configFor (mode: Mode): BenchConfig {
  if (mode === 'quick') {
    return {
      mode,
      joinSizes: [8, 16],
      lookupSize: 16,
      memorySize: 16,
      growthSizes: [8, 16],
      lookups: 40,
      lookupBudgetMs: 5_000,
      concurrency: ALL_AT_ONCE,
      quietMs: 5_000,
      settleCapMs: 60_000,
      messages: { nodes: 4, echo: { size: 1024, count: 300 }, throughput: [{ size: 1024, count: 2_000 }, { size: 65_536, count: 100 }], rounds: 3 },
      tokens: { tokens: 200, minMs: 100, rounds: 3 },
      hosts: { lookups: 60, roundTrips: 300, warmup: 50, size: 1024, rounds: 3 },
      tunnels: { echo: { size: 1024, count: 300 }, connects: 30, throughput: { size: 65_536, bytes: 16 * 1024 * 1024 }, parallel: 8, rounds: 3 },
      metrics: { rounds: 1, warmup: 100, messages: 500, concurrency: 8, idleMs: 15_000, scrapeMs: 1_000, idleScrapeMs: 15_000 }
    }
  }
  return {
    mode,
    joinSizes: [25, 50, 100],
    lookupSize: 100,
    memorySize: 100,
    growthSizes: [25, 50, 100, 200],
    lookups: 100,
    lookupBudgetMs: 25_000,
    concurrency: ALL_AT_ONCE,
    quietMs: 30_000,
    // a realm of 200 in one process went quiet for 2 s at about 200 to 240 s (2026-12-02); for 30 s
    // it needs more, and the cap keeps the full run within an hour at worst
    settleCapMs: 420_000,
    messages: { nodes: 6, echo: { size: 1024, count: 2_000 }, throughput: [{ size: 1024, count: 20_000 }, { size: 65_536, count: 5_000 }], rounds: 5 },
    tokens: { tokens: 2_000, minMs: 500, rounds: 5 },
    hosts: { lookups: 500, roundTrips: 2_000, warmup: 50, size: 1024, rounds: 5 },
    tunnels: { echo: { size: 1024, count: 2_000 }, connects: 200, throughput: { size: 65_536, bytes: 512 * 1024 * 1024 }, parallel: 8, rounds: 5 },
    metrics: { rounds: 3, warmup: 300, messages: 3_000, concurrency: 8, idleMs: 60_000, scrapeMs: 1_000, idleScrapeMs: 15_000 }
  }
}

/**
 * the settle timeout for a network of n nodes, from starting its first node: generous (60 s + 2 s
 * per node, plus the quiet window itself), since starting is slow on 2 cores, and capped so the run
 * keeps to its time
 */
export function settleTimeoutMs (n: number, quietMs: number, capMs: number): number {
  return Math.min(60_000 + quietMs + n * 2_000, capMs)
}

export function networkJob (config: BenchConfig, side: Side, n: number): NetworkJob {
  return { kind: 'network', side, n, transport: 'memory', concurrency: config.concurrency, lookups: config.lookups, lookupBudgetMs: config.lookupBudgetMs, quietMs: config.quietMs, settleTimeoutMs: settleTimeoutMs(n, config.quietMs, config.settleCapMs) }
}

/** how long a job's child may run before it is killed (and recorded as timed out) */
export function jobTimeoutMs (job: Job): number {
  switch (job.kind) {
    // lookups that outlive their own timeouts (a stalled event loop) are what this limit catches;
    // the larger the network, the longer its event loop stalls (60 s + 0.3 s per node)
    case 'network': return job.settleTimeoutMs + job.lookupBudgetMs + 60_000 + job.n * 300
    case 'messages': return 300_000
    case 'tokens': return 300_000
    case 'daemon-metrics': return 300_000
    case 'hosts': return 300_000
    case 'tunnels': return 300_000
  }
}
