/**
 * Whether members can dial this node: `public` once AutoNAT had a member dial one of its public
 * addresses back, `private` when members see its connections come from an address that is on
 * none of its interfaces (a NAT rewrote them) and nothing was confirmed, `unknown` otherwise (a
 * realm on a LAN or on loopback: libp2p's AutoNAT only checks public addresses).
 *
 * The observed addresses are what identify reports on member connections (the address the member
 * sees this node's connection come from). libp2p's identify drops observed TCP addresses (Node's
 * TCP dials from an ephemeral port, not the listen port, so each connection shows another port:
 * js-libp2p#2620), so realmesh keeps its own, one per reporting member, bounded.
 */
import { isNetworkAddress, isPrivate } from '@libp2p/utils'
import { BoundedMap } from '../util/bounded-map.js'
import { withoutPeer } from '../util/multiaddr.js'
import type { NodeAddress } from '@libp2p/interface-internal'
import type { Multiaddr } from '@multiformats/multiaddr'

export type ReachabilityState = 'public' | 'private' | 'unknown'

const CIRCUIT = 290

/** whether `addr` goes through a relay (/p2p-circuit) */
export function isRelayed (addr: Multiaddr): boolean {
  return addr.getComponents().some(c => c.code === CIRCUIT)
}

/** the peer id of the relay a /p2p-circuit address goes through */
export function relayOf (addr: Multiaddr): string | undefined {
  const parts = addr.getComponents()
  const at = parts.findIndex(c => c.code === CIRCUIT)
  return at < 0 ? undefined : parts.slice(0, at).findLast(c => c.name === 'p2p')?.value
}

/** the IP of an IP-based address */
function hostOf (addr: Multiaddr): string | undefined {
  const first = addr.getComponents()[0]
  return first != null && (first.name === 'ip4' || first.name === 'ip6') ? first.value?.toLowerCase() : undefined
}

export class Reachability {
  /** per reporting member: the address it saw our connection come from (bounded, aged out) */
  private readonly observed = new BoundedMap<string, Multiaddr>({ maxSize: 64, ttlMs: 30 * 60_000 })

  /** a member (`reporter`) saw this node at `addr` on a direct connection */
  observe (reporter: string, addr: Multiaddr | undefined): void {
    if (addr == null || isRelayed(addr) || hostOf(addr) == null) return
    this.observed.set(reporter, withoutPeer(addr))
  }

  /** the member went away: its observation goes with it */
  forget (reporter: string): void {
    this.observed.delete(reporter)
  }

  /** the distinct addresses members observed, sorted */
  observedAddrs (): string[] {
    return [...new Set([...this.observed.values()].map(a => a.toString()))].sort()
  }

  /** see the file comment; `ips`: the IP addresses on this host's interfaces now */
  state (addresses: NodeAddress[], ips: Set<string>): ReachabilityState {
    if (addresses.some(isConfirmedPublic)) return 'public'
    for (const addr of this.observed.values()) {
      const host = hostOf(addr)
      if (host != null && !ips.has(host)) return 'private'
    }
    return 'unknown'
  }
}

/** a public, non-relayed address that AutoNAT confirmed (an operator's announce address is a claim, not a check) */
function isConfirmedPublic (address: NodeAddress): boolean {
  return address.verified && address.type !== 'announce' && isNetworkAddress(address.multiaddr) && !isPrivate(address.multiaddr) && !isRelayed(address.multiaddr)
}
