import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { kadProtocol, PROTOCOLS } from '@realmesh/wire'
import { until } from '../src/index.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import type { Realm } from './fixtures.js'
import type { Stream } from '@libp2p/interface'

/** true when the remote closes or resets the stream without sending anything back */
async function refused (stream: Stream): Promise<boolean> {
  try {
    for await (const chunk of stream) {
      if (chunk.byteLength > 0) return false
    }
    return true
  } catch {
    return true
  }
}

describe('membership gate', () => {
  const h = new Harness()
  let realm: Realm
  before(async () => { realm = await makeRealm() })
  after(async () => { await h.stopAll() })

  test('a peer that has not joined can open no realm protocol, and learns nothing', async () => {
    const target = await h.node(realm)
    const raw = await h.raw()
    for (const protocol of [kadProtocol(realm.realm.id), PROTOCOLS.peers, '/ipfs/id/1.0.0', '/ipfs/ping/1.0.0']) {
      const stream = await raw.dialProtocol(addrs(target), protocol).catch(() => undefined)
      if (stream == null) continue
      // ping and kad wait for a request; send one so an open handler would answer (the gate may have closed it already)
      try {
        stream.send(new Uint8Array(32).fill(1))
      } catch {
        // already closed by the gate: that is the refusal
      }
      assert.ok(await refused(stream), `${protocol} answered a non-member`)
    }
    assert.equal(target.membership.size, 0)
    assert.equal(target.status().routingTable, 0)
  })

  test('members reach each other on kad-dht and ping, and enter each other\'s routing table', async () => {
    const a = await h.node(realm)
    const b = await h.node(realm, { bootstrap: addrs(a).map(String) })
    await b.whenJoined({ signal: AbortSignal.timeout(10_000) })
    await until(() => a.status().routingTable === 1 && b.status().routingTable === 1, [a, b], ['routing:changed'], { what: 'both routing tables to hold the other' })
    const rtt = await b.libp2p.services.ping.ping(a.peerId)
    assert.ok(rtt >= 0)
  })

  test('a gated handler runs exactly once per stream (libp2p 3.3 middleware regression)', async () => {
    const a = await h.node(realm)
    const b = await h.node(realm, { bootstrap: addrs(a).map(String) })
    await b.whenJoined({ signal: AbortSignal.timeout(10_000) })
    let handled = 0
    await a.handle('/realmesh-test/count/1', async (stream) => {
      handled++
      stream.send(Uint8Array.of(handled))
      await stream.close()
    })
    for (let i = 1; i <= 5; i++) {
      const stream = await b.openStream(a.peerId, '/realmesh-test/count/1')
      const bytes: number[] = []
      for await (const chunk of stream) bytes.push(...chunk.subarray())
      // one answer per stream: a handler run twice would answer twice, or answer later streams with stale counts
      assert.deepEqual(bytes, [i])
    }
    assert.equal(handled, 5)
  })
})
