/**
 * The leader protocol against requests a RealmNode would never send: someone else's request id,
 * frames that do not decode, fail the schema check, or are too large. Each is answered DENIED with
 * a stable code, leaves no state, and the leader keeps serving.
 */
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { LeaderRequest, LeaderResponse } from '@realmesh/wire'
import { Cleanup, exchange, leaderRequest, startNode, startTestLeader } from './helpers.js'

describe('leader protocol', () => {
  const cleanup = new Cleanup()
  afterEach(async () => { await cleanup.run() })

  it('STATUS for another peer\'s request id is REQUEST_UNKNOWN', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'manual' } })
    const alice = await startNode(cleanup, { realm: leader.realm, bootstrap: [] })
    const mallory = await startNode(cleanup, { realm: leader.realm, bootstrap: [] })
    const asked = await exchange(alice, leader.address, leaderRequest({ type: LeaderRequest.Type.TOKEN }))
    assert.equal(asked.status, LeaderResponse.Status.PENDING)
    await leader.service.approve(asked.requestId)

    const stolen = await exchange(mallory, leader.address, leaderRequest({ type: LeaderRequest.Type.STATUS, requestId: asked.requestId }))
    assert.equal(stolen.status, LeaderResponse.Status.DENIED)
    assert.equal(stolen.code, 'REQUEST_UNKNOWN')
    assert.equal(stolen.token, '')
    const madeUp = await exchange(mallory, leader.address, leaderRequest({ type: LeaderRequest.Type.STATUS, requestId: 'nope' }))
    assert.equal(madeUp.code, 'REQUEST_UNKNOWN')
    const empty = await exchange(mallory, leader.address, leaderRequest({ type: LeaderRequest.Type.STATUS }))
    assert.equal(empty.code, 'REQUEST_UNKNOWN')

    // the owner still collects its token
    const own = await exchange(alice, leader.address, leaderRequest({ type: LeaderRequest.Type.STATUS, requestId: asked.requestId }))
    assert.equal(own.status, LeaderResponse.Status.ISSUED)
  })

  it('answers frames that do not decode or fail the schema with FRAME_MALFORMED, and keeps serving', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'manual' } })
    const denials: string[] = []
    leader.service.addEventListener('request:denied', (evt) => { denials.push(evt.detail.code) })
    const client = await startNode(cleanup, { realm: leader.realm, bootstrap: [] })
    const bad: Array<[string, Uint8Array | LeaderRequest]> = [
      ['an unknown request type', Uint8Array.from([0x08, 0x07])],
      ['a varint that never ends', Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])],
      ['a field longer than the frame', Uint8Array.from([0x12, 0x50, 0x01])],
      ['a 5-byte join proof', leaderRequest({ joinProof: new Uint8Array(5) })],
      ['17 attributes', leaderRequest({ attributes: new Map(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) })],
      ['attributes too large for a token', leaderRequest({ attributes: new Map(Array.from({ length: 16 }, (_, i) => [`k${i}`, '\u00e9'.repeat(256)])) })],
      ['DEFER without a token, from a non-member', leaderRequest({ type: LeaderRequest.Type.DEFER })]
    ]
    for (const [what, request] of bad) {
      const response = await exchange(client, leader.address, request)
      assert.equal(response.status, LeaderResponse.Status.DENIED, what)
      assert.equal(response.code, what.startsWith('DEFER') ? 'NOT_A_MEMBER' : 'FRAME_MALFORMED', what)
    }
    assert.deepEqual(denials, [...Array.from({ length: 6 }, () => 'FRAME_MALFORMED'), 'NOT_A_MEMBER'])
    assert.deepEqual(leader.service.pending(), [])

    const fine = await exchange(client, leader.address, leaderRequest({ type: LeaderRequest.Type.TOKEN }))
    assert.equal(fine.status, LeaderResponse.Status.PENDING)
    assert.equal(leader.service.pending().length, 1)
  })

  it('refuses a frame above the leader\'s limit with FRAME_TOO_LARGE', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'manual' } })
    const client = await startNode(cleanup, { realm: leader.realm, bootstrap: [] })
    const response = await exchange(client, leader.address, new Uint8Array(17 * 1024).fill(0x41), 64 * 1024)
    assert.equal(response.status, LeaderResponse.Status.DENIED)
    assert.equal(response.code, 'FRAME_TOO_LARGE')
    assert.deepEqual(leader.service.pending(), [])
    const fine = await exchange(client, leader.address, leaderRequest({}))
    assert.equal(fine.status, LeaderResponse.Status.PENDING)
  })

  it('is closed after stop(): a stopped service answers nothing', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'manual' } })
    const client = await startNode(cleanup, { realm: leader.realm, bootstrap: [] })
    await leader.service.stop()
    await assert.rejects(exchange(client, leader.address, leaderRequest({})))
    await leader.service.start()
    const response = await exchange(client, leader.address, leaderRequest({}))
    assert.equal(response.status, LeaderResponse.Status.PENDING)
  })
})
