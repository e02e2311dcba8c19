/**
 * Abuse control (seed 004): per-peer scores, bans (persisted), and per-peer per-protocol rate
 * limits. The node reports every offence here; the guard decides when a peer is banned and tells
 * the node (`peer:banned`), which then drops it everywhere.
 */
import { TypedEventEmitter } from 'main-event'
import { kadProtocol, PROTOCOLS } from '@realmesh/wire'
import { BanList } from './bans.js'
import { RateLimiter } from './rate-limit.js'
import { Scores } from './scores.js'
import type { BanStore } from './bans.js'
import type { Offence } from './offences.js'
import type { RateLimit } from './rate-limit.js'

export interface GuardInit {
  /** at or below this score a peer is banned. @default -100 */
  banThreshold?: number
  /** how long a ban lasts, ms. @default 3600000 (1 h) */
  banDurationMs?: number
  /** points a score recovers per minute. @default 10 */
  recoveryPerMinute?: number
  /** where bans are kept across restarts. @default in memory only */
  banStore?: BanStore
  /** per-protocol limits replacing the defaults (see defaultRateLimits) */
  rateLimits?: Record<string, RateLimit>
  /** limit for protocols without one. @default 50/s, burst 100 */
  defaultRateLimit?: RateLimit
}

export interface GuardEvents {
  'peer:banned': CustomEvent<{ peer: string, reason: string, until: number }>
  'peer:offence': CustomEvent<{ peer: string, offence: Offence, score: number }>
}

/**
 * Streams a member may open per second (sustained / burst). Handshake and join happen once per
 * connection; keepalives and record exchanges a few times a minute; kad-dht lookups in bursts.
 */
export function defaultRateLimits (realmId: string): Record<string, RateLimit> {
  return {
    [PROTOCOLS.handshake]: { perSecond: 1, burst: 5 },
    [PROTOCOLS.join]: { perSecond: 1, burst: 5 },
    [PROTOCOLS.leader]: { perSecond: 2, burst: 10 },
    [PROTOCOLS.peers]: { perSecond: 20, burst: 60 },
    // opening the stream and every keepalive on it: one per member every keepalive interval
    [PROTOCOLS.keepalive]: { perSecond: 20, burst: 60 },
    // REGISTER / MATCH come in bursts: a node that subscribes to many subjects at once, a
    // coordinator matching a subject with many interested nodes
    [PROTOCOLS.subject]: { perSecond: 100, burst: 500 },
    // message streams are long-lived, but one per sender node and subject: a burst at start
    [PROTOCOLS.message]: { perSecond: 50, burst: 500 },
    [PROTOCOLS.direct]: { perSecond: 20, burst: 50 },
    // a stream per TCP connection carried: a browser or a pool opens a few dozen at once
    [PROTOCOLS.tunnel]: { perSecond: 50, burst: 200 },
    [kadProtocol(realmId)]: { perSecond: 100, burst: 200 },
    '/ipfs/id/1.0.0': { perSecond: 2, burst: 10 },
    '/ipfs/id/push/1.0.0': { perSecond: 2, burst: 10 },
    '/ipfs/ping/1.0.0': { perSecond: 2, burst: 10 }
  }
}

export class Guard extends TypedEventEmitter<GuardEvents> {
  readonly bans: BanList
  readonly scores: Scores
  private readonly limiter: RateLimiter
  private readonly banDurationMs: number

  constructor (realmId: string, init: GuardInit = {}, now: () => number = Date.now) {
    super()
    this.scores = new Scores({ banThreshold: init.banThreshold, recoveryPerMinute: init.recoveryPerMinute, now })
    this.bans = new BanList({ store: init.banStore, now })
    this.limiter = new RateLimiter({ ...defaultRateLimits(realmId), ...init.rateLimits }, init.defaultRateLimit ?? { perSecond: 50, burst: 100 }, { now })
    this.banDurationMs = init.banDurationMs ?? 3_600_000
  }

  async start (): Promise<void> {
    await this.bans.load()
  }

  isBanned (peer: string): boolean {
    return this.bans.isBanned(peer)
  }

  /** one stream of `protocol` from `peer`: false (and an offence) when over its rate limit */
  allowStream (peer: string, protocol: string): boolean {
    if (this.limiter.take(peer, protocol)) return true
    this.offence(peer, 'RATE_LIMITED')
    return false
  }

  /** records an offence; bans the peer when its score reaches the threshold */
  offence (peer: string, offence: Offence): void {
    if (this.bans.isBanned(peer)) return
    const { score, ban } = this.scores.penalise(peer, offence)
    this.safeDispatchEvent('peer:offence', { detail: { peer, offence, score } })
    if (ban) void this.ban(peer, `score ${score} after ${offence}`)
  }

  async ban (peer: string, reason: string, durationMs = this.banDurationMs): Promise<void> {
    const until = Date.now() + durationMs
    const stored = this.bans.ban(peer, durationMs, reason)
    this.scores.forget(peer)
    this.safeDispatchEvent('peer:banned', { detail: { peer, reason, until } })
    await stored.catch(() => {})
  }
}

/** The offence a refusal code stands for, when the refusal was ours (undefined: no offence). */
export function offenceOf (code: string): Offence | undefined {
  switch (code) {
    case 'HANDSHAKE_REPLAY': return 'HANDSHAKE_REPLAY'
    case 'HANDSHAKE_BAD_SIGNATURE':
    case 'HANDSHAKE_WRONG_PEER': return 'HANDSHAKE_BAD_SIGNATURE'
    case 'FRAME_MALFORMED': return 'FRAME_MALFORMED'
    case 'FRAME_TOO_LARGE': return 'FRAME_TOO_LARGE'
    case 'RECORD_INVALID': return 'RECORD_INVALID'
    case 'NOT_A_MEMBER': return 'NOT_A_MEMBER'
    case 'MESSAGE_BUDGET_EXCEEDED': return 'MESSAGE_BUDGET'
    case 'MESSAGE_UNDECRYPTABLE': return 'MESSAGE_UNDECRYPTABLE'
    case 'RELAY_TAMPERED': return 'RELAY_TAMPERED'
    case 'REVOCATION_INVALID':
    case 'EPOCH_INVALID': return 'NOTICE_INVALID'
    default: return code.startsWith('TOKEN_') && code !== 'TOKEN_EXPIRED' ? 'TOKEN_REFUSED' : undefined
  }
}
