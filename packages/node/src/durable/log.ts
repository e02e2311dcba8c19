/**
 * One durable subscription's messages in the store (records.ts): appended in order of arrival,
 * each with its id, sender and arrival time; resent copies dropped by id; kept within the bounds
 * (count, bytes, age) by the policy, every drop counted by cause; marked consumed as its consumer
 * takes them. Changes run one at a time (a message's store, bound and id changes in one batch), so
 * the order of the calls is the order on disk, and what is in memory (a small entry per message:
 * the data stays on disk) is what the store holds once a call resolved.
 */
import { DurableError } from './errors.js'
import { decodeMessage, encodeMessage, fromJson, paths, seqOf, toJson } from './records.js'
import type { DurableStore, Entry, Header, Meta } from './records.js'
import type { DurableBounds, DurableDrops } from './options.js'

export interface LogInit {
  store: DurableStore
  name: string
  bounds: DurableBounds
  /** ids remembered for dropping resent copies */
  rememberIds: number
  now: () => number
}

/** a message to keep */
export interface Arrival {
  id: string
  from: string
  peer: string
  senderSeq: number
  replySubject?: string
  data: Uint8Array
}

/** what making room for a message (of `size` bytes) takes out */
interface Room {
  evict: Entry[]
  drops: Pick<DurableDrops, 'purged' | 'expired'>
  /** no room: the policy refuses the message */
  full: boolean
}

/** keys deleted per batch when a subscription is removed */
const REMOVE_BATCH = 1_000
const EMPTY = new Uint8Array(0)
const encoder = new TextEncoder()
const decoder = new TextDecoder()

export class DurableLog {
  /** what is kept, in seq (arrival) order */
  private readonly entries = new Map<number, Entry>()
  private readonly init: LogInit
  private meta: Meta
  private bytes = 0
  private consumed = 0
  private chain: Promise<unknown> = Promise.resolve()
  private expiry: ReturnType<typeof setTimeout> | undefined
  private closed = false
  /** resent copies dropped since this log was loaded */
  duplicates = 0
  /** a message was stored (called in the same turn as the entry appears) */
  onStored: ((seq: number) => void) | undefined
  /** a bound dropped messages (or refused one): how many, by cause */
  onDropped: ((drops: DurableDrops) => void) | undefined

  private constructor (init: LogInit, meta: Meta) {
    this.init = init
    this.meta = meta
  }

  /** reads what the store holds of subscription `init.name`, and brings it within its bounds (they may be lower than when it was stored) */
  static async load (init: LogInit): Promise<DurableLog> {
    const { store, name } = init
    const stored = await store.get(paths.meta(name))
    const log = new DurableLog(init, stored == null ? { nextSeq: 1, nextSlot: 0, dropped: { purged: 0, expired: 0, rejected: 0 } } : fromJson<Meta>(stored))
    const entries: Entry[] = []
    for await (const { path, value } of store.query(paths.entries(name))) entries.push({ ...fromJson<Entry>(value), seq: seqOf(path) })
    entries.sort((a, b) => a.seq - b.seq)
    for (const entry of entries) log.add(entry)
    await log.run(async () => { await log.commitRoom(log.room(undefined, false), undefined) })
    log.schedule()
    return log
  }

  get size (): number {
    return this.entries.size
  }

  get pending (): number {
    return this.entries.size - this.consumed
  }

  get storedBytes (): number {
    return this.bytes
  }

  get oldest (): number | undefined {
    return this.entries.values().next().value?.at
  }

  get dropped (): DurableDrops {
    return { ...this.meta.dropped }
  }

  entry (seq: number): Entry | undefined {
    return this.entries.get(seq)
  }

  /** the seqs not yet consumed, in the order a consumer gets them */
  unconsumed (order: 'fifo' | 'lifo'): number[] {
    const seqs: number[] = []
    for (const entry of this.entries.values()) if (!entry.consumed) seqs.push(entry.seq)
    return order === 'lifo' ? seqs.reverse() : seqs
  }

  /**
   * Stores a message (with its bounds and id changes, in one batch); resolves once it is on disk.
   * A copy of a stored one is 'duplicate' and changes nothing; a full subscription whose policy is
   * reject throws DURABLE_FULL (counted); a failed write DURABLE_STORE_FAILED.
   */
  async append (arrival: Arrival): Promise<number | 'duplicate'> {
    // a message that arrives while the node stops is not acked at all: its sender sends it again
    // to the next run, where a rejection would have been final
    if (this.closed) return new Promise(() => {})
    return this.run(async () => {
      const { store, name } = this.init
      if (await store.has(paths.id(name, arrival.id))) {
        this.duplicates++
        return 'duplicate'
      }
      const now = this.init.now()
      const room = this.room(arrival.data.byteLength, true, now)
      if (room.full) {
        await this.commitRoom(room, 'rejected')
        const { maxMessages, maxBytes } = this.init.bounds
        throw new DurableError('DURABLE_FULL', `the durable subscription ${name} is full (${maxMessages} messages, ${maxBytes} bytes, policy reject)`)
      }
      const seq = this.meta.nextSeq
      const slot = this.meta.nextSlot % this.init.rememberIds
      const previous = await this.read(paths.slot(name, slot))
      const entry: Entry = { seq, bytes: arrival.data.byteLength, at: now, consumed: false }
      const header: Header = { id: arrival.id, from: arrival.from, peer: arrival.peer, senderSeq: arrival.senderSeq, at: now, ...(arrival.replySubject == null ? {} : { replySubject: arrival.replySubject }) }
      const meta = this.nextMeta(room, { nextSeq: seq + 1, nextSlot: this.meta.nextSlot + 1 })
      await this.write((batch) => {
        batch.put(paths.data(name, seq), encodeMessage(header, arrival.data))
        batch.put(paths.entry(name, seq), entryJson(entry))
        // the ring of remembered ids: the id in this slot before is forgotten
        if (previous != null) batch.delete(paths.id(name, decoder.decode(previous)))
        batch.put(paths.slot(name, slot), encoder.encode(arrival.id))
        batch.put(paths.id(name, arrival.id), EMPTY)
        this.evictIn(batch, room.evict)
        batch.put(paths.meta(name), toJson(meta))
      })
      this.add(entry)
      this.applied(meta, room.evict)
      this.onStored?.(seq)
      return seq
    })
  }

  /** marks `seqs` consumed (those kept and not consumed yet); resolves once that is on disk */
  async consume (seqs: number[]): Promise<void> {
    await this.mark(seqs, true)
  }

  /** marks everything kept as not consumed (a consumer that begins with the oldest) */
  async unconsumeAll (): Promise<void> {
    await this.mark([...this.entries.keys()], false)
  }

  /** the message `seq` with its header, or undefined when it is no longer kept */
  async message (seq: number): Promise<{ header: Header, data: Uint8Array } | undefined> {
    const bytes = await this.read(paths.data(this.init.name, seq))
    return bytes == null ? undefined : decodeMessage(bytes)
  }

  /** deletes everything of this subscription from the store (in batches); the log is closed */
  async removeAll (): Promise<void> {
    this.closed = true
    clearTimeout(this.expiry)
    await this.run(async () => {
      await wipe(this.init.store, this.init.name)
      this.remove([...this.entries.values()])
    })
  }

  /** no more changes; resolves once the last one is on disk */
  async close (): Promise<void> {
    this.closed = true
    clearTimeout(this.expiry)
    await this.chain
  }

  private async mark (seqs: number[], consumed: boolean): Promise<void> {
    await this.run(async () => {
      const changed = seqs.flatMap(seq => {
        const entry = this.entries.get(seq)
        return entry == null || entry.consumed === consumed ? [] : [{ ...entry, consumed }]
      })
      if (changed.length === 0) return
      await this.write((batch) => { for (const entry of changed) batch.put(paths.entry(this.init.name, entry.seq), entryJson(entry)) })
      for (const entry of changed) {
        this.entries.set(entry.seq, entry)
        this.consumed += consumed ? 1 : -1
      }
    })
  }

  /**
   * What must go for a message of `incoming` bytes (undefined: no message, only the bounds) to
   * fit: messages past their age; then consumed messages, oldest first; then, with policy purge
   * (or `refuse` false), the oldest not consumed. `full` when the policy refuses the message (or it
   * is larger than maxBytes): then only the aged ones go.
   */
  private room (incoming: number | undefined, refuse: boolean, now = this.init.now()): Room {
    const { maxMessages, maxBytes, maxAgeMs, whenFull } = this.init.bounds
    const evict: Entry[] = []
    const gone = new Set<number>()
    const drops = { purged: 0, expired: 0 }
    let count = this.entries.size + (incoming == null ? 0 : 1)
    let bytes = this.bytes + (incoming ?? 0)
    let consumedLeft = this.consumed
    const take = (entry: Entry): void => {
      evict.push(entry)
      gone.add(entry.seq)
      count--
      bytes -= entry.bytes
      if (entry.consumed) consumedLeft--
    }
    const over = (): boolean => count > maxMessages || bytes > maxBytes
    for (const entry of this.entries.values()) {
      // arrival order: the aged ones come first
      if (now - entry.at < maxAgeMs) break
      take(entry)
      if (!entry.consumed) drops.expired++
    }
    const aged = { evict: [...evict], drops: { ...drops }, full: true }
    if (incoming != null && incoming > maxBytes) return aged
    if (!over()) return { evict, drops, full: false }
    for (const entry of this.entries.values()) {
      if (!over() || consumedLeft === 0) break
      if (entry.consumed && !gone.has(entry.seq)) take(entry)
    }
    if (over() && refuse && whenFull === 'reject') return aged
    // what is left to take is not consumed
    for (const entry of this.entries.values()) {
      if (!over()) break
      if (gone.has(entry.seq)) continue
      take(entry)
      drops.purged++
    }
    return { evict, drops, full: over() }
  }

  /** writes what `room` takes out, and its drops (and one rejection when `rejected`) */
  private async commitRoom (room: Room, rejected: 'rejected' | undefined): Promise<void> {
    if (room.evict.length === 0 && rejected == null) return
    const meta = this.nextMeta(room, {}, rejected == null ? 0 : 1)
    await this.write((batch) => {
      this.evictIn(batch, room.evict)
      batch.put(paths.meta(this.init.name), toJson(meta))
    })
    this.applied(meta, room.evict)
  }

  /** what a write changed, in memory: the meta, the entries it took out; drops are reported */
  private applied (meta: Meta, evict: Entry[]): void {
    const before = this.meta.dropped
    this.meta = meta
    this.remove(evict)
    this.schedule()
    const drops = { purged: meta.dropped.purged - before.purged, expired: meta.dropped.expired - before.expired, rejected: meta.dropped.rejected - before.rejected }
    if (drops.purged + drops.expired + drops.rejected > 0) this.onDropped?.(drops)
  }

  private nextMeta (room: Room, change: Partial<Meta>, rejected = 0): Meta {
    const { dropped } = this.meta
    return { ...this.meta, ...change, dropped: { purged: dropped.purged + room.drops.purged, expired: dropped.expired + room.drops.expired, rejected: dropped.rejected + rejected } }
  }

  private evictIn (batch: { delete: (path: string) => void }, evict: Entry[]): void {
    for (const entry of evict) {
      batch.delete(paths.entry(this.init.name, entry.seq))
      batch.delete(paths.data(this.init.name, entry.seq))
    }
  }

  private add (entry: Entry): void {
    this.entries.set(entry.seq, entry)
    this.bytes += entry.bytes
    if (entry.consumed) this.consumed++
  }

  private remove (entries: Entry[]): void {
    for (const entry of entries) {
      const kept = this.entries.get(entry.seq)
      if (kept == null) continue
      this.entries.delete(entry.seq)
      this.bytes -= kept.bytes
      if (kept.consumed) this.consumed--
    }
  }

  /** the oldest message's age bound, checked when it is reached (nothing else may arrive) */
  private schedule (): void {
    clearTimeout(this.expiry)
    const oldest = this.oldest
    if (oldest == null || this.closed) return
    const delay = Math.max(0, oldest + this.init.bounds.maxAgeMs - this.init.now())
    // setTimeout takes at most 2^31 - 1 ms; a longer wait is checked again then
    this.expiry = setTimeout(() => {
      this.run(async () => { await this.commitRoom(this.room(undefined, false), undefined) }).catch(() => {})
      this.schedule()
    }, Math.min(delay, 2 ** 31 - 1))
    this.expiry.unref()
  }

  private async read (path: string): Promise<Uint8Array | undefined> {
    return this.init.store.get(path)
  }

  private async write (fill: (batch: ReturnType<DurableStore['batch']>) => void): Promise<void> {
    const batch = this.init.store.batch()
    fill(batch)
    try {
      await batch.commit()
    } catch (err) {
      throw new DurableError('DURABLE_STORE_FAILED', `the store failed to write durable subscription ${this.init.name}: ${(err as Error).message}`, { cause: err })
    }
  }

  /** one change at a time, in call order; a failed one does not stop the next */
  private async run<T> (fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn)
    this.chain = next.catch(() => {})
    return next
  }
}

function entryJson (entry: Entry): Uint8Array {
  return toJson({ bytes: entry.bytes, at: entry.at, consumed: entry.consumed })
}

/** deletes every key of subscription `name` (a removal, or what a removal cut short left) */
export async function wipe (store: DurableStore, name: string): Promise<void> {
  let doomed: string[] = []
  const flush = async (): Promise<void> => {
    const batch = store.batch()
    for (const path of doomed) batch.delete(path)
    doomed = []
    await batch.commit()
  }
  for await (const path of store.paths(paths.all(name))) {
    doomed.push(path)
    if (doomed.length >= REMOVE_BATCH) await flush()
  }
  if (doomed.length > 0) await flush()
}
