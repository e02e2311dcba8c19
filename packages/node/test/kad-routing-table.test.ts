// Issue 23 item 6: a killed member stayed in one node's kad-dht table for good. kad-dht 16.4.5's
// k-bucket split awaited once per peer it moved, so two adds that found the same full bucket both
// split it; the later split outlived the first and, at the root (whose depth the first split had
// deleted), put every peer it had not moved yet into the right child, also those whose id starts
// with 0. remove() looks for a peer only in the bucket its id maps to, so such a peer could never be
// removed again: not when membership dropped it, not by the upkeep sweep. patches/@libp2p__kad-dht
// makes the split finish before it awaits anything.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { createLibp2p } from 'libp2p'
import { memory } from '@libp2p/memory'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { kadDHT } from '@libp2p/kad-dht'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { fingerprint } from '@realmesh/token'
import { kadRoutingTable } from '../src/membership/kad-routing-table.js'
import { until } from '../src/index.js'
import type { Libp2p, PrivateKey } from '@libp2p/interface'

const started: Libp2p[] = []
after(async () => { await Promise.allSettled(started.map(async n => n.stop())) })

/** a key whose kad id (sha256 of the peer id, realmesh's fingerprint) starts with bit `bit` */
async function keyWithFirstBit (bit: 0 | 1): Promise<PrivateKey> {
  for (;;) {
    const key = await generateKeyPair('Ed25519')
    if (((fingerprint(peerIdFromPrivateKey(key))[0] ?? 0) >> 7) === bit) return key
  }
}

/** a peer that answers kad-dht's ping of a new contact */
async function pingable (privateKey: PrivateKey): Promise<Libp2p> {
  const node = await createLibp2p({ privateKey, addresses: { listen: [`/memory/${randomUUID()}`] }, transports: [memory()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { ping: ping() } })
  started.push(node)
  return node
}

test('peers added while kad-dht splits its root bucket all stay where remove() finds them', async () => {
  const node = await createLibp2p({
    addresses: { listen: [`/memory/${randomUUID()}`] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ping: ping(), dht: kadDHT({ protocol: '/realmesh-test/kad/1.0.0', clientMode: false }) }
  })
  started.push(node)
  const dht = node.services.dht
  const events = (dht as unknown as { routingTable: EventTarget }).routingTable
  const table = kadRoutingTable(dht)
  // 20 (kad-dht's k) peers whose ids start with 0 fill the root bucket: a split that comes late
  // would misplace every one of them it moves after the root turned internal
  const first = await Promise.all(Array.from({ length: 20 }, async () => pingable(await keyWithFirstBit(0))))
  const late = await Promise.all(Array.from({ length: 6 }, async () => pingable(await generateKeyPair('Ed25519'))))
  for (const peer of [...first, ...late]) await node.peerStore.merge(peer.peerId, { multiaddrs: peer.getMultiaddrs() })
  for (const peer of first) table.add(peer.peerId)
  await until(() => table.size === 20, [events], ['peer:add'], { what: 'the root bucket to fill' })

  // the root is full: each of these adds splits it, one microtask after the one before (as adds
  // from membership, the upkeep sweep and kad-dht's own update queue interleave in a busy node)
  for (const peer of late) {
    table.add(peer.peerId)
    await Promise.resolve()
  }
  await until(() => table.size === 26, [events], ['peer:add'], { what: 'the late peers in the table' })

  for (const peer of [...first, ...late]) await table.remove(peer.peerId)
  const stuck = table.closest(fingerprint(node.peerId), 100).map(p => p.toString().slice(-6))
  assert.deepEqual(stuck, [], `kad-dht could not remove ${stuck.length} of 26 peers: ${stuck.join(', ')}`)
  assert.equal(table.size, 0)
})
