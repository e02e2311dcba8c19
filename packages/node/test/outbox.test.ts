// Publications that survive a restart (issue 20, item 2): acked messages kept in the node's store
// until every receiver settled them, bounded (OUTBOX_FULL), drained by stop(), kept by it when
// they could not be (OUTBOX_KEPT), and sent again by the next run with their ids, so that the
// receivers' applications get each once. Real nodes, a real LevelDB store in a temp dir, and a
// publisher in an OS process of its own that is SIGKILLed.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { generateNodeKey } from '@realmesh/token'
import { Key } from 'interface-datastore'
import { createRealmNode, nextEvent, openStore, until, Outbox, OutboxError } from '../src/index.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import { realmOf, text } from './subjects-fixtures.js'
import { dataOf, idOf, numberOf } from './outbox-fixtures.js'
import type { Realm } from './fixtures.js'
import type { NodeStore, OutboxSettledDetail, PublishResult, RealmNode, RealmNodeInit, StoredMessage } from '../src/index.js'
import type { PrivateKey } from '@libp2p/interface'
import type { PublisherInput } from './outbox-fixtures.js'

const tempDir = async (): Promise<string> => mkdtemp(join(tmpdir(), 'realmesh-outbox-'))

function message (i: number, fields: Partial<StoredMessage> = {}): StoredMessage {
  return { id: Uint8Array.from(Buffer.from(idOf(i), 'hex')), subject: `s${i % 2}`, data: Uint8Array.from(dataOf(i)), ack: 'destination', replySubject: '', expiresAt: Date.now() + 60_000, maxRetries: 10, maxMessageBytes: 1024 * 1024, ...fields }
}

/** a subscriber whose application holds every message (ack 'app') until release() */
async function holdingSubscriber (node: RealmNode, subject: string): Promise<{ got: number[], held: () => number, release: () => void }> {
  const got: number[] = []
  const waiting: Array<() => void> = []
  let released = false
  await node.subscribe(subject, async (m) => {
    got.push(numberOf(m.data))
    if (!released) await new Promise<void>((resolve) => { waiting.push(resolve) })
  }, { ack: 'app' })
  return {
    got,
    held: () => waiting.length,
    release: () => {
      released = true
      for (const resolve of waiting.splice(0)) resolve()
    }
  }
}

describe('the outbox on a LevelDB store', () => {
  test('keeps what is not removed, in publish order, across a reopen; drops what expired or cannot be read, and says so', async () => {
    const dir = await tempDir()
    try {
      let store = await openStore(join(dir, 'store'))
      const outbox = new Outbox(store.namespace('/outbox'))
      await outbox.open(Date.now())
      const entries = [1, 2, 3, 4].map(i => outbox.add(message(i, i === 4 ? { expiresAt: Date.now() + 200, ack: 'app', replySubject: 'back', audience: { kind: 'identities', ids: ['a', 'b'] } } : {})))
      await Promise.all(entries.map(async e => e.written))
      assert.equal(outbox.messages, 4)
      outbox.remove(entries[1] as typeof entries[0])
      assert.equal(outbox.messages, 3)
      await outbox.close()
      // a record this version never wrote
      await store.namespace('/outbox').put(new Key('/0000000000000000'), Uint8Array.from([9, 9, 9]))
      await store.close()

      store = await openStore(join(dir, 'store'))
      const again = new Outbox(store.namespace('/outbox'))
      const loaded = await again.open(Date.now())
      assert.deepEqual(loaded.messages.map(l => numberOf(l.message.data)), [1, 3, 4])
      assert.deepEqual({ expired: loaded.expired, unreadable: loaded.unreadable }, { expired: 0, unreadable: 1 })
      const fourth = loaded.messages[2]?.message
      assert.deepEqual({ ack: fourth?.ack, replySubject: fourth?.replySubject, audience: fourth?.audience, id: Buffer.from(fourth?.id ?? []).toString('hex') }, { ack: 'app', replySubject: 'back', audience: { kind: 'identities', ids: ['a', 'b'] }, id: idOf(4) })
      // later messages come after the ones left
      await again.add(message(5)).written
      await again.close()
      await store.close()

      store = await openStore(join(dir, 'store'))
      const third = new Outbox(store.namespace('/outbox'))
      const later = await third.open(Date.now() + 1_000)
      assert.deepEqual(later.messages.map(l => numberOf(l.message.data)), [1, 3, 5])
      assert.deepEqual({ expired: later.expired, unreadable: later.unreadable }, { expired: 1, unreadable: 0 })
      await third.close()
      await store.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('over its count or its bytes, add() is OUTBOX_FULL and nothing is kept', async () => {
    const dir = await tempDir()
    const store = await openStore(join(dir, 'store'))
    try {
      const byCount = new Outbox(store.namespace('/a'), { maxMessages: 2 })
      await byCount.open(Date.now())
      const first = byCount.add(message(1))
      byCount.add(message(2))
      assert.throws(() => byCount.add(message(3)), (err: unknown) => err instanceof OutboxError && err.code === 'OUTBOX_FULL')
      assert.throws(() => { byCount.assertRoom(1) }, (err: unknown) => err instanceof OutboxError && err.code === 'OUTBOX_FULL')
      assert.equal(byCount.messages, 2)
      byCount.remove(first)
      await byCount.add(message(3)).written
      await byCount.close()

      // two 1 KiB messages and their heads fit in 2600 bytes, a third does not
      const byBytes = new Outbox(store.namespace('/b'), { maxBytes: 2600 })
      await byBytes.open(Date.now())
      byBytes.add(message(1))
      byBytes.add(message(2))
      const bytes = byBytes.bytes
      assert.throws(() => byBytes.add(message(3)), (err: unknown) => err instanceof OutboxError && err.code === 'OUTBOX_FULL')
      assert.equal(byBytes.bytes, bytes)
      await byBytes.close()
      assert.deepEqual((await new Outbox(store.namespace('/b')).open(Date.now())).messages.map(l => numberOf(l.message.data)), [1, 2])
    } finally {
      await store.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('the outbox when the store fails', () => {
  test('a write the store refuses is OUTBOX_FAILED for its messages, and they leave the count', async () => {
    const dir = await tempDir()
    try {
      const store = await openStore(join(dir, 'store'))
      const outbox = new Outbox(store.namespace('/outbox'))
      await outbox.open(Date.now())
      await store.close()
      const entries = [outbox.add(message(1)), outbox.add(message(2))]
      for (const entry of entries) await assert.rejects(entry.written, (err: unknown) => err instanceof OutboxError && err.code === 'OUTBOX_FAILED')
      assert.deepEqual({ messages: outbox.messages, bytes: outbox.bytes }, { messages: 0, bytes: 0 })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('acked publications across a publisher\'s restart', () => {
  const h = new Harness()
  let realm: Realm
  let members: RealmNode[]
  const dirs: string[] = []
  before(async () => {
    realm = await makeRealm()
    members = await realmOf(h, realm, 2)
  })
  after(async () => {
    await h.stopAll()
    await Promise.all(dirs.map(async dir => rm(dir, { recursive: true, force: true })))
  })

  /** a publisher with a store at `path` (its key and token kept across restarts); listeners are added before it starts */
  async function publisher (path: string, key: PrivateKey, token: string, init: Partial<RealmNodeInit> = {}, listen?: (node: RealmNode) => void): Promise<{ node: RealmNode, store: NodeStore, close: () => Promise<void> }> {
    const store = await openStore(path)
    const node = await createRealmNode({ realm: realm.realm, privateKey: key, nodeToken: token, listen: ['/memory/' + crypto.randomUUID()], bootstrap: addrs(members[0] as RealmNode).map(String), store: store.datastore, ...init })
    listen?.(node)
    await node.start()
    await node.whenJoined({ signal: AbortSignal.timeout(10_000) })
    return { node, store, close: async () => { await node.stop(); await store.close() } }
  }

  async function newPublisher (): Promise<{ path: string, key: PrivateKey, token: string }> {
    const dir = await tempDir()
    dirs.push(dir)
    const key = await generateNodeKey()
    return { path: join(dir, 'store'), key, token: await realm.issue(key) }
  }

  test('a message leaves the outbox once every receiver acked it; over the bound, publish() is OUTBOX_FULL and the subject is not even registered', async () => {
    const [, b] = members as [RealmNode, RealmNode]
    const { path, key, token } = await newPublisher()
    const p = await publisher(path, key, token, { messaging: { outbox: { maxMessages: 2 } } })
    try {
      const sub = await holdingSubscriber(b, 'bounded')
      const results = [p.node.publish('bounded', dataOf(1), { ack: 'destination' }), p.node.publish('bounded', dataOf(2), { ack: 'destination' })]
      await until(() => sub.held() === 2, [b], ['message'], { what: 'both messages held by the application' })
      assert.equal(p.node.messageStats().outboxMessages, 2)
      assert.ok(p.node.messageStats().outboxBytes > 2048)
      await assert.rejects(p.node.publish('bounded', dataOf(3), { ack: 'destination' }), (err: unknown) => err instanceof OutboxError && err.code === 'OUTBOX_FULL')
      await assert.rejects(p.node.publish('elsewhere', dataOf(3), { ack: 'app' }), (err: unknown) => err instanceof OutboxError && err.code === 'OUTBOX_FULL')
      assert.deepEqual(p.node.subjects().map(s => s.subject), ['bounded'])
      // without acks nothing is kept: it goes out
      assert.equal((await p.node.publish('bounded', dataOf(4))).sent, 1)
      sub.release()
      for (const result of await Promise.all(results)) assert.equal(result.results?.[0]?.status, 'delivered')
      assert.deepEqual({ messages: p.node.messageStats().outboxMessages, bytes: p.node.messageStats().outboxBytes }, { messages: 0, bytes: 0 })
      assert.equal((await p.node.publish('bounded', dataOf(5), { ack: 'destination' })).results?.[0]?.status, 'delivered')
      await until(() => sub.got.length === 4, [b], ['message'])
      assert.deepEqual(sub.got, [1, 2, 4, 5])
    } finally {
      await p.close()
    }
  })

  test('stop() waits for acked messages in flight: they are settled, nothing new is published meanwhile, nothing is left in the outbox', async () => {
    const [, b] = members as [RealmNode, RealmNode]
    const { path, key, token } = await newPublisher()
    const p = await publisher(path, key, token)
    let stopped = false
    try {
      const sub = await holdingSubscriber(b, 'drained')
      const results = [1, 2, 3].map(async i => p.node.publish('drained', dataOf(i), { ack: 'app' }))
      await until(() => sub.held() === 3, [b], ['message'], { what: 'three messages held by the application' })
      const stopping = p.node.stop().then(() => { stopped = true })
      await assert.rejects(p.node.publish('drained', dataOf(4), { ack: 'destination' }), { code: 'NODE_STATE' })
      assert.equal(stopped, false)
      sub.release()
      await stopping
      for (const result of await Promise.all(results)) assert.equal(result.results?.[0]?.status, 'delivered')
      assert.deepEqual(sub.got, [1, 2, 3])
    } finally {
      await p.close()
    }
    const store = await openStore(path)
    try {
      assert.equal((await new Outbox(store.namespace('/outbox')).open(Date.now())).messages.length, 0)
    } finally {
      await store.close()
    }
  })

  test('what stop() could not settle (its signal aborted the wait) stays in the outbox, and the next run sends it again: the application gets each message once', async () => {
    const [, b] = members as [RealmNode, RealmNode]
    const { path, key, token } = await newPublisher()
    const first = await publisher(path, key, token)
    const sub = await holdingSubscriber(b, 'kept')
    const results = [1, 2, 3].map(async i => first.node.publish('kept', dataOf(i), { ack: 'destination' }).then((r: PublishResult) => r, (err: unknown) => err))
    await until(() => sub.held() === 3, [b], ['message'], { what: 'three messages held by the application' })
    const stopAt = Date.now()
    await first.node.stop({ signal: AbortSignal.timeout(100) })
    const stopMs = Date.now() - stopAt
    await first.store.close()
    assert.ok(stopMs < 4_000, `the drain ended with the signal (${stopMs} ms), not after drainMs`)
    for (const result of await Promise.all(results)) assert.ok(result instanceof OutboxError && result.code === 'OUTBOX_KEPT', String(result))

    sub.release()
    const settled: OutboxSettledDetail[] = []
    let restored: unknown
    const second = await publisher(path, key, token, {}, (node) => {
      node.addEventListener('outbox:restored', (evt) => { restored = evt.detail })
      node.addEventListener('outbox:settled', (evt) => { settled.push(evt.detail) })
    })
    try {
      assert.deepEqual(restored, { messages: 3, subjects: 1, expired: 0, unreadable: 0 })
      await until(() => settled.length === 3, [second.node], ['outbox:settled'], { what: 'the three kept messages settled' })
      assert.deepEqual(settled.map(s => ({ subject: s.subject, status: s.results?.[0]?.status })), Array.from({ length: 3 }, () => ({ subject: 'kept', status: 'delivered' })))
      // a message published now comes after them
      assert.equal((await second.node.publish('kept', dataOf(4), { ack: 'destination' })).results?.[0]?.status, 'delivered')
      assert.deepEqual(sub.got, [1, 2, 3, 4])
      assert.ok(b.messageStats().duplicates >= 3)
      assert.deepEqual({ restored: second.node.messageStats().outboxRestored, left: second.node.messageStats().outboxMessages }, { restored: 3, left: 0 })
    } finally {
      await second.close()
    }
  })

  test('a message id the caller chooses is the one receivers see; a malformed one is MESSAGE_ID_INVALID', async () => {
    const [a, b] = members as [RealmNode, RealmNode]
    const seen = nextEvent<{ id: string }>(b, 'message')
    const sub = await b.subscribe('chosen', () => {})
    assert.equal((await a.publish('chosen', text('x'), { ack: 'destination', id: idOf(7) })).id, idOf(7))
    assert.equal((await seen).id, idOf(7))
    await assert.rejects(a.publish('chosen', text('y'), { id: 'xyz' }), { code: 'MESSAGE_ID_INVALID' })
    await sub.unsubscribe()
  })
})

describe('a publisher SIGKILLed in the middle of its acked publishes', () => {
  const h = new Harness()
  after(async () => { await h.stopAll() })

  test('after 50 of 100 were accepted and none acked, its restart sends them again: the subscriber\'s application gets all 100 once, in order', { timeout: 120_000 }, async () => {
    const dir = await tempDir()
    const realm = await makeRealm()
    const tcp = { listen: ['/ip4/127.0.0.1/tcp/0'] }
    const a = await h.node(realm, tcp)
    const b = await h.node(realm, { ...tcp, bootstrap: addrs(a).map(String) })
    await b.whenJoined({ signal: AbortSignal.timeout(10_000) })
    const sub = await holdingSubscriber(b, 'crash')
    const key = await generateNodeKey()
    const token = await realm.issue(key)
    const path = join(dir, 'store')
    try {
      const input: PublisherInput = { realm: realm.realm, key: Buffer.from(privateKeyToProtobuf(key)).toString('base64'), token, bootstrap: addrs(a).map(String), store: path, subject: 'crash', count: 100 }
      const child = spawn(process.execPath, [new URL('./outbox-publisher.js', import.meta.url).pathname, JSON.stringify(input)], { stdio: ['ignore', 'pipe', 'inherit'] })
      const exited = once(child, 'exit')
      const accepted = new Set<number>()
      for await (const line of createInterface({ input: child.stdout })) {
        const match = /^accepted (\d+)$/.exec(line)
        if (match != null) accepted.add(Number(match[1]))
        if (accepted.size >= 50) break
      }
      child.kill('SIGKILL')
      await exited
      assert.ok(accepted.size >= 50)
      // nothing was acked: the application holds every message it got
      assert.equal(sub.held(), sub.got.length)
      const before = sub.got.length
      sub.release()

      const settled: OutboxSettledDetail[] = []
      let restored = 0
      const store = await openStore(path)
      const p = await createRealmNode({ realm: realm.realm, privateKey: key, nodeToken: token, ...tcp, bootstrap: addrs(a).map(String), store: store.datastore })
      p.addEventListener('outbox:restored', (evt) => { restored = evt.detail.messages })
      p.addEventListener('outbox:settled', (evt) => { settled.push(evt.detail) })
      try {
        await p.start()
        assert.ok(restored >= accepted.size, `${restored} restored, ${accepted.size} accepted`)
        await until(() => settled.length === restored, [p], ['outbox:settled'], { what: 'every restored message settled', timeoutMs: 60_000 })
        assert.ok(settled.every(s => s.results?.[0]?.status === 'delivered'), JSON.stringify(settled.filter(s => s.results?.[0]?.status !== 'delivered')))
        // the caller publishes again, with the same ids, what it had not seen accepted
        for (let i = 1; i <= 100; i++) {
          if (accepted.has(i)) continue
          const result = await p.publish('crash', dataOf(i), { ack: 'destination', id: idOf(i) })
          assert.equal(result.results?.[0]?.status, 'delivered')
        }
        assert.deepEqual(sub.got, Array.from({ length: 100 }, (_, i) => i + 1))
        assert.equal(p.messageStats().outboxMessages, 0)
        console.log(`# outbox crash: ${accepted.size} accepted before the SIGKILL, ${before} had reached the subscriber (none acked), ${restored} sent again after the restart, ${b.messageStats().duplicates} duplicates dropped by the subscriber`)
      } finally {
        await p.stop()
        await store.close()
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
