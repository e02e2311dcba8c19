/**
 * One node of the tunnel scenario in a process of its own (child_process.fork from
 * runners/tunnels.ts), so that each node has a core's worth of event loop, as separate daemons
 * and applications do. Commands come as IPC messages, each answered with { ok, value } or
 * { ok: false, error }:
 *   { op: 'expose', realm, key, token, services }        a realm member exposing the echo and sink services
 *   { op: 'forward', realm, key, token, bootstrap, target } a realm member forwarding a local port to each
 *   { op: 'plain-receiver' }                            a plain node serving the echo and sink protocols
 *   { op: 'plain-sender', target }                      a plain node that measures them (then 'measure')
 *   { op: 'measure', what, size, count, connections }   on the plain sender: round trips, connects, throughput
 */
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { parseRealmDescriptor } from '@realmesh/token'
import { createRealmNode } from '@realmesh/node'
import { createPlainNode, LOOPBACK_LIMITS } from '../baseline.js'
import { Sender, serveEcho, serveSink } from './streams.js'
import { measureSide } from './tunnel-measures.js'
import type { Measure } from './tunnel-measures.js'
import type { PlainNode } from '../baseline.js'
import type { Multiaddr } from '@multiformats/multiaddr'

export const ECHO = '/bench/echo/1'
export const SINK = '/bench/sink/1'

export type PeerCommand =
  | { op: 'expose', realm: unknown, key: string, token: string, services: { echo: number, sink: number } }
  | { op: 'forward', realm: unknown, key: string, token: string, bootstrap: string[], target: string }
  | { op: 'plain-receiver' }
  | { op: 'plain-sender', target: string[] }
  | { op: 'measure', measure: Measure }

let sender: { node: PlainNode, target: Multiaddr[] } | undefined

async function realmNode (command: { realm: unknown, key: string, token: string, bootstrap?: string[] }): Promise<Awaited<ReturnType<typeof createRealmNode>>> {
  const node = await createRealmNode({
    realm: parseRealmDescriptor(command.realm),
    privateKey: privateKeyFromProtobuf(Buffer.from(command.key, 'base64')),
    nodeToken: command.token,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: command.bootstrap ?? [],
    renewToken: false,
    connections: { ...LOOPBACK_LIMITS, maxUnadmittedPerAddress: 100_000, maxUnadmitted: 100_000 }
  })
  await node.start()
  return node
}

async function run (command: PeerCommand): Promise<unknown> {
  switch (command.op) {
    case 'expose': {
      const node = await realmNode(command)
      node.tunnels.expose({ name: 'echo', host: '127.0.0.1', port: command.services.echo })
      node.tunnels.expose({ name: 'sink', host: '127.0.0.1', port: command.services.sink })
      return { addrs: node.status().listen }
    }
    case 'forward': {
      const node = await realmNode(command)
      await node.whenJoined({ signal: AbortSignal.timeout(60_000) })
      const echo = await node.tunnels.forward({ target: command.target, service: 'echo' })
      const sink = await node.tunnels.forward({ target: command.target, service: 'sink' })
      return { echo: echo.port, sink: sink.port }
    }
    case 'plain-receiver': {
      const node = await createPlainNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
      await node.start()
      await node.handle(ECHO, serveEcho, { maxInboundStreams: 1024 })
      await node.handle(SINK, serveSink, { maxInboundStreams: 1024 })
      return { addrs: node.getMultiaddrs().map(String) }
    }
    case 'plain-sender': {
      const node = await createPlainNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
      await node.start()
      sender = { node, target: command.target.map(a => multiaddr(a)) }
      return {}
    }
    case 'measure': {
      const plain = sender
      if (plain == null) throw new Error('measure before plain-sender')
      return measureSide(command.measure, async (service) => new Sender(await plain.node.dialProtocol(plain.target, service === 'echo' ? ECHO : SINK, { signal: AbortSignal.timeout(30_000), maxOutboundStreams: 1024 })))
    }
  }
}

process.on('unhandledRejection', () => {})
// the scenario went away (or is done with this node): nothing here is worth keeping
process.on('disconnect', () => { process.exit(0) })
process.on('message', (command: PeerCommand) => {
  run(command).then(
    (value) => { process.send?.({ ok: true, value }) },
    (err: Error) => { process.send?.({ ok: false, error: err.stack ?? String(err) }) }
  )
})
