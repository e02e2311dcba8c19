// Durable subscriptions (issue 20, item 1) on real nodes over TCP on 127.0.0.1: a subscription the
// node holds with no consumer attached stores each message before the sender's ack (a failing
// store turns the ack into a rejection); a consumer gets what was stored in order, then live
// messages; 'auto' consumes on the handler's promise, 'app' only on acks (an interrupted consumer
// gets the rest again); fromStart replays what is kept; a newer consumer takes over; a full
// reject subscription answers the sender DURABLE_FULL, counted; a receiver restarted on the same
// LevelDB store registers its subscriptions again, keeps what it stored and drops a resent id;
// unsubscribe frees the store.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { MemoryDatastore } from 'datastore-core'
import { generateNodeKey } from '@realmesh/token'
import { MessageAck } from '@realmesh/wire'
import { nextEvent, openStore, until } from '../src/index.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import { text, str } from './subjects-fixtures.js'
import { Raw } from './raw-sender.js'
import type { Realm } from './fixtures.js'
import type { Member } from './raw-sender.js'
import type { DurableMessage, NodeStore, RealmNode, RealmNodeInit } from '../src/index.js'
import type { Batch } from 'interface-datastore'

const TCP = { listen: ['/ip4/127.0.0.1/tcp/0'] }

/** a MemoryDatastore whose batches fail while `failing` is set */
class FailingStore extends MemoryDatastore {
  failing = false

  override batch (): Batch {
    const batch = super.batch()
    return {
      put: (key, value) => { batch.put(key, value) },
      delete: (key) => { batch.delete(key) },
      commit: async () => {
        if (this.failing) throw new Error('disk full')
        await batch.commit()
      }
    }
  }
}

/** a consumer's messages as they come, and an event per message */
class Collected extends EventTarget {
  readonly messages: DurableMessage[] = []
  readonly handler = (message: DurableMessage): void => {
    this.messages.push(message)
    this.dispatchEvent(new Event('message'))
  }

  get data (): string[] {
    return this.messages.map(m => str(m.data))
  }

  async count (n: number): Promise<void> {
    await until(() => this.messages.length >= n, [this], ['message'], { what: `${n} messages`, timeoutMs: 10_000 })
  }
}

describe('durable subscriptions on real nodes', () => {
  const h = new Harness()
  let realm: Realm
  let dir: string
  let a: RealmNode
  let sender: Member
  let receiver: RealmNode
  let receiverKey: Awaited<ReturnType<typeof generateNodeKey>>
  let store: NodeStore

  async function member (init: Partial<RealmNodeInit> = {}): Promise<Member> {
    const key = init.privateKey ?? await generateNodeKey()
    const token = await realm.issue(key)
    const node = await h.node(realm, { ...TCP, privateKey: key, nodeToken: token, bootstrap: addrs(a).map(String), ...init })
    await node.whenJoined({ signal: AbortSignal.timeout(10_000) })
    return { node, token, key }
  }

  async function publishAll (subject: string, items: string[]): Promise<string[]> {
    const statuses: string[] = []
    for (const item of items) {
      const result = await sender.node.publish(subject, text(item), { ack: 'destination' })
      statuses.push(result.results?.map(r => r.code == null ? r.status : `${r.status} ${r.code}`).join(',') ?? 'none')
    }
    return statuses
  }

  before(async () => {
    realm = await makeRealm()
    dir = await mkdtemp(join(tmpdir(), 'realmesh-durable-'))
    a = await h.node(realm, TCP)
    sender = await member()
    receiverKey = await generateNodeKey()
    store = await openStore(join(dir, 'store'))
    receiver = (await member({ privateKey: receiverKey, store: store.datastore })).node
    await until(() => [a, sender.node, receiver].every(n => n.status().routingTable >= 2), [a, sender.node, receiver], ['routing:changed'], { what: 'full routing tables' })
  })
  after(async () => {
    await h.stopAll()
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  test('with no consumer, messages are stored and acked; a consumer gets them in order, then live ones; auto consumes', async () => {
    const status = await receiver.durable.subscribe('orders', 'd1')
    assert.equal(status.registered, true)
    assert.deepEqual(await publishAll('orders', ['1', '2', '3', '4', '5']), Array(5).fill('delivered'))
    const held = receiver.durable.status('d1')
    assert.equal(held.stored, 5)
    assert.equal(held.pending, 5)
    assert.equal(held.attached, false)
    const got = new Collected()
    const consumer = await receiver.durable.attach('d1', got.handler)
    await got.count(5)
    assert.deepEqual(got.data, ['1', '2', '3', '4', '5'])
    assert.deepEqual(got.messages.map(m => m.seq), [1, 2, 3, 4, 5])
    assert.deepEqual(got.messages.map(m => m.senderSeq), [1, 2, 3, 4, 5])
    assert.ok(got.messages.every(m => m.from === sender.node.peerId.toString() && m.peer === sender.node.peerId.toString() && m.subject === 'orders' && m.name === 'd1' && m.receivedAt > 0))
    assert.equal(new Set(got.messages.map(m => m.id)).size, 5)
    await publishAll('orders', ['6', '7'])
    await got.count(7)
    assert.deepEqual(got.data.slice(5), ['6', '7'])
    consumer.detach()
    assert.equal(await consumer.ended, undefined)
    assert.equal(receiver.durable.status('d1').pending, 0)
    // consumed: a new consumer gets only what comes next, unless it begins from the start
    await publishAll('orders', ['8'])
    const next = new Collected()
    const second = await receiver.durable.attach('d1', next.handler)
    await next.count(1)
    assert.deepEqual(next.data, ['8'])
    second.detach()
    const all = new Collected()
    const third = await receiver.durable.attach('d1', all.handler, { fromStart: true })
    await all.count(8)
    assert.deepEqual(all.data, ['1', '2', '3', '4', '5', '6', '7', '8'])
    third.detach()
    assert.equal(receiver.durable.status('d1').stored, 8)
  })

  test('ack app: a consumer that ends before acking gets the rest again at its next attach; a newer consumer takes over', async () => {
    await receiver.durable.subscribe('jobs', 'jobs')
    await publishAll('jobs', ['a', 'b', 'c'])
    const first = new Collected()
    const consumer = await receiver.durable.attach('jobs', first.handler, { ack: 'app' })
    await first.count(3)
    await consumer.ack([first.messages[0]?.seq ?? 0])
    // seqs it was not given are ignored
    await consumer.ack([99])
    assert.equal(receiver.durable.status('jobs').pending, 2)
    const second = new Collected()
    const taker = await receiver.durable.attach('jobs', second.handler, { ack: 'app' })
    assert.equal((await consumer.ended)?.message.includes('another consumer attached'), true)
    assert.equal(((await consumer.ended) as { code?: string }).code, 'DURABLE_DETACHED')
    await second.count(2)
    assert.deepEqual(second.data, ['b', 'c'])
    await taker.ack(second.messages.map(m => m.seq))
    assert.equal(receiver.durable.status('jobs').pending, 0)
    taker.detach()
  })

  test('a full subscription with policy reject answers the sender DURABLE_FULL; the drop is counted', async () => {
    await receiver.durable.subscribe('bounded', 'small', { bounds: { maxMessages: 2, whenFull: 'reject' } })
    const dropped = nextEvent<{ name: string, rejected: number }>(receiver, 'durable:dropped', d => d.name === 'small')
    assert.deepEqual(await publishAll('bounded', ['x', 'y', 'z']), ['delivered', 'delivered', 'rejected DURABLE_FULL'])
    assert.deepEqual(await dropped, { name: 'small', purged: 0, expired: 0, rejected: 1 })
    const status = receiver.durable.status('small')
    assert.equal(status.stored, 2)
    assert.deepEqual(status.dropped, { purged: 0, expired: 0, rejected: 1 })
    assert.equal(status.bounds.whenFull, 'reject')
  })

  test('the sender\'s ack is the store write: a store that fails makes it a rejection (DURABLE_STORE_FAILED), and nothing is stored', async () => {
    const failing = new FailingStore()
    const node = (await member({ store: failing })).node
    // a plain subscription came first, asking for acks on arrival: the durable one's still wait for the store
    const plain: string[] = []
    await node.subscribe('fragile', (m) => { plain.push(str(m.data)) })
    await node.durable.subscribe('fragile', 'fragile')
    failing.failing = true
    assert.deepEqual(await publishAll('fragile', ['lost']), ['rejected DURABLE_STORE_FAILED'])
    assert.equal(node.durable.status('fragile').stored, 0)
    failing.failing = false
    assert.deepEqual(await publishAll('fragile', ['kept']), ['delivered'])
    assert.equal(node.durable.status('fragile').stored, 1)
    assert.deepEqual(plain, ['lost', 'kept'])
  })

  test('the receiver restarted on the same store: its subscriptions register again, what it stored is there, a resent id is dropped', async () => {
    await receiver.durable.subscribe('restart', 'r1')
    // the sender's node registers as a sender (a real publish), then sends by hand with a chosen id
    assert.deepEqual(await publishAll('restart', ['first']), ['delivered'])
    const id = Uint8Array.from(randomBytes(16))
    const raw = await Raw.open(sender, receiver, 'restart')
    await raw.sendData(1n, text('by hand'), undefined, id)
    await until(() => raw.acks.length === 1, [raw], ['reply'], { what: 'the ack' })
    assert.equal(raw.acks[0]?.status, MessageAck.Status.DELIVERED)
    assert.equal(receiver.durable.status('r1').stored, 2)
    raw.stream.abort(new Error('done'))
    await receiver.stop()
    await store.close()
    store = await openStore(join(dir, 'store'))
    receiver = await h.node(realm, { ...TCP, privateKey: receiverKey, store: store.datastore, bootstrap: addrs(a).map(String) })
    const registered = nextEvent<{ name: string }>(receiver, 'durable:registered', d => d.name === 'r1', { timeoutMs: 20_000 })
    await receiver.whenJoined({ signal: AbortSignal.timeout(10_000) })
    await registered
    assert.deepEqual(receiver.durable.list().map(s => s.name), ['d1', 'jobs', 'r1', 'small'])
    assert.equal(receiver.durable.status('r1').stored, 2)
    // the same id again, on a new stream to the new run: acked, not stored twice
    const again = await Raw.open(sender, receiver, 'restart')
    await again.sendData(1n, text('by hand, resent'), undefined, id)
    await until(() => again.acks.length === 1, [again], ['reply'], { what: 'the ack' })
    assert.equal(again.acks[0]?.status, MessageAck.Status.DELIVERED)
    assert.equal(receiver.durable.status('r1').stored, 2)
    assert.equal(receiver.durable.status('r1').duplicates, 1)
    again.stream.abort(new Error('done'))
    const got = new Collected()
    const consumer = await receiver.durable.attach('r1', got.handler)
    await got.count(2)
    assert.deepEqual(got.data, ['first', 'by hand'])
    consumer.detach()
  })

  test('unsubscribe frees the store and the name; bad names, unknown names and another subject under a name are typed errors', async () => {
    await receiver.durable.subscribe('temporary', 'tmp')
    await publishAll('temporary', ['t'])
    await assert.rejects(receiver.durable.subscribe('elsewhere', 'tmp'), { code: 'DURABLE_CONFLICT' })
    await assert.rejects(receiver.durable.subscribe('temporary', 'tmp', { role: 'both' }), { code: 'DURABLE_CONFLICT' })
    await assert.rejects(receiver.durable.subscribe('x', '../etc'), { code: 'DURABLE_NAME_INVALID' })
    await assert.rejects(receiver.durable.subscribe('x', 'ok', { bounds: { maxMessages: 0 } }), { code: 'DURABLE_OPTION_INVALID' })
    await assert.rejects(receiver.durable.attach('nothing', () => {}), { code: 'DURABLE_UNKNOWN' })
    assert.equal(receiver.durable.list().some(s => s.name === 'ok'), false, 'a refused subscribe left nothing')
    const got = new Collected()
    const consumer = await receiver.durable.attach('tmp', got.handler)
    await receiver.durable.unsubscribe('tmp')
    assert.equal(((await consumer.ended) as { code?: string }).code, 'DURABLE_REMOVED')
    const left: string[] = []
    for await (const key of store.datastore.queryKeys({ prefix: '/durable/' })) if (key.toString().includes('/tmp')) left.push(key.toString())
    assert.deepEqual(left, [])
    await assert.rejects(receiver.durable.unsubscribe('tmp'), { code: 'DURABLE_UNKNOWN' })
    assert.equal(receiver.subjects().some(s => s.subject === 'temporary'), false, 'its interest is released')
    // the name is free again, and starts empty
    assert.equal((await receiver.durable.subscribe('temporary', 'tmp')).stored, 0)
  })
})
