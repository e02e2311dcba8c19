/**
 * Publications waiting for acks, kept in the node's store (its /outbox namespace) from before
 * they are handed to a link or the cache until every receiver settled them, so that a node that
 * stops or dies with messages not yet acked sends them again at its next start, with their ids
 * (the receivers' duplicate key).
 *
 * Writes are grouped: the messages added while a write is in progress go into the next one as one
 * page (one store value, one LevelDB write), and a page is deleted once every message in it was
 * settled. A busy publisher pays a write and a delete per page rather than per message: against
 * a put and a delete per message this took the outbox's cost on acked 1 KiB publishes from about
 * 40% of their throughput to under 20% (BENCHMARKS.md). The price: a node killed while a page
 * holds settled and unsettled messages sends the settled ones again too (receivers drop them as
 * duplicates, by id); a node that stops cleanly rewrites such pages with what is left.
 *
 * Bounded by a count and bytes (the records' sizes): a message over either is refused with
 * OUTBOX_FULL before anything is written.
 */
import { Key } from 'interface-datastore'
import { OutboxError } from './errors.js'
import { decodeMessage, decodePage, encodePage, unwritten } from './record.js'
import type { Datastore } from 'interface-datastore'
import type { StoredMessage, Unwritten } from './record.js'

export interface OutboxLimits {
  /** most messages kept. @default 10000 */
  maxMessages?: number
  /** most bytes kept (each message's data and about 100 bytes). @default 67108864 (64 MiB) */
  maxBytes?: number
}

export const OUTBOX_DEFAULTS = { maxMessages: 10_000, maxBytes: 64 * 1024 * 1024 } as const

/** what a record holds besides its data (head, strings, length), for the check before it is encoded */
const RECORD_OVERHEAD = 128

/** one message in the outbox, from add() until remove() */
export interface OutboxEntry {
  /** bytes it counts against maxBytes */
  readonly bytes: number
  /** resolves once it is on disk; rejects with OUTBOX_FAILED when the store refused the write */
  readonly written: Promise<void>
  /** the same as a callback (no promises made on a publisher's hot path): no error once on disk, OUTBOX_FAILED when refused */
  onWritten: (callback: (err?: Error) => void) => void
}

export interface LoadedMessage { message: StoredMessage, entry: OutboxEntry }

export interface OutboxLoad {
  /** what is left to send, in the order it was published */
  messages: LoadedMessage[]
  /** dropped: their TTL ended while the node was down */
  expired: number
  /** dropped: records (or pages) this version cannot read */
  unreadable: number
}

/** messages written together: one store value */
class Page {
  readonly key: Key
  readonly entries: Entry[] = []
  /** entries not removed */
  live = 0
  state: 'building' | 'writing' | 'written' | 'gone' = 'building'

  constructor (key: Key) {
    this.key = key
  }
}

class Entry implements OutboxEntry {
  readonly page: Page
  readonly bytes: number
  /** the message, until its page is written */
  record: Unwritten | undefined
  /** its place among the records its page was written with */
  slot = -1
  removed = false
  /** undefined while its write is pending, null once written, the error when refused */
  private outcome: Error | null | undefined
  private callbacks: Array<(err?: Error) => void> = []

  constructor (page: Page, record: Unwritten | undefined, bytes: number) {
    this.page = page
    this.record = record
    this.bytes = bytes
  }

  get written (): Promise<void> {
    return new Promise((resolve, reject) => { this.onWritten((err) => { if (err == null) resolve(); else reject(err) }) })
  }

  onWritten (callback: (err?: Error) => void): void {
    if (this.outcome === undefined) this.callbacks.push(callback)
    else callback(this.outcome ?? undefined)
  }

  settle (err?: Error): void {
    if (this.outcome !== undefined) return
    this.outcome = err ?? null
    for (const callback of this.callbacks.splice(0)) callback(err)
  }
}

export class Outbox {
  readonly maxMessages: number
  readonly maxBytes: number
  private readonly store: Datastore
  /** the page the next write puts */
  private building: Page | undefined
  /** pages written that still hold messages */
  private readonly pages = new Set<Page>()
  private deletes: Key[] = []
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
   * Keeps `message` (written with the next page); OUTBOX_FULL, at once and with nothing kept, when
   * it does not fit. Its entry's `written` says when it is on disk.
   */
  add (message: StoredMessage): OutboxEntry {
    if (this.closed) throw new OutboxError('OUTBOX_FAILED', 'the outbox is closed: the node is stopping')
    const record = unwritten(message)
    const bytes = record.size + 4
    this.checkRoom(bytes)
    this.building ??= this.newPage()
    const entry = new Entry(this.building, record, bytes)
    this.building.entries.push(entry)
    this.building.live++
    this.count++
    this.held += bytes
    this.kick()
    return entry
  }

  /** `entry` is settled: it leaves the outbox (its page once it holds nothing else). Once the outbox is closed, everything left stays. */
  remove (entry: OutboxEntry): void {
    const own = entry as Entry
    if (this.closed || own.removed) return
    this.forget(own)
    const page = own.page
    if (--page.live > 0) return
    const was = page.state
    page.state = 'gone'
    this.pages.delete(page)
    if (was === 'building') {
      // nothing of it was written: it is not written at all
      if (this.building === page) this.building = undefined
      for (const e of page.entries) e.settle()
    } else if (was === 'written') {
      this.deletes.push(page.key)
      this.kick()
    }
    // writing: deleted once its write is done (written())
  }

  /**
   * Opens the outbox (at each start, before add()): reads what an earlier run left, in the order
   * it was published; records whose TTL ended by `now` and records that cannot be read are dropped
   * (their pages rewritten without them) and counted.
   */
  async open (now: number): Promise<OutboxLoad> {
    await this.idle()
    this.closed = false
    this.count = 0
    this.held = 0
    this.pages.clear()
    const found: Array<{ key: Key, value: Uint8Array }> = []
    for await (const pair of this.store.query({})) found.push(pair)
    found.sort((a, b) => (a.key.toString() < b.key.toString() ? -1 : 1))
    const result: OutboxLoad = { messages: [], expired: 0, unreadable: 0 }
    const batch = this.store.batch()
    for (const { key, value } of found) {
      const seq = Number.parseInt(key.baseNamespace(), 16)
      if (Number.isSafeInteger(seq) && seq >= this.nextSeq) this.nextSeq = seq + 1
      const records = decodePage(value)
      if (records == null) {
        result.unreadable++
        batch.delete(key)
        continue
      }
      const page = new Page(key)
      page.state = 'written'
      const kept: Uint8Array[] = []
      for (const record of records) {
        const message = decodeMessage(record)
        if (message == null || message.expiresAt <= now) {
          if (message == null) result.unreadable++
          else result.expired++
          continue
        }
        const entry = new Entry(page, undefined, record.byteLength + 4)
        entry.slot = kept.length
        entry.settle()
        kept.push(record)
        page.entries.push(entry)
        page.live++
        this.count++
        this.held += entry.bytes
        result.messages.push({ message, entry })
      }
      if (kept.length === records.length) this.pages.add(page)
      else if (kept.length === 0) batch.delete(key)
      else {
        this.pages.add(page)
        batch.put(key, encodePage(kept))
      }
    }
    if (result.expired + result.unreadable > 0) await batch.commit()
    return result
  }

  /** resolves once every write asked for so far is done */
  async idle (): Promise<void> {
    if (!this.flushing && this.building == null && this.deletes.length === 0) return
    await new Promise<void>((resolve) => { this.idleWaiters.push(resolve) })
  }

  /**
   * Writes what is asked for so far, and rewrites the pages that hold settled messages beside
   * unsettled ones with the unsettled ones alone; from then on nothing is added or removed (what
   * is left is there at the next start).
   */
  async close (): Promise<void> {
    await this.idle()
    this.closed = true
    const partial = [...this.pages].filter(page => page.live < page.entries.length)
    if (partial.length === 0) return
    const batch = this.store.batch()
    for (const page of partial) {
      const records = decodePage(await this.store.get(page.key))
      if (records == null) continue
      batch.put(page.key, encodePage(page.entries.filter(e => !e.removed).map(e => records[e.slot]).filter(r => r != null)))
    }
    await batch.commit()
  }

  private newPage (): Page {
    return new Page(new Key(`/${(this.nextSeq++).toString(16).padStart(16, '0')}`))
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
    if (this.flushing) return
    this.flushing = true
    // after the current run of code: what it adds goes into the same page
    queueMicrotask(() => { void this.flush() })
  }

  private async flush (): Promise<void> {
    while (this.building != null || this.deletes.length > 0) {
      const page = this.building
      this.building = undefined
      const deletes = this.deletes
      this.deletes = []
      const batch = this.store.batch()
      const entries = page?.entries.filter(e => !e.removed) ?? []
      if (page != null) {
        page.state = 'writing'
        entries.forEach((entry, slot) => { entry.slot = slot })
        batch.put(page.key, encodePage(entries.map(e => e.record as Unwritten)))
        for (const entry of page.entries) entry.record = undefined
      }
      for (const key of deletes) batch.delete(key)
      try {
        await batch.commit()
        if (page != null) this.written(page)
      } catch (err) {
        // nothing of the batch was written (a LevelDB batch is atomic): the page's messages are
        // refused and leave the count; its deletes are lost, and those pages go out again at the
        // next start (receivers drop their messages as duplicates)
        if (page != null) page.state = 'gone'
        for (const entry of entries) {
          if (!entry.removed) this.forget(entry)
          entry.settle(new OutboxError('OUTBOX_FAILED', `the outbox could not write the message: ${(err as Error).message}`, { cause: err }))
        }
      }
    }
    this.flushing = false
    for (const resolve of this.idleWaiters.splice(0)) resolve()
  }

  /** a page is on disk: its messages' writes resolve; one emptied meanwhile is deleted */
  private written (page: Page): void {
    if (page.state === 'gone') {
      this.deletes.push(page.key)
    } else {
      page.state = 'written'
      this.pages.add(page)
    }
    for (const entry of page.entries) entry.settle()
  }
}

function limit (value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number >= 1, got ${value}`)
  return value
}
