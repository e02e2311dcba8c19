/**
 * This node's own signed peer record (its node token, the addresses it announces (own-addresses.ts)
 * and, for a sleepy node, its wake schedule; seq = the time it was signed, always higher than the
 * last), and telling members when it changes: new addresses (seed 003: publishing address changes
 * to peers) or a renewed node token, which members must see before the old one expires.
 *
 * Addresses are checked on libp2p's `self:peer:update` (a listener added or closed) and every
 * `checkMs` (an interface address that came or went under a 0.0.0.0 listener fires nothing).
 */
import { multiaddr } from '@multiformats/multiaddr'
import { fingerprint } from '@realmesh/token'
import { signPeerRecord } from './records.js'
import { announcedAddrs, interfaceIps, listenedAddrs } from './own-addresses.js'
import type { AnnouncedAddrs } from './own-addresses.js'
import type { Membership } from '../membership/membership.js'
import type { RealmLibp2p } from '../libp2p.js'
import type { Connection, PeerId, PrivateKey, AbortOptions } from '@libp2p/interface'
import type { PeerRecord, WakeSchedule } from '@realmesh/wire'

export interface OwnRecordDeps {
  self: PeerId
  privateKey: PrivateKey
  libp2p: RealmLibp2p
  membership: Membership
  nodeToken: () => string | undefined
  /** the wake schedule this node sleeps on (RealmNodeInit.sleep), signed into its record */
  wake?: WakeSchedule
  now: () => number
  shutdown: () => AbortSignal
  /** an admitted connection to `peer`, if there is one */
  admittedConnection: (peer: PeerId) => Connection | undefined
  /** UPDATE with `record` on `connection` */
  updateOn: (connection: Connection, record: PeerRecord, signal: AbortSignal) => Promise<void>
  /** UPDATE with `record` to `peer` (dialling and admitting a connection if needed) */
  updateTo: (peer: PeerId, record: PeerRecord, signal: AbortSignal) => Promise<void>
  /** the announced addresses changed and the record was signed again */
  changed: (detail: AddressesChangedDetail) => void
}

export interface AddressesChangedDetail {
  /** the addresses in the new record */
  addrs: string[]
  /** listen addresses on no interface now, left out until they are back */
  missing: string[]
  /** the new record's sequence number */
  seq: bigint
}

/** how often the addresses are checked by default, ms */
export const ADDRESS_CHECK_MS = 5_000

export class OwnRecord {
  private readonly deps: OwnRecordDeps
  private record: PeerRecord | undefined
  /** the seq of the last record signed (a new one is always higher, also within one ms) */
  private lastSeq = 0n
  private timer: ReturnType<typeof setInterval> | undefined

  constructor (deps: OwnRecordDeps) {
    this.deps = deps
  }

  /** the current record, signed now if there is none (undefined without a node token) */
  get (): PeerRecord | undefined {
    if (this.record != null) return this.record
    const token = this.deps.nodeToken()
    if (token == null) return undefined
    const seq = BigInt(this.deps.now()) > this.lastSeq ? BigInt(this.deps.now()) : this.lastSeq + 1n
    this.lastSeq = seq
    this.record = signPeerRecord(this.deps.privateKey, token, this.announced().addrs, seq, this.deps.wake)
    return this.record
  }

  /** the addresses the record would hold now */
  announced (): AnnouncedAddrs {
    return announcedAddrs(listenedAddrs(this.deps.libp2p.services.nat.addresses()), interfaceIps())
  }

  /** checks the addresses every `checkMs` (0: only on self:peer:update) until stop() */
  start (checkMs = ADDRESS_CHECK_MS): void {
    this.stop()
    if (checkMs > 0) {
      this.timer = setInterval(this.onSelfUpdate, checkMs)
      this.timer.unref()
    }
  }

  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** the record held now, without signing one */
  peek (): PeerRecord | undefined {
    return this.record
  }

  /** the token changed: the next get() signs a new record */
  invalidate (): void {
    this.record = undefined
  }

  /** if our addresses changed: sign a new record (higher seq) and tell our members */
  readonly onSelfUpdate = (): void => {
    if (this.record == null) return
    const announced = this.announced()
    const now = announced.addrs.map(a => a.toString()).sort().join(' ')
    const recorded = this.record.addrs.map(b => multiaddr(b).toString()).sort().join(' ')
    if (now === recorded) return
    this.record = undefined
    const record = this.get()
    if (record == null) return
    this.deps.changed({ addrs: record.addrs.map(b => multiaddr(b).toString()), missing: announced.missing.map(a => a.toString()), seq: record.seq })
    void this.announceSelf()
  }

  /** sends our current record in an UPDATE to up to 64 members we have admitted connections with */
  async announceSelf (options: AbortOptions = {}): Promise<void> {
    const record = this.get()
    if (record == null) return
    const signal = options.signal ?? this.deps.shutdown()
    const targets = this.deps.membership.closest(fingerprint(this.deps.self), 64)
      .map(m => this.deps.admittedConnection(m.peerId))
      .filter((c): c is Connection => c != null)
    await Promise.allSettled(targets.map(async (c) => this.deps.updateOn(c, record, signal)))
  }

  /**
   * Our record (re-signed with a renewed token) to every member in an UPDATE, 16 at a time, so
   * that they keep us past the old token's expiry. Best effort: a member that misses it learns the
   * record from a keepalive or an NLIST later, or drops us when the old token expires and we join
   * it again.
   */
  async announceToAll (): Promise<void> {
    const record = this.get()
    if (record == null) return
    const members = this.deps.membership.list()
    const signal = AbortSignal.any([this.deps.shutdown(), AbortSignal.timeout(30_000)])
    for (let i = 0; i < members.length && !signal.aborted; i += 16) {
      await Promise.allSettled(members.slice(i, i + 16).map(async (member) => this.deps.updateTo(member.peerId, record, signal)))
    }
  }
}
