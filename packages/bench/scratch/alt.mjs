import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateNodeKey } from '@realmesh/token'
import { openStore } from '@realmesh/node'
import { createTestnet } from '@realmesh/testnet'
import { subjectPair } from '../dist/src/adapters.js'
const N = Number(process.argv[2] ?? 20000), ROUNDS = Number(process.argv[3] ?? 6), SIZE = Number(process.argv[4] ?? 1024)
const store = await openStore(join(await mkdtemp(join(tmpdir(), 'prof-')), 'store'))
const key = await generateNodeKey()
const net = await createTestnet({ size: 3, transport: 'tcp', node: (i) => i === 2 ? { privateKey: key, store: store.datastore } : {} })
await net.whenRoutingTablesHold()
const stored = net.nodes.find(n => n.peerId.equals(peerIdFromPrivateKey(key)))
const [sender, receiver] = net.nodes.filter(n => n !== stored)
const sig = AbortSignal.timeout(30000)
const pairs = { plain: await subjectPair(sender, receiver, { subject: 'p', maxMessageBytes: 1 << 20, signal: sig }), stored: await subjectPair(stored, receiver, { subject: 'q', maxMessageBytes: 1 << 20, signal: sig }) }
const msg = new Uint8Array(SIZE)
async function run (pair, count) {
  const window = Math.max(1, Math.min(512, Math.floor(4 * 1024 * 1024 / SIZE)))
  const t = performance.now()
  let next = 0
  await Promise.all(Array.from({ length: window }, async () => { while (next < count) { next++; await pair.send(msg) } }))
  return count / ((performance.now() - t) / 1000)
}
for (const p of Object.values(pairs)) await run(p, 2000)
const rates = { plain: [], stored: [] }
for (let r = 0; r < ROUNDS; r++) for (const name of (r % 2 ? ['stored', 'plain'] : ['plain', 'stored'])) rates[name].push(Math.round(await run(pairs[name], N)))
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]
console.log(JSON.stringify(rates), 'median plain', med(rates.plain), 'stored', med(rates.stored), 'ratio', (med(rates.stored) / med(rates.plain)).toFixed(2))
process.exit(0)
