import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateNodeKey, issueIdentityToken } from '@realmesh/token'
import { PROTOCOLS, Frames, FRAME_LIMITS, JoinRequest, JoinResponse } from '@realmesh/wire'
import { allow, createRealmNode, deny, nextEvent, until, JoinRefusedError, NodeStateError } from '../src/index.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import type { Realm } from './fixtures.js'
import type { JoinContext, RealmNode, RealmNodeInit, RefusalDetail } from '../src/index.js'

describe('join', () => {
  const h = new Harness()
  let realm: Realm
  before(async () => { realm = await makeRealm() })
  after(async () => { await h.stopAll() })

  test('authenticate sees the verified identity; deny answers NACK JOIN_AUTHN_DENIED and drops the peer', async () => {
    const seen: JoinContext[] = []
    const target = await h.node(realm, {
      authenticate: (ctx) => {
        seen.push(ctx)
        return deny('not on the list')
      }
    })
    const joiner = await h.node(realm)
    await assert.rejects(joiner.connect(addrs(target)), (err: Error) => {
      assert.ok(err instanceof JoinRefusedError)
      assert.equal(err.code, 'JOIN_AUTHN_DENIED')
      assert.equal(err.reason, 'not on the list')
      assert.ok(err.byRemote)
      return true
    })
    assert.equal(seen[0]?.identity.kind, 'node')
    assert.equal(seen[0]?.identity.claims.sub, joiner.peerId.toString())
    assert.equal(target.membership.has(joiner.peerId), false)
    assert.equal(joiner.membership.has(target.peerId), false)
    assert.equal(target.admission.size, 0, 'no state kept for the refused connection')
  })

  test('authorize deny answers NACK JOIN_AUTHZ_DENIED', async () => {
    const target = await h.node(realm, { authorize: () => deny('read-only realm') })
    const joiner = await h.node(realm)
    await assert.rejects(joiner.connect(addrs(target)), (err: Error) => err instanceof JoinRefusedError && err.code === 'JOIN_AUTHZ_DENIED')
  })

  test('a callback that throws answers NACK INTERNAL and the node keeps serving', async () => {
    let calls = 0
    const target = await h.node(realm, {
      authorize: () => {
        calls++
        if (calls === 1) throw new Error('database down')
        return allow
      }
    })
    const first = await h.node(realm)
    await assert.rejects(first.connect(addrs(target)), (err: Error) => err instanceof JoinRefusedError && err.code === 'INTERNAL')
    const second = await h.node(realm)
    await second.connect(addrs(target))
    assert.ok(target.membership.has(second.peerId))
  })

  test('an identity token naming the node is accepted and recorded as the member identity', async () => {
    const target = await h.node(realm)
    const nodeKey = await generateNodeKey()
    const identityKey = await generateNodeKey()
    const identityToken = await issueIdentityToken(realm.leaderKey, { realm: realm.realm, subject: peerIdFromPrivateKey(identityKey), node: peerIdFromPrivateKey(nodeKey) })
    const joiner = await h.node(realm, { privateKey: nodeKey, nodeToken: await realm.issue(nodeKey), identityToken })
    await joiner.connect(addrs(target))
    const member = target.membership.get(joiner.peerId)
    assert.equal(member?.identity.kind, 'identity')
    assert.equal(member?.identity.claims.sub, peerIdFromPrivateKey(identityKey).toString())
  })

  test('an identity token for another node is NACK TOKEN_NODE_MISMATCH', async () => {
    const target = await h.node(realm)
    const identityToken = await issueIdentityToken(realm.leaderKey, { realm: realm.realm, subject: peerIdFromPrivateKey(await generateNodeKey()), node: peerIdFromPrivateKey(await generateNodeKey()) })
    const joiner = await h.node(realm, { identityToken })
    const refused = nextEvent<RefusalDetail>(target, 'join:refused', d => d.peer === joiner.peerId.toString())
    await assert.rejects(joiner.connect(addrs(target)), (err: Error) => err instanceof JoinRefusedError && err.code === 'TOKEN_NODE_MISMATCH')
    assert.equal((await refused).code, 'TOKEN_NODE_MISMATCH')
  })

  test('a join without a handshake on the connection is refused', async () => {
    const target = await h.node(realm)
    const raw = await h.raw()
    const stream = await raw.dialProtocol(addrs(target), PROTOCOLS.join)
    const frames = new Frames(stream, { protocol: PROTOCOLS.join, maxSize: FRAME_LIMITS.join })
    await frames.write(JoinRequest, { identityToken: await realm.issue(await generateNodeKey()) }).catch(() => {})
    await assert.rejects(frames.read(JoinResponse, { signal: AbortSignal.timeout(5_000) }))
    assert.equal(target.membership.size, 0)
  })
})

describe('membership after join', () => {
  const h = new Harness()
  let realm: Realm
  before(async () => { realm = await makeRealm() })
  after(async () => { await h.stopAll() })

  async function pair (): Promise<[RealmNode, RealmNode]> {
    const a = await h.node(realm)
    const b = await h.node(realm, { bootstrap: addrs(a).map(String) })
    await b.whenJoined({ signal: AbortSignal.timeout(10_000) })
    return [a, b]
  }

  test('a joiner is announced (UPDATE) to the members closest to it, which join it too', async () => {
    const [a, b] = await pair()
    const c = await h.node(realm, { bootstrap: addrs(b).map(String) })
    // a learns of c only from b's UPDATE or a lookup; either way it ends up a verified member
    await nextEvent(a, 'peer:joined', d => (d as { peer: string }).peer === c.peerId.toString(), { timeoutMs: 20_000 })
    assert.ok(a.membership.has(c.peerId))
  })

  test('records heard while every join slot is taken are joined as slots free, without being heard again', async () => {
    // nobody tells anyone of anyone except through the joiner's own NLIST to its bootstrap node:
    // no UPDATE, no neighbourhood rounds, no keepalive PIGGY, no kad-dht self-lookup
    const quiet: Partial<RealmNodeInit> = {
      updateFanout: 0,
      neighbourhood: { ask: 0 },
      keepalive: { intervalMs: 600_000 },
      dht: { initialQuerySelfInterval: 600_000 }
    }
    const hub = await h.node(realm, quiet)
    const others: RealmNode[] = []
    for (let i = 0; i < 4; i++) {
      const node = await h.node(realm, { ...quiet, bootstrap: addrs(hub).map(String) })
      await node.whenJoined({ signal: AbortSignal.timeout(10_000) })
      others.push(node)
    }
    await until(() => others.every(node => hub.membership.has(node.peerId)), [hub], ['peer:joined'], { timeoutMs: 10_000, what: 'the hub to hold the 4 others' })
    // one join at a time: the NLIST answer brings 4 records, 1 is joined at once, 3 wait
    const joiner = await h.node(realm, { ...quiet, maxPendingJoins: 1, bootstrap: addrs(hub).map(String) })
    await joiner.whenJoined({ signal: AbortSignal.timeout(10_000) })
    await until(() => others.every(node => joiner.membership.has(node.peerId)), [joiner], ['peer:joined'], { timeoutMs: 15_000, what: 'the joiner to join all 4 it heard of' })
    assert.equal(joiner.membership.size, 5)
  })

  test('joinOnStart: false listens without joining until joinRealm()', async () => {
    const a = await h.node(realm)
    const b = await h.node(realm, { bootstrap: addrs(a).map(String), joinOnStart: false })
    assert.equal(b.isStarted(), true)
    assert.equal(b.joined, false)
    assert.equal(b.libp2p.getConnections().length, 0, 'no dial before joinRealm()')
    // a wait that gives up leaves the join running
    await assert.rejects(b.joinRealm({ signal: AbortSignal.abort() }))
    await b.joinRealm({ signal: AbortSignal.timeout(10_000) })
    assert.ok(a.membership.has(b.peerId))
    // a second call joins nothing twice
    await b.joinRealm()
  })

  test('joinRealm() on a node that is not started is a NodeStateError', async () => {
    const node = await createRealmNode({ realm: realm.realm, privateKey: await generateNodeKey(), nodeToken: 'x', bootstrap: [], joinOnStart: false })
    await assert.rejects(node.joinRealm(), (err: Error) => err instanceof NodeStateError)
  })

  test('LEAVE on stop removes the member at once, with reason leave', async () => {
    const [a, b] = await pair()
    const left = nextEvent<{ peer: string, reason: string }>(a, 'peer:left', d => d.peer === b.peerId.toString())
    await b.stop()
    assert.equal((await left).reason, 'leave')
    assert.equal(a.membership.has(b.peerId), false)
  })

  test('a member whose connections all close is dropped after the grace period, reason disconnect', async () => {
    const a = await h.node(realm, { disconnectGraceMs: 200 })
    // b would dial its bootstrap peer again at once (redial): it stays away here
    const b = await h.node(realm, { bootstrap: addrs(a).map(String), redial: { enabled: false } })
    await b.whenJoined({ signal: AbortSignal.timeout(10_000) })
    const left = nextEvent<{ peer: string, reason: string }>(a, 'peer:left', d => d.peer === b.peerId.toString())
    await a.libp2p.hangUp(b.peerId)
    assert.equal((await left).reason, 'disconnect')
  })
})
