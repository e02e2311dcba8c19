// libp2p's errors as realmesh codes: each case is produced by real libp2p nodes on TCP over
// 127.0.0.1 (a taken port, a wrong /p2p/ id at a live address, a closed port, an unknown peer),
// then translated by networkError / dialError, and seen where an operator meets it: a bootstrap
// retry of a realm node.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { RealmeshError } from '@realmesh/wire'
import { NetworkError, NotMemberError, dialError, networkError, nextEvent } from '../src/index.js'
import { reachedButFailed } from '../src/network-errors.js'
import { createServer } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import { Harness, makeRealm } from './fixtures.js'
import type { Libp2p } from '@libp2p/interface'
import type { RetryDetail } from '../src/index.js'

/** the error `promise` rejects with */
async function failure (promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  assert.fail('expected a rejection')
}

function tcpPort (node: Libp2p): number {
  const port = /\/tcp\/(\d+)/.exec(node.getMultiaddrs()[0]?.toString() ?? '')?.[1]
  assert.ok(port != null)
  return Number(port)
}

describe('libp2p errors as realmesh codes', () => {
  const started: Libp2p[] = []
  const h = new Harness()
  let listener: Libp2p
  let dialer: Libp2p

  async function plain (listen: string[] = ['/ip4/127.0.0.1/tcp/0']): Promise<Libp2p> {
    const node = await createLibp2p({ addresses: { listen }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    started.push(node)
    return node
  }

  before(async () => {
    listener = await plain()
    dialer = await plain([])
  })
  after(async () => {
    await h.stopAll()
    await Promise.allSettled(started.map(async n => n.stop()))
  })

  test('a listen port in use is LISTEN_ADDRESS_IN_USE, naming the address, without a stack', async () => {
    const address = `/ip4/127.0.0.1/tcp/${tcpPort(listener)}`
    const err = networkError(await failure(plain([address])))
    assert.ok(err instanceof NetworkError)
    assert.equal(err.code, 'LISTEN_ADDRESS_IN_USE')
    assert.ok(err.message.includes(address), err.message)
    assert.ok(!err.message.includes(' at '), `no stack text: ${err.message}`)
  })

  test('a wrong peer id at a live address is PEER_ID_MISMATCH, with the peer that answered', async () => {
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const address = multiaddr(`/ip4/127.0.0.1/tcp/${tcpPort(listener)}/p2p/${other.toString()}`)
    const err = dialError(await failure(dialer.dial(address)))
    assert.equal(err.code, 'PEER_ID_MISMATCH')
    assert.ok(err instanceof NetworkError)
    assert.equal(err.answeredBy, listener.peerId.toString())
    assert.match(err.message, new RegExp(`${listener.peerId.toString()} answered, not ${other.toString()}`))
  })

  test('a closed port is UNREACHABLE, an unknown peer NO_ADDRESSES, dialling oneself CANNOT_DIAL_SELF', async () => {
    const closed = await plain()
    const port = tcpPort(closed)
    const closedId = closed.peerId
    await closed.stop()
    assert.equal(dialError(await failure(dialer.dial(multiaddr(`/ip4/127.0.0.1/tcp/${port}/p2p/${closedId.toString()}`)))).code, 'UNREACHABLE')
    const nobody = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    assert.equal(dialError(await failure(dialer.dial(nobody))).code, 'NO_ADDRESSES')
    assert.equal(dialError(await failure(dialer.dial(dialer.peerId))).code, 'CANNOT_DIAL_SELF')
  })

  test('a peer that took the TCP connection but not the Noise handshake was reached (no forwarder can help); a closed port was not', async () => {
    // accepts, then says nothing: an overloaded node whose handshakes time out looks like this
    const sockets: Socket[] = []
    const silent = createServer((socket) => { sockets.push(socket) })
    await new Promise<void>((resolve) => { silent.listen(0, '127.0.0.1', resolve) })
    const impatient = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()], connectionManager: { addressDialTimeout: 500 } })
    started.push(impatient)
    try {
      const someone = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
      const port = (silent.address() as AddressInfo).port
      const stalled = await failure(impatient.dial(multiaddr(`/ip4/127.0.0.1/tcp/${port}/p2p/${someone.toString()}`)))
      assert.equal(dialError(stalled).code, 'ENCRYPTION_FAILED')
      assert.equal(reachedButFailed(stalled), true)
      assert.equal(reachedButFailed(await failure(impatient.dial(impatient.peerId))), true, 'dialling oneself')
      const closed = await plain()
      const closedPort = tcpPort(closed)
      await closed.stop()
      const refused = await failure(impatient.dial(multiaddr(`/ip4/127.0.0.1/tcp/${closedPort}/p2p/${closed.peerId.toString()}`)))
      assert.equal(reachedButFailed(refused), false, 'a closed port: nothing answered')
      const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
      const mismatch = await failure(impatient.dial(multiaddr(`/ip4/127.0.0.1/tcp/${tcpPort(listener)}/p2p/${other.toString()}`)))
      assert.equal(reachedButFailed(mismatch), false, 'someone else answers there: the peer may be elsewhere')
    } finally {
      for (const socket of sockets) socket.destroy()
      silent.close()
    }
  })

  test('realmesh errors keep their code; an unknown error is left alone, or UNREACHABLE for a dial', () => {
    const own = new NotMemberError('12D3KooWx', '/realmesh/x')
    assert.equal(networkError(own), own)
    assert.equal(dialError(own), own)
    const odd = new Error('something else')
    assert.equal(networkError(odd), odd)
    const dial = dialError(odd)
    assert.ok(dial instanceof RealmeshError)
    assert.equal(dial.code, 'UNREACHABLE')
    assert.equal(dial.cause, odd)
  })

  test('a realm node whose bootstrap address names the wrong peer says PEER_ID_MISMATCH in its retries', async () => {
    const realm = await makeRealm()
    const wrong = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const address = `/ip4/127.0.0.1/tcp/${tcpPort(listener)}/p2p/${wrong.toString()}`
    const node = await h.node(realm, { listen: ['/ip4/127.0.0.1/tcp/0'], joinOnStart: false, bootstrap: [address] })
    const retry = nextEvent<RetryDetail>(node, 'bootstrap:retry', () => true, { signal: AbortSignal.timeout(10_000) })
    node.joinRealm().catch(() => {})
    const detail = await retry
    assert.equal(detail.code, 'PEER_ID_MISMATCH')
    assert.ok(detail.error.includes(`${listener.peerId.toString()} answered`), detail.error)
  })
})
