/**
 * NAT traversal as the realm node sees it: what members observe of this node and what AutoNAT
 * confirmed (reachability.ts), reserving a slot on a member relay when relay.use says so, whether
 * this node grants reservations (relay.serve), and what `status` shows: each connection, direct
 * or through which relay, and the node's reachability.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { interfaceIps } from '../peers/own-addresses.js'
import { loggerFor } from '../util/quiet-logger.js'
import { Reachability, isRelayed, relayOf } from './reachability.js'
import type { ReachabilityState } from './reachability.js'
import type { NatOptions } from './options.js'
import type { RealmLibp2p } from '../libp2p.js'
import type { PeerLeftDetail } from '../membership/membership.js'
import type { Connection, IdentifyResult } from '@libp2p/interface'

export interface ConnectionInfo {
  peer: string
  remoteAddr: string
  direction: 'inbound' | 'outbound'
  /** through a relay (a /p2p-circuit address that is not a forwarder's) */
  relayed: boolean
  /** the relay's peer id, on a relayed connection */
  relay?: string
  /** the forwarder's peer id, on a connection made through a forwarding member (forward/) */
  forwarder?: string
  /** it passed handshake + join */
  admitted: boolean
  /** when it opened, ms since the epoch */
  openedAt: number
}

export interface NatStatus {
  /** whether members can dial this node (reachability.ts); `unknown` without NAT traversal */
  reachability: ReachabilityState
  /** the addresses members saw this node's connections come from */
  observed: string[]
  /** this node's circuit addresses (a slot on a member relay) */
  relayAddrs: string[]
  /** relay.use: whether this node looks for a relay slot now */
  seekingRelay: boolean
  /** whether this node grants reservations now, and how many members hold one */
  relaying: { serving: boolean, reservations: number }
}

export interface NatControlDeps {
  libp2p: RealmLibp2p
  /** undefined: no NAT traversal services (the relay transport alone) */
  options: NatOptions | undefined
  isAdmitted: (connection: Connection) => boolean
  /** the member that forwards `connection`, if it is a forwarded one */
  forwarderOf: (connection: Connection) => string | undefined
  /** the reachability changed */
  changed: (state: ReachabilityState) => void
}

/** `DEBUG=realmesh:nat*` */
const log = loggerFor('realmesh:nat')

const HOP = '/libp2p/circuit/relay/0.2.0/hop'
/** how often a node looking for a relay slot, and holding none, asks its member relays again, ms */
export const RELAY_RETRY_MS = 5_000
/** member relays asked again each time */
const RELAYS_PER_RETRY = 2

export class NatControl {
  private readonly deps: NatControlDeps
  private readonly reachability = new Reachability()
  private state: ReachabilityState = 'unknown'
  private retry: ReturnType<typeof setInterval> | undefined
  private retrying = false

  constructor (deps: NatControlDeps) {
    this.deps = deps
  }

  /** whether identify should run on admitted connections (it feeds all of this) */
  get enabled (): boolean {
    return this.deps.options != null
  }

  start (): void {
    if (this.deps.options == null) return
    this.deps.libp2p.addEventListener('self:peer:update', this.evaluate)
    if (this.deps.options.use === 'always') this.seekRelay()
    this.retry = setInterval(() => { void this.askRelaysAgain() }, RELAY_RETRY_MS)
    this.retry.unref()
  }

  stop (): void {
    this.deps.libp2p.removeEventListener('self:peer:update', this.evaluate)
    clearInterval(this.retry)
    this.retry = undefined
  }

  /** identify ran on an admitted connection: what the member saw of us */
  identified (connection: Connection, result: IdentifyResult): void {
    if (!isRelayed(connection.remoteAddr)) this.reachability.observe(connection.remotePeer.toString(), result.observedAddr)
    this.evaluate()
  }

  /**
   * A member left: its observation goes, and so does any relay slot it holds on this node. The
   * relay keeps a slot for its whole TTL (30 min) after the holder went, and the slots are few (32):
   * a revoked or banned member, or members that come and go, would fill them. A member evicted
   * from a full member table is still connected and still a member, so its slot stays; one that
   * comes back reserves again (its relay transport does on reconnecting).
   */
  forget (detail: PeerLeftDetail): void {
    this.reachability.forget(detail.peer)
    if (detail.reason === 'evicted') return
    const relay = this.deps.libp2p.services.circuitRelay
    if (relay == null) return
    const peer = peerIdFromString(detail.peer)
    if (relay.reservations.delete(peer)) log('released the relay slot of %s (%s)', detail.peer, detail.reason)
  }

  /** whether this node grants relay reservations now */
  relaying (): boolean {
    const serve = this.deps.options?.serve
    return serve === 'always' || (serve === 'auto' && this.state === 'public')
  }

  readonly evaluate = (): void => {
    if (this.deps.options == null) return
    const state = this.reachability.state(this.deps.libp2p.services.nat.addresses(), interfaceIps())
    if (state === this.state) return
    this.state = state
    log('reachability %s (observed %s)', state, this.reachability.observedAddrs().join(' '))
    this.deps.changed(state)
    if (state === 'private' && this.deps.options.use === 'auto') this.seekRelay()
  }

  status (): NatStatus {
    return {
      reachability: this.state,
      observed: this.reachability.observedAddrs(),
      relayAddrs: this.deps.libp2p.getMultiaddrs().filter(isRelayed).map(a => a.toString()),
      seekingRelay: this.deps.libp2p.services.nat.seeking,
      relaying: { serving: this.relaying(), reservations: this.deps.libp2p.services.circuitRelay?.reservations.size ?? 0 }
    }
  }

  /** every open connection, direct, through which relay or through which forwarder, admitted or not */
  connections (): ConnectionInfo[] {
    return this.deps.libp2p.getConnections().map(c => {
      const forwarder = this.deps.forwarderOf(c)
      const relay = forwarder == null ? relayOf(c.remoteAddr) : undefined
      return {
        peer: c.remotePeer.toString(),
        remoteAddr: c.remoteAddr.toString(),
        direction: c.direction,
        relayed: forwarder == null && isRelayed(c.remoteAddr),
        ...(relay == null ? {} : { relay }),
        ...(forwarder == null ? {} : { forwarder }),
        admitted: this.deps.isAdmitted(c),
        openedAt: c.timeline.open
      }
    }).sort((a, b) => a.peer.localeCompare(b.peer) || a.openedAt - b.openedAt)
  }

  /**
   * Looking for a relay slot and holding none: the relay transport offers a member relay to its
   * reservation store only when identify shows it speaks the hop protocol, once per connection.
   * A relay that refused (it did not relay yet: relay.serve auto before AutoNAT confirmed it) would
   * never be asked again; identify runs again on a few of them, which asks them again.
   */
  private async askRelaysAgain (): Promise<void> {
    const { libp2p } = this.deps
    if (this.retrying || !libp2p.services.nat.seeking || libp2p.getMultiaddrs().some(isRelayed)) return
    this.retrying = true
    try {
      const relays: Connection[] = []
      for (const connection of libp2p.getConnections()) {
        if (relays.length >= RELAYS_PER_RETRY) break
        if (isRelayed(connection.remoteAddr) || !this.deps.isAdmitted(connection)) continue
        const peer = await libp2p.peerStore.get(connection.remotePeer).catch(() => undefined)
        if (peer?.protocols.includes(HOP) === true) relays.push(connection)
      }
      await Promise.allSettled(relays.map(async (c) => {
        this.identified(c, await libp2p.services.identify.identify(c, { signal: AbortSignal.timeout(RELAY_RETRY_MS) }))
      }))
    } finally {
      this.retrying = false
    }
  }

  private seekRelay (): void {
    log('looking for a member relay (relay.use %s, reachability %s)', this.deps.options?.use, this.state)
    this.deps.libp2p.services.nat.seekRelay().catch((err) => { log.error('listening on /p2p-circuit failed - %e', err) })
  }
}
