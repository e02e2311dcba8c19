/**
 * Per-peer misbehaviour scores. Bounded (least recently penalised forgotten first); a score
 * recovers linearly towards 0 with time, so old offences fade.
 */
import { BoundedMap } from '../util/bounded-map.js'
import { OFFENCES } from './offences.js'
import type { Offence } from './offences.js'

export interface ScoresInit {
  /** at or below this score the peer is banned. @default -100 */
  banThreshold?: number
  /** points a score recovers per minute. @default 10 */
  recoveryPerMinute?: number
  /** peers whose score is remembered. @default 10000 */
  maxPeers?: number
  now?: () => number
}

interface Entry { score: number, at: number }

export class Scores {
  readonly banThreshold: number
  private readonly recoveryPerMs: number
  private readonly entries: BoundedMap<string, Entry>
  private readonly now: () => number

  constructor (init: ScoresInit = {}) {
    this.banThreshold = init.banThreshold ?? -100
    this.recoveryPerMs = (init.recoveryPerMinute ?? 10) / 60_000
    this.now = init.now ?? Date.now
    this.entries = new BoundedMap({ maxSize: init.maxPeers ?? 10_000, now: this.now })
  }

  score (peer: string): number {
    const entry = this.entries.peek(peer)
    if (entry == null) return 0
    return Math.min(0, entry.score + (this.now() - entry.at) * this.recoveryPerMs)
  }

  /** subtracts the offence's penalty; returns the new score and whether it reached the threshold */
  penalise (peer: string, offence: Offence): { score: number, ban: boolean } {
    const score = this.score(peer) - OFFENCES[offence]
    this.entries.set(peer, { score, at: this.now() })
    return { score, ban: score <= this.banThreshold }
  }

  forget (peer: string): void {
    this.entries.delete(peer)
  }
}
