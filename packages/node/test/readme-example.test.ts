// The example in README.md, verbatim between the markers, so it is known to run.
import { test } from 'node:test'
import assert from 'node:assert/strict'

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
