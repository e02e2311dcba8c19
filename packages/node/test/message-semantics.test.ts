// Issue 25 (the rest of seed 001's message semantics) on real nodes: what a receiver learns about
// a message (metadata), attributes with their inheritance and the receiver's filters, targeted
// sends, and the bound on messages in flight.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateNodeKey, issueNodeToken } from '@realmesh/token'
import { until } from '../src/index.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import { realmOf, text, str } from './subjects-fixtures.js'
import type { Realm } from './fixtures.js'
import type { AccountRecord, RealmNode, SubjectMessage } from '../src/index.js'

describe('message semantics', () => {
  const h = new Harness()
  let realm: Realm
  let nodes: RealmNode[]
  /** a member whose node token carries `attrs` */
  const withAttrs = async (attrs: Record<string, string>): Promise<RealmNode> => {
    const key = await generateNodeKey()
    const nodeToken = await issueNodeToken(realm.leaderKey, { realm: realm.realm, subject: peerIdFromPrivateKey(key), ext: { attrs } })
    const node = await h.node(realm, { privateKey: key, nodeToken, bootstrap: addrs(nodes[0] as RealmNode).map(String) })
    await node.whenJoined({ signal: AbortSignal.timeout(10_000) })
    return node
  }
  before(async () => {
    realm = await makeRealm('semantics')
    nodes = await realmOf(h, realm, 3)
  })
  after(async () => { await h.stopAll() })

  test('metadata: the receiver gets the time it received the message, the sender\'s verified attributes and the hop count', async () => {
    const [a] = nodes as [RealmNode]
    const sender = await withAttrs({ team: 'red', site: 'lab' })
    const got: SubjectMessage[] = []
    await a.subscribe('meta', (m) => { got.push(m) })
    const before = Date.now()
    assert.equal((await sender.publish('meta', text('hello'), { ack: 'destination' })).results?.[0]?.status, 'delivered')
    const [message] = got
    assert.ok(message != null)
    assert.equal(str(message.data), 'hello')
    assert.equal(message.from, sender.peerId.toString())
    assert.ok(message.receivedAt >= before && message.receivedAt <= Date.now(), `receivedAt ${message.receivedAt}`)
    assert.deepEqual(message.senderAttrs, { team: 'red', site: 'lab' })
    assert.equal(message.hops, 1)
  })

  test('attributes: a message inherits the sender identity\'s, then its intent\'s, then its own (later ones win)', async () => {
    const [a] = nodes as [RealmNode]
    const sender = await withAttrs({ team: 'red', site: 'lab' })
    const got: SubjectMessage[] = []
    await a.subscribe('inherit', (m) => { got.push(m) })
    const intentAttrs = { site: 'plant', stage: 'test' }
    for (const attrs of [undefined, { stage: 'prod', batch: '7' }]) {
      const { results } = await sender.publish('inherit', text('x'), { ack: 'destination', intentAttrs, attrs })
      assert.equal(results?.[0]?.status, 'delivered')
    }
    assert.deepEqual(got.map(m => m.attrs), [
      { team: 'red', site: 'plant', stage: 'test' },
      { team: 'red', site: 'plant', stage: 'prod', batch: '7' }
    ])
    assert.deepEqual(got.map(m => m.senderAttrs), [{ team: 'red', site: 'lab' }, { team: 'red', site: 'lab' }], 'the identity\'s own, unchanged')
    // the intent's attributes are the interest's: another set is refused, and nothing changes
    await assert.rejects(sender.publish('inherit', text('y'), { intentAttrs: { site: 'elsewhere' } }), { code: 'SUBJECT_ATTRS_CONFLICT' })
    await assert.rejects(sender.publish('inherit', text('y'), { attrs: { '': 'no name' } }), { code: 'ATTRIBUTES_INVALID' })
    await assert.rejects(sender.publish('inherit', text('y'), { attrs: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }), { code: 'ATTRIBUTES_INVALID' })
    assert.equal(got.length, 2, 'nothing was sent')
  })

  test('filters: a message whose attributes match no subscription\'s filter is not delivered, and the sender\'s result says MESSAGE_FILTERED', async () => {
    const [a, b] = nodes as [RealmNode, RealmNode]
    const prod: string[] = []
    const red: string[] = []
    await a.subscribe('filtered', (m) => { prod.push(str(m.data)) }, { filter: { stage: 'prod' } })
    await a.subscribe('filtered', (m) => { red.push(str(m.data)) }, { filter: { team: ['red', 'orange'] } })
    const send = async (data: string, attrs: Record<string, string>): Promise<[string | undefined, string | undefined]> => {
      const { results } = await b.publish('filtered', text(data), { ack: 'destination', attrs })
      return [results?.[0]?.status, results?.[0]?.code]
    }
    assert.deepEqual(await send('prod', { stage: 'prod' }), ['delivered', undefined])
    assert.deepEqual(await send('test', { stage: 'test' }), ['rejected', 'MESSAGE_FILTERED'])
    assert.deepEqual(await send('orange', { team: 'orange' }), ['delivered', undefined])
    assert.deepEqual(await send('both', { stage: 'prod', team: 'red' }), ['delivered', undefined])
    assert.deepEqual(await send('none', {}), ['rejected', 'MESSAGE_FILTERED'])
    assert.deepEqual(prod, ['prod', 'both'])
    assert.deepEqual(red, ['orange', 'both'])
    assert.equal(a.messageStats().rejected >= 2, true)
    await assert.rejects(a.subscribe('filtered', () => {}, { filter: { stage: 7 } as never }), { code: 'ATTRIBUTES_INVALID' })
  })

  test('hasReceiver: false before any receiver is matched, true once one is (and for that one only); sendTo reaches the named receiver alone, by identity or node, and waits for one not matched yet', async () => {
    const [a, b, c] = nodes as [RealmNode, RealmNode, RealmNode]
    const sender = await withAttrs({})
    const got = new Map<string, string[]>()
    const record = (node: RealmNode) => (m: SubjectMessage): void => { got.set(node.peerId.toString(), [...(got.get(node.peerId.toString()) ?? []), str(m.data)]) }
    assert.equal(sender.hasReceiver('targeted'), false, 'no interest at all')
    // the first publish makes the sender's interest; no receiver yet: it waits in the cache
    assert.equal((await sender.publish('targeted', text('early'))).cached, true)
    assert.equal(sender.hasReceiver('targeted'), false)
    await a.subscribe('targeted', record(a))
    await until(() => sender.hasReceiver('targeted'), [sender], ['subject:matched'], { what: 'a matched with the sender' })
    assert.equal(sender.hasReceiver('targeted', a.peerId), true)
    assert.equal(sender.hasReceiver('targeted', b.peerId), false)
    await b.subscribe('targeted', record(b))
    await until(() => sender.hasReceiver('targeted', b.peerId.toString()), [sender], ['subject:matched'], { what: 'b matched with the sender' })

    const to = async (receiver: string, data: string): Promise<string[] | undefined> =>
      (await sender.sendTo('targeted', receiver, text(data), { ack: 'destination' })).results?.map(r => `${r.status} ${r.receiver}`)
    assert.deepEqual(await to(b.peerId.toString(), 'for b'), [`delivered ${b.peerId.toString()}`])
    assert.deepEqual(await to(a.peerId.toString(), 'for a'), [`delivered ${a.peerId.toString()}`])
    assert.deepEqual(got.get(a.peerId.toString()), ['early', 'for a'], 'the cached message went to the first receiver matched')
    assert.deepEqual(got.get(b.peerId.toString()), ['for b'])

    // c is not matched yet: the message waits for it alone (a and b, matched, get nothing of it)
    const forC = sender.sendTo('targeted', c.peerId, text('for c'), { ack: 'destination', ttlMs: 20_000 })
    await c.subscribe('targeted', record(c))
    assert.deepEqual((await forC).results?.map(r => r.receiver), [c.peerId.toString()])
    assert.deepEqual(got.get(c.peerId.toString()), ['for c'])
    assert.deepEqual([got.get(a.peerId.toString()), got.get(b.peerId.toString())], [['early', 'for a'], ['for b']])
    // a receiver never matched: the message expires unsent
    const never = await sender.sendTo('targeted', sender.peerId, text('nobody'), { ack: 'destination', ttlMs: 300 })
    assert.deepEqual([never.results, never.code], [[], 'MESSAGE_EXPIRED'])
    await assert.rejects(sender.sendTo('targeted', 'not-a-peer', text('x')), { code: 'RECEIVER_INVALID' })
    assert.throws(() => sender.hasReceiver('targeted', 'not-a-peer'), { code: 'RECEIVER_INVALID' })
  })

  /**
   * A subscription on `receiver` whose handler holds every message until the test releases it: the
   * messages held at once are the messages in flight to it. Each round waits until `bound` (or the
   * rest) are held, then for two direct round trips to the sender (on the same connection, behind
   * whatever the sender had written: anything it sent beyond the bound would be held by then),
   * notes how many are held, and releases them. Resolves with the most held at once.
   */
  async function heldAtOnce (receiver: RealmNode, sender: RealmNode, subject: string, publish: (data: Uint8Array) => Promise<unknown>, count: number, bound: number, subscribe: { maxParallel?: number } = {}): Promise<number> {
    const held: Array<() => void> = []
    let most = 0
    let released = 0
    sender.onRequest(({ data }) => data)
    await receiver.subscribe(subject, async () => {
      await new Promise<void>((resolve) => { held.push(resolve) })
    }, { ack: 'app', ...subscribe })
    const all = Promise.all(Array.from({ length: count }, async (_, i) => publish(text(String(i)))))
    while (released < count) {
      const want = Math.min(bound, count - released)
      await until(() => held.length >= want, [receiver], ['message'], { what: `${want} messages held` })
      for (let i = 0; i < 2; i++) await receiver.send(sender.peerId, text('ping'))
      most = Math.max(most, held.length)
      const releasing = held.splice(0)
      released += releasing.length
      for (const release of releasing) release()
    }
    await all
    sender.onRequest(undefined)
    return most
  }

  test('maxParallel: a sender has at most that many acked messages in flight to a receiver (counted at the receiver); a receiver\'s own maxParallel lowers it', async () => {
    const [a, b] = nodes as [RealmNode, RealmNode]
    const ack = (r: unknown): void => { assert.equal((r as { results?: Array<{ status: string }> }).results?.[0]?.status, 'delivered') }
    const bySender = await heldAtOnce(a, b, 'parallel', async (data) => { ack(await b.publish('parallel', data, { ack: 'destination', maxParallel: 3 })) }, 20, 3)
    assert.equal(bySender, 3)
    assert.equal(b.subjects().find(s => s.subject === 'parallel')?.properties.publish?.maxParallel, 3)
    const byReceiver = await heldAtOnce(b, a, 'parallel-rx', async (data) => { ack(await a.publish('parallel-rx', data, { ack: 'destination' })) }, 12, 2, { maxParallel: 2 })
    assert.equal(byReceiver, 2)
    assert.equal(b.subjects().find(s => s.subject === 'parallel-rx')?.properties.receive?.maxParallel, 2)
    assert.equal(a.subjects().find(s => s.subject === 'parallel-rx')?.properties.publish?.maxParallel, 1024, 'the default: the reorder window')
    await assert.rejects(a.publish('parallel-bad', text('x'), { maxParallel: 0 }), RangeError)
    await assert.rejects(a.publish('parallel-bad', text('x'), { maxParallel: 1025 }), RangeError)
  })

  test('accounting: the account event reports every exchange on both ends, once, with its bytes and direction', async () => {
    const [a, b] = nodes as [RealmNode, RealmNode]
    const records = (node: RealmNode): AccountRecord[] => {
      const seen: AccountRecord[] = []
      node.addEventListener('account', (evt) => { if (evt.detail.subject === 'accounted') seen.push(evt.detail) })
      return seen
    }
    const atA = records(a)
    const atB = records(b)
    await a.subscribe('accounted', () => {})
    const sizes = [1, 300, 20_000]
    for (const size of sizes) assert.equal((await b.publish('accounted', new Uint8Array(size), { ack: 'destination' })).results?.[0]?.status, 'delivered')
    // a duplicate (the same id again) is delivered once, and accounted once
    const id = 'ab'.repeat(16)
    await b.publish('accounted', new Uint8Array(7), { ack: 'destination', id })
    await b.publish('accounted', new Uint8Array(7), { ack: 'destination', id })
    assert.deepEqual(atA.map(r => [r.direction, r.identity, r.peer, r.bytes, r.messages]), [...sizes, 7].map(n => ['in', b.peerId.toString(), b.peerId.toString(), n, 1]))
    assert.deepEqual(atB.map(r => [r.direction, r.identity, r.bytes]), [...sizes, 7, 7].map(n => ['out', a.peerId.toString(), n]), 'the sender accounts each message the receiver settled delivered (the second copy too: it acked it)')
    assert.equal(atA[3]?.id, id)
  })
})
