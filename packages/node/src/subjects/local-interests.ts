/**
 * This node's own interests, one per subject: its role is the union of what the node does there
 * (subscriptions receive, publications send; `both` when it does both), signed into an interest
 * token with the identity key and registered with the R eligible members closest to the subject's
 * position in the current epoch, so that one coordinator's crash loses nothing, and, during the
 * current epoch's overlap, with those of the epoch before as well (a counterpart that has not
 * heard of the new epoch yet, or registered just before it, is met there). An interest is
 * registered again (with a fresh token, the closest members looked up again) every `refreshMs`,
 * at once when one of its coordinators leaves, when a receiver has taken half its threshold of
 * messages, and when its role changes, and within a short random delay when a new epoch arrives;
 * an eligible member that joins closer to a position than one of its coordinators gets it at once.
 */
import { randomUUID } from 'node:crypto'
import { compareDistance, fingerprint, issueInterestToken, subjectKey, xorDistance } from '@realmesh/token'
import { WireErrorCode } from '@realmesh/wire'
import { SubjectError } from './errors.js'
import { describeAudience, sameAudience } from './audience.js'
import { backoffDelay } from '../util/backoff.js'
import type { AbortOptions, PeerId, PrivateKey } from '@libp2p/interface'
import type { Audience, Role } from '@realmesh/token'
import type { BackoffInit } from '../util/backoff.js'
import type { SubjectPeer } from './subjects.js'
import type { EpochRef } from '../epochs/epochs.js'

export interface InterestSettings {
  audience: Audience
  /** the intent's attributes, signed into the interest token (none: {}) */
  attrs: Record<string, string>
  threshold: number
  ttlSeconds: number
  refreshMs: number
  /** a receiver's bound on messages in flight to it, per sender node, announced in the token (none: the sender's own) */
  maxParallel?: number
}

/** settings asked for by a use: without an audience (attributes) it takes the interest's (public, none for a new one) */
export type InterestRequest = Omit<InterestSettings, 'audience' | 'attrs'> & { audience?: Audience, attrs?: Record<string, string> }

/** what this version's messaging understands, in every interest token it issues */
export const FEATURES = ['msg-attrs']

/** Decides whether a counterpart may exchange messages with us on a subject. @default allow */
export type AuthorizeSubject = (peer: SubjectPeer, options: AbortOptions) => boolean | Promise<boolean>

/** where an interest is registered in one epoch */
export interface Placement {
  /** the epoch (undefined: epoch 0) */
  epoch: EpochRef
  /** the subject's position in it */
  position: Uint8Array
  /** members that accepted the current registration there, closest first */
  coordinators: string[]
}

export interface LocalInterest {
  readonly subject: string
  readonly key: Uint8Array<ArrayBuffer>
  readonly keyHex: string
  role: Role
  settings: InterestSettings
  authorizers: Set<AuthorizeSubject>
  /** uses that send (publications, `both` subscriptions) and that receive (subscriptions) */
  senders: number
  receivers: number
  /** the current interest token, its id and expiry (ms) */
  token?: string
  jti?: string
  expiresAt: number
  /** where the current registration went: the current epoch first, then (during its overlap) the one before */
  placements: Placement[]
  /** messages received under the current token */
  received: number
}

export interface Uses { send: boolean, receive: boolean }

export interface LocalInterestsDeps {
  realmId: string
  self: PeerId
  identityKey: PrivateKey
  replicas: number
  maxSubjects: number
  /** interest tokens last at least this long, seconds (a sleepy node's outlive its sleep) */
  minTtlSeconds: number
  now: () => number
  backoff?: BackoffInit
  /** the epochs to register under now (Epochs.placements) */
  epochs: () => EpochRef[]
  /** a subject's position in an epoch */
  position: (key: Uint8Array, epoch: EpochRef) => Uint8Array
  /** whether a member may coordinate in an epoch (undefined: not known here) */
  eligible: (peer: string, epoch: EpochRef) => boolean | undefined
  find: (subject: string, count: number, epoch: EpochRef, options: AbortOptions) => Promise<string[]>
  /** REGISTER the interest with `peer` under `epoch` (handled locally when it is this node) */
  register: (peer: string, interest: LocalInterest, epoch: EpochRef, options: AbortOptions) => Promise<void>
  withdraw: (peer: string, interest: LocalInterest, options: AbortOptions) => Promise<void>
  /** the interest is gone (its last use released) */
  onRemoved: (interest: LocalInterest) => void
}

interface Run { current: Promise<void>, next?: Promise<void> }

export class LocalInterests {
  private readonly interests = new Map<string, LocalInterest>()
  private readonly runs = new Map<string, Run>()
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>()
  private readonly failures = new Map<string, number>()
  private readonly deps: LocalInterestsDeps
  private shutdown = new AbortController()

  constructor (deps: LocalInterestsDeps) {
    this.deps = deps
  }

  get (keyHex: string): LocalInterest | undefined {
    return this.interests.get(keyHex)
  }

  list (): LocalInterest[] {
    return [...this.interests.values()]
  }

  start (): void {
    this.shutdown = new AbortController()
  }

  /**
   * Adds a use of `subject`: creates the interest (with `settings`) or widens its role, and resolves
   * once it is registered with at least one coordinator (SUBJECT_REGISTER_FAILED otherwise, and the
   * use is undone). An audience other than the existing interest's is SUBJECT_AUDIENCE_CONFLICT,
   * and nothing changes: a use never widens (nor narrows) who the others' uses are matched with.
   */
  async use (subject: string, uses: Uses, settings: InterestRequest, authorize: AuthorizeSubject | undefined, options: AbortOptions = {}): Promise<LocalInterest> {
    const key = Uint8Array.from(subjectKey(this.deps.realmId, subject))
    const keyHex = Buffer.from(key).toString('hex')
    let interest = this.interests.get(keyHex)
    if (interest != null) {
      this.checkAudience(interest, settings.audience)
      this.checkAttrs(interest, settings.attrs)
    }
    if (interest == null) {
      if (this.interests.size >= this.deps.maxSubjects) throw new SubjectError(WireErrorCode.BUSY, `this node has interests in ${this.interests.size} subjects already`)
      interest = { subject, key, keyHex, role: 'receiver', settings: { ...settings, audience: settings.audience ?? { kind: 'public' }, attrs: settings.attrs ?? {} }, authorizers: new Set(), senders: 0, receivers: 0, expiresAt: 0, placements: [], received: 0 }
      this.interests.set(keyHex, interest)
    }
    const before = interest.token == null ? undefined : interest.role
    interest.senders += uses.send ? 1 : 0
    interest.receivers += uses.receive ? 1 : 0
    if (authorize != null) interest.authorizers.add(authorize)
    interest.role = roleOf(interest)
    try {
      await (before === interest.role ? (this.runs.get(keyHex)?.current ?? Promise.resolve()) : this.refresh(interest, options))
    } catch (err) {
      await this.release(interest, uses, authorize)
      throw err
    }
    return interest
  }

  /** SUBJECT_AUDIENCE_CONFLICT when `audience` is given and is not the audience of this node's interest in the subject */
  checkAudience (interest: LocalInterest, audience: Audience | undefined): void {
    if (audience == null || sameAudience(interest.settings.audience, audience)) return
    throw new SubjectError(WireErrorCode.SUBJECT_AUDIENCE_CONFLICT, `this node uses ${interest.subject} with audience ${describeAudience(interest.settings.audience)} already, not ${describeAudience(audience)}`)
  }

  /** SUBJECT_ATTRS_CONFLICT when `attrs` are given and are not the intent attributes of this node's interest in the subject */
  checkAttrs (interest: LocalInterest, attrs: Record<string, string> | undefined): void {
    if (attrs == null || sameAttrs(interest.settings.attrs, attrs)) return
    throw new SubjectError(WireErrorCode.SUBJECT_ATTRS_CONFLICT, `this node uses ${interest.subject} with intent attributes ${JSON.stringify(interest.settings.attrs)} already, not ${JSON.stringify(attrs)}`)
  }

  /** Takes a use back: the role narrows, or the interest is withdrawn when it was the last. */
  async release (interest: LocalInterest, uses: Uses, authorize?: AuthorizeSubject): Promise<void> {
    interest.senders -= uses.send ? 1 : 0
    interest.receivers -= uses.receive ? 1 : 0
    if (authorize != null) interest.authorizers.delete(authorize)
    if (interest.senders > 0 || interest.receivers > 0) {
      const role = roleOf(interest)
      if (role !== interest.role) {
        interest.role = role
        await this.refresh(interest).catch(() => {})
      }
      return
    }
    if (this.interests.get(interest.keyHex) !== interest) return
    this.interests.delete(interest.keyHex)
    this.clearTimer(interest.keyHex)
    this.deps.onRemoved(interest)
    const signal = AbortSignal.timeout(2_000)
    await Promise.allSettled(coordinatorsOf(interest).map(async peer => this.deps.withdraw(peer, interest, { signal })))
  }

  /** A message arrived under the current token: renew the token at half the threshold. */
  noteReceived (interest: LocalInterest): void {
    interest.received++
    if (interest.received >= Math.max(1, Math.floor(interest.settings.threshold / 2)) && !this.runs.has(interest.keyHex)) {
      this.refresh(interest).catch(() => {})
    }
  }

  /** a coordinator of ours left: register the interests it held with the closest members again */
  memberLeft (peer: string): void {
    for (const interest of this.interests.values()) {
      if (!coordinatorsOf(interest).includes(peer)) continue
      for (const placement of interest.placements) placement.coordinators = placement.coordinators.filter(p => p !== peer)
      this.refresh(interest).catch(() => {})
    }
  }

  /** a member joined: when it may coordinate in an epoch and is closer to a position than one of its coordinators there, it gets the interest too */
  memberJoined (peer: PeerId): void {
    const id = peer.toString()
    const theirs = fingerprint(peer)
    for (const interest of this.interests.values()) {
      if (interest.token == null) continue
      for (const placement of interest.placements) {
        if (placement.coordinators.includes(id) || this.deps.eligible(id, placement.epoch) !== true) continue
        const { position, coordinators } = placement
        const farthest = coordinators.at(-1)
        const closer = coordinators.length < this.deps.replicas || (farthest != null && compareDistance(xorDistance(theirs, position), xorDistance(fingerprint(farthest), position)) < 0)
        if (!closer) continue
        const token = interest.token
        this.deps.register(id, interest, placement.epoch, { signal: AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(10_000)]) }).then(() => {
          if (interest.token !== token || placement.coordinators.includes(id)) return
          placement.coordinators = [...placement.coordinators, id]
            .sort((a, b) => compareDistance(xorDistance(fingerprint(a), position), xorDistance(fingerprint(b), position)))
            .slice(0, this.deps.replicas)
        }, () => {})
      }
    }
  }

  /**
   * A new epoch arrived: every registered interest is registered again, under it (and the one
   * before, during its overlap), each after a random delay of up to `withinMs` so that a realm's
   * nodes do not all register at the same moment. A registration under way finishes first, then
   * one more runs.
   */
  epochChanged (withinMs: number): void {
    for (const interest of this.interests.values()) {
      if (interest.token == null) continue
      if (this.runs.has(interest.keyHex)) this.refresh(interest).catch(() => {})
      else this.schedule(interest, Math.floor(Math.random() * withinMs))
    }
  }

  /** withdraws every interest (best effort) and stops all timers */
  async stop (): Promise<void> {
    this.shutdown.abort()
    for (const key of [...this.timers.keys()]) this.clearTimer(key)
    const all = [...this.interests.values()]
    this.interests.clear()
    const signal = AbortSignal.timeout(2_000)
    await Promise.allSettled(all.flatMap(interest => coordinatorsOf(interest).map(async peer => this.deps.withdraw(peer, interest, { signal }))))
  }

  /** A fresh token, registered with the R closest members; one run at a time per interest. */
  refresh (interest: LocalInterest, options: AbortOptions = {}): Promise<void> {
    const run = this.runs.get(interest.keyHex)
    if (run != null) {
      // the run under way may have used settings that changed since: one more after it
      run.next ??= run.current.catch(() => {}).then(async () => {
        this.runs.delete(interest.keyHex)
        return this.refresh(interest, options)
      })
      return run.next
    }
    const current = this.registerOnce(interest, options)
    const entry: Run = { current }
    this.runs.set(interest.keyHex, entry)
    current.catch(() => {}).finally(() => { if (this.runs.get(interest.keyHex) === entry && entry.next == null) this.runs.delete(interest.keyHex) })
    return current
  }

  private async registerOnce (interest: LocalInterest, options: AbortOptions): Promise<void> {
    this.clearTimer(interest.keyHex)
    const { settings } = interest
    const jti = randomUUID()
    const now = this.deps.now()
    const ttlSeconds = Math.max(settings.ttlSeconds, this.deps.minTtlSeconds)
    interest.token = await issueInterestToken(this.deps.identityKey, {
      realm: this.deps.realmId,
      subject: interest.subject,
      role: interest.role,
      threshold: settings.threshold,
      audience: settings.audience,
      attrs: settings.attrs,
      features: FEATURES,
      maxParallel: settings.maxParallel,
      node: this.deps.self,
      ttlSeconds,
      now: () => now,
      jti
    })
    interest.jti = jti
    interest.expiresAt = (Math.floor(now / 1000) + ttlSeconds) * 1000
    interest.received = 0
    const signal = options.signal == null ? this.shutdown.signal : AbortSignal.any([options.signal, this.shutdown.signal])
    let firstError: unknown
    const placements = await Promise.all(this.deps.epochs().map(async (epoch): Promise<Placement> => {
      let coordinators: string[] = []
      try {
        coordinators = await this.deps.find(interest.subject, this.deps.replicas, epoch, { signal })
        const results = await Promise.allSettled(coordinators.map(async peer => this.deps.register(peer, interest, epoch, { signal })))
        firstError ??= results.find(r => r.status === 'rejected')?.reason
        coordinators = coordinators.filter((_, i) => results[i]?.status === 'fulfilled')
      } catch (err) {
        firstError ??= err
      }
      return { epoch, position: this.deps.position(interest.key, epoch), coordinators }
    }))
    if (this.interests.get(interest.keyHex) !== interest || this.shutdown.signal.aborted) return
    if (placements.every(p => p.coordinators.length === 0)) {
      const attempt = (this.failures.get(interest.keyHex) ?? 0) + 1
      this.failures.set(interest.keyHex, attempt)
      this.schedule(interest, backoffDelay(attempt, this.deps.backoff))
      throw new SubjectError(WireErrorCode.SUBJECT_REGISTER_FAILED, `no coordinator of ${interest.subject} accepted the interest: ${(firstError as Error | undefined)?.message ?? 'none found'}`, { cause: firstError })
    }
    this.failures.delete(interest.keyHex)
    interest.placements = placements
    this.schedule(interest, settings.refreshMs)
  }

  private schedule (interest: LocalInterest, delayMs: number): void {
    this.clearTimer(interest.keyHex)
    const timer = setTimeout(() => {
      this.timers.delete(interest.keyHex)
      this.refresh(interest).catch(() => {})
    }, delayMs)
    timer.unref()
    this.timers.set(interest.keyHex, timer)
  }

  private clearTimer (keyHex: string): void {
    clearTimeout(this.timers.get(keyHex))
    this.timers.delete(keyHex)
  }
}

/** every member an interest is registered with, in any epoch */
export function coordinatorsOf (interest: LocalInterest): string[] {
  return [...new Set(interest.placements.flatMap(p => p.coordinators))]
}

function roleOf (interest: LocalInterest): Role {
  if (interest.senders > 0 && interest.receivers > 0) return 'both'
  return interest.senders > 0 ? 'sender' : 'receiver'
}

function sameAttrs (a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every(k => Object.hasOwn(b, k) && a[k] === b[k])
}
