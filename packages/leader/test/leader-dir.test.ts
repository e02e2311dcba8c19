/**
 * The leader directory: initLeader, loadLeaderDir, issueOffline, and startLeader running a leader
 * from it on TCP loopback, with a node given nothing but realm.json and the join secret.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, it } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateNodeKey, parseRealmDescriptor, verifyNodeToken } from '@realmesh/token'
import { initLeader, issueOffline, loadLeaderDir, parseLeaderConfig, startLeader } from '../src/index.js'
import { Cleanup, startNode, within } from './helpers.js'

async function tempDir (cleanup: Cleanup): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'realmesh-leader-'))
  cleanup.add(async () => { await rm(dir, { recursive: true, force: true }) })
  return join(dir, 'leader')
}

async function modeOf (path: string): Promise<number> {
  return (await stat(path)).mode & 0o777
}

describe('leader directory', () => {
  const cleanup = new Cleanup()
  afterEach(async () => { await cleanup.run() })

  it('initLeader writes the key 0600, a realm.json that parses, leader.yaml and the leader\'s token', async () => {
    const dir = await tempDir(cleanup)
    const result = await initLeader({ dir, name: 'lab' })
    assert.equal(result.dir, dir)
    assert.equal(await modeOf(join(dir, 'leader.key')), 0o600)
    assert.equal(await modeOf(join(dir, 'leader.yaml')), 0o600)
    assert.equal(await modeOf(join(dir, 'node.token')), 0o600)
    const realm = parseRealmDescriptor(await readFile(join(dir, 'realm.json'), 'utf8'))
    assert.deepEqual(realm, result.realm)
    assert.equal(realm.name, 'lab')
    assert.equal(realm.leader.peerId, result.peerId)
    const config = parseLeaderConfig(await readFile(join(dir, 'leader.yaml'), 'utf8'))
    assert.equal(config.policy.mode, 'manual')

    const loaded = await loadLeaderDir(dir)
    assert.equal(loaded.peerId, result.peerId)
    assert.equal(peerIdFromPrivateKey(loaded.key).toString(), result.peerId)
    assert.deepEqual(loaded.config, config)
    const own = await verifyNodeToken((await readFile(join(dir, 'node.token'), 'utf8')).trim(), { realm, expectedPeer: result.peerId })
    assert.equal(own.issuer, result.peerId)
  })

  it('refuses an existing leader directory unless told to overwrite it', async () => {
    const dir = await tempDir(cleanup)
    const first = await initLeader({ dir, name: 'lab' })
    await assert.rejects(initLeader({ dir, name: 'lab' }), { name: 'LeaderError', code: 'LEADER_DIR_EXISTS' })
    assert.equal((await loadLeaderDir(dir)).peerId, first.peerId)
    const second = await initLeader({ dir, name: 'lab2', overwrite: true })
    assert.notEqual(second.peerId, first.peerId)
    assert.equal((await loadLeaderDir(dir)).realm.name, 'lab2')
  })

  it('generates a join secret for mode auto when none is given, and refuses bad settings', async () => {
    const dir = await tempDir(cleanup)
    const result = await initLeader({ dir, name: 'lab', policy: { mode: 'auto' } })
    assert.ok((result.config.policy.joinSecret ?? '').length >= 32)
    assert.equal((await loadLeaderDir(dir)).config.policy.joinSecret, result.config.policy.joinSecret)
    await assert.rejects(initLeader({ dir: await tempDir(cleanup), name: 'bad name' }), { code: 'CONFIG_INVALID', path: 'realm.name' })
    await assert.rejects(initLeader({ dir: await tempDir(cleanup), name: 'lab', policy: { ttlSeconds: 10 ** 9 } }), { code: 'CONFIG_INVALID', path: 'policy.ttlSeconds' })
  })

  it('loadLeaderDir names what is wrong with a directory', async () => {
    await assert.rejects(loadLeaderDir(await tempDir(cleanup)), { code: 'LEADER_DIR_NOT_INITIALIZED' })
    const dir = await tempDir(cleanup)
    await initLeader({ dir, name: 'lab' })
    await writeFile(join(dir, 'leader.yaml'), 'realm: { name: other }\npolicy: { mode: sometimes }\n')
    await assert.rejects(loadLeaderDir(dir), { code: 'CONFIG_INVALID', path: 'policy.mode' })
    await writeFile(join(dir, 'leader.yaml'), 'realm: { name: other }\n')
    await assert.rejects(loadLeaderDir(dir), { code: 'CONFIG_INVALID', path: 'realm.name' })
    await rm(join(dir, 'realm.json'))
    await assert.rejects(loadLeaderDir(dir), { code: 'LEADER_DIR_NOT_INITIALIZED' })
  })

  it('issueOffline issues a token verifyNodeToken accepts for that peer, and logs it', async () => {
    const dir = await tempDir(cleanup)
    const { realm } = await initLeader({ dir, name: 'lab' })
    const peer = peerIdFromPrivateKey(await generateNodeKey()).toString()
    const token = await issueOffline({ dir, peer, ttlSeconds: 600, attrs: { room: '12' } })
    const verified = await verifyNodeToken(token, { realm, expectedPeer: peer })
    assert.equal(verified.claims.exp - verified.claims.iat, 600)
    assert.deepEqual(verified.claims.ext?.attrs, { room: '12' })
    const log = (await readFile(join(dir, 'issued.jsonl'), 'utf8')).trim().split('\n').map(line => JSON.parse(line) as Record<string, unknown>)
    const entry = log.find(e => e.peer === peer)
    assert.deepEqual(entry, { kind: 'node', jti: verified.claims.jti, peer, iat: verified.claims.iat, exp: verified.claims.exp, how: 'offline', attrs: { room: '12' } })
    await assert.rejects(issueOffline({ dir, peer: 'not-a-peer' }), { code: 'PEER_INVALID' })
  })
})

describe('startLeader', () => {
  const cleanup = new Cleanup()
  afterEach(async () => { await cleanup.run() })

  it('runs the leader from its directory; a node given realm.json and the secret joins over TCP', async () => {
    const dir = await tempDir(cleanup)
    const init = await initLeader({ dir, name: 'lab', policy: { mode: 'auto', joinSecret: 'lab secret' } })
    const leader = await startLeader({ dir, connections: { inboundConnectionThreshold: 1000 } })
    cleanup.add(leader.stop)

    const realm = parseRealmDescriptor(await readFile(join(dir, 'realm.json'), 'utf8'))
    assert.deepEqual(realm, leader.realm)
    assert.equal(realm.id, init.realm.id)
    assert.ok(realm.bootstrap.length > 0)
    for (const address of realm.bootstrap) {
      assert.match(address, /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)
      assert.ok(address.endsWith(`/p2p/${init.peerId}`))
    }

    const node = await startNode(cleanup, { realm, listen: ['/ip4/127.0.0.1/tcp/0'], tokenRequest: { joinSecret: 'lab secret' } })
    await within(node.whenJoined(), 'the node to join the leader')
    assert.ok(leader.node.members().some(m => m.id === node.peerId.toString()))
    const log = await readFile(join(dir, 'issued.jsonl'), 'utf8')
    assert.match(log, new RegExp(`"peer":"${node.peerId.toString()}".*"how":"auto"`))
  })

  it('keeps revocations across a restart and re-issues its own token when it is revoked', async () => {
    const dir = await tempDir(cleanup)
    await initLeader({ dir, name: 'lab' })
    const first = await startLeader({ dir, connections: { inboundConnectionThreshold: 1000 } })
    const ownToken = (await readFile(join(dir, 'node.token'), 'utf8')).trim()
    const own = await verifyNodeToken(ownToken, { realm: first.realm })
    await first.service.revoke(own.claims.jti)
    await first.service.revoke('some-other-token')
    await first.stop()
    assert.equal(await modeOf(join(dir, 'revoked.json')), 0o600)

    const second = await startLeader({ dir, connections: { inboundConnectionThreshold: 1000 } })
    cleanup.add(second.stop)
    assert.equal(second.service.isRevoked('some-other-token'), true)
    assert.equal(second.service.isRevoked(own.claims.jti), true)
    const renewed = (await readFile(join(dir, 'node.token'), 'utf8')).trim()
    assert.notEqual(renewed, ownToken)
    await verifyNodeToken(renewed, { realm: second.realm, isRevoked: (jti) => second.service.isRevoked(jti) })
  })
})
