import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { parseDuration, DurationError, MAX_DURATION_SECONDS } from '../src/index.js'
import { formatMs } from '../src/duration.js'

describe('parseDuration', () => {
  test('units and plain seconds', () => {
    assert.equal(parseDuration('90s'), 90)
    assert.equal(parseDuration('15m'), 900)
    assert.equal(parseDuration('24h'), 86_400)
    assert.equal(parseDuration('7d'), 604_800)
    assert.equal(parseDuration('3600'), 3600)
    assert.equal(parseDuration(' 1h '), 3600)
  })

  test('the upper bound is inclusive', () => {
    assert.equal(parseDuration('3650d'), MAX_DURATION_SECONDS)
  })

  for (const bad of ['', '0', '0s', '-5', '1.5h', '1w', 'h', '24 h', '1h30m', '3651d', '99999999999999', 'soon']) {
    test(`refuses ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseDuration(bad), (err: unknown) => err instanceof DurationError && err.code === 'DURATION_INVALID')
    })
  }
})

describe('formatMs', () => {
  test('milliseconds, seconds with one decimal, minutes', () => {
    assert.equal(formatMs(350), '350 ms')
    assert.equal(formatMs(1234), '1.2 s')
    assert.equal(formatMs(300_000), '5 min')
  })
})
