/**
 * Neighbourhood refresh: Kademlia's self-lookup, on realmesh's own records. After joining, and then
 * periodically, the node asks the members closest to it for the records closest to its own
 * fingerprint (NLIST) and hands them to the join decision. Each round can only bring closer
 * members, so the neighbourhood converges to the true k closest; UPDATE (to the joiner's closest
 * members) and PIGGY (on keepalives) spread news between rounds.
 *
 * Rounds run 2 s after joining; while a round brings members we did not have, the next one follows
 * 4 s later; a round that brings nothing doubles the delay, up to `intervalMs`.
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
}

export class Neighbourhood {
  private readonly deps: NeighbourhoodDeps
  private readonly intervalMs: number
  private readonly ask: number
  private timer: TimerHandle | undefined
  private delay = 2_000
  private lastCount = 0
  private controller = new AbortController()

  constructor (deps: NeighbourhoodDeps, init: NeighbourhoodInit = {}) {
    this.deps = deps
    this.intervalMs = init.intervalMs ?? 30_000
    this.ask = init.ask ?? 3
  }

  /** starts the rounds (call once joined) */
  start (): void {
    if (this.timer != null) return
    this.controller = new AbortController()
    this.delay = Math.min(2_000, this.intervalMs)
    this.schedule()
  }

  stop (): void {
    this.timer?.clear()
    this.timer = undefined
    this.controller.abort()
  }

  private schedule (): void {
    this.timer = (this.deps.timers ?? realTimers).setTimeout(() => {
      const before = this.deps.memberCount()
      void this.round().finally(() => {
        if (this.timer == null) return
        // joins the round started finish later: judge the round by the previous one's harvest too
        const grew = this.deps.memberCount() > before || this.deps.memberCount() > this.lastCount
        this.lastCount = this.deps.memberCount()
        this.delay = grew ? Math.min(4_000, this.intervalMs) : Math.min(this.delay * 2, this.intervalMs)
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
