import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { atLeastAsGood, formatRatio, meetsTarget, percentile, ratio, summarize } from '../src/stats.js'
import { hopsTo } from '../src/kad.js'

describe('percentile', () => {
  const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1)

  test('interpolates linearly between ranks', () => {
    assert.equal(percentile(oneToHundred, 50), 50.5)
    assert.equal(percentile(oneToHundred, 0), 1)
    assert.equal(percentile(oneToHundred, 100), 100)
    assert.ok(Math.abs(percentile(oneToHundred, 99) - 99.01) < 1e-9)
    assert.equal(percentile([10, 20], 25), 12.5)
  })

  test('does not depend on the order of the samples, nor change them', () => {
    const shuffled = [5, 1, 4, 2, 3]
    assert.equal(percentile(shuffled, 50), 3)
    assert.deepEqual(shuffled, [5, 1, 4, 2, 3])
  })

  test('one sample is every percentile; none is NaN; out of range throws', () => {
    assert.equal(percentile([7], 1), 7)
    assert.equal(percentile([7], 99), 7)
    assert.ok(Number.isNaN(percentile([], 50)))
    assert.throws(() => percentile([1], 101), RangeError)
    assert.throws(() => percentile([1], -1), RangeError)
  })

  test('summarize', () => {
    const s = summarize([3, 1, 2])
    assert.deepEqual({ n: s.n, min: s.min, mean: s.mean, p50: s.p50, max: s.max }, { n: 3, min: 1, mean: 2, p50: 2, max: 3 })
  })
})

describe('ratio and direction', () => {
  test('ratio is ours / baseline, null when it cannot be computed', () => {
    assert.equal(ratio(150, 100), 1.5)
    assert.equal(ratio(null, 100), null)
    assert.equal(ratio(1, null), null)
    assert.equal(ratio(1, 0), null)
    assert.equal(ratio(Number.NaN, 1), null)
  })

  test('lower-is-better rows: a ratio under 1 is better, the target is a ceiling', () => {
    assert.equal(atLeastAsGood(0.9, 'lower'), true)
    assert.equal(atLeastAsGood(1.1, 'lower'), false)
    assert.equal(meetsTarget(1.2, 'lower', 1.2), true)
    assert.equal(meetsTarget(1.21, 'lower', 1.2), false)
  })

  test('higher-is-better rows: a ratio over 1 is better, the target is a floor', () => {
    assert.equal(atLeastAsGood(1.1, 'higher'), true)
    assert.equal(atLeastAsGood(0.9, 'higher'), false)
    assert.equal(meetsTarget(0.8, 'higher', 0.8), true)
    assert.equal(meetsTarget(0.79, 'higher', 0.8), false)
    assert.equal(meetsTarget(12, 'higher', 10), true)
  })

  test('no ratio, no verdict', () => {
    assert.equal(meetsTarget(null, 'higher', 10), null)
    assert.equal(formatRatio(null), '-')
    assert.equal(formatRatio(1.234), '1.23x')
    assert.equal(formatRatio(27.46), '27.5x')
  })
})

describe('hops', () => {
  test('counts round trips along the shortest chain of responses, in any event order', () => {
    const responses = [
      { from: 'c', closer: ['target'] },
      { from: 'a', closer: ['b'] },
      { from: 'b', closer: ['c'] }
    ]
    assert.equal(hopsTo('target', ['a'], responses), 3)
    assert.equal(hopsTo('target', ['a', 'c'], responses), 1)
    assert.equal(hopsTo('target', ['target'], responses), 0)
    assert.equal(hopsTo('nobody', ['a'], responses), undefined)
  })
})
