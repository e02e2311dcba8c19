#!/usr/bin/env node
// Acked-message throughput between two members, direct against through a member relay (issue 21,
// item 2), over 127.0.0.1 in one process, on TCP and on QUIC: a relay R, and a sender and a receiver
// that either listen on 127.0.0.1 (direct) or on nothing (each takes a slot on R, so they reach each
// other only through it). Every node listens on the one transport of the case (QUIC: /udp/0/quic-v1).
// The sender publishes N acked messages of each size one after the other (`ack: 'destination'`,
// each waited for) and then N in flight at once; the figures are messages/s and MiB/s of payload.
// Run after `pnpm build`:
//   node packages/bench/scripts/relay-throughput.mjs [--messages 200] [--transports tcp,quic]
import { createRealmDescriptor, generateNodeKey, issueNodeToken } from '@realmesh/token'
import { createRealmNode, until } from '@realmesh/node'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'

const args = process.argv.slice(2)
const N = Number(args[args.indexOf('--messages') + 1] ?? 200) || 200
const SIZES = [1024, 16 * 1024, 64 * 1024]
const LISTEN = { tcp: '/ip4/127.0.0.1/tcp/0', quic: '/ip4/127.0.0.1/udp/0/quic-v1' }
const TRANSPORTS = args.includes('--transports') ? String(args[args.indexOf('--transports') + 1]).split(',') : ['tcp', 'quic']
for (const t of TRANSPORTS) if (LISTEN[t] == null) throw new Error(`--transports: tcp or quic, not ${t}`)

async function realm () {
  const leaderKey = await generateNodeKey()
  const descriptor = createRealmDescriptor({ name: 'throughput', leaderKey })
  return { descriptor, issue: async (key) => issueNodeToken(leaderKey, { realm: descriptor, subject: peerIdFromPrivateKey(key) }) }
}

async function node (r, init) {
  const privateKey = await generateNodeKey()
  const n = await createRealmNode({ realm: r.descriptor, privateKey, nodeToken: await r.issue(privateKey), connections: { inboundConnectionThreshold: 10_000 }, ...init })
  await n.start()
  return n
}

async function run (transport, relayed) {
  const r = await realm()
  const relay = await node(r, { listen: [LISTEN[transport]], bootstrap: [], nat: { relay: { serve: 'always', use: 'never' }, autonat: false, holePunch: false } })
  const bootstrap = relay.listenAddrs().map(a => a.toString())
  const side = relayed
    ? { listen: [], quic: transport === 'quic', nat: { relay: { use: 'always', serve: 'never' }, autonat: false, holePunch: false } }
    : { listen: [LISTEN[transport]], nat: { relay: { use: 'never', serve: 'never' }, autonat: false, holePunch: false } }
  const receiver = await node(r, { bootstrap, ...side })
  const sender = await node(r, { bootstrap, ...side })
  if (relayed) {
    for (const n of [receiver, sender]) await until(() => n.status().nat.relayAddrs.length > 0, [n], ['addresses:changed'], { timeoutMs: 30_000 })
  }
  await until(() => sender.members().some(m => m.id === receiver.peerId.toString()), [sender], ['peer:joined'], { timeoutMs: 30_000 })
  let got = 0
  await receiver.subscribe('bench', () => { got++ })
  await sender.publish('bench', new Uint8Array(8), { ack: 'destination' })
  const how = sender.status().connections.filter(c => c.peer === receiver.peerId.toString() && c.admitted).map(c => c.relayed ? 'relayed' : 'direct').filter((v, i, all) => all.indexOf(v) === i).join('+')
  const rows = []
  for (const size of SIZES) {
    const data = new Uint8Array(size).fill(7)
    for (const mode of ['one at a time', `${N} in flight`]) {
      const since = performance.now()
      if (mode === 'one at a time') {
        for (let i = 0; i < N; i++) {
          const res = await sender.publish('bench', data, { ack: 'destination' })
          if (res.results?.[0]?.status !== 'delivered') throw new Error(`not delivered: ${JSON.stringify(res.results)}`)
        }
      } else {
        const all = await Promise.all(Array.from({ length: N }, async () => sender.publish('bench', data, { ack: 'destination' })))
        if (!all.every(res => res.results?.[0]?.status === 'delivered')) throw new Error('not all delivered')
      }
      const s = (performance.now() - since) / 1000
      rows.push({ path: `${transport} ${how}`, size, mode, msgPerS: Math.round(N / s), mibPerS: Number((N * size / s / 1024 / 1024).toFixed(1)) })
    }
  }
  await Promise.all([sender.stop(), receiver.stop()])
  await relay.stop()
  if (got < N * SIZES.length * 2) throw new Error(`received ${got}`)
  return rows
}

const rows = []
for (const transport of TRANSPORTS) for (const relayed of [false, true]) rows.push(...await run(transport, relayed))
console.log(`${N} acked messages per case, on 127.0.0.1, one process`)
console.log('path         | size    | mode             | msg/s | MiB/s')
for (const r of rows) console.log(`${r.path.padEnd(12)} | ${String(r.size / 1024).padStart(3)} KiB | ${r.mode.padEnd(16)} | ${String(r.msgPerS).padStart(5)} | ${String(r.mibPerS).padStart(5)}`)
