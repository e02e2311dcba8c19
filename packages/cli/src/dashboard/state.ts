/**
 * One picture of the daemon for the dashboard and `realmesh top` (GET /dashboard/state, and each
 * server-sent event): who it is, its members placed on the XOR key space, its k-buckets, its
 * subjects with their coordinators and counterparts, the subjects it coordinates, bans, rates over
 * the last minutes, and on the leader the pending requests and revocations. Every list is capped
 * (the `truncated` counts say by how much), so the picture stays small in any realm.
 */
import { fingerprint } from '@realmesh/token'
import { revocationToJson } from '@realmesh/node'
import { VERSION } from '../version.js'
import type { LeaderService } from '@realmesh/leader'
import type { RealmNode, RevocationJson } from '@realmesh/node'
import type { Role } from '../api/routes/status.js'
import type { RateRing, RateSeries } from './rate-ring.js'
import type { Totals } from './counters.js'

export const STATE_LIMITS = { members: 1024, routing: 1024, subjects: 256, counterparts: 64, coordinating: 256, bans: 256, pending: 256, revocations: 256 } as const

export interface PlacedPeer {
  peerId: string
  /** where its fingerprint sits on the key space, as a fraction of it (its first 48 bits / 2^48) */
  position: number
  /** the k-bucket it falls in seen from this node: the bits its fingerprint shares with this node's from the left */
  bucket: number
}

export interface MemberState extends PlacedPeer {
  /** in this node's kad-dht routing table */
  routed: boolean
  latencyMs: number | null
  /** ms since the epoch */
  lastSeen: number
}

export interface DashboardState {
  at: number
  role: Role
  version: string
  peerId: string
  realm: string
  realmName: string
  joined: boolean
  self: { position: number }
  members: MemberState[]
  /** routing-table peers by bucket, the deepest (closest) first */
  buckets: Array<{ bucket: number, peers: string[] }>
  subjects: Array<{ subject: string, key: string, role: string, epoch: number, coordinators: string[], counterparts: Array<{ identity: string, peer: string, role: string }> }>
  /** subject keys this node is a coordinator replica of, and how many interests it holds for each */
  coordinating: Array<{ key: string, interests: number }>
  bans: Array<{ peer: string, reason: string, until: number }>
  /** the counters since the daemon started */
  totals: Totals
  rates: RateSeries
  /** how far apart the rate samples are, ms */
  rateIntervalMs: number
  leader?: {
    pending: Array<{ id: string, kind: string, peer: string, requestedAt: string, identity?: string, address?: string }>
    revocations: RevocationJson[]
    revokedPeers: Array<{ peer: string, revokedAt: string, reason: string }>
  }
  /** per list, how many entries were left out */
  truncated: Record<string, number>
}

/** `totals`: the counters now (the ring's samples lag them by up to an interval) */
export function dashboardState (node: RealmNode, role: Role, totals: Totals, ring: RateRing, leader?: LeaderService): DashboardState {
  const status = node.status()
  const self = fingerprint(node.peerId)
  const truncated: Record<string, number> = {}
  const cap = <T>(name: keyof typeof STATE_LIMITS, list: T[]): T[] => {
    const limit = STATE_LIMITS[name]
    if (list.length > limit) truncated[name] = list.length - limit
    return list.slice(0, limit)
  }
  const place = (peerId: string, key: Uint8Array): PlacedPeer => ({ peerId, position: position(key), bucket: sharedBits(self, key) })
  const routing = cap('routing', node.routingPeers(STATE_LIMITS.routing + 1))
  const routed = new Set(routing)
  const members = cap('members', node.members()).map(m => ({
    ...place(m.id, m.fingerprint),
    routed: routed.has(m.id),
    latencyMs: m.latencyMs == null ? null : Math.round(m.latencyMs * 10) / 10,
    lastSeen: m.lastSeen
  })).sort((a, b) => a.position - b.position)
  const store = node.subjectLayer.coordinator.store
  return {
    at: Date.now(),
    role,
    version: VERSION,
    peerId: status.peerId,
    realm: status.realm,
    realmName: status.realmName,
    joined: status.joined,
    self: { position: position(self) },
    members,
    buckets: byBucket(routing.map(id => place(id, fingerprint(id)))),
    subjects: cap('subjects', node.subjects()).map(s => ({
      subject: s.subject,
      key: s.key,
      role: s.role,
      epoch: s.epoch,
      coordinators: s.coordinators,
      counterparts: s.counterparts.slice(0, STATE_LIMITS.counterparts)
    })),
    coordinating: cap('coordinating', store.keys()).map(key => ({ key, interests: store.interests(key).length })),
    bans: cap('bans', node.guard.bans.list()).map(b => ({ peer: b.peer, reason: b.reason, until: b.until })),
    totals,
    rates: ring.rates(),
    rateIntervalMs: ring.intervalMs,
    ...(leader == null ? {} : { leader: leaderState(leader, cap) }),
    truncated
  }
}

function leaderState (leader: LeaderService, cap: <T>(name: keyof typeof STATE_LIMITS, list: T[]) => T[]): NonNullable<DashboardState['leader']> {
  return {
    pending: cap('pending', leader.pending()).map(({ id, kind, peer, requestedAt, identity, address }) => ({ id, kind, peer, requestedAt, identity, address })),
    // the newest first: the list is capped
    revocations: cap('revocations', leader.revocations().map(revocationToJson).sort((a, b) => b.seq - a.seq)),
    revokedPeers: cap('revocations', [...leader.revokedPeers()])
  }
}

/** the first 48 bits of a key as a fraction of the key space: enough to place thousands of members apart */
export function position (key: Uint8Array): number {
  let value = 0
  for (let i = 0; i < 6; i++) value = value * 256 + (key[i] ?? 0)
  return value / 2 ** 48
}

/** how many leading bits two keys share: the index of the k-bucket one falls in seen from the other */
export function sharedBits (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const x = (a[i] ?? 0) ^ (b[i] ?? 0)
    if (x !== 0) return i * 8 + Math.clz32(x) - 24
  }
  return a.length * 8
}

function byBucket (peers: PlacedPeer[]): Array<{ bucket: number, peers: string[] }> {
  const buckets = new Map<number, string[]>()
  for (const p of peers) buckets.set(p.bucket, [...(buckets.get(p.bucket) ?? []), p.peerId])
  return [...buckets].sort(([a], [b]) => b - a).map(([bucket, list]) => ({ bucket, peers: list }))
}
