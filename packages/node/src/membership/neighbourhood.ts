/**
 * Neighbourhood refresh: Kademlia's self-lookup, on realmesh's own records. After joining, and then
 * periodically, the node asks the members closest to it for the records closest to its own
 * fingerprint (NLIST) and hands them to the join decision. Each round can only bring closer
 * members, so the neighbourhood converges to the true k closest; UPDATE (to the joiner's closest
 * members) and PIGGY (on keepalives) spread news between rounds.
 *
 * Rounds run 2 s after joining; while a round brings members we did not have, the next one follows
 * 4 s later; a round that brings nothing doubles the delay, up to `intervalMs`, and once
 * `quietRounds` rounds in a row brought nothing, on up to `restMs`: a resting realm's rounds cost
 * three fresh streams per member every `restMs`, not every `intervalMs`. A member leaving (nudge())
 * brings the next round back to 4 s: its place in the neighbourhood is to be filled.
 */
import type { Member } from './membership.js'
import type { PeerRecord } from '@realmesh/wire'
import type { AbortOptions } from '@libp2p/interface'
import { realTimers } from '../util/timers.js'
import type { TimerHandle, Timers } from '../util/timers.js'

export interface NeighbourhoodInit {
  /** steady-state delay between refresh rounds, ms. @default 30000 */
  intervalMs?: number
  /** members asked per round. @default 3 */
  ask?: number
  /** the delay between rounds once the neighbourhood rests, ms. @default 10 × intervalMs */
  restMs?: number
  /** rounds in a row that brought nothing before the delay grows past `intervalMs`. @default 4 */
  quietRounds?: number
}

export interface NeighbourhoodDeps {
  /** our members closest to us */
  closest: (count: number) => Member[]
  /** NLIST(our fingerprint) to `member` */
  nlist: (member: Member, options: AbortOptions) => Promise<PeerRecord[]>
  onRecords: (records: PeerRecord[], member: Member) => Promise<void>
  /** records this node holds but did not join, considered again (the NLIST leaves them out). @default nothing */
  reconsider?: () => void
  /** how many members we have (a round that grows it was useful) */
  memberCount: () => number
  /** @default the process's (a simulation passes its clock's) */
  timers?: Timers
  /** the clock `timers` run on. @default Date.now */
  now?: () => number
}

export class Neighbourhood {
  private readonly deps: NeighbourhoodDeps
  private readonly intervalMs: number
  private readonly ask: number
  private readonly restMs: number
  private readonly quietRounds: number
  private timer: TimerHandle | undefined
  private delay = 2_000
  private lastCount = 0
  /** rounds in a row that brought nothing */
  private quiet = 0
  /** when the next round is due (the timers' clock) */
  private dueAt = 0
  private running = false
  private controller = new AbortController()

  constructor (deps: NeighbourhoodDeps, init: NeighbourhoodInit = {}) {
    this.deps = deps
    this.intervalMs = init.intervalMs ?? 30_000
    this.ask = init.ask ?? 3
    this.restMs = Math.max(this.intervalMs, init.restMs ?? 10 * this.intervalMs)
    this.quietRounds = init.quietRounds ?? 4
  }

  /** starts the rounds (call once joined) */
  start (): void {
    if (this.timer != null) return
    this.controller = new AbortController()
    this.delay = Math.min(2_000, this.intervalMs)
    this.quiet = 0
    this.schedule()
  }

  /** a member left: the next round comes soon (at most 4 s away), to fill its place */
  nudge (): void {
    this.quiet = 0
    const soon = Math.min(4_000, this.intervalMs)
    if (this.timer == null || this.running || this.dueAt - this.now() <= soon) {
      this.delay = Math.min(this.delay, soon)
      return
    }
    this.timer.clear()
    this.delay = soon
    this.schedule()
  }

  private now (): number {
    return this.deps.now?.() ?? Date.now()
  }

  stop (): void {
    this.timer?.clear()
    this.timer = undefined
    this.controller.abort()
  }

  private schedule (): void {
    this.dueAt = this.now() + this.delay
    this.timer = (this.deps.timers ?? realTimers).setTimeout(() => {
      const before = this.deps.memberCount()
      this.running = true
      void this.round().finally(() => {
        this.running = false
        if (this.timer == null) return
        // joins the round started finish later: judge the round by the previous one's harvest too
        const grew = this.deps.memberCount() > before || this.deps.memberCount() > this.lastCount
        this.lastCount = this.deps.memberCount()
        this.quiet = grew ? 0 : this.quiet + 1
        const cap = this.quiet >= this.quietRounds ? this.restMs : this.intervalMs
        this.delay = grew ? Math.min(4_000, this.intervalMs) : Math.min(this.delay * 2, cap)
        this.schedule()
      })
    }, this.delay)
  }

  /** one round: NLIST to the closest members, answers to the join decision */
  async round (): Promise<void> {
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(10_000)])
    this.deps.reconsider?.()
    await Promise.allSettled(this.deps.closest(this.ask).map(async (member) => {
      const records = await this.deps.nlist(member, { signal })
      await this.deps.onRecords(records, member)
    }))
  }
}
