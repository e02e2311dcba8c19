import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { jwtVerify, SignJWT } from 'jose'
import { peerIdFromString } from '@libp2p/peer-id'
import {
  decodeTokenUnverified,
  fingerprintHex,
  issueIdentityToken,
  issueInterestToken,
  issueInvitationToken,
  issueNodeToken,
  subjectKey,
  TOKEN_TYPES,
  tokenHash,
  verifyIdentityToken,
  verifyInterestToken,
  verifyInvitationToken,
  verifyNodeToken
} from '../src/index.js'
import { toHex } from '../src/hash.js'
import { FIXED_NOW_MS, FIXED_NOW_S, fixedNow, fixture, header, nodeClaims, privateKeyObject, publicKeyObject, signRaw } from './fixtures.js'

const JTI = '00000000-0000-4000-8000-00000000000a'

describe('issue and verify: round trip of every kind', () => {
  test('node token', async () => {
    const f = await fixture()
    const ext = { hostname: 'node-1.example.com', port: 4001, multiaddrs: ['/ip4/192.0.2.7/tcp/4001'], attrs: { zone: 'eu' } }
    const token = await issueNodeToken(f.leader, { realm: f.realm, subject: peerIdFromString(f.nodeId), ext, now: fixedNow, jti: JTI })
    const verified = await verifyNodeToken(token, { realm: f.realm, now: fixedNow, expectedPeer: f.nodeId })
    assert.deepEqual(verified.claims, {
      iss: f.leaderId,
      sub: f.nodeId,
      aud: f.realm.id,
      realm: f.realm.id,
      jti: JTI,
      iat: FIXED_NOW_S,
      nbf: FIXED_NOW_S,
      exp: FIXED_NOW_S + 86_400,
      grantedAt: FIXED_NOW_S,
      ext
    })
    assert.equal(verified.issuer, f.leaderId)
    assert.equal(verified.selfIssued, false)
    assert.equal(verified.token, token)
    assert.deepEqual(verified.hash, tokenHash(token))
    assert.deepEqual(decodeTokenUnverified(token).header, { alg: 'EdDSA', typ: 'rm-node+jwt', kid: f.leaderId })
  })

  test('node token: realm given by id, explicit notBefore, default jti is a uuid', async () => {
    const f = await fixture()
    const token = await issueNodeToken(f.leader, { realm: f.realm.id, subject: f.nodeId, notBefore: FIXED_NOW_S - 60, ttlSeconds: 600, now: fixedNow })
    const { claims } = await verifyNodeToken(token, { realm: f.realm, now: fixedNow })
    assert.equal(claims.nbf, FIXED_NOW_S - 60)
    assert.equal(claims.exp, FIXED_NOW_S + 600)
    assert.match(claims.jti, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })

  test('node token: grantedAt is the iat of a new grant; a renewal carries its grant\'s; a grant after iat is refused', async () => {
    const f = await fixture()
    const renewal = await issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, grantedAt: FIXED_NOW_S - 3600, now: fixedNow })
    assert.equal((await verifyNodeToken(renewal, { realm: f.realm, now: fixedNow })).claims.grantedAt, FIXED_NOW_S - 3600)
    await assert.rejects(issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, grantedAt: FIXED_NOW_S + 1, now: fixedNow }), { code: 'TOKEN_MALFORMED', claim: 'grantedAt' })
    const forged = signRaw(f.leader, header(TOKEN_TYPES.node, f.leaderId), nodeClaims(f, { grantedAt: 'yesterday' }))
    await assert.rejects(verifyNodeToken(forged, { realm: f.realm, now: fixedNow }), { code: 'TOKEN_MALFORMED', claim: 'grantedAt' })
  })

  test('identity token naming its node', async () => {
    const f = await fixture()
    const token = await issueIdentityToken(f.leader, { realm: f.realm, subject: f.identityId, node: f.nodeId, ext: { attrs: { team: 'blue' } }, now: fixedNow, jti: JTI })
    const verified = await verifyIdentityToken(token, { realm: f.realm, now: fixedNow, expectedNode: peerIdFromString(f.nodeId) })
    assert.equal(verified.claims.sub, f.identityId)
    assert.deepEqual(verified.claims.ext, { attrs: { team: 'blue' }, node: fingerprintHex(f.nodeId) })
    assert.equal(decodeTokenUnverified(token).header.typ, TOKEN_TYPES.identity)
  })

  test('identity token for the node itself (identity == node) needs no ext.node', async () => {
    const f = await fixture()
    const token = await issueIdentityToken(f.leader, { realm: f.realm, subject: f.nodeId, now: fixedNow })
    const verified = await verifyIdentityToken(token, { realm: f.realm, now: fixedNow, expectedNode: f.nodeId })
    assert.equal(verified.claims.ext, undefined)
  })

  test('interest token, signed by the identity', async () => {
    const f = await fixture()
    const token = await issueInterestToken(f.identity, { realm: f.realm, subject: 'chat/lobby', role: 'receiver', node: f.nodeId, now: fixedNow, jti: JTI })
    const verified = await verifyInterestToken(token, { realm: f.realm, now: fixedNow })
    assert.deepEqual(verified.claims, {
      iss: f.identityId,
      sub: f.identityId,
      aud: f.realm.id,
      realm: f.realm.id,
      jti: JTI,
      iat: FIXED_NOW_S,
      nbf: FIXED_NOW_S,
      exp: FIXED_NOW_S + 300,
      subject: toHex(subjectKey(f.realm.id, 'chat/lobby')),
      role: 'receiver',
      threshold: 100,
      audience: { kind: 'public' },
      node: fingerprintHex(f.nodeId)
    })
    assert.equal(verified.selfIssued, true)

    const targeted = await issueInterestToken(f.identity, {
      realm: f.realm,
      subject: 'ops',
      role: 'both',
      threshold: 3,
      audience: { kind: 'identities', ids: [f.nodeId, f.strangerId] },
      node: f.nodeId,
      now: fixedNow
    })
    assert.deepEqual((await verifyInterestToken(targeted, { realm: f.realm, now: fixedNow })).claims.audience, { kind: 'identities', ids: [f.nodeId, f.strangerId] })
    const byAttribute = await issueInterestToken(f.identity, {
      realm: f.realm, subject: 'ops', role: 'sender', audience: { kind: 'attribute', name: 'team', value: 'blue' }, node: f.nodeId, now: fixedNow
    })
    assert.equal((await verifyInterestToken(byAttribute, { realm: f.realm, now: fixedNow })).claims.role, 'sender')
  })

  test('invitation token', async () => {
    const f = await fixture()
    const bootstrap = [`/ip4/192.0.2.1/tcp/4001/p2p/${f.leaderId}`]
    const token = await issueInvitationToken(f.leader, { descriptor: f.realm, bootstrap, now: fixedNow, jti: JTI })
    const verified = await verifyInvitationToken(token, { now: fixedNow, expectedRealmId: f.realm.id })
    assert.deepEqual(verified.claims.descriptor, f.realm)
    assert.deepEqual(verified.claims.bootstrap, bootstrap)
    assert.equal(verified.claims.sub, 'invitation')
    assert.equal(verified.claims.exp - verified.claims.iat, 3600)
    assert.equal(verified.issuer, f.leaderId)
  })
})

describe('interop with jose', () => {
  test('jose jwtVerify accepts our tokens', async () => {
    const f = await fixture()
    const token = await issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, now: fixedNow, jti: JTI })
    const { payload, protectedHeader } = await jwtVerify(token, publicKeyObject(f.leader), {
      algorithms: ['EdDSA'],
      typ: 'rm-node+jwt',
      issuer: f.leaderId,
      audience: f.realm.id,
      subject: f.nodeId,
      currentDate: new Date(FIXED_NOW_MS)
    })
    assert.equal(protectedHeader.kid, f.leaderId)
    assert.equal(payload.jti, JTI)

    const interest = await issueInterestToken(f.identity, { realm: f.realm, subject: 's', role: 'both', node: f.nodeId, now: fixedNow })
    await jwtVerify(interest, publicKeyObject(f.identity), { algorithms: ['EdDSA'], typ: 'rm-interest+jwt', currentDate: new Date(FIXED_NOW_MS) })
  })

  test('our verifier accepts a token jose signed with the same header and claims', async () => {
    const f = await fixture()
    const claims = nodeClaims(f)
    const joseToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', typ: 'rm-node+jwt', kid: f.leaderId })
      .sign(privateKeyObject(f.leader))
    const verified = await verifyNodeToken(joseToken, { realm: f.realm, now: fixedNow, expectedPeer: f.nodeId })
    assert.deepEqual(verified.claims, claims)
  })

  test('node:crypto signing and jose signing give the same bytes (Ed25519 is deterministic)', async () => {
    const f = await fixture()
    const ours = await issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, now: fixedNow, jti: JTI })
    const { claims } = decodeTokenUnverified(ours)
    assert.equal(signRaw(f.leader, header('rm-node+jwt', f.leaderId), claims), ours)
  })
})
