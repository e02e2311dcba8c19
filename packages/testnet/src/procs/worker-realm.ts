/**
 * The nodes one worker process runs (and, in the leader's worker, the leader), and what the parent
 * may ask of them. Every node listens on TCP 127.0.0.1 and bootstraps from the leader.
 */
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { createRealmNode, openStore } from '@realmesh/node'
import { LeaderService } from '@realmesh/leader'
import { LOOPBACK_LIMITS } from '../testnet.js'
import { coordinatorLookup } from './lookup.js'
import { processUsage, tableHealth } from './worker-figures.js'
import { DurableConsumers } from './durable-consumers.js'
import type { NodeStore, RealmNode } from '@realmesh/node'
import type { RealmDescriptor } from '@realmesh/token'
import type { DurableRead, DurableSpec, LookupAnswer, NodeHealth, NodeOptions, NodeSpec, PublishAnswer, Usage, WorkerInit } from './protocol.js'

/** most sequence numbers kept per subscription (a churn run sends a few thousand per subject) */
const MAX_RECEIVED = 100_000

export class WorkerRealm {
  readonly nodes = new Map<number, RealmNode>()
  lastChangeAt = 0
  changes = 0
  /** each running node's routing table size, from its `routing:changed` events (cheaper than asking) */
  readonly tableSizes = new Map<number, number>()
  private readonly arrived = new Map<string, Set<number>>()
  /** the open stores of nodes that have one */
  private readonly stores = new Map<number, NodeStore>()
  private readonly durables = new DurableConsumers()
  private readonly realm: RealmDescriptor
  private readonly bootstrap: string[]
  private readonly nodeOptions: NodeOptions
  private leader: LeaderService | undefined

  constructor (init: WorkerInit) {
    this.realm = init.realm as RealmDescriptor
    this.bootstrap = init.bootstrap
    this.nodeOptions = init.nodeOptions
  }

  /** nodes here that joined the realm */
  get joined (): number {
    let n = 0
    for (const node of this.nodes.values()) if (node.joined) n++
    return n
  }

  /** starts the leader (if any) and the nodes, `concurrency` at a time */
  async start (init: WorkerInit): Promise<{ leaderAddrs: string[] }> {
    let leaderAddrs: string[] = []
    if (init.leader != null) {
      const node = await this.startNode(init.leader)
      const key = privateKeyFromProtobuf(Buffer.from(init.leader.key, 'base64'))
      this.leader = new LeaderService({ node, key, realm: this.realm, policy: { mode: 'auto', ttlSeconds: 86_400, deferred: 'approve', joinSecret: init.leader.joinSecret }, epochSeconds: 0 })
      await this.leader.start()
      leaderAddrs = node.status().listen
    }
    const queue = [...init.nodes]
    await Promise.all(Array.from({ length: Math.max(1, init.concurrency) }, async () => {
      for (let spec = queue.shift(); spec != null; spec = queue.shift()) await this.startNode(spec)
    }))
    return { leaderAddrs }
  }

  async startNode (spec: NodeSpec): Promise<RealmNode> {
    if (this.nodes.has(spec.index)) throw Object.assign(new Error(`node ${spec.index} runs already`), { code: 'TESTNET_NODE_RUNNING' })
    const store = spec.store == null ? undefined : await openStore(spec.store)
    const node = await createRealmNode({
      realm: this.realm,
      privateKey: privateKeyFromProtobuf(Buffer.from(spec.key, 'base64')),
      nodeToken: spec.token,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      bootstrap: spec.index < 0 ? [] : this.bootstrap,
      connections: LOOPBACK_LIMITS,
      ...(store == null ? {} : { store: store.datastore }),
      ...this.nodeOptions
    }).catch(async (err: unknown) => {
      await store?.close()
      throw err
    })
    if (store != null) this.stores.set(spec.index, store)
    node.addEventListener('routing:changed', (evt) => {
      this.lastChangeAt = Date.now()
      this.changes++
      if (this.nodes.get(spec.index) === node) this.tableSizes.set(spec.index, evt.detail)
    })
    this.nodes.set(spec.index, node)
    this.tableSizes.set(spec.index, 0)
    this.durables.begin(spec.index, node)
    await node.start()
    // loaded from the store by start(): each consumer is handed what it kept, then what comes
    for (const durable of spec.durable ?? []) await this.durables.attach(spec.index, node, durable)
    return node
  }

  /** stops a node: `abrupt` stops its libp2p without a LEAVE to anyone (as a crash would) */
  async stopNode (index: number, abrupt: boolean): Promise<void> {
    const node = this.node(index)
    this.nodes.delete(index)
    this.tableSizes.delete(index)
    for (const key of this.arrived.keys()) if (key.startsWith(`${index}/`)) this.arrived.delete(key)
    this.durables.forget(index)
    if (abrupt) await node.libp2p.stop()
    else await node.stop()
    // abrupt: whatever the node still writes fails; what it wrote before is on disk, as after a crash
    await this.stores.get(index)?.close()
    this.stores.delete(index)
  }

  async lookup (index: number, subject: string, timeoutMs: number): Promise<LookupAnswer> {
    const started = performance.now()
    const found = await coordinatorLookup(this.node(index), subject, { signal: AbortSignal.timeout(timeoutMs + 5_000), timeoutMs })
    return { ...found, ms: performance.now() - started }
  }

  /** each node's table against the true k closest of `members` (every live member, this worker's included) */
  health (members: string[], k: number): NodeHealth[] {
    const live = new Set(members)
    return [...this.nodes].map(([index, node]) => {
      const status = node.status()
      return tableHealth({ index, peerId: node.peerId.toString(), joined: status.joined, members: status.members.length, table: new Set(node.routingPeers()) }, members, live, k)
    })
  }

  usage (gc: boolean): Usage {
    return processUsage(this.nodes.size, gc)
  }

  /** subscribes node `index` to `subject`, keeping the sequence numbers of what arrives */
  async subscribe (index: number, subject: string): Promise<void> {
    const seen = new Set<number>()
    this.arrived.set(`${index}/${subject}`, seen)
    await this.node(index).subscribe(subject, (message) => {
      if (seen.size < MAX_RECEIVED) seen.add(Number(new TextDecoder().decode(message.data)))
    }, { signal: AbortSignal.timeout(60_000) })
  }

  /** publishes `seq` on `subject` from node `index`, acked by the receiver (`ttlMs`: the message's, else the node's default) */
  async publish (index: number, subject: string, seq: number, timeoutMs: number, ttlMs?: number): Promise<PublishAnswer> {
    const result = await this.node(index).publish(subject, new TextEncoder().encode(String(seq)), { ack: 'destination', ttlMs, signal: AbortSignal.timeout(timeoutMs) })
    const first = result.results?.[0]
    return first == null ? { status: 'no-receiver', ...(result.code == null ? {} : { code: result.code }) } : { status: first.status, code: first.code }
  }

  /** creates durable subscription `durable` on node `index` (or finds it) and attaches its consumer */
  async durableSubscribe (index: number, durable: DurableSpec): Promise<void> {
    await this.durables.attach(index, this.node(index), durable)
  }

  async durableRead (index: number, name: string, timeoutMs: number, registered: boolean): Promise<DurableRead> {
    return this.durables.read(index, this.node(index), name, timeoutMs, registered)
  }

  received (index: number, subject: string): number[] {
    return [...this.arrived.get(`${index}/${subject}`) ?? []]
  }

  coordinators (index: number, subject: string): string[] {
    return this.node(index).subjects().find(s => s.subject === subject)?.coordinators ?? []
  }

  private node (index: number): RealmNode {
    const node = this.nodes.get(index)
    if (node == null) throw Object.assign(new Error(`node ${index} does not run in this worker`), { code: 'TESTNET_NO_SUCH_NODE' })
    return node
  }
}
