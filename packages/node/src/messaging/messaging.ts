/**
 * Messages between matched members (seed 001 step 4: "once the correct peer has been identified,
 * message exchange happens independently from the coordinator"): subscriptions (the inbox),
 * publications (a link per matched receiver), and direct requests.
 */
import { subjectKey } from '@realmesh/token'
import { MAX_MESSAGE_BYTES, MAX_SUBJECT_BYTES, PROTOCOLS } from '@realmesh/wire'
import { canReceive, canSend } from '../subjects/audience.js'
import { BoundedMap } from '../util/bounded-map.js'
import { BufferPool } from '../util/buffer-pool.js'
import { raceSignal } from '../util/signals.js'
import { Inbox } from './inbox.js'
import { Publication, ownedCopy } from './publication.js'
import { MessageTooLargeError } from './errors.js'
import { Direct } from './direct.js'
import { SealKeys } from './seal-keys.js'
import { DEFAULTS, inboxLimits, interestSettings, maxMessageBytes, positive } from './options.js'
import type { AbortOptions, PeerId, PrivateKey, Stream } from '@libp2p/interface'
import type { Subjects, CounterpartEvent } from '../subjects/subjects.js'
import type { LocalInterest } from '../subjects/local-interests.js'
import type { VerifiedInterest } from '../subjects/interest-verifier.js'
import type { VerifiedNode } from '../handshake/handshake.js'
import type { BackoffInit } from '../util/backoff.js'
import type { MessageStreamDetail, Receiving } from './inbox.js'
import type { InterestOptions, MessageHandler, MessageStats, PublishOptions, PublishResult, SubjectMessage, SubscribeOptions, Subscription } from './options.js'

export interface MessagingInit {
  /** a sender resends unacked messages on a new stream after this long without any ack, ms. @default 5000 */
  ackTimeoutMs?: number
  /** delays between attempts to (re)open a message stream. @default { baseMs: 250, maxMs: 5000 } */
  backoff?: BackoffInit
  /** how long subscribe() and the first publish() on a subject wait for a coordinator to accept the interest, ms. @default 30000 */
  registerTimeoutMs?: number
  /**
   * most bytes of messages waiting out of order in one sender session's reorder window (each
   * counts its data and 256 bytes); more resets the stream (MESSAGE_BUDGET_EXCEEDED, an offence).
   * A sender has at most 8 MiB in flight, so an honest one never needs more. @default 8388608 (8 MiB)
   */
  maxWindowBytes?: number
  /**
   * most bytes one sender peer's message streams hold in this node at once, across its streams and
   * connections: frames being received and messages waiting out of order. More resets the stream
   * whose bytes passed it (MESSAGE_BUDGET_EXCEEDED, an offence). At least 4 MiB + 4 KiB (one frame
   * of the largest message). @default 33554432 (32 MiB)
   */
  maxPeerBytes?: number
  /**
   * the same for all senders together; more resets the stream whose bytes passed it (BUSY, not
   * an offence: the sender may be honest). At least 4 MiB + 4 KiB. @default 134217728 (128 MiB)
   */
  maxNodeBytes?: number
}

export interface MessagingDeps {
  self: PeerId
  realmId: string
  subjects: Subjects
  identityToken: () => string | undefined
  /** the key of this node's identity: its interests are signed with it, and message data is sealed to and from it */
  identityKey: PrivateKey
  openStream: (peer: PeerId, protocol: string, options: AbortOptions) => Promise<Stream>
  member: (peer: PeerId) => VerifiedNode | undefined
  identityOf: (peer: PeerId) => string | undefined
  /** a refusal of ours, for scoring */
  refused: (peer: string, code: string) => void
  emitMessage: (message: SubjectMessage) => void
  /** a sender's message stream to one of our subscriptions was accepted */
  emitStream: (stream: MessageStreamDetail) => void
  now: () => number
  /** ms to hold a receiver's messages for (it sleeps on its wake schedule), or undefined to send now */
  hold?: (receiver: VerifiedInterest) => number | undefined
}

export class Messaging {
  readonly inbox: Inbox
  readonly stats: MessageStats = { delivered: 0, duplicates: 0, rejected: 0, streams: 0, resent: 0, heldBytes: 0, budgetResets: 0 }
  readonly direct: Direct
  private readonly publications = new Map<string, Publication>()
  private readonly creating = new Map<string, Promise<Publication>>()
  private readonly keys = new BoundedMap<string, string>({ maxSize: 1024 })
  /** copies of large outgoing data, reused once acked */
  private readonly pool = new BufferPool()
  private readonly sealKeys: SealKeys
  private readonly deps: MessagingDeps
  private readonly init: MessagingInit

  constructor (deps: MessagingDeps, init: MessagingInit = {}) {
    this.deps = deps
    this.init = init
    this.sealKeys = new SealKeys(deps.identityKey)
    this.inbox = new Inbox({
      keys: this.sealKeys,
      admit: async (input) => deps.subjects.admit(input),
      member: deps.member,
      refused: deps.refused,
      noteReceived: (keyHex) => {
        const interest = deps.subjects.interests.get(keyHex)
        if (interest != null) deps.subjects.interests.noteReceived(interest)
      },
      emit: deps.emitMessage,
      opened: deps.emitStream,
      now: deps.now,
      stats: this.stats,
      limits: inboxLimits(init)
    })
    this.direct = new Direct({ self: deps.self, open: async (peer, o) => deps.openStream(peer, PROTOCOLS.direct, o), identityOf: deps.identityOf, refused: deps.refused })
  }

  async subscribe (subject: string, handler: MessageHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    const keyHex = this.keyOf(subject)
    const role = options.role ?? 'receiver'
    const uses = { send: role === 'both', receive: true }
    this.checkAudience(keyHex, options)
    let receiving = this.inbox.subjects.get(keyHex)
    if (receiving == null) {
      // in place before the interest is registered: a matched sender may open a stream at once
      receiving = { subject, keyHex, handlers: new Set(), ack: options.ack ?? 'destination', maxMessageBytes: maxMessageBytes(options.maxMessageBytes), seen: new BoundedMap({ maxSize: 16_384, ttlMs: 600_000 }), streams: new Set() }
      this.inbox.subjects.set(keyHex, receiving)
    }
    // a subscription that acks as 'app' (a durable one: its ack means "stored") needs the
    // subject's acks to wait for its handler, whatever the subscription before it asked for
    if (options.ack === 'app') receiving.ack = 'app'
    receiving.handlers.add(handler)
    let interest: LocalInterest
    try {
      interest = await this.deps.subjects.interests.use(subject, uses, interestSettings(options), options.authorize, { signal: this.registerSignal(options) })
    } catch (err) {
      this.removeHandler(receiving, handler)
      throw err
    }
    let done = false
    return {
      subject,
      unsubscribe: async () => {
        if (done) return
        done = true
        this.removeHandler(receiving, handler)
        await this.deps.subjects.interests.release(interest, uses, options.authorize)
      }
    }
  }

  async publish (subject: string, data: Uint8Array, options: PublishOptions = {}): Promise<PublishResult> {
    const ttlMs = positive(options.ttlMs ?? DEFAULTS.ttlMs, 'ttlMs')
    if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array')
    if (data.byteLength > MAX_MESSAGE_BYTES) throw new MessageTooLargeError(data.byteLength, MAX_MESSAGE_BYTES)
    const replySubject = options.replySubject ?? ''
    if (typeof replySubject !== 'string' || Buffer.byteLength(replySubject) > MAX_SUBJECT_BYTES) throw new RangeError(`a reply subject is at most ${MAX_SUBJECT_BYTES} bytes of UTF-8`)
    this.checkAudience(this.keyOf(subject), options)
    // copied before the first await: the caller may reuse its buffer once publish() has returned
    const owned = ownedCopy(data, this.pool)
    const publication = await this.publication(subject, options)
    // an aborted caller stops waiting; the message itself goes on until it is settled
    return raceSignal(publication.publish(owned, options, ttlMs), options.signal)
  }

  /** a counterpart was admitted: a receiver becomes (or renews) a link of our publication */
  onCounterpart (event: CounterpartEvent): void {
    const { interest, counterpart } = event
    if (canSend(interest.role) && canReceive(counterpart.role)) this.publications.get(interest.keyHex)?.addReceiver(counterpart)
  }

  /** our interest in a subject is gone: so is the publication */
  onInterestRemoved (interest: LocalInterest): void {
    this.publications.get(interest.keyHex)?.close()
    this.publications.delete(interest.keyHex)
  }

  /** counterparts whose node left the realm */
  counterpartsGone (gone: VerifiedInterest[]): void {
    for (const counterpart of gone) this.publications.get(counterpart.keyHex)?.removeReceiver(counterpart.nodeId)
  }

  /** a receiver node is awake again (it slept on its schedule; undefined: this node did): its messages go now, on every subject */
  receiverAwake (nodeId?: string): void {
    for (const publication of this.publications.values()) publication.resume(nodeId)
  }

  /** whether messages wait to be sent to (or acked by) `nodeId`, on any subject (held for it while it slept included) */
  holdsFor (nodeId: string): boolean {
    for (const publication of this.publications.values()) if (publication.pending(nodeId)) return true
    return false
  }

  /** whether this node's messages wait to be sent or acked to receivers that are not asleep */
  sending (): boolean {
    for (const publication of this.publications.values()) if (publication.sending()) return true
    return false
  }

  /** receivers matched per subject this node publishes on */
  receivers (keyHex: string): number {
    return this.publications.get(keyHex)?.receivers ?? 0
  }

  stop (): void {
    for (const publication of this.publications.values()) publication.close()
    this.publications.clear()
    for (const receiving of this.inbox.subjects.values()) for (const end of receiving.streams) end()
    this.inbox.subjects.clear()
    this.pool.clear()
  }

  private async publication (subject: string, options: PublishOptions): Promise<Publication> {
    const keyHex = this.keyOf(subject)
    const creating = this.creating.get(keyHex)
    if (creating != null) return creating
    const existing = this.publications.get(keyHex)
    if (existing != null) return existing
    const publication = new Publication(subject, maxMessageBytes(options.maxMessageBytes), { ...DEFAULTS.cache, ...options.cache }, {
      now: this.deps.now,
      forget: (receiver) => { this.deps.subjects.counterparts.remove(receiver.keyHex, receiver.identity, receiver.nodeId) },
      pool: this.pool,
      link: {
        key: Uint8Array.from(Buffer.from(keyHex, 'hex')),
        tokens: () => {
          const token = this.deps.subjects.interests.get(keyHex)?.token
          const identityToken = this.deps.identityToken()
          return token == null || identityToken == null ? undefined : { interestToken: token, identityToken }
        },
        open: async (peer, o) => this.deps.openStream(peer, PROTOCOLS.message, o),
        keys: this.sealKeys,
        now: this.deps.now,
        onResend: (count) => { this.stats.resent += count },
        ackTimeoutMs: this.init.ackTimeoutMs ?? 5_000,
        backoff: this.init.backoff ?? { baseMs: 250, maxMs: 5_000 },
        hold: this.deps.hold
      }
    })
    const created = (async () => {
      // in place before the interest is registered: receivers may be matched during registration
      this.publications.set(keyHex, publication)
      try {
        await this.deps.subjects.interests.use(subject, { send: true, receive: false }, interestSettings(options), options.authorize, { signal: this.registerSignal(options) })
      } catch (err) {
        this.publications.delete(keyHex)
        publication.close()
        throw err
      }
      for (const counterpart of this.deps.subjects.counterparts.list(keyHex)) {
        if (canReceive(counterpart.role)) publication.addReceiver(counterpart)
      }
      return publication
    })().finally(() => { this.creating.delete(keyHex) })
    this.creating.set(keyHex, created)
    return created
  }

  private removeHandler (receiving: Receiving, handler: MessageHandler): void {
    receiving.handlers.delete(handler)
    if (receiving.handlers.size > 0 || this.inbox.subjects.get(receiving.keyHex) !== receiving) return
    this.inbox.subjects.delete(receiving.keyHex)
    for (const end of receiving.streams) end()
  }

  /** before anything changes: SUBJECT_AUDIENCE_CONFLICT when our interest in the subject has another audience */
  private checkAudience (keyHex: string, options: InterestOptions): void {
    const interest = this.deps.subjects.interests.get(keyHex)
    if (interest != null) this.deps.subjects.interests.checkAudience(interest, options.audience)
  }

  private registerSignal (options: AbortOptions): AbortSignal {
    const timeout = AbortSignal.timeout(this.init.registerTimeoutMs ?? 30_000)
    return options.signal == null ? timeout : AbortSignal.any([options.signal, timeout])
  }

  /** the subject's key (hex); the last 1024 subjects used are remembered (a hash per publish was a tenth of a 1 KiB publish's cost) */
  private keyOf (subject: string): string {
    const known = this.keys.get(subject)
    if (known != null) return known
    if (typeof subject !== 'string' || subject.length === 0 || Buffer.byteLength(subject) > MAX_SUBJECT_BYTES) throw new RangeError(`a subject is 1 to ${MAX_SUBJECT_BYTES} bytes of UTF-8`)
    const keyHex = Buffer.from(subjectKey(this.deps.realmId, subject)).toString('hex')
    this.keys.set(subject, keyHex)
    return keyHex
  }
}
