/**
 * Issue 25, item 6: subject authorization deferred to the leader (seed 001's MESSAGE.AUTHORIZE) on
 * real nodes. A receiver with `subjects.deferToLeader` puts every sender to the leader's subject
 * policy: one identity the rules name is delivered to, another is refused with the leader's code
 * (its publish says so); in default-deny a subject no rule names refuses everyone (SUBJECT_NO_RULE).
 * Answers are kept: the leader is asked once per counterpart, not per message.
 */
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateNodeKey } from '@realmesh/token'
import { LeaderRequest, LeaderResponse } from '@realmesh/wire'
import { Cleanup, exchange, leaderRequest, startNode, startTestLeader, within } from './helpers.js'
import { decideSubject, subjectMatches } from '../src/index.js'
import type { TestLeader } from './helpers.js'
import type { RealmNode } from '@realmesh/node'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

async function member (cleanup: Cleanup, leader: TestLeader, attrs: Record<string, string> = {}, deferToLeader = false): Promise<RealmNode> {
  const key = await generateNodeKey()
  const node = await startNode(cleanup, {
    realm: leader.realm,
    privateKey: key,
    nodeToken: await leader.service.issueNodeToken(peerIdFromPrivateKey(key), { attrs }),
    bootstrap: [leader.address],
    subjects: { deferToLeader }
  })
  await within(node.whenJoined(), 'a member to join')
  return node
}

describe('subject authorization by the leader', () => {
  const cleanup = new Cleanup()
  afterEach(async () => { await cleanup.run() })

  it('the policy allows one identity and refuses another with its code; default deny refuses a subject no rule names; answers are kept', async () => {
    const allowed = await generateNodeKey()
    const leader = await startTestLeader(cleanup, {
      policy: { mode: 'deny' },
      subjects: { defaultDeny: true, decisionTtlSeconds: 60, rules: [{ subject: 'orders.*', send: [peerIdFromPrivateKey(allowed).toString()], receive: ['attr:team=red'] }] }
    })
    const asked: Array<{ identity: string, subject: string, code?: string }> = []
    leader.service.addEventListener('subject:decided', (evt) => { asked.push(evt.detail) })
    const receiver = await member(cleanup, leader, { team: 'red' }, true)
    const good = await startNode(cleanup, { realm: leader.realm, privateKey: allowed, nodeToken: await leader.service.issueNodeToken(peerIdFromPrivateKey(allowed)), bootstrap: [leader.address] })
    await within(good.whenJoined(), 'the allowed sender to join')
    const bad = await member(cleanup, leader)
    const got: string[] = []
    await receiver.subscribe('orders.eu', (m) => { got.push(new TextDecoder().decode(m.data)) })
    await receiver.subscribe('chat', (m) => { got.push(new TextDecoder().decode(m.data)) })

    const result = async (from: RealmNode, subject: string, data: string): Promise<string[]> =>
      ((await from.publish(subject, text(data), { ack: 'destination' })).results ?? []).map(r => `${r.status} ${r.code ?? ''}`.trim())
    assert.deepEqual(await result(good, 'orders.eu', 'one'), ['delivered'])
    assert.deepEqual(await result(good, 'orders.eu', 'two'), ['delivered'])
    assert.deepEqual(await result(bad, 'orders.eu', 'refused'), ['rejected SUBJECT_DENIED_BY_LEADER'])
    assert.deepEqual(await result(good, 'chat', 'no rule'), ['rejected SUBJECT_NO_RULE'])
    assert.deepEqual(got, ['one', 'two'])

    const ofReceiver = asked.filter(a => a.subject === 'orders.eu')
    assert.deepEqual(ofReceiver.map(a => [a.identity, a.code]), [[good.peerId.toString(), undefined], [bad.peerId.toString(), 'SUBJECT_DENIED_BY_LEADER']], 'asked once per counterpart, not per message')
  })

  it('AUTHORIZE: members only; the counterpart\'s token is verified; the answer says how long to keep it', async () => {
    const leader = await startTestLeader(cleanup, { policy: { mode: 'deny' }, subjects: { defaultDeny: false, decisionTtlSeconds: 30, rules: [{ subject: 'x', send: ['attr:team=red'] }] } })
    const asker = await member(cleanup, leader)
    const token = await leader.service.issueNodeToken(asker.peerId, { attrs: { team: 'blue' } })
    const ask = async (fields: Partial<LeaderRequest>): Promise<LeaderResponse> => exchange(asker, leader.address, leaderRequest({ type: LeaderRequest.Type.AUTHORIZE, identityToken: token, ...fields }))
    assert.deepEqual(pick(await ask({ subject: 'x', receive: true })), [LeaderResponse.Status.APPROVED, '', 30_000], 'no rule names receive: the default allows')
    assert.deepEqual(pick(await ask({ subject: 'x', send: true })), [LeaderResponse.Status.DENIED, 'SUBJECT_DENIED_BY_LEADER', 30_000])
    assert.equal((await ask({ subject: 'x', send: true, identityToken: 'not.a.token' })).code, 'TOKEN_MALFORMED')
    assert.equal((await ask({ subject: '', send: true })).code, 'FRAME_MALFORMED')
    const outsider = await startNode(cleanup, { realm: leader.realm, bootstrap: [] })
    assert.equal((await exchange(outsider, leader.address, leaderRequest({ type: LeaderRequest.Type.AUTHORIZE, identityToken: token, subject: 'x', send: true }))).code, 'NOT_A_MEMBER')
  })

  it('patterns and entries', () => {
    assert.ok(subjectMatches('orders.*', 'orders.eu'))
    assert.ok(subjectMatches('*', 'anything'))
    assert.ok(subjectMatches('a*b*c', 'a-b-b-c'))
    assert.ok(!subjectMatches('orders.*', 'order.eu'))
    assert.ok(!subjectMatches('a*ab', 'ab'))
    assert.ok(subjectMatches('exact', 'exact') && !subjectMatches('exact', 'exact2'))
    const policy = { defaultDeny: false, decisionTtlSeconds: 60, rules: [{ subject: 's', send: ['*'], receive: ['attr:role=ops'] }] }
    assert.deepEqual(decideSubject(policy, { subject: 's', identity: 'I', attrs: {}, send: true, receive: false }), { allowed: true })
    assert.equal(decideSubject(policy, { subject: 's', identity: 'I', attrs: { role: 'dev' }, send: false, receive: true }).allowed, false)
    assert.equal(decideSubject(policy, { subject: 's', identity: 'I', attrs: { role: 'ops' }, send: true, receive: true }).allowed, true)
  })
})

function pick (response: LeaderResponse): [LeaderResponse.Status, string, number] {
  return [response.status, response.code, response.validForMs]
}
