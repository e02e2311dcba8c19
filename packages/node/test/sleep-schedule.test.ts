// Wake schedules: the window math, the bounds (a typed error, nothing built), and the schedule as
// part of a member's signed record.
import { describe, test, before } from 'node:test'
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { generateNodeKey, TokenCache } from '@realmesh/token'
import { checkPeerRecord } from '@realmesh/wire'
import { SleepScheduleError, awakeAt, createRealmNode, nextWindowStart, scheduleOf, signPeerRecord, verifyPeerRecord, windowEnd, RecordInvalidError } from '../src/index.js'
import { makeRealm } from './fixtures.js'
import type { Realm } from './fixtures.js'

describe('wake schedules', () => {
  let realm: Realm
  before(async () => { realm = await makeRealm() })

  test('windows: awake for awakeMs from anchor + n * periodMs, before the anchor too', () => {
    const s = scheduleOf({ awakeMs: 2_000, periodMs: 8_000, anchorMs: 100_000 }, 0)
    assert.equal(awakeAt(s, 100_000), true)
    assert.equal(awakeAt(s, 101_999), true)
    assert.equal(awakeAt(s, 102_000), false)
    assert.equal(awakeAt(s, 107_999), false)
    assert.equal(awakeAt(s, 108_000), true)
    assert.equal(awakeAt(s, 92_500), true, 'the window before the anchor')
    assert.equal(nextWindowStart(s, 100_000), 100_000)
    assert.equal(nextWindowStart(s, 100_001), 108_000)
    assert.equal(nextWindowStart(s, 90_000), 92_000)
    assert.equal(windowEnd(s, 101_000), 102_000, 'the window it is in')
    assert.equal(windowEnd(s, 103_000), 110_000, 'the next one')
  })

  test('out of bounds is SLEEP_SCHEDULE_INVALID, from createRealmNode before anything is built', async () => {
    for (const bad of [
      { awakeMs: 1_999, periodMs: 8_000 },
      { awakeMs: 2_000, periodMs: 3_999 },
      { awakeMs: 2_000, periodMs: 3_600_001 },
      { awakeMs: 2_000.5, periodMs: 8_000 },
      { awakeMs: 2_000, periodMs: 8_000, anchorMs: 0 },
      { awakeMs: 2_000, periodMs: 8_000, maxExtraAwakeMs: -1 },
      { awakeMs: 2_000, periodMs: 8_000, idleMs: 2_001 }
    ]) {
      assert.throws(() => scheduleOf(bad, Date.now()), (err: Error) => err instanceof SleepScheduleError && err.code === 'SLEEP_SCHEDULE_INVALID', JSON.stringify(bad))
    }
    const key = await generateNodeKey()
    await assert.rejects(createRealmNode({ realm: realm.realm, privateKey: key, nodeToken: await realm.issue(key), sleep: { awakeMs: 60_000, periodMs: 7_200_000 } }),
      (err: Error) => err instanceof SleepScheduleError && /at most 3600000/.test(err.message))
    // the edges are in
    assert.deepEqual(scheduleOf({ awakeMs: 2_000, periodMs: 4_000, anchorMs: 5 }, 0), { awakeMs: 2_000, periodMs: 4_000, anchorMs: 5, onData: false })
    assert.equal(scheduleOf({ awakeMs: 20_000, periodMs: 3_600_000, wakeOnData: true }, 77).anchorMs, 77)
  })

  test('the schedule is signed with the record: it verifies, and a changed or stripped schedule does not', async () => {
    const key = await generateNodeKey()
    const token = await realm.issue(key)
    const wake = { awakeMs: 2_000, periodMs: 8_000, anchorMs: 1_700_000_000_000n, onData: false }
    const record = signPeerRecord(key, token, [multiaddr('/ip4/127.0.0.1/tcp/4001')], 7n, wake)
    const options = { realm: realm.realm, tokenCache: new TokenCache(), now: Date.now, isRevoked: () => false }
    assert.deepEqual((await verifyPeerRecord(record, options)).record.wake, wake)
    for (const tampered of [
      { ...record, wake: { ...wake, awakeMs: 3_000 } },
      { ...record, wake: { ...wake, onData: true } },
      { ...record, wake: { ...wake, anchorMs: wake.anchorMs + 1n } },
      { ...record, wake: undefined }
    ]) {
      await assert.rejects(verifyPeerRecord(tampered, options), (err: Error) => err instanceof RecordInvalidError)
    }
    // a record with a schedule out of bounds never gets as far as its signature
    assert.throws(() => { checkPeerRecord({ ...record, wake: { ...wake, periodMs: 3_600_001 } }, '/test') }, (err: Error & { code?: string }) => err.code === 'FRAME_MALFORMED' && /record\.wake/.test(err.message))
  })
})
