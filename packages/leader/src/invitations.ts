/**
 * The leader's invitations (seed 003: onboarding with a code scanned from a screen): each is an
 * invitation token signed by the leader (@realmesh/token: the realm descriptor and bootstrap
 * addresses, jti = the invitation's id, exp = its expiry) plus a one-time secret that is never in
 * the token. A node proves the secret the way it would a join secret (an HMAC bound to its peer id
 * and the leader's), naming the invitation; the leader issues it a node token with the
 * invitation's attributes, at most `uses` times (a node that joined with it and asks again, its
 * answer lost, gets a token again without using it up), until `expiresAt`, unless cancelled.
 *
 * Bounded: at most `maxLive` live (not used up, expired or cancelled) invitations, and every
 * record is forgotten a day after it ended (a late try gets INVITATION_UNKNOWN then, not the
 * precise code). Pure state: LeaderService persists it as invitations.json (0600: it holds the
 * secrets).
 */
import { randomText } from '@realmesh/token'
import { WireErrorCode } from '@realmesh/wire'
import { isRecord } from './config-values.js'
import { LeaderError } from './errors.js'

/** an ended invitation is remembered this long (its refusal code stays precise) */
export const ENDED_KEPT_MS = 24 * 3_600_000
export const DEFAULT_MAX_LIVE_INVITATIONS = 1000
/** most nodes one invitation admits */
export const MAX_INVITATION_USES = 1000
/** the longest an invitation may last: a code on a screen is not a standing credential */
export const MAX_INVITATION_TTL_SECONDS = 30 * 86_400

export interface InvitationRecord {
  /** the invitation token's jti */
  id: string
  /** base64url, 32 random bytes */
  secret: string
  /** the signed invitation token (what the URI carries) */
  token: string
  /** ms since the epoch */
  createdAt: number
  expiresAt: number
  uses: number
  /** the peers that joined with it, in order */
  usedBy: string[]
  /** ext.attrs of the node tokens it gets */
  attrs: Record<string, string>
  /** ms since the epoch, when the operator cancelled it */
  cancelledAt?: number
}

export type InvitationState = 'open' | 'used' | 'expired' | 'cancelled'

/** what `leader invitations` shows: the record without its secret and token */
export interface InvitationSummary {
  id: string
  state: InvitationState
  createdAt: string
  expiresAt: string
  uses: number
  used: number
  usedBy: string[]
  attrs: Record<string, string>
  cancelledAt?: string
}

export type InvitationCheck =
  | { ok: true, record: InvitationRecord, again: boolean }
  | { ok: false, code: string, reason: string }

export class InvitationBook {
  private readonly records = new Map<string, InvitationRecord>()
  private readonly now: () => number
  private readonly maxLive: number

  constructor (init: { now: () => number, maxLive?: number }) {
    this.now = init.now
    this.maxLive = init.maxLive ?? DEFAULT_MAX_LIVE_INVITATIONS
  }

  newSecret (): string {
    return randomText(32)
  }

  get (id: string): InvitationRecord | undefined {
    return this.records.get(id)
  }

  stateOf (record: InvitationRecord): InvitationState {
    if (record.cancelledAt !== undefined) return 'cancelled'
    if (record.usedBy.length >= record.uses) return 'used'
    if (record.expiresAt <= this.now()) return 'expired'
    return 'open'
  }

  /** INVITATIONS_FULL when `maxLive` are open */
  add (record: InvitationRecord): void {
    this.prune()
    if ([...this.records.values()].filter(r => this.stateOf(r) === 'open').length >= this.maxLive) {
      throw new LeaderError('INVITATIONS_FULL', `${this.maxLive} invitations are open; cancel some (realmesh leader uninvite ID) or wait for them to be used or expire`)
    }
    this.records.set(record.id, record)
  }

  /** Whether `peer` may join with invitation `id` now (the secret is checked by the caller first). */
  check (id: string, peer: string): InvitationCheck {
    const record = this.records.get(id)
    if (record === undefined) return { ok: false, code: WireErrorCode.INVITATION_UNKNOWN, reason: `the leader knows no invitation ${JSON.stringify(id.slice(0, 64))} (never issued, or it ended more than a day ago)` }
    const state = this.stateOf(record)
    if (state === 'cancelled') return { ok: false, code: WireErrorCode.INVITATION_CANCELLED, reason: `invitation ${id} was cancelled at ${new Date(record.cancelledAt ?? 0).toISOString()}` }
    if (record.expiresAt <= this.now()) return { ok: false, code: WireErrorCode.INVITATION_EXPIRED, reason: `invitation ${id} expired at ${new Date(record.expiresAt).toISOString()}` }
    if (record.usedBy.includes(peer)) return { ok: true, record, again: true }
    if (state === 'used') return { ok: false, code: WireErrorCode.INVITATION_USED, reason: `invitation ${id} was used ${record.uses === 1 ? 'already' : `${record.uses} times, all it allows`}` }
    return { ok: true, record, again: false }
  }

  /** `peer` joined with the invitation: one use less */
  use (id: string, peer: string): void {
    const record = this.records.get(id)
    if (record !== undefined && !record.usedBy.includes(peer)) record.usedBy.push(peer)
  }

  /** undoes use() (the token could not be issued or the use not saved) */
  unuse (id: string, peer: string): void {
    const record = this.records.get(id)
    if (record !== undefined) record.usedBy = record.usedBy.filter(p => p !== peer)
  }

  /** INVITATION_UNKNOWN / INVITATION_CANCELLED; returns the cancelled record */
  cancel (id: string): InvitationRecord {
    const record = this.records.get(id)
    if (record === undefined) throw new LeaderError('INVITATION_UNKNOWN', `no invitation with id ${JSON.stringify(id.slice(0, 64))} (see realmesh leader invitations)`)
    if (record.cancelledAt !== undefined) throw new LeaderError('INVITATION_CANCELLED', `invitation ${id} was cancelled already, at ${new Date(record.cancelledAt).toISOString()}`)
    record.cancelledAt = this.now()
    return record
  }

  summary (record: InvitationRecord): InvitationSummary {
    return {
      id: record.id,
      state: this.stateOf(record),
      createdAt: new Date(record.createdAt).toISOString(),
      expiresAt: new Date(record.expiresAt).toISOString(),
      uses: record.uses,
      used: record.usedBy.length,
      usedBy: [...record.usedBy],
      attrs: { ...record.attrs },
      ...(record.cancelledAt === undefined ? {} : { cancelledAt: new Date(record.cancelledAt).toISOString() })
    }
  }

  /** every remembered invitation, oldest first */
  list (): InvitationRecord[] {
    this.prune()
    return [...this.records.values()]
  }

  /** forgets invitations that ended more than ENDED_KEPT_MS ago; true when something was forgotten */
  prune (): boolean {
    const now = this.now()
    let dropped = false
    for (const record of this.records.values()) {
      const ended = this.endedAt(record)
      if (ended !== undefined && ended + ENDED_KEPT_MS <= now) {
        this.records.delete(record.id)
        dropped = true
      }
    }
    return dropped
  }

  /** when it stopped admitting anyone (for a used-up invitation, when it would have expired: a late retry by its node still works till then) */
  private endedAt (record: InvitationRecord): number | undefined {
    if (record.cancelledAt !== undefined) return Math.min(record.cancelledAt, record.expiresAt)
    return record.expiresAt <= this.now() ? record.expiresAt : undefined
  }

  render (): string {
    return `${JSON.stringify({ version: 1, invitations: [...this.records.values()] }, null, 2)}\n`
  }

  /** loads invitations.json; LeaderError STATE_FILE_INVALID naming the bad entry */
  load (text: string, path: string): void {
    const bad = (where: string, expected: string): never => {
      throw new LeaderError('STATE_FILE_INVALID', `${path}: ${where} is not ${expected}; fix or delete the file (the invitations in it are then forgotten: they are refused INVITATION_UNKNOWN)`)
    }
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch {
      return bad('the file', 'JSON')
    }
    if (!isRecord(doc) || doc.version !== 1 || !Array.isArray(doc.invitations)) return bad('the file', 'an object { version: 1, invitations: [...] }')
    doc.invitations.forEach((entry: unknown, i) => {
      const where = `invitations[${i}]`
      if (!isRecord(entry)) return bad(where, 'an object')
      for (const key of ['id', 'secret', 'token']) if (typeof entry[key] !== 'string' || entry[key] === '') bad(`${where}.${key}`, 'a non-empty string')
      for (const key of ['createdAt', 'expiresAt', 'uses']) if (typeof entry[key] !== 'number' || !Number.isSafeInteger(entry[key])) bad(`${where}.${key}`, 'a whole number')
      if (!Array.isArray(entry.usedBy) || entry.usedBy.some(p => typeof p !== 'string')) bad(`${where}.usedBy`, 'a list of peer ids')
      if (!isRecord(entry.attrs) || Object.values(entry.attrs).some(v => typeof v !== 'string')) bad(`${where}.attrs`, 'a mapping of strings')
      if (entry.cancelledAt !== undefined && typeof entry.cancelledAt !== 'number') bad(`${where}.cancelledAt`, 'a number')
      const record = entry as unknown as InvitationRecord
      this.records.set(record.id, record)
    })
    this.prune()
  }
}
