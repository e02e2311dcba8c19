import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateNodeKey, signBytes, tokenHash } from '@realmesh/token'
import { Frames, FRAME_LIMITS, PROTOCOLS, PeersRequest, PeersResponse, peerRecordSigningBytes } from '@realmesh/wire'
import { nextEvent, until, fileBanStore, signPeerRecord } from '../src/index.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import type { Realm } from './fixtures.js'
import type { RealmNode } from '../src/index.js'
import type { PeerRecord } from '@realmesh/wire'
import { multiaddr } from '@multiformats/multiaddr'

async function sendRaw (from: RealmNode, to: RealmNode, bytes: Uint8Array): Promise<void> {
  const stream = await from.openStream(to.peerId, PROTOCOLS.peers)
  stream.send(bytes)
  await stream.close().catch(() => {})
}

async function sendUpdate (from: RealmNode, to: RealmNode, records: PeerRecord[]): Promise<void> {
  const stream = await from.openStream(to.peerId, PROTOCOLS.peers)
  const frames = new Frames(stream, { protocol: PROTOCOLS.peers, maxSize: FRAME_LIMITS.peers })
  await frames.write(PeersRequest, { type: PeersRequest.Type.UPDATE, records })
  await frames.read(PeersResponse, { signal: AbortSignal.timeout(5_000) }).catch(() => {})
  await stream.close().catch(() => {})
}

describe('abuse control', () => {
  const h = new Harness()
  let realm: Realm
  before(async () => { realm = await makeRealm() })
  after(async () => { await h.stopAll() })

  test('a member sending forged records, garbage frames and floods is banned, and nothing it sent reaches a third node', async () => {
    const target = await h.node(realm)
    const third = await h.node(realm, { bootstrap: addrs(target).map(String) })
    await third.whenJoined({ signal: AbortSignal.timeout(10_000) })
    const attacker = await h.node(realm, { bootstrap: addrs(target).map(String) })
    await attacker.whenJoined({ signal: AbortSignal.timeout(10_000) })
    const banned = nextEvent<{ peer: string }>(target, 'peer:banned', d => d.peer === attacker.peerId.toString(), { timeoutMs: 20_000 })

    // forged records: a real member's token with the attacker's signature, a made-up peer's
    // token from another realm, and the attacker's own token with a garbage signature
    const victimKey = await generateNodeKey()
    const victimToken = await realm.issue(victimKey)
    const addr = [Uint8Array.from(multiaddr('/ip4/10.9.9.9/tcp/1').bytes)]
    const badSig: PeerRecord = { nodeToken: victimToken, addrs: addr, seq: 5n, signature: signBytes(await generateNodeKey(), peerRecordSigningBytes({ tokenHash: tokenHash(victimToken), addrs: addr, seq: 5n })) }
    const other = await makeRealm('other')
    const strangerKey = await generateNodeKey()
    const wrongRealm = signPeerRecord(strangerKey, await other.issue(strangerKey), [multiaddr('/ip4/10.9.9.8/tcp/1')], 5n)
    await sendUpdate(attacker, target, [badSig, wrongRealm])
    assert.ok(target.guard.scores.score(attacker.peerId.toString()) < -45, 'two forged records cost 25 points each (less a few ms of recovery)')
    // garbage frames
    await sendRaw(attacker, target, Uint8Array.from([3, 0xff, 0xff, 0xff]))
    await sendRaw(attacker, target, Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]))
    // a flood of streams
    for (let i = 0; i < 200 && !target.guard.isBanned(attacker.peerId.toString()); i++) {
      await sendUpdate(attacker, target, []).catch(() => {})
    }
    await banned

    assert.equal(target.membership.has(attacker.peerId), false)
    await until(() => target.libp2p.getConnections(attacker.peerId).length === 0, [target.libp2p], ['connection:close'], { what: 'the attacker\'s connections to close' })
    // a banned peer cannot come back
    await assert.rejects(attacker.connect(addrs(target), { signal: AbortSignal.timeout(5_000) }))
    // nothing it sent was kept or forwarded: the third node asks the target for everything it knows
    const forged = [peerIdFromPrivateKey(victimKey).toString(), peerIdFromPrivateKey(strangerKey).toString()]
    const stream = await third.openStream(target.peerId, PROTOCOLS.peers)
    const frames = new Frames(stream, { protocol: PROTOCOLS.peers, maxSize: FRAME_LIMITS.peers })
    await frames.write(PeersRequest, { type: PeersRequest.Type.NLIST, key: new Uint8Array(32), count: 64 })
    const answer = await frames.read(PeersResponse, { signal: AbortSignal.timeout(5_000) })
    const named = answer.records.map(r => JSON.parse(Buffer.from(r.nodeToken.split('.')[1] ?? '', 'base64url').toString()).sub as string)
    for (const peer of forged) {
      assert.equal(named.includes(peer), false, 'a forged record was forwarded')
      assert.equal(third.membership.has(peer), false)
    }
    // the realm keeps working for everyone else
    const late = await h.node(realm, { bootstrap: addrs(target).map(String) })
    await late.whenJoined({ signal: AbortSignal.timeout(10_000) })
  })

  test('bans survive a restart (file ban store)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'realmesh-bans-'))
    try {
      const key = await generateNodeKey()
      const offender = await h.node(realm)
      const first = await h.node(realm, { privateKey: key, nodeToken: await realm.issue(key), guard: { banStore: fileBanStore(join(dir, 'bans.json')) } })
      await first.ban(offender.peerId, 'test')
      const listen = addrs(first).map(String)
      await first.stop()
      const again = await h.node(realm, { privateKey: key, nodeToken: await realm.issue(key), listen, guard: { banStore: fileBanStore(join(dir, 'bans.json')) } })
      assert.equal(again.guard.isBanned(offender.peerId.toString()), true)
      await assert.rejects(offender.connect(addrs(again), { signal: AbortSignal.timeout(5_000) }))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
