/**
 * Token buckets per key (a source address, or '' for everyone), for new token requests: `burst`
 * at once, then `perMinute`. A bucket left alone long enough to be full again is forgotten, which
 * is exact (a missing bucket is a full one); past `maxKeys` the least recently used go first, which
 * only ever forgives.
 */
import { BoundedMap } from '@realmesh/node'
import type { Rate } from './config-limits.js'

interface Bucket { tokens: number, at: number }

export class Buckets {
  private readonly rate: Rate
  private readonly buckets: BoundedMap<string, Bucket>
  private readonly now: () => number
  /** tokens per ms */
  private readonly refill: number

  constructor (rate: Rate, init: { maxKeys: number, now: () => number }) {
    this.rate = rate
    this.now = init.now
    this.refill = rate.perMinute / 60_000
    this.buckets = new BoundedMap({ maxSize: init.maxKeys, now: init.now, ttlMs: Math.ceil(rate.burst / this.refill) })
  }

  /** ms until `key` has a token to take (0: it has one now) */
  waitMs (key: string): number {
    const tokens = this.current(key).tokens
    return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / this.refill)
  }

  /** takes a token from `key`'s bucket (call after waitMs said 0) */
  take (key: string): void {
    const bucket = this.current(key)
    bucket.tokens = Math.max(0, bucket.tokens - 1)
    this.buckets.set(key, bucket)
  }

  private current (key: string): Bucket {
    const now = this.now()
    const bucket = this.buckets.peek(key) ?? { tokens: this.rate.burst, at: now }
    bucket.tokens = Math.min(this.rate.burst, bucket.tokens + (now - bucket.at) * this.refill)
    bucket.at = now
    return bucket
  }
}
