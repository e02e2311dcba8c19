/**
 * A daemon's dashboard: its login sessions, the counters and the ring of rate samples, and who to
 * tell when the picture changed (a sample was taken, a member came or went, a ban, a match, on the
 * leader a request or a revocation), for the server-sent events. Started with the daemon's node,
 * stopped with it: every timer and listener goes.
 */
import { DashboardSessions } from './sessions.js'
import { watchCounters } from './counters.js'
import { RateRing } from './rate-ring.js'
import { dashboardState } from './state.js'
import { listen } from '../daemon/node-events.js'
import type { LeaderService } from '@realmesh/leader'
import type { RealmNode } from '@realmesh/node'
import type { Role } from '../api/routes/status.js'
import type { Counters } from './counters.js'
import type { DashboardState } from './state.js'

/** the leader service's events after which the pending list looks different */
const LEADER_CHANGES = ['request:pending', 'token:issued', 'request:denied', 'request:cancelled'] as const

export interface DashboardInit {
  role: Role
  /** the leader's service: its pending requests and revocations are shown too */
  leader?: LeaderService
  /** how far apart rate samples are, ms. @default 2000 */
  intervalMs?: number
}

export class Dashboard {
  readonly sessions = new DashboardSessions()
  private readonly node: RealmNode
  private readonly init: DashboardInit
  private readonly counters: Counters
  private readonly ring: RateRing
  private readonly listeners = new Set<() => void>()
  private readonly off: Array<() => void> = []

  constructor (node: RealmNode, init: DashboardInit) {
    this.node = node
    this.init = init
    this.counters = watchCounters(node, init.leader)
    this.ring = new RateRing(() => {
      const totals = this.counters.totals()
      this.changed()
      return totals
    }, { intervalMs: init.intervalMs })
  }

  start (): void {
    this.ring.start()
    const changed = (): void => { this.changed() }
    this.off.push(listen(this.node, { 'peer:joined': changed, 'peer:left': changed, 'peer:banned': changed, 'subject:matched': changed, 'routing:changed': changed }))
    // a revocation the leader signed is one its own node learns too
    this.node.revocations.addEventListener('learnt', changed)
    this.off.push(() => { this.node.revocations.removeEventListener('learnt', changed) })
    const leader = this.init.leader
    if (leader != null) {
      for (const type of LEADER_CHANGES) leader.addEventListener(type, changed)
      this.off.push(() => { for (const type of LEADER_CHANGES) leader.removeEventListener(type, changed) })
    }
  }

  stop (): void {
    this.ring.stop()
    this.counters.stop()
    for (const remove of this.off.splice(0)) remove()
    this.listeners.clear()
  }

  state (): DashboardState {
    return dashboardState(this.node, this.init.role, this.counters.totals(), this.ring, this.init.leader)
  }

  /** calls `listener` whenever the picture may have changed; returns the function that stops it */
  onChange (listener: () => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  private changed (): void {
    for (const listener of this.listeners) listener()
  }
}
