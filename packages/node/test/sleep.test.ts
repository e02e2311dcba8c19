// Sleepy members on real nodes (TCP on 127.0.0.1): a node awake 2 s of every 8 s gets every acked
// message published while it slept, in order, and is never evicted, while its members would drop
// any other member silent that long; one that is gone while its schedule says awake, or that
// misses its wake windows, is dropped.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { nextEvent, until } from '../src/index.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import { str, text } from './subjects-fixtures.js'
import type { Realm } from './fixtures.js'
import type { PeerLeftDetail, RealmNode, RealmNodeInit, SubjectMessage } from '../src/index.js'

/** members that drop a silent member within about 2 s: a sleeper is silent for 6 s at a time */
const IMPATIENT: Partial<RealmNodeInit> = {
  listen: ['/ip4/127.0.0.1/tcp/0'],
  keepalive: { intervalMs: 1_000, timeoutMs: 500, maxMissed: 2 },
  disconnectGraceMs: 1_000
}
const SLEEP = { awakeMs: 2_000, periodMs: 8_000 }
const BATCH = 10

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN
}

describe('sleepy members', () => {
  const h = new Harness()
  let realm: Realm
  before(async () => { realm = await makeRealm() })
  after(async () => { await h.stopAll() })

  async function joined (node: RealmNode): Promise<RealmNode> {
    await node.whenJoined({ signal: AbortSignal.timeout(10_000) })
    return node
  }

  test('a node awake 2 s of 8 s gets every acked message published while it sleeps, in order, and no member drops it', async (t) => {
    const anchor = await h.node(realm, IMPATIENT)
    const bootstrap = addrs(anchor).map(String)
    const sleepy = await joined(await h.node(realm, { ...IMPATIENT, bootstrap, sleep: SLEEP }))
    const publisher = await joined(await h.node(realm, { ...IMPATIENT, bootstrap }))
    const left: PeerLeftDetail[] = []
    for (const node of [anchor, publisher]) node.addEventListener('peer:left', (evt) => { if (evt.detail.peer === sleepy.peerId.toString()) left.push(evt.detail) })
    await until(() => publisher.membership.has(sleepy.peerId) && anchor.membership.has(sleepy.peerId), [publisher, anchor], ['peer:joined'], { what: 'the sleeper a member of both' })

    const received: Array<{ data: string, at: number }> = []
    await sleepy.subscribe('readings', (msg: SubjectMessage) => { received.push({ data: str(msg.data), at: Date.now() }) })
    const first = await publisher.publish('readings', text('awake'), { ack: 'destination' })
    assert.deepEqual(first.results?.map(r => r.status), ['delivered'])

    const sentAt = new Map<string, number>()
    const wokeAt: number[] = []
    sleepy.addEventListener('sleep:awake', () => { wokeAt.push(Date.now()) })
    for (const round of [0, 1]) {
      // the publisher sees it fall asleep (SLEEP, then its connections close) and holds its messages
      await nextEvent(publisher, 'peer:asleep', (d: { peer: string }) => d.peer === sleepy.peerId.toString(), { timeoutMs: 15_000 })
      assert.equal(sleepy.status().sleep?.awake, false)
      await until(() => publisher.libp2p.getConnections(sleepy.peerId).length === 0, [publisher.libp2p], ['connection:close'], { what: 'the sleeper\'s connections closed' })
      const woke = nextEvent<{ reason: string }>(sleepy, 'sleep:awake', () => true, { timeoutMs: 15_000 })
      const results = await Promise.all(Array.from({ length: BATCH }, async (_, i) => {
        const data = `r${round}-${i}`
        sentAt.set(data, Date.now())
        return publisher.publish('readings', text(data), { ack: 'destination', maxRetries: 1 })
      }))
      assert.deepEqual(results.map(r => r.results?.map(x => x.status).join()), Array(BATCH).fill('delivered'))
      assert.equal((await woke).reason, 'schedule')
    }

    const expected = ['awake', ...[0, 1].flatMap(round => Array.from({ length: BATCH }, (_, i) => `r${round}-${i}`))]
    assert.deepEqual(received.map(r => r.data), expected, 'every message once, in order')
    assert.deepEqual(left, [], 'no member dropped the sleeper')
    assert.equal(anchor.membership.has(sleepy.peerId) && publisher.membership.has(sleepy.peerId), true)
    const delays = received.slice(1).map(r => r.at - (sentAt.get(r.data) ?? NaN)).sort((a, b) => a - b)
    // from the wake to the batch's last message: how soon the held messages went
    const afterWake = [0, 1].map(round => Math.max(...received.filter(r => r.data.startsWith(`r${round}-`)).map(r => r.at)) - (wokeAt[round] ?? NaN))
    t.diagnostic(`${delays.length} messages published while the sleeper slept (awake ${SLEEP.awakeMs} of ${SLEEP.periodMs} ms): delivery delay min ${delays[0]} ms, median ${percentile(delays, 0.5)} ms, p90 ${percentile(delays, 0.9)} ms, max ${delays.at(-1)} ms; each batch delivered ${afterWake.join(' and ')} ms after the wake; held by the publisher (none by the coordinators)`)
    assert.ok(afterWake.every(ms => ms < SLEEP.awakeMs), 'held messages go within the wake window')
  })

  test('a sleepy member gone while its schedule says awake is dropped after the disconnect grace, as any member', async () => {
    const anchor = await h.node(realm, IMPATIENT)
    // awake for the first 4 s of its period: it crashes well inside that
    const sleepy = await joined(await h.node(realm, { ...IMPATIENT, bootstrap: addrs(anchor).map(String), sleep: { awakeMs: 4_000, periodMs: 8_000 } }))
    const left = nextEvent<PeerLeftDetail>(anchor, 'peer:left', d => d.peer === sleepy.peerId.toString(), { timeoutMs: 5_000 })
    const crashedAt = Date.now()
    // no LEAVE, no SLEEP: its connections just close
    await sleepy.libp2p.stop()
    assert.equal((await left).reason, 'disconnect')
    assert.ok(Date.now() - crashedAt < 3_500, 'within the grace, not kept as asleep')
  })

  test('a sleeper that misses its wake windows is dropped (WAKE_WINDOWS_MISSED)', async () => {
    const anchor = await h.node(realm, { ...IMPATIENT, sleepyMembers: { maxMissedWindows: 0 } })
    const sleepy = await joined(await h.node(realm, { ...IMPATIENT, bootstrap: addrs(anchor).map(String), sleep: { awakeMs: 2_000, periodMs: 4_000 } }))
    await nextEvent(anchor, 'peer:asleep', (d: { peer: string }) => d.peer === sleepy.peerId.toString(), { timeoutMs: 10_000 })
    const left = nextEvent<PeerLeftDetail>(anchor, 'peer:left', d => d.peer === sleepy.peerId.toString(), { timeoutMs: 10_000 })
    const asleepAt = Date.now()
    // it dies in its sleep: it never comes back for its window
    await sleepy.stop()
    const detail = await left
    assert.equal(detail.reason, 'timeout')
    assert.equal(detail.code, 'WAKE_WINDOWS_MISSED')
    // kept through its sleep (2 s) and the window it missed (2 s), dropped just after
    assert.ok(Date.now() - asleepAt >= 3_500, `dropped after ${Date.now() - asleepAt} ms, not at once`)
  })

  test('past its window a node stays awake while its own message waits for its ack, and sleeps once it is acked', async () => {
    const anchor = await h.node(realm, IMPATIENT)
    const bootstrap = addrs(anchor).map(String)
    const receiver = await joined(await h.node(realm, { ...IMPATIENT, bootstrap }))
    const sleepy = await joined(await h.node(realm, { ...IMPATIENT, bootstrap, sleep: { awakeMs: 2_000, periodMs: 8_000, maxExtraAwakeMs: 4_000 } }))
    const windowEndsAt = sleepy.status().sleep?.until ?? 0
    // a slow application: it acks the message 700 ms after the sleeper's window ended
    let ackedAt = 0
    await receiver.subscribe('slow', async () => {
      await new Promise(resolve => setTimeout(resolve, windowEndsAt + 700 - Date.now()))
      ackedAt = Date.now()
    }, { ack: 'app' })
    const asleep = nextEvent(sleepy, 'sleep:asleep', () => true, { timeoutMs: 8_000 })
    assert.equal(sleepy.status().sleep?.awake, true)
    const sent = await sleepy.publish('slow', text('m'), { ack: 'app' })
    assert.deepEqual(sent.results?.map(r => r.status), ['delivered'])
    await asleep
    const asleepAt = Date.now()
    assert.ok(ackedAt > windowEndsAt, 'the ack came after the window')
    assert.ok(asleepAt >= ackedAt, 'awake until its message was acked')
    assert.ok(asleepAt - ackedAt < 1_500, `asleep ${asleepAt - ackedAt} ms after the ack`)
  })

  test('with wakeOnData an asleep node wakes to publish, and its message is delivered at once', async () => {
    const anchor = await h.node(realm, IMPATIENT)
    const bootstrap = addrs(anchor).map(String)
    const receiver = await joined(await h.node(realm, { ...IMPATIENT, bootstrap }))
    const sleepy = await joined(await h.node(realm, { ...IMPATIENT, bootstrap, sleep: { awakeMs: 2_000, periodMs: 30_000, wakeOnData: true } }))
    const got: string[] = []
    await receiver.subscribe('alarms', (msg) => { got.push(str(msg.data)) })
    assert.deepEqual((await sleepy.publish('alarms', text('first'), { ack: 'destination' })).results?.map(r => r.status), ['delivered'])
    const { wakesAt } = await nextEvent<{ wakesAt: number }>(sleepy, 'sleep:asleep', () => true, { timeoutMs: 8_000 })
    await until(() => receiver.libp2p.getConnections(sleepy.peerId).length === 0, [receiver.libp2p], ['connection:close'], { what: 'the sleeper gone quiet' })
    const woke = nextEvent<{ reason: string }>(sleepy, 'sleep:awake', () => true, { timeoutMs: 5_000 })
    const sentAt = Date.now()
    const result = await sleepy.publish('alarms', text('smoke'), { ack: 'destination' })
    assert.equal((await woke).reason, 'data')
    assert.deepEqual(result.results?.map(r => r.status), ['delivered'])
    assert.deepEqual(got, ['first', 'smoke'])
    assert.ok(Date.now() - sentAt < 2_000 && Date.now() < wakesAt, 'delivered long before its next window')
  })

  test('a sender that never met the sleeper holds its messages by the schedule in its record, and sends them as its window opens', async (t) => {
    const anchor = await h.node(realm, IMPATIENT)
    const bootstrap = addrs(anchor).map(String)
    const sleepy = await joined(await h.node(realm, { ...IMPATIENT, bootstrap, sleep: SLEEP }))
    const received: string[] = []
    let receivedAt = 0
    await sleepy.subscribe('late', (msg) => {
      received.push(str(msg.data))
      receivedAt = Date.now()
    })
    await nextEvent(sleepy, 'sleep:asleep', () => true, { timeoutMs: 10_000 })
    let wakes = 0
    let wokeAt = 0
    sleepy.addEventListener('sleep:awake', () => {
      wakes++
      wokeAt = Date.now()
    })
    // joins while the sleeper sleeps: it learns of it only from the coordinators' MATCH (its signed record)
    const publisher = await joined(await h.node(realm, { ...IMPATIENT, bootstrap }))
    const results = await Promise.all(['a', 'b', 'c'].map(async data => publisher.publish('late', text(data), { ack: 'destination' })))
    assert.deepEqual(results.map(r => r.results?.map(x => x.status).join()), ['delivered', 'delivered', 'delivered'])
    assert.deepEqual(received, ['a', 'b', 'c'])
    // it waited for the window and went at its start, rather than dialling a closed door with a
    // backoff that has grown to seconds by then
    assert.equal(wakes, 1, 'delivered in the first window')
    t.diagnostic(`held by a sender that never met the sleeper: delivered ${receivedAt - wokeAt} ms after the wake`)
    assert.ok(receivedAt - wokeAt < 1_000, `delivered ${receivedAt - wokeAt} ms after the wake`)
  })
})
