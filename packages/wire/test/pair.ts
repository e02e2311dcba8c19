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

export interface Connected {
  /** both ends of a new stream on the one connection between the nodes */
  open: () => Promise<{ dialer: Stream, listener: Stream }>
  stop: () => Promise<void>
}

async function node (listen: string[]): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
  })
}

/** two connected nodes; `open` gives the streams one at a time (the fuzz tests open thousands) */
export async function connected (protocol = '/test/frames/1'): Promise<Connected> {
  const a = await node([])
  const b = await node([`/memory/${randomUUID()}`])
  const inbound: Array<(stream: Stream) => void> = []
  await b.handle(protocol, (stream) => { inbound.shift()?.(stream) })
  const connection = await a.dial(b.getMultiaddrs())
  return {
    open: async () => {
      const listener = new Promise<Stream>(resolve => { inbound.push(resolve) })
      const dialer = await connection.newStream(protocol)
      return { dialer, listener: await listener }
    },
    stop: async () => { await Promise.all([a.stop(), b.stop()]) }
  }
}

export async function streamPair (protocol = '/test/frames/1'): Promise<StreamPair> {
  const nodes = await connected(protocol)
  return { ...await nodes.open(), stop: nodes.stop }
}
