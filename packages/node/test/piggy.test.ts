/**
 * What a keepalive piggybacks (Growth.piggyFor): half of it the not-yet-held records of the members
 * closest to the receiver, the rest at random among the other not-yet-held ones; a record told once
 * is not told again until it changes; nothing at all once the receiver holds everything.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { compareDistance, xorDistance } from '@realmesh/token'
import { Membership } from '../src/membership/membership.js'
import { Growth } from '../src/membership/growth.js'
import type { GrowthDeps } from '../src/membership/growth.js'
import type { Member } from '../src/membership/membership.js'
import type { VerifiedNode } from '../src/handshake/handshake.js'
import type { PeerRecord } from '@realmesh/wire'

async function realm (count: number): Promise<{ membership: Membership, growth: Growth }> {
  const membership = new Membership()
  for (let i = 0; i < count; i++) {
    const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const node = { claims: { exp: Math.floor(Date.now() / 1000) + 3600 } } as unknown as VerifiedNode
    // piggyFor hands records on as they are: a marker naming the member stands in for a signed one
    const record = { seq: 1n, marker: peerId.toString() } as unknown as PeerRecord
    membership.admit({ peerId, node, identity: node as never, addrs: [], record, recordSeq: 1n })
  }
  const self = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const growth = new Growth({ self, membership, now: Date.now } as unknown as GrowthDeps)
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
