import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runTokens } from '../src/runners/tokens.js'

test('the token-verification suite runs in-process with a tiny count', async () => {
  const result = await runTokens({ tokens: 8, minMs: 5, rounds: 2 })
  assert.equal(result.tokens, 8)
  for (const side of ['raw', 'cold', 'cached'] as const) {
    assert.equal(result[side].length, 2)
    assert.ok(result[side].every(rate => rate > 0 && Number.isFinite(rate)), `${side} rates are positive`)
  }
  assert.ok(result.coldPerSecond > 0 && result.cachedPerSecond > 0 && result.rawPerSecond > 0)
})
