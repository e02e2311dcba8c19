/**
 * Wake schedules (seed 000: sleepy members). A sleepy node is awake for `awakeMs` of every
 * `periodMs`, its windows starting at `anchorMs + n * periodMs`; it declares the schedule in its own
 * signed peer record, so that every member can tell "asleep on its schedule" from "gone" without
 * asking it. The math here is shared by the node that sleeps and by the members that wait for it.
 */
import { RealmeshError, WAKE_LIMITS, WireErrorCode, wakeScheduleProblem } from '@realmesh/wire'
import type { WakeSchedule as WireWakeSchedule } from '@realmesh/wire'

export { WAKE_LIMITS }

/** how this node sleeps (`RealmNodeInit.sleep`) */
export interface SleepInit {
  /** awake this long of every period, ms (at least 2000) */
  awakeMs: number
  /** ms; at most 3600000, and at least awakeMs + 2000 (asleep at least 2 s) */
  periodMs: number
  /**
   * also wake between windows when this node has something to send (publish, send), for at least
   * `awakeMs`: seed 000's "wakes when it has data". The windows still come (they are when the
   * others may reach it). @default false
   */
  wakeOnData?: boolean
  /** ms since the epoch, the start of one wake window. @default when the node starts */
  anchorMs?: number
  /**
   * the longest the node stays awake past a window's end while messages still move (its own not
   * yet acked, or others' arriving), ms. @default min(2 * awakeMs, periodMs - awakeMs - 2000)
   */
  maxExtraAwakeMs?: number
  /** a node that received nothing for this long is no longer receiving, ms. @default 1000 */
  idleMs?: number
}

/** a wake schedule as a member declares it (the wire's, with plain numbers) */
export interface WakeSchedule {
  awakeMs: number
  periodMs: number
  /** ms since the epoch: the start of one of its windows */
  anchorMs: number
  /** it also wakes between windows when it has data to send */
  onData: boolean
}

/** A wake schedule outside WAKE_LIMITS (`SLEEP_SCHEDULE_INVALID`); nothing was changed. */
export class SleepScheduleError extends RealmeshError {
  static override name = 'SleepScheduleError'

  constructor (message: string) {
    super(WireErrorCode.SLEEP_SCHEDULE_INVALID, message)
  }
}

/** The schedule `init` asks for, anchored at `now` unless it says otherwise; SleepScheduleError when out of bounds. */
export function scheduleOf (init: SleepInit, now: number): WakeSchedule {
  const schedule = { awakeMs: init.awakeMs, periodMs: init.periodMs, anchorMs: init.anchorMs ?? now, onData: init.wakeOnData === true }
  const problem = Number.isSafeInteger(schedule.anchorMs) ? wakeScheduleProblem({ ...schedule, anchorMs: BigInt(schedule.anchorMs) }) : 'anchorMs must be a whole number of ms since the epoch'
  if (problem != null) throw new SleepScheduleError(`sleep schedule: ${problem}`)
  const extra = init.maxExtraAwakeMs
  if (extra != null && (!Number.isInteger(extra) || extra < 0 || extra > schedule.periodMs)) throw new SleepScheduleError(`sleep schedule: maxExtraAwakeMs is 0 to periodMs (${schedule.periodMs}), got ${extra}`)
  if (init.idleMs != null && (!Number.isInteger(init.idleMs) || init.idleMs < 0 || init.idleMs > schedule.awakeMs)) throw new SleepScheduleError(`sleep schedule: idleMs is 0 to awakeMs (${schedule.awakeMs}), got ${init.idleMs}`)
  return schedule
}

export function toWire (schedule: WakeSchedule): WireWakeSchedule {
  return { awakeMs: schedule.awakeMs, periodMs: schedule.periodMs, anchorMs: BigInt(schedule.anchorMs), onData: schedule.onData }
}

/** the schedule a (schema-checked, signature-verified) record declares, if any */
export function fromWire (wake: WireWakeSchedule | undefined): WakeSchedule | undefined {
  if (wake == null) return undefined
  return { awakeMs: wake.awakeMs, periodMs: wake.periodMs, anchorMs: Number(wake.anchorMs), onData: wake.onData }
}

/** how far into its period `t` is, ms (0 .. periodMs - 1) */
export function phaseAt (schedule: WakeSchedule, t: number): number {
  const phase = (t - schedule.anchorMs) % schedule.periodMs
  return phase < 0 ? phase + schedule.periodMs : phase
}

/** whether `t` falls in a wake window */
export function awakeAt (schedule: WakeSchedule, t: number): boolean {
  return phaseAt(schedule, t) < schedule.awakeMs
}

/** the start of the first window at or after `t` */
export function nextWindowStart (schedule: WakeSchedule, t: number): number {
  const phase = phaseAt(schedule, t)
  return phase === 0 ? t : t - phase + schedule.periodMs
}

/** the end of the window `t` falls in, or of the next one when `t` falls in none */
export function windowEnd (schedule: WakeSchedule, t: number): number {
  const phase = phaseAt(schedule, t)
  return phase < schedule.awakeMs ? t - phase + schedule.awakeMs : nextWindowStart(schedule, t) + schedule.awakeMs
}
