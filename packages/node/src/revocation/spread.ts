/**
 * How revocations reach every member without the leader talking to each:
 *   - flooding: a member that learns a revocation sends it (REVOCATIONS) to each member it has an
 *     admitted connection with, except the one it came from; each member forwards what was new
 *     to it, so every revocation crosses each member connection at most about twice;
 *   - catching up: a Hello carries the sender's highest revocation seq, and so does every
 *     keepalive and its answer; a side that sees a higher seq than its own asks that member for
 *     the revocations after its own (one REVOCATIONS exchange, repeated while answers come full).
 *     A member that was away is thus brought up to date right after its first join, and a member
 *     that missed a flood within a keepalive interval.
 * A revocation that does not verify is an offence of whoever sent it (only the leader can sign
 * one; a member forwards only what it verified).
 */
import { MAX_REVOCATIONS_PER_MESSAGE, PROTOCOLS, PeersRequest, WireErrorCode } from '@realmesh/wire'
import { BoundedMap } from '../util/bounded-map.js'
import type { Revocations } from './revocations.js'
import type { Peers } from '../peers/peers.js'
import type { Connection, PeerId, Stream, AbortOptions } from '@libp2p/interface'
import type { Revocation } from '@realmesh/wire'

/** most REVOCATIONS exchanges one catch-up makes (256 revocations each) */
const MAX_PULL_ROUNDS = 64

export interface RevocationSpreadDeps {
  revocations: Revocations
  peers: Peers
  /** the admitted member connections, one per member */
  memberConnections: () => Connection[]
  openStream: (peer: PeerId, protocol: string, options: AbortOptions) => Promise<Stream>
  offence: (peer: PeerId, code: string) => void
  shutdown: () => AbortSignal
}

export class RevocationSpread {
  private readonly deps: RevocationSpreadDeps
  /** the revocation seq each peer announced in its Hello, until its connection is admitted */
  private readonly announced = new BoundedMap<string, bigint>({ maxSize: 4096, ttlMs: 120_000 })
  /** peers a catch-up is under way with */
  private readonly pulling = new Set<string>()

  constructor (deps: RevocationSpreadDeps) {
    this.deps = deps
  }

  /** sends newly learnt revocations to every member but `except` (where they came from) */
  flood (revocations: Revocation[], except?: string): void {
    if (revocations.length === 0) return
    const signal = AbortSignal.any([this.deps.shutdown(), AbortSignal.timeout(60_000)])
    const targets = this.deps.memberConnections().filter(c => c.remotePeer.toString() !== except)
    void (async () => {
      for (let i = 0; i < targets.length && !signal.aborted; i += 16) {
        await Promise.allSettled(targets.slice(i, i + 16).map(async (connection) => this.push(connection, revocations, signal)))
      }
    })()
  }

  /** revocations a member sent us (REVOCATIONS push, DISCONNECT) */
  receive (revocations: Revocation[], from: PeerId): void {
    if (revocations.length === 0) return
    const before = this.deps.revocations.seq
    const result = this.deps.revocations.add(revocations, from.toString())
    if (result.invalid > 0) this.deps.offence(from, WireErrorCode.REVOCATION_INVALID)
    // a gap below what arrived: the sender holds what we missed
    const lowest = result.learnt.reduce<bigint | undefined>((low, r) => low == null || r.seq < low ? r.seq : low, undefined)
    if (lowest != null && lowest > before + 1n) this.catchUp(from, before)
  }

  /** what to answer a request for the revocations after `seq` */
  answer (seq: bigint): Revocation[] {
    return this.deps.revocations.since(seq, MAX_REVOCATIONS_PER_MESSAGE)
  }

  /** a peer's Hello said it holds revocations up to `seq`: acted on once it is admitted */
  announcedInHello (peer: PeerId, seq: bigint): void {
    if (seq > this.deps.revocations.seq) this.announced.set(peer.toString(), seq)
  }

  /** a connection was admitted: catch up with it if its Hello said it holds more */
  admitted (peer: PeerId): void {
    const seq = this.announced.get(peer.toString())
    this.announced.delete(peer.toString())
    if (seq != null) this.seen(peer, seq)
  }

  /** a member holds revocations up to `seq` (its keepalive said so): catch up when that is more than ours */
  seen (peer: PeerId, seq: bigint): void {
    if (seq > this.deps.revocations.seq) this.catchUp(peer, this.deps.revocations.seq)
  }

  /** asks `peer` for the revocations after `since`, unless a catch-up with it is under way */
  private catchUp (peer: PeerId, since: bigint): void {
    const id = peer.toString()
    if (this.pulling.has(id) || this.pulling.size >= 64) return
    this.pulling.add(id)
    void this.pull(peer, since).catch(() => {}).finally(() => { this.pulling.delete(id) })
  }

  private async pull (peer: PeerId, since: bigint): Promise<void> {
    const signal = this.deps.shutdown()
    for (let round = 0; round < MAX_PULL_ROUNDS && !signal.aborted; round++) {
      const response = await this.deps.peers.exchange(async (o) => this.deps.openStream(peer, PROTOCOLS.peers, o), { type: PeersRequest.Type.REVOCATIONS, revocationSeq: since }, { signal })
      this.receive(response.revocations, peer)
      const last = response.revocations.at(-1)?.seq
      if (response.revocations.length < MAX_REVOCATIONS_PER_MESSAGE || last == null || last <= since) return
      since = last
    }
  }

  private async push (connection: Connection, revocations: Revocation[], signal: AbortSignal): Promise<void> {
    for (let i = 0; i < revocations.length; i += MAX_REVOCATIONS_PER_MESSAGE) {
      await this.deps.peers.exchange(async (o) => connection.newStream(PROTOCOLS.peers, o), { type: PeersRequest.Type.REVOCATIONS, revocations: revocations.slice(i, i + MAX_REVOCATIONS_PER_MESSAGE) }, { signal })
    }
  }
}
