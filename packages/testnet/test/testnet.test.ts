import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createTestnet, nextEvent } from '../src/index.js'
import { defer, allow } from '@realmesh/node'

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
})
