/**
 * What a wrong join-secret proof costs (joinProofs in leader.yaml). Each wrong proof from a source
 * address makes the leader refuse the next proofs from that address unchecked for a while
 * (backoffSeconds, doubling per wrong proof); after `banAfter` wrong proofs the address is banned
 * from asking for tokens, and every peer that sent one of them is banned by the leader's node (its
 * connections closed, new ones refused). A right proof clears the address's record.
 *
 * With the defaults an address gets 5 guesses in 15 s, then none for an hour; before, one address
 * made 185 guesses in 6.7 s. Address bans live in memory (a restarted leader forgets them); peer
 * bans are the node's (bans.json, kept across restarts).
 */
import { BoundedMap } from '@realmesh/node'
import { WireErrorCode } from '@realmesh/wire'
import type { JoinProofLimits } from './config-limits.js'

interface AddressRecord {
  /** wrong proofs so far */
  failures: number
  /** no proof is checked before this time, ms since the epoch */
  blockedUntil: number
  /** the peers that sent the wrong proofs (at most banAfter) */
  peers: string[]
  banned: boolean
}

export interface ProofRefusal {
  code: string
  reason: string
  retryAfterMs: number
}

/** what a wrong proof did: how long its address waits now, and whom to ban when it earned a ban */
export interface WrongProof {
  waitMs: number
  /** the address reached banAfter: it is banned for waitMs, and so are these peers (its guessers) */
  ban?: { peers: string[], until: number }
}

export interface JoinProofGuardInit {
  limits: JoinProofLimits
  now: () => number
  /** most addresses remembered. @default 10000 */
  maxAddresses?: number
}

export class JoinProofGuard {
  private readonly init: JoinProofGuardInit
  private readonly records: BoundedMap<string, AddressRecord>

  constructor (init: JoinProofGuardInit) {
    this.init = init
    // past the bound the least recently seen address is forgotten: that only ever forgives
    this.records = new BoundedMap({ maxSize: init.maxAddresses ?? 10_000, now: init.now })
  }

  /** true while `address` is banned */
  isBanned (address: string): boolean {
    return this.records.peek(address)?.banned === true
  }

  /** Why a proof from `address` is not even checked now (undefined: check it). */
  refusal (address: string): ProofRefusal | undefined {
    const record = this.records.peek(address)
    if (record === undefined) return undefined
    const waitMs = record.blockedUntil - this.init.now()
    if (record.banned) {
      return { code: WireErrorCode.PEER_BANNED, reason: `this address is banned from asking for tokens for ${Math.ceil(waitMs / 1000)} s more, after ${record.failures} wrong join proofs`, retryAfterMs: 0 }
    }
    if (waitMs <= 0) return undefined
    return { code: WireErrorCode.RATE_LIMITED, reason: `a wrong join proof came from this address; the next one is checked in ${Math.ceil(waitMs / 1000)} s`, retryAfterMs: waitMs }
  }

  /** Counts a wrong proof from `peer` at `address`. Banning the peers is the caller's (it closes their connections). */
  wrong (address: string, peer: string): WrongProof {
    const { backoffSeconds, banAfter, banSeconds } = this.init.limits
    const now = this.init.now()
    const record = this.records.peek(address) ?? { failures: 0, blockedUntil: 0, peers: [], banned: false }
    record.failures++
    if (!record.peers.includes(peer)) record.peers.push(peer)
    const banMs = banSeconds * 1000
    if (record.failures >= banAfter) {
      record.banned = true
      record.blockedUntil = now + banMs
      this.records.set(address, record, banMs)
      return { waitMs: banMs, ban: { peers: [...record.peers], until: record.blockedUntil } }
    }
    const waitMs = Math.min(banMs, backoffSeconds * 1000 * 2 ** (record.failures - 1))
    record.blockedUntil = now + waitMs
    // the record outlives its backoff by a ban's length: slow guessing still adds up to a ban
    this.records.set(address, record, waitMs + banMs)
    return { waitMs }
  }

  /** A right proof from `address`: its wrong ones are forgiven. */
  right (address: string): void {
    if (this.records.peek(address)?.banned !== true) this.records.delete(address)
  }
}
