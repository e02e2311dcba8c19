/**
 * The leader across restarts (listen.ts, startLeader): its listen port kept in leader.yaml, a
 * taken port replaced for one run and reported, and the members of its last run (DIR/peers.json)
 * dialled again, so that a node that knew the leader at its old address gets it back.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { until } from '@realmesh/node'
import { parseRealmDescriptor } from '@realmesh/token'
import { initLeader, parseLeaderConfig, renderLeaderConfig, defaultLeaderConfig, startLeader } from '../src/index.js'
import { resolveListen, saveListen, withFreePorts } from '../src/listen.js'
import { Cleanup, WAIT_MS, startNode } from './helpers.js'
import type { Server, Socket } from 'node:net'
import type { RealmNode } from '@realmesh/node'

async function tempDir (cleanup: Cleanup): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'realmesh-listen-'))
  cleanup.add(async () => { await rm(dir, { recursive: true, force: true }) })
  return join(dir, 'leader')
}

async function savedListen (dir: string): Promise<string[]> {
  return parseLeaderConfig(await readFile(join(dir, 'leader.yaml'), 'utf8')).listen
}

/** a server holding 127.0.0.1:port, as another process would (it accepts and says nothing) */
async function occupy (cleanup: Cleanup, port: number): Promise<Server> {
  const server = createServer()
  const sockets = new Set<Socket>()
  server.on('connection', (socket) => { sockets.add(socket) })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port }, resolve)
  })
  cleanup.add(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise(resolve => server.close(resolve))
  })
  return server
}

async function bothMembers (leader: RealmNode, node: RealmNode, what: string): Promise<void> {
  await until(() => leader.membership.has(node.peerId) && node.membership.has(leader.peerId), [leader, node], ['peer:joined'], { timeoutMs: WAIT_MS, what })
}

describe('listen addresses', () => {
  it('a port 0 resolves to the port bound for it: same protocols, same host or a wildcard', () => {
    const bound = ['/ip4/127.0.0.1/tcp/5555/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN', '/ip4/10.0.0.2/tcp/5555', '/ip6/::1/tcp/6666/ws'].map(a => multiaddr(a))
    assert.deepEqual(resolveListen(['/ip4/0.0.0.0/tcp/0', '/ip4/127.0.0.1/tcp/4001', '/ip6/::1/tcp/0/ws', '/ip4/192.168.1.1/tcp/0'], bound),
      ['/ip4/0.0.0.0/tcp/5555', '/ip4/127.0.0.1/tcp/4001', '/ip6/::1/tcp/6666/ws', '/ip4/192.168.1.1/tcp/0'])
  })

  it('saving the listen list keeps the rest of leader.yaml, its comments included', async () => {
    const cleanup = new Cleanup()
    try {
      const dir = await tempDir(cleanup)
      await initLeader({ dir, name: 'lab' })
      const before = await readFile(join(dir, 'leader.yaml'), 'utf8')
      await saveListen(dir, ['/ip4/127.0.0.1/tcp/4001'])
      const after = await readFile(join(dir, 'leader.yaml'), 'utf8')
      assert.deepEqual(parseLeaderConfig(after), { ...parseLeaderConfig(before), listen: ['/ip4/127.0.0.1/tcp/4001'] })
      const comments = (text: string): string[] => text.split('\n').filter(line => line.trim().startsWith('#'))
      assert.deepEqual(comments(after), comments(renderLeaderConfig(defaultLeaderConfig('lab'))))
    } finally {
      await cleanup.run()
    }
  })

  it('a taken TCP port is replaced by 0; a free one and a port 0 stay', async () => {
    const cleanup = new Cleanup()
    try {
      const server = await occupy(cleanup, 0)
      const address = server.address()
      const taken = typeof address === 'object' && address != null ? address.port : 0
      const free = await withFreePorts([`/ip4/127.0.0.1/tcp/${taken}`, '/ip4/127.0.0.1/tcp/0'])
      assert.deepEqual(free, { listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0'], busy: [`/ip4/127.0.0.1/tcp/${taken}`] })
    } finally {
      await cleanup.run()
    }
  })
})

describe('a leader restarting', () => {
  const cleanup = new Cleanup()
  afterEach(async () => { await cleanup.run() })

  it('keeps the port its first start bound, and its node dials the members of its last run', async () => {
    const dir = await tempDir(cleanup)
    await initLeader({ dir, name: 'lab', policy: { mode: 'auto', joinSecret: 'lab secret' } })
    const first = await startLeader({ dir, connections: { inboundConnectionThreshold: 1000 } })
    const [address = ''] = first.realm.bootstrap
    assert.deepEqual(first.listen.saved, [multiaddr(address).decapsulateCode(0x01a5).toString()])
    assert.deepEqual(await savedListen(dir), first.listen.saved)
    const node = await startNode(cleanup, { realm: first.realm, listen: ['/ip4/127.0.0.1/tcp/0'], tokenRequest: { joinSecret: 'lab secret' } })
    await bothMembers(first.node, node, 'the node joining')
    await first.stop()
    const peers = JSON.parse(await readFile(join(dir, 'peers.json'), 'utf8')) as { peers: string[] }
    assert.ok(peers.peers.some(p => p.endsWith(node.peerId.toString())), 'the node is in peers.json')

    const second = await startLeader({ dir, connections: { inboundConnectionThreshold: 1000 } })
    cleanup.add(second.stop)
    assert.deepEqual(second.realm.bootstrap, first.realm.bootstrap, 'the same address')
    assert.deepEqual(second.listen, {}, 'nothing saved, nothing moved')
    assert.ok(second.knownPeers >= 1)
    await bothMembers(second.node, node, 'the node and the restarted leader meeting again')
  })

  it('a port leader.yaml names that is taken: a free port for this run, reported; members get the leader back', async () => {
    const dir = await tempDir(cleanup)
    await initLeader({ dir, name: 'lab', policy: { mode: 'auto', joinSecret: 'lab secret' } })
    const first = await startLeader({ dir, connections: { inboundConnectionThreshold: 1000 } })
    const saved = await savedListen(dir)
    // the node's redial of the old address would find whoever holds the port: only the leader's own dial reaches it
    const node = await startNode(cleanup, { realm: first.realm, listen: ['/ip4/127.0.0.1/tcp/0'], tokenRequest: { joinSecret: 'lab secret' } })
    await bothMembers(first.node, node, 'the node joining')
    await first.stop()
    await occupy(cleanup, Number(saved[0]?.split('/')[4]))

    await assert.rejects(startLeader({ dir, listen: saved, connections: { inboundConnectionThreshold: 1000 } }), /EADDRINUSE/, 'a --listen port is the operator\'s: no fallback')
    const second = await startLeader({ dir, connections: { inboundConnectionThreshold: 1000 } })
    cleanup.add(second.stop)
    assert.deepEqual(second.listen.busy, saved)
    assert.deepEqual(second.listen.movedFrom, first.realm.bootstrap)
    assert.deepEqual(await savedListen(dir), saved, 'leader.yaml keeps its port for the next start')
    const realm = parseRealmDescriptor(await readFile(join(dir, 'realm.json'), 'utf8'))
    assert.notDeepEqual(realm.bootstrap, first.realm.bootstrap, 'realm.json names where the leader is now')
    await bothMembers(second.node, node, 'the moved leader dialling its member')
    const [now = ''] = realm.bootstrap
    assert.ok(node.membership.get(second.node.peerId)?.addrs.some(a => now.startsWith(a.toString())), 'the node learnt the new address')
  })
})
