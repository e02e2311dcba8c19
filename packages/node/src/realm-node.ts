/**
 * A realmesh node: a libp2p node whose every connection must pass handshake and join before any
 * realm protocol runs on it. This file assembles the parts and holds the public API; each concern
 * lives in its own module:
 *   gate/connection-gate.ts   admission of connections, and the one place membership ends
 *   membership/growth.ts      records heard, joins with learnt members, the neighbourhood lookup
 *   membership/upkeep.ts      expiry, the routing table kept equal to membership, rejoining
 *   membership/redial.ts      the leader and bootstrap peers dialled again while they are not members
 *   peers/own-record.ts       this node's signed record and telling members when it changes
 *   subjects/assembly.ts      subjects and messaging wired to membership
 *   sleep/assembly.ts         sleeping on a wake schedule, and keeping sleepy members
 *   tunnel/tunnels.ts         TCP connections carried to services members expose
 */
import { TypedEventEmitter } from 'main-event'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { TokenCache, decodeTokenUnverified, fingerprint, leaderPeerId } from '@realmesh/token'
import { PROTOCOLS, PeersRequest, WireErrorCode } from '@realmesh/wire'
import { ConnectionGate } from './gate/connection-gate.js'
import { gateHandler, rateLimitedHandler } from './gate/gated-components.js'
import { Guard } from './security/guard.js'
import { Summaries } from './summary/summaries.js'
import type { RealmSummariesOptions, RealmSummariesResult, SummaryFigures } from './summary/summaries.js'
import { Handshake } from './handshake/handshake.js'
import { Join } from './join/join.js'
import { Membership } from './membership/membership.js'
import { kadRoutingTable } from './membership/kad-routing-table.js'
import { Liveness } from './membership/liveness.js'
import { Neighbourhood } from './membership/neighbourhood.js'
import { Growth } from './membership/growth.js'
import { Upkeep, SWEEP_INTERVAL_MS } from './membership/upkeep.js'
import { Redial } from './membership/redial.js'
import { Peers } from './peers/peers.js'
import { KeepaliveChannels } from './peers/keepalive.js'
import { RecordVerifier } from './peers/records.js'
import { OwnRecord } from './peers/own-record.js'
import type { AddressesChangedDetail } from './peers/own-record.js'
import { Revocations, revokes } from './revocation/revocations.js'
import { Epochs } from './epochs/epochs.js'
import { NoticeSpread } from './notices/spread.js'
import { worstDelaySince } from './util/loop-lag.js'
import { JoinSlots } from './membership/join-slots.js'
import { peerIdOf, withoutPeer } from './util/multiaddr.js'
import { listenedAddrs } from './peers/own-addresses.js'
import { deferToLeader, requestNodeToken } from './leader/leader-client.js'
import { TokenRenewal, tokenLifetime } from './leader/renewal.js'
import { Bootstrap } from './bootstrap.js'
import { BroadcastDisabledError, Broadcaster } from './broadcast/broadcast.js'
import type { BroadcastMessage } from './broadcast/broadcast.js'
import { assembleLibp2p } from './libp2p.js'
import { NatControl } from './nat/control.js'
import { natOptions } from './nat/options.js'
import type { ConnectionInfo, NatStatus } from './nat/control.js'
import type { NatOptions } from './nat/options.js'
import type { ReachabilityState } from './nat/reachability.js'
import { LanJoins } from './discovery/lan-joins.js'
import type { LanJoinStats } from './discovery/lan-joins.js'
import { MemoryDatastore } from 'datastore-core'
import { PrefixedDatastore } from './store/prefixed.js'
import { DurableSubscriptions } from './durable/durable.js'
import type { DurableDropDetail, DurableFailedDetail } from './durable/durable.js'
import { assembleSubjectLayer } from './subjects/assembly.js'
import { assembleSleep } from './sleep/assembly.js'
import { RelayStore } from './relay/relay-store.js'
import type { Relay } from './relay/relay.js'
import { scheduleOf, toWire } from './sleep/schedule.js'
import type { SleepEvents, SleepLayer } from './sleep/assembly.js'
import type { SleepStatus } from './sleep/sleeper.js'
import type { WakeSchedule } from './sleep/schedule.js'
import { Outbox } from './outbox/outbox.js'
import { Tunnels } from './tunnel/tunnels.js'
import { membersBySeen, partyOf, resolveTarget } from './tunnel/members.js'
import type { Subjects, SubjectStatus } from './subjects/subjects.js'
import type { Messaging } from './messaging/messaging.js'
import type { SubjectMatchedDetail, SubjectRegisteredDetail } from './subjects/assembly.js'
import type { FindCoordinatorsOptions } from './subjects/find-coordinators.js'
import type { AccountRecord, MessageHandler, MessageStats, PublishOptions, PublishResult, SubjectMessage, SubscribeOptions, Subscription } from './messaging/options.js'
import type { MessageStreamDetail } from './messaging/inbox.js'
import type { OutboxRestoredDetail, OutboxSettledDetail } from './messaging/messaging.js'
import type { RequestHandler } from './messaging/direct.js'
import { NodeStateError, NotMemberError } from './errors.js'
import { RealmMetrics } from './metrics/realm-metrics.js'
import type { RealmNodeInit } from './init.js'
import type { RealmLibp2p } from './libp2p.js'
import type { GateHooks } from './gate/gated-components.js'
import type { Admission } from './gate/admission.js'
import type { RefusalDetail } from './gate/connection-gate.js'
import type { LeaveReason, Member, PeerJoinedDetail, PeerLeftDetail } from './membership/membership.js'
import type { RoutingTableView } from './membership/kad-routing-table.js'
import { Forwarding } from './forward/forwarding.js'
import type { ForwardingStatus } from './forward/forwarding.js'
import { forwardingOptions } from './forward/options.js'
import { ForwardError, ForwardErrorCode } from './forward/errors.js'
import type { ForwardingOptions } from './forward/options.js'
import { isPeerId } from '@libp2p/interface'
import type { Connection, PeerId, Stream, StreamHandler, StreamHandlerOptions, AbortOptions, Startable } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { PeerRecord, Revocation } from '@realmesh/wire'
import type { NodeTokenClaims, RealmDescriptor } from '@realmesh/token'


/** verified tokens, shared by the realm nodes of this process that keep the defaults (see the constructor) */
let tokenCache: TokenCache | undefined
function processTokenCache (): TokenCache {
  tokenCache ??= new TokenCache({ maxEntries: 10_000 })
  return tokenCache
}

/** the join slots of this process, shared by every realm node in it (membership/join-slots.ts) */
let joinSlots: JoinSlots | undefined
function processJoinSlots (): JoinSlots {
  joinSlots ??= new JoinSlots({ loopDelayMs: () => worstDelaySince(performance.now() - 2_000) ?? 0 })
  return joinSlots
}

export type { RefusalDetail }

/** the token refusal code (a TokenErrorCode, spoken on the wire as it is) of a revoked token */
const TOKEN_REVOKED = 'TOKEN_REVOKED'
/** how long handing held messages to the coordinators may take before the node sleeps or stops, ms */
const RELAY_DEPOSIT_MS = 5_000
/**
 * an incidental member (dialled for a lookup's query or a message, not chosen by growth) idle this
 * long, outside the neighbourhood, in a full bucket, is let go (Growth.idleIncidental), ms
 */
const INCIDENTAL_IDLE_MS = 120_000
/** how often the upkeep sweep runs at most, ms (sooner with a short incidentalIdleMs: half of it) */
const MIN_SWEEP_MS = 100

export interface RetryDetail { address: string, attempt: number, delayMs: number, code: string, error: string }

export interface RealmNodeEvents {
  /** the node became part of the realm (first successful join, or start with nothing to join) */
  joined: CustomEvent<void>
  'peer:joined': CustomEvent<PeerJoinedDetail>
  'peer:left': CustomEvent<PeerLeftDetail>
  /** a handshake or join with a peer failed (either side refused) */
  'join:refused': CustomEvent<RefusalDetail>
  /** the remote deferred our join to the realm leader; the node retries */
  'join:deferred': CustomEvent<{ peer: string, retryAfterMs: number }>
  /** a bootstrap address or the leader could not be reached (joining, or redialling it later); the node retries after delayMs */
  'bootstrap:retry': CustomEvent<RetryDetail>
  /**
   * the node lost its last member (dropped while frozen or cut off, or every member left): it joins
   * again through its bootstrap addresses and where its last members were (`bootstrap:retry` while
   * they are unreachable), until a member is admitted
   */
  rejoin: CustomEvent<{ addresses: number }>
  /** every bootstrap address refused this node: it cannot join until something changes */
  'bootstrap:failed': CustomEvent<RefusalDetail>
  /** a peer was added to or removed from the kad-dht routing table; detail = its new size */
  'routing:changed': CustomEvent<number>
  /** a realm-wide broadcast from a member (see broadcast()) */
  broadcast: CustomEvent<BroadcastMessage>
  /** a member answered a keepalive; latencyMs is its moving-average round trip */
  'peer:alive': CustomEvent<{ peer: string, latencyMs: number }>
  /** a member presented a renewed node token (in its re-signed record): it stays a member until expiresAt (ms) */
  'peer:renewed': CustomEvent<{ peer: string, expiresAt: number }>
  /**
   * the addresses this node announces changed (an interface address came or went, a listener
   * opened or closed): its record was signed again with a higher seq and sent to its members
   */
  'addresses:changed': CustomEvent<AddressesChangedDetail>
  /** whether members can dial this node changed (NAT traversal, RealmNodeInit.nat) */
  'reachability:changed': CustomEvent<ReachabilityState>
  /** the guard banned a peer (score at the threshold, or `ban()`); it is dropped everywhere */
  'peer:banned': CustomEvent<{ peer: string, reason: string, until: number }>
  /** the node got a node token from the leader, its first or a renewal (persist it) */
  token: CustomEvent<string>
  /** renewing the node token failed; it is tried again after retryInMs, or not (undefined) when the token expires first */
  'token:renewal-failed': CustomEvent<{ code: string, error: string, retryInMs?: number }>
  /** this node's token reached its exp without a renewal (not renewable, its grant ended, or renewing failed) */
  'token:expired': CustomEvent<{ code: string, reason: string }>
  /** the realm leader revoked this node's token (a member passed on the signed revocation): no member admits it any more */
  'token:revoked': CustomEvent<{ code: string, reason: string, seq: number }>
  /** a token request waits for the operator's approval */
  'token:pending': CustomEvent<{ requestId: string }>
  /** a coordinator matched one of our subjects with a counterpart, which we verified and authorized */
  'subject:matched': CustomEvent<SubjectMatchedDetail>
  /** a subject message was delivered to this node's subscriptions */
  message: CustomEvent<SubjectMessage>
  /** an authorized exchange (accounting): a message delivered to this node's subscriptions, or one a receiver settled as delivered */
  account: CustomEvent<AccountRecord>
  /** a sender opened a message stream to one of this node's subscriptions (a first one, or again after its connection broke) */
  'message:stream': CustomEvent<MessageStreamDetail>
  /** as one of a subject's coordinators, this node stored a new or renewed interest */
  'subject:registered': CustomEvent<SubjectRegisteredDetail>
  /** a durable subscription in the store could not be started (its definition is damaged, or its bounds out of range) */
  'durable:failed': CustomEvent<DurableFailedDetail>
  /** a durable subscription from the store has its interest registered again, after a start (it receives from now on) */
  'durable:registered': CustomEvent<{ name: string, subject: string }>
  /** a durable subscription's bounds dropped messages not yet consumed, or refused a new one: how many this time, by cause (the totals are in its status) */
  'durable:dropped': CustomEvent<DurableDropDetail>
  /** this node fell asleep on its wake schedule (RealmNodeInit.sleep) */
  'sleep:asleep': CustomEvent<SleepEvents['sleep:asleep']>
  /** this node woke, for its window or (wakeOnData) to send */
  'sleep:awake': CustomEvent<SleepEvents['sleep:awake']>
  /** a sleepy member fell asleep on its schedule: it stays a member, its messages are held */
  'peer:asleep': CustomEvent<SleepEvents['peer:asleep']>
  /** a sleepy member woke (it connected, or NODE-AVAIL): its held messages go now */
  'peer:awake': CustomEvent<SleepEvents['peer:awake']>
  /** at start, the outbox held acked messages an earlier run had not settled: they go out again once the node joined */
  'outbox:restored': CustomEvent<OutboxRestoredDetail>
  /** messages held for a sleeping receiver were handed to the subject's coordinators (this node was about to sleep or stop): they settle 'relayed' */
  'relay:deposited': CustomEvent<{ key: string, receiver: string, messages: number }>
  /** as a coordinator, this node delivered a deposit to its receiver, awake again (`messages` acked) */
  'relay:delivered': CustomEvent<{ receiver: string, messages: number }>
  /** a message an earlier run left in the outbox was settled (nobody waits on its publish() any more) */
  'outbox:settled': CustomEvent<OutboxSettledDetail>
}

export interface NodeStatus {
  peerId: string
  realm: string
  realmName: string
  joined: boolean
  members: string[]
  routingTable: number
  listen: string[]
  /** only on a node with a wake schedule: the schedule, whether it is awake, and until when */
  sleep?: SleepStatus
  /** every open connection: its address, direct or relayed (and through which relay), admitted or not */
  connections: ConnectionInfo[]
  /** reachability, observed addresses, relay slot and relaying (nat/control.ts) */
  nat: NatStatus
  /** this node as a forwarder: whether it serves, the streams it forwards for members, its bounds and totals (forward/forwarding.ts) */
  forwarding: ForwardingStatus
}

export interface HandleOptions extends StreamHandlerOptions {
  /** only admitted members may open the protocol. @default true */
  members?: boolean
}

export class RealmNode extends TypedEventEmitter<RealmNodeEvents> implements Startable {
  readonly peerId: PeerId
  /** this node's fingerprint (its place in the key space) */
  private readonly ownKey: Uint8Array
  readonly realm: RealmDescriptor
  readonly libp2p: RealmLibp2p
  readonly membership: Membership
  readonly guard: Guard
  /** subjects: this node's interests, its coordinator replica role, matched counterparts */
  readonly subjectLayer: Subjects
  /** the realm's revocations this node holds (signed by the leader, spread among members) */
  readonly revocations: Revocations
  /** the realm's epochs this node holds: the current one and the one before (signed by the leader, spread among members) */
  readonly epochs: Epochs
  /** subscriptions with a name that the node holds, and stores messages for, whether or not a consumer is attached */
  readonly durable: DurableSubscriptions
  /** services this node exposes to members, and tunnels to members' services (tunnel/tunnels.ts) */
  readonly tunnels: Tunnels
  /** members' signed status summaries (summary/summaries.ts) */
  readonly summaries: Summaries
  /** streams this node forwards between members, and its own connections through a forwarder (forward/forwarding.ts) */
  readonly forwarding: Forwarding
  private readonly messaging: Messaging
  private readonly relay: Relay
  private readonly init: RealmNodeInit
  private readonly now: () => number
  private startedAt = 0
  private readonly tokenCache: TokenCache
  private readonly gate: ConnectionGate
  private readonly growth: Growth
  private readonly upkeep: Upkeep
  private readonly redial: Redial
  private readonly ownRecord: OwnRecord
  private readonly nat: NatControl
  private readonly noticeSpread: NoticeSpread
  private readonly dropNode: (peer: string) => void
  private readonly epochChanged: () => void
  private readonly peers: Peers
  private readonly bootstrap: Bootstrap
  private readonly liveness: Liveness
  private readonly keepalives: KeepaliveChannels
  private readonly renewal: TokenRenewal
  /** only in a realm whose policy.broadcast is true */
  private readonly broadcaster: Broadcaster | undefined
  private readonly neighbourhood: Neighbourhood
  private readonly sleep: SleepLayer
  /** realmesh's instruments, when libp2p has metrics (RealmNodeInit.metrics) */
  private readonly metrics: RealmMetrics | undefined
  /** only with RealmNodeInit.mdns */
  private readonly lanJoins: LanJoins | undefined
  private nodeToken: string | undefined
  /** the claims of nodeToken, decoded once */
  private ownClaimsOf: { token: string, claims: NodeTokenClaims } | undefined
  private routingTable: RoutingTableView | undefined
  /** the bootstrap of this run has begun */
  private bootstrapping = false
  private running = false
  /** stop() in progress (it drains first): nothing new is published */
  private stopping: Promise<void> | undefined
  private isJoined = false
  private joinedWaiters = Promise.withResolvers<void>()
  private shutdown = new AbortController()

  static async create (init: RealmNodeInit): Promise<RealmNode> {
    // a schedule out of bounds is refused before anything is built
    const schedule = init.sleep == null ? undefined : scheduleOf(init.sleep, (init.now ?? Date.now)())
    // the services are built before the node exists; they reach its gate through this reference
    const ref: { node?: RealmNode } = {}
    const nat = init.nat == null ? undefined : natOptions(init.nat)
    const forwarding = forwardingOptions(init.forwarding)
    const libp2p = await assembleLibp2p({
      privateKey: init.privateKey,
      realmId: init.realm.id,
      listen: init.listen ?? ['/ip4/127.0.0.1/tcp/0'],
      quic: init.quic,
      connections: init.connections,
      dht: init.dht,
      broadcast: init.realm.policy.broadcast === true,
      isBanned: (peer) => ref.node?.guard.isBanned(peer) ?? false,
      datastore: init.store == null ? undefined : new PrefixedDatastore(init.store, '/libp2p'),
      metrics: init.metrics,
      tcpIdleMs: init.keepalive?.tcpIdleMs,
      quiet: () => ref.node?.sleep.sleeper?.quiet ?? false,
      nat,
      relaying: () => ref.node?.nat.relaying() ?? false,
      denyDial: init.denyDial,
      mdns: init.mdns == null ? undefined : { intervalMs: init.mdns.intervalMs, announce: init.mdns.announce },
      hooks: () => {
        if (ref.node == null) throw new NodeStateError('the realm node is not constructed yet')
        return ref.node.gateHooks
      }
    })
    ref.node = new RealmNode(init, libp2p, schedule, nat, forwarding)
    return ref.node
  }

  private constructor (init: RealmNodeInit, libp2p: RealmLibp2p, schedule: WakeSchedule | undefined, nat: NatOptions | undefined, forwarding: ForwardingOptions) {
    super()
    this.init = init
    this.realm = init.realm
    this.libp2p = libp2p
    this.peerId = peerIdFromPrivateKey(init.privateKey)
    this.ownKey = fingerprint(this.peerId)
    this.now = init.now ?? Date.now
    this.nodeToken = init.nodeToken
    this.joinedWaiters.promise.catch(() => {})
    const running = (): boolean => this.running
    const shutdown = (): AbortSignal => this.shutdown.signal
    this.guard = new Guard(init.realm.id, init.guard, this.now)
    this.guard.addEventListener('peer:banned', (evt) => {
      this.safeDispatchEvent('peer:banned', { detail: evt.detail })
      void this.dropPeer(peerIdFromString(evt.detail.peer), 'banned', WireErrorCode.PEER_BANNED, evt.detail.reason)
    })
    // nodes on the process's clock with the default size share one cache: a testnet or bench of
    // hundreds of nodes in a process verified every member's token once per node (an Ed25519
    // verify each: 6% of a 1,000-node testnet's CPU while it grew). What is cached is the
    // signature check of a token, keyed by realm; expiry and revocation are checked at each use.
    this.tokenCache = init.now == null && init.tokenCacheSize == null ? processTokenCache() : new TokenCache({ maxEntries: init.tokenCacheSize ?? 10_000, now: this.now })
    this.revocations = new Revocations({ realm: init.realm, now: this.now, store: init.revocationStore })
    this.epochs = new Epochs({ realm: init.realm, now: this.now, store: init.epochStore })
    const isRevoked = (jti: string, sub: string): boolean => this.revocations.isRevoked(jti, sub)
    const skew = init.tokenSkewSeconds ?? 30
    const handshake = new Handshake({
      peerId: this.peerId,
      privateKey: init.privateKey,
      realm: init.realm,
      nodeToken: () => this.nodeToken,
      tokenCache: this.tokenCache,
      isRevoked,
      now: this.now,
      noticeSeqs: () => this.noticeSpread.seqs(),
      onNoticeSeqs: (remote, seqs) => { this.noticeSpread.announcedInHello(remote, seqs) }
    }, { tokenSkewSeconds: skew, ...init.handshake })
    const records = new RecordVerifier({ realm: init.realm, tokenCache: this.tokenCache, now: this.now, isRevoked, skewSeconds: skew })
    const join = new Join({
      records,
      realm: init.realm,
      tokenCache: this.tokenCache,
      isRevoked,
      now: this.now,
      tokenSkewSeconds: skew,
      identityToken: () => init.identityToken ?? this.nodeToken,
      ownRecord: async () => this.ownRecord.get(),
      deferToLeader: async (token, options) => deferToLeader(async (o) => this.openStream(leaderPeerId(this.realm), PROTOCOLS.leader, o), token, options)
    }, { ...init.join, authenticate: init.authenticate, authorize: init.authorize })
    this.membership = new Membership({ maxMembers: init.maxMembers, now: this.now, routingTable: () => this.routingTable })
    this.membership.addEventListener('peer:joined', (evt) => { this.safeDispatchEvent('peer:joined', { detail: evt.detail }) })
    this.membership.addEventListener('peer:left', (evt) => { this.safeDispatchEvent('peer:left', { detail: evt.detail }) })
    this.nat = new NatControl({
      libp2p,
      options: nat,
      isAdmitted: (connection) => this.gate.admission.isAdmitted(connection),
      forwarderOf: (connection) => this.forwarding.forwarderOf(connection),
      changed: (state) => { this.safeDispatchEvent('reachability:changed', { detail: state }) }
    })
    this.membership.addEventListener('peer:left', (evt) => { this.nat.forget(evt.detail) })
    this.membership.addEventListener('peer:left', (evt) => { this.tunnels.closePeer(evt.detail.peer) })
    this.gate = new ConnectionGate({
      libp2p,
      handshake,
      join,
      membership: this.membership,
      guard: this.guard,
      now: this.now,
      running,
      shutdown,
      skewMs: skew * 1000,
      admitted: (connection, accepted, initiator) => {
        // connection timelines are Date.now() times
        this.metrics?.admitted((Date.now() - connection.timeline.open) / 1000)
        this.onAdmitted(connection, initiator)
      },
      handshaken: (seconds) => { this.metrics?.handshakeDone(seconds) },
      answered: (connection, accepted, seqBefore) => { this.growth.answered(connection.remotePeer, accepted, seqBefore) },
      recordSeqOf: (peer) => this.growth.recordSeqOf(peer),
      refused: (detail) => { this.safeDispatchEvent('join:refused', { detail }) },
      disconnect: async (connection, code, text, signal) => {
        // a member dropped for being revoked gets the revocations behind it, which it can verify
        const revocations = code === TOKEN_REVOKED ? this.revocations.of(connection.remotePeer.toString()) : []
        await this.peers.send(async (o) => connection.newStream(PROTOCOLS.peers, o), { type: PeersRequest.Type.DISCONNECT, code, reason: text, revocations }, { signal })
      },
      forget: (peer) => { this.growth.forget(peer) },
      sleeps: (peer) => this.sleep.sleeps(peer),
      forward: forwarding.use ? async (peer, o) => this.forwarding.dial(peer, o) : undefined,
      forwarded: (connection) => this.forwarding.forwarderOf(connection) != null,
      unmovable: (protocol) => protocol === this.forwarding.protocol || protocol === this.forwarding.stopProtocol
    }, { ...init.connections, disconnectGraceMs: init.disconnectGraceMs })
    // what the peers protocol and the keepalive stream both do with a member's records and frames
    const fromMember = {
      onRecords: async (records: PeerRecord[], from: Connection) => { await this.growth.onRecords(records, from.remotePeer) },
      piggyFor: (from: Connection) => this.growth.piggyFor(fingerprint(from.remotePeer), from.remotePeer.toString(), this.liveness.piggyCount),
      onMalformed: (from: Connection, err: Error) => { this.gate.offence(from.remotePeer, (err as { code?: string }).code ?? WireErrorCode.FRAME_MALFORMED) },
      noticeSeqs: () => this.noticeSpread.seqs()
    }
    this.peers = new Peers({
      ...fromMember,
      closestRecords: (key, count, _from, held) => this.growth.closestRecords(key, count, held),
      onLeave: (from, reason, code) => { void this.gate.end(from.remotePeer, reason, code, 'the member left', { notify: false }) },
      onNotices: (notices, from) => { this.noticeSpread.receive(notices, from.remotePeer) },
      noticesSince: (seqs) => this.noticeSpread.answer(seqs),
      onNoticeSeqs: (from, seqs) => { this.noticeSpread.seen(from.remotePeer, seqs) },
      onAvail: (from) => {
        const peer = from.remotePeer.toString()
        this.sleep.watch.woke(peer)
        this.relay.wake(peer)
        return this.messaging.holdsFor(peer) || this.relay.holdsFor(peer)
      },
      onSleep: (from) => { this.sleep.watch.announced(from.remotePeer.toString()) }
    })
    this.noticeSpread = new NoticeSpread({
      revocations: this.revocations,
      epochs: this.epochs,
      peers: this.peers,
      memberConnections: () => this.membership.list().flatMap(m => libp2p.getConnections(m.peerId).find(c => this.gate.admission.isAdmitted(c)) ?? []),
      openStream: async (peer, protocol, options) => this.openStream(peer, protocol, options),
      offence: (peer, code) => { this.gate.offence(peer, code) },
      shutdown
    })
    this.revocations.addEventListener('learnt', (evt) => { this.onRevocations(evt.detail.revocations, evt.detail.from) })
    this.epochs.addEventListener('learnt', (evt) => {
      if (this.running) this.noticeSpread.flood({ epochs: evt.detail.epochs }, evt.detail.from)
      // a new current epoch moves our interests (the one before it, caught up late, does not)
      if (evt.detail.epochs.some(e => e.epoch === this.epochs.epoch)) this.epochChanged()
    })
    this.ownRecord = new OwnRecord({
      self: this.peerId,
      privateKey: init.privateKey,
      libp2p,
      membership: this.membership,
      nodeToken: () => this.nodeToken,
      wake: schedule == null ? undefined : toWire(schedule),
      now: this.now,
      shutdown,
      admittedConnection: (peer) => libp2p.getConnections(peer).find(c => this.gate.admission.isAdmitted(c)),
      updateOn: async (connection, record, signal) => {
        await this.peers.send(async (o) => connection.newStream(PROTOCOLS.peers, o), { type: PeersRequest.Type.UPDATE, records: [record] }, { signal })
      },
      updateTo: async (peer, record, signal) => { await this.growth.sendUpdate(peer, record, signal) },
      changed: (detail) => { this.safeDispatchEvent('addresses:changed', { detail }) }
    })
    this.growth = new Growth({
      self: this.peerId,
      libp2p,
      membership: this.membership,
      guard: this.guard,
      records,
      peers: this.peers,
      now: this.now,
      running,
      shutdown,
      connect: async (peer, options) => this.gate.connect(peer, options),
      openStream: async (peer, protocol, options) => this.openStream(peer, protocol, options),
      admissionMs: handshake.timeoutMs + join.timeoutMs,
      joinSlots: processJoinSlots(),
      ownRecord: () => this.ownRecord.peek() ?? this.ownRecord.get(),
      drop: async (peer, reason, code, text) => this.dropPeer(peer, reason, code, text),
      offence: (peer, code) => { this.gate.offence(peer, code) },
      updated: (peer) => { this.forwarding.tryDirect(peer) },
      renewed: (peer, expiresAt) => {
        this.upkeep.planExpiry()
        // the renewed token may carry other attributes than the one its tunnels were opened with
        this.tunnels.recheck(peer)
        this.safeDispatchEvent('peer:renewed', { detail: { peer, expiresAt } })
      }
    }, { k: init.dht?.kBucketSize, bucketSize: init.bucketSize, updateFanout: init.updateFanout, maxPendingJoins: init.maxPendingJoins, backoff: init.backoff })
    this.keepalives = new KeepaliveChannels({
      open: async (peer, protocol, o) => this.openStream(peer, protocol, o),
      fallback: async (peer, records, options) => this.peers.send(async (o) => this.openStream(peer, PROTOCOLS.peers, o), { type: PeersRequest.Type.KEEPALIVE, records }, options),
      isMember: (connection) => this.gate.isCurrent(connection),
      allow: (connection) => this.guard.allowStream(connection.remotePeer.toString(), PROTOCOLS.keepalive),
      touch: (connection) => { this.membership.touch(connection.remotePeer) },
      onNoticeSeqs: (peer, seqs) => { this.noticeSpread.seen(peer, seqs) },
      ...fromMember
    }, { maxChannels: init.maxMembers })
    this.membership.addEventListener('peer:left', (evt) => { this.keepalives.close(evt.detail.peer) })
    this.renewal = new TokenRenewal({
      token: () => this.nodeToken,
      request: async (options) => requestNodeToken(async (o) => this.openStream(leaderPeerId(this.realm), PROTOCOLS.leader, o), this.peerId, leaderPeerId(this.realm), { ...options, ttlSeconds: init.tokenRequest?.ttlSeconds }),
      onRenewed: async (token) => {
        this.setNodeToken(token)
        this.safeDispatchEvent('token', { detail: token })
        await this.ownRecord.announceToAll()
      },
      onFailed: (err, delayMs) => {
        this.safeDispatchEvent('token:renewal-failed', { detail: { code: (err as { code?: string }).code ?? WireErrorCode.INTERNAL, error: err.message, retryInMs: delayMs } })
      },
      onExpired: (token, exp) => {
        const lifetime = tokenLifetime(token)
        const why = lifetime?.renewUntil == null ? 'it was issued without renewal' : lifetime.renewUntil <= exp ? 'its grant ended' : 'it was not renewed in time'
        this.safeDispatchEvent('token:expired', { detail: { code: 'TOKEN_EXPIRED', reason: `the node token expired at ${new Date(exp * 1000).toISOString()}: ${why}; members drop this node` } })
      },
      now: this.now
    // a leader that is down for hours gets a try every few minutes, not every 30 s
    }, { backoff: { ...init.backoff, maxMs: Math.max(init.backoff?.maxMs ?? 0, 300_000) } })
    this.liveness = new Liveness({
      membership: this.membership,
      now: this.now,
      send: async (member, records, options) => this.keepalives.send(member.peerId, records, options),
      piggyFor: (member, count) => this.growth.piggyFor(member.fingerprint, member.id, count),
      onPiggy: async (records, member) => { await this.growth.onRecords(records, member.peerId) },
      onAlive: (member) => { this.safeDispatchEvent('peer:alive', { detail: { peer: member.id, latencyMs: member.latencyMs ?? 0 } }) },
      onTimeout: (member) => { void this.dropPeer(member.peerId, 'timeout', WireErrorCode.STREAM_TIMEOUT, `missed ${this.liveness.maxMissed} keepalives`) },
      asleep: (member) => this.sleep.watch.isAsleep(member.id),
      // a member reached through a relay or a forwarder keeps the near pace: a circuit idle for
      // 120 s is closed
      far: (member) => !this.membership.near(this.ownKey, this.init.dht?.kBucketSize ?? 20).has(member.id) && this.growth.nothingFor(member.id) && this.direct(member.peerId)
    }, init.keepalive)
    this.neighbourhood = new Neighbourhood({
      closest: (count) => this.membership.closest(fingerprint(this.peerId), count),
      nlist: async (member, options) => this.growth.nlist(async (o) => this.openStream(member.peerId, PROTOCOLS.peers, o), options, member.peerId),
      onRecords: async (records, member) => { await this.growth.onRecords(records, member.peerId) },
      reconsider: () => { this.growth.reconsider() },
      memberCount: () => this.membership.size,
      now: this.now
    }, init.neighbourhood)
    // a member gone leaves a place to fill: the next neighbourhood round comes soon
    this.membership.addEventListener('peer:left', () => { this.neighbourhood.nudge() })
    const pubsub = libp2p.services.pubsub
    this.broadcaster = pubsub == null ? undefined : new Broadcaster({
      pubsub,
      realm: init.realm,
      tokenCache: this.tokenCache,
      nodeToken: () => this.nodeToken,
      now: this.now,
      isRevoked,
      skewSeconds: skew,
      onMessage: (message) => { this.safeDispatchEvent('broadcast', { detail: message }) },
      onInvalid: (source) => { this.guard.offence(source.toString(), 'BROADCAST_INVALID') }
    })
    const layer = assembleSubjectLayer({
      self: this.peerId,
      realm: init.realm,
      identityKey: init.identityKey ?? init.privateKey,
      identityToken: () => init.identityToken ?? this.nodeToken,
      ownClaims: () => this.ownNodeClaims(),
      ownRecord: async () => this.ownRecord.get(),
      epochs: this.epochs,
      tokenCache: this.tokenCache,
      records,
      isRevoked,
      skewSeconds: skew,
      libp2p,
      membership: this.membership,
      guard: this.guard,
      routingTableSize: () => this.routingTable?.size ?? 0,
      openStream: async (peer, protocol, o) => this.openStream(peer, protocol, o),
      running,
      emit: (type, detail) => { this.safeDispatchEvent(type, { detail }) },
      now: this.now,
      // a sleepy node's interests outlive a missed wake: coordinators and senders keep it while it sleeps
      subjects: schedule == null ? init.subjects : { ...init.subjects, minInterestTtlSeconds: Math.max(init.subjects?.minInterestTtlSeconds ?? 0, Math.ceil((2 * schedule.periodMs + schedule.awakeMs) / 1000)) },
      messaging: init.messaging,
      hold: (receiver) => this.sleep.hold(receiver),
      outbox: init.store == null ? undefined : new Outbox(new PrefixedDatastore(init.store, '/outbox'), init.messaging?.outbox),
      relayStore: new RelayStore(init.store == null ? new MemoryDatastore() : new PrefixedDatastore(init.store, '/relay'), init.relay),
      asleep: (peer) => this.sleep.watch.wakesIn(peer) != null
    })
    this.subjectLayer = layer.subjects
    this.messaging = layer.messaging
    this.relay = layer.relay
    this.dropNode = layer.dropNode
    this.epochChanged = layer.epochChanged
    this.durable = new DurableSubscriptions({
      store: init.store ?? new MemoryDatastore(),
      subscribe: async (subject, handler, options) => this.subscribe(subject, handler, options),
      whenJoined: async (options) => this.whenJoined(options),
      failed: (detail) => { this.safeDispatchEvent('durable:failed', { detail }) },
      registered: (detail) => { this.safeDispatchEvent('durable:registered', { detail }) },
      dropped: (detail) => { this.safeDispatchEvent('durable:dropped', { detail }) },
      now: this.now
    }, init.durable)
    const shunned = (peer: string): boolean => this.guard.isBanned(peer) || this.revocations.of(peer).some(r => r.jti === '')
    this.forwarding = new Forwarding({
      realmId: init.realm.id,
      self: this.peerId,
      options: forwarding,
      upgrader: () => libp2p.services.forward,
      connections: (peer) => libp2p.getConnections(peer),
      allConnections: () => libp2p.getConnections(),
      isAdmitted: (connection) => this.gate.isCurrent(connection),
      isMember: (peer) => this.membership.has(peer),
      shunned,
      connectDirect: async (peer, o) => this.directConnection(peer, o),
      connectFresh: async (peer, o) => this.gate.connect(peer, { ...o, direct: true, fresh: true }),
      shutdown,
      offence: (peer, code) => { this.gate.offence(peer, code) },
      running
    })
    this.lanJoins = libp2p.services.lan == null ? undefined : new LanJoins({
      self: this.peerId,
      leader: init.realm.leader.peerId,
      membership: this.membership,
      peerStore: libp2p.peerStore,
      mayDial: () => this.running && this.stopping == null && this.nodeToken != null && this.sleep.sleeper?.quiet !== true,
      shunned,
      wants: (peer) => this.growth.wants(peer),
      connect: async (addrs, options) => this.gate.connect(addrs, options),
      admissionMs: handshake.timeoutMs + join.timeoutMs,
      shutdown,
      now: this.now
    }, init.mdns)
    this.tunnels = new Tunnels({
      openStream: async (peer, protocol, o) => this.openStream(typeof peer === 'string' ? peerIdFromString(peer) : peer, protocol, o),
      party: (peer) => { const member = this.membership.get(peer); return member == null ? undefined : partyOf(member) },
      resolve: (target) => resolveTarget(this.membership, target),
      members: () => membersBySeen(this.membership),
      refused: (peer, code) => { this.gate.offence(peerIdFromString(peer), code) },
      now: this.now
    }, init.tunnels)
    this.summaries = new Summaries({
      realmId: init.realm.id,
      privateKey: init.privateKey,
      self: this.peerId,
      figures: () => this.summaryFigures(),
      members: () => this.membership.list().map(m => m.id),
      open: async (peer, protocol, o) => this.openStream(peer, protocol, o),
      overLimit: (peer) => { this.guard.offence(peer, 'RATE_LIMITED') },
      now: this.now
    })
    this.bootstrap = new Bootstrap(this, {
      realm: init.realm,
      self: this.peerId,
      addresses: init.bootstrap ?? init.realm.bootstrap,
      knownPeers: init.knownPeers,
      tokenRequest: init.tokenRequest,
      backoff: init.backoff,
      lan: this.lanJoins
    })
    const incidentalIdleMs = init.incidentalIdleMs ?? INCIDENTAL_IDLE_MS
    this.upkeep = new Upkeep({
      sweepMs: Math.min(SWEEP_INTERVAL_MS, Math.max(MIN_SWEEP_MS, incidentalIdleMs / 2)),
      self: this.peerId,
      libp2p,
      membership: this.membership,
      bootstrap: this.bootstrap,
      routingTable: () => this.routingTable,
      now: this.now,
      running,
      joined: () => this.isJoined,
      shutdown,
      skewMs: skew * 1000,
      expire: (peer) => { void this.gate.end(peer, 'token-expired', 'TOKEN_EXPIRED', 'the node token expired') },
      prune: () => { this.growth.prune() },
      trim: () => {
        for (const member of this.growth.idleIncidental(incidentalIdleMs)) {
          // a stream still open (a message stream, a tunnel) is use, however old
          if (this.libp2p.getConnections(member.peerId).some(c => c.streams.some(s => s.protocol !== PROTOCOLS.keepalive))) continue
          void this.dropPeer(member.peerId, 'evicted', WireErrorCode.INTERNAL, 'not needed: dialled for a lookup or a message, idle, and its bucket is full')
        }
      },
      rejoining: (addresses) => { this.safeDispatchEvent('rejoin', { detail: { addresses } }) }
    })
    this.redial = new Redial({
      self: this.peerId,
      leader: init.realm.leader.peerId,
      anchors: init.bootstrap ?? init.realm.bootstrap,
      knownPeers: init.knownPeers ?? [],
      libp2p,
      membership: this.membership,
      connected: (peer) => libp2p.getConnections(peerIdFromString(peer)).some(c => this.gate.admission.isAdmitted(c)),
      connect: async (addresses, options) => this.gate.connect(addresses, options),
      shunned,
      joined: () => this.isJoined,
      retrying: (detail) => { this.safeDispatchEvent('bootstrap:retry', { detail }) },
      now: this.now,
      backoff: init.backoff
    }, init.redial)
    this.addEventListener('joined', () => {
      this.redial.arm()
      this.messaging.restore()
    })
    this.sleep = assembleSleep({
      schedule,
      sleep: init.sleep,
      sleepyMembers: init.sleepyMembers,
      membership: this.membership,
      libp2p,
      peers: this.peers,
      messaging: () => this.messaging,
      now: this.now,
      joined: () => this.isJoined,
      isAdmitted: (connection) => this.gate.admission.isAdmitted(connection),
      openStream: async (peer, protocol, o) => this.openStream(peer, protocol, o),
      end: (peer, code, text) => { void this.gate.end(peer, 'timeout', code, text) },
      beforeSleep: async () => { await this.relayHeld() },
      pause: () => { this.pauseWhileAsleep() },
      resume: () => { this.resumeAtWake() },
      emit: (type, detail) => { this.safeDispatchEvent(type, { detail }) }
    })
    this.metrics = libp2p.metrics == null
      ? undefined
      : new RealmMetrics(libp2p.metrics, {
        node: this,
        selfKey: fingerprint(this.peerId),
        subjects: () => this.subjectLayer.status(),
        coordinated: () => this.subjectLayer.coordinator.store.size,
        durable: () => this.durable.list(),
        messageStats: () => this.messaging.statsNow(),
        relay: () => this.relay.size,
        tokenCache: this.tokenCache.stats,
        bannedPeers: () => this.guard.bans.list().length,
        reach: { nat: () => this.nat.status(), tunnels: this.tunnels, lan: this.lanJoins == null ? undefined : () => this.lanJoins?.status() },
        forwarding: this.forwarding
      })
    const sleeper = this.sleep.sleeper
    if (sleeper != null) {
      // messages arriving keep a node that is past its window awake until they stop
      for (const event of ['message', 'message:stream'] as const) this.addEventListener(event, () => { sleeper.noteActivity() })
    }
  }

  /** which connections have passed handshake and join */
  get admission (): Admission {
    return this.gate.admission
  }

  /** what the membership gate needs from the node */
  get gateHooks (): GateHooks {
    return {
      admission: this.gate.admission,
      isCurrent: (connection) => this.gate.isCurrent(connection),
      openStream: async (peer, protocols, options) => this.openStream(peer, protocols, options),
      guard: this.guard,
      onMemberStream: (connection, protocol) => {
        this.membership.touch(connection.remotePeer)
        if (protocol !== PROTOCOLS.keepalive) this.membership.used(connection.remotePeer)
      },
      livenessPing: async (peer, options) => this.livenessPing(peer, options),
      wasAdmitted: (peer) => this.gate.wasAdmitted(peer)
    }
  }

  isStarted (): boolean {
    return this.running
  }

  get joined (): boolean {
    return this.isJoined
  }

  hasToken (): boolean {
    return this.nodeToken != null
  }

  async start (): Promise<void> {
    if (this.running) return
    this.running = true
    this.shutdown = new AbortController()
    this.growth.reset()
    this.stopping = undefined
    await this.guard.start()
    await this.revocations.load()
    await this.epochs.load()
    // what the last run left in the outbox goes out once the node joined
    await this.messaging.start()
    await this.relay.start()
    await this.handle(PROTOCOLS.handshake, this.gate.onHandshakeStream, { members: false, maxInboundStreams: 2, maxOutboundStreams: 2 })
    await this.handle(PROTOCOLS.join, this.gate.onJoinStream, { members: false, maxInboundStreams: 2, maxOutboundStreams: 2 })
    await this.handle(PROTOCOLS.peers, this.peers.handle, { maxInboundStreams: 16 })
    // one keepalive stream per member and direction; a second allows for one replacing a failed one
    await this.handle(PROTOCOLS.keepalive, this.keepalives.handle, { maxInboundStreams: 2, maxOutboundStreams: 2 })
    await this.handle(PROTOCOLS.subject, this.subjectLayer.handle, { maxInboundStreams: 64 })
    // one long-lived stream per sender node and subject
    await this.handle(PROTOCOLS.message, this.messaging.inbox.handle, { maxInboundStreams: 256, maxOutboundStreams: 256 })
    await this.handle(PROTOCOLS.direct, this.messaging.direct.handle, { maxInboundStreams: 32 })
    await this.handle(PROTOCOLS.relay, this.relay.handle, { maxInboundStreams: 16 })
    // a tunnel per stream: the tunnels' own limits (per peer, in all) are the real bound
    await this.handle(PROTOCOLS.tunnel, this.tunnels.handle, { maxInboundStreams: 1024, maxOutboundStreams: 1024 })
    await this.handle(this.summaries.protocol, this.summaries.handle, { maxInboundStreams: 8 })
    // the forwarder's and the target's own limits (forwarding options) are the real bounds
    await this.handle(this.forwarding.protocol, this.forwarding.handleForward, { maxInboundStreams: 256, maxOutboundStreams: 256 })
    await this.handle(this.forwarding.stopProtocol, this.forwarding.handleStop, { maxInboundStreams: 256, maxOutboundStreams: 256 })
    this.startedAt = this.now()
    this.tunnels.start()
    this.forwarding.start()
    this.gate.start()
    this.libp2p.addEventListener('self:peer:update', this.ownRecord.onSelfUpdate)
    if (this.lanJoins != null) this.libp2p.services.lan?.addEventListener('peer', this.lanJoins.onPeer)
    await this.libp2p.start()
    this.ownRecord.start(this.init.addressCheckMs)
    this.nat.start()
    this.routingTable = kadRoutingTable(this.libp2p.services.dht)
    this.routingTable.onChange((size) => { this.safeDispatchEvent('routing:changed', { detail: size }) })
    // membership is the only writer: kad-dht may finish adding a peer (its ping queued earlier)
    // after membership dropped it; such an add is undone at once
    this.routingTable.onAdd((peer) => {
      if (this.membership.has(peer)) return
      // if the peer became a member while the removal ran, its own add was a no-op: add it again
      void this.routingTable?.remove(peer).then(() => { if (this.membership.has(peer)) this.routingTable?.add(peer) })
    })
    for (const address of this.realm.bootstrap) {
      const ma = multiaddr(address)
      const peer = peerIdOf(ma)
      if (peer != null && peer !== this.peerId.toString()) {
        await this.libp2p.peerStore.merge(peerIdFromString(peer), { multiaddrs: [withoutPeer(ma)] }).catch(() => {})
      }
    }
    this.upkeep.start()
    this.redial.start()
    this.liveness.start()
    // the leader renews its own token from its key (@realmesh/leader); every other node asks the leader
    if (this.init.renewToken !== false && this.peerId.toString() !== this.realm.leader.peerId) this.renewal.start()
    this.broadcaster?.start()
    this.subjectLayer.start()
    await this.durable.start()
    this.sleep.sleeper?.start()
    this.bootstrapping = false
    if (this.init.joinOnStart !== false) this.beginJoin()
  }

  /**
   * Begins joining the realm, when `start()` did not (`joinOnStart: false`), and resolves once
   * joined (rejects like `whenJoined`). Joining runs in the background until the node stops:
   * aborting `signal` stops only the wait.
   */
  async joinRealm (options: AbortOptions = {}): Promise<void> {
    if (!this.running) throw new NodeStateError('the node is not started')
    this.beginJoin()
    await this.whenJoined(options)
  }

  private beginJoin (): void {
    if (this.bootstrapping) return
    this.bootstrapping = true
    this.bootstrap.run(this.shutdown.signal)
  }

  /**
   * Stops the node. Acked messages that went to receivers get up to messaging.drainMs (or until
   * `signal` aborts) to be settled first, while nothing new may be published; with a store, what
   * is left stays in the outbox and goes out again at the next start.
   */
  async stop (options: AbortOptions = {}): Promise<void> {
    if (!this.running) return
    this.stopping ??= this.drainAndStop(options)
    await this.stopping
  }

  /**
   * What this node's links hold for sleeping receivers goes to the subjects' coordinators (it is
   * about to sleep or stop, and the receivers' windows may never meet its own), within
   * RELAY_DEPOSIT_MS; what none of them took stays where it was.
   */
  private async relayHeld (): Promise<void> {
    if (this.sleep.sleeper?.quiet === true) return
    const signal = AbortSignal.timeout(RELAY_DEPOSIT_MS)
    await this.messaging.relayHeld((receiver) => this.sleep.hold(receiver) != null, async (keyHex, receiver, sealed) => {
      const stored = await this.relay.deposit(keyHex, receiver, sealed, { signal })
      if (stored > 0) this.safeDispatchEvent('relay:deposited', { detail: { key: keyHex, receiver: receiver.nodeId, messages: stored } })
      return stored
    }).catch(() => {})
  }

  private async drainAndStop (options: AbortOptions): Promise<void> {
    // what waits for sleeping receivers goes to the subjects' coordinators (rather than to the
    // outbox), first: the drain would wait for it in vain
    await this.relayHeld()
    await this.messaging.drain(options)
    this.running = false
    this.shutdown.abort(new NodeStateError('the node is stopping'))
    // awake again (the gater lets LEAVE through); the members it sleeps with are forgotten
    this.sleep.sleeper?.stop()
    this.sleep.watch.stop()
    this.upkeep.stop()
    this.redial.stop()
    this.liveness.stop()
    this.renewal.stop()
    this.keepalives.clear()
    this.neighbourhood.stop()
    this.broadcaster?.stop()
    await this.tunnels.stop()
    await this.forwarding.stop()
    await this.messaging.stop()
    // before the caller closes the store: every message a sender had acked is on disk
    await this.durable.stop()
    await this.relay.stop()
    await this.subjectLayer.stop()
    await this.leave('stopping')
    this.growth.clear()
    this.gate.stop()
    this.libp2p.removeEventListener('self:peer:update', this.ownRecord.onSelfUpdate)
    if (this.lanJoins != null) this.libp2p.services.lan?.removeEventListener('peer', this.lanJoins.onPeer)
    this.lanJoins?.clear()
    this.ownRecord.stop()
    this.nat.stop()
    await this.libp2p.stop()
    // what was learnt last is on disk before stop() resolves
    await Promise.all([this.revocations.idle(), this.epochs.idle()])
    if (!this.isJoined) this.joinedWaiters.reject(new NodeStateError('the node stopped before it joined'))
  }

  /** Resolves once the node is part of the realm; rejects when every bootstrap address refused it. */
  async whenJoined (options: AbortOptions = {}): Promise<void> {
    if (this.isJoined) return
    const { promise } = this.joinedWaiters
    if (options.signal == null) return promise
    options.signal.throwIfAborted()
    const signal = options.signal
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => { reject(signal.reason) }
      signal.addEventListener('abort', onAbort, { once: true })
      promise.then(resolve, reject).finally(() => { signal.removeEventListener('abort', onAbort) })
    })
  }

  status (): NodeStatus {
    return {
      peerId: this.peerId.toString(),
      realm: this.realm.id,
      realmName: this.realm.name,
      joined: this.isJoined,
      members: this.membership.list().map(m => m.id).sort(),
      routingTable: this.routingTable?.size ?? 0,
      listen: this.listenAddrs().map(a => a.toString()),
      ...(this.sleep.sleeper == null ? {} : { sleep: this.sleep.sleeper.status() }),
      connections: this.nat.connections(),
      nat: this.nat.status(),
      forwarding: this.forwarding.status()
    }
  }

  /**
   * Every address this node listens on, each ending in /p2p/<peer id>: its listeners' addresses,
   * whether or not AutoNAT confirmed them (libp2p's getMultiaddrs() leaves out a public address
   * it has not confirmed), its circuit addresses on member relays, and addresses AutoNAT confirmed.
   */
  listenAddrs (): Multiaddr[] {
    const self = this.peerId.toString()
    const out = new Map<string, Multiaddr>()
    for (const addr of listenedAddrs(this.libp2p.services.nat.addresses())) {
      const withPeer = peerIdOf(addr) === self ? addr : addr.encapsulate(`/p2p/${self}`)
      out.set(withPeer.toString(), withPeer)
    }
    return [...out.values()]
  }

  /** the peers in the kad-dht routing table closest to `key` (default: to this node), at most `count` */
  routingPeers (count = 1000, key: Uint8Array = fingerprint(this.peerId)): string[] {
    return this.routingTable?.closest(key, count).map(p => p.toString()) ?? []
  }

  members (): Member[] {
    return this.membership.list()
  }

  /** Addresses of members, for a restart to rejoin through (the CLI saves them). */
  knownPeers (limit = 32): string[] {
    return this.membership.closest(fingerprint(this.peerId), limit)
      .flatMap(m => m.addrs.slice(0, 2).map(a => a.encapsulate(`/p2p/${m.id}`).toString()))
  }

  /**
   * Runs the membership sweep now (it runs every 15 s, and at each member's expiry): members whose
   * token ran out are dropped. Returns how many were.
   */
  sweep (): number {
    return this.upkeep.sweep()
  }

  /**
   * Sends `data` to every member of the realm, best effort (gossipsub on the realm's topic, signed
   * by this node; receivers check that the originator is a member). At most 64 KiB. Only in a
   * realm whose realm.json sets `"policy": { "broadcast": true }`; elsewhere BroadcastDisabledError.
   */
  async broadcast (data: Uint8Array, options: AbortOptions = {}): Promise<{ recipients: number }> {
    if (this.broadcaster == null) throw new BroadcastDisabledError(this.init.realm.name)
    return this.broadcaster.broadcast(data, options)
  }

  /**
   * How many members this node forwards broadcasts to (its gossipsub mesh). A broadcast published
   * before any node has a mesh peer reaches only the publisher's direct topic peers; wait for
   * this to be > 0 (it changes on the libp2p.services.pubsub 'gossipsub:graft' event).
   */
  broadcastPeers (): number {
    return this.broadcaster?.meshPeers() ?? 0
  }

  /**
   * Receives the messages published on `subject` (delivered in order per sender, duplicates
   * dropped, acked per `options.ack`). Resolves once the interest is registered with at least one
   * of the subject's coordinators (SUBJECT_REGISTER_FAILED otherwise).
   */
  async subscribe (subject: string, handler: MessageHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    this.assertSubjects()
    return this.messaging.subscribe(subject, handler, options)
  }

  /**
   * Sends `data` to every receiver matched on `subject` (the first publish registers this node as
   * a sender; messages wait in the cache until a receiver is matched). With `ack` 'destination' or
   * 'app' it resolves with each receiver's result; a too-large message is refused with
   * MESSAGE_TOO_LARGE and nothing else changes.
   */
  async publish (subject: string, data: Uint8Array, options: PublishOptions = {}): Promise<PublishResult> {
    this.assertSubjects()
    this.sleep.sleeper?.hasData()
    const result = this.messaging.publish(subject, data, options)
    this.metrics?.publishing(options, result)
    return result
  }

  /**
   * publish() to one receiver: `receiver` is an identity or node peer id among the subject's matched
   * receivers (the first matched, when an identity uses several nodes). Until it is matched the
   * message waits as a cached one does (the TTL and cache bounds apply); nobody else gets it.
   * RECEIVER_INVALID when `receiver` is not a peer id, and nothing changes.
   */
  async sendTo (subject: string, receiver: PeerId | string, data: Uint8Array, options: PublishOptions = {}): Promise<PublishResult> {
    this.assertSubjects()
    this.sleep.sleeper?.hasData()
    const result = this.messaging.publish(subject, data, options, receiver.toString())
    this.metrics?.publishing(options, result)
    return result
  }

  /**
   * Whether a receiver is matched on `subject` now (with `receiver`: that identity or node), i.e.
   * whether a publish would go out rather than wait in the cache. Sends and registers nothing: a
   * node learns of receivers once it is a sender on the subject (a publish, or subscribe role 'both').
   */
  hasReceiver (subject: string, receiver?: PeerId | string): boolean {
    return this.messaging.hasReceiver(subject, receiver?.toString())
  }

  /** A direct request to a member; resolves with its application's answer (see onRequest). */
  async send (peer: PeerId | string, data: Uint8Array, options: AbortOptions = {}): Promise<Uint8Array> {
    if (!this.running) throw new NodeStateError('the node is not started')
    this.sleep.sleeper?.hasData()
    return this.messaging.direct.send(typeof peer === 'string' ? peerIdFromString(peer) : peer, data, options)
  }

  /** Answers direct requests from members (undefined: none, they get NO_HANDLER). */
  onRequest (handler: RequestHandler | undefined): void {
    this.messaging.direct.onRequest(handler)
  }

  /** The `count` members closest to the subject's key (a kad-dht lookup), closest first. @default count = subjects.replicas */
  async findCoordinators (subject: string, count?: number, options: FindCoordinatorsOptions = {}): Promise<string[]> {
    if (!this.running) throw new NodeStateError('the node is not started')
    return this.subjectLayer.findCoordinators(subject, count, options)
  }

  /** message counters since start (delivered, duplicates, rejected, streams, resent), and the outbox's */
  messageStats (): MessageStats {
    return this.messaging.statsNow()
  }

  /** what mDNS found on the LAN and what came of it (RealmNodeInit.mdns); undefined without mDNS */
  lanStats (): LanJoinStats | undefined {
    return this.lanJoins?.status()
  }

  /** as a subject's coordinator, what this node's relay store holds for sleeping receivers */
  relayStats (): { messages: number, bytes: number } {
    return this.relay.size
  }

  /**
   * Signed status summaries of up to `max` members (and this node's own, first), asked in parallel
   * and cached for 10 s; `missing` lists the members that did not answer with a valid one.
   */
  async realmSummaries (options: RealmSummariesOptions = {}): Promise<RealmSummariesResult> {
    if (!this.running) throw new NodeStateError('the node is not started')
    return this.summaries.collect(options)
  }

  private summaryFigures (): SummaryFigures {
    const stats = this.messaging.statsNow()
    return {
      uptimeMs: BigInt(this.now() - this.startedAt),
      members: this.membership.list().length,
      routingTable: this.routingTable?.size ?? 0,
      subjects: this.subjectLayer.interests.list().length,
      coordinating: this.subjectLayer.coordinator.store.size,
      delivered: BigInt(stats.delivered),
      duplicates: BigInt(stats.duplicates),
      rejected: BigInt(stats.rejected),
      reachability: this.nat.status().reachability
    }
  }

  /** this node's subjects: role, coordinators, matched counterparts */
  subjects (): SubjectStatus[] {
    return this.subjectLayer.status()
  }

  private assertSubjects (): void {
    if (!this.running) throw new NodeStateError('the node is not started')
    if (this.stopping != null) throw new NodeStateError('the node is stopping')
    if (this.init.identityToken != null && this.init.identityKey == null) {
      throw new NodeStateError('this node uses an identity token: give its identityKey to sign interest tokens with')
    }
  }

  /** Replaces the node token (a renewed one, or the first one from the leader). */
  setNodeToken (token: string): void {
    this.nodeToken = token
    this.ownRecord.invalidate()
    this.renewal.schedule()
  }

  /** sends our current record in an UPDATE to up to 64 members we have admitted connections with */
  async announceSelf (options: AbortOptions = {}): Promise<void> {
    await this.ownRecord.announceSelf(options)
  }

  /**
   * Registers a protocol handler. By default only admitted members may open it; with
   * `members: false` anyone may (handshake-free protocols such as the leader's token request).
   */
  async handle (protocol: string, handler: StreamHandler, options: HandleOptions = {}): Promise<void> {
    const { members, ...rest } = options
    const hooks = (): GateHooks => this.gateHooks
    if (members !== false) {
      await this.libp2p.handle(protocol, gateHandler(protocol, handler, hooks), rest)
      return
    }
    // a protocol open to non-members in use keeps its unadmitted connection from being reaped
    const open: StreamHandler = protocol === PROTOCOLS.handshake || protocol === PROTOCOLS.join
      ? handler
      : async (stream, connection) => {
        this.gate.extend(connection)
        await handler(stream, connection)
      }
    await this.libp2p.handle(protocol, rateLimitedHandler(protocol, open, hooks), rest)
  }

  async unhandle (protocol: string): Promise<void> {
    await this.libp2p.unhandle(protocol)
  }

  /**
   * Opens a stream to a member: on an admitted connection if there is one, otherwise on a new
   * connection that passes handshake and join first.
   */
  async openStream (peer: PeerId | Multiaddr | Multiaddr[], protocol: string | string[], options: AbortOptions = {}): Promise<Stream> {
    const protocols = Array.isArray(protocol) ? protocol : [protocol]
    const id = isPeerId(peer) ? peer.toString() : undefined
    const wasMember = id != null && this.membership.has(id)
    const connection = await this.connect(peer, options)
    const member = this.membership.get(connection.remotePeer)
    if (member != null) {
      // a peer dialled for this stream (a lookup's query, a message), not chosen by growth
      if (id != null && !wasMember && connection.direction === 'outbound') member.incidental = true
      if (protocols[0] !== PROTOCOLS.keepalive) member.usedAt = this.now()
    }
    return connection.newStream(protocols, options)
  }

  /**
   * An admitted connection to `peer` that is not itself forwarded (a forwarder forwards over its
   * own connections only: no chains): one held, or a direct (or relayed) dial.
   */
  private async directConnection (peer: PeerId, options: AbortOptions): Promise<Connection> {
    const own = (c: Connection): boolean => this.gate.admission.isAdmitted(c) && this.forwarding.forwarderOf(c) == null
    const held = this.libp2p.getConnections(peer).find(own)
    if (held != null) return held
    const connection = await this.gate.connect(peer, { ...options, direct: true })
    if (own(connection)) return connection
    throw new ForwardError(ForwardErrorCode.FORWARD_UNREACHABLE, `only a forwarded connection reaches ${peer.toString()}`)
  }

  /** Dials `peer` (or reuses an admitted connection) and makes sure the connection is admitted (see ConnectionGate.connect). */
  async connect (peer: PeerId | Multiaddr | Multiaddr[], options: AbortOptions = {}): Promise<Connection> {
    return this.gate.connect(peer, options)
  }

  /** Bans `peer` for `durationMs` (default the guard's), and drops it everywhere at once. */
  async ban (peer: PeerId | string, reason: string, durationMs?: number): Promise<void> {
    await this.guard.ban(peer.toString(), reason, durationMs)
  }

  /**
   * Drops a peer deliberately: out of membership, the routing table and known records at once,
   * DISCONNECT(code, reason) on an admitted connection (best effort), every connection closed.
   */
  async dropPeer (peer: PeerId, reason: LeaveReason, code: string, text: string): Promise<void> {
    await this.gate.end(peer, reason, code, text)
  }

  /** Called by Bootstrap when the realm has nobody to join yet (this is its first member). */
  markFirstMember (): void {
    this.setJoined()
  }

  /** Called by Bootstrap when every address refused us. */
  failJoin (err: Error, detail: RefusalDetail): void {
    this.safeDispatchEvent('bootstrap:failed', { detail })
    this.joinedWaiters.reject(err)
  }

  /**
   * Revocations new to this node (from the leader's service, a member, or the store): passed on
   * to the other members, and enforced: every peer they name is dropped everywhere (its
   * connections closed, its interests gone from the subjects this node coordinates); a revocation
   * of this node itself is reported (`token:revoked`).
   */
  private onRevocations (revocations: Revocation[], from?: string): void {
    if (this.running) this.noticeSpread.flood({ revocations }, from)
    const own = this.ownNodeClaims()
    for (const revocation of revocations) {
      if (own != null && revokes(revocation, own.jti, own.sub)) {
        this.safeDispatchEvent('token:revoked', { detail: { code: TOKEN_REVOKED, reason: revocation.reason, seq: Number(revocation.seq) } })
      }
      // the members whose node token, or the identity token they joined with, it names (a member that
      // renewed past a revoked token, or whose identity holds another token, is left be), and the
      // peer it names even when that is no member (its connections and records go too)
      const named = new Set<string>()
      for (const member of this.membership.list()) {
        const { identity } = member
        if (revokes(revocation, member.node.claims.jti, member.id) || (identity.kind === 'identity' && revokes(revocation, identity.claims.jti, identity.claims.sub))) named.add(member.id)
      }
      if (revocation.peer !== '' && revocation.jti === '' && !this.membership.has(revocation.peer)) named.add(revocation.peer)
      // as a coordinator: the interests of the identity (or node) it names
      if (revocation.peer !== '') this.dropNode(revocation.peer)
      for (const peer of named) {
        this.dropNode(peer)
        if (this.running) void this.gate.end(peerIdFromString(peer), 'revoked', TOKEN_REVOKED, revocation.reason === '' ? 'revoked by the realm leader' : `revoked by the realm leader: ${revocation.reason}`)
      }
    }
  }

  /** the claims of this node's own token, read without verifying (it is ours) */
  private ownNodeClaims (): NodeTokenClaims | undefined {
    const token = this.nodeToken
    if (token == null) return undefined
    if (this.ownClaimsOf?.token === token) return this.ownClaimsOf.claims
    try {
      const claims = decodeTokenUnverified(token).claims as unknown as NodeTokenClaims
      this.ownClaimsOf = { token, claims }
      return claims
    } catch {
      return undefined
    }
  }

  /** a connection was admitted (membership holds the peer now) */
  private onAdmitted (connection: Connection, initiator: boolean): void {
    const peer = connection.remotePeer
    this.sleep.watch.woke(peer.toString())
    this.noticeSpread.admitted(peer)
    if (initiator) this.growth.admittedAsInitiator(connection)
    else this.growth.forget(peer.toString())
    this.setJoined()
    // admitted again (another connection), a member may have presented another identity token
    this.tunnels.recheck(peer.toString())
    const member = this.membership.get(peer)
    // a signed record names every address the member listens on: those replace what the peer
    // store held (an address it left would be dialled first, and time out, before the new one)
    const remembered = (member?.record != null
      ? this.libp2p.peerStore.patch(peer, { multiaddrs: member.addrs })
      : this.libp2p.peerStore.merge(peer, { multiaddrs: member?.addrs ?? [] })).catch(() => {})
    // Identify only where a service needs it: gossipsub learns who speaks its protocol from
    // identify, and so do the NAT traversal services (the relay transport finds member relays by
    // their hop protocol, DCUtR and AutoNAT their peers), which also take the address the member
    // observed. kad-dht does not (membership puts members in its table), and the member's
    // addresses came in its signed record. Identify on every admitted connection (both ends, a
    // signed libp2p peer record sealed and verified, the whole peer rewritten in the peer store)
    // took a realm of 100 from 63-65 s to 108 s to settle, so it is not run without them.
    if (this.libp2p.services.pubsub != null || this.nat.enabled) {
      void remembered.then(async () => this.libp2p.services.identify.identify(connection, { signal: AbortSignal.timeout(10_000) }))
        .then((result) => { this.nat.identified(connection, result) })
        .catch(() => {})
    }
  }

  /** asleep on the wake schedule: nothing that dials or probes by itself runs (sleep/sleeper.ts) */
  private pauseWhileAsleep (): void {
    this.liveness.stop()
    this.neighbourhood.stop()
    this.redial.stop()
  }

  /**
   * Awake again: keepalives, neighbourhood rounds and redials (the leader and the bootstrap peers)
   * start again, this node's interests are registered anew (their coordinators and counterparts
   * hear it is back, and a registration that failed while it slept is done now), and a token
   * renewal that fell due while it slept runs now.
   */
  private resumeAtWake (): void {
    if (!this.running) return
    this.liveness.start()
    if (this.isJoined) this.neighbourhood.start()
    this.redial.start()
    for (const interest of this.subjectLayer.interests.list()) {
      if (interest.token != null) this.subjectLayer.interests.refresh(interest).catch(() => {})
    }
    if ((this.renewal.dueAt() ?? Infinity) <= this.now()) this.renewal.schedule()
  }

  private setJoined (): void {
    if (this.isJoined) return
    this.isJoined = true
    if (this.running) this.neighbourhood.start()
    this.joinedWaiters.resolve()
    this.safeDispatchEvent('joined')
  }

  /** LEAVE to every member we have an admitted connection with (best effort, 2 s). */
  private async leave (reason: string): Promise<void> {
    const signal = AbortSignal.timeout(2_000)
    const connections = this.libp2p.getConnections().filter(c => this.gate.admission.isAdmitted(c))
    await Promise.allSettled(connections.map(async (c) => this.peers.send(async (o) => c.newStream(PROTOCOLS.peers, o), { type: PeersRequest.Type.LEAVE, reason }, { signal })))
  }

  /** whether every open connection to `peer` is direct (no relay or forwarder between) */
  private direct (peer: PeerId): boolean {
    const connections = this.libp2p.getConnections(peer)
    return connections.length > 0 && connections.every(c => c.limits == null && !c.remoteAddr.toString().includes('/p2p-circuit'))
  }

  /**
   * kad-dht's liveness probe: a member heard from within a far keepalive interval, with no missed
   * keepalive, is alive (its moving-average latency is the answer) without another round trip;
   * another member gets a real ping on its connection. A peer that is not a member fails at once:
   * kad-dht pings every peer it would add to its table (each peer named in a FIND_NODE answer among
   * them), and a real ping would dial and admit it, so every lookup made members of the peers its
   * answers named (1,111 dials for 100 lookups in a realm of 100). The table holds members only;
   * membership puts them there.
   */
  private async livenessPing (peer: PeerId, options?: AbortOptions): Promise<number> {
    const member = this.membership.get(peer)
    if (member == null) throw new NotMemberError(peer.toString(), 'kad-dht liveness ping')
    if (member.failures === 0 && this.now() - member.lastSeen < this.liveness.farIntervalMs) {
      return member.latencyMs ?? 0
    }
    return this.libp2p.services.ping.ping(peer, options)
  }
}

export function createRealmNode (init: RealmNodeInit): Promise<RealmNode> {
  return RealmNode.create(init)
}
