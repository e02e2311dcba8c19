/**
 * What a keepalive piggybacks (Growth.piggyFor): half of it the not-yet-held records of the members
 * closest to the receiver, the rest at random among the other not-yet-held ones; a record told once
 * is not told again until it changes; nothing at all once the receiver holds everything; and only
 * news: records older than 5 min go only to a member that joined in the last 5 min. And which
 * incidental members (dialled by a lookup or a message) are let go when idle (Growth.idleIncidental).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { compareDistance, xorDistance, fingerprint as fingerprintOf } from '@realmesh/token'
import { bucketOf, defaultBucketSize } from '../src/membership/join-decision.js'
import { Membership } from '../src/membership/membership.js'
import { Growth } from '../src/membership/growth.js'
import type { GrowthDeps } from '../src/membership/growth.js'
import type { Member } from '../src/membership/membership.js'
import type { VerifiedNode } from '../src/handshake/handshake.js'
import type { PeerRecord } from '@realmesh/wire'

async function realm (count: number, now: () => number = Date.now): Promise<{ membership: Membership, growth: Growth }> {
  const membership = new Membership({ now })
  for (let i = 0; i < count; i++) {
    const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const node = { claims: { exp: Math.floor(Date.now() / 1000) + 3600 } } as unknown as VerifiedNode
    // piggyFor hands records on as they are: a marker naming the member stands in for a signed one
    const record = { seq: 1n, marker: peerId.toString() } as unknown as PeerRecord
    membership.admit({ peerId, node, identity: node as never, addrs: [], record, recordSeq: 1n })
  }
  const self = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const growth = new Growth({ self, membership, now } as unknown as GrowthDeps)
  return { membership, growth }
}

const named = (records: PeerRecord[]): string[] => records.map(r => (r as unknown as { marker: string }).marker)

test('piggyFor: the closest not-yet-held half first, the rest at random, each record once, then nothing', async () => {
  const { membership, growth } = await realm(40)
  const receiver = membership.list()[0] as Member
  const others = membership.list().filter(m => m !== receiver)
  const byDistance = [...others].sort((a, b) => compareDistance(xorDistance(a.fingerprint, receiver.fingerprint), xorDistance(b.fingerprint, receiver.fingerprint))).map(m => m.id)
  const told: string[] = []
  for (let round = 0; round < 20; round++) {
    const records = named(growth.piggyFor(receiver.fingerprint, receiver.id, 4))
    if (records.length === 0) break
    assert.ok(records.length <= 4)
    assert.ok(!records.includes(receiver.id), 'never its own record')
    // the first two are the closest two not told yet, in order
    const untold = byDistance.filter(id => !told.includes(id))
    assert.deepEqual(records.slice(0, 2), untold.slice(0, Math.min(2, records.length)))
    for (const id of records) assert.ok(!told.includes(id), 'a record is told once')
    told.push(...records)
  }
  assert.deepEqual([...told].sort(), [...byDistance].sort(), 'every other member\'s record, once')
  assert.deepEqual(growth.piggyFor(receiver.fingerprint, receiver.id, 4), [], 'nothing once it holds everything')
  assert.deepEqual(growth.piggyFor(receiver.fingerprint, receiver.id, 0), [])
})

test('piggyFor: the random half spreads over the table, not always the same members', async () => {
  const { membership } = await realm(30)
  const receiver = membership.list()[0] as Member
  const picked = new Set<string>()
  for (let run = 0; run < 30; run++) {
    // a fresh Growth each run: nothing told yet, so the closest two are the same every time
    const growth = new Growth({ self: receiver.peerId, membership, now: Date.now } as unknown as GrowthDeps)
    for (const id of named(growth.piggyFor(receiver.fingerprint, receiver.id, 4)).slice(2)) picked.add(id)
  }
  assert.ok(picked.size >= 10, `${picked.size} members picked at random over 30 runs`)
})

test('piggyFor: a record that changes is news again', async () => {
  const { membership, growth } = await realm(8)
  const [receiver, changing] = membership.list() as [Member, Member]
  while (growth.piggyFor(receiver.fingerprint, receiver.id, 4).length > 0);
  const record = { seq: 2n, marker: changing.id } as unknown as PeerRecord
  membership.updateRecord(changing.id, record, 2n, [], changing.node)
  assert.deepEqual(named(growth.piggyFor(receiver.fingerprint, receiver.id, 4)), [changing.id])
})

test('piggyFor: only news; records of members that joined (or changed) 5 min ago go only to a member that joined since', async () => {
  let clock = 1_000_000
  const { membership, growth } = await realm(12, () => clock)
  const [receiver, changing] = membership.list() as [Member, Member]
  clock += 300_001
  assert.deepEqual(growth.piggyFor(receiver.fingerprint, receiver.id, 4), [], 'nothing is news any more: nothing told')
  assert.equal(growth.nothingFor(receiver.id), true, 'and the member may be asked at the far pace')
  // a member leaving takes a record away and adds nothing to tell: still nothing for it, without another walk
  const leaving = membership.list().find(m => m !== receiver && m !== changing) as Member
  membership.remove(leaving.id, 'leave')
  assert.equal(growth.nothingFor(receiver.id), true, 'a leave is no news')
  membership.updateRecord(changing.id, { seq: 2n, marker: changing.id } as unknown as PeerRecord, 2n, [], changing.node)
  assert.equal(growth.nothingFor(receiver.id), false, 'the table changed')
  assert.deepEqual(named(growth.piggyFor(receiver.fingerprint, receiver.id, 4)), [changing.id], 'the changed record alone is news')
  // a member that joins now is told every record it does not hold, old or not
  const joiner = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const node = { claims: { exp: Math.floor(clock / 1000) + 3600 } } as unknown as VerifiedNode
  const fresh = membership.admit({ peerId: joiner, node, identity: node as never, addrs: [], record: { seq: 1n, marker: joiner.toString() } as unknown as PeerRecord, recordSeq: 1n })
  const told = new Set<string>()
  for (let round = 0; round < 10; round++) for (const id of named(growth.piggyFor(fresh.fingerprint, fresh.id, 4))) told.add(id)
  assert.equal(told.size, 11, 'all eleven others (one left)')
  // and the joiner's record is news to the old members
  assert.deepEqual(named(growth.piggyFor(receiver.fingerprint, receiver.id, 4)), [fresh.id])
})

test('idleIncidental: only incidental members idle 2 min, never the neighbourhood, only from buckets over their size, newest first', async () => {
  let clock = 1_000_000
  const { membership, growth } = await realm(60, () => clock)
  const self = (growth as unknown as { deps: GrowthDeps }).deps.self
  const key = fingerprintOf(self)
  const near = membership.near(key, 20)
  const members = membership.list()
  for (const [i, m] of members.entries()) {
    m.incidental = i % 4 !== 0
    m.joinedAt = clock - i
  }
  const busy = members.find(m => m.incidental && !near.has(m.id)) as Member
  clock += 120_000
  membership.used(busy.id)
  const size = defaultBucketSize(20)
  const before = new Map<number, number>()
  for (const m of members) before.set(bucketOf(m.fingerprint, key), (before.get(bucketOf(m.fingerprint, key)) ?? 0) + 1)
  const idle = growth.idleIncidental(120_000)
  assert.ok(idle.length > 0, 'a realm of 60 seen from one node has buckets over their size')
  for (const m of idle) {
    assert.ok(m.incidental, 'only incidental members')
    assert.ok(!near.has(m.id), 'never the neighbourhood')
    assert.notEqual(m, busy, 'never one used in the last 2 min')
  }
  const after = new Map(before)
  for (const m of idle) after.set(bucketOf(m.fingerprint, key), (after.get(bucketOf(m.fingerprint, key)) ?? 0) - 1)
  for (const [bucket, count] of after) assert.ok(count >= Math.min(size, before.get(bucket) ?? 0), `bucket ${bucket} keeps its size`)
  // within a bucket, the newest incidental ones go first
  for (const m of idle) {
    const bucket = bucketOf(m.fingerprint, key)
    const kept = members.filter(o => o.incidental && !near.has(o.id) && o !== busy && bucketOf(o.fingerprint, key) === bucket && !idle.includes(o))
    for (const o of kept) assert.ok(o.joinedAt <= m.joinedAt, 'an older one is kept before a newer one')
  }
  assert.deepEqual(growth.idleIncidental(200_000), [], 'none idle that long')
})
