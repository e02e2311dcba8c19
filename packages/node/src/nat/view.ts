/**
 * A libp2p service that only looks: it is given libp2p's components like any service, and lets
 * realmesh read the address manager (every address with where it came from and whether AutoNAT
 * confirmed it) and ask the relay transport to find a member relay, which the public Libp2p API
 * does not offer.
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { AddressManager, NodeAddress, TransportManager } from '@libp2p/interface-internal'

export interface NatView {
  /** this node's addresses as libp2p holds them, verified or not */
  addresses: () => NodeAddress[]
  /**
   * listens on `/p2p-circuit`: the relay transport reserves a slot on a member that speaks the hop
   * protocol (identify says which) and keeps one, finding another when it is lost. Once: later
   * calls do nothing.
   */
  seekRelay: () => Promise<void>
  /** whether seekRelay was called */
  readonly seeking: boolean
}

interface NatViewComponents {
  addressManager: AddressManager
  transportManager: TransportManager
}

export function natView (): (components: NatViewComponents) => NatView {
  return (components) => {
    let seeking = false
    return {
      addresses: () => components.addressManager.getAddressesWithMetadata(),
      seekRelay: async () => {
        if (seeking) return
        seeking = true
        await components.transportManager.listen([multiaddr('/p2p-circuit')])
      },
      get seeking () { return seeking }
    }
  }
}
