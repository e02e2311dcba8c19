/**
 * This node as a sender on one subject: a link per matched receiver, and the cache for messages
 * published before any receiver is matched (handed to the first receivers matched). publish()
 * settles once every receiver it went to has a result (with acks), or at once (without).
 *
 * With an outbox (the node has a store), an acked message is written to it before it goes to a
 * link or the cache, and leaves it once settled: messages wait in publish order until their write
 * is done (a message without acks published behind one waits too, so that the order holds), and
 * what the node stops with stays there (OUTBOX_KEPT) to be sent again at the next start
 * (restore(): held apart from the cache and its bound, in their first order, ahead of anything
 * published after).
 */
import { WireErrorCode } from '@realmesh/wire'
import { MessageCache } from './message-cache.js'
import { MessageError, MessageTooLargeError } from './errors.js'
import { MAX_QUEUED_BYTES, MAX_QUEUED_MESSAGES, SenderLink } from './sender-link.js'
import { OutboxError } from '../outbox/errors.js'
import { RandomIds } from '../util/random-ids.js'
import type { CacheOptions, DeliveryResult, PublishOptions, PublishResult } from './options.js'
import type { Outgoing, SenderLinkDeps } from './sender-link.js'
import type { BufferPool } from '../util/buffer-pool.js'
import type { DropCode } from './message-cache.js'
import type { VerifiedInterest } from '../subjects/interest-verifier.js'
import type { OutboxEntry } from '../outbox/outbox.js'
import type { StoredMessage } from '../outbox/record.js'

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
  options: Required<Pick<PublishOptions, 'ack' | 'maxRetries'>> & { replySubject: string, attrs: Map<string, string> }
  /** sendTo(): the one receiver it goes to, by identity or node peer id */
  to?: string
  expiresAt: number
  cached: boolean
  /** its place in the outbox, while it is kept there */
  stored?: OutboxEntry
  /** written (or nothing to write): it goes out once everything published before it has */
  ready: boolean
  /** its promise is settled (and it left the outbox, or stays there when the node stops) */
  finished: boolean
  /** sent again after a restart: nobody waits for its promise (deps.restoredSettled is told) */
  restored: boolean
  resolve: (result: PublishResult) => void
  reject: (err: Error) => void
  /** publish()'s onAccepted */
  accepted?: PublishOptions['onAccepted']
}

/** where acked messages are kept until settled: the node's outbox, bound to this subject */
export interface PublicationOutbox {
  add: (message: Pick<StoredMessage, 'id' | 'data' | 'ack' | 'replySubject' | 'attrs' | 'to' | 'expiresAt' | 'maxRetries'>) => OutboxEntry
  remove: (entry: OutboxEntry) => void
}

export interface PublicationDeps {
  now: () => number
  /** what every link of this publication shares (key, tokens, open, timers, counters) */
  link: Omit<SenderLinkDeps, 'onRefused'>
  /** the receiver refused us for good: forget it as a counterpart */
  forget: (receiver: VerifiedInterest) => void
  /** buffers for copies of large data */
  pool: BufferPool
  /** without it, nothing is kept across restarts */
  outbox?: PublicationOutbox
  /** a message sent again after a restart was settled (nobody waits on a promise for it) */
  restoredSettled: (result: PublishResult) => void
  /** every receiver settled a message that went to links (stop() drains until none is left) */
  settled: () => void
  /** a receiver settled a message as delivered (the `account` event) */
  delivered: (receiver: VerifiedInterest, id: string, bytes: number) => void
}

const noop = (): void => {}
/** a message without attributes of its own (never changed: nothing writes to it) */
const NO_ATTRS: Map<string, string> = new Map()

export class Publication {
  readonly subject: string
  readonly maxMessageBytes: number
  /** the cache's settings, as given to the first publish (defaults filled in) */
  readonly cacheOptions: Required<CacheOptions>
  /** acked messages in flight to each receiver at once (before a receiver's own bound) */
  readonly maxParallel: number
  private readonly links = new Map<string, SenderLink>()
  private readonly cache: MessageCache<Pending>
  /** messages sent again after a restart, waiting for a receiver: in their order, without the cache's bound (the outbox bounds them) */
  private readonly held: MessageCache<Pending>
  /** sendTo() messages whose receiver is not matched yet: in their order, bounded as the cache is */
  private readonly targeted: MessageCache<Pending>
  /** published, waiting for their write or for an earlier message's (bounded as a link's queue is) */
  private readonly staged: Pending[] = []
  private stagedBytes = 0
  private readonly deps: PublicationDeps
  private cacheTimer: ReturnType<typeof setTimeout> | undefined
  /** acked messages handed to links and not yet settled by all of them */
  private inflight = 0
  private closed = false
  /** closing with the outbox kept: what is stored stays there */
  private keeping = false

  constructor (subject: string, maxMessageBytes: number, cache: Required<CacheOptions>, deps: PublicationDeps) {
    this.subject = subject
    this.maxMessageBytes = maxMessageBytes
    this.cacheOptions = cache
    this.maxParallel = deps.link.maxParallel
    this.deps = deps
    this.cache = new MessageCache<Pending>(cache, (item, code) => { this.dropped(item, code) })
    this.held = new MessageCache<Pending>({ size: Number.MAX_SAFE_INTEGER, policy: 'fifo' }, (item, code) => { this.dropped(item, code) })
    this.targeted = new MessageCache<Pending>({ ...cache, policy: 'fifo' }, (item, code) => { this.dropped(item, code) })
  }

  get receivers (): number {
    return this.links.size
  }

  /** acked messages handed to links that not every link has settled yet */
  get unsettled (): number {
    return this.inflight
  }

  /**
   * `owned`: the publication's own copy of the data (ownedCopy), made before the caller could
   * change it; `id`: the message id the caller chose (else a random one); `attrs`: its own
   * attributes, checked. OUTBOX_FULL (rejected, nothing kept) when an acked message does not fit
   * in the outbox.
   */
  async publish (owned: OwnedData, options: PublishOptions, ttlMs: number, id?: Uint8Array<ArrayBuffer>, attrs: Map<string, string> = NO_ATTRS, to?: string): Promise<PublishResult> {
    const { copy, pooled } = owned
    if (copy.byteLength > this.maxMessageBytes) throw new MessageTooLargeError(copy.byteLength, this.maxMessageBytes)
    const ack = options.ack ?? 'none'
    const replySubject = options.replySubject ?? ''
    if (this.staged.length >= MAX_QUEUED_MESSAGES || this.stagedBytes + copy.byteLength > MAX_QUEUED_BYTES) {
      throw new MessageError(WireErrorCode.BUSY, `${this.staged.length} messages (${this.stagedBytes} bytes) on ${this.subject} wait for the outbox's write already`)
    }
    return new Promise<PublishResult>((resolve, reject) => {
      const pending: Pending = {
        id: id ?? ids.next(),
        data: copy,
        pooled,
        options: { ack, maxRetries: options.maxRetries ?? 10, replySubject, attrs },
        to,
        expiresAt: this.deps.now() + ttlMs,
        cached: false,
        ready: true,
        finished: false,
        restored: false,
        resolve,
        reject,
        accepted: options.onAccepted
      }
      if (ack !== 'none' && this.deps.outbox != null) {
        try {
          pending.stored = this.deps.outbox.add({ id: pending.id, data: copy, ack, replySubject, attrs: attrs.size === 0 ? undefined : Object.fromEntries(attrs), to, expiresAt: pending.expiresAt, maxRetries: pending.options.maxRetries })
        } catch (err) {
          this.release(pending)
          reject(err)
          return
        }
        pending.ready = false
        pending.stored.onWritten((err) => {
          if (err == null) pending.ready = true
          else this.refuse(pending, err)
          this.advance()
        })
      }
      this.stage(pending)
      this.advance()
    })
  }

  /**
   * Messages an earlier run left in the outbox, in their order: they go out to the receivers
   * matched now (or wait for the first ones, as cached messages do), ahead of anything published
   * after; their results go to deps.restoredSettled.
   */
  restore (messages: Array<{ message: StoredMessage, entry: OutboxEntry }>): void {
    for (const { message, entry } of messages) {
      this.stage({
        id: message.id,
        data: message.data,
        options: { ack: message.ack, maxRetries: message.maxRetries, replySubject: message.replySubject, attrs: message.attrs == null ? NO_ATTRS : new Map(Object.entries(message.attrs)) },
        to: message.to,
        expiresAt: message.expiresAt,
        cached: false,
        stored: entry,
        ready: true,
        finished: false,
        restored: true,
        resolve: noop,
        reject: noop
      })
    }
    this.advance()
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
    if (this.held.length > 0 || this.cache.length > 0 || this.targeted.length > 0) {
      clearTimeout(this.cacheTimer)
      const now = this.deps.now()
      // restored messages were published before anything in the cache; targeted ones that wait for another receiver wait on, in their order
      for (const pending of [...this.held.drain(now), ...this.cache.drain(now), ...this.targeted.drain(now)]) this.dispatch(pending)
      this.armCacheTimer()
    }
  }

  /** whether a receiver is matched (one named by identity or node peer id, when `to` is given) */
  hasReceiver (to?: string): boolean {
    this.prune()
    return this.linksFor(to).length > 0
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

  /** hands what waits for each receiver `asleep` says sleeps to `deposit` (SenderLink.relay), every link at once */
  async relayHeld (asleep: (receiver: VerifiedInterest) => boolean, deposit: (receiver: VerifiedInterest, messages: Outgoing[]) => Promise<number>): Promise<void> {
    const links = [...this.links.values()].filter(link => asleep(link.receiver))
    await Promise.all(links.map(async (link) => { await link.relay(async (messages) => deposit(link.receiver, messages)) }))
  }

  /** a receiver went away (left the realm, withdrew): what it had not acked is settled expired */
  removeReceiver (nodeId: string, code: string = WireErrorCode.RECEIVER_GONE, status: 'expired' | 'rejected' = 'expired'): void {
    const link = this.links.get(nodeId)
    this.links.delete(nodeId)
    link?.close(code, status)
  }

  /**
   * Ends the publication: what is not settled is settled expired, or, with `keep` (the node
   * stops, its outbox closed), what is stored stays in the outbox and its promise is refused
   * with OUTBOX_KEPT.
   */
  close (keep = false): void {
    this.closed = true
    this.keeping = keep
    clearTimeout(this.cacheTimer)
    for (const nodeId of [...this.links.keys()]) this.removeReceiver(nodeId)
    this.stagedBytes = 0
    for (const pending of this.staged.splice(0)) {
      this.release(pending)
      this.finish(pending, emptyResult(pending, WireErrorCode.MESSAGE_EXPIRED))
    }
    for (const pending of [...this.held.drain(Number.POSITIVE_INFINITY), ...this.cache.drain(Number.POSITIVE_INFINITY), ...this.targeted.drain(Number.POSITIVE_INFINITY)]) this.dropped(pending, WireErrorCode.MESSAGE_EXPIRED)
  }

  private stage (pending: Pending): void {
    this.staged.push(pending)
    this.stagedBytes += pending.data.byteLength
  }

  /** routes what is ready at the front of the staged messages, in order */
  private advance (): void {
    for (let first = this.staged[0]; first != null && (first.ready || first.finished); first = this.staged[0]) {
      this.staged.shift()
      this.stagedBytes -= first.data.byteLength
      if (!first.finished) this.route(first)
    }
  }

  /** to every link, or into the cache while there is none */
  private route (pending: Pending): void {
    if (this.closed) {
      this.release(pending)
      this.finish(pending, emptyResult(pending, WireErrorCode.MESSAGE_EXPIRED))
      return
    }
    this.prune()
    if (this.linksFor(pending.to).length > 0) {
      pending.accepted?.({ id: hex(pending.id), stored: pending.stored != null })
      this.dispatch(pending)
      return
    }
    if (!this.wait(pending, pending.restored && pending.to == null ? this.held : undefined)) return
    pending.accepted?.({ id: hex(pending.id), stored: pending.stored != null })
    if (pending.options.ack === 'none') this.finish(pending, { id: hex(pending.id), cached: true, sent: 0 })
  }

  /**
   * Keeps a message no receiver it may go to is matched for: in `into`, or the targeted cache (a
   * sendTo()), or the cache. False when that refused it (and it is settled).
   */
  private wait (pending: Pending, into?: MessageCache<Pending>): boolean {
    try {
      pending.cached = true
      ;(into ?? (pending.to != null ? this.targeted : this.cache)).add(pending, this.deps.now())
    } catch (err) {
      this.refuse(pending, err as Error)
      return false
    }
    this.armCacheTimer()
    return true
  }

  /** the links a message goes to: every one, or (sendTo) the first whose receiver is `to` by identity or node */
  private linksFor (to: string | undefined): SenderLink[] {
    if (to == null) return [...this.links.values()]
    const link = this.links.get(to) ?? [...this.links.values()].find(l => l.receiver.identity === to)
    return link == null ? [] : [link]
  }

  /** hands a message to every receiver's link (a sendTo: to its one); resolves once each settled it (acks) or at once (none) */
  private dispatch (pending: Pending): void {
    const links = this.linksFor(pending.to)
    // a sendTo() whose receiver is not among those matched waits for it
    if (links.length === 0 && pending.to != null) {
      this.wait(pending)
      return
    }
    const id = hex(pending.id)
    const results: DeliveryResult[] = []
    const acked = pending.options.ack !== 'none'
    if (acked) this.inflight++
    for (const link of links) {
      const counterpart = link.receiver
      const { identity: receiver, nodeId: peer } = counterpart
      let settled = false
      link.send({
        id: pending.id,
        data: pending.data,
        ack: pending.options.ack,
        replySubject: pending.options.replySubject,
        attrs: pending.options.attrs,
        expiresAt: pending.expiresAt,
        maxRetries: pending.options.maxRetries,
        settle: (result) => {
          if (settled) return
          settled = true
          results.push({ receiver, peer, ...result })
          if (result.status === 'delivered') this.deps.delivered(counterpart, id, pending.data.byteLength)
          if (results.length < links.length) return
          this.release(pending)
          if (!acked) return
          this.finish(pending, { id, cached: pending.cached, results })
          this.inflight--
          this.deps.settled()
        }
      })
    }
    if (!acked) this.finish(pending, { id, cached: pending.cached, sent: links.length })
  }

  /**
   * The message's promise settles with `result`, and it leaves the outbox; when the node stops
   * (keeping), a stored message stays there instead and its promise is refused with OUTBOX_KEPT.
   */
  private finish (pending: Pending, result: PublishResult): void {
    if (pending.finished) return
    pending.finished = true
    if (pending.stored != null) {
      if (this.keeping) {
        pending.reject(new OutboxError('OUTBOX_KEPT', `the node stopped before every receiver settled message ${result.id} on ${this.subject}: it stays in the outbox and goes out again when the node starts`))
        return
      }
      this.deps.outbox?.remove(pending.stored)
    }
    if (pending.restored) this.deps.restoredSettled(result)
    else pending.resolve(result)
  }

  /** the message was refused before it went anywhere (its write failed, the cache refused it) */
  private refuse (pending: Pending, err: Error): void {
    if (pending.finished) return
    pending.finished = true
    this.release(pending)
    if (pending.stored != null) this.deps.outbox?.remove(pending.stored)
    if (pending.restored) this.deps.restoredSettled({ id: hex(pending.id), cached: pending.cached, results: [], code: (err as { code?: string }).code ?? WireErrorCode.INTERNAL })
    else pending.reject(err)
  }

  private refused (receiver: VerifiedInterest, code: string): void {
    if (this.links.get(receiver.nodeId)?.receiver.identity !== receiver.identity) return
    this.removeReceiver(receiver.nodeId, code, 'rejected')
    this.deps.forget(receiver)
  }

  /** a message that never left the cache */
  private dropped (pending: Pending, code: DropCode): void {
    this.release(pending)
    this.finish(pending, { id: hex(pending.id), cached: true, results: [], code })
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
    const next = Math.min(...[this.held, this.cache, this.targeted].map(c => c.nextExpiry() ?? Number.POSITIVE_INFINITY))
    if (!Number.isFinite(next)) return
    this.cacheTimer = setTimeout(() => {
      const now = this.deps.now()
      this.held.prune(now)
      this.cache.prune(now)
      this.targeted.prune(now)
      this.armCacheTimer()
    }, Math.max(0, next - this.deps.now()) + 1)
    this.cacheTimer.unref()
  }
}

/** the result of a message that went to no receiver: without acks it was sent to none; with acks, `code` says why */
function emptyResult (pending: Pending, code: string): PublishResult {
  const id = hex(pending.id)
  return pending.options.ack === 'none' ? { id, cached: pending.cached, sent: 0 } : { id, cached: pending.cached, results: [], code }
}

function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}
