/**
 * Pending token requests that clean up (issue 18.4): a node that stops waiting withdraws its
 * request (CANCEL), a request whose node went away (it stopped polling) is cancelled after the
 * grace, an undecided one expires, and the operator cannot approve what is gone (REQUEST_UNKNOWN).
 * Real RealmNodes, a real leader; a clock is injected where hours must pass.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { requestNodeToken } from '@realmesh/node'
import { LeaderRequest, LeaderResponse, PROTOCOLS } from '@realmesh/wire'
import { LeaderService } from '../src/index.js'
import { Cleanup, exchange, leaderRequest, nextEvent, startNode, startTestLeader, within } from './helpers.js'
import { askOnce, throwawayPeer } from './throwaway.js'
import type { CancelReason, PendingRequest } from '../src/index.js'
import type { AbortOptions, Stream } from '@libp2p/interface'

type Cancelled = PendingRequest & { why: CancelReason }
const TCP = '/ip4/127.0.0.1/tcp/0'

describe('pending token requests clean up', () => {
  const cleanup = new Cleanup()
  afterEach(async () => { await cleanup.run() })

  it('a node that stops waiting withdraws its request (CANCEL) at once; approve and deny of it are REQUEST_UNKNOWN', async () => {
    // the default grace (60 s): what removes the request here is the node's CANCEL
    const leader = await startTestLeader(cleanup, { policy: { mode: 'manual' } })
    const client = await startNode(cleanup, { realm: leader.realm, bootstrap: [] })
    const open = async (options: AbortOptions): Promise<Stream> => client.libp2p.dialProtocol(multiaddr(leader.address), PROTOCOLS.leader, options)
    const stopWaiting = new AbortController()
    const pendingId = Promise.withResolvers<string>()
    const asking = requestNodeToken(open, client.peerId, peerIdFromString(leader.realm.leader.peerId), { signal: stopWaiting.signal, onPending: (id) => { pendingId.resolve(id) } })
    const id = await within(pendingId.promise, 'PENDING')
    assert.deepEqual(leader.service.pending().map(r => r.id), [id])

    const cancelled = nextEvent<Cancelled>(leader.service, 'request:cancelled', () => true, 5_000)
    const stopped = performance.now()
    stopWaiting.abort()
    await assert.rejects(asking)
    const detail = await cancelled
    assert.deepEqual([detail.id, detail.peer, detail.why], [id, client.peerId.toString(), 'cancelled'])
    assert.ok(performance.now() - stopped < 2_000, 'withdrawn within the node\'s 2 s bound, not after the grace')
    assert.deepEqual(leader.service.pending(), [])
    await assert.rejects(leader.service.approve(id), { code: 'REQUEST_UNKNOWN' })
    await assert.rejects(leader.service.deny(id), { code: 'REQUEST_UNKNOWN' })
  })

  it('a request whose node went away (no more polls) is cancelled after the grace; a node that still polls keeps its request', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'manual' }, listen: TCP, requests: { graceSeconds: 2 } })
    const queued = nextEvent<PendingRequest>(leader.service, 'request:pending')
    const waiting = await startNode(cleanup, { realm: leader.realm, bootstrap: [leader.address], tokenRequest: {} })
    const kept = await queued
    // peers that ask once and are gone: what a killed node looks like to the leader. Each is
    // cancelled a grace after its request; the node that polls outlives two of them
    for (const address of ['127.0.0.3', '127.0.0.4']) {
      const gone = await askOnce(leader.address, address)
      assert.equal(gone.response.status, LeaderResponse.Status.PENDING)
      const asked = performance.now()
      const cancelled = await nextEvent<Cancelled>(leader.service, 'request:cancelled', (d) => d.peer === gone.peer)
      const afterMs = performance.now() - asked
      assert.equal(cancelled.why, 'gone')
      assert.ok(afterMs >= 1_900 && afterMs < 4_000, `cancelled ${Math.round(afterMs)} ms after its only poll (grace 2 s, swept every 0.5 s)`)
      await assert.rejects(leader.service.approve(gone.response.requestId), { code: 'REQUEST_UNKNOWN' })
      assert.deepEqual(leader.service.pending().map(r => r.id), [kept.id], 'the polling node\'s request is still there')
    }
    await leader.service.approve(kept.id)
    await within(waiting.whenJoined(), 'the node that kept polling to join once approved')
  })

  it('CANCEL: own waiting request (by id, or without one) -> CANCELLED and forgotten; another peer\'s id, a made-up one, none without a request -> REQUEST_UNKNOWN; a denied one stays denied', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'manual' } })
    const alice = await startNode(cleanup, { realm: leader.realm, bootstrap: [] })
    const mallory = await startNode(cleanup, { realm: leader.realm, bootstrap: [] })
    const asked = await exchange(alice, leader.address, leaderRequest({ type: LeaderRequest.Type.TOKEN }))
    const id = asked.requestId
    for (const [who, requestId] of [[mallory, id], [alice, 'made-up'], [mallory, '']] as const) {
      const refused = await exchange(who, leader.address, leaderRequest({ type: LeaderRequest.Type.CANCEL, requestId }))
      assert.deepEqual([refused.status, refused.code], [LeaderResponse.Status.DENIED, 'REQUEST_UNKNOWN'])
    }
    assert.equal(leader.service.pending().length, 1, 'nobody else can withdraw it')
    const done = await exchange(alice, leader.address, leaderRequest({ type: LeaderRequest.Type.CANCEL, requestId: id }))
    assert.deepEqual([done.status, done.requestId], [LeaderResponse.Status.CANCELLED, id])
    assert.deepEqual(leader.service.pending(), [])
    const status = await exchange(alice, leader.address, leaderRequest({ type: LeaderRequest.Type.STATUS, requestId: id }))
    assert.equal(status.code, 'REQUEST_UNKNOWN')
    const bob = await startNode(cleanup, { realm: leader.realm, bootstrap: [] })
    const bobs = await exchange(bob, leader.address, leaderRequest({ type: LeaderRequest.Type.TOKEN }))
    const withoutId = await exchange(bob, leader.address, leaderRequest({ type: LeaderRequest.Type.CANCEL }))
    assert.deepEqual([withoutId.status, withoutId.requestId], [LeaderResponse.Status.CANCELLED, bobs.requestId])
    assert.deepEqual(leader.service.pending(), [])

    const again = await exchange(alice, leader.address, leaderRequest({ type: LeaderRequest.Type.TOKEN }))
    await leader.service.deny(again.requestId, 'not this one')
    const afterDeny = await exchange(alice, leader.address, leaderRequest({ type: LeaderRequest.Type.CANCEL, requestId: again.requestId }))
    assert.deepEqual([afterDeny.status, afterDeny.code, afterDeny.reason], [LeaderResponse.Status.DENIED, 'TOKEN_REQUEST_DENIED', 'not this one'])
  })

  it('a node whose request the leader forgot asks anew (STATUS -> REQUEST_UNKNOWN -> TOKEN)', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'manual' } })
    const first = nextEvent<PendingRequest>(leader.service, 'request:pending')
    const node = await startNode(cleanup, { realm: leader.realm, bootstrap: [leader.address], tokenRequest: {} })
    await first
    // a leader without a state dir, restarted: it knows nothing of the request
    await leader.service.stop()
    const fresh = new LeaderService({ node: leader.node, key: leader.key, realm: leader.realm, policy: { mode: 'manual', ttlSeconds: 3600, deferred: 'manual' }, retryAfterMs: 100 })
    cleanup.add(async () => { await fresh.stop() })
    const asked = nextEvent<PendingRequest>(fresh, 'request:pending', (r) => r.peer === node.peerId.toString())
    await fresh.start()
    const second = await asked
    await fresh.approve(second.id)
    await within(node.whenJoined(), 'the node to join with the token of its second request')
  })

  it('requests kept across a restart get their grace from the leader\'s start; undecided ones expire', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'realmesh-leader-'))
    cleanup.add(async () => { await rm(dir, { recursive: true, force: true }) })
    let now = Date.now()
    const clock = (): number => now
    const requests = { graceSeconds: 10, expireSeconds: 3600 }
    const leader = await startTestLeader(cleanup, { policy: { mode: 'manual' }, listen: TCP, dir, requests, now: clock })
    const gone = await askOnce(leader.address, '127.0.0.4')
    await leader.service.stop()

    // the leader is down for an hour less a minute: far past the grace, not yet past the expiry
    now += 3_540_000
    const restarted = new LeaderService({ node: leader.node, key: leader.key, realm: leader.realm, policy: { mode: 'manual', ttlSeconds: 3600, deferred: 'manual' }, dir, requests, now: clock })
    cleanup.add(async () => { await restarted.stop() })
    await restarted.start()
    assert.deepEqual(restarted.pending().map(r => [r.peer, r.address]), [[gone.peer, '127.0.0.4']], 'still listed right after the restart')
    // swept every 2.5 s (a quarter of the grace): nothing to cancel within the grace
    const cancelled = nextEvent<Cancelled>(restarted, 'request:cancelled', () => true, 10_000)
    now += 11_000
    assert.deepEqual(await cancelled.then(d => [d.peer, d.why]), [gone.peer, 'gone'])

    // an undecided request of a node that does poll expires after expireSeconds
    const client = await throwawayPeer('127.0.0.5')
    cleanup.add(async () => { await client.stop() })
    const poll = async (type: LeaderRequest.Type, requestId = ''): Promise<LeaderResponse> => exchange({ libp2p: client }, leader.address, leaderRequest({ type, requestId }))
    const asked = await poll(LeaderRequest.Type.TOKEN)
    const expired = nextEvent<Cancelled>(restarted, 'request:cancelled', () => true, 10_000)
    now += 3_600_000
    assert.equal((await poll(LeaderRequest.Type.STATUS, asked.requestId)).code, 'REQUEST_UNKNOWN')
    assert.deepEqual(await expired.then(d => [d.id, d.why]), [asked.requestId, 'expired'])
  })
})
