/**
 * Which of this node's listen addresses go into its signed record (what members dial it at).
 *
 * - Loopback (127.0.0.0/8, ::1) and link-local (169.254.0.0/16, fe80::/10) addresses reach this
 *   host (or this link) only: a member on another host that dials 127.0.0.1 reaches itself. They
 *   are left out whenever the node has any other address, and kept when they are all it has (a
 *   realm whose every node runs on 127.0.0.1, as in tests, is reachable only there). A record
 *   travels from member to member (UPDATE, PIGGY, NLIST), so it cannot be tailored per receiver.
 * - An address bound to a specific IP that is on no interface any more (a DHCP lease moved, a
 *   cable pulled) cannot be dialled: it is left out while it is missing. The socket stays bound
 *   (Linux keeps a listener whose address went away, and accepts on it again once the address is
 *   back), so nothing is re-listened: the address is in the record again when it reappears.
 *
 * - A circuit address (a slot on a member relay, /p2p-circuit) is kept as it is: its IP is the
 *   relay's, not this host's.
 * - What libp2p listens on goes in whether or not AutoNAT confirmed it (libp2p itself leaves an
 *   unconfirmed public address out of getMultiaddrs(), so a member on a public IP would announce
 *   nothing): members dial what the record names and keep what answers. Addresses libp2p only
 *   learnt (observed, mapped) go in once AutoNAT confirmed them.
 *
 * libp2p expands a 0.0.0.0 / :: listener into the interfaces' addresses each time it is asked
 * (getThinWaistAddresses), but fires no `self:peer:update` when those change; OwnRecord polls.
 */
import { networkInterfaces } from 'node:os'
import { withoutPeer } from '../util/multiaddr.js'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { NodeAddress } from '@libp2p/interface-internal'

const IP4 = 4
const IP6 = 41
const CIRCUIT = 290

export interface AnnouncedAddrs {
  /** what goes into the record, without /p2p/ */
  addrs: Multiaddr[]
  /** listen addresses whose IP is on no interface now (left out of `addrs`) */
  missing: Multiaddr[]
}

/** the IP of an /ip4 or /ip6 address, if it is one */
function ipOf (addr: Multiaddr): { family: 4 | 6, ip: string } | undefined {
  const first = addr.getComponents()[0]
  if (first?.value == null) return undefined
  if (first.code === IP4) return { family: 4, ip: first.value }
  if (first.code === IP6) return { family: 6, ip: first.value.toLowerCase() }
  return undefined
}

/** reaches this host or this link only */
export function isHostOnly (addr: Multiaddr): boolean {
  const ip = ipOf(addr)
  if (ip == null) return false
  if (ip.family === 4) return ip.ip.startsWith('127.') || ip.ip.startsWith('169.254.')
  return ip.ip === '::1' || /^fe[89ab]/.test(ip.ip)
}

/** the interfaces' addresses are read at most this often (ms), for every node of the process */
const INTERFACES_TTL_MS = 1_000
let interfaces: { ips: Set<string>, at: number } | undefined

/**
 * every IP address on this host's interfaces now (read at most once a second: each node asks on
 * every change of its own addresses and every 5 s, and a process may run hundreds of nodes)
 */
export function interfaceIps (): Set<string> {
  const now = performance.now()
  if (interfaces != null && now - interfaces.at < INTERFACES_TTL_MS) return new Set(interfaces.ips)
  const ips = new Set<string>()
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) ips.add(entry.address.toLowerCase())
  }
  interfaces = { ips, at: now }
  return new Set(ips)
}

/** the addresses a record may name, out of what libp2p holds for this node (see above) */
export function listenedAddrs (addresses: NodeAddress[]): Multiaddr[] {
  return addresses.filter(a => a.type === 'transport' || a.type === 'announce' || a.verified).map(a => a.multiaddr)
}

/** The record's addresses out of what libp2p listens on, given the IPs on the interfaces now (see above). */
export function announcedAddrs (listening: Multiaddr[], ips: Set<string>): AnnouncedAddrs {
  const missing: Multiaddr[] = []
  const present: Multiaddr[] = []
  for (const addr of listening.map(withoutPeer)) {
    const ip = ipOf(addr)
    const relayed = addr.getComponents().some(c => c.code === CIRCUIT)
    if (ip != null && !relayed && !ips.has(ip.ip)) missing.push(addr)
    else present.push(addr)
  }
  const reachable = present.filter(a => !isHostOnly(a))
  return { addrs: reachable.length > 0 ? reachable : present, missing }
}
