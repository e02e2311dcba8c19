/**
 * Revocation: the signed revocation itself (forged, tampered, for another realm, repeated,
 * over: each refused or ignored with its code), its file, and a realm of real nodes in which a
 * revocation handed to one member reaches every other, which drop the revoked peer (peer:left
 * 'revoked', connections closed) and refuse it from then on; the revoked node learns it
 * (token:revoked), and a member that was away learns it at its next join (Hello seq).
 */
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateNodeKey, issueIdentityToken, signBytes } from '@realmesh/token'
import { revocationSigningBytes } from '@realmesh/wire'
import { Revocations, fileRevocationStore, until, nextEvent } from '../src/index.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import type { Realm } from './fixtures.js'
import type { PeerLeftDetail, RealmNode } from '../src/index.js'
import type { Revocation } from '@realmesh/wire'
import type { PrivateKey } from '@libp2p/interface'

const HOUR = 3_600_000

/** a revocation as the realm leader signs it (or `signer`, or for `realmId`, to forge one) */
function signRevocation (realm: Realm, fields: Partial<Omit<Revocation, 'signature'>> & { seq: bigint }, forge: { signer?: PrivateKey, realmId?: string } = {}): Revocation {
  const unsigned = { jti: '', peer: '', revokedAtMs: BigInt(Date.now()), untilMs: BigInt(Date.now() + HOUR), reason: 'test', ...fields }
  const signature = signBytes(forge.signer ?? realm.leaderKey, revocationSigningBytes({ realmId: forge.realmId ?? realm.realm.id, ...unsigned }))
  return { ...unsigned, signature }
}

describe('revocations: the signed entries', () => {
  let realm: Realm
  const peer = '12D3KooWAWeuFbnBGVNN5f7ebu8PQmASWmwPyxPA9X5ob7RzEhkW'
  before(async () => { realm = await makeRealm('revocations') })

  test('a revocation of a peer revokes each of its tokens; one of a jti only that token', () => {
    const revocations = new Revocations({ realm: realm.realm })
    const result = revocations.add([signRevocation(realm, { seq: 1n, peer }), signRevocation(realm, { seq: 2n, peer: '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK', jti: 'one-token' })])
    assert.equal(result.learnt.length, 2)
    assert.equal(revocations.seq, 2n)
    assert.equal(revocations.isRevoked('any-jti', peer), true)
    assert.equal(revocations.isRevoked('one-token', '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'), true)
    assert.equal(revocations.isRevoked('another-token', '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'), false)
    assert.deepEqual(revocations.since(1n, 10).map(r => r.seq), [2n])
  })

  test('forged, tampered and other-realm revocations are refused with REVOCATION_INVALID and change nothing', async () => {
    const revocations = new Revocations({ realm: realm.realm })
    const forged = signRevocation(realm, { seq: 1n, peer }, { signer: await generateNodeKey() })
    const otherRealm = signRevocation(realm, { seq: 2n, peer }, { realmId: 'another-realm' })
    const tampered = { ...signRevocation(realm, { seq: 3n, peer: '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK' }), peer }
    const malformed = { ...signRevocation(realm, { seq: 4n, peer }), signature: new Uint8Array(10) }
    const result = revocations.add([forged, otherRealm, tampered, malformed])
    assert.equal(result.invalid, 4)
    assert.equal(result.error?.code, 'REVOCATION_INVALID')
    assert.equal(result.learnt.length, 0)
    assert.equal(revocations.size, 0)
    assert.equal(revocations.seq, 0n)
    assert.equal(revocations.isRevoked('x', peer), false)
  })

  test('a revocation held already, or one whose time is over, is not learnt again', () => {
    const revocations = new Revocations({ realm: realm.realm })
    const first = signRevocation(realm, { seq: 5n, peer })
    assert.equal(revocations.add([first]).learnt.length, 1)
    assert.equal(revocations.add([first]).learnt.length, 0, 'the same one again')
    assert.equal(revocations.add([signRevocation(realm, { seq: 5n, peer, reason: 'another text' })]).learnt.length, 0, 'another one with a seq held: the first stays')
    assert.equal(revocations.add([signRevocation(realm, { seq: 6n, peer, untilMs: BigInt(Date.now() - 1) })]).learnt.length, 0, 'over')
    assert.deepEqual(revocations.list().map(r => r.reason), ['test'])
  })

  test('an entry whose time is over is dropped before its signature is checked (replaying old ones costs no verification)', () => {
    const revocations = new Revocations({ realm: realm.realm })
    const over = { ...signRevocation(realm, { seq: 7n, peer, untilMs: BigInt(Date.now() - 1) }), signature: new Uint8Array(64) }
    const result = revocations.add([over])
    assert.equal(result.invalid, 0, 'not verified, so not counted as forged')
    assert.equal(result.learnt.length, 0)
  })

  test('a revocation is forgotten once its time is over', () => {
    let now = Date.now()
    const revocations = new Revocations({ realm: realm.realm, now: () => now })
    revocations.add([signRevocation(realm, { seq: 1n, peer, untilMs: BigInt(now + 1000) })])
    now += 1000
    assert.equal(revocations.isRevoked('x', peer), false)
    assert.equal(revocations.prune(), true)
    assert.equal(revocations.size, 0)
  })

  test('the file store keeps them (0600); a tampered entry is dropped when loaded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'realmesh-revocations-'))
    try {
      const path = join(dir, 'revocations.json')
      const first = new Revocations({ realm: realm.realm, store: fileRevocationStore(path) })
      first.add([signRevocation(realm, { seq: 1n, peer }), signRevocation(realm, { seq: 2n, jti: 'j' })])
      await first.idle()
      const { mode } = await import('node:fs/promises').then(async fs => fs.stat(path))
      assert.equal(mode & 0o777, 0o600)
      const stored = JSON.parse(await readFile(path, 'utf8')) as Array<{ reason: string }>
      assert.equal(stored.length, 2)
      stored[1] = { ...stored[1], reason: 'changed' }
      await writeFile(path, JSON.stringify(stored))
      const second = new Revocations({ realm: realm.realm, store: fileRevocationStore(path) })
      await second.load()
      assert.deepEqual(second.list().map(r => r.seq), [1n])
      await writeFile(path, '{ not json')
      const third = new Revocations({ realm: realm.realm, store: fileRevocationStore(path) })
      await third.load()
      assert.equal(third.size, 0, 'a damaged file is no revocations, not a crash')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('revocations among members', () => {
  const h = new Harness()
  let realm: Realm
  before(async () => { realm = await makeRealm('revocation-realm') })
  after(async () => { await h.stopAll() })

  /** a node bootstrapped through `through` (or the first one), joined */
  async function member (through?: RealmNode, key?: PrivateKey): Promise<RealmNode> {
    const privateKey = key ?? await generateNodeKey()
    const node = await h.node(realm, { privateKey, bootstrap: through == null ? [] : addrs(through).map(String) })
    await node.whenJoined({ signal: AbortSignal.timeout(10_000) })
    return node
  }

  test('a revocation handed to one member reaches all: each drops the peer and refuses it; the peer learns it; a member away learns it when it joins again', async (t) => {
    const a = await member()
    const others = [await member(a), await member(a), await member(a)]
    const awayKey = await generateNodeKey()
    const away = await member(a, awayKey)
    const victim = await member(a)
    const all = [a, ...others, away, victim]
    await until(() => all.every(n => n.membership.size === all.length - 1), all, ['peer:joined'], { what: 'every node a member of every other', timeoutMs: 20_000 })
    await away.stop()

    const target = victim.peerId.toString()
    const dropped = [a, ...others].map(async (n) => nextEvent<PeerLeftDetail>(n, 'peer:left', (d) => d.peer === target && d.reason === 'revoked', { timeoutMs: 10_000 }))
    const told = nextEvent<{ reason: string }>(victim, 'token:revoked', () => true, { timeoutMs: 10_000 })
    const started = Date.now()
    a.revocations.add([signRevocation(realm, { seq: 1n, peer: target, reason: 'key lost' })])
    await Promise.all(dropped)
    const spreadMs = Date.now() - started
    assert.equal((await told).reason, 'key lost', 'the revoked node hears the signed reason')
    for (const n of [a, ...others]) {
      assert.equal(n.revocations.seq, 1n)
      assert.equal(n.membership.has(target), false)
    }
    await until(() => [a, ...others].every(n => n.libp2p.getConnections(victim.peerId).length === 0), [a, ...others].map(n => n.libp2p), ['connection:close'], { what: 'no connection to the revoked peer', timeoutMs: 5_000 })
    // the revoked node cannot get back in
    await assert.rejects(victim.connect(others[0]?.peerId ?? a.peerId, { signal: AbortSignal.timeout(10_000) }), (err: Error & { code?: string }) => err.code === 'TOKEN_REVOKED')

    // the member that was away joins again (its data dir's key, nothing else) and is brought up to date by its first member
    const back = await member(others[1], awayKey)
    await until(() => back.revocations.seq === 1n, [back], ['peer:joined'], { what: 'the member back to learn the revocation', timeoutMs: 10_000 })
    await assert.rejects(victim.connect(addrs(back), { signal: AbortSignal.timeout(10_000) }), (err: Error & { code?: string }) => err.code === 'TOKEN_REVOKED')
    t.diagnostic(`revocation to the last of ${others.length + 1} members: ${spreadMs} ms`)
  })

  test('a member that relays a record of a peer revoked where it arrives is not charged; a forged record is', async () => {
    const a = await member()
    const relay = await member(a)
    const revokedKey = await generateNodeKey()
    const revokedToken = await realm.issue(revokedKey)
    a.revocations.add([signRevocation(realm, { seq: 1n, peer: peerIdFromPrivateKey(revokedKey).toString() })])
    const { signPeerRecord } = await import('../src/index.js')
    const record = signPeerRecord(revokedKey, revokedToken, [], BigInt(Date.now()))
    const { PROTOCOLS, PeersRequest } = await import('@realmesh/wire')
    const { Peers } = await import('../src/peers/peers.js')
    const peers = new Peers({ onRecords: async () => {}, piggyFor: () => [], closestRecords: () => [], onLeave: () => {}, onMalformed: () => {}, onNotices: () => {}, noticesSince: () => ({ revocations: [], epochs: [] }), noticeSeqs: () => ({ revocationSeq: 0n, epoch: 0n }), onNoticeSeqs: () => {} })
    await peers.send(async (o) => relay.openStream(a.peerId, PROTOCOLS.peers, o), { type: PeersRequest.Type.UPDATE, records: [record] })
    assert.equal(a.guard.scores.score(relay.peerId.toString()), 0, 'an honest forwarder of a record revoked since is not charged')
    const honestKey = await generateNodeKey()
    const forged = { ...signPeerRecord(honestKey, await realm.issue(honestKey), [], BigInt(Date.now())), signature: new Uint8Array(64) }
    await peers.send(async (o) => relay.openStream(a.peerId, PROTOCOLS.peers, o), { type: PeersRequest.Type.UPDATE, records: [forged] })
    assert.ok(a.guard.scores.score(relay.peerId.toString()) < 0, 'a record with a forged signature is charged to its sender')
  })

  test('a revocation of the identity a member joined with drops that member', async () => {
    const a = await member()
    const nodeKey = await generateNodeKey()
    const identityKey = await generateNodeKey()
    const identity = peerIdFromPrivateKey(identityKey)
    const identityToken = await issueIdentityToken(realm.leaderKey, { realm: realm.realm, subject: identity, node: peerIdFromPrivateKey(nodeKey) })
    const b = await h.node(realm, { privateKey: nodeKey, identityToken, identityKey, bootstrap: addrs(a).map(String) })
    await b.whenJoined({ signal: AbortSignal.timeout(10_000) })
    assert.equal(a.membership.get(b.peerId)?.identity.claims.sub, identity.toString())
    const left = nextEvent<PeerLeftDetail>(a, 'peer:left', (d) => d.peer === b.peerId.toString(), { timeoutMs: 10_000 })
    a.revocations.add([signRevocation(realm, { seq: 10n, peer: identity.toString(), reason: 'identity withdrawn' })])
    assert.equal((await left).reason, 'revoked')
  })
})
