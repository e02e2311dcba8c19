/**
 * Node token renewal: a member asks the leader for a new token at two thirds of its token's
 * lifetime, gets one with the same attributes without the operator, and its members keep it past
 * the old token's expiry once they have its re-signed record. Real RealmNodes, a real leader.
 */
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { generateNodeKey, issueNodeToken, verifyNodeToken } from '@realmesh/token'
import { requestNodeToken, until } from '@realmesh/node'
import { PROTOCOLS } from '@realmesh/wire'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Cleanup, nextEvent, startNode, startTestLeader, within } from './helpers.js'

const TTL = 6

describe('node token renewal', () => {
  const cleanup = new Cleanup()
  afterEach(async () => { await cleanup.run() })

  it('a member renews its token from the leader without the operator, and its members keep it past the old expiry', async () => {
    // manual policy: a first token needs the operator, a renewal does not
    const leader = await startTestLeader(cleanup, { policy: { mode: 'manual' } })
    const key = await generateNodeKey()
    const first = await issueNodeToken(leader.key, { realm: leader.realm, subject: peerIdFromPrivateKey(key), ttlSeconds: TTL, ext: { attrs: { role: 'sensor' } }, renewUntil: Math.floor(Date.now() / 1000) + 3600 })
    const old = await verifyNodeToken(first, { realm: leader.realm })
    const issued = nextEvent<{ peer: string, how: string, jti: string }>(leader.service, 'token:issued')
    const renewedToken = new Promise<string>((resolve) => {
      void startNode(cleanup, { realm: leader.realm, privateKey: key, nodeToken: first, bootstrap: [leader.address] }, {
        token: (evt) => { resolve((evt as CustomEvent<string>).detail) }
      })
    })
    const token = await within(renewedToken, 'the renewed token', 15_000)
    const renewed = await verifyNodeToken(token, { realm: leader.realm, expectedPeer: peerIdFromPrivateKey(key) })
    assert.notEqual(renewed.claims.jti, old.claims.jti)
    assert.ok(renewed.claims.exp > old.claims.exp)
    assert.ok(renewed.claims.iat < old.claims.exp, 'renewed before the old token expired')
    assert.deepEqual(renewed.claims.ext?.attrs, { role: 'sensor' }, 'the attributes of the token it renews')
    assert.equal(renewed.claims.renewUntil, old.claims.renewUntil, 'and its grant\'s end')
    assert.equal(renewed.claims.grantedAt, old.claims.grantedAt, 'and its grant\'s start (what coordinating subjects depends on)')
    assert.ok(renewed.claims.iat > (old.claims.grantedAt ?? 0))
    const event = await issued
    assert.equal(event.how, 'renewal')
    assert.equal(event.jti, renewed.claims.jti)
    assert.deepEqual(leader.service.pending(), [], 'no operator involved')

    // the leader learns the new token from the node's re-signed record
    const peer = peerIdFromPrivateKey(key).toString()
    await until(() => leader.node.membership.get(peer)?.expiresAt === renewed.claims.exp * 1000, [leader.node], ['peer:renewed'], { timeoutMs: 10_000 })
    // past the old token's expiry (a wall-clock time: that is what is tested), the sweep keeps it
    const untilExpired = old.claims.exp * 1000 - Date.now() + 50
    if (untilExpired > 0) await new Promise(resolve => setTimeout(resolve, untilExpired))
    assert.equal(leader.node.sweep(), 0)
    assert.ok(leader.node.members().some(m => m.id === peer))

    // revoking the token the operator knows of revokes its renewal too
    await leader.service.revoke(old.claims.jti)
    assert.equal(leader.service.isRevoked(renewed.claims.jti), true)
  })

  it('a leader whose policy is deny renews nothing: the node reports TOKEN_REQUEST_DENIED (token:renewal-failed)', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'deny' } })
    const key = await generateNodeKey()
    const first = await issueNodeToken(leader.key, { realm: leader.realm, subject: peerIdFromPrivateKey(key), ttlSeconds: TTL, renewUntil: Math.floor(Date.now() / 1000) + 3600 })
    const failed = new Promise<{ code: string, retryInMs?: number }>((resolve) => {
      void startNode(cleanup, { realm: leader.realm, privateKey: key, nodeToken: first, bootstrap: [leader.address] }, {
        'token:renewal-failed': (evt) => { resolve((evt as CustomEvent<{ code: string, retryInMs?: number }>).detail) }
      })
    })
    const detail = await within(failed, 'the refused renewal', 15_000)
    assert.equal(detail.code, 'TOKEN_REQUEST_DENIED')
  })

  it('a renewal never reaches past the grant: its exp stops at renewUntil; a token without renewUntil is not renewed (TOKEN_NOT_RENEWABLE)', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'manual' } })
    const now = Math.floor(Date.now() / 1000)
    const ask = async (renewUntil: number | undefined): Promise<string> => {
      const key = await generateNodeKey()
      const token = await issueNodeToken(leader.key, { realm: leader.realm, subject: peerIdFromPrivateKey(key), ttlSeconds: 3600, renewUntil })
      const node = await startNode(cleanup, { realm: leader.realm, privateKey: key, nodeToken: token, bootstrap: [leader.address], renewToken: false })
      await node.whenJoined({ signal: AbortSignal.timeout(10_000) })
      return requestNodeToken(async (o) => node.openStream(leader.node.peerId, PROTOCOLS.leader, o), node.peerId, leader.node.peerId, { signal: AbortSignal.timeout(10_000) })
    }
    const capped = await verifyNodeToken(await ask(now + 600), { realm: leader.realm })
    assert.ok(capped.claims.exp <= now + 600, `exp ${capped.claims.exp} within the grant (${now + 600})`)
    assert.equal(capped.claims.renewUntil, now + 600)
    await assert.rejects(ask(undefined), (err: Error & { code?: string }) => err.code === 'TOKEN_NOT_RENEWABLE')
  })
})
