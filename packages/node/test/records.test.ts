import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { multiaddr } from '@multiformats/multiaddr'
import { generateNodeKey, TokenCache } from '@realmesh/token'
import { Frames, FRAME_LIMITS, PROTOCOLS, PeersRequest, PeersResponse } from '@realmesh/wire'
import { signPeerRecord, verifyPeerRecord, RecordInvalidError } from '../src/index.js'
import { RecordVerifier } from '../src/peers/records.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import type { Realm } from './fixtures.js'

describe('peer records', () => {
  const h = new Harness()
  let realm: Realm
  before(async () => { realm = await makeRealm() })
  after(async () => { await h.stopAll() })

  test('a record verifies, and any change to it does not', async () => {
    const key = await generateNodeKey()
    const record = signPeerRecord(key, await realm.issue(key), [multiaddr('/ip4/127.0.0.1/tcp/4001')], 7n)
    const options = { realm: realm.realm, tokenCache: new TokenCache(), now: Date.now, isRevoked: () => false }
    const verified = await verifyPeerRecord(record, options)
    assert.equal(verified.addrs[0]?.toString(), '/ip4/127.0.0.1/tcp/4001')
    for (const tampered of [
      { ...record, seq: 8n },
      { ...record, addrs: [Uint8Array.from(multiaddr('/ip4/10.0.0.1/tcp/4001').bytes)] },
      { ...record, nodeToken: await realm.issue(await generateNodeKey()) }
    ]) {
      await assert.rejects(verifyPeerRecord(tampered, options), (err: Error) => err instanceof RecordInvalidError && err.code === 'RECORD_INVALID')
    }
  })

  test('a verifier that remembers verified records still refuses other bytes under the same signature', async () => {
    const key = await generateNodeKey()
    const record = signPeerRecord(key, await realm.issue(key), [multiaddr('/ip4/127.0.0.1/tcp/4001')], 7n)
    const verifier = new RecordVerifier({ realm: realm.realm, tokenCache: new TokenCache(), now: Date.now, isRevoked: () => false })
    const first = await verifier.verify(record)
    // the same record again (a fresh decode of it, as from another keepalive) is remembered
    const again = await verifier.verify({ ...record, addrs: record.addrs.map(a => Uint8Array.from(a)), signature: Uint8Array.from(record.signature) })
    assert.equal(again.peerId, first.peerId, 'answered from the remembered check')
    for (const tampered of [
      { ...record, seq: 8n },
      { ...record, addrs: [Uint8Array.from(multiaddr('/ip4/10.0.0.1/tcp/4001').bytes)] },
      { ...record, addrs: [] }
    ]) {
      await assert.rejects(verifier.verify(tampered), (err: Error) => err instanceof RecordInvalidError && err.code === 'RECORD_INVALID')
    }
    // and the real record is still known afterwards
    assert.equal((await verifier.verify(record)).peerId, first.peerId)
  })

  test('a member that comes back on a new address is known at the new one; an older record never overwrites it', async () => {
    const a = await h.node(realm)
    const key = await generateNodeKey()
    const token = await realm.issue(key)
    const b1 = await h.node(realm, { privateKey: key, nodeToken: token, bootstrap: addrs(a).map(String) })
    await b1.whenJoined({ signal: AbortSignal.timeout(10_000) })
    const oldAddr = addrs(b1)[0]?.decapsulateCode(0x01a5).toString()
    // capture b's first record as a replay-to-be: it is what a holds now
    const oldRecord = a.membership.get(b1.peerId)?.record
    assert.ok(oldRecord != null)
    await b1.stop()
    // the same node (key, token) comes back on another address
    const newAddr = `/memory/${randomUUID()}`
    const b2 = await h.node(realm, { privateKey: key, nodeToken: token, listen: [newAddr], bootstrap: addrs(a).map(String) })
    await b2.whenJoined({ signal: AbortSignal.timeout(10_000) })
    assert.deepEqual(a.membership.get(b2.peerId)?.addrs.map(String), [newAddr])
    // someone replays b's old record to a: a keeps the newer one
    const c = await h.node(realm, { bootstrap: addrs(a).map(String) })
    await c.whenJoined({ signal: AbortSignal.timeout(10_000) })
    const stream = await c.openStream(a.peerId, PROTOCOLS.peers)
    const frames = new Frames(stream, { protocol: PROTOCOLS.peers, maxSize: FRAME_LIMITS.peers })
    await frames.write(PeersRequest, { type: PeersRequest.Type.UPDATE, records: [oldRecord] })
    await frames.read(PeersResponse, { signal: AbortSignal.timeout(5_000) })
    assert.deepEqual(a.membership.get(b2.peerId)?.addrs.map(String), [newAddr])
    assert.notEqual(newAddr, oldAddr)
    // and a replayed (valid, older) record is not an offence
    assert.equal(a.guard.scores.score(c.peerId.toString()), 0)
  })

  test('announceSelf sends the current record to members, who take it when newer', async () => {
    const a = await h.node(realm)
    const key = await generateNodeKey()
    const b = await h.node(realm, { privateKey: key, nodeToken: await realm.issue(key), bootstrap: addrs(a).map(String) })
    await b.whenJoined({ signal: AbortSignal.timeout(10_000) })
    const before = a.membership.get(b.peerId)?.recordSeq ?? 0n
    // a renewed token makes a new record (a new seq), as new addresses do
    b.setNodeToken(await realm.issue(key, { ttlSeconds: 7200 }))
    await b.announceSelf()
    const after = a.membership.get(b.peerId)?.recordSeq ?? 0n
    assert.ok(after > before, `${after} > ${before}`)
  })

})
