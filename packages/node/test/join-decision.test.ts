import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decideJoin, commonPrefixLength, defaultBucketSize, unhealthiest } from '../src/membership/join-decision.js'
import type { Member } from '../src/membership/membership.js'

/** a fingerprint whose first byte is `first` and the rest `rest` */
const fp = (first: number, rest = 0): Uint8Array => { const b = new Uint8Array(32).fill(rest); b[0] = first; return b }
const member = (fingerprint: Uint8Array, over: Partial<Member> = {}): Member => ({ fingerprint, failures: 0, id: Buffer.from(fingerprint).toString('hex'), ...over }) as Member
const self = fp(0)

test('commonPrefixLength counts shared leading bits', () => {
  assert.equal(commonPrefixLength(fp(0b1000_0000), fp(0)), 0)
  assert.equal(commonPrefixLength(fp(0b0000_0001), fp(0)), 7)
  assert.equal(commonPrefixLength(fp(0, 1), fp(0, 0)), 15)
  assert.equal(commonPrefixLength(fp(5, 5), fp(5, 5)), 256)
})

test('with fewer than k members every learnt peer is joined (neighbourhood)', () => {
  assert.equal(decideJoin(fp(0x80), self, [member(fp(0x81))], { k: 2 }), 'neighbourhood')
})

test('a peer closer than the k-th closest member is joined (neighbourhood)', () => {
  const members = [member(fp(0x40)), member(fp(0x41))]
  assert.equal(decideJoin(fp(0x01), self, members, { k: 2 }), 'neighbourhood')
})

test('a far peer whose bucket has room is joined (bucket-space); a full healthy bucket only forwards', () => {
  const members = [member(fp(0x01)), member(fp(0x02)), member(fp(0x80))]
  assert.equal(decideJoin(fp(0x90), self, members, { k: 2, bucketSize: 2 }), 'bucket-space')
  const full = [...members, member(fp(0x81))]
  assert.equal(decideJoin(fp(0x90), self, full, { k: 2, bucketSize: 2 }), 'forward-only')
})

test('a full bucket with a member that missed keepalives, or is much slower than the rest, takes the newcomer', () => {
  const near = [member(fp(0x01), { latencyMs: 10 }), member(fp(0x02), { latencyMs: 10 })]
  const failing = [...near, member(fp(0x80), { latencyMs: 10 }), member(fp(0x81), { failures: 1, latencyMs: 10 })]
  assert.equal(decideJoin(fp(0x90), self, failing, { k: 2, bucketSize: 2 }), 'replaces-unhealthy')
  const slow = [...near, member(fp(0x80), { latencyMs: 10 }), member(fp(0x81), { latencyMs: 500 })]
  assert.equal(decideJoin(fp(0x90), self, slow, { k: 2, bucketSize: 2 }), 'replaces-unhealthy')
  assert.equal(unhealthiest(slow.slice(2), slow)?.latencyMs, 500)
})

test('a bucket over its size (members joined us) only forwards, however unhealthy its members: no evict and re-join loop', () => {
  const near = [member(fp(0x01), { latencyMs: 10 }), member(fp(0x02), { latencyMs: 10 })]
  const over = [...near, member(fp(0x80), { latencyMs: 10 }), member(fp(0x81), { failures: 2, latencyMs: 10 }), member(fp(0x82), { latencyMs: 900 })]
  assert.equal(decideJoin(fp(0x90), self, over, { k: 2, bucketSize: 2 }), 'forward-only')
  // the same bucket at exactly its size replaces its unhealthiest member
  assert.equal(decideJoin(fp(0x90), self, over.slice(0, 4), { k: 2, bucketSize: 2 }), 'replaces-unhealthy')
})

test('by default a far bucket keeps a quarter of k members, at least 3; the neighbourhood still takes every closer peer', () => {
  assert.equal(defaultBucketSize(20), 5)
  assert.equal(defaultBucketSize(40), 10)
  assert.equal(defaultBucketSize(4), 3)
  assert.equal(defaultBucketSize(2), 2)
  assert.equal(defaultBucketSize(1), 1)
  // k = 4: the 4 closest members share 4 or more leading bits with us; bucket 0 (first bit differs) holds 3
  const near = [member(fp(0x01)), member(fp(0x02)), member(fp(0x03)), member(fp(0x04))]
  const far = [member(fp(0x80)), member(fp(0x81)), member(fp(0x82))]
  assert.equal(decideJoin(fp(0x90), self, [...near, ...far.slice(0, 2)], { k: 4 }), 'bucket-space')
  assert.equal(decideJoin(fp(0x90), self, [...near, ...far], { k: 4 }), 'forward-only')
  assert.equal(decideJoin(fp(0x90), self, [...near, ...far], { k: 4, bucketSize: 4 }), 'bucket-space')
  // bucket 5 (first byte 0x04-0x07) is full with 0x04, 0x06 and 0x07: 0x05 is not among the 4 closest
  assert.equal(decideJoin(fp(0x05), self, [...near, member(fp(0x06)), member(fp(0x07))], { k: 4 }), 'forward-only')
  assert.equal(decideJoin(fp(0x00, 1), self, [...near, ...far], { k: 4 }), 'neighbourhood')
})
