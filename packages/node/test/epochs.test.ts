// Epochs (issue 19, item 7): the leader's signed salts for subject positions, verified, kept (the
// current one and the one before), spread among members like revocations (flood, catch-up at the
// join), and the eligibility rule: a member coordinates subjects in an epoch only when its grant
// is older than the epoch. A coordinator refuses REGISTER for an epoch it may not coordinate in, and
// a registering node passes over ineligible members, even the closest.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { closestTo, decodeTokenUnverified, fingerprint, generateNodeKey, subjectKey, compareXor } from '@realmesh/token'
import { Frames, FRAME_LIMITS, PROTOCOLS, PeersRequest, PeersResponse, SubjectRequest, SubjectResponse } from '@realmesh/wire'
import { Epochs, fileEpochStore, mayCoordinate, grantedAt, positionOf, until } from '../src/index.js'
import { Harness, makeRealm, addrs, signEpoch } from './fixtures.js'
import { realmOf } from './subjects-fixtures.js'
import type { Realm } from './fixtures.js'
import type { RealmNode } from '../src/index.js'
import type { NodeTokenClaims } from '@realmesh/token'
import type { Epoch, PeerRecord } from '@realmesh/wire'
import type { PrivateKey } from '@libp2p/interface'

const HOUR = 3_600_000

describe('epochs: the signed entries', () => {
  let realm: Realm
  before(async () => { realm = await makeRealm('epochs') })

  test('a leader-signed epoch is kept; forged, other-realm, tampered and malformed ones are EPOCH_INVALID, old ones EPOCH_STALE; a node keeps the current one and the one before', async () => {
    const epochs = new Epochs({ realm: realm.realm })
    const first = signEpoch(realm, { epoch: 1n })
    assert.deepEqual(epochs.add([first]).learnt.map(e => e.epoch), [1n])
    assert.equal(epochs.epoch, 1n)
    const codeOf = (epoch: Epoch): string | undefined => epochs.add([epoch]).refused[0]?.code
    assert.equal(codeOf(signEpoch(realm, { epoch: 2n }, { signer: await generateNodeKey() })), 'EPOCH_INVALID', 'signed by another key')
    assert.equal(codeOf(signEpoch(realm, { epoch: 2n }, { realmId: 'another-realm' })), 'EPOCH_INVALID', 'signed for another realm')
    const good = signEpoch(realm, { epoch: 2n })
    assert.equal(codeOf({ ...good, salt: new Uint8Array(32).fill(1) }), 'EPOCH_INVALID', 'salt changed after signing')
    assert.equal(codeOf({ ...good, startsAtMs: good.startsAtMs - 1n }), 'EPOCH_INVALID', 'start changed after signing')
    assert.equal(codeOf(signEpoch(realm, { epoch: 2n, salt: new Uint8Array(16) })), 'EPOCH_INVALID', 'a short salt, signed')
    assert.equal(epochs.epoch, 1n, 'none of them was kept')

    epochs.add([good, signEpoch(realm, { epoch: 3n })])
    assert.deepEqual(epochs.list().map(e => e.epoch), [2n, 3n], 'the current one and the one before')
    assert.equal(codeOf(first), 'EPOCH_STALE', 'epoch 1 is over')
    assert.equal(codeOf({ ...signEpoch(realm, { epoch: 1n }), signature: new Uint8Array(64) }), 'EPOCH_STALE', 'one that is over is refused before its signature is checked')
    const current = epochs.current
    assert.equal(codeOf(signEpoch(realm, { epoch: 3n })), 'EPOCH_STALE', 'the number held already, with another salt')
    assert.equal(epochs.current, current, 'the first one stays')
    assert.equal(epochs.add([good]).learnt.length + epochs.add([good]).refused.length, 0, 'one held already: nothing to do')
    assert.throws(() => { epochs.assertCurrent(undefined) }, { code: 'EPOCH_STALE' })
    epochs.assertCurrent(good)
  })

  test('interests go under the current epoch, and during its overlap under the one before (epoch 0 before epoch 1)', () => {
    let now = 1_000_000
    const epochs = new Epochs({ realm: realm.realm, now: () => now })
    assert.deepEqual(epochs.placements(), [undefined], 'no epoch: epoch 0')
    const one = signEpoch(realm, { epoch: 1n, startsAtMs: BigInt(now), overlapMs: 500n })
    epochs.add([one])
    assert.deepEqual(epochs.placements(), [one, undefined])
    now += 500
    assert.deepEqual(epochs.placements(), [one])
    const two = signEpoch(realm, { epoch: 2n, startsAtMs: BigInt(now), overlapMs: 500n })
    epochs.add([two])
    assert.deepEqual(epochs.placements(), [two, one])
    const four = signEpoch(realm, { epoch: 4n, startsAtMs: BigInt(now), overlapMs: 500n })
    epochs.add([four])
    assert.deepEqual(epochs.placements(), [four], 'the one before is not held: the current one alone')
  })

  test('the file store keeps them (0600); a tampered entry is dropped when loaded, a damaged file is none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'realmesh-epochs-'))
    try {
      const path = join(dir, 'epochs.json')
      const first = new Epochs({ realm: realm.realm, store: fileEpochStore(path) })
      first.add([signEpoch(realm, { epoch: 1n }), signEpoch(realm, { epoch: 2n, overlapMs: 360_000n })])
      await first.idle()
      assert.equal((await stat(path)).mode & 0o777, 0o600)
      const second = new Epochs({ realm: realm.realm, store: fileEpochStore(path) })
      await second.load()
      assert.deepEqual(second.list(), first.list())
      const stored = JSON.parse(await readFile(path, 'utf8')) as Array<{ overlapMs: number }>
      stored[1] = { ...stored[1], overlapMs: 1 }
      await writeFile(path, JSON.stringify(stored))
      const third = new Epochs({ realm: realm.realm, store: fileEpochStore(path) })
      await third.load()
      assert.deepEqual(third.list().map(e => e.epoch), [1n])
      await writeFile(path, '{ not json')
      const fourth = new Epochs({ realm: realm.realm, store: fileEpochStore(path) })
      await fourth.load()
      assert.equal(fourth.epoch, 0n)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('epochs: who may coordinate', () => {
  test('a grant whose whole second ended before the epoch started may; one in that second or later may not; without grantedAt the iat counts; the leader always may, a self-issued token never; in epoch 0 every member, in the first epoch every member granted by the leader', async () => {
    const realm = await makeRealm('eligibility')
    const leader = realm.realm.leader.peerId
    const sub = peerIdFromPrivateKey(await generateNodeKey()).toString()
    const startsAtMs = 1_700_000_000_500
    const epoch = signEpoch(realm, { epoch: 5n, startsAtMs: BigInt(startsAtMs) })
    const claims = (grantedAt: number | undefined, iat = 1_700_000_000): Pick<NodeTokenClaims, 'grantedAt' | 'iat' | 'iss' | 'sub'> => ({ iss: leader, sub, iat, ...(grantedAt === undefined ? {} : { grantedAt }) })
    assert.equal(mayCoordinate(claims(1_699_999_999), epoch, leader), true, 'granted in the second before')
    assert.equal(mayCoordinate(claims(1_700_000_000), epoch, leader), false, 'granted in the second the epoch started in')
    assert.equal(mayCoordinate(claims(1_700_000_001), epoch, leader), false, 'granted after')
    assert.equal(mayCoordinate(claims(undefined, 1_699_990_000), epoch, leader), true, 'no grantedAt: an old iat')
    assert.equal(mayCoordinate(claims(undefined, 1_700_000_000), epoch, leader), false, 'no grantedAt: a fresh iat')
    assert.equal(mayCoordinate(claims(1_699_000_000, 1_700_000_100), epoch, leader), true, 'a renewal (fresh iat) of an old grant')
    assert.equal(mayCoordinate({ ...claims(1_800_000_000), sub: leader }, epoch, leader), true, 'the leader makes the salts')
    assert.equal(mayCoordinate({ ...claims(1_000_000_000), iss: sub }, epoch, leader), false, 'a self-issued token: its holder wrote its times')
    assert.equal(mayCoordinate(claims(1_800_000_000), undefined, leader), true, 'epoch 0')
    const first = signEpoch(realm, { epoch: 1n, startsAtMs: BigInt(startsAtMs) })
    assert.equal(mayCoordinate(claims(1_800_000_000), first, leader), true, 'the realm\'s first epoch: every member the leader granted')
    assert.equal(mayCoordinate({ ...claims(1_000_000_000), iss: sub }, first, leader), false, 'but never a self-issued token')
    // a token as issued: grantedAt is its iat unless a renewal carries its grant's
    const key = await generateNodeKey()
    const fresh = decodeTokenUnverified(await realm.issue(key)).claims as unknown as NodeTokenClaims
    assert.equal(grantedAt(fresh), fresh.iat)
    const renewed = decodeTokenUnverified(await realm.issue(key, { grantedAt: fresh.iat - 7200 })).claims as unknown as NodeTokenClaims
    assert.equal(grantedAt(renewed), fresh.iat - 7200)
  })
})

/** a REGISTER `from` sends `to` by hand; resolves with the refusal code (undefined: accepted) */
async function register (from: RealmNode, to: RealmNode, epoch: Epoch | undefined): Promise<string | undefined> {
  const stream = await from.openStream(to.peerId, PROTOCOLS.subject)
  const frames = new Frames(stream, { protocol: PROTOCOLS.subject, maxSize: FRAME_LIMITS.subject })
  // the epoch is checked before the interest: these never get that far
  const record: PeerRecord = { nodeToken: 'a.b.c', addrs: [], seq: 1n, signature: new Uint8Array(64) }
  await frames.write(SubjectRequest, { type: SubjectRequest.Type.REGISTER, interestToken: 'i.n.t', identityToken: 'a.b.c', record, key: new Uint8Array(32), epoch })
  const response = await frames.read(SubjectResponse, { signal: AbortSignal.timeout(5_000) })
  await stream.close().catch(() => {})
  return response.error?.code
}

describe('epochs among members', () => {
  const h = new Harness()
  let realm: Realm
  before(async () => { realm = await makeRealm('epochs-realm') })
  after(async () => { await h.stopAll() })

  test('an epoch handed to one member reaches all; a node that joins later learns the current one and the one before at its join; a forged one pushed by a member is refused and costs it', async (t) => {
    const nodes = await realmOf(h, realm, 4)
    const [a, b] = nodes as [RealmNode, RealmNode]
    const started = Date.now()
    a.epochs.add([signEpoch(realm, { epoch: 1n })])
    await until(() => nodes.every(n => n.epochs.epoch === 1n), nodes.map(n => n.epochs), ['learnt'], { what: 'every member to hold epoch 1' })
    const spreadMs = Date.now() - started
    b.epochs.add([signEpoch(realm, { epoch: 2n })])
    await until(() => nodes.every(n => n.epochs.epoch === 2n), nodes.map(n => n.epochs), ['learnt'], { what: 'every member to hold epoch 2' })

    const late = await h.node(realm, { bootstrap: addrs(a).map(String) })
    await until(() => late.epochs.list().length === 2, [late.epochs], ['learnt'], { what: 'the newcomer to catch up', timeoutMs: 10_000 })
    assert.deepEqual(late.epochs.list().map(e => e.epoch), [1n, 2n], 'the current epoch and the one before, from its Hello')

    const stream = await b.openStream(a.peerId, PROTOCOLS.peers)
    const frames = new Frames(stream, { protocol: PROTOCOLS.peers, maxSize: FRAME_LIMITS.peers })
    await frames.write(PeersRequest, { type: PeersRequest.Type.NOTICES, epochs: [signEpoch(realm, { epoch: 3n }, { signer: await generateNodeKey() })] })
    // answered once handled: the score is settled by then
    await frames.read(PeersResponse, { signal: AbortSignal.timeout(5_000) })
    assert.ok(a.guard.scores.score(b.peerId.toString()) < -20, 'a forged epoch costs its sender 25 points (less what recovers meanwhile)')
    assert.equal(a.epochs.epoch, 2n)

    // what carrying the epoch costs a keepalive (and its answer): one more varint field
    const keepalive = (epoch: bigint): number => PeersRequest.encode({ type: PeersRequest.Type.KEEPALIVE, records: [], revocationSeq: 3n, epoch }).byteLength
    const hourlyForAYear = 24n * 365n
    t.diagnostic(`epoch spread to 3 members in ${spreadMs} ms; a keepalive without records is ${keepalive(0n)} bytes at epoch 0, ${keepalive(100n)} at epoch 100, ${keepalive(hourlyForAYear)} at epoch ${hourlyForAYear} (hourly epochs for a year)`)
    assert.ok(keepalive(hourlyForAYear) - keepalive(0n) <= 3)
  })

  test('a coordinator refuses REGISTER for an epoch it may not coordinate in (COORDINATOR_NOT_ELIGIBLE), one that is over (EPOCH_STALE) and a forged one (EPOCH_INVALID); a subscriber passes over ineligible members, even the closest', async () => {
    const local = new Harness()
    try {
      const subject = 'capture-me'
      // members granted an hour ago, and the epoch started a minute ago
      const oldGrant = Math.floor((Date.now() - HOUR) / 1000)
      const olds = await Promise.all(Array.from({ length: 4 }, async () => generateNodeKey()))
      const epoch = signEpoch(realm, { epoch: 2n, startsAtMs: BigInt(Date.now() - 60_000), overlapMs: 0n })
      const position = positionOf(realm.realm.id, subjectKey(realm.realm.id, subject), epoch)
      // keys ground, once the salt was known, to be closer to the subject's position than every member: granted now
      const closest = (key: PrivateKey): Uint8Array => fingerprint(peerIdFromPrivateKey(key))
      const farthestOld = (): Uint8Array => olds.map(closest).sort((x, y) => compareXor(position, x, y))[0] as Uint8Array
      const ground: PrivateKey[] = []
      while (ground.length < 3) {
        const key = await generateNodeKey()
        if (compareXor(position, closest(key), farthestOld()) < 0) ground.push(key)
      }
      const first = await local.node(realm, { privateKey: olds[0], nodeToken: await realm.issue(olds[0] as PrivateKey, { grantedAt: oldGrant }) })
      const boot = addrs(first).map(String)
      const rest = await Promise.all([
        ...olds.slice(1).map(async key => local.node(realm, { privateKey: key, nodeToken: await realm.issue(key, { grantedAt: oldGrant }), bootstrap: boot })),
        ...ground.map(async key => local.node(realm, { privateKey: key, bootstrap: boot }))
      ])
      const all = [first, ...rest]
      await until(() => all.every(n => n.status().routingTable >= all.length - 1), all, ['routing:changed'], { what: 'full routing tables' })
      first.epochs.add([epoch])
      await until(() => all.every(n => n.epochs.epoch === 2n), all.map(n => n.epochs), ['learnt'], { what: 'every member to hold the epoch' })

      const everyone = all.map(n => n.peerId.toString())
      const groundIds = ground.map(k => peerIdFromPrivateKey(k).toString())
      assert.deepEqual(new Set(closestTo(position, everyone, 3)), new Set(groundIds), 'the ground keys are the three closest to the position')
      const subscriber = all[1] as RealmNode
      await subscriber.subscribe(subject, () => {})
      const status = subscriber.subjects()[0]
      assert.equal(status?.epoch, 2)
      const eligible = everyone.filter(p => !groundIds.includes(p))
      assert.deepEqual(status?.coordinators, closestTo(position, eligible, 3), 'the three closest eligible members')
      const keyHex = status?.key ?? ''
      for (const node of all.filter(n => groundIds.includes(n.peerId.toString()))) {
        assert.equal(node.subjectLayer.coordinator.store.interests(keyHex).length, 0, 'an ineligible member is given nothing')
      }

      const young = all.find(n => n.peerId.toString() === groundIds[0]) as RealmNode
      assert.equal(await register(first, young, epoch), 'COORDINATOR_NOT_ELIGIBLE')
      const forger = all[2] as RealmNode
      const before = first.guard.scores.score(forger.peerId.toString())
      assert.equal(await register(forger, first, signEpoch(realm, { epoch: 3n }, { realmId: 'another-realm' })), 'EPOCH_INVALID')
      // 25 points, less what recovers meanwhile (10 a minute)
      assert.ok(first.guard.scores.score(forger.peerId.toString()) < before - 20, 'a forged epoch is an offence')
      first.epochs.add([signEpoch(realm, { epoch: 3n }), signEpoch(realm, { epoch: 4n })])
      assert.equal(await register(forger, first, epoch), 'EPOCH_STALE')
      assert.equal(await register(forger, first, undefined), 'EPOCH_STALE', 'epoch 0 is over too')
    } finally {
      await local.stopAll()
    }
  })
})
