/**
 * One simulated realm from start to figures: N members join over a stretch of simulated time, the
 * realm runs until no table changed for a quiet window, then convergence, lookups, coordinator
 * stability and what it all cost are measured.
 */
import { defaultBucketSize } from '@realmesh/node'
import { convergence, lookups } from './measure.js'
import { stability } from './stability.js'
import { Simulation } from './simulation.js'
import type { Convergence, LookupFigures } from './measure.js'
import type { Stability } from './stability.js'
import type { SimulationInit } from './simulation.js'

/**
 * past the real-time budget, a join or a leave still gets this long (simulated) before the
 * coordinators are looked up again: the joiner's admission, its first NLIST round (2 s) and its
 * iterative self-lookup, or the members' disconnects, all fit in it
 */
const OUT_OF_TIME_SETTLE_MS = 10_000

export interface ScenarioInit extends SimulationInit {
  nodes: number
  /**
   * how the realm comes to be: 'joins', each member joining through a random member already in
   * (the realm grows from one); 'warm', a warm start (Simulation.warmStart): every member runs
   * from the start with the table realmesh's join decision builds from the records a converged
   * realm would have told it; `joinMs` is not used. @default 'joins'
   */
  start?: 'joins' | 'warm'
  /** 'warm': random members of each bucket whose records a member is handed. @default 2 × bucket size */
  warmPerBucket?: number
  /** simulated ms over which the members join ('joins'). @default max(60 s, N × 2 ms) */
  joinMs?: number
  /** settled: no table changed anywhere for this long, simulated ms. @default 30000 */
  quietMs?: number
  /** give up settling after this long, simulated ms. @default 600000 */
  maxSettleMs?: number
  /**
   * after the join and after the leave that coordinator stability follows, give up waiting for a
   * quiet window after this long (simulated ms) and look the coordinators up then: at 100,000 a
   * simulated second costs minutes of real time. @default maxSettleMs
   */
  changeSettleMs?: number
  /** random coordinator lookups. @default 200 */
  lookups?: number
  /** subjects whose coordinators are followed through a join and a leave. @default 10000 */
  subjects?: number
  /** coordinators per subject (R). @default 3 */
  coordinators?: number
  /** lookups made for changed subjects after the join and after the leave. @default 20 */
  stabilityChecks?: number
  /**
   * real time for joining and settling, ms: past it the run stops where it is (some members may
   * not have joined) and measures that, and a join or a leave gets 10 s (simulated) before the
   * coordinators are looked up again. @default no limit
   */
  maxRealMs?: number
  /** a progress line now and then (to stderr from the CLI) */
  progress?: (line: string) => void
}

export interface SimReport {
  nodes: number
  /** how the realm came to be (ScenarioInit.start); reports before it was added are 'joins' */
  start?: 'joins' | 'warm'
  /** members that had joined when measured (fewer than `nodes` when the real-time budget ran out) */
  joined: number
  seed: number
  settled: boolean
  /** the real-time budget ran out before the realm settled */
  outOfTime: boolean
  /** simulated seconds: joining, then until quiet */
  simSeconds: { join: number, settle: number }
  realSeconds: number
  events: number
  requests: number
  admissions: number
  membershipChanges: number
  convergence: Convergence
  lookups: LookupFigures
  stability: Stability
  cost: {
    /** CPU (user + system) from the first join to quiet (or to the end of the real-time budget); after a warm start, from its end */
    cpuSeconds: number
    /** a warm start: the CPU of deciding and admitting its joins */
    warmCpuSeconds?: number
    cpuPerEventUs: number
    /** CPU per member per simulated second, µs (the realm joining and settling) */
    cpuPerNodePerSimSecondUs: number
    /** heap after a GC, per member (needs --expose-gc; otherwise without one) */
    heapPerNodeKiB: number
    heapMiB: number
    rssMiB: number
  }
  /** the load average when the run started (the machine is shared) */
  loadAverage: number[]
}

export async function runScenario (init: ScenarioInit): Promise<SimReport> {
  const { loadavg } = await import('node:os')
  const loadAverage = loadavg().map(l => Math.round(l * 100) / 100)
  const progress = init.progress ?? (() => {})
  const heapBefore = heap()
  const sim = new Simulation(init)
  const started = performance.now()
  const cpu0 = process.cpuUsage()
  const ticker = setInterval(() => {
    // the changes since the last line by kind: what keeps a large realm from a quiet window
    const kinds = Object.entries(sim.takeChanges()).sort((a, b) => b[1] - a[1]).map(([why, n]) => `${n} ${why}`).join(', ')
    progress(`sim ${Math.round(sim.clock.now() / 1000)} s, ${sim.members().length}/${init.nodes} members, ${sim.clock.events} events, ${sim.changes} table changes${kinds === '' ? '' : ` (${kinds})`}, heap ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MiB, ${Math.round((performance.now() - started) / 1000)} s real`)
  }, 10_000)
  ticker.unref()
  try {
    const joinMs = init.joinMs ?? Math.max(60_000, init.nodes * 2)
    const outOfTime = (): boolean => init.maxRealMs != null && performance.now() - started > init.maxRealMs
    let warmCpuSeconds: number | undefined
    if (init.start === 'warm') {
      await sim.warmStart(init.nodes, init.warmPerBucket ?? 2 * defaultBucketSize(sim.k))
      const built = process.cpuUsage(cpu0)
      warmCpuSeconds = (built.user + built.system) / 1e6
      progress(`warm start: ${sim.admissions} joins decided in ${warmCpuSeconds.toFixed(1)} s CPU; running until quiet`)
    } else {
      await sim.joinMany(init.nodes, joinMs, outOfTime)
    }
    const joinedMs = sim.clock.now()
    const settled = await sim.settle(init.quietMs ?? 30_000, init.maxSettleMs ?? 600_000, outOfTime)
    const settleMs = sim.clock.now() - joinedMs
    const cpu = process.cpuUsage(cpu0)
    const simSeconds = sim.clock.now() / 1000
    const joined = sim.members().length
    // a warm start's table building is not the realm running: its CPU is reported apart
    const cpuSeconds = (cpu.user + cpu.system) / 1e6 - (warmCpuSeconds ?? 0)
    const events = sim.clock.events
    const heapAfter = heap()
    progress(`settled: ${settled} after ${Math.round(settleMs / 1000)} s simulated; heap after a GC ${Math.round(heapAfter / 2 ** 20)} MiB; measuring`)
    const table = convergence(sim)
    const found = await lookups(sim, init.lookups ?? 200, init.coordinators ?? 3)
    progress(`lookups: ${found.trueClosest}/${found.total} true closest, hops mean ${found.hops.mean.toFixed(2)} p99 ${found.hops.p99}; tables: ${table.completeNeighbourhoods}/${joined} complete neighbourhoods, members mean ${table.members.mean.toFixed(1)}; following coordinators through a join and a leave`)
    const quietMs = init.quietMs ?? 30_000
    const stable = await stability(sim, { subjects: init.subjects ?? 10_000, coordinators: init.coordinators ?? 3, checks: init.stabilityChecks ?? 20, quietMs, maxSettleMs: outOfTime() ? OUT_OF_TIME_SETTLE_MS : init.changeSettleMs ?? init.maxSettleMs ?? 600_000 }, progress)
    return {
      nodes: init.nodes,
      start: init.start ?? 'joins',
      joined,
      seed: init.seed ?? 1,
      settled,
      outOfTime: outOfTime(),
      simSeconds: { join: joinedMs / 1000, settle: settleMs / 1000 },
      realSeconds: (performance.now() - started) / 1000,
      events,
      requests: sim.network.requests,
      admissions: sim.admissions,
      membershipChanges: sim.changes,
      convergence: table,
      lookups: found,
      stability: stable,
      cost: {
        cpuSeconds,
        ...(warmCpuSeconds == null ? {} : { warmCpuSeconds }),
        cpuPerEventUs: cpuSeconds * 1e6 / Math.max(1, events),
        // no simulated time ran (measured right after a warm start): there is no figure per simulated second
        cpuPerNodePerSimSecondUs: simSeconds === 0 ? 0 : cpuSeconds * 1e6 / Math.max(1, joined) / simSeconds,
        heapPerNodeKiB: (heapAfter - heapBefore) / 1024 / Math.max(1, joined),
        heapMiB: heapAfter / 2 ** 20,
        rssMiB: process.memoryUsage().rss / 2 ** 20
      },
      loadAverage
    }
  } finally {
    clearInterval(ticker)
  }
}

/** heap in use after a full GC when the process runs with --expose-gc */
function heap (): number {
  (globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage().heapUsed
}
