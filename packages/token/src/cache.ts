/**
 * A bounded LRU cache of successful token verifications.
 *
 * Keyed by token kind + realm id + sha256 of the token text. A hit saves the decode, the shape check
 * and the signature verify; it never extends validity: the verifier re-applies expiry, not-before,
 * realm, issuer policy, peer binding, revocation and the ttl policy to the cached claims on every
 * hit. Entries are dropped once their `exp` passes (on this cache's clock), and the least recently
 * used entry is evicted when the cache is full.
 */

export interface TokenCacheInit {
  /** Most entries kept; the least recently used entry is evicted beyond it. @default 10000 */
  maxEntries?: number
  /** Clock used to drop expired entries, milliseconds since the epoch. @default Date.now */
  now?: () => number
}

/** Counters, for tests and metrics. */
export interface TokenCacheStats {
  /** lookups answered from the cache */
  hits: number
  /** lookups that found nothing (or only an expired entry) */
  misses: number
  /** entries dropped to stay within maxEntries */
  evictions: number
  /** entries dropped because their exp passed */
  expired: number
}

interface CacheEntry {
  claims: unknown
  /** the token's exp claim, seconds since the epoch */
  exp: number
}

export const DEFAULT_TOKEN_CACHE_MAX_ENTRIES = 10_000

export class TokenCache {
  readonly maxEntries: number
  readonly stats: TokenCacheStats = { hits: 0, misses: 0, evictions: 0, expired: 0 }
  private readonly now: () => number
  // a Map iterates in insertion order: re-inserting on every hit keeps the oldest-used entry first
  private readonly entries = new Map<string, CacheEntry>()

  constructor (init: TokenCacheInit = {}) {
    const maxEntries = init.maxEntries ?? DEFAULT_TOKEN_CACHE_MAX_ENTRIES
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`TokenCache maxEntries must be a whole number >= 1, got ${maxEntries}`)
    }
    this.maxEntries = maxEntries
    this.now = init.now ?? Date.now
  }

  /** Number of entries held (expired entries not yet looked up included). */
  get size (): number {
    return this.entries.size
  }

  /** Drops every entry (stats are kept). */
  clear (): void {
    this.entries.clear()
  }

  /**
   * The cached claims of a verified token, or undefined. For the verifiers in this package; the
   * caller must still apply the time and policy checks to what it gets back.
   */
  get (kind: string, realmId: string, tokenHashHex: string): unknown {
    const key = cacheKey(kind, realmId, tokenHashHex)
    const entry = this.entries.get(key)
    if (entry === undefined) {
      this.stats.misses++
      return undefined
    }
    this.entries.delete(key)
    if (this.now() / 1000 >= entry.exp) {
      this.stats.expired++
      this.stats.misses++
      return undefined
    }
    this.entries.set(key, entry)
    this.stats.hits++
    return entry.claims
  }

  /** Records a successful verification. For the verifiers in this package. */
  set (kind: string, realmId: string, tokenHashHex: string, claims: unknown, exp: number): void {
    if (this.now() / 1000 >= exp) {
      return
    }
    const key = cacheKey(kind, realmId, tokenHashHex)
    this.entries.delete(key)
    this.entries.set(key, { claims, exp })
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next()
      if (oldest.done === true) {
        break
      }
      this.entries.delete(oldest.value)
      this.stats.evictions++
    }
  }
}

function cacheKey (kind: string, realmId: string, tokenHashHex: string): string {
  return `${kind}\n${realmId}\n${tokenHashHex}`
}
