// The relay store (issue 20 item 3) on real nodes (TCP on 127.0.0.1): a sender and a receiver that
// both sleep 6 s of every 8 s, their windows never meeting. The sender publishes acked messages while
// the receiver sleeps, goes to sleep itself with them held, and hands them to the subject's
// coordinators (sealed for the receiver, signed by the sender); they deliver them when the receiver
// wakes, in order, once. A coordinator keeps only ciphertext; a message a coordinator changed is
// refused by the receiver, as that coordinator's offence. The store's bounds and its survival across
// a restart are tested on a LevelDB store.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryDatastore } from 'datastore-core'
import { Key } from 'interface-datastore'
import { MessageData, RelayDeposit, WireErrorCode } from '@realmesh/wire'
import { RelayStore, nextEvent, openStore, until } from '../src/index.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import { str, text } from './subjects-fixtures.js'
import { changedSince } from '../src/messaging/relayed.js'
import { SubjectError } from '../src/subjects/errors.js'
import { TokenError } from '@realmesh/token'
import type { Realm } from './fixtures.js'
import type { PublishResult, RealmNode, RealmNodeInit } from '../src/index.js'
import type { Datastore } from 'interface-datastore'

const IMPATIENT: Partial<RealmNodeInit> = {
  listen: ['/ip4/127.0.0.1/tcp/0'],
  keepalive: { intervalMs: 1_000, timeoutMs: 500, maxMissed: 2 },
  disconnectGraceMs: 1_000
}
const SLEEP = { awakeMs: 2_000, periodMs: 8_000 }
const N = 12
const SUBJECT = 'commands'

/** every value under /relay in a node's store */
async function relayed (store: Datastore): Promise<Array<{ key: string, value: Uint8Array }>> {
  const found: Array<{ key: string, value: Uint8Array }> = []
  for await (const { key, value } of store.query({ prefix: '/relay/' })) found.push({ key: key.toString(), value })
  return found
}

describe('relay store for sleeping receivers', () => {
  const h = new Harness()
  let realm: Realm
  before(async () => { realm = await makeRealm() })
  after(async () => { await h.stopAll() })

  async function joined (node: RealmNode): Promise<RealmNode> {
    await node.whenJoined({ signal: AbortSignal.timeout(10_000) })
    return node
  }

  /**
   * Two always-awake members (the coordinators that may take deposits, with stores to look into), a
   * receiver subscribed and asleep, then a sender whose window starts 2-3 s after the receiver's and
   * never meets it: it publishes N acked messages and falls asleep. Resolves once they are deposited.
   */
  async function deposited (tag: string): Promise<{ coordinators: RealmNode[], stores: Datastore[], receiver: RealmNode, sender: RealmNode, received: string[], hops: number[], results: Promise<PublishResult[]>, plain: string[] }> {
    const stores = [new MemoryDatastore(), new MemoryDatastore()]
    const anchor = await h.node(realm, { ...IMPATIENT, store: stores[0] })
    const bootstrap = addrs(anchor).map(String)
    const other = await joined(await h.node(realm, { ...IMPATIENT, bootstrap, store: stores[1] }))
    const receiver = await joined(await h.node(realm, { ...IMPATIENT, bootstrap, sleep: SLEEP }))
    const received: string[] = []
    const hops: number[] = []
    await receiver.subscribe(SUBJECT, (msg) => {
      received.push(str(msg.data))
      hops.push(msg.hops)
    })
    await nextEvent(receiver, 'sleep:asleep', () => true, { timeoutMs: 10_000 })
    // anchored now: its windows start 2-3 s after the receiver's and end before the receiver's next
    const sender = await joined(await h.node(realm, { ...IMPATIENT, bootstrap, sleep: SLEEP }))
    const plain = Array.from({ length: N }, (_, i) => `${tag}-secret-${String(i).padStart(3, '0')}`)
    const deposit = nextEvent(sender, 'relay:deposited', () => true, { timeoutMs: 10_000 })
    const results = Promise.all(plain.map(async (p) => sender.publish(SUBJECT, text(p), { ack: 'destination', ttlMs: 60_000 })))
    await deposit
    assert.equal(receiver.status().sleep?.awake, false, 'the receiver slept all along')
    return { coordinators: [anchor, other], stores, receiver, sender, received, hops, results, plain }
  }

  test('N acked messages from a sleeping sender reach a sleeping receiver through a coordinator, in order, once; the coordinator held only ciphertext', async (t) => {
    const { coordinators, stores, receiver, received, hops, results, plain } = await deposited('a')
    const settled = await results
    assert.deepEqual(settled.map(r => r.results?.map(x => x.status).join()), Array(N).fill('relayed'), 'every message settled relayed')

    const held = (await Promise.all(stores.map(relayed))).flat()
    assert.ok(held.length > 0, 'a coordinator holds the deposit')
    for (const { value } of held) {
      const bytes = Buffer.from(value)
      for (const p of plain) assert.equal(bytes.includes(Buffer.from(p)), false, `plaintext ${p} in a coordinator's store`)
      assert.equal(bytes.includes(Buffer.from('secret')), false)
    }
    const perStore = await Promise.all(stores.map(async s => (await relayed(s)).reduce((n, { value }) => n + RelayDeposit.decode(value).messages.length, 0)))
    t.diagnostic(`messages held per coordinator store: ${perStore.join(', ')}`)

    const wokeAt = (await nextEvent<{ reason: string }>(receiver, 'sleep:awake', () => true, { timeoutMs: 12_000 }), Date.now())
    await until(() => received.length >= N, [receiver], ['message'], { timeoutMs: 5_000, what: 'every relayed message at the receiver' })
    const deliveredIn = Date.now() - wokeAt
    // every copy delivered (or dropped as a duplicate) and deleted from the coordinators' stores
    await until(() => coordinators.every(c => c.relayStats().messages === 0), coordinators, ['relay:delivered'], { timeoutMs: 5_000, what: 'the relay stores emptied' })
    assert.deepEqual((await Promise.all(stores.map(relayed))).flat(), [], 'deleted from the stores')
    assert.deepEqual(received, plain, 'every message once, in order')
    assert.deepEqual(hops, Array(N).fill(2), 'two hops each: the sender\'s node, then the coordinator')
    t.diagnostic(`${N} messages delivered ${deliveredIn} ms after the receiver woke`)
  })

  test('a deposit a coordinator changed is refused by the receiver, as that coordinator\'s offence; the rest is delivered', async () => {
    const { coordinators, stores, receiver, received, plain } = await deposited('b')
    // every copy of message 4 altered in its coordinator's store: one bit of its sealed data
    for (const store of stores) {
      for (const { key, value } of await relayed(store)) {
        const deposit = RelayDeposit.decode(value)
        const data = deposit.messages[4]?.message?.data
        if (data == null) continue
        data[0] = (data[0] ?? 0) ^ 1
        await store.put(new Key(key), RelayDeposit.encode(deposit))
      }
    }
    const offences: Array<{ peer: string, offence: string }> = []
    receiver.guard.addEventListener('peer:offence', (evt) => { offences.push(evt.detail) })
    await until(() => received.length >= N - 1, [receiver], ['message'], { timeoutMs: 15_000, what: 'the untouched messages at the receiver' })
    await until(() => coordinators.every(c => c.relayStats().messages === 0), coordinators, ['relay:delivered'], { timeoutMs: 5_000, what: 'the relay stores emptied' })
    assert.deepEqual(received, plain.filter((_, i) => i !== 4), 'the altered message refused, the others in order')
    const ids = coordinators.map(c => c.peerId.toString())
    assert.ok(offences.length > 0 && offences.every(o => o.offence === 'RELAY_TAMPERED' && ids.includes(o.peer)), `offences: ${JSON.stringify(offences)}`)
  })

  test('a sender that stops with messages held for a sleeping receiver relays them, and the receiver gets them at its wake', async () => {
    const anchor = await h.node(realm, IMPATIENT)
    const bootstrap = addrs(anchor).map(String)
    await joined(await h.node(realm, { ...IMPATIENT, bootstrap }))
    const receiver = await joined(await h.node(realm, { ...IMPATIENT, bootstrap, sleep: SLEEP }))
    const received: string[] = []
    const hops: number[] = []
    await receiver.subscribe(SUBJECT, (msg) => {
      received.push(str(msg.data))
      hops.push(msg.hops)
    })
    await nextEvent(receiver, 'sleep:asleep', () => true, { timeoutMs: 10_000 })
    const sender = await joined(await h.node(realm, { ...IMPATIENT, bootstrap }))
    const plain = Array.from({ length: 5 }, (_, i) => `stop-${i}`)
    // every message handed to the receiver's link (held there: it sleeps), not waiting in the cache
    let accepted = 0
    const allAccepted = Promise.withResolvers<void>()
    const onAccepted = (): void => { if (++accepted === plain.length) allAccepted.resolve() }
    const results = Promise.all(plain.map(async (p) => sender.publish(SUBJECT, text(p), { ack: 'destination', ttlMs: 60_000, onAccepted })))
    await allAccepted.promise
    await until(() => sender.subjects().some(s => s.counterparts.length > 0), [sender], ['subject:matched'], { timeoutMs: 5_000, what: 'the receiver matched' })
    const stoppedAt = Date.now()
    await sender.stop()
    const stopMs = Date.now() - stoppedAt
    assert.deepEqual((await results).map(r => r.results?.map(x => x.status).join()), Array(plain.length).fill('relayed'))
    assert.ok(stopMs < 3_000, `stop() took ${stopMs} ms (no drain wait for what was relayed)`)
    await until(() => received.length >= plain.length, [receiver], ['message'], { timeoutMs: 12_000, what: 'the relayed messages at the receiver' })
    assert.deepEqual(received, plain)
  })
})

describe('relay store bounds', () => {
  let dir: string
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'realmesh-relay-')) })
  after(async () => { await rm(dir, { recursive: true, force: true }) })

  const depositOf = (receiver: string, count: number, bytes = 100, expiresAt = Date.now() + 60_000): RelayDeposit => ({
    key: new Uint8Array(32),
    receiver,
    interestToken: 'i',
    identityToken: 'd',
    session: new Uint8Array(16),
    ephemeral: new Uint8Array(32),
    messages: Array.from({ length: count }, (_, i) => ({
      message: { id: Uint8Array.of(i, ...new Uint8Array(15)), seq: BigInt(i + 1), data: new Uint8Array(bytes), ack: MessageData.AckMode.DESTINATION, replySubject: '', expiresAtMs: BigInt(expiresAt), lowSeq: BigInt(i + 1), attrs: new Map() },
      signature: new Uint8Array(64)
    }))
  })

  test('per receiver, per depositor and in all: what does not fit is RELAY_FULL, a deposit is taken up to the bound; kept across a restart, expired dropped', async () => {
    const opened = await openStore(join(dir, 'store'))
    const limits = { maxReceiverMessages: 5, maxDepositorMessages: 8, maxMessages: 10, maxReceiverBytes: 1_000_000, maxDepositorBytes: 1_000_000, maxBytes: 1_000_000 }
    const store = new RelayStore(opened.namespace('/relay'), limits)
    await store.open(Date.now())
    assert.equal(await store.put('depositor-1', depositOf('r1', 3)), 3)
    // the receiver's bound: 2 of 4 taken, the first two
    assert.equal(await store.put('depositor-1', depositOf('r1', 4)), 2)
    await assert.rejects(store.put('depositor-2', depositOf('r1', 1)), { code: 'RELAY_FULL' })
    // the depositor's bound: 8 in all from depositor-1
    assert.equal(await store.put('depositor-1', depositOf('r2', 5)), 3)
    await assert.rejects(store.put('depositor-1', depositOf('r3', 1)), { code: 'RELAY_FULL' })
    // the whole store's: 10
    assert.equal(await store.put('depositor-2', depositOf('r3', 5)), 2)
    assert.deepEqual(store.size.messages, 10)
    // bytes: a deposit of 30 x 100 bytes taken up to 2 000 bytes stored
    const bytes = new RelayStore(opened.namespace('/relay-bytes'), { ...limits, maxBytes: 2_000 })
    await bytes.open(Date.now())
    const kept = await bytes.put('d', depositOf('r', 30, 100))
    assert.ok(kept > 0 && kept < 30, `kept ${kept}`)
    assert.ok(bytes.size.bytes <= 2_000, `${bytes.size.bytes} bytes stored`)
    await assert.rejects(bytes.put('d', depositOf('r', 1, 100)), { code: 'RELAY_FULL' })
    await store.idle()
    await opened.close()

    const again = await openStore(join(dir, 'store'))
    const restarted = new RelayStore(again.namespace('/relay'), limits)
    await restarted.open(Date.now())
    assert.equal(restarted.size.messages, 10, 'kept across the restart')
    assert.deepEqual(restarted.of('r1').map(h => h.messages), [3, 2], 'in the order they came')
    const first = restarted.of('r1')[0]
    assert.ok(first != null)
    const deposit = await restarted.get(first, Date.now())
    assert.deepEqual(deposit?.messages.map(m => m.message?.seq), [1n, 2n, 3n])
    // settled messages leave it; the rest stays
    await restarted.settle(first, m => m.message?.seq === 1n)
    assert.equal(restarted.of('r1')[0]?.messages, 2)
    await restarted.prune(Date.now() + 120_000)
    assert.equal(restarted.size.messages, 0, 'expired deposits pruned')
    assert.equal(restarted.holdsFor('r1'), false)
    await again.close()
  })
})

describe('who is to blame for a relayed deposit the receiver refuses', () => {
  test('what changed while it waited (a token that ran out or was revoked, the receiver\'s own subscription, audience or authorize) is not the coordinator\'s offence; a forged token or a mismatch is', () => {
    assert.equal(changedSince(new TokenError('TOKEN_EXPIRED', 'expired')), true)
    assert.equal(changedSince(new TokenError('TOKEN_REVOKED', 'revoked')), true)
    assert.equal(changedSince(new SubjectError(WireErrorCode.SUBJECT_UNKNOWN, 'unsubscribed')), true)
    assert.equal(changedSince(new SubjectError(WireErrorCode.SUBJECT_UNAUTHORIZED, 'refused')), true)
    assert.equal(changedSince(new SubjectError(WireErrorCode.SUBJECT_AUDIENCE, 'outside')), true)
    assert.equal(changedSince(new TokenError('TOKEN_BAD_SIGNATURE', 'forged')), false)
    assert.equal(changedSince(new SubjectError(WireErrorCode.INTEREST_NODE_MISMATCH, 'mismatch')), false)
  })
})
