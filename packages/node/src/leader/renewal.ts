/**
 * Renewing the node token before it expires. A node token has a lifetime (24 h by default); a
 * daemon that kept its first one would be dropped by every member when it expired
 * ('token-expired') and could not join anyone again. At two thirds of the token's lifetime the
 * node asks the realm leader for a new one over an admitted connection: the leader issues members
 * a fresh token with the attributes of their current one (`renewal` in its issued.log). A failed
 * attempt is retried with backoff until the token expires; after that only a new token from the
 * operator helps.
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
  now: () => number
}

export interface TokenRenewalInit {
  /** share of the token's lifetime after which it is renewed. @default 2/3 */
  at?: number
  backoff?: BackoffInit
}

/** a timer waits at most 2^31 - 1 ms (~24.8 days); longer waits are taken in steps */
const MAX_TIMER_MS = 2 ** 31 - 1

/** the issue and expiry times (seconds) of a token, read without verifying it (it is our own) */
export function tokenLifetime (token: string): { iat: number, exp: number } | undefined {
  try {
    const { claims } = decodeTokenUnverified(token)
    return typeof claims.iat === 'number' && typeof claims.exp === 'number' ? { iat: claims.iat, exp: claims.exp } : undefined
  } catch {
    return undefined
  }
}

export class TokenRenewal {
  private readonly deps: TokenRenewalDeps
  private readonly at: number
  private readonly backoff: BackoffInit | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
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
    this.timer = undefined
    this.controller.abort()
  }

  /** When the current token is due for renewal (ms since the epoch), or undefined without a token. */
  dueAt (): number | undefined {
    const token = this.deps.token()
    const lifetime = token == null ? undefined : tokenLifetime(token)
    if (lifetime == null) return undefined
    return (lifetime.iat + (lifetime.exp - lifetime.iat) * this.at) * 1000
  }

  /** (Re)plans the next renewal from the current token (call after the token changed). */
  schedule (delayMs?: number): void {
    if (!this.running) return
    clearTimeout(this.timer)
    const due = this.dueAt()
    if (due == null) return
    const wait = delayMs ?? Math.max(0, due - this.deps.now())
    this.timer = setTimeout(() => { void this.renew() }, Math.min(MAX_TIMER_MS, wait))
    this.timer.unref()
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
