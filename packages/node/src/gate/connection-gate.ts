/**
 * The connection gate: how a connection becomes admitted (handshake + join, run by its dialer and
 * answered by its listener), how long one may stay unadmitted, and the one place where a peer's
 * membership ends (`end`): whatever the reason (revoked, token expired, banned, timed out,
 * evicted, left), the peer is out of membership, none of its connections is admitted any more (so
 * no stream of it passes the gate from that moment), and every connection of it is closed, which
 * ends every stream it had open, long-lived ones included.
 *
 * Connections that never complete the handshake are closed after `handshakeDeadlineMs` (a few
 * seconds): an outsider holding idle connections must not keep members out. Unadmitted inbound
 * connections are also capped per remote address and in total, leaving the rest of the
 * connection manager's slots to members.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { PROTOCOLS, WireErrorCode } from '@realmesh/wire'
import { NodeStateError } from '../errors.js'
import { reachedButFailed } from '../network-errors.js'
import { offenceOf } from '../security/guard.js'
import { BoundedMap } from '../util/bounded-map.js'
import { peerIdOf, withoutPeer } from '../util/multiaddr.js'
import { Admission } from './admission.js'
import { isRelayed } from '../nat/reachability.js'
import type { Guard } from '../security/guard.js'
import type { Handshake, VerifiedNode } from '../handshake/handshake.js'
import type { Join, JoinAccepted, JoinOutcome } from '../join/join.js'
import type { LeaveReason, Membership } from '../membership/membership.js'
import type { ConnectionLimits, RealmLibp2p } from '../libp2p.js'
import type { Connection, PeerId, Stream, AbortOptions } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface RefusalDetail { peer: string, code: string, reason: string, byRemote: boolean }

export interface GateInit extends Pick<ConnectionLimits, 'handshakeDeadlineMs' | 'maxUnadmittedPerAddress' | 'maxUnadmitted'> {
  /**
   * how long a member whose last connection closed stays a member before it is dropped with reason
   * 'disconnect' (a new admitted connection in that time keeps it). @default 10000
   */
  disconnectGraceMs?: number
}

export interface ConnectionGateDeps {
  libp2p: RealmLibp2p
  handshake: Handshake
  join: Join
  membership: Membership
  guard: Guard
  now: () => number
  running: () => boolean
  /** aborted when the node stops */
  shutdown: () => AbortSignal
  /** clock skew tolerated on token expiry, ms: a member is current until its token's exp + this */
  skewMs: number
  /** a connection was admitted (membership already holds the peer); `initiator`: we dialled it */
  admitted: (connection: Connection, accepted: JoinAccepted, initiator: boolean) => void
  /** a join we answered was accepted: `seqBefore` is the newest record seq of the joiner we had before */
  answered: (connection: Connection, accepted: JoinAccepted, seqBefore: bigint | undefined) => void
  /** the newest record seq we hold of `peer` (member or learnt) */
  recordSeqOf: (peer: PeerId) => bigint | undefined
  /** a handshake or join failed, either side refusing */
  refused: (detail: RefusalDetail) => void
  /** a handshake passed, after `seconds` (either side; for metrics) */
  handshaken?: (seconds: number) => void
  /** tells the peer on `connection` why it is dropped (DISCONNECT), best effort */
  disconnect: (connection: Connection, code: string, text: string, signal: AbortSignal) => Promise<void>
  /** membership of `peer` ended: forget what else is held about it (learnt records, joins waiting) */
  forget: (peer: string) => void
  /**
   * `peer`'s last admitted connection closed because it (or this node) sleeps on its wake
   * schedule: its membership does not end after the disconnect grace (sleep/ keeps it, and drops
   * it when it misses its wake windows). @default never
   */
  sleeps?: (peer: PeerId) => boolean
  /**
   * a connection to `peer` through a member that forwards (forward/), tried when a dial fails;
   * rejects when none could. @default never
   */
  forward?: (peer: PeerId, options: AbortOptions) => Promise<Connection>
  /** whether `connection` was made through a forwarder (kept last of duplicates). @default never */
  forwarded?: (connection: Connection) => boolean
  /**
   * whether a stream of `protocol` lives as long as what it carries and cannot move to another
   * connection (as a tunnel's): a duplicate connection is not closed under it. @default tunnels only
   */
  unmovable?: (protocol: string) => boolean
}

export interface ConnectOptions extends AbortOptions {
  /** only a direct (or relayed) dial: no forwarder is asked when it fails (a forwarder reaching a target). @default false */
  direct?: boolean
  /** dial a new connection even when an admitted one exists (a forwarded one to replace). @default false */
  fresh?: boolean
}

export class ConnectionGate {
  readonly admission: Admission
  private readonly deps: ConnectionGateDeps
  private readonly handshakeDeadlineMs: number
  private readonly maxUnadmittedPerAddress: number
  private readonly maxUnadmitted: number
  private readonly disconnectGraceMs: number
  /** peers admitted at least once lately (bounded): their stray streams are not offences */
  private readonly everAdmitted = new BoundedMap<string, true>({ maxSize: 10_000, ttlMs: 3_600_000 })
  /** per unadmitted connection: the timer that closes it */
  private readonly reapers = new Map<string, ReturnType<typeof setTimeout>>()
  /** unadmitted inbound connections by remote IP address, oldest first (bounded by maxUnadmitted) */
  private readonly unadmittedByAddress = new Map<string, Map<string, Connection>>()
  private unadmittedInbound = 0
  private readonly graceTimers = new Map<string, ReturnType<typeof setTimeout>>()

  constructor (deps: ConnectionGateDeps, init: GateInit = {}) {
    this.deps = deps
    this.handshakeDeadlineMs = init.handshakeDeadlineMs ?? 5_000
    this.maxUnadmittedPerAddress = init.maxUnadmittedPerAddress ?? 16
    this.maxUnadmitted = init.maxUnadmitted ?? 64
    this.disconnectGraceMs = init.disconnectGraceMs ?? 10_000
    this.admission = new Admission({
      initiate: async (connection) => { await this.initiate(connection) },
      waitMs: deps.handshake.timeoutMs + deps.join.timeoutMs
    })
  }

  /** whether `peer` was admitted by this node lately */
  wasAdmitted (peer: PeerId): boolean {
    return this.everAdmitted.has(peer.toString())
  }

  /**
   * Whether `connection` is admitted and its peer still a member whose token is current. A member
   * whose token ran out is dropped here, at its first stream past the expiry, rather than at the
   * next sweep.
   */
  isCurrent (connection: Connection): boolean {
    if (!this.admission.isAdmitted(connection)) return false
    const member = this.deps.membership.get(connection.remotePeer)
    if (member == null) return false
    if (member.expiresAt + this.deps.skewMs > this.deps.now()) return true
    void this.end(connection.remotePeer, 'token-expired', 'TOKEN_EXPIRED', 'the node token expired')
    return false
  }

  start (): void {
    const { libp2p } = this.deps
    libp2p.addEventListener('connection:open', this.onConnectionOpen)
    libp2p.addEventListener('connection:close', this.onConnectionClose)
  }

  stop (): void {
    const { libp2p } = this.deps
    libp2p.removeEventListener('connection:open', this.onConnectionOpen)
    libp2p.removeEventListener('connection:close', this.onConnectionClose)
    for (const timer of [...this.reapers.values(), ...this.graceTimers.values()]) clearTimeout(timer)
    this.reapers.clear()
    this.graceTimers.clear()
    this.unadmittedByAddress.clear()
    this.unadmittedInbound = 0
  }

  /**
   * An unadmitted connection is in use by a protocol open to non-members (a node without a token
   * asking the leader for one, polling while the operator decides): it gets another
   * handshake deadline from now rather than being closed under the request.
   */
  extend (connection: Connection): void {
    if (this.admission.state(connection) != null || !this.reapers.has(connection.id)) return
    this.arm(connection, this.handshakeDeadlineMs, () => { this.reap(connection) })
  }

  /**
   * Dials `peer` (or reuses a connection) and makes sure the connection is admitted: an admitted
   * connection is used as it is, one being admitted is waited for; when the only connections are
   * inbound ones nobody is admitting (their dialer went quiet), a new outbound one is opened,
   * since only the dialer of a connection can start its handshake.
   */
  async connect (peer: PeerId | Multiaddr | Multiaddr[], options: ConnectOptions = {}): Promise<Connection> {
    if (!this.deps.running()) throw new NodeStateError('the node is not started')
    const target = isPeerId(peer) ? peer : peerOfTarget(peer)
    const connections = target == null ? [] : this.deps.libp2p.getConnections(target)
    const admitted = connections.find(c => this.admission.isAdmitted(c))
    if (admitted != null && options.fresh !== true) return admitted
    const underway = connections.find(c => { const state = this.admission.state(c); return state === 'handshaking' || state === 'joining' })
    if (underway != null && options.fresh !== true) {
      try {
        await this.admission.ensure(underway, 'admission', options)
        return underway
      } catch {
        options.signal?.throwIfAborted()
        // that admission failed: try a connection of our own below
      }
    }
    const force = options.fresh === true || (connections.length > 0 && !connections.some(c => c.direction === 'outbound' && this.admission.state(c) == null))
    let connection = await this.dial(peer, target, force, options)
    if (connection.direction === 'inbound' && this.admission.state(connection) == null) {
      // libp2p handed back a connection the peer opened, on which no admission runs: this node
      // cannot start one on it, and waiting on it fails NOT_A_MEMBER at every retry for as long as
      // it stays open (a resumed frozen node could not rejoin its leader for over a minute)
      connection = await this.dial(peer, target, true, options)
    }
    await this.admission.ensure(connection, 'admission', options)
    return connection
  }

  /**
   * libp2p's dial; when it fails (and the caller did not abort, nor ask for a direct one) a
   * forwarded connection to the peer it names, if a member forwards. The dial's own error when
   * neither worked: the caller sees why the peer was unreachable, as before forwarding.
   */
  private async dial (peer: PeerId | Multiaddr | Multiaddr[], target: PeerId | undefined, force: boolean, options: ConnectOptions): Promise<Connection> {
    const { direct, fresh: _fresh, ...rest } = options
    try {
      return await this.deps.libp2p.dial(peer, { ...rest, force })
    } catch (err) {
      const forward = this.deps.forward
      // a banned peer is refused after Noise on a forwarded connection too: not worth a forwarder's slot
      if (forward == null || target == null || direct === true || options.signal?.aborted === true || !this.deps.running() || this.deps.guard.isBanned(target.toString())) throw err
      // the peer answered (its Noise handshake timed out, under load): a forwarder would not help
      if (reachedButFailed(err)) throw err
      return forward(target, rest).catch(() => { throw err })
    }
  }

  /** the handler of the handshake protocol (open to non-members) */
  readonly onHandshakeStream = async (stream: Stream, connection: Connection): Promise<void> => {
    if (!this.admission.begin(connection)) {
      stream.abort(new Error('a handshake already ran on this connection'))
      return
    }
    const started = performance.now()
    try {
      const remoteNode = await this.deps.handshake.respond(stream, connection)
      this.deps.handshaken?.((performance.now() - started) / 1000)
      this.admission.markHandshaken(connection, remoteNode)
    } catch (err) {
      this.admission.markFailed(connection, err as Error)
      this.reportRefusal(connection, err)
      await connection.close().catch(() => {})
    }
  }

  /** the handler of the join protocol (open to connections whose handshake passed) */
  readonly onJoinStream = async (stream: Stream, connection: Connection): Promise<void> => {
    const remoteNode = this.admission.remoteNode(connection)
    if (remoteNode == null || this.admission.state(connection) !== 'joining') {
      stream.abort(new NodeStateError('join before handshake'))
      return
    }
    // the newest record of the joiner this node had before this join (see Growth.announce)
    const seqBefore = this.deps.recordSeqOf(connection.remotePeer)
    let result: JoinOutcome
    try {
      result = await this.deps.join.respond(stream, connection, remoteNode, (accepted) => { this.admit(connection, remoteNode, accepted, false) })
    } catch (err) {
      result = { outcome: 'refused', code: (err as { code?: string }).code ?? WireErrorCode.INTERNAL, reason: (err as Error).message }
    }
    if (result.outcome === 'accepted') {
      this.deps.answered(connection, result.accepted, seqBefore)
      return
    }
    // NACK or DEFERRED: drop everything about the peer; it retries on a new connection
    if (result.outcome === 'refused') {
      this.offence(connection.remotePeer, result.code)
      this.deps.refused({ peer: connection.remotePeer.toString(), code: result.code, reason: result.reason, byRemote: false })
    }
    this.admission.markFailed(connection, new NodeStateError(`join ${result.outcome}`))
    await connection.close().catch(() => {})
  }

  /**
   * Ends `peer`'s membership, here and now: out of membership (peer:left with `reason`), every
   * connection of it no longer admitted, then (with `notify`) a DISCONNECT(code, text) on one of
   * them, best effort within 2 s, and every connection closed. Safe to call for a peer that is
   * not (or no longer) a member: its connections are closed all the same.
   */
  async end (peer: PeerId, reason: LeaveReason, code: string, text: string, options: { notify?: boolean } = {}): Promise<void> {
    const id = peer.toString()
    const connections = this.deps.libp2p.getConnections(peer)
    const admitted = connections.find(c => this.admission.isAdmitted(c))
    // synchronously, before anything awaits: nothing of the peer passes the gate from here on
    for (const connection of connections) this.admission.forget(connection)
    this.clearTimer(this.graceTimers, id)
    this.deps.forget(id)
    this.deps.membership.remove(peer, reason, code === '' ? undefined : code)
    if (options.notify !== false && admitted != null) {
      await this.deps.disconnect(admitted, code, text.slice(0, 256), AbortSignal.timeout(2_000)).catch(() => {})
    }
    await Promise.all(connections.map(async (connection) => connection.close().catch(() => {})))
  }

  /** Runs handshake + join as the initiator on an outbound connection (bounded by their timeouts). */
  private async initiate (connection: Connection): Promise<void> {
    const options = { signal: this.deps.shutdown() }
    if (!this.admission.begin(connection, true)) {
      await this.admission.ensure(connection, 'admission', options)
      return
    }
    const started = performance.now()
    try {
      const remoteNode = await this.deps.handshake.initiate(connection, options)
      this.deps.handshaken?.((performance.now() - started) / 1000)
      this.admission.markHandshaken(connection, remoteNode)
      const accepted = await this.deps.join.initiate(connection, options)
      this.admit(connection, remoteNode, accepted, true)
    } catch (err) {
      this.admission.markFailed(connection, err as Error)
      this.reportRefusal(connection, err)
      await connection.close().catch(() => {})
      throw err
    }
  }

  /** Both sides, once the join is accepted: record the member, open the realm to it. */
  private admit (connection: Connection, remoteNode: VerifiedNode, accepted: JoinAccepted, initiator: boolean): void {
    const peer = connection.remotePeer
    const addrs = accepted.record?.addrs ?? [withoutPeer(connection.remoteAddr)]
    this.everAdmitted.set(peer.toString(), true)
    this.deps.membership.admit({ peerId: peer, node: remoteNode, identity: accepted.identity, addrs, record: accepted.record?.record, recordSeq: accepted.record?.seq })
    this.admission.markAdmitted(connection)
    this.release(connection)
    this.clearTimer(this.graceTimers, peer.toString())
    this.closeDuplicates(peer)
    this.deps.admitted(connection, accepted, initiator)
  }

  private readonly onConnectionOpen = (evt: CustomEvent<Connection>): void => {
    const connection = evt.detail
    if (connection.direction === 'inbound') {
      const address = remoteIp(connection)
      const fromAddress = this.unadmittedByAddress.get(address)
      if ((fromAddress?.size ?? 0) >= this.maxUnadmittedPerAddress) {
        void connection.close().catch(() => {})
        return
      }
      // all unadmitted slots taken: the address holding the most gives up its oldest, so that a
      // few addresses keeping connections open (polling the leader re-arms their deadline) cannot
      // keep everyone else out
      if (this.unadmittedInbound >= this.maxUnadmitted) this.evictOne()
      if (fromAddress == null) this.unadmittedByAddress.set(address, new Map([[connection.id, connection]]))
      else fromAddress.set(connection.id, connection)
      this.unadmittedInbound++
    }
    // an inbound connection must complete its handshake within the deadline, any connection its
    // whole admission within the handshake's and the join's timeouts
    this.arm(connection, connection.direction === 'inbound' ? this.handshakeDeadlineMs : this.admissionMs, () => { this.reap(connection) })
    if (this.upgradesRelayed(connection)) void this.admission.ensure(connection, 'admission').catch(() => {})
  }

  /**
   * A direct connection this node dialled to a member it reaches only through a relay (or not at
   * all) is admitted at once, whoever dialled it: DCUtR's hole punch, the relay transport
   * redialling its relay, a libp2p service dialling the member. Nobody else would, and it would
   * be closed unadmitted. One to a member already reached directly is left alone (AutoNAT's
   * dial-back opens and closes one).
   */
  private upgradesRelayed (connection: Connection): boolean {
    if (connection.direction !== 'outbound' || isRelayed(connection.remoteAddr)) return false
    if (!this.deps.membership.has(connection.remotePeer)) return false
    return !this.deps.libp2p.getConnections(connection.remotePeer).some(c => c.id !== connection.id && !isRelayed(c.remoteAddr) && this.admission.isAdmitted(c))
  }

  /** the most an admission (handshake + join) may take, ms */
  private get admissionMs (): number {
    return this.deps.handshake.timeoutMs + this.deps.join.timeoutMs
  }

  /** closes the oldest unadmitted connection of the address that holds the most */
  private evictOne (): void {
    let widest: Map<string, Connection> | undefined
    for (const held of this.unadmittedByAddress.values()) {
      if (widest == null || held.size > widest.size) widest = held
    }
    const oldest = widest?.values().next().value
    if (oldest != null) this.close(oldest)
  }

  /** a connection's deadline passed: closed unless admitted, or (inbound) handshaken in time */
  private reap (connection: Connection): void {
    const state = this.admission.state(connection)
    if (state === 'admitted') return
    if (state === 'joining' && connection.direction === 'inbound') {
      // the handshake passed in time: the join gets the rest of the full admission time
      this.arm(connection, this.admissionMs - this.handshakeDeadlineMs, () => { if (!this.admission.isAdmitted(connection)) this.close(connection) })
      return
    }
    this.close(connection)
  }

  private readonly onConnectionClose = (evt: CustomEvent<Connection>): void => {
    const connection = evt.detail
    const wasAdmitted = this.admission.isAdmitted(connection)
    this.admission.forget(connection)
    this.release(connection)
    if (!wasAdmitted || !this.deps.running()) return
    const peer = connection.remotePeer
    if (this.deps.libp2p.getConnections(peer).some(c => this.admission.isAdmitted(c))) return
    if (this.deps.sleeps?.(peer) === true) return
    const id = peer.toString()
    this.clearTimer(this.graceTimers, id)
    const timer = setTimeout(() => {
      this.graceTimers.delete(id)
      if (!this.deps.libp2p.getConnections(peer).some(c => this.admission.isAdmitted(c))) this.deps.membership.remove(peer, 'disconnect')
    }, this.disconnectGraceMs)
    timer.unref()
    this.graceTimers.set(id, timer)
  }

  private arm (connection: Connection, delayMs: number, fire: () => void): void {
    this.clearTimer(this.reapers, connection.id)
    const timer = setTimeout(() => {
      this.reapers.delete(connection.id)
      fire()
    }, Math.max(0, delayMs))
    timer.unref()
    this.reapers.set(connection.id, timer)
  }

  private close (connection: Connection): void {
    this.release(connection)
    void connection.close().catch(() => {})
  }

  /** the connection is admitted or gone: no reaper, no count against its address */
  private release (connection: Connection): void {
    this.clearTimer(this.reapers, connection.id)
    if (connection.direction !== 'inbound') return
    const address = remoteIp(connection)
    const ids = this.unadmittedByAddress.get(address)
    if (ids == null || !ids.delete(connection.id)) return
    this.unadmittedInbound--
    if (ids.size === 0) this.unadmittedByAddress.delete(address)
  }

  /**
   * Two admitted connections to one peer (both dialled at once, or a direct one beside a relayed
   * one) are one too many. Both sides keep the same one, without talking about it: a direct one
   * over a relayed one over a forwarded one, then the one dialled by the smaller peer id, then the
   * older one; the other is closed after a few seconds, so streams already on it can finish.
   */
  private closeDuplicates (peer: PeerId): void {
    const admitted = this.deps.libp2p.getConnections(peer).filter(c => this.admission.isAdmitted(c))
    if (admitted.length < 2) return
    const self = this.deps.libp2p.peerId.toString()
    const remote = peer.toString()
    const dialer = (c: Connection): string => c.direction === 'outbound' ? self : remote
    const relayed = (c: Connection): number => this.deps.forwarded?.(c) === true ? 2 : isRelayed(c.remoteAddr) ? 1 : 0
    admitted.sort((a, b) => relayed(a) - relayed(b) || (dialer(a) < dialer(b) ? -1 : dialer(a) > dialer(b) ? 1 : a.timeline.open - b.timeline.open))
    for (const extra of admitted.slice(1)) this.closeDuplicate(extra)
  }

  /**
   * Closes a duplicate connection in a few seconds, but not while it carries a tunnel or a stream
   * this node forwards: such a stream lives as long as the connection it carries, and cannot move
   * to another connection.
   */
  private closeDuplicate (extra: Connection): void {
    const timer = setTimeout(() => {
      if (extra.status !== 'open') return
      if (extra.streams.some(s => s.protocol === PROTOCOLS.tunnel || this.deps.unmovable?.(s.protocol ?? '') === true)) this.closeDuplicate(extra)
      else void extra.close().catch(() => {})
    }, 5_000)
    timer.unref()
  }

  private reportRefusal (connection: Connection, err: unknown): void {
    const e = err as { code?: string, reason?: string, message?: string, byRemote?: boolean }
    if (e.code === WireErrorCode.JOIN_DEFERRED) return
    if (e.byRemote !== true && e.code != null) this.offence(connection.remotePeer, e.code)
    this.deps.refused({ peer: connection.remotePeer.toString(), code: e.code ?? WireErrorCode.INTERNAL, reason: e.reason ?? e.message ?? String(err), byRemote: e.byRemote ?? false })
  }

  /** counts an offence (by refusal code) against a peer */
  offence (peer: PeerId, code: string): void {
    const offence = offenceOf(code)
    if (offence != null) this.deps.guard.offence(peer.toString(), offence)
  }

  private clearTimer (timers: Map<string, ReturnType<typeof setTimeout>>, key: string): void {
    const timer = timers.get(key)
    if (timer != null) clearTimeout(timer)
    timers.delete(key)
  }
}

/** the IP address (or whatever names the remote end) of a connection */
function remoteIp (connection: Connection): string {
  const parts = connection.remoteAddr.getComponents()
  const host = parts.find(p => p.name === 'ip4' || p.name === 'ip6' || p.name === 'dns' || p.name === 'dns4' || p.name === 'dns6')
  return host?.value ?? connection.remoteAddr.toString()
}

/** the peer a dial target names in its /p2p/ part, if any */
function peerOfTarget (target: Multiaddr | Multiaddr[]): PeerId | undefined {
  const first = Array.isArray(target) ? target[0] : target
  const id = first == null ? undefined : peerIdOf(first)
  return id == null ? undefined : peerIdFromString(id)
}

function isPeerId (value: unknown): value is PeerId {
  return value != null && typeof (value as PeerId).toMultihash === 'function' && typeof (value as PeerId).equals === 'function'
}
