/**
 * What durable subscriptions take and give: their bounds and policies, the node-wide init, the
 * options of subscribe and attach, the messages a consumer gets and the status of each.
 */
import { DEFAULT_MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES } from '@realmesh/wire'
import { DurableError } from './errors.js'
import type { AbortOptions } from '@libp2p/interface'
import type { Audience } from '@realmesh/token'
import type { BackoffInit } from '../util/backoff.js'

/**
 * How much one subscription keeps, and what happens at the bounds (neuropil's cache policies:
 * fifo/lifo x reject/purge). Messages a consumer took stay until room is needed (for
 * `fromStart`); they go first, and are not counted as drops.
 */
export interface DurableBounds {
  /** most messages kept. @default 10000 */
  maxMessages: number
  /** most bytes of message data kept. @default 67108864 (64 MiB) */
  maxBytes: number
  /** a message kept this long is dropped, ms. @default 604800000 (7 days) */
  maxAgeMs: number
  /** which stored message an attached consumer gets first: the oldest (fifo) or the newest (lifo). @default 'fifo' */
  order: 'fifo' | 'lifo'
  /**
   * full of messages not yet consumed: refuse the new one (the sender's ack is rejected with
   * DURABLE_FULL) or drop the oldest one (purge). @default 'purge'
   */
  whenFull: 'reject' | 'purge'
}

export const DURABLE_DEFAULTS: DurableBounds = {
  maxMessages: 10_000,
  maxBytes: 64 * 1024 * 1024,
  maxAgeMs: 7 * 86_400_000,
  order: 'fifo',
  whenFull: 'purge'
}

/** RealmNodeInit.durable */
export interface DurableInit {
  /** the bounds of a subscription that gives none of its own. @default DURABLE_DEFAULTS */
  defaults?: Partial<DurableBounds>
  /** most durable subscriptions on the node. @default 64 */
  maxSubscriptions?: number
  /**
   * ids of stored messages remembered per subscription (in the store, oldest forgotten first): a
   * sender that sends one of them again, after a restart of either side, is acked and the copy
   * dropped. @default 16384
   */
  rememberIds?: number
  /** delays between attempts to register a subscription's interest after a start. @default { baseMs: 1000, maxMs: 30000 } */
  backoff?: BackoffInit
}

export interface DurableSubscribeOptions extends AbortOptions {
  /** 'both' also makes this node a sender on the subject. @default 'receiver' */
  role?: 'receiver' | 'both'
  /** who may be matched with it (see SubscribeOptions.audience) */
  audience?: Audience
  /** this subscription's own bounds; the others come from DurableInit.defaults */
  bounds?: Partial<DurableBounds>
  /** largest message data accepted, bytes (at most 4 MiB). @default 1048576 */
  maxMessageBytes?: number
}

/** what the store keeps of a subscription, and what it is started from again after a restart */
export interface DurableDefinition {
  name: string
  subject: string
  role: 'receiver' | 'both'
  audience?: Audience
  /** its own bounds, as given (the node's defaults fill in the rest at each start) */
  bounds?: Partial<DurableBounds>
  maxMessageBytes: number
  /** ms since the epoch */
  createdAt: number
}

export interface AttachOptions extends AbortOptions {
  /**
   * 'auto': a message is consumed once the handler's promise resolves; 'app': only once it is
   * acked (message.ack(), consumer.ack()): a consumer that ends first gets it again at its next
   * attach. @default 'auto'
   */
  ack?: 'auto' | 'app'
  /** begin with the oldest message kept, consumed or not, rather than the first not consumed */
  fromStart?: boolean
}

export interface DurableMessage {
  /** the subscription */
  name: string
  subject: string
  /** its place in the subscription's store: 1, 2, ... in order of arrival */
  seq: number
  /** hex of the message's 16-byte id */
  id: string
  /** the sender's identity */
  from: string
  /** the sender's node */
  peer: string
  /** its place in the sender's order */
  senderSeq: number
  /** when this node stored it, ms since the epoch */
  receivedAt: number
  data: Uint8Array
  replySubject?: string
  /** ack 'app': this message is consumed */
  ack: () => void
}

/** called for each message in the subscription's order, one at a time: the next waits for its promise */
export type DurableHandler = (message: DurableMessage) => void | Promise<void>

/** what a bound dropped, per cause, since the subscription was created */
export interface DurableDrops {
  /** messages not yet consumed that a full purge subscription dropped for a new one */
  purged: number
  /** messages not yet consumed that were older than maxAgeMs */
  expired: number
  /** new messages a full reject subscription refused (the sender got DURABLE_FULL) */
  rejected: number
}

export interface DurableStatus {
  name: string
  subject: string
  role: 'receiver' | 'both'
  audience?: Audience
  /** messages kept (consumed ones included, until room is needed) */
  stored: number
  /** of those, not yet consumed */
  pending: number
  /** bytes of message data kept */
  bytes: number
  /** when the oldest message kept arrived, ms since the epoch */
  oldest?: number
  bounds: DurableBounds
  dropped: DurableDrops
  /** resent messages dropped as duplicates since the node started */
  duplicates: number
  /** a consumer is attached */
  attached: boolean
  /** the interest is registered (false while the node has not joined, or registering failed and is retried) */
  registered: boolean
  /** why the last registration failed, while it is not registered */
  error?: string
  createdAt: number
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export function checkName (name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) throw new DurableError('DURABLE_NAME_INVALID', `a durable subscription's name is 1 to 64 of A-Z a-z 0-9 . _ - starting with a letter or digit, got ${JSON.stringify(String(name).slice(0, 80))}`)
  return name
}

/** `given` over `defaults` over DURABLE_DEFAULTS, each field checked (DURABLE_OPTION_INVALID) */
export function resolveBounds (given: Partial<DurableBounds> = {}, defaults: Partial<DurableBounds> = {}): DurableBounds {
  const bounds = { ...DURABLE_DEFAULTS, ...defaults, ...given }
  wholeInRange(bounds.maxMessages, 'maxMessages', 1, 10_000_000)
  wholeInRange(bounds.maxBytes, 'maxBytes', 1, Number.MAX_SAFE_INTEGER)
  wholeInRange(bounds.maxAgeMs, 'maxAgeMs', 1_000, 10 * 365 * 86_400_000)
  if (bounds.order !== 'fifo' && bounds.order !== 'lifo') throw new DurableError('DURABLE_OPTION_INVALID', `order is fifo or lifo, got ${String(bounds.order)}`)
  if (bounds.whenFull !== 'reject' && bounds.whenFull !== 'purge') throw new DurableError('DURABLE_OPTION_INVALID', `whenFull is reject or purge, got ${String(bounds.whenFull)}`)
  return bounds
}

export function checkMaxMessageBytes (value: number | undefined): number {
  const max = value ?? DEFAULT_MAX_MESSAGE_BYTES
  return wholeInRange(max, 'maxMessageBytes', 1, MAX_MESSAGE_BYTES)
}

export function wholeInRange (value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) throw new DurableError('DURABLE_OPTION_INVALID', `${name} is a whole number from ${min} to ${max}, got ${String(value)}`)
  return value
}
