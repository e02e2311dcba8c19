/**
 * Deferred authentication (seed 001 step 2 note): a member whose authenticate callback defers a
 * joiner asks the leader; the joiner is told DEFERRED, retries, and gets in once the leader approves.
 */
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { defer, allow } from '@realmesh/node'
import { generateNodeKey, issueIdentityToken } from '@realmesh/token'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { LeaderRequest, LeaderResponse } from '@realmesh/wire'
import { Cleanup, deferOnMember, dialable, exchange, leaderRequest, nextEvent, startNode, startTestLeader, within } from './helpers.js'
import type { TestLeader } from './helpers.js'
import type { PendingRequest } from '../src/index.js'
import type { RealmNode, RefusalDetail } from '@realmesh/node'
import type { TokenPolicy } from '../src/index.js'
import type { PeerId } from '@libp2p/interface'

/** A leader, a member B (joined through the leader) whose authenticate defers `deferred` peers. */
async function realmWithGatekeeper (cleanup: Cleanup, deferred: TokenPolicy['deferred']): Promise<{ leader: TestLeader, gatekeeper: RealmNode, deferredPeers: Set<string> }> {
  const leader = await startTestLeader(cleanup, { policy: { mode: 'deny', deferred } })
  const deferredPeers = new Set<string>()
  const key = await generateNodeKey()
  const gatekeeper = await startNode(cleanup, {
    realm: leader.realm,
    privateKey: key,
    nodeToken: await leader.service.issueNodeToken(peerIdFromPrivateKey(key)),
    bootstrap: [leader.address],
    authenticate: (context) => deferredPeers.has(context.peer.toString()) ? defer('unknown to this member') : allow,
    join: { deferRetryMs: 100 }
  })
  await within(gatekeeper.whenJoined(), 'the gatekeeper to join')
  return { leader, gatekeeper, deferredPeers }
}

async function joinerKey (): Promise<{ key: Awaited<ReturnType<typeof generateNodeKey>>, peerId: PeerId }> {
  const key = await generateNodeKey()
  return { key, peerId: peerIdFromPrivateKey(key) }
}

describe('deferred authentication', () => {
  const cleanup = new Cleanup()
  afterEach(async () => { await cleanup.run() })

  it('policy approve: the joiner is deferred once, then its retry succeeds', async () => {
    const { leader, gatekeeper, deferredPeers } = await realmWithGatekeeper(cleanup, 'approve')
    const { key, peerId } = await joinerKey()
    deferredPeers.add(peerId.toString())
    const deferredEvent = Promise.withResolvers<{ peer: string }>()
    const joiner = await startNode(cleanup, {
      realm: leader.realm,
      privateKey: key,
      nodeToken: await leader.service.issueNodeToken(peerId),
      bootstrap: [dialable(gatekeeper)]
    }, { 'join:deferred': (evt) => { deferredEvent.resolve((evt as CustomEvent<{ peer: string }>).detail) } })
    assert.equal((await within(deferredEvent.promise, 'join:deferred')).peer, gatekeeper.peerId.toString())
    await within(joiner.whenJoined(), 'the deferred joiner to get in')
    assert.ok(gatekeeper.members().some(m => m.id === peerId.toString()))
    assert.deepEqual(leader.service.pending(), [])
  })

  it('policy manual: the identity waits for the operator; after approve the joiner gets in', async () => {
    const { leader, gatekeeper, deferredPeers } = await realmWithGatekeeper(cleanup, 'manual')
    const { key, peerId } = await joinerKey()
    deferredPeers.add(peerId.toString())
    const queued = nextEvent<PendingRequest>(leader.service, 'request:pending')
    const joiner = await startNode(cleanup, {
      realm: leader.realm,
      privateKey: key,
      nodeToken: await leader.service.issueNodeToken(peerId, { attrs: { team: 'blue' } }),
      bootstrap: [dialable(gatekeeper)]
    })
    const request = await queued
    assert.equal(request.kind, 'deferred')
    assert.equal(request.peer, gatekeeper.peerId.toString())
    assert.equal(request.identity, peerId.toString())
    assert.deepEqual(request.attributes, { team: 'blue' })
    // the joiner keeps being deferred while the operator thinks; nothing else queues up
    await nextEvent(joiner, 'join:deferred')
    assert.equal(leader.service.pending().length, 1)
    assert.equal(joiner.joined, false)

    await leader.service.approve(request.id)
    await within(joiner.whenJoined(), 'the joiner to get in after approval')
    assert.ok(gatekeeper.members().some(m => m.id === peerId.toString()))
  })

  it('policy manual, operator denies: the joiner is refused with JOIN_DENIED_BY_LEADER', async () => {
    const { leader, gatekeeper, deferredPeers } = await realmWithGatekeeper(cleanup, 'manual')
    const { key, peerId } = await joinerKey()
    deferredPeers.add(peerId.toString())
    const queued = nextEvent<PendingRequest>(leader.service, 'request:pending')
    const failed = Promise.withResolvers<RefusalDetail>()
    const joiner = await startNode(cleanup, {
      realm: leader.realm,
      privateKey: key,
      nodeToken: await leader.service.issueNodeToken(peerId),
      bootstrap: [dialable(gatekeeper)]
    }, { 'bootstrap:failed': (evt) => { failed.resolve((evt as CustomEvent<RefusalDetail>).detail) } })
    const request = await queued
    await leader.service.deny(request.id, 'not this one')
    const detail = await within(failed.promise, 'the refusal')
    assert.equal(detail.code, 'JOIN_DENIED_BY_LEADER')
    assert.equal(joiner.joined, false)
  })

  it('policy deny: the joiner is refused with JOIN_DENIED_BY_LEADER', async () => {
    const { leader, gatekeeper, deferredPeers } = await realmWithGatekeeper(cleanup, 'deny')
    const { key, peerId } = await joinerKey()
    deferredPeers.add(peerId.toString())
    const failed = Promise.withResolvers<RefusalDetail>()
    await startNode(cleanup, {
      realm: leader.realm,
      privateKey: key,
      nodeToken: await leader.service.issueNodeToken(peerId),
      bootstrap: [dialable(gatekeeper)]
    }, { 'bootstrap:failed': (evt) => { failed.resolve((evt as CustomEvent<RefusalDetail>).detail) } })
    assert.equal((await within(failed.promise, 'the refusal')).code, 'JOIN_DENIED_BY_LEADER')
    assert.deepEqual(leader.service.pending(), [])
  })

  it('DEFER from a non-member is refused with NOT_A_MEMBER and leaves no state', async () => {
    const leader = await startTestLeader(cleanup, { policy: { deferred: 'manual' } })
    const outsider = await startNode(cleanup, { realm: leader.realm, bootstrap: [] })
    const identity = await issueIdentityToken(leader.key, { realm: leader.realm, subject: outsider.peerId })
    const response = await exchange(outsider, leader.address, leaderRequest({ type: LeaderRequest.Type.DEFER, identityToken: identity }))
    assert.equal(response.status, LeaderResponse.Status.DENIED)
    assert.equal(response.code, 'NOT_A_MEMBER')
    assert.deepEqual(leader.service.pending(), [])
  })

  it('DEFER of an invalid or revoked identity token is refused with the token\'s code', async () => {
    const { leader, gatekeeper } = await realmWithGatekeeper(cleanup, 'approve')
    const ask = async (identityToken: string): Promise<LeaderResponse> => deferOnMember(gatekeeper, leader.node.peerId, identityToken)
    const stranger = await generateNodeKey()
    const foreign = await issueIdentityToken(stranger, { realm: leader.realm, subject: peerIdFromPrivateKey(stranger) })
    const untrusted = await ask(foreign)
    assert.equal(untrusted.status, LeaderResponse.Status.DENIED)
    assert.equal(untrusted.code, 'TOKEN_UNTRUSTED_ISSUER')

    const garbage = await ask('not.a.token')
    assert.equal(garbage.code, 'TOKEN_MALFORMED')

    const { peerId } = await joinerKey()
    const good = await issueIdentityToken(leader.key, { realm: leader.realm, subject: peerId, jti: 'revoke-me' })
    assert.equal((await ask(good)).status, LeaderResponse.Status.APPROVED)
    await leader.service.revoke('revoke-me')
    assert.equal(leader.service.isRevoked('revoke-me'), true)
    const revoked = await ask(good)
    assert.equal(revoked.code, 'TOKEN_REVOKED')
  })
})
