// The examples in README.md, verbatim between the markers (imports as dynamic imports), so they
// are known to run; the last test checks that the README still shows exactly this code.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'

test('README example runs', async () => {
  // --- README example start
  const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
  const { generateNodeKey, createRealmDescriptor, issueNodeToken } = await import('@realmesh/token')
  const { createRealmNode, deny, allow } = await import('@realmesh/node')

  // the realm leader's key names the realm; the leader signs every node token
  const leaderKey = await generateNodeKey()
  const realm = createRealmDescriptor({ name: 'example', leaderKey })
  const tokenFor = async (key: Awaited<ReturnType<typeof generateNodeKey>>): Promise<string> =>
    issueNodeToken(leaderKey, { realm, subject: peerIdFromPrivateKey(key), ttlSeconds: 3600 })

  // a first member (no bootstrap: it starts the realm)
  const firstKey = await generateNodeKey()
  const first = await createRealmNode({
    realm,
    privateKey: firstKey,
    nodeToken: await tokenFor(firstKey),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: [],
    // every join request passes through these (allow, deny(reason) or defer(reason))
    authorize: ({ identity }) => identity.claims.ext?.attrs?.banned === 'yes' ? deny('banned') : allow
  })
  await first.start()

  // a second node joins through the first one's address
  const secondKey = await generateNodeKey()
  const second = await createRealmNode({
    realm,
    privateKey: secondKey,
    nodeToken: await tokenFor(secondKey),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: first.status().listen
  })
  second.addEventListener('peer:joined', (evt) => { console.log('member', evt.detail.peer) })
  await second.start()
  await second.whenJoined({ signal: AbortSignal.timeout(10_000) })

  console.log(second.status()) // { peerId, realm, joined: true, members: [first], routingTable, listen }
  await second.stop()          // sends LEAVE: the first node drops it at once
  await first.stop()
  // --- README example end
  assert.equal(second.status().joined, true)
})

test('README subjects example runs', async () => {
  // --- README subjects example start
  const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
  const { generateNodeKey, createRealmDescriptor, issueNodeToken } = await import('@realmesh/token')
  const { createRealmNode, until } = await import('@realmesh/node')

  const leaderKey = await generateNodeKey()
  const realm = createRealmDescriptor({ name: 'subjects', leaderKey })
  // a member whose node token carries attributes (the leader's to give)
  const member = async (attrs: Record<string, string>, bootstrap: string[] = []) => {
    const privateKey = await generateNodeKey()
    const nodeToken = await issueNodeToken(leaderKey, { realm, subject: peerIdFromPrivateKey(privateKey), ext: { attrs } })
    const node = await createRealmNode({ realm, privateKey, nodeToken, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap })
    await node.start()
    await node.whenJoined({ signal: AbortSignal.timeout(10_000) })
    return node
  }
  const sender = await member({ team: 'red' })
  const [prod, qa] = await Promise.all([member({}, sender.status().listen), member({}, sender.status().listen)])

  // each receiver takes the messages whose attributes match its filter, at most 4 in flight from a sender
  const got: string[] = []
  for (const [node, stage] of [[prod, 'prod'], [qa, 'qa']] as const) {
    await node.subscribe('orders', (msg) => {
      // msg.attrs: the sender identity's, then its intent's, then the message's own
      got.push(`${stage}: ${new TextDecoder().decode(msg.data)} from team ${msg.attrs.team} (${msg.hops} hop, ${msg.data.byteLength} bytes)`)
    }, { filter: { stage }, maxParallel: 4 })
  }
  let accounted = 0
  sender.addEventListener('account', (evt) => { accounted += evt.detail.bytes })

  // the sender's first publish makes its interest (the message waits in the cache for the first receiver matched)
  await sender.publish('orders', new TextEncoder().encode('hello'), { attrs: { stage: 'prod' }, intentAttrs: { site: 'lab' } })
  await until(() => sender.hasReceiver('orders', prod.peerId) && sender.hasReceiver('orders', qa.peerId), [sender], ['subject:matched'])
  const order = await sender.publish('orders', new TextEncoder().encode('order 1'), { ack: 'destination', attrs: { stage: 'prod' } })
  console.log(order.results?.map(r => `${r.status} ${r.code ?? ''}`)) // 'delivered ' at prod, 'rejected MESSAGE_FILTERED' at qa

  // to one receiver alone, by its identity or node
  const direct = await sender.sendTo('orders', qa.peerId, new TextEncoder().encode('order 2'), { ack: 'destination', attrs: { stage: 'qa' } })
  console.log(direct.results?.map(r => r.status)) // ['delivered']
  console.log(got, accounted)                     // [..., 'qa: order 2 from team red (1 hop, 7 bytes)'], the bytes delivered
  for (const node of [qa, prod, sender]) await node.stop()
  // --- README subjects example end
  assert.deepEqual(order.results?.map(r => [r.peer, r.status, r.code]).sort(), [[prod.peerId.toString(), 'delivered', undefined], [qa.peerId.toString(), 'rejected', 'MESSAGE_FILTERED']].sort())
  assert.deepEqual(direct.results?.map(r => r.peer), [qa.peerId.toString()])
  assert.ok(got.includes('prod: order 1 from team red (1 hop, 7 bytes)'), got.join('\n'))
  assert.ok(got.includes('qa: order 2 from team red (1 hop, 7 bytes)'), got.join('\n'))
  assert.ok(!got.some(line => line.startsWith('qa: order 1')), 'filtered')
  assert.ok(accounted >= 14, `accounted ${accounted} bytes`)
})

test('the README shows exactly the code these tests run', async () => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map(m => m[1] as string)
  const source = await readFile(new URL('../../test/readme-example.test.ts', import.meta.url), 'utf8')
  for (const name of ['README example', 'README subjects example']) {
    const between = source.split(`// --- ${name} start\n`)[1]?.split(`  // --- ${name} end`)[0] ?? ''
    const code = between.split('\n').map(line => line.replace(/^ {2}/, '').replace(/^const \{ (.+) \} = await import\('(.+)'\)$/, "import { $1 } from '$2'")).join('\n')
    assert.ok(blocks.some(block => block.trimEnd() === code.trimEnd()), `${name}: the README block differs from the test's code`)
  }
})
