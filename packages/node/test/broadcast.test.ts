import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { generateNodeKey } from '@realmesh/token'
import { Broadcast, broadcastTopic, MAX_BROADCAST_BYTES } from '@realmesh/wire'
import { until, BroadcastDisabledError, BroadcastTooLargeError } from '../src/index.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import type { Realm } from './fixtures.js'
import type { BroadcastMessage, RealmNode } from '../src/index.js'

describe('broadcast', () => {
  const h = new Harness()
  let realm: Realm
  before(async () => { realm = await makeRealm('loud', { broadcast: true }) })
  after(async () => { await h.stopAll() })

  async function realmOf (size: number): Promise<RealmNode[]> {
    const first = await h.node(realm)
    const nodes = [first]
    for (let i = 1; i < size; i++) nodes.push(await h.node(realm, { bootstrap: addrs(first).map(String) }))
    await Promise.all(nodes.map(async n => n.whenJoined({ signal: AbortSignal.timeout(10_000) })))
    if (size > 1) {
      // gossipsub forwards along its mesh, formed on heartbeats: wait until every node has one
      await until(() => nodes.every(n => n.broadcastPeers() > 0), nodes.map(n => n.libp2p.services.pubsub).filter(p => p != null), ['gossipsub:graft'], { what: 'every node to have a broadcast mesh peer' })
    }
    return nodes
  }

  test('a broadcast reaches every member, from its signed originator', async () => {
    const nodes = await realmOf(5)
    const received = new Map<string, BroadcastMessage[]>()
    for (const n of nodes) n.addEventListener('broadcast', (evt) => { received.set(n.peerId.toString(), [...(received.get(n.peerId.toString()) ?? []), evt.detail]) })
    const [sender, ...others] = nodes as [RealmNode, ...RealmNode[]]
    const { recipients } = await sender.broadcast(new TextEncoder().encode('hello realm'))
    assert.ok(recipients > 0)
    await until(() => others.every(n => received.has(n.peerId.toString())), others, ['broadcast'], { what: 'the broadcast at every member' })
    for (const n of others) {
      const got = received.get(n.peerId.toString())
      assert.ok(got != null && got.length > 0, `${n.peerId.toString()} got nothing`)
      assert.equal(got[0]?.from, sender.peerId.toString())
      assert.equal(new TextDecoder().decode(got[0]?.data), 'hello realm')
    }
    assert.equal(received.get(sender.peerId.toString()), undefined, 'no echo to the sender')
  })

  test('an oversized broadcast is refused with a clear error', async () => {
    const [node] = await realmOf(1)
    await assert.rejects(node!.broadcast(new Uint8Array(MAX_BROADCAST_BYTES + 1)), (err: Error) => err instanceof BroadcastTooLargeError && err.code === 'FRAME_TOO_LARGE')
  })

  test('a broadcast claiming another originator is rejected and not delivered', async () => {
    const nodes = await realmOf(3)
    const [liar, victim] = nodes as [RealmNode, RealmNode, RealmNode]
    const delivered: BroadcastMessage[] = []
    for (const n of nodes) n.addEventListener('broadcast', (evt) => { delivered.push(evt.detail) })
    // the liar publishes raw gossipsub data carrying someone else's node token
    const forged = Broadcast.encode({ nodeToken: await realm.issue(await generateNodeKey()), data: new Uint8Array([1]) })
    const offences: string[] = []
    victim.guard.addEventListener('peer:offence', (evt) => { offences.push(evt.detail.offence) })
    for (let i = 0; i < 20 && offences.length === 0; i++) {
      await liar.libp2p.services.pubsub?.publish(broadcastTopic(realm.realm.id), forged).catch(() => {})
      await until(() => offences.length > 0, [victim.guard], ['peer:offence'], { timeoutMs: 500 }).catch(() => {})
    }
    assert.ok(offences.includes('BROADCAST_INVALID'))
    assert.equal(delivered.length, 0)
  })

  test('a realm that does not broadcast runs no gossipsub, and broadcast() says why', async () => {
    const quiet = await makeRealm('quiet')
    const first = await h.node(quiet)
    const second = await h.node(quiet, { bootstrap: addrs(first).map(String) })
    await second.whenJoined({ signal: AbortSignal.timeout(10_000) })
    for (const node of [first, second]) {
      assert.equal(node.libp2p.services.pubsub, undefined)
      assert.ok(!node.libp2p.getProtocols().some(p => p.startsWith('/meshsub/')), 'no gossipsub protocol is handled')
      // no stream beyond realmesh's own runs on the member connection
      const streams = node.libp2p.getConnections().flatMap(c => c.streams.map(s => s.protocol ?? ''))
      assert.ok(!streams.some(p => p.startsWith('/meshsub/')), `no gossipsub stream: ${streams.join(', ')}`)
      assert.equal(node.broadcastPeers(), 0)
    }
    await assert.rejects(first.broadcast(new Uint8Array([1])), (err: Error) => err instanceof BroadcastDisabledError && err.code === 'BROADCAST_DISABLED' && /policy/.test(err.message))
  })
})
