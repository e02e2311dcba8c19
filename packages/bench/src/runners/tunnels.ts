/**
 * The tunnel scenario, every node in a process of its own (runners/tunnel-peer.ts), TCP on
 * 127.0.0.1, the sides measured in interleaved rounds so that whatever else the machine does slows
 * every side alike:
 *   - tunnel: two realm members (tokens issued here with a fresh leader key; no leader runs); one
 *     exposes a TCP echo and a TCP sink service run by this process (runners/sockets.ts), the other
 *     forwards a local port to each (node.tunnels.forward, what `realmesh tunnel` runs); this
 *     process is the client: client -> TCP -> forwarding member -> /realmesh/tunnel/1 stream ->
 *     exposing member -> TCP -> service;
 *   - plain stream: the same echo and sink protocols on a plain libp2p stream between two plain
 *     nodes, measured by the sending node's own process (the application is the node there);
 *   - plain TCP: this process straight to the same services.
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createRealmDescriptor, generateNodeKey, issueNodeToken } from '@realmesh/token'
import { SocketSender, tcpEcho, tcpSink } from './sockets.js'
import { measureSide } from './tunnel-measures.js'
import type { ChildProcess } from 'node:child_process'
import type { Measure, Open } from './tunnel-measures.js'
import type { PeerCommand } from './tunnel-peer.js'
import type { Throughput } from './streams.js'
import type { TunnelsJob } from '../jobs.js'

const WARMUP_ROUND_TRIPS = 50

export interface SideTunnels {
  /** every measured round trip on an open connection (ms) */
  echoMs: number[]
  /** every new connection's time to its first echo (ms) */
  connectMs: number[]
  /** one per round: a single connection */
  throughput: Throughput[]
  /** one per round: `parallel` connections at once (bytes: all of them; ms: until the last is done) */
  parallel: Throughput[]
}

export interface TunnelsResult {
  rounds: number
  tunnel: SideTunnels
  plain: SideTunnels
  tcp: SideTunnels
}

const log = (message: string): void => {
  process.stderr.write(`  [tunnels] ${message}\n`)
}

/** a node in a child process, and its one command at a time */
class Peer {
  private readonly child: ChildProcess
  constructor () {
    this.child = fork(fileURLToPath(new URL('./tunnel-peer.js', import.meta.url)), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  }

  async run<T> (command: PeerCommand): Promise<T> {
    return new Promise((resolve, reject) => {
      const onExit = (): void => { reject(new Error(`the ${command.op} process exited`)) }
      this.child.once('exit', onExit)
      this.child.once('message', (answer: { ok: boolean, value?: unknown, error?: string }) => {
        this.child.off('exit', onExit)
        if (answer.ok) resolve(answer.value as T)
        else reject(new Error(answer.error))
      })
      this.child.send(command)
    })
  }

  kill (): void {
    this.child.kill('SIGKILL')
  }
}

export async function runTunnels (job: TunnelsJob): Promise<TunnelsResult> {
  const echo = await tcpEcho()
  const sink = await tcpSink()
  const peers = Array.from({ length: 4 }, () => new Peer())
  const [exposing, forwarding, receiver, sender] = peers as [Peer, Peer, Peer, Peer]
  try {
    const leaderKey = await generateNodeKey()
    const realm = createRealmDescriptor({ name: 'bench-tunnels', leaderKey })
    const [exposingKey, forwardingKey] = await Promise.all([generateNodeKey(), generateNodeKey()])
    const member = async (key: typeof leaderKey): Promise<{ realm: unknown, key: string, token: string }> =>
      ({ realm, key: Buffer.from(privateKeyToProtobuf(key)).toString('base64'), token: await issueNodeToken(leaderKey, { realm, subject: peerIdFromPrivateKey(key) }) })
    const exposed = await exposing.run<{ addrs: string[] }>({ op: 'expose', ...await member(exposingKey), services: { echo: echo.port, sink: sink.port } })
    const forwards = await forwarding.run<{ echo: number, sink: number }>({ op: 'forward', ...await member(forwardingKey), bootstrap: exposed.addrs, target: peerIdFromPrivateKey(exposingKey).toString() })
    const plain = await receiver.run<{ addrs: string[] }>({ op: 'plain-receiver' })
    await sender.run({ op: 'plain-sender', target: plain.addrs })

    const result: TunnelsResult = { rounds: job.rounds, tunnel: empty(), plain: empty(), tcp: empty() }
    const through = (open: Open) => async (measure: Measure): Promise<unknown> => measureSide(measure, open)
    const sides: Array<[SideTunnels, (measure: Measure) => Promise<unknown>]> = [
      [result.tunnel, through(async (service) => SocketSender.connect(forwards[service]))],
      [result.plain, async (measure) => sender.run({ op: 'measure', measure })],
      [result.tcp, through(async (service) => SocketSender.connect(service === 'echo' ? echo.port : sink.port))]
    ]
    const size = job.throughput.size
    const count = Math.ceil(job.throughput.bytes / size)
    for (const [, measure] of sides) {
      await measure({ what: 'echo', size: job.echo.size, count: WARMUP_ROUND_TRIPS })
      await measure({ what: 'sink', size, count: Math.ceil(count / 8) })
    }
    for (let round = 0; round < job.rounds; round++) {
      const order = sides.map((_, i) => sides[(i + round) % sides.length]).filter(s => s != null)
      for (const [into, measure] of order) {
        into.echoMs.push(...await measure({ what: 'echo', size: job.echo.size, count: Math.ceil(job.echo.count / job.rounds) }) as number[])
        into.connectMs.push(...await measure({ what: 'connect', size: job.echo.size, count: Math.ceil(job.connects / job.rounds) }) as number[])
        into.throughput.push(await measure({ what: 'sink', size, count }) as Throughput)
        into.parallel.push(await measure({ what: 'parallel', size, count, connections: job.parallel }) as Throughput)
      }
      log(`round ${round + 1} of ${job.rounds} done`)
    }
    return result
  } finally {
    for (const peer of peers) peer.kill()
    await Promise.allSettled([echo.close(), sink.close()])
  }
}

function empty (): SideTunnels {
  return { echoMs: [], connectMs: [], throughput: [], parallel: [] }
}
