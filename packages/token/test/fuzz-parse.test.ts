// Fuzzing of the token parser (parseCompactJws, checkHeader, checkClaims) and of the realm
// descriptor parser. What they promise: a parsed value, or a TokenError (RealmDescriptorError for
// the descriptor) whose code is one of its documented codes; nothing else, for any input.
// Cases per property: fast-check's default (100), or FUZZ_CASES under `pnpm fuzz`.
import { describe, test, before } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createRealmDescriptor, issueIdentityToken, issueInterestToken, issueInvitationToken, issueNodeToken, parseRealmDescriptor, decodeTokenUnverified, MAX_TOKEN_LENGTH } from '../src/index.js'
import { checkClaims } from '../src/claims.js'
import { checkHeader, parseCompactJws } from '../src/jws.js'
import { anything, assertRealmDescriptorError, assertTokenError, edits, json, tokenLike } from './fuzz-arbitraries.js'
import { fixedNow, fixture } from './fixtures.js'
import type { Fixture } from './fixtures.js'
import type { TokenKind } from '../src/index.js'

const KINDS: readonly TokenKind[] = ['node', 'identity', 'interest', 'invitation']
const TYPS = ['rm-node+jwt', 'rm-identity+jwt', 'rm-interest+jwt', 'rm-invitation+jwt']

/** runs fn; returns its value, or undefined after checking what it threw */
function outcome<T> (fn: () => T, checkError: (err: unknown) => void): T | undefined {
  try {
    return fn()
  } catch (err) {
    checkError(err)
    return undefined
  }
}

describe('fuzz: token parsing', () => {
  let f: Fixture
  /** the claims of one valid token of each kind */
  const claimsOf = new Map<TokenKind, Record<string, unknown>>()
  before(async () => {
    f = await fixture()
    const tokens: Record<TokenKind, string> = {
      node: await issueNodeToken(f.leader, { realm: f.realm, subject: f.nodeId, now: fixedNow, ext: { hostname: 'h', port: 1, multiaddrs: ['/ip4/1.2.3.4'], attrs: { a: 'b' } } }),
      identity: await issueIdentityToken(f.leader, { realm: f.realm, subject: f.identityId, node: f.nodeId, now: fixedNow }),
      interest: await issueInterestToken(f.identity, { realm: f.realm, subject: 's', role: 'both', node: f.nodeId, now: fixedNow, audience: { kind: 'identities', ids: [f.nodeId] } }),
      invitation: await issueInvitationToken(f.leader, { descriptor: f.realm, now: fixedNow })
    }
    for (const kind of KINDS) claimsOf.set(kind, decodeTokenUnverified(tokens[kind]).claims)
  })

  test('parseCompactJws: any string, or anything, is a parsed JWS or TOKEN_MALFORMED', () => {
    fc.assert(fc.property(fc.oneof(tokenLike, anything), (token) => {
      const parsed = outcome(() => parseCompactJws(token), err => { assertTokenError(err, ['TOKEN_MALFORMED']) })
      if (parsed === undefined) return
      // only what it checked: a string of three parts, two of them JSON objects
      assert.ok(typeof token === 'string' && token.length <= MAX_TOKEN_LENGTH && token.split('.').length === 3)
      assert.equal(parsed.signingInput.toString('latin1'), token.slice(0, token.lastIndexOf('.')))
      for (const part of [parsed.header, parsed.payload]) assert.ok(typeof part === 'object' && part !== null && !Array.isArray(part))
    }))
  })

  test('checkHeader: any JSON object passes exactly when it is {alg: EdDSA, typ, kid?: string}; otherwise a header code', () => {
    const header = fc.oneof(
      fc.dictionary(fc.string({ maxLength: 6 }), json, { maxKeys: 4 }),
      edits({ alg: 'EdDSA', typ: 'rm-node+jwt', kid: 'k' }),
      fc.record({ alg: fc.constantFrom('EdDSA', 'none', 'HS256', 'eddsa'), typ: fc.constantFrom(...TYPS), kid: fc.oneof(fc.string(), json) }, { requiredKeys: ['alg', 'typ'] })
    ).filter(h => typeof h === 'object' && h !== null && !Array.isArray(h)) as fc.Arbitrary<Record<string, unknown>>
    fc.assert(fc.property(header, fc.constantFrom(...TYPS), (h, typ) => {
      const passed = outcome(() => checkHeader(h, typ), err => { assertTokenError(err, ['TOKEN_ALG_NOT_ALLOWED', 'TOKEN_WRONG_TYPE', 'TOKEN_MALFORMED']) })
      const allowed = h.alg === 'EdDSA' && h.typ === typ && (h.kid === undefined || typeof h.kid === 'string') &&
        Object.keys(h).every(k => ['alg', 'typ', 'kid'].includes(k))
      assert.equal(passed !== undefined, allowed, JSON.stringify(h))
    }))
  })

  for (const kind of KINDS) {
    test(`checkClaims(${kind}): any JSON object, or a valid one edited, gives the claims or TOKEN_MALFORMED`, () => {
      const claims = fc.oneof(
        fc.dictionary(fc.string({ maxLength: 6 }), json, { maxKeys: 6 }),
        fc.constant(null).chain(() => edits(claimsOf.get(kind))),
        fc.constant(null).chain(() => edits(claimsOf.get(kind), anything))
      ).filter(c => typeof c === 'object' && c !== null && !Array.isArray(c)) as fc.Arbitrary<Record<string, unknown>>
      fc.assert(fc.property(claims, (c) => {
        outcome(() => checkClaims(kind, c), err => { assertTokenError(err, ['TOKEN_MALFORMED']) })
      }))
    })
  }

  test('parseRealmDescriptor: any JSON, any text, anything, a valid descriptor edited: a descriptor or REALM_DESCRIPTOR_INVALID', () => {
    const valid = JSON.parse(JSON.stringify(f.realm))
    const input = fc.oneof(json, fc.string(), anything, edits(valid), edits(valid, anything), edits(valid).map(d => JSON.stringify(d)))
    fc.assert(fc.property(input, (doc) => {
      const parsed = outcome(() => parseRealmDescriptor(doc), assertRealmDescriptorError)
      // what it returns is valid as it stands
      if (parsed !== undefined) assert.deepEqual(parseRealmDescriptor(JSON.parse(JSON.stringify(parsed))), parsed)
    }))
  })

  test('a realm descriptor round-trips through its JSON text', () => {
    const input = fc.record({
      name: fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/),
      policy: fc.record({ allowSelfIssued: fc.boolean(), maxTokenTtlSeconds: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), broadcast: fc.boolean() }, { requiredKeys: [] }),
      bootstrap: fc.array(fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 })).map(([ip, port]) => `/ip4/${ip}/tcp/${port}/p2p/${f.leaderId}`), { maxLength: 4 }),
      // up to the end of year 9999: after it toISOString writes a six-digit year ("+010000-..."),
      // which createdAt's format does not take (createRealmDescriptor then refuses its own clock)
      now: fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) })
    })
    fc.assert(fc.property(input, ({ name, policy, bootstrap, now }) => {
      const descriptor = createRealmDescriptor({ name, leaderKey: f.leader, policy, bootstrap, now: () => now })
      assert.deepEqual(parseRealmDescriptor(JSON.stringify(descriptor)), descriptor)
    }))
  })
})
