import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { compareDistance, xorDistance } from '@realmesh/token'
import { Membership, closestAmong, headOf } from '../src/membership/membership.js'
import { decideJoin } from '../src/membership/join-decision.js'
import type { Member } from '../src/membership/membership.js'
import type { VerifiedNode } from '../src/handshake/handshake.js'

async function membership (count: number): Promise<Membership> {
  const m = new Membership()
  for (let i = 0; i < count; i++) {
    const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const node = { claims: { exp: Math.floor(Date.now() / 1000) + 3600 } } as unknown as VerifiedNode
    m.admit({ peerId, node, identity: node as never, addrs: [] })
  }
  return m
}

/** the members sorted by distance to `key`, the plain way */
const byDistance = (members: Member[], key: Uint8Array): Member[] =>
  [...members].sort((a, b) => compareDistance(xorDistance(a.fingerprint, key), xorDistance(b.fingerprint, key)))

test('closest gives the n nearest members in order, for small and large n, with exclusions', async () => {
  const m = await membership(60)
  for (let round = 0; round < 20; round++) {
    const key = randomBytes(32)
    const sorted = byDistance(m.list(), key)
    for (const n of [1, 2, 3, 16, 17, 20, 60, 100]) {
      assert.deepEqual(m.closest(key, n).map(x => x.id), sorted.slice(0, n).map(x => x.id), `n = ${n}`)
    }
    const odd = (x: Member): boolean => (x.fingerprint[31] ?? 0) % 2 === 1
    assert.deepEqual(m.closest(key, 4, odd).map(x => x.id), sorted.filter(x => !odd(x)).slice(0, 4).map(x => x.id))
    assert.deepEqual(m.closest(key, 0), [])
  }
})

test('closestAmong ranks members whose first 4 bytes tie by the rest of the fingerprint, and asks exclude only of members that would make the answer', () => {
  // 8 groups of 10 fingerprints, each group sharing its first 4 bytes: the numeric head ties
  const members: Member[] = []
  for (let g = 0; g < 8; g++) {
    const head = randomBytes(4)
    for (let i = 0; i < 10; i++) {
      const fp = Uint8Array.from([...head, ...randomBytes(28)])
      members.push({ id: `m${g}-${i}`, fingerprint: fp, head: headOf(fp) } as unknown as Member)
    }
  }
  for (let round = 0; round < 50; round++) {
    // half the keys share a group's head, so the tie-break decides the whole answer
    const key = round % 2 === 0 ? randomBytes(32) : Uint8Array.from([...(members[round % members.length] as Member).fingerprint.subarray(0, 4), ...randomBytes(28)])
    const sorted = byDistance(members, key)
    for (const n of [1, 2, 3, 10, 16, 17, 40, 100]) {
      assert.deepEqual(closestAmong(key, members, n).map(x => x.id), sorted.slice(0, n).map(x => x.id), `n = ${n}`)
    }
    const even = sorted.filter(x => (x.fingerprint[31] ?? 0) % 2 === 0).slice(0, 2)
    const odd = (x: Member): boolean => (x.fingerprint[31] ?? 0) % 2 === 1
    assert.deepEqual(closestAmong(key, members, 2, odd).map(x => x.id), even.map(x => x.id))
    // given closest first, exclude is asked only down to the answer's last member: never of one farther
    const asked: Member[] = []
    closestAmong(key, sorted, 2, x => { asked.push(x); return odd(x) })
    assert.deepEqual(asked.map(x => x.id), sorted.slice(0, sorted.indexOf(even[1] as Member) + 1).map(x => x.id))
  }
})

test('decideJoin puts a candidate in the neighbourhood exactly when it is nearer than the k-th closest member', async () => {
  const members = (await membership(40)).list()
  const self = randomBytes(32)
  const kth = byDistance(members, self)[19] as Member
  for (let round = 0; round < 200; round++) {
    const candidate = randomBytes(32)
    const nearer = compareDistance(xorDistance(candidate, self), xorDistance(kth.fingerprint, self)) < 0
    assert.equal(decideJoin(candidate, self, members, { k: 20 }) === 'neighbourhood', nearer)
  }
  // the k-th closest member itself is not nearer than itself
  assert.notEqual(decideJoin(kth.fingerprint, self, members, { k: 20 }), 'neighbourhood')
})

test('decideJoin with Membership.tableView gives the verdicts it gives walking the members, and the view follows the table', async () => {
  const m = await membership(60)
  const self = randomBytes(32)
  const verdicts = (): void => {
    const members = m.list()
    for (let round = 0; round < 300; round++) {
      // candidates near self too, so every verdict comes up: neighbourhood, bucket-space and full buckets
      const candidate = randomBytes(32)
      if (round % 3 === 0) candidate.set(self.subarray(0, 1 + (round % 4)))
      for (const bucketSize of [1, 3, 5]) {
        const init = { k: 20, bucketSize }
        assert.equal(decideJoin(candidate, self, members, { ...init, view: m.tableView(self, 20) }), decideJoin(candidate, self, members, init))
      }
    }
  }
  verdicts()
  // the same view while the table is the same, a new one once a member left
  assert.equal(m.tableView(self, 20), m.tableView(self, 20))
  const before = m.tableView(self, 20)
  const gone = m.closest(self, 1)[0] as Member
  m.remove(gone.peerId, 'leave')
  assert.notEqual(m.tableView(self, 20), before)
  assert.ok(![...m.tableView(self, 20).buckets.values()].flat().includes(gone))
  verdicts()
})

test('near is kept per version for a key of the same bytes, whichever copy asks; a change derives it again', async () => {
  const m = await membership(30)
  const key = new Uint8Array(randomBytes(32))
  const first = m.near(key, 5)
  assert.deepEqual([...first], byDistance(m.list(), key).slice(0, 5).map(x => x.id))
  assert.equal(m.near(key.slice(), 5), first, 'a copy of the key: the same answer, not derived again')
  const other = new Uint8Array(randomBytes(32))
  assert.notEqual(m.near(other, 5), first, 'another key')
  const again = m.near(key, 5)
  assert.deepEqual([...again], [...first])
  m.remove([...again][0] ?? '', 'leave')
  assert.deepEqual([...m.near(key.slice(), 5)], byDistance(m.list(), key).slice(0, 5).map(x => x.id), 'after a leave')
})
