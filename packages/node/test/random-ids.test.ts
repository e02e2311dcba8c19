import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RandomIds } from '../src/util/random-ids.js'

test('random ids: 16 bytes each, distinct across pool refills, and each its own copy', () => {
  const ids = new RandomIds()
  const seen = new Set<string>()
  const first = ids.next()
  const copyOfFirst = Uint8Array.from(first)
  for (let i = 0; i < 1000; i++) {
    const id = ids.next()
    assert.equal(id.byteLength, 16)
    assert.equal(id.buffer.byteLength, 16, 'an id does not keep the pool alive')
    seen.add(Buffer.from(id).toString('hex'))
  }
  assert.equal(seen.size, 1000)
  // refilling the pool (1000 ids is several refills) changed nothing already handed out
  assert.deepEqual(first, copyOfFirst)
  assert.ok(!seen.has(Buffer.from(first).toString('hex')))
})
