/**
 * Per-peer, per-protocol token buckets: `burst` requests at once, refilled at `perSecond`.
 * Bounded (least recently used buckets forgotten first, which only ever forgives).
 */
import { BoundedMap } from '../util/bounded-map.js'

export interface RateLimit {
  /** sustained requests per second */
  perSecond: number
  /** requests allowed at once */
  burst: number
}

interface Bucket { tokens: number, at: number }

export class RateLimiter {
  private readonly buckets: BoundedMap<string, Bucket>
  private readonly limits: Map<string, RateLimit>
  private readonly fallback: RateLimit | undefined
  private readonly now: () => number

  /**
   * @param limits per protocol id
   * @param fallback for protocols not in `limits` (undefined: unlimited)
   */
  constructor (limits: Record<string, RateLimit>, fallback?: RateLimit, init: { maxBuckets?: number, now?: () => number } = {}) {
    this.limits = new Map(Object.entries(limits))
    this.fallback = fallback
    this.now = init.now ?? Date.now
    this.buckets = new BoundedMap({ maxSize: init.maxBuckets ?? 50_000, now: this.now })
  }

  /** takes one token for `peer` on `protocol`; false when the bucket is empty */
  take (peer: string, protocol: string): boolean {
    const limit = this.limits.get(protocol) ?? this.fallback
    if (limit == null) return true
    const key = `${peer} ${protocol}`
    const now = this.now()
    const bucket = this.buckets.get(key) ?? { tokens: limit.burst, at: now }
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (now - bucket.at) / 1000 * limit.perSecond)
    bucket.at = now
    const allowed = bucket.tokens >= 1
    if (allowed) bucket.tokens -= 1
    this.buckets.set(key, bucket)
    return allowed
  }
}
