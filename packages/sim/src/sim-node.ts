/**
 * One simulated member: realmesh's own Membership, Growth (records, join decision, UPDATE, the
 * joiner's iterative self-lookup), Neighbourhood (NLIST rounds) and Liveness (keepalives with
 * piggybacked records), wired the way realm-node.ts wires them, with every libp2p-facing dependency
 * answered by the simulated network (network.ts) and every timer by the simulated clock.
 *
 * Simulated around, not run: the connection gate (handshake + join is a fixed number of round
 * trips, then both sides admit as ConnectionGate.admit does), record and token signatures (a
 * record is valid; verification cost is in the bench's token suite), the peer store and bans.
 * The kad-dht table is kad-dht's own trie (kad-table.ts), written by Membership as in a node.
 */
import { fingerprint } from '@realmesh/token'
import { Growth, Liveness, Membership, Neighbourhood } from '@realmesh/node'
import { simRoutingTable } from './kad-table.js'
import type { GrowthDeps, Member, RoutingTableView, VerifiedRecord } from '@realmesh/node'
import type { PeerRecord } from '@realmesh/wire'
import type { PeerId, Stream } from '@libp2p/interface'
import type { Simulation } from './simulation.js'

/** what a simulated stream carries: who opened it to whom */
export interface SimStream { from: SimNode, to: SimNode }

export interface SimNodeInit {
  k: number
  bucketSize?: number
  keepaliveMs: number
  neighbourhoodMs: number
  /** kad-dht's prefixLength (undefined: kad-dht's own default, 6; Simulation passes realmesh's) */
  kadPrefixLength?: number
}

/** node tokens in the simulation expire long after any run ends (s since the epoch) */
const NEVER = 4_102_444_800
const NO_PEER_STORE: GrowthDeps['libp2p'] = {
  peerStore: {
    merge: async () => undefined as never,
    patch: async () => undefined as never
  }
}
const NEVER_BANNED: GrowthDeps['guard'] = { isBanned: () => false }

export class SimNode {
  readonly peerId: PeerId
  readonly id: string
  readonly fingerprint: Uint8Array
  /** one-way delay between this node and the network's core, ms */
  readonly accessMs: number
  readonly record: PeerRecord
  readonly verified: VerifiedRecord
  readonly identity: Member['identity']
  readonly membership: Membership
  readonly growth: Growth
  readonly neighbourhood: Neighbourhood
  readonly liveness: Liveness
  alive = true
  private readonly kadPrefixLength: number | undefined
  /** the kad-dht routing table (set by start) */
  table: RoutingTableView | undefined
  private readonly shutdown = new AbortController()

  constructor (sim: Simulation, peerId: PeerId, accessMs: number, init: SimNodeInit) {
    this.peerId = peerId
    this.id = peerId.toString()
    this.fingerprint = fingerprint(peerId)
    this.accessMs = accessMs
    this.kadPrefixLength = init.kadPrefixLength
    const claims = { sub: this.id, exp: NEVER } as Member['node']['claims']
    const node = { token: this.id, claims } as Member['node']
    this.identity = { kind: 'node', token: this.id, claims }
    this.record = { nodeToken: this.id, addrs: [], seq: 1n, signature: new Uint8Array(0) }
    this.verified = { peerId, peer: this.id, addrs: [], seq: 1n, node, record: this.record }
    const clock = sim.clock
    this.membership = new Membership({ now: () => clock.now(), routingTable: () => this.table })
    this.membership.addEventListener('peer:joined', () => { sim.membershipChanged('joined') })
    this.membership.addEventListener('peer:left', (e) => { sim.membershipChanged(e.detail.code == null ? e.detail.reason : `${e.detail.reason} (${e.detail.code})`) })
    const stream = (peer: PeerId): Stream => sim.network.stream(this, peer) as unknown as Stream
    this.growth = new Growth({
      self: peerId,
      libp2p: NO_PEER_STORE,
      membership: this.membership,
      guard: NEVER_BANNED,
      records: { verify: async (record) => sim.verify(record) },
      peers: { send: async (open, request, options) => sim.network.peersRequest(await open(options ?? {}) as unknown as SimStream, request) },
      now: () => clock.now(),
      running: () => this.alive,
      shutdown: () => this.shutdown.signal,
      connect: async (peer) => sim.connect(this, peer),
      openStream: async (peer) => stream(peer),
      admissionMs: 60_000,
      ownRecord: () => this.record,
      drop: async (peer, reason) => { sim.drop(this, peer, reason) },
      offence: () => {},
      renewed: () => {}
    }, { k: init.k, bucketSize: init.bucketSize })
    this.neighbourhood = new Neighbourhood({
      closest: (count) => this.membership.closest(this.fingerprint, count),
      nlist: async (member, options) => this.growth.nlist(async () => stream(member.peerId), options, member.peerId),
      onRecords: async (records, member) => { await this.growth.onRecords(records, member.peerId) },
      reconsider: () => { this.growth.reconsider() },
      memberCount: () => this.membership.size,
      timers: clock,
      now: () => clock.now()
    }, { intervalMs: init.neighbourhoodMs })
    this.membership.addEventListener('peer:left', () => { this.neighbourhood.nudge() })
    this.liveness = new Liveness({
      membership: this.membership,
      now: () => clock.now(),
      send: async (member, records) => sim.network.keepalive(this, member.peerId, records),
      piggyFor: (member, count) => this.growth.piggyFor(member.fingerprint, member.id, count),
      onPiggy: async (records, member) => { await this.growth.onRecords(records, member.peerId) },
      onTimeout: (member) => { sim.drop(this, member.peerId, 'timeout') },
      onAlive: () => {},
      far: (member) => !this.membership.near(this.fingerprint, init.k).has(member.id) && this.growth.nothingFor(member.id),
      timers: clock
    }, { intervalMs: init.keepaliveMs })
  }

  /** what ConnectionGate.admit hands to membership for this node, seen from the other side */
  admitInit (): Parameters<Membership['admit']>[0] {
    return { peerId: this.peerId, node: this.verified.node, identity: this.identity, addrs: [], record: this.record, recordSeq: this.record.seq }
  }

  /** joins the realm through `bootstrap` (none: the first member), then runs its rounds and keepalives */
  async start (sim: Simulation, bootstrap?: SimNode): Promise<void> {
    this.table = await simRoutingTable(this.peerId, sim.k, (peer) => sim.get(peer.toString())?.alive === true, this.kadPrefixLength)
    this.liveness.start()
    if (bootstrap == null) {
      this.neighbourhood.start()
      return
    }
    try {
      await sim.connect(this, bootstrap.peerId)
    } finally {
      if (this.alive) this.neighbourhood.start()
    }
  }

  /** the process is gone: its timers stop, and its connections close (sim.kill tells the members) */
  stop (): void {
    this.alive = false
    this.neighbourhood.stop()
    this.liveness.stop()
    this.shutdown.abort()
  }
}
