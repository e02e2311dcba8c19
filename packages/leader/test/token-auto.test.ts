/**
 * Token requests under the 'auto' and 'deny' policies: real RealmNodes asking a real leader.
 */
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { verifyNodeToken } from '@realmesh/token'
import { LeaderRequest, LeaderResponse } from '@realmesh/wire'
import { joinProof } from '@realmesh/node'
import { peerIdFromString } from '@libp2p/peer-id'
import { Cleanup, exchange, leaderRequest, nextEvent, startNode, startTestLeader, within } from './helpers.js'
import type { RealmNode, RefusalDetail } from '@realmesh/node'

const SECRET = 'correct horse battery staple'

describe('token requests, policy auto', () => {
  const cleanup = new Cleanup()
  afterEach(async () => { await cleanup.run() })

  it('issues a token to a node that proves the join secret, and the node joins', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'auto', joinSecret: SECRET, ttlSeconds: 3600, allowedAttributes: { role: ['user', 'sensor'], site: '*' } } })
    const issuedEvent = nextEvent<{ peer: string, jti: string, how: string }>(leader.service, 'token:issued')
    let token: string | undefined
    const node = await startNode(cleanup, {
      realm: leader.realm,
      bootstrap: [leader.address],
      tokenRequest: { joinSecret: SECRET, ttlSeconds: 600, attributes: { role: 'sensor', site: 'lab' } }
    }, { token: (evt) => { token = (evt as CustomEvent<string>).detail } })
    await within(node.whenJoined(), 'the node to join')

    assert.ok(token !== undefined)
    const verified = await verifyNodeToken(token, { realm: leader.realm, expectedPeer: node.peerId })
    assert.equal(verified.issuer, leader.realm.leader.peerId)
    assert.deepEqual(verified.claims.ext?.attrs, { role: 'sensor', site: 'lab' })
    // the node asked for less than the policy allows: it gets what it asked for
    assert.equal(verified.claims.exp - verified.claims.iat, 600)
    const issued = await issuedEvent
    assert.equal(issued.peer, node.peerId.toString())
    assert.equal(issued.how, 'auto')
    assert.equal(issued.jti, verified.claims.jti)
    assert.deepEqual(leader.service.pending(), [])
  })

  it('refuses attributes the policy does not allow with ATTRIBUTES_NOT_ALLOWED, and issues nothing', async () => {
    const proofFor = (client: RealmNode): Uint8Array<ArrayBuffer> => Uint8Array.from(joinProof(SECRET, client.peerId, peerIdFromString(leader.realm.leader.peerId)))
    const leader = await startTestLeader(cleanup, { policy: { mode: 'auto', joinSecret: SECRET, allowedAttributes: { role: ['user', 'sensor'], site: '*' } } })
    const issued: string[] = []
    leader.service.addEventListener('token:issued', (evt) => { issued.push(evt.detail.peer) })
    const client = await startNode(cleanup, { realm: leader.realm, bootstrap: [] })
    const asks: Array<[Record<string, string>, string]> = [
      [{ role: 'admin' }, 'a value outside the list'],
      [{ role: 'user', owner: 'me' }, 'a name not in the policy']
    ]
    for (const [attributes, what] of asks) {
      const response = await exchange(client, leader.address, leaderRequest({ joinProof: proofFor(client), attributes: new Map(Object.entries(attributes)) }))
      assert.equal(response.status, LeaderResponse.Status.DENIED, what)
      assert.equal(response.code, 'ATTRIBUTES_NOT_ALLOWED', what)
      assert.equal(response.token, '', what)
    }
    assert.deepEqual(issued, [])
    const allowed = await exchange(client, leader.address, leaderRequest({ joinProof: proofFor(client), attributes: new Map([['role', 'sensor'], ['site', 'any place']]) }))
    assert.equal(allowed.status, LeaderResponse.Status.ISSUED)
    assert.deepEqual((await verifyNodeToken(allowed.token, { realm: leader.realm })).claims.ext?.attrs, { role: 'sensor', site: 'any place' })

    // the default policy grants no attribute at all on a proof
    const strict = await startTestLeader(cleanup, { policy: { mode: 'auto', joinSecret: SECRET } })
    const proof = Uint8Array.from(joinProof(SECRET, client.peerId, peerIdFromString(strict.realm.leader.peerId)))
    const refused = await exchange(client, strict.address, leaderRequest({ joinProof: proof, attributes: new Map([['role', 'user']]) }))
    assert.equal(refused.code, 'ATTRIBUTES_NOT_ALLOWED')
    assert.equal((await exchange(client, strict.address, leaderRequest({ joinProof: proof }))).status, LeaderResponse.Status.ISSUED)
  })

  it('caps the requested lifetime at the policy ttl', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'auto', joinSecret: SECRET, ttlSeconds: 120 } })
    const client = await startNode(cleanup, { realm: leader.realm, bootstrap: [] })
    const response = await exchange(client, leader.address, leaderRequest({
      joinProof: Uint8Array.from(joinProof(SECRET, client.peerId, peerIdFromString(leader.realm.leader.peerId))),
      ttlSeconds: 1_000_000
    }))
    assert.equal(response.status, LeaderResponse.Status.ISSUED)
    const verified = await verifyNodeToken(response.token, { realm: leader.realm, expectedPeer: client.peerId })
    assert.equal(verified.claims.exp - verified.claims.iat, 120)
  })

  it('refuses a wrong join secret with JOIN_SECRET_INVALID, and the realm is unaffected', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'auto', joinSecret: SECRET } })
    const denials: Array<{ peer: string, code: string }> = []
    leader.service.addEventListener('request:denied', (evt) => { denials.push(evt.detail) })
    const intruder = await startNode(cleanup, { realm: leader.realm, bootstrap: [leader.address], tokenRequest: { joinSecret: 'wrong' } })
    await assert.rejects(within(intruder.whenJoined(), 'the intruder to be refused'), (err: { code?: string }) => err.code === 'JOIN_SECRET_INVALID')
    assert.equal(intruder.hasToken(), false)
    assert.deepEqual(denials.map(d => d.code), ['JOIN_SECRET_INVALID'])
    assert.equal(denials[0]?.peer, intruder.peerId.toString())

    // the realm goes on: an honest node still gets in, and the intruder is nobody's member
    const honest = await startNode(cleanup, { realm: leader.realm, bootstrap: [leader.address], tokenRequest: { joinSecret: SECRET } })
    await within(honest.whenJoined(), 'the honest node to join')
    const members = leader.node.members().map(m => m.id)
    assert.ok(members.includes(honest.peerId.toString()))
    assert.ok(!members.includes(intruder.peerId.toString()))
    assert.deepEqual(leader.service.pending(), [])
  })

  it('emits bootstrap:failed with JOIN_SECRET_INVALID on the refused node', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'auto', joinSecret: SECRET } })
    const events: RefusalDetail[] = []
    const intruder = await startNode(cleanup, { realm: leader.realm, bootstrap: [leader.address], tokenRequest: { joinSecret: 'wrong' } }, {
      'bootstrap:failed': (evt) => { events.push((evt as CustomEvent<RefusalDetail>).detail) }
    })
    await assert.rejects(within(intruder.whenJoined(), 'the refusal'))
    assert.deepEqual(events.map(e => e.code), ['JOIN_SECRET_INVALID'])
  })

  it('refuses a request without a proof with JOIN_SECRET_INVALID', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'auto', joinSecret: SECRET } })
    const client = await startNode(cleanup, { realm: leader.realm, bootstrap: [] })
    const response = await exchange(client, leader.address, leaderRequest({ type: LeaderRequest.Type.TOKEN }))
    assert.equal(response.status, LeaderResponse.Status.DENIED)
    assert.equal(response.code, 'JOIN_SECRET_INVALID')
    assert.equal(response.token, '')
  })

  it('a proof made for another peer does not work for this one', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'auto', joinSecret: SECRET } })
    const client = await startNode(cleanup, { realm: leader.realm, bootstrap: [] })
    const other = await startNode(cleanup, { realm: leader.realm, bootstrap: [] })
    const stolen = Uint8Array.from(joinProof(SECRET, other.peerId, peerIdFromString(leader.realm.leader.peerId)))
    const response = await exchange(client, leader.address, leaderRequest({ joinProof: stolen }))
    assert.equal(response.status, LeaderResponse.Status.DENIED)
    assert.equal(response.code, 'JOIN_SECRET_INVALID')
  })
})

describe('token requests, policy deny', () => {
  const cleanup = new Cleanup()
  afterEach(async () => { await cleanup.run() })

  it('refuses every request with TOKEN_REQUEST_DENIED, even with a valid proof', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'deny', joinSecret: SECRET } })
    const events: RefusalDetail[] = []
    const node = await startNode(cleanup, { realm: leader.realm, bootstrap: [leader.address], tokenRequest: { joinSecret: SECRET } }, {
      'bootstrap:failed': (evt) => { events.push((evt as CustomEvent<RefusalDetail>).detail) }
    })
    await assert.rejects(within(node.whenJoined(), 'the refusal'), (err: { code?: string }) => err.code === 'TOKEN_REQUEST_DENIED')
    assert.deepEqual(events.map(e => e.code), ['TOKEN_REQUEST_DENIED'])
    assert.deepEqual(leader.service.pending(), [])
  })
})
