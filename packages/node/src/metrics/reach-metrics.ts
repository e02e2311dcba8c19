/**
 * realmesh's instruments for how the node reaches members and is reached: NAT traversal (its
 * reachability, relay reservations it grants, relay slots it holds), tunnels (opened, refused by
 * code, open now) and, with mDNS on, the peers found on the segment. Read from what the node keeps
 * anyway (NatControl's status, the tunnels' events and list, LanJoins' counters).
 *
 * Labels are bounded: reachability states and directions are fixed sets, refusal codes go through
 * codeLabel (codes.ts). The mDNS counters are registered only on a node that runs mDNS.
 */
import { codeLabel } from './codes.js'
import { counterOfTotal, gauge, gaugeGroup } from './instruments.js'
import type { Metrics } from '@libp2p/interface'
import type { NatStatus } from '../nat/control.js'
import type { LanJoinStats } from '../discovery/lan-joins.js'
import type { Tunnels } from '../tunnel/tunnels.js'

const STATES = ['public', 'private', 'unknown'] as const

export interface ReachMetricsDeps {
  nat: () => NatStatus
  tunnels: Tunnels
  /** undefined: mDNS off */
  lan: (() => LanJoinStats | undefined) | undefined
}

/** NAT status is read once for the three gauges of a scrape (it lists the node's addresses: a third of a scrape's work when read three times) */
const NAT_READ_MS = 1_000

export function registerReachMetrics (metrics: Metrics, deps: ReachMetricsDeps): void {
  let read: { at: number, status: NatStatus } | undefined
  const nat = (): NatStatus => {
    const now = Date.now()
    if (read == null || now - read.at > NAT_READ_MS) read = { at: now, status: deps.nat() }
    return read.status
  }
  gaugeGroup(metrics, 'realmesh_reachability', 'state', 'whether members can dial this node: 1 for its state now (public, private, unknown), 0 for the others', () => {
    const now = nat().reachability
    return Object.fromEntries(STATES.map(s => [s, s === now ? 1 : 0]))
  })
  gauge(metrics, 'realmesh_relay_reservations', 'members holding a relay reservation on this node', () => nat().relaying.reservations)
  gauge(metrics, 'realmesh_relay_addresses', 'this node\'s circuit addresses (slots it holds on member relays)', () => nat().relayAddrs.length)

  const { tunnels } = deps
  const opened = metrics.registerCounterGroup('realmesh_tunnels_opened_total', { label: 'direction', help: 'tunnels opened: in (a member\'s, to a service this node exposes), out (this node\'s, to a member\'s service)' })
  const refused = metrics.registerCounterGroup('realmesh_tunnel_refusals_total', { label: 'code', help: 'tunnels members asked of this node that it refused, by code' })
  const refusedByRemote = metrics.registerCounterGroup('realmesh_tunnel_refused_by_remote_total', { label: 'code', help: 'tunnels this node asked for that were refused or failed, by code' })
  // the tunnels live as long as the node, and so do these listeners
  tunnels.addEventListener('tunnel:opened', (evt) => { opened.increment({ [evt.detail.direction]: true }) })
  tunnels.addEventListener('tunnel:refused', (evt) => {
    const code = { [codeLabel(evt.detail.code)]: true as const }
    if (evt.detail.direction === 'in') refused.increment(code)
    else refusedByRemote.increment(code)
  })
  gaugeGroup(metrics, 'realmesh_tunnels_open', 'direction', 'tunnels open now, in and out', () => {
    const open = { in: 0, out: 0 }
    for (const t of tunnels.status().tunnels) open[t.direction]++
    return open
  })

  const lan = deps.lan
  if (lan == null) return
  counterOfTotal(metrics, 'realmesh_mdns_announcements_total', 'announcements of other peers heard by mDNS', () => lan()?.found ?? 0)
  counterOfTotal(metrics, 'realmesh_mdns_dials_total', 'peers found by mDNS that this node dialled', () => lan()?.dialled ?? 0)
  counterOfTotal(metrics, 'realmesh_mdns_admitted_total', 'of those, admitted as members', () => lan()?.admitted ?? 0)
}
