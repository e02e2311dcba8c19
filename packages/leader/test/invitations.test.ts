/**
 * Invitations (issue 21 item 4): a real leader issues them, real nodes join with them (the URI
 * read back by @realmesh/node's readInvitation), and the leader enforces uses, expiry (an
 * injected clock moves past it) and cancellation, with the state surviving a restart.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import type { InvitationError} from '@realmesh/node';
import { joinProof, readInvitation } from '@realmesh/node'
import { decodeTokenUnverified } from '@realmesh/token'
import type { LeaderError} from '../src/index.js';
import { LeaderService } from '../src/index.js'
import { Cleanup, nextEvent, startNode, startTestLeader, within } from './helpers.js'
import { askOnce } from './throwaway.js'
import type { TestLeader } from './helpers.js'
import type { LeaderResponse } from '@realmesh/wire'

const HOUR_MS = 3_600_000

/** a TOKEN naming invitation `id` with a proof of `secret`, from a fresh peer */
async function ask (leader: TestLeader, id: string, secret: string, from = '127.0.0.1'): Promise<LeaderResponse> {
  const leaderId = peerIdFromString(leader.realm.leader.peerId)
  return (await askOnce(leader.address, from, (self) => ({ invitationId: id, joinProof: Uint8Array.from(joinProof(secret, self, leaderId)) }))).response
}

describe('invitations', () => {
  const cleanup = new Cleanup()
  afterEach(async () => { await cleanup.run() })

  it('admit a node once, with the invitation\'s attributes, whatever the policy; a second node is refused INVITATION_USED', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'realmesh-invite-'))
    cleanup.add(async () => { await rm(dir, { recursive: true, force: true }) })
    const leader = await startTestLeader(cleanup, { policy: { mode: 'deny' }, listen: '/ip4/127.0.0.1/tcp/0', dir })
    const invitation = await leader.service.invite({ attrs: { site: 'lab' } })
    assert.ok(invitation.uri.startsWith('realmesh://invite?v=1&t='))
    const read = await readInvitation(invitation.uri)
    assert.equal(read.id, invitation.id)
    assert.equal(read.secret, invitation.secret)
    assert.equal(read.realm.id, leader.realm.id)
    assert.deepEqual(read.bootstrap, [leader.address])
    // the JSON form reads the same
    assert.deepEqual(await readInvitation(JSON.stringify({ ...invitation, uri: undefined })), read)

    const tokens: string[] = []
    const node = await startNode(cleanup, { realm: read.realm, bootstrap: read.bootstrap, tokenRequest: { invitation: read } }, { token: (evt) => { tokens.push((evt as CustomEvent<string>).detail) } })
    await within(node.whenJoined(), 'the invited node joining')
    const claims = decodeTokenUnverified(tokens[0] ?? '').claims as { sub: string, ext?: { attrs?: Record<string, string> } }
    assert.equal(claims.sub, node.peerId.toString())
    assert.deepEqual(claims.ext?.attrs, { site: 'lab' })
    const [listed] = leader.service.invitations()
    assert.equal(listed?.state, 'used')
    assert.deepEqual(listed?.usedBy, [node.peerId.toString()])
    assert.equal(Object.hasOwn(listed ?? {}, 'secret'), false, 'the list holds no secrets')
    const log = await readFile(join(dir, 'issued.jsonl'), 'utf8')
    assert.match(log, new RegExp(`"how":"invitation","invitation":"${invitation.id}"`))
    assert.equal((await stat(join(dir, 'invitations.json'))).mode & 0o777, 0o600)

    const second = await ask(leader, invitation.id, invitation.secret)
    assert.equal(second.code, 'INVITATION_USED')
    const failed = nextEvent<{ code: string }>(await startNode(cleanup, { realm: read.realm, bootstrap: read.bootstrap, tokenRequest: { invitation: read } }), 'bootstrap:failed')
    assert.equal((await failed).code, 'INVITATION_USED')
  })

  it('refuse a wrong secret (JOIN_SECRET_INVALID, nothing used), an unknown id, and admit `uses` nodes', async () => {
    const leader = await startTestLeader(cleanup, { listen: '/ip4/127.0.0.1/tcp/0' })
    const invitation = await leader.service.invite({ uses: 2 })
    // a wrong proof makes its address wait before its next proof is checked: it comes from another
    assert.equal((await ask(leader, invitation.id, 'not-the-secret-at-all', '127.0.0.9')).code, 'JOIN_SECRET_INVALID')
    assert.equal((await ask(leader, 'no-such-invitation', invitation.secret)).code, 'INVITATION_UNKNOWN')
    assert.equal((await ask(leader, invitation.id, invitation.secret)).status, 'ISSUED', 'first use')
    assert.equal((await ask(leader, invitation.id, invitation.secret)).status, 'ISSUED', 'second use')
    assert.equal((await ask(leader, invitation.id, invitation.secret)).code, 'INVITATION_USED')
  })

  it('refuse an expired invitation (INVITATION_EXPIRED) and a cancelled one (INVITATION_CANCELLED), also after a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'realmesh-invite-'))
    cleanup.add(async () => { await rm(dir, { recursive: true, force: true }) })
    let offset = 0
    const now = (): number => Date.now() + offset
    const leader = await startTestLeader(cleanup, { listen: '/ip4/127.0.0.1/tcp/0', dir, now })
    const short = await leader.service.invite({ ttlSeconds: 60 })
    const cancelled = await leader.service.invite({ ttlSeconds: 2 * 3600 })
    const summary = await leader.service.uninvite(cancelled.id)
    assert.equal(summary.state, 'cancelled')
    await assert.rejects(leader.service.uninvite(cancelled.id), (err: LeaderError) => err.code === 'INVITATION_CANCELLED')
    await assert.rejects(leader.service.uninvite('nope'), (err: LeaderError) => err.code === 'INVITATION_UNKNOWN')
    await assert.rejects(leader.service.invite({ uses: 0 }), (err: LeaderError) => err.code === 'INVITATION_INVALID')
    await assert.rejects(leader.service.invite({ ttlSeconds: 31 * 86_400 }), (err: LeaderError) => err.code === 'INVITATION_INVALID')
    offset = HOUR_MS
    assert.equal((await ask(leader, short.id, short.secret)).code, 'INVITATION_EXPIRED')
    assert.equal((await ask(leader, cancelled.id, cancelled.secret)).code, 'INVITATION_CANCELLED')
    // a node refuses an invitation whose token expired before it even asks
    await assert.rejects(readInvitation(short.uri, { now }), (err: InvitationError) => err.code === 'INVITATION_EXPIRED')

    // restarted on the same dir: what was cancelled stays cancelled, what expired stays expired
    await leader.service.stop()
    const again = new LeaderService({ node: leader.node, key: leader.key, realm: leader.realm, policy: { mode: 'manual', ttlSeconds: 3600, deferred: 'manual' }, dir, now })
    cleanup.add(async () => { await again.stop() })
    await again.start()
    assert.deepEqual(again.invitations().map(i => [i.id, i.state]), [[short.id, 'expired'], [cancelled.id, 'cancelled']])
    assert.equal((await ask(leader, cancelled.id, cancelled.secret)).code, 'INVITATION_CANCELLED')
    // a day after they ended they are forgotten
    offset = HOUR_MS * 27
    assert.deepEqual(again.invitations(), [])
    assert.equal((await ask(leader, short.id, short.secret)).code, 'INVITATION_UNKNOWN')
  })

  it('are read back from their URI or JSON only when well formed', async () => {
    for (const text of ['https://example.org', 'realmesh://invite?v=2&t=x&s=abcdefghijklmnopq', 'realmesh://invite?v=1&s=abcdefghijklmnopq', '{"v":1,"type":"other"}', '{not json']) {
      await assert.rejects(readInvitation(text), (err: InvitationError) => err.code === 'INVITATION_MALFORMED', text)
    }
    await assert.rejects(readInvitation('realmesh://invite?v=1&t=not.a.token&s=abcdefghijklmnopq'), (err: InvitationError) => err.code === 'TOKEN_MALFORMED')
  })
})
