/**
 * One sender's link to one receiver node on one subject: a long-lived /realmesh/message/1 stream
 * (reopened with exponential backoff when it breaks), messages numbered 1, 2, 3 ... in this link's
 * session, at most maxParallel acked messages (the publication's, or the receiver's when lower; at
 * most MESSAGE_WINDOW) / MESSAGE_WINDOW_BYTES in flight, and each message
 * settled exactly once: delivered or rejected (the receiver's ack), or expired (its TTL ended, it
 * was resent max-retries times, the receiver went away). Unacked messages are resent in order on
 * the next stream; the receiver drops what it already has and acks it again.
 */
import { randomBytes } from 'node:crypto'
import { FRAME_LIMITS, MESSAGE_WINDOW, MESSAGE_WINDOW_BYTES, SEAL_TAG_BYTES, MessageAck, MessageData, MessageReply, RemoteError, WireErrorCode, checkMessageReply, messageFrameHead, sealData } from '@realmesh/wire'
import { backoffDelay } from '../util/backoff.js'
import { ACK_MODES, isFinalRefusal, openMessageStream } from './message-stream.js'
import type { OpenStream } from './message-stream.js'
import type { SealKeys } from './seal-keys.js'
import type { KeyObject } from 'node:crypto'
import type { AbortOptions, PeerId, Stream } from '@libp2p/interface'
import type { BackoffInit } from '../util/backoff.js'
import type { VerifiedInterest } from '../subjects/interest-verifier.js'
import type { AckMode, DeliveryResult } from './options.js'
import type { MessageHeader } from '@realmesh/wire'

export interface Outgoing {
  id: Uint8Array<ArrayBuffer>
  /** the plaintext: sealed for the receiver each time it is framed */
  data: Uint8Array<ArrayBuffer>
  ack: AckMode
  replySubject: string
  /** the message's own attributes (empty: none) */
  attrs: Map<string, string>
  expiresAt: number
  maxRetries: number
  /** settles the message for this receiver (called once) */
  settle: (result: Pick<DeliveryResult, 'status' | 'code'>) => void
}

interface Entry { message: Outgoing, seq?: bigint, attempts: number }

export interface SenderLinkDeps {
  key: Uint8Array<ArrayBuffer>
  /** our current interest token and identity token */
  tokens: () => { interestToken: string, identityToken: string } | undefined
  open: (peer: PeerId, options: AbortOptions) => Promise<Stream>
  /** seal keys: the session's key for the receiver identity */
  keys: SealKeys
  /** the receiver refused the stream for good (no longer subscribed, unauthorized, ...) */
  onRefused: (code: string) => void
  /** `count` unacked messages go out again on a new stream */
  onResend: (count: number) => void
  now: () => number
  ackTimeoutMs: number
  backoff: BackoffInit
  /** the publication's bound on acked messages in flight to this receiver (the receiver's own maxParallel lowers it) */
  maxParallel: number
  /**
   * ms to hold the receiver's messages for (it sleeps on its wake schedule: they go when it wakes,
   * or when `resume()` says it is back), or undefined to send now. @default never held
   */
  hold?: (receiver: VerifiedInterest) => number | undefined
}

/** messages waiting to be sent to one receiver (it is slow or unreachable): more are given up at once */
export const MAX_QUEUED_MESSAGES = 10_000
export const MAX_QUEUED_BYTES = 64 * 1024 * 1024
/** a held link tries again this long after the receiver's wake window opened (it redials and announces itself first), ms */
const WAKE_MARGIN_MS = 250
/** a write carries at most this many bytes of messages (one frame of any size goes alone) */
const WRITE_BATCH_BYTES = 256 * 1024
/**
 * Sealed data this large goes out as chunks of its own behind its frame's head (no copy into an
 * encoded frame); smaller data is encoded with the other small messages of a write.
 */
export const SEPARATE_DATA_MIN_BYTES = 16 * 1024

export class SenderLink {
  receiver: VerifiedInterest
  private readonly deps: SenderLinkDeps
  private readonly session = Uint8Array.from(randomBytes(16))
  /** this session's ephemeral key and data key, made at the first open (one key for the link's life) */
  private sealing: { ephemeral: Uint8Array<ArrayBuffer>, key: KeyObject } | undefined
  private readonly queue: Entry[] = []
  private readonly inflight = new Map<bigint, Entry>()
  private inflightBytes = 0
  private queuedBytes = 0
  private nextSeq = 1n
  private sentUnderToken = 0
  private current: OpenStream | undefined
  private pumping = false
  private closed = false
  private failures = 0
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private ackTimer: ReturnType<typeof setTimeout> | undefined
  private expiryTimer: ReturnType<typeof setTimeout> | undefined
  private expiryAt = Number.POSITIVE_INFINITY

  constructor (receiver: VerifiedInterest, deps: SenderLinkDeps) {
    this.receiver = receiver
    this.deps = deps
  }


  send (message: Outgoing): void {
    if (this.closed) {
      message.settle({ status: 'expired', code: WireErrorCode.RECEIVER_GONE })
      return
    }
    // an older receiver would not authenticate them: the message would not open there
    if (message.attrs.size > 0 && !this.receiver.readsAttrs) {
      message.settle({ status: 'rejected', code: WireErrorCode.MESSAGE_ATTRS_UNSUPPORTED })
      return
    }
    if (this.queue.length >= MAX_QUEUED_MESSAGES || this.queuedBytes + message.data.byteLength > MAX_QUEUED_BYTES) {
      message.settle({ status: 'expired', code: WireErrorCode.BUSY })
      return
    }
    this.queue.push({ message, attempts: 0 })
    this.queuedBytes += message.data.byteLength
    if (message.expiresAt < this.expiryAt) this.armExpiry(message.expiresAt)
    void this.pump()
  }

  /** the receiver renewed its interest: a fresh threshold */
  update (receiver: VerifiedInterest): void {
    if (receiver.issuedAt < this.receiver.issuedAt) return
    if (receiver.jti !== this.receiver.jti) this.sentUnderToken = 0
    this.receiver = receiver
    void this.pump()
  }

  /** messages wait to be sent or to be acked */
  get pending (): boolean {
    return this.queue.length > 0 || this.inflight.size > 0
  }

  /** the receiver is back (it connected, or announced itself): what waits goes now, without backoff */
  resume (): void {
    if (this.closed) return
    clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    this.failures = 0
    void this.pump()
  }

  /**
   * Hands what waits for this receiver (it sleeps) to `deposit`, in order: the first messages it
   * says were stored settle 'relayed', the rest wait here again, ahead of anything queued
   * meanwhile. Nothing is taken while a stream is open or messages are in flight.
   */
  async relay (deposit: (messages: Outgoing[]) => Promise<number>): Promise<void> {
    if (this.closed || this.pumping || this.current != null || this.inflight.size > 0) return
    this.expireNow()
    if (this.queue.length === 0) return
    // the pump waits until what is not stored is back at the front
    this.pumping = true
    const taken = this.queue.splice(0)
    this.queuedBytes = 0
    let stored = 0
    try {
      stored = await deposit(taken.map(entry => entry.message))
    } catch {
      stored = 0
    } finally {
      this.pumping = false
    }
    for (const entry of taken.slice(0, stored)) entry.message.settle({ status: 'relayed' })
    const back = taken.slice(stored)
    if (this.closed) {
      for (const entry of back) entry.message.settle({ status: 'expired', code: WireErrorCode.RECEIVER_GONE })
      return
    }
    this.queue.unshift(...back)
    for (const entry of back) this.queuedBytes += entry.message.data.byteLength
    void this.pump()
  }

  /** settles everything left with `status` and `code` (the receiver went away, or refused us) and closes the stream */
  close (code: string = WireErrorCode.RECEIVER_GONE, status: 'expired' | 'rejected' = 'expired'): void {
    if (this.closed) return
    this.closed = true
    for (const timer of [this.retryTimer, this.ackTimer, this.expiryTimer]) clearTimeout(timer)
    const left = [...this.inflight.values(), ...this.queue.splice(0)]
    this.queuedBytes = 0
    this.inflight.clear()
    for (const entry of left) entry.message.settle({ status, code })
    this.current?.stream.abort(new Error('link closed'))
    this.current = undefined
  }

  private async pump (): Promise<void> {
    if (this.pumping || this.closed) return
    this.pumping = true
    try {
      while (!this.closed && this.queue.length > 0) {
        if (this.deps.now() >= this.expiryAt) this.expireNow()
        const first = this.queue[0]
        if (first == null) break
        if (!this.mayTake(first)) break
        const open = await this.ensureOpen()
        const sealing = this.sealing
        if (open == null || sealing == null || this.queue[0] !== first) break
        // everything the window allows goes out in one write (up to WRITE_BATCH_BYTES)
        const batch: Entry[] = []
        let batchBytes = 0
        for (let entry = this.queue[0]; entry != null && this.mayTake(entry) && (batch.length === 0 || batchBytes + entry.message.data.byteLength <= WRITE_BATCH_BYTES); entry = this.queue[0]) {
          const bytes = entry.message.data.byteLength
          this.queue.shift()
          this.queuedBytes -= bytes
          if (bytes > open.maxData) {
            entry.message.settle({ status: 'rejected', code: WireErrorCode.MESSAGE_TOO_LARGE })
            continue
          }
          if (entry.seq == null) {
            entry.seq = this.nextSeq++
            this.sentUnderToken++
          }
          if (entry.message.ack !== 'none') this.track(entry)
          batch.push(entry)
          batchBytes += bytes
        }
        if (batch.length === 0) continue
        const low = this.lowSeq()
        try {
          await open.frames.writeEncoded(this.framesOf(open, batch, low, sealing.key))
        } catch (err) {
          // unacked-mode messages go back to the front, in order; tracked ones are resent by broken()
          const back = batch.filter(entry => entry.message.ack === 'none')
          this.queue.unshift(...back)
          for (const entry of back) this.queuedBytes += entry.message.data.byteLength
          this.broken(open, err)
          break
        }
        for (const entry of batch) if (entry.message.ack === 'none') entry.message.settle({ status: 'delivered' })
      }
    } finally {
      this.pumping = false
    }
  }

  /**
   * The frames of a batch, in order, each message's data sealed for the receiver: large data goes
   * as its frame's head and its two sealed chunks; the others are encoded together, a buffer per
   * run of them.
   */
  private framesOf (open: OpenStream, batch: Entry[], low: bigint, key: KeyObject): Uint8Array[] {
    const parts: Uint8Array[] = []
    let group: MessageData[] = []
    for (const entry of batch) {
      const seq = entry.seq as bigint
      const header = this.headerOf(entry, seq, low)
      const { ciphertext, tag } = sealData(key, seq, header, entry.message.data)
      if (ciphertext.byteLength < SEPARATE_DATA_MIN_BYTES) {
        group.push({ ...header, data: Buffer.concat([ciphertext, tag]) })
        continue
      }
      if (group.length > 0) parts.push(open.frames.encode(MessageData, group))
      group = []
      parts.push(messageFrameHead(header, ciphertext.byteLength + SEAL_TAG_BYTES, FRAME_LIMITS.message), ciphertext, tag)
    }
    if (group.length > 0) parts.push(open.frames.encode(MessageData, group))
    return parts
  }

  /** the window has room for `entry`, and the receiver's threshold allows a new message */
  private mayTake (entry: Entry): boolean {
    const bytes = entry.message.data.byteLength
    if (this.inflight.size >= this.maxParallel() || (this.inflight.size > 0 && this.inflightBytes + bytes > MESSAGE_WINDOW_BYTES)) return false
    return entry.seq != null || this.sentUnderToken < this.receiver.threshold
  }

  /** ours or the receiver's, the lower; never beyond the receiver's reorder window */
  private maxParallel (): number {
    return Math.min(this.deps.maxParallel, this.receiver.maxParallel ?? MESSAGE_WINDOW, MESSAGE_WINDOW)
  }

  private headerOf (entry: Entry, seq: bigint, low: bigint): MessageHeader {
    const m = entry.message
    return { id: m.id, seq, ack: ACK_MODES[m.ack], replySubject: m.replySubject, attrs: m.attrs, expiresAtMs: BigInt(m.expiresAt), lowSeq: low < seq ? low : seq }
  }

  /**
   * The lowest seq still in play (everything below it was acked or given up): the oldest in
   * flight (the map keeps the order they were sent in, which is seq order) or a resend waiting at
   * the front of the queue (resends go back to the front in seq order); else the next seq.
   */
  private lowSeq (): bigint {
    let low = this.nextSeq
    for (const s of this.inflight.keys()) {
      low = s
      break
    }
    const front = this.queue[0]?.seq
    if (front != null && front < low) low = front
    return low
  }

  private track (entry: Entry): void {
    this.inflight.set(entry.seq as bigint, entry)
    this.inflightBytes += entry.message.data.byteLength
    if (this.ackTimer == null) this.armAckTimer()
  }

  private untrack (seq: bigint): Entry | undefined {
    const entry = this.inflight.get(seq)
    if (entry == null) return undefined
    this.inflight.delete(seq)
    this.inflightBytes -= entry.message.data.byteLength
    return entry
  }

  private async ensureOpen (): Promise<OpenStream | undefined> {
    if (this.current != null) return this.current
    if (this.retryTimer != null) return undefined
    const held = this.deps.hold?.(this.receiver)
    if (held != null) {
      this.holdFor(held)
      return undefined
    }
    const tokens = this.deps.tokens()
    if (tokens == null) {
      this.retryLater()
      return undefined
    }
    try {
      this.sealing ??= this.deps.keys.sender(this.receiver.identity, { subjectKey: this.deps.key, session: this.session })
      const open = await openMessageStream({ open: this.deps.open, peer: this.receiver.node, key: this.deps.key, tokens, session: this.session, ephemeral: this.sealing.ephemeral })
      if (this.closed) {
        open.stream.abort(new Error('link closed'))
        return undefined
      }
      this.current = open
      this.failures = 0
      void this.read(open)
      return open
    } catch (err) {
      const code = (err as { code?: string }).code ?? ''
      if (isFinalRefusal(code)) {
        this.deps.onRefused(code)
        this.close(code, 'rejected')
      } else {
        this.retryLater()
      }
      return undefined
    }
  }

  private async read (open: OpenStream): Promise<void> {
    try {
      while (this.current === open) {
        const reply = await open.frames.read(MessageReply)
        checkMessageReply(reply)
        if (reply.error != null) {
          if (isFinalRefusal(reply.error.code)) {
            this.deps.onRefused(reply.error.code)
            this.close(reply.error.code, 'rejected')
            return
          }
          throw new RemoteError(reply.error.code, reply.error.reason, 'message stream ended by the receiver')
        }
        for (const ack of reply.acks) this.onAck(ack)
        if (reply.acks.length > 0) {
          this.armAckTimer()
          void this.pump()
        }
      }
    } catch (err) {
      this.broken(open, err)
    }
  }

  private onAck (ack: MessageAck): void {
    const entry = this.inflight.get(ack.seq)
    if (entry == null || !sameBytes(entry.message.id, ack.id)) return
    this.untrack(ack.seq)
    entry.message.settle(ack.status === MessageAck.Status.DELIVERED ? { status: 'delivered' } : { status: 'rejected', code: ack.code === '' ? WireErrorCode.APP_REJECTED : ack.code })
  }

  /** the stream failed: unacked messages go back to the front of the queue, in order, to be resent */
  private broken (open: OpenStream, err: unknown): void {
    if (this.current !== open) return
    this.current = undefined
    open.stream.abort(err instanceof Error ? err : new Error(String(err)))
    const unacked = [...this.inflight.values()].sort((a, b) => ((a.seq ?? 0n) < (b.seq ?? 0n) ? -1 : 1))
    this.inflight.clear()
    this.inflightBytes = 0
    // a receiver that went to sleep did not fail to take them: no retry is spent
    const asleep = this.deps.hold?.(this.receiver) != null
    const again: Entry[] = []
    for (const entry of unacked) {
      if (!asleep) entry.attempts++
      if (entry.attempts > entry.message.maxRetries) entry.message.settle({ status: 'expired', code: WireErrorCode.MESSAGE_RETRIES_EXHAUSTED })
      else again.push(entry)
    }
    this.queue.unshift(...again)
    for (const entry of again) this.queuedBytes += entry.message.data.byteLength
    if (again.length > 0) this.deps.onResend(again.length)
    clearTimeout(this.ackTimer)
    this.ackTimer = undefined
    if (!this.closed) this.retryLater()
  }

  private retryLater (): void {
    if (this.retryTimer != null || this.closed) return
    this.failures++
    this.pumpAfter(backoffDelay(this.failures, this.deps.backoff))
  }

  /** the receiver sleeps: nothing is tried (nor counted as a failure) until its wake window */
  private holdFor (ms: number): void {
    if (this.retryTimer != null || this.closed) return
    this.failures = 0
    this.pumpAfter(ms + WAKE_MARGIN_MS)
  }

  private pumpAfter (ms: number): void {
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      void this.pump()
    }, ms)
    this.retryTimer.unref()
  }

  /** no ack for ackTimeoutMs while messages are in flight: the stream is presumed dead */
  private armAckTimer (): void {
    clearTimeout(this.ackTimer)
    this.ackTimer = undefined
    if (this.inflight.size === 0) return
    const open = this.current
    this.ackTimer = setTimeout(() => {
      this.ackTimer = undefined
      if (open != null) this.broken(open, new Error(`no ack within ${this.deps.ackTimeoutMs} ms`))
    }, this.deps.ackTimeoutMs)
    this.ackTimer.unref()
  }

  /** settles what expired, then arms the timer at the earliest expiry of what is left (a scan: runs once per expiry, not per message) */
  private expireNow (): void {
    const now = this.deps.now()
    let next = Number.POSITIVE_INFINITY
    for (let i = 0; i < this.queue.length;) {
      const entry = this.queue[i] as Entry
      if (entry.message.expiresAt <= now) {
        this.queue.splice(i, 1)
        this.queuedBytes -= entry.message.data.byteLength
        entry.message.settle({ status: 'expired', code: WireErrorCode.MESSAGE_EXPIRED })
      } else {
        if (entry.message.expiresAt < next) next = entry.message.expiresAt
        i++
      }
    }
    for (const [seq, entry] of [...this.inflight]) {
      if (entry.message.expiresAt <= now) {
        this.untrack(seq)
        entry.message.settle({ status: 'expired', code: WireErrorCode.MESSAGE_EXPIRED })
      } else if (entry.message.expiresAt < next) {
        next = entry.message.expiresAt
      }
    }
    clearTimeout(this.expiryTimer)
    this.expiryTimer = undefined
    this.expiryAt = Number.POSITIVE_INFINITY
    if (Number.isFinite(next)) this.armExpiry(next)
  }

  /**
   * A timer at `at`, when that is earlier than the one armed. `expiryAt` is never later than the
   * earliest expiry of anything queued or in flight (it may be earlier: acked messages are not
   * taken out of it), so the pump only scans once something may really have expired.
   */
  private armExpiry (at: number): void {
    if (this.closed || at >= this.expiryAt) return
    clearTimeout(this.expiryTimer)
    this.expiryAt = at
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = undefined
      this.expireNow()
      void this.pump()
    }, Math.max(0, at - this.deps.now()) + 1)
    this.expiryTimer.unref()
  }
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}
