/**
 * Messages between matched members (seed 001 step 4: "once the correct peer has been identified,
 * message exchange happens independently from the coordinator"): subscriptions (the inbox),
 * publications (a link per matched receiver), and direct requests. With a store, acked
 * publications are kept in the outbox until settled (../outbox/): what a run leaves there goes
 * out again once the next run has joined (restore()), and stop() first waits a while for what is
 * in flight (drain()).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { subjectKey } from '@realmesh/token'
import { MAX_MESSAGE_BYTES, MAX_SUBJECT_BYTES, MESSAGE_WINDOW, PROTOCOLS, WireErrorCode } from '@realmesh/wire'
import { canReceive, canSend } from '../subjects/audience.js'
import { BoundedMap } from '../util/bounded-map.js'
import { BufferPool } from '../util/buffer-pool.js'
import { raceSignal, withTimeout } from '../util/signals.js'
import { backoffDelay } from '../util/backoff.js'
import { Restoring } from '../outbox/restoring.js'
import { Inbox } from './inbox.js'
import { RelayedInbox } from './relayed.js'
import { sealDeposit } from '../relay/seal.js'
import type { SealedDeposit } from '../relay/seal.js'
import { Publication, ownedCopy } from './publication.js'
import type { PublicationOutbox } from './publication.js'
import { MessageError, MessageTooLargeError } from './errors.js'
import { Direct } from './direct.js'
import { SealKeys } from './seal-keys.js'
import { DEFAULTS, cacheSettings, checkedAttributes, checkedFilter, inboxLimits, maxParallelOf, interestSettings, maxMessageBytes, positive } from './options.js'
import type { AbortOptions, PeerId, PrivateKey, Stream } from '@libp2p/interface'
import type { Subjects, CounterpartEvent } from '../subjects/subjects.js'
import type { LocalInterest } from '../subjects/local-interests.js'
import type { VerifiedInterest } from '../subjects/interest-verifier.js'
import type { VerifiedNode } from '../handshake/handshake.js'
import type { BackoffInit } from '../util/backoff.js'
import type { MessageStreamDetail, Receiving } from './inbox.js'
import type { Outbox, OutboxEntry, OutboxLimits } from '../outbox/outbox.js'
import type { AccountRecord, InterestOptions, MessageHandler, MessageStats, PublishOptions, PublishResult, SubjectMessage, SubjectProperties, SubscribeOptions, Subscription } from './options.js'

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
  /**
   * how long stop() waits for acked messages that went to receivers to be settled before it
   * closes the links (what is left stays in the outbox, with a store), ms. @default 5000
   */
  drainMs?: number
  /** bounds of the outbox (with a store): over them an acked publish() is refused with OUTBOX_FULL */
  outbox?: OutboxLimits
}

/** a message an earlier run left in the outbox was settled in this one */
export interface OutboxSettledDetail extends PublishResult {
  subject: string
}

/** what the start found in the outbox */
export interface OutboxRestoredDetail {
  /** messages that go out again once the node joined */
  messages: number
  /** on how many subjects */
  subjects: number
  /** dropped: their TTL ended while the node was down */
  expired: number
  /** dropped: records this version cannot read */
  unreadable: number
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
  /** an authorized exchange: a message delivered here, or one a receiver settled as delivered */
  account: (record: AccountRecord) => void
  /** a sender's message stream to one of our subscriptions was accepted */
  emitStream: (stream: MessageStreamDetail) => void
  /** what the start found in the outbox */
  emitRestored: (detail: OutboxRestoredDetail) => void
  /** a message an earlier run left in the outbox was settled */
  emitSettled: (detail: OutboxSettledDetail) => void
  /** the node's outbox (it has a store), or none */
  outbox?: Outbox
  now: () => number
  /** ms to hold a receiver's messages for (it sleeps on its wake schedule), or undefined to send now */
  hold?: (receiver: VerifiedInterest) => number | undefined
}

/** errors of a restored subject's registration that another try cannot cure: its messages are settled with the code */
const FINAL_RESTORE_CODES = new Set<string>([WireErrorCode.SUBJECT_AUDIENCE_CONFLICT, WireErrorCode.SUBJECT_AUDIENCE])

export class Messaging {
  readonly inbox: Inbox
  /** what coordinators deliver to this node from senders' relay deposits */
  readonly relayed: RelayedInbox
  readonly stats: MessageStats = { delivered: 0, duplicates: 0, rejected: 0, streams: 0, resent: 0, heldBytes: 0, budgetResets: 0, outboxMessages: 0, outboxBytes: 0, outboxRestored: 0, outboxExpired: 0, outboxUnreadable: 0 }
  readonly direct: Direct
  private readonly publications = new Map<string, Publication>()
  private readonly creating = new Map<string, Promise<Publication>>()
  private readonly keys = new BoundedMap<string, string>({ maxSize: 1024 })
  /** copies of large outgoing data, reused once acked */
  private readonly pool = new BufferPool()
  private readonly sealKeys: SealKeys
  private readonly deps: MessagingDeps
  private readonly init: MessagingInit
  /** what the outbox held at start, until each subject's publication takes it */
  private readonly restoring = new Restoring()
  /** the outbox is being read: publish() waits, so that what it held goes first */
  private loading: Promise<void> | undefined
  private restoreTimer: ReturnType<typeof setTimeout> | undefined
  private restoreFailures = 0
  private restoreRunning = false
  /** counts stops: a restore round that ends after a stop schedules nothing */
  private run = 0
  /** stop() waits for the links' acked messages: told whenever one is settled */
  private drainWaiter: (() => void) | undefined

  constructor (deps: MessagingDeps, init: MessagingInit = {}) {
    this.deps = deps
    this.init = init
    if (init.drainMs != null && !(Number.isFinite(init.drainMs) && init.drainMs >= 0)) throw new RangeError(`drainMs must be a number of milliseconds >= 0, got ${init.drainMs}`)
    this.sealKeys = new SealKeys(deps.identityKey)
    // a message was delivered on the subject: the interest renews its token at half its threshold
    // every message handed to our subscriptions is an exchange in
    const emitMessage = (message: SubjectMessage): void => {
      deps.account({ at: deps.now(), direction: 'in', subject: message.subject, identity: message.from, peer: message.peer, bytes: message.data.byteLength, messages: 1, id: message.id })
      deps.emitMessage(message)
    }
    const noteReceived = (keyHex: string): void => {
      const interest = deps.subjects.interests.get(keyHex)
      if (interest != null) deps.subjects.interests.noteReceived(interest)
    }
    this.inbox = new Inbox({
      keys: this.sealKeys,
      admit: async (input) => deps.subjects.admit(input),
      member: deps.member,
      refused: deps.refused,
      noteReceived,
      emit: emitMessage,
      opened: deps.emitStream,
      now: deps.now,
      stats: this.stats,
      limits: inboxLimits(init)
    })
    this.relayed = new RelayedInbox({
      self: deps.self,
      subjects: this.inbox.subjects,
      keys: this.sealKeys,
      admit: async (input) => deps.subjects.admit(input),
      refused: deps.refused,
      noteReceived,
      emit: emitMessage,
      now: deps.now,
      stats: this.stats
    })
    this.direct = new Direct({ self: deps.self, open: async (peer, o) => deps.openStream(peer, PROTOCOLS.direct, o), identityOf: deps.identityOf, refused: deps.refused })
  }

  async subscribe (subject: string, handler: MessageHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    const keyHex = this.keyOf(subject)
    const role = options.role ?? 'receiver'
    const uses = { send: role === 'both', receive: true }
    const filter = options.filter == null ? undefined : checkedFilter(options.filter)
    const maxParallel = options.maxParallel == null ? undefined : maxParallelOf(options.maxParallel)
    this.checkAudience(keyHex, options)
    let receiving = this.inbox.subjects.get(keyHex)
    if (receiving == null) {
      // in place before the interest is registered: a matched sender may open a stream at once
      receiving = { subject, keyHex, handlers: new Set(), filters: new Map(), ack: options.ack ?? 'destination', maxMessageBytes: maxMessageBytes(options.maxMessageBytes), seen: new BoundedMap({ maxSize: 16_384, ttlMs: 600_000 }), streams: new Set() }
      this.inbox.subjects.set(keyHex, receiving)
    }
    // a subscription that acks as 'app' (a durable one: its ack means "stored") needs the
    // subject's acks to wait for its handler, whatever the subscription before it asked for
    if (options.ack === 'app') receiving.ack = 'app'
    receiving.handlers.add(handler)
    if (filter != null) receiving.filters.set(handler, filter)
    let interest: LocalInterest
    try {
      interest = await this.deps.subjects.interests.use(subject, uses, { ...interestSettings(options), maxParallel }, options.authorize, { signal: this.registerSignal(options) })
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

  /** `to`: sendTo()'s receiver, an identity or node peer id (RECEIVER_INVALID when it is not a peer id) */
  async publish (subject: string, data: Uint8Array, options: PublishOptions = {}, to?: string): Promise<PublishResult> {
    const ttlMs = positive(options.ttlMs ?? DEFAULTS.ttlMs, 'ttlMs')
    if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array')
    if (data.byteLength > MAX_MESSAGE_BYTES) throw new MessageTooLargeError(data.byteLength, MAX_MESSAGE_BYTES)
    const replySubject = options.replySubject ?? ''
    if (typeof replySubject !== 'string' || Buffer.byteLength(replySubject) > MAX_SUBJECT_BYTES) throw new RangeError(`a reply subject is at most ${MAX_SUBJECT_BYTES} bytes of UTF-8`)
    const id = options.id == null ? undefined : messageId(options.id)
    const attrs = options.attrs == null ? undefined : new Map(Object.entries(checkedAttributes(options.attrs, 'attrs')))
    if (to != null) receiverId(to)
    if (options.maxRetries != null && !(Number.isInteger(options.maxRetries) && options.maxRetries >= 0)) throw new RangeError(`maxRetries must be an integer >= 0, got ${options.maxRetries}`)
    maxParallelOf(options.maxParallel)
    this.checkAudience(this.keyOf(subject), options)
    // before anything changes (a first publish registers the subject)
    if ((options.ack ?? 'none') !== 'none') this.deps.outbox?.assertRoom(data.byteLength)
    // copied before the first await: the caller may reuse its buffer once publish() has returned
    const owned = ownedCopy(data, this.pool)
    if (this.loading != null) await this.loading
    const publication = await this.publication(subject, options)
    // an aborted caller stops waiting; the message itself goes on until it is settled
    return raceSignal(publication.publish(owned, options, ttlMs, id, attrs, to), options.signal)
  }

  /** Reads what an earlier run left in the outbox (at start; publish() waits for it). */
  async start (): Promise<void> {
    this.restoreRunning = false
    const outbox = this.deps.outbox
    if (outbox == null) return
    const loading = (async () => {
      const { messages, expired, unreadable } = await outbox.open(this.deps.now())
      this.stats.outboxExpired += expired
      this.stats.outboxUnreadable += unreadable
      this.restoring.add(messages)
      if (messages.length + expired + unreadable > 0) this.deps.emitRestored({ messages: messages.length, subjects: this.restoring.size, expired, unreadable })
    })()
    this.loading = loading
    try {
      await loading
    } finally {
      if (this.loading === loading) this.loading = undefined
    }
  }

  /**
   * Sends again what the outbox held at start (once the node joined and can register its
   * subjects): each subject's messages in their order, ahead of anything published after.
   * A subject whose registration fails is tried again with backoff while the node runs.
   */
  restore (): void {
    if (this.restoreRunning || this.restoring.size === 0) return
    this.restoreRunning = true
    const run = this.run
    clearTimeout(this.restoreTimer)
    this.restoreTimer = undefined
    for (const { message, entry } of this.restoring.takeExpired(this.deps.now())) {
      this.stats.outboxExpired++
      this.settleRestored(message.subject, message.id, entry, WireErrorCode.MESSAGE_EXPIRED)
    }
    void Promise.allSettled(this.restoring.subjects().map(async (subject) => this.restoreSubject(subject))).then(() => {
      if (run !== this.run) return
      this.restoreRunning = false
      if (this.restoring.size === 0) return
      this.restoreTimer = setTimeout(() => { this.restore() }, backoffDelay(++this.restoreFailures, { baseMs: 1_000, maxMs: 30_000 }))
      this.restoreTimer.unref()
    })
  }

  /**
   * Resolves once every acked message that went to receivers is settled, or after
   * messaging.drainMs, or when `signal` aborts (never rejects): what is left is settled by stop().
   */
  async drain (options: AbortOptions = {}): Promise<void> {
    if (this.unsettled() === 0) return
    const signal = withTimeout(options, this.init.drainMs ?? DEFAULTS.drainMs)
    await new Promise<void>((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done)
        this.drainWaiter = undefined
        resolve()
      }
      this.drainWaiter = () => { if (this.unsettled() === 0) done() }
      signal.addEventListener('abort', done, { once: true })
      if (signal.aborted) done()
    })
  }

  /** the counters, with the outbox's now */
  statsNow (): MessageStats {
    return { ...this.stats, outboxMessages: this.deps.outbox?.messages ?? 0, outboxBytes: this.deps.outbox?.bytes ?? 0 }
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

  /**
   * Before this node sleeps or stops: what its links hold for receivers `asleep` says sleep is
   * sealed for each (a deposit session of its own, signed by our identity) and handed to
   * `deposit`, which resolves with how many of the first were stored; those settle 'relayed'.
   */
  async relayHeld (asleep: (receiver: VerifiedInterest) => boolean, deposit: (keyHex: string, receiver: VerifiedInterest, sealed: SealedDeposit) => Promise<number>): Promise<void> {
    await Promise.all([...this.publications].map(async ([keyHex, publication]) => {
      const key = Uint8Array.from(Buffer.from(keyHex, 'hex'))
      await publication.relayHeld(asleep, async (receiver, messages) => deposit(keyHex, receiver, await sealDeposit(this.sealKeys, this.deps.identityKey, key, receiver.identity, messages)))
    }))
  }

  /** whether this node's messages wait to be sent or acked to receivers that are not asleep */
  sending (): boolean {
    for (const publication of this.publications.values()) if (publication.sending()) return true
    return false
  }

  /** what this node's subscriptions and publication on a subject use (SubjectStatus.properties) */
  properties (keyHex: string): Pick<SubjectProperties, 'receive' | 'publish'> {
    const receiving = this.inbox.subjects.get(keyHex)
    const publication = this.publications.get(keyHex)
    return {
      ...(receiving == null ? {} : { receive: { ack: receiving.ack, maxMessageBytes: receiving.maxMessageBytes, maxParallel: this.deps.subjects.interests.get(keyHex)?.settings.maxParallel ?? MESSAGE_WINDOW } }),
      ...(publication == null ? {} : { publish: { maxMessageBytes: publication.maxMessageBytes, cache: { ...publication.cacheOptions }, maxParallel: publication.maxParallel } })
    }
  }

  /**
   * Whether a receiver is matched on `subject` now (`to`: that one, by identity or node peer id):
   * a counterpart that receives, admitted for this node's interest. Registers nothing.
   */
  hasReceiver (subject: string, to?: string): boolean {
    if (to != null) receiverId(to)
    const keyHex = this.keyOf(subject)
    const now = this.deps.now()
    return this.deps.subjects.counterparts.list(keyHex).some(c => canReceive(c.role) && c.expiresAt > now && (to == null || c.identity === to || c.nodeId === to))
  }

  /** receivers matched per subject this node publishes on */
  receivers (keyHex: string): number {
    return this.publications.get(keyHex)?.receivers ?? 0
  }

  /**
   * Closes every publication and subscription. With an outbox, what is written so far is on disk
   * first, and what is not settled stays there for the next start (its publish() promises are
   * refused with OUTBOX_KEPT).
   */
  async stop (): Promise<void> {
    this.run++
    clearTimeout(this.restoreTimer)
    const outbox = this.deps.outbox
    if (outbox != null) {
      await this.loading?.catch(() => {})
      await outbox.close()
    }
    for (const publication of this.publications.values()) publication.close(outbox != null)
    this.publications.clear()
    this.restoring.clear()
    this.restoreFailures = 0
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
    const publication = new Publication(subject, maxMessageBytes(options.maxMessageBytes), cacheSettings(options.cache), {
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
        maxParallel: maxParallelOf(options.maxParallel),
        backoff: this.init.backoff ?? { baseMs: 250, maxMs: 5_000 },
        hold: this.deps.hold
      },
      outbox: this.outboxOf(subject, keyHex, options),
      restoredSettled: (result) => { this.deps.emitSettled({ subject, ...result }) },
      settled: () => { this.drainWaiter?.() },
      delivered: (receiver, id, bytes) => { this.deps.account({ at: this.deps.now(), direction: 'out', subject, identity: receiver.identity, peer: receiver.nodeId, bytes, messages: 1, id }) }
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
      // what an earlier run left goes first, to every receiver matched so far
      this.giveRestored(subject, publication)
      return publication
    })().finally(() => { this.creating.delete(keyHex) })
    this.creating.set(keyHex, created)
    return created
  }

  /** the node's outbox as this subject's publication writes to it (with the interest's audience, resolved when a message is written) */
  private outboxOf (subject: string, keyHex: string, options: PublishOptions): PublicationOutbox | undefined {
    const outbox = this.deps.outbox
    if (outbox == null) return undefined
    const largest = maxMessageBytes(options.maxMessageBytes)
    return {
      add: (message) => outbox.add({ ...message, subject, maxMessageBytes: largest, audience: this.deps.subjects.interests.get(keyHex)?.settings.audience ?? options.audience }),
      remove: (entry) => { outbox.remove(entry) }
    }
  }

  /** registers a subject the outbox held messages of (its publication takes them), unless it failed for good */
  private async restoreSubject (subject: string): Promise<void> {
    try {
      const publication = await this.publication(subject, { ...this.restoring.settingsOf(subject), signal: AbortSignal.timeout(this.init.registerTimeoutMs ?? 30_000) })
      // a publication that existed already took nothing
      this.giveRestored(subject, publication)
      this.restoreFailures = 0
    } catch (err) {
      const code = (err as { code?: string }).code ?? ''
      if (!FINAL_RESTORE_CODES.has(code)) return
      for (const { message, entry } of this.restoring.take(subject) ?? []) this.settleRestored(subject, message.id, entry, code)
    }
  }

  private giveRestored (subject: string, publication: Publication): void {
    const messages = this.restoring.take(subject)
    if (messages == null) return
    this.stats.outboxRestored += messages.length
    publication.restore(messages)
  }

  /** a restored message that never went out: it leaves the outbox, and the application hears why */
  private settleRestored (subject: string, id: Uint8Array, entry: OutboxEntry, code: string): void {
    this.deps.outbox?.remove(entry)
    this.deps.emitSettled({ subject, id: Buffer.from(id).toString('hex'), cached: true, results: [], code })
  }

  /** acked messages that went to links and are not settled yet */
  private unsettled (): number {
    let count = 0
    for (const publication of this.publications.values()) count += publication.unsettled
    return count
  }

  private removeHandler (receiving: Receiving, handler: MessageHandler): void {
    receiving.handlers.delete(handler)
    receiving.filters.delete(handler)
    if (receiving.handlers.size > 0 || this.inbox.subjects.get(receiving.keyHex) !== receiving) return
    this.inbox.subjects.delete(receiving.keyHex)
    for (const end of receiving.streams) end()
  }

  /** before anything changes: SUBJECT_AUDIENCE_CONFLICT (SUBJECT_ATTRS_CONFLICT) when our interest in the subject has another audience (other intent attributes) */
  private checkAudience (keyHex: string, options: InterestOptions): void {
    const interest = this.deps.subjects.interests.get(keyHex)
    if (interest == null) return
    this.deps.subjects.interests.checkAudience(interest, options.audience)
    this.deps.subjects.interests.checkAttrs(interest, options.intentAttrs == null ? undefined : checkedAttributes(options.intentAttrs, 'intentAttrs'))
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

/** sendTo()'s receiver: a peer id (an identity's or a node's), RECEIVER_INVALID otherwise */
function receiverId (value: unknown): void {
  try {
    if (typeof value !== 'string') throw new TypeError('not a string')
    peerIdFromString(value)
  } catch {
    throw new MessageError('RECEIVER_INVALID', `a receiver is an identity or node peer id (12D3KooW...), got ${JSON.stringify(String(value).slice(0, 80))}`)
  }
}

/** a caller's message id: 32 hex digits (MESSAGE_ID_INVALID otherwise) */
function messageId (value: unknown): Uint8Array<ArrayBuffer> {
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{32}$/.test(value)) throw new MessageError('MESSAGE_ID_INVALID', 'a message id is 32 hex digits (16 bytes)')
  return Uint8Array.from(Buffer.from(value, 'hex'))
}
