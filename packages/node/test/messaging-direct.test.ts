import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CannotSendToSelfError, PeerNotMemberError } from '../src/index.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import { realmOf, text, str } from './subjects-fixtures.js'
import type { RealmNode } from '../src/index.js'

describe('direct requests (node.send / node.onRequest)', () => {
  const h = new Harness()
  let a: RealmNode
  let b: RealmNode
  before(async () => { [a, b] = await realmOf(h, await makeRealm(), 2) as [RealmNode, RealmNode] })
  after(async () => { await h.stopAll() })

  test('without a handler the answer is NO_HANDLER; with one, its answer; a throwing handler\'s code goes back', async () => {
    await assert.rejects(b.send(a.peerId, text('ping')), (err: Error & { code?: string }) => err.code === 'NO_HANDLER')
    a.onRequest(async ({ data, peer, identity }) => {
      if (str(data) === 'fail') throw Object.assign(new Error('nope'), { code: 'APP_SAYS_NO' })
      return text(`${str(data)} from ${peer === identity ? 'node' : 'identity'} ${peer.slice(-4)}`)
    })
    assert.equal(str(await b.send(a.peerId.toString(), text('ping'))), `ping from node ${b.peerId.toString().slice(-4)}`)
    await assert.rejects(b.send(a.peerId, text('fail')), (err: Error & { code?: string }) => err.code === 'APP_SAYS_NO')
  })

  test('a request above 1 MiB is refused before it is sent', async () => {
    a.onRequest(({ data }) => text(String(data.byteLength)))
    await assert.rejects(b.send(a.peerId, new Uint8Array(1024 * 1024 + 1)), (err: Error & { code?: string }) => err.code === 'MESSAGE_TOO_LARGE')
    assert.equal(str(await b.send(a.peerId, new Uint8Array(1024 * 1024))), String(1024 * 1024))
    // an answer above the limit is refused on the answering side
    a.onRequest(() => new Uint8Array(1024 * 1024 + 1))
    await assert.rejects(b.send(a.peerId, text('big answer, please')), (err: Error & { code?: string }) => err.code === 'MESSAGE_TOO_LARGE')
  })

  test('to itself is CANNOT_SEND_TO_SELF; to a peer that is no member PEER_NOT_A_MEMBER, with the reason', async () => {
    await assert.rejects(b.send(b.peerId, text('me?')), (err: Error & { code?: string }) => err instanceof CannotSendToSelfError && err.code === 'CANNOT_SEND_TO_SELF')
    // nobody knows an address for a fresh peer id
    const nobody = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    await assert.rejects(b.send(nobody, text('anyone?')), (err: Error & { code?: string }) =>
      err instanceof PeerNotMemberError && err.code === 'PEER_NOT_A_MEMBER' && err.peer === nobody.toString() && err.message.includes('NO_ADDRESSES'))
    // a live node of another realm: reachable, but the handshake fails
    const stranger = await h.node(await makeRealm('other'))
    await b.libp2p.peerStore.merge(stranger.peerId, { multiaddrs: addrs(stranger) })
    await assert.rejects(b.send(stranger.peerId, text('hello?')), (err: Error & { code?: string, cause?: { code?: string } }) =>
      err instanceof PeerNotMemberError && err.code === 'PEER_NOT_A_MEMBER' && /^TOKEN_|^HANDSHAKE_/.test(err.cause?.code ?? ''))
  })
})
