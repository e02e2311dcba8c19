/**
 * How often neighbourhood rounds run (membership/neighbourhood.ts): soon after joining, 4 s apart
 * while they bring members, doubling up to the interval when they do not, on up to the rest
 * interval after several quiet rounds; a member leaving (nudge) brings the next round back to 4 s.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Neighbourhood } from '../src/membership/neighbourhood.js'
import type { Timers } from '../src/util/timers.js'

test('neighbourhood rounds: back off to the interval, then to the rest interval; a nudge brings the next one to 4 s', async () => {
  let clock = 0
  let next: { fn: () => void, at: number, cleared: boolean } | undefined
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      const entry = { fn, at: clock + ms, cleared: false }
      next = entry
      return { clear: () => { entry.cleared = true } }
    },
    setInterval: () => ({ clear: () => {} })
  }
  let members = 5
  let rounds = 0
  const neighbourhood = new Neighbourhood({
    closest: () => [],
    nlist: async () => [],
    onRecords: async () => {},
    memberCount: () => members,
    timers,
    now: () => clock
  }, { intervalMs: 30_000, restMs: 300_000, quietRounds: 4 })
  /** runs the pending round and returns the delay to the one after it */
  const step = async (grow = false): Promise<number> => {
    const entry = next
    assert.ok(entry != null && !entry.cleared)
    clock = entry.at
    if (grow) members++
    rounds++
    entry.fn()
    await new Promise(resolve => setImmediate(resolve))
    assert.ok(next !== entry, 'the next round is set')
    return (next as { at: number }).at - clock
  }
  neighbourhood.start()
  assert.equal(next?.at, 2_000, 'the first round 2 s after joining')
  assert.equal(await step(true), 4_000, 'a round that brought members: the next 4 s later')
  const delays: number[] = []
  for (let i = 0; i < 10; i++) delays.push(await step())
  assert.deepEqual(delays, [8_000, 16_000, 30_000, 60_000, 120_000, 240_000, 300_000, 300_000, 300_000, 300_000])
  // a member leaves: the round 300 s away moves to 4 s away
  const far = next
  neighbourhood.nudge()
  assert.equal(far?.cleared, true)
  assert.equal((next as { at: number }).at - clock, 4_000)
  // and the quiet count starts over: the delays climb to the interval before the rest interval again
  const again: number[] = []
  for (let i = 0; i < 6; i++) again.push(await step())
  assert.deepEqual(again, [8_000, 16_000, 30_000, 60_000, 120_000, 240_000])
  neighbourhood.stop()
  assert.ok(rounds > 10)
})
