/**
 * The coordinator replica role (seed 001 step 4): a node that is one of the R members closest to a
 * subject key keeps the verified interests registered with it, and whenever a new (or renewed)
 * interest arrives, tells every pair it completes about each other with MATCH (the signed tokens
 * and record of the counterpart, so each side verifies the other itself). Every replica matches;
 * nodes drop repeated MATCHes. When a member closer to a stored subject than this node joins, the
 * stored registrations are handed to it (REGISTER is self-certifying, so it may be relayed).
 */
import { compareDistance, fingerprint, xorDistance } from '@realmesh/token'
import { CoordinatorStore } from './coordinator-store.js'
import { TaskQueue } from './task-queue.js'
import { pairs } from './audience.js'
import type { CoordinatorStoreInit } from './coordinator-store.js'
import type { VerifiedInterest } from './interest-verifier.js'
import type { PeerId } from '@libp2p/interface'

export interface CoordinatorDeps {
  self: PeerId
  /** MATCH to `to`'s node about `about` (handled locally when that node is this one) */
  match: (to: VerifiedInterest, about: VerifiedInterest) => Promise<void>
  /** REGISTER `interest` with `peer` (a hand-off) */
  relay: (peer: PeerId, interest: VerifiedInterest) => Promise<void>
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
  register (interest: VerifiedInterest): void {
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

  /** A member joined: hand it every stored subject it is closer to than this node. */
  memberJoined (peer: PeerId): void {
    const theirs = fingerprint(peer)
    for (const keyHex of this.store.keys()) {
      const key = Buffer.from(keyHex, 'hex')
      if (compareDistance(xorDistance(theirs, key), xorDistance(this.selfKey, key)) >= 0) continue
      for (const interest of this.store.interests(keyHex)) {
        if (interest.nodeId === peer.toString() || interest.record == null) continue
        this.tasks.push(async () => { await this.deps.relay(peer, interest) })
      }
    }
  }
}
