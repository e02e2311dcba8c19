/**
 * The README example, run. The code between the markers below must be the README's example block
 * (except the import source, which there is '@realmesh/leader'); the second test checks they agree.
 */
import assert from 'node:assert/strict'
import { readFile, rm } from 'node:fs/promises'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'
// example:start
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRealmNode } from '@realmesh/node'
import { generateNodeKey } from '@realmesh/token'
import { initLeader, startLeader } from '../src/index.js'

// a leader directory: key, realm.json, leader.yaml. Mode auto: a node that proves the join secret gets a token
const dir = join(await mkdtemp(join(tmpdir(), 'realmesh-')), 'leader')
await initLeader({ dir, name: 'example', policy: { mode: 'auto', joinSecret: 'a long random secret' } })

// run it; realm.json now lists the addresses the leader listens on
const leader = await startLeader({ dir })
leader.service.addEventListener('token:issued', (evt) => {
  console.log(`issued ${evt.detail.jti} to ${evt.detail.peer} (${evt.detail.how})`)
})

// a node given realm.json and the join secret asks the leader for a token, then joins
const node = await createRealmNode({
  realm: leader.realm,
  privateKey: await generateNodeKey(),
  tokenRequest: { joinSecret: 'a long random secret' }
})
await node.start()
await node.whenJoined({ signal: AbortSignal.timeout(10_000) })
console.log(leader.node.status().members)

await node.stop()
await leader.stop()
// example:end

after(async () => { await rm(join(dir, '..'), { recursive: true, force: true }) })

test('the README example runs', () => {
  assert.equal(node.joined, true)
  assert.equal(node.hasToken(), true)
  assert.equal(leader.service.isStarted(), false)
})

test('the README example block is this file\'s example', async () => {
  const own = await readFile(fileURLToPath(new URL('../../test/readme-example.test.ts', import.meta.url)), 'utf8')
  const readme = await readFile(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8')
  const example = (own.split('// example:start\n')[1] ?? '').split('// example:end')[0] ?? ''
  const block = (readme.split('<!-- example:start -->\n```ts\n')[1] ?? '').split('```')[0] ?? ''
  assert.ok(example.length > 0 && block.length > 0)
  assert.equal(block, example.replace("from '../src/index.js'", "from '@realmesh/leader'"))
})
