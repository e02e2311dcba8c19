/**
 * The libp2p parts of NAT traversal, each behind the membership gate:
 *   - the circuit relay transport, on every node: dialling a member through a relay, and taking
 *     relayed connections (its stop protocol only from admitted relays);
 *   - the circuit relay server (relay.serve), for members only: its hop protocol passes the gate,
 *     so an outsider can neither reserve a slot nor open a circuit;
 *   - DCUtR (holePunch) and AutoNAT (autonat), asking and answering members only.
 *
 * Relayed connections are not limited (applyDefaultLimit false). libp2p's default limits (2 min,
 * 128 KiB per connection) would cut a member's long-lived connection mid-message, and a limited
 * connection is second class in libp2p: each realm protocol would have to opt in to it, and
 * libp2p reuses no limited connection for a dial, so every message would dial again. A relay
 * serves members only, and its cost is capped by counts instead: reservations in all, and
 * circuits per member each way.
 */
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import { autoNAT } from '@libp2p/autonat'
import { gated } from '../gate/gated-components.js'
import type { GateHooks } from '../gate/gated-components.js'
import type { NatOptions } from './options.js'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { TopologyFilter } from '@libp2p/interface'

// a type alias (not an interface) so that RealmServices satisfies libp2p's ServiceMap
export type NatServices = {
  /** only where relay.serve is not 'never' */
  circuitRelay?: CircuitRelayService
  dcutr?: unknown
  autonat?: unknown
}

/**
 * The relay transport's discovery forgets no relay: every time identify shows a member speaks the
 * hop protocol it is offered to the reservation store (which refuses it at once when it holds
 * enough), so a relay that went away and came back is used again.
 */
const everyRelay: TopologyFilter = { has: () => false, add: () => {}, remove: () => {} }

export function relayTransport (hooks: () => GateHooks, options: NatOptions | undefined): ReturnType<typeof circuitRelayTransport> {
  const circuits = options?.maxCircuitsPerPeer ?? 16
  return gated(circuitRelayTransport({
    discoveryFilter: everyRelay,
    maxInboundStopStreams: circuits,
    maxOutboundStopStreams: circuits,
    reservationCompletionTimeout: 10_000
  }), hooks, { noRandomWalk: true })
}

export interface NatServiceFactories {
  circuitRelay?: ReturnType<typeof circuitRelayServer>
  dcutr?: ReturnType<typeof dcutr>
  autonat?: ReturnType<typeof autoNAT>
}

/** the services for `options` (none without NAT traversal) */
export function natServices (hooks: () => GateHooks, options: NatOptions | undefined): NatServiceFactories {
  if (options == null) return {}
  const relay = options.serve === 'never'
    ? {}
    : {
        circuitRelay: gated(circuitRelayServer({
          hopTimeout: 10_000,
          maxInboundHopStreams: options.maxCircuitsPerPeer,
          maxOutboundStopStreams: options.maxCircuitsPerPeer,
          reservations: {
            maxReservations: options.maxReservations,
            reservationTtl: options.reservationTtlMs,
            applyDefaultLimit: false
          }
        }), hooks)
      }
  return {
    ...relay,
    ...(options.holePunch ? { dcutr: gated(dcutr({ timeout: 5_000, retries: 3 }), hooks) } : {}),
    ...(options.autonat ? { autonat: gated(autoNAT({ timeout: 10_000 }), hooks, { noRandomWalk: true, freshDials: true }) } : {})
  }
}
