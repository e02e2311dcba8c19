/**
 * The pieces that bound onboarding, with an injected clock: what a source address is, the token
 * buckets, the per-address count of waiting requests, the wrong-proof backoff, and the attribute
 * policy.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { attributesRefusal } from '../src/attributes.js'
import { JoinProofGuard } from '../src/join-proofs.js'
import { Buckets } from '../src/rate.js'
import { RequestLimiter } from '../src/request-limits.js'
import { RequestBook } from '../src/requests.js'
import { sourceAddress } from '../src/source-address.js'
import { defaultRequestLimits } from '../src/index.js'
import type { RequestRecord } from '../src/requests.js'

const from = (address: string): string => sourceAddress({ remoteAddr: multiaddr(address) })

describe('source address', () => {
  it('is the IPv4 address, the IPv4 inside a mapped IPv6 one, an IPv6 address\'s /64, or the address as is', () => {
    assert.equal(from('/ip4/192.0.2.7/tcp/4001/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'), '192.0.2.7')
    assert.equal(from('/ip6/::ffff:192.0.2.7/tcp/4001'), '192.0.2.7')
    assert.equal(from('/ip6/2001:db8:1:2:aaaa:bbbb:cccc:dddd/tcp/1'), '2001:db8:1:2::/64')
    assert.equal(from('/ip6/2001:db8:1:2::1/tcp/1'), '2001:db8:1:2::/64')
    assert.equal(from('/ip6/2001:db8::1/tcp/1'), '2001:db8:0:0::/64')
    assert.equal(from('/ip6/::1/tcp/1'), '0:0:0:0::/64')
    assert.equal(from('/memory/abc-outgoing'), '/memory/abc-outgoing')
  })
})

describe('token buckets', () => {
  it('give `burst` at once, then one per 60/perMinute s, and say how long until the next', () => {
    let now = 0
    const buckets = new Buckets({ burst: 2, perMinute: 6 }, { maxKeys: 10, now: () => now })
    for (let i = 0; i < 2; i++) {
      assert.equal(buckets.waitMs('a'), 0)
      buckets.take('a')
    }
    assert.equal(buckets.waitMs('a'), 10_000)
    assert.equal(buckets.waitMs('b'), 0, 'another key has its own bucket')
    now = 4_000
    assert.equal(buckets.waitMs('a'), 6_000)
    now = 10_000
    assert.equal(buckets.waitMs('a'), 0)
  })
})

describe('requests per source address', () => {
  function record (book: RequestBook, peer: string, address: string): RequestRecord {
    return { request: { id: book.newId(), kind: 'token', peer, attributes: {}, requestedAt: new Date(0).toISOString(), address }, state: 'pending', ttlSeconds: 60, expiresAt: 1e12 }
  }

  it('counts waiting requests per address until they are decided, forgotten or expire; refuses past the bounds', () => {
    let now = 0
    const book = new RequestBook({ maxPending: 100, maxDecided: 100, now: () => now })
    const limits = { ...defaultRequestLimits(), maxPendingPerAddress: 2, addressRate: { burst: 3, perMinute: 1 }, globalRate: { burst: 4, perMinute: 1 } }
    const limiter = new RequestLimiter(limits, book, { now: () => now })
    const admitted: RequestRecord[] = []
    for (const peer of ['p1', 'p2']) {
      assert.equal(limiter.admit('192.0.2.1'), undefined)
      const r = record(book, peer, '192.0.2.1')
      book.add(r)
      admitted.push(r)
    }
    assert.equal(book.pendingFrom('192.0.2.1'), 2)
    assert.equal(limiter.admit('192.0.2.1')?.code, 'RATE_LIMITED', 'two wait from this address')
    assert.equal(limiter.admit('192.0.2.2'), undefined, 'another address is not affected')
    book.decide(admitted[0]?.request.id ?? '', 'denied', { expiresAt: 1e12 })
    assert.equal(book.pendingFrom('192.0.2.1'), 1)
    // room again, but the address's bucket has one token left of three
    assert.equal(limiter.admit('192.0.2.1'), undefined)
    book.forget(admitted[1]?.request.id ?? '')
    assert.equal(book.pendingFrom('192.0.2.1'), 0)
    const refused = limiter.admit('192.0.2.1')
    assert.deepEqual([refused?.code, refused?.retryAfterMs], ['RATE_LIMITED', 60_000])
    // four taken from everyone's bucket: the next address is BUSY
    assert.equal(limiter.admit('192.0.2.3')?.code, 'BUSY')
    now = 60_000
    assert.equal(limiter.admit('192.0.2.3'), undefined)
  })

  it('knows which token requests nobody asked about since a time', () => {
    let now = 0
    const book = new RequestBook({ maxPending: 10, maxDecided: 10, now: () => now })
    const a = record(book, 'a', 'x')
    const b = record(book, 'b', 'x')
    book.add(a)
    book.add(b)
    now = 5_000
    book.touch(b.request.id)
    assert.deepEqual(book.unseenSince(1_000).map(r => r.request.peer), ['a'])
    assert.deepEqual(book.unseenSince(6_000).map(r => r.request.peer), ['a', 'b'])
  })
})

describe('wrong join proofs', () => {
  it('double the backoff per wrong proof, ban at banAfter, and a right proof forgives', () => {
    let now = 0
    const guard = new JoinProofGuard({ limits: { backoffSeconds: 1, banAfter: 3, banSeconds: 600 }, now: () => now })
    assert.equal(guard.refusal('a'), undefined)
    assert.deepEqual(guard.wrong('a', 'p1'), { waitMs: 1_000 })
    assert.equal(guard.refusal('a')?.code, 'RATE_LIMITED')
    now = 1_000
    assert.equal(guard.refusal('a'), undefined)
    assert.deepEqual(guard.wrong('a', 'p2'), { waitMs: 2_000 })
    now = 3_000
    assert.deepEqual(guard.wrong('a', 'p3'), { waitMs: 600_000, ban: { peers: ['p1', 'p2', 'p3'], until: 603_000 } })
    assert.equal(guard.refusal('a')?.code, 'PEER_BANNED')
    assert.equal(guard.isBanned('a'), true)
    guard.right('a')
    assert.equal(guard.isBanned('a'), true, 'a ban is not lifted by a right proof')
    now = 603_000
    assert.equal(guard.refusal('a'), undefined, 'the ban ends')

    guard.wrong('b', 'q1')
    now += 1_000
    guard.right('b')
    assert.deepEqual(guard.wrong('b', 'q2'), { waitMs: 1_000 }, 'forgiven: the count starts again')
  })
})

describe('allowed attributes', () => {
  it('none by default; names allow any value; per name a list of values or "*"', () => {
    assert.match(attributesRefusal(undefined, { role: 'user' }) ?? '', /"role" is not one the leader grants/)
    assert.equal(attributesRefusal(undefined, {}), undefined)
    assert.equal(attributesRefusal(['host'], { host: 'anything' }), undefined)
    assert.match(attributesRefusal(['host'], { role: 'x' }) ?? '', /"role"/)
    const policy = { role: ['user', 'sensor'], site: '*' as const }
    assert.equal(attributesRefusal(policy, { role: 'sensor', site: 'lab' }), undefined)
    assert.match(attributesRefusal(policy, { role: 'admin' }) ?? '', /may not be "admin"; allowed: user, sensor/)
    assert.match(attributesRefusal(policy, { constructor: 'x' }) ?? '', /"constructor" is not one/, 'no inherited names')
  })
})
