/**
 * The leader's revocations: a revoked peer that simply asks again gets no token (with the join
 * secret or without), the operator cannot approve one for it, the revocations outlive a restart of
 * the service (revoked.json) and are handed to its node again, and a jti is revoked with its
 * renewals. Real RealmNodes, a real leader.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, it } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateNodeKey } from '@realmesh/token'
import { joinProof, until } from '@realmesh/node'
import { LeaderResponse } from '@realmesh/wire'
import { Cleanup, exchange, leaderRequest, startNode, startTestLeader } from './helpers.js'

const SECRET = 'a-long-enough-join-secret'

describe('revocation at the leader', () => {
  const cleanup = new Cleanup()
  afterEach(async () => { await cleanup.run() })

  it('a revoked peer that asks again gets TOKEN_REVOKED, with the join secret or for approval; the operator cannot issue it one', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'manual', joinSecret: SECRET } })
    const key = await generateNodeKey()
    const peer = peerIdFromPrivateKey(key)
    const asker = await startNode(cleanup, { realm: leader.realm, privateKey: key, nodeToken: undefined, joinOnStart: false })
    // before: the secret gets it a token at once
    const before = await exchange(asker, leader.address, leaderRequest({ joinProof: Uint8Array.from(joinProof(SECRET, peer, leader.node.peerId)) }))
    assert.equal(before.status, LeaderResponse.Status.ISSUED)

    const [revocation] = await leader.service.revoke(peer.toString(), { reason: 'stolen' })
    assert.equal(revocation?.peer, peer.toString())
    assert.equal(revocation?.jti, '')
    assert.equal(leader.node.revocations.isRevoked('any', peer.toString()), true, 'the leader\'s node enforces it')
    // and closes every connection of the peer, its unadmitted one included
    await until(() => asker.libp2p.getConnections(leader.node.peerId).length === 0, [asker.libp2p], ['connection:close'], { timeoutMs: 5_000 })

    const withSecret = await exchange(asker, leader.address, leaderRequest({ joinProof: Uint8Array.from(joinProof(SECRET, peer, leader.node.peerId)) }))
    assert.equal(withSecret.status, LeaderResponse.Status.DENIED)
    assert.equal(withSecret.code, 'TOKEN_REVOKED')
    const forApproval = await exchange(asker, leader.address, leaderRequest({}))
    assert.equal(forApproval.code, 'TOKEN_REVOKED')
    assert.deepEqual(leader.service.pending(), [], 'nothing queued for the operator')
    await assert.rejects(leader.service.issueNodeToken(peer), { code: 'PEER_REVOKED' })
  })

  it('revocations outlive a restart: revoked.json is read back and handed to the node; numbering goes on; a jti takes its renewals with it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'realmesh-revoke-'))
    cleanup.add(async () => { await rm(dir, { recursive: true, force: true }) })
    const first = await startTestLeader(cleanup, { dir })
    const peer = peerIdFromPrivateKey(await generateNodeKey()).toString()
    const token = await first.service.issueNodeToken(peer)
    const jti = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { jti: string }).jti
    const signed = await first.service.revoke(jti, { reason: 'token leaked' })
    assert.deepEqual(signed.map(r => [r.seq, r.peer, r.jti]), [[1n, peer, jti]], 'the jti, with its peer from issued.jsonl')
    await first.service.stop()
    await first.node.stop()

    const second = await startTestLeader(cleanup, { dir, key: first.key, realm: first.realm })
    assert.equal(second.node.revocations.isRevoked(jti, peer), true)
    assert.equal(second.service.refusesIssuance(peer), true, 'no token for the peer while its token is revoked')
    const [next] = await second.service.revoke(peerIdFromPrivateKey(await generateNodeKey()).toString())
    assert.equal(next?.seq, 2n)
  })
})
