/**
 * Every refusal code, each in its own test; assertions are on err.name / err.code (and the claim
 * at fault), never on message text.
 */
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { describe, test } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import {
  createRealmDescriptor,
  issueIdentityToken,
  issueInterestToken,
  issueInvitationToken,
  issueNodeToken,
  verifyIdentityToken,
  verifyInterestToken,
  verifyInvitationToken,
  verifyNodeToken
} from '../src/index.js'
import { b64json, FIXED_NOW_MS, FIXED_NOW_S, fixedNow, fixture, header, jsonCopy, nodeClaims, rejectsWith, setPath, signRaw } from './fixtures.js'
import type { Fixture } from './fixtures.js'

const NODE = 'rm-node+jwt'

async function leaderNodeToken (f: Fixture): Promise<string> {
  return issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, now: fixedNow, ttlSeconds: 3600 })
}

function parts (token: string): [string, string, string] {
  const [h, p, s] = token.split('.')
  return [h ?? '', p ?? '', s ?? '']
}

async function refusesNode (f: Fixture, token: string, code: string, extra: Partial<Parameters<typeof verifyNodeToken>[1]> = {}): Promise<string | undefined> {
  const err = await rejectsWith(async () => verifyNodeToken(token, { realm: f.realm, now: fixedNow, ...extra }), 'TokenError', code)
  return err.claim
}

describe('refusals', () => {
  describe('TOKEN_BAD_SIGNATURE', () => {
    test('a flipped byte in the signature', async () => {
      const f = await fixture()
      const [h, p, s] = parts(await leaderNodeToken(f))
      const sig = Buffer.from(s, 'base64url')
      sig[10] = (sig[10] ?? 0) ^ 0x01
      await refusesNode(f, `${h}.${p}.${sig.toString('base64url')}`, 'TOKEN_BAD_SIGNATURE')
    })

    test('a flipped byte in the payload', async () => {
      const f = await fixture()
      const [h, p, s] = parts(await leaderNodeToken(f))
      const payload = Buffer.from(p, 'base64url')
      // flip one bit of a jti character: the JSON stays valid, the signed bytes change
      const at = payload.indexOf('"jti":"') + 8
      payload[at] = (payload[at] ?? 0) ^ 0x01
      await refusesNode(f, `${h}.${payload.toString('base64url')}.${s}`, 'TOKEN_BAD_SIGNATURE')
    })

    test('claims naming the leader as iss, signed by somebody else', async () => {
      const f = await fixture()
      await refusesNode(f, signRaw(f.stranger, header(NODE, f.leaderId), nodeClaims(f)), 'TOKEN_BAD_SIGNATURE')
    })

    test('an empty or truncated signature', async () => {
      const f = await fixture()
      const [h, p, s] = parts(await leaderNodeToken(f))
      await refusesNode(f, `${h}.${p}.`, 'TOKEN_BAD_SIGNATURE')
      await refusesNode(f, `${h}.${p}.${s.slice(0, 40)}`, 'TOKEN_BAD_SIGNATURE')
    })
  })

  describe('TOKEN_ALG_NOT_ALLOWED', () => {
    test('alg none', async () => {
      const f = await fixture()
      const token = `${b64json({ alg: 'none', typ: NODE })}.${b64json(nodeClaims(f))}.`
      assert.equal(await refusesNode(f, token, 'TOKEN_ALG_NOT_ALLOWED'), 'header.alg')
    })

    test('alg HS256 keyed with the public key bytes', async () => {
      const f = await fixture()
      const signingInput = `${b64json({ alg: 'HS256', typ: NODE, kid: f.leaderId })}.${b64json(nodeClaims(f))}`
      for (const secret of [Buffer.from(f.leader.publicKey.raw), Buffer.from(f.leaderId)]) {
        const mac = createHmac('sha256', secret).update(signingInput).digest('base64url')
        assert.equal(await refusesNode(f, `${signingInput}.${mac}`, 'TOKEN_ALG_NOT_ALLOWED'), 'header.alg')
      }
    })

    test('a crit header', async () => {
      const f = await fixture()
      const token = signRaw(f.leader, { ...header(NODE, f.leaderId), crit: ['exp'] }, nodeClaims(f))
      assert.equal(await refusesNode(f, token, 'TOKEN_ALG_NOT_ALLOWED'), 'header.crit')
    })

    test('b64: false', async () => {
      const f = await fixture()
      const token = signRaw(f.leader, { ...header(NODE, f.leaderId), b64: false }, nodeClaims(f))
      assert.equal(await refusesNode(f, token, 'TOKEN_ALG_NOT_ALLOWED'), 'header.b64')
    })

    test('other algorithms and a missing alg', async () => {
      const f = await fixture()
      for (const alg of ['ES256', 'RS256', 'Ed25519', 'eddsa', undefined]) {
        const token = signRaw(f.leader, { alg, typ: NODE, kid: f.leaderId }, nodeClaims(f))
        await refusesNode(f, token, 'TOKEN_ALG_NOT_ALLOWED')
      }
    })
  })

  test('TOKEN_WRONG_TYPE: an identity token where a node token is needed, and the reverse', async () => {
    const f = await fixture()
    const identity = await issueIdentityToken(f.leader, { realm: f.realm, subject: f.nodeId, now: fixedNow })
    assert.equal(await refusesNode(f, identity, 'TOKEN_WRONG_TYPE'), 'header.typ')
    const node = await leaderNodeToken(f)
    await rejectsWith(async () => verifyIdentityToken(node, { realm: f.realm, now: fixedNow }), 'TokenError', 'TOKEN_WRONG_TYPE')
    await rejectsWith(async () => verifyInterestToken(node, { realm: f.realm, now: fixedNow }), 'TokenError', 'TOKEN_WRONG_TYPE')
    await rejectsWith(async () => verifyInvitationToken(node, { now: fixedNow }), 'TokenError', 'TOKEN_WRONG_TYPE')
    const untyped = signRaw(f.leader, { alg: 'EdDSA', kid: f.leaderId }, nodeClaims(f))
    await refusesNode(f, untyped, 'TOKEN_WRONG_TYPE')
  })

  test('TOKEN_EXPIRED', async () => {
    const f = await fixture()
    const token = await issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, ttlSeconds: 3600, now: () => FIXED_NOW_MS - 2 * 3600_000 })
    assert.equal(await refusesNode(f, token, 'TOKEN_EXPIRED'), 'exp')
  })

  test('TOKEN_NOT_YET_VALID: nbf in the future, and iat in the future', async () => {
    const f = await fixture()
    const later = await issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, notBefore: FIXED_NOW_S + 600, now: fixedNow })
    assert.equal(await refusesNode(f, later, 'TOKEN_NOT_YET_VALID'), 'nbf')
    const fromTheFuture = signRaw(f.leader, header(NODE, f.leaderId), nodeClaims(f, { iat: FIXED_NOW_S + 600 }))
    assert.equal(await refusesNode(f, fromTheFuture, 'TOKEN_NOT_YET_VALID'), 'iat')
  })

  test('clock skew is configurable: 20 s in the future passes with the default 30, fails with 10', async () => {
    const f = await fixture()
    const token = await issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, now: () => FIXED_NOW_MS + 20_000 })
    await verifyNodeToken(token, { realm: f.realm, now: fixedNow })
    await refusesNode(f, token, 'TOKEN_NOT_YET_VALID', { skewSeconds: 10 })

    // and on the other end: expired 20 s ago
    const old = await issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, ttlSeconds: 60, now: () => FIXED_NOW_MS - 80_000 })
    await verifyNodeToken(old, { realm: f.realm, now: fixedNow })
    await refusesNode(f, old, 'TOKEN_EXPIRED', { skewSeconds: 10 })
    await refusesNode(f, old, 'TOKEN_EXPIRED', { skewSeconds: 0 })
  })

  test('TOKEN_WRONG_REALM', async () => {
    const f = await fixture()
    const other = createRealmDescriptor({ name: 'other', leaderKey: f.stranger, now: fixedNow })
    const token = await issueNodeToken(f.leader, { realm: other.id, subject: f.nodeId, now: fixedNow })
    assert.equal(await refusesNode(f, token, 'TOKEN_WRONG_REALM'), 'realm')
  })

  test('TOKEN_WRONG_AUDIENCE', async () => {
    const f = await fixture()
    const token = signRaw(f.leader, header(NODE, f.leaderId), nodeClaims(f, { aud: 'someone-else' }))
    assert.equal(await refusesNode(f, token, 'TOKEN_WRONG_AUDIENCE'), 'aud')
  })

  test('TOKEN_UNTRUSTED_ISSUER: issuer is not the leader', async () => {
    const f = await fixture()
    const token = await issueNodeToken(f.stranger, { realm: f.realm, subject: f.nodeId, now: fixedNow })
    assert.equal(await refusesNode(f, token, 'TOKEN_UNTRUSTED_ISSUER'), 'iss')
    const identity = await issueIdentityToken(f.stranger, { realm: f.realm, subject: f.identityId, now: fixedNow })
    await rejectsWith(async () => verifyIdentityToken(identity, { realm: f.realm, now: fixedNow }), 'TokenError', 'TOKEN_UNTRUSTED_ISSUER')
  })

  test('self-issued tokens are accepted only when the realm policy allows them', async () => {
    const f = await fixture()
    const open = (await fixture({ allowSelfIssued: true })).realm
    assert.equal(open.id, f.realm.id, 'policy is not part of the realm id')
    const token = await issueNodeToken(f.node, { realm: f.realm.id, subject: f.nodeId, now: fixedNow })
    await refusesNode(f, token, 'TOKEN_UNTRUSTED_ISSUER')
    const verified = await verifyNodeToken(token, { realm: open, now: fixedNow, expectedPeer: f.nodeId })
    assert.equal(verified.selfIssued, true)
    assert.equal(verified.issuer, f.nodeId)

    // self-issued means iss === sub: a node may not issue a token for another peer even in an open realm
    const forOther = await issueNodeToken(f.node, { realm: f.realm.id, subject: f.strangerId, now: fixedNow })
    await rejectsWith(async () => verifyNodeToken(forOther, { realm: open, now: fixedNow }), 'TokenError', 'TOKEN_UNTRUSTED_ISSUER')

    const identity = await issueIdentityToken(f.identity, { realm: f.realm.id, subject: f.identityId, node: f.nodeId, now: fixedNow })
    await rejectsWith(async () => verifyIdentityToken(identity, { realm: f.realm, now: fixedNow }), 'TokenError', 'TOKEN_UNTRUSTED_ISSUER')
    assert.equal((await verifyIdentityToken(identity, { realm: open, now: fixedNow, expectedNode: f.nodeId })).selfIssued, true)
  })

  test('TOKEN_UNTRUSTED_ISSUER: an interest token not signed by its identity', async () => {
    const f = await fixture()
    const claims = {
      ...nodeClaims(f, { iss: f.leaderId, sub: f.identityId }),
      subject: 'a'.repeat(64),
      role: 'both',
      threshold: 1,
      audience: { kind: 'public' },
      node: 'b'.repeat(64)
    }
    const token = signRaw(f.leader, header('rm-interest+jwt', f.leaderId), claims)
    const err = await rejectsWith(async () => verifyInterestToken(token, { realm: f.realm, now: fixedNow }), 'TokenError', 'TOKEN_UNTRUSTED_ISSUER')
    assert.equal(err.claim, 'iss')
  })

  test('TOKEN_PEER_MISMATCH: node token sub is not the expected peer', async () => {
    const f = await fixture()
    const token = await leaderNodeToken(f)
    assert.equal(await refusesNode(f, token, 'TOKEN_PEER_MISMATCH', { expectedPeer: f.strangerId }), 'sub')
  })

  test('TOKEN_NODE_MISMATCH: identity token for another node', async () => {
    const f = await fixture()
    const token = await issueIdentityToken(f.leader, { realm: f.realm, subject: f.identityId, node: f.nodeId, now: fixedNow })
    const err = await rejectsWith(async () => verifyIdentityToken(token, { realm: f.realm, now: fixedNow, expectedNode: f.strangerId }), 'TokenError', 'TOKEN_NODE_MISMATCH')
    assert.equal(err.claim, 'ext.node')
    const noNode = await issueIdentityToken(f.leader, { realm: f.realm, subject: f.identityId, now: fixedNow })
    await rejectsWith(async () => verifyIdentityToken(noNode, { realm: f.realm, now: fixedNow, expectedNode: f.nodeId }), 'TokenError', 'TOKEN_NODE_MISMATCH')
  })

  test('TOKEN_REVOKED', async () => {
    const f = await fixture()
    const token = await issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, now: fixedNow, jti: 'revoked-one' })
    const revoked = new Set(['revoked-one'])
    assert.equal(await refusesNode(f, token, 'TOKEN_REVOKED', { isRevoked: jti => revoked.has(jti) }), 'jti')
    await verifyNodeToken(token, { realm: f.realm, now: fixedNow, isRevoked: () => false })
  })

  test('TOKEN_TTL_TOO_LONG', async () => {
    const f = await fixture()
    const strict = (await fixture({ maxTokenTtlSeconds: 3600 })).realm
    // issued against the realm id, so the issuer cannot know the policy
    const token = await issueNodeToken(f.leader, { realm: f.realm.id, subject: f.nodeId, ttlSeconds: 7200, now: fixedNow })
    await verifyNodeToken(token, { realm: f.realm, now: fixedNow })
    const err = await rejectsWith(async () => verifyNodeToken(token, { realm: strict, now: fixedNow }), 'TokenError', 'TOKEN_TTL_TOO_LONG')
    assert.equal(err.claim, 'exp')
    const month = await issueNodeToken(f.leader, { realm: f.realm.id, subject: f.nodeId, ttlSeconds: 31 * 86_400, now: fixedNow })
    await refusesNode(f, month, 'TOKEN_TTL_TOO_LONG')
    // and the issuer refuses when it knows the policy
    await rejectsWith(async () => issueNodeToken(f.leader, { realm: strict, subject: f.nodeId, ttlSeconds: 7200 }), 'TokenError', 'TOKEN_TTL_TOO_LONG')
  })

  describe('TOKEN_MALFORMED', () => {
    test('two parts', async () => {
      const f = await fixture()
      const [h, p] = parts(await leaderNodeToken(f))
      await refusesNode(f, `${h}.${p}`, 'TOKEN_MALFORMED')
      await refusesNode(f, `${h}.${p}.x.y`, 'TOKEN_MALFORMED')
      await refusesNode(f, '', 'TOKEN_MALFORMED')
    })

    test('bad base64', async () => {
      const f = await fixture()
      const [h, p, s] = parts(await leaderNodeToken(f))
      await refusesNode(f, `${h}!.${p}.${s}`, 'TOKEN_MALFORMED')
      await refusesNode(f, `${h}.${p}+/.${s}`, 'TOKEN_MALFORMED')
      await refusesNode(f, `${h}.${p}.${s}==`, 'TOKEN_MALFORMED')
      await refusesNode(f, `${h}=.${p}.${s}`, 'TOKEN_MALFORMED')
      // a last character with non-zero unused bits: decodes, but is not the canonical encoding
      await refusesNode(f, `${h}.${p}.${s.slice(0, -1)}B`, 'TOKEN_MALFORMED')
    })

    test('non-object JSON, and not JSON', async () => {
      const f = await fixture()
      for (const payload of [[1, 2], 'a string', 42, null]) {
        const token = signRaw(f.leader, header(NODE, f.leaderId), { placeholder: true }).split('.')
        const forged = `${token[0] ?? ''}.${b64json(payload)}.${token[2] ?? ''}`
        assert.equal(await refusesNode(f, forged, 'TOKEN_MALFORMED'), 'payload')
      }
      const [, p, s] = parts(await leaderNodeToken(f))
      assert.equal(await refusesNode(f, `${b64json('EdDSA')}.${p}.${s}`, 'TOKEN_MALFORMED'), 'header')
      assert.equal(await refusesNode(f, `${Buffer.from('{alg:').toString('base64url')}.${p}.${s}`, 'TOKEN_MALFORMED'), 'header')
    })

    test('a 9 KiB token', async () => {
      const f = await fixture()
      const token = signRaw(f.leader, header(NODE, f.leaderId), nodeClaims(f, { ext: { attrs: { pad: 'x'.repeat(9 * 1024) } } }))
      assert.ok(token.length > 9 * 1024)
      await refusesNode(f, token, 'TOKEN_MALFORMED')
      await refusesNode(f, 'a'.repeat(1024 * 1024), 'TOKEN_MALFORMED')
    })

    test('missing exp', async () => {
      const f = await fixture()
      const claims = nodeClaims(f)
      setPath(claims, 'exp', undefined)
      assert.equal(await refusesNode(f, signRaw(f.leader, header(NODE, f.leaderId), claims), 'TOKEN_MALFORMED'), 'exp')
    })

    test('exp as a string', async () => {
      const f = await fixture()
      const token = signRaw(f.leader, header(NODE, f.leaderId), nodeClaims(f, { exp: String(FIXED_NOW_S + 3600) }))
      assert.equal(await refusesNode(f, token, 'TOKEN_MALFORMED'), 'exp')
    })

    test('other ill-typed claims and header parameters', async () => {
      const f = await fixture()
      const cases: Array<[string, Record<string, unknown>]> = [
        ['iss', { iss: 'not-a-peer-id' }],
        ['sub', { sub: 42 }],
        // the same peer id in CIDv1 form: only the canonical base58btc form is accepted
        ['sub', { sub: peerIdFromString(f.nodeId).toCID().toString() }],
        ['aud', { aud: [f.realm.id] }],
        ['jti', { jti: '' }],
        ['iat', { iat: null }],
        ['nbf', { nbf: 'now' }],
        ['ext', { ext: 'none' }],
        ['ext.port', { ext: { port: 70000 } }],
        ['ext.multiaddrs[0]', { ext: { multiaddrs: ['ip4/1.2.3.4'] } }],
        ['ext.attrs.zone', { ext: { attrs: { zone: 1 } } }],
        ['ext.node', { ext: { node: 'a'.repeat(64) } }]
      ]
      for (const [claim, overrides] of cases) {
        const token = signRaw(f.leader, header(NODE, f.leaderId), nodeClaims(f, overrides))
        assert.equal(await refusesNode(f, token, 'TOKEN_MALFORMED'), claim)
      }
      const wrongKid = signRaw(f.leader, header(NODE, f.strangerId), nodeClaims(f))
      assert.equal(await refusesNode(f, wrongKid, 'TOKEN_MALFORMED'), 'header.kid')
      const extraHeader = signRaw(f.leader, { ...header(NODE, f.leaderId), jwk: { kty: 'OKP' } }, nodeClaims(f))
      assert.equal(await refusesNode(f, extraHeader, 'TOKEN_MALFORMED'), 'header.jwk')
    })

    test('interest token fields', async () => {
      const f = await fixture()
      const good = {
        ...nodeClaims(f, { iss: f.identityId, sub: f.identityId }),
        subject: 'a'.repeat(64),
        role: 'both',
        threshold: 1,
        audience: { kind: 'public' },
        node: 'b'.repeat(64)
      }
      const typ = header('rm-interest+jwt', f.identityId)
      await verifyInterestToken(signRaw(f.identity, typ, good), { realm: f.realm, now: fixedNow })
      const cases: Array<[string, Record<string, unknown>]> = [
        ['subject', { subject: 'chat' }],
        ['role', { role: 'admin' }],
        ['threshold', { threshold: -1 }],
        ['audience', { audience: 'public' }],
        ['audience.kind', { audience: { kind: 'everyone' } }],
        ['audience.ids[0]', { audience: { kind: 'identities', ids: ['nobody'] } }],
        ['audience.value', { audience: { kind: 'attribute', name: 'team' } }],
        ['node', { node: 'B'.repeat(64) }]
      ]
      for (const [claim, overrides] of cases) {
        const token = signRaw(f.identity, typ, { ...good, ...overrides })
        const err = await rejectsWith(async () => verifyInterestToken(token, { realm: f.realm, now: fixedNow }), 'TokenError', 'TOKEN_MALFORMED')
        assert.equal(err.claim, claim)
      }
    })

    test('issuing a token our verifier would refuse as malformed fails at issue time', async () => {
      const f = await fixture()
      await rejectsWith(async () => issueNodeToken(f.leader, { realm: f.realm, subject: 'nobody' }), 'TokenError', 'TOKEN_MALFORMED')
      await rejectsWith(async () => issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, ext: { port: 0 } }), 'TokenError', 'TOKEN_MALFORMED')
      await rejectsWith(async () => issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, ttlSeconds: 0 }), 'TokenError', 'TOKEN_MALFORMED')
      await rejectsWith(async () => issueInterestToken(f.identity, { realm: f.realm, subject: 's', role: 'both', node: f.nodeId, threshold: Number.NaN }), 'TokenError', 'TOKEN_MALFORMED')
    })

    test('a claim JSON cannot show (a bigint) is TOKEN_MALFORMED naming it, not a TypeError (found by fuzzing)', async () => {
      const f = await fixture()
      const err = await rejectsWith(async () => issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, ext: { port: 4001n as unknown as number } }), 'TokenError', 'TOKEN_MALFORMED')
      assert.equal(err.claim, 'ext.port')
      await rejectsWith(async () => issueInterestToken(f.identity, { realm: f.realm, subject: 's', role: 'both', node: f.nodeId, threshold: 1n as unknown as number }), 'TokenError', 'TOKEN_MALFORMED')
    })
  })

  describe('invitation tokens', () => {
    test('signed by somebody who is not the descriptor leader: TOKEN_UNTRUSTED_ISSUER', async () => {
      const f = await fixture()
      await rejectsWith(async () => issueInvitationToken(f.stranger, { descriptor: f.realm }), 'TokenError', 'TOKEN_UNTRUSTED_ISSUER')
      const claims = {
        ...nodeClaims(f, { iss: f.strangerId, sub: 'invitation' }),
        descriptor: f.realm,
        bootstrap: []
      }
      const token = signRaw(f.stranger, header('rm-invitation+jwt', f.strangerId), claims)
      const err = await rejectsWith(async () => verifyInvitationToken(token, { now: fixedNow }), 'TokenError', 'TOKEN_UNTRUSTED_ISSUER')
      assert.equal(err.claim, 'iss')
    })

    test('to another realm than expected: TOKEN_WRONG_REALM', async () => {
      const f = await fixture()
      const token = await issueInvitationToken(f.leader, { descriptor: f.realm, now: fixedNow })
      await rejectsWith(async () => verifyInvitationToken(token, { now: fixedNow, expectedRealmId: 'another-realm' }), 'TokenError', 'TOKEN_WRONG_REALM')
    })

    test('a bad descriptor inside: TOKEN_MALFORMED naming the descriptor field', async () => {
      const f = await fixture()
      const descriptor = jsonCopy(f.realm)
      setPath(descriptor, 'name', 'bad name')
      const claims = { ...nodeClaims(f, { sub: 'invitation' }), descriptor, bootstrap: [] }
      const token = signRaw(f.leader, header('rm-invitation+jwt', f.leaderId), claims)
      const err = await rejectsWith(async () => verifyInvitationToken(token, { now: fixedNow }), 'TokenError', 'TOKEN_MALFORMED')
      assert.equal(err.claim, 'descriptor.name')
      const badBootstrap = signRaw(f.leader, header('rm-invitation+jwt', f.leaderId), { ...claims, descriptor: f.realm, bootstrap: ['/ip4/1.2.3.4/tcp/1'] })
      const err2 = await rejectsWith(async () => verifyInvitationToken(badBootstrap, { now: fixedNow }), 'TokenError', 'TOKEN_MALFORMED')
      assert.equal(err2.claim, 'bootstrap[0]')
    })

    test('expired, revoked (already used)', async () => {
      const f = await fixture()
      const token = await issueInvitationToken(f.leader, { descriptor: f.realm, now: fixedNow, jti: 'inv-1' })
      await rejectsWith(async () => verifyInvitationToken(token, { now: () => FIXED_NOW_MS + 2 * 3600_000 }), 'TokenError', 'TOKEN_EXPIRED')
      await rejectsWith(async () => verifyInvitationToken(token, { now: fixedNow, isRevoked: jti => jti === 'inv-1' }), 'TokenError', 'TOKEN_REVOKED')
    })
  })

  describe('the order of checks', () => {
    test('decode before header: alg none with a broken payload is MALFORMED', async () => {
      const f = await fixture()
      await refusesNode(f, `${b64json({ alg: 'none' })}.not-json.`, 'TOKEN_MALFORMED')
    })

    test('header before claims: a bad alg with missing claims is ALG_NOT_ALLOWED', async () => {
      const f = await fixture()
      await refusesNode(f, `${b64json({ alg: 'HS256', typ: NODE })}.${b64json({})}.`, 'TOKEN_ALG_NOT_ALLOWED')
    })

    test('claims before signature, signature before time, time before realm, realm before issuer', async () => {
      const f = await fixture()
      const [h, p] = parts(signRaw(f.leader, header(NODE, f.leaderId), nodeClaims(f, { exp: 'soon' })))
      await refusesNode(f, `${h}.${p}.${'A'.repeat(86)}`, 'TOKEN_MALFORMED')
      const expired = nodeClaims(f, { exp: FIXED_NOW_S - 3600, iat: FIXED_NOW_S - 7200, nbf: FIXED_NOW_S - 7200 })
      const [h2, p2] = parts(signRaw(f.leader, header(NODE, f.leaderId), expired))
      await refusesNode(f, `${h2}.${p2}.${'A'.repeat(86)}`, 'TOKEN_BAD_SIGNATURE')
      await refusesNode(f, signRaw(f.stranger, header(NODE, f.strangerId), { ...expired, iss: f.strangerId, realm: 'x' }), 'TOKEN_EXPIRED')
      await refusesNode(f, signRaw(f.stranger, header(NODE, f.strangerId), nodeClaims(f, { iss: f.strangerId, realm: 'x' })), 'TOKEN_WRONG_REALM')
    })

    test('issuer before peer binding, binding before revocation, revocation before ttl', async () => {
      const f = await fixture()
      const stranger = await issueNodeToken(f.stranger, { realm: f.realm.id, subject: f.nodeId, now: fixedNow })
      await refusesNode(f, stranger, 'TOKEN_UNTRUSTED_ISSUER', { expectedPeer: f.strangerId })
      const long = await issueNodeToken(f.leader, { realm: f.realm.id, subject: f.nodeId, ttlSeconds: 40 * 86_400, now: fixedNow })
      await refusesNode(f, long, 'TOKEN_PEER_MISMATCH', { expectedPeer: f.strangerId, isRevoked: () => true })
      await refusesNode(f, long, 'TOKEN_REVOKED', { isRevoked: () => true })
      await refusesNode(f, long, 'TOKEN_TTL_TOO_LONG')
    })
  })
})
