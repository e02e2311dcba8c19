/**
 * Token requests under the 'manual' policy: queued for the operator, approved or denied, polled by
 * the node (STATUS), bounded, and kept across a LeaderService restart.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { joinProof } from '@realmesh/node'
import { verifyNodeToken } from '@realmesh/token'
import { LeaderRequest, LeaderResponse } from '@realmesh/wire'
import { LeaderService } from '../src/index.js'
import { Cleanup, exchange, leaderRequest, nextEvent, startNode, startTestLeader, within } from './helpers.js'
import type { PendingRequest } from '../src/index.js'
import type { RefusalDetail } from '@realmesh/node'

describe('token requests, policy manual', () => {
  const cleanup = new Cleanup()
  afterEach(async () => { await cleanup.run() })

  it('queues the request; on approval the polling node gets its token and joins', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'manual' } })
    const queued = nextEvent<PendingRequest>(leader.service, 'request:pending')
    const pendingOnNode = Promise.withResolvers<string>()
    const node = await startNode(cleanup, { realm: leader.realm, bootstrap: [leader.address], tokenRequest: { attributes: { owner: 'ops' } } }, {
      'token:pending': (evt) => { pendingOnNode.resolve((evt as CustomEvent<{ requestId: string }>).detail.requestId) }
    })
    const request = await queued
    assert.equal(request.kind, 'token')
    assert.equal(request.peer, node.peerId.toString())
    assert.deepEqual(request.attributes, { owner: 'ops' })
    assert.match(request.id, /^[A-Za-z0-9_-]{8,32}$/)
    assert.ok(!Number.isNaN(Date.parse(request.requestedAt)))
    assert.deepEqual(leader.service.pending(), [request])
    assert.equal(await within(pendingOnNode.promise, 'token:pending on the node'), request.id)
    assert.equal(node.joined, false)

    const issued = nextEvent<{ how: string }>(leader.service, 'token:issued')
    await leader.service.approve(request.id)
    assert.equal((await issued).how, 'manual')
    assert.deepEqual(leader.service.pending(), [])
    await within(node.whenJoined(), 'the approved node to join')
    assert.ok(leader.node.members().some(m => m.id === node.peerId.toString()))
    // collected: the request is gone, a second approval has nothing to approve
    await assert.rejects(leader.service.approve(request.id), { code: 'REQUEST_UNKNOWN' })
  })

  it('on denial the node fails with TOKEN_REQUEST_DENIED and the operator\'s reason', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'manual' } })
    const queued = nextEvent<PendingRequest>(leader.service, 'request:pending')
    const failed = Promise.withResolvers<RefusalDetail>()
    const node = await startNode(cleanup, { realm: leader.realm, bootstrap: [leader.address], tokenRequest: {} }, {
      'bootstrap:failed': (evt) => { failed.resolve((evt as CustomEvent<RefusalDetail>).detail) }
    })
    const request = await queued
    const denied = nextEvent<{ peer: string, code: string }>(leader.service, 'request:denied')
    await leader.service.deny(request.id, 'unknown machine')
    assert.deepEqual(await denied, { peer: node.peerId.toString(), code: 'TOKEN_REQUEST_DENIED' })
    const detail = await within(failed.promise, 'bootstrap:failed')
    assert.equal(detail.code, 'TOKEN_REQUEST_DENIED')
    assert.equal(detail.reason, 'unknown machine')
    assert.equal(node.hasToken(), false)
    await assert.rejects(leader.service.deny(request.id), { code: 'REQUEST_ALREADY_DECIDED' })
    await assert.rejects(leader.service.approve('no-such-id'), { code: 'REQUEST_UNKNOWN' })
  })

  it('answers a second request of the same peer with the same request id', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'manual' } })
    const client = await startNode(cleanup, { realm: leader.realm, bootstrap: [] })
    const first = await exchange(client, leader.address, leaderRequest({ type: LeaderRequest.Type.TOKEN }))
    const second = await exchange(client, leader.address, leaderRequest({ type: LeaderRequest.Type.TOKEN }))
    assert.equal(first.status, LeaderResponse.Status.PENDING)
    // the service was asked for 100 ms; a node is never told to poll faster than its rate limit lets it (2/s)
    assert.equal(first.retryAfterMs, 500)
    assert.equal(second.status, LeaderResponse.Status.PENDING)
    assert.equal(second.requestId, first.requestId)
    assert.equal(leader.service.pending().length, 1)

    const status = await exchange(client, leader.address, leaderRequest({ type: LeaderRequest.Type.STATUS, requestId: first.requestId }))
    assert.equal(status.status, LeaderResponse.Status.PENDING)
    await leader.service.approve(first.requestId)
    const done = await exchange(client, leader.address, leaderRequest({ type: LeaderRequest.Type.STATUS, requestId: first.requestId }))
    assert.equal(done.status, LeaderResponse.Status.ISSUED)
    await verifyNodeToken(done.token, { realm: leader.realm, expectedPeer: client.peerId })
    // collected once: the id is forgotten
    const again = await exchange(client, leader.address, leaderRequest({ type: LeaderRequest.Type.STATUS, requestId: first.requestId }))
    assert.equal(again.status, LeaderResponse.Status.DENIED)
    assert.equal(again.code, 'REQUEST_UNKNOWN')
  })

  it('still issues at once to a node that proves the join secret, when one is set', async () => {
    const secret = 'manual-but-trusted'
    const leader = await startTestLeader(cleanup, { policy: { mode: 'manual', joinSecret: secret } })
    const node = await startNode(cleanup, { realm: leader.realm, bootstrap: [leader.address], tokenRequest: { joinSecret: secret } })
    await within(node.whenJoined(), 'the node with the secret to join')
    assert.deepEqual(leader.service.pending(), [])

    // a wrong proof is refused outright rather than queued
    const client = await startNode(cleanup, { realm: leader.realm, bootstrap: [] })
    const wrong = Uint8Array.from(joinProof('not it', client.peerId, peerIdFromString(leader.realm.leader.peerId)))
    const response = await exchange(client, leader.address, leaderRequest({ joinProof: wrong }))
    assert.equal(response.code, 'JOIN_SECRET_INVALID')
    assert.deepEqual(leader.service.pending(), [])
  })

  it('refuses with BUSY when maxPending requests wait', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'manual' }, maxPending: 2 })
    const clients = await Promise.all([1, 2, 3].map(async () => startNode(cleanup, { realm: leader.realm, bootstrap: [] })))
    const answers = []
    for (const client of clients) answers.push(await exchange(client, leader.address, leaderRequest({})))
    assert.deepEqual(answers.map(a => a.status), [LeaderResponse.Status.PENDING, LeaderResponse.Status.PENDING, LeaderResponse.Status.DENIED])
    assert.equal(answers[2]?.code, 'BUSY')
    assert.equal(leader.service.pending().length, 2)
  })
})

describe('pending requests survive a restart', () => {
  const cleanup = new Cleanup()
  afterEach(async () => { await cleanup.run() })

  it('keeps pending.json (0600); a restarted service approves and the waiting node joins', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'realmesh-leader-'))
    cleanup.add(async () => { await rm(dir, { recursive: true, force: true }) })
    const leader = await startTestLeader(cleanup, { policy: { mode: 'manual' }, dir })
    const queued = nextEvent<PendingRequest>(leader.service, 'request:pending')
    const node = await startNode(cleanup, { realm: leader.realm, bootstrap: [leader.address], tokenRequest: {} })
    const request = await queued

    const path = join(dir, 'pending.json')
    assert.equal((await stat(path)).mode & 0o777, 0o600)
    assert.match(await readFile(path, 'utf8'), new RegExp(request.id))

    // the operator restarts the service: same node, same dir
    await leader.service.stop()
    const restarted = new LeaderService({ node: leader.node, key: leader.key, realm: leader.realm, policy: { mode: 'manual', ttlSeconds: 3600, deferred: 'manual' }, dir, retryAfterMs: 100 })
    cleanup.add(async () => { await restarted.stop() })
    await restarted.start()
    assert.deepEqual(restarted.pending(), [request])

    await restarted.approve(request.id)
    await within(node.whenJoined(), 'the node approved after the restart to join')
    const log = (await readFile(join(dir, 'issued.jsonl'), 'utf8')).trim().split('\n').map(line => JSON.parse(line) as { peer: string, how: string })
    assert.deepEqual(log.map(e => [e.peer, e.how]), [[node.peerId.toString(), 'manual']])
    assert.equal((await stat(join(dir, 'issued.jsonl'))).mode & 0o777, 0o600)
  })
})
