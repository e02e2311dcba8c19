/**
 * A Map with a size bound (least recently used entries go first) and an optional time to live per
 * entry. Every cache and table in the node that is keyed by something a peer controls is one of
 * these, so no peer can grow our memory without bound.
 */
export interface BoundedMapInit<K = unknown, V = unknown> {
  /** most entries kept; the least recently used is dropped to make room */
  maxSize: number
  /** default time to live of an entry in milliseconds; undefined = until evicted */
  ttlMs?: number
  /** @default Date.now */
  now?: () => number
  /** called for every entry dropped for room or age (not for delete/clear) */
  onEvict?: (key: K, value: V) => void
}

interface Entry<V> { value: V, expires: number }

export class BoundedMap<K, V> {
  private readonly entries = new Map<K, Entry<V>>()
  private readonly maxSize: number
  private readonly ttlMs: number | undefined
  private readonly now: () => number
  private readonly onEvict: ((key: K, value: V) => void) | undefined

  constructor (init: BoundedMapInit<K, V>) {
    if (!Number.isInteger(init.maxSize) || init.maxSize < 1) throw new RangeError('maxSize must be a positive integer')
    this.maxSize = init.maxSize
    this.ttlMs = init.ttlMs
    this.now = init.now ?? Date.now
    this.onEvict = init.onEvict
  }

  get size (): number {
    return this.entries.size
  }

  get (key: K): V | undefined {
    const entry = this.live(key)
    if (entry == null) return undefined
    // refresh recency
    this.entries.delete(key)
    this.entries.set(key, entry)
    return entry.value
  }

  /** like get, without changing recency */
  peek (key: K): V | undefined {
    return this.live(key)?.value
  }

  has (key: K): boolean {
    return this.live(key) != null
  }

  /** @param ttlMs this entry's time to live, overriding the map's default */
  set (key: K, value: V, ttlMs?: number): this {
    const ttl = ttlMs ?? this.ttlMs
    this.entries.delete(key)
    this.entries.set(key, { value, expires: ttl == null ? Infinity : this.now() + ttl })
    while (this.entries.size > this.maxSize) {
      const oldest = this.entries.keys().next()
      if (oldest.done === true) break
      this.evict(oldest.value)
    }
    return this
  }

  delete (key: K): boolean {
    return this.entries.delete(key)
  }

  clear (): void {
    this.entries.clear()
  }

  /** drops every expired entry; call it from a timer when nothing reads the map for long */
  prune (): void {
    const now = this.now()
    for (const [key, entry] of this.entries) {
      if (entry.expires <= now) this.evict(key)
    }
  }

  * [Symbol.iterator] (): IterableIterator<[K, V]> {
    const now = this.now()
    for (const [key, entry] of this.entries) {
      if (entry.expires > now) yield [key, entry.value]
    }
  }

  * values (): IterableIterator<V> {
    for (const [, value] of this) yield value
  }

  * keys (): IterableIterator<K> {
    for (const [key] of this) yield key
  }

  private live (key: K): Entry<V> | undefined {
    const entry = this.entries.get(key)
    if (entry == null) return undefined
    if (entry.expires <= this.now()) {
      this.evict(key)
      return undefined
    }
    return entry
  }

  private evict (key: K): void {
    const entry = this.entries.get(key)
    this.entries.delete(key)
    if (entry != null) this.onEvict?.(key, entry.value)
  }
}
