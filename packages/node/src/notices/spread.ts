/**
 * How the realm leader's notices reach every member without the leader talking to each. Two kinds
 * travel the same way: revocations (numbered 1, 2, 3 ... by `seq`; every live one matters) and
 * epochs (numbered 1, 2, 3 ...; the current one and the one before matter):
 *   - flooding: a member that learns notices sends them (NOTICES) to each member it has an
 *     admitted connection with, except the one they came from; each member forwards what was new
 *     to it, so every notice crosses each member connection at most about twice;
 *   - catching up: a Hello carries the sender's highest revocation seq and epoch, and so does
 *     every keepalive and its answer; a side that sees a higher one than its own asks that member
 *     for the notices after its own (one NOTICES exchange, repeated while answers come full). A
 *     member that was away is thus brought up to date right after its first join, and a member
 *     that missed a flood within a keepalive interval.
 * A notice that does not verify is an offence of whoever sent it (only the leader can sign one; a
 * member forwards only what it verified). An epoch that is merely older than ours is not: it may
 * have crossed a newer one on the way.
 */
import { MAX_REVOCATIONS_PER_MESSAGE, PROTOCOLS, PeersRequest, WireErrorCode } from '@realmesh/wire'
import { BoundedMap } from '../util/bounded-map.js'
import type { Revocations } from '../revocation/revocations.js'
import type { Epochs } from '../epochs/epochs.js'
import type { Peers } from '../peers/peers.js'
import type { Connection, PeerId, Stream, AbortOptions } from '@libp2p/interface'
import type { Epoch, Revocation } from '@realmesh/wire'

/** most NOTICES exchanges one catch-up makes (256 revocations each) */
const MAX_PULL_ROUNDS = 64

/** what a member holds, as its Hello and keepalives say */
export interface NoticeSeqs {
  /** the highest revocation seq held (0: none) */
  revocationSeq: bigint
  /** the highest epoch held (0: none) */
  epoch: bigint
}

export interface Notices {
  revocations: Revocation[]
  epochs: Epoch[]
}

export interface NoticeSpreadDeps {
  revocations: Revocations
  epochs: Epochs
  peers: Peers
  /** the admitted member connections, one per member */
  memberConnections: () => Connection[]
  openStream: (peer: PeerId, protocol: string, options: AbortOptions) => Promise<Stream>
  offence: (peer: PeerId, code: string) => void
  shutdown: () => AbortSignal
}

export class NoticeSpread {
  private readonly deps: NoticeSpreadDeps
  /** what each peer announced in its Hello, until its connection is admitted */
  private readonly announced = new BoundedMap<string, NoticeSeqs>({ maxSize: 4096, ttlMs: 120_000 })
  /** peers a catch-up is under way with */
  private readonly pulling = new Set<string>()

  constructor (deps: NoticeSpreadDeps) {
    this.deps = deps
  }

  /** what this node holds (sent in Hello, keepalives and their answers) */
  seqs (): NoticeSeqs {
    return { revocationSeq: this.deps.revocations.seq, epoch: this.deps.epochs.epoch }
  }

  /** sends newly learnt notices to every member but `except` (where they came from) */
  flood (notices: Partial<Notices>, except?: string): void {
    const revocations = notices.revocations ?? []
    const epochs = notices.epochs ?? []
    if (revocations.length === 0 && epochs.length === 0) return
    const signal = AbortSignal.any([this.deps.shutdown(), AbortSignal.timeout(60_000)])
    const targets = this.deps.memberConnections().filter(c => c.remotePeer.toString() !== except)
    void (async () => {
      for (let i = 0; i < targets.length && !signal.aborted; i += 16) {
        await Promise.allSettled(targets.slice(i, i + 16).map(async (connection) => this.push(connection, revocations, epochs, signal)))
      }
    })()
  }

  /** notices a member sent us (NOTICES push or answer, DISCONNECT) */
  receive (notices: Partial<Notices>, from: PeerId): void {
    const before = this.seqs()
    let gap = false
    const revocations = notices.revocations ?? []
    if (revocations.length > 0) {
      const result = this.deps.revocations.add(revocations, from.toString())
      if (result.invalid > 0) this.deps.offence(from, WireErrorCode.REVOCATION_INVALID)
      // a gap below what arrived: the sender holds what we missed
      const lowest = result.learnt.reduce<bigint | undefined>((low, r) => low == null || r.seq < low ? r.seq : low, undefined)
      gap ||= lowest != null && lowest > before.revocationSeq + 1n
    }
    const epochs = notices.epochs ?? []
    if (epochs.length > 0) {
      const result = this.deps.epochs.add(epochs, from.toString())
      if (result.refused.some(e => e.code === WireErrorCode.EPOCH_INVALID)) this.deps.offence(from, WireErrorCode.EPOCH_INVALID)
      // the epoch before a new one matters too (its overlap): ask when it did not come along
      const newest = result.learnt.at(-1)?.epoch
      gap ||= newest != null && newest > before.epoch + 1n && this.deps.epochs.get(newest - 1n) == null
    }
    if (gap) this.catchUp(from, before)
  }

  /** what to answer a request for the notices after `seqs` */
  answer (seqs: NoticeSeqs): Notices {
    return { revocations: this.deps.revocations.since(seqs.revocationSeq, MAX_REVOCATIONS_PER_MESSAGE), epochs: this.deps.epochs.since(seqs.epoch) }
  }

  /** a peer's Hello said what it holds: acted on once it is admitted */
  announcedInHello (peer: PeerId, seqs: NoticeSeqs): void {
    if (this.holdsMore(seqs)) this.announced.set(peer.toString(), seqs)
  }

  /** a connection was admitted: catch up with it if its Hello said it holds more */
  admitted (peer: PeerId): void {
    const seqs = this.announced.get(peer.toString())
    this.announced.delete(peer.toString())
    if (seqs != null) this.seen(peer, seqs)
  }

  /** a member holds notices up to `seqs` (its keepalive said so): catch up when that is more than ours */
  seen (peer: PeerId, seqs: NoticeSeqs): void {
    if (this.holdsMore(seqs)) this.catchUp(peer, this.seqs())
  }

  private holdsMore (seqs: NoticeSeqs): boolean {
    return seqs.revocationSeq > this.deps.revocations.seq || seqs.epoch > this.deps.epochs.epoch
  }

  /** asks `peer` for the notices after `since`, unless a catch-up with it is under way */
  private catchUp (peer: PeerId, since: NoticeSeqs): void {
    const id = peer.toString()
    if (this.pulling.has(id) || this.pulling.size >= 64) return
    this.pulling.add(id)
    void this.pull(peer, since).catch(() => {}).finally(() => { this.pulling.delete(id) })
  }

  private async pull (peer: PeerId, since: NoticeSeqs): Promise<void> {
    const signal = this.deps.shutdown()
    // epochs before the one we hold: the one before the current (its overlap) may be missing
    const ask = { ...since, epoch: since.epoch > 0n ? since.epoch - 1n : 0n }
    for (let round = 0; round < MAX_PULL_ROUNDS && !signal.aborted; round++) {
      const response = await this.deps.peers.exchange(async (o) => this.deps.openStream(peer, PROTOCOLS.peers, o), { type: PeersRequest.Type.NOTICES, ...ask }, { signal })
      this.receive(response, peer)
      const last = response.revocations.at(-1)?.seq
      if (response.revocations.length < MAX_REVOCATIONS_PER_MESSAGE || last == null || last <= ask.revocationSeq) return
      ask.revocationSeq = last
      ask.epoch = this.deps.epochs.epoch
    }
  }

  private async push (connection: Connection, revocations: Revocation[], epochs: Epoch[], signal: AbortSignal): Promise<void> {
    for (let i = 0; i === 0 || i < revocations.length; i += MAX_REVOCATIONS_PER_MESSAGE) {
      await this.deps.peers.exchange(async (o) => connection.newStream(PROTOCOLS.peers, o), { type: PeersRequest.Type.NOTICES, revocations: revocations.slice(i, i + MAX_REVOCATIONS_PER_MESSAGE), epochs: i === 0 ? epochs : [] }, { signal })
    }
  }
}
