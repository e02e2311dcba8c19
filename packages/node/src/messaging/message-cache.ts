/**
 * Messages published before any receiver is matched: kept (bounded) until one is, then handed
 * out oldest first (fifo) or newest first (lifo). A full cache refuses the new message (reject)
 * or drops its oldest one (purge); a message whose TTL ends in the cache is dropped too.
 */
import { WireErrorCode } from '@realmesh/wire'
import { MessageError } from './errors.js'
import type { CacheOptions } from './options.js'

export interface Cacheable { expiresAt: number }

export type DropCode = typeof WireErrorCode.MESSAGE_EXPIRED | typeof WireErrorCode.MESSAGE_PURGED

export class MessageCache<T extends Cacheable> {
  private readonly items: T[] = []
  private readonly size: number
  private readonly policy: 'fifo' | 'lifo'
  private readonly whenFull: 'reject' | 'purge'
  private readonly onDrop: (item: T, code: DropCode) => void

  constructor (options: CacheOptions, onDrop: (item: T, code: DropCode) => void) {
    this.size = options.size ?? 100
    if (!Number.isInteger(this.size) || this.size < 0) throw new RangeError(`cache.size must be an integer >= 0, got ${this.size}`)
    this.policy = options.policy ?? 'fifo'
    this.whenFull = options.whenFull ?? 'purge'
    this.onDrop = onDrop
  }

  get length (): number {
    return this.items.length
  }

  /** keeps `item`; MESSAGE_CACHE_FULL when full and the policy is reject (or the size is 0) */
  add (item: T, now: number): void {
    this.prune(now)
    if (this.items.length >= this.size) {
      if (this.whenFull === 'reject' || this.size === 0) {
        throw new MessageError(WireErrorCode.MESSAGE_CACHE_FULL, `the cache of messages waiting for a receiver is full (${this.size})`)
      }
      const oldest = this.items.shift()
      if (oldest != null) this.onDrop(oldest, WireErrorCode.MESSAGE_PURGED)
    }
    this.items.push(item)
  }

  /** takes everything out, in policy order (expired items are dropped) */
  drain (now: number): T[] {
    this.prune(now)
    const out = this.items.splice(0)
    return this.policy === 'lifo' ? out.reverse() : out
  }

  /** drops items whose TTL ended */
  prune (now: number): void {
    for (let i = 0; i < this.items.length;) {
      const item = this.items[i] as T
      if (item.expiresAt <= now) {
        this.items.splice(i, 1)
        this.onDrop(item, WireErrorCode.MESSAGE_EXPIRED)
      } else {
        i++
      }
    }
  }

  /** the earliest expiry in the cache (ms), if any */
  nextExpiry (): number | undefined {
    let next: number | undefined
    for (const item of this.items) if (next == null || item.expiresAt < next) next = item.expiresAt
    return next
  }
}
