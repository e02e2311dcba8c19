/**
 * The plain side of the multi-process testnet (`realmesh testnet --plain`): plain libp2p + kad-dht
 * nodes (../plain.ts) instead of realm nodes, with the same keys, the same TCP on 127.0.0.1 and the
 * same figures, so a realm's scale figures have their reference in the same run conditions. The
 * leader's worker runs the bootstrap node (with the leader's key); every other node dials it
 * until its kad-dht table holds a peer (retried with backoff, as a realm node's bootstrap) and
 * kad-dht's own self-lookups and table
 * refreshes do the rest. A lookup is kad-dht's getClosestPeers for the same bytes a realm node
 * asks for (realm id + "/" + subject, which kad-dht hashes to the subject key), to its end.
 */
import { setTimeout as delay } from 'node:timers/promises'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { closestTo, subjectKey } from '@realmesh/token'
import { closestPeerLookup, createPlainTcpNode, routingTableOf } from '../plain.js'
import { processUsage, tableHealth } from './worker-figures.js'
import type { PlainNode, RoutingTableView } from '../plain.js'
import type { RealmDescriptor } from '@realmesh/token'
import type { LookupAnswer, NodeHealth, NodeSpec, Usage, WorkerInit } from './protocol.js'

/** dial attempts to the bootstrap node, the first 500 ms apart and doubling */
const DIAL_ATTEMPTS = 10
/** how long after a dial kad-dht may take to add the peer to an empty table */
const ADD_WAIT_MS = 15_000

/** resolves true once `table` holds a peer, false after `ms` */
async function tableHoldsAPeer (table: RoutingTableView, ms: number): Promise<boolean> {
  if (table.size > 0) return true
  return new Promise<boolean>(resolve => {
    const timer = setTimeout(() => { stop(); resolve(table.size > 0) }, ms)
    const stop = table.onChange(() => {
      if (table.size === 0) return
      clearTimeout(timer)
      stop()
      resolve(true)
    })
  })
}

export class WorkerPlain {
  readonly nodes = new Map<number, PlainNode>()
  lastChangeAt = 0
  changes = 0
  readonly tableSizes = new Map<number, number>()
  private readonly realm: RealmDescriptor
  private readonly bootstrap: string[]

  constructor (init: WorkerInit) {
    this.realm = init.realm as RealmDescriptor
    this.bootstrap = init.bootstrap
  }

  /** nodes with a peer in their routing table (a plain node has no join) */
  get joined (): number {
    let n = 0
    for (const size of this.tableSizes.values()) if (size > 0) n++
    return n
  }

  async start (init: WorkerInit): Promise<{ leaderAddrs: string[] }> {
    let leaderAddrs: string[] = []
    if (init.leader != null) {
      const node = await this.startNode(init.leader)
      leaderAddrs = node.getMultiaddrs().map(a => a.toString())
    }
    const queue = [...init.nodes]
    await Promise.all(Array.from({ length: Math.max(1, init.concurrency) }, async () => {
      for (let spec = queue.shift(); spec != null; spec = queue.shift()) await this.startNode(spec)
    }))
    return { leaderAddrs }
  }

  async startNode (spec: NodeSpec): Promise<PlainNode> {
    if (this.nodes.has(spec.index)) throw Object.assign(new Error(`node ${spec.index} runs already`), { code: 'TESTNET_NODE_RUNNING' })
    const node = await createPlainTcpNode({ privateKey: privateKeyFromProtobuf(Buffer.from(spec.key, 'base64')), listen: ['/ip4/127.0.0.1/tcp/0'] })
    this.nodes.set(spec.index, node)
    this.tableSizes.set(spec.index, 0)
    await node.start()
    const table = routingTableOf(node.services.dht)
    table.onChange(() => {
      this.lastChangeAt = Date.now()
      this.changes++
      if (this.nodes.get(spec.index) === node) this.tableSizes.set(spec.index, table.size)
    })
    if (spec.index >= 0) void this.dialBootstrap(node)
    return node
  }

  async stopNode (index: number): Promise<void> {
    const node = this.node(index)
    this.nodes.delete(index)
    this.tableSizes.delete(index)
    await node.stop()
  }

  async lookup (index: number, subject: string, timeoutMs: number): Promise<LookupAnswer> {
    const node = this.node(index)
    const started = performance.now()
    const found = await closestPeerLookup(node.services.dht, new TextEncoder().encode(`${this.realm.id}/${subject}`), { signal: AbortSignal.timeout(timeoutMs) })
    // kad-dht never answers with the asker itself; a realm node's lookup may (it coordinates too)
    const closest = found.closest == null ? undefined : closestTo(subjectKey(this.realm.id, subject), [found.closest, node.peerId.toString()], 1)[0]
    return { ...found, closest, hops: closest === node.peerId.toString() ? 0 : found.hops, trace: [], ms: performance.now() - started }
  }

  health (members: string[], k: number): NodeHealth[] {
    const live = new Set(members)
    return [...this.nodes].map(([index, node]) => {
      const table = new Set(routingTableOf(node.services.dht).peers())
      return tableHealth({ index, peerId: node.peerId.toString(), joined: table.size > 0, members: table.size, table }, members, live, k)
    })
  }

  usage (gc: boolean): Usage {
    return processUsage(this.nodes.size, gc)
  }

  /**
   * dials the bootstrap node until this node's kad-dht table holds a peer: a dial can succeed while
   * kad-dht never adds the peer (it pings every new contact first, and identify or that ping time out
   * on a loaded machine), and then nothing else would bring this node in; so after `ADD_WAIT_MS`
   * with an empty table the connection is closed and the dial made again, with backoff
   */
  private async dialBootstrap (node: PlainNode): Promise<void> {
    const address = this.bootstrap[0]
    if (address == null) return
    const table = routingTableOf(node.services.dht)
    for (let attempt = 0; attempt < DIAL_ATTEMPTS && node.status === 'started'; attempt++) {
      if (table.size > 0) return
      try {
        await node.dial(multiaddr(address), { signal: AbortSignal.timeout(30_000) })
        if (await tableHoldsAPeer(table, ADD_WAIT_MS)) return
        await node.hangUp(multiaddr(address)).catch(() => {})
      } catch {
        // refused or timed out: again after the backoff
      }
      await delay(500 * 2 ** attempt)
    }
  }

  private node (index: number): PlainNode {
    const node = this.nodes.get(index)
    if (node == null) throw Object.assign(new Error(`node ${index} does not run in this worker`), { code: 'TESTNET_NO_SUCH_NODE' })
    return node
  }
}
