/**
 * The README example, run. The code between the markers below must be the README's example block
 * (except the import source, which there is '@realmesh/token'); the second test checks they agree.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
// example:start
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createRealmDescriptor, generateNodeKey, issueNodeToken, TokenCache, verifyNodeToken } from '../src/index.js'

const leaderKey = await generateNodeKey()
const nodeKey = await generateNodeKey()
const realm = createRealmDescriptor({ name: 'example', leaderKey })

// the leader issues a node token for the node
const token = await issueNodeToken(leaderKey, {
  realm,
  subject: peerIdFromPrivateKey(nodeKey),
  ext: { port: 4001 }
})

// a member verifies it, bound to the peer at the other end of the connection
const cache = new TokenCache()
const verified = await verifyNodeToken(token, { realm, cache, expectedPeer: peerIdFromPrivateKey(nodeKey) })
console.log(verified.claims.sub, verified.claims.exp, verified.selfIssued)
// example:end

test('the README example runs', () => {
  assert.equal(verified.claims.sub, peerIdFromPrivateKey(nodeKey).toString())
  assert.equal(verified.issuer, realm.leader.peerId)
  assert.equal(verified.selfIssued, false)
  assert.equal(cache.size, 1)
})

test('the README example block is this file\'s example', async () => {
  const own = await readFile(fileURLToPath(new URL('../../test/readme-example.test.ts', import.meta.url)), 'utf8')
  const readme = await readFile(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8')
  const example = (own.split('// example:start\n')[1] ?? '').split('// example:end')[0] ?? ''
  const block = (readme.split('<!-- example:start -->\n```ts\n')[1] ?? '').split('```')[0] ?? ''
  assert.ok(example.length > 0 && block.length > 0)
  assert.equal(block, example.replace("from '../src/index.js'", "from '@realmesh/token'"))
})
