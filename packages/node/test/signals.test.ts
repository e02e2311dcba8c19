import { test } from 'node:test'
import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import { deadline } from '../src/util/signals.js'
import type { TimerHandle, Timers } from '../src/util/timers.js'

/** timers that run only when told to: which are pending, and which were cleared */
function manualTimers (): Timers & { pending: Array<{ fn: () => void, cleared: boolean }> } {
  const pending: Array<{ fn: () => void, cleared: boolean }> = []
  return {
    pending,
    setTimeout (fn: () => void): TimerHandle {
      const entry = { fn, cleared: false }
      pending.push(entry)
      return { clear: () => { entry.cleared = true } }
    },
    setInterval (): TimerHandle { throw new Error('not used') }
  }
}

test('a deadline aborts with a TimeoutError when its timer fires, and not after it is cleared', () => {
  const timers = manualTimers()
  const late = deadline(10_000, undefined, timers)
  assert.equal(late.signal.aborted, false)
  timers.pending[0]?.fn()
  assert.equal(late.signal.aborted, true)
  assert.equal((late.signal.reason as DOMException).name, 'TimeoutError')

  const done = deadline(10_000, undefined, timers)
  done.clear()
  assert.equal(timers.pending[1]?.cleared, true, 'the timer of finished work is cleared, not left to fire')
})

test('a deadline follows its parent signal, and clearing it leaves no listener on the parent', () => {
  const timers = manualTimers()
  const parent = new AbortController()
  const many = Array.from({ length: 100 }, () => deadline(10_000, parent.signal, timers))
  assert.equal(getEventListeners(parent.signal, 'abort').length, 100)
  for (const d of many.slice(1)) d.clear()
  // a long-lived parent (the node's shutdown signal) does not collect listeners from finished work
  assert.equal(getEventListeners(parent.signal, 'abort').length, 1)
  const reason = new Error('stopping')
  parent.abort(reason)
  assert.equal(many[0]?.signal.aborted, true)
  assert.equal(many[0]?.signal.reason, reason)
  assert.equal(many[1]?.signal.aborted, false, 'a cleared deadline no longer follows its parent')
  // a parent already aborted: the deadline is aborted at once, with no timer
  const before = timers.pending.length
  const dead = deadline(10_000, parent.signal, timers)
  assert.equal(dead.signal.reason, reason)
  assert.equal(timers.pending.length, before)
})
