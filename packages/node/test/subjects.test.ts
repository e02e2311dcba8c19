// The subject exchange across small realms on the memory transport: interests registered with the
// R closest members, matches, messages straight between sender and receiver, acks, the cache,
// order and duplicates under retries, threshold renewal, and a coordinator's crash.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { closestTo, generateNodeKey, subjectKey } from '@realmesh/token'
import { nextEvent, until } from '../src/index.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import { realmOf, text, str } from './subjects-fixtures.js'
import type { Realm } from './fixtures.js'
import type { RealmNode, SubjectMessage } from '../src/index.js'

describe('subjects across a realm of 5', () => {
  const h = new Harness()
  let realm: Realm
  let nodes: RealmNode[]
  before(async () => {
    realm = await makeRealm()
    nodes = await realmOf(h, realm, 5)
  })
  after(async () => { await h.stopAll() })

  test('the coordinators found are the R members closest to the key; the interest is stored by each of them', async () => {
    const [a] = nodes as [RealmNode]
    const everyone = nodes.map(n => n.peerId.toString())
    for (const subject of ['one', 'two', 'three', 'four']) {
      const key = subjectKey(realm.realm.id, subject)
      assert.deepEqual(await a.findCoordinators(subject, 1), closestTo(key, everyone, 1), subject)
      assert.deepEqual(await a.findCoordinators(subject), closestTo(key, everyone, 3), subject)
    }
    const sub = await a.subscribe('stored', () => {})
    const [status] = a.subjects()
    assert.equal(status?.subject, 'stored')
    assert.equal(status?.role, 'receiver')
    assert.deepEqual(status?.coordinators, closestTo(subjectKey(realm.realm.id, 'stored'), everyone, 3))
    const holders = nodes.filter(n => n.subjectLayer.coordinator.store.interests(status?.key ?? '').length === 1).map(n => n.peerId.toString())
    assert.deepEqual(holders.sort(), [...(status?.coordinators ?? [])].sort())
    await sub.unsubscribe()
    // withdrawn everywhere
    assert.ok(nodes.every(n => n.subjectLayer.coordinator.store.interests(status?.key ?? '').length === 0))
    assert.deepEqual(a.subjects(), [])
  })

  test('acked messages arrive once and in order; the sender learns each result; subject:matched fires on both sides', async () => {
    const [, b, c] = nodes as [RealmNode, RealmNode, RealmNode]
    const got: SubjectMessage[] = []
    const matchedAtB = nextEvent<{ identity: string, role: string }>(b, 'subject:matched', d => d.identity === c.peerId.toString())
    const sub = await b.subscribe('greetings', (m) => { got.push(m) })
    const first = await c.publish('greetings', text('hello 1'), { ack: 'destination' })
    assert.equal((await matchedAtB).role, 'sender')
    assert.deepEqual(first.results, [{ receiver: b.peerId.toString(), peer: b.peerId.toString(), status: 'delivered' }])
    for (let i = 2; i <= 30; i++) {
      const r = await c.publish('greetings', text(`hello ${i}`), { ack: 'destination' })
      assert.equal(r.results?.[0]?.status, 'delivered')
      assert.equal(r.cached, false)
    }
    assert.deepEqual(got.map(m => str(m.data)), Array.from({ length: 30 }, (_, i) => `hello ${i + 1}`))
    assert.deepEqual(got.map(m => m.seq), Array.from({ length: 30 }, (_, i) => i + 1))
    assert.ok(got.every(m => m.from === c.peerId.toString() && m.subject === 'greetings'))
    assert.equal(new Set(got.map(m => m.id)).size, 30)
    await sub.unsubscribe()
  })

  test('large messages to two receivers arrive intact while their buffers are reused: each has its own bytes', async () => {
    const [, b, c, d] = nodes as [RealmNode, RealmNode, RealmNode, RealmNode]
    // message i: 24 to 96 KiB (three sizes, so the sender's buffers are reused), every byte derived from i
    const sizeOf = (i: number): number => [24_576, 65_536, 98_304][i % 3] as number
    const messageOf = (i: number): Uint8Array => Uint8Array.from({ length: sizeOf(i) }, (_, j) => (i * 131 + j * 7 + (j >> 8)) & 0xff)
    const got = new Map<string, number[]>([['b', []], ['d', []]])
    const damaged: string[] = []
    const check = (who: string) => (m: SubjectMessage): void => {
      const i = Number((m.replySubject ?? '').slice('reply-'.length))
      if (Buffer.compare(m.data, messageOf(i)) !== 0) damaged.push(`${who}: message ${i}`)
      got.get(who)?.push(i)
    }
    const subs = [await b.subscribe('large', check('b'), { maxMessageBytes: 128 * 1024 }), await d.subscribe('large', check('d'), { maxMessageBytes: 128 * 1024 })]
    // the first publish registers the sender's interest; the coordinators then match both receivers
    await c.publish('large', messageOf(0), { ack: 'destination', replySubject: 'reply-0', maxMessageBytes: 128 * 1024 })
    await until(() => c.subjects().find(s => s.subject === 'large')?.counterparts.length === 2, [c], ['subject:matched'], { what: 'both receivers matched' })
    // three waves of 20 at a time (a wave's buffers go back to the pool before the next takes
    // them), the caller's buffer reused for the next message as soon as publish() returned
    const scratch = new Uint8Array(98_304)
    for (let wave = 0; wave < 3; wave++) {
      const sends: Array<Promise<{ results?: Array<{ status: string }> }>> = []
      for (let i = wave * 20 + 1; i <= wave * 20 + 20; i++) {
        const data = scratch.subarray(0, sizeOf(i))
        data.set(messageOf(i))
        sends.push(c.publish('large', data, { ack: 'destination', replySubject: `reply-${i}`, maxMessageBytes: 128 * 1024 }))
      }
      const results = await Promise.all(sends)
      assert.ok(results.every(r => r.results?.length === 2 && r.results.every(x => x.status === 'delivered')), JSON.stringify(results.map(r => r.results)))
    }
    const sixty = Array.from({ length: 60 }, (_, i) => i + 1)
    assert.deepEqual(damaged, [], 'every message arrived with its own bytes')
    assert.deepEqual(got.get('b')?.filter(i => i > 0), sixty)
    assert.deepEqual(got.get('d')?.filter(i => i > 0), sixty)
    for (const sub of subs) await sub.unsubscribe()
  })

  test('without acks publish says how many receivers it went to; before any receiver the message waits in the cache', async () => {
    const [a, , , d] = nodes as [RealmNode, RealmNode, RealmNode, RealmNode]
    const early = await d.publish('cached', text('early'))
    assert.deepEqual({ cached: early.cached, sent: early.sent }, { cached: true, sent: 0 })
    const acked = d.publish('cached', text('early, acked'), { ack: 'destination' })
    const got: string[] = []
    await a.subscribe('cached', (m) => { got.push(str(m.data)) })
    const late = await acked
    assert.equal(late.cached, true)
    assert.equal(late.results?.[0]?.status, 'delivered')
    await until(() => got.length === 2, [a], ['message'], { what: 'both cached messages' })
    assert.deepEqual(got, ['early', 'early, acked'])
    const now = await d.publish('cached', text('now'))
    assert.deepEqual({ cached: now.cached, sent: now.sent }, { cached: false, sent: 1 })
    await until(() => got.length === 3, [a], ['message'], { what: 'the third message' })
  })

  test('ack by the app: the handler\'s promise (or accept/reject) is the ack; a message it never acks expires', async () => {
    const [a, b] = nodes as [RealmNode, RealmNode]
    const held = Promise.withResolvers<void>()
    await a.subscribe('app-acks', async (m) => {
      const body = str(m.data)
      if (body === 'reject') throw Object.assign(new Error('no thanks'), { code: 'NOT_WANTED' })
      if (body === 'explicit') { m.reject('EXPLICIT'); return }
      if (body === 'hold') await held.promise
    }, { ack: 'app' })
    const ok = await b.publish('app-acks', text('fine'), { ack: 'app' })
    assert.equal(ok.results?.[0]?.status, 'delivered')
    const refused = await b.publish('app-acks', text('reject'), { ack: 'app' })
    assert.deepEqual(refused.results?.map(r => [r.status, r.code]), [['rejected', 'NOT_WANTED']])
    const explicit = await b.publish('app-acks', text('explicit'), { ack: 'destination' })
    assert.deepEqual(explicit.results?.map(r => [r.status, r.code]), [['rejected', 'EXPLICIT']], 'the subscription\'s app mode applies to a destination ack')
    const hold = await b.publish('app-acks', text('hold'), { ack: 'app', ttlMs: 800 })
    assert.deepEqual(hold.results?.map(r => [r.status, r.code]), [['expired', 'MESSAGE_EXPIRED']])
    held.resolve()
  })

  test('a role "both" subscriber sends too, but never to itself', async () => {
    const [a, b, c] = nodes as [RealmNode, RealmNode, RealmNode]
    const atA: string[] = []
    const atB: string[] = []
    await a.subscribe('chat', (m) => { atA.push(str(m.data)) }, { role: 'both' })
    await b.subscribe('chat', (m) => { atB.push(str(m.data)) }, { role: 'both' })
    await until(() => a.subjects().find(s => s.subject === 'chat')?.counterparts.length === 1, [a], ['subject:matched'], { what: 'a matched with b' })
    const r = await a.publish('chat', text('from a'), { ack: 'destination' })
    assert.deepEqual(r.results?.map(x => x.peer), [b.peerId.toString()])
    await b.publish('chat', text('from b'), { ack: 'destination' })
    assert.deepEqual(atA, ['from b'])
    assert.deepEqual(atB, ['from a'])
    assert.equal(a.subjects().find(s => s.subject === 'chat')?.role, 'both')
    void c
  })
})

describe('subjects: retries, thresholds, a coordinator crash', () => {
  const h = new Harness()
  let realm: Realm
  after(async () => { await h.stopAll() })
  before(async () => { realm = await makeRealm() })

  // large: 40 KiB each, sent first as frames built around the publication's pooled copy; resent as frames of their own
  for (const large of [false, true]) {
    test(`unacked messages are resent on a new stream: the receiver drops the duplicates and keeps the order${large ? ' (40 KiB messages)' : ''}`, async () => {
      const payloadOf = (n: number): Uint8Array => large ? Uint8Array.from({ length: 40 * 1024 }, (_, j) => j < 4 ? (n >> (24 - 8 * j)) & 0xff : (n * 31 + j) & 0xff) : text(String(n))
      const numberOf = (data: Uint8Array): number => large ? new DataView(data.buffer, data.byteOffset).getUint32(0) : Number(str(data))
      const damaged: number[] = []
      const [a, b] = await realmOf(h, realm, 2, { messaging: { backoff: { baseMs: 50, maxMs: 200 } } }) as [RealmNode, RealmNode]
      const seen = new Map<string, number>()
      const order: number[] = []
      const fifth = Promise.withResolvers<void>()
      const release = Promise.withResolvers<void>()
      await a.subscribe(`retries-${String(large)}`, async (m) => {
        seen.set(m.id, (seen.get(m.id) ?? 0) + 1)
        const n = numberOf(m.data)
        order.push(n)
        if (Buffer.compare(m.data, payloadOf(n)) !== 0) damaged.push(n)
        // the fifth message holds its ack until the connection broke: what was not acked is resent
        if (n === 5) {
          fifth.resolve()
          await release.promise
        }
      }, { ack: 'app', maxMessageBytes: 64 * 1024 })
      const sends = Array.from({ length: 20 }, async (_, i) => b.publish(`retries-${String(large)}`, payloadOf(i + 1), { ack: 'app', maxMessageBytes: 64 * 1024 }))
      await fifth.promise
      await Promise.all(b.libp2p.getConnections(a.peerId).map(async c => c.close()))
      await until(() => a.messageStats().streams >= 2, [a], ['message:stream'], { what: 'the sender to open a second stream', timeoutMs: 15_000 })
      release.resolve()
      const results = await Promise.all(sends)
      assert.ok(results.every(r => r.results?.[0]?.status === 'delivered'), JSON.stringify(results.map(r => r.results?.[0])))
      assert.ok(b.messageStats().resent > 0, 'the sender resent')
      assert.ok(a.messageStats().duplicates > 0, 'the receiver saw duplicates')
      assert.deepEqual(order, Array.from({ length: 20 }, (_, i) => i + 1))
      assert.ok([...seen.values()].every(n => n === 1), 'each message handled once')
      assert.deepEqual(damaged, [], 'every message arrived with its own bytes')
    })
  }

  test('a receiver renews its interest before a sender reaches its threshold: nothing stalls', async () => {
    const [a, b] = await realmOf(h, realm, 2)
    const got: string[] = []
    const tokens = new Set<string>()
    await (a as RealmNode).subscribe('threshold', (m) => {
      got.push(str(m.data))
      tokens.add((a as RealmNode).subjectLayer.interests.list()[0]?.jti ?? '')
    }, { threshold: 4 })
    for (let i = 1; i <= 25; i++) {
      const r = await (b as RealmNode).publish('threshold', text(String(i)), { ack: 'destination', ttlMs: 10_000 })
      assert.equal(r.results?.[0]?.status, 'delivered', `message ${i}`)
    }
    assert.equal(got.length, 25)
    assert.ok(tokens.size >= 5, `the receiver renewed its interest token ${tokens.size - 1} times`)
  })

  test('an interest is registered again with a fresh token before it expires, and stays registered past the first token\'s expiry', async () => {
    const [a, b] = await realmOf(h, realm, 2) as [RealmNode, RealmNode]
    const tokens: Array<{ jti: string, expiresAt: number }> = []
    b.addEventListener('subject:registered', (evt) => { if (evt.detail.identity === a.peerId.toString()) tokens.push(evt.detail) })
    await a.subscribe('refreshed', () => {}, { interestTtlSeconds: 2 })
    const first = a.subjects()[0]
    await until(() => tokens.length >= 5, [b], ['subject:registered'], { what: 'five registrations', timeoutMs: 10_000 })
    assert.equal(new Set(tokens.map(t => t.jti)).size, tokens.length, 'a fresh token each time')
    assert.ok(Date.now() > (first?.expiresAt ?? 0), 'past the first token\'s expiry')
    assert.equal(b.subjectLayer.coordinator.store.interests(first?.key ?? '').length, 1, 'still registered')
  })

  test('a member that joins closer to a subject key than its coordinators gets the interest at once', async () => {
    const nodes = await realmOf(h, realm, 4)
    const [subscriber] = nodes as [RealmNode]
    // a key for the newcomer, and a subject it will be the closest member to
    const key = await generateNodeKey()
    const newcomer = peerIdFromPrivateKey(key).toString()
    const everyone = nodes.map(n => n.peerId.toString())
    let subject = ''
    for (let i = 0; subject === ''; i++) {
      if (closestTo(subjectKey(realm.realm.id, `moving-${i}`), [...everyone, newcomer], 1)[0] === newcomer) subject = `moving-${i}`
    }
    await subscriber.subscribe(subject, () => {})
    const keyHex = subscriber.subjects()[0]?.key ?? ''
    const late = await h.node(realm, { privateKey: key, bootstrap: addrs(subscriber).map(String) })
    await until(() => late.subjectLayer.coordinator.store.interests(keyHex).length === 1, [late], ['subject:registered'], { what: 'the newcomer to hold the interest', timeoutMs: 15_000 })
    assert.equal(late.subjectLayer.coordinator.store.interests(keyHex)[0]?.identity, subscriber.peerId.toString())
  })

  test('the coordinator crashes: nothing registered is lost, a new subscriber is still matched with the publisher', async () => {
    const nodes = await realmOf(h, realm, 6)
    const everyone = nodes.map(n => n.peerId.toString())
    const key = subjectKey(realm.realm.id, 'crash')
    const closest = closestTo(key, everyone, 1)[0]
    const coordinator = nodes.find(n => n.peerId.toString() === closest) as RealmNode
    const others = nodes.filter(n => n !== coordinator)
    const [sub1, pub, sub2] = others as [RealmNode, RealmNode, RealmNode]
    const got1: string[] = []
    await sub1.subscribe('crash', (m) => { got1.push(str(m.data)) })
    assert.equal((await pub.publish('crash', text('before'), { ack: 'destination' })).results?.[0]?.status, 'delivered')
    // killed: no LEAVE, no WITHDRAW
    await coordinator.libp2p.stop()
    assert.equal((await pub.publish('crash', text('during'), { ack: 'destination' })).results?.[0]?.status, 'delivered')
    const got2: string[] = []
    const matched = nextEvent(pub, 'subject:matched', (d: { identity: string }) => d.identity === sub2.peerId.toString(), { timeoutMs: 30_000 })
    await sub2.subscribe('crash', (m) => { got2.push(str(m.data)) })
    await matched
    const after = await pub.publish('crash', text('after'), { ack: 'destination' })
    assert.deepEqual(after.results?.map(r => r.status), ['delivered', 'delivered'])
    assert.deepEqual(got1, ['before', 'during', 'after'])
    assert.deepEqual(got2, ['after'])
  })
})
