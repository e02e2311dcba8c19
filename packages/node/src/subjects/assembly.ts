/**
 * The subject layer of a RealmNode: Subjects (interests, coordinator replica, counterparts) and
 * Messaging (subscriptions, publications, direct requests), wired to the node's membership, guard,
 * token checks and streams, with its events. Kept out of realm-node.ts, which only calls this.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { InterestVerifier } from './interest-verifier.js'
import { Subjects } from './subjects.js'
import { offenceFor } from './subject-protocol.js'
import { mayCoordinate } from '../epochs/eligibility.js'
import { Messaging } from '../messaging/messaging.js'
import { Relay } from '../relay/relay.js'
import { canReceive } from './audience.js'
import { coordinatorsOf } from './local-interests.js'
import { authorizeWithLeader } from '../leader/leader-client.js'
import { PROTOCOLS } from '@realmesh/wire'
import type { RelayStore } from '../relay/relay-store.js'
import type { AbortOptions, PeerId, PrivateKey, Stream } from '@libp2p/interface'
import type { PeerRecord } from '@realmesh/wire'
import type { NodeTokenClaims, RealmDescriptor, TokenCache } from '@realmesh/token'
import type { Epochs, EpochRef } from '../epochs/epochs.js'
import type { SubjectsInit } from './subjects.js'
import type { VerifiedInterest } from './interest-verifier.js'
import type { MessagingInit, OutboxRestoredDetail, OutboxSettledDetail } from '../messaging/messaging.js'
import type { Outbox } from '../outbox/outbox.js'
import type { AccountRecord, SubjectMessage } from '../messaging/options.js'
import type { MessageStreamDetail } from '../messaging/inbox.js'
import type { RecordVerifier } from '../peers/records.js'
import type { Membership } from '../membership/membership.js'
import type { Guard } from '../security/guard.js'
import type { RealmLibp2p } from '../libp2p.js'

export interface SubjectMatchedDetail {
  subject: string
  /** hex subject key */
  key: string
  /** the counterpart's node */
  peer: string
  /** the counterpart's identity */
  identity: string
  /** the counterpart's role */
  role: string
}

export interface SubjectRegisteredDetail {
  /** hex subject key */
  key: string
  /** the interested identity and its node */
  identity: string
  peer: string
  role: string
  /** the interest token's id and expiry (ms) */
  jti: string
  expiresAt: number
}

export interface SubjectLayerEvents {
  'subject:matched': SubjectMatchedDetail
  'subject:registered': SubjectRegisteredDetail
  message: SubjectMessage
  /** an authorized exchange: a message delivered to our subscriptions (in), or one a receiver settled as delivered (out) */
  account: AccountRecord
  'message:stream': MessageStreamDetail
  'outbox:restored': OutboxRestoredDetail
  'outbox:settled': OutboxSettledDetail
  /** as a coordinator, this node delivered a deposit to the sleeping receiver it was kept for, now awake (`messages` acked) */
  'relay:delivered': { receiver: string, messages: number }
}

export interface SubjectLayerContext {
  self: PeerId
  realm: RealmDescriptor
  identityKey: PrivateKey
  identityToken: () => string | undefined
  /** this node's own node token's claims (what its eligibility to coordinate depends on) */
  ownClaims: () => NodeTokenClaims | undefined
  ownRecord: () => Promise<PeerRecord | undefined>
  epochs: Epochs
  tokenCache: TokenCache
  records: RecordVerifier
  isRevoked: (jti: string, sub: string) => boolean
  skewSeconds: number
  libp2p: RealmLibp2p
  membership: Membership
  guard: Guard
  routingTableSize: () => number
  openStream: (peer: PeerId, protocol: string, options: AbortOptions) => Promise<Stream>
  /** whether the node runs (membership changes before start and after stop are ignored) */
  running: () => boolean
  emit: <K extends keyof SubjectLayerEvents>(type: K, detail: SubjectLayerEvents[K]) => void
  now: () => number
  subjects?: SubjectsInit
  messaging?: MessagingInit
  /** ms to hold a receiver's messages for (it sleeps on its wake schedule), or undefined to send now */
  hold?: (receiver: VerifiedInterest) => number | undefined
  /** acked publications kept across restarts (the node has a store) */
  outbox?: Outbox
  /** as a coordinator, what senders deposit for sleeping receivers */
  relayStore: RelayStore
  /** whether a member sleeps on its schedule now (it takes no deposit) */
  asleep: (peer: string) => boolean
}

export interface SubjectLayer {
  subjects: Subjects
  messaging: Messaging
  /** the relay store for sleeping receivers (/realmesh/relay/1) */
  relay: Relay
  /** a node's tokens were revoked: its interests and its matches are gone, here and as a coordinator */
  dropNode: (peer: string) => void
  /** a new epoch arrived: this node's interests move to its positions */
  epochChanged: () => void
}

export function assembleSubjectLayer (ctx: SubjectLayerContext): SubjectLayer {
  const { membership, guard, libp2p } = ctx
  const offence = (peer: string, code: string): void => {
    const found = offenceFor(code)
    if (found != null) guard.offence(peer, found)
  }
  const ref: { messaging?: Messaging, relay?: Relay } = {}
  const self = ctx.self.toString()
  const leader = ctx.realm.leader.peerId
  // eligibility by node token: this node's own, or a member's as its handshake verified it
  const eligible = (peer: string, epoch: EpochRef): boolean | undefined => {
    if (epoch == null) return true
    const claims = peer === self ? ctx.ownClaims() : membership.get(peer)?.node.claims
    return claims == null ? undefined : mayCoordinate(claims, epoch, leader)
  }
  const verifier = new InterestVerifier({ realm: ctx.realm, tokenCache: ctx.tokenCache, records: ctx.records, now: ctx.now, isRevoked: ctx.isRevoked, skewSeconds: ctx.skewSeconds })
  const subjects = new Subjects({
    self: ctx.self,
    realm: ctx.realm,
    identityKey: ctx.identityKey,
    identityToken: ctx.identityToken,
    ownRecord: ctx.ownRecord,
    verifier,
    tokenCache: ctx.tokenCache,
    epochs: ctx.epochs,
    eligible,
    dht: () => libp2p.services.dht,
    routingTableSize: ctx.routingTableSize,
    localClosest: (key, count, epoch) => membership.closest(key, count, m => !mayCoordinate(m.node.claims, epoch, leader)).map(m => m.id),
    isAlive: (peer) => {
      const member = membership.get(peer)
      return member != null && member.failures === 0
    },
    openStream: ctx.openStream,
    rememberAddrs: (peer, addrs) => { void libp2p.peerStore.merge(peer, { multiaddrs: addrs }).catch(() => {}) },
    offence: (peer, found) => { guard.offence(peer, found) },
    onCounterpart: (event) => {
      ref.messaging?.onCounterpart(event)
      const { interest, counterpart } = event
      if (event.isNew) ctx.emit('subject:matched', { subject: interest.subject, key: interest.keyHex, peer: counterpart.nodeId, identity: counterpart.identity, role: counterpart.role })
    },
    onInterestRemoved: (interest) => { ref.messaging?.onInterestRemoved(interest) },
    onStored: (i) => {
      ctx.emit('subject:registered', { key: i.keyHex, identity: i.identity, peer: i.nodeId, role: i.role, jti: i.jti, expiresAt: i.expiresAt })
      // a sleepy receiver registers again at every wake: what is kept for it goes now
      if (canReceive(i.role)) ref.relay?.wake(i.nodeId)
    },
    now: ctx.now,
    properties: (keyHex) => ref.messaging?.properties(keyHex) ?? {},
    askLeader: async (question, options) => authorizeWithLeader(async (o) => ctx.openStream(peerIdFromString(leader), PROTOCOLS.leader, o), question, options)
  }, ctx.subjects)
  const messaging = new Messaging({
    self: ctx.self,
    realmId: ctx.realm.id,
    subjects,
    identityToken: ctx.identityToken,
    identityKey: ctx.identityKey,
    openStream: ctx.openStream,
    member: (peer) => membership.get(peer)?.node,
    identityOf: (peer) => membership.get(peer)?.identity.claims.sub,
    refused: offence,
    emitMessage: (message) => { ctx.emit('message', message) },
    account: (record) => { ctx.emit('account', record) },
    emitStream: (stream) => { ctx.emit('message:stream', stream) },
    emitRestored: (detail) => { ctx.emit('outbox:restored', detail) },
    emitSettled: (detail) => { ctx.emit('outbox:settled', detail) },
    outbox: ctx.outbox,
    now: ctx.now,
    hold: ctx.hold
  }, ctx.messaging)
  ref.messaging = messaging
  const relay = new Relay({
    store: ctx.relayStore,
    openStream: ctx.openStream,
    peerOf: peerIdFromString,
    coordinators: (keyHex) => {
      const interest = subjects.interests.get(keyHex)
      return interest == null ? [] : coordinatorsOf(interest).filter(peer => peer !== self && !ctx.asleep(peer))
    },
    tokens: (keyHex) => {
      const interestToken = subjects.interests.get(keyHex)?.token
      const identityToken = ctx.identityToken()
      return interestToken == null || identityToken == null ? undefined : { interestToken, identityToken }
    },
    ownRecord: ctx.ownRecord,
    holdsReceiver: (keyHex, node) => subjects.coordinator.store.interests(keyHex).some(i => i.nodeId === node && canReceive(i.role)),
    verify: async (input) => verifier.verify(input),
    take: async (deposit, coordinator) => messaging.relayed.take(deposit, coordinator),
    refused: offence,
    delivered: (detail) => { ctx.emit('relay:delivered', detail) },
    now: ctx.now
  })
  ref.relay = relay
  membership.addEventListener('peer:joined', (evt) => { if (ctx.running()) subjects.memberJoined(peerIdFromString(evt.detail.peer)) })
  membership.addEventListener('peer:left', (evt) => { if (ctx.running()) messaging.counterpartsGone(subjects.memberLeft(evt.detail.peer)) })
  const dropNode = (peer: string): void => {
    subjects.dropNode(peer)
    messaging.counterpartsGone(subjects.memberLeft(peer))
  }
  return { subjects, messaging, relay, dropNode, epochChanged: () => { subjects.epochChanged() } }
}
