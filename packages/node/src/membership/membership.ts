/**
 * The set of verified members this node has admitted (in either direction), with their soft
 * state. It is the only writer of realmesh's view of the realm: a peer becomes a member only here,
 * after handshake and join, and leaves only here (leave, disconnect, expiry, eviction), which also
 * takes it out of the kad-dht routing table.
 */
import { TypedEventEmitter } from 'main-event'
import { sharedFingerprint, compareDistance, compareXor } from '@realmesh/token'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { PeerRecord } from '@realmesh/wire'
import type { IdentityTokenClaims, NodeTokenClaims } from '@realmesh/token'
import type { VerifiedNode } from '../handshake/handshake.js'
import type { RoutingTableView } from './kad-routing-table.js'
import { commonPrefixLength } from './join-decision.js'

export type LeaveReason = 'leave' | 'disconnect' | 'timeout' | 'token-expired' | 'evicted' | 'banned' | 'revoked'

export interface Identity {
  /** 'node' when the node is its own identity (the node token), else an identity token */
  kind: 'node' | 'identity'
  token: string
  claims: NodeTokenClaims | IdentityTokenClaims
}

export interface Member {
  peerId: PeerId
  /** peer id string */
  id: string
  fingerprint: Uint8Array
  /** the fingerprint's first 4 bytes as an unsigned number: XOR distances compared without a byte loop */
  head: number
  node: VerifiedNode
  identity: Identity
  addrs: Multiaddr[]
  /** the member's own signed record, forwarded to others in UPDATE and NLIST */
  record?: PeerRecord
  recordSeq: bigint
  joinedAt: number
  /** when the member joined or its record last changed (what is news to tell other members), ms */
  changedAt: number
  /** when a stream other than a keepalive last went either way, ms */
  usedAt: number
  /**
   * this node dialled the member for something other than membership (a lookup's query, a message
   * to it), not because growth, a redial or the bootstrap chose it: let go when idle and not needed
   */
  incidental: boolean
  /** when we last heard from the member (any realm stream, or a keepalive answer), ms */
  lastSeen: number
  /** keepalive round trip, exponential moving average, ms (undefined until measured) */
  latencyMs?: number
  /** consecutive missed keepalives */
  failures: number
  /** when the member's node token expires, ms since the epoch */
  expiresAt: number
}

/** what join decisions ask of the table about one key (a node's own fingerprint): Membership.tableView */
export interface TableView {
  /** the k-th closest member's fingerprint (undefined: fewer than k members) */
  kth: Uint8Array | undefined
  /** the members in each bucket: by the length of the prefix their fingerprint shares with the key */
  buckets: Map<number, Member[]>
}

export interface PeerJoinedDetail { peer: string, identity: string, addrs: string[] }
export interface PeerLeftDetail { peer: string, reason: LeaveReason, code?: string }

export interface MembershipEvents {
  'peer:joined': CustomEvent<PeerJoinedDetail>
  'peer:left': CustomEvent<PeerLeftDetail>
}

export interface MembershipInit {
  /**
   * Most members kept. When full, the member seen least recently is evicted to make room (reason
   * 'evicted'): the newest admitted connection is the most useful one. @default 1024
   */
  maxMembers?: number
  now?: () => number
  routingTable?: () => RoutingTableView | undefined
}

export class Membership extends TypedEventEmitter<MembershipEvents> {
  private readonly members = new Map<string, Member>()
  private readonly maxMembers: number
  /**
   * counts changes to who the members are and to their records (a join, a leave, a newer record):
   * what was derived from the table at one version holds until the next
   */
  version = 0
  /**
   * counts what can be news to tell members (a member joined, a record changed), not leaves: a
   * member that had nothing to be told at one newsVersion has nothing until the next (a leave takes
   * a record away, it adds none). Keyed to `version` instead, every incidental member let go after
   * a lookup sent each far member back to the near keepalive pace until its piggyback was walked
   * empty again (a realm of 1,000 at 1.18 ms of CPU per member per second 2 min after its lookups,
   * 0.47 once at rest)
   */
  newsVersion = 0
  private readonly now: () => number
  private readonly routingTable: () => RoutingTableView | undefined
  /** near()'s last answer */
  private nearMemo: { version: number, key: Uint8Array, n: number, ids: Set<string> } | undefined
  /** tableView()'s last answer */
  private viewMemo: { version: number, key: Uint8Array, k: number, view: TableView } | undefined

  constructor (init: MembershipInit = {}) {
    super()
    this.maxMembers = init.maxMembers ?? 1024
    this.now = init.now ?? Date.now
    this.routingTable = init.routingTable ?? (() => undefined)
  }

  get size (): number {
    return this.members.size
  }

  has (peer: PeerId | string): boolean {
    return this.members.has(peer.toString())
  }

  get (peer: PeerId | string): Member | undefined {
    return this.members.get(peer.toString())
  }

  list (): Member[] {
    return [...this.members.values()]
  }

  /** the members, without copying them into an array (do not admit or drop while iterating) */
  values (): IterableIterator<Member> {
    return this.members.values()
  }

  /** Adds (or refreshes) a member after a successful join. */
  admit (init: { peerId: PeerId, node: VerifiedNode, identity: Identity, addrs: Multiaddr[], record?: PeerRecord, recordSeq?: bigint }): Member {
    const id = init.peerId.toString()
    const now = this.now()
    const existing = this.members.get(id)
    if (existing != null) {
      existing.node = init.node
      existing.identity = init.identity
      existing.expiresAt = init.node.claims.exp * 1000
      existing.lastSeen = now
      if (init.record != null && (init.recordSeq ?? 0n) > existing.recordSeq) {
        existing.record = init.record
        existing.recordSeq = init.recordSeq ?? 0n
        existing.addrs = init.addrs
        existing.changedAt = now
        this.version++
        this.newsVersion++
      }
      return existing
    }
    if (this.members.size >= this.maxMembers) this.evictOne()
    // never written to: every member's fingerprint is only read (distances, buckets, records held)
    const fp = sharedFingerprint(init.peerId)
    const member: Member = {
      peerId: init.peerId,
      id,
      fingerprint: fp,
      head: headOf(fp),
      node: init.node,
      identity: init.identity,
      addrs: init.addrs,
      record: init.record,
      recordSeq: init.recordSeq ?? 0n,
      joinedAt: now,
      changedAt: now,
      usedAt: now,
      incidental: false,
      lastSeen: now,
      failures: 0,
      expiresAt: init.node.claims.exp * 1000
    }
    this.members.set(id, member)
    this.version++
    this.newsVersion++
    this.routingTable()?.add(member.peerId)
    this.safeDispatchEvent('peer:joined', { detail: { peer: id, identity: init.identity.claims.sub, addrs: init.addrs.map(a => a.toString()) } })
    return member
  }

  /**
   * Replaces a member's record when `seq` is newer; older records never overwrite newer ones.
   * 'renewed': the record also carried a later-expiring node token, which the member now holds.
   */
  updateRecord (peer: string, record: PeerRecord, seq: bigint, addrs: Multiaddr[], node?: VerifiedNode): 'unchanged' | 'updated' | 'renewed' {
    const member = this.members.get(peer)
    if (member == null || seq <= member.recordSeq) return 'unchanged'
    member.record = record
    member.recordSeq = seq
    member.addrs = addrs
    member.changedAt = this.now()
    this.version++
    this.newsVersion++
    // a newer record with a renewed node token (verified by the caller, for this peer): the member
    // now lasts as long as that token
    if (node == null || node.claims.sub !== member.id || node.claims.exp * 1000 <= member.expiresAt) return 'updated'
    member.node = node
    member.expiresAt = node.claims.exp * 1000
    // a member that is its own identity is so by its node token: its attributes are the renewed one's
    if (member.identity.kind === 'node') member.identity = { kind: 'node', token: node.token, claims: node.claims }
    return 'renewed'
  }

  /** the member was heard from: it is alive */
  touch (peer: PeerId | string): void {
    const member = this.members.get(peer.toString())
    if (member != null) {
      member.lastSeen = this.now()
      member.failures = 0
    }
  }

  /** a stream other than a keepalive went to or came from the member */
  used (peer: PeerId | string): void {
    const member = this.members.get(peer.toString())
    if (member != null) member.usedAt = this.now()
  }

  /** Removes a member, from the routing table too, and says why. */
  remove (peer: PeerId | string, reason: LeaveReason, code?: string): boolean {
    const id = peer.toString()
    const member = this.members.get(id)
    if (member == null) return false
    this.members.delete(id)
    this.version++
    void this.routingTable()?.remove(member.peerId)
    this.safeDispatchEvent('peer:left', { detail: { peer: id, reason, code } })
    return true
  }

  /**
   * The `n` members whose fingerprints are XOR-closest to `key`, closest first, leaving out those
   * `exclude` names (asked only of members close enough to be in the answer).
   */
  closest (key: Uint8Array, n: number, exclude?: (member: Member) => boolean): Member[] {
    return closestAmong(key, this.members.values(), n, exclude)
  }

  /**
   * The ids of the `n` members closest to `key` (for a node's own fingerprint: its neighbourhood),
   * kept until the table changes: asked for every member at each keepalive tick. The key is compared
   * by its bytes (the liveness tick and the upkeep sweep each ask with their own copy of the node's
   * fingerprint: compared by identity, each made the other's answer be derived again).
   */
  near (key: Uint8Array, n: number): Set<string> {
    const memo = this.nearMemo
    if (memo != null && memo.version === this.version && memo.n === n && sameKey(memo.key, key)) return memo.ids
    const ids = new Set(this.closest(key, n).map(m => m.id))
    this.nearMemo = { version: this.version, key, n, ids }
    return ids
  }

  /**
   * `key`'s k-th closest member and the members of each bucket, derived once per version: a growing
   * node decides on every record it hears whether to join its peer (decideJoin), and walking every
   * member for that twice a record was a fifth of a simulated realm's CPU. Pass the same `key`
   * array each time (the memo compares it by identity).
   */
  tableView (key: Uint8Array, k: number): TableView {
    const memo = this.viewMemo
    if (memo != null && memo.version === this.version && memo.k === k && memo.key === key) return memo.view
    const closest = this.closest(key, k)
    const buckets = new Map<number, Member[]>()
    for (const m of this.members.values()) {
      const bucket = commonPrefixLength(m.fingerprint, key)
      const list = buckets.get(bucket)
      if (list == null) buckets.set(bucket, [m])
      else list.push(m)
    }
    const view = { kth: closest.length === k ? closest[k - 1]?.fingerprint : undefined, buckets }
    this.viewMemo = { version: this.version, key, k, view }
    return view
  }

  private evictOne (): void {
    let oldest: Member | undefined
    for (const member of this.members.values()) {
      if (oldest == null || member.lastSeen < oldest.lastSeen) oldest = member
    }
    if (oldest != null) this.remove(oldest.peerId, 'evicted')
  }
}

/** what closestAmong ranks: a fingerprint, and its first 4 bytes as a number (headOf) */
export interface Ranked { fingerprint: Uint8Array, head: number }

/** a fingerprint's first 4 bytes as an unsigned number (Member.head) */
export function headOf (fp: Uint8Array): number {
  return (((fp[0] ?? 0) << 24) | ((fp[1] ?? 0) << 16) | ((fp[2] ?? 0) << 8) | (fp[3] ?? 0)) >>> 0
}

/**
 * The `n` of `members` XOR-closest to `key`, closest first, less those `exclude` names. Distances
 * are compared on the fingerprints' first 4 bytes as numbers, the whole fingerprint only on a tie
 * there; `exclude` is asked only of a member that would make the answer (it may cost a lookup).
 * A few closest (a keepalive's piggyback asks for 2 of some 60-250) are kept in order as the
 * members go by; more are ranked once. This is the hottest code of a growing realm: every
 * keepalive's piggyback, every NLIST answer and UPDATE fan-out call it over the whole table.
 */
export function closestAmong<M extends Ranked = Member> (key: Uint8Array, members: Iterable<M>, n: number, exclude?: (member: M) => boolean): M[] {
  if (n <= 0) return []
  const k = headOf(key)
  const closer = (a: M, da: number, b: M, db: number): boolean => da < db || (da === db && compareXor(key, a.fingerprint, b.fingerprint) < 0)
  if (n > 16) {
    const ranked: Array<{ m: M, d: number }> = []
    for (const m of members) if (exclude?.(m) !== true) ranked.push({ m, d: (m.head ^ k) >>> 0 })
    ranked.sort((a, b) => a.d !== b.d ? a.d - b.d : compareXor(key, a.m.fingerprint, b.m.fingerprint))
    const out: M[] = []
    for (let i = 0; i < n && i < ranked.length; i++) out.push((ranked[i] as { m: M }).m)
    return out
  }
  const best: M[] = []
  const dist: number[] = []
  for (const m of members) {
    const d = (m.head ^ k) >>> 0
    if (best.length === n && !closer(m, d, best[n - 1] as M, dist[n - 1] as number)) continue
    if (exclude?.(m) === true) continue
    let i = best.length < n ? best.length : n - 1
    while (i > 0 && closer(m, d, best[i - 1] as M, dist[i - 1] as number)) {
      best[i] = best[i - 1] as M
      dist[i] = dist[i - 1] as number
      i--
    }
    best[i] = m
    dist[i] = d
  }
  return best
}

/** whether two keys are the same bytes (the same array, most often) */
function sameKey (a: Uint8Array, b: Uint8Array): boolean {
  return a === b || (a.length === b.length && compareDistance(a, b) === 0)
}
