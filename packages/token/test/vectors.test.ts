import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, test } from 'node:test'
import { decodeTokenUnverified, TokenError, verifyIdentityToken, verifyInterestToken, verifyInvitationToken, verifyNodeToken } from '../src/index.js'
import { VECTORS_DIR } from './make-vectors.js'
import { issueVector, refusalVectors, VECTOR_KINDS } from './vectors.js'
import type { TokenKind } from '../src/index.js'
import type { RefusalVectors, TokenVector } from './vectors.js'

async function load (kind: TokenKind): Promise<TokenVector> {
  return JSON.parse(await readFile(`${VECTORS_DIR}${kind}-token.json`, 'utf8'))
}

describe('golden vectors (test/vectors/*.json)', () => {
  for (const kind of VECTOR_KINDS) {
    test(`${kind} token: issuing the stored inputs gives the stored bytes, and the stored token verifies`, async () => {
      const vector = await load(kind)
      assert.equal(vector.kind, kind)
      const { token, realm } = await issueVector(kind, vector.inputs)
      assert.deepEqual(realm, vector.realm, 'realm descriptor')
      assert.equal(token, vector.token, 'token bytes')

      const decoded = decodeTokenUnverified(vector.token)
      assert.deepEqual(decoded.header, vector.header)
      assert.deepEqual(decoded.claims, vector.claims)

      const opts = { realm: vector.realm, now: () => vector.inputs.nowMs }
      let claims: unknown
      switch (kind) {
        case 'node':
          claims = (await verifyNodeToken(vector.token, opts)).claims
          break
        case 'identity':
          claims = (await verifyIdentityToken(vector.token, opts)).claims
          break
        case 'interest':
          claims = (await verifyInterestToken(vector.token, opts)).claims
          break
        case 'invitation':
          claims = (await verifyInvitationToken(vector.token, { now: opts.now, expectedRealmId: vector.realm.id })).claims
          break
      }
      assert.deepEqual(claims, vector.claims)
    })
  }

  test('refusals.json: every stored bad token is refused with its code, and regenerating gives the same file', async () => {
    const stored: RefusalVectors = JSON.parse(await readFile(`${VECTORS_DIR}refusals.json`, 'utf8'))
    assert.deepEqual(await refusalVectors(), stored)
    assert.ok(stored.cases.length > 10)
    for (const c of stored.cases) {
      const opts = { realm: stored.realm, now: () => stored.nowMs }
      const verify = {
        node: verifyNodeToken,
        identity: verifyIdentityToken,
        interest: verifyInterestToken,
        invitation: async (token: string) => verifyInvitationToken(token, opts)
      }[c.kind]
      await assert.rejects(async () => verify(c.token, opts), (err: unknown) => {
        assert.ok(err instanceof TokenError, c.description)
        assert.equal(err.code, c.code, c.description)
        if (c.claim !== undefined) {
          assert.equal(err.claim, c.claim, c.description)
        }
        return true
      })
    }
  })
})
