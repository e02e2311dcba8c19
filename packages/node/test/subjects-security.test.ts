// What the subject layer refuses: forged or expired interests (with their codes, as offences),
// non-members on the subject and message protocols, counterparts outside an audience or refused
// by authorize, and messages above the size limit (the stream goes on).
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateNodeKey, issueIdentityToken, issueInterestToken, issueNodeToken, subjectKey } from '@realmesh/token'
import { Frames, FRAME_LIMITS, PROTOCOLS, SubjectRequest, SubjectResponse } from '@realmesh/wire'
import { signPeerRecord, until } from '../src/index.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import { realmOf, text, str } from './subjects-fixtures.js'
import type { Realm } from './fixtures.js'
import type { Audience } from '@realmesh/token'
import type { RealmNode } from '../src/index.js'
import type { PrivateKey, Stream } from '@libp2p/interface'

async function subjectRequest (from: RealmNode, to: RealmNode, request: Partial<SubjectRequest>): Promise<string | undefined> {
  const stream = await from.openStream(to.peerId, PROTOCOLS.subject)
  const frames = new Frames(stream, { protocol: PROTOCOLS.subject, maxSize: FRAME_LIMITS.subject })
  await frames.write(SubjectRequest, { type: SubjectRequest.Type.REGISTER, identityToken: '', interestToken: '', key: new Uint8Array(32), ...request })
  const response = await frames.read(SubjectResponse, { signal: AbortSignal.timeout(5_000) })
  await stream.close().catch(() => {})
  return response.error?.code
}

/** true when the remote closes or resets the stream without answering */
async function refused (stream: Stream): Promise<boolean> {
  try {
    for await (const chunk of stream) if (chunk.byteLength > 0) return false
    return true
  } catch {
    return true
  }
}

describe('subjects: refusals', () => {
  const h = new Harness()
  let realm: Realm
  let nodes: RealmNode[]
  before(async () => {
    realm = await makeRealm()
    nodes = await realmOf(h, realm, 4)
  })
  after(async () => { await h.stopAll() })

  test('a coordinator refuses forged, misdirected and expired interests with their codes, stores none, and counts the forgeries', async () => {
    const [coordinator] = nodes as [RealmNode]
    const key: PrivateKey = await generateNodeKey()
    const nodeToken = await realm.issue(key)
    const member = await h.node(realm, { privateKey: key, nodeToken, bootstrap: addrs(coordinator).map(String) })
    await member.whenJoined({ signal: AbortSignal.timeout(10_000) })
    const self = peerIdFromPrivateKey(key)
    const record = signPeerRecord(key, nodeToken, addrs(member), BigInt(Date.now()))
    const subject = 'forged'
    const subjectBytes = Uint8Array.from(subjectKey(realm.realm.id, subject))
    const interest = async (signer: PrivateKey, over: { node?: typeof self, now?: () => number, subject?: string } = {}): Promise<string> =>
      issueInterestToken(signer, { realm: realm.realm, subject: over.subject ?? subject, role: 'receiver', node: over.node ?? self, ttlSeconds: 60, now: over.now })
    const register = async (interestToken: string): Promise<string | undefined> =>
      subjectRequest(member, coordinator, { type: SubjectRequest.Type.REGISTER, interestToken, identityToken: nodeToken, record, key: subjectBytes })

    const good = await interest(key)
    const tampered = good.slice(0, -4) + (good.endsWith('AAAA') ? 'BBBB' : 'AAAA')
    const other = await generateNodeKey()
    const cases: Array<[string, string]> = [
      [tampered, 'TOKEN_BAD_SIGNATURE'],
      [await interest(other), 'INTEREST_IDENTITY_MISMATCH'],
      [await interest(key, { node: peerIdFromPrivateKey(other) }), 'INTEREST_NODE_MISMATCH'],
      [await interest(key, { subject: 'another subject' }), 'INTEREST_SUBJECT_MISMATCH'],
      [await interest(key, { now: () => Date.now() - 3_600_000 }), 'TOKEN_EXPIRED']
    ]
    const before = coordinator.guard.scores.score(self.toString())
    for (const [token, code] of cases) assert.equal(await register(token), code)
    const after = coordinator.guard.scores.score(self.toString())
    assert.ok(after <= before - 35, `four forgeries cost at least 35 points (score ${before} -> ${after}); an expired token none`)
    const keyHex = Buffer.from(subjectBytes).toString('hex')
    assert.equal(coordinator.subjectLayer.coordinator.store.interests(keyHex).length, 0)
    // the real thing is accepted and stored
    assert.equal(await register(good), undefined)
    assert.equal(coordinator.subjectLayer.coordinator.store.interests(keyHex).length, 1)
    // a forged MATCH is refused by a node as a coordinator would refuse it
    await coordinator.subscribe(subject, () => {})
    assert.equal(await subjectRequest(member, coordinator, { type: SubjectRequest.Type.MATCH, interestToken: tampered, identityToken: nodeToken, record, key: subjectBytes }), 'TOKEN_BAD_SIGNATURE')
    // and only the node an interest names may withdraw it
    assert.equal(await subjectRequest(nodes[1] as RealmNode, coordinator, { type: SubjectRequest.Type.WITHDRAW, interestToken: good, key: subjectBytes }), 'INTEREST_NODE_MISMATCH')
    assert.ok(coordinator.subjectLayer.coordinator.store.interests(keyHex).some(i => i.identity === self.toString()), 'still registered')
  })

  test('an identity other than the node signs its interests with its own key; counterparts see the identity', async () => {
    const [first, publisher] = nodes as [RealmNode, RealmNode]
    const nodeKey = await generateNodeKey()
    const identityKey = await generateNodeKey()
    const identity = peerIdFromPrivateKey(identityKey).toString()
    const identityToken = await issueIdentityToken(realm.leaderKey, { realm: realm.realm, subject: peerIdFromPrivateKey(identityKey), node: peerIdFromPrivateKey(nodeKey) })
    const withoutKey = await h.node(realm, { privateKey: await generateNodeKey(), identityToken, bootstrap: addrs(first).map(String) })
    await assert.rejects(withoutKey.subscribe('people', () => {}), (err: Error & { code?: string }) => err.code === 'NODE_STATE')
    const user = await h.node(realm, { privateKey: nodeKey, identityToken, identityKey, bootstrap: addrs(first).map(String) })
    await user.whenJoined({ signal: AbortSignal.timeout(10_000) })
    const from: string[] = []
    await user.subscribe('people', (m) => { from.push(m.from) })
    const r = await publisher.publish('people', text('hi'), { ack: 'destination', audience: { kind: 'identities', ids: [identity] } })
    assert.deepEqual(r.results?.map(x => [x.receiver, x.peer, x.status]), [[identity, user.peerId.toString(), 'delivered']])
    const back = await user.publish('people-back', text('hello'))
    assert.equal(back.cached, true)
    await publisher.subscribe('people-back', (m) => { from.push(m.from) })
    await until(() => from.length === 2, [publisher], ['message'], { what: 'the identity\'s message' })
    assert.deepEqual(from, [publisher.peerId.toString(), identity])
  })

  test('a peer that has not joined can open neither the subject, the message nor the direct protocol', async () => {
    const [target] = nodes as [RealmNode]
    const raw = await h.raw()
    for (const protocol of [PROTOCOLS.subject, PROTOCOLS.message, PROTOCOLS.direct]) {
      const stream = await raw.dialProtocol(addrs(target), protocol).catch(() => undefined)
      if (stream == null) continue
      try {
        stream.send(new Uint8Array(40).fill(1))
      } catch {
        // already closed by the gate: that is the refusal
      }
      assert.ok(await refused(stream), `${protocol} answered a non-member`)
    }
  })

  test('a message above the limit is refused with MESSAGE_TOO_LARGE and the stream goes on', async () => {
    const [a, b] = nodes as [RealmNode, RealmNode]
    const got: number[] = []
    await a.subscribe('sizes', (m) => { got.push(m.data.byteLength) }, { maxMessageBytes: 1000 })
    assert.equal((await b.publish('sizes', new Uint8Array(10), { ack: 'destination', maxMessageBytes: 2000 })).results?.[0]?.status, 'delivered')
    // above the publication's own limit: refused before anything is sent
    await assert.rejects(b.publish('sizes', new Uint8Array(2001), { ack: 'destination' }), (err: Error & { code?: string }) => err.code === 'MESSAGE_TOO_LARGE')
    // within it, above the subscriber's: that receiver's result says so
    const big = await b.publish('sizes', new Uint8Array(1500), { ack: 'destination' })
    assert.deepEqual(big.results?.map(r => [r.status, r.code]), [['rejected', 'MESSAGE_TOO_LARGE']])
    const streams = a.messageStats().streams
    assert.equal((await b.publish('sizes', new Uint8Array(20), { ack: 'destination' })).results?.[0]?.status, 'delivered')
    assert.deepEqual(got, [10, 20])
    assert.equal(a.messageStats().streams, streams, 'the same stream went on')
  })

  test('a node outside the audience never receives: identities and attribute audiences, both directions', async () => {
    const [a, b, c, d] = nodes as [RealmNode, RealmNode, RealmNode, RealmNode]
    const got = new Map<string, string[]>()
    const record = (node: RealmNode) => (m: { data: Uint8Array }): void => { got.set(node.peerId.toString(), [...(got.get(node.peerId.toString()) ?? []), str(m.data)]) }
    await a.subscribe('private', record(a))
    await d.subscribe('private', record(d))
    // the publisher's audience names only a
    const r = await b.publish('private', text('for a only'), { ack: 'destination', audience: { kind: 'identities', ids: [a.peerId.toString()] } })
    assert.deepEqual(r.results?.map(x => x.receiver), [a.peerId.toString()])
    // a subscriber whose audience excludes the publisher
    await c.subscribe('private', record(c), { audience: { kind: 'identities', ids: [d.peerId.toString()] } })
    await b.publish('private', text('second'), { ack: 'destination' })
    assert.deepEqual(got.get(a.peerId.toString()), ['for a only', 'second'])
    assert.equal(got.get(d.peerId.toString()), undefined)
    assert.equal(got.get(c.peerId.toString()), undefined)
    assert.ok(!d.subjects().some(s => s.counterparts.some(x => x.peer === b.peerId.toString())), 'd was never matched with b')
  })

  test('attribute audience: only identities whose token carries the attribute are matched', async () => {
    const [first] = nodes as [RealmNode]
    const withTeam = async (team: string): Promise<RealmNode> => {
      const key = await generateNodeKey()
      const nodeToken = await issueNodeToken(realm.leaderKey, { realm: realm.realm, subject: peerIdFromPrivateKey(key), ext: { attrs: { team } } })
      const node = await h.node(realm, { privateKey: key, nodeToken, bootstrap: addrs(first).map(String) })
      await node.whenJoined({ signal: AbortSignal.timeout(10_000) })
      return node
    }
    const [red, blue, subscriber] = await Promise.all([withTeam('red'), withTeam('blue'), withTeam('red')])
    const got: string[] = []
    await subscriber.subscribe('team', (m) => { got.push(str(m.data)) }, { audience: { kind: 'attribute', name: 'team', value: 'red' } })
    assert.equal((await red.publish('team', text('red'), { ack: 'destination' })).results?.[0]?.status, 'delivered')
    const fromBlue = await blue.publish('team', text('blue'), { ack: 'destination', ttlMs: 1_500 })
    assert.deepEqual(fromBlue.results ?? [], [], 'blue was never matched')
    assert.equal(fromBlue.code, 'MESSAGE_EXPIRED')
    assert.deepEqual(got, ['red'])
  })

  test('the subscriber\'s authorize callback refuses a sender: its messages are rejected, others go through', async () => {
    const [a, b, c] = nodes as [RealmNode, RealmNode, RealmNode]
    const got: string[] = []
    const asked: string[] = []
    await a.subscribe('guarded', (m) => { got.push(str(m.data)) }, {
      authorize: (peer) => {
        asked.push(peer.identity)
        return peer.identity !== b.peerId.toString()
      }
    })
    const fromB = await b.publish('guarded', text('from b'), { ack: 'destination' })
    assert.deepEqual(fromB.results?.map(r => [r.status, r.code]), [['rejected', 'SUBJECT_UNAUTHORIZED']])
    assert.equal((await c.publish('guarded', text('from c'), { ack: 'destination' })).results?.[0]?.status, 'delivered')
    assert.deepEqual(got, ['from c'])
    assert.ok(asked.includes(b.peerId.toString()) && asked.includes(c.peerId.toString()))
    await until(() => !b.subjects().some(s => s.subject === 'guarded' && s.counterparts.length > 0), [b], ['subject:matched'], { what: 'b to forget a' })
  })

  test('a use that asks for another audience than the subject\'s interest has is SUBJECT_AUDIENCE_CONFLICT and changes nothing; one that gives none shares it', async () => {
    const [a, b, c] = nodes as [RealmNode, RealmNode, RealmNode]
    const forB: Audience = { kind: 'identities', ids: [b.peerId.toString()] }
    const sub = await a.subscribe('narrow', () => {}, { audience: forB })
    const conflict = (err: Error & { code?: string }): boolean => err.code === 'SUBJECT_AUDIENCE_CONFLICT' && err.message.includes(b.peerId.toString())
    await assert.rejects(a.publish('narrow', text('to all'), { audience: { kind: 'public' } }), conflict)
    await assert.rejects(a.subscribe('narrow', () => {}, { audience: { kind: 'identities', ids: [c.peerId.toString()] } }), conflict)
    const status = (): unknown => a.subjects().find(s => s.subject === 'narrow')
    assert.deepEqual(status(), { ...(status() as object), role: 'receiver', audience: forB }, 'nothing changed')
    // the same identities (once or repeated, in any order) are the same audience; none given shares it
    await a.publish('narrow', text('shared'), { audience: { kind: 'identities', ids: [b.peerId.toString(), b.peerId.toString()] } })
    await a.publish('narrow', text('shared too'))
    assert.deepEqual(status(), { ...(status() as object), role: 'both', audience: forB })
    await sub.unsubscribe()
  })
})
