/**
 * The source address a request is counted against: the connection's remote IP. A peer id costs
 * nothing to make, an address does; so the bounds on token requests and the cost of wrong join
 * proofs are per address, not per peer.
 *
 *   IPv4                       the address              192.0.2.7
 *   IPv4-mapped IPv6           the IPv4 address         ::ffff:192.0.2.7 -> 192.0.2.7
 *   IPv6                       its /64                  2001:db8:1:2::/64 (a host usually holds one)
 *   no IP (in-memory, tests)   the remote address as is (it names the dialing peer: per peer)
 */
import type { Connection } from '@libp2p/interface'

export function sourceAddress (connection: Pick<Connection, 'remoteAddr'>): string {
  for (const component of connection.remoteAddr.getComponents()) {
    if (component.name === 'ip4' && component.value !== undefined) return component.value
    if (component.name === 'ip6' && component.value !== undefined) return ipv6Source(component.value)
  }
  return connection.remoteAddr.toString()
}

function ipv6Source (address: string): string {
  const groups = expandIpv6(address)
  if (groups === undefined) return address
  if (groups.slice(0, 5).every(g => g === 0) && groups[5] === 0xffff) {
    // ::ffff:a.b.c.d (multiaddr writes it ::ffff:c000:207): a dual-stack socket's IPv4 peer
    const [high = 0, low = 0] = groups.slice(6)
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.')
  }
  return `${groups.slice(0, 4).map(g => g.toString(16)).join(':')}::/64`
}

/** the eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 part taken as two groups) */
function expandIpv6 (address: string): number[] | undefined {
  const [head = '', tail, more] = address.toLowerCase().split('::')
  if (more !== undefined) return undefined
  const parse = (part: string): number[] => part === ''
    ? []
    : part.split(':').flatMap(group => group.includes('.')
      ? ((bytes) => [(bytes[0] ?? 0) << 8 | (bytes[1] ?? 0), (bytes[2] ?? 0) << 8 | (bytes[3] ?? 0)])(group.split('.').map(Number))
      : [Number.parseInt(group, 16)])
  const left = parse(head)
  const right = tail === undefined ? [] : parse(tail)
  const zeros = tail === undefined ? 0 : 8 - left.length - right.length
  const groups = [...left, ...Array.from({ length: zeros }, () => 0), ...right]
  return groups.length === 8 && groups.every(g => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined
}
