/**
 * One host of the hosts suite, as an OS process (`node host.js <init JSON file>`), run in a network
 * namespace of its own or on the machine's loopback (runners/hosts.ts): a realm member or a plain
 * libp2p node, driven by JSON lines on stdin, each answered by one JSON line on stdout
 * (`{ id, result }` or `{ id, error }`). The first line it writes is `{ ready: <listen addrs> }`.
 *
 * Commands:
 *   { id, cmd: 'peers', count }               resolves once it holds `count` members (plain: connections)
 *   { id, cmd: 'subscribe', subject }         realmesh: subscribes (the receiver of round trips)
 *   { id, cmd: 'lookups', subjects }          one lookup per subject, one at a time: ms, hops, queries
 *   { id, cmd: 'roundtrips', to, subject, size, count, warmup }
 *       realmesh: publishes on `subject` with ack 'destination' (after the first one, matched),
 *       each timed until the receiver's ack is back; plain: a 1-stream echo to `to`
 */
import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { parseRealmDescriptor, readKeyFile, subjectKey } from '@realmesh/token'
import { createRealmNode, nextEvent } from '@realmesh/node'
import { findCoordinator } from '../adapters.js'
import { PLAIN_NETWORK_ID, createPlainNode } from '../baseline.js'
import { closestPeerLookup } from '../kad.js'
import { Sender, echoRoundTrips, payload, serveEcho } from '../runners/streams.js'
import type { RealmNode } from '@realmesh/node'
import type { PlainNode } from '../baseline.js'
import type { LookupResult } from '../kad.js'

export interface HostInit {
  side: 'realmesh' | 'plain'
  listen: string
  /** addresses (with /p2p/) to join or dial at start */
  bootstrap: string[]
  /** realmesh: the realm descriptor, this node's key file and token */
  realm?: unknown
  keyFile?: string
  token?: string
}

export interface LookupsAnswer { ms: number[], hops: number[], queries: number[], failed: number }

const ECHO = '/bench/hosts-echo/1'
const LOOPBACK_LIMITS = { maxConnections: 1000, inboundConnectionThreshold: 100_000, maxIncomingPendingConnections: 256 }

interface Host {
  listen: () => string[]
  peers: () => number
  lookup: (subject: string) => Promise<LookupResult>
  subscribe: (subject: string) => Promise<void>
  roundTrips: (to: string, subject: string, size: number, count: number) => Promise<number[]>
  onPeer: (fn: () => void) => void
}

async function realmHost (init: HostInit): Promise<Host> {
  if (init.keyFile == null || init.token == null) throw new Error('a realmesh host needs keyFile and token')
  const node: RealmNode = await createRealmNode({
    realm: parseRealmDescriptor(init.realm),
    privateKey: await readKeyFile(init.keyFile),
    nodeToken: init.token,
    listen: [init.listen],
    bootstrap: init.bootstrap,
    connections: LOOPBACK_LIMITS,
    renewToken: false
  })
  await node.start()
  const matched = new Set<string>()
  return {
    listen: () => node.status().listen,
    peers: () => node.members().length,
    onPeer: (fn) => { node.addEventListener('peer:joined', fn) },
    lookup: async (subject) => findCoordinator(node, subject, { signal: AbortSignal.timeout(15_000) }),
    subscribe: async (subject) => { await node.subscribe(subject, () => {}, { threshold: 1_000_000_000 }) },
    roundTrips: async (to, subject, size, count) => {
      const data = payload(size)
      const send = async (): Promise<void> => {
        const result = await node.publish(subject, data, { ack: 'destination' })
        if (result.results?.[0]?.status !== 'delivered') throw new Error(`not delivered: ${JSON.stringify(result.results)}`)
      }
      if (!matched.has(subject)) {
        // the first publish registers this sender; it is delivered once the coordinators matched it
        const match = nextEvent(node, 'subject:matched', (e: { peer: string }) => e.peer === to, { signal: AbortSignal.timeout(30_000) })
        await send()
        await match
        matched.add(subject)
      }
      const times: number[] = []
      for (let i = 0; i < count; i++) {
        const start = performance.now()
        await send()
        times.push(performance.now() - start)
      }
      return times
    }
  }
}

async function plainHost (init: HostInit): Promise<Host> {
  const node: PlainNode = await createPlainNode({ listen: [init.listen] })
  await node.handle(ECHO, serveEcho)
  await node.start()
  await Promise.all(init.bootstrap.map(async (a) => node.dial(multiaddr(a), { signal: AbortSignal.timeout(30_000) })))
  return {
    listen: () => node.getMultiaddrs().map(String),
    peers: () => node.getPeers().length,
    onPeer: (fn) => { node.addEventListener('peer:connect', fn) },
    lookup: async (subject) => closestPeerLookup(node.services.dht, subjectKey(PLAIN_NETWORK_ID, subject), { signal: AbortSignal.timeout(15_000) }),
    subscribe: async () => {},
    roundTrips: async (to, _subject, size, count) => {
      const echo = new Sender(await node.dialProtocol(peerIdFromString(to), ECHO, { signal: AbortSignal.timeout(30_000) }))
      try {
        return await echoRoundTrips(echo, size, count)
      } finally {
        await echo.close()
      }
    }
  }
}

async function lookups (host: Host, subjects: string[]): Promise<LookupsAnswer> {
  const answer: LookupsAnswer = { ms: [], hops: [], queries: [], failed: 0 }
  for (const subject of subjects) {
    const start = performance.now()
    try {
      const result = await host.lookup(subject)
      answer.ms.push(performance.now() - start)
      answer.hops.push(result.hops ?? 0)
      answer.queries.push(result.queries)
    } catch {
      answer.failed++
    }
  }
  return answer
}

async function waitPeers (host: Host, count: number): Promise<number> {
  if (host.peers() >= count) return host.peers()
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`${host.peers()} of ${count} peers after 60 s`)) }, 60_000)
    host.onPeer(() => {
      if (host.peers() < count) return
      clearTimeout(timer)
      resolve()
    })
  })
  return host.peers()
}

interface Command { id: number, cmd: string, count?: number, subject?: string, subjects?: string[], to?: string, size?: number, warmup?: number }

async function answer (host: Host, command: Command): Promise<unknown> {
  switch (command.cmd) {
    case 'peers': return waitPeers(host, command.count ?? 1)
    case 'subscribe': return host.subscribe(command.subject ?? '')
    case 'lookups': return lookups(host, command.subjects ?? [])
    case 'roundtrips': {
      const { to = '', subject = '', size = 1024, count = 1, warmup = 0 } = command
      await host.roundTrips(to, subject, size, warmup)
      return host.roundTrips(to, subject, size, count)
    }
    default: throw new Error(`unknown command ${command.cmd}`)
  }
}

const [initFile] = process.argv.slice(2)
if (initFile == null) {
  process.stderr.write('usage: host.js <init JSON file>\n')
  process.exit(2)
}
const init = JSON.parse(await readFile(initFile, 'utf8')) as HostInit
const host = init.side === 'realmesh' ? await realmHost(init) : await plainHost(init)
const write = (value: unknown): void => { process.stdout.write(`${JSON.stringify(value)}\n`) }
write({ ready: host.listen() })
createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as Command
  answer(host, command).then((result) => { write({ id: command.id, result: result ?? null }) }, (err: Error) => { write({ id: command.id, error: err.message }) })
})
process.stdin.on('end', () => { process.exit(0) })
