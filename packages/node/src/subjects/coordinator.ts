/**
 * The coordinator replica role (seed 001 step 4): a node that is one of the R eligible members
 * closest to a subject's position in an epoch keeps the verified interests registered with it, and
 * whenever a new (or renewed) interest arrives, tells every pair it completes about each other with
 * MATCH (the signed tokens and record of the counterpart, so each side verifies the other itself).
 * Every replica matches; nodes drop repeated MATCHes. Interests are kept per subject key whatever
 * the epoch they were registered under, so a sender and a receiver that registered under two
 * epochs with one replica in common are matched too. When a member eligible in an interest's epoch
 * and closer to its position there than this node joins, the registration is handed to it
 * (REGISTER is self-certifying, so it may be relayed).
 */
import { compareDistance, fingerprint, xorDistance } from '@realmesh/token'
import { CoordinatorStore } from './coordinator-store.js'
import { TaskQueue } from './task-queue.js'
import { pairs } from './audience.js'
import type { CoordinatorStoreInit, StoredInterest } from './coordinator-store.js'
import type { VerifiedInterest } from './interest-verifier.js'
import type { EpochRef } from '../epochs/epochs.js'
import type { PeerId } from '@libp2p/interface'

export interface CoordinatorDeps {
  self: PeerId
  /** MATCH to `to`'s node about `about` (handled locally when that node is this one) */
  match: (to: VerifiedInterest, about: VerifiedInterest) => Promise<void>
  /** REGISTER `interest` with `peer` (a hand-off), under the epoch it was registered here under */
  relay: (peer: PeerId, interest: StoredInterest) => Promise<void>
  /** a subject's position in an epoch */
  position: (key: Uint8Array, epoch: EpochRef) => Uint8Array
  /** whether a member may coordinate in an epoch (its node token, held by membership) */
  eligible: (peer: string, epoch: EpochRef) => boolean | undefined
  /** a new or renewed interest was stored */
  onStored: (interest: VerifiedInterest) => void
  now: () => number
}

export interface CoordinatorInit extends CoordinatorStoreInit {
  /** MATCH and hand-off messages in flight at once. @default 8 */
  concurrency?: number
}

export class Coordinator {
  readonly store: CoordinatorStore
  private readonly deps: CoordinatorDeps
  private readonly tasks: TaskQueue
  private readonly selfKey: Uint8Array
  private timer: ReturnType<typeof setInterval> | undefined

  constructor (deps: CoordinatorDeps, init: CoordinatorInit = {}) {
    this.deps = deps
    this.store = new CoordinatorStore({ ...init, now: deps.now })
    this.tasks = new TaskQueue({ concurrency: init.concurrency ?? 8 })
    this.selfKey = fingerprint(deps.self)
  }

  start (): void {
    this.timer = setInterval(() => { this.store.prune() }, 60_000)
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
    this.tasks.clear()
  }

  /** Stores a verified interest; a new or newer one is matched with every counterpart it pairs with. */
  register (verified: VerifiedInterest, epoch: EpochRef): void {
    const interest: StoredInterest = { ...verified, epoch }
    const result = this.store.put(interest)
    if (result !== 'new' && result !== 'replaced') return
    this.deps.onStored(interest)
    for (const other of this.store.interests(interest.keyHex)) {
      if (!pairs(interest, other)) continue
      this.tasks.push(async () => { await this.deps.match(interest, other) })
      this.tasks.push(async () => { await this.deps.match(other, interest) })
    }
  }

  withdraw (keyHex: string, identity: string, nodeId: string): void {
    this.store.remove(keyHex, identity, nodeId)
  }

  /** A member joined: hand it every stored interest it may coordinate and is closer to than this node. */
  memberJoined (peer: PeerId): void {
    const theirs = fingerprint(peer)
    for (const keyHex of this.store.keys()) {
      const key = Buffer.from(keyHex, 'hex')
      for (const interest of this.store.interests(keyHex)) {
        if (interest.nodeId === peer.toString() || interest.record == null) continue
        if (this.deps.eligible(peer.toString(), interest.epoch) !== true) continue
        const position = this.deps.position(key, interest.epoch)
        if (compareDistance(xorDistance(theirs, position), xorDistance(this.selfKey, position)) >= 0) continue
        this.tasks.push(async () => { await this.deps.relay(peer, interest) })
      }
    }
  }
}
