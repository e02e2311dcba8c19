/**
 * A node that sleeps on its wake schedule (seed 000). Awake, it is an ordinary member. At the end
 * of a window it winds down: while it has not joined yet, its own messages wait to be sent or
 * acked, or others' arrive (something came in within `idleMs`), it stays awake, for at most
 * `maxExtraAwakeMs` past the window. Then it goes quiet: the keepalives, neighbourhood rounds and redials stop, every member
 * is told SLEEP, every connection is closed, and until its next window libp2p's connection gater
 * refuses every dial it would make and every connection offered to it (`quiet`). Its listeners
 * stay bound, so its signed record's addresses stay true across sleeps; what the quiet saves is
 * everything the node would otherwise do or answer. At its next window (or, with `wakeOnData`,
 * as soon as it has something to send) it wakes: what was stopped starts again, and it connects
 * to its members and tells each NODE-AVAIL; one that holds messages for it says so in its
 * answer, which keeps it awake until they stop arriving.
 */
import { awakeAt, nextWindowStart, windowEnd, WAKE_LIMITS } from './schedule.js'
import type { SleepInit, WakeSchedule } from './schedule.js'

export interface SleeperDeps {
  schedule: WakeSchedule
  now: () => number
  /** last work before sleeping (bounded by the caller): messages held for sleeping receivers are relayed */
  beforeSleep: () => Promise<void>
  /** stops what dials or probes by itself: keepalives, neighbourhood rounds, redials */
  pause: () => void
  /** starts it again, and what fell due while asleep (interest registrations, a token renewal) */
  resume: () => void
  /** SLEEP to every member on an admitted connection (best effort), then every connection closed */
  goodnight: () => Promise<void>
  /** connects to the members and tells each NODE-AVAIL; `onPending` hears of each that holds messages for this node */
  announce: (signal: AbortSignal, onPending: () => void) => Promise<void>
  /** this node's own work is not done: it has not joined yet, or its messages wait to be sent or acked */
  busy: () => boolean
  /** the node fell asleep; it wakes at `wakesAt` (ms) at the latest */
  asleep: (wakesAt: number) => void
  /** the node woke, for its window or because it has data; it means to sleep at `sleepsAt` (ms) */
  awake: (detail: { reason: WakeReason, sleepsAt: number }) => void
}

export type WakeReason = 'schedule' | 'data'

export interface SleepStatus extends WakeSchedule {
  /** whether the node is awake now */
  awake: boolean
  /** awake: when its window ends (it may stay longer while messages move); asleep: when it wakes, ms since the epoch */
  until: number
}

/** how often a node past its window looks again whether its messages have stopped moving, ms */
const WIND_DOWN_POLL_MS = 200

export class Sleeper {
  private readonly deps: SleeperDeps
  private readonly maxExtraAwakeMs: number
  private readonly idleMs: number
  private timer: ReturnType<typeof setTimeout> | undefined
  private asleep = false
  private running = false
  /** ends a wake's announcements when the node sleeps again or stops */
  private wakeController = new AbortController()
  /** bumped by every change of state, so a late step of an earlier one does nothing */
  private generation = 0
  private windowEndsAt = 0
  private lastActivity = 0

  constructor (deps: SleeperDeps, init: Pick<SleepInit, 'maxExtraAwakeMs' | 'idleMs'>) {
    this.deps = deps
    const { awakeMs, periodMs } = deps.schedule
    this.maxExtraAwakeMs = init.maxExtraAwakeMs ?? Math.max(0, Math.min(2 * awakeMs, periodMs - awakeMs - WAKE_LIMITS.minSleepMs))
    this.idleMs = init.idleMs ?? 1_000
  }

  get schedule (): WakeSchedule {
    return this.deps.schedule
  }

  /** whether the node is asleep: the connection gater refuses every dial and every inbound connection */
  get quiet (): boolean {
    return this.asleep
  }

  status (): SleepStatus {
    const now = this.deps.now()
    return { ...this.deps.schedule, awake: !this.asleep, until: this.asleep ? nextWindowStart(this.deps.schedule, now) : this.windowEndsAt }
  }

  /** the node started: it is awake (it has to join first), until the end of its window or for awakeMs */
  start (): void {
    this.running = true
    const now = this.deps.now()
    this.stayAwakeUntil(awakeAt(this.deps.schedule, now) ? windowEnd(this.deps.schedule, now) : now + this.deps.schedule.awakeMs)
  }

  stop (): void {
    this.running = false
    this.generation++
    clearTimeout(this.timer)
    this.timer = undefined
    this.asleep = false
    this.wakeController.abort()
  }

  /** messages are moving to this node (one arrived, a sender opened a stream, a member holds some) */
  noteActivity (): void {
    this.lastActivity = this.deps.now()
  }

  /** this node has something to send: with `onData` an asleep node wakes for it */
  hasData (): void {
    if (this.asleep && this.deps.schedule.onData) this.wake('data')
  }

  private stayAwakeUntil (endsAt: number): void {
    this.windowEndsAt = endsAt
    this.arm(endsAt - this.deps.now(), () => { this.windDown() })
  }

  /** past the window: asleep once nothing moves, or at the bound */
  private windDown (): void {
    const now = this.deps.now()
    // stayed awake into the next window: that window is kept in full
    if (awakeAt(this.deps.schedule, now)) {
      this.stayAwakeUntil(windowEnd(this.deps.schedule, now))
      return
    }
    const limit = this.windowEndsAt + this.maxExtraAwakeMs
    const moving = this.deps.busy() || now - this.lastActivity < this.idleMs
    if (moving && now < limit) {
      this.arm(Math.min(WIND_DOWN_POLL_MS, limit - now), () => { this.windDown() })
      return
    }
    void this.fallAsleep()
  }

  private async fallAsleep (): Promise<void> {
    let generation = ++this.generation
    await this.deps.beforeSleep().catch(() => {})
    if (generation !== this.generation || !this.running) return
    generation = ++this.generation
    this.asleep = true
    this.wakeController.abort()
    this.deps.pause()
    await this.deps.goodnight().catch(() => {})
    if (generation !== this.generation || !this.running) return
    const wakesAt = nextWindowStart(this.deps.schedule, this.deps.now())
    this.arm(wakesAt - this.deps.now(), () => { this.wake('schedule') })
    this.deps.asleep(wakesAt)
  }

  private wake (reason: WakeReason): void {
    if (!this.asleep || !this.running) return
    this.generation++
    this.asleep = false
    this.wakeController = new AbortController()
    const now = this.deps.now()
    this.deps.resume()
    this.stayAwakeUntil(awakeAt(this.deps.schedule, now) ? windowEnd(this.deps.schedule, now) : now + this.deps.schedule.awakeMs)
    this.deps.awake({ reason, sleepsAt: this.windowEndsAt })
    const { signal } = this.wakeController
    void this.deps.announce(signal, () => { if (!signal.aborted) this.noteActivity() }).catch(() => {})
  }

  private arm (delayMs: number, fire: () => void): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      if (this.running) fire()
    }, Math.max(0, delayMs))
    this.timer.unref()
  }
}
