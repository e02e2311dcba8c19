// Issue 4's "must show" for coordinators, on one realm of 32 members: for 100 random subjects,
// the coordinators that findCoordinators(subject, 3) finds through the realm's kad-dht (asked from
// every member in turn) are the true closest members to the subject key, computed from the full member
// list. Then the exchange itself across the realm: a subscriber and a publisher on random members
// are matched through those coordinators. Figures are reported as test diagnostics.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { closestTo, subjectKey } from '@realmesh/token'
import { createTestnet } from '../src/index.js'
import type { Testnet } from '../src/index.js'
import type { RealmNode } from '@realmesh/node'

/** 32 members and 100 subjects with REALMESH_TEST_FULL=1 (`./dev test:heavy`); 24 and 40 in `./dev test` and CI */
const FULL = process.env.REALMESH_TEST_FULL === '1'
const SIZE = FULL ? 32 : 24
const SUBJECTS = FULL ? 100 : 40
const CONCURRENT = 4

describe(`coordinators in a realm of ${SIZE}`, () => {
  let net: Testnet
  let everyone: string[]

  before(async () => {
    const started = Date.now()
    net = await createTestnet({ size: SIZE - 1, transport: 'memory' })
    await net.whenJoined({ signal: AbortSignal.timeout(240_000) })
    await net.whenRoutingTablesHold(20, { timeoutMs: 180_000 })
    everyone = net.all.map(n => n.peerId.toString())
    console.log(`# ${SIZE} members joined, routing tables of 20+ in ${Date.now() - started} ms`)
  })
  after(async () => { await net?.stop() })

  test(`findCoordinators(subject, 3) finds the true closest members for ${SUBJECTS} random subjects, asked from every member in turn`, async (t) => {
    const all = net.all
    let right = 0
    let rightSets = 0
    const wrong: string[] = []
    const times: number[] = []
    const subjects = Array.from({ length: SUBJECTS }, () => `subject-${randomBytes(6).toString('hex')}`)
    let next = 0
    // CONCURRENT lookups at a time, each from another member
    await Promise.all(Array.from({ length: CONCURRENT }, async () => {
      for (let i = next++; i < SUBJECTS; i = next++) {
        const subject = subjects[i] as string
        const node = all[(i * 7) % all.length] as RealmNode
        const truth = closestTo(subjectKey(net.realm.id, subject), everyone, 3)
        const started = Date.now()
        const found = await node.findCoordinators(subject, 3)
        times.push(Date.now() - started)
        if (found[0] === truth[0]) right++
        else wrong.push(`${subject} from ${node.peerId.toString().slice(-6)}: ${found[0]?.slice(-6) ?? '-'} instead of ${truth[0]?.slice(-6) ?? '-'}`)
        if (JSON.stringify(found) === JSON.stringify(truth)) rightSets++
      }
    }))
    times.sort((a, b) => a - b)
    const median = times[Math.floor(times.length / 2)] ?? 0
    const p95 = times[Math.floor(times.length * 0.95)] ?? 0
    t.diagnostic(`coordinator = true closest member: ${right}/${SUBJECTS} lookups (${(right / SUBJECTS * 100).toFixed(1)}%); R=3 set exact: ${rightSets}/${SUBJECTS} (${(rightSets / SUBJECTS * 100).toFixed(1)}%); lookup ms median ${median}, p95 ${p95} (${CONCURRENT} at a time)`)
    if (wrong.length > 0) t.diagnostic(`wrong: ${wrong.slice(0, 5).join('; ')}`)
    assert.ok(right / SUBJECTS >= 0.98, `${right}/${SUBJECTS}`)
  })

  test('a subscriber and a publisher on two members are matched through the coordinators and exchange acked messages', async (t) => {
    const [subscriber, publisher] = [net.nodes[5], net.nodes[20]] as [RealmNode, RealmNode]
    const got: string[] = []
    const started = Date.now()
    await subscriber.subscribe('testnet', (m) => { got.push(new TextDecoder().decode(m.data)) })
    const results = []
    for (let i = 1; i <= 20; i++) results.push(await publisher.publish('testnet', new TextEncoder().encode(String(i)), { ack: 'destination' }))
    t.diagnostic(`subscribe + 20 acked messages in ${Date.now() - started} ms`)
    assert.ok(results.every(r => r.results?.length === 1 && r.results[0]?.status === 'delivered'))
    assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => String(i + 1)))
  })
})
