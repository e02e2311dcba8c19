import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateNodeKey } from '@realmesh/token'
import { openStore } from '@realmesh/node'
import { createTestnet } from '@realmesh/testnet'
import { subjectPair } from '../dist/src/adapters.js'
const stored = process.argv[2] === 'stored'
const N = Number(process.argv[3] ?? 20000)
const store = await openStore(join(await mkdtemp(join(tmpdir(), 'prof-')), 'store'))
const key = await generateNodeKey()
const net = await createTestnet({ size: 2, transport: 'tcp', node: (i) => (i === 0 && stored) ? { privateKey: key, store: store.datastore } : (i === 0 ? { privateKey: key } : {}) })
await net.whenRoutingTablesHold()
const sender = net.nodes.find(n => n.peerId.equals(peerIdFromPrivateKey(key)))
const receiver = net.nodes.find(n => n !== sender)
const pair = await subjectPair(sender, receiver, { subject: 'p', maxMessageBytes: 1 << 20, signal: AbortSignal.timeout(30000) })
const msg = new Uint8Array(1024)
async function run (count) {
  const t = performance.now()
  let next = 0
  await Promise.all(Array.from({ length: 512 }, async () => { while (next < count) { next++; await pair.send(msg) } }))
  return count / ((performance.now() - t) / 1000)
}
await run(2000)
const cpu0 = process.cpuUsage()
const rates = []
for (let r = 0; r < 3; r++) rates.push(Math.round(await run(N)))
const cpu = process.cpuUsage(cpu0)
console.log(stored ? 'stored' : 'plain', rates, 'cpu us/msg', ((cpu.user + cpu.system) / (3 * N)).toFixed(1))
process.exit(0)
