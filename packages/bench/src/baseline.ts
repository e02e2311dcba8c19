/**
 * The reference side of every network benchmark: plain libp2p nodes assembled the way a realmesh
 * node assembles its libp2p (packages/node/src/libp2p.ts: TCP + memory, Noise, yamux, and
 * @realmesh/testnet's plainServices: identify, ping, kad-dht in server mode with passthroughMapper,
 * the same connection limits and dht options), minus realmesh: no handshake, no join, no membership gate, identify on connection
 * open, kad-dht on its own protocol id. A network is a bootstrap node plus nodes that dial it,
 * started `concurrency` at a time, as @realmesh/testnet starts a realm (with
 * `dialAfterAllStarted`, as its `joinAfterAllStarted`: all started first, then all dial).
 */
import { randomUUID } from 'node:crypto'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { memory } from '@libp2p/memory'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { PLAIN_LIMITS, plainServices } from '@realmesh/testnet'
import { gossipsub } from '@libp2p/gossipsub'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import type { PlainServices as TestnetPlainServices } from '@realmesh/testnet'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Libp2p } from '@libp2p/interface'

// a type alias (not an interface) so it satisfies libp2p's ServiceMap index signature
export type PlainServices = TestnetPlainServices & {
  /** only on nodes built with `gossipsub: true` */
  pubsub?: GossipSub
}

export type PlainNode = Libp2p<PlainServices>

/** the limits @realmesh/testnet gives realm nodes on one host; the baseline gets the same */
export const LOOPBACK_LIMITS = PLAIN_LIMITS

/**
 * stands in for a realm id in the plain network's lookup keys: `subjectKey(PLAIN_NETWORK_ID, subject)`
 * is the same kind of key (sha256 of `<id>/<subject>`) realmesh looks up for a subject
 */
export const PLAIN_NETWORK_ID = 'bench-plain'

export interface PlainNodeInit {
  listen: string[]
  /** add gossipsub as the `pubsub` service. @default false */
  gossipsub?: boolean
}

export async function createPlainNode (init: PlainNodeInit): Promise<PlainNode> {
  return createLibp2p<PlainServices>({
    start: false,
    privateKey: await generateKeyPair('Ed25519'),
    addresses: { listen: init.listen },
    transports: [tcp(), memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: LOOPBACK_LIMITS,
    services: { ...plainServices(), ...(init.gossipsub === true ? { pubsub: gossipsub() } : {}) }
  })
}

export interface PlainNetworkInit {
  /** nodes besides the bootstrap node */
  size: number
  /** @default 'memory' */
  transport?: 'memory' | 'tcp'
  /** how many nodes start at once (as @realmesh/testnet). @default 8 */
  concurrency?: number
  /** @default false */
  gossipsub?: boolean
  /** start every node first, then let them all dial the bootstrap node at once (as @realmesh/testnet's `joinAfterAllStarted`). @default false */
  dialAfterAllStarted?: boolean
  signal?: AbortSignal
}

export interface PlainNetwork {
  bootstrap: PlainNode
  /** the nodes besides the bootstrap node, in start order */
  nodes: PlainNode[]
  /** the bootstrap node and every other node */
  readonly all: PlainNode[]
  stop(): Promise<void>
}

export async function createPlainNetwork (init: PlainNetworkInit): Promise<PlainNetwork> {
  const transport = init.transport ?? 'memory'
  const listen = (): string[] => transport === 'memory' ? [`/memory/${randomUUID()}`] : ['/ip4/127.0.0.1/tcp/0']
  const bootstrap = await createPlainNode({ listen: listen(), gossipsub: init.gossipsub })
  await bootstrap.start()
  const address = bootstrap.getMultiaddrs()[0]
  if (address == null) throw new Error('the bootstrap node has no listen address')
  const nodes: PlainNode[] = []
  const shutdown = new AbortController()

  const addNode = async (): Promise<void> => {
    const node = await createPlainNode({ listen: listen(), gossipsub: init.gossipsub })
    nodes.push(node)
    await node.start()
    // like a realm node's bootstrap: dial in the background, retried with backoff
    if (init.dialAfterAllStarted !== true) void dialWithRetry(node, address.toString(), shutdown.signal)
  }

  const concurrency = Math.max(1, init.concurrency ?? 8)
  try {
    for (let i = 0; i < init.size; i += concurrency) {
      init.signal?.throwIfAborted()
      await Promise.all(Array.from({ length: Math.min(concurrency, init.size - i) }, addNode))
    }
  } catch (err) {
    shutdown.abort()
    await Promise.allSettled([...nodes, bootstrap].map(async n => n.stop()))
    throw err
  }
  if (init.dialAfterAllStarted === true) {
    for (const node of nodes) void dialWithRetry(node, address.toString(), shutdown.signal)
  }
  return {
    bootstrap,
    nodes,
    get all () { return [bootstrap, ...nodes] },
    stop: async () => {
      shutdown.abort()
      await Promise.allSettled([...nodes, bootstrap].map(async n => n.stop()))
    }
  }
}

async function dialWithRetry (node: PlainNode, address: string, signal: AbortSignal): Promise<void> {
  for (let attempt = 0; attempt < 6 && !signal.aborted; attempt++) {
    try {
      await node.dial(multiaddr(address), { signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]) })
      return
    } catch {
      await new Promise(resolve => setTimeout(resolve, 500 * 2 ** attempt))
    }
  }
}
