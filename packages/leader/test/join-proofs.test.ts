/**
 * Guessing the join secret online (issue 19.6): an attacker at one address sends wrong proofs as
 * fast as it can, each from a fresh peer id. After each wrong proof the address's next proofs are
 * refused unchecked (backoff, doubling); after `banAfter` the address and the guessing peers are
 * banned. Meanwhile an honest node at another address joins with the right secret.
 */
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { joinProof } from '@realmesh/node'
import { LeaderResponse } from '@realmesh/wire'
import { Cleanup, nextEvent, startNode, startTestLeader, within } from './helpers.js'
import { askOnce } from './throwaway.js'

const SECRET = 'correct horse battery staple'
const ATTACKER = '127.0.0.7'

describe('wrong join proofs', () => {
  const cleanup = new Cleanup()
  afterEach(async () => { await cleanup.run() })

  it('back off the address that sent them, then ban it and its guessing peers; an honest node elsewhere still joins', async (t) => {
    const leader = await startTestLeader(cleanup, {
      policy: { mode: 'auto', joinSecret: SECRET },
      listen: '/ip4/127.0.0.1/tcp/0',
      joinProofs: { backoffSeconds: 1, banAfter: 3, banSeconds: 600 }
    })
    const leaderId = peerIdFromString(leader.realm.leader.peerId)
    const banned = nextEvent<{ address: string, peers: string[] }>(leader.service, 'address:banned')
    const outcomes: Array<{ at: number, code: string, retryAfterMs: number }> = []
    const guessers: string[] = []
    const started = performance.now()
    // guess until the answer is a ban
    while (outcomes.at(-1)?.code !== 'PEER_BANNED') {
      const { peer, response } = await askOnce(leader.address, ATTACKER, (self) => ({ joinProof: Uint8Array.from(joinProof(`guess ${outcomes.length}`, self, leaderId)) }))
      outcomes.push({ at: performance.now() - started, code: response.code, retryAfterMs: response.retryAfterMs })
      if (response.code === 'JOIN_SECRET_INVALID') guessers.push(peer)
      assert.ok(outcomes.length < 2_000, 'banned long before')
    }
    const checked = outcomes.filter(o => o.code === 'JOIN_SECRET_INVALID')
    const refused = outcomes.filter(o => o.code === 'RATE_LIMITED')
    t.diagnostic(`${outcomes.length} attempts in ${(outcomes.at(-1)?.at ?? 0).toFixed(0)} ms: ${checked.length} proofs checked (at ${checked.map(o => Math.round(o.at)).join(', ')} ms), ${refused.length} refused unchecked, then PEER_BANNED`)
    // three guesses were checked, the waits between them doubled (1 s, 2 s), then the address was banned
    assert.equal(checked.length, 3)
    const gaps = [1, 2].map(i => (checked[i]?.at ?? 0) - (checked[i - 1]?.at ?? 0))
    // measured here between answers, so a few ms short of the leader's own times at most; the upper
    // bounds leave room for a loaded machine (the second took 3.2 s at a load of 31)
    assert.ok(gaps[0] !== undefined && gaps[0] >= 950 && gaps[0] < 1_950, `first backoff ${gaps[0]} ms`)
    assert.ok(gaps[1] !== undefined && gaps[1] >= 1_950 && gaps[1] < 6_000, `second backoff ${gaps[1]} ms`)
    assert.ok(refused.length > 0 && refused.every(o => o.retryAfterMs > 0 && o.retryAfterMs <= 2_000), 'refusals say when the next proof is checked')

    const ban = await banned
    assert.equal(ban.address, ATTACKER)
    assert.deepEqual([...ban.peers].sort(), [...guessers].sort())
    for (const peer of guessers) assert.equal(leader.node.guard.isBanned(peer), true, `guesser ${peer} banned at the node`)
    // a ban holds whatever is sent: the right secret from that address is refused too
    const right = await askOnce(leader.address, ATTACKER, (self) => ({ joinProof: Uint8Array.from(joinProof(SECRET, self, leaderId)) }))
    assert.equal(right.response.code, 'PEER_BANNED')

    // an honest node at another address (127.0.0.1) gets in
    const honest = await startNode(cleanup, { realm: leader.realm, bootstrap: [leader.address], tokenRequest: { joinSecret: SECRET } })
    await within(honest.whenJoined(), 'the honest node to join')
  })

  it('a right proof during the backoff is refused unchecked; the node asks again when told and gets its token', async () => {
    const leader = await startTestLeader(cleanup, {
      policy: { mode: 'auto', joinSecret: SECRET },
      listen: '/ip4/127.0.0.1/tcp/0',
      joinProofs: { backoffSeconds: 2, banAfter: 5 }
    })
    const leaderId = peerIdFromString(leader.realm.leader.peerId)
    const wrong = await askOnce(leader.address, '127.0.0.1', (self) => ({ joinProof: Uint8Array.from(joinProof('typo', self, leaderId)) }))
    assert.equal(wrong.response.code, 'JOIN_SECRET_INVALID')
    const during = await askOnce(leader.address, '127.0.0.1', (self) => ({ joinProof: Uint8Array.from(joinProof(SECRET, self, leaderId)) }))
    assert.deepEqual([during.response.status, during.response.code], [LeaderResponse.Status.DENIED, 'RATE_LIMITED'])
    // a RealmNode from the same address: refused RATE_LIMITED, asks again after retry_after_ms, joins
    const node = await startNode(cleanup, { realm: leader.realm, bootstrap: [leader.address], tokenRequest: { joinSecret: SECRET } })
    await within(node.whenJoined(), 'the node to join after the backoff')
  })
})
