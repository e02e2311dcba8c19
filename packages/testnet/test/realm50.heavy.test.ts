// Issue 3's "must show", on one realm of 50 members grown from a single bootstrap address (the
// leader's): routing tables converge to each node's true k closest; a broadcast reaches all 50; a
// killed node disappears from every routing table within a bounded time; a revocation reaches every
// member, and a member away when it was made refuses the revoked peer once it is back. Figures are reported as
// test diagnostics (`pnpm test` prints them; `node --test --test-reporter=tap` shows them as `#`).
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { closestTo, fingerprint, generateNodeKey } from '@realmesh/token'
import { createTestnet, until, nextEvent } from '../src/index.js'
import type { Testnet } from '../src/index.js'
import type { RealmNode } from '@realmesh/node'

/**
 * 50 members with REALMESH_TEST_FULL=1 (`./dev test:heavy`); 30 in `./dev test` and CI, which keeps
 * every step (30 is past k = 20, so far buckets and the join decision's limits are in play) at
 * about half the time (91 s for 50 on the 2-core CI machine)
 */
const SIZE = process.env.REALMESH_TEST_FULL === '1' ? 50 : 30
const K = 20

/** share of `node`'s true K closest members (from the full member list) present in its routing table */
function share (node: RealmNode, everyone: string[]): number {
  const self = node.peerId.toString()
  const truth = closestTo(fingerprint(node.peerId), everyone.filter(p => p !== self), K)
  const table = new Set(node.routingPeers())
  return truth.filter(p => table.has(p)).length / truth.length
}

describe(`a realm of ${SIZE} grown from one bootstrap address`, () => {
  let net: Testnet
  let everyone: string[]

  before(async () => {
    const started = Date.now()
    net = await createTestnet({ size: SIZE - 1, transport: 'memory', realmPolicy: { broadcast: true } })
    await net.whenJoined({ signal: AbortSignal.timeout(240_000) })
    everyone = net.all.map(n => n.peerId.toString())
    console.log(`# ${SIZE} members joined in ${Date.now() - started} ms`)
  })
  after(async () => { await net?.stop() })

  test(`every routing table converges to its node's true ${K} closest members`, async (t) => {
    const started = Date.now()
    const all = net.all
    await until(() => all.every(n => share(n, everyone) === 1), all, ['routing:changed', 'peer:joined'], { timeoutMs: 300_000, what: 'every routing table to hold its true k closest' })
      .catch(() => {})
    const shares = all.map(n => share(n, everyone))
    const mean = shares.reduce((a, b) => a + b, 0) / shares.length
    const min = Math.min(...shares)
    t.diagnostic(`k-closest share after ${Date.now() - started} ms: mean ${(mean * 100).toFixed(1)}%, min ${(min * 100).toFixed(1)}%, nodes at 100%: ${shares.filter(s => s === 1).length}/${shares.length}`)
    assert.ok(mean >= 0.95, `mean share ${mean}`)
    assert.ok(min >= 0.8, `min share ${min}`)
  })

  test(`a broadcast from one node reaches all ${SIZE}`, async (t) => {
    const all = net.all
    await until(() => all.every(n => n.broadcastPeers() > 0), all.map(n => n.libp2p.services.pubsub).filter(p => p != null), ['gossipsub:graft'], { timeoutMs: 60_000, what: 'every node to have a broadcast mesh peer' })
    const sender = net.nodes[7] as RealmNode
    const got = new Set<string>()
    for (const n of all) n.addEventListener('broadcast', (evt) => { if (evt.detail.from === sender.peerId.toString()) got.add(n.peerId.toString()) })
    const started = Date.now()
    await sender.broadcast(new TextEncoder().encode('to everyone'))
    await until(() => got.size === SIZE - 1, all, ['broadcast'], { timeoutMs: 30_000, what: `the broadcast at all ${SIZE - 1} others` })
    t.diagnostic(`broadcast reached ${got.size + 1}/${SIZE} members (sender included) in ${Date.now() - started} ms`)
  })

  test('a killed node disappears from every routing table and member list within the bound', async (t) => {
    const victim = net.nodes[3] as RealmNode
    const id = victim.peerId.toString()
    const others = net.all.filter(n => n !== victim)
    const holding = others.filter(n => n.routingPeers().includes(id) || n.status().members.includes(id)).length
    const started = Date.now()
    // killed, not stopped: its libp2p goes away without a LEAVE to anyone
    await victim.libp2p.stop()
    const holders = (): string[] => others
      .filter(n => n.routingPeers().includes(id) || n.status().members.includes(id))
      .map(n => `${n.peerId.toString().slice(-6)}(member ${n.status().members.includes(id)}, kad ${n.routingPeers().includes(id)}, connections ${n.libp2p.getConnections(victim.peerId).length})`)
    await until(() => holders().length === 0, others, ['peer:left', 'routing:changed'], { timeoutMs: 60_000, what: 'the killed node to disappear everywhere' })
      .catch((err: Error) => { throw new Error(`${err.message}; still held by ${holders().join(', ')}; kad-dht's buckets: ${others.filter(n => n.routingPeers().includes(id)).map(n => whereInBuckets(n, victim)).join('; ')}`) })
    const took = Date.now() - started
    t.diagnostic(`killed node gone from ${holding} routing tables/member lists in ${took} ms (bound: disconnect grace 10 s, or keepalive detection when connections stay open)`)
    assert.ok(took < 30_000)
  })

  test('a revocation reaches every member; a member away when it was made refuses the peer once it is back', async (t) => {
    // a member (with a key we keep, as a daemon keeps its data dir) that is away during the revocation
    const awayKey = await generateNodeKey()
    const away = await net.addNode({ privateKey: awayKey })
    await away.whenJoined({ signal: AbortSignal.timeout(60_000) })
    await away.stop()
    const victim = net.nodes[5] as RealmNode
    const id = victim.peerId.toString()
    // the members still running (the node killed above has no libp2p any more)
    const others = net.all.filter(n => n !== victim && n !== away && n.libp2p.status === 'started')
    const holding = others.filter(n => n.membership.has(id)).length
    const started = Date.now()
    await net.leader.service.revoke(id, { reason: 'test' })
    await until(() => others.every(n => n.revocations.seq >= 1n && !n.membership.has(id)), [...others, ...others.map(n => n.revocations)], ['peer:left', 'learnt'], { timeoutMs: 30_000, what: 'every member to hold the revocation and not the peer' })
    const took = Date.now() - started
    t.diagnostic(`revocation: ${others.length} members hold it and ${holding} that had the peer as a member dropped it, the last ${took} ms after revoke`)
    assert.ok(others.every(n => n.revocations.isRevoked('any', id)))

    const back = await net.addNode({ privateKey: awayKey })
    await back.whenJoined({ signal: AbortSignal.timeout(60_000) })
    await until(() => back.revocations.seq >= 1n, [back], ['peer:joined'], { timeoutMs: 30_000, what: 'the member back to learn the revocation' })
    const refusal = nextEvent<{ code: string }>(back, 'join:refused', (d) => d.code === 'TOKEN_REVOKED', { timeoutMs: 30_000 })
    await assert.rejects(victim.connect(back.libp2p.getMultiaddrs(), { signal: AbortSignal.timeout(30_000) }), (err: Error & { code?: string }) => err.code === 'TOKEN_REVOKED')
    await refusal
    t.diagnostic('the member away during the revocation learnt it at its join and refused the revoked peer (TOKEN_REVOKED)')
  })
})

/**
 * Where kad-dht 16's k-bucket tree holds `peer` on `node` (its internals, for a failure's message):
 * how many times the tree holds it, whether the bucket its id maps to holds it (remove() looks
 * only there), whether an add of it is still running, and how many entries of the whole tree sit
 * outside the bucket their id maps to. Issue 23: a killed peer stayed in one node's table past the
 * upkeep sweep because two concurrent splits of the root bucket had misplaced it (index -1 here);
 * patches/@libp2p__kad-dht@16.4.5.patch makes a split atomic.
 */
function whereInBuckets (node: RealmNode, peer: RealmNode): string {
  interface Contact { peerId: { equals: (other: unknown) => boolean }, kadId: Uint8Array }
  interface Tree {
    toIterable: () => Iterable<Contact>
    _determineBucket: (kadId: Uint8Array) => unknown
    _indexOf: (bucket: unknown, kadId: Uint8Array) => number
    addingPeerMap?: Map<unknown, unknown>
  }
  const tree = (node.libp2p.services.dht as unknown as { routingTable?: { kb?: Tree } }).routingTable?.kb
  if (tree == null) return `${node.peerId.toString().slice(-6)}: no k-bucket tree`
  const kadId = fingerprint(peer.peerId.toString())
  const held = [...tree.toIterable()].filter(c => c.peerId.equals(peer.peerId)).length
  const inItsBucket = tree._indexOf(tree._determineBucket(kadId), kadId)
  const adding = [...(tree.addingPeerMap?.keys() ?? [])].some(k => peer.peerId.equals(k))
  const misplaced = [...tree.toIterable()].filter(c => tree._indexOf(tree._determineBucket(c.kadId), c.kadId) < 0).length
  return `${node.peerId.toString().slice(-6)}: held ${held}x, index in its own bucket ${inItsBucket}, add running ${adding}, entries outside their own bucket ${misplaced}`
}
