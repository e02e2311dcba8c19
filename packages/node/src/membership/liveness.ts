/**
 * Liveness and soft state (seed 002 KEEP_ALIVE, seed 001 soft state and piggy messages).
 *
 * A member we have not heard from for `intervalMs` gets a KEEPALIVE (anything it sends us counts
 * as hearing from it, so usually only one side of a pair sends). The keepalive carries a few
 * signed records both ways (PIGGY-style), and its round trip feeds the member's latency, an
 * exponential moving average. A keepalive not answered within `timeoutMs` is a failure; after
 * `maxMissed` consecutive failures the member is marked offline with reason 'timeout'.
 *
 * A miss is not counted when this node's own event loop was lagging while it waited (more than half
 * the timeout): the answer may have been there, unread. Counting such misses turns an overloaded
 * node into one that drops and re-joins its members, which overloads it further.
 */
import { LoopLag } from '../util/loop-lag.js'
import { realTimers } from '../util/timers.js'
import { deadline } from '../util/signals.js'
import type { TimerHandle, Timers } from '../util/timers.js'
import type { Member, Membership } from './membership.js'
import type { PeerRecord } from '@realmesh/wire'
import type { AbortOptions } from '@libp2p/interface'

export interface KeepaliveInit {
  /**
   * a member silent for this long gets a keepalive, ms. A dead connection is noticed sooner by
   * yamux's own keepalive (a ping frame every 30 s) and TCP; this catches members that are
   * connected but not answering (frozen, overloaded, partitioned behind a stateful middlebox).
   * @default 30000
   */
  intervalMs?: number
  /**
   * a member outside this node's neighbourhood (its k closest) that has no records to be told is
   * asked this seldom instead, ms: such a member only routes lookups, a dead one costs a lookup a
   * retry, and its connection's close is seen at once when its process ends; so a resting node's
   * keepalives grow with its neighbourhood, not with its whole table. @default 10 × intervalMs
   * (5 min; it was 4 ×: a table of 65 at rest sent 0.38 far keepalives a second, now 0.15)
   */
  farIntervalMs?: number
  /** a keepalive unanswered for this long is missed, ms. @default 10000 */
  timeoutMs?: number
  /** consecutive missed keepalives before the member is offline ('timeout'). @default 3 */
  maxMissed?: number
  /** records carried by each keepalive and its answer. @default 4 */
  piggyRecords?: number
  /** keepalives in flight at once. @default 16 */
  concurrency?: number
  /**
   * the kernel's TCP keepalive on every TCP connection, ms: a connection with nothing on it this
   * long is probed by the kernel (10 probes 1 s apart, Node's libuv), and closed when none is
   * answered, so a member whose host vanished, whose network went, or whose NAT mapping was
   * dropped is noticed about `tcpIdleMs` + 10 s later if nothing is written to the connection
   * meanwhile (a far member at rest), whatever the keepalive intervals above: no process wakes for
   * it, no frame is sent. Data written and not acknowledged stops the probes (the kernel
   * retransmits instead, for up to ~15 min on Linux): then the keepalives above notice. A frozen
   * process is still answered by its kernel: that too is what the keepalives above are for.
   * 0 leaves the system's setting (Linux: 2 h idle, 9 probes 75 s apart). @default 30000
   */
  tcpIdleMs?: number
}

export interface LivenessDeps {
  membership: Membership
  now: () => number
  /** sends a KEEPALIVE with `records` to the member and returns the records it answered with */
  send: (member: Member, records: PeerRecord[], options: AbortOptions) => Promise<PeerRecord[]>
  /** the records to piggyback on a keepalive to `member` */
  piggyFor: (member: Member, count: number) => PeerRecord[]
  /** records that came back on a keepalive */
  onPiggy: (records: PeerRecord[], member: Member) => Promise<void>
  /** the member missed `maxMissed` keepalives */
  onTimeout: (member: Member) => void
  /** a keepalive was answered */
  onAlive: (member: Member) => void
  /**
   * whether the member may wait `farIntervalMs` for its next keepalive (outside the neighbourhood,
   * nothing to tell it). @default never
   */
  far?: (member: Member) => boolean
  /** the member sleeps on its wake schedule (sleep/sleep-watch.ts): it is not probed. @default never */
  asleep?: (member: Member) => boolean
  /** @default the process's (a simulation passes its clock's) */
  timers?: Timers
}

/** weight of the newest sample in the latency average */
const LATENCY_ALPHA = 0.25
/**
 * how long a member found far stays far without asking `far` again, at one membership version, ms:
 * asking every tick for every far member (whether it is near, has news, is on a direct connection)
 * was a fifth of a resting node's keepalive tick. A new version (a join, a leave, a changed record:
 * the neighbourhood or the news may have changed) asks again at once; a connection that became
 * relayed is noticed within this long (a circuit idles out after 120 s)
 */
const FAR_RECHECK_MS = 60_000

export class Liveness {
  readonly intervalMs: number
  readonly farIntervalMs: number
  readonly timeoutMs: number
  readonly maxMissed: number
  private readonly piggyRecords: number
  private readonly concurrency: number
  private readonly deps: LivenessDeps
  private readonly inFlight = new Set<string>()
  /** members found far, at which membership version, until when (a WeakMap: gone with the member) */
  private readonly farSince = new WeakMap<Member, { version: number, until: number }>()
  private timer: TimerHandle | undefined
  private controller = new AbortController()
  private readonly lag = new LoopLag()

  constructor (deps: LivenessDeps, init: KeepaliveInit = {}) {
    this.deps = deps
    this.intervalMs = init.intervalMs ?? 30_000
    this.farIntervalMs = Math.max(this.intervalMs, init.farIntervalMs ?? 10 * this.intervalMs)
    this.timeoutMs = init.timeoutMs ?? 10_000
    this.maxMissed = init.maxMissed ?? 3
    this.piggyRecords = init.piggyRecords ?? 4
    this.concurrency = init.concurrency ?? 16
  }

  start (): void {
    if (this.timer != null) return
    this.controller = new AbortController()
    this.lag.start()
    // check four times per interval, so a silent member is asked at most a quarter interval late
    this.timer = (this.deps.timers ?? realTimers).setInterval(() => { this.tick() }, Math.max(50, Math.floor(this.intervalMs / 4)))
  }

  stop (): void {
    this.timer?.clear()
    this.timer = undefined
    this.controller.abort()
    this.lag.stop()
    this.inFlight.clear()
  }

  /** how many records ride on each keepalive */
  get piggyCount (): number {
    return this.piggyRecords
  }

  /** the worst-case time from a neighbourhood member going silent to being marked offline */
  get detectionBoundMs (): number {
    return this.intervalMs + this.intervalMs / 4 + this.maxMissed * (this.timeoutMs + this.intervalMs / 4)
  }

  /** the same for a member outside the neighbourhood with nothing to be told */
  get farDetectionBoundMs (): number {
    return this.farIntervalMs - this.intervalMs + this.detectionBoundMs
  }

  /** whether the event loop lagged by more than half a keepalive timeout since `since` (performance.now()) */
  private lagging (since: number): boolean {
    return this.lag.worstSince(since) > this.timeoutMs / 2
  }

  private tick (): void {
    const now = this.deps.now()
    for (const member of this.deps.membership.list()) {
      if (this.inFlight.size >= this.concurrency) return
      const silent = now - member.lastSeen
      if (this.inFlight.has(member.id) || silent < this.intervalMs || this.deps.asleep?.(member) === true) continue
      // a member that missed its last keepalive is asked again at the near pace
      if (silent < this.farIntervalMs && member.failures === 0 && this.far(member, now)) continue
      this.inFlight.add(member.id)
      void this.probe(member).finally(() => { this.inFlight.delete(member.id) })
    }
  }

  /** deps.far, answered again only at a new membership version or FAR_RECHECK_MS after it last said far */
  private far (member: Member, now: number): boolean {
    const version = this.deps.membership.version
    const known = this.farSince.get(member)
    if (known != null && known.version === version && now < known.until) return true
    if (this.deps.far?.(member) !== true) return false
    this.farSince.set(member, { version, until: now + FAR_RECHECK_MS })
    return true
  }

  private async probe (member: Member): Promise<void> {
    const started = this.deps.now()
    const waitFrom = performance.now()
    // cleared when the answer comes (AbortSignal.timeout's timer fired 10 s after every keepalive)
    const limit = deadline(this.timeoutMs, this.controller.signal, this.deps.timers)
    let records: PeerRecord[]
    try {
      records = await this.deps.send(member, this.deps.piggyFor(member, this.piggyRecords), { signal: limit.signal })
    } catch {
      if (this.controller.signal.aborted || !this.deps.membership.has(member.id)) return
      if (this.lagging(waitFrom)) {
        // our own event loop was too slow to tell: ask again a quarter interval later, no miss counted
        member.lastSeen = Math.min(member.lastSeen, this.deps.now() - this.farIntervalMs)
        return
      }
      member.failures++
      // asked again after a quarter interval, not a whole one
      member.lastSeen = Math.min(member.lastSeen, this.deps.now() - this.intervalMs)
      if (member.failures >= this.maxMissed) this.deps.onTimeout(member)
      return
    } finally {
      limit.clear()
    }
    const rtt = this.deps.now() - started
    member.latencyMs = member.latencyMs == null ? rtt : member.latencyMs + LATENCY_ALPHA * (rtt - member.latencyMs)
    member.failures = 0
    member.lastSeen = this.deps.now()
    this.deps.onAlive(member)
    await this.deps.onPiggy(records, member).catch(() => {})
  }
}
