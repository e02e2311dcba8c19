/**
 * Per-subject message properties, their defaults, and what subscribers and publishers get back.
 * A subject's interest (role, audience, threshold, TTLs) is shared by everything this node does on
 * the subject: the first subscribe() or publish() sets it, later calls only widen its role (and
 * may not ask for another audience: SUBJECT_AUDIENCE_CONFLICT).
 */
import { DEFAULT_MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES, MESSAGE_FRAME_SLACK, MESSAGE_WINDOW, MESSAGE_WINDOW_BYTES } from '@realmesh/wire'
import { MAX_ATTRIBUTES, attributesProblem } from '@realmesh/token'
import { MessageError } from './errors.js'
import type { Audience } from '@realmesh/token'
import type { AbortOptions } from '@libp2p/interface'
import type { AuthorizeSubject, InterestRequest } from '../subjects/local-interests.js'

/** none: fire and forget; destination: acked when the receiving node hands it to its application; app: acked by the receiving application */
export type AckMode = 'none' | 'destination' | 'app'

export interface CacheOptions {
  /** messages kept while no receiver is matched. @default 100 */
  size?: number
  /** which cached message goes out first once a receiver is matched. @default 'fifo' */
  policy?: 'fifo' | 'lifo'
  /** a full cache refuses the new message (MESSAGE_CACHE_FULL) or drops its oldest one. @default 'purge' */
  whenFull?: 'reject' | 'purge'
}

export interface InterestOptions extends AbortOptions {
  /**
   * who may be matched with us: the first use of a subject sets it (default `{ kind: 'public' }`);
   * a later one that gives another is SUBJECT_AUDIENCE_CONFLICT (nothing changes), one that gives
   * none shares it. The data of every message is sealed for the one receiver identity it goes to.
   */
  audience?: Audience
  /** runs for every counterpart before anything is exchanged with it. @default allow */
  authorize?: AuthorizeSubject
  /** lifetime of our interest tokens, seconds. @default 300 */
  interestTtlSeconds?: number
  /** how often the interest is registered again with a fresh token, ms. @default interestTtlSeconds * 1000 / 3 */
  refreshMs?: number
  /** messages a sender may send under one of our interest tokens before it needs a renewed one. @default 1000 */
  threshold?: number
  /**
   * the intent's attributes, signed into our interest token: every message this node sends on the
   * subject inherits them (over the identity token's; a message's own win). Set by the subject's
   * first use like the audience (another set later: SUBJECT_ATTRS_CONFLICT). @default none
   */
  intentAttrs?: Record<string, string>
}

/**
 * A receiver's filter on message attributes: every name must be among the message's attributes
 * (inherited: identity, then intent, then the message's own) with this value, or one of these values.
 */
export type AttributeFilter = Record<string, string | string[]>

export interface SubscribeOptions extends InterestOptions {
  /** 'both' also makes this node a sender on the subject. @default 'receiver' */
  role?: 'receiver' | 'both'
  /** how this subscription acks messages a sender wants acked ('none' acks as 'destination'). @default 'destination' */
  ack?: AckMode
  /** largest message data accepted, bytes (at most 4 MiB). @default 1048576 */
  maxMessageBytes?: number
  /**
   * the most acked messages a sender node may have in flight to this node on the subject at once
   * (1..1024), announced in our interest token (set by the subject's first use). @default 1024
   */
  maxParallel?: number
  /**
   * only messages whose attributes match are handed to this subscription's handler; a message no
   * subscription of the subject takes is refused (MESSAGE_FILTERED: the sender's result when it
   * asked for an ack). @default every message
   */
  filter?: AttributeFilter
}

/**
 * `signal` bounds the wait for the interest's first registration (subscribe, first publish) and,
 * for publish, the wait for the result (the message itself goes on until it is settled).
 */
export interface PublishOptions extends InterestOptions {
  /** @default 'none' */
  ack?: AckMode
  /** how long the message may take to be delivered, ms (cache included). @default 30000 */
  ttlMs?: number
  /** resends on a new stream before the message is given up. @default 10 */
  maxRetries?: number
  /** a subject the receiver may answer on */
  replySubject?: string
  /** the message's own attributes (over the intent's and the identity's). @default none */
  attrs?: Record<string, string>
  /** largest message data this node publishes on the subject, bytes (at most 4 MiB; set by the first publish). @default 1048576 */
  maxMessageBytes?: number
  /** messages published before any receiver is matched (set by the first publish) */
  cache?: CacheOptions
  /**
   * the most acked messages in flight (sent, not yet acked) to each receiver at once, 1..1024 (set
   * by the first publish); a receiver's own maxParallel lowers it. @default 1024
   */
  maxParallel?: number
  /**
   * the message id, 32 hex digits (16 bytes), when the caller chooses it: receivers drop a second
   * message with an id they had on the subject (for 10 minutes, the last 16384), so a caller that
   * publishes again after a failure with the same id is delivered once. It must be unique on the
   * subject (random, or derived from something that is). @default 16 random bytes
   */
  id?: string
  /**
   * called once the message is accepted: with acks on a node with a store, once it is in the
   * outbox (`stored`: it goes out again after a restart until every receiver settled it); else once
   * it went to the links or the cache. Not called when publish() refuses the message.
   */
  onAccepted?: (accepted: { id: string, stored: boolean }) => void
}

export interface SubjectMessage {
  subject: string
  /** hex of the message's 16-byte id */
  id: string
  /** the sender's identity */
  from: string
  /** the sender's node */
  peer: string
  /** its place in the sender's order (per sender node and subject) */
  seq: number
  data: Uint8Array
  /** when this node received it, ms since the epoch (its clock) */
  receivedAt: number
  /** the sender identity's attributes, from its verified token (identity token, or the node token when the node is its own identity) */
  senderAttrs: Record<string, string>
  /** the message's attributes: the sender identity's, then its intent's (its interest token), then the message's own, later ones winning */
  attrs: Record<string, string>
  /**
   * members the message passed to get here: 1 straight from the sender's node, 2 through a
   * coordinator that kept it while this node slept (Sleepy members); forwarding adds its own
   */
  hops: number
  replySubject?: string
  /** how the sender wants it acked (after this subscription's own mode is applied) */
  ack: AckMode
  /** ack mode 'app': acknowledge now rather than when the handler resolves */
  accept: () => void
  /** ack mode 'app': refuse it (the sender gets 'rejected' with `code`, default APP_REJECTED) */
  reject: (code?: string) => void
}

/** Called for every message, in order per sender; with ack 'app' its promise settling is the ack. */
export type MessageHandler = (message: SubjectMessage) => void | Promise<void>

export interface DeliveryResult {
  /** the receiver's identity */
  receiver: string
  /** its node */
  peer: string
  /**
   * 'relayed': the receiver slept and this node was about to sleep or stop, so the message was
   * handed, sealed for the receiver, to the subject's coordinators, which deliver it when the
   * receiver wakes (this node does not hear whether it was delivered: see README, Sleepy members)
   */
  status: 'delivered' | 'relayed' | 'expired' | 'rejected'
  code?: string
}

export interface PublishResult {
  id: string
  /** the message waited in the cache for a receiver */
  cached: boolean
  /** ack 'none': how many receivers it went to */
  sent?: number
  /** ack 'destination' / 'app': one result per receiver it went to */
  results?: DeliveryResult[]
  /** the message never left the cache: MESSAGE_EXPIRED or MESSAGE_PURGED */
  code?: string
}

/** what this node's subscriptions on a subject share (SubscribeOptions, set by the first subscribe; ack 'app' once any asks for it) */
export interface ReceiveProperties {
  ack: AckMode
  maxMessageBytes: number
  /** what the interest token announces (the subject's first use set it) */
  maxParallel: number
}

/** what this node's publication on a subject uses (PublishOptions, set by the first publish) */
export interface PublishProperties {
  maxMessageBytes: number
  cache: Required<CacheOptions>
  maxParallel: number
}

/** a subject's properties on this node: the interest's, and its subscriptions' and publication's where it has them */
export interface SubjectProperties {
  threshold: number
  interestTtlSeconds: number
  refreshMs: number
  receive?: ReceiveProperties
  publish?: PublishProperties
}

export interface Subscription {
  readonly subject: string
  unsubscribe: () => Promise<void>
}

/**
 * One authorized exchange, as the `account` event reports it: a message this node delivered to
 * its subscriptions (`in`), or one a receiver settled as delivered (`out`; without acks, once it
 * was written to the receiver's stream).
 */
export interface AccountRecord {
  /** ms since the epoch, this node's clock */
  at: number
  direction: 'in' | 'out'
  subject: string
  /** the counterpart's identity: the sender (in) or the receiver (out) */
  identity: string
  /** its node */
  peer: string
  /** the message's data, bytes (as the application gave or got it, before sealing) */
  bytes: number
  messages: number
  /** the message id (hex) */
  id: string
}

/** counters since start, for diagnostics and tests */
export interface MessageStats {
  /** messages handed to this node's subscriptions */
  delivered: number
  /** arrivals dropped as duplicates (and acked again) */
  duplicates: number
  /** arrivals refused (too large, expired, refused by the application) */
  rejected: number
  /** message streams opened to this node by senders */
  streams: number
  /** messages this node sent again on a new stream (no ack on the old one) */
  resent: number
  /** bytes senders' message streams hold in this node now: frames being received, messages waiting out of order (at most messaging.maxNodeBytes) */
  heldBytes: number
  /** senders' message streams reset because they would have held more than a budget (window, peer or node) */
  budgetResets: number
  /** acked messages this node published that wait in its outbox for every receiver to settle them (0 without a store) */
  outboxMessages: number
  /** their bytes */
  outboxBytes: number
  /** messages an earlier run left in the outbox that this run sent again */
  outboxRestored: number
  /** messages an earlier run left in the outbox that were dropped at start: their TTL ended while the node was down */
  outboxExpired: number
  /** records of the outbox this version could not read, dropped at start */
  outboxUnreadable: number
}

export const DEFAULTS = {
  interestTtlSeconds: 300,
  threshold: 1000,
  ttlMs: 30_000,
  drainMs: 5_000,
  maxRetries: 10,
  cache: { size: 100, policy: 'fifo', whenFull: 'purge' },
  maxWindowBytes: MESSAGE_WINDOW_BYTES,
  maxPeerBytes: 32 * 1024 * 1024,
  maxNodeBytes: 128 * 1024 * 1024
} as const

/** the receiver's memory bounds (MessagingInit maxWindowBytes, maxPeerBytes, maxNodeBytes), checked */
export function inboxLimits (init: { maxWindowBytes?: number, maxPeerBytes?: number, maxNodeBytes?: number }): { windowBytes: number, peerBytes: number, nodeBytes: number } {
  // a budget smaller than one frame of the largest message would refuse that message on every stream
  const frame = MAX_MESSAGE_BYTES + MESSAGE_FRAME_SLACK
  return {
    windowBytes: byteLimit(init.maxWindowBytes ?? DEFAULTS.maxWindowBytes, 'maxWindowBytes', 1),
    peerBytes: byteLimit(init.maxPeerBytes ?? DEFAULTS.maxPeerBytes, 'maxPeerBytes', frame),
    nodeBytes: byteLimit(init.maxNodeBytes ?? DEFAULTS.maxNodeBytes, 'maxNodeBytes', frame)
  }
}

function byteLimit (value: number, name: string, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be a whole number of bytes, at least ${min}, got ${value}`)
  return value
}

export function interestSettings (options: InterestOptions): InterestRequest {
  const ttlSeconds = positive(options.interestTtlSeconds ?? DEFAULTS.interestTtlSeconds, 'interestTtlSeconds')
  return {
    audience: options.audience,
    attrs: options.intentAttrs == null ? undefined : checkedAttributes(options.intentAttrs, 'intentAttrs'),
    threshold: positive(options.threshold ?? DEFAULTS.threshold, 'threshold'),
    ttlSeconds,
    refreshMs: positive(options.refreshMs ?? Math.floor(ttlSeconds * 1000 / 3), 'refreshMs')
  }
}

/** a publication's cache settings, defaults filled in and checked (RangeError naming the bad one) */
export function cacheSettings (cache: CacheOptions = {}): Required<CacheOptions> {
  const size = cache.size ?? DEFAULTS.cache.size
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`cache.size must be an integer >= 0, got ${size}`)
  const policy = cache.policy ?? DEFAULTS.cache.policy
  if (policy !== 'fifo' && policy !== 'lifo') throw new RangeError(`cache.policy is 'fifo' or 'lifo', got ${String(policy)}`)
  const whenFull = cache.whenFull ?? DEFAULTS.cache.whenFull
  if (whenFull !== 'reject' && whenFull !== 'purge') throw new RangeError(`cache.whenFull is 'reject' or 'purge', got ${String(whenFull)}`)
  return { size, policy, whenFull }
}

/** attributes given to subscribe() or publish(): ATTRIBUTES_INVALID naming the option when they are not a valid set */
export function checkedAttributes (attrs: Record<string, string>, option: string): Record<string, string> {
  const problem = attributesProblem(attrs)
  if (problem != null) throw new MessageError('ATTRIBUTES_INVALID', `${option}: expected ${problem}`)
  return { ...attrs }
}

/** a subscription's filter: ATTRIBUTES_INVALID when it is not an object of strings or arrays of strings (at most 16 names) */
export function checkedFilter (filter: AttributeFilter): AttributeFilter {
  const values = filter != null && typeof filter === 'object' && !Array.isArray(filter) ? Object.entries(filter) : undefined
  if (values == null || values.length > MAX_ATTRIBUTES || values.some(([, v]) => !(typeof v === 'string' || (Array.isArray(v) && v.every(x => typeof x === 'string'))))) {
    throw new MessageError('ATTRIBUTES_INVALID', `filter: expected an object of at most ${MAX_ATTRIBUTES} names, each a string or an array of strings`)
  }
  return Object.fromEntries(values.map(([k, v]) => [k, Array.isArray(v) ? [...v] : v]))
}

/** a maxParallel option: 1..MESSAGE_WINDOW (RangeError), the window when absent */
export function maxParallelOf (value: number | undefined): number {
  const max = value ?? MESSAGE_WINDOW
  if (!Number.isInteger(max) || max < 1 || max > MESSAGE_WINDOW) throw new RangeError(`maxParallel must be an integer in 1..${MESSAGE_WINDOW}, got ${max}`)
  return max
}

export function maxMessageBytes (value: number | undefined): number {
  const max = value ?? DEFAULT_MAX_MESSAGE_BYTES
  if (!Number.isInteger(max) || max < 1 || max > MAX_MESSAGE_BYTES) throw new RangeError(`maxMessageBytes must be an integer in 1..${MAX_MESSAGE_BYTES}, got ${max}`)
  return max
}

export function positive (value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`)
  return value
}
