// Noise interop: a realmesh node (whatever Noise implementation src/libp2p.ts builds it with) and a
// plain js-libp2p peer on @libp2p/noise complete the Noise handshake whichever side dials, over TCP
// on 127.0.0.1, and then carry a stream both ways (an echo, on a protocol open to non-members:
// the realm's gate is not what is tested here). The echo is several Noise messages long, so the
// realmesh side's own transport cipher (src/noise-crypto.ts) meets the default one both ways.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { Uint8ArrayList } from 'uint8arraylist'
import { until } from '../src/index.js'
import { Harness, makeRealm } from './fixtures.js'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { RealmNode } from '../src/index.js'

const ECHO = '/realmesh-test/echo/1.0.0'
const SIZE = 256 * 1024 + 7

/** reads exactly `n` bytes from `stream` */
async function readBytes (stream: Stream, n: number): Promise<Uint8Array> {
  const got = new Uint8ArrayList()
  for await (const chunk of stream) {
    got.append(chunk)
    if (got.byteLength >= n) break
  }
  assert.equal(got.byteLength, n, 'the stream ended early')
  return Uint8Array.from(got.subarray(0, n))
}

/** answers SIZE bytes with the same bytes */
async function echo (stream: Stream): Promise<void> {
  stream.send(await readBytes(stream, SIZE))
  await stream.close()
}

/** a round trip of SIZE random bytes on a new ECHO stream from `from` to `to`; returns the connection */
async function roundTrip (from: Libp2p, to: Multiaddr[]): Promise<Connection> {
  const connection = await from.dial(to)
  const stream = await connection.newStream(ECHO)
  const sent = Uint8Array.from(randomBytes(SIZE))
  stream.send(sent)
  assert.deepEqual(await readBytes(stream, SIZE), sent)
  await stream.close()
  return connection
}

describe('Noise interop: a realmesh node and a plain js-libp2p peer on @libp2p/noise', () => {
  const h = new Harness()
  let realm: RealmNode
  let plain: Libp2p

  before(async () => {
    realm = await h.node(await makeRealm(), { listen: ['/ip4/127.0.0.1/tcp/0'] })
    await realm.handle(ECHO, echo, { members: false })
    plain = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    await plain.handle(ECHO, echo)
  })
  after(async () => {
    await plain.stop()
    await h.stopAll()
  })

  test('the plain peer dials the realmesh node: Noise, the right peer, a stream both ways', async () => {
    const connection = await roundTrip(plain, realm.libp2p.getMultiaddrs())
    assert.equal(connection.encryption, '/noise')
    assert.equal(connection.remotePeer.toString(), realm.peerId.toString())
    const mine = realm.libp2p.getConnections(plain.peerId)
    assert.ok(mine.some(c => c.encryption === '/noise' && c.direction === 'inbound'), 'the realmesh side sees the inbound Noise connection')
    // the next test dials the other way on a connection of its own
    await plain.hangUp(realm.peerId)
    await until(() => realm.libp2p.getConnections(plain.peerId).length === 0, [realm.libp2p], ['connection:close'], { what: 'the connection closed on both sides' })
  })

  test('the realmesh node dials the plain peer: Noise, the right peer, a stream both ways', async () => {
    const connection = await roundTrip(realm.libp2p, plain.getMultiaddrs())
    assert.equal(connection.encryption, '/noise')
    assert.equal(connection.remotePeer.toString(), plain.peerId.toString())
    assert.ok(plain.getConnections(realm.peerId).some(c => c.encryption === '/noise' && c.direction === 'inbound'))
  })
})
