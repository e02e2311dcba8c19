import type { Multiaddr } from '@multiformats/multiaddr'

const P2P_CODE = 0x01a5

/** the peer id string in an address's /p2p/ part, if it has one */
export function peerIdOf (addr: Multiaddr): string | undefined {
  return addr.getComponents().findLast(c => c.code === P2P_CODE)?.value
}

/** the address without its trailing /p2p/<peer id> (a circuit address keeps its relay's) */
export function withoutPeer (addr: Multiaddr): Multiaddr {
  return addr.getComponents().at(-1)?.code === P2P_CODE ? addr.decapsulateCode(P2P_CODE) : addr
}
