/**
 * A narrow view of @libp2p/kad-dht's routing table: its size, its peers closest to a key, and
 * removal of a peer that stopped being a member. kad-dht 16 exposes `routingTable` on the service
 * object typed as `{ size }`; the object behind it is the RoutingTable class, whose `remove(peerId)`
 * and `closestPeers(kadId, { count })` we call. Both are checked once at start, so a kad-dht
 * release that drops them fails loudly instead of keeping ex-members.
 */
import type { KadDHT } from '@libp2p/kad-dht'
import type { PeerId } from '@libp2p/interface'

export interface RoutingTableView {
  readonly size: number
  /** resolves once the peer is out of the table */
  remove(peer: PeerId): Promise<void>
  /** called with the new size whenever a peer is added to or removed from the table */
  onChange(listener: (size: number) => void): void
  /** called with every peer kad-dht adds to the table */
  onAdd(listener: (peer: PeerId) => void): void
  /** the `count` peers in the table closest to `key` (a kad id: a fingerprint or subject key) */
  closest(key: Uint8Array, count: number): PeerId[]
  /** puts a member in the table (kad-dht's bucket policy still applies when its bucket is full) */
  add(peer: PeerId): void
}

interface KadRoutingTable extends EventTarget {
  size: number
  remove(peer: PeerId): Promise<void>
  add(peer: PeerId): Promise<void>
  closestPeers(kadId: Uint8Array, options?: { count?: number }): PeerId[]
}

export function kadRoutingTable (dht: KadDHT): RoutingTableView {
  const table = (dht as unknown as { routingTable?: KadRoutingTable }).routingTable
  if (table == null || typeof table.remove !== 'function' || typeof table.add !== 'function' || typeof table.closestPeers !== 'function') {
    throw new Error('@libp2p/kad-dht does not expose routingTable.add(), remove() and closestPeers(): realmesh needs them (pin @libp2p/kad-dht 16.x)')
  }
  return {
    get size () { return table.size },
    async remove (peer: PeerId) {
      await table.remove(peer).catch(() => {})
    },
    add (peer: PeerId) {
      table.add(peer).catch(() => {})
    },
    closest (key, count) {
      return table.closestPeers(key, { count })
    },
    onAdd (listener) {
      table.addEventListener('peer:add', (evt) => { listener((evt as CustomEvent<PeerId>).detail) })
    },
    onChange (listener) {
      const notify = (): void => { listener(table.size) }
      table.addEventListener('peer:add', notify)
      table.addEventListener('peer:remove', notify)
    }
  }
}
