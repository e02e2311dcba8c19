/**
 * Publications waiting for acks, kept in the node's store (its /outbox namespace) from before
 * they are handed to a link or the cache until every receiver settled them, so that a node that
 * stops or dies with messages not yet acked sends them again at its next start, with their ids
 * (the receivers' duplicate key).
 *
 * Writes are grouped: every put and delete asked for while a write is in progress goes into the
 * next one, a single LevelDB batch (one write-ahead log append), so that a busy publisher pays one
 * write for many messages rather than one each. A message's put resolves once its batch is on disk.
 *
 * Bounded by a count and bytes (the records' sizes): a message over either is refused with
 * OUTBOX_FULL before anything is written.
 */
import { Key } from 'interface-datastore'
import { OutboxError } from './errors.js'
import { decodeMessage, encodeMessage } from './record.js'
import type { Datastore } from 'interface-datastore'
import type { StoredMessage } from './record.js'

export interface OutboxLimits {
  /** most messages kept. @default 10000 */
  maxMessages?: number
  /** most bytes kept (each message's data and about 100 bytes). @default 67108864 (64 MiB) */
  maxBytes?: number
}

export const OUTBOX_DEFAULTS = { maxMessages: 10_000, maxBytes: 64 * 1024 * 1024 } as const

/** what a record holds besides its data (head, strings, key), for the check before it is encoded */
const RECORD_OVERHEAD = 128

/** one message in the outbox, from add() until remove() */
export interface OutboxEntry {
  /** bytes it counts against maxBytes */
  readonly bytes: number
  /** resolves once it is on disk; rejects with OUTBOX_FAILED when the store refused the write */
  readonly written: Promise<void>
}

export interface LoadedMessage { message: StoredMessage, entry: OutboxEntry }

export interface OutboxLoad {
  /** what is left to send, in the order it was published */
  messages: LoadedMessage[]
  /** dropped: their TTL ended while the node was down */
  expired: number
  /** dropped: records this version cannot read */
  unreadable: number
}

class Entry implements OutboxEntry {
  readonly key: Key
  readonly bytes: number
  readonly written: Promise<void>
  removed = false

  constructor (key: Key, bytes: number, written: Promise<void>) {
    this.key = key
    this.bytes = bytes
    this.written = written
    // a caller that does not wait for the write still must not leave its rejection unhandled
    written.catch(() => {})
  }
}

type Op = { type: 'put', entry: Entry, value: Uint8Array, done: PromiseWithResolvers<void> } | { type: 'delete', key: Key }

export class Outbox {
  readonly maxMessages: number
  readonly maxBytes: number
  private readonly store: Datastore
  private ops: Op[] = []
  private flushing = false
  private idleWaiters: Array<() => void> = []
  private nextSeq = 1
  private count = 0
  private held = 0
  private closed = false

  constructor (store: Datastore, limits: OutboxLimits = {}) {
    this.store = store
    this.maxMessages = limit(limits.maxMessages ?? OUTBOX_DEFAULTS.maxMessages, 'outbox.maxMessages')
    this.maxBytes = limit(limits.maxBytes ?? OUTBOX_DEFAULTS.maxBytes, 'outbox.maxBytes')
  }

  /** messages kept now */
  get messages (): number {
    return this.count
  }

  /** bytes kept now */
  get bytes (): number {
    return this.held
  }

  /** OUTBOX_FULL when a message of `dataBytes` would not fit now */
  assertRoom (dataBytes: number): void {
    this.checkRoom(dataBytes + RECORD_OVERHEAD)
  }

  /**
   * Keeps `message` (written in the next batch); OUTBOX_FULL, at once and with nothing kept, when
   * it does not fit. Its entry's `written` says when it is on disk.
   */
  add (message: StoredMessage): OutboxEntry {
    if (this.closed) throw new OutboxError('OUTBOX_FAILED', 'the outbox is closed: the node is stopping')
    const value = encodeMessage(message)
    const key = new Key(`/${this.nextSeq.toString(16).padStart(16, '0')}`)
    const bytes = value.byteLength + key.toString().length
    this.checkRoom(bytes)
    this.nextSeq++
    const done = Promise.withResolvers<void>()
    const entry = new Entry(key, bytes, done.promise)
    this.count++
    this.held += bytes
    this.ops.push({ type: 'put', entry, value, done })
    this.kick()
    return entry
  }

  /** `entry` is settled: it leaves the outbox (in the next batch). Once the outbox is closed, everything left stays. */
  remove (entry: OutboxEntry): void {
    const own = entry as Entry
    if (this.closed || own.removed) return
    this.forget(own)
    this.ops.push({ type: 'delete', key: own.key })
    this.kick()
  }

  /**
   * Opens the outbox (at each start, before add()): reads what an earlier run left, in the order
   * it was published; records whose TTL ended by `now` and records that cannot be read are deleted
   * and counted.
   */
  async open (now: number): Promise<OutboxLoad> {
    await this.idle()
    this.closed = false
    this.count = 0
    this.held = 0
    const found: Array<{ key: Key, value: Uint8Array }> = []
    for await (const pair of this.store.query({})) found.push(pair)
    found.sort((a, b) => (a.key.toString() < b.key.toString() ? -1 : 1))
    const result: OutboxLoad = { messages: [], expired: 0, unreadable: 0 }
    for (const { key, value } of found) {
      const seq = Number.parseInt(key.baseNamespace(), 16)
      if (Number.isSafeInteger(seq) && seq >= this.nextSeq) this.nextSeq = seq + 1
      const message = decodeMessage(value)
      if (message == null || message.expiresAt <= now) {
        if (message == null) result.unreadable++
        else result.expired++
        this.ops.push({ type: 'delete', key })
        continue
      }
      const entry = new Entry(key, value.byteLength + key.toString().length, Promise.resolve())
      this.count++
      this.held += entry.bytes
      result.messages.push({ message, entry })
    }
    this.kick()
    return result
  }

  /** resolves once every write asked for so far is done */
  async idle (): Promise<void> {
    if (!this.flushing && this.ops.length === 0) return
    await new Promise<void>((resolve) => { this.idleWaiters.push(resolve) })
  }

  /** writes what is asked for so far; from then on nothing is added or removed (what is left is there at the next start) */
  async close (): Promise<void> {
    await this.idle()
    this.closed = true
  }

  private checkRoom (bytes: number): void {
    if (this.count + 1 > this.maxMessages || this.held + bytes > this.maxBytes) {
      throw new OutboxError('OUTBOX_FULL', `the outbox holds ${this.count} messages (${this.held} bytes) waiting for acks; at most ${this.maxMessages} messages and ${this.maxBytes} bytes`)
    }
  }

  private forget (entry: Entry): void {
    entry.removed = true
    this.count--
    this.held -= entry.bytes
  }

  private kick (): void {
    if (this.flushing || this.ops.length === 0) return
    this.flushing = true
    // after the current run of code: what it asks for goes into the same batch
    queueMicrotask(() => { void this.flush() })
  }

  private async flush (): Promise<void> {
    while (this.ops.length > 0) {
      const ops = this.ops
      this.ops = []
      const batch = this.store.batch()
      for (const op of ops) {
        if (op.type === 'put') batch.put(op.entry.key, op.value)
        else batch.delete(op.key)
      }
      try {
        await batch.commit()
        for (const op of ops) if (op.type === 'put') op.done.resolve()
      } catch (err) {
        // nothing of the batch was written (a LevelDB batch is atomic): its puts are refused and
        // leave the count; its deletes are lost, and those messages go out again at the next start
        // (receivers drop them as duplicates)
        for (const op of ops) {
          if (op.type !== 'put') continue
          if (!op.entry.removed) this.forget(op.entry)
          op.done.reject(new OutboxError('OUTBOX_FAILED', `the outbox could not write the message: ${(err as Error).message}`, { cause: err }))
        }
      }
    }
    this.flushing = false
    for (const resolve of this.idleWaiters.splice(0)) resolve()
  }
}

function limit (value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number >= 1, got ${value}`)
  return value
}
