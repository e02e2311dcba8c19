import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BufferPool, roundSize } from '../src/util/buffer-pool.js'

test('buffer pool: sizes round up to an eighth of their power of two, never less than asked', () => {
  assert.equal(roundSize(1), 4096)
  assert.equal(roundSize(65_536), 65_536)
  assert.equal(roundSize(65_536 + 64), 65_536 + 8192)
  for (const size of [5000, 20_000, 65_600, 1_000_000, 4 * 1024 * 1024 + 100]) {
    const rounded = roundSize(size)
    assert.ok(rounded >= size && rounded <= size * 1.125 + 1, `${size} -> ${rounded}`)
    assert.equal(roundSize(rounded), rounded)
  }
})

test('buffer pool: a buffer given back is handed out again for the same size class; foreign buffers are not kept', () => {
  const pool = new BufferPool()
  const a = pool.take(65_600)
  assert.equal(a.byteLength, roundSize(65_600))
  pool.give(a)
  assert.equal(pool.idle, a.byteLength)
  assert.equal(pool.take(65_700), a, 'same class: the same buffer')
  assert.equal(pool.idle, 0)
  assert.notEqual(pool.take(65_700), a, 'taken: not handed out twice')
  pool.give(new Uint8Array(10_000))
  pool.give(a.subarray(1))
  assert.equal(pool.idle, 0, 'a buffer the pool could not have made is not kept')
  pool.clear()
})

test('buffer pool: at most maxBytes idle, and nothing idle past idleMs', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] })
  const pool = new BufferPool({ maxBytes: 200_000, idleMs: 1000 })
  const buffers = Array.from({ length: 4 }, () => pool.take(65_536))
  for (const b of buffers) pool.give(b)
  assert.equal(pool.idle, 3 * 65_536, 'the fourth is over the bound')
  t.mock.timers.tick(600)
  pool.take(65_536)
  pool.give(buffers[0] as Uint8Array<ArrayBuffer>)
  t.mock.timers.tick(600)
  assert.equal(pool.idle, 3 * 65_536, 'used 600 ms ago: kept')
  t.mock.timers.tick(500)
  assert.equal(pool.idle, 0, 'idle for 1000 ms: dropped')
})
