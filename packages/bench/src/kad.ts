/**
 * What the benchmarks read from @libp2p/kad-dht, on both sides: the routing table (size, change
 * events, its peers) and a closest-peers lookup that also counts hops and queries. They live in
 * @realmesh/testnet (its plain workers use them too); the neighbourhood quality is the bench's own.
 */
import { closestTo, fingerprint } from '@realmesh/token'
import type { RoutingTableView } from '@realmesh/testnet'
import type { PeerId } from '@libp2p/interface'

export { routingTableOf, kadIdOf, closestPeerLookup, hopsTo } from '@realmesh/testnet'
export type { RoutingTableView, LookupResult } from '@realmesh/testnet'

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
