import { describe, test, after } from 'node:test'
import assert from 'node:assert/strict'
import { stat, writeFile, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateNodeKey } from '@realmesh/token'
import { NodeDataDir, readTokenFile, readApiFile, writeApiFile, removeApiFile, MAX_SAVED_PEERS } from '../src/index.js'
import { prepareRealm, prepareToken } from '../src/daemon/node-state.js'
import { TempDirs, RecordingIo, makeRealm } from './helpers.js'
import { createLogger } from '../src/log/logger.js'

const PEER = '12D3KooWKsJyG1H839btNk6JXN9BGbmdQicyUSuhA9mXxaLfbFKj'

async function mode (path: string): Promise<number> {
  return (await stat(path)).mode & 0o777
}

describe('node data dir', () => {
  const temp = new TempDirs()
  after(async () => { await temp.cleanup() })

  test('a key is created once (0600) and read back after', async () => {
    const dir = new NodeDataDir(join(await temp.make(), 'node'))
    const first = await dir.loadOrCreateKey()
    assert.equal(first.created, true)
    assert.equal(await mode(dir.path('key')), 0o600)
    const again = await dir.loadOrCreateKey()
    assert.equal(again.created, false)
    assert.ok(peerIdFromPrivateKey(again.key).equals(peerIdFromPrivateKey(first.key)))
  })

  test('the token is saved with mode 0600 and read back', async () => {
    const dir = new NodeDataDir(await temp.make())
    const { realm, issue } = await makeRealm()
    const token = await issue(await generateNodeKey())
    assert.equal(await dir.readToken(), undefined)
    await dir.saveToken(token)
    assert.equal(await dir.readToken(), token)
    assert.equal(await mode(dir.path('token')), 0o600)
    assert.ok(realm.id.length > 0)
  })

  test('a token file with surrounding whitespace reads; one that is no JWS is TOKEN_FILE_INVALID', async () => {
    const base = await temp.make()
    await writeFile(join(base, 'good'), '\n  aaa.bbb.ccc  \n')
    assert.equal(await readTokenFile(join(base, 'good')), 'aaa.bbb.ccc')
    await writeFile(join(base, 'bad'), 'not a token')
    await assert.rejects(readTokenFile(join(base, 'bad')), { code: 'TOKEN_FILE_INVALID' })
    await assert.rejects(readTokenFile(join(base, 'missing')), { code: 'TOKEN_FILE_NOT_FOUND' })
    await writeFile(join(base, 'huge'), 'a'.repeat(20_000))
    await assert.rejects(readTokenFile(join(base, 'huge')), { code: 'FILE_TOO_LARGE' })
  })

  test('peers.json round trip: valid addresses kept, junk dropped, bounded', async () => {
    const dir = new NodeDataDir(await temp.make())
    assert.deepEqual(await dir.readPeers(), { peers: [] })
    const good = [`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`, `/ip6/::1/tcp/4002/p2p/${PEER}`]
    await dir.savePeers([...good, 'junk', '/ip4/127.0.0.1/tcp/1', good[0] ?? ''])
    assert.deepEqual(await dir.readPeers(), { peers: good })
    const saved = JSON.parse(await readFile(dir.path('peers'), 'utf8')) as { version: number, savedAt: string }
    assert.equal(saved.version, 1)
    assert.ok(!Number.isNaN(Date.parse(saved.savedAt)))

    const many = Array.from({ length: 100 }, (_, i) => `/ip4/127.0.0.1/tcp/${1000 + i}/p2p/${PEER}`)
    await dir.savePeers(many)
    assert.equal((await dir.readPeers()).peers.length, MAX_SAVED_PEERS)
  })

  test('a damaged peers.json is ignored with a reason, not fatal', async () => {
    const dir = new NodeDataDir(await temp.make())
    await writeFile(dir.path('peers'), '{ nope')
    const read = await dir.readPeers()
    assert.deepEqual(read.peers, [])
    assert.match(read.error ?? '', /not JSON/)
  })

  test('the realm is copied on first start, used afterwards, and another realm is refused', async () => {
    const base = await temp.make()
    const dir = new NodeDataDir(join(base, 'node'))
    const log = createLogger({ write: new RecordingIo().err })
    const { realm } = await makeRealm('first')
    const realmFile = join(base, 'realm.json')
    await writeFile(realmFile, JSON.stringify(realm))
    await assert.rejects(prepareRealm(dir, undefined, log), { code: 'REALM_REQUIRED' })
    assert.deepEqual(await prepareRealm(dir, realmFile, log), realm)
    assert.deepEqual(await prepareRealm(dir, undefined, log), realm)
    const other = (await makeRealm('other')).realm
    const otherFile = join(base, 'other.json')
    await writeFile(otherFile, JSON.stringify(other))
    await assert.rejects(prepareRealm(dir, otherFile, log), { code: 'REALM_MISMATCH' })
  })

  test('a saved token is used when it fits; an expired or foreign one is set aside', async () => {
    const base = await temp.make()
    const dir = new NodeDataDir(base)
    const io = new RecordingIo()
    const log = createLogger({ write: io.err })
    const { realm, issue } = await makeRealm()
    const key = await generateNodeKey()
    const peerId = peerIdFromPrivateKey(key).toString()
    const token = await issue(key)
    await dir.saveToken(token)
    assert.equal(await prepareToken(dir, { tokenFile: undefined, peerId, realm, log }), token)

    await dir.saveToken(await issue(key, { ttlSeconds: 3600, now: Date.now() - 7_200_000 }))
    assert.equal(await prepareToken(dir, { tokenFile: undefined, peerId, realm, log }), undefined)
    assert.match(io.stderr.at(-1) ?? '', /expired/)

    await dir.saveToken(await issue(await generateNodeKey()))
    assert.equal(await prepareToken(dir, { tokenFile: undefined, peerId, realm, log }), undefined)
    assert.match(io.stderr.at(-1) ?? '', /not for this node/)

    // --token is saved and presented as given: the realm is the judge
    const file = join(base, 'given.token')
    const expired = await issue(key, { ttlSeconds: 3600, now: Date.now() - 7_200_000 })
    await writeFile(file, expired)
    assert.equal(await prepareToken(dir, { tokenFile: file, peerId, realm, log }), expired)
    assert.equal(await dir.readToken(), expired)
  })

  test('api.json: written 0600, read back, removed; junk is API_FILE_INVALID', async () => {
    const dir = await temp.make()
    assert.equal(await readApiFile(dir), undefined)
    await writeApiFile(dir, { url: 'http://127.0.0.1:1234', token: 'secret' })
    assert.equal(await mode(join(dir, 'api.json')), 0o600)
    assert.deepEqual(await readApiFile(dir), { url: 'http://127.0.0.1:1234', token: 'secret' })
    await removeApiFile(dir)
    assert.equal(await readApiFile(dir), undefined)
    await writeFile(join(dir, 'api.json'), JSON.stringify({ url: 'http://192.0.2.1:80', token: 'x' }))
    await assert.rejects(readApiFile(dir), { code: 'API_FILE_INVALID' })
  })
})
