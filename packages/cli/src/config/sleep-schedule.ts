/**
 * A node's wake schedule on the command line (`--sleep-schedule 20s/60s`) and in node.yaml
 * (`sleep.schedule`): AWAKE/PERIOD, each a duration (`parseDuration`), within the bounds
 * @realmesh/node enforces (awake at least 2 s and asleep at least 2 s of a period of at most 1 h).
 */
import { scheduleOf, SleepScheduleError } from '@realmesh/node'
import { parseDuration } from '../duration.js'
import { fail } from './schema.js'
import type { Check } from './schema.js'

export interface SleepSchedule {
  awakeMs: number
  periodMs: number
}

const EXPECTED = 'AWAKE/PERIOD durations such as 20s/60s (awake at least 2s and asleep at least 2s of a period of at most 1h)'

export const sleepSchedule: Check<SleepSchedule> = (value, path) => {
  const parts = typeof value === 'string' ? value.split('/') : []
  if (parts.length !== 2) fail(path, EXPECTED, value)
  let schedule: SleepSchedule
  try {
    schedule = { awakeMs: parseDuration(parts[0] ?? '') * 1000, periodMs: parseDuration(parts[1] ?? '') * 1000 }
    scheduleOf(schedule, Date.now())
  } catch (err) {
    if (err instanceof SleepScheduleError || (err as { code?: string }).code === 'DURATION_INVALID') fail(path, EXPECTED, value)
    throw err
  }
  return schedule
}
