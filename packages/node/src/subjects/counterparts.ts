/**
 * The counterparts this node was matched with, per subject: verified, inside both audiences and
 * allowed by the subject's authorize callbacks. One entry per (identity, node); a renewed token
 * replaces the entry, an expired one drops out. Bounded per subject.
 */
import { BoundedMap } from '../util/bounded-map.js'
import type { VerifiedInterest } from './interest-verifier.js'

export class Counterparts {
  private readonly bySubject = new Map<string, BoundedMap<string, VerifiedInterest>>()
  private readonly maxPerSubject: number
  private readonly now: () => number

  constructor (maxPerSubject: number, now: () => number) {
    this.maxPerSubject = maxPerSubject
    this.now = now
  }

  get (keyHex: string, identity: string, nodeId: string): VerifiedInterest | undefined {
    return this.bySubject.get(keyHex)?.peek(slotOf(identity, nodeId))
  }

  set (counterpart: VerifiedInterest): void {
    let entries = this.bySubject.get(counterpart.keyHex)
    if (entries == null) {
      entries = new BoundedMap({ maxSize: this.maxPerSubject, now: this.now })
      this.bySubject.set(counterpart.keyHex, entries)
    }
    entries.set(slotOf(counterpart.identity, counterpart.nodeId), counterpart, Math.max(1, counterpart.expiresAt - this.now()))
  }

  list (keyHex: string): VerifiedInterest[] {
    return [...(this.bySubject.get(keyHex)?.values() ?? [])]
  }

  remove (keyHex: string, identity: string, nodeId: string): VerifiedInterest | undefined {
    const entries = this.bySubject.get(keyHex)
    const slot = slotOf(identity, nodeId)
    const existing = entries?.peek(slot)
    entries?.delete(slot)
    return existing
  }

  /** forgets every counterpart on `nodeId` (it left the realm); returns them */
  removeNode (nodeId: string): VerifiedInterest[] {
    const removed: VerifiedInterest[] = []
    for (const entries of this.bySubject.values()) {
      for (const [slot, counterpart] of [...entries]) {
        if (counterpart.nodeId !== nodeId) continue
        entries.delete(slot)
        removed.push(counterpart)
      }
    }
    return removed
  }

  removeSubject (keyHex: string): void {
    this.bySubject.delete(keyHex)
  }
}

function slotOf (identity: string, nodeId: string): string {
  return `${identity} ${nodeId}`
}
