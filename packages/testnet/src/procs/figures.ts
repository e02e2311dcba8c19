/** Figures of the multi-process testnet, computed in the parent from what the workers answered. */
import type { GcTimes, LookupAnswer, NodeHealth, Usage } from './protocol.js'

const MiB = 1024 * 1024

export function percentile (values: number[], p: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null
}

export function mean (values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length
}

export interface LookupFigures {
  total: number
  /** lookups whose coordinator is the true closest live member to the key */
  trueClosest: number
  /** lookups that threw or found nobody */
  failed: number
  hops: { mean: number | null, p50: number | null, p99: number | null, max: number | null }
  ms: { p50: number | null, p99: number | null }
  /** FIND_NODE requests per lookup */
  queries: { mean: number | null }
  /** the first few failures and misses, for the note */
  errors: string[]
  /** the slowest few lookups: how long, how many queries, and the query that took longest */
  slowest: string[]
}

/** lookups described in LookupFigures.slowest */
const SLOWEST = 3

export function lookupFigures (answers: Array<{ answer?: LookupAnswer, truth: string | undefined, error?: string }>): LookupFigures {
  const done = answers.flatMap(a => a.answer?.closest == null ? [] : [a.answer])
  const hops = done.flatMap(a => a.hops == null ? [] : [a.hops])
  return {
    total: answers.length,
    trueClosest: answers.filter(a => a.answer?.closest != null && a.answer.closest === a.truth).length,
    failed: answers.length - done.length,
    hops: { mean: mean(hops), p50: percentile(hops, 50), p99: percentile(hops, 99), max: hops.length === 0 ? null : Math.max(...hops) },
    ms: { p50: percentile(done.map(a => a.ms), 50), p99: percentile(done.map(a => a.ms), 99) },
    queries: { mean: mean(done.map(a => a.queries)) },
    errors: answers.flatMap(a => a.error != null ? [a.error] : a.answer?.closest != null && a.answer.closest !== a.truth ? [missed(a.answer, a.truth)] : []).slice(0, 5),
    slowest: [...done].sort((a, b) => b.ms - a.ms).slice(0, SLOWEST).map(slow)
  }
}

/** a slow lookup: what it waited on */
function slow (answer: LookupAnswer): string {
  const q = answer.slowestQuery
  return `${Math.round(answer.ms)} ms, ${answer.queries} queries, ${answer.errors} failed${q == null ? '' : `; slowest query ${Math.round(q.ms)} ms${q.openMs == null ? '' : ` (${Math.round(q.openMs)} opening the stream)`} to ${q.peer}${q.member == null ? '' : q.member ? ', a member' : q.connected === true ? ', connected, not a member' : ', not connected'} (${q.status === '' ? 'no status' : q.status})`}`
}

/** a lookup that found another member than the true closest, and what its walk did with the true closest */
function missed (answer: LookupAnswer, truth: string | undefined): string {
  const seen = (answer.trace ?? []).find(t => t.peer === truth)?.status ?? 'never named by the peers asked'
  return `found ${answer.closest ?? '?'}, true closest ${truth ?? '?'} (${seen}; ${answer.queries} queries, ${answer.errors} failed, ${Math.round(answer.ms)} ms)`
}

export interface HealthFigures {
  nodes: number
  joined: number
  routingTable: { min: number, mean: number }
  /** share of each node's true k closest live members held in its routing table */
  kClosest: { k: number, mean: number, min: number, complete: number }
  /** routing-table entries that are not live members, in all, and the nodes holding any */
  stale: { entries: number, nodes: number }
}

export function healthFigures (nodes: NodeHealth[], k: number): HealthFigures {
  const tables = nodes.map(n => n.routingTable)
  const shares = nodes.map(n => n.kClosestShare)
  return {
    nodes: nodes.length,
    joined: nodes.filter(n => n.joined).length,
    routingTable: { min: tables.length === 0 ? 0 : Math.min(...tables), mean: mean(tables) ?? 0 },
    kClosest: { k, mean: mean(shares) ?? 0, min: shares.length === 0 ? 0 : Math.min(...shares), complete: shares.filter(s => s === 1).length },
    stale: { entries: nodes.reduce((sum, n) => sum + n.stale, 0), nodes: nodes.filter(n => n.stale > 0).length }
  }
}

export interface ProcessFigures {
  name: string
  pid: number
  nodes: number
  heapMiB: number
  rssMiB: number
  /** CPU over the window, % of one core */
  cpuPercent: number
}

export interface UsageFigures {
  /** the window the CPU figures cover (ms) */
  windowMs: number
  /** per node: the processes' totals over the nodes they run */
  perNode: { heapMiB: number, rssMiB: number, cpuPercent: number }
  /** ms of CPU per member per second over the window, all processes (the leader's included) */
  cpuMsPerMemberPerSecond: number
  /** the main threads' GC pauses in the window per member per second, ms, by kind (all processes) */
  gcMsPerMemberPerSecond: GcTimes
  processes: ProcessFigures[]
}

/** per-process and per-node figures from two usage samples of each process, `before` and `after` a window */
export function usageFigures (samples: Array<{ name: string, pid: number, before: Usage, after: Usage }>): UsageFigures {
  const processes = samples.map(({ name, pid, before, after }) => {
    const ms = Math.max(1, after.at - before.at)
    return { name, pid, nodes: after.nodes, heapMiB: after.heapUsed / MiB, rssMiB: after.rss / MiB, cpuPercent: (after.cpuMicros - before.cpuMicros) / 10 / ms, cpuMs: (after.cpuMicros - before.cpuMicros) / 1000, windowMs: ms }
  })
  const nodes = Math.max(1, processes.reduce((sum, p) => sum + p.nodes, 0))
  const windowMs = mean(processes.map(p => p.windowMs)) ?? 0
  const cpuMs = processes.reduce((sum, p) => sum + p.cpuMs, 0)
  const perMemberSecond = nodes * Math.max(1, windowMs) / 1000
  const gc = (kind: keyof GcTimes): number => samples.reduce((sum, { before, after }) => sum + after.gcMs[kind] - before.gcMs[kind], 0) / perMemberSecond
  return {
    windowMs,
    perNode: {
      heapMiB: processes.reduce((sum, p) => sum + p.heapMiB, 0) / nodes,
      rssMiB: processes.reduce((sum, p) => sum + p.rssMiB, 0) / nodes,
      cpuPercent: cpuMs / Math.max(1, windowMs) / nodes * 100
    },
    cpuMsPerMemberPerSecond: cpuMs / perMemberSecond,
    gcMsPerMemberPerSecond: { minor: gc('minor'), major: gc('major'), incremental: gc('incremental'), weak: gc('weak') },
    processes: processes.map(({ name, pid, nodes, heapMiB, rssMiB, cpuPercent }) => ({ name, pid, nodes, heapMiB, rssMiB, cpuPercent }))
  }
}
