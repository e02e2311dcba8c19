// Issue 25 (the rest of seed 001's message semantics) on real nodes: what a receiver learns about
// a message (metadata), attributes with their inheritance and the receiver's filters, targeted
// sends, and the bound on messages in flight.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateNodeKey, issueNodeToken } from '@realmesh/token'
import { Harness, makeRealm, addrs } from './fixtures.js'
import { realmOf, text, str } from './subjects-fixtures.js'
import type { Realm } from './fixtures.js'
import type { RealmNode, SubjectMessage } from '../src/index.js'

describe('message semantics', () => {
  const h = new Harness()
  let realm: Realm
  let nodes: RealmNode[]
  /** a member whose node token carries `attrs` */
  const withAttrs = async (attrs: Record<string, string>): Promise<RealmNode> => {
    const key = await generateNodeKey()
    const nodeToken = await issueNodeToken(realm.leaderKey, { realm: realm.realm, subject: peerIdFromPrivateKey(key), ext: { attrs } })
    const node = await h.node(realm, { privateKey: key, nodeToken, bootstrap: addrs(nodes[0] as RealmNode).map(String) })
    await node.whenJoined({ signal: AbortSignal.timeout(10_000) })
    return node
  }
  before(async () => {
    realm = await makeRealm('semantics')
    nodes = await realmOf(h, realm, 3)
  })
  after(async () => { await h.stopAll() })

  test('metadata: the receiver gets the time it received the message, the sender\'s verified attributes and the hop count', async () => {
    const [a] = nodes as [RealmNode]
    const sender = await withAttrs({ team: 'red', site: 'lab' })
    const got: SubjectMessage[] = []
    await a.subscribe('meta', (m) => { got.push(m) })
    const before = Date.now()
    assert.equal((await sender.publish('meta', text('hello'), { ack: 'destination' })).results?.[0]?.status, 'delivered')
    const [message] = got
    assert.ok(message != null)
    assert.equal(str(message.data), 'hello')
    assert.equal(message.from, sender.peerId.toString())
    assert.ok(message.receivedAt >= before && message.receivedAt <= Date.now(), `receivedAt ${message.receivedAt}`)
    assert.deepEqual(message.senderAttrs, { team: 'red', site: 'lab' })
    assert.equal(message.hops, 1)
  })
})
