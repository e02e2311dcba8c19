/**
 * A realm of simulated members in one process: creates members with seeded peer ids, joins them
 * through a random member already in (the first one is alone), connects and drops them as the
 * connection gate would, and runs the simulated clock until the realm is quiet.
 */
import { DEFAULT_KAD_PREFIX_LENGTH, decideJoin } from '@realmesh/node'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { SimClock } from './clock.js'
import { Keyspace } from './keyspace.js'
import { SimNetwork, SimUnreachableError } from './network.js'
import { Random } from './random.js'
import { SimNode } from './sim-node.js'
import type { SimNodeInit } from './sim-node.js'
import type { LeaveReason, VerifiedRecord } from '@realmesh/node'
import type { PeerRecord } from '@realmesh/wire'
import type { PeerId } from '@libp2p/interface'

export interface SimulationInit {
  /** seeds peer ids, delays, join order and lookups. @default 1 */
  seed?: number
  /** kad-dht's k: neighbourhood size and NLIST count. @default 20 (realmesh's) */
  k?: number
  /** members per far bucket. @default realmesh's (a quarter of k, at least 3) */
  bucketSize?: number
  /** keepalive interval, ms. @default 30000 (realmesh's) */
  keepaliveMs?: number
  /** steady neighbourhood round interval, ms. @default 30000 (realmesh's) */
  neighbourhoodMs?: number
  /** one-way delay between two members: the sum of two access delays drawn in [min, max] / 2 each. @default [10, 80] */
  delayMs?: [number, number]
  /** kad-dht's `prefixLength` for every member's table. @default realmesh's (DEFAULT_KAD_PREFIX_LENGTH, 16) */
  kadPrefixLength?: number
}

export class Simulation {
  readonly clock = new SimClock()
  readonly network: SimNetwork
  readonly random: Random
  private readonly nodes = new Map<string, SimNode>()
  private readonly live: SimNode[] = []
  private readonly nodeInit: SimNodeInit
  private readonly delayMs: [number, number]
  /** membership changes (a member admitted or dropped, anywhere) */
  changes = 0
  /** the changes since the last takeChanges(), by kind (a handful of keys) */
  private readonly changesBy = new Map<string, number>()
  /** simulated time of the last membership change, ms */
  lastChangeAt = 0
  /** connections admitted (both sides) and failed */
  admissions = 0
  failedDials = 0

  constructor (init: SimulationInit = {}) {
    this.random = new Random(init.seed ?? 1)
    this.network = new SimNetwork(this.clock, (peer) => this.nodes.get(peer))
    this.delayMs = init.delayMs ?? [10, 80]
    this.nodeInit = { k: init.k ?? 20, bucketSize: init.bucketSize, keepaliveMs: init.keepaliveMs ?? 30_000, neighbourhoodMs: init.neighbourhoodMs ?? 30_000, kadPrefixLength: init.kadPrefixLength ?? DEFAULT_KAD_PREFIX_LENGTH }
  }

  get k (): number {
    return this.nodeInit.k
  }

  /** the members that run now */
  members (): readonly SimNode[] {
    return this.live
  }

  get (peer: string): SimNode | undefined {
    return this.nodes.get(peer)
  }

  membershipChanged (why: string): void {
    this.changes++
    this.lastChangeAt = this.clock.now()
    this.changesBy.set(why, (this.changesBy.get(why) ?? 0) + 1)
  }

  /** the membership changes so far by kind ('joined', or a LeaveReason), and starts counting anew */
  takeChanges (): Record<string, number> {
    const counts = Object.fromEntries(this.changesBy)
    this.changesBy.clear()
    return counts
  }

  /** a new member (not started) */
  create (): SimNode {
    const peerId = peerIdFromPublicKey(publicKeyFromRaw(this.random.bytes(32)))
    const [min, max] = this.delayMs
    const node = new SimNode(this, peerId, (min + this.random.next() * (max - min)) / 2, this.nodeInit)
    this.nodes.set(node.id, node)
    return node
  }

  /** creates a member and joins it through a random member (the first joins nobody) */
  join (): SimNode {
    const bootstrap = this.live.length === 0 ? undefined : this.live[this.random.int(this.live.length)]
    const node = this.create()
    this.live.push(node)
    void node.start(this, bootstrap).catch(() => { this.failedDials++ })
    return node
  }

  /**
   * `count` joins spread evenly over `overMs` of simulated time, then returns (the clock has run
   * that long, or until `stop` said so: then the joins not yet made are never made)
   */
  async joinMany (count: number, overMs: number, stop?: () => boolean): Promise<void> {
    const gap = count <= 1 ? 0 : overMs / count
    let stopped = false
    for (let i = 0; i < count; i++) this.clock.setTimeout(() => { if (!stopped) this.join() }, i * gap)
    await this.clock.runUntil(this.clock.now() + overMs, stop)
    stopped = true
  }

  /**
   * A warm start (`pnpm sim --start warm`): `count` members, every one running from the start.
   * In a random order, each is handed the records of its true k closest members and of up to
   * `perBucket` random members in each of its buckets (what a converged realm would have told it;
   * a member hears far more records than it joins), closest first, and realmesh's own join
   * decision (`decideJoin`, over its table as it stands) says which it joins; a join admits both
   * sides at once, as the gate would after the handshake, without the network time, the responder's
   * UPDATEs or the joiner's self-lookup (the records they would spread were handed to everyone).
   * Then the realm runs as any other: keepalives and their piggybacks, NLIST rounds, evictions,
   * and joins of records heard there, until no table changes (Simulation.settle).
   */
  async warmStart (count: number, perBucket: number): Promise<void> {
    const nodes: SimNode[] = []
    for (let i = 0; i < count; i++) {
      const node = this.create()
      this.live.push(node)
      nodes.push(node)
    }
    await Promise.all(nodes.map(async (node) => node.start(this)))
    const space = new Keyspace(nodes.map(node => ({ key: node.fingerprint, item: node })))
    const depths = space.bucketDepths
    const k = this.nodeInit.k
    const bucketSize = this.nodeInit.bucketSize
    const order = [...nodes]
    for (let i = order.length - 1; i > 0; i--) {
      const j = this.random.int(i + 1)
      const swap = order[i] as SimNode
      order[i] = order[j] as SimNode
      order[j] = swap
    }
    for (const [i, node] of order.entries()) {
      // the kad-dht tables' adds are asynchronous: let them finish now and then, or a large realm
      // holds millions of their pending promises at once (twice the tables' own heap at 1,000)
      if (i % 64 === 63) await new Promise<void>(resolve => { setImmediate(resolve) })
      const handed = new Set<SimNode>(space.closest(node.fingerprint, k + 1).filter(n => n !== node))
      for (let depth = 0; depth < depths; depth++) {
        const [lo, hi] = space.bucketRange(node.fingerprint, depth)
        if (hi - lo <= perBucket) {
          for (let at = lo; at < hi; at++) handed.add(space.itemAt(at))
          continue
        }
        const picked = new Set<number>()
        while (picked.size < perBucket) picked.add(lo + this.random.int(hi - lo))
        for (const at of picked) handed.add(space.itemAt(at))
      }
      for (const other of handed) {
        if (node.membership.has(other.id)) continue
        const verdict = decideJoin(other.fingerprint, node.fingerprint, node.membership.list(), { k, bucketSize, view: node.membership.tableView(node.fingerprint, k) })
        // 'replaces-unhealthy' needs an unhealthy member, which a realm that has just started has not
        if (verdict !== 'neighbourhood' && verdict !== 'bucket-space') continue
        node.membership.admit(other.admitInit())
        other.membership.admit(node.admitInit())
        this.admissions++
      }
    }
  }

  /** the member's process is gone: its connections close, and every member of it sees that a delay later */
  kill (node: SimNode): void {
    if (!node.alive) return
    node.stop()
    const at = this.live.indexOf(node)
    if (at >= 0) this.live.splice(at, 1)
    for (const member of node.membership.list()) {
      const other = this.nodes.get(member.id)
      if (other == null) continue
      this.clock.setTimeout(() => { this.endAt(other, node, 'disconnect') }, this.network.oneWay(node, other))
    }
  }

  /**
   * Runs until no membership changed anywhere for `quietMs` (simulated, counted from now at the
   * earliest), or `maxMs` passed, or `stop` says so.
   * Returns whether it became quiet.
   */
  async settle (quietMs: number, maxMs: number, stop?: () => boolean): Promise<boolean> {
    const from = this.clock.now()
    const deadline = from + maxMs
    while (this.clock.now() < deadline && stop?.() !== true) {
      // at least one quiet window from now: what was just done (a join, a kill) changes tables later
      const quietAt = Math.max(this.lastChangeAt, from) + quietMs
      if (quietAt <= this.clock.now()) return true
      await this.clock.runUntil(Math.min(quietAt, deadline), stop)
    }
    return Math.max(this.lastChangeAt, from) + quietMs <= this.clock.now()
  }

  /** records carry the peer id as their token text: the member's verified record */
  async verify (record: PeerRecord): Promise<VerifiedRecord> {
    const node = this.nodes.get(record.nodeToken)
    if (node == null) throw new SimUnreachableError('unknown record')
    return node.verified
  }

  /**
   * `from` dials `peer` and both are admitted: a connection and the handshake take two round
   * trips, the join request one way; the responder admits and answers (telling the joiner's
   * closest members, Growth.answered), and the initiator admits when the answer arrives.
   */
  async connect (from: SimNode, peer: PeerId): Promise<void> {
    const to = this.nodes.get(peer.toString())
    if (to == null) throw new SimUnreachableError('unknown peer')
    const delay = this.network.oneWay(from, to)
    await this.clock.sleep(5 * delay)
    if (!to.alive || !from.alive) {
      this.failedDials++
      throw new SimUnreachableError('dial failed')
    }
    const seqBefore = to.growth.recordSeqOf(from.peerId)
    to.membership.admit(from.admitInit())
    to.growth.forget(from.id)
    to.growth.answered(from.peerId, { identity: from.identity, record: from.verified }, seqBefore)
    await this.clock.sleep(delay)
    if (!from.alive) throw new SimUnreachableError('gone')
    if (!to.alive) {
      this.failedDials++
      throw new SimUnreachableError('dial failed')
    }
    from.membership.admit(to.admitInit())
    this.admissions++
    from.growth.admittedAsInitiator({ remotePeer: to.peerId, newStream: async () => this.network.stream(from, to.peerId) as never })
  }

  /** `node` ends `peer`'s membership (gate.end): here now, and at the peer a delay later (it sees the disconnect) */
  drop (node: SimNode, peer: PeerId, reason: LeaveReason): void {
    const other = this.nodes.get(peer.toString())
    this.endAt(node, other ?? undefined, reason, peer)
    if (other == null || !other.alive) return
    this.clock.setTimeout(() => { this.endAt(other, node, 'disconnect') }, this.network.oneWay(node, other))
  }

  private endAt (at: SimNode, peer: SimNode | undefined, reason: LeaveReason, peerId?: PeerId): void {
    const id = peer?.peerId ?? peerId
    if (id == null || !at.alive) return
    at.growth.forget(id.toString())
    at.membership.remove(id, reason)
  }
}
