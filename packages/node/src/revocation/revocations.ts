/**
 * The realm's revocations as this node knows them: each one signed by the realm leader and
 * numbered by it (seq 1, 2, 3 ...), naming every token of a peer or one token (jti) of it, until a
 * time after which nothing it names could be valid any more.
 *
 * Why one signed entry per revocation rather than one signed, numbered document: an entry is
 * small and final, so a new revocation travels alone (a few hundred bytes) through the realm, and a
 * member that was away asks for the entries after the highest seq it holds; a whole-list document
 * would be re-signed and re-sent in full at every revocation, and grow with the list. Entries
 * expire one by one (`until`), which keeps the set bounded by the revocations still meaningful.
 *
 * Every entry is verified (shape, the realm leader's signature, this realm's id) before it is
 * kept; nothing else can add one. Kept in memory (bounded) and, with a store, on disk.
 */
import { TypedEventEmitter } from 'main-event'
import { verifyPeerSignature } from '@realmesh/token'
import { checkRevocation, revocationSigningBytes, PROTOCOLS, RealmeshError, WireErrorCode } from '@realmesh/wire'
import { BackgroundSaver } from '../util/json-file.js'
import type { Revocation } from '@realmesh/wire'
import type { RealmDescriptor } from '@realmesh/token'
import type { ListStore } from '../util/json-file.js'

/** A revocation that is malformed, not signed by the realm leader, or for another realm. */
export class RevocationInvalidError extends RealmeshError {
  static override name = 'RevocationInvalidError'

  constructor (message: string, options?: { cause?: unknown }) {
    super(WireErrorCode.REVOCATION_INVALID, message, options)
  }
}

/** Where revocations are kept across restarts (the CLI: DIR/revocations.json). */
export type RevocationStore = ListStore<Revocation>

/** Checks a revocation's shape and the realm leader's signature over it (for this realm); throws RevocationInvalidError. */
export function verifyRevocation (realm: RealmDescriptor, revocation: Revocation): void {
  try {
    checkRevocation(revocation, PROTOCOLS.peers)
  } catch (err) {
    throw new RevocationInvalidError((err as Error).message, { cause: err })
  }
  const signed = revocationSigningBytes({ realmId: realm.id, ...revocation })
  if (!verifyPeerSignature(realm.leader.peerId, signed, revocation.signature)) {
    throw new RevocationInvalidError(`revocation ${revocation.seq} is not signed by the leader of realm ${realm.name} (or is for another realm)`)
  }
}

/** whether `revocation` names the token `jti` of `sub` */
export function revokes (revocation: Revocation, jti: string, sub: string): boolean {
  return (revocation.peer === '' || revocation.peer === sub) && (revocation.jti === '' || revocation.jti === jti)
}

export interface RevocationsInit {
  realm: RealmDescriptor
  now?: () => number
  store?: RevocationStore
  /** most revocations kept (only the leader can make them). @default 100000 */
  maxEntries?: number
}

export interface RevocationsEvents {
  /** revocations this node did not hold before, verified; `from`: the peer they came from, if any */
  learnt: CustomEvent<{ revocations: Revocation[], from?: string }>
  /** the store could not be written (the revocations are held in memory) */
  'store:error': CustomEvent<Error>
}

export interface AddResult {
  /** revocations new to this node, verified and kept */
  learnt: Revocation[]
  /** how many did not verify */
  invalid: number
  /** the first verification error, if any */
  error?: RevocationInvalidError
}

export class Revocations extends TypedEventEmitter<RevocationsEvents> {
  private readonly realm: RealmDescriptor
  private readonly now: () => number
  private readonly store: RevocationStore | undefined
  private readonly maxEntries: number
  /** by seq (as a string) */
  private readonly entries = new Map<string, Revocation>()
  /** peer -> the revocations naming it (every token of it, or one of its tokens) */
  private readonly byPeer = new Map<string, Revocation[]>()
  /** jti -> the revocation of that one token */
  private readonly byJti = new Map<string, Revocation>()
  private highest = 0n
  private readonly saver: BackgroundSaver<Revocation>

  constructor (init: RevocationsInit) {
    super()
    this.realm = init.realm
    this.now = init.now ?? Date.now
    this.store = init.store
    this.maxEntries = init.maxEntries ?? 100_000
    this.saver = new BackgroundSaver(this.store, () => this.list(), (err) => { this.safeDispatchEvent('store:error', { detail: err }) })
  }

  /** how many revocations are held */
  get size (): number {
    return this.entries.size
  }

  /** the highest seq this node holds (0: none) */
  get seq (): bigint {
    return this.highest
  }

  /** Loads the stored revocations (each verified again; any that does not verify is dropped). */
  async load (): Promise<void> {
    if (this.store == null) return
    for (const revocation of await this.store.load()) {
      try {
        verifyRevocation(this.realm, revocation)
      } catch {
        continue
      }
      this.keep(revocation)
    }
    this.prune()
  }

  /** whether the token `jti` of `sub` is revoked */
  isRevoked (jti: string, sub: string): boolean {
    const one = this.byJti.get(jti)
    if (one != null && revokes(one, jti, sub) && this.live(one)) return true
    return this.byPeer.get(sub)?.some(r => r.jti === '' && this.live(r)) ?? false
  }

  /** the live revocations naming a token of `peer` */
  of (peer: string): Revocation[] {
    return (this.byPeer.get(peer) ?? []).filter(r => this.live(r))
  }

  /** Verifies and keeps `revocations`; returns the new ones (and emits `learnt` with them and `from`). */
  add (revocations: Revocation[], from?: string): AddResult {
    const learnt: Revocation[] = []
    let invalid = 0
    let error: RevocationInvalidError | undefined
    for (const revocation of revocations) {
      const known = this.entries.get(revocation.seq.toString())
      if (known != null && Buffer.compare(known.signature, revocation.signature) === 0) continue
      // one that has run out is dropped before its signature is checked: replaying the leader's old
      // entries costs the sender as much as it costs this node
      if (!this.live(revocation)) continue
      try {
        verifyRevocation(this.realm, revocation)
      } catch (err) {
        invalid++
        error ??= err as RevocationInvalidError
        continue
      }
      // a seq the leader used twice (it never does): the first one kept stays
      if (known != null) continue
      const copy = { ...revocation, signature: Uint8Array.from(revocation.signature) }
      this.keep(copy)
      learnt.push(copy)
    }
    if (learnt.length > 0) {
      this.persist()
      this.safeDispatchEvent('learnt', { detail: { revocations: learnt, from } })
    }
    return { learnt, invalid, error }
  }

  /** the live revocations after `seq`, lowest first, at most `limit` */
  since (seq: bigint, limit: number): Revocation[] {
    const out: Revocation[] = []
    for (const revocation of this.entries.values()) {
      if (revocation.seq > seq && this.live(revocation)) out.push(revocation)
    }
    return out.sort((a, b) => (a.seq < b.seq ? -1 : 1)).slice(0, limit)
  }

  /** every live revocation, lowest seq first */
  list (): Revocation[] {
    return this.since(0n, Number.MAX_SAFE_INTEGER)
  }

  /** drops the revocations whose time is over; true when something was dropped */
  prune (): boolean {
    let dropped = false
    for (const revocation of [...this.entries.values()]) {
      if (!this.live(revocation)) {
        this.forget(revocation)
        dropped = true
      }
    }
    if (dropped) this.persist()
    return dropped
  }

  /** resolves once what was added has been written (with a store) */
  async idle (): Promise<void> {
    await this.saver.idle()
  }

  private live (revocation: Revocation | undefined): boolean {
    return revocation != null && Number(revocation.untilMs) > this.now()
  }

  private keep (revocation: Revocation): void {
    if (this.entries.size >= this.maxEntries) this.dropSoonest()
    this.entries.set(revocation.seq.toString(), revocation)
    if (revocation.jti !== '') this.byJti.set(revocation.jti, revocation)
    if (revocation.peer !== '') {
      const list = this.byPeer.get(revocation.peer)
      if (list == null) this.byPeer.set(revocation.peer, [revocation])
      else list.push(revocation)
    }
    if (revocation.seq > this.highest) this.highest = revocation.seq
  }

  private forget (revocation: Revocation): void {
    this.entries.delete(revocation.seq.toString())
    if (this.byJti.get(revocation.jti) === revocation) this.byJti.delete(revocation.jti)
    if (revocation.peer === '') return
    const rest = (this.byPeer.get(revocation.peer) ?? []).filter(r => r !== revocation)
    if (rest.length === 0) this.byPeer.delete(revocation.peer)
    else this.byPeer.set(revocation.peer, rest)
  }

  /** full (only a leader issuing more than maxEntries live revocations gets here): the one ending soonest goes */
  private dropSoonest (): void {
    let soonest: Revocation | undefined
    for (const revocation of this.entries.values()) {
      if (soonest == null || revocation.untilMs < soonest.untilMs) soonest = revocation
    }
    if (soonest != null) this.forget(soonest)
  }

  /** writes the set in the background, one write at a time, the last state winning */
  private persist (): void {
    this.saver.save()
  }
}
