/**
 * A narrow view of @libp2p/kad-dht's routing table: its size, and removal of a peer that stopped
 * being a member. kad-dht 16 exposes `routingTable` on the service object typed as `{ size }`;
 * the object behind it is the RoutingTable class, whose `remove(peerId)` we call. This is checked
 * once at start, so a kad-dht release that drops it fails loudly instead of keeping ex-members.
 */
import type { KadDHT } from '@libp2p/kad-dht'
import type { PeerId } from '@libp2p/interface'

export interface RoutingTableView {
  readonly size: number
  remove(peer: PeerId): void
  /** called with the new size whenever a peer is added to or removed from the table */
  onChange(listener: (size: number) => void): void
}

interface KadRoutingTable extends EventTarget {
  size: number
  remove(peer: PeerId): Promise<void>
}

export function kadRoutingTable (dht: KadDHT): RoutingTableView {
  const table = (dht as unknown as { routingTable?: KadRoutingTable }).routingTable
  if (table == null || typeof table.remove !== 'function') {
    throw new Error('@libp2p/kad-dht does not expose routingTable.remove(): realmesh needs it to drop ex-members (pin @libp2p/kad-dht 16.x)')
  }
  return {
    get size () { return table.size },
    remove (peer: PeerId) {
      table.remove(peer).catch(() => {})
    },
    onChange (listener) {
      const notify = (): void => { listener(table.size) }
      table.addEventListener('peer:add', notify)
      table.addEventListener('peer:remove', notify)
    }
  }
}
