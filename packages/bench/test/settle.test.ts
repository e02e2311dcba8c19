import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { whenSettled } from '../src/settle.js'
import type { RoutingTableView } from '../src/kad.js'

/** a routing table driven by the test: `set(n)` changes its size and tells the listeners */
function table (size: number): RoutingTableView & { set: (n: number) => void } {
  const listeners = new Set<() => void>()
  let current = size
  return {
    get size () { return current },
    peers: () => [],
    closest: () => [],
    onChange (listener) {
      listeners.add(listener)
      return () => { listeners.delete(listener) }
    },
    set (n) {
      current = n
      for (const listener of listeners) listener()
    }
  }
}

describe('whenSettled', () => {
  test('a quiet network whose mean table is below the floor is not settled until it fills', async () => {
    const tables = [table(1), table(2), table(3)]
    const settling = whenSettled(tables, { settledMean: 10, quietMs: 20, timeoutMs: 5_000 })
    // quiet, every table holds a peer, but the mean is 2: the settle must wait for changes
    await new Promise(resolve => setImmediate(resolve))
    for (const t of tables) t.set(12)
    const result = await settling
    assert.equal(result.settled, true)
    assert.equal(result.meanSize, 12)
  })

  test('a mean above the floor settles even with one small table; an empty table never does', async () => {
    const ok = await whenSettled([table(2), table(20), table(20)], { settledMean: 10, quietMs: 10, timeoutMs: 5_000 })
    assert.equal(ok.settled, true)
    const empty = await whenSettled([table(0), table(30)], { settledMean: 10, quietMs: 10, timeoutMs: 200 })
    assert.equal(empty.settled, false)
    assert.equal(empty.below, 1)
  })

  test('a window in which the process was stalled is not quiet: the wait goes on until a real one', async () => {
    // the clock jumps 100 ms (a stall, far over a quarter of the window) before the window's
    // timers run: that window must not count; the next one, in which the clock does not jump, settles
    let clock = 0
    let settled = false
    const settling = whenSettled([table(12)], { quietMs: 20, timeoutMs: 5_000, now: () => clock })
    void settling.then(() => { settled = true })
    clock = 100
    // runs after the first quiet timer (due at 20 ms) and before the re-armed one (40 ms at the earliest)
    await new Promise(resolve => setTimeout(resolve, 30))
    assert.equal(settled, false, 'a stalled window counted as quiet')
    const result = await settling
    assert.equal(result.settled, true)
  })

  test('the time limit holds while changes keep the event loop from running timers', async () => {
    // a chain of microtasks that changes a table for 300 ms of clock time: no timer can run during
    // it (the way hundreds of in-memory nodes starve timers); the limit of 100 ms must end the wait
    // inside the chain, at the first change past the limit, not when timers run again
    const t = table(1)
    let clock = 0
    const settling = whenSettled([t], { quietMs: 10, timeoutMs: 100, now: () => clock })
    let ended = false
    void settling.then(() => { ended = true })
    let endedAt: number | undefined
    const step = async (): Promise<void> => {
      for (let i = 0; i < 30; i++) {
        clock += 10
        t.set(i + 2)
        await Promise.resolve()
        await Promise.resolve()
        if (ended && endedAt == null) endedAt = clock
      }
    }
    await step()
    const result = await settling
    assert.equal(result.settled, false)
    assert.equal(endedAt, 100, 'the wait ended at the first change at or past the limit')
    assert.equal(result.lastChangeAt, 100)
  })
})
