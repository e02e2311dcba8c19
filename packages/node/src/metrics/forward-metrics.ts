/**
 * realmesh's instruments for forwarding (forward/forwarding.ts): as a forwarder, the streams it
 * forwarded and forwards now, the bytes it copied, and what it refused by code; as a source or
 * target, its connections made through a forwarder, and the refusals it got or gave.
 *
 * Labels are bounded: roles and directions are fixed sets, refusal codes go through codeLabel.
 */
import { codeLabel } from './codes.js'
import { counterOfTotal, gauge } from './instruments.js'
import type { Metrics } from '@libp2p/interface'
import type { Forwarding } from '../forward/forwarding.js'

export function registerForwardMetrics (metrics: Metrics, forwarding: Forwarding): void {
  counterOfTotal(metrics, 'realmesh_forward_streams_total', 'streams this node forwarded between two members (as their forwarder)', () => forwarding.status().totals.circuits)
  gauge(metrics, 'realmesh_forward_streams_open', 'streams this node forwards now', () => forwarding.status().circuits.length)
  counterOfTotal(metrics, 'realmesh_forward_bytes_total', 'bytes this node copied between forwarded streams, both ways (ciphertext it cannot read)', () => forwarding.status().totals.bytes)
  const refused = metrics.registerCounterGroup('realmesh_forward_refusals_total', { label: 'code', help: 'forwarded streams this node refused, as forwarder or as target, by code' })
  const refusedByRemote = metrics.registerCounterGroup('realmesh_forward_refused_by_remote_total', { label: 'code', help: 'forwarded connections this node asked for that a forwarder (or the target behind it) refused, by code' })
  const connections = metrics.registerCounterGroup('realmesh_forwarded_connections_total', { label: 'direction', help: 'this node\'s connections made through a forwarder: outbound (it asked), inbound (a member reached it so)' })
  // the forwarding lives as long as the node, and so do these listeners
  forwarding.addEventListener('forward:refused', (evt) => {
    const code = { [codeLabel(evt.detail.code)]: true as const }
    if (evt.detail.role === 'source') refusedByRemote.increment(code)
    else refused.increment(code)
  })
  forwarding.addEventListener('forward:connection', (evt) => { connections.increment({ [evt.detail.direction]: true }) })
  gauge(metrics, 'realmesh_forwarded_connections_open', 'this node\'s connections through a forwarder now', () => forwarding.status().connections.length)
}
