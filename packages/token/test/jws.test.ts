import assert from 'node:assert/strict'
import { sign } from 'node:crypto'
import { describe, test } from 'node:test'
import { fromBase64Url, toBase64Url } from '../src/hash.js'
import { parseCompactJws, verifyEd25519 } from '../src/jws.js'
import { publicKeyObjectOf } from '../src/peer.js'
import { fixture, privateKeyObject, publicKeyObject, rejectsWith } from './fixtures.js'

// RFC 8037 appendix A.4: the JWS of "Example of Ed25519 signing" with header {"alg":"EdDSA"},
// signed by the key of appendix A.1 (our fixture leader key)
const RFC8037_JWS = 'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg'

describe('compact JWS primitives', () => {
  test('RFC 8037 A.4: our Ed25519 verify accepts the RFC signature, and our key mapping reproduces it', async () => {
    const f = await fixture()
    const [h, p, s] = RFC8037_JWS.split('.') as [string, string, string]
    const signingInput = Buffer.from(`${h}.${p}`, 'ascii')
    const signature = fromBase64Url(s) ?? new Uint8Array()
    assert.ok(verifyEd25519(signingInput, signature, publicKeyObject(f.leader)))
    // the KeyObject recovered from the leader's peer id string is the same key
    const fromPeerId = publicKeyObjectOf(f.leaderId)
    assert.ok(fromPeerId !== undefined && verifyEd25519(signingInput, signature, fromPeerId))
    assert.equal(toBase64Url(sign(null, signingInput, privateKeyObject(f.leader))), s)
    assert.equal(toBase64Url(await f.leader.sign(signingInput)), s, 'libp2p and node:crypto agree')
    // its payload is not JSON, so it is not a realmesh token
    await rejectsWith(() => parseCompactJws(RFC8037_JWS), 'TokenError', 'TOKEN_MALFORMED')
  })

  test('strict base64url', () => {
    assert.deepEqual(fromBase64Url(''), new Uint8Array())
    assert.deepEqual(fromBase64Url('AQID'), Uint8Array.of(1, 2, 3))
    assert.deepEqual(fromBase64Url('_-8'), Uint8Array.of(0xff, 0xef))
    for (const bad of ['AQID=', 'AQ+D', 'A', 'AB', 'a b', 'AR']) {
      assert.equal(fromBase64Url(bad), undefined, bad)
    }
  })

  test('publicKeyObjectOf refuses non-canonical and non-Ed25519 peer ids', async () => {
    const f = await fixture()
    const { peerIdFromString } = await import('@libp2p/peer-id')
    assert.equal(publicKeyObjectOf(peerIdFromString(f.leaderId).toCID().toString()), undefined)
    assert.equal(publicKeyObjectOf('QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC'), undefined)
    assert.equal(publicKeyObjectOf('nonsense'), undefined)
  })
})
