/**
 * A realm in one process: a leader (a RealmNode with the LeaderService) and N nodes, on the
 * in-memory transport or TCP on 127.0.0.1, for tests, benchmarks and the demo.
 *
 *   const net = await createTestnet({ size: 10 })
 *   await net.whenJoined()
 *   ...
 *   await net.stop()
 */
import { randomUUID, randomBytes } from 'node:crypto'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createRealmDescriptor, generateNodeKey, issueNodeToken } from '@realmesh/token'
import { createRealmNode, until } from '@realmesh/node'
import { LeaderService } from '@realmesh/leader'
import type { RealmNode, RealmNodeInit } from '@realmesh/node'
import type { TokenPolicy } from '@realmesh/leader'
import type { PeerId, PrivateKey, AbortOptions } from '@libp2p/interface'
import type { RealmDescriptor, RealmPolicy } from '@realmesh/token'
import type { UntilOptions } from '@realmesh/node'

export interface TestnetInit {
  /** nodes besides the leader */
  size: number
  /** @default 'memory' */
  transport?: 'memory' | 'tcp'
  /** realm name. @default 'testnet' */
  name?: string
  /** the leader's token policy. @default { mode: 'auto', joinSecret: <random>, deferred: 'approve' } */
  policy?: Partial<TokenPolicy>
  /** the realm's policy in its descriptor, e.g. `{ broadcast: true }`. @default {} (no broadcast) */
  realmPolicy?: Partial<RealmPolicy>
  /**
   * seconds between the leader's epochs (a new salt for subject positions; only members granted
   * before an epoch coordinate in it, from the realm's second epoch on). @default 0: none (tests
   * compute coordinators from the full member list)
   */
  epochSeconds?: number
  /**
   * how nodes get their node token: issued by the testnet with the leader key before they start
   * ('issued', fast), or asked from the leader with the join secret at start ('request').
   * @default 'issued'
   */
  tokens?: 'issued' | 'request'
  /** how many nodes start at once. @default 8 */
  concurrency?: number
  /**
   * start every node first (listening, not joining), then let them all begin joining at once:
   * the joins of early nodes do not slow the start of later ones (a large in-memory realm).
   * @default false: each node begins joining as it starts
   */
  joinAfterAllStarted?: boolean
  /** extra options for node `index` (0-based), merged over the testnet's */
  node?: (index: number) => Partial<RealmNodeInit>
  signal?: AbortSignal
}

export interface TestnetLeader {
  node: RealmNode
  service: LeaderService
  key: PrivateKey
}

export interface Testnet {
  realm: RealmDescriptor
  leader: TestnetLeader
  /** the nodes besides the leader, in start order */
  nodes: RealmNode[]
  /** the leader's node and every other node */
  readonly all: RealmNode[]
  joinSecret: string
  /** starts one more node (not awaited to join; use its whenJoined) */
  addNode(init?: Partial<RealmNodeInit>): Promise<RealmNode>
  /** a node token signed by the leader (`grantedAt`: the start of its grant, seconds; default its iat) */
  issueToken(peer: PeerId | string, options?: { ttlSeconds?: number, now?: () => number, grantedAt?: number }): Promise<string>
  /** resolves when every node has joined */
  whenJoined(options?: AbortOptions): Promise<void>
  /** resolves when every node's routing table holds at least `size` peers (default: all others) */
  whenRoutingTablesHold(size?: number, options?: UntilOptions): Promise<void>
  stop(): Promise<void>
}

/**
 * connection limits for many nodes on one host: libp2p's per-IP inbound rate limit and the gate's
 * per-address cap on unadmitted connections would refuse them, and one loaded process may take
 * more than the gate's default 5 s to complete a handshake
 */
export const LOOPBACK_LIMITS = { maxConnections: 4096, inboundConnectionThreshold: 100_000, maxIncomingPendingConnections: 256, maxUnadmittedPerAddress: 100_000, maxUnadmitted: 100_000, handshakeDeadlineMs: 30_000 }

export async function createTestnet (init: TestnetInit): Promise<Testnet> {
  const transport = init.transport ?? 'memory'
  const listen = (): string[] => transport === 'memory' ? [`/memory/${randomUUID()}`] : ['/ip4/127.0.0.1/tcp/0']
  const joinSecret = init.policy?.joinSecret ?? randomBytes(16).toString('hex')
  const leaderKey = await generateNodeKey()
  const realm = createRealmDescriptor({ name: init.name ?? 'testnet', leaderKey, policy: init.realmPolicy })
  const leaderPeer = peerIdFromPrivateKey(leaderKey)
  const issueToken = async (peer: PeerId | string, options: { ttlSeconds?: number, now?: () => number, grantedAt?: number } = {}): Promise<string> =>
    issueNodeToken(leaderKey, { realm, subject: peer, ttlSeconds: options.ttlSeconds, now: options.now, grantedAt: options.grantedAt })

  const leaderNode = await createRealmNode({
    realm,
    privateKey: leaderKey,
    nodeToken: await issueToken(leaderPeer),
    listen: listen(),
    bootstrap: [],
    connections: LOOPBACK_LIMITS
  })
  const service = new LeaderService({
    node: leaderNode,
    key: leaderKey,
    realm,
    policy: { mode: 'auto', ttlSeconds: 86_400, deferred: 'approve', ...init.policy, joinSecret },
    epochSeconds: init.epochSeconds ?? 0
  })
  await leaderNode.start()
  await service.start()
  const bootstrap = leaderNode.status().listen
  const nodes: RealmNode[] = []

  let deferJoin = init.joinAfterAllStarted === true
  const addNode = async (extra: Partial<RealmNodeInit> = {}): Promise<RealmNode> => {
    const privateKey = extra.privateKey ?? await generateNodeKey()
    const request = init.tokens === 'request'
    const node = await createRealmNode({
      realm,
      privateKey,
      nodeToken: request ? undefined : await issueToken(peerIdFromPrivateKey(privateKey)),
      tokenRequest: request ? { joinSecret } : undefined,
      listen: listen(),
      bootstrap,
      connections: LOOPBACK_LIMITS,
      joinOnStart: !deferJoin,
      ...extra
    })
    nodes.push(node)
    await node.start()
    return node
  }

  const concurrency = Math.max(1, init.concurrency ?? 8)
  try {
    for (let i = 0; i < init.size; i += concurrency) {
      init.signal?.throwIfAborted()
      await Promise.all(Array.from({ length: Math.min(concurrency, init.size - i) }, async (_, j) => addNode(init.node?.(i + j))))
    }
  } catch (err) {
    await Promise.allSettled([...nodes, leaderNode].map(async n => n.stop()))
    throw err
  }
  if (deferJoin) {
    deferJoin = false
    // joining goes on in the background; a refusal surfaces through whenJoined
    for (const node of nodes) node.joinRealm().catch(() => {})
  }

  const net: Testnet = {
    realm,
    leader: { node: leaderNode, service, key: leaderKey },
    nodes,
    get all () { return [leaderNode, ...nodes] },
    joinSecret,
    addNode,
    issueToken,
    whenJoined: async (options) => { await Promise.all(nodes.map(async n => n.whenJoined(options))) },
    whenRoutingTablesHold: async (size, options) => {
      const all = net.all
      const want = size ?? all.length - 1
      await until(() => all.every(n => n.status().routingTable >= want), all, ['routing:changed'], { what: `every routing table to hold ${want} peers`, ...options })
    },
    stop: async () => {
      await Promise.allSettled(nodes.map(async n => n.stop()))
      await service.stop()
      await leaderNode.stop()
    }
  }
  return net
}
