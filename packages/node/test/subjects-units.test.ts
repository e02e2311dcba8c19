// The pure parts of subjects and messaging: audience filtering, the receiver's reorder/dedup
// window, the sender's cache policies, the coordinator's bounded store.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { admits, MessageCache, ReorderWindow } from '../src/index.js'
import { pairs } from '../src/subjects/audience.js'
import { CoordinatorStore } from '../src/subjects/coordinator-store.js'
import { SenderLink } from '../src/messaging/sender-link.js'
import type { Outgoing } from '../src/messaging/sender-link.js'
import type { Interested } from '../src/subjects/audience.js'
import type { VerifiedInterest } from '../src/subjects/interest-verifier.js'

const A = '12D3KooWA'
const B = '12D3KooWB'

test('audience: public admits all; identities only the listed; attribute only matching token attributes', () => {
  assert.equal(admits({ kind: 'public' }, { identity: A, attrs: {} }), true)
  assert.equal(admits({ kind: 'identities', ids: [A] }, { identity: A, attrs: {} }), true)
  assert.equal(admits({ kind: 'identities', ids: [A] }, { identity: B, attrs: {} }), false)
  assert.equal(admits({ kind: 'attribute', name: 'team', value: 'red' }, { identity: B, attrs: { team: 'red' } }), true)
  assert.equal(admits({ kind: 'attribute', name: 'team', value: 'red' }, { identity: B, attrs: { team: 'blue' } }), false)
  assert.equal(admits({ kind: 'attribute', name: 'team', value: 'red' }, { identity: B, attrs: {} }), false)
  // inherited properties are not attributes
  assert.equal(admits({ kind: 'attribute', name: 'constructor', value: 'x' }, { identity: B, attrs: {} }), false)
})

test('pairs: a sender with a receiver (or both), on two nodes, each inside the other\'s audience', () => {
  const p = (identity: string, role: Interested['role'], audience: Interested['audience'] = { kind: 'public' }, nodeId = identity): Interested => ({ identity, attrs: {}, role, audience, nodeId })
  assert.equal(pairs(p(A, 'sender'), p(B, 'receiver')), true)
  assert.equal(pairs(p(A, 'both'), p(B, 'both')), true)
  assert.equal(pairs(p(A, 'sender'), p(B, 'sender')), false)
  assert.equal(pairs(p(A, 'receiver'), p(B, 'receiver')), false)
  assert.equal(pairs(p(A, 'sender'), p(B, 'receiver', { kind: 'public' }, A)), false, 'same node')
  assert.equal(pairs(p(A, 'sender', { kind: 'identities', ids: ['someone else'] }), p(B, 'receiver')), false, 'the sender\'s audience excludes the receiver')
  assert.equal(pairs(p(A, 'sender'), p(B, 'receiver', { kind: 'identities', ids: [A] })), true)
})

test('reorder window: in order as they come; early arrivals wait for the gap; duplicates and overflow are told apart', () => {
  const w = new ReorderWindow<number>(4)
  assert.deepEqual(w.push(1n, 1n, 1), { status: 'accepted', ready: [1] })
  assert.deepEqual(w.push(3n, 2n, 3), { status: 'accepted', ready: [] })
  assert.equal(w.waiting, 1)
  assert.deepEqual(w.push(3n, 2n, 3), { status: 'duplicate' })
  assert.deepEqual(w.push(2n, 2n, 2), { status: 'accepted', ready: [2, 3] })
  assert.deepEqual(w.push(1n, 1n, 1), { status: 'duplicate' })
  assert.equal(w.next, 4n)
  assert.deepEqual(w.push(8n, 4n, 8), { status: 'overflow', limit: 'count' })
})

test('reorder window: low_seq says the sender gave up the gap, so what waits behind it goes out', () => {
  const w = new ReorderWindow<number>(16)
  w.push(1n, 1n, 1)
  assert.deepEqual(w.push(4n, 2n, 4), { status: 'accepted', ready: [] })
  assert.deepEqual(w.push(6n, 2n, 6), { status: 'accepted', ready: [] })
  // 2 and 3 expired at the sender: the next frame says so
  assert.deepEqual(w.push(7n, 4n, 7), { status: 'accepted', ready: [4] })
  assert.deepEqual(w.push(5n, 5n, 5), { status: 'accepted', ready: [5, 6, 7] })
  // a new session's first message sets where it starts
  const fresh = new ReorderWindow<number>(16)
  assert.deepEqual(fresh.push(57n, 57n, 57), { status: 'accepted', ready: [57] })
})

interface Item { n: number, expiresAt: number }

test('cache: fifo hands out oldest first, lifo newest first; expired items are dropped', () => {
  const dropped: Array<[number, string]> = []
  const onDrop = (item: Item, code: string): void => { dropped.push([item.n, code]) }
  const fifo = new MessageCache<Item>({ size: 3, policy: 'fifo' }, onDrop)
  const lifo = new MessageCache<Item>({ size: 3, policy: 'lifo' }, onDrop)
  for (const cache of [fifo, lifo]) for (const n of [1, 2, 3]) cache.add({ n, expiresAt: n === 2 ? 50 : 1000 }, 0)
  assert.deepEqual(fifo.drain(100).map(i => i.n), [1, 3])
  assert.deepEqual(lifo.drain(100).map(i => i.n), [3, 1])
  assert.deepEqual(dropped, [[2, 'MESSAGE_EXPIRED'], [2, 'MESSAGE_EXPIRED']])
  assert.equal(fifo.length, 0)
})

test('cache: when full, purge drops the oldest; reject refuses the new one with MESSAGE_CACHE_FULL', () => {
  const dropped: number[] = []
  const purge = new MessageCache<Item>({ size: 2, whenFull: 'purge' }, (item, code) => { assert.equal(code, 'MESSAGE_PURGED'); dropped.push(item.n) })
  for (const n of [1, 2, 3]) purge.add({ n, expiresAt: 1000 }, 0)
  assert.deepEqual(dropped, [1])
  assert.deepEqual(purge.drain(0).map(i => i.n), [2, 3])
  const reject = new MessageCache<Item>({ size: 2, whenFull: 'reject' }, () => { assert.fail('nothing is dropped') })
  reject.add({ n: 1, expiresAt: 1000 }, 0)
  reject.add({ n: 2, expiresAt: 1000 }, 0)
  assert.throws(() => { reject.add({ n: 3, expiresAt: 1000 }, 0) }, (err: Error & { code?: string }) => err.code === 'MESSAGE_CACHE_FULL')
  assert.deepEqual(reject.drain(0).map(i => i.n), [1, 2])
})

function interest (over: Partial<VerifiedInterest>): VerifiedInterest {
  return { keyHex: 'k1', key: new Uint8Array(32), identity: A, node: undefined as never, nodeId: A, role: 'receiver', audience: { kind: 'public' }, threshold: 10, jti: 'j1', issuedAt: 1000, expiresAt: 100_000, attrs: {}, intentAttrs: {}, readsAttrs: true, interestToken: 't', identityToken: 'i', addrs: [], ...over }
}

test('coordinator store: one interest per (identity, node); newer replaces, older and repeats do not; bounded; expiry drops', () => {
  let now = 2000
  const store = new CoordinatorStore({ maxSubjects: 2, maxInterestsPerSubject: 2, now: () => now })
  assert.equal(store.put(interest({})), 'new')
  assert.equal(store.put(interest({})), 'unchanged')
  assert.equal(store.put(interest({ jti: 'j0', issuedAt: 500 })), 'stale')
  assert.equal(store.put(interest({ jti: 'j2', issuedAt: 1500 })), 'replaced')
  assert.equal(store.interests('k1').length, 1)
  store.put(interest({ identity: B, nodeId: B }))
  store.put(interest({ identity: 'C', nodeId: 'C' }))
  assert.equal(store.interests('k1').length, 2, 'at most 2 per subject')
  store.put(interest({ keyHex: 'k2' }))
  store.put(interest({ keyHex: 'k3' }))
  assert.deepEqual(store.keys().sort(), ['k2', 'k3'], 'at most 2 subjects, least recently used out')
  assert.equal(store.put(interest({ keyHex: 'k4', expiresAt: 1999 })), 'stale', 'already expired')
  now = 200_000
  store.prune()
  assert.equal(store.size, 0)
  assert.equal(store.remove('k2', A, A), false)
})

test('sender link: a message with attributes of its own is not sent to a receiver whose node does not read them (MESSAGE_ATTRS_UNSUPPORTED); one without goes', () => {
  const opened: string[] = []
  const link = new SenderLink(interest({ readsAttrs: false }), {
    key: new Uint8Array(32),
    tokens: () => undefined,
    open: async () => { opened.push('open'); throw new Error('not in this test') },
    keys: undefined as never,
    onRefused: () => {},
    onResend: () => {},
    now: Date.now,
    ackTimeoutMs: 5_000,
    backoff: { baseMs: 60_000, maxMs: 60_000 },
    maxParallel: 1024
  })
  const settled: Array<{ status: string, code?: string }> = []
  const message = (attrs: Map<string, string>): Outgoing => ({ id: new Uint8Array(16), data: new Uint8Array(1), ack: 'destination', replySubject: '', attrs, expiresAt: Date.now() + 60_000, maxRetries: 1, settle: (r) => { settled.push(r) } })
  link.send(message(new Map([['stage', 'prod']])))
  assert.deepEqual(settled, [{ status: 'rejected', code: 'MESSAGE_ATTRS_UNSUPPORTED' }])
  link.send(message(new Map()))
  assert.equal(link.pending, true, 'the one without attributes waits to be sent')
  link.close()
  assert.deepEqual(settled.map(r => r.code), ['MESSAGE_ATTRS_UNSUPPORTED', 'RECEIVER_GONE'])
})
