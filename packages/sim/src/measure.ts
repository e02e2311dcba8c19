/**
 * What a simulated realm is measured by, each against the true picture (keyspace.ts): how close
 * each member's table is to its true k closest and how full its buckets are (convergence), and
 * whether realmesh's own coordinator lookup (findCoordinators over the simulated DHT walk) finds
 * the true closest members, in how many hops.
 */
import { percentile } from '@realmesh/bench'
import { commonPrefixLength, defaultBucketSize, findCoordinators, positionOf } from '@realmesh/node'
import { subjectKey } from '@realmesh/token'
import { Keyspace } from './keyspace.js'
import { simulatedDht } from './dht.js'
import type { Simulation } from './simulation.js'
import type { SimNode } from './sim-node.js'
import type { WalkStats } from './dht.js'

export const SIM_REALM_ID = 'sim-realm'

export interface Convergence {
  /** members whose table holds all of their true k closest */
  completeNeighbourhoods: number
  /** of all members' true k closest, the share their tables hold */
  neighbourhoodShare: number
  /** buckets (common prefix lengths with members in the realm) holding min(bucket size, members there) or more */
  healthyBuckets: number
  buckets: number
  /** members per table */
  members: { mean: number, p50: number, max: number }
  /** the most members any table holds at one common prefix length */
  maxPerBucket: number
  /** kad-dht tables (what lookups are answered from): members they hold, and of the true k closest, the share they hold */
  kad: { mean: number, max: number, neighbourhoodShare: number, completeNeighbourhoods: number }
}

export function keyspaceOf (sim: Simulation): Keyspace<SimNode> {
  return new Keyspace(sim.members().map(node => ({ key: node.fingerprint, item: node })))
}

export function convergence (sim: Simulation, space = keyspaceOf(sim)): Convergence {
  const k = sim.k
  const bucketSize = defaultBucketSize(k)
  let complete = 0
  let held = 0
  let wanted = 0
  let healthy = 0
  let buckets = 0
  let maxPerBucket = 0
  const sizes: number[] = []
  const kadSizes: number[] = []
  let kadHeld = 0
  let kadComplete = 0
  for (const node of sim.members()) {
    const closest = space.closest(node.fingerprint, k + 1).filter(n => n !== node)
    const have = closest.filter(n => node.membership.has(n.id)).length
    held += have
    wanted += closest.length
    if (have === closest.length) complete++
    const inKad = new Set((node.table?.closest(node.fingerprint, 1 << 16) ?? []).map(p => p.toString()))
    const kadHave = closest.filter(n => inKad.has(n.id)).length
    kadHeld += kadHave
    if (kadHave === closest.length) kadComplete++
    kadSizes.push(inKad.size)
    const perBucket: number[] = []
    for (const m of node.membership.list()) {
      const b = commonPrefixLength(m.fingerprint, node.fingerprint)
      perBucket[b] = (perBucket[b] ?? 0) + 1
    }
    const populations = space.bucketPopulations(node.fingerprint, space.bucketDepths)
    populations.forEach((population, b) => {
      if (population === 0) return
      buckets++
      if ((perBucket[b] ?? 0) >= Math.min(bucketSize, population)) healthy++
    })
    for (const count of perBucket) maxPerBucket = Math.max(maxPerBucket, count ?? 0)
    sizes.push(node.membership.size)
  }
  sizes.sort((a, b) => a - b)
  return {
    completeNeighbourhoods: complete,
    neighbourhoodShare: wanted === 0 ? 1 : held / wanted,
    healthyBuckets: healthy,
    buckets,
    members: { mean: sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length), p50: percentile(sizes, 50), max: sizes[sizes.length - 1] ?? 0 },
    maxPerBucket,
    kad: { mean: mean(kadSizes), max: Math.max(0, ...kadSizes), neighbourhoodShare: wanted === 0 ? 1 : kadHeld / wanted, completeNeighbourhoods: kadComplete }
  }
}

export interface LookupFigures {
  total: number
  /** lookups whose coordinators are exactly the true R closest, in order */
  trueClosest: number
  /** lookups whose first coordinator is the true closest member */
  firstFound: number
  /** hop at which the first coordinator answered (1: the asker knew it) */
  hops: { mean: number, p99: number, max: number }
  /** DHT queries per lookup */
  queries: { mean: number, p99: number }
}

/** a lookup's time limit, simulated ms */
const LOOKUP_TIMEOUT_MS = 60_000
/** findCoordinators' real-time limit, out of the way: the longest timer Node keeps (about 24.8 days) */
const REAL_TIME_NEVER_MS = 2 ** 31 - 1

/** the true coordinators of `subject`: the R members closest to its position */
export function trueCoordinators (space: Keyspace<SimNode>, subject: string, count: number): string[] {
  return space.closest(positionOf(SIM_REALM_ID, subjectKey(SIM_REALM_ID, subject), undefined), count).map(n => n.id)
}

/** realmesh's findCoordinators from `from`, on the simulated DHT walk (the clock must run for it to end) */
export async function lookupFrom (sim: Simulation, from: SimNode, subject: string, count: number): Promise<{ found: string[], stats: WalkStats }> {
  const stats: WalkStats = { hops: new Map(), queries: 0 }
  // the lookup's 60 s run on the simulated clock: findCoordinators' own timeout is real time, and a
  // large realm's clock can take minutes of real time per simulated second (a lookup at 10,000 cut
  // off by real time found the true coordinators 101 times in 200, 200 with this)
  const deadline = new AbortController()
  const timer = sim.clock.setTimeout(() => { deadline.abort(new Error('simulated lookup timeout')) }, LOOKUP_TIMEOUT_MS)
  const found = await findCoordinators({
    self: from.peerId,
    realmId: SIM_REALM_ID,
    dht: simulatedDht(sim, from, stats),
    routingTableSize: () => from.membership.size,
    localClosest: (key, n) => from.membership.closest(key, n).map(m => m.id),
    isAlive: (peer) => from.membership.get(peer)?.failures === 0,
    eligible: () => true
  }, subject, undefined, count, { timeoutMs: REAL_TIME_NEVER_MS, signal: deadline.signal }).finally(() => { timer.clear() })
  return { found, stats }
}

/** runs `work` (started now) while the simulated clock runs, until all of it is done */
export async function whileRunning<T> (sim: Simulation, work: Array<Promise<T>>): Promise<T[]> {
  let done = false
  const all = Promise.all(work).finally(() => { done = true })
  while (!done) await sim.clock.runUntil(sim.clock.now() + 60_000, () => done)
  return all
}

/** `total` lookups of random subjects from random members, all at once, against the true closest */
export async function lookups (sim: Simulation, total: number, count = 3): Promise<LookupFigures> {
  const space = keyspaceOf(sim)
  const members = sim.members()
  const runs = Array.from({ length: total }, (_, i) => {
    const subject = `subject-${sim.random.int(1 << 30)}-${i}`
    const from = members[sim.random.int(members.length)] as SimNode
    return lookupFrom(sim, from, subject, count).then(({ found, stats }) => ({ found, stats, truth: trueCoordinators(space, subject, count) }))
  })
  const results = await whileRunning(sim, runs)
  const hops = results.map(r => r.stats.hops.get(r.found[0] ?? '') ?? 0)
  const queries = results.map(r => r.stats.queries)
  return {
    total,
    trueClosest: results.filter(r => r.found.join() === r.truth.join()).length,
    firstFound: results.filter(r => r.found[0] === r.truth[0]).length,
    hops: { mean: mean(hops), p99: percentile(hops, 99), max: Math.max(0, ...hops) },
    queries: { mean: mean(queries), p99: percentile(queries, 99) }
  }
}

export function mean (values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length
}
