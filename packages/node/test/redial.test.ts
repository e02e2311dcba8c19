/**
 * Redial (membership/redial.ts): the bootstrap peers and the realm leader are dialled again while
 * they are not members, not only once a node lost every member; a first member dials the members
 * of its last run; refusals are not retried in a tight loop; stop clears every timer.
 */
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { generateNodeKey } from '@realmesh/token'
import { WireErrorCode } from '@realmesh/wire'
import { JoinRefusedError, allow, deny, until, nextEvent } from '../src/index.js'
import { Membership } from '../src/membership/membership.js'
import { Redial } from '../src/membership/redial.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import type { Realm } from './fixtures.js'
import type { RealmNode, RefusalDetail, RetryDetail } from '../src/index.js'
import type { RedialDeps } from '../src/membership/redial.js'
import type { Connection, PrivateKey } from '@libp2p/interface'

const WAIT_MS = 15_000

describe('redial', () => {
  const h = new Harness()
  let realm: Realm
  before(async () => { realm = await makeRealm() })
  after(async () => { await h.stopAll() })

  /** a first member A at a fixed memory address, B joined through it, C joined through B */
  async function threeNodes (init: { refusedMs?: number } = {}): Promise<{ keyA: PrivateKey, addrA: string, a: RealmNode, b: RealmNode, c: RealmNode }> {
    const keyA = await generateNodeKey()
    const addrA = `/memory/${randomUUID()}`
    const a = await h.node(realm, { privateKey: keyA, listen: [addrA] })
    const b = await h.node(realm, { bootstrap: addrs(a).map(String), redial: { refusedMs: init.refusedMs } })
    await b.whenJoined({ signal: AbortSignal.timeout(WAIT_MS) })
    const c = await h.node(realm, { bootstrap: addrs(b).map(String) })
    await c.whenJoined({ signal: AbortSignal.timeout(WAIT_MS) })
    await until(() => b.membership.has(c.peerId) && a.membership.has(c.peerId), [a, b, c], ['peer:joined'], { timeoutMs: WAIT_MS, what: 'A, B and C members of each other' })
    return { keyA, addrA, a, b, c }
  }

  test('a bootstrap peer that restarts is dialled again by a member that still has others', async () => {
    const { keyA, addrA, a, b, c } = await threeNodes()
    const rejoins: unknown[] = []
    b.addEventListener('rejoin', (evt) => { rejoins.push(evt.detail) })
    const left = nextEvent(b, 'peer:left', (d: { peer: string }) => d.peer === a.peerId.toString(), { timeoutMs: WAIT_MS })
    await a.stop()
    await left
    assert.ok(b.membership.has(c.peerId), 'B still has C: it is not isolated, so upkeep does not rejoin')
    const back = await h.node(realm, { privateKey: keyA, listen: [addrA] })
    await until(() => back.membership.has(b.peerId) && b.membership.has(back.peerId), [back, b], ['peer:joined'], { timeoutMs: WAIT_MS, what: 'B dialling its bootstrap peer again' })
    assert.deepEqual(rejoins, [], 'no rejoin: the redial did it')
  })

  test('a bootstrap peer whose connection dropped is dialled again within the disconnect grace: the membership goes on', async () => {
    const { a, b } = await threeNodes()
    const lefts: unknown[] = []
    a.addEventListener('peer:left', (evt) => { lefts.push(evt.detail) })
    b.addEventListener('peer:left', (evt) => { lefts.push(evt.detail) })
    // B dialling A again shows up at A as an inbound connection from B (A has no reason to dial B)
    const back = nextEvent<Connection>(a.libp2p, 'connection:open', (c) => c.remotePeer.equals(b.peerId) && c.direction === 'inbound', { timeoutMs: 5_000 })
    await a.libp2p.hangUp(b.peerId)
    await back
    // B's dial admitted (connect waits for the admission under way rather than dialling again)
    const connection = await b.connect(a.peerId, { signal: AbortSignal.timeout(WAIT_MS) })
    assert.equal(connection.status, 'open')
    // one dial from B, not two (A may have dialled B too when a keepalive found no connection: a
    // loaded machine did that, and connect() then returned A's)
    assert.equal(b.libp2p.getConnections(a.peerId).filter(c => c.direction === 'outbound').length, 1)
    assert.deepEqual(lefts, [], 'neither side dropped the other: the grace (10 s) had not ended')
  })

  test('a first member started elsewhere dials the members of its last run; they learn its new address', async () => {
    const { keyA, a, b, c } = await threeNodes()
    const known = [...b.knownPeers(), ...c.knownPeers()].filter(address => !address.endsWith(a.peerId.toString()))
    await a.stop()
    const moved = `/memory/${randomUUID()}`
    const back = await h.node(realm, { privateKey: keyA, listen: [moved], knownPeers: known })
    assert.equal(back.joined, true, 'a first member does not wait on its known peers')
    await until(() => back.membership.has(b.peerId) && back.membership.has(c.peerId), [back], ['peer:joined'], { timeoutMs: WAIT_MS, what: 'A dialling B and C' })
    await until(() => b.membership.get(back.peerId)?.addrs.some(address => address.toString().startsWith(moved)) === true, [b], ['peer:joined'], { timeoutMs: WAIT_MS, what: 'B knowing the new address' })
  })

  test('a peer that refuses us is dialled again after refusedMs, not in a tight loop', async () => {
    const { keyA, addrA, a, b } = await threeNodes({ refusedMs: 1_500 })
    const refusedB = b.peerId.toString()
    await a.stop()
    const refusals: number[] = []
    const back = await h.node(realm, { privateKey: keyA, listen: [addrA], authorize: ({ peer }) => peer.toString() === refusedB ? deny('not you') : allow })
    back.addEventListener('join:refused', (evt: CustomEvent<RefusalDetail>) => { if (evt.detail.peer === refusedB) refusals.push(Date.now()) })
    const retries: RetryDetail[] = []
    b.addEventListener('bootstrap:retry', (evt) => { retries.push(evt.detail) })
    await until(() => refusals.length >= 2, [back], ['join:refused'], { timeoutMs: WAIT_MS, what: 'two refusals of B' })
    const gap = (refusals[1] ?? 0) - (refusals[0] ?? 0)
    assert.ok(gap >= 1_400, `B waited ${gap} ms after a refusal (refusedMs 1500)`)
    assert.deepEqual(retries.filter(r => r.address.includes(back.peerId.toString())), [], 'a refusal is not reported as unreachable')
  })
})

describe('redial timers', () => {
  const h = new Harness()
  let realm: Realm
  before(async () => { realm = await makeRealm() })
  after(async () => { await h.stopAll() })

  /** a Redial of `self` with one bootstrap peer whose dials end as `outcome` says */
  async function redialWith (outcome: () => Error): Promise<{ redial: Redial, dials: number[], retries: RetryDetail[] }> {
    const self = await h.node(realm)
    const other = await h.node(realm)
    const dials: number[] = []
    const retries: RetryDetail[] = []
    const deps: RedialDeps = {
      self: self.peerId,
      leader: self.peerId.toString(),
      anchors: addrs(other).map(String),
      knownPeers: [],
      libp2p: self.libp2p,
      membership: new Membership(),
      connected: () => false,
      connect: async () => {
        dials.push(Date.now())
        throw outcome()
      },
      shunned: () => false,
      joined: () => true,
      retrying: (detail) => { retries.push(detail) },
      now: Date.now,
      backoff: { baseMs: 500, random: () => 0.999 }
    }
    return { redial: new Redial(deps, { maxMs: 4_000, refusedMs: 60_000 }), dials, retries }
  }

  /** lets the dial that a timer began (a peer store read, then connect) run to its end */
  async function settle (): Promise<void> {
    for (let i = 0; i < 20; i++) await new Promise(resolve => setImmediate(resolve))
  }

  test('an unreachable peer: backoff doubling up to maxMs, each retry reported', async (t) => {
    const { redial, dials, retries } = await redialWith(() => Object.assign(new Error('connection refused'), { code: 'ERR_CONNECTION_REFUSED' }))
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] })
    redial.start()
    for (const wait of [499, 999, 1_998, 3_996, 3_996]) {
      t.mock.timers.tick(wait)
      await settle()
    }
    assert.equal(dials.length, 5)
    assert.deepEqual(retries.map(r => r.delayMs), [999, 1_998, 3_996, 3_996, 3_996], 'capped at maxMs')
    assert.equal(redial.planned, 1)
    redial.stop()
    assert.equal(redial.planned, 0, 'stop clears every timer')
    t.mock.timers.tick(60_000)
    await settle()
    assert.equal(dials.length, 5, 'nothing dialled after stop')
  })

  test('a refusal waits refusedMs', async (t) => {
    const { redial, dials, retries } = await redialWith(() => new JoinRefusedError(WireErrorCode.JOIN_AUTHZ_DENIED, 'no', { peer: 'x', byRemote: true }))
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] })
    redial.start()
    t.mock.timers.tick(499)
    await settle()
    assert.equal(dials.length, 1)
    t.mock.timers.tick(59_999)
    await settle()
    assert.equal(dials.length, 1, 'not before refusedMs')
    t.mock.timers.tick(1)
    await settle()
    assert.equal(dials.length, 2)
    assert.deepEqual(retries, [], 'a refusal is no retry of an unreachable peer')
    redial.stop()
  })
})
