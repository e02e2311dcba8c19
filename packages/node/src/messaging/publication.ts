/**
 * This node as a sender on one subject: a link per matched receiver, and the cache for messages
 * published before any receiver is matched (handed to the first receivers matched). publish()
 * settles once every receiver it went to has a result (with acks), or at once (without).
 */
import { WireErrorCode } from '@realmesh/wire'
import { MessageCache } from './message-cache.js'
import { MessageTooLargeError } from './errors.js'
import { SenderLink } from './sender-link.js'
import { RandomIds } from '../util/random-ids.js'
import type { CacheOptions, DeliveryResult, PublishOptions, PublishResult } from './options.js'
import type { SenderLinkDeps } from './sender-link.js'
import type { BufferPool } from '../util/buffer-pool.js'
import type { DropCode } from './message-cache.js'
import type { VerifiedInterest } from '../subjects/interest-verifier.js'

/** message ids of every publication in this process */
const ids = new RandomIds()

/**
 * Data of at least this many bytes is copied into a pooled buffer (used again once every receiver
 * settled the message: the links seal it into buffers of their own, so no stream ever holds it);
 * smaller data is copied as it is.
 */
export const POOLED_MIN_BYTES = 16 * 1024

/** a message's data as the publication holds it: its own copy, large data in a pooled buffer */
export interface OwnedData {
  copy: Uint8Array<ArrayBuffer>
  /** the pooled buffer the copy is a view of */
  pooled?: Uint8Array<ArrayBuffer>
}

/**
 * Copies `data` for a publication, at once: the caller may reuse its buffer as soon as publish()
 * returns its promise, while the message waits to be sent or resent.
 */
export function ownedCopy (data: Uint8Array, pool: BufferPool): OwnedData {
  if (data.byteLength < POOLED_MIN_BYTES) return { copy: new Uint8Array(data) }
  const pooled = pool.take(data.byteLength)
  pooled.set(data)
  return { copy: pooled.subarray(0, data.byteLength), pooled }
}

interface Pending {
  id: Uint8Array<ArrayBuffer>
  data: Uint8Array<ArrayBuffer>
  pooled?: Uint8Array<ArrayBuffer>
  options: Required<Pick<PublishOptions, 'ack' | 'maxRetries'>> & { replySubject: string }
  expiresAt: number
  resolve: (result: PublishResult) => void
  cached: boolean
}

export interface PublicationDeps {
  now: () => number
  /** what every link of this publication shares (key, tokens, open, timers, counters) */
  link: Omit<SenderLinkDeps, 'onRefused'>
  /** the receiver refused us for good: forget it as a counterpart */
  forget: (receiver: VerifiedInterest) => void
  /** buffers for copies of large data */
  pool: BufferPool
}

export class Publication {
  readonly subject: string
  readonly maxMessageBytes: number
  private readonly links = new Map<string, SenderLink>()
  private readonly cache: MessageCache<Pending>
  private readonly deps: PublicationDeps
  private cacheTimer: ReturnType<typeof setTimeout> | undefined

  constructor (subject: string, maxMessageBytes: number, cache: CacheOptions, deps: PublicationDeps) {
    this.subject = subject
    this.maxMessageBytes = maxMessageBytes
    this.deps = deps
    this.cache = new MessageCache<Pending>(cache, (item, code) => { this.dropped(item, code) })
  }

  get receivers (): number {
    return this.links.size
  }

  /** `owned`: the publication's own copy of the data (ownedCopy), made before the caller could change it */
  async publish (owned: OwnedData, options: PublishOptions, ttlMs: number): Promise<PublishResult> {
    const { copy, pooled } = owned
    if (copy.byteLength > this.maxMessageBytes) throw new MessageTooLargeError(copy.byteLength, this.maxMessageBytes)
    const ack = options.ack ?? 'none'
    const now = this.deps.now()
    const replySubject = options.replySubject ?? ''
    return new Promise<PublishResult>((resolve, reject) => {
      const pending: Pending = {
        id: ids.next(),
        data: copy,
        pooled,
        options: { ack, maxRetries: options.maxRetries ?? 10, replySubject },
        expiresAt: now + ttlMs,
        resolve,
        cached: false
      }
      this.prune()
      if (this.links.size > 0) {
        this.dispatch(pending)
        return
      }
      try {
        pending.cached = true
        this.cache.add(pending, now)
      } catch (err) {
        reject(err)
        return
      }
      this.armCacheTimer()
      if (ack === 'none') resolve({ id: hex(pending.id), cached: true, sent: 0 })
    })
  }

  /** every link settled the message, or it never left the cache: nothing uses its pooled copy any more */
  private release (pending: Pending): void {
    if (pending.pooled == null) return
    this.deps.pool.give(pending.pooled)
    pending.pooled = undefined
  }

  /** a receiver was matched (or renewed its token) */
  addReceiver (receiver: VerifiedInterest): void {
    const existing = this.links.get(receiver.nodeId)
    if (existing != null) {
      if (existing.receiver.identity === receiver.identity) {
        existing.update(receiver)
        return
      }
      // the node now receives as another identity: what the link holds is sealed for the old one
      if (receiver.issuedAt < existing.receiver.issuedAt) return
      this.removeReceiver(receiver.nodeId)
    }
    this.links.set(receiver.nodeId, new SenderLink(receiver, { ...this.deps.link, onRefused: (code) => { this.refused(receiver, code) } }))
    if (this.cache.length > 0) {
      clearTimeout(this.cacheTimer)
      for (const pending of this.cache.drain(this.deps.now())) this.dispatch(pending)
    }
  }

  /** the receiver's node is awake again (it, or this node, slept on its schedule): what its link holds goes now (undefined: every link's) */
  resume (nodeId?: string): void {
    if (nodeId != null) this.links.get(nodeId)?.resume()
    else for (const link of this.links.values()) link.resume()
  }

  /** whether messages to `nodeId` wait to be sent or acked (held for it while it sleeps included) */
  pending (nodeId: string): boolean {
    return this.links.get(nodeId)?.pending === true
  }

  /** whether messages wait to be sent or acked to a receiver that is not asleep (held ones wait anyway) */
  sending (): boolean {
    for (const link of this.links.values()) if (link.pending && this.deps.link.hold?.(link.receiver) == null) return true
    return false
  }

  /** a receiver went away (left the realm, withdrew): what it had not acked is settled expired */
  removeReceiver (nodeId: string, code: string = WireErrorCode.RECEIVER_GONE, status: 'expired' | 'rejected' = 'expired'): void {
    const link = this.links.get(nodeId)
    this.links.delete(nodeId)
    link?.close(code, status)
  }

  close (): void {
    clearTimeout(this.cacheTimer)
    for (const nodeId of [...this.links.keys()]) this.removeReceiver(nodeId)
    for (const pending of this.cache.drain(Number.POSITIVE_INFINITY)) this.dropped(pending, WireErrorCode.MESSAGE_EXPIRED)
  }

  /** hands a message to every receiver's link; resolves once each settled it (acks) or at once (none) */
  private dispatch (pending: Pending): void {
    const links = [...this.links.values()]
    const id = hex(pending.id)
    const results: DeliveryResult[] = []
    for (const link of links) {
      const { identity: receiver, nodeId: peer } = link.receiver
      let settled = false
      link.send({
        id: pending.id,
        data: pending.data,
        ack: pending.options.ack,
        replySubject: pending.options.replySubject,
        expiresAt: pending.expiresAt,
        maxRetries: pending.options.maxRetries,
        settle: (result) => {
          if (settled) return
          settled = true
          results.push({ receiver, peer, ...result })
          if (results.length < links.length) return
          this.release(pending)
          if (pending.options.ack !== 'none') pending.resolve({ id, cached: pending.cached, results })
        }
      })
    }
    if (pending.options.ack === 'none') pending.resolve({ id, cached: pending.cached, sent: links.length })
  }

  private refused (receiver: VerifiedInterest, code: string): void {
    if (this.links.get(receiver.nodeId)?.receiver.identity !== receiver.identity) return
    this.removeReceiver(receiver.nodeId, code, 'rejected')
    this.deps.forget(receiver)
  }

  /** a message that never left the cache */
  private dropped (pending: Pending, code: DropCode): void {
    this.release(pending)
    if (pending.options.ack !== 'none') pending.resolve({ id: hex(pending.id), cached: true, results: [], code })
  }

  /** receivers whose interest expired without renewal are gone */
  private prune (): void {
    const now = this.deps.now()
    for (const [nodeId, link] of [...this.links]) {
      if (link.receiver.expiresAt <= now) this.removeReceiver(nodeId, WireErrorCode.RECEIVER_GONE)
    }
  }

  private armCacheTimer (): void {
    clearTimeout(this.cacheTimer)
    const next = this.cache.nextExpiry()
    if (next == null) return
    this.cacheTimer = setTimeout(() => {
      this.cache.prune(this.deps.now())
      this.armCacheTimer()
    }, Math.max(0, next - this.deps.now()) + 1)
    this.cacheTimer.unref()
  }
}

function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}
