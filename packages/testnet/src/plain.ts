/**
 * Plain libp2p + kad-dht nodes: the reference side of realmesh's scale figures and benchmarks.
 * Assembled the way a realmesh node assembles its libp2p (packages/node/src/libp2p.ts: Noise, yamux,
 * identify, ping, kad-dht in server mode with k = 20 and private addresses kept, the testnet's
 * connection limits), minus realmesh: no handshake, no join, no membership gate, stock Noise,
 * kad-dht on its own protocol id with its own background lookups. `realmesh testnet --plain` runs
 * them over worker processes; @realmesh/bench builds its plain networks from the same parts.
 *
 * Also here: what both sides read from kad-dht 16 (its routing table, a closest-peers lookup with
 * hops and queries counted), since the testnet's plain workers and the bench share them.
 */
import { createHash } from 'node:crypto'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { hopsTo } from './procs/lookup.js'
import { LOOPBACK_LIMITS } from './testnet.js'
import type { Identify } from '@libp2p/identify'
import type { Ping } from '@libp2p/ping'
import type { KadDHT } from '@libp2p/kad-dht'
import type { AbortOptions, Libp2p, PeerId, PrivateKey } from '@libp2p/interface'

/** kad-dht protocol of plain networks (their own, like a realm's; not the public /ipfs/kad) */
export const PLAIN_KAD_PROTOCOL = '/bench-plain/kad/1.0.0'

// a type alias (not an interface) so it satisfies libp2p's ServiceMap index signature
export type PlainServices = {
  identify: Identify
  ping: Ping
  dht: KadDHT
}

export type PlainNode = Libp2p<PlainServices>

/** the connection limits realm nodes get on one host (LOOPBACK_LIMITS), those libp2p's connection manager knows */
export const PLAIN_LIMITS = {
  maxConnections: LOOPBACK_LIMITS.maxConnections,
  inboundConnectionThreshold: LOOPBACK_LIMITS.inboundConnectionThreshold,
  maxIncomingPendingConnections: LOOPBACK_LIMITS.maxIncomingPendingConnections
}

/** identify, ping and kad-dht as a plain node has them (realmesh's dht defaults: k = 20, server mode, private addresses kept, first self-lookup after 1 s) */
export function plainServices (): { identify: ReturnType<typeof identify>, ping: ReturnType<typeof ping>, dht: ReturnType<typeof kadDHT> } {
  return {
    identify: identify(),
    ping: ping(),
    dht: kadDHT({
      protocol: PLAIN_KAD_PROTOCOL,
      clientMode: false,
      kBucketSize: 20,
      peerInfoMapper: passthroughMapper,
      initialQuerySelfInterval: 1_000
    })
  }
}

/** a plain node on TCP (not started) */
export async function createPlainTcpNode (init: { privateKey: PrivateKey, listen: string[] }): Promise<PlainNode> {
  return createLibp2p<PlainServices>({
    start: false,
    privateKey: init.privateKey,
    addresses: { listen: init.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: PLAIN_LIMITS,
    services: plainServices()
  })
}

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
  kb: { toIterable(): Iterable<{ peerId: PeerId }> }
  closestPeers(kadId: Uint8Array, options?: { count?: number }): PeerId[]
}

/**
 * kad-dht 16's routing table: it exposes `routingTable` on the service object (typed `{ size }`);
 * the object behind it is an event target with `peer:add` / `peer:remove` and the k-bucket trie
 * `kb` (realmesh reads it the same way: packages/node/src/membership/kad-routing-table.ts)
 */
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
