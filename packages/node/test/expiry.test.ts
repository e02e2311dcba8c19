/**
 * Expiry ends access (issue 19, item 2): a member whose token runs out, and that stays connected
 * and quiet about it, is dropped at exp + skew; every connection of it is closed, so a stream it
 * opened before (long-lived, on a member protocol) ends, and it cannot get back in.
 */
import { describe, test, after } from 'node:test'
import assert from 'node:assert/strict'
import { generateNodeKey } from '@realmesh/token'
import { nextEvent, until } from '../src/index.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import type { PeerLeftDetail } from '../src/index.js'

const SKEW_SECONDS = 1
const TTL_SECONDS = 3

describe('a member whose token expires', () => {
  const h = new Harness()
  after(async () => { await h.stopAll() })

  test('is dropped at exp + skew with every connection and stream, and cannot get back in', async (t) => {
    const realm = await makeRealm('expiry')
    const a = await h.node(realm, { tokenSkewSeconds: SKEW_SECONDS })
    // the stream a member holds open (a message stream, a subscription's, a tunnel's: anything long-lived)
    await a.handle('/realmesh-test/hold/1', async (stream) => {
      for await (const chunk of stream) stream.send(chunk)
    })
    const key = await generateNodeKey()
    const b = await h.node(realm, { privateKey: key, nodeToken: await realm.issue(key, { ttlSeconds: TTL_SECONDS }), tokenSkewSeconds: SKEW_SECONDS, bootstrap: addrs(a).map(String) })
    await b.whenJoined({ signal: AbortSignal.timeout(10_000) })
    const exp = a.membership.get(b.peerId)?.expiresAt ?? 0
    assert.ok(exp > Date.now(), 'a holds b with its token expiry')

    const held = await b.openStream(a.peerId, '/realmesh-test/hold/1')
    held.send(Uint8Array.of(1))
    const reader = held[Symbol.asyncIterator]()
    assert.deepEqual([...((await reader.next()).value?.subarray() ?? [])], [1], 'the held stream works before the expiry')
    const ended = (async () => {
      try {
        while (!(await reader.next()).done) { /* echoes */ }
      } catch {
        // reset: ended too
      }
      return Date.now()
    })()

    const expired = nextEvent(b, 'token:expired', () => true, { timeoutMs: 10_000 })
    const left = await nextEvent<PeerLeftDetail>(a, 'peer:left', (d) => d.peer === b.peerId.toString(), { timeoutMs: 15_000 })
    const droppedAt = Date.now()
    assert.equal(left.reason, 'token-expired')
    assert.equal(left.code, 'TOKEN_EXPIRED')
    await expired
    const afterDeadline = droppedAt - (exp + SKEW_SECONDS * 1000)
    t.diagnostic(`dropped ${afterDeadline} ms after exp + skew`)
    assert.ok(afterDeadline >= -5 && afterDeadline < 2_000, `dropped ${afterDeadline} ms after exp + skew`)

    await until(() => a.libp2p.getConnections(b.peerId).length === 0, [a.libp2p], ['connection:close'], { timeoutMs: 5_000, what: 'no connection between a and b' })
    const streamEnd = await ended
    assert.ok(streamEnd - droppedAt < 2_000, 'the stream opened before the expiry ended with the membership')
    // it cannot get back in: its token no longer passes a handshake
    await assert.rejects(b.connect(addrs(a), { signal: AbortSignal.timeout(10_000) }), (err: Error & { code?: string }) => err.code === 'TOKEN_EXPIRED')
    assert.equal(a.membership.has(b.peerId), false)
  })
})
