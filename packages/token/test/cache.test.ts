import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { issueIdentityToken, issueNodeToken, TokenCache, tokenHash, verifyIdentityToken, verifyNodeToken } from '../src/index.js'
import { FIXED_NOW_MS, fixedNow, fixture, rejectsWith } from './fixtures.js'

describe('TokenCache', () => {
  test('the second verify of the same token is a hit', async () => {
    const f = await fixture()
    const cache = new TokenCache({ now: fixedNow })
    const token = await issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, now: fixedNow })
    const first = await verifyNodeToken(token, { realm: f.realm, now: fixedNow, cache })
    assert.deepEqual(cache.stats, { hits: 0, misses: 1, evictions: 0, expired: 0 })
    assert.equal(cache.size, 1)
    const second = await verifyNodeToken(token, { realm: f.realm, now: fixedNow, cache })
    assert.equal(cache.stats.hits, 1)
    assert.deepEqual(second, first)
  })

  test('many tokens (more than the remembered hashes, so some share a slot) each get their own hash and cache entry', async () => {
    const f = await fixture()
    const cache = new TokenCache({ now: fixedNow })
    const tokens: string[] = []
    for (let i = 0; i < 700; i++) tokens.push(await issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, now: fixedNow, jti: `t-${i}` }))
    assert.equal(new Set(tokens).size, tokens.length)
    for (const round of [0, 1]) {
      for (const token of tokens) {
        const verified = await verifyNodeToken(token, { realm: f.realm, now: fixedNow, cache })
        assert.deepEqual(Buffer.from(verified.hash), Buffer.from(tokenHash(token)))
      }
      assert.equal(cache.stats.hits, round * tokens.length)
    }
  })

  test('only successful verifications are cached', async () => {
    const f = await fixture()
    const cache = new TokenCache({ now: fixedNow })
    const token = await issueNodeToken(f.stranger, { realm: f.realm, subject: f.nodeId, now: fixedNow })
    await rejectsWith(async () => verifyNodeToken(token, { realm: f.realm, now: fixedNow, cache }), 'TokenError', 'TOKEN_UNTRUSTED_ISSUER')
    assert.equal(cache.size, 0)
    await rejectsWith(async () => verifyNodeToken('garbage', { realm: f.realm, now: fixedNow, cache }), 'TokenError', 'TOKEN_MALFORMED')
    assert.equal(cache.size, 0)
  })

  test('an expired cached token is refused (the entry is dropped on the cache clock)', async () => {
    const f = await fixture()
    let now = FIXED_NOW_MS
    const clock = (): number => now
    const cache = new TokenCache({ now: clock })
    const token = await issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, ttlSeconds: 60, now: fixedNow })
    await verifyNodeToken(token, { realm: f.realm, now: clock, cache })
    now += 120_000
    await rejectsWith(async () => verifyNodeToken(token, { realm: f.realm, now: clock, cache }), 'TokenError', 'TOKEN_EXPIRED')
    assert.equal(cache.stats.expired, 1)
    assert.equal(cache.size, 0)
  })

  test('a hit never extends validity: expiry, revocation and bindings are re-checked on a hit', async () => {
    const f = await fixture()
    // the cache clock stands still, so the entry stays; the verifier's clock moves on
    const cache = new TokenCache({ now: fixedNow })
    const token = await issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, ttlSeconds: 60, now: fixedNow })
    await verifyNodeToken(token, { realm: f.realm, now: fixedNow, cache })
    await rejectsWith(async () => verifyNodeToken(token, { realm: f.realm, now: () => FIXED_NOW_MS + 120_000, cache }), 'TokenError', 'TOKEN_EXPIRED')
    await rejectsWith(async () => verifyNodeToken(token, { realm: f.realm, now: fixedNow, cache, isRevoked: () => true }), 'TokenError', 'TOKEN_REVOKED')
    await rejectsWith(async () => verifyNodeToken(token, { realm: f.realm, now: fixedNow, cache, expectedPeer: f.strangerId }), 'TokenError', 'TOKEN_PEER_MISMATCH')
    const strict = (await fixture({ maxTokenTtlSeconds: 30 })).realm
    await rejectsWith(async () => verifyNodeToken(token, { realm: strict, now: fixedNow, cache }), 'TokenError', 'TOKEN_TTL_TOO_LONG')
    assert.equal(cache.stats.hits, 4, 'every refusal above was decided on a cache hit')

    // a self-issued token cached under an open policy is refused under a closed one
    const open = (await fixture({ allowSelfIssued: true })).realm
    const self = await issueNodeToken(f.node, { realm: f.realm.id, subject: f.nodeId, now: fixedNow })
    await verifyNodeToken(self, { realm: open, now: fixedNow, cache })
    await rejectsWith(async () => verifyNodeToken(self, { realm: f.realm, now: fixedNow, cache }), 'TokenError', 'TOKEN_UNTRUSTED_ISSUER')
  })

  test('entries are keyed by kind: a cached node token does not pass as another kind', async () => {
    const f = await fixture()
    const cache = new TokenCache({ now: fixedNow })
    const token = await issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, now: fixedNow })
    await verifyNodeToken(token, { realm: f.realm, now: fixedNow, cache })
    await rejectsWith(async () => verifyIdentityToken(token, { realm: f.realm, now: fixedNow, cache }), 'TokenError', 'TOKEN_WRONG_TYPE')
    const identity = await issueIdentityToken(f.leader, { realm: f.realm, subject: f.nodeId, now: fixedNow })
    await verifyIdentityToken(identity, { realm: f.realm, now: fixedNow, cache })
    assert.equal(cache.size, 2)
  })

  test('the cache never grows past maxEntries', async () => {
    const f = await fixture()
    const cache = new TokenCache({ maxEntries: 5, now: fixedNow })
    for (let i = 0; i < 40; i++) {
      const token = await issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, now: fixedNow, jti: `jti-${i}` })
      await verifyNodeToken(token, { realm: f.realm, now: fixedNow, cache })
      assert.ok(cache.size <= 5, `size ${cache.size} after ${i + 1} tokens`)
    }
    assert.equal(cache.size, 5)
    assert.equal(cache.stats.evictions, 35)
    cache.clear()
    assert.equal(cache.size, 0)
    assert.throws(() => new TokenCache({ maxEntries: 0 }), RangeError)
  })

  test('eviction is least recently used first', async () => {
    const f = await fixture()
    const cache = new TokenCache({ maxEntries: 3, now: fixedNow })
    const [a, b, c, d] = await Promise.all(['a', 'b', 'c', 'd'].map(async jti => issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, now: fixedNow, jti })))
    const verify = async (token: string | undefined): Promise<unknown> => verifyNodeToken(token ?? '', { realm: f.realm, now: fixedNow, cache })
    await verify(a)
    await verify(b)
    await verify(c)
    await verify(a) // a is now the most recently used; b the least
    await verify(d) // evicts b
    const hits = cache.stats.hits
    await verify(a)
    await verify(c)
    await verify(d)
    assert.equal(cache.stats.hits, hits + 3)
    await verify(b)
    assert.equal(cache.stats.hits, hits + 3, 'b was evicted')
  })
})
