// Fuzzing of the verifiers (verifyNodeToken, verifyIdentityToken, verifyInterestToken,
// verifyInvitationToken). What they promise: a token is accepted only when it is signed by the key
// its `iss` names and passes the realm's policy; anything else is refused with a TokenError whose
// code is a TokenErrorCode. Properties: any string is refused; any header and claims signed with a
// real key are accepted only within the policy; a valid token of any content round-trips; one edit
// anywhere in a valid token is refused, also when the valid token sits in the verify cache.
// Cases per property: fast-check's default (100), or FUZZ_CASES under `pnpm fuzz`.
import { describe, test, before } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  issueIdentityToken, issueInterestToken, issueInvitationToken, issueNodeToken, verifyIdentityToken, verifyInterestToken, verifyInvitationToken,
  verifyNodeToken, decodeTokenUnverified, TokenCache, DEFAULT_SKEW_SECONDS
} from '../src/index.js'
import { assertTokenError, edits, json, tokenLike } from './fuzz-arbitraries.js'
import { FIXED_NOW_S, fixedNow, fixture, header, signRaw } from './fixtures.js'
import type { Fixture } from './fixtures.js'
import type { Audience, RealmDescriptor, TokenKind, VerifiedToken } from '../src/index.js'
import type { Ed25519PrivateKey } from '@libp2p/interface'

const KINDS: readonly TokenKind[] = ['node', 'identity', 'interest', 'invitation']
const TYPS: Record<TokenKind, string> = { node: 'rm-node+jwt', identity: 'rm-identity+jwt', interest: 'rm-interest+jwt', invitation: 'rm-invitation+jwt' }

interface VerifyWith {
  realm: RealmDescriptor
  cache?: TokenCache
  isRevoked?: (jti: string) => boolean
  /** expectedPeer (node), expectedNode (identity) */
  expected?: string
}

/** verifies `token` as a `kind` token at the fixed clock */
async function verify (kind: TokenKind, token: string, w: VerifyWith): Promise<VerifiedToken<Record<string, unknown>>> {
  const opts = { realm: w.realm, now: fixedNow, cache: w.cache, isRevoked: w.isRevoked }
  switch (kind) {
    case 'node': return verifyNodeToken(token, { ...opts, expectedPeer: w.expected }) as Promise<VerifiedToken<never>>
    case 'identity': return verifyIdentityToken(token, { ...opts, expectedNode: w.expected }) as Promise<VerifiedToken<never>>
    case 'interest': return verifyInterestToken(token, opts) as Promise<VerifiedToken<never>>
    case 'invitation': return verifyInvitationToken(token, { now: fixedNow, expectedRealmId: w.realm.id, isRevoked: w.isRevoked }) as Promise<VerifiedToken<never>>
  }
}

/** the verification, or undefined after checking it was refused with a TokenErrorCode */
async function verdict (kind: TokenKind, token: string, w: VerifyWith): Promise<VerifiedToken<Record<string, unknown>> | undefined> {
  try {
    return await verify(kind, token, w)
  } catch (err) {
    assertTokenError(err)
    return undefined
  }
}

/** one character of a token replaced, or one inserted, or one deleted */
const edit = fc.tuple(fc.nat(), fc.constantFrom('replace', 'insert', 'delete'), fc.constantFrom(...'AQgw_-019azAZ.=+/ \u00e9\u0000'))
function applyEdit (token: string, [at, kind, c]: [number, string, string]): string {
  const i = at % token.length
  if (kind === 'insert') return token.slice(0, i) + c + token.slice(i)
  if (kind === 'delete') return token.slice(0, i) + token.slice(i + 1)
  // a different character in place
  const other = token[i] === c ? (c === 'A' ? 'B' : 'A') : c
  return token.slice(0, i) + other + token.slice(i + 1)
}

describe('fuzz: token verification', () => {
  let f: Fixture
  let realms: RealmDescriptor[]
  let keys: Array<{ key: Ed25519PrivateKey, id: string }>
  const cache = new TokenCache({ maxEntries: 1000, now: fixedNow })
  /** the claims of one valid token of each kind */
  const claimsOf = new Map<TokenKind, Record<string, unknown>>()
  before(async () => {
    f = await fixture()
    realms = [f.realm, (await fixture({ allowSelfIssued: true })).realm]
    keys = [[f.leader, f.leaderId], [f.node, f.nodeId], [f.identity, f.identityId], [f.stranger, f.strangerId]].map(([key, id]) => ({ key: key as Ed25519PrivateKey, id: id as string }))
    claimsOf.set('node', decodeTokenUnverified(await issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, now: fixedNow })).claims)
    claimsOf.set('identity', decodeTokenUnverified(await issueIdentityToken(f.leader, { realm: f.realm, subject: f.identityId, node: f.nodeId, now: fixedNow })).claims)
    claimsOf.set('interest', decodeTokenUnverified(await issueInterestToken(f.identity, { realm: f.realm, subject: 's', role: 'both', node: f.nodeId, now: fixedNow })).claims)
    claimsOf.set('invitation', decodeTokenUnverified(await issueInvitationToken(f.leader, { descriptor: f.realm, now: fixedNow })).claims)
  })
  const peer = (): fc.Arbitrary<string> => fc.constantFrom(f.leaderId, f.nodeId, f.identityId, f.strangerId)
  const options = (): fc.Arbitrary<VerifyWith> => fc.record({
    realm: fc.constantFrom(...realms),
    cache: fc.constantFrom(cache, undefined),
    isRevoked: fc.constantFrom(undefined, () => true, () => false),
    expected: fc.option(peer(), { nil: undefined })
  })

  test('any string is refused by every verifier, with a TokenErrorCode', async () => {
    await fc.assert(fc.asyncProperty(tokenLike, fc.constantFrom(...KINDS), options(), async (token, kind, w) => {
      assert.equal(await verdict(kind, token, w), undefined, 'accepted')
    }))
  })

  test('any header and claims signed with a real key: refused with a TokenErrorCode, or accepted only within the policy', async () => {
    // values a claim may plausibly take: any JSON, a peer id, a time near now, a realm id, a typ
    const plausible = (): fc.Arbitrary<unknown> => fc.oneof(json, peer(), fc.integer({ min: FIXED_NOW_S - 4e6, max: FIXED_NOW_S + 4e6 }), fc.constantFrom(f.realm.id, ...Object.values(TYPS)))
    const input = fc.constantFrom(...KINDS).chain(kind => fc.record({
      kind: fc.constant(kind),
      signer: fc.constantFrom(...keys),
      head: fc.oneof(fc.constant(header(TYPS[kind], '')).map(({ kid: _, ...h }) => h), edits(header(TYPS[kind], f.leaderId), plausible())),
      claims: fc.oneof({ arbitrary: edits(claimsOf.get(kind), plausible()), weight: 4 }, { arbitrary: fc.constant(claimsOf.get(kind)), weight: 1 }, { arbitrary: json, weight: 1 }),
      w: options()
    }))
    await fc.assert(fc.asyncProperty(input, async ({ kind, signer, head, claims, w }) => {
      if (typeof head !== 'object' || head === null || typeof claims !== 'object' || claims === null) return
      const token = signRaw(signer.key, head, claims)
      const verified = await verdict(kind, token, w)
      if (verified === undefined) return
      const c = verified.claims
      // what was signed (as JSON), as it was signed
      assert.deepEqual(c, { ...JSON.parse(JSON.stringify(claims)), ...(kind === 'invitation' && { descriptor: c.descriptor, bootstrap: c.bootstrap }) })
      // the key always comes from iss
      assert.equal(c.iss, signer.id)
      assert.ok(c.realm === w.realm.id && c.aud === w.realm.id, 'for the realm')
      if (kind === 'interest') assert.equal(c.iss, c.sub, 'an interest is self-signed')
      else if (kind === 'invitation') assert.equal(c.iss, f.leaderId)
      else assert.ok(c.iss === f.leaderId || (w.realm.policy.allowSelfIssued && c.iss === c.sub), 'issued by the leader, or self-issued where allowed')
      const skew = DEFAULT_SKEW_SECONDS
      assert.ok((c.exp as number) + skew > FIXED_NOW_S && (c.nbf as number) <= FIXED_NOW_S + skew && (c.iat as number) <= FIXED_NOW_S + skew, 'in its time')
      assert.ok((c.exp as number) - (c.iat as number) <= w.realm.policy.maxTokenTtlSeconds, 'within the ttl policy')
      assert.notEqual(w.isRevoked?.(c.jti as string), true, 'not revoked')
      if (w.expected !== undefined && kind === 'node') assert.equal(c.sub, w.expected)
    }))
  })

  test('valid tokens of any content round-trip, and one edit anywhere in them is refused, also with the valid token in the cache', async () => {
    const text = (min: number, max: number): fc.Arbitrary<string> => fc.string({ unit: 'binary', minLength: min, maxLength: max })
    const common = fc.record({
      ttlSeconds: fc.integer({ min: 31, max: 30 * 24 * 3600 }),
      jti: fc.option(text(1, 40).filter(s => s.length <= 128), { nil: undefined }),
      notBefore: fc.option(fc.integer({ min: FIXED_NOW_S - 10_000, max: FIXED_NOW_S + DEFAULT_SKEW_SECONDS }), { nil: undefined })
    })
    const ext = fc.record({
      hostname: text(1, 60).filter(s => s.length <= 253),
      port: fc.integer({ min: 1, max: 65535 }),
      multiaddrs: fc.array(text(0, 20).map(s => `/${s}`), { maxLength: 3 }),
      attrs: fc.dictionary(text(0, 10), text(0, 20), { maxKeys: 4, noNullPrototype: true })
    }, { requiredKeys: [] })
    const audience: fc.Arbitrary<Audience> = fc.oneof(
      fc.constant({ kind: 'public' as const }),
      fc.array(peer(), { maxLength: 3 }).map(ids => ({ kind: 'identities' as const, ids })),
      fc.tuple(text(1, 10), text(0, 10)).map(([name, value]) => ({ kind: 'attribute' as const, name, value }))
    )
    const issued: fc.Arbitrary<{ kind: TokenKind, issue: () => Promise<string>, expected?: string }> = fc.oneof(
      fc.tuple(common, peer(), ext).map(([c, subject, e]) => ({ kind: 'node' as const, expected: subject, issue: async () => issueNodeToken(f.leader, { ...c, realm: f.realm, subject, ext: e, now: fixedNow }) })),
      fc.tuple(common, peer(), peer(), ext).map(([c, subject, node, e]) => ({ kind: 'identity' as const, expected: node, issue: async () => issueIdentityToken(f.leader, { ...c, realm: f.realm, subject, node, ext: e, now: fixedNow }) })),
      fc.tuple(common, text(0, 30), fc.constantFrom('sender' as const, 'receiver' as const, 'both' as const), fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), audience, peer())
        .map(([c, subject, role, threshold, aud, node]) => ({ kind: 'interest' as const, issue: async () => issueInterestToken(f.identity, { ...c, realm: f.realm, subject, role, threshold, audience: aud, node, now: fixedNow }) })),
      fc.tuple(common, fc.array(fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 })), { maxLength: 3 }))
        .map(([c, addrs]) => ({ kind: 'invitation' as const, issue: async () => issueInvitationToken(f.leader, { ...c, descriptor: f.realm, bootstrap: addrs.map(([ip, port]) => `/ip4/${ip}/tcp/${port}/p2p/${f.leaderId}`), now: fixedNow }) }))
    )
    await fc.assert(fc.asyncProperty(issued, fc.array(edit, { minLength: 1, maxLength: 3 }), async ({ kind, issue, expected }, editList) => {
      const token = await issue()
      const w = { realm: f.realm, cache, expected }
      const verified = await verify(kind, token, w)
      assert.deepEqual(verified.claims, { ...decodeTokenUnverified(token).claims, ...(kind === 'invitation' && { descriptor: f.realm }) })
      const edited = editList.reduce((t, e) => applyEdit(t, e), token)
      if (edited === token) return
      assert.equal(await verdict(kind, edited, w), undefined, `accepted an edit of a valid token: ${edited}`)
    }))
  })
})
