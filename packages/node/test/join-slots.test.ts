import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { JoinSlots } from '../src/membership/join-slots.js'

describe('join slots (joins in flight per process)', () => {
  test('a window of joins: 4 at first, one more per window of joins made, halved by a timeout, within 1 to 32', () => {
    const slots = new JoinSlots({ loopDelayMs: () => 0 })
    const tickets = Array.from({ length: 10 }, () => slots.tryTake())
    assert.equal(tickets.filter(t => t != null).length, 4)
    for (let i = 0; i < 4; i++) slots.release(0, 'joined')
    assert.equal(slots.limit(), 4, '4 + 4 x 1/w: not yet 5')
    for (let i = 0; i < 4; i++) slots.release(slots.tryTake() ?? -1, 'joined')
    assert.equal(slots.limit(), 5)
    slots.release(slots.tryTake() ?? -1, 'timed-out')
    assert.equal(slots.limit(), 2)
    slots.release(slots.tryTake() ?? -1, 'failed')
    assert.equal(slots.limit(), 2, 'a refusal says nothing about load')
    for (let i = 0; i < 3; i++) slots.release(slots.tryTake() ?? -1, 'timed-out')
    assert.equal(slots.limit(), 1)
    for (let i = 0; i < 5_000; i++) slots.release(slots.tryTake() ?? -1, 'joined')
    assert.equal(slots.limit(), 32)
  })

  test('joins in flight together that all time out halve the window once', () => {
    const slots = new JoinSlots({ loopDelayMs: () => 0 })
    for (let i = 0; i < 100; i++) slots.release(slots.tryTake() ?? -1, 'joined')
    const before = slots.state.window
    assert.ok(before >= 8, `grew to ${before}`)
    const together = Array.from({ length: Math.floor(before) }, () => slots.tryTake())
    for (const ticket of together) slots.release(ticket ?? -1, 'timed-out')
    assert.equal(slots.state.window, before / 2, 'halved once')
    slots.release(slots.tryTake() ?? -1, 'timed-out')
    assert.equal(slots.state.window, before / 4, 'a join taken after the halving halves it again')
  })

  test('a freed slot wakes the waiters in turn, only as many as there are slots; a cancelled one is not woken', () => {
    const slots = new JoinSlots({ loopDelayMs: () => 0 })
    slots.release(slots.tryTake() ?? -1, 'timed-out')
    const first = slots.tryTake()
    const second = slots.tryTake()
    assert.ok(first != null && second != null)
    assert.equal(slots.tryTake(), undefined, 'a window of 2')
    const woken: string[] = []
    // a woken waiter takes a slot, as Growth does
    const waiter = (name: string) => () => { woken.push(name); slots.tryTake() }
    const a = waiter('a')
    const b = waiter('b')
    const c = waiter('c')
    slots.wait(a)
    slots.wait(b)
    slots.wait(c)
    slots.cancel(b)
    slots.release(first, 'failed')
    assert.deepEqual(woken, ['a'], 'one slot freed: the first waiter, which took it')
    slots.release(second, 'failed')
    assert.deepEqual(woken, ['a', 'c'], 'b stopped waiting')
    assert.deepEqual(slots.state, { inFlight: 2, waiting: 0, window: 2 })
  })
})
