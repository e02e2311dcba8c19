/**
 * Keeping membership true over time: a sweep that drops members whose node token ran out, prunes
 * what was learnt, and keeps the kad-dht table equal to membership; and joining again when the
 * last member is gone (the node was frozen, cut off, or everybody left).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { fingerprint } from '@realmesh/token'
import { BoundedMap } from '../util/bounded-map.js'
import { withoutPeer } from '../util/multiaddr.js'
import type { LeaveReason, Membership } from './membership.js'
import type { RoutingTableView } from './kad-routing-table.js'
import type { Bootstrap } from '../bootstrap.js'
import type { RealmLibp2p } from '../libp2p.js'
import type { PeerId } from '@libp2p/interface'

/** members that left for these reasons may still be there to rejoin through (not those that left, were banned or revoked) */
const REJOIN_THROUGH = new Set<LeaveReason>(['disconnect', 'timeout', 'evicted'])

/** how often the sweep runs, ms */
export const SWEEP_INTERVAL_MS = 15_000

export interface UpkeepDeps {
  /** ms between sweeps. @default SWEEP_INTERVAL_MS */
  sweepMs?: number
  self: PeerId
  libp2p: RealmLibp2p
  membership: Membership
  bootstrap: Bootstrap
  routingTable: () => RoutingTableView | undefined
  now: () => number
  running: () => boolean
  joined: () => boolean
  shutdown: () => AbortSignal
  /** clock skew tolerated on token expiry, ms */
  skewMs: number
  /** ends the membership of a member whose token ran out */
  expire: (peer: PeerId) => void
  /** prunes learnt state (records, joins waiting) */
  prune: () => void
  /** lets go of members that are not needed (idle incidental ones). @default nothing */
  trim?: () => void
  /** the node lost its last member and joins again through `addresses` */
  rejoining: (addresses: number) => void
}

export class Upkeep {
  private readonly deps: UpkeepDeps
  /** members that went away other than by leaving (their addresses are where to rejoin through) */
  private readonly lastMembers = new BoundedMap<string, true>({ maxSize: 16 })
  private sweepTimer: ReturnType<typeof setInterval> | undefined
  private expiryTimer: ReturnType<typeof setTimeout> | undefined
  private rejoinUnderway = false

  constructor (deps: UpkeepDeps) {
    this.deps = deps
    deps.membership.addEventListener('peer:left', (evt) => {
      if (REJOIN_THROUGH.has(evt.detail.reason)) this.lastMembers.set(evt.detail.peer, true)
      if (deps.membership.size === 0) void this.rejoinIfIsolated()
    })
    // a member admitted or renewed may expire before the next planned check
    deps.membership.addEventListener('peer:joined', () => { this.planExpiry() })
  }

  start (): void {
    this.sweepTimer = setInterval(() => { this.sweep() }, this.deps.sweepMs ?? SWEEP_INTERVAL_MS)
    this.sweepTimer.unref()
  }

  stop (): void {
    clearInterval(this.sweepTimer)
    clearTimeout(this.expiryTimer)
    this.expiryTimer = undefined
  }

  /** drops expired members, prunes, lets idle incidental members go, reconciles the routing table; returns how many expired */
  sweep (): number {
    if (!this.deps.running()) return 0
    const expired = this.expireDue()
    this.deps.prune()
    this.deps.trim?.()
    this.reconcileRoutingTable()
    return expired
  }

  /** a member's expiry changed (renewed): plan the next check again */
  planExpiry (): void {
    if (!this.deps.running()) return
    let next = Infinity
    for (const member of this.deps.membership.list()) next = Math.min(next, member.expiresAt + this.deps.skewMs)
    clearTimeout(this.expiryTimer)
    this.expiryTimer = undefined
    // the sweep catches what is further than one interval away
    if (next - this.deps.now() > SWEEP_INTERVAL_MS) return
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = undefined
      this.expireDue()
    }, Math.max(0, next - this.deps.now()) + 1)
    this.expiryTimer.unref()
  }

  private expireDue (): number {
    const now = this.deps.now()
    let expired = 0
    for (const member of this.deps.membership.list()) {
      if (member.expiresAt + this.deps.skewMs <= now) {
        this.deps.expire(member.peerId)
        expired++
      }
    }
    this.planExpiry()
    return expired
  }

  /**
   * Membership and the kad-dht table agree: every member is in the table (kad-dht's bucket policy
   * permitting), nothing else is. The events keep them in step; this is the backstop for races.
   */
  private reconcileRoutingTable (): void {
    const table = this.deps.routingTable()
    if (table == null) return
    const inTable = new Set(table.closest(fingerprint(this.deps.self), 100_000).map(p => p.toString()))
    for (const member of this.deps.membership.list()) {
      if (!inTable.has(member.id)) table.add(member.peerId)
      inTable.delete(member.id)
    }
    for (const stray of inTable) void table.remove(peerIdFromString(stray))
  }

  /**
   * Joins again once the last member is gone (the `rejoin` event), unless this node has no
   * bootstrap address but its own (the leader, the first member: others come to it). One rejoin
   * at a time; it ends when a member is admitted or the node stops.
   */
  private async rejoinIfIsolated (): Promise<void> {
    const { bootstrap, membership } = this.deps
    if (!this.deps.running() || !this.deps.joined() || this.rejoinUnderway || membership.size > 0) return
    if (bootstrap.rejoinAddresses([]).length === 0) return
    this.rejoinUnderway = true
    try {
      const extra: string[] = []
      for (const peer of [...this.lastMembers.keys()]) {
        const known = await this.deps.libp2p.peerStore.get(peerIdFromString(peer)).catch(() => undefined)
        for (const { multiaddr: ma } of known?.addresses.slice(0, 2) ?? []) extra.push(withoutPeer(ma).encapsulate(`/p2p/${peer}`).toString())
      }
      this.lastMembers.clear()
      if (!this.deps.running() || membership.size > 0) return
      const addresses = bootstrap.rejoinAddresses(extra)
      this.deps.rejoining(addresses.length)
      await bootstrap.rejoin(addresses, this.deps.shutdown())
    } finally {
      this.rejoinUnderway = false
    }
  }
}
