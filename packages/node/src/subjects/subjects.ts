/**
 * Subjects (seed 001 step 4): this node as a coordinator replica (REGISTER, WITHDRAW, matching),
 * its own interests (registered with the R eligible members closest to the subject's position in
 * the current epoch, refreshed, moved), and the counterparts it was matched with, each verified
 * and authorized here before messaging uses it.
 */
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { decodeTokenUnverified, fingerprintHex, verifyInterestToken } from '@realmesh/token'
import { PROTOCOLS, SubjectRequest, WireErrorCode } from '@realmesh/wire'
import { Coordinator } from './coordinator.js'
import { Counterparts } from './counterparts.js'
import { LocalInterests } from './local-interests.js'
import { SubjectProtocol, offenceFor } from './subject-protocol.js'
import { SubjectError } from './errors.js'
import { admits, canReceive, canSend, rolesPair } from './audience.js'
import { LeaderAuthorization } from './leader-authorization.js'
import type { LeaderAnswer, SubjectQuestion } from './leader-authorization.js'
import { findCoordinators, positionOf } from './find-coordinators.js'
import type { AbortOptions, Connection, PeerId, PrivateKey, Stream } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { PeerRecord } from '@realmesh/wire'
import type { Audience, InterestTokenClaims, RealmDescriptor, Role, TokenCache } from '@realmesh/token'
import type { InterestInput, InterestVerifier, VerifiedInterest } from './interest-verifier.js'
import type { LocalInterest } from './local-interests.js'
import type { FindCoordinatorsOptions } from './find-coordinators.js'
import type { Epochs, EpochRef } from '../epochs/epochs.js'
import type { Epoch } from '@realmesh/wire'
import type { Party } from './audience.js'
import type { BackoffInit } from '../util/backoff.js'
import type { Offence } from '../security/offences.js'
import type { SubjectProperties } from '../messaging/options.js'

export interface SubjectsInit {
  /** coordinators every interest is registered with (R): the R members closest to the key. @default 3 */
  replicas?: number
  /** subjects a coordinator replica keeps (least recently used dropped first). @default 10000 */
  maxSubjects?: number
  /** interests a replica keeps per subject, and counterparts this node keeps per subject. @default 1024 */
  maxInterestsPerSubject?: number
  /** subjects this node may itself be interested in (subscriptions and publications). @default 1024 */
  maxLocalSubjects?: number
  /** a coordinator lookup gives up on the DHT after this long (and uses the local table). @default 20000 */
  lookupTimeoutMs?: number
  /** retries of a registration no coordinator accepted. @default { baseMs: 500, maxMs: 30000 } */
  backoff?: BackoffInit
  /**
   * this node's interest tokens last at least this long, whatever a subscribe() or publish() asks
   * for, seconds: a sleepy node's (RealmNodeInit.sleep) must outlive its sleep, or its coordinators
   * and senders would forget it while it sleeps. @default 0 (as asked)
   */
  minInterestTtlSeconds?: number
  /**
   * put every counterpart to the realm leader's subject policy too (AUTHORIZE: may this identity
   * send / receive on the subject?), after the subject's own checks and authorize callbacks; a
   * refusal carries the leader's code (SUBJECT_DENIED_BY_LEADER, SUBJECT_NO_RULE), a leader that
   * does not answer is SUBJECT_LEADER_UNAVAILABLE. @default false
   */
  deferToLeader?: boolean
  /** the leader's answers this node keeps: how many, and at most how long (whatever the leader says). @default { maxSize: 1024, maxTtlMs: 60000 } */
  leaderDecisions?: { maxSize?: number, maxTtlMs?: number }
}

/** what an authorize callback and `subject:matched` get about a counterpart */
export interface SubjectPeer {
  /** the subject name (as this node knows it) */
  subject: string
  /** hex subject key */
  key: string
  /** the counterpart's identity (peer id) */
  identity: string
  /** the node it is reached at (peer id) */
  peer: string
  role: Role
  /** its verified interest token's claims */
  claims: InterestTokenClaims
  /** its identity token's attributes (ext.attrs) */
  attrs: Record<string, string>
}

export interface CounterpartEvent {
  interest: LocalInterest
  counterpart: VerifiedInterest
  /** false when it is a renewed token of a counterpart already known */
  isNew: boolean
}

export interface SubjectsDeps {
  self: PeerId
  realm: RealmDescriptor
  identityKey: PrivateKey
  identityToken: () => string | undefined
  ownRecord: () => Promise<PeerRecord | undefined>
  verifier: InterestVerifier
  tokenCache: TokenCache
  /** the realm's epochs this node holds */
  epochs: Epochs
  /** whether a member (or this node) may coordinate in an epoch, by its node token (undefined: not known here) */
  eligible: (peer: string, epoch: EpochRef) => boolean | undefined
  dht: () => KadDHT
  routingTableSize: () => number
  /** the members this node knows closest to a key that may coordinate in an epoch */
  localClosest: (key: Uint8Array, count: number, epoch: EpochRef) => string[]
  /** a member this node hears from (no missed keepalive) */
  isAlive: (peer: string) => boolean
  openStream: (peer: PeerId, protocol: string, options: AbortOptions) => Promise<Stream>
  rememberAddrs: (peer: PeerId, addrs: Multiaddr[]) => void
  offence: (peer: string, offence: Offence) => void
  /** a counterpart was admitted (new, or a renewed token) */
  onCounterpart: (event: CounterpartEvent) => void
  /** one of our interests is gone (its last use released) */
  onInterestRemoved: (interest: LocalInterest) => void
  /** as a coordinator replica, this node stored a new or renewed interest */
  onStored: (interest: VerifiedInterest) => void
  now: () => number
  /** what this node's subscriptions and publication on a subject use (Messaging.properties) */
  properties: (keyHex: string) => Pick<SubjectProperties, 'receive' | 'publish'>
  /** AUTHORIZE on the realm leader (used with SubjectsInit.deferToLeader) */
  askLeader: (question: SubjectQuestion, options: AbortOptions) => Promise<LeaderAnswer>
}

export interface SubjectStatus {
  subject: string
  key: string
  role: Role
  /** who may be matched with this node on the subject */
  audience: Audience
  /** the epoch the interest is registered under (0: none; a realm without epochs) */
  epoch: number
  /** the members the interest is registered with in that epoch, closest first */
  coordinators: string[]
  /** during an epoch's overlap, the members it is registered with in the epoch before, closest first (else empty) */
  previousCoordinators: string[]
  /** ms since the epoch */
  expiresAt: number
  counterparts: Array<{ identity: string, peer: string, role: Role }>
  /** the interest's threshold and TTLs, and what this node's subscriptions and publication on the subject use */
  properties: SubjectProperties
}

export class Subjects {
  readonly coordinator: Coordinator
  readonly interests: LocalInterests
  readonly counterparts: Counterparts
  readonly protocol: SubjectProtocol
  readonly replicas: number
  /** the identity this node's interests are signed by */
  readonly identity: string
  private readonly deps: SubjectsDeps
  private readonly lookupTimeoutMs: number
  /** with deferToLeader: the leader's answers about counterparts */
  private readonly leader: LeaderAuthorization | undefined

  constructor (deps: SubjectsDeps, init: SubjectsInit = {}) {
    this.deps = deps
    this.leader = init.deferToLeader === true ? new LeaderAuthorization(deps.askLeader, { ...init.leaderDecisions, now: deps.now }) : undefined
    this.identity = peerIdFromPrivateKey(deps.identityKey).toString()
    this.replicas = init.replicas ?? 3
    this.lookupTimeoutMs = init.lookupTimeoutMs ?? 20_000
    const maxPerSubject = init.maxInterestsPerSubject ?? 1024
    this.counterparts = new Counterparts(maxPerSubject, deps.now)
    this.protocol = new SubjectProtocol({
      onRequest: async (request, from) => { await this.onRequest(request, from) },
      onRefused: (from, code, err) => { this.refused(from.remotePeer.toString(), code, err) }
    })
    this.coordinator = new Coordinator({
      self: deps.self,
      now: deps.now,
      onStored: deps.onStored,
      match: async (to, about) => { await this.sendMatch(to, about) },
      relay: async (peer, interest) => {
        await this.send(peer, { type: SubjectRequest.Type.REGISTER, interestToken: interest.interestToken, identityToken: interest.identityToken, record: interest.record, key: interest.key, epoch: interest.epoch })
      },
      position: (key, epoch) => positionOf(deps.realm.id, key, epoch),
      eligible: deps.eligible
    }, { maxSubjects: init.maxSubjects, maxInterestsPerSubject: maxPerSubject })
    this.interests = new LocalInterests({
      realmId: deps.realm.id,
      self: deps.self,
      identityKey: deps.identityKey,
      replicas: this.replicas,
      maxSubjects: init.maxLocalSubjects ?? 1024,
      minTtlSeconds: init.minInterestTtlSeconds ?? 0,
      now: deps.now,
      backoff: init.backoff,
      epochs: () => deps.epochs.placements(),
      position: (key, epoch) => positionOf(deps.realm.id, key, epoch),
      eligible: deps.eligible,
      find: async (subject, count, epoch, options) => this.findCoordinators(subject, count, { ...options, epoch }),
      register: async (peer, interest, epoch, options) => { await this.registerWith(peer, interest, epoch, options) },
      withdraw: async (peer, interest, options) => {
        if (interest.token == null) return
        if (peer === deps.self.toString()) {
          this.coordinator.withdraw(interest.keyHex, this.identity, peer)
          return
        }
        await this.send(peerIdFromString(peer), { type: SubjectRequest.Type.WITHDRAW, interestToken: interest.token, key: interest.key }, options)
      },
      onRemoved: (interest) => {
        this.counterparts.removeSubject(interest.keyHex)
        deps.onInterestRemoved(interest)
      }
    })
  }

  start (): void {
    this.coordinator.start()
    this.interests.start()
  }

  async stop (): Promise<void> {
    this.coordinator.stop()
    await this.interests.stop()
  }

  /** the /realmesh/subject/1 stream handler */
  get handle (): SubjectProtocol['handle'] {
    return this.protocol.handle
  }

  /**
   * The `count` eligible members closest to the subject's position in an epoch (`options.epoch`,
   * default the current one; see find-coordinators.ts).
   */
  async findCoordinators (subject: string, count = this.replicas, options: FindCoordinatorsOptions = {}): Promise<string[]> {
    const epoch = 'epoch' in options ? options.epoch : this.deps.epochs.current
    return findCoordinators({
      self: this.deps.self,
      realmId: this.deps.realm.id,
      dht: this.deps.dht(),
      routingTableSize: this.deps.routingTableSize,
      localClosest: (key, n) => this.deps.localClosest(key, n, epoch),
      isAlive: this.deps.isAlive,
      eligible: (peer) => this.deps.eligible(peer, epoch)
    }, subject, epoch, count, { timeoutMs: this.lookupTimeoutMs, ...options })
  }

  /** a new epoch arrived: our interests move to its positions (within a short random delay) */
  epochChanged (): void {
    const current = this.deps.epochs.current
    this.interests.epochChanged(Math.min(30_000, Number(current?.overlapMs ?? 0n) / 2))
  }

  memberJoined (peer: PeerId): void {
    this.coordinator.memberJoined(peer)
    this.interests.memberJoined(peer)
  }

  /** a node (or identity) was revoked: as a coordinator, this node forgets its interests */
  dropNode (peer: string): void {
    this.coordinator.store.removeParty(peer)
  }

  /** a member left: re-register what it coordinated for us; forget it as a counterpart */
  memberLeft (peer: string): VerifiedInterest[] {
    this.interests.memberLeft(peer)
    return this.counterparts.removeNode(peer)
  }

  /**
   * Admits a counterpart for one of our interests (a MATCH, or a sender opening a message stream):
   * verifies it exactly as a coordinator does, checks that the roles pair and that each side is
   * inside the other's audience, runs the subject's authorize callbacks, and remembers it. The same
   * token again is accepted at once.
   */
  async admit (input: InterestInput, options: AbortOptions = {}): Promise<{ interest: LocalInterest, counterpart: VerifiedInterest }> {
    const keyHex = Buffer.from(input.key).toString('hex')
    const interest = this.interests.get(keyHex)
    if (interest == null) throw new SubjectError(WireErrorCode.SUBJECT_UNKNOWN, `this node has no interest in subject key ${keyHex}`)
    const counterpart = await this.deps.verifier.verify(input)
    // the same token again, or an older one arriving late (from another replica): keep what we have
    const known = (): VerifiedInterest | undefined => {
      const existing = this.counterparts.get(keyHex, counterpart.identity, counterpart.nodeId)
      return existing != null && (existing.jti === counterpart.jti || existing.issuedAt > counterpart.issuedAt) ? existing : undefined
    }
    const same = known()
    if (same != null) return { interest, counterpart: same }
    if (counterpart.nodeId === this.deps.self.toString()) throw new SubjectError(WireErrorCode.SUBJECT_ROLE_MISMATCH, 'an interest of this node itself')
    if (!rolesPair(interest.role, counterpart.role)) throw new SubjectError(WireErrorCode.SUBJECT_ROLE_MISMATCH, `a ${counterpart.role} does not pair with our ${interest.role} on ${interest.subject}`)
    if (!admits(interest.settings.audience, counterpart)) throw new SubjectError(WireErrorCode.SUBJECT_AUDIENCE, `${counterpart.identity} is outside our audience on ${interest.subject}`)
    if (!admits(counterpart.audience, this.ownParty())) throw new SubjectError(WireErrorCode.SUBJECT_AUDIENCE, `we are outside the audience of ${counterpart.identity} on ${interest.subject}`)
    const peer = this.peerOf(interest, counterpart, input.interestToken)
    for (const authorize of interest.authorizers) {
      if (!await authorize(peer, options)) throw new SubjectError(WireErrorCode.SUBJECT_UNAUTHORIZED, `the authorize callback of ${interest.subject} refused ${counterpart.identity}`)
    }
    // what the counterpart does toward us: it sends when we receive, it receives when we send
    await this.leader?.check(interest.subject, counterpart, { send: canReceive(interest.role) && canSend(counterpart.role), receive: canSend(interest.role) && canReceive(counterpart.role) }, options)
    const raced = known()
    if (raced != null) return { interest, counterpart: raced }
    const isNew = this.counterparts.get(keyHex, counterpart.identity, counterpart.nodeId) == null
    this.counterparts.set(counterpart)
    if (counterpart.addrs.length > 0) this.deps.rememberAddrs(counterpart.node, counterpart.addrs)
    this.deps.onCounterpart({ interest, counterpart, isNew })
    return { interest, counterpart }
  }

  /** the SubjectPeer view of a counterpart (for callbacks and events) */
  peerOf (interest: LocalInterest, counterpart: VerifiedInterest, token = counterpart.interestToken): SubjectPeer {
    return {
      subject: interest.subject,
      key: interest.keyHex,
      identity: counterpart.identity,
      peer: counterpart.nodeId,
      role: counterpart.role,
      claims: decodeTokenUnverified(token).claims as unknown as InterestTokenClaims,
      attrs: counterpart.attrs
    }
  }

  status (): SubjectStatus[] {
    return this.interests.list().map(interest => ({
      subject: interest.subject,
      key: interest.keyHex,
      role: interest.role,
      audience: interest.settings.audience,
      epoch: Number(interest.placements[0]?.epoch?.epoch ?? 0n),
      coordinators: [...(interest.placements[0]?.coordinators ?? [])],
      previousCoordinators: [...(interest.placements[1]?.coordinators ?? [])],
      expiresAt: interest.expiresAt,
      counterparts: this.counterparts.list(interest.keyHex).map(c => ({ identity: c.identity, peer: c.nodeId, role: c.role })),
      properties: { threshold: interest.settings.threshold, interestTtlSeconds: interest.settings.ttlSeconds, refreshMs: interest.settings.refreshMs, ...this.deps.properties(interest.keyHex) }
    }))
  }

  private async onRequest (request: SubjectRequest, from: Connection): Promise<void> {
    switch (request.type) {
      case SubjectRequest.Type.REGISTER: {
        const epoch = this.registrationEpoch(request.epoch, from.remotePeer)
        this.coordinator.register(await this.deps.verifier.verify(request), epoch)
        return
      }
      case SubjectRequest.Type.MATCH:
        await this.admit(request, { signal: AbortSignal.timeout(5_000) })
        return
      case SubjectRequest.Type.WITHDRAW:
        await this.onWithdraw(request, from.remotePeer)
        return
      default:
        throw new SubjectError(WireErrorCode.FRAME_MALFORMED, 'unknown subject request type')
    }
  }

  /** only the node an interest names may withdraw it */
  private async onWithdraw (request: SubjectRequest, from: PeerId): Promise<void> {
    const { claims } = await verifyInterestToken(request.interestToken, { realm: this.deps.realm, cache: this.deps.tokenCache, now: this.deps.now })
      .catch((err: { code?: string }) => {
        // an expired interest is gone from the store already: nothing to withdraw
        if (err.code === 'TOKEN_EXPIRED') return { claims: undefined }
        throw err
      })
    if (claims == null) return
    if (claims.node !== fingerprintHex(from)) throw new SubjectError(WireErrorCode.INTEREST_NODE_MISMATCH, 'only the node an interest names may withdraw it')
    const keyHex = Buffer.from(request.key).toString('hex')
    if (claims.subject !== keyHex) throw new SubjectError(WireErrorCode.INTEREST_SUBJECT_MISMATCH, 'the interest is for another subject key')
    this.coordinator.withdraw(keyHex, claims.sub, from.toString())
  }

  /**
   * The epoch a REGISTER is for, as this node holds it: an epoch it carries is learnt here first
   * (verified; a forged one is EPOCH_INVALID), one this node no longer takes is EPOCH_STALE, and a
   * node whose grant is not older than the epoch refuses to coordinate in it
   * (COORDINATOR_NOT_ELIGIBLE): a key chosen once the salt was known gets no registrations.
   */
  private registrationEpoch (carried: Epoch | undefined, from?: PeerId): EpochRef {
    let epoch: EpochRef
    if (carried != null) {
      const refused = this.deps.epochs.add([carried], from?.toString()).refused[0]
      if (refused?.code === WireErrorCode.EPOCH_INVALID) throw refused
      epoch = this.deps.epochs.get(carried.epoch)
      if (epoch == null || Buffer.compare(epoch.salt, carried.salt) !== 0) throw refused ?? new SubjectError(WireErrorCode.EPOCH_STALE, `epoch ${carried.epoch} is not one this node holds`)
    }
    this.deps.epochs.assertCurrent(epoch)
    if (this.deps.eligible(this.deps.self.toString(), epoch) !== true) {
      throw new SubjectError(WireErrorCode.COORDINATOR_NOT_ELIGIBLE, `this node may not coordinate subjects in epoch ${epoch?.epoch ?? 0n}: its grant is not older than the epoch`)
    }
    return epoch
  }

  /** our interest, to `peer` under `epoch`: local when we are one of the coordinators ourselves */
  private async registerWith (peer: string, interest: LocalInterest, epoch: EpochRef, options: AbortOptions): Promise<void> {
    const identityToken = this.deps.identityToken()
    const record = await this.deps.ownRecord()
    if (interest.token == null || identityToken == null || record == null) throw new SubjectError(WireErrorCode.HANDSHAKE_REQUIRED, 'this node has no node token yet')
    const request = { type: SubjectRequest.Type.REGISTER, interestToken: interest.token, identityToken, record, key: interest.key, epoch }
    if (peer === this.deps.self.toString()) {
      this.coordinator.register(await this.deps.verifier.verify(request), this.registrationEpoch(epoch))
      return
    }
    // the coordinator was found eligible by its node token; the same check once more before our interest goes to it
    if (this.deps.eligible(peer, epoch) === false) throw new SubjectError(WireErrorCode.COORDINATOR_NOT_ELIGIBLE, `${peer} may not coordinate subjects in epoch ${epoch?.epoch ?? 0n}`)
    await this.send(peerIdFromString(peer), request, options)
  }

  /** MATCH to `to`'s node about `about`; local when that node is this one */
  private async sendMatch (to: VerifiedInterest, about: VerifiedInterest): Promise<void> {
    const request = { type: SubjectRequest.Type.MATCH, interestToken: about.interestToken, identityToken: about.identityToken, record: about.record, key: about.key }
    if (to.nodeId === this.deps.self.toString()) {
      await this.admit(request).catch(() => {})
      return
    }
    if (to.addrs.length > 0) this.deps.rememberAddrs(to.node, to.addrs)
    await this.send(to.node, request)
  }

  private async send (peer: PeerId, request: Partial<SubjectRequest> & Pick<SubjectRequest, 'type' | 'key' | 'interestToken'>, options: AbortOptions = {}): Promise<void> {
    await this.protocol.send(async (o) => this.deps.openStream(peer, PROTOCOLS.subject, o), request, options)
  }

  private refused (peer: string, code: string, err: unknown): void {
    const offence = offenceFor(code, err)
    if (offence != null) this.deps.offence(peer, offence)
  }

  private ownParty (): Party {
    const token = this.deps.identityToken()
    const claims = token == null ? undefined : decodeTokenUnverified(token).claims as { ext?: { attrs?: Record<string, string> } }
    return { identity: this.identity, attrs: claims?.ext?.attrs ?? {} }
  }
}
