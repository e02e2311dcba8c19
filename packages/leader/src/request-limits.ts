/**
 * Whether a new token request may wait for the operator (requests in leader.yaml): at most
 * `maxPendingPerAddress` undecided requests from one source address, new ones from an address and
 * from everyone at the rates of their token buckets, and at most `maxPending` in all. A flood from
 * one address fills its own share and is refused (RATE_LIMITED) while other addresses still get
 * PENDING; a flood from many addresses meets the global rate (BUSY). Refusals say when to ask again.
 */
import { WireErrorCode } from '@realmesh/wire'
import { Buckets } from './rate.js'
import type { RequestLimits } from './config-limits.js'
import type { RequestBook } from './requests.js'

export interface LimitRefusal {
  code: string
  reason: string
  retryAfterMs: number
}

/** the global bucket's key (no address is empty) */
const EVERYONE = ''

export class RequestLimiter {
  private readonly limits: RequestLimits
  private readonly book: RequestBook
  private readonly perAddress: Buckets
  private readonly global: Buckets

  constructor (limits: RequestLimits, book: RequestBook, init: { now: () => number, maxAddresses?: number }) {
    this.limits = limits
    this.book = book
    this.perAddress = new Buckets(limits.addressRate, { maxKeys: init.maxAddresses ?? 10_000, now: init.now })
    this.global = new Buckets(limits.globalRate, { maxKeys: 1, now: init.now })
  }

  /** Why a new request from `address` may not wait (undefined: it may, and it was counted against the rates). */
  admit (address: string): LimitRefusal | undefined {
    if (this.book.isFull()) {
      return { code: WireErrorCode.BUSY, reason: 'too many requests wait for the operator; try again later', retryAfterMs: this.limits.graceSeconds * 1000 }
    }
    const mine = this.book.pendingFrom(address)
    if (mine >= this.limits.maxPendingPerAddress) {
      // one of them is decided, cancelled (its node gone for graceSeconds) or expires first
      return { code: WireErrorCode.RATE_LIMITED, reason: `${mine} requests from this address already wait for the operator`, retryAfterMs: this.limits.graceSeconds * 1000 }
    }
    const addressWait = this.perAddress.waitMs(address)
    if (addressWait > 0) {
      return { code: WireErrorCode.RATE_LIMITED, reason: `too many new requests from this address; ask again in ${Math.ceil(addressWait / 1000)} s`, retryAfterMs: addressWait }
    }
    const globalWait = this.global.waitMs(EVERYONE)
    if (globalWait > 0) {
      return { code: WireErrorCode.BUSY, reason: `the leader takes no more new requests for ${Math.ceil(globalWait / 1000)} s`, retryAfterMs: globalWait }
    }
    this.perAddress.take(address)
    this.global.take(EVERYONE)
    return undefined
  }
}
