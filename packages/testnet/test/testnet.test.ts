import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createTestnet, nextEvent, until, coordinatorLookup } from '../src/index.js'
import { coordinatorKadId } from '../src/procs/lookup.js'
import { defer, allow, bucketOf } from '@realmesh/node'
import type { RealmNode } from '@realmesh/node'
import { closestTo, fingerprint } from '@realmesh/token'

describe('testnet', () => {
  for (const transport of ['memory', 'tcp'] as const) {
    test(`a leader and 6 nodes on ${transport} join and fill each other's routing tables`, async () => {
      const net = await createTestnet({ size: 6, transport })
      try {
        await net.whenJoined({ signal: AbortSignal.timeout(30_000) })
        await net.whenRoutingTablesHold(6, { timeoutMs: 30_000 })
        for (const node of net.all) {
          const status = node.status()
          assert.equal(status.joined, true)
          assert.equal(status.members.length, 6)
          assert.ok(status.listen.every(a => transport === 'memory' ? a.startsWith('/memory/') : a.startsWith('/ip4/127.0.0.1/tcp/')))
        }
      } finally {
        await net.stop()
      }
      assert.ok(net.all.every(n => n.libp2p.getConnections().length === 0), 'stop leaves no connections')
    })
  }

  test('joinAfterAllStarted: the nodes begin joining once all are started, and all join; a node added later joins as it starts', async () => {
    const net = await createTestnet({ size: 5, concurrency: 1000, joinAfterAllStarted: true })
    try {
      await net.whenJoined({ signal: AbortSignal.timeout(30_000) })
      assert.ok(net.nodes.every(n => n.joined))
      // a node added later joins as it starts
      const late = await net.addNode()
      await late.whenJoined({ signal: AbortSignal.timeout(10_000) })
    } finally {
      await net.stop()
    }
  })

  test('nodes can get their tokens from the leader with the join secret', async () => {
    const net = await createTestnet({ size: 3, tokens: 'request' })
    try {
      await net.whenJoined({ signal: AbortSignal.timeout(30_000) })
      assert.ok(net.nodes.every(n => n.hasToken()))
    } finally {
      await net.stop()
    }
  })

  test('a join deferred to the leader succeeds on the retry once the leader approves', async () => {
    const net = await createTestnet({ size: 1, policy: { deferred: 'approve' } })
    try {
      const gatekeeper = net.nodes[0]
      assert.ok(gatekeeper != null)
      await gatekeeper.whenJoined({ signal: AbortSignal.timeout(10_000) })
      // a node that defers every newcomer it does not know yet
      const careful = await net.addNode({ authenticate: ({ peer }) => peer.equals(gatekeeper.peerId) || peer.equals(net.leader.node.peerId) ? allow : defer('unknown to me') })
      await careful.whenJoined({ signal: AbortSignal.timeout(10_000) })
      const joiner = await net.addNode({ bootstrap: careful.status().listen, backoff: { baseMs: 50, maxMs: 500 } })
      const deferred = await nextEvent<{ peer: string }>(joiner, 'join:deferred', () => true, { timeoutMs: 10_000 })
      assert.equal(deferred.peer, careful.peerId.toString())
      await joiner.whenJoined({ signal: AbortSignal.timeout(20_000) })
      assert.ok(careful.membership.has(joiner.peerId))
    } finally {
      await net.stop()
    }
  })

  test('coordinator lookups in a realm of 40: the true closest member, from a few queries to the closest peers known first; no peer dialled but the ones asked', async () => {
    const net = await createTestnet({ size: 39 })
    try {
      await net.whenJoined({ signal: AbortSignal.timeout(60_000) })
      const ids = net.all.map(n => n.peerId.toString())
      // every member holds its 20 closest (neighbourhood rounds): what a lookup relies on
      const holdsNeighbourhood = (): boolean => net.all.every(n => closestTo(fingerprint(n.peerId), ids.filter(id => id !== n.peerId.toString()), 20).every(id => n.membership.has(id)))
      await until(holdsNeighbourhood, net.all.map(n => n.membership), ['peer:joined'], { timeoutMs: 60_000, what: 'every member holding its 20 closest' })
      let dials = 0
      for (const node of net.all) node.libp2p.addEventListener('connection:open', (evt) => { if (evt.detail.direction === 'outbound') dials++ })
      let queries = 0
      let queriedStrangers = 0
      for (let i = 0; i < 20; i++) {
        const node = net.all[(i * 7) % net.all.length] as RealmNode
        const subject = `lookup-${i}`
        const members = new Set([...node.membership.values()].map(m => m.id))
        const asked: string[] = []
        const found = await node.findCoordinators(subject, 1, { onQueryEvent: (e) => { if (e.name === 'SEND_QUERY') asked.push(e.to.toString()) } })
        assert.deepEqual(found, closestTo(coordinatorKadId(node, subject), ids, 1), subject)
        queries += asked.length
        queriedStrangers += asked.filter(id => !members.has(id)).length
        const counted = await coordinatorLookup(node, subject)
        assert.equal(counted.closest, found[0])
      }
      // kad-dht's defaults (10 paths, 10 in flight) asked all 20 starting peers at once: 25 a lookup at N = 100
      assert.ok(queries / 20 <= 6, `${queries / 20} queries a lookup`)
      // peers named in answers are not dialled to be pinged into kad-dht's table: only the ones asked
      assert.ok(dials <= queriedStrangers * 2, `${dials} dials for ${queriedStrangers} queries to peers that were not members`)
    } finally {
      await net.stop()
    }
  })

  test('a peer kad-dht would add to its table that is not a member is not dialled: the liveness ping fails at once', async () => {
    const net = await createTestnet({ size: 1, transport: 'tcp' })
    const elsewhere = await createTestnet({ size: 0, transport: 'tcp', name: 'elsewhere' })
    try {
      await net.whenJoined({ signal: AbortSignal.timeout(30_000) })
      const node = net.nodes[0] as RealmNode
      const stranger = elsewhere.leader.node
      await node.libp2p.peerStore.merge(stranger.peerId, { multiaddrs: stranger.libp2p.getMultiaddrs() })
      let dials = 0
      const onOpen = (): void => { dials++ }
      node.libp2p.addEventListener('connection:open', onOpen)
      const table = (node.libp2p.services.dht as unknown as { routingTable: { size: number, add: (peer: unknown) => Promise<void> } }).routingTable
      const before = table.size
      // what kad-dht does with every peer named in a FIND_NODE answer: a ping before the add
      await table.add(stranger.peerId).catch(() => {})
      assert.equal(dials, 0, 'no dial to the stranger (it was dialled and admitted before)')
      assert.equal(table.size, before)
      assert.equal(node.libp2p.getConnections(stranger.peerId).length, 0)
    } finally {
      await net.stop()
      await elsewhere.stop()
    }
  })

  test('a peer dialled only for a lookup is let go once idle for incidentalIdleMs (outside the neighbourhood, its bucket full)', async () => {
    // small buckets and neighbourhoods, so a realm of 16 has peers a lookup must dial
    const net = await createTestnet({ size: 15, node: () => ({ incidentalIdleMs: 300, bucketSize: 1, dht: { kBucketSize: 4 } }) })
    try {
      await net.whenJoined({ signal: AbortSignal.timeout(30_000) })
      // the trim keeps a peer alone in its bucket or in the neighbourhood: wait only on peers it may let go
      const trimmable = (node: RealmNode, id: string): boolean => {
        const self = fingerprint(node.peerId)
        const member = node.membership.get(id)
        if (member == null || !member.incidental || node.membership.near(self, 4).has(id)) return false
        const bucket = bucketOf(member.fingerprint, self)
        return [...node.membership.values()].filter(m => bucketOf(m.fingerprint, self) === bucket).length > 1
      }
      let dialled: { node: RealmNode, peers: Set<string>, gone: Promise<{ peer: string, reason: string }> } | undefined
      for (let i = 0; i < 60 && dialled == null; i++) {
        const node = net.all[i % net.all.length] as RealmNode
        const before = new Set([...node.membership.values()].map(m => m.id))
        const peers = new Set<string>()
        const joined = (evt: CustomEvent<{ peer: string }>): void => { if (!before.has(evt.detail.peer)) peers.add(evt.detail.peer) }
        node.membership.addEventListener('peer:joined', joined)
        await node.findCoordinators(`incidental-${i}`, 1)
        node.membership.removeEventListener('peer:joined', joined)
        for (const peer of peers) if (!trimmable(node, peer)) peers.delete(peer)
        // listened for at once: the trim waits incidentalIdleMs (300 ms) after the lookup's last use
        if (peers.size > 0) dialled = { node, peers, gone: nextEvent<{ peer: string, reason: string }>(node.membership, 'peer:left', (d) => peers.has(d.peer), { timeoutMs: 20_000 }) }
      }
      assert.ok(dialled != null, 'some lookup dialled a peer that was not a member, in a full bucket outside the neighbourhood')
      const left = await dialled.gone
      assert.equal(left.reason, 'evicted')
    } finally {
      await net.stop()
    }
  })
})
