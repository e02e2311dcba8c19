/**
 * Subject authorization deferred to the realm leader (seed 001's MESSAGE.AUTHORIZE): with
 * SubjectsInit.deferToLeader, every counterpart a subject admits is also put to the leader's
 * subject policy (AUTHORIZE on /realmesh/leader/1: may this identity send / receive here?), after
 * the subject's own checks and authorize callbacks. Answers are kept (bounded in number; for the
 * time the leader says, at most maxTtlMs), refusals too, so that a busy subject asks the leader
 * once per counterpart and period. A leader that cannot be asked refuses the counterpart
 * (SUBJECT_LEADER_UNAVAILABLE): deferring means the node decides nothing by itself.
 */
import { createHash } from 'node:crypto'
import { WireErrorCode } from '@realmesh/wire'
import { BoundedMap } from '../util/bounded-map.js'
import { SubjectError } from './errors.js'
import type { AbortOptions } from '@libp2p/interface'
import type { VerifiedInterest } from './interest-verifier.js'

export interface SubjectQuestion {
  subject: string
  /** the counterpart's identity token (or its node token, when the node is its own identity) */
  identityToken: string
  send: boolean
  receive: boolean
}

export interface LeaderAnswer {
  allowed: boolean
  code: string
  reason: string
  /** how long the answer may be kept, ms (0: the leader did not say) */
  validForMs: number
}

export interface LeaderAuthorizationInit {
  /** answers kept. @default 1024 */
  maxSize?: number
  /** the longest an answer is kept, whatever the leader says, ms. @default 60000 */
  maxTtlMs?: number
  now: () => number
}

export class LeaderAuthorization {
  private readonly answers: BoundedMap<string, LeaderAnswer>
  /** questions being asked now: a MATCH from each replica and the counterpart's stream arrive together, and share one */
  private readonly asking = new Map<string, Promise<LeaderAnswer>>()
  private readonly maxTtlMs: number
  private readonly ask: (question: SubjectQuestion, options: AbortOptions) => Promise<LeaderAnswer>

  constructor (ask: (question: SubjectQuestion, options: AbortOptions) => Promise<LeaderAnswer>, init: LeaderAuthorizationInit) {
    this.ask = ask
    this.maxTtlMs = init.maxTtlMs ?? 60_000
    if (!Number.isSafeInteger(this.maxTtlMs) || this.maxTtlMs < 0) throw new RangeError(`leader decisions' maxTtlMs must be a whole number of ms >= 0, got ${this.maxTtlMs}`)
    this.answers = new BoundedMap({ maxSize: init.maxSize ?? 1024, now: init.now })
  }

  /** resolves when the leader lets `counterpart` do what `directions` says on `subject`; else SubjectError with the leader's code */
  async check (subject: string, counterpart: VerifiedInterest, directions: { send: boolean, receive: boolean }, options: AbortOptions): Promise<void> {
    const slot = `${counterpart.keyHex} ${createHash('sha256').update(counterpart.identityToken).digest('hex')} ${directions.send ? 's' : ''}${directions.receive ? 'r' : ''}`
    const answer = this.answers.get(slot) ?? await this.asked(slot, { subject, identityToken: counterpart.identityToken, ...directions }, options).catch((err: Error) => {
      throw new SubjectError(WireErrorCode.SUBJECT_LEADER_UNAVAILABLE, `the realm leader could not be asked about ${counterpart.identity} on ${subject}: ${err.message}`)
    })
    if (!answer.allowed) throw new SubjectError(answer.code === '' ? WireErrorCode.SUBJECT_DENIED_BY_LEADER : answer.code, answer.reason === '' ? `the realm leader refuses ${counterpart.identity} on ${subject}` : answer.reason)
  }

  /** the answer to `question`, asked once however many wait for it (bounded: one per admission in progress), then kept */
  private async asked (slot: string, question: SubjectQuestion, options: AbortOptions): Promise<LeaderAnswer> {
    let asking = this.asking.get(slot)
    if (asking == null) {
      asking = this.ask(question, options).then((answer) => {
        const ttl = Math.min(answer.validForMs, this.maxTtlMs)
        if (ttl > 0) this.answers.set(slot, answer, ttl)
        return answer
      }).finally(() => { this.asking.delete(slot) })
      this.asking.set(slot, asking)
    }
    return asking
  }
}
