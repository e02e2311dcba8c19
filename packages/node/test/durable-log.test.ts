// A durable subscription's store (issue 20, item 1) on a real LevelDB store in a temp dir: bounds
// by count, bytes and age under each of neuropil's policies (fifo/lifo x reject/purge), every drop
// counted by cause; consumed messages make room first and are no drop; resent ids are dropped,
// also after the store is closed and opened again; bounds lowered between two runs apply at load.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore, until, DURABLE_DEFAULTS } from '../src/index.js'
import { DurableLog } from '../src/durable/log.js'
import { DurableStore } from '../src/durable/records.js'
import type { DurableBounds, DurableDrops, NodeStore } from '../src/index.js'
import type { Arrival } from '../src/durable/log.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

let counter = 0
/** a message of `size` bytes with a fresh id (or the id given) */
function arrival (size = 10, id?: string): Arrival {
  counter++
  return { id: id ?? counter.toString(16).padStart(32, '0'), from: 'identity', peer: 'peer', senderSeq: counter, data: new Uint8Array(size).fill(counter & 0xff) }
}

describe('durable log: bounds, policies, ids', () => {
  let dir: string
  let store: NodeStore
  let names = 0
  let clock = 1_000_000
  const now = (): number => clock

  async function log (bounds: Partial<DurableBounds>, name = `sub${++names}`): Promise<DurableLog> {
    return DurableLog.load({ store: new DurableStore(store.datastore), name, bounds: { ...DURABLE_DEFAULTS, ...bounds }, rememberIds: 8, now })
  }

  /** appends each; resolves with what each append gave: its seq, 'duplicate' or the error code */
  async function appendAll (l: DurableLog, items: Arrival[]): Promise<Array<number | string>> {
    const out: Array<number | string> = []
    for (const item of items) out.push(await l.append(item).catch((err: { code: string }) => err.code))
    return out
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'realmesh-durable-log-'))
    store = await openStore(join(dir, 'store'))
  })
  after(async () => {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  test('fifo-purge over its count: the oldest not consumed go, counted as purged; the consumer gets the rest oldest first', async () => {
    const l = await log({ maxMessages: 3, order: 'fifo', whenFull: 'purge' })
    assert.deepEqual(await appendAll(l, [arrival(), arrival(), arrival(), arrival(), arrival()]), [1, 2, 3, 4, 5])
    assert.deepEqual(l.unconsumed('fifo'), [3, 4, 5])
    assert.deepEqual(l.dropped, { purged: 2, expired: 0, rejected: 0 })
    assert.equal(l.size, 3)
    assert.equal(await l.message(1), undefined, 'the data of a dropped message is gone from the store')
  })

  test('lifo-purge: the same drops, the consumer gets the newest first', async () => {
    const l = await log({ maxMessages: 3, order: 'lifo', whenFull: 'purge' })
    await appendAll(l, [arrival(), arrival(), arrival(), arrival(), arrival()])
    assert.deepEqual(l.unconsumed('lifo'), [5, 4, 3])
    assert.deepEqual(l.dropped, { purged: 2, expired: 0, rejected: 0 })
  })

  test('fifo-reject and lifo-reject over their count: the new message is refused with DURABLE_FULL, counted as rejected', async () => {
    for (const order of ['fifo', 'lifo'] as const) {
      const l = await log({ maxMessages: 3, order, whenFull: 'reject' })
      assert.deepEqual(await appendAll(l, [arrival(), arrival(), arrival(), arrival(), arrival()]), [1, 2, 3, 'DURABLE_FULL', 'DURABLE_FULL'])
      assert.deepEqual(l.unconsumed(order), order === 'fifo' ? [1, 2, 3] : [3, 2, 1])
      assert.deepEqual(l.dropped, { purged: 0, expired: 0, rejected: 2 })
    }
  })

  test('consumed messages make room first and are no drop, whatever the policy', async () => {
    for (const whenFull of ['reject', 'purge'] as const) {
      const l = await log({ maxMessages: 3, whenFull })
      await appendAll(l, [arrival(), arrival(), arrival()])
      await l.consume([1, 2])
      assert.deepEqual(await appendAll(l, [arrival(), arrival()]), [4, 5])
      assert.deepEqual(l.unconsumed('fifo'), [3, 4, 5])
      assert.equal(l.size, 3)
      assert.deepEqual(l.dropped, { purged: 0, expired: 0, rejected: 0 })
    }
  })

  test('the byte bound: purge drops as many as it takes; a message larger than the bound is rejected whatever the policy', async () => {
    const purge = await log({ maxBytes: 100, whenFull: 'purge' })
    assert.deepEqual(await appendAll(purge, [arrival(40), arrival(40), arrival(70)]), [1, 2, 3])
    assert.deepEqual(purge.unconsumed('fifo'), [3])
    assert.equal(purge.storedBytes, 70)
    assert.deepEqual(await appendAll(purge, [arrival(101)]), ['DURABLE_FULL'])
    assert.deepEqual(purge.dropped, { purged: 2, expired: 0, rejected: 1 })
    const reject = await log({ maxBytes: 100, whenFull: 'reject' })
    assert.deepEqual(await appendAll(reject, [arrival(60), arrival(60), arrival(40)]), [1, 'DURABLE_FULL', 2])
    assert.deepEqual(reject.dropped, { purged: 0, expired: 0, rejected: 1 })
  })

  test('the age bound: messages older than maxAgeMs are dropped (expired if not consumed) when the next one comes', async () => {
    const l = await log({ maxAgeMs: 60_000 })
    await appendAll(l, [arrival(), arrival(), arrival()])
    await l.consume([1])
    clock += 30_000
    await appendAll(l, [arrival()])
    clock += 40_000
    assert.deepEqual(await appendAll(l, [arrival()]), [5])
    assert.deepEqual(l.unconsumed('fifo'), [4, 5])
    assert.deepEqual(l.dropped, { purged: 0, expired: 2, rejected: 0 })
  })

  test('the age bound without new messages: a timer at the oldest message\'s age drops it, and says so', async () => {
    // on the real clock: the log's timer is a real one (100 ms)
    const l = await DurableLog.load({ store: new DurableStore(store.datastore), name: 'aging', bounds: { ...DURABLE_DEFAULTS, maxAgeMs: 100 }, rememberIds: 8, now: Date.now })
    const events = new EventTarget()
    const reported: DurableDrops[] = []
    l.onDropped = (drops) => {
      reported.push(drops)
      events.dispatchEvent(new Event('dropped'))
    }
    await appendAll(l, [arrival(), arrival()])
    await until(() => l.size === 0, [events], ['dropped'], { what: 'the aged messages dropped', timeoutMs: 5_000 })
    assert.deepEqual(l.dropped, { purged: 0, expired: 2, rejected: 0 })
    assert.deepEqual(reported.reduce((sum, d) => sum + d.expired, 0), 2)
  })

  test('a resent id is a duplicate (nothing stored); ids are remembered within the ring, also across a reopen of the store', async () => {
    const name = 'ids'
    const first = await log({}, name)
    const id = 'ab'.repeat(16)
    assert.deepEqual(await appendAll(first, [arrival(10, id), arrival(10, id)]), [1, 'duplicate'])
    assert.equal(first.duplicates, 1)
    await first.consume([1])
    await first.close()
    await store.close()
    store = await openStore(join(dir, 'store'))
    const again = await log({}, name)
    assert.equal(again.size, 1)
    assert.equal(again.entry(1)?.consumed, true)
    assert.deepEqual(await appendAll(again, [arrival(10, id)]), ['duplicate'])
    // the ring holds 8 ids: 8 more push the first out, and it may be stored again
    await appendAll(again, Array.from({ length: 8 }, () => arrival()))
    assert.deepEqual(await appendAll(again, [arrival(10, id)]), [10])
  })

  test('what is kept comes back after a reopen, header and data; bounds lowered since apply at load, counted', async () => {
    const name = 'reopen'
    const first = await log({}, name)
    await appendAll(first, [{ ...arrival(), data: text('one'), replySubject: 'back' }, { ...arrival(), data: text('two') }, { ...arrival(), data: text('three') }])
    await first.close()
    const again = await log({ maxMessages: 2 }, name)
    assert.deepEqual(again.unconsumed('fifo'), [2, 3])
    assert.deepEqual(again.dropped, { purged: 1, expired: 0, rejected: 0 })
    const two = await again.message(2)
    assert.equal(new TextDecoder().decode(two?.data), 'two')
    assert.equal(two?.header.at, clock)
    assert.deepEqual(await appendAll(again, [arrival()]), [4])
  })

  test('removeAll leaves nothing of the subscription in the store', async () => {
    const l = await log({}, 'gone')
    await appendAll(l, [arrival(), arrival()])
    await l.removeAll()
    const left: string[] = []
    for await (const key of store.datastore.queryKeys({ prefix: '/durable/sub/gone/' })) left.push(key.toString())
    assert.deepEqual(left, [])
  })
})
