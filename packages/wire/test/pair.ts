// Two real libp2p nodes on the in-memory transport (Noise + yamux), and a way to get both ends of
// a stream between them: the framing tests run on the same streams the protocols do.
import { createLibp2p } from 'libp2p'
import { memory } from '@libp2p/memory'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { randomUUID } from 'node:crypto'
import type { Libp2p, Stream } from '@libp2p/interface'

export interface StreamPair {
  dialer: Stream
  listener: Stream
  stop(): Promise<void>
}

async function node (listen: string[]): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
  })
}

export async function streamPair (protocol = '/test/frames/1'): Promise<StreamPair> {
  const a = await node([])
  const b = await node([`/memory/${randomUUID()}`])
  const inbound = Promise.withResolvers<Stream>()
  await b.handle(protocol, (stream) => { inbound.resolve(stream) })
  const dialer = await a.dialProtocol(b.getMultiaddrs(), protocol)
  const listener = await inbound.promise
  return {
    dialer,
    listener,
    stop: async () => { await Promise.all([a.stop(), b.stop()]) }
  }
}
