/**
 * How the realm grows around this node (seed 001 step 3): records of members heard of in UPDATE,
 * PIGGY, keepalive and NLIST answers are verified, remembered, and joined when the join decision
 * (join-decision.ts) says so; a node that just joined asks its way towards its neighbourhood
 * (an iterative self-lookup), and a member that admitted a joiner whose record was news to it
 * tells the joiner's closest members (UPDATE).
 *
 * Who is blamed for a bad record: a record whose signature or token is forged could only come
 * from its sender (an honest member verifies every record before it keeps or forwards it), so the
 * sender is charged RECORD_INVALID. A record whose token is merely expired, revoked or not yet
 * valid was valid, as far as the sender could know, when it forwarded it: nobody is charged.
 */
import { randomInt } from 'node:crypto'
import { fingerprint, xorDistance, compareDistance } from '@realmesh/token'
import { HELD_FINGERPRINT_BYTES, MAX_HELD_PER_REQUEST, PROTOCOLS, PeersRequest, WireErrorCode } from '@realmesh/wire'
import { BoundedMap } from '../util/bounded-map.js'
import { backoffDelay } from '../util/backoff.js'
import { decideJoin, bucketOf, defaultBucketSize, unhealthiest } from './join-decision.js'
import { ToldRecords } from './told.js'
import type { JoinEnd, JoinSlots } from './join-slots.js'
import type { Guard } from '../security/guard.js'
import type { Peers } from '../peers/peers.js'
import { NOT_THE_FORWARDERS_FAULT } from '../peers/records.js'
import type { RecordInvalidError, RecordVerifier, VerifiedRecord } from '../peers/records.js'
import type { JoinAccepted } from '../join/join.js'
import { closestAmong, headOf } from './membership.js'
import type { LeaveReason, Member, Membership } from './membership.js'
import type { BackoffInit } from '../util/backoff.js'
import type { Connection, PeerId, PeerStore, Stream, AbortOptions } from '@libp2p/interface'
import type { HeldRecord, PeerRecord } from '@realmesh/wire'

export interface GrowthInit {
  /** k: the neighbourhood size and NLIST count. @default 20 */
  k?: number
  /** members kept per far bucket (see join-decision.ts) */
  bucketSize?: number
  /** how many of the members closest to a newly joined peer get an UPDATE about it. @default 6 */
  updateFanout?: number
  /** most joins with learnt peers in flight at once. @default 8 */
  maxPendingJoins?: number
  backoff?: BackoffInit
}

/**
 * What growth needs of the node, each as narrow as it uses it (a simulation, @realmesh/sim, runs
 * this code against a simulated network through these).
 */
export interface GrowthDeps {
  self: PeerId
  /** where learnt and changed addresses go */
  libp2p: { peerStore: Pick<PeerStore, 'merge' | 'patch'> }
  membership: Membership
  guard: Pick<Guard, 'isBanned'>
  records: Pick<RecordVerifier, 'verify'>
  /** the peers protocol's client side (UPDATE, NLIST) */
  peers: Pick<Peers, 'send'>
  now: () => number
  running: () => boolean
  shutdown: () => AbortSignal
  /** dials `peer` and admits the connection (handshake + join) */
  connect: (peer: PeerId, options: AbortOptions) => Promise<unknown>
  openStream: (peer: PeerId, protocol: string, options: AbortOptions) => Promise<Stream>
  /** the longest one admission may take, ms */
  admissionMs: number
  /** this node's own record, if it has one */
  ownRecord: () => PeerRecord | undefined
  /** drops a member deliberately (a healthier peer replaces it) */
  drop: (peer: PeerId, reason: LeaveReason, code: string, text: string) => Promise<void>
  /** counts an offence against the peer by refusal code */
  offence: (peer: PeerId, code: string) => void
  /** a member's newer record carried a renewed node token: it stays a member until `expiresAt` (ms) */
  renewed: (peer: string, expiresAt: number) => void
  /** a member's newer record was taken (its addresses may have changed). @default nothing */
  updated?: (peer: PeerId) => void
  /**
   * the process's join slots (join-slots.ts), shared by every node it runs; their loop-delay
   * reading also shrinks this node's own joins in flight. @default no bound but the node's own
   */
  joinSlots?: JoinSlots
}

/** how long a keepalive with nothing to piggyback for a member skips the walk while the table stays the same, ms */
const EMPTY_PIGGY_MS = 600_000
/**
 * how long a member's record is news to piggyback after it joined us or its record changed, and how
 * long a member that joined us is told every record it does not hold, ms
 */
const NEWS_MS = 300_000
/** reconsider() runs at least this often even when the table stayed the same (join backoffs end), ms */
const RECONSIDER_MS = 120_000
/** the closest learnt records are sorted at most this often (each NLIST of a round lists them), ms */
const CLOSEST_KNOWN_MS = 1_000

/**
 * Joins in flight shrink to these while the event loop lags (ms of delay): a lagging node's
 * handshakes already take seconds a round trip, more at once only time out (each a wasted Noise
 * handshake at both ends and a backoff) and make the lag worse. Measured in a testnet of 300
 * across 4 processes on 2 cores: with 8 at once throughout, 4,000-5,600 Noise handshakes per
 * process timed out in the first 100 s.
 */
const LAGGING_JOINS: Array<{ delayMs: number, joins: number }> = [{ delayMs: 1_000, joins: 1 }, { delayMs: 250, joins: 2 }]

export class Growth {
  private readonly deps: GrowthDeps
  private readonly k: number
  /** this node's fingerprint (one array: Membership.tableView memoizes by it) */
  private readonly ownKey: Uint8Array
  private readonly init: GrowthInit
  /** verified records of peers we know of but have not joined (yet) */
  private readonly known: BoundedMap<string, VerifiedRecord>
  private readonly pendingJoins = new Set<string>()
  /**
   * records heard while `maxPendingJoins` joins were under way, oldest first: each join that ends
   * takes the next (without this they waited to be heard again, a keepalive's PIGGY 30 s later)
   */
  private readonly deferredJoins: BoundedMap<string, VerifiedRecord>
  /** failed joins with learnt peers: when the next attempt may be made */
  private readonly joinBackoff: BoundedMap<string, { attempts: number, nextAt: number }>
  /** XOR distance to the closest member asked for our neighbours while joining */
  private closestAsked: Uint8Array | undefined
  /** the records each member holds already: a keepalive carries only those it does not */
  private readonly told: ToldRecords
  /** members a keepalive had nothing for, at which table version and when */
  private readonly emptyPiggy: BoundedMap<string, { version: number, at: number }>
  /**
   * learnt peers the join decision turned away (forward-only), at which table version: the same
   * record heard again (a settled realm's keepalives pass each member's records on, some 50 per
   * member) gets the same verdict until the table changes
   */
  private readonly turnedAway: BoundedMap<string, number>
  /** the table version and time of the last reconsider() that ran */
  private reconsidered = { version: -1, at: 0 }
  /** closestKnown()'s last answer, and when */
  private closestKnownMemo: { at: number, records: VerifiedRecord[] } | undefined

  constructor (deps: GrowthDeps, init: GrowthInit = {}) {
    this.deps = deps
    this.init = init
    this.k = init.k ?? 20
    this.ownKey = fingerprint(deps.self)
    this.known = new BoundedMap({ maxSize: 1024, ttlMs: 3_600_000, now: deps.now })
    this.deferredJoins = new BoundedMap({ maxSize: 256, ttlMs: 300_000, now: deps.now })
    this.joinBackoff = new BoundedMap({ maxSize: 4096, ttlMs: 3_600_000, now: deps.now })
    this.told = new ToldRecords(deps.now)
    this.emptyPiggy = new BoundedMap({ maxSize: 1024, ttlMs: EMPTY_PIGGY_MS, now: deps.now })
    this.turnedAway = new BoundedMap({ maxSize: 4096, ttlMs: 3_600_000, now: deps.now })
  }

  /** a restarted node joins afresh: its iterative self-lookup starts over */
  reset (): void {
    this.closestAsked = undefined
  }

  clear (): void {
    this.deps.joinSlots?.cancel(this.wake)
    this.emptyPiggy.clear()
    this.turnedAway.clear()
    this.closestKnownMemo = undefined
    this.deferredJoins.clear()
    this.told.clear()
  }

  prune (): void {
    this.known.prune()
    this.deferredJoins.prune()
  }

  /** forgets what is held about `peer` (its membership ended) */
  forget (peer: string): void {
    this.emptyPiggy.delete(peer)
    this.known.delete(peer)
    this.deferredJoins.delete(peer)
    this.told.forget(peer)
  }

  /** the sequence number of the newest signed record of `peer` this node holds (member or learnt), if any */
  recordSeqOf (peer: PeerId): bigint | undefined {
    const member = this.deps.membership.get(peer)
    const known = this.known.peek(peer.toString())?.seq
    if (member?.record != null && (known == null || member.recordSeq > known)) return member.recordSeq
    return known
  }

  /** We dialled and were admitted: ask the member for our neighbours when it is closer to us than any asked so far. */
  admittedAsInitiator (connection: Pick<Connection, 'remotePeer' | 'newStream'>): void {
    this.known.delete(connection.remotePeer.toString())
    // an iterative self-lookup while joining: O(log N) asks; the neighbourhood rounds go on
    if (this.closerThanAsked(connection.remotePeer)) void this.askNeighbours(connection)
  }

  /**
   * The responder tells the members closest to a joiner about it (UPDATE), when the joiner's
   * record is news to it: the first member a node joins (its bootstrap) spreads it, and so does
   * any member that had not heard of it yet. A member that already held the record (from an
   * UPDATE, an NLIST answer or an earlier join) stays quiet: whoever gave it the record spread it.
   */
  answered (joiner: PeerId, accepted: JoinAccepted, seqBefore: bigint | undefined): void {
    this.known.delete(joiner.toString())
    const record = accepted.record?.record
    const seq = accepted.record?.seq
    if (record == null || seq == null || (seqBefore != null && seq <= seqBefore)) return
    const targets = this.deps.membership.closest(fingerprint(joiner), this.init.updateFanout ?? 6, m => m.peerId.equals(joiner))
    void Promise.allSettled(targets.map(async (target) => this.sendUpdate(target.peerId, record, this.deps.shutdown())))
  }

  /** UPDATE with one record to a member */
  async sendUpdate (peer: PeerId, record: PeerRecord, signal: AbortSignal): Promise<void> {
    await this.deps.peers.send(async (o) => this.deps.openStream(peer, PROTOCOLS.peers, o), { type: PeersRequest.Type.UPDATE, records: [record] }, { signal })
  }

  /** Records from UPDATE / PIGGY / NLIST: verify, remember, and join the ones close to us. */
  async onRecords (records: PeerRecord[], from: PeerId): Promise<void> {
    const { guard, membership } = this.deps
    const sender = from.toString()
    if (guard.isBanned(sender)) return
    for (const record of records) {
      let verified: VerifiedRecord
      try {
        verified = await this.deps.records.verify(record)
      } catch (err) {
        const tokenCode = (err as RecordInvalidError).tokenCode
        if (tokenCode == null || !NOT_THE_FORWARDERS_FAULT.has(tokenCode)) this.deps.offence(from, WireErrorCode.RECORD_INVALID)
        if (guard.isBanned(sender)) return
        continue
      }
      if (verified.peerId.equals(this.deps.self) || guard.isBanned(verified.peer)) continue
      membership.touch(from)
      if (membership.has(verified.peerId)) {
        // the sender holds this member's record: it is not piggybacked back to it (only members'
        // records are piggybacked, so only those are remembered)
        this.told.add(sender, verified.peer, verified.seq)
        const updated = membership.updateRecord(verified.peer, verified.record, verified.seq, verified.addrs, verified.node)
        if (updated === 'renewed') this.deps.renewed(verified.peer, verified.node.claims.exp * 1000)
        // the member's addresses now: a redial goes to where it is, not where it was
        if (updated !== 'unchanged') {
          await this.deps.libp2p.peerStore.patch(verified.peerId, { multiaddrs: verified.addrs }).catch(() => {})
          this.deps.updated?.(verified.peerId)
        }
        continue
      }
      const known = this.known.peek(verified.peer)
      if (known == null || known.seq < verified.seq) {
        this.known.set(verified.peer, verified)
        await this.deps.libp2p.peerStore.merge(verified.peerId, { multiaddrs: verified.addrs }).catch(() => {})
      }
      // hearing of a peer again is a new chance to join it (a first attempt may have failed), unless
      // it was turned away (a full bucket) at the table's present version: the verdict is the same
      const heard = known != null && known.seq >= verified.seq ? known : verified
      if (this.turnedAway.peek(heard.peer) === membership.version) continue
      this.considerJoining(heard)
    }
  }

  /**
   * Records to piggyback for the member at `key` (`member`): half the members closest to it (its
   * neighbourhood, which it most needs), half picked at random (so records spread beyond
   * neighbourhoods); only records it does not hold yet (told.ts), and only news: records that
   * changed (or whose member joined us) in the last NEWS_MS, or any record while `member` itself
   * joined us in the last NEWS_MS. Without that last rule every member was handed every other
   * member's record, a table's square of records per node, again every hour (told.ts forgets),
   * and a realm of 100 still spent a fifth of its resting CPU on it 4 min after settling.
   */
  piggyFor (key: Uint8Array, member: string, count: number): PeerRecord[] {
    const { membership } = this.deps
    if (count <= 0) return []
    // nothing to give this member at the table's last news version: nothing still, until a member
    // joins or a record changes; a leave adds nothing to tell (a settled realm's keepalives walked
    // the whole table twice each, for nothing: 15% of a resting realm of 300's CPU); every
    // EMPTY_PIGGY_MS the walk is made anyway
    const empty = this.emptyPiggy.peek(member)
    if (empty != null && empty.version === membership.newsVersion && this.deps.now() - empty.at < EMPTY_PIGGY_MS) return []
    const held = this.told.heldBy(member)
    const since = this.deps.now() - NEWS_MS
    const everything = (membership.get(member)?.joinedAt ?? 0) > since
    // one walk: what the member does not hold (cheap field checks first, the told lookup last),
    // then its closest few of those (closestAmong ranks by the fingerprints' first bytes as
    // numbers) and the rest picked at random
    const pool: Member[] = []
    for (const m of membership.values()) {
      if (m.id === member || m.record == null || (!everything && m.changedAt <= since)) continue
      if (held != null && ToldRecords.covers(held, m.id, m.recordSeq)) continue
      pool.push(m)
    }
    const chosen = new Set(closestAmong(key, pool, Math.ceil(count / 2)))
    for (let picks = count - chosen.size, left = pool.length; picks > 0 && left > 0; left--) {
      const at = randomInt(left)
      const m = pool[at] as Member
      pool[at] = pool[left - 1] as Member
      if (chosen.has(m)) continue
      chosen.add(m)
      picks--
    }
    const records: PeerRecord[] = []
    for (const m of chosen) {
      if (m.record == null) continue
      records.push(m.record)
      this.told.add(member, m.id, m.recordSeq)
    }
    if (records.length === 0) this.emptyPiggy.set(member, { version: membership.newsVersion, at: this.deps.now() })
    else this.emptyPiggy.delete(member)
    return records
  }

  /** whether the last keepalive to or from `member` had nothing for it and the table is the same since */
  nothingFor (member: string): boolean {
    const empty = this.emptyPiggy.peek(member)
    return empty != null && empty.version === this.deps.membership.newsVersion && this.deps.now() - empty.at < EMPTY_PIGGY_MS
  }

  /**
   * our own record and the members' records closest to `key` (an NLIST answer), less those the
   * asker says it holds at that seq or newer (`held`: see heldRecords)
   */
  closestRecords (key: Uint8Array, count: number, held: HeldRecord[] = []): PeerRecord[] {
    const holds = heldIndex(held)
    const fresh = (fp: Uint8Array, seq: bigint): boolean => {
      const have = heldSeq(holds, fp)
      return have == null || have < seq
    }
    const own = this.deps.ownRecord()
    const records = this.deps.membership.closest(key, count).flatMap(m => m.record == null || !fresh(m.fingerprint, m.recordSeq) ? [] : [m.record])
    return own == null || !fresh(fingerprint(this.deps.self), own.seq) ? records : [own, ...records].slice(0, count)
  }

  /**
   * What an NLIST to `member` says this node holds already: its members closest to itself (twice
   * the answer's k, where the answer's records come from once the neighbourhood settled), the
   * learnt records closest to itself it did not join (a full bucket; a join that failed and waits
   * its backoff: `reconsider` takes those up again without hearing them anew), and `member` itself.
   * The answer leaves those out, so a settled neighbourhood's rounds carry no records (they
   * carried k signed records, ~20 KiB, each decoded and checked again, every round); a member
   * that left is no longer listed, so the next closest comes back.
   */
  heldRecords (member?: PeerId): HeldRecord[] {
    const { membership } = this.deps
    const self = fingerprint(this.deps.self)
    const held: HeldRecord[] = []
    const add = (fp: Uint8Array, seq: bigint): void => { held.push({ fingerprint: Uint8Array.from(fp.subarray(0, HELD_FINGERPRINT_BYTES)), seq }) }
    const members = membership.closest(self, 2 * this.k)
    const target = member == null ? undefined : membership.get(member)
    if (target != null && !members.includes(target)) members.push(target)
    for (const m of members) if (m.record != null) add(m.fingerprint, m.recordSeq)
    for (const record of this.closestKnown()) {
      if (held.length >= MAX_HELD_PER_REQUEST) break
      add(fingerprint(record.peerId), record.seq)
    }
    return held.slice(0, MAX_HELD_PER_REQUEST)
  }

  /**
   * The learnt records closest to this node that it is not a member of, considered for a join
   * again (each neighbourhood round): NLIST answers leave out what this node holds, so a record
   * whose join failed, or that a full bucket turned away, comes back only through here once its
   * backoff is over or a member left.
   */
  reconsider (): void {
    // only when the table changed, or a while after the last: a record's join backoff may be over
    const now = this.deps.now()
    const version = this.deps.membership.version
    if (version === this.reconsidered.version && now - this.reconsidered.at < RECONSIDER_MS) return
    this.reconsidered = { version, at: now }
    for (const record of this.closestKnown()) {
      if (this.deps.membership.has(record.peerId) || this.deps.guard.isBanned(record.peer)) continue
      // only to fill the neighbourhood or a bucket with room: replacing an unhealthy member is for
      // records heard anew (a round every 30 s replacing members made a settled realm of 300 change forever)
      if (this.considerJoining(record, false) === 'deferred') return
    }
  }

  /**
   * the k learnt (not joined) records closest to this node, sorted at most every CLOSEST_KNOWN_MS
   * (a round's NLISTs and reconsider() ask for them together; a second old is still right enough
   * to say what this node holds)
   */
  private closestKnown (): VerifiedRecord[] {
    const now = this.deps.now()
    if (this.closestKnownMemo != null && now - this.closestKnownMemo.at < CLOSEST_KNOWN_MS) return this.closestKnownMemo.records
    const ranked: Array<{ r: VerifiedRecord, fingerprint: Uint8Array, head: number }> = []
    for (const r of this.known.values()) {
      const fp = fingerprint(r.peerId)
      ranked.push({ r, fingerprint: fp, head: headOf(fp) })
    }
    const records = closestAmong(this.ownKey, ranked, this.k).map(x => x.r)
    this.closestKnownMemo = { at: now, records }
    return records
  }

  /** NLIST: the records a member holds closest to us (`member`: whom we ask, when it is a member) */
  async nlist (open: (o: AbortOptions) => Promise<Stream>, options: AbortOptions, member?: PeerId): Promise<PeerRecord[]> {
    return this.deps.peers.send(open, { type: PeersRequest.Type.NLIST, key: Uint8Array.from(fingerprint(this.deps.self)), count: this.k, held: this.heldRecords(member) }, options)
  }

  /** after our own join: ask the member for the records closest to us, and join those */
  private async askNeighbours (connection: Pick<Connection, 'remotePeer' | 'newStream'>): Promise<void> {
    try {
      const records = await this.nlist(async (o) => connection.newStream(PROTOCOLS.peers, o), { signal: this.deps.shutdown() }, connection.remotePeer)
      await this.onRecords(records, connection.remotePeer)
    } catch {
      // best effort: the DHT's self-lookup finds the neighbourhood too
    }
  }

  /** true (and remembered) when `peer` is closer to this node than every member asked for neighbours so far */
  private closerThanAsked (peer: PeerId): boolean {
    const distance = xorDistance(fingerprint(this.deps.self), fingerprint(peer))
    if (this.closestAsked != null && compareDistance(distance, this.closestAsked) >= 0) return false
    this.closestAsked = distance
    return true
  }

  /**
   * Joins a learnt member, or only keeps (and forwards) its record: see join-decision.ts for the
   * rule and why. Joins in flight are bounded by `maxPendingJoins`; a record heard while they are
   * all taken waits in `deferredJoins` for the next free one.
   */
  private considerJoining (record: VerifiedRecord, replace = true): 'joining' | 'skipped' | 'deferred' {
    if (this.pendingJoins.has(record.peer)) return 'skipped'
    if (this.pendingJoins.size >= this.maxPendingJoins) {
      this.deferredJoins.set(record.peer, record)
      return 'deferred'
    }
    const backoff = this.joinBackoff.get(record.peer)
    if (backoff != null && backoff.nextAt > this.deps.now()) {
      this.deferredJoins.delete(record.peer)
      return 'skipped'
    }
    const self = this.ownKey
    const verdict = decideJoin(fingerprint(record.peerId), self, this.deps.membership.list(), { k: this.k, bucketSize: this.init.bucketSize, view: this.deps.membership.tableView(self, this.k) })
    if (verdict === 'forward-only' || (verdict === 'replaces-unhealthy' && !replace)) {
      if (verdict === 'forward-only') this.turnedAway.set(record.peer, this.deps.membership.version)
      this.deferredJoins.delete(record.peer)
      return 'skipped'
    }
    const slots = this.deps.joinSlots
    const ticket = slots?.tryTake()
    if (slots != null && ticket == null) {
      // the process has as many joins in flight as its event loop carries: wait for one to end
      this.deferredJoins.set(record.peer, record)
      slots.wait(this.wake)
      return 'deferred'
    }
    this.deferredJoins.delete(record.peer)
    this.pendingJoins.add(record.peer)
    let end: JoinEnd = 'failed'
    this.deps.connect(record.peerId, { signal: AbortSignal.any([this.deps.shutdown(), AbortSignal.timeout(this.deps.admissionMs)]) })
      .then(() => {
        end = 'joined'
        this.joinBackoff.delete(record.peer)
        if (verdict === 'replaces-unhealthy') this.replaceUnhealthiest(record.peerId)
      }, (err: unknown) => {
        if (!this.deps.shutdown().aborted && timedOut(err)) end = 'timed-out'
        // re-joins retry with exponential backoff and jitter, however often the peer is heard of
        const attempts = (this.joinBackoff.get(record.peer)?.attempts ?? 0) + 1
        this.joinBackoff.set(record.peer, { attempts, nextAt: this.deps.now() + backoffDelay(attempts, this.init.backoff) })
      })
      .finally(() => {
        this.pendingJoins.delete(record.peer)
        if (ticket != null) slots?.release(ticket, end)
        this.joinDeferred()
      })
    return 'joining'
  }

  /**
   * whether a peer found by other means (mDNS) is worth joining: the neighbourhood, or a bucket
   * with room (one full of healthy or unhealthy members waits for the peer's record instead)
   */
  wants (peer: PeerId): boolean {
    const verdict = decideJoin(fingerprint(peer), this.ownKey, this.deps.membership.list(), { k: this.k, bucketSize: this.init.bucketSize, view: this.deps.membership.tableView(this.ownKey, this.k) })
    return verdict === 'neighbourhood' || verdict === 'bucket-space'
  }

  /**
   * Incidental members (dialled by a lookup's query or a message, not chosen by growth) to let go:
   * idle for `idleMs` (no stream but keepalives), outside the neighbourhood, in a bucket that holds
   * `bucketSize` members without them, so the join decision would not have taken them. Without
   * this every lookup left its queried peers as members for good (a kad-dht lookup asks some 40):
   * in a realm of 60, 100 lookups took tables from 36 to 54 members. Only members this node dialled
   * are let go; one that wants this node (its bucket has room) joins it again, and is kept.
   */
  idleIncidental (idleMs: number): Member[] {
    const { membership } = this.deps
    const now = this.deps.now()
    const self = fingerprint(this.deps.self)
    const near = membership.near(self, this.k)
    const size = this.init.bucketSize ?? defaultBucketSize(this.k)
    const counts = new Map<number, number>()
    for (const m of membership.values()) {
      const bucket = bucketOf(m.fingerprint, self)
      counts.set(bucket, (counts.get(bucket) ?? 0) + 1)
    }
    const idle: Member[] = []
    // the newest first: the members that stay are the longest-lived
    const candidates = [...membership.values()].filter(m => m.incidental && now - m.usedAt >= idleMs && !near.has(m.id)).sort((a, b) => b.joinedAt - a.joinedAt)
    for (const m of candidates) {
      const bucket = bucketOf(m.fingerprint, self)
      const count = counts.get(bucket) ?? 0
      if (count <= size) continue
      counts.set(bucket, count - 1)
      idle.push(m)
    }
    return idle
  }

  /** `joined` took a place in a full bucket: the unhealthiest member of that bucket makes room */
  private replaceUnhealthiest (joined: PeerId): void {
    const self = fingerprint(this.deps.self)
    const bucket = bucketOf(fingerprint(joined), self)
    const all = this.deps.membership.list()
    const peers = all.filter(m => bucketOf(m.fingerprint, self) === bucket && !m.peerId.equals(joined))
    const worst = peers.length >= (this.init.bucketSize ?? defaultBucketSize(this.k)) ? unhealthiest(peers, all) : undefined
    if (worst != null) void this.deps.drop(worst.peerId, 'evicted', WireErrorCode.INTERNAL, 'replaced by a healthier member')
  }

  private get maxPendingJoins (): number {
    const most = this.init.maxPendingJoins ?? 8
    const delay = this.deps.joinSlots?.loopDelay ?? 0
    const lagging = LAGGING_JOINS.find(l => delay >= l.delayMs)
    return lagging == null ? most : Math.min(most, lagging.joins)
  }

  /** a process join slot freed while this node waited for one */
  private readonly wake = (): void => { this.joinDeferred() }

  /** a join ended (or a slot freed): the records that waited, oldest first, while joins are free */
  private joinDeferred (): void {
    if (!this.deps.running()) return
    // a snapshot: a record that must wait again goes back to the end of the map
    for (const [peer, record] of [...this.deferredJoins]) {
      if (this.pendingJoins.size >= this.maxPendingJoins) return
      if (this.deps.membership.has(record.peerId) || this.deps.guard.isBanned(peer)) {
        this.deferredJoins.delete(peer)
        continue
      }
      if (this.considerJoining(record) === 'deferred') return
    }
  }
}

/**
 * The asker's held records (HELD_FINGERPRINT_BYTES of each fingerprint and a seq), indexed by the
 * first 4 bytes as a number; the rest of the bytes are compared on a hit. (A hex string per entry
 * and per member looked up was 4% of a simulated realm's CPU: every NLIST answer builds one.)
 */
function heldIndex (held: HeldRecord[]): Map<number, HeldRecord[]> {
  const index = new Map<number, HeldRecord[]>()
  for (const h of held) {
    const head = headOf(h.fingerprint)
    const list = index.get(head)
    if (list == null) index.set(head, [h])
    else list.push(h)
  }
  return index
}

/** the highest seq the asker holds for the fingerprint `fp`, if any */
function heldSeq (index: Map<number, HeldRecord[]>, fp: Uint8Array): bigint | undefined {
  const list = index.get(headOf(fp))
  if (list == null) return undefined
  let seq: bigint | undefined
  for (const h of list) {
    let same = h.fingerprint.byteLength === Math.min(fp.byteLength, HELD_FINGERPRINT_BYTES)
    for (let i = 4; same && i < h.fingerprint.byteLength; i++) same = h.fingerprint[i] === fp[i]
    if (same && (seq == null || seq < h.seq)) seq = h.seq
  }
  return seq
}

/** whether a failed join ran out of time (a dial, handshake or join timeout) rather than being refused or unreachable */
function timedOut (err: unknown): boolean {
  const { name, message } = (err ?? {}) as { name?: unknown, message?: unknown }
  if (name === 'TimeoutError' || name === 'AbortError') return true
  const cause = (err as { cause?: unknown } | null)?.cause
  return (typeof message === 'string' && /timed? ?out|aborted/i.test(message)) || (cause != null && cause !== err && timedOut(cause))
}
