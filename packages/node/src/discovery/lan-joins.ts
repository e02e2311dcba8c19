/**
 * What a node does with peers found on its segment by mDNS (mdns.ts): it dials them, and the
 * handshake and join decide, as for a bootstrap address. A node whose bootstrap addresses are all
 * unreachable (or that has none) joins the realm through the first member found this way; a
 * joined node joins a found member when the join decision (membership/join-decision.ts) would join
 * a member it learnt of from a record.
 *
 * Anyone on the segment can announce anything, so nothing here grows with what is announced:
 * - a found peer that was not admitted is dialled at most once per `retryMs` (the peers tried
 *   are a bounded map); a member that leaves is dialled at once when it is heard of again;
 * - at most `maxDials` dials at once and `maxDialsPerMinute` in all; an announcement that comes
 *   while they are taken is dropped (the peer announces itself again at the next query);
 * - only private addresses are dialled (mDNS is for the local network: a peer announcing a
 *   public address must not make every member dial it), at most 4 of a peer;
 * - libp2p records every dialled peer in its peer store (persisted): a peer that was not in it
 *   before and was not admitted is deleted from it again.
 * The realm leader's addresses are remembered (a bounded map) for a node that needs a token from
 * it: a node with an invitation and no reachable bootstrap address asks the leader found here.
 */
import { isPrivate } from '@libp2p/utils'
import { TypedEventEmitter } from 'main-event'
import { BoundedMap } from '../util/bounded-map.js'
import { isHostOnly } from '../peers/own-addresses.js'
import { withoutPeer } from '../util/multiaddr.js'
import type { Membership } from '../membership/membership.js'
import type { Connection, PeerId, PeerInfo, PeerStore, AbortOptions } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface LanJoinsInit {
  /** most dials of found peers at once. @default 4 */
  maxDials?: number
  /** most dials of found peers in a minute. @default 60 */
  maxDialsPerMinute?: number
  /** a found peer that was dialled is not dialled again for this long, ms. @default 60000 */
  retryMs?: number
}

export interface LanJoinsDeps {
  self: PeerId
  /** the realm leader's peer id */
  leader: string
  membership: Membership
  peerStore: PeerStore
  /** the node may dial now (running, holding a token, awake) */
  mayDial: () => boolean
  /** banned, or revoked: never dialled */
  shunned: (peer: string) => boolean
  /** the join decision would join this peer */
  wants: (peer: PeerId) => boolean
  /** dials and admits (handshake + join) */
  connect: (addrs: Multiaddr[], options: AbortOptions) => Promise<Connection>
  /** the longest one admission may take, ms */
  admissionMs: number
  shutdown: () => AbortSignal
  now: () => number
}

export interface LanJoinStats {
  /** announcements of other peers heard */
  found: number
  /** found peers dialled */
  dialled: number
  /** of those, admitted as members */
  admitted: number
  /** dials under way now */
  dialling: number
  /** peers remembered as tried (bounded) */
  tried: number
}

const MAX_ADDRS = 4
const MAX_TRIED = 256
const MAX_LEADER_ADDRS = 8
/** the TTL of an mDNS answer (@libp2p/mdns): a leader address not heard again in this time is forgotten */
const ANSWER_TTL_MS = 120_000

export interface LanJoinsEvents {
  /** a dial of a found peer ended: admitted as a member, or not (refused, unreachable) */
  'dial:ended': CustomEvent<{ peer: string, admitted: boolean }>
}

export class LanJoins extends TypedEventEmitter<LanJoinsEvents> {
  private readonly deps: LanJoinsDeps
  private readonly maxDials: number
  private readonly maxDialsPerMinute: number
  private readonly tried: BoundedMap<string, true>
  private readonly leaderAddrs: BoundedMap<string, Multiaddr>
  private readonly stats = { found: 0, dialled: 0, admitted: 0 }
  private dialling = 0
  private window = { start: 0, dials: 0 }
  private leaderWaiters = new Set<() => void>()

  constructor (deps: LanJoinsDeps, init: LanJoinsInit = {}) {
    super()
    this.deps = deps
    this.maxDials = init.maxDials ?? 4
    this.maxDialsPerMinute = init.maxDialsPerMinute ?? 60
    this.tried = new BoundedMap({ maxSize: MAX_TRIED, ttlMs: init.retryMs ?? 60_000, now: deps.now })
    this.leaderAddrs = new BoundedMap({ maxSize: MAX_LEADER_ADDRS, ttlMs: ANSWER_TTL_MS, now: deps.now })
  }

  /** a peer announced itself on the segment (LanDiscovery's `peer` event) */
  readonly onPeer = (evt: CustomEvent<PeerInfo>): void => {
    const { id } = evt.detail
    const peer = id.toString()
    if (peer === this.deps.self.toString()) return
    this.stats.found++
    const addrs = lanAddrs(evt.detail.multiaddrs).map(a => a.encapsulate(`/p2p/${peer}`))
    if (addrs.length === 0) return
    if (peer === this.deps.leader) this.rememberLeader(addrs)
    if (!this.deps.mayDial() || this.deps.membership.has(peer) || this.deps.shunned(peer) || this.tried.has(peer)) return
    if (this.dialling >= this.maxDials || !this.deps.wants(id) || !this.takeDial()) return
    this.tried.set(peer, true)
    this.dialling++
    void this.dial(id, addrs).then((admitted) => {
      this.dialling--
      this.safeDispatchEvent('dial:ended', { detail: { peer, admitted } })
    })
  }

  /** the realm leader's addresses found on the segment (with /p2p/), newest last */
  leader (): Multiaddr[] {
    return [...this.leaderAddrs.values()]
  }

  /** resolves once the realm leader has been found on the segment (at once if it has) */
  async leaderFound (options: AbortOptions = {}): Promise<void> {
    if (this.leader().length > 0) return
    options.signal?.throwIfAborted()
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.leaderWaiters.delete(done)
        options.signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      const onAbort = (): void => {
        this.leaderWaiters.delete(done)
        reject(options.signal?.reason)
      }
      this.leaderWaiters.add(done)
      options.signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  status (): LanJoinStats {
    return { ...this.stats, dialling: this.dialling, tried: this.tried.size }
  }

  clear (): void {
    this.tried.clear()
    this.leaderAddrs.clear()
  }

  private rememberLeader (addrs: Multiaddr[]): void {
    for (const addr of addrs) this.leaderAddrs.set(addr.toString(), addr)
    for (const waiter of [...this.leaderWaiters]) waiter()
  }

  /** one more dial in this minute, if the minute has room */
  private takeDial (): boolean {
    const now = this.deps.now()
    if (now - this.window.start >= 60_000) this.window = { start: now, dials: 0 }
    if (this.window.dials >= this.maxDialsPerMinute) return false
    this.window.dials++
    return true
  }

  /** dials and admits `id`; resolves with whether it was admitted (never rejects) */
  private async dial (id: PeerId, addrs: Multiaddr[]): Promise<boolean> {
    this.stats.dialled++
    const stored = await this.deps.peerStore.has(id).catch(() => true)
    try {
      await this.deps.connect(addrs, { signal: AbortSignal.any([this.deps.shutdown(), AbortSignal.timeout(this.deps.admissionMs)]) })
      this.stats.admitted++
      // a member is dialled again as soon as it is heard of after it left (it may have moved)
      this.tried.delete(id.toString())
      return true
    } catch {
      // refused or unreachable: nothing of it stays (libp2p noted the dial in its peer store)
      if (!stored && !this.deps.membership.has(id)) await this.deps.peerStore.delete(id).catch(() => {})
      return false
    }
  }
}

/**
 * The addresses of a found peer worth dialling: private TCP ones (what @libp2p/mdns announces),
 * those reaching only its own host (loopback) only when it has no other, at most MAX_ADDRS.
 */
export function lanAddrs (announced: Multiaddr[]): Multiaddr[] {
  const usable = announced.map(withoutPeer).filter(a => isPrivate(a) && a.getComponents().some(c => c.name === 'tcp'))
  const lan = usable.filter(a => !isHostOnly(a))
  return (lan.length > 0 ? lan : usable).slice(0, MAX_ADDRS)
}
