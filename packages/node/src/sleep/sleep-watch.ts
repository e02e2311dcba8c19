/**
 * The members' side of sleepy members: a member whose signed record declares a wake schedule and
 * that goes to sleep on it (it said SLEEP, or its last connection closed outside its wake window)
 * stays a member while it sleeps. Liveness does not probe it, the disconnect grace does not end
 * it, its counterparts are kept and its senders hold its messages (see SenderLink's `hold`). It
 * is awake again when it connects (an admitted connection) or announces itself (NODE-AVAIL); one
 * that misses more than `maxMissedWindows` wake windows in a row is dropped ('timeout',
 * WAKE_WINDOWS_MISSED), as a silent member is.
 *
 * A member that declares no schedule, or whose connections close inside its wake window without
 * a SLEEP, is gone as before: the gate's disconnect grace applies.
 */
import { WireErrorCode } from '@realmesh/wire'
import { awakeAt, fromWire, nextWindowStart, windowEnd } from './schedule.js'
import type { WakeSchedule } from './schedule.js'
import type { Membership } from '../membership/membership.js'

export interface SleepWatchInit {
  /** wake windows a sleeping member may miss in a row before it is dropped. @default 2 */
  maxMissedWindows?: number
}

export interface SleepWatchDeps {
  membership: Membership
  now: () => number
  /** whether this node holds an admitted connection to `peer` */
  connected: (peer: string) => boolean
  /** ends the membership of a sleeper that missed its windows */
  drop: (peer: string, code: string, text: string) => void
  /** `peer` fell asleep on its schedule; it is expected back at `wakesAt` */
  asleep: (peer: string, wakesAt: number) => void
  /** `peer` is awake again (connected, or NODE-AVAIL): what is held for it may go */
  awake: (peer: string) => void
}

/** a close this close to a window's end (or a SLEEP sent then) is the member going to sleep, not a crash, ms */
const WINDOW_EDGE_MS = 1_000
/** how long after a window's end a member that did not come back in it counts as having missed it, ms */
const LATE_MS = 2_000

interface Sleeper {
  schedule: WakeSchedule
  missed: number
  timer: ReturnType<typeof setTimeout>
}

export class SleepWatch {
  readonly maxMissedWindows: number
  private readonly deps: SleepWatchDeps
  /** one entry per sleeping member: bounded by membership (an entry leaves with its member) */
  private readonly sleepers = new Map<string, Sleeper>()

  constructor (deps: SleepWatchDeps, init: SleepWatchInit = {}) {
    this.deps = deps
    this.maxMissedWindows = init.maxMissedWindows ?? 2
    deps.membership.addEventListener('peer:left', (evt) => { this.forget(evt.detail.peer) })
  }

  /** the wake schedule a member's record declares, if any */
  scheduleOf (peer: string): WakeSchedule | undefined {
    return fromWire(this.deps.membership.get(peer)?.record?.wake)
  }

  isAsleep (peer: string): boolean {
    return this.sleepers.has(peer)
  }

  /**
   * ms until a sleeping member's next wake window starts; undefined for one that is not asleep, or
   * whose window is open now (it may be reached: it is waking, or it is late)
   */
  wakesIn (peer: string): number | undefined {
    const sleeper = this.sleepers.get(peer)
    if (sleeper == null) return undefined
    const now = this.deps.now()
    return awakeAt(sleeper.schedule, now) ? undefined : nextWindowStart(sleeper.schedule, now) - now
  }

  /** the member said SLEEP: with a schedule in its record it sleeps from now (true), else nothing changes (false) */
  announced (peer: string): boolean {
    const schedule = this.scheduleOf(peer)
    if (schedule == null) return false
    this.fallAsleep(peer, schedule)
    return true
  }

  /**
   * The member's last admitted connection closed. True: it sleeps on its schedule (it said SLEEP,
   * or the close came outside its wake window or at its very end) and stays a member; false: it
   * is gone, and the disconnect grace applies.
   */
  disconnected (peer: string): boolean {
    if (this.sleepers.has(peer)) return true
    const schedule = this.scheduleOf(peer)
    if (schedule == null || awakeAt(schedule, this.deps.now() + WINDOW_EDGE_MS)) return false
    this.fallAsleep(peer, schedule)
    return true
  }

  /** the member connected again, or announced itself (NODE-AVAIL): it is awake */
  woke (peer: string): void {
    if (!this.forget(peer)) return
    this.deps.awake(peer)
  }

  stop (): void {
    for (const sleeper of this.sleepers.values()) clearTimeout(sleeper.timer)
    this.sleepers.clear()
  }

  private fallAsleep (peer: string, schedule: WakeSchedule): void {
    const existing = this.sleepers.get(peer)
    if (existing != null) clearTimeout(existing.timer)
    const sleeper: Sleeper = { schedule, missed: 0, timer: this.checkAfterNextWindow(peer, schedule) }
    this.sleepers.set(peer, sleeper)
    this.deps.asleep(peer, nextWindowStart(schedule, this.deps.now()))
  }

  /** a timer just after the end of the next window (the one under way, when the member left early) */
  private checkAfterNextWindow (peer: string, schedule: WakeSchedule): ReturnType<typeof setTimeout> {
    const now = this.deps.now()
    const timer = setTimeout(() => { this.windowPassed(peer) }, windowEnd(schedule, now + WINDOW_EDGE_MS) + LATE_MS - now)
    timer.unref()
    return timer
  }

  /** a window passed without the member coming back: one more missed, dropped past the bound */
  private windowPassed (peer: string): void {
    const sleeper = this.sleepers.get(peer)
    if (sleeper == null) return
    if (this.deps.connected(peer)) {
      this.woke(peer)
      return
    }
    sleeper.missed++
    if (sleeper.missed > this.maxMissedWindows) {
      this.forget(peer)
      this.deps.drop(peer, WireErrorCode.WAKE_WINDOWS_MISSED, `missed ${sleeper.missed} wake windows in a row`)
      return
    }
    sleeper.timer = this.checkAfterNextWindow(peer, sleeper.schedule)
  }

  private forget (peer: string): boolean {
    const sleeper = this.sleepers.get(peer)
    if (sleeper == null) return false
    clearTimeout(sleeper.timer)
    this.sleepers.delete(peer)
    return true
  }
}
