/**
 * What the benchmarks read from @libp2p/kad-dht, on both sides: the routing table (size, change
 * events, its peers) and a closest-peers lookup that also counts hops and queries.
 *
 * kad-dht 16 exposes `routingTable` on the service object (typed `{ size }`); the object behind it
 * is its RoutingTable class, an event target with `peer:add` / `peer:remove` and the k-bucket trie
 * `kb`. realmesh reads it the same way (packages/node/src/membership/kad-routing-table.ts).
 */
import { createHash } from 'node:crypto'
import { closestTo, fingerprint } from '@realmesh/token'
import { hopsTo } from '@realmesh/testnet'
import type { KadDHT } from '@libp2p/kad-dht'
import type { AbortOptions, PeerId } from '@libp2p/interface'

export interface RoutingTableView {
  readonly size: number
  /** peer ids (strings) currently in the table */
  peers(): string[]
  /** the table's `count` peers closest to a kad id (what a lookup starts from) */
  closest(kadId: Uint8Array, count: number): string[]
  /** calls `listener` on every add/remove; returns a function that stops listening */
  onChange(listener: () => void): () => void
}

interface KadRoutingTable extends EventTarget {
  size: number
  kBucketSize: number
  kb: { toIterable(): Iterable<{ peerId: PeerId }> }
  closestPeers(kadId: Uint8Array, options?: { count?: number }): PeerId[]
}

export function routingTableOf (dht: KadDHT): RoutingTableView {
  const table = (dht as unknown as { routingTable?: KadRoutingTable }).routingTable
  if (table == null || typeof table.closestPeers !== 'function' || table.kb == null) {
    throw new Error('@libp2p/kad-dht does not expose its routing table the way kad-dht 16 does (routingTable.kb, closestPeers)')
  }
  return {
    get size () { return table.size },
    peers () { return [...table.kb.toIterable()].map(p => p.peerId.toString()) },
    closest (kadId, count) { return table.closestPeers(kadId, { count }).map(p => p.toString()) },
    onChange (listener) {
      table.addEventListener('peer:add', listener)
      table.addEventListener('peer:remove', listener)
      return () => {
        table.removeEventListener('peer:add', listener)
        table.removeEventListener('peer:remove', listener)
      }
    }
  }
}

/** kad-dht's own key for a lookup key (its `convertBuffer`: sha256 of the key bytes) */
export function kadIdOf (key: Uint8Array): Uint8Array {
  return createHash('sha256').update(key).digest()
}

// the hop count from kad-dht's query events, shared with the multi-process testnet
export { hopsTo }

export interface LookupResult {
  /** the closest peer found (first FINAL_PEER), or undefined when the lookup found none */
  closest: string | undefined
  /**
   * FIND_NODE round trips, in sequence, before the closest peer was known: 0 when it was already
   * in the querying node's routing table, 1 when a peer from the table named it, and so on
   * (the shortest chain of PEER_RESPONSE events that names it)
   */
  hops: number | undefined
  /** FIND_NODE requests sent (SEND_QUERY events) */
  queries: number
  /** requests that failed (QUERY_ERROR events) */
  errors: number
}

/**
 * `dht.getClosestPeers(key)` to the end, with hops and queries counted from its query events.
 * The closest peer is kad-dht's first FINAL_PEER (its list is sorted by distance).
 */
export async function closestPeerLookup (dht: KadDHT, key: Uint8Array, options: AbortOptions = {}): Promise<LookupResult> {
  const table = routingTableOf(dht)
  const kadId = kadIdOf(key)
  // the peers kad-dht's query manager starts from (routingTable.closestPeers(kadId, k))
  const starting = table.closest(kadId, dht.k)
  const responses: Array<{ from: string, closer: string[] }> = []
  let closest: string | undefined
  let queries = 0
  let errors = 0
  for await (const event of dht.getClosestPeers(key, { signal: options.signal })) {
    if (event.name === 'SEND_QUERY') queries++
    else if (event.name === 'QUERY_ERROR') errors++
    else if (event.name === 'PEER_RESPONSE') responses.push({ from: event.from.toString(), closer: event.closer.map(p => p.id.toString()) })
    else if (event.name === 'FINAL_PEER' && closest == null) closest = event.peer.id.toString()
  }
  return { closest, hops: closest == null ? undefined : hopsTo(closest, starting, responses), queries, errors }
}

/**
 * Share of each node's true `k` closest peers (by XOR distance over every node in the network)
 * that its routing table holds, averaged over the nodes: 1 means every table has its exact
 * neighbourhood.
 */
export function neighbourhoodQuality (nodes: Array<{ peerId: PeerId, table: RoutingTableView }>, k: number): number {
  if (nodes.length === 0) return 0
  const ids = nodes.map(n => n.peerId.toString())
  let sum = 0
  for (const node of nodes) {
    const self = node.peerId.toString()
    const others = ids.filter(id => id !== self)
    const want = Math.min(k, others.length)
    if (want === 0) {
      sum += 1
      continue
    }
    const held = new Set(node.table.peers())
    sum += closestTo(fingerprint(node.peerId), others, want).filter(id => held.has(id)).length / want
  }
  return sum / nodes.length
}
