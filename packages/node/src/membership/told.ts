/**
 * Which records each member already holds, as far as this node can tell: those it was given on a
 * keepalive (PIGGY) and those it sent us. Piggybacking only records a member does not hold yet
 * makes a settled realm's keepalives carry nothing: no encoding, no verification, no join decision
 * at the other end, for records that did not change. A record that changes (a higher seq) is news
 * again. What a member holds may still be dropped by it (its learnt records are bounded and live an
 * hour); entries here live an hour too, so every record is offered again within an hour.
 */
import { BoundedMap } from '../util/bounded-map.js'

/** members tracked (the member table's own bound) */
const MAX_MEMBERS = 1024
/**
 * records tracked per member: only records of our own members are piggybacked, so this many
 * covers a member table of that size; past it the oldest is forgotten and offered again, which
 * costs a record on a keepalive, never correctness. 1,024 members x 256 is the worst case held
 * (a few tens of MiB); a realm's member tables are far smaller (k closest + a few per bucket)
 */
const MAX_RECORDS = 256
const TTL_MS = 3_600_000

/**
 * what one member holds: peer id -> the highest record seq it holds, oldest first. A plain Map,
 * bounded by hand: a node keeps one per member, and each can list every other member (a table's
 * square of entries), so an entry is only the Map's own slot. It lives as one: the whole set is
 * forgotten an hour after it began, so every record is offered again within an hour. (It was a
 * BoundedMap with an expiry object per entry: 3,000 of those per member in a simulated realm of
 * 1,000, over a third of its heap.)
 */
export type HeldBy = Map<string, bigint>

export class ToldRecords {
  private readonly told: BoundedMap<string, HeldBy>
  private readonly now: () => number

  constructor (now: () => number = Date.now) {
    this.now = now
    this.told = new BoundedMap({ maxSize: MAX_MEMBERS, ttlMs: TTL_MS, now })
  }

  /** whether `member` holds `peer`'s record at `seq` or newer */
  holds (member: string, peer: string, seq: bigint): boolean {
    const held = this.heldBy(member)
    return held != null && ToldRecords.covers(held, peer, seq)
  }

  /** what `member` holds (for many `covers` checks in a row), if anything is known */
  heldBy (member: string): HeldBy | undefined {
    return this.told.peek(member)
  }

  /** whether `held` (from heldBy) covers `peer`'s record at `seq` */
  static covers (held: HeldBy, peer: string, seq: bigint): boolean {
    const have = held.get(peer)
    return have != null && have >= seq
  }

  /** `member` holds `peer`'s record at `seq` (it was given it, or it gave it) */
  add (member: string, peer: string, seq: bigint): void {
    // get: the member's set stays among the most recently used, its hour runs from its start
    let held = this.told.get(member)
    if (held == null) {
      held = new Map()
      this.told.set(member, held)
    }
    const before = held.get(peer)
    if (before != null && before >= seq) return
    held.delete(peer)
    held.set(peer, seq)
    if (held.size > MAX_RECORDS) {
      const oldest = held.keys().next()
      if (oldest.done !== true) held.delete(oldest.value)
    }
  }

  /** `member`'s membership ended: what it held is not known any more */
  forget (member: string): void {
    this.told.delete(member)
  }

  clear (): void {
    this.told.clear()
  }
}
