/**
 * The message scenario, both sides in one process on TCP (127.0.0.1), measured in interleaved
 * rounds so that whatever else the machine does slows every side alike:
 *   - a realm (leader + nodes - 1) and a plain network of the same size (with gossipsub) start and
 *     settle side by side;
 *   - realmesh: two members (neither the leader) matched on a subject (src/adapters.ts subjectPair):
 *     latency is a publish acked by the receiver, throughput a window of acked publishes; plain: a plain libp2p stream between two of its nodes, and gossipsub
 *     between the same two nodes;
 *   - realmesh with its outbox on: a third member with a store (LevelDB in a temp dir) publishing
 *     the same way to the same receiver, on a subject of its own (every acked message written to
 *     the outbox before it goes out, deleted once acked);
 *   - each round runs a share of the echo round trips and one throughput run per message size on
 *     every side, the order of the sides rotating from round to round.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateNodeKey } from '@realmesh/token'
import { openStore } from '@realmesh/node'
import { createTestnet } from '@realmesh/testnet'
import { subjectPair } from '../adapters.js'
import type { SubjectPair } from '../adapters.js'
import { createPlainNetwork } from '../baseline.js'
import { routingTableOf } from '../kad.js'
import { whenSettled } from '../settle.js'
import { Sender, echoRoundTrips, payload, serveEcho, serveSink, sinkThroughput } from './streams.js'
import { gossipRoundTrips, gossipThroughput, prepareGossip } from './gossip.js'
import type { Throughput } from './streams.js'
import type { GossipThroughput } from './gossip.js'
import type { MessagesJob } from '../jobs.js'
import type { NodeStore } from '@realmesh/node'
import type { RoutingTableView } from '../kad.js'

const ECHO = '/bench/echo/1'
const SINK = '/bench/sink/1'
/** unmeasured round trips first, so every side is measured warm */
const WARMUP_ROUNDS = 50

export interface SideMessages {
  /** every measured round trip (ms) */
  echoMs: number[]
  /** one entry per round and message size */
  throughput: Throughput[]
}

export interface MessagesResult {
  rounds: number
  /** the subject adapter between two realm members */
  realmesh: SideMessages
  /** the same, from a third member whose outbox is on (it has a store) */
  persisted: SideMessages
  /** a plain libp2p stream between two plain nodes */
  plain: SideMessages
  /** gossipsub between the same two plain nodes (throughput: received messages and bytes) */
  gossipsub: SideMessages & { incomplete: string[], error?: string }
}

const log = (message: string): void => {
  process.stderr.write(`  [messages] ${message}\n`)
}

async function settled (tables: RoutingTableView[], n: number, what: string): Promise<void> {
  const result = await whenSettled(tables, { minSize: n - 1, quietMs: 500, timeoutMs: 90_000 })
  if (!result.settled) throw new Error(`the ${n}-node ${what} network did not settle within 90 s`)
}

interface Side {
  echo: (count: number) => Promise<number[]>
  sink: (size: number, count: number) => Promise<Throughput>
}

export async function runMessages (job: MessagesJob): Promise<MessagesResult> {
  const storeDir = await mkdtemp(join(tmpdir(), 'realmesh-bench-outbox-'))
  const store = await openStore(join(storeDir, 'store'))
  try {
    return await measure(job, store.datastore)
  } finally {
    await store.close()
    await rm(storeDir, { recursive: true, force: true })
  }
}

async function measure (job: MessagesJob, datastore: NodeStore['datastore']): Promise<MessagesResult> {
  // the third node keeps its acked publications in a store: found again by its key
  const storedKey = await generateNodeKey()
  const realm = await createTestnet({ size: job.nodes - 1, transport: 'tcp', node: (i) => i === 2 ? { privateKey: storedKey, store: datastore } : {} })
  const plainNet = await createPlainNetwork({ size: job.nodes - 1, transport: 'tcp', gossipsub: true })
  await Promise.all([
    settled(realm.all.map(n => routingTableOf(n.libp2p.services.dht)), job.nodes, 'realm'),
    settled(plainNet.all.map(n => routingTableOf(n.services.dht)), job.nodes, 'plain')
  ])
  const storedPeer = peerIdFromPrivateKey(storedKey)
  const storedSender = realm.nodes.find(n => n.peerId.equals(storedPeer))
  const [realmSender, realmReceiver] = realm.nodes.filter(n => n !== storedSender)
  const [plainSender, plainReceiver] = plainNet.nodes
  if (storedSender == null || realmSender == null || realmReceiver == null || plainSender == null || plainReceiver == null) throw new Error('the messages scenario needs at least 4 nodes')

  const signal = AbortSignal.timeout(30_000)
  const pair = await subjectPair(realmSender, realmReceiver, { subject: 'bench', maxMessageBytes: 1024 * 1024, signal })
  const storedPair = await subjectPair(storedSender, realmReceiver, { subject: 'bench-outbox', maxMessageBytes: 1024 * 1024, signal })
  await plainReceiver.handle(ECHO, serveEcho)
  await plainReceiver.handle(SINK, serveSink)
  // a fresh stream for each use (opened before the clock starts): a stream left idle while the
  // other sides run their rounds can pass libp2p's stream inactivity timeout on a loaded machine,
  // and a later write then fails with "Cannot write to a stream that is closed"
  const withStream = async <T>(protocol: string, use: (sender: Sender) => Promise<T>): Promise<T> => {
    const sender = new Sender(await plainSender.dialProtocol(plainReceiver.peerId, protocol, { signal: AbortSignal.timeout(30_000) }))
    try {
      return await use(sender)
    } finally {
      await sender.close()
    }
  }

  const result: MessagesResult = {
    rounds: job.rounds,
    realmesh: { echoMs: [], throughput: [] },
    persisted: { echoMs: [], throughput: [] },
    plain: { echoMs: [], throughput: [] },
    gossipsub: { echoMs: [], throughput: [], incomplete: [] }
  }
  const sides: Array<[SideMessages, Side]> = [
    [result.realmesh, { echo: async (count) => ackedRoundTrips(pair, job.echo.size, count), sink: async (size, count) => ackedThroughput(pair, size, count) }],
    [result.persisted, { echo: async (count) => ackedRoundTrips(storedPair, job.echo.size, count), sink: async (size, count) => ackedThroughput(storedPair, size, count) }],
    [result.plain, {
      echo: async (count) => withStream(ECHO, async (echo) => echoRoundTrips(echo, job.echo.size, count)),
      sink: async (size, count) => withStream(SINK, async (sink) => sinkThroughput(sink, size, count))
    }]
  ]
  try {
    await prepareGossip(plainSender, plainReceiver)
    sides.push([result.gossipsub, {
      echo: async (count) => gossipRoundTrips(plainSender, job.echo.size, count),
      sink: async (size, count) => {
        const run: GossipThroughput = await gossipThroughput(plainSender, plainReceiver, size, count)
        if (!run.complete) result.gossipsub.incomplete.push(`${run.received} of ${run.sent} ${size} B messages arrived`)
        // what arrived, in the time it took
        return { size, messages: run.received, bytes: run.received * size, ms: run.ms }
      }
    }])
  } catch (err) {
    result.gossipsub.error = (err as Error).message
  }

  for (const [, side] of sides) {
    await side.echo(WARMUP_ROUNDS)
    for (const { size, count } of job.throughput) await side.sink(size, Math.max(1, Math.min(count, Math.ceil(count / job.rounds / 4))))
  }
  const echoPerRound = Math.ceil(job.echo.count / job.rounds)
  for (let round = 0; round < job.rounds; round++) {
    // rotate which side goes first
    const order = sides.map((_, i) => sides[(i + round) % sides.length]).filter(s => s != null)
    for (const [into, side] of order) {
      try {
        into.echoMs.push(...await side.echo(echoPerRound))
        for (const { size, count } of job.throughput) into.throughput.push(await side.sink(size, Math.ceil(count / job.rounds)))
      } catch (err) {
        if (into === result.gossipsub) result.gossipsub.error ??= (err as Error).message
        else throw err
      }
    }
    log(`round ${round + 1} of ${job.rounds} done`)
  }
  // what it still writes is on disk before its store closes
  await storedSender.stop()
  return result
}

/** times (ms) of `count` publishes of `size` bytes, one at a time, each until the receiver acked it */
async function ackedRoundTrips (pair: SubjectPair, size: number, count: number): Promise<number[]> {
  const message = payload(size)
  const times: number[] = []
  for (let i = 0; i < count; i++) {
    const start = performance.now()
    await pair.send(message)
    times.push(performance.now() - start)
  }
  return times
}

/**
 * `count` publishes of `size` bytes with at most 4 MiB (and 512 messages) of them unacked at a
 * time, timed until every one was acked and the receiver's handler had them all
 */
async function ackedThroughput (pair: SubjectPair, size: number, count: number): Promise<Throughput> {
  const message = payload(size)
  const window = Math.max(1, Math.min(512, Math.floor(4 * 1024 * 1024 / size)))
  const target = pair.seen() + count
  const start = performance.now()
  let next = 0
  await Promise.all(Array.from({ length: Math.min(window, count) }, async () => {
    while (next < count) {
      next++
      await pair.send(message)
    }
  }))
  await pair.whenSeen(target)
  return { size, messages: count, bytes: size * count, ms: performance.now() - start }
}
