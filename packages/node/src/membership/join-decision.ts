/**
 * Whether to join a peer we learnt of (from UPDATE, PIGGY or NLIST), or only keep and forward its
 * record (seed 001 step 3: "based on the distance between the node's own fingerprint and the
 * fingerprint of the peer's node token, as well as the soft state of its routing table (occupancy
 * and individual route health inferred from latency)").
 *
 * In this order:
 * 1. neighbourhood: we know fewer than k members, or the peer is closer to us than our k-th
 *    closest member. Lookups end in the neighbourhood, so it must be complete: always join.
 * 2. bucket-space: the peer's bucket (the length of the prefix its fingerprint shares with ours)
 *    holds fewer than `bucketSize` members: join. `bucketSize` defaults to a quarter of k, at
 *    least 3 (see `defaultBucketSize`): a member is a live, admitted connection whose liveness is checked,
 *    so a dead one is noticed and replaced within a keepalive timeout and a far bucket needs less
 *    redundancy than a Kademlia bucket of unchecked contacts; each member costs a connection.
 * 3. replaces-unhealthy: the bucket holds exactly `bucketSize` members, and one of them is
 *    unhealthy (missed a keepalive, or its latency is more than `slowFactor` times the median of
 *    our members): join; the unhealthiest member of the bucket is then evicted to keep the bucket
 *    at its size. A bucket already over its size only forwards: membership is symmetric, so a
 *    bucket grows past its size when members join us, and an evicted member whose own bucket
 *    then has room joins us again. Replacing in such a bucket would evict and re-admit for ever
 *    (a realm of 200 in one process, where event-loop stalls make members look unhealthy all
 *    the time, never stopped changing).
 * 4. forward-only: a full bucket of healthy members; a new, unknown peer is no better than a proven
 *    one (Kademlia's preference for long-lived contacts). Its record is kept and forwarded.
 */
import { compareXor } from '@realmesh/token'
import type { Member, TableView } from './membership.js'

export type JoinVerdict = 'neighbourhood' | 'bucket-space' | 'replaces-unhealthy' | 'forward-only'

export interface JoinDecisionInit {
  /** neighbourhood size (kad-dht's k). @default 20 */
  k?: number
  /** members kept per bucket outside the neighbourhood. @default max(ceil(k / 4), min(k, 3)) */
  bucketSize?: number
  /** a member this many times slower than the median is unhealthy. @default 4 */
  slowFactor?: number
  /**
   * the members seen from `self` (Membership.tableView(self, k)): the same verdicts without a walk
   * over every member. @default derived from `members`
   */
  view?: TableView
}

/** length of the common prefix of two equal-length byte strings, in bits (256 when equal) */
export function commonPrefixLength (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const x = (a[i] ?? 0) ^ (b[i] ?? 0)
    if (x !== 0) return i * 8 + Math.clz32(x) - 24
  }
  return a.length * 8
}

/**
 * members kept per bucket outside the neighbourhood when not configured: a quarter of k, and at
 * least kad-dht's alpha (3 queries in flight), so a lookup's first step still has 3 members to
 * ask in any bucket. At N = 100 and k = 20 (bench, `pnpm bench`; one run each, 100 nodes in one
 * process) that is 43 members (and connections) per node instead of 53 with half of k, 2.3 MiB of
 * heap per node instead of 2.8, tables settled in 89 and 94 s instead of 121, lookups no slower
 * (p50 187 and 211 ms against 327); a third of k's 3 gave 41 members and no more: the rest are
 * members whose neighbourhood we are in (membership is symmetric). The k closest are always all
 * members.
 */
export function defaultBucketSize (k: number): number {
  return Math.max(1, Math.min(k, Math.max(3, Math.ceil(k / 4))))
}

export function decideJoin (candidate: Uint8Array, self: Uint8Array, members: Member[], init: JoinDecisionInit = {}): JoinVerdict {
  const k = init.k ?? 20
  const bucketSize = init.bucketSize ?? defaultBucketSize(k)
  if (members.length < k) return 'neighbourhood'
  const view = init.view
  if (view != null) {
    // nearer than the k-th closest member
    if (view.kth == null || compareXor(self, candidate, view.kth) < 0) return 'neighbourhood'
  } else {
    // closer than the k-th closest member: fewer than k members are as close to us as it is, or closer
    let closer = 0
    for (const m of members) if (compareXor(self, m.fingerprint, candidate) <= 0 && ++closer >= k) break
    if (closer < k) return 'neighbourhood'
  }
  const bucket = commonPrefixLength(candidate, self)
  const inBucket = view != null ? view.buckets.get(bucket) ?? [] : members.filter(m => commonPrefixLength(m.fingerprint, self) === bucket)
  if (inBucket.length < bucketSize) return 'bucket-space'
  if (inBucket.length > bucketSize) return 'forward-only'
  return unhealthiest(inBucket, members, init.slowFactor ?? 4) == null ? 'forward-only' : 'replaces-unhealthy'
}

/** the least healthy of `bucket`, if any is unhealthy: most failures first, then the slowest */
export function unhealthiest (bucket: Member[], all: Member[], slowFactor = 4): Member | undefined {
  const latencies = all.flatMap(m => m.latencyMs == null ? [] : [m.latencyMs]).sort((a, b) => a - b)
  const median = latencies[Math.floor(latencies.length / 2)]
  const unhealthy = bucket.filter(m => m.failures > 0 || (median != null && m.latencyMs != null && m.latencyMs > slowFactor * Math.max(median, 1)))
  unhealthy.sort((a, b) => (b.failures - a.failures) || ((b.latencyMs ?? 0) - (a.latencyMs ?? 0)))
  return unhealthy[0]
}

/** the bucket index of `peer` relative to `self` */
export function bucketOf (peer: Uint8Array, self: Uint8Array): number {
  return commonPrefixLength(peer, self)
}
