/**
 * The realm's epochs as this node knows them. An epoch is a salt the realm leader publishes when
 * the epoch starts (never ahead), signed and numbered 1, 2, 3 ...: from then on a subject's
 * coordinators are the eligible members closest to its position in that epoch,
 * sha256(realm id + "/" + hex(salt) + "/" + hex(subject key)) (`subjectPosition` in
 * @realmesh/token). Nobody can know a position before the salt exists, and a member whose grant
 * is younger than the epoch may not coordinate in it (eligibility.ts), so a node key cannot be
 * chosen to land next to a subject.
 *
 * A node keeps the current epoch and the one before (interests are registered under both for a
 * while after a change: `overlap_ms`), each verified (shape, the leader's signature, this realm)
 * before it is kept. Epoch 0 is a realm without epochs: the position is the subject key itself.
 */
import { TypedEventEmitter } from 'main-event'
import { verifyPeerSignature } from '@realmesh/token'
import { checkEpoch, epochSigningBytes, MAX_EPOCHS_PER_MESSAGE, PROTOCOLS, RealmeshError, WireErrorCode } from '@realmesh/wire'
import { BackgroundSaver } from '../util/json-file.js'
import type { Epoch } from '@realmesh/wire'
import type { RealmDescriptor } from '@realmesh/token'
import type { ListStore } from '../util/json-file.js'

/** An epoch refused: EPOCH_INVALID (malformed, not signed by the realm leader, another realm) or EPOCH_STALE (older than the ones kept, or a number held already with another salt). */
export class EpochError extends RealmeshError {
  static override name = 'EpochError'
  readonly epoch: bigint

  constructor (code: typeof WireErrorCode.EPOCH_INVALID | typeof WireErrorCode.EPOCH_STALE, epoch: bigint, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.epoch = epoch
  }
}

/** Where epochs are kept across restarts (the CLI: DIR/epochs.json). */
export type EpochStore = ListStore<Epoch>

/** Checks an epoch's shape and the realm leader's signature over it (for this realm); throws EpochError EPOCH_INVALID. */
export function verifyEpoch (realm: RealmDescriptor, epoch: Epoch): void {
  try {
    checkEpoch(epoch, PROTOCOLS.peers)
  } catch (err) {
    throw new EpochError(WireErrorCode.EPOCH_INVALID, epoch.epoch, (err as Error).message, { cause: err })
  }
  if (!verifyPeerSignature(realm.leader.peerId, epochSigningBytes({ realmId: realm.id, ...epoch }), epoch.signature)) {
    throw new EpochError(WireErrorCode.EPOCH_INVALID, epoch.epoch, `epoch ${epoch.epoch} is not signed by the leader of realm ${realm.name} (or is for another realm)`)
  }
}

export interface EpochsInit {
  realm: RealmDescriptor
  now?: () => number
  store?: EpochStore
}

export interface EpochsEvents {
  /** epochs this node did not hold before, verified, lowest first; `from`: the peer they came from, if any */
  learnt: CustomEvent<{ epochs: Epoch[], from?: string }>
  /** the store could not be written (the epochs are held in memory) */
  'store:error': CustomEvent<Error>
}

export interface EpochAddResult {
  /** epochs new to this node, verified and kept */
  learnt: Epoch[]
  /** one error per epoch refused (EPOCH_INVALID, EPOCH_STALE) */
  refused: EpochError[]
}

/** an epoch, or epoch 0 (undefined): a realm without epochs, where a subject's position is its key */
export type EpochRef = Epoch | undefined

/** how many epochs a node keeps: the current one and the one before */
const KEEP = MAX_EPOCHS_PER_MESSAGE

export class Epochs extends TypedEventEmitter<EpochsEvents> {
  private readonly realm: RealmDescriptor
  private readonly now: () => number
  private readonly store: EpochStore | undefined
  /** by epoch number (as a string), at most KEEP */
  private readonly entries = new Map<string, Epoch>()
  private highest: Epoch | undefined
  private readonly saver: BackgroundSaver<Epoch>

  constructor (init: EpochsInit) {
    super()
    this.realm = init.realm
    this.now = init.now ?? Date.now
    this.store = init.store
    this.saver = new BackgroundSaver(this.store, () => this.list(), (err) => { this.safeDispatchEvent('store:error', { detail: err }) })
  }

  /** the highest epoch held (undefined: epoch 0) */
  get current (): Epoch | undefined {
    return this.highest
  }

  /** the highest epoch number held (0: none) */
  get epoch (): bigint {
    return this.highest?.epoch ?? 0n
  }

  /** the epoch numbered `epoch`, when held */
  get (epoch: bigint): Epoch | undefined {
    return this.entries.get(epoch.toString())
  }

  /** the epochs held, lowest first */
  list (): Epoch[] {
    return [...this.entries.values()].sort((a, b) => (a.epoch < b.epoch ? -1 : 1))
  }

  /** the epochs held after `epoch`, lowest first */
  since (epoch: bigint): Epoch[] {
    return this.list().filter(e => e.epoch > epoch)
  }

  /**
   * The epochs interests are registered under now: the current one, and, within its overlap, the
   * one before (epoch 0 before epoch 1; left out when it is not held).
   */
  placements (): EpochRef[] {
    const current = this.highest
    if (current == null) return [undefined]
    if (this.now() >= Number(current.startsAtMs + current.overlapMs)) return [current]
    if (current.epoch === 1n) return [current, undefined]
    const previous = this.get(current.epoch - 1n)
    return previous == null ? [current] : [current, previous]
  }

  /**
   * Whether a registration for `epoch` is one this node takes: the current epoch or the one before
   * (epoch 0 only while the current is at most 1). Throws EpochError EPOCH_STALE otherwise.
   */
  assertCurrent (epoch: EpochRef): void {
    const number = epoch?.epoch ?? 0n
    if (number + BigInt(KEEP) > this.epoch) return
    throw new EpochError(WireErrorCode.EPOCH_STALE, number, `epoch ${number} is over: this realm is at epoch ${this.epoch}`)
  }

  /** Loads the stored epochs (each verified again; any that does not verify is dropped). */
  async load (): Promise<void> {
    if (this.store == null) return
    this.add(await this.store.load(), undefined, false)
  }

  /** Verifies and keeps `epochs`; returns the new ones (and emits `learnt` with them and `from`) and one error per refusal. */
  add (epochs: Epoch[], from?: string, persist = true): EpochAddResult {
    const learnt: Epoch[] = []
    const refused: EpochError[] = []
    for (const epoch of [...epochs].sort((a, b) => (a.epoch < b.epoch ? -1 : 1))) {
      const known = this.get(epoch.epoch)
      if (known != null && Buffer.compare(known.signature, epoch.signature) === 0) continue
      try {
        // the cheap checks first: a stale epoch is refused without checking its signature
        // a number held already with another salt (the leader never signs two): the first one stays
        if (known != null) throw new EpochError(WireErrorCode.EPOCH_STALE, epoch.epoch, `epoch ${epoch.epoch} is held already, with another salt`)
        this.assertCurrent(epoch)
        verifyEpoch(this.realm, epoch)
      } catch (err) {
        refused.push(err as EpochError)
        continue
      }
      const copy = { ...epoch, salt: Uint8Array.from(epoch.salt), signature: Uint8Array.from(epoch.signature) }
      this.keep(copy)
      learnt.push(copy)
    }
    if (learnt.length > 0) {
      if (persist) this.saver.save()
      this.safeDispatchEvent('learnt', { detail: { epochs: learnt, from } })
    }
    return { learnt, refused }
  }

  /** resolves once what was added has been written (with a store) */
  async idle (): Promise<void> {
    await this.saver.idle()
  }

  private keep (epoch: Epoch): void {
    this.entries.set(epoch.epoch.toString(), epoch)
    if (this.highest == null || epoch.epoch > this.highest.epoch) this.highest = epoch
    const lowest = this.epoch - BigInt(KEEP)
    for (const [key, kept] of this.entries) if (kept.epoch <= lowest) this.entries.delete(key)
  }
}
