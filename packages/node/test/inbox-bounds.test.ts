// The receiver's memory bounds, part by part: the reorder window in bytes, the per-peer and
// per-node budgets, and what a sender session keeps after its stream is gone.
import { test } from 'node:test'
import { createSecretKey } from 'node:crypto'
import assert from 'node:assert/strict'
import { ReorderWindow } from '../src/index.js'
import { InboxBudgets } from '../src/messaging/budget.js'
import { Outcomes } from '../src/messaging/outcomes.js'
import { incoming, newSenderState, waitingCost, WAITING_OVERHEAD } from '../src/messaging/sender-state.js'
import { inboxLimits } from '../src/messaging/options.js'
import { MessageData } from '@realmesh/wire'

test('reorder window: waiting messages are bounded in bytes too; what goes out at once costs nothing; clear gives all back', () => {
  const kept: number[] = []
  const w = new ReorderWindow<number>(16, { maxBytes: 100, keep: (v) => { kept.push(v); return v } })
  // 1 is next: delivered at once whatever its size, nothing waits
  assert.deepEqual(w.push(1n, 1n, 1, 1000), { status: 'accepted', ready: [1] })
  assert.equal(w.waitingBytes, 0)
  assert.deepEqual(w.push(3n, 2n, 3, 60), { status: 'accepted', ready: [] })
  assert.deepEqual(w.push(4n, 2n, 4, 40), { status: 'accepted', ready: [] })
  assert.equal(w.waitingBytes, 100)
  // one byte more would pass the bound: refused, and nothing changed
  assert.deepEqual(w.push(5n, 2n, 5, 1), { status: 'overflow', limit: 'bytes' })
  assert.equal(w.waiting, 2)
  assert.deepEqual(kept, [3, 4], 'keep() runs for what waits, only')
  // the gap fills: everything goes out in order and the bytes with it
  assert.deepEqual(w.push(2n, 2n, 2, 500), { status: 'accepted', ready: [2, 3, 4] })
  assert.equal(w.waitingBytes, 0)
  w.push(7n, 5n, 7, 50)
  w.clear()
  assert.equal(w.waitingBytes, 0)
  assert.equal(w.waiting, 0)
  assert.equal(w.next, 5n, 'the order stays where it was')
})

test('reorder window: a seq the sender gave up on (below low_seq) goes out in order with what waited', () => {
  const w = new ReorderWindow<number>(16, { maxBytes: 1000 })
  w.push(1n, 1n, 1, 10)
  w.push(5n, 2n, 5, 10)
  // 3 arrives with low_seq 4: 3 and everything below 4 is settled at the sender
  assert.deepEqual(w.push(3n, 4n, 3, 10), { status: 'accepted', ready: [3] })
  assert.deepEqual(w.push(4n, 4n, 4, 10), { status: 'accepted', ready: [4, 5] })
  assert.equal(w.waitingBytes, 0)
})

test('budgets: a peer past its own budget, or all peers past the node\'s, is refused and nothing changes; closing gives back', () => {
  const budgets = new InboxBudgets({ peerBytes: 100, nodeBytes: 150 })
  const a1 = budgets.open('A')
  const a2 = budgets.open('A')
  const b = budgets.open('B')
  assert.equal(a1.setBuffered(60), undefined)
  assert.equal(a2.setHeld(41), 'peer', 'A\'s two streams together')
  assert.equal(budgets.usedBy('A'), 60)
  assert.equal(a2.setHeld(40), undefined)
  assert.equal(b.setBuffered(60), 'node', 'B is within its own budget, the node is not')
  assert.equal(b.setBuffered(50), undefined)
  assert.equal(budgets.used, 150)
  // lowering is always allowed
  assert.equal(a1.setBuffered(0), undefined)
  assert.equal(budgets.usedBy('A'), 40)
  a2.close()
  assert.equal(budgets.usedBy('A'), 0)
  a1.close()
  b.close()
  assert.equal(budgets.used, 0)
  // a closed account takes nothing more
  assert.equal(b.setBuffered(10), undefined)
  assert.equal(budgets.used, 0)
})

test('outcomes: only refusals are kept, in typed arrays made at the first one; a settled seq with none was delivered', () => {
  const o = new Outcomes(8)
  for (let seq = 1n; seq <= 5n; seq++) o.settle(seq)
  assert.equal(o.bytes, 0, 'nothing kept while every message was delivered')
  o.settle(6n, 'MESSAGE_EXPIRED')
  o.settle(7n, 'a code of the application')
  o.settle(8n, '')
  assert.equal(o.bytes, 8 * 5)
  assert.equal(o.refusal(5n), undefined)
  assert.equal(o.refusal(6n), 'MESSAGE_EXPIRED')
  assert.equal(o.refusal(7n), 'a code of the application')
  assert.equal(o.refusal(8n), 'APP_REJECTED')
  // seq 14 takes 6's slot: 6 is now too old to be sent again, and 14 was delivered
  o.settle(14n)
  assert.equal(o.refusal(6n), undefined)
  assert.equal(o.refusal(14n), undefined)
  assert.equal(o.bytes, 8 * 5, 'a fixed size')
})

test('sender state: a refused message keeps none of its data; a waiting one gets buffers of its own unless its frame had one', () => {
  const frame = new Uint8Array(100_000)
  const data: MessageData = { id: frame.subarray(0, 16), seq: 3n, data: frame.subarray(16, 1016), ack: MessageData.AckMode.DESTINATION, replySubject: '', expiresAtMs: 0n, lowSeq: 1n, attrs: new Map() }
  const refused = incoming(data, 'MESSAGE_TOO_LARGE')
  assert.equal(refused.data.data.byteLength, 0)
  assert.equal(waitingCost(refused), WAITING_OVERHEAD)
  assert.equal(waitingCost(incoming(data, undefined)), 1000 + WAITING_OVERHEAD)
  const state = newSenderState('s', createSecretKey(new Uint8Array(32)), 1_000_000)
  state.window.push(3n, 1n, incoming(data, undefined), 1000)
  state.window.push(2n, 1n, incoming({ ...data, seq: 2n }, 'MESSAGE_EXPIRED'), WAITING_OVERHEAD)
  const [late, waited] = (state.window.push(1n, 1n, incoming({ ...data, seq: 1n }, undefined)) as { ready: Array<{ data: MessageData }> }).ready.slice(1)
  assert.ok(late != null && waited != null)
  assert.equal(late.data.data.byteLength, 0)
  assert.equal(waited.data.data.buffer.byteLength, 1000, 'not a view into the 100 kB the frame came in')
  assert.equal(waited.data.id.buffer.byteLength, 16)
  // a frame decoded into a buffer of its own (it came in pieces) keeps that buffer, and costs it
  const own = new Uint8Array(1100)
  const whole = incoming({ ...data, seq: 5n, id: own.subarray(0, 16), data: own.subarray(16, 1016) }, undefined)
  assert.equal(waitingCost(whole), 1100 + WAITING_OVERHEAD)
  state.window.push(5n, 5n, whole, waitingCost(whole))
  assert.equal(state.window.waiting, 0, 'it was the next one')
  state.window.push(7n, 6n, whole, waitingCost(whole))
  const [, kept] = (state.window.push(6n, 6n, incoming({ ...data, seq: 6n }, undefined)) as { ready: Array<{ data: MessageData }> }).ready
  assert.equal(kept?.data.data.buffer, own.buffer)
})

test('messaging init: the memory bounds default to 8 / 32 / 128 MiB and refuse what could not hold one frame', () => {
  assert.deepEqual(inboxLimits({}), { windowBytes: 8 * 1024 * 1024, peerBytes: 32 * 1024 * 1024, nodeBytes: 128 * 1024 * 1024 })
  assert.throws(() => inboxLimits({ maxPeerBytes: 1024 * 1024 }), RangeError)
  assert.throws(() => inboxLimits({ maxNodeBytes: 1.5 }), RangeError)
  assert.throws(() => inboxLimits({ maxWindowBytes: 0 }), RangeError)
})
