/**
 * A coordinator lookup that says how many hops it took: `node.findCoordinators(subject, 1)` (the
 * realm's kad-dht walk), with its kad-dht query events counted. findCoordinators reports every
 * query event (`onQueryEvent`) but no hop count, so the hops are rebuilt from them: the peers the
 * walk started from (the node's routing table closest to the key, as kad-dht's query manager takes
 * them) are known after 0 hops, a peer named in the answer of a peer known after h after h + 1.
 * Used by the multi-process testnet and the benchmarks (packages/bench/src/adapters.ts).
 */
import { createHash } from 'node:crypto'
import { subjectLookupKey } from '@realmesh/node'
import { closestTo, subjectKey } from '@realmesh/token'
import type { RealmNode } from '@realmesh/node'
import type { AbortOptions } from '@libp2p/interface'

export interface CoordinatorLookup {
  /** the coordinator found (possibly the node itself), undefined when none */
  closest: string | undefined
  /** FIND_NODE round trips in sequence before `closest` was known (0: itself, or in its routing table) */
  hops: number | undefined
  /** FIND_NODE requests sent (SEND_QUERY events) */
  queries: number
  /** requests that failed (QUERY_ERROR events) */
  errors: number
  /**
   * what the walk did with the peers it learnt of, closest to the key first (at most 8): `answered`,
   * `failed: <error>`, `named` (in an answer, never asked); says why a lookup missed a member
   */
  trace: Array<{ peer: string, status: string }>
  /**
   * the query that took longest from its dial to its answer or failure (what a slow lookup waited
   * on); `openMs`: how much of it went to opening the stream (a dial, Noise and admission when the
   * peer was not connected yet), before the request was sent; `connected` and `member`: what the
   * peer was to this node when the query began
   */
  slowestQuery?: { peer: string, ms: number, openMs?: number, status: string, connected?: boolean, member?: boolean }
}

/** peers in a lookup's trace */
const TRACE_PEERS = 8

/** the k-bucket key kad-dht walks to for `subject` in epoch 0 (sha256 of the lookup bytes, its convertBuffer) */
export function coordinatorKadId (node: RealmNode, subject: string): Uint8Array {
  return createHash('sha256').update(subjectLookupKey(node.realm.id, subject)).digest()
}

/** Finds the member that coordinates `subject` in `node`'s realm (possibly `node` itself), counting hops. */
export async function coordinatorLookup (node: RealmNode, subject: string, options: AbortOptions & { timeoutMs?: number } = {}): Promise<CoordinatorLookup> {
  const starting = node.routingPeers(node.libp2p.services.dht.k, coordinatorKadId(node, subject))
  const responses: Array<{ from: string, closer: string[] }> = []
  let queries = 0
  let errors = 0
  const status = new Map<string, string>()
  // when each query began (kad-dht's DIAL_PEER: the stream is opened, dialling if need be, before
  // SEND_QUERY), when its stream was open, and the longest one (bounded by the walk's own queries)
  const began = new Map<string, { at: number, openMs?: number, connected: boolean, member: boolean }>()
  let slowestQuery: CoordinatorLookup['slowestQuery']
  const took = (peer: string): void => {
    const query = began.get(peer)
    if (query == null) return
    began.delete(peer)
    const ms = performance.now() - query.at
    if (slowestQuery == null || ms > slowestQuery.ms) slowestQuery = { peer, ms, openMs: query.openMs, status: status.get(peer) ?? '', connected: query.connected, member: query.member }
  }
  const found = await node.findCoordinators(subject, 1, {
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    onQueryEvent: (event) => {
      if (event.name === 'DIAL_PEER') {
        began.set(event.peer.toString(), { at: performance.now(), connected: node.libp2p.getConnections(event.peer).length > 0, member: node.membership.has(event.peer) })
      } else if (event.name === 'SEND_QUERY') {
        queries++
        const query = began.get(event.to.toString())
        if (query != null) query.openMs = performance.now() - query.at
      } else if (event.name === 'QUERY_ERROR') {
        errors++
        const from = event.from.toString()
        if (status.get(from) !== 'answered') status.set(from, `failed: ${event.error.name}: ${event.error.message.slice(0, 120)}`)
        took(from)
      } else if (event.name === 'PEER_RESPONSE') {
        const from = event.from.toString()
        const closer = event.closer.map(p => p.id.toString())
        status.set(from, 'answered')
        took(from)
        for (const peer of closer) if (!status.has(peer)) status.set(peer, 'named')
        responses.push({ from, closer })
      }
    }
  })
  const closest = found[0]
  const self = node.peerId.toString()
  const key = subjectKey(node.realm.id, subject)
  const trace = closestTo(key, [...status.keys()], TRACE_PEERS).map(peer => ({ peer, status: status.get(peer) ?? '' }))
  return { closest, hops: closest == null ? undefined : closest === self ? 0 : hopsTo(closest, starting, responses), queries, errors, trace, slowestQuery }
}

/**
 * Fewest sequential round trips after which `target` was known: peers in `starting` are known
 * after 0; a peer named in the response of a peer known after h is known after h + 1. Computed
 * to a fixed point, so the order in which kad-dht's disjoint paths emitted events does not matter.
 */
export function hopsTo (target: string, starting: string[], responses: Array<{ from: string, closer: string[] }>): number | undefined {
  const known = new Map<string, number>(starting.map(p => [p, 0]))
  let changed = true
  while (changed) {
    changed = false
    for (const { from, closer } of responses) {
      const at = known.get(from)
      if (at == null) continue
      for (const peer of closer) {
        const before = known.get(peer)
        if (before == null || before > at + 1) {
          known.set(peer, at + 1)
          changed = true
        }
      }
    }
  }
  return known.get(target)
}
