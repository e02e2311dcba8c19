/**
 * What a coordinator replica keeps: per subject key, the verified interests registered with it,
 * one per (identity, node). Bounded: subjects (least recently used dropped first) and interests
 * per subject; an interest is dropped when its token expires.
 */
import { BoundedMap } from '../util/bounded-map.js'
import type { VerifiedInterest } from './interest-verifier.js'
import type { EpochRef } from '../epochs/epochs.js'

/** an interest as a replica keeps it: with the epoch it was registered under (undefined: epoch 0) */
export interface StoredInterest extends VerifiedInterest {
  epoch?: EpochRef
}

export interface CoordinatorStoreInit {
  /** most subjects kept. @default 10000 */
  maxSubjects?: number
  /** most interests kept per subject. @default 1024 */
  maxInterestsPerSubject?: number
  /** @default Date.now */
  now?: () => number
}

/** what put() did: a new or newer interest is stored (and must be matched); an older one is not */
export type PutResult = 'new' | 'replaced' | 'unchanged' | 'stale'

export class CoordinatorStore {
  private readonly subjects: BoundedMap<string, BoundedMap<string, StoredInterest>>
  private readonly maxPerSubject: number
  private readonly now: () => number

  constructor (init: CoordinatorStoreInit = {}) {
    this.now = init.now ?? Date.now
    this.subjects = new BoundedMap({ maxSize: init.maxSubjects ?? 10_000, now: this.now })
    this.maxPerSubject = init.maxInterestsPerSubject ?? 1024
  }

  /** number of subjects held */
  get size (): number {
    return this.subjects.size
  }

  put (interest: StoredInterest): PutResult {
    const ttl = interest.expiresAt - this.now()
    if (ttl <= 0) return 'stale'
    let interests = this.subjects.get(interest.keyHex)
    if (interests == null) {
      interests = new BoundedMap({ maxSize: this.maxPerSubject, now: this.now })
      this.subjects.set(interest.keyHex, interests)
    }
    const slot = slotOf(interest.identity, interest.nodeId)
    const existing = interests.peek(slot)
    if (existing?.jti === interest.jti) return 'unchanged'
    // iat has a resolution of seconds: of two tokens from the same second, the later arrival wins
    if (existing != null && interest.issuedAt < existing.issuedAt) return 'stale'
    interests.set(slot, interest, ttl)
    return existing == null ? 'new' : 'replaced'
  }

  remove (keyHex: string, identity: string, nodeId: string): boolean {
    const interests = this.subjects.peek(keyHex)
    const removed = interests?.delete(slotOf(identity, nodeId)) ?? false
    if (interests != null && interests.size === 0) this.subjects.delete(keyHex)
    return removed
  }

  /** removes every interest of node `peer`, or of identity `peer`; returns how many */
  removeParty (peer: string): number {
    let removed = 0
    for (const [key, interests] of [...this.subjects]) {
      for (const [slot, interest] of [...interests]) {
        if (interest.nodeId !== peer && interest.identity !== peer) continue
        interests.delete(slot)
        removed++
      }
      if (interests.size === 0) this.subjects.delete(key)
    }
    return removed
  }

  /** the live interests of a subject */
  interests (keyHex: string): StoredInterest[] {
    return [...(this.subjects.peek(keyHex)?.values() ?? [])]
  }

  keys (): string[] {
    return [...this.subjects.keys()]
  }

  /** drops expired interests and subjects left empty */
  prune (): void {
    for (const [key, interests] of [...this.subjects]) {
      interests.prune()
      if (interests.size === 0) this.subjects.delete(key)
    }
  }
}

function slotOf (identity: string, nodeId: string): string {
  return `${identity} ${nodeId}`
}
