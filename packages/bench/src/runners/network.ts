/**
 * One side of a network scenario at N nodes, in its own process:
 *   1. heap and RSS of the process before any node (after GC)
 *   2. start the network (realmesh: @realmesh/testnet, a leader + N - 1 nodes; plain: a bootstrap
 *      node + N - 1 nodes; every node started at once, realm nodes joining once all have
 *      started, plain nodes dialling as each starts: BENCHMARKS.md says why) and wait until
 *      routing tables settle (src/settle.ts): the join times
 *   3. heap and RSS after GC, minus (1), divided by N: memory per node
 *   4. coordinator lookups, one at a time, from node i mod N for subject `subject-i`, until
 *      `lookups` are done or `lookupBudgetMs` has passed
 * Starting and settling together get `settleTimeoutMs`; a network that cannot even start its N
 * nodes in that time fails the job (with how many started).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createTestnet } from '@realmesh/testnet'
import { closestTo, subjectKey } from '@realmesh/token'
import { coordinatorLookupKey, findCoordinator } from '../adapters.js'
import { createPlainNetwork, PLAIN_NETWORK_ID } from '../baseline.js'
import { closestPeerLookup, kadIdOf, neighbourhoodQuality, routingTableOf } from '../kad.js'
import { whenSettled } from '../settle.js'
import { memorySnapshot } from './memory.js'
import type { NetworkJob } from '../jobs.js'
import type { LookupResult, RoutingTableView } from '../kad.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'

/** kad-dht's k on both sides */
export const K = 20
/** one lookup is given up (and counted as failed) after this long */
export const LOOKUP_TIMEOUT_MS = 15_000
/** unmeasured lookups first */
const WARMUP_LOOKUPS = 2

export interface NetworkResult {
  side: NetworkJob['side']
  n: number
  join: {
    /** ms from starting the first node until every routing table held a peer; null when some never did */
    allInMs: number | null
    /** ms from starting the first node to the last routing-table change before the quiet window; null when it did not settle */
    settledMs: number | null
    settled: boolean
    /** ms it took to start the N nodes (not yet joined) */
    startMs: number
    minTable: number
    meanTable: number
    /** empty tables at the end */
    below: number
    /** routing-table changes in the last 10 s of waiting */
    recentChanges: number
    /** mean share of each node's true k closest peers present in its routing table */
    quality: number
    /** mean open connections per node at the end of waiting */
    connections: number
    /** event-loop delay while starting and settling (ms) */
    loopDelayP99: number
    loopDelayMax: number
  }
  memory: {
    heapPerNode: number
    rssPerNode: number
    heapBefore: number
    rssBefore: number
    heapAfter: number
    rssAfter: number
    gc: boolean
  }
  lookups: {
    /** latencies of the lookups that found a peer */
    ms: number[]
    hops: number[]
    queries: number[]
    /** lookups whose closest peer is the true closest to the key among all nodes but the querier */
    correct: number
    /** lookups that threw, timed out or found nobody */
    failures: number
    errors: string[]
  }
}

interface Member {
  peerId: PeerId
  table: RoutingTableView
  connections: () => number
  lookup: (subject: string, options: AbortOptions) => Promise<LookupResult>
  /** the key a lookup for `subject` looks up (kad-dht hashes it) */
  key: (subject: string) => Uint8Array
  /** realmesh: the querying member may be the coordinator itself; kad-dht's getClosestPeers never returns the querier */
  selfCanCoordinate: boolean
}

const log = (job: NetworkJob, message: string): void => {
  process.stderr.write(`  [${job.side} n=${job.n}] ${message}\n`)
}

async function startRealm (job: NetworkJob): Promise<Member[]> {
  const net = await createTestnet({ size: job.n - 1, transport: job.transport, concurrency: job.concurrency, joinAfterAllStarted: true })
  return net.all.map(node => ({
    peerId: node.peerId,
    table: routingTableOf(node.libp2p.services.dht),
    connections: () => node.libp2p.getConnections().length,
    lookup: async (subject, options) => findCoordinator(node, subject, options),
    key: (subject) => coordinatorLookupKey(node, subject),
    selfCanCoordinate: true
  }))
}

async function startPlain (job: NetworkJob): Promise<Member[]> {
  const net = await createPlainNetwork({ size: job.n - 1, transport: job.transport, concurrency: job.concurrency })
  return net.all.map(node => ({
    peerId: node.peerId,
    table: routingTableOf(node.services.dht),
    connections: () => node.getConnections().length,
    lookup: async (subject, options) => closestPeerLookup(node.services.dht, subjectKey(PLAIN_NETWORK_ID, subject), options),
    key: (subject) => subjectKey(PLAIN_NETWORK_ID, subject),
    selfCanCoordinate: false
  }))
}

/**
 * Runs the scenario; `progress` gets the result so far after the settle and memory phase and
 * around every lookup (the lookup under way counted as failed until it ends), so a child killed
 * at its time limit still leaves what it measured.
 */
export async function runNetwork (job: NetworkJob, progress: (partial: NetworkResult) => Promise<void> = async () => {}): Promise<NetworkResult> {
  const before = await memorySnapshot()
  const loop = monitorEventLoopDelay({ resolution: 20 })
  loop.enable()
  const t0 = performance.now()
  // no clean-up when starting takes too long: the child process exits and that frees everything
  let timer: ReturnType<typeof setTimeout> | undefined
  const tooLong = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`could not start ${job.n} nodes within ${Math.round(job.settleTimeoutMs / 1000)} s`)) }, job.settleTimeoutMs)
  })
  const members = await Promise.race([job.side === 'realmesh' ? startRealm(job) : startPlain(job), tooLong]).finally(() => { clearTimeout(timer) })
  const startMs = performance.now() - t0
  log(job, `${job.n} nodes started in ${(startMs / 1000).toFixed(1)} s; waiting for routing tables to settle`)
  const settle = await whenSettled(members.map(m => m.table), {
    settledMean: Math.min(K / 2, job.n - 1),
    quietMs: job.quietMs,
    timeoutMs: Math.max(1_000, job.settleTimeoutMs - startMs)
  })
  loop.disable()
  const settledMs = settle.settled ? settle.lastChangeAt - t0 : null
  const allInMs = settle.allReachedAt == null ? null : settle.allReachedAt - t0
  const quality = neighbourhoodQuality(members, K)
  const connections = members.reduce((sum, m) => sum + m.connections(), 0) / members.length
  log(job, settle.settled
    ? `settled in ${((settledMs ?? 0) / 1000).toFixed(1)} s (tables: min ${settle.minSize}, mean ${settle.meanSize.toFixed(1)}, neighbourhood ${(quality * 100).toFixed(0)}%, ${connections.toFixed(1)} connections per node)`
    : `did not settle within ${job.settleTimeoutMs / 1000} s (${settle.recentChanges} table changes in the last 10 s, mean size ${settle.meanSize.toFixed(1)}, neighbourhood ${(quality * 100).toFixed(0)}%, ${connections.toFixed(1)} connections per node)`)
  const after = await memorySnapshot()

  const lookups: NetworkResult['lookups'] = { ms: [], hops: [], queries: [], correct: 0, failures: 0, errors: [] }
  const result: NetworkResult = {
    side: job.side,
    n: job.n,
    join: {
      allInMs,
      settledMs,
      settled: settle.settled,
      startMs,
      minTable: settle.minSize,
      meanTable: settle.meanSize,
      below: settle.below,
      recentChanges: settle.recentChanges,
      quality,
      connections,
      loopDelayP99: loop.percentile(99) / 1e6,
      loopDelayMax: loop.max / 1e6
    },
    memory: {
      heapPerNode: (after.heapUsed - before.heapUsed) / job.n,
      rssPerNode: (after.rss - before.rss) / job.n,
      heapBefore: before.heapUsed,
      rssBefore: before.rss,
      heapAfter: after.heapUsed,
      rssAfter: after.rss,
      gc: after.gc
    },
    lookups
  }
  await progress(result)
  const ids = members.map(m => m.peerId.toString())
  const lookupsStart = performance.now()
  for (let i = -WARMUP_LOOKUPS; i < job.lookups; i++) {
    // at least one measured lookup, then as many as the budget allows
    if (i > 0 && performance.now() - lookupsStart > job.lookupBudgetMs) break
    const member = members[((i % members.length) + members.length) % members.length]
    if (member == null) continue
    const subject = `subject-${i}`
    if (i >= 0) {
      // should the process be killed during this lookup, it counts as failed
      await progress({ ...result, lookups: { ...lookups, failures: lookups.failures + 1, errors: [...lookups.errors, 'the job was killed at its time limit while this lookup ran'] } })
    }
    const start = performance.now()
    try {
      const result = await member.lookup(subject, { signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) })
      const ms = performance.now() - start
      if (i < 0) continue
      if (result.closest == null) {
        lookups.failures++
        if (lookups.errors.length < 5) lookups.errors.push(`found no peer (${result.errors} requests failed)`)
        continue
      }
      lookups.ms.push(ms)
      lookups.queries.push(result.queries)
      if (result.hops != null) lookups.hops.push(result.hops)
      const self = member.peerId.toString()
      const truth = closestTo(kadIdOf(member.key(subject)), member.selfCanCoordinate ? ids : ids.filter(id => id !== self), 1)[0]
      if (truth === result.closest) lookups.correct++
    } catch (err) {
      if (i < 0) continue
      lookups.failures++
      if (lookups.errors.length < 5) lookups.errors.push((err as Error).message)
    }
  }
  log(job, `${lookups.ms.length} lookups in ${((performance.now() - lookupsStart) / 1000).toFixed(1)} s, ${lookups.failures} failed`)
  return result
}
