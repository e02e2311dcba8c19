/**
 * A realmesh node: a libp2p node whose every connection must pass handshake and join before any
 * realm protocol runs on it, with the set of verified members, the kad-dht on the realm's protocol
 * and the peers protocol that grows it.
 */
import { randomInt } from 'node:crypto'
import { TypedEventEmitter } from 'main-event'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdOf } from './util/multiaddr.js'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { TokenCache, fingerprint, leaderPeerId, xorDistance, compareDistance } from '@realmesh/token'
import { PROTOCOLS, PeersRequest, WireErrorCode } from '@realmesh/wire'
import { Admission } from './gate/admission.js'
import { gateHandler, rateLimitedHandler } from './gate/gated-components.js'
import { Guard, offenceOf } from './security/guard.js'
import { Handshake } from './handshake/handshake.js'
import { Join } from './join/join.js'
import { Membership } from './membership/membership.js'
import { kadRoutingTable } from './membership/kad-routing-table.js'
import { Liveness } from './membership/liveness.js'
import { Neighbourhood } from './membership/neighbourhood.js'
import { decideJoin, bucketOf, defaultBucketSize, unhealthiest } from './membership/join-decision.js'
import { Peers } from './peers/peers.js'
import { KeepaliveChannels } from './peers/keepalive.js'
import { signPeerRecord, RecordVerifier } from './peers/records.js'
import type { RecordInvalidError } from './peers/records.js'
import { withoutPeer } from './util/multiaddr.js'
import { deferToLeader, requestNodeToken } from './leader/leader-client.js'
import { TokenRenewal } from './leader/renewal.js'
import { Bootstrap } from './bootstrap.js'
import { BroadcastDisabledError, Broadcaster } from './broadcast/broadcast.js'
import type { BroadcastMessage } from './broadcast/broadcast.js'
import { assembleLibp2p } from './libp2p.js'
import { assembleSubjectLayer } from './subjects/assembly.js'
import type { Subjects, SubjectStatus } from './subjects/subjects.js'
import type { Messaging } from './messaging/messaging.js'
import type { SubjectMatchedDetail, SubjectRegisteredDetail } from './subjects/assembly.js'
import type { FindCoordinatorsOptions } from './subjects/find-coordinators.js'
import type { MessageHandler, MessageStats, PublishOptions, PublishResult, SubjectMessage, SubscribeOptions, Subscription } from './messaging/options.js'
import type { MessageStreamDetail } from './messaging/inbox.js'
import type { RequestHandler } from './messaging/direct.js'
import { BoundedMap } from './util/bounded-map.js'
import { backoffDelay } from './util/backoff.js'
import { NodeStateError } from './errors.js'
import type { RealmNodeInit } from './init.js'
import type { RealmLibp2p } from './libp2p.js'
import type { GateHooks } from './gate/gated-components.js'
import type { VerifiedNode } from './handshake/handshake.js'
import type { JoinAccepted, JoinOutcome } from './join/join.js'
import type { LeaveReason, Member, PeerJoinedDetail, PeerLeftDetail } from './membership/membership.js'
import type { VerifiedRecord } from './peers/records.js'
import type { RoutingTableView } from './membership/kad-routing-table.js'
import type { Connection, PeerId, Stream, StreamHandler, StreamHandlerOptions, AbortOptions, Startable } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { PeerRecord } from '@realmesh/wire'
import type { RealmDescriptor } from '@realmesh/token'

export interface RefusalDetail { peer: string, code: string, reason: string, byRemote: boolean }
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
  /** a bootstrap address or the leader could not be reached; the node retries after delayMs */
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
  /** the guard banned a peer (score at the threshold, or `ban()`); it is dropped everywhere */
  'peer:banned': CustomEvent<{ peer: string, reason: string, until: number }>
  /** the node got a node token from the leader, its first or a renewal (persist it) */
  token: CustomEvent<string>
  /** renewing the node token failed; it is tried again after retryInMs, or not (undefined) when the token expires first */
  'token:renewal-failed': CustomEvent<{ code: string, error: string, retryInMs?: number }>
  /** a token request waits for the operator's approval */
  'token:pending': CustomEvent<{ requestId: string }>
  /** a coordinator matched one of our subjects with a counterpart, which we verified and authorized */
  'subject:matched': CustomEvent<SubjectMatchedDetail>
  /** a subject message was delivered to this node's subscriptions */
  message: CustomEvent<SubjectMessage>
  /** a sender opened a message stream to one of this node's subscriptions (a first one, or again after its connection broke) */
  'message:stream': CustomEvent<MessageStreamDetail>
  /** as one of a subject's coordinators, this node stored a new or renewed interest */
  'subject:registered': CustomEvent<SubjectRegisteredDetail>
}

export interface NodeStatus {
  peerId: string
  realm: string
  realmName: string
  joined: boolean
  members: string[]
  routingTable: number
  listen: string[]
}

export interface HandleOptions extends StreamHandlerOptions {
  /** only admitted members may open the protocol. @default true */
  members?: boolean
}

export class RealmNode extends TypedEventEmitter<RealmNodeEvents> implements Startable {
  readonly peerId: PeerId
  readonly realm: RealmDescriptor
  readonly libp2p: RealmLibp2p
  readonly membership: Membership
  readonly admission: Admission
  readonly guard: Guard
  /** subjects: this node's interests, its coordinator replica role, matched counterparts */
  readonly subjectLayer: Subjects
  private readonly messaging: Messaging
  private readonly init: RealmNodeInit
  private readonly now: () => number
  private readonly tokenCache: TokenCache
  private readonly handshake: Handshake
  private readonly join: Join
  private readonly peers: Peers
  private readonly bootstrap: Bootstrap
  private readonly liveness: Liveness
  private readonly keepalives: KeepaliveChannels
  private readonly renewal: TokenRenewal
  /** only in a realm whose policy.broadcast is true */
  private readonly broadcaster: Broadcaster | undefined
  private readonly neighbourhood: Neighbourhood
  /** verified records of peers we know of but have not joined (yet) */
  private readonly knownRecords: BoundedMap<string, VerifiedRecord>
  private readonly records: RecordVerifier
  private readonly pendingJoins = new Set<string>()
  /**
   * records heard while `maxPendingJoins` joins were under way, oldest first: each join that ends
   * takes the next (without this they waited to be heard again, a keepalive's PIGGY 30 s later)
   */
  private readonly deferredJoins: BoundedMap<string, VerifiedRecord>
  /** peers admitted at least once lately (bounded): their stray streams are not offences */
  private readonly everAdmitted = new BoundedMap<string, true>({ maxSize: 10_000, ttlMs: 3_600_000 })
  /** failed joins with learnt peers: when the next attempt may be made */
  private readonly joinBackoff = new BoundedMap<string, { attempts: number, nextAt: number }>({ maxSize: 4096, ttlMs: 3_600_000 })
  private readonly reapers = new Map<string, ReturnType<typeof setTimeout>>()
  private readonly graceTimers = new Map<string, ReturnType<typeof setTimeout>>()
  private nodeToken: string | undefined
  private record: PeerRecord | undefined
  private routingTable: RoutingTableView | undefined
  /** XOR distance to the closest member asked for our neighbours while joining */
  private closestAsked: Uint8Array | undefined
  /** the bootstrap of this run has begun */
  private bootstrapping = false
  private rejoining = false
  /** members that went away other than by leaving (their addresses are where to rejoin through) */
  private readonly lastMembers = new BoundedMap<string, true>({ maxSize: 16 })
  private sweepTimer: ReturnType<typeof setInterval> | undefined
  private running = false
  private isJoined = false
  private joinedWaiters = Promise.withResolvers<void>()
  private shutdown = new AbortController()

  static async create (init: RealmNodeInit): Promise<RealmNode> {
    // the services are built before the node exists; they reach its gate through this reference
    const ref: { node?: RealmNode } = {}
    const libp2p = await assembleLibp2p({
      privateKey: init.privateKey,
      realmId: init.realm.id,
      listen: init.listen ?? ['/ip4/127.0.0.1/tcp/0'],
      connections: init.connections,
      dht: init.dht,
      broadcast: init.realm.policy.broadcast === true,
      isBanned: (peer) => ref.node?.guard.isBanned(peer) ?? false,
      hooks: () => {
        if (ref.node == null) throw new NodeStateError('the realm node is not constructed yet')
        return ref.node.gateHooks
      }
    })
    ref.node = new RealmNode(init, libp2p)
    return ref.node
  }

  private constructor (init: RealmNodeInit, libp2p: RealmLibp2p) {
    super()
    this.init = init
    this.realm = init.realm
    this.libp2p = libp2p
    this.peerId = peerIdFromPrivateKey(init.privateKey)
    this.now = init.now ?? Date.now
    this.nodeToken = init.nodeToken
    this.joinedWaiters.promise.catch(() => {})
    this.guard = new Guard(init.realm.id, init.guard, this.now)
    this.guard.addEventListener('peer:banned', (evt) => {
      this.safeDispatchEvent('peer:banned', { detail: evt.detail })
      void this.dropPeer(peerIdFromString(evt.detail.peer), 'banned', WireErrorCode.PEER_BANNED, evt.detail.reason)
    })
    this.tokenCache = new TokenCache({ maxEntries: init.tokenCacheSize ?? 10_000, now: this.now })
    const isRevoked = init.isRevoked ?? (() => false)
    const skew = init.tokenSkewSeconds ?? 30
    this.handshake = new Handshake({
      peerId: this.peerId,
      privateKey: init.privateKey,
      realm: init.realm,
      nodeToken: () => this.nodeToken,
      tokenCache: this.tokenCache,
      isRevoked,
      now: this.now
    }, { tokenSkewSeconds: skew, ...init.handshake })
    this.records = new RecordVerifier({ realm: init.realm, tokenCache: this.tokenCache, now: this.now, isRevoked, skewSeconds: skew })
    this.join = new Join({
      records: this.records,
      realm: init.realm,
      tokenCache: this.tokenCache,
      isRevoked,
      now: this.now,
      tokenSkewSeconds: skew,
      identityToken: () => init.identityToken ?? this.nodeToken,
      ownRecord: async () => this.ownRecord(),
      deferToLeader: async (token, options) => deferToLeader(async (o) => this.openStream(leaderPeerId(this.realm), PROTOCOLS.leader, o), token, options)
    }, { ...init.join, authenticate: init.authenticate, authorize: init.authorize })
    this.admission = new Admission({
      initiate: async (connection) => { await this.initiate(connection) },
      waitMs: this.handshake.timeoutMs + this.join.timeoutMs
    })
    this.membership = new Membership({ maxMembers: init.maxMembers, now: this.now, routingTable: () => this.routingTable })
    this.membership.addEventListener('peer:joined', (evt) => { this.safeDispatchEvent('peer:joined', { detail: evt.detail }) })
    this.membership.addEventListener('peer:left', (evt) => { this.safeDispatchEvent('peer:left', { detail: evt.detail }) })
    this.knownRecords = new BoundedMap({ maxSize: 1024, ttlMs: 3_600_000, now: this.now })
    this.deferredJoins = new BoundedMap({ maxSize: 256, ttlMs: 300_000, now: this.now })
    // what the peers protocol and the keepalive stream both do with a member's records and frames
    const fromMember = {
      onRecords: async (records: PeerRecord[], from: Connection) => { await this.onRecords(records, from.remotePeer) },
      piggyFor: (from: Connection) => this.piggyFor(fingerprint(from.remotePeer), from.remotePeer.toString(), this.liveness.piggyCount),
      onMalformed: (from: Connection, err: Error) => { this.offence(from, (err as { code?: string }).code ?? WireErrorCode.FRAME_MALFORMED) }
    }
    this.peers = new Peers({
      ...fromMember,
      closestRecords: (key, count) => this.closestRecords(key, count),
      onLeave: (from, reason, code) => { this.onRemoteLeave(from.remotePeer, reason, code) }
    })
    this.keepalives = new KeepaliveChannels({
      open: async (peer, protocol, o) => this.openStream(peer, protocol, o),
      fallback: async (peer, records, options) => this.peers.send(async (o) => this.openStream(peer, PROTOCOLS.peers, o), { type: PeersRequest.Type.KEEPALIVE, records }, options),
      isMember: (connection) => this.admission.isAdmitted(connection),
      allow: (connection) => this.guard.allowStream(connection.remotePeer.toString(), PROTOCOLS.keepalive),
      touch: (connection) => { this.membership.touch(connection.remotePeer) },
      ...fromMember
    }, { maxChannels: init.maxMembers })
    this.membership.addEventListener('peer:left', (evt) => {
      this.keepalives.close(evt.detail.peer)
      if (evt.detail.reason !== 'leave') this.lastMembers.set(evt.detail.peer, true)
      if (this.membership.size === 0) void this.rejoinIfIsolated()
    })
    this.renewal = new TokenRenewal({
      token: () => this.nodeToken,
      request: async (options) => requestNodeToken(async (o) => this.openStream(leaderPeerId(this.realm), PROTOCOLS.leader, o), this.peerId, leaderPeerId(this.realm), { ...options, ttlSeconds: init.tokenRequest?.ttlSeconds }),
      onRenewed: async (token) => {
        this.setNodeToken(token)
        this.safeDispatchEvent('token', { detail: token })
        await this.announceRecord()
      },
      onFailed: (err, delayMs) => {
        this.safeDispatchEvent('token:renewal-failed', { detail: { code: (err as { code?: string }).code ?? WireErrorCode.INTERNAL, error: err.message, retryInMs: delayMs } })
      },
      now: this.now
    // a leader that is down for hours gets a try every few minutes, not every 30 s
    }, { backoff: { ...init.backoff, maxMs: Math.max(init.backoff?.maxMs ?? 0, 300_000) } })
    this.liveness = new Liveness({
      membership: this.membership,
      now: this.now,
      send: async (member, records, options) => this.keepalives.send(member.peerId, records, options),
      piggyFor: (member, count) => this.piggyFor(member.fingerprint, member.id, count),
      onPiggy: async (records, member) => { await this.onRecords(records, member.peerId) },
      onAlive: (member) => { this.safeDispatchEvent('peer:alive', { detail: { peer: member.id, latencyMs: member.latencyMs ?? 0 } }) },
      onTimeout: (member) => { void this.dropPeer(member.peerId, 'timeout', WireErrorCode.STREAM_TIMEOUT, `missed ${this.liveness.maxMissed} keepalives`) }
    }, init.keepalive)
    this.neighbourhood = new Neighbourhood({
      closest: (count) => this.membership.closest(fingerprint(this.peerId), count),
      nlist: async (member, options) => this.peers.send(async (o) => this.openStream(member.peerId, PROTOCOLS.peers, o), { type: PeersRequest.Type.NLIST, key: Uint8Array.from(fingerprint(this.peerId)), count: this.init.dht?.kBucketSize ?? 20 }, options),
      onRecords: async (records, member) => { await this.onRecords(records, member.peerId) },
      memberCount: () => this.membership.size
    }, init.neighbourhood)
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
      ownRecord: async () => this.ownRecord(),
      tokenCache: this.tokenCache,
      records: this.records,
      isRevoked,
      skewSeconds: skew,
      libp2p,
      membership: this.membership,
      guard: this.guard,
      routingTableSize: () => this.routingTable?.size ?? 0,
      openStream: async (peer, protocol, o) => this.openStream(peer, protocol, o),
      running: () => this.running,
      emit: (type, detail) => { this.safeDispatchEvent(type, { detail }) },
      now: this.now,
      subjects: init.subjects,
      messaging: init.messaging
    })
    this.subjectLayer = layer.subjects
    this.messaging = layer.messaging
    this.bootstrap = new Bootstrap(this, {
      realm: init.realm,
      self: this.peerId,
      addresses: [...(init.bootstrap ?? init.realm.bootstrap), ...(init.knownPeers ?? [])],
      tokenRequest: init.tokenRequest,
      backoff: init.backoff
    })
  }

  /** what the membership gate needs from the node */
  get gateHooks (): GateHooks {
    return {
      admission: this.admission,
      openStream: async (peer, protocols, options) => this.openStream(peer, protocols, options),
      guard: this.guard,
      onMemberStream: (connection) => { this.membership.touch(connection.remotePeer) },
      livenessPing: async (peer, options) => this.livenessPing(peer, options),
      wasAdmitted: (peer) => this.everAdmitted.has(peer.toString())
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
    // a restarted node joins afresh: its iterative self-lookup starts over
    this.closestAsked = undefined
    await this.guard.start()
    await this.handle(PROTOCOLS.handshake, async (stream, connection) => { await this.onHandshakeStream(stream, connection) }, { members: false, maxInboundStreams: 2, maxOutboundStreams: 2 })
    await this.handle(PROTOCOLS.join, async (stream, connection) => { await this.onJoinStream(stream, connection) }, { members: false, maxInboundStreams: 2, maxOutboundStreams: 2 })
    await this.handle(PROTOCOLS.peers, this.peers.handle, { maxInboundStreams: 16 })
    // one keepalive stream per member and direction; a second allows for one replacing a failed one
    await this.handle(PROTOCOLS.keepalive, this.keepalives.handle, { maxInboundStreams: 2, maxOutboundStreams: 2 })
    await this.handle(PROTOCOLS.subject, this.subjectLayer.handle, { maxInboundStreams: 64 })
    // one long-lived stream per sender node and subject
    await this.handle(PROTOCOLS.message, this.messaging.inbox.handle, { maxInboundStreams: 256, maxOutboundStreams: 256 })
    await this.handle(PROTOCOLS.direct, this.messaging.direct.handle, { maxInboundStreams: 32 })
    this.libp2p.addEventListener('connection:open', this.onConnectionOpen)
    this.libp2p.addEventListener('connection:close', this.onConnectionClose)
    this.libp2p.addEventListener('self:peer:update', this.onSelfUpdate)
    await this.libp2p.start()
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
    this.sweepTimer = setInterval(() => {
      this.membership.sweepExpired()
      this.knownRecords.prune()
      this.deferredJoins.prune()
      this.reconcileRoutingTable()
    }, 15_000)
    this.sweepTimer.unref()
    this.liveness.start()
    // the leader renews its own token from its key (@realmesh/leader); every other node asks the leader
    if (this.init.renewToken !== false && this.peerId.toString() !== this.realm.leader.peerId) this.renewal.start()
    this.broadcaster?.start()
    this.subjectLayer.start()
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

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    this.shutdown.abort(new NodeStateError('the node is stopping'))
    clearInterval(this.sweepTimer)
    this.liveness.stop()
    this.renewal.stop()
    this.keepalives.clear()
    this.neighbourhood.stop()
    this.broadcaster?.stop()
    this.messaging.stop()
    await this.subjectLayer.stop()
    await this.leave('stopping')
    for (const timer of [...this.reapers.values(), ...this.graceTimers.values()]) clearTimeout(timer)
    this.reapers.clear()
    this.deferredJoins.clear()
    this.graceTimers.clear()
    this.libp2p.removeEventListener('connection:open', this.onConnectionOpen)
    this.libp2p.removeEventListener('connection:close', this.onConnectionClose)
    this.libp2p.removeEventListener('self:peer:update', this.onSelfUpdate)
    await this.libp2p.stop()
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
      listen: this.libp2p.getMultiaddrs().map(a => a.toString())
    }
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
    return this.messaging.publish(subject, data, options)
  }

  /** A direct request to a member; resolves with its application's answer (see onRequest). */
  async send (peer: PeerId | string, data: Uint8Array, options: AbortOptions = {}): Promise<Uint8Array> {
    if (!this.running) throw new NodeStateError('the node is not started')
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

  /** message counters since start (delivered, duplicates, rejected, streams, resent) */
  messageStats (): MessageStats {
    return { ...this.messaging.stats }
  }

  /** this node's subjects: role, coordinators, matched counterparts */
  subjects (): SubjectStatus[] {
    return this.subjectLayer.status()
  }

  private assertSubjects (): void {
    if (!this.running) throw new NodeStateError('the node is not started')
    if (this.init.identityToken != null && this.init.identityKey == null) {
      throw new NodeStateError('this node uses an identity token: give its identityKey to sign interest tokens with')
    }
  }

  /** Replaces the node token (a renewed one, or the first one from the leader). */
  setNodeToken (token: string): void {
    this.nodeToken = token
    this.record = undefined
    this.renewal.schedule()
  }

  /**
   * Registers a protocol handler. By default only admitted members may open it; with
   * `members: false` anyone may (handshake-free protocols such as the leader's token request).
   */
  async handle (protocol: string, handler: StreamHandler, options: HandleOptions = {}): Promise<void> {
    const { members, ...rest } = options
    const hooks = (): GateHooks => this.gateHooks
    await this.libp2p.handle(protocol, members === false ? rateLimitedHandler(protocol, handler, hooks) : gateHandler(protocol, handler, hooks), rest)
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
    const connection = await this.connect(peer, options)
    return connection.newStream(protocols, options)
  }

  /**
   * Dials `peer` (or reuses a connection) and makes sure the connection is admitted: an admitted
   * connection is used as it is, one being admitted is waited for; when the only connections are
   * inbound ones nobody is admitting (their dialer went quiet), a new outbound one is opened,
   * since only the dialer of a connection can start its handshake.
   */
  async connect (peer: PeerId | Multiaddr | Multiaddr[], options: AbortOptions = {}): Promise<Connection> {
    if (!this.running) throw new NodeStateError('the node is not started')
    const target = isPeerId(peer) ? peer : peerOfTarget(peer)
    const connections = target == null ? [] : this.libp2p.getConnections(target)
    const admitted = connections.find(c => this.admission.isAdmitted(c))
    if (admitted != null) return admitted
    const underway = connections.find(c => { const state = this.admission.state(c); return state === 'handshaking' || state === 'joining' })
    if (underway != null) {
      try {
        await this.admission.ensure(underway, 'admission', options)
        return underway
      } catch (err) {
        options.signal?.throwIfAborted()
        // that admission failed: try a connection of our own below
        void err
      }
    }
    const force = connections.length > 0 && !connections.some(c => c.direction === 'outbound' && this.admission.state(c) == null)
    const connection = await this.libp2p.dial(peer, { ...options, force })
    await this.admission.ensure(connection, 'admission', options)
    return connection
  }

  /** Runs handshake + join as the initiator on an outbound connection (bounded by their timeouts). */
  private async initiate (connection: Connection): Promise<void> {
    const options = { signal: this.shutdown.signal }
    if (!this.admission.begin(connection)) {
      await this.admission.ensure(connection, 'admission', options)
      return
    }
    try {
      const remoteNode = await this.handshake.initiate(connection, options)
      this.admission.markHandshaken(connection, remoteNode)
      const accepted = await this.join.initiate(connection, options)
      this.onAdmitted(connection, remoteNode, accepted)
      // an iterative self-lookup while joining: ask a member whom it knows close to us when it is
      // closer to us than every member asked so far (O(log N) asks; the neighbourhood rounds go on)
      if (this.closerThanAsked(connection.remotePeer)) void this.askNeighbours(connection)
    } catch (err) {
      this.admission.markFailed(connection, err as Error)
      this.reportRefusal(connection, err)
      await connection.close().catch(() => {})
      throw err
    }
  }

  private async onHandshakeStream (stream: Stream, connection: Connection): Promise<void> {
    if (!this.admission.begin(connection)) {
      stream.abort(new Error('a handshake already ran on this connection'))
      return
    }
    try {
      const remoteNode = await this.handshake.respond(stream, connection)
      this.admission.markHandshaken(connection, remoteNode)
    } catch (err) {
      this.admission.markFailed(connection, err as Error)
      this.reportRefusal(connection, err)
      await connection.close().catch(() => {})
    }
  }

  private async onJoinStream (stream: Stream, connection: Connection): Promise<void> {
    const remoteNode = this.admission.remoteNode(connection)
    if (remoteNode == null || this.admission.state(connection) !== 'joining') {
      stream.abort(new NodeStateError('join before handshake'))
      return
    }
    // the newest record of the joiner this node had before this join: an UPDATE about a record
    // that reached us some other way would only repeat what its sender already spread
    const seqBefore = this.recordSeqOf(connection.remotePeer)
    let result: JoinOutcome
    try {
      result = await this.join.respond(stream, connection, remoteNode, (accepted) => { this.onAdmitted(connection, remoteNode, accepted) })
    } catch (err) {
      result = { outcome: 'refused', code: (err as { code?: string }).code ?? WireErrorCode.INTERNAL, reason: (err as Error).message }
    }
    if (result.outcome === 'accepted') {
      const seq = result.accepted.record?.seq
      if (seq != null && (seqBefore == null || seq > seqBefore)) void this.announce(connection.remotePeer, result.accepted)
      return
    }
    // NACK or DEFERRED: drop everything about the peer; it retries on a new connection
    if (result.outcome === 'refused') {
      this.offence(connection, result.code)
      this.safeDispatchEvent('join:refused', { detail: { peer: connection.remotePeer.toString(), code: result.code, reason: result.reason, byRemote: false } })
    }
    this.admission.markFailed(connection, new NodeStateError(`join ${result.outcome}`))
    await connection.close().catch(() => {})
  }

  /**
   * Our record (re-signed with a renewed token) to every member in an UPDATE, 16 at a time, so
   * that they keep us past the old token's expiry. Best effort: a member that misses it learns the
   * record from a keepalive or an NLIST later, or drops us when the old token expires and we join
   * it again.
   */
  private async announceRecord (): Promise<void> {
    const record = await this.ownRecord()
    if (record == null) return
    const members = this.membership.list()
    const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(30_000)])
    for (let i = 0; i < members.length && !signal.aborted; i += 16) {
      await Promise.allSettled(members.slice(i, i + 16).map(async (member) => this.sendUpdate(member.peerId, record, signal)))
    }
  }

  /**
   * Joins again once the last member is gone (the `rejoin` event), unless this node has no
   * bootstrap address but its own (the leader, the first member: others come to it). One rejoin
   * at a time; it ends when a member is admitted or the node stops.
   */
  private async rejoinIfIsolated (): Promise<void> {
    if (!this.running || !this.isJoined || this.rejoining || this.membership.size > 0) return
    if (this.bootstrap.rejoinAddresses([]).length === 0) return
    this.rejoining = true
    try {
      const extra: string[] = []
      for (const peer of [...this.lastMembers.keys()]) {
        const known = await this.libp2p.peerStore.get(peerIdFromString(peer)).catch(() => undefined)
        for (const { multiaddr: ma } of known?.addresses.slice(0, 2) ?? []) extra.push(withoutPeer(ma).encapsulate(`/p2p/${peer}`).toString())
      }
      this.lastMembers.clear()
      if (!this.running || this.membership.size > 0) return
      const addresses = this.bootstrap.rejoinAddresses(extra)
      this.safeDispatchEvent('rejoin', { detail: { addresses: addresses.length } })
      await this.bootstrap.rejoin(addresses, this.shutdown.signal)
    } finally {
      this.rejoining = false
    }
  }

  /** Both sides, once the join is accepted: record the member, open the realm to it. */
  private onAdmitted (connection: Connection, remoteNode: VerifiedNode, accepted: JoinAccepted): void {
    const peer = connection.remotePeer
    const addrs = accepted.record?.addrs ?? [withoutPeer(connection.remoteAddr)]
    this.everAdmitted.set(peer.toString(), true)
    this.membership.admit({ peerId: peer, node: remoteNode, identity: accepted.identity, addrs, record: accepted.record?.record, recordSeq: accepted.record?.seq })
    this.admission.markAdmitted(connection)
    this.knownRecords.delete(peer.toString())
    this.clearTimer(this.reapers, connection.id)
    this.clearTimer(this.graceTimers, peer.toString())
    this.setJoined()
    this.closeDuplicates(peer)
    const remembered = this.libp2p.peerStore.merge(peer, { multiaddrs: addrs }).catch(() => {})
    // Identify only where a service needs it: gossipsub learns who speaks its protocol from
    // identify. kad-dht does not (membership puts members in its table), and the member's
    // addresses came in its signed record. Identify on every admitted connection (both ends, a
    // signed libp2p peer record sealed and verified, the whole peer rewritten in the peer store)
    // took a realm of 100 from 63-65 s to 108 s to settle.
    if (this.libp2p.services.pubsub != null) {
      void remembered.then(async () => this.libp2p.services.identify.identify(connection, { signal: AbortSignal.timeout(10_000) })).catch(() => {})
    }
  }

  /**
   * Two admitted connections to one peer (both dialled at once) are one too many. Both sides keep
   * the same one, without talking about it: the one dialled by the smaller peer id (then the older
   * one); the other is closed after a few seconds, so streams already on it can finish.
   */
  private closeDuplicates (peer: PeerId): void {
    const admitted = this.libp2p.getConnections(peer).filter(c => this.admission.isAdmitted(c))
    if (admitted.length < 2) return
    const self = this.peerId.toString()
    const remote = peer.toString()
    const dialer = (c: Connection): string => c.direction === 'outbound' ? self : remote
    admitted.sort((a, b) => dialer(a) < dialer(b) ? -1 : dialer(a) > dialer(b) ? 1 : a.timeline.open - b.timeline.open)
    for (const extra of admitted.slice(1)) {
      const timer = setTimeout(() => { void extra.close().catch(() => {}) }, 5_000)
      timer.unref()
    }
  }

  private setJoined (): void {
    if (this.isJoined) return
    this.isJoined = true
    if (this.running) this.neighbourhood.start()
    this.joinedWaiters.resolve()
    this.safeDispatchEvent('joined')
  }

  /**
   * Membership and the kad-dht table agree: every member is in the table (kad-dht's bucket policy
   * permitting), nothing else is. The events keep them in step; this is the backstop for races.
   */
  private reconcileRoutingTable (): void {
    const table = this.routingTable
    if (table == null) return
    const inTable = new Set(table.closest(fingerprint(this.peerId), 100_000).map(p => p.toString()))
    for (const member of this.membership.list()) {
      if (!inTable.has(member.id)) table.add(member.peerId)
      inTable.delete(member.id)
    }
    for (const stray of inTable) void table.remove(peerIdFromString(stray))
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

  /** true (and remembered) when `peer` is closer to this node than every member asked for neighbours so far */
  private closerThanAsked (peer: PeerId): boolean {
    const distance = xorDistance(fingerprint(this.peerId), fingerprint(peer))
    if (this.closestAsked != null && compareDistance(distance, this.closestAsked) >= 0) return false
    this.closestAsked = distance
    return true
  }

  /** the sequence number of the newest signed record of `peer` this node holds (member or learnt), if any */
  private recordSeqOf (peer: PeerId): bigint | undefined {
    const member = this.membership.get(peer)
    const known = this.knownRecords.peek(peer.toString())?.seq
    if (member?.record != null && (known == null || member.recordSeq > known)) return member.recordSeq
    return known
  }

  /**
   * The responder tells the members closest to a joiner about it (UPDATE), when the joiner's
   * record is news to it: the first member a node joins (its bootstrap) spreads it, and so does
   * any member that had not heard of it yet. A member that already held the record (from an
   * UPDATE, an NLIST answer or an earlier join) stays quiet: whoever gave it the record spread it.
   */
  private async announce (joiner: PeerId, accepted: JoinAccepted): Promise<void> {
    const record = accepted.record?.record
    if (record == null) return
    const targets = this.membership.closest(fingerprint(joiner), this.init.updateFanout ?? 6, m => m.peerId.equals(joiner))
    await Promise.allSettled(targets.map(async (target) => this.sendUpdate(target.peerId, record, this.shutdown.signal)))
  }

  /** UPDATE with one record to a member */
  private async sendUpdate (peer: PeerId, record: PeerRecord, signal: AbortSignal): Promise<void> {
    await this.peers.send(async (o) => this.openStream(peer, PROTOCOLS.peers, o), { type: PeersRequest.Type.UPDATE, records: [record] }, { signal })
  }

  /** after our own join: ask the member for the records closest to us, and join those */
  private async askNeighbours (connection: Connection): Promise<void> {
    try {
      const records = await this.peers.send(async (o) => connection.newStream(PROTOCOLS.peers, o), { type: PeersRequest.Type.NLIST, key: Uint8Array.from(fingerprint(this.peerId)), count: this.init.dht?.kBucketSize ?? 20 }, { signal: this.shutdown.signal })
      await this.onRecords(records, connection.remotePeer)
    } catch {
      // best effort: the DHT's self-lookup finds the neighbourhood too
    }
  }

  /** Records from UPDATE / PIGGY / NLIST: verify, remember, and join the ones close to us. */
  private async onRecords (records: PeerRecord[], from: PeerId): Promise<void> {
    const sender = from.toString()
    if (this.guard.isBanned(sender)) return
    for (const record of records) {
      let verified: VerifiedRecord
      try {
        verified = await this.records.verify(record)
      } catch (err) {
        // a record whose token merely expired on the way is stale, not forged
        if ((err as RecordInvalidError).tokenCode !== 'TOKEN_EXPIRED') this.offence(from, WireErrorCode.RECORD_INVALID)
        if (this.guard.isBanned(sender)) return
        continue
      }
      if (verified.peerId.equals(this.peerId) || this.guard.isBanned(verified.peer)) continue
      this.membership.touch(from)
      if (this.membership.has(verified.peerId)) {
        if (this.membership.updateRecord(verified.peer, verified.record, verified.seq, verified.addrs, verified.node) === 'renewed') {
          this.safeDispatchEvent('peer:renewed', { detail: { peer: verified.peer, expiresAt: verified.node.claims.exp * 1000 } })
        }
        continue
      }
      const known = this.knownRecords.peek(verified.peer)
      if (known == null || known.seq < verified.seq) {
        this.knownRecords.set(verified.peer, verified)
        await this.libp2p.peerStore.merge(verified.peerId, { multiaddrs: verified.addrs }).catch(() => {})
      }
      // hearing of a peer again is a new chance to join it (a first attempt may have failed)
      this.considerJoining(known != null && known.seq >= verified.seq ? known : verified)
    }
  }

  /**
   * Joins a learnt member, or only keeps (and forwards) its record: see membership/join-decision.ts
   * for the rule and why. Joins in flight are bounded by `maxPendingJoins`; a record heard while
   * they are all taken waits in `deferredJoins` for the next free one.
   */
  private considerJoining (record: VerifiedRecord): void {
    if (this.pendingJoins.has(record.peer)) return
    if (this.pendingJoins.size >= this.maxPendingJoins) {
      this.deferredJoins.set(record.peer, record)
      return
    }
    this.deferredJoins.delete(record.peer)
    const backoff = this.joinBackoff.get(record.peer)
    if (backoff != null && backoff.nextAt > this.now()) return
    const self = fingerprint(this.peerId)
    const k = this.init.dht?.kBucketSize ?? 20
    const members = this.membership.list()
    const verdict = decideJoin(fingerprint(record.peerId), self, members, { k, bucketSize: this.init.bucketSize })
    if (verdict === 'forward-only') return
    this.pendingJoins.add(record.peer)
    this.connect(record.peerId, { signal: AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.handshake.timeoutMs + this.join.timeoutMs)]) })
      .then(() => {
        this.joinBackoff.delete(record.peer)
        if (verdict !== 'replaces-unhealthy') return
        const bucket = bucketOf(fingerprint(record.peerId), self)
        const all = this.membership.list()
        const peers = all.filter(m => bucketOf(m.fingerprint, self) === bucket && !m.peerId.equals(record.peerId))
        const worst = peers.length >= (this.init.bucketSize ?? defaultBucketSize(k)) ? unhealthiest(peers, all) : undefined
        if (worst != null) void this.dropPeer(worst.peerId, 'evicted', WireErrorCode.INTERNAL, 'replaced by a healthier member')
      }, () => {
        // re-joins retry with exponential backoff and jitter, however often the peer is heard of
        const attempts = (this.joinBackoff.get(record.peer)?.attempts ?? 0) + 1
        this.joinBackoff.set(record.peer, { attempts, nextAt: this.now() + backoffDelay(attempts, this.init.backoff) })
      })
      .finally(() => {
        this.pendingJoins.delete(record.peer)
        this.joinDeferred()
      })
  }

  private get maxPendingJoins (): number {
    return this.init.maxPendingJoins ?? 8
  }

  /** a join ended: consider the records that waited for a free one, oldest first, while joins are free */
  private joinDeferred (): void {
    if (!this.running) return
    for (const [peer, record] of this.deferredJoins) {
      if (this.pendingJoins.size >= this.maxPendingJoins) return
      this.deferredJoins.delete(peer)
      if (this.membership.has(record.peerId) || this.guard.isBanned(peer)) continue
      this.considerJoining(record)
    }
  }

  /**
   * Records to piggyback for the member at `key`: half the members closest to it (its neighbourhood,
   * which it most needs), half picked at random (so records spread beyond neighbourhoods).
   */
  private piggyFor (key: Uint8Array, exclude: string, count: number): PeerRecord[] {
    const skip = (m: Member): boolean => m.id === exclude || m.record == null
    const chosen = new Set(this.membership.closest(key, Math.ceil(count / 2), skip))
    const pool = this.membership.list().filter(m => !skip(m) && !chosen.has(m))
    for (let i = 0; i < count - chosen.size && pool.length > 0; i++) {
      chosen.add(pool.splice(randomInt(pool.length), 1)[0] as Member)
    }
    return [...chosen].flatMap(m => m.record == null ? [] : [m.record])
  }

  private closestRecords (key: Uint8Array, count: number): PeerRecord[] {
    const own = this.record
    const records = this.membership.closest(key, count).flatMap(m => m.record == null ? [] : [m.record])
    return own == null ? records : [own, ...records].slice(0, count)
  }

  private onRemoteLeave (peer: PeerId, reason: LeaveReason, code: string): void {
    this.membership.remove(peer, reason, code === '' ? undefined : code)
    for (const connection of this.libp2p.getConnections(peer)) {
      this.admission.forget(connection)
      void connection.close().catch(() => {})
    }
  }

  /** LEAVE to every member we have an admitted connection with (best effort, 2 s). */
  private async leave (reason: string): Promise<void> {
    const signal = AbortSignal.timeout(2_000)
    const connections = this.libp2p.getConnections().filter(c => this.admission.isAdmitted(c))
    await Promise.allSettled(connections.map(async (c) => this.peers.send(async (o) => c.newStream(PROTOCOLS.peers, o), { type: PeersRequest.Type.LEAVE, reason }, { signal })))
  }

  private async ownRecord (): Promise<PeerRecord | undefined> {
    if (this.record != null) return this.record
    if (this.nodeToken == null) return undefined
    const addrs = this.libp2p.getMultiaddrs()
    this.record = signPeerRecord(this.init.privateKey, this.nodeToken, addrs, BigInt(this.now()))
    return this.record
  }

  /** our addresses changed (seed 003): sign a new record (higher seq) and tell our members */
  private readonly onSelfUpdate = (): void => {
    if (this.record == null) return
    const now = this.libp2p.getMultiaddrs().map(a => withoutPeer(a).toString()).sort().join(' ')
    const recorded = this.record.addrs.map(b => multiaddr(b).toString()).sort().join(' ')
    if (now === recorded) return
    this.record = undefined
    void this.announceSelf()
  }

  /** sends our current record in an UPDATE to up to 64 members we have admitted connections with */
  async announceSelf (options: AbortOptions = {}): Promise<void> {
    const record = await this.ownRecord()
    if (record == null) return
    const signal = options.signal ?? this.shutdown.signal
    const targets = this.membership.closest(fingerprint(this.peerId), 64)
      .map(m => this.libp2p.getConnections(m.peerId).find(c => this.admission.isAdmitted(c)))
      .filter((c): c is Connection => c != null)
    await Promise.allSettled(targets.map(async (c) => this.peers.send(async (o) => c.newStream(PROTOCOLS.peers, o), { type: PeersRequest.Type.UPDATE, records: [record] }, { signal })))
  }

  private readonly onConnectionOpen = (evt: CustomEvent<Connection>): void => {
    const connection = evt.detail
    // a connection that has not passed handshake + join in time is closed
    const timer = setTimeout(() => {
      this.reapers.delete(connection.id)
      if (!this.admission.isAdmitted(connection)) void connection.close().catch(() => {})
    }, this.handshake.timeoutMs + this.join.timeoutMs)
    timer.unref()
    this.reapers.set(connection.id, timer)
  }

  private readonly onConnectionClose = (evt: CustomEvent<Connection>): void => {
    const connection = evt.detail
    const wasAdmitted = this.admission.isAdmitted(connection)
    this.admission.forget(connection)
    this.clearTimer(this.reapers, connection.id)
    if (!wasAdmitted || !this.running) return
    const peer = connection.remotePeer
    if (this.libp2p.getConnections(peer).some(c => this.admission.isAdmitted(c))) return
    const id = peer.toString()
    this.clearTimer(this.graceTimers, id)
    const timer = setTimeout(() => {
      this.graceTimers.delete(id)
      if (!this.libp2p.getConnections(peer).some(c => this.admission.isAdmitted(c))) this.membership.remove(peer, 'disconnect')
    }, this.init.disconnectGraceMs ?? 10_000)
    timer.unref()
    this.graceTimers.set(id, timer)
  }

  /**
   * kad-dht's liveness probe: a member heard from within a keepalive interval, with no missed
   * keepalive, is alive (its moving-average latency is the answer) without another round trip;
   * anyone else gets a real ping on an admitted connection.
   */
  private async livenessPing (peer: PeerId, options?: AbortOptions): Promise<number> {
    const member = this.membership.get(peer)
    if (member != null && member.failures === 0 && this.now() - member.lastSeen < this.liveness.intervalMs) {
      return member.latencyMs ?? 0
    }
    return this.libp2p.services.ping.ping(peer, options)
  }

  /** counts an offence (by refusal code) against a peer (or a connection's remote peer) */
  private offence (peer: Connection | PeerId, code: string): void {
    const offence = offenceOf(code)
    if (offence != null) this.guard.offence(('remotePeer' in peer ? peer.remotePeer : peer).toString(), offence)
  }

  /** Bans `peer` for `durationMs` (default the guard's), and drops it everywhere at once. */
  async ban (peer: PeerId | string, reason: string, durationMs?: number): Promise<void> {
    await this.guard.ban(peer.toString(), reason, durationMs)
  }

  /**
   * Drops a peer deliberately: DISCONNECT(code, reason) on an admitted connection (best effort),
   * then out of membership, the routing table and known records, and every connection closed.
   */
  async dropPeer (peer: PeerId, reason: LeaveReason, code: string, text: string): Promise<void> {
    // out of every table first (synchronously): nothing of the peer is used from here on
    this.knownRecords.delete(peer.toString())
    this.deferredJoins.delete(peer.toString())
    this.membership.remove(peer, reason, code)
    const admitted = this.libp2p.getConnections(peer).find(c => this.admission.isAdmitted(c))
    if (admitted != null) {
      await this.peers.send(async (o) => admitted.newStream(PROTOCOLS.peers, o), { type: PeersRequest.Type.DISCONNECT, code, reason: text.slice(0, 256) }, { signal: AbortSignal.timeout(2_000) }).catch(() => {})
    }
    for (const connection of this.libp2p.getConnections(peer)) {
      this.admission.forget(connection)
      await connection.close().catch(() => {})
    }
  }

  private reportRefusal (connection: Connection, err: unknown): void {
    const e = err as { code?: string, reason?: string, message?: string, byRemote?: boolean }
    if (e.code === WireErrorCode.JOIN_DEFERRED) return
    if (e.byRemote !== true && e.code != null) this.offence(connection, e.code)
    this.safeDispatchEvent('join:refused', {
      detail: { peer: connection.remotePeer.toString(), code: e.code ?? WireErrorCode.INTERNAL, reason: e.reason ?? e.message ?? String(err), byRemote: e.byRemote ?? false }
    })
  }

  private clearTimer (timers: Map<string, ReturnType<typeof setTimeout>>, key: string): void {
    const timer = timers.get(key)
    if (timer != null) clearTimeout(timer)
    timers.delete(key)
  }
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

export function createRealmNode (init: RealmNodeInit): Promise<RealmNode> {
  return RealmNode.create(init)
}

