import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateNodeKey } from '@realmesh/token'
import { PROTOCOLS, WIRE_VERSION } from '@realmesh/wire'
import { nextEvent, HandshakeError } from '../src/index.js'
import { Harness, makeRealm, craftHello, sendHello, addrs } from './fixtures.js'
import type { Realm } from './fixtures.js'
import type { RefusalDetail, RealmNode } from '../src/index.js'
import type { Libp2p, PrivateKey } from '@libp2p/interface'

describe('handshake', () => {
  const h = new Harness()
  let realm: Realm
  let target: RealmNode

  before(async () => {
    realm = await makeRealm()
    target = await h.node(realm)
  })
  after(async () => { await h.stopAll() })

  // a raw libp2p peer with a valid token for its own peer id: only what a test changes is wrong
  async function rawWithKey (): Promise<{ node: Libp2p, key: PrivateKey, token: string }> {
    const key = await generateNodeKey()
    const { createLibp2p } = await import('libp2p')
    const { memory } = await import('@libp2p/memory')
    const { noise } = await import('@libp2p/noise')
    const { yamux } = await import('@libp2p/yamux')
    const node = await createLibp2p({ privateKey: key, transports: [memory()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    return { node, key, token: await realm.issue(key) }
  }

  async function refusedWith (over: Parameters<typeof craftHello>[3] | ((p: { key: PrivateKey, token: string }) => Promise<Parameters<typeof craftHello>[3]>), code: string): Promise<void> {
    const peer = await rawWithKey()
    try {
      const overrides = typeof over === 'function' ? await over(peer) : over
      const refused = nextEvent<RefusalDetail>(target, 'join:refused', d => d.peer === peer.node.peerId.toString())
      const hello = await craftHello(peer.key, peer.token, target.peerId, overrides)
      const { reply } = await sendHello(peer.node, addrs(target), hello)
      assert.equal(reply.hello, undefined, 'no Hello comes back to a refused peer')
      assert.equal(reply.error?.code, code)
      assert.equal((await refused).code, code)
      assert.equal(target.membership.has(peer.node.peerId), false)
    } finally {
      await peer.node.stop()
    }
  }

  test('two nodes with valid tokens admit each other', async () => {
    const other = await h.node(realm)
    await other.connect(addrs(target))
    assert.ok(other.membership.has(target.peerId))
    // the responder records the member before it writes the ACK
    assert.ok(target.membership.has(other.peerId))
  })

  test('a timestamp outside the window is HANDSHAKE_TIMESTAMP', async () => {
    await refusedWith({ timestamp: Date.now() - 5 * 60_000 }, 'HANDSHAKE_TIMESTAMP')
  })

  test('a Hello signed for another peer is HANDSHAKE_WRONG_PEER', async () => {
    const elsewhere = peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(9)))
    await refusedWith({ forPeer: elsewhere }, 'HANDSHAKE_WRONG_PEER')
  })

  test('a signature over other bytes is HANDSHAKE_BAD_SIGNATURE', async () => {
    const elsewhere = peerIdFromPrivateKey(await generateNodeKey())
    await refusedWith({ signedFor: elsewhere }, 'HANDSHAKE_BAD_SIGNATURE')
  })

  test('a signature by another key is HANDSHAKE_BAD_SIGNATURE', async () => {
    await refusedWith({ signWith: await generateNodeKey() }, 'HANDSHAKE_BAD_SIGNATURE')
  })

  test('another wire version is VERSION_MISMATCH', async () => {
    await refusedWith({ version: WIRE_VERSION + 1 }, 'VERSION_MISMATCH')
  })

  test('a node token for another peer is TOKEN_PEER_MISMATCH', async () => {
    await refusedWith(async () => ({ token: await realm.issue(await generateNodeKey()) }), 'TOKEN_PEER_MISMATCH')
  })

  test('an expired node token is TOKEN_EXPIRED', async () => {
    await refusedWith(async ({ key }) => ({ token: await realm.issue(key, { ttlSeconds: 60, now: () => Date.now() - 3_600_000 }) }), 'TOKEN_EXPIRED')
  })

  test('a node token from another realm is refused with a token code', async () => {
    const other = await makeRealm('other')
    const peer = await rawWithKey()
    try {
      const hello = await craftHello(peer.key, await other.issue(peer.key), target.peerId)
      const { reply } = await sendHello(peer.node, addrs(target), hello)
      assert.ok(['TOKEN_WRONG_REALM', 'TOKEN_UNTRUSTED_ISSUER'].includes(reply.error?.code ?? ''), reply.error?.code)
    } finally {
      await peer.node.stop()
    }
  })

  test('a replayed nonce is HANDSHAKE_REPLAY', async () => {
    const peer = await rawWithKey()
    try {
      const nonce = crypto.getRandomValues(new Uint8Array(16))
      const first = await sendHello(peer.node, addrs(target), await craftHello(peer.key, peer.token, target.peerId, { nonce }))
      assert.ok(first.reply.hello != null, 'the first Hello is answered')
      first.stream.abort(new Error('test done with this handshake'))
      // a replay comes on a new connection (a second handshake on one connection is refused anyway)
      await peer.node.hangUp(target.peerId)
      const { reply } = await sendHello(peer.node, addrs(target), await craftHello(peer.key, peer.token, target.peerId, { nonce }))
      assert.equal(reply.error?.code, 'HANDSHAKE_REPLAY')
    } finally {
      await peer.node.stop()
    }
  })

  test('a malformed Hello is FRAME_MALFORMED and the node keeps serving', async () => {
    await refusedWith({ nonce: new Uint8Array(3) }, 'FRAME_MALFORMED')
    const other = await h.node(realm)
    await other.connect(addrs(target))
    assert.ok(other.membership.has(target.peerId))
  })

  test('the initiator sees a refusal as a HandshakeError with the remote code', async () => {
    const other = await makeRealm('elsewhere')
    const stranger = await h.node(other, { bootstrap: [] })
    await assert.rejects(stranger.connect(addrs(target)), (err: Error) => {
      assert.ok(err instanceof HandshakeError)
      assert.ok(err.byRemote)
      assert.ok(['TOKEN_WRONG_REALM', 'TOKEN_UNTRUSTED_ISSUER'].includes(err.code), err.code)
      return true
    })
    assert.equal(target.membership.has(stranger.peerId), false)
  })

  test('a handshake that never finishes times out and the connection is dropped', async () => {
    const slow = await h.node(realm, { handshake: { timeoutMs: 300 }, join: { timeoutMs: 300 } })
    const peer = await rawWithKey()
    try {
      const stream = await peer.node.dialProtocol(addrs(slow), PROTOCOLS.handshake)
      const refused = nextEvent<RefusalDetail>(slow, 'join:refused', d => d.peer === peer.node.peerId.toString())
      assert.equal((await refused).code, 'HANDSHAKE_TIMEOUT')
      await nextEvent(peer.node, 'connection:close', () => true, { timeoutMs: 5_000 })
      assert.equal(stream.status === 'open' && peer.node.getConnections(slow.peerId).length > 0, false)
    } finally {
      await peer.node.stop()
    }
  })
})
