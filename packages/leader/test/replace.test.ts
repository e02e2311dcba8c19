/**
 * Replacing a node (seed 000): the old node is revoked, the new one gets a node token with the old
 * one's attributes and grant end, and the identity the old node carried (a new identity token
 * bound to the new node). With the leader directory alone (replaceOffline), and through a running
 * LeaderService with real nodes: a subscriber whose audience names the identity gets the
 * replacement's messages (the audience filter itself is tested in @realmesh/node). Refusals are typed and change nothing.
 */
import assert from 'node:assert/strict'
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, afterEach, before, describe, it } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { decodeTokenUnverified, fingerprintHex, generateNodeKey, verifyIdentityToken, verifyNodeToken } from '@realmesh/token'
import { initLeader, issueIdentityOffline, issueOffline, readRevocations, replaceOffline, revokeOffline } from '../src/index.js'
import { Cleanup, nextEvent, startNode, startTestLeader, within } from './helpers.js'
import type { IssuedEntry, LeaderError } from '../src/index.js'
import type { RealmDescriptor } from '@realmesh/token'

async function newPeer (): Promise<string> {
  return peerIdFromPrivateKey(await generateNodeKey()).toString()
}

interface Claims { sub: string, iat: number, exp: number, jti: string, renewUntil?: number, ext?: { attrs?: Record<string, string>, node?: string } }

function claimsOf (token: string): Claims {
  return decodeTokenUnverified(token).claims as unknown as Claims
}

function code (expected: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.equal((err as LeaderError).code, expected, (err as Error).message)
    return true
  }
}

describe('replace with the leader directory', () => {
  let root: string
  let dir: string
  let realm: RealmDescriptor
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'realmesh-replace-'))
    dir = join(root, 'leader')
    realm = (await initLeader({ dir, name: 'replace' })).realm
  })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  const state = async (): Promise<[string, string]> => [
    await readFile(join(dir, 'issued.jsonl'), 'utf8'),
    await readFile(join(dir, 'revoked.json'), 'utf8').catch(() => '')
  ]

  it('carries the attributes, the grant end and the identity to the new node, and revokes the old one', async () => {
    const [old, next, identity] = [await newPeer(), await newPeer(), await newPeer()]
    const oldToken = claimsOf(await issueOffline({ dir, peer: old, ttlSeconds: 3600, attrs: { role: 'sensor', site: 'b7' }, renewable: true, maxLifetimeSeconds: 7200 }))
    const oldIdentity = claimsOf(await issueIdentityOffline({ dir, identity, node: old, ttlSeconds: 1800, attrs: { team: 'ops' } }))

    const result = await replaceOffline({ dir, old, new: next })

    const node = await verifyNodeToken(result.nodeToken, { realm, expectedPeer: next })
    assert.deepEqual(node.claims.ext?.attrs, { role: 'sensor', site: 'b7' }, 'the old token\'s attributes')
    assert.equal(node.claims.renewUntil, oldToken.renewUntil, 'the old grant\'s end')
    assert.ok(node.claims.exp - node.claims.iat <= 3600, 'no longer than the old token lived')
    assert.ok(result.identityToken !== undefined, 'the old node carried an identity')
    const id = await verifyIdentityToken(result.identityToken, { realm, expectedNode: next })
    assert.equal(id.claims.sub, identity)
    assert.equal(id.claims.ext?.node, fingerprintHex(next))
    assert.deepEqual(id.claims.ext?.attrs, { team: 'ops' })
    assert.equal(id.claims.exp, oldIdentity.exp, 'the identity lasts on the new node as long as it would have on the old one')

    assert.deepEqual(result.revocations.map(r => [r.peer, r.jti, r.reason]), [[old, '', `replaced by ${next}`]])
    const { peers } = await readRevocations(dir)
    assert.ok(peers.some(p => p.peer === old))
    await assert.rejects(issueOffline({ dir, peer: old }), code('PEER_REVOKED'))

    const log = (await readFile(join(dir, 'issued.jsonl'), 'utf8')).trim().split('\n').map(l => JSON.parse(l) as IssuedEntry)
    const replacements = log.filter(e => e.how === 'replacement')
    assert.deepEqual(replacements.map(e => [e.kind, e.peer, e.node, e.replaces]), [
      ['node', next, undefined, oldToken.jti],
      ['identity', identity, next, oldIdentity.jti]
    ])
  })

  it('a grant that was not renewable ends where the old token ends; a node without an identity gets none', async () => {
    const [old, next] = [await newPeer(), await newPeer()]
    const oldToken = claimsOf(await issueOffline({ dir, peer: old, ttlSeconds: 600 }))
    const result = await replaceOffline({ dir, old, new: next })
    const node = claimsOf(result.nodeToken)
    assert.equal(node.exp, oldToken.exp)
    assert.equal(node.renewUntil, undefined)
    assert.equal(node.ext, undefined, 'no attributes')
    assert.equal(result.identityToken, undefined)
  })

  it('takes the newest token of the old node (its latest grant and identity)', async () => {
    const [old, next, first, second] = [await newPeer(), await newPeer(), await newPeer(), await newPeer()]
    await issueOffline({ dir, peer: old, attrs: { v: '1' } })
    await issueIdentityOffline({ dir, identity: first, node: old })
    // a second later: iat orders the log's tokens
    const later = (): number => Date.now() + 1000
    await issueOffline({ dir, peer: old, attrs: { v: '2' }, now: later })
    await issueIdentityOffline({ dir, identity: second, node: old, now: later })
    const result = await replaceOffline({ dir, old, new: next, now: later })
    assert.deepEqual(claimsOf(result.nodeToken).ext?.attrs, { v: '2' })
    assert.equal(claimsOf(result.identityToken ?? '').sub, second)
  })

  it('an old node revoked before (say, stolen) is replaced later without a second revocation', async () => {
    const [old, next] = [await newPeer(), await newPeer()]
    await issueOffline({ dir, peer: old, attrs: { role: 'gateway' } })
    await revokeOffline({ dir, target: old, reason: 'stolen' })
    const result = await replaceOffline({ dir, old, new: next })
    assert.deepEqual(result.revocations, [])
    assert.deepEqual(claimsOf(result.nodeToken).ext?.attrs, { role: 'gateway' })
  })

  it('refuses with a typed error and changes nothing: unknown, same, leader, revoked, invalid, ended, unknown attributes', async () => {
    const [old, next, stranger, revoked] = [await newPeer(), await newPeer(), await newPeer(), await newPeer()]
    const oldToken = claimsOf(await issueOffline({ dir, peer: old, ttlSeconds: 600 }))
    await issueOffline({ dir, peer: revoked })
    await revokeOffline({ dir, target: revoked })
    const before = await state()
    await assert.rejects(replaceOffline({ dir, old: stranger, new: next }), code('PEER_UNKNOWN'))
    await assert.rejects(replaceOffline({ dir, old, new: old }), code('REPLACE_INVALID'))
    await assert.rejects(replaceOffline({ dir, old: realm.leader.peerId, new: next }), code('REPLACE_INVALID'))
    await assert.rejects(replaceOffline({ dir, old, new: revoked }), code('PEER_REVOKED'))
    await assert.rejects(replaceOffline({ dir, old, new: 'not-a-peer' }), code('PEER_INVALID'))
    await assert.rejects(replaceOffline({ dir, old, new: next, now: () => (oldToken.exp + 1) * 1000 }), code('GRANT_ENDED'))
    assert.deepEqual(await state(), before, 'issued.jsonl and revoked.json are as they were')

    // a token logged before the log kept attributes: they cannot be carried
    const legacy = await newPeer()
    await appendFile(join(dir, 'issued.jsonl'), `${JSON.stringify({ jti: 'legacy-1', peer: legacy, iat: oldToken.iat, exp: oldToken.exp, how: 'offline' })}\n`)
    const withLegacy = await state()
    await assert.rejects(replaceOffline({ dir, old: legacy, new: next }), code('GRANT_UNKNOWN'))
    assert.deepEqual(await state(), withLegacy)
  })

  it('an identity token that expired is GRANT_ENDED, before anything is revoked', async () => {
    const [old, next, identity] = [await newPeer(), await newPeer(), await newPeer()]
    const oldToken = claimsOf(await issueOffline({ dir, peer: old, ttlSeconds: 3600 }))
    const id = claimsOf(await issueIdentityOffline({ dir, identity, node: old, ttlSeconds: 60 }))
    const before = await state()
    const at = (id.exp + 1) * 1000
    assert.ok(at < oldToken.exp * 1000)
    await assert.rejects(replaceOffline({ dir, old, new: next, now: () => at }), code('GRANT_ENDED'))
    assert.deepEqual(await state(), before)
  })
})

describe('replace through a running leader, with real nodes', () => {
  const cleanup = new Cleanup()
  afterEach(async () => { await cleanup.run() })

  it('the old node is dropped, and the replacement publishes as the same identity to a subscriber whose audience names it', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'manual', ttlSeconds: 3600 } })
    const identityKey = await generateNodeKey()
    const identity = peerIdFromPrivateKey(identityKey).toString()
    const [oldKey, nextKey, subscriberKey] = await Promise.all([generateNodeKey(), generateNodeKey(), generateNodeKey()])
    const peer = (key: typeof oldKey): string => peerIdFromPrivateKey(key).toString()
    const bootstrap = [leader.address]

    const subscriber = await startNode(cleanup, { realm: leader.realm, privateKey: subscriberKey, nodeToken: await leader.service.issueNodeToken(peer(subscriberKey)), bootstrap })
    const old = await startNode(cleanup, {
      realm: leader.realm,
      privateKey: oldKey,
      nodeToken: await leader.service.issueNodeToken(peer(oldKey), { attrs: { role: 'sensor' } }),
      identityToken: await leader.service.issueIdentityToken(identity, peer(oldKey), { attrs: { team: 'ops' } }),
      identityKey,
      bootstrap
    })
    await Promise.all([subscriber, old].map(async n => n.whenJoined({ signal: AbortSignal.timeout(10_000) })))

    const got: Array<{ from: string, peer: string, text: string }> = []
    await subscriber.subscribe('news', (m) => { got.push({ from: m.from, peer: m.peer, text: new TextDecoder().decode(m.data) }) }, { audience: { kind: 'identities', ids: [identity] } })
    const sent = await old.publish('news', new TextEncoder().encode('from the old node'), { ack: 'destination', ttlMs: 10_000 })
    assert.deepEqual(sent.results?.map(r => r.status), ['delivered'])

    const revoked = nextEvent<{ code: string, reason: string }>(old, 'token:revoked')
    const result = await leader.service.replace(peer(oldKey), peer(nextKey))
    assert.equal((await within(revoked, 'the old node hearing of its revocation')).reason, `replaced by ${peer(nextKey)}`)
    assert.deepEqual(claimsOf(result.nodeToken).ext?.attrs, { role: 'sensor' })
    assert.equal(result.revocations[0]?.peer, peer(oldKey))
    assert.ok(leader.service.revokedPeers().some(p => p.peer === peer(oldKey)))

    const next = await startNode(cleanup, { realm: leader.realm, privateKey: nextKey, nodeToken: result.nodeToken, identityToken: result.identityToken, identityKey, bootstrap })
    await next.whenJoined({ signal: AbortSignal.timeout(10_000) })
    // the audience names the identity, not a node: the replacement is inside it only because it carries the identity
    const again = await next.publish('news', new TextEncoder().encode('from the replacement'), { ack: 'destination', ttlMs: 10_000 })
    assert.deepEqual(again.results?.map(r => [r.receiver, r.status]), [[peer(subscriberKey), 'delivered']])
    assert.deepEqual(got, [
      { from: identity, peer: peer(oldKey), text: 'from the old node' },
      { from: identity, peer: peer(nextKey), text: 'from the replacement' }
    ])
  })
})
