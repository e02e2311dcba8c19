/**
 * What the leader answers to each request type, once the frame passed size, decode and schema
 * checks (protocol.ts). The requester is always `connection.remotePeer` (Noise proved it holds
 * that key), never a peer id taken from the message. Nothing is recorded for a request until every
 * check passed.
 *
 *   TOKEN   policy deny                    -> DENIED TOKEN_REQUEST_DENIED
 *           a revoked peer                 -> DENIED TOKEN_REVOKED
 *           join secret set + proof given  -> ISSUED (proof right) / DENIED JOIN_SECRET_INVALID (wrong)
 *           from a member (renewal)        -> ISSUED, the attributes of its current token
 *           policy auto, no valid proof    -> DENIED JOIN_SECRET_INVALID
 *           policy manual                  -> PENDING (the same id for the same peer) / BUSY when full
 *   STATUS  own request                    -> PENDING / ISSUED (then forgotten) / DENIED TOKEN_REQUEST_DENIED
 *           anything else                  -> DENIED REQUEST_UNKNOWN
 *   DEFER   not from a member              -> DENIED NOT_A_MEMBER
 *           identity token invalid         -> DENIED <the token's code>
 *           decided before                 -> APPROVED / DENIED JOIN_DENIED_BY_LEADER
 *           policy.deferred                -> APPROVED / DENIED JOIN_DENIED_BY_LEADER / PENDING
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { decodeTokenUnverified, TOKEN_TYPES, TokenError, tokenHash, verifyIdentityToken, verifyNodeToken } from '@realmesh/token'
import { joinProofBytes, WireErrorCode } from '@realmesh/wire'
import { approved, denied, issued, pending } from './protocol.js'
import type { TokenPolicy } from './config.js'
import type { IssueHow } from './issuing.js'
import type { Answer } from './protocol.js'
import type { RequestBook, RequestRecord } from './requests.js'
import type { Connection, PeerId } from '@libp2p/interface'
import type { RealmDescriptor } from '@realmesh/token'
import type { LeaderRequest } from '@realmesh/wire'

/** an undecided request is forgotten after a week (its requester long gave up) */
export const PENDING_TTL_MS = 7 * 24 * 3_600_000

/** most bytes the attributes of a token request may take as JSON (a node token must stay under 8 KiB) */
export const MAX_ATTRIBUTES_BYTES = 4096

export interface AnswerComponents {
  realm: RealmDescriptor
  /** the realm leader (the key join proofs are bound to) */
  leader: PeerId
  policy: Readonly<TokenPolicy>
  book: RequestBook
  retryAfterMs: number
  now: () => number
  isMember: (connection: Connection) => boolean
  /** the current node token of the member on `connection` (admitted with it), if it is one */
  memberToken: (connection: Connection) => { jti: string, attrs: Record<string, string> } | undefined
  isRevoked: (jti: string, sub: string) => boolean
  /** whether `peer` was revoked (it gets no token from this leader) */
  refusesIssuance: (peer: string) => boolean
  /** `renews`: for a renewal, the jti of the token it replaces */
  issue: (peer: string, ttlSeconds: number, attrs: Record<string, string>, how: IssueHow, renews?: string) => Promise<string>
  /** records a new pending request (persisted, announced) and answers PENDING */
  addPending: (record: RequestRecord) => Promise<Answer>
  /** forgets a request (and persists that) */
  forget: (id: string) => void
}

export async function answerToken (c: AnswerComponents, request: LeaderRequest, connection: Connection): Promise<Answer> {
  const requester = connection.remotePeer
  const peer = requester.toString()
  if (c.policy.mode === 'deny') {
    return denied(WireErrorCode.TOKEN_REQUEST_DENIED, `the leader of realm ${c.realm.name} does not issue tokens on request; ask its operator for one (realmesh token issue)`)
  }
  if (c.refusesIssuance(peer)) {
    // asking again is no way back in, with or without the join secret
    return denied('TOKEN_REVOKED', `the tokens of ${peer} were revoked by the operator of realm ${c.realm.name}`)
  }
  if (requester.type !== 'Ed25519') {
    return denied(WireErrorCode.TOKEN_REQUEST_DENIED, `node tokens are for Ed25519 peer ids; ${peer} is ${requester.type}`)
  }
  const ttlSeconds = request.ttlSeconds > 0 ? Math.min(request.ttlSeconds, c.policy.ttlSeconds) : c.policy.ttlSeconds
  const attributes = Object.fromEntries(request.attributes)
  if (Buffer.byteLength(JSON.stringify(attributes)) > MAX_ATTRIBUTES_BYTES) {
    // 16 attributes of 256 characters may be 12 KiB of UTF-8: a token nobody would accept (8 KiB cap)
    return denied(WireErrorCode.FRAME_MALFORMED, `the attributes take more than ${MAX_ATTRIBUTES_BYTES} bytes; a node token must stay small`)
  }
  const secret = c.policy.joinSecret
  if (secret !== undefined && request.joinProof.byteLength > 0) {
    if (!proofValid(secret, request.joinProof, requester, c.leader)) {
      return denied(WireErrorCode.JOIN_SECRET_INVALID, `the join proof does not match the join secret of realm ${c.realm.name}`)
    }
    const token = await c.issue(peer, ttlSeconds, attributes, 'auto')
    // the proof settles a request of this peer that was waiting for the operator
    const waiting = c.book.tokenRequestOf(peer)
    if (waiting !== undefined) c.forget(waiting.request.id)
    return issued(token)
  }
  // a renewal: the connection passed handshake and join with this peer's valid node token, so the
  // peer gets a fresh one, whatever the policy (deny aside), with its current token's attributes:
  // renewing is no way to change them
  const current = c.isMember(connection) ? c.memberToken(connection) : undefined
  if (current !== undefined && !c.isRevoked(current.jti, peer)) {
    return issued(await c.issue(peer, ttlSeconds, current.attrs, 'renewal', current.jti))
  }
  if (c.policy.mode === 'auto') {
    return denied(WireErrorCode.JOIN_SECRET_INVALID, `realm ${c.realm.name} issues tokens only to nodes that prove its join secret, and the request has no proof`)
  }
  const existing = c.book.tokenRequestOf(peer)
  if (existing !== undefined) return answerTokenRequest(c, existing)
  if (c.book.isFull()) return denied(WireErrorCode.BUSY, 'too many requests wait for the operator; try again later')
  return c.addPending({
    request: { id: c.book.newId(), kind: 'token', peer, attributes, requestedAt: new Date(c.now()).toISOString() },
    state: 'pending',
    ttlSeconds,
    expiresAt: c.now() + PENDING_TTL_MS
  })
}

export async function answerStatus (c: AnswerComponents, request: LeaderRequest, connection: Connection): Promise<Answer> {
  const record = request.requestId === '' ? undefined : c.book.get(request.requestId)
  if (record?.request.kind !== 'token' || record.request.peer !== connection.remotePeer.toString()) {
    // someone else's request id gets the same answer as a made-up one
    return denied(WireErrorCode.REQUEST_UNKNOWN, `no token request ${JSON.stringify(request.requestId.slice(0, 64))} of this peer`)
  }
  return answerTokenRequest(c, record)
}

export async function answerDefer (c: AnswerComponents, request: LeaderRequest, connection: Connection): Promise<Answer> {
  if (!c.isMember(connection)) {
    return denied(WireErrorCode.NOT_A_MEMBER, 'only members of the realm may defer identities to its leader')
  }
  const token = request.identityToken
  if (token === '') return denied(WireErrorCode.FRAME_MALFORMED, 'DEFER without an identity token')
  let claims: IdentityClaims
  try {
    claims = await verifyIdentity(c, token)
  } catch (err) {
    if (err instanceof TokenError) return denied(err.code, err.message)
    throw err
  }
  const hash = Buffer.from(tokenHash(token)).toString('hex')
  const known = c.book.deferralOf(hash)
  if (known !== undefined) {
    if (known.state === 'pending') return pending(known.request.id, c.retryAfterMs)
    if (known.state === 'approved') return approved()
    return denied(WireErrorCode.JOIN_DENIED_BY_LEADER, known.reason ?? 'denied by the realm operator', true)
  }
  switch (c.policy.deferred) {
    case 'approve': return approved()
    case 'deny': return denied(WireErrorCode.JOIN_DENIED_BY_LEADER, `the leader of realm ${c.realm.name} refuses deferred identities`)
    case 'manual': break
  }
  if (c.book.isFull()) return denied(WireErrorCode.BUSY, 'too many requests wait for the operator; try again later')
  const identityExpiresAt = claims.exp * 1000
  return c.addPending({
    request: {
      id: c.book.newId(),
      kind: 'deferred',
      peer: connection.remotePeer.toString(),
      attributes: { ...claims.ext?.attrs },
      requestedAt: new Date(c.now()).toISOString(),
      identity: claims.sub
    },
    state: 'pending',
    tokenHash: hash,
    identityExpiresAt,
    expiresAt: Math.min(identityExpiresAt, c.now() + PENDING_TTL_MS)
  })
}

/** The state of a token request, as the requester hears it; an issued token is forgotten once delivered. */
function answerTokenRequest (c: AnswerComponents, record: RequestRecord): Answer {
  switch (record.state) {
    case 'issued': {
      const answer = issued(record.token ?? '')
      answer.delivered = () => { c.forget(record.request.id) }
      return answer
    }
    case 'denied':
      return denied(WireErrorCode.TOKEN_REQUEST_DENIED, record.reason ?? 'denied by the realm operator', true)
    case 'pending':
    case 'approved':
      return pending(record.request.id, c.retryAfterMs)
  }
}

interface IdentityClaims {
  sub: string
  exp: number
  ext?: { attrs?: Record<string, string> }
}

/** A deferred identity: a node token (identity = node) or an identity token, by the realm's rules. */
async function verifyIdentity (c: AnswerComponents, token: string): Promise<IdentityClaims> {
  const options = { realm: c.realm, now: c.now, isRevoked: c.isRevoked }
  if (decodeTokenUnverified(token).header.typ === TOKEN_TYPES.node) {
    return (await verifyNodeToken(token, options)).claims
  }
  return (await verifyIdentityToken(token, options)).claims
}

/** HMAC-SHA256(secret, joinProofBytes(requester, leader)), compared in constant time. */
function proofValid (secret: string, proof: Uint8Array, requester: PeerId, leader: PeerId): boolean {
  const expected = createHmac('sha256', secret).update(joinProofBytes(requester, leader)).digest()
  return proof.byteLength === expected.byteLength && timingSafeEqual(expected, proof)
}
