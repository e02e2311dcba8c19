/**
 * The leader's bounded state, with an injected clock: requests expire and are bounded, decided
 * requests are bounded, revocations are dropped once their token has expired, and the state files
 * round-trip (a bad file is refused with STATE_FILE_INVALID).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseRequests, renderRequests, RequestBook } from '../src/requests.js'
import { RevocationList } from '../src/revocation.js'
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

describe('revocation list', () => {
  it('holds a jti until its token expires, then drops it', () => {
    let now = 0
    const list = new RevocationList(() => now)
    list.add('a', 10)
    list.add('b', 20)
    assert.equal(list.has('a'), true)
    now = 10_000
    assert.equal(list.has('a'), false)
    assert.equal(list.prune(), true)
    assert.equal(list.size, 1)
    const copy = new RevocationList(() => now)
    copy.load(list.render(), 'revoked.json')
    assert.equal(copy.has('b'), true)
    assert.throws(() => { list.add('', 5) }, { code: 'JTI_INVALID' })
    assert.throws(() => { copy.load('{"version":1,"revoked":[{"jti":3}]}', 'revoked.json') }, { code: 'STATE_FILE_INVALID' })
  })
})
