/**
 * The DHT walk findCoordinators runs on, simulated: kad-dht's query engine needs its own network
 * layer (libp2p streams), so this is the part simulated around. It is a plain Kademlia iterative
 * lookup: hash the key as kad-dht does (sha256), start from the k closest peers in the asking
 * member's kad-dht table, keep `alpha` queries in flight to the closest peers not yet asked, each
 * answered with the k closest peers to the key in the asked member's kad-dht table (kad-table.ts),
 * and end when the k closest peers heard of have all been asked. kad-dht 16 differs in using
 * disjoint paths; realmesh's own termination (findCoordinators' `settled`) usually ends the walk
 * first. Every answer carries the hop it came at (1: a member the asker knew itself).
 */
import { createHash } from 'node:crypto'
import { compareXor } from '@realmesh/token'
import type { KadDHT, QueryEvent } from '@libp2p/kad-dht'
import type { Simulation } from './simulation.js'
import type { SimNode } from './sim-node.js'

export interface WalkStats {
  /** hop at which each peer answered, by peer id */
  hops: Map<string, number>
  /** queries sent */
  queries: number
}

interface Candidate { node: SimNode, hop: number }

/** a `getClosestPeers` over the simulated members' tables, as `from` would run it; `stats` collects each walk's hops */
export function simulatedDht (sim: Simulation, from: SimNode, stats: WalkStats, alpha = 3): Pick<KadDHT, 'getClosestPeers'> {
  return {
    async * getClosestPeers (lookup: Uint8Array, options: { signal?: AbortSignal } = {}): AsyncGenerator<QueryEvent> {
      const key = createHash('sha256').update(lookup).digest()
      const k = sim.k
      const known = new Map<string, Candidate>()
      const asked = new Set<string>()
      const add = (id: string, hop: number): void => {
        const node = sim.get(id)
        if (node != null && id !== from.id && !known.has(id)) known.set(id, { node, hop })
      }
      for (const p of from.table?.closest(key, k) ?? []) add(p.toString(), 1)
      const inFlight = new Map<string, Promise<{ id: string, event: QueryEvent }>>()
      while (options.signal?.aborted !== true) {
        const closest = [...known.values()].sort((a, b) => compareXor(key, a.node.fingerprint, b.node.fingerprint)).slice(0, k)
        for (const c of closest) {
          if (inFlight.size >= alpha) break
          if (asked.has(c.node.id)) continue
          asked.add(c.node.id)
          stats.queries++
          inFlight.set(c.node.id, ask(sim, from, c, key, k, add, stats))
        }
        if (inFlight.size === 0) return
        const { id, event } = await Promise.race(inFlight.values())
        inFlight.delete(id)
        yield event
      }
    }
  }
}

async function ask (sim: Simulation, from: SimNode, c: Candidate, key: Uint8Array, k: number, add: (id: string, hop: number) => void, stats: WalkStats): Promise<{ id: string, event: QueryEvent }> {
  const id = c.node.id
  try {
    // kad-dht's FIND_NODE answer: the k closest in its table, not the asker
    const closer = await sim.network.request(from, c.node, () => (c.node.table?.closest(key, k + 1) ?? []).filter(p => !p.equals(from.peerId)).slice(0, k))
    stats.hops.set(id, c.hop)
    for (const p of closer) add(p.toString(), c.hop + 1)
    const event = { name: 'PEER_RESPONSE', type: 1, from: c.node.peerId, closer: closer.map(p => ({ id: p, multiaddrs: [] })), providers: [], messageName: 'FIND_NODE', messageType: 4, path: { index: 0, queued: 0, running: 0, total: 1 } }
    return { id, event: event as unknown as QueryEvent }
  } catch (err) {
    const event = { name: 'QUERY_ERROR', type: 3, from: c.node.peerId, error: err as Error, path: { index: 0, queued: 0, running: 0, total: 1 } }
    return { id, event: event as unknown as QueryEvent }
  }
}
