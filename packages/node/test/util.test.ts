import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BoundedMap, backoffDelay, sleep } from '../src/index.js'
import { LoopLag } from '../src/util/loop-lag.js'

test('BoundedMap never holds more than maxSize and drops the least recently used', () => {
  const evicted: string[] = []
  const map = new BoundedMap<string, number>({ maxSize: 3, onEvict: (k) => { evicted.push(k) } })
  map.set('a', 1).set('b', 2).set('c', 3)
  map.get('a') // a is now the most recent
  map.set('d', 4)
  assert.equal(map.size, 3)
  assert.deepEqual([...map.keys()].sort(), ['a', 'c', 'd'])
  assert.deepEqual(evicted, ['b'])
  for (let i = 0; i < 1000; i++) map.set(`k${i}`, i)
  assert.equal(map.size, 3)
})

test('BoundedMap entries expire after their ttl, per entry or by default', () => {
  let now = 0
  const map = new BoundedMap<string, number>({ maxSize: 10, ttlMs: 100, now: () => now })
  map.set('default', 1)
  map.set('short', 2, 10)
  now = 50
  assert.equal(map.get('short'), undefined)
  assert.equal(map.get('default'), 1)
  now = 100
  assert.equal(map.has('default'), false)
  map.set('x', 3)
  now = 1000
  map.prune()
  assert.equal(map.size, 0)
})

test('backoff grows exponentially up to its cap, with jitter, never 0', () => {
  const max = (attempt: number): number => backoffDelay(attempt, { baseMs: 100, maxMs: 5_000, random: () => 0.999999 })
  assert.ok(max(0) < 100)
  assert.ok(max(3) > 700 && max(3) < 800)
  assert.ok(max(20) <= 5_000)
  assert.ok(backoffDelay(5, { baseMs: 100, random: () => 0 }) > 0)
  const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(6, { baseMs: 100 })))
  assert.ok(spread.size > 10, 'jittered delays differ')
})

test('sleep rejects with the signal reason when aborted', async () => {
  const controller = new AbortController()
  const pending = sleep(60_000, controller.signal)
  controller.abort(new Error('stop'))
  await assert.rejects(pending, /stop/)
})

test('LoopLag: every node of the process sees a stall through the one shared monitor, until the last stops', async () => {
  const a = new LoopLag()
  const b = new LoopLag()
  a.start()
  b.start()
  // the monitor measures the gaps between its samples: wait until it has taken two
  for (let i = 0; i < 200 && a.samples < 2; i++) await new Promise(resolve => setTimeout(resolve, 10))
  const before = performance.now()
  // a stall of 300 ms: the loop runs nothing else meanwhile
  const end = performance.now() + 300
  while (performance.now() < end) { /* busy */ }
  // the monitor records the delay when its next sample runs: wait for that sample
  for (let i = 0; i < 80 && a.worstSince(before) < 250; i++) await new Promise(resolve => setImmediate(resolve))
  for (let i = 0; i < 40 && a.worstSince(before) < 250; i++) await new Promise(resolve => setTimeout(resolve, 25))
  assert.ok(a.worstSince(before) >= 250, `a saw ${a.worstSince(before)} ms`)
  assert.ok(b.worstSince(before) >= 250, 'so did b, through the same monitor')
  a.stop()
  assert.equal(a.worstSince(before), 0, 'a stopped user sees nothing')
  assert.ok(b.worstSince(before) >= 250, 'one user stopping does not blind the other')
  b.stop()
  assert.equal(b.worstSince(before), 0)
})

test('LoopLag: a stall long before `since` does not count, though nothing read the monitor in between', async () => {
  const lag = new LoopLag()
  lag.start()
  try {
    for (let i = 0; i < 200 && lag.samples < 2; i++) await new Promise(resolve => setTimeout(resolve, 10))
    const end = performance.now() + 300
    while (performance.now() < end) { /* busy */ }
    // nobody reads; the windows roll on their own: wait until the stall's window and the next have closed
    const closedAfterStall = lag.windowsClosed
    for (let i = 0; i < 400 && lag.windowsClosed < closedAfterStall + 2; i++) await new Promise(resolve => setTimeout(resolve, 10))
    assert.ok(lag.windowsClosed >= closedAfterStall + 2)
    const since = performance.now()
    assert.ok(lag.worstSince(since) < 250, `a stall before since counted: ${lag.worstSince(since)} ms`)
    assert.ok(lag.worstSince(since - 5_000) >= 250, 'it counts for a span that holds it')
  } finally {
    lag.stop()
  }
})
