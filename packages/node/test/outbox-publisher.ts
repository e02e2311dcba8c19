// A publisher in a process of its own, for outbox.test.ts to SIGKILL: joins the realm over TCP
// with its store, then publishes messages 1..count with acks on the subject, one after another as
// each is accepted (in the outbox), printing `accepted N`. It never exits by itself.
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { parseRealmDescriptor } from '@realmesh/token'
import { createRealmNode, openStore } from '../src/index.js'
import { dataOf, idOf } from './outbox-fixtures.js'
import type { PublisherInput } from './outbox-fixtures.js'

const input = JSON.parse(process.argv[2] ?? '{}') as PublisherInput
const store = await openStore(input.store)
const node = await createRealmNode({
  realm: parseRealmDescriptor(input.realm),
  privateKey: privateKeyFromProtobuf(Buffer.from(input.key, 'base64')),
  nodeToken: input.token,
  listen: ['/ip4/127.0.0.1/tcp/0'],
  bootstrap: input.bootstrap,
  store: store.datastore
})
await node.start()
await node.whenJoined({ signal: AbortSignal.timeout(30_000) })
process.stdout.write('joined\n')
for (let i = 1; i <= input.count; i++) {
  await new Promise<void>((resolve, reject) => {
    node.publish(input.subject, dataOf(i), {
      ack: 'destination',
      id: idOf(i),
      onAccepted: () => {
        process.stdout.write(`accepted ${i}\n`)
        resolve()
      }
    }).catch(reject)
  })
}
