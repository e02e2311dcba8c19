// LanJoins (src/discovery/lan-joins.ts): what a node does with peers announced on its segment by
// mDNS, on real RealmNodes over TCP on 127.0.0.1. The announcements are handed to it as
// LanDiscovery's `peer` events would be (the mDNS path itself runs in test/e2e/netns-mdns.test.ts,
// where multicast has a segment of its own): a member announced is joined; an outsider announced
// is dialled, refused at the handshake, and leaves nothing behind; a flood of announcements of
// fresh peer ids costs a bounded number of dials and no lasting state; a public address is never
// dialled.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { generateNodeKey } from '@realmesh/token'
import { until } from '../src/index.js'
import { LanJoins, lanAddrs } from '../src/discovery/lan-joins.js'
import { Harness, addrs, makeRealm } from './fixtures.js'
import type { Realm } from './fixtures.js'
import type { PeerId, PeerInfo } from '@libp2p/interface'
import type { RealmNode } from '../src/index.js'

const TCP = ['/ip4/127.0.0.1/tcp/0']

function lanJoinsOf (node: RealmNode, shutdown: AbortSignal): LanJoins {
  return new LanJoins({
    self: node.peerId,
    leader: node.realm.leader.peerId,
    membership: node.membership,
    peerStore: node.libp2p.peerStore,
    mayDial: () => true,
    shunned: () => false,
    wants: () => true,
    connect: async (to, options) => node.connect(to, options),
    admissionMs: 5_000,
    shutdown: () => shutdown,
    now: Date.now
  })
}

function announce (lan: LanJoins, id: PeerId, at: string[]): void {
  lan.onPeer(new CustomEvent<PeerInfo>('peer', { detail: { id, multiaddrs: at.map(a => multiaddr(a)) } }))
}

async function storedPeers (node: RealmNode): Promise<number> {
  return (await node.libp2p.peerStore.all()).length
}

describe('LanJoins: peers announced on the LAN', () => {
  const h = new Harness()
  const shutdown = new AbortController()
  let realm: Realm
  let node: RealmNode

  before(async () => {
    realm = await makeRealm()
    node = await h.node(realm, { listen: TCP })
  })
  after(async () => {
    shutdown.abort()
    await h.stopAll()
  })

  test('a member announced is dialled and joined', async () => {
    const lan = lanJoinsOf(node, shutdown.signal)
    const member = await h.node(realm, { listen: TCP })
    announce(lan, member.peerId, addrs(member).map(String))
    await until(() => lan.status().dialling === 0, [lan], ['dial:ended'], { timeoutMs: 10_000 })
    assert.ok(node.membership.has(member.peerId))
    assert.deepEqual(lan.status(), { found: 1, dialled: 1, admitted: 1, dialling: 0, tried: 0 })
    // heard again: a member is not dialled again
    announce(lan, member.peerId, addrs(member).map(String))
    assert.equal(lan.status().dialled, 1)
  })

  test('an outsider announced is dialled, refused at the handshake, and left out of the peer store', async () => {
    const lan = lanJoinsOf(node, shutdown.signal)
    const outsider = await createLibp2p({ addresses: { listen: TCP }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    try {
      const stored = await storedPeers(node)
      announce(lan, outsider.peerId, outsider.getMultiaddrs().map(String))
      assert.equal(lan.status().dialling, 1)
      await until(() => lan.status().dialling === 0, [lan], ['dial:ended'], { timeoutMs: 10_000 })
      assert.equal(lan.status().admitted, 0)
      assert.ok(!node.membership.has(outsider.peerId))
      assert.equal(await node.libp2p.peerStore.has(outsider.peerId), false, 'the refused outsider is not kept in the peer store')
      assert.equal(await storedPeers(node), stored)
    } finally {
      await outsider.stop()
    }
  })

  test('a flood of announcements of fresh peer ids: at most 4 dials at once, 60 a minute, 256 remembered, nothing stored', async () => {
    const lan = lanJoinsOf(node, shutdown.signal)
    const stored = await storedPeers(node)
    // a port nobody listens on: each dial is refused at once, freeing its slot for the next
    const closed = await createLibp2p({ addresses: { listen: TCP }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    const dead = closed.getMultiaddrs()[0]?.toString() ?? ''
    await closed.stop()
    const ids = await Promise.all(Array.from({ length: 2_000 }, async () => peerIdFromPrivateKey(await generateNodeKey())))
    let most = 0
    for (const [i, id] of ids.entries()) {
      announce(lan, id, [dead])
      most = Math.max(most, lan.status().dialling)
      // let dials end now and then, so that the minute's budget, not the slots, is what stops them
      if (i % 50 === 49) await until(() => lan.status().dialling === 0, [lan], ['dial:ended'], { timeoutMs: 10_000 })
    }
    await until(() => lan.status().dialling === 0, [lan], ['dial:ended'], { timeoutMs: 10_000 })
    const status = lan.status()
    assert.equal(status.found, 2_000)
    assert.ok(most <= 4, `${most} dials at once`)
    assert.equal(status.dialled, 60, 'a minute\'s budget of dials')
    assert.ok(status.tried <= 256)
    assert.equal(status.admitted, 0)
    assert.equal(await storedPeers(node), stored, 'no announced peer stays in the peer store')
  })

  test('only private TCP addresses are dialled; loopback only when a peer has nothing else', () => {
    const p2p = '/p2p/12D3KooWGEuyKLSNnkvYNYajfwAhrFPEDDFZGZXo6GPfEm92HvDK'
    const got = (list: string[]): string[] => lanAddrs(list.map(a => multiaddr(a))).map(String)
    assert.deepEqual(got(['/ip4/8.8.8.8/tcp/4001', '/ip4/1.1.1.1/tcp/53']), [])
    assert.deepEqual(got([`/ip4/127.0.0.1/tcp/4001${p2p}`, `/ip4/192.168.1.7/tcp/4001${p2p}`, '/ip4/10.0.0.1/udp/4001']), ['/ip4/192.168.1.7/tcp/4001'])
    assert.deepEqual(got(['/ip4/127.0.0.1/tcp/4001']), ['/ip4/127.0.0.1/tcp/4001'])
    assert.equal(got(Array.from({ length: 10 }, (_, i) => `/ip4/10.0.0.${i + 1}/tcp/4001`)).length, 4)
  })
})
