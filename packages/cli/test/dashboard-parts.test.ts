// The dashboard's bounded parts on a fake clock: the ring of rate samples, and the login tokens and
// sessions (expiry, one use, the least recently used going first at the cap); the key-space maths.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { RateRing } from '../src/dashboard/rate-ring.js'
import { DashboardSessions, LOGIN_TTL_MS, MAX_SESSIONS, SESSION_TTL_MS } from '../src/dashboard/sessions.js'
import { position, sharedBits } from '../src/dashboard/state.js'
import { sparkline } from '../src/commands/top-frame.js'

describe('rate ring', () => {
  test('rates are the rise between samples per second; the ring keeps `size` samples', () => {
    let now = 1_000_000
    let delivered = 0
    const ring = new RateRing(() => ({ delivered, refused: 0 }), { intervalMs: 2_000, size: 4, now: () => now })
    for (const add of [0, 10, 4, 0, 6]) {
      delivered += add
      ring.sample()
      now += 2_000
    }
    const { t, series } = ring.rates()
    // 5 samples into a ring of 4: 3 intervals (the first sample fell out)
    assert.deepEqual(series.delivered, [2, 0, 3])
    assert.deepEqual(series.refused, [0, 0, 0])
    assert.deepEqual(t, [1_004_000, 1_006_000, 1_008_000].map(ms => ms / 1000))
    assert.deepEqual(ring.latest(), { delivered: 20, refused: 0 })
  })

  test('a total that went down counts as 0, not as a negative rate', () => {
    let now = 0
    let total = 5
    const ring = new RateRing(() => ({ delivered: total }), { size: 3, now: () => now })
    ring.sample()
    now += 1_000
    total = 1
    ring.sample()
    assert.deepEqual(ring.rates().series.delivered, [0])
  })
})

describe('dashboard sessions', () => {
  test('a login token trades once, for a session that ends SESSION_TTL_MS later', () => {
    let now = 0
    const sessions = new DashboardSessions(() => now)
    const token = sessions.issueLogin()
    const cookie = sessions.login(token)
    assert.ok(cookie != null)
    assert.equal(sessions.login(token), undefined)
    const header = cookie.split(';')[0]
    assert.equal(sessions.valid(`other=1; ${header}`), true)
    assert.equal(sessions.valid(undefined), false)
    now += SESSION_TTL_MS + 1
    assert.equal(sessions.valid(header), false)
  })

  test('a login token not traded within LOGIN_TTL_MS is dead', () => {
    let now = 0
    const sessions = new DashboardSessions(() => now)
    const token = sessions.issueLogin()
    now += LOGIN_TTL_MS + 1
    assert.equal(sessions.login(token), undefined)
  })

  test('at MAX_SESSIONS, one more login ends the least recently used session', () => {
    const sessions = new DashboardSessions()
    const cookies = Array.from({ length: MAX_SESSIONS }, () => (sessions.login(sessions.issueLogin()) ?? '').split(';')[0])
    // the first one is used now: the second is then the least recently used
    assert.equal(sessions.valid(cookies[0]), true)
    sessions.login(sessions.issueLogin())
    assert.equal(sessions.valid(cookies[0]), true)
    assert.equal(sessions.valid(cookies[1]), false)
  })
})

describe('key space', () => {
  test('position is the first 48 bits as a fraction; sharedBits the common prefix length', () => {
    const a = new Uint8Array(32)
    const b = new Uint8Array(32)
    b[0] = 0x80
    assert.equal(position(a), 0)
    assert.equal(position(b), 0.5)
    assert.equal(sharedBits(a, b), 0)
    b[0] = 0
    b[1] = 0x10
    assert.equal(sharedBits(a, b), 11)
    assert.equal(sharedBits(a, a), 256)
  })

  test('sparkline scales to the largest value', () => {
    assert.equal(sparkline([0, 0]), '▁▁')
    assert.equal(sparkline([0, 1, 2]), '▁▅█')
  })
})
