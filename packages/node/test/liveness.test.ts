import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { PROTOCOLS } from '@realmesh/wire'
import { nextEvent } from '../src/index.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import type { Realm } from './fixtures.js'
import type { RealmNodeInit } from '../src/index.js'

// fast keepalives, no UPDATE fan-out and no early DHT self-lookup: records can only travel on keepalives
const quiet: Partial<RealmNodeInit> = {
  keepalive: { intervalMs: 200, timeoutMs: 300, maxMissed: 2 },
  updateFanout: 0,
  dht: { initialQuerySelfInterval: 600_000 }
}

describe('liveness', () => {
  const h = new Harness()
  let realm: Realm
  before(async () => { realm = await makeRealm() })
  after(async () => { await h.stopAll() })

  test('keepalives measure each member\'s latency', async () => {
    const a = await h.node(realm, quiet)
    const b = await h.node(realm, { ...quiet, bootstrap: addrs(a).map(String) })
    await b.whenJoined({ signal: AbortSignal.timeout(10_000) })
    const alive = await nextEvent<{ peer: string, latencyMs: number }>(a, 'peer:alive', d => d.peer === b.peerId.toString(), { timeoutMs: 5_000 })
    assert.ok(alive.latencyMs >= 0)
    assert.equal(a.membership.get(b.peerId)?.latencyMs, alive.latencyMs)
    assert.equal(a.membership.get(b.peerId)?.failures, 0)
  })

  test('records ride on keepalives (PIGGY): a member learns of a peer nobody announced to it', async () => {
    const hub = await h.node(realm, quiet)
    const a = await h.node(realm, { ...quiet, bootstrap: addrs(hub).map(String) })
    await a.whenJoined({ signal: AbortSignal.timeout(10_000) })
    // c joins the hub after a did: no UPDATE (fan-out 0), no NLIST to a, no lookup yet
    const c = await h.node(realm, { ...quiet, bootstrap: addrs(hub).map(String) })
    await c.whenJoined({ signal: AbortSignal.timeout(10_000) })
    await nextEvent(a, 'peer:joined', d => (d as { peer: string }).peer === c.peerId.toString(), { timeoutMs: 10_000 })
  })

  test('a member that stops answering keepalives is marked offline with reason timeout', async () => {
    const a = await h.node(realm, quiet)
    // b goes silent like a frozen process: it never sends keepalives of its own (anything it sends
    // counts as alive), and once joined it answers nothing on the peers protocol
    const b = await h.node(realm, { ...quiet, keepalive: { intervalMs: 600_000 }, bootstrap: addrs(a).map(String) })
    await b.whenJoined({ signal: AbortSignal.timeout(10_000) })
    await b.unhandle(PROTOCOLS.peers)
    const started = Date.now()
    const left = await nextEvent<{ peer: string, reason: string }>(a, 'peer:left', d => d.peer === b.peerId.toString(), { timeoutMs: 10_000 })
    assert.equal(left.reason, 'timeout')
    // worst case: interval + a quarter + maxMissed x (timeout + a quarter) = 200 + 50 + 2 x 350
    assert.ok(Date.now() - started < 3_000, `detected in ${Date.now() - started} ms`)
    assert.equal(a.status().members.includes(b.peerId.toString()), false)
  })
})
