import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { JoinSlots } from '../src/membership/join-slots.js'

describe('join slots (joins in flight per process)', () => {
  test('a window of joins: 4 at first, one more per window of joins made, halved by a timeout, within 1 to 32', () => {
    const slots = new JoinSlots({ loopDelayMs: () => 0 })
    assert.equal(Array.from({ length: 10 }, () => slots.tryTake()).filter(Boolean).length, 4)
    for (let i = 0; i < 4; i++) slots.release('joined')
    assert.equal(slots.limit(), 4, '4 + 4 x 1/w: not yet 5')
    for (let i = 0; i < 4; i++) { slots.tryTake(); slots.release('joined') }
    assert.equal(slots.limit(), 5)
    slots.tryTake()
    slots.release('timed-out')
    assert.equal(slots.limit(), 2)
    slots.tryTake()
    slots.release('failed')
    assert.equal(slots.limit(), 2, 'a refusal says nothing about load')
    for (let i = 0; i < 3; i++) { slots.tryTake(); slots.release('timed-out') }
    assert.equal(slots.limit(), 1)
    for (let i = 0; i < 5_000; i++) { slots.tryTake(); slots.release('joined') }
    assert.equal(slots.limit(), 32)
  })

  test('a freed slot wakes the waiters in turn, only as many as there are slots; a cancelled one is not woken', () => {
    const slots = new JoinSlots({ loopDelayMs: () => 0 })
    slots.tryTake()
    slots.release('timed-out')
    assert.ok(slots.tryTake())
    assert.ok(slots.tryTake())
    assert.equal(slots.tryTake(), false, 'a window of 2')
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
    slots.release('failed')
    assert.deepEqual(woken, ['a'], 'one slot freed: the first waiter, which took it')
    slots.release('failed')
    assert.deepEqual(woken, ['a', 'c'], 'b stopped waiting')
    assert.deepEqual(slots.state, { inFlight: 2, waiting: 0, window: 2 })
  })
})
