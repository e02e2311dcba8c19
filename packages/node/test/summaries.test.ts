import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Frames, MAX_SUMMARY_BYTES, StatusSummary, SummaryRequest, SummaryResponse } from '@realmesh/wire'
import { verifySummary } from '../src/index.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import { realmOf } from './subjects-fixtures.js'
import type { RealmNode } from '../src/index.js'

type Coded = Error & { code?: string }

describe('realm summaries (node.realmSummaries)', () => {
  const h = new Harness()
  let nodes: RealmNode[]
  let a: RealmNode, b: RealmNode, c: RealmNode, d: RealmNode
  before(async () => {
    nodes = await realmOf(h, await makeRealm(), 4)
    ;[a, b, c, d] = nodes as [RealmNode, RealmNode, RealmNode, RealmNode]
  })
  after(async () => { await h.stopAll() })

  test('a member gets its own and the 3 other members\' verified summaries, then serves them from its cache', async () => {
    const { summaries, missing } = await a.realmSummaries({ signal: AbortSignal.timeout(10_000) })
    assert.deepEqual(missing, [])
    assert.equal(summaries[0]?.peerId, a.peerId.toString())
    assert.deepEqual(summaries.map(s => s.peerId).sort(), nodes.map(n => n.peerId.toString()).sort())
    for (const summary of summaries) {
      assert.equal(summary.members, 3)
      assert.equal(summary.routingTable, 3)
      assert.equal(summary.version, '0.1.0')
      assert.ok(summary.uptimeMs > 0 && Math.abs(summary.time - Date.now()) < 10_000)
      // what a relay passes on verifies on its own
      const relayed = { summary: Buffer.from(summary.signed.summary, 'base64'), signature: Buffer.from(summary.signed.signature, 'base64') }
      assert.deepEqual(await verifySummary(a.realm.id, relayed, summary.peerId), summary)
    }
    // within the cache's 10 s a second call asks nobody: the members' figures are the same objects' values
    const again = await a.realmSummaries()
    assert.deepEqual(again.summaries.slice(1).map(s => s.time), summaries.slice(1).map(s => s.time))
    assert.equal((await a.realmSummaries({ max: 1 })).summaries.length, 2)
    for (const bad of [{ max: 0 }, { max: 1.5 }, { max: Number.NaN }, { max: 1025 }, { timeoutMs: 0 }, { timeoutMs: Infinity }]) {
      await assert.rejects(a.realmSummaries(bad), (err: Coded) => err.code === 'SUMMARY_OPTION_INVALID', JSON.stringify(bad))
    }
  })

  test('a tampered summary is dropped: the member counts as missing with SUMMARY_INVALID', async () => {
    const honest = d.summaries.own.bind(d.summaries)
    d.summaries.own = async () => {
      const response = await honest()
      const figures = StatusSummary.decode(response.summary)
      return { ...response, summary: StatusSummary.encode({ ...figures, delivered: 1_000_000n }) }
    }
    try {
      const { summaries, missing } = await b.realmSummaries({ signal: AbortSignal.timeout(10_000) })
      assert.deepEqual(missing, [{ peerId: d.peerId.toString(), code: 'SUMMARY_INVALID' }])
      assert.equal(summaries.length, 3)
      assert.ok(!summaries.some(s => s.peerId === d.peerId.toString()))
    } finally {
      d.summaries.own = honest
    }
    // a member's genuine summary claimed by another member, and one for another realm
    const genuine = await d.summaries.own()
    await assert.rejects(verifySummary(a.realm.id, genuine, c.peerId.toString()), (err: Coded) => err.code === 'SUMMARY_INVALID')
    await assert.rejects(verifySummary('another-realm', genuine, d.peerId.toString()), (err: Coded) => err.code === 'SUMMARY_INVALID')
    await assert.rejects(verifySummary(a.realm.id, { ...genuine, summary: new Uint8Array([0xff, 0xff]) }, d.peerId.toString()), (err: Coded) => err.code === 'SUMMARY_INVALID')
  })

  test('a peer that is not a member gets no summary: the stream is refused', async () => {
    const raw = await h.raw()
    const stream = await raw.dialProtocol(addrs(a), a.summaries.protocol)
    const frames = new Frames(stream, { protocol: a.summaries.protocol, maxSize: MAX_SUMMARY_BYTES })
    await frames.write(SummaryRequest, {}).catch(() => {})
    await assert.rejects(frames.read(SummaryResponse, { signal: AbortSignal.timeout(5_000) }), (err: Coded) => err.code !== 'STREAM_TIMEOUT')
  })

  test('past 5 at once, an asker is answered RATE_LIMITED', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await c.summaries.ask(a.peerId)).peerId, a.peerId.toString())
    await assert.rejects(c.summaries.ask(a.peerId), (err: Coded) => err.code === 'RATE_LIMITED')
    assert.ok(a.guard.scores.score(c.peerId.toString()) < 0, 'the asker over the limit lost points')
  })
})
