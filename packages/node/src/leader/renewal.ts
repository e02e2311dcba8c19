/**
 * Renewing the node token before it expires, within the grant's limits. A node token has a
 * lifetime (24 h by default); a daemon that kept its first one would be dropped by every member
 * when it expired ('token-expired') and could not join anyone again. A renewable token (one with
 * a `renewUntil` claim later than its exp) is renewed at two thirds of its lifetime: the node asks
 * the realm leader for a new one over an admitted connection, and the leader issues a fresh token
 * with the attributes and the renewUntil of the current one, its exp no later than renewUntil
 * (`renewal` in its issued.jsonl). A failed attempt is retried with backoff until the token
 * expires. A token that is not renewable is never asked about. Whatever the case, when the token
 * in use reaches its exp the node is told (`onExpired`): after that only a new grant helps.
 */
import { decodeTokenUnverified } from '@realmesh/token'
import { backoffDelay } from '../util/backoff.js'
import type { BackoffInit } from '../util/backoff.js'
import type { AbortOptions } from '@libp2p/interface'

export interface TokenRenewalDeps {
  /** the node's current token */
  token: () => string | undefined
  /** asks the leader for a new token */
  request: (options: AbortOptions) => Promise<string>
  /** a new token arrived: use it, persist it, tell the members */
  onRenewed: (token: string) => Promise<void>
  /** a renewal attempt failed: it is retried after `delayMs`, or not at all (undefined) when the token expires first */
  onFailed?: (err: Error, delayMs: number | undefined) => void
  /** the token in use reached its exp (it was not renewable, or not renewed) */
  onExpired?: (token: string, exp: number) => void
  now: () => number
}

export interface TokenRenewalInit {
  /** share of the token's lifetime after which it is renewed. @default 2/3 */
  at?: number
  backoff?: BackoffInit
}

/** a timer waits at most 2^31 - 1 ms (~24.8 days); longer waits are taken in steps */
const MAX_TIMER_MS = 2 ** 31 - 1

export interface TokenLifetime {
  /** seconds since the epoch */
  iat: number
  exp: number
  /** until when the grant may be renewed (absent: not renewable) */
  renewUntil?: number
}

/** the issue, expiry and renew-until times (seconds) of a token, read without verifying it (it is our own) */
export function tokenLifetime (token: string): TokenLifetime | undefined {
  try {
    const { claims } = decodeTokenUnverified(token)
    if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number') return undefined
    return { iat: claims.iat, exp: claims.exp, ...(typeof claims.renewUntil === 'number' ? { renewUntil: claims.renewUntil } : {}) }
  } catch {
    return undefined
  }
}

/** whether a renewal could give a token that lasts longer than this one */
export function renewable (lifetime: TokenLifetime): boolean {
  return lifetime.renewUntil !== undefined && lifetime.renewUntil > lifetime.exp
}

export class TokenRenewal {
  private readonly deps: TokenRenewalDeps
  private readonly at: number
  private readonly backoff: BackoffInit | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private expiryTimer: ReturnType<typeof setTimeout> | undefined
  private controller = new AbortController()
  private attempt = 0
  private running = false

  constructor (deps: TokenRenewalDeps, init: TokenRenewalInit = {}) {
    this.deps = deps
    this.at = init.at ?? 2 / 3
    this.backoff = init.backoff
  }

  start (): void {
    if (this.running) return
    this.running = true
    this.controller = new AbortController()
    this.attempt = 0
    this.schedule()
  }

  stop (): void {
    this.running = false
    clearTimeout(this.timer)
    clearTimeout(this.expiryTimer)
    this.timer = undefined
    this.expiryTimer = undefined
    this.controller.abort()
  }

  /** When the current token is due for renewal (ms since the epoch), or undefined without a renewable token. */
  dueAt (): number | undefined {
    const token = this.deps.token()
    const lifetime = token == null ? undefined : tokenLifetime(token)
    if (lifetime == null || !renewable(lifetime)) return undefined
    return (lifetime.iat + (lifetime.exp - lifetime.iat) * this.at) * 1000
  }

  /** (Re)plans the next renewal, and the expiry notice, from the current token (call after the token changed). */
  schedule (delayMs?: number): void {
    if (!this.running) return
    clearTimeout(this.timer)
    this.watchExpiry()
    const due = this.dueAt()
    if (due == null) return
    const wait = delayMs ?? Math.max(0, due - this.deps.now())
    this.timer = setTimeout(() => { void this.renew() }, Math.min(MAX_TIMER_MS, wait))
    this.timer.unref()
  }

  /** tells onExpired when the token in use reaches its exp (long waits in steps) */
  private watchExpiry (): void {
    clearTimeout(this.expiryTimer)
    const token = this.deps.token()
    const lifetime = token == null ? undefined : tokenLifetime(token)
    if (token == null || lifetime == null) return
    const wait = lifetime.exp * 1000 - this.deps.now()
    this.expiryTimer = setTimeout(() => {
      if (!this.running || this.deps.token() !== token) return
      if (lifetime.exp * 1000 > this.deps.now()) {
        this.watchExpiry()
        return
      }
      this.deps.onExpired?.(token, lifetime.exp)
    }, Math.min(MAX_TIMER_MS, Math.max(0, wait)))
    this.expiryTimer.unref()
  }

  private async renew (): Promise<void> {
    const due = this.dueAt()
    if (!this.running || due == null) return
    // a long wait is taken in steps
    if (due > this.deps.now()) {
      this.schedule()
      return
    }
    const before = this.deps.token()
    const lifetime = before == null ? undefined : tokenLifetime(before)
    // no point waiting past the expiry (a request the leader keeps PENDING would wait for ever)
    const untilExpiry = lifetime == null ? MAX_TIMER_MS : Math.min(MAX_TIMER_MS, Math.max(1_000, lifetime.exp * 1000 - this.deps.now()))
    try {
      const token = await this.deps.request({ signal: AbortSignal.any([this.controller.signal, AbortSignal.timeout(untilExpiry)]) })
      if (!this.running) return
      this.attempt = 0
      // the token may have been replaced meanwhile (setNodeToken): the newer one wins
      if (this.deps.token() === before) await this.deps.onRenewed(token)
      this.schedule()
    } catch (err) {
      if (!this.running) return
      const delayMs = backoffDelay(this.attempt++, this.backoff)
      // once the token has expired no member would admit us to ask again: give up
      const expired = lifetime != null && lifetime.exp * 1000 <= this.deps.now() + delayMs
      this.deps.onFailed?.(err as Error, expired ? undefined : delayMs)
      if (!expired) this.schedule(delayMs)
    }
  }
}
