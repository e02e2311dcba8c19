/**
 * Talking to the realm leader: asking for a node token (open to non-members: that is how a node
 * gets its first token) and forwarding an identity this node deferred (members only).
 */
import { createHmac } from 'node:crypto'
import { Frames, FRAME_LIMITS, PROTOCOLS, TIMEOUTS, LeaderRequest, LeaderResponse, WireErrorCode, joinProofBytes } from '@realmesh/wire'
import { TokenRequestError } from '../errors.js'
import { sleep } from '../util/backoff.js'
import { withTimeout } from '../util/signals.js'
import type { LeaderDecision } from '../join/decisions.js'
import type { Stream, PeerId, AbortOptions } from '@libp2p/interface'

export interface TokenRequestOptions extends AbortOptions {
  /** the realm's join secret (auto-approve policy); never sent, only HMACed */
  joinSecret?: string
  /** requested lifetime; the leader caps it */
  ttlSeconds?: number
  /** extensions asked for in the token (hostname ...) */
  attributes?: Record<string, string>
  /** called while the request waits for the operator's approval */
  onPending?: (requestId: string, retryAfterMs: number) => void
}

/** HMAC-SHA256(secret, joinProofBytes(requester, leader)) */
export function joinProof (secret: string, requester: PeerId, leader: PeerId): Uint8Array {
  return createHmac('sha256', secret).update(joinProofBytes(requester, leader)).digest()
}

/**
 * Asks the leader for a node token. `openStream` opens a /realmesh/leader/1 stream to the leader
 * (a fresh one each call). Waits, polling, while the request is pending approval, until the
 * signal aborts. Refusals are TokenRequestError with the leader's code.
 */
export async function requestNodeToken (openStream: (options: AbortOptions) => Promise<Stream>, self: PeerId, leader: PeerId, options: TokenRequestOptions = {}): Promise<string> {
  let request: LeaderRequest = {
    type: LeaderRequest.Type.TOKEN,
    joinProof: options.joinSecret == null ? new Uint8Array(0) : Uint8Array.from(joinProof(options.joinSecret, self, leader)),
    ttlSeconds: options.ttlSeconds ?? 0,
    attributes: new Map(Object.entries(options.attributes ?? {})),
    identityToken: '',
    requestId: ''
  }
  while (true) {
    const response = await exchange(openStream, request, options)
    switch (response.status) {
      case LeaderResponse.Status.ISSUED:
        if (response.token === '') throw new TokenRequestError(WireErrorCode.FRAME_MALFORMED, 'ISSUED without a token')
        return response.token
      case LeaderResponse.Status.PENDING: {
        const wait = response.retryAfterMs > 0 ? response.retryAfterMs : 2_000
        options.onPending?.(response.requestId, wait)
        await sleep(wait, options.signal)
        request = { ...request, type: LeaderRequest.Type.STATUS, requestId: response.requestId }
        break
      }
      case LeaderResponse.Status.DENIED:
      case LeaderResponse.Status.APPROVED:
      default:
        throw new TokenRequestError(response.code === '' ? WireErrorCode.TOKEN_REQUEST_DENIED : response.code, response.reason)
    }
  }
}

/** Forwards a deferred identity token to the leader and returns its decision. */
export async function deferToLeader (openStream: (options: AbortOptions) => Promise<Stream>, identityToken: string, options: AbortOptions = {}): Promise<LeaderDecision> {
  const response = await exchange(openStream, {
    type: LeaderRequest.Type.DEFER,
    joinProof: new Uint8Array(0),
    ttlSeconds: 0,
    attributes: new Map(),
    identityToken,
    requestId: ''
  }, options)
  switch (response.status) {
    case LeaderResponse.Status.APPROVED: return { decision: 'approved' }
    case LeaderResponse.Status.PENDING: return { decision: 'pending' }
    case LeaderResponse.Status.DENIED:
    case LeaderResponse.Status.ISSUED:
    default:
      return { decision: 'denied', code: response.code === '' ? WireErrorCode.JOIN_DENIED_BY_LEADER : response.code, reason: response.reason }
  }
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
