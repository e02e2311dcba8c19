import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { randomBytes } from 'node:crypto'
import { closestTo, compareDistance, compareXor, fingerprint, fingerprintHex, sharedFingerprint, subjectKey, subjectPosition, subjectPositionText, xorDistance, randomText } from '../src/index.js'
import { fixture } from './fixtures.js'

// computed with @libp2p/kad-dht 16.4.5 `convertPeerId` for the fixed fixture keys
const KAD_KEYS = {
  leader: '06567cf09231b70576326a32e0f6c2fa5dc6004222b79b851ae39d426f83409e',
  node: 'f34b628bf1ef158233696c36c04d7dd27ed90d4c1050fc820142438c9cf165e2',
  identity: 'a7037c452aa2695394f91666a47c974250de24ff465b35d7e81396ce260fa703'
}

describe('fingerprints', () => {
  test('fingerprint is the kad-dht key of the peer id (sha256 of its multihash bytes)', async () => {
    const f = await fixture()
    assert.equal(fingerprintHex(f.leaderId), KAD_KEYS.leader)
    assert.equal(fingerprintHex(f.nodeId), KAD_KEYS.node)
    assert.equal(fingerprintHex(peerIdFromString(f.identityId)), KAD_KEYS.identity)
    const peerId = peerIdFromString(f.nodeId)
    const expected = createHash('sha256').update(peerId.toMultihash().bytes).digest()
    assert.deepEqual(Buffer.from(fingerprint(peerId)), expected)
    assert.equal(fingerprint(f.nodeId).length, 32)
  })

  test('sharedFingerprint is the same array for a peer id every time; fingerprint hands out copies of it', async () => {
    const f = await fixture()
    const peerId = peerIdFromString(f.nodeId)
    const shared = sharedFingerprint(peerId)
    assert.equal(sharedFingerprint(peerId), shared, 'one array per PeerId object')
    assert.equal(Buffer.from(shared).toString('hex'), KAD_KEYS.node)
    const copy = fingerprint(peerId)
    assert.notEqual(copy, shared)
    copy.fill(0)
    assert.equal(Buffer.from(sharedFingerprint(peerId)).toString('hex'), KAD_KEYS.node, 'a caller writing to its copy changes nothing shared')
    assert.equal(fingerprintHex(peerId), KAD_KEYS.node)
  })

  test('xorDistance', () => {
    assert.deepEqual(xorDistance(Uint8Array.of(0b1100, 0xff), Uint8Array.of(0b1010, 0x0f)), Uint8Array.of(0b0110, 0xf0))
    const a = Uint8Array.of(1, 2, 3)
    assert.deepEqual(xorDistance(a, a), Uint8Array.of(0, 0, 0))
    assert.throws(() => xorDistance(Uint8Array.of(1), Uint8Array.of(1, 2)), RangeError)
  })

  test('compareDistance orders big-endian', () => {
    assert.equal(compareDistance(Uint8Array.of(0, 1), Uint8Array.of(0, 1)), 0)
    assert.ok(compareDistance(Uint8Array.of(0, 255), Uint8Array.of(1, 0)) < 0)
    assert.ok(compareDistance(Uint8Array.of(2, 0), Uint8Array.of(1, 255)) > 0)
    assert.ok(compareDistance(Uint8Array.of(5), Uint8Array.of(0, 4)) > 0, 'shorter is left-padded with zeros')
    const sorted = [Uint8Array.of(3, 0), Uint8Array.of(0, 9), Uint8Array.of(1, 1)].sort(compareDistance)
    assert.deepEqual(sorted, [Uint8Array.of(0, 9), Uint8Array.of(1, 1), Uint8Array.of(3, 0)])
  })

  test('compareXor orders keys by their XOR distance to a key, as compareDistance of the distances does', () => {
    for (let round = 0; round < 200; round++) {
      const key = randomBytes(32)
      const a = randomBytes(32)
      // b shares a random-length prefix with a, so the first differing byte moves around
      const b = Buffer.concat([a.subarray(0, round % 33), randomBytes(32 - (round % 33))])
      const expected = Math.sign(compareDistance(xorDistance(a, key), xorDistance(b, key)))
      assert.equal(Math.sign(compareXor(key, a, b)), expected)
      assert.equal(Math.sign(compareXor(key, b, a)), expected === 0 ? 0 : -expected)
    }
    assert.equal(compareXor(Uint8Array.of(7), Uint8Array.of(7), Uint8Array.of(7)), 0)
    assert.ok(compareXor(Uint8Array.of(0b1000), Uint8Array.of(0b1001), Uint8Array.of(0b0000)) < 0, '1 is closer than 8')
    assert.throws(() => compareXor(Uint8Array.of(1), Uint8Array.of(1, 2), Uint8Array.of(1)), RangeError)
  })

  test('closestTo sorts peers by XOR distance of their fingerprint to the key', async () => {
    const f = await fixture()
    const peers = [f.leaderId, f.nodeId, f.identityId, f.strangerId]
    // the key is the node's own fingerprint: it is at distance 0
    const ranked = closestTo(fingerprint(f.nodeId), peers, 4)
    assert.equal(ranked[0], f.nodeId)
    const distances = ranked.map(id => xorDistance(fingerprint(id), fingerprint(f.nodeId)))
    for (let i = 1; i < distances.length; i++) {
      assert.ok(compareDistance(distances[i - 1] ?? new Uint8Array(), distances[i] ?? new Uint8Array()) <= 0)
    }
    assert.equal(closestTo(fingerprint(f.nodeId), peers, 2).length, 2)
    assert.deepEqual(closestTo(fingerprint(f.nodeId), [peerIdFromString(f.nodeId), f.nodeId], 5), [f.nodeId], 'duplicates listed once')
    assert.deepEqual(closestTo(fingerprint(f.nodeId), peers, 0), [])
  })

  test('subjectKey = sha256(realmId + "/" + subject)', () => {
    const expected = createHash('sha256').update('realm-id/chat/lobby').digest()
    assert.deepEqual(Buffer.from(subjectKey('realm-id', 'chat/lobby')), expected)
    assert.notDeepEqual(subjectKey('a', 'b/c'), subjectKey('a/b', 'd'))
  })

  test('subjectPosition: the key itself without a salt; with one, sha256(realmId + "/" + hex(salt) + "/" + hex(key)), a new point per salt', () => {
    const key = subjectKey('realm-id', 'chat/lobby')
    assert.deepEqual(subjectPosition('realm-id', key), key)
    const salt = new Uint8Array(32).fill(7)
    const text = `realm-id/${'07'.repeat(32)}/${Buffer.from(key).toString('hex')}`
    assert.equal(subjectPositionText('realm-id', key, salt), text)
    assert.deepEqual(Buffer.from(subjectPosition('realm-id', key, salt)), createHash('sha256').update(text).digest())
    assert.notDeepEqual(subjectPosition('realm-id', key, salt), subjectPosition('realm-id', key, new Uint8Array(32).fill(8)))
    assert.notDeepEqual(subjectPosition('realm-id', key, salt), subjectPosition('other-realm', key, salt))
  })
})

test('randomText: base64url of the given bytes, never starting with "-" (a command line would read it as an option)', () => {
  const seen = new Set<string>()
  for (let i = 0; i < 2000; i++) {
    const text = randomText(2)
    assert.match(text, /^[A-Za-z0-9_][A-Za-z0-9_-]{2}$/)
    seen.add(text[0] as string)
  }
  // 2000 draws from 63 first characters: every one of them comes up (a '-' never does)
  assert.equal(seen.size, 63)
  assert.equal(randomText(32).length, 43)
})
