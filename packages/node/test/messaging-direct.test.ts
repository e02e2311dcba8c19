import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Harness, makeRealm } from './fixtures.js'
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
})
