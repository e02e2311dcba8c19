/**
 * A libp2p service that only hands on libp2p's upgrader: a forwarded stream becomes a connection
 * of libp2p's own (Noise, then yamux, then 'connection:open', the connection manager and the
 * membership gate, as for a dialled or accepted socket). The public Libp2p API does not offer it.
 */
import type { Connection, MultiaddrConnection, Upgrader } from '@libp2p/interface'

export interface ForwardUpgrader {
  /** runs the initiator's side of Noise (expecting the peer id that ends maConn.remoteAddr) and yamux */
  outbound: (maConn: MultiaddrConnection, signal: AbortSignal) => Promise<Connection>
  /** the responder's side (the initiator must prove the peer id that ends maConn.remoteAddr), within libp2p's inbound upgrade timeout */
  inbound: (maConn: MultiaddrConnection, signal: AbortSignal) => Promise<void>
}

export function forwardUpgrader (): (components: { upgrader: Upgrader }) => ForwardUpgrader {
  return ({ upgrader }) => ({
    outbound: async (maConn, signal) => upgrader.upgradeOutbound(maConn, { signal }),
    inbound: async (maConn, signal) => { await upgrader.upgradeInbound(maConn, { signal }) }
  })
}
