/**
 * Each simulated member's kad-dht routing table is kad-dht's own: its KBucket trie (with the
 * workspace's patch), behind the same three calls kad-dht's RoutingTable makes of it, and read by
 * realmesh's own view of it (kadRoutingTable, packages/node/src/membership/kad-routing-table.ts).
 * Membership writes it, as in a node; the simulated DHT walk reads it, as kad-dht's FIND_NODE
 * answers do. @libp2p/kad-dht exports only its index, so the trie's module is loaded by path.
 *
 * Simulated around: kad-dht pings a new contact before adding it and the oldest contacts of a
 * full bucket before evicting one; here a ping is answered at once by a member that still runs.
 */
import { createHash } from 'node:crypto'
import { kadRoutingTable } from '@realmesh/node'
import type { RoutingTableView } from '@realmesh/node'
import type { KadDHT } from '@libp2p/kad-dht'
import type { PeerId } from '@libp2p/interface'

interface Contact { peerId: PeerId, kadId: Uint8Array, lastPing: number }

interface KBucket {
  add: (peerId: PeerId) => Promise<void>
  remove: (kadId: Uint8Array) => Promise<void>
  closest: (id: Uint8Array, options?: { count?: number }) => Iterable<PeerId>
  count: () => number
  addSelfPeer: (peerId: PeerId) => Promise<void>
}

interface KBucketInit {
  kBucketSize: number
  prefixLength?: number
  ping: (contacts: Contact[]) => AsyncGenerator<Contact>
  verify: (contact: Contact) => Promise<boolean>
  onAdd: (contact: Contact) => Promise<void>
  onRemove: (contact: Contact) => Promise<void>
  metricsPrefix: string
}

type KBucketClass = new (components: { peerId: PeerId }, init: KBucketInit) => KBucket

const { KBucket } = await import(new URL('./routing-table/k-bucket.js', import.meta.resolve('@libp2p/kad-dht')).href) as { KBucket: KBucketClass }

/** the EventTarget + add/remove/closestPeers/size that realmesh's kadRoutingTable reads from kad-dht */
class SimKadTable extends EventTarget {
  private readonly kb: KBucket

  constructor (self: PeerId, k: number, alive: (peer: PeerId) => boolean, prefixLength?: number) {
    super()
    this.kb = new KBucket({ peerId: self }, {
      kBucketSize: k,
      prefixLength,
      // a member that still runs answers kad-dht's ping: only a gone one is evicted
      ping: async function * (contacts) { for (const c of contacts) if (!alive(c.peerId)) yield c },
      verify: async (contact) => alive(contact.peerId),
      onAdd: async (contact) => { this.dispatchEvent(new CustomEvent('peer:add', { detail: contact.peerId })) },
      onRemove: async (contact) => { this.dispatchEvent(new CustomEvent('peer:remove', { detail: contact.peerId })) },
      metricsPrefix: 'sim'
    })
  }

  async start (self: PeerId): Promise<void> {
    await this.kb.addSelfPeer(self)
  }

  get size (): number {
    return this.kb.count()
  }

  async add (peer: PeerId): Promise<void> {
    await this.kb.add(peer)
  }

  async remove (peer: PeerId): Promise<void> {
    await this.kb.remove(kadId(peer))
  }

  closestPeers (key: Uint8Array, options?: { count?: number }): PeerId[] {
    return [...this.kb.closest(key, options)]
  }
}

/**
 * a member's kad-dht table, seen through realmesh's RoutingTableView; `prefixLength` is kad-dht's
 * option (undefined: its default, 6, which realmesh runs with)
 */
export async function simRoutingTable (self: PeerId, k: number, alive: (peer: PeerId) => boolean, prefixLength?: number): Promise<RoutingTableView> {
  const table = new SimKadTable(self, k, alive, prefixLength)
  await table.start(self)
  return kadRoutingTable({ routingTable: table } as unknown as KadDHT)
}

/** kad-dht's id of a peer: sha256 of its multihash (the fingerprint) */
function kadId (peer: PeerId): Uint8Array {
  return createHash('sha256').update(peer.toMultihash().bytes).digest()
}
