/**
 * Keeping the realm's anchors in reach. The realm leader and the bootstrap peers (the addresses
 * this node joins through) are dialled again, with capped backoff and jitter, whenever this node
 * has no admitted connection to them: after they left (a leader stopped with SIGTERM says LEAVE),
 * their connection closed (SIGKILL, a cut link: redialled within the disconnect grace, so the
 * membership may not even end), or were never joined (the node joined through another address).
 * Without this a node that still had other members never dialled a restarted leader again: the
 * leader stayed alone, and the nodes stayed in whatever groups they had (upkeep.ts rejoins only a
 * node that lost every member).
 *
 * A first member (no anchor but itself: the leader) joined nobody; instead it dials the members it
 * knew in its last run (`knownPeers`) for a while, so that a restarted leader finds its realm again
 * even when it came back on another address than the one members have.
 *
 * A peer that refused us (a NACK, a refused handshake, a DISCONNECT as banned, revoked or expired)
 * or that we refuse (banned here, revoked, evicted) waits `refusedMs`; a member that keeps
 * dropping us soon after admitting us (a flapping link) does not reset its backoff.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { WireErrorCode } from '@realmesh/wire'
import { JoinDeferredError, isTransient } from '../errors.js'
import { backoffDelay } from '../util/backoff.js'
import { peerIdOf, withoutPeer } from '../util/multiaddr.js'
import type { Membership, PeerLeftDetail } from './membership.js'
import type { RealmLibp2p } from '../libp2p.js'
import type { RetryDetail } from '../realm-node.js'
import type { BackoffInit } from '../util/backoff.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface RedialInit {
  /** dial the leader and the bootstrap peers again while they are not members. @default true */
  enabled?: boolean
  /** the longest wait between two dials of an unreachable peer (full jitter below it), ms. @default 30000 */
  maxMs?: number
  /** the wait after a refusal (either way) before that peer is dialled again, ms. @default 300000 */
  refusedMs?: number
  /** how long a first member (the leader) dials the members it knew in its last run, ms. @default 600000 */
  knownPeersMs?: number
}

export interface RedialDeps {
  self: PeerId
  /** the realm leader's peer id */
  leader: string
  /** the bootstrap addresses (multiaddrs with /p2p/<peer id>) */
  anchors: string[]
  /** addresses (with /p2p/) of members from an earlier run; dialled only by a first member */
  knownPeers: string[]
  libp2p: RealmLibp2p
  membership: Membership
  /** whether this node holds an admitted connection to `peer` */
  connected: (peer: string) => boolean
  /** dials and admits (handshake and join) */
  connect: (addresses: Multiaddr[], options: AbortOptions) => Promise<unknown>
  /** whether this node refuses `peer` (banned here, revoked) */
  shunned: (peer: string) => boolean
  /** whether the node has joined the realm (redialling begins then) */
  joined: () => boolean
  /** an unreachable peer is dialled again after delayMs */
  retrying: (detail: RetryDetail) => void
  now: () => number
  backoff?: BackoffInit
}

/** a member that stayed this long was not dropping us: its backoff starts over */
const STABLE_MS = 60_000
/** answers that mean "not now" rather than "not you" */
const TRY_AGAIN = new Set<string>([WireErrorCode.BUSY, WireErrorCode.RATE_LIMITED])
/** leaves after which the peer is not dialled soon: we dropped it ourselves */
const REFUSED_LEAVES = new Set<PeerLeftDetail['reason']>(['banned', 'revoked', 'evicted'])
/** codes of a DISCONNECT by which the peer dropped us for good */
const REFUSED_CODES = new Set<string>([WireErrorCode.PEER_BANNED, 'TOKEN_REVOKED', 'TOKEN_EXPIRED'])
/** bounds the targets: 32 bootstrap addresses, the leader, 64 known peers fit */
const MAX_TARGETS = 128
/** addresses tried per dial */
const MAX_ADDRESSES = 8

interface Target {
  peer: string
  /** the addresses configured for it (the peer store adds what was learnt since) */
  addresses: Multiaddr[]
  /** the leader or a bootstrap peer (kept in reach for good); else a known peer (until admitted once) */
  anchor: boolean
  attempt: number
  timer?: ReturnType<typeof setTimeout>
  admittedAt?: number
  /** it refused us, or we it: not dialled before this (ms) */
  refusedUntil?: number
}

export class Redial {
  private readonly deps: RedialDeps
  private readonly maxMs: number
  private readonly refusedMs: number
  private readonly knownPeersMs: number
  private readonly enabled: boolean
  private readonly targets = new Map<string, Target>()
  private readonly configured: Target[]
  private controller: AbortController | undefined
  private armed = false
  private startedAt = 0

  constructor (deps: RedialDeps, init: RedialInit = {}) {
    this.deps = deps
    this.enabled = init.enabled !== false
    this.maxMs = init.maxMs ?? 30_000
    this.refusedMs = init.refusedMs ?? 300_000
    this.knownPeersMs = init.knownPeersMs ?? 600_000
    this.configured = configuredTargets(deps)
    deps.membership.addEventListener('peer:joined', (evt) => { this.onJoined(evt.detail.peer) })
    deps.membership.addEventListener('peer:left', (evt) => { this.onLeft(evt.detail) })
    deps.libp2p.addEventListener('peer:disconnect', (evt) => { this.onDisconnected(evt.detail.toString()) })
  }

  /** Begins (once the node has joined: see arm); every timer ends at stop(). */
  start (): void {
    if (!this.enabled || this.controller != null) return
    this.controller = new AbortController()
    this.startedAt = this.deps.now()
    for (const target of this.configured) this.targets.set(target.peer, { ...target, attempt: 0 })
    if (this.deps.joined()) this.arm()
  }

  /** The node joined the realm: every target it is not connected to is dialled soon. */
  arm (): void {
    if (this.controller == null || this.armed) return
    this.armed = true
    for (const target of this.targets.values()) {
      if (!this.deps.connected(target.peer)) this.schedule(target, backoffDelay(0, this.deps.backoff))
    }
  }

  stop (): void {
    this.controller?.abort()
    this.controller = undefined
    this.armed = false
    for (const target of this.targets.values()) clearTimeout(target.timer)
    this.targets.clear()
  }

  /** how many peers have a dial planned (for tests and status) */
  get planned (): number {
    let n = 0
    for (const target of this.targets.values()) if (target.timer != null) n++
    return n
  }

  private onJoined (peer: string): void {
    const target = this.targets.get(peer)
    if (target == null) return
    clearTimeout(target.timer)
    target.timer = undefined
    target.admittedAt = this.deps.now()
    // a known peer is in the realm again: growth and its own redialling keep it from here
    if (!target.anchor) this.targets.delete(peer)
  }

  private onLeft (detail: PeerLeftDetail): void {
    const target = this.targets.get(detail.peer)
    if (target == null || !this.armed) return
    if (REFUSED_LEAVES.has(detail.reason) || REFUSED_CODES.has(detail.code ?? '')) this.refused(target)
    else this.soon(target)
  }

  /** its last connection closed: dialled before the disconnect grace ends its membership */
  private onDisconnected (peer: string): void {
    const target = this.targets.get(peer)
    if (target != null && this.armed) this.soon(target)
  }

  /** a dial after the backoff, which starts over only when the peer stayed a member for a while */
  private soon (target: Target): void {
    if ((target.refusedUntil ?? 0) > this.deps.now()) return
    if (target.admittedAt != null && this.deps.now() - target.admittedAt >= STABLE_MS) target.attempt = 0
    this.schedule(target, backoffDelay(target.attempt, { ...this.deps.backoff, maxMs: this.maxMs }))
  }

  private refused (target: Target): void {
    target.refusedUntil = this.deps.now() + this.refusedMs
    this.schedule(target, this.refusedMs)
  }

  private schedule (target: Target, delayMs: number): void {
    clearTimeout(target.timer)
    target.timer = undefined
    if (this.controller == null) return
    if (!target.anchor && this.deps.now() + delayMs > this.startedAt + this.knownPeersMs) {
      this.targets.delete(target.peer)
      return
    }
    target.timer = setTimeout(() => {
      target.timer = undefined
      void this.dial(target)
    }, delayMs)
    target.timer.unref()
  }

  private async dial (target: Target): Promise<void> {
    const signal = this.controller?.signal
    if (signal == null || this.deps.connected(target.peer)) return
    if (this.deps.shunned(target.peer)) {
      this.refused(target)
      return
    }
    // nothing to dial: it is planned again when it leaves after it was heard of
    const addresses = await this.addresses(target)
    if (addresses.length === 0 || signal.aborted) return
    try {
      await this.deps.connect(addresses, { signal })
      target.refusedUntil = undefined
      if (!this.deps.connected(target.peer)) this.retry(target, new Error('connected, but the connection was not admitted'))
    } catch (err) {
      // admitted meanwhile (it dialled us): nothing to retry
      if (signal.aborted || this.deps.connected(target.peer)) return
      if (err instanceof JoinDeferredError) this.schedule(target, err.retryAfterMs)
      else if (!isTransient(err) && !TRY_AGAIN.has((err as { code?: string }).code ?? '')) this.refused(target)
      else this.retry(target, err)
    }
  }

  private retry (target: Target, err: unknown): void {
    target.attempt++
    const delayMs = backoffDelay(target.attempt, { ...this.deps.backoff, maxMs: this.maxMs })
    const e = err as { code?: string, message?: string }
    this.deps.retrying({ address: target.addresses[0]?.toString() ?? target.peer, attempt: target.attempt, delayMs, code: e.code ?? 'UNREACHABLE', error: e.message ?? String(err) })
    this.schedule(target, delayMs)
  }

  /** the configured addresses, then what the peer store learnt since (a leader's new port), each with /p2p/ */
  private async addresses (target: Target): Promise<Multiaddr[]> {
    const known = await this.deps.libp2p.peerStore.get(peerIdFromString(target.peer)).catch(() => undefined)
    const out = new Map<string, Multiaddr>()
    for (const address of [...target.addresses, ...(known?.addresses.map(a => withoutPeer(a.multiaddr).encapsulate(`/p2p/${target.peer}`)) ?? [])]) {
      if (out.size < MAX_ADDRESSES) out.set(address.toString(), address)
    }
    return [...out.values()]
  }
}

/**
 * The anchors by peer, the leader among them (with no address of its own when the bootstrap list
 * does not name it: the peer store may learn one), and the known peers of a first member.
 */
function configuredTargets (deps: RedialDeps): Target[] {
  const self = deps.self.toString()
  const targets = new Map<string, Target>()
  const add = (peer: string, address: Multiaddr | undefined, anchor: boolean): void => {
    if (peer === self) return
    let target = targets.get(peer)
    if (target == null) {
      if (targets.size >= MAX_TARGETS) return
      target = { peer, addresses: [], anchor, attempt: 0 }
      targets.set(peer, target)
    }
    if (address != null && target.addresses.length < MAX_ADDRESSES && !target.addresses.some(a => a.equals(address))) target.addresses.push(address)
  }
  const parsed = (texts: string[]): Array<{ peer: string, address: Multiaddr }> => texts.flatMap(text => {
    try {
      const address = multiaddr(text)
      const peer = peerIdOf(address)
      return peer == null ? [] : [{ peer, address }]
    } catch {
      return []
    }
  })
  for (const { peer, address } of parsed(deps.anchors)) add(peer, address, true)
  const firstMember = targets.size === 0
  add(deps.leader, undefined, true)
  // a node with anchors joined through them and its known peers (bootstrap.ts)
  if (firstMember) for (const { peer, address } of parsed(deps.knownPeers)) add(peer, address, false)
  return [...targets.values()]
}
