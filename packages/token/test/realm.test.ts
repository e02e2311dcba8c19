import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { calculateJwkThumbprint } from 'jose'
import { generateKeyPair } from '@libp2p/crypto/keys'
import {
  createRealmDescriptor,
  DEFAULT_REALM_POLICY,
  leaderPeerId,
  parseRealmDescriptor,
  publicKeyToJwk,
  realmIdOf
} from '../src/index.js'
import { fixture, fixedNow, jsonCopy, rejectsWith, setPath } from './fixtures.js'

describe('realm descriptor', () => {
  test('realm id is the RFC 7638 thumbprint of the leader OKP JWK (RFC 8037 appendix A.3)', async () => {
    const f = await fixture()
    // RFC 8037 A.1 key (= RFC 8032 TEST 1) and its A.3 thumbprint
    assert.deepEqual(publicKeyToJwk(f.leader), { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' })
    assert.equal(realmIdOf(f.leader), 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k')
    assert.equal(realmIdOf(f.leader.publicKey), realmIdOf(f.leader))
    assert.equal(await calculateJwkThumbprint(publicKeyToJwk(f.node), 'sha256'), realmIdOf(f.node))
  })

  test('create -> JSON -> parse round trip', async () => {
    const f = await fixture()
    const realm = createRealmDescriptor({
      name: 'my.realm_1-test',
      leaderKey: f.leader,
      bootstrap: [`/ip4/192.0.2.1/tcp/4001/p2p/${f.nodeId}`, `/dns4/boot.example.com/tcp/443/wss/p2p/${f.leaderId}`],
      policy: { allowSelfIssued: true },
      now: fixedNow
    })
    assert.equal(realm.version, 1)
    assert.equal(realm.id, realmIdOf(f.leader))
    assert.equal(realm.leader.peerId, f.leaderId)
    assert.equal(realm.createdAt, '2023-11-14T22:13:20.000Z')
    assert.deepEqual(realm.policy, { allowSelfIssued: true, maxTokenTtlSeconds: DEFAULT_REALM_POLICY.maxTokenTtlSeconds })
    const text = JSON.stringify(realm, null, 2)
    assert.deepEqual(parseRealmDescriptor(JSON.parse(text)), realm)
    assert.deepEqual(parseRealmDescriptor(text), realm, 'JSON text is accepted too')
    assert.equal(leaderPeerId(realm).toString(), f.leaderId)
  })

  test('bootstrap and policy may be omitted and take their defaults', async () => {
    const f = await fixture()
    const doc = jsonCopy(f.realm)
    setPath(doc, 'bootstrap', undefined)
    setPath(doc, 'policy', undefined)
    const parsed = parseRealmDescriptor(doc)
    assert.deepEqual(parsed.bootstrap, [])
    assert.deepEqual(parsed.policy, DEFAULT_REALM_POLICY)
  })

  test('policy.broadcast is kept when given and left out when absent (absent means off)', async () => {
    const f = await fixture()
    const on = createRealmDescriptor({ name: 'loud', leaderKey: f.leader, policy: { broadcast: true }, now: fixedNow })
    assert.equal(on.policy.broadcast, true)
    assert.deepEqual(parseRealmDescriptor(JSON.stringify(on)), on)
    const off = createRealmDescriptor({ name: 'quiet', leaderKey: f.leader, now: fixedNow })
    assert.equal('broadcast' in off.policy, false, 'a descriptor without it stays as it was')
    assert.equal(parseRealmDescriptor({ ...jsonCopy(off), policy: { broadcast: false } }).policy.broadcast, false)
  })

  test('a tampered id fails at path "id"', async () => {
    const f = await fixture()
    const doc = jsonCopy(f.realm)
    setPath(doc, 'id', realmIdOf(f.stranger))
    const err = await rejectsWith(() => parseRealmDescriptor(doc), 'RealmDescriptorError', 'REALM_DESCRIPTOR_INVALID')
    assert.equal(err.path, 'id')
  })

  test('a leader peerId that does not match the jwk fails at path "leader.peerId"', async () => {
    const f = await fixture()
    const doc = jsonCopy(f.realm)
    setPath(doc, 'leader.peerId', f.strangerId)
    const err = await rejectsWith(() => parseRealmDescriptor(doc), 'RealmDescriptorError', 'REALM_DESCRIPTOR_INVALID')
    assert.equal(err.path, 'leader.peerId')
  })

  test('a bad name fails at path "name"', async () => {
    const f = await fixture()
    for (const name of ['', 'has space', 'x'.repeat(65), 'ünïcode', 42]) {
      const doc = jsonCopy(f.realm)
      setPath(doc, 'name', name)
      const err = await rejectsWith(() => parseRealmDescriptor(doc), 'RealmDescriptorError', 'REALM_DESCRIPTOR_INVALID')
      assert.equal(err.path, 'name')
    }
    await rejectsWith(() => createRealmDescriptor({ name: 'no spaces please', leaderKey: f.leader }), 'RealmDescriptorError', 'REALM_DESCRIPTOR_INVALID')
  })

  test('a bootstrap address that is not a multiaddr ending in /p2p/<id> fails at its index', async () => {
    const f = await fixture()
    const bad = [
      'not a multiaddr',
      '/ip4/192.0.2.1/tcp/4001',
      '/ip4/999.0.2.1/tcp/4001/p2p/' + f.nodeId,
      '/ip4/192.0.2.1/tcp/4001/p2p/notapeerid',
      `/p2p/${f.nodeId}`,
      7
    ]
    for (const address of bad) {
      const doc = jsonCopy(f.realm)
      setPath(doc, 'bootstrap', [`/ip4/192.0.2.1/tcp/4001/p2p/${f.nodeId}`, address])
      const err = await rejectsWith(() => parseRealmDescriptor(doc), 'RealmDescriptorError', 'REALM_DESCRIPTOR_INVALID')
      assert.equal(err.path, 'bootstrap[1]', `for ${String(address)}`)
    }
  })

  test('other bad fields are reported with their path', async () => {
    const f = await fixture()
    // [path reported, path set, value]
    const cases: Array<[string, string, unknown]> = [
      ['version', 'version', 2],
      ['leader.jwk.x', 'leader.jwk.x', 'AAAA'],
      ['leader.jwk.crv', 'leader.jwk.crv', 'X25519'],
      ['leader.jwk.d', 'leader.jwk.d', 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A'],
      ['leader', 'leader', 'someone'],
      ['policy.allowSelfIssued', 'policy.allowSelfIssued', 'yes'],
      ['policy.maxTokenTtlSeconds', 'policy.maxTokenTtlSeconds', -1],
      ['policy.broadcast', 'policy.broadcast', 'on'],
      ['policy.allowSelfIsued', 'policy.allowSelfIsued', true],
      ['createdAt', 'createdAt', 'yesterday'],
      ['extra', 'extra', 1],
      ['bootstrap', 'bootstrap', 'one address']
    ]
    for (const [reported, path, value] of cases) {
      const doc = jsonCopy(f.realm)
      setPath(doc, path, value)
      const err = await rejectsWith(() => parseRealmDescriptor(doc), 'RealmDescriptorError', 'REALM_DESCRIPTOR_INVALID')
      assert.equal(err.path, reported)
    }
    const err = await rejectsWith(() => parseRealmDescriptor('{not json'), 'RealmDescriptorError', 'REALM_DESCRIPTOR_INVALID')
    assert.equal(err.path, '')
    await rejectsWith(() => parseRealmDescriptor([]), 'RealmDescriptorError', 'REALM_DESCRIPTOR_INVALID')
  })

  test('a field JSON cannot show (a bigint, a cycle) is refused with its path, not a TypeError (found by fuzzing)', async () => {
    const f = await fixture()
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    for (const [path, value] of [['version', 1n], ['policy.maxTokenTtlSeconds', 10n], ['name', cyclic]] as const) {
      const doc = jsonCopy(f.realm)
      setPath(doc, path, value)
      const err = await rejectsWith(() => parseRealmDescriptor(doc), 'RealmDescriptorError', 'REALM_DESCRIPTOR_INVALID')
      assert.equal(err.path, path)
    }
    await rejectsWith(() => createRealmDescriptor({ name: 'r', leaderKey: f.leader, policy: { maxTokenTtlSeconds: 10n as unknown as number } }), 'RealmDescriptorError', 'REALM_DESCRIPTOR_INVALID')
  })

  test('a leader key that is not Ed25519 is refused', async () => {
    const key = await generateKeyPair('secp256k1')
    await rejectsWith(() => realmIdOf(key), 'UnsupportedKeyError', 'KEY_TYPE_UNSUPPORTED')
    await rejectsWith(() => createRealmDescriptor({ name: 'x', leaderKey: key }), 'UnsupportedKeyError', 'KEY_TYPE_UNSUPPORTED')
  })
})
