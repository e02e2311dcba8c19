import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BoundedMap, backoffDelay, sleep } from '../src/index.js'

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
