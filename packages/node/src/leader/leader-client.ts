/**
 * Talking to the realm leader: asking for a node token (open to non-members: that is how a node
 * gets its first token), forwarding an identity this node deferred, and asking the leader's subject
 * policy about a counterpart (AUTHORIZE; both members only).
 *
 *   node                                         leader
 *     | -- TOKEN (proof?, ttl, attributes) -->     |
 *     | <-- ISSUED | PENDING(id) | DENIED(code)    |  BUSY / RATE_LIMITED: asked again after retry_after_ms
 *     | -- STATUS(id) every retry_after_ms ---->   |  (while PENDING; REQUEST_UNKNOWN: the leader forgot
 *     |                                            |   the request, e.g. cancelled while away: TOKEN again)
 *     | -- CANCEL(id) ------------------------->   |  when the caller stops waiting (its signal aborts)
 */
import { createHmac } from 'node:crypto'
import { Frames, FRAME_LIMITS, PROTOCOLS, TIMEOUTS, LeaderRequest, LeaderResponse, WireErrorCode, joinProofBytes } from '@realmesh/wire'
import { TokenRequestError } from '../errors.js'
import { sleep } from '../util/backoff.js'
import { withTimeout } from '../util/signals.js'
import type { LeaderDecision } from '../join/decisions.js'
import type { LeaderAnswer, SubjectQuestion } from '../subjects/leader-authorization.js'
import type { Stream, PeerId, AbortOptions } from '@libp2p/interface'

export interface TokenRequestOptions extends AbortOptions {
  /** the realm's join secret (auto-approve policy); never sent, only HMACed */
  joinSecret?: string
  /** requested lifetime; the leader caps it */
  ttlSeconds?: number
  /** extensions asked for in the token (hostname ...) */
  attributes?: Record<string, string>
  /** an invitation's id and secret (only HMACed, like a join secret): takes the place of `joinSecret` */
  invitation?: { id: string, secret: string }
  /** called while the request waits for the operator's approval */
  onPending?: (requestId: string, retryAfterMs: number) => void
}

/** how long withdrawing a request may delay the caller that stopped waiting */
const CANCEL_TIMEOUT_MS = 2_000
/** refusals that pass: asked again after the leader's retry_after_ms (within these bounds) */
const RETRY_CODES: ReadonlySet<string> = new Set([WireErrorCode.BUSY, WireErrorCode.RATE_LIMITED])
const MIN_RETRY_MS = 500
const MAX_RETRY_MS = 300_000

/** HMAC-SHA256(secret, joinProofBytes(requester, leader)) */
export function joinProof (secret: string, requester: PeerId, leader: PeerId): Uint8Array {
  return createHmac('sha256', secret).update(joinProofBytes(requester, leader)).digest()
}

function proofOf (secret: string | undefined, self: PeerId, leader: PeerId): Uint8Array<ArrayBuffer> {
  return secret == null ? new Uint8Array(0) : Uint8Array.from(joinProof(secret, self, leader))
}

/**
 * Asks the leader for a node token. `openStream` opens a /realmesh/leader/1 stream to the leader
 * (a fresh one each call). Waits, polling, while the request is pending approval, and asks again
 * after a BUSY or RATE_LIMITED refusal, until the signal aborts; a request still waiting then is
 * withdrawn (CANCEL, best effort, at most CANCEL_TIMEOUT_MS) so that it leaves the operator's list.
 * Refusals are TokenRequestError with the leader's code.
 */
export async function requestNodeToken (openStream: (options: AbortOptions) => Promise<Stream>, self: PeerId, leader: PeerId, options: TokenRequestOptions = {}): Promise<string> {
  const ask = leaderRequest({
    type: LeaderRequest.Type.TOKEN,
    joinProof: proofOf(options.invitation?.secret ?? options.joinSecret, self, leader),
    invitationId: options.invitation?.id ?? '',
    ttlSeconds: options.ttlSeconds ?? 0,
    attributes: new Map(Object.entries(options.attributes ?? {}))
  })
  let request = ask
  let wait = 2_000
  // whether the leader may hold a request of ours: from sending it until an answer says it does not
  let mayWait = false
  try {
    while (true) {
      mayWait = true
      const response = await exchange(openStream, request, options)
      mayWait = response.status === LeaderResponse.Status.PENDING
      if (response.status === LeaderResponse.Status.ISSUED) {
        if (response.token === '') throw new TokenRequestError(WireErrorCode.FRAME_MALFORMED, 'ISSUED without a token')
        return response.token
      }
      if (response.status === LeaderResponse.Status.PENDING) {
        wait = response.retryAfterMs > 0 ? response.retryAfterMs : 2_000
        request = { ...ask, type: LeaderRequest.Type.STATUS, requestId: response.requestId }
        options.onPending?.(response.requestId, wait)
        await sleep(wait, options.signal)
      } else if (response.status === LeaderResponse.Status.DENIED && request.type === LeaderRequest.Type.STATUS && response.code === WireErrorCode.REQUEST_UNKNOWN) {
        // the leader forgot the request (cancelled while this node could not reach it, withdrawn
        // by its daemon as it stops, expired, its state lost): ask anew after a poll's wait (a
        // stopping node is gone by then), and the operator sees a new request
        request = ask
        await sleep(wait, options.signal)
      } else if (response.status === LeaderResponse.Status.DENIED && RETRY_CODES.has(response.code)) {
        await sleep(Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, response.retryAfterMs)), options.signal)
      } else {
        throw new TokenRequestError(response.code === '' ? WireErrorCode.TOKEN_REQUEST_DENIED : response.code, response.reason)
      }
    }
  } catch (err) {
    // the id is not known yet when the wait ended during the first answer: the leader then takes
    // this peer's request. NB: RealmNode.stop() stops libp2p right after aborting, which this CANCEL
    // loses to; a daemon withdraws the request itself before it stops the node
    if (options.signal?.aborted === true && mayWait) await cancelTokenRequest(openStream, request.type === LeaderRequest.Type.STATUS ? request.requestId : '')
    throw err
  }
}

/**
 * Withdraws a token request still waiting at the leader (CANCEL; without an id, this peer's).
 * Resolves true when the leader has forgotten it, false when that could not be done (best effort:
 * the leader also cancels a request its node stops polling). Never rejects; at most
 * CANCEL_TIMEOUT_MS unless `signal` ends it otherwise.
 */
export async function cancelTokenRequest (openStream: (options: AbortOptions) => Promise<Stream>, requestId = '', options: AbortOptions = {}): Promise<boolean> {
  const cancel = leaderRequest({ type: LeaderRequest.Type.CANCEL, requestId })
  try {
    const response = await exchange(openStream, cancel, { signal: options.signal ?? AbortSignal.timeout(CANCEL_TIMEOUT_MS) })
    return response.status === LeaderResponse.Status.CANCELLED
  } catch {
    return false
  }
}

function leaderRequest (fields: Partial<LeaderRequest> & Pick<LeaderRequest, 'type'>): LeaderRequest {
  return { joinProof: new Uint8Array(0), ttlSeconds: 0, attributes: new Map(), identityToken: '', requestId: '', invitationId: '', subject: '', send: false, receive: false, ...fields }
}

/** Forwards a deferred identity token to the leader and returns its decision. */
export async function deferToLeader (openStream: (options: AbortOptions) => Promise<Stream>, identityToken: string, options: AbortOptions = {}): Promise<LeaderDecision> {
  const response = await exchange(openStream, leaderRequest({ type: LeaderRequest.Type.DEFER, identityToken }), options)
  switch (response.status) {
    case LeaderResponse.Status.APPROVED: return { decision: 'approved' }
    case LeaderResponse.Status.PENDING: return { decision: 'pending' }
    case LeaderResponse.Status.DENIED:
    case LeaderResponse.Status.ISSUED:
    case LeaderResponse.Status.CANCELLED:
    default:
      return { decision: 'denied', code: response.code === '' ? WireErrorCode.JOIN_DENIED_BY_LEADER : response.code, reason: response.reason }
  }
}

/** Asks the leader's subject policy whether a counterpart may send / receive on a subject (AUTHORIZE). */
export async function authorizeWithLeader (openStream: (options: AbortOptions) => Promise<Stream>, question: SubjectQuestion, options: AbortOptions = {}): Promise<LeaderAnswer> {
  const response = await exchange(openStream, leaderRequest({ type: LeaderRequest.Type.AUTHORIZE, ...question }), options)
  if (response.status === LeaderResponse.Status.APPROVED) return { allowed: true, code: '', reason: '', validForMs: response.validForMs }
  if (response.status !== LeaderResponse.Status.DENIED) throw new Error(`the leader answered AUTHORIZE with ${response.status}`)
  // a refusal that passes (BUSY, RATE_LIMITED) is not the policy's answer: not kept
  return { allowed: false, code: response.code, reason: response.reason, validForMs: RETRY_CODES.has(response.code) ? 0 : response.validForMs }
}

async function exchange (openStream: (options: AbortOptions) => Promise<Stream>, request: LeaderRequest, options: AbortOptions): Promise<LeaderResponse> {
  const signal = withTimeout(options, TIMEOUTS.leader)
  const stream = await openStream({ signal })
  try {
    const frames = new Frames(stream, { protocol: PROTOCOLS.leader, maxSize: FRAME_LIMITS.leader })
    await frames.write(LeaderRequest, request, { signal })
    const response = await frames.read(LeaderResponse, { signal })
    await stream.close({ signal }).catch(() => {})
    return response
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}
