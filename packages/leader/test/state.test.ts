/**
 * The leader's bounded state, with an injected clock: requests expire and are bounded, decided
 * requests are bounded, revocations are signed, numbered and dropped once over, and the state files
 * round-trip (a bad file is refused with STATE_FILE_INVALID).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseRequests, renderRequests, RequestBook } from '../src/requests.js'
import { RevocationBook } from '../src/revocation.js'
import { verifyRevocation } from '@realmesh/node'
import { createRealmDescriptor, generateNodeKey } from '@realmesh/token'
import type { RealmDescriptor } from '@realmesh/token'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import type { RequestRecord } from '../src/requests.js'

function tokenRecord (book: RequestBook, peer: string, expiresAt: number): RequestRecord {
  return { request: { id: book.newId(), kind: 'token', peer, attributes: {}, requestedAt: new Date(0).toISOString() }, state: 'pending', ttlSeconds: 60, expiresAt }
}

describe('request book', () => {
  it('keeps one token request per peer, and forgets requests when they expire', () => {
    let now = 1_000
    const book = new RequestBook({ maxPending: 10, maxDecided: 10, now: () => now })
    const a = tokenRecord(book, 'peer-a', 5_000)
    book.add(a)
    assert.equal(book.tokenRequestOf('peer-a'), a)
    const replacement = tokenRecord(book, 'peer-a', 5_000)
    book.add(replacement)
    assert.equal(book.size, 1)
    assert.equal(book.get(a.request.id), undefined)
    now = 5_000
    assert.equal(book.tokenRequestOf('peer-a'), undefined)
    assert.equal(book.size, 0)
  })

  it('counts pending requests against maxPending, and bounds decided ones (oldest first)', () => {
    const book = new RequestBook({ maxPending: 2, maxDecided: 1, now: () => 0 })
    const first = tokenRecord(book, 'a', 100)
    const second = tokenRecord(book, 'b', 100)
    book.add(first)
    book.add(second)
    assert.equal(book.isFull(), true)
    book.decide(first.request.id, 'denied', { reason: 'no', expiresAt: 100 })
    assert.equal(book.isFull(), false)
    book.decide(second.request.id, 'issued', { token: 't', expiresAt: 100 })
    // two decided, one allowed: the older goes
    assert.equal(book.get(first.request.id), undefined)
    assert.equal(book.get(second.request.id)?.state, 'issued')
    assert.throws(() => book.decide(second.request.id, 'denied', { expiresAt: 100 }), { code: 'REQUEST_ALREADY_DECIDED' })
    assert.throws(() => book.decide('missing', 'denied', { expiresAt: 100 }), { code: 'REQUEST_UNKNOWN' })
  })

  it('matches deferrals by token hash', () => {
    const book = new RequestBook({ maxPending: 2, maxDecided: 2, now: () => 0 })
    const record: RequestRecord = { request: { id: book.newId(), kind: 'deferred', peer: 'member', attributes: {}, requestedAt: '1970-01-01T00:00:00.000Z', identity: 'who' }, state: 'pending', tokenHash: 'ab'.repeat(32), identityExpiresAt: 50, expiresAt: 50 }
    book.add(record)
    assert.equal(book.deferralOf('ab'.repeat(32)), record)
    assert.equal(book.tokenRequestOf('member'), undefined)
  })

  it('round-trips pending.json and refuses a damaged one', () => {
    const book = new RequestBook({ maxPending: 2, maxDecided: 2, now: () => 0 })
    book.add(tokenRecord(book, 'a', 100))
    const text = renderRequests(book.list())
    assert.deepEqual(parseRequests(text, 'pending.json'), book.list())
    assert.throws(() => parseRequests('{', 'pending.json'), { code: 'STATE_FILE_INVALID' })
    assert.throws(() => parseRequests('{"version":1,"requests":[{"request":{"id":"x y"}}]}', 'pending.json'), { code: 'STATE_FILE_INVALID' })
    assert.throws(() => parseRequests(text.replace('"pending"', '"maybe"'), 'pending.json'), { code: 'STATE_FILE_INVALID' })
  })
})

describe('revocation book', () => {
  it('signs revocations numbered 1, 2, 3 that verify against the realm, keeps them until their time is over, and continues the numbering after a reload', async () => {
    let now = 1_000_000
    const { key, realm } = await testRealm()
    const book = new RevocationBook({ realm, key, now: () => now })
    const peer = '12D3KooWAWeuFbnBGVNN5f7ebu8PQmASWmwPyxPA9X5ob7RzEhkW'
    const [a, b] = book.sign([{ peer, jti: '', untilMs: now + 10_000 }, { peer: '', jti: 'some-jti', untilMs: now + 20_000 }], 'gone')
    assert.equal(a?.seq, 1n)
    assert.equal(b?.seq, 2n)
    for (const revocation of book.list()) verifyRevocation(realm, revocation)
    assert.equal(book.isPeerRevoked(peer), true, 'a whole peer is remembered')
    assert.equal(book.isPeerRevoked('12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'), false)
    now += 10_000
    assert.equal(book.prune(), true)
    assert.deepEqual(book.list().map(r => r.seq), [2n])
    assert.equal(book.isPeerRevoked(peer), true, 'the peer stays refused after its revocation is over')
    const copy = new RevocationBook({ realm, key, now: () => now })
    copy.load(book.render(), 'revoked.json')
    assert.deepEqual(copy.list().map(r => r.seq), [2n])
    assert.equal(copy.isPeerRevoked(peer), true)
    assert.equal(copy.sign([{ peer, jti: '', untilMs: now + 1 }], '')[0]?.seq, 3n, 'the numbering goes on')
    assert.throws(() => { book.sign([{ peer, jti: '', untilMs: now + 1 }], 'x'.repeat(257)) }, { code: 'REASON_INVALID' })
    assert.throws(() => { copy.load('{', 'revoked.json') }, { code: 'STATE_FILE_INVALID' })
    assert.throws(() => { copy.load('{"version":2,"nextSeq":1,"revocations":[{"seq":"x"}],"peers":[]}', 'revoked.json') }, { code: 'STATE_FILE_INVALID' })
  })

  it('reads a version 1 revoked.json as revocations signed now', async () => {
    const now = 1_000_000
    const { key, realm } = await testRealm()
    const book = new RevocationBook({ realm, key, now: () => now })
    book.load(JSON.stringify({ version: 1, revoked: [{ jti: 'old', exp: now / 1000 + 60 }, { jti: 'expired', exp: 1 }] }), 'revoked.json')
    const [only] = book.list()
    assert.equal(book.list().length, 1)
    assert.equal(only?.jti, 'old')
    verifyRevocation(realm, only)
    assert.throws(() => { book.load('{"version":1,"revoked":[{"jti":3}]}', 'revoked.json') }, { code: 'STATE_FILE_INVALID' })
  })
})

async function testRealm (): Promise<{ key: Ed25519PrivateKey, realm: RealmDescriptor }> {
  const key = await generateNodeKey()
  return { key, realm: createRealmDescriptor({ name: 'state-test', leaderKey: key }) }
}

describe('request ids', () => {
  it('none starts with "-": an operator passes it as a CLI argument (1 base64url id in 64 would)', () => {
    const book = new RequestBook({ maxPending: 10, maxDecided: 10, now: () => 0 })
    for (let i = 0; i < 2000; i++) assert.ok(!book.newId().startsWith('-'))
  })
})
