/** What `realmesh testnet` prints: the `--json` document, and the same as lines for a terminal. */
import type { HealthFigures, LookupFigures, ProcessFigures, ProfileEntry, UsageFigures } from '@realmesh/testnet'

export interface TestnetReport {
  /** realm nodes, or plain libp2p + kad-dht nodes (`--plain`, the reference) */
  side: 'realmesh' | 'plain'
  nodes: number
  processes: number
  settled: boolean
  /** ms from the command's start to the last routing-table change before the quiet window (null: not settled) */
  settleMs: number | null
  /** ms until every worker had started its nodes */
  startMs: number
  quietMs: number
  tables: HealthFigures
  lookups: Pick<LookupFigures, 'total' | 'trueClosest' | 'failed' | 'ms' | 'queries' | 'errors' | 'slowest'>
  hops: LookupFigures['hops']
  perNode: UsageFigures['perNode']
  /** CPU per member per second over the window at rest, and the part of it the main threads spent paused for GC (by kind) */
  idle: { windowMs: number, cpuMsPerMemberPerSecond: number, gcMsPerMemberPerSecond: UsageFigures['gcMsPerMemberPerSecond'] }
  perProcess: ProcessFigures[]
  /** with --profile: the functions that took the most CPU at rest (self time), over all processes and per process */
  profile?: { windowMs: number, total: ProfileEntry[], processes: Array<{ name: string, nodes: number, top: ProfileEntry[] }> }
}

const fixed = (value: number | null, digits = 1): string => value == null ? '-' : value.toFixed(digits)

const gcLine = (gc: UsageFigures['gcMsPerMemberPerSecond']): string =>
  `${fixed(gc.minor + gc.major + gc.incremental + gc.weak, 3)} (minor ${fixed(gc.minor, 3)}, major ${fixed(gc.major, 3)}, incremental marking ${fixed(gc.incremental, 3)}, weak callbacks ${fixed(gc.weak, 3)})`

export function testnetLines (r: TestnetReport): string[] {
  const t = r.tables
  return [
    `${r.side === 'plain' ? 'plain libp2p + kad-dht network' : 'realm'} of ${r.nodes} nodes and a ${r.side === 'plain' ? 'bootstrap node' : 'leader'} over ${r.processes} processes (+1 for the leader): ${r.settled ? `settled at ${fixed((r.settleMs ?? 0) / 1000)} s` : 'not settled'} (quiet window ${fixed(r.quietMs / 1000)} s; every node started at ${fixed(r.startMs / 1000)} s)`,
    `tables: ${t.joined}/${t.nodes} joined, size min ${t.routingTable.min} mean ${fixed(t.routingTable.mean)}, true ${t.kClosest.k} closest held: mean ${fixed(t.kClosest.mean * 100)}% min ${fixed(t.kClosest.min * 100)}% (${t.kClosest.complete} nodes at 100%), stale entries ${t.stale.entries}`,
    `lookups: ${r.lookups.trueClosest}/${r.lookups.total} found the true closest, ${r.lookups.failed} failed; hops mean ${fixed(r.hops.mean, 2)} p99 ${fixed(r.hops.p99, 0)} max ${fixed(r.hops.max, 0)}; ms p50 ${fixed(r.lookups.ms.p50, 0)} p99 ${fixed(r.lookups.ms.p99, 0)}`,
    `per node: heap ${fixed(r.perNode.heapMiB, 2)} MiB, RSS ${fixed(r.perNode.rssMiB, 2)} MiB, CPU ${fixed(r.perNode.cpuPercent, 2)}% (${fixed(r.idle.cpuMsPerMemberPerSecond, 2)} ms per member per second over ${fixed(r.idle.windowMs / 1000)} s at rest)`,
    `  of which the main threads' GC pauses: ${gcLine(r.idle.gcMsPerMemberPerSecond)} ms per member per second`,
    ...r.perProcess.map(p => `  ${p.name} (pid ${p.pid}): ${p.nodes} nodes, heap ${fixed(p.heapMiB)} MiB, RSS ${fixed(p.rssMiB)} MiB, CPU ${fixed(p.cpuPercent)}%`),
    ...r.lookups.errors.map(e => `  lookup: ${e}`),
    ...r.lookups.slowest.map(e => `  slow lookup: ${e}`),
    ...(r.profile == null ? [] : [`CPU at rest by function (self time over ${fixed(r.profile.windowMs / 1000)} s, all processes):`, ...r.profile.total.map(e => `  ${fixed(e.selfMs, 0)} ms  ${e.where}`)])
  ]
}
