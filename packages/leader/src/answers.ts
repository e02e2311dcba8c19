/**
 * What the leader answers to each request type, once the frame passed size, decode and schema
 * checks (protocol.ts). The requester is always `connection.remotePeer` (Noise proved it holds
 * that key), never a peer id taken from the message. Nothing is recorded for a request until every
 * check passed.
 *
 *   TOKEN   policy deny (no invitation)    -> DENIED TOKEN_REQUEST_DENIED
 *           a revoked peer                 -> DENIED TOKEN_REVOKED
 *           an invitation id + proof       -> (address backing off / banned: as below) DENIED INVITATION_UNKNOWN /
 *                                             JOIN_SECRET_INVALID (wrong secret) / INVITATION_CANCELLED /
 *                                             INVITATION_EXPIRED / INVITATION_USED, else ISSUED with the
 *                                             invitation's attributes (whatever the policy mode)
 *           join secret set + proof given  -> (address backing off / banned: DENIED RATE_LIMITED / PEER_BANNED,
 *                                             unchecked) ISSUED (proof right, attributes allowed) /
 *                                             DENIED ATTRIBUTES_NOT_ALLOWED / JOIN_SECRET_INVALID (wrong)
 *           from a member (renewal)        -> ISSUED, the attributes and grant end (renewUntil) of its current
 *                                             token, exp no later than that / DENIED TOKEN_NOT_RENEWABLE
 *           policy auto, no valid proof    -> DENIED JOIN_SECRET_INVALID
 *           policy manual                  -> PENDING (the same id for the same peer) / PEER_BANNED /
 *                                             RATE_LIMITED / BUSY (request-limits.ts)
 *   STATUS  own request                    -> PENDING / ISSUED (then forgotten) / DENIED TOKEN_REQUEST_DENIED
 *           anything else                  -> DENIED REQUEST_UNKNOWN
 *   CANCEL  own request (by id, or without  -> CANCELLED (forgotten: approve / deny of it are REQUEST_UNKNOWN)
 *           one: the peer's), waiting or issued
 *           own request, denied            -> DENIED TOKEN_REQUEST_DENIED (the operator's decision stands)
 *           anything else                  -> DENIED REQUEST_UNKNOWN
 *   DEFER   not from a member              -> DENIED NOT_A_MEMBER
 *           identity token invalid         -> DENIED <the token's code>
 *           decided before                 -> APPROVED / DENIED JOIN_DENIED_BY_LEADER
 *           policy.deferred                -> APPROVED / DENIED JOIN_DENIED_BY_LEADER / PENDING
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { decodeTokenUnverified, TOKEN_TYPES, TokenError, tokenHash, verifyIdentityToken, verifyNodeToken } from '@realmesh/token'
import { joinProofBytes, WireErrorCode } from '@realmesh/wire'
import { attributesRefusal } from './attributes.js'
import { approved, cancelled, denied, issued, pending } from './protocol.js'
import { sourceAddress } from './source-address.js'
import type { TokenPolicy } from './config.js'
import type { RequestLimits } from './config-limits.js'
import type { IssueHow, Renewal } from './issuing.js'
import type { JoinProofGuard } from './join-proofs.js'
import type { Answer } from './protocol.js'
import type { RequestLimiter } from './request-limits.js'
import type { RequestBook, RequestRecord } from './requests.js'
import type { Connection, PeerId } from '@libp2p/interface'
import type { RealmDescriptor } from '@realmesh/token'
import type { LeaderRequest } from '@realmesh/wire'

/** most bytes the attributes of a token request may take as JSON (a node token must stay under 8 KiB) */
export const MAX_ATTRIBUTES_BYTES = 4096

export interface AnswerComponents {
  realm: RealmDescriptor
  /** the realm leader (the key join proofs are bound to) */
  leader: PeerId
  policy: Readonly<TokenPolicy>
  limits: Readonly<RequestLimits>
  book: RequestBook
  /** whether a new token request from an address may wait for the operator */
  limiter: RequestLimiter
  /** what wrong join proofs cost an address */
  proofs: JoinProofGuard
  retryAfterMs: number
  now: () => number
  isMember: (connection: Connection) => boolean
  /** the current node token of the member on `connection` (admitted with it), if it is one */
  memberToken: (connection: Connection) => { jti: string, attrs: Record<string, string>, renewUntil?: number, grantedAt: number } | undefined
  isRevoked: (jti: string, sub: string) => boolean
  /** whether `peer` was revoked (it gets no token from this leader) */
  refusesIssuance: (peer: string) => boolean
  /** `renews`: for a renewal, the jti of the token it replaces, and `renewUntil` and `grantedAt` the grant's end and start it keeps */
  issue: (peer: string, ttlSeconds: number, attrs: Record<string, string>, how: IssueHow, renewal?: Renewal) => Promise<string>
  /** records a new pending request (persisted, announced) and answers PENDING */
  addPending: (record: RequestRecord) => Promise<Answer>
  /** forgets a request (and persists that) */
  forget: (id: string) => void
  /** forgets a request its node withdrew (persisted, announced) */
  cancel: (record: RequestRecord) => void
  /** bans peers at the leader's node (their connections closed, new ones refused) and announces an address ban */
  ban: (address: string, peers: string[], until: number) => void
  /** the secret of invitation `id`, if the leader knows it */
  invitationSecret: (id: string) => string | undefined
  /** checks and uses invitation `id` for `peer` (atomically), then issues its node token */
  joinWithInvitation: (id: string, peer: string, ttlSeconds: number) => Promise<{ token: string } | { code: string, reason: string }>
}

export async function answerToken (c: AnswerComponents, request: LeaderRequest, connection: Connection): Promise<Answer> {
  const requester = connection.remotePeer
  const peer = requester.toString()
  if (c.policy.mode === 'deny' && request.invitationId === '') {
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
  const address = sourceAddress(connection)
  if (request.invitationId !== '') return answerInvitation(c, { id: request.invitationId, proof: request.joinProof, requester, address, ttlSeconds })
  const secret = c.policy.joinSecret
  if (secret !== undefined && request.joinProof.byteLength > 0) {
    return answerProof(c, { secret, proof: request.joinProof, requester, address, ttlSeconds, attributes })
  }
  // a renewal: the connection passed handshake and join with this peer's valid node token, so the
  // peer gets a fresh one, whatever the policy (deny aside), with its current token's attributes:
  // renewing is no way to change them
  const current = c.isMember(connection) ? c.memberToken(connection) : undefined
  if (current !== undefined && !c.isRevoked(current.jti, peer)) {
    // the grant's limits stand: a token issued without renewal, or whose grant is over, is not renewed
    const renewUntil = current.renewUntil
    const left = renewUntil === undefined ? 0 : renewUntil - Math.floor(c.now() / 1000)
    if (renewUntil === undefined || left <= 0) {
      return denied('TOKEN_NOT_RENEWABLE', renewUntil === undefined
        ? 'this node token was issued without renewal; ask the realm operator for a new one'
        : `the grant of this node token ended at ${new Date(renewUntil * 1000).toISOString()}; ask the realm operator for a new one`)
    }
    return issued(await c.issue(peer, Math.min(ttlSeconds, left), current.attrs, 'renewal', { renews: current.jti, renewUntil, grantedAt: current.grantedAt }))
  }
  if (c.policy.mode === 'auto') {
    return denied(WireErrorCode.JOIN_SECRET_INVALID, `realm ${c.realm.name} issues tokens only to nodes that prove its join secret, and the request has no proof`)
  }
  const existing = c.book.tokenRequestOf(peer)
  if (existing !== undefined) {
    c.book.touch(existing.request.id)
    return answerTokenRequest(c, existing)
  }
  // limits refuse quietly (no request:denied): one address must not flood the operator's log too
  const refusal = c.proofs.isBanned(address) ? c.proofs.refusal(address) : c.limiter.admit(address)
  if (refusal !== undefined) return denied(refusal.code, refusal.reason, { quiet: true, retryAfterMs: refusal.retryAfterMs })
  return c.addPending({
    request: { id: c.book.newId(), kind: 'token', peer, attributes, requestedAt: new Date(c.now()).toISOString(), address },
    state: 'pending',
    ttlSeconds,
    expiresAt: c.now() + c.limits.expireSeconds * 1000
  })
}

interface ProofRequest {
  secret: string
  proof: Uint8Array
  requester: PeerId
  address: string
  ttlSeconds: number
  attributes: Record<string, string>
}

/**
 * A TOKEN with a join proof. While its address backs off from a wrong proof (or is banned) the
 * proof is not even checked; a wrong one costs the address more (join-proofs.ts); a right one gets
 * a token at once, with attributes the policy allows.
 */
async function answerProof (c: AnswerComponents, r: ProofRequest): Promise<Answer> {
  const peer = r.requester.toString()
  const refusal = c.proofs.refusal(r.address)
  if (refusal !== undefined) return denied(refusal.code, refusal.reason, { quiet: true, retryAfterMs: refusal.retryAfterMs })
  if (!proofValid(r.secret, r.proof, r.requester, c.leader)) return wrongProof(c, r.address, peer, `the join secret of realm ${c.realm.name}`)
  c.proofs.right(r.address)
  const refused = attributesRefusal(c.policy.allowedAttributes, r.attributes)
  if (refused !== undefined) return denied(WireErrorCode.ATTRIBUTES_NOT_ALLOWED, refused)
  const token = await c.issue(peer, r.ttlSeconds, r.attributes, 'auto')
  // the proof settles a request of this peer that was waiting for the operator
  const waiting = c.book.tokenRequestOf(peer)
  if (waiting !== undefined) c.forget(waiting.request.id)
  return issued(token)
}

/**
 * A TOKEN naming an invitation: its secret is proved as a join secret would be (a wrong one costs
 * the address the same), then the invitation decides (invitations.ts).
 */
async function answerInvitation (c: AnswerComponents, r: { id: string, proof: Uint8Array, requester: PeerId, address: string, ttlSeconds: number }): Promise<Answer> {
  const peer = r.requester.toString()
  const refusal = c.proofs.refusal(r.address)
  if (refusal !== undefined) return denied(refusal.code, refusal.reason, { quiet: true, retryAfterMs: refusal.retryAfterMs })
  const secret = c.invitationSecret(r.id)
  if (secret === undefined) return denied(WireErrorCode.INVITATION_UNKNOWN, `the leader of realm ${c.realm.name} knows no invitation ${JSON.stringify(r.id.slice(0, 64))} (never issued, or it ended more than a day ago)`)
  if (!proofValid(secret, r.proof, r.requester, c.leader)) return wrongProof(c, r.address, peer, `the secret of invitation ${r.id}`)
  c.proofs.right(r.address)
  const result = await c.joinWithInvitation(r.id, peer, r.ttlSeconds)
  return 'token' in result ? issued(result.token) : denied(result.code, result.reason)
}

/** a proof that does not match: the address waits longer (or is banned, with the peers that guessed from it) */
function wrongProof (c: AnswerComponents, address: string, peer: string, what: string): Answer {
  const cost = c.proofs.wrong(address, peer)
  const ban = cost.ban
  const answer = denied(WireErrorCode.JOIN_SECRET_INVALID, `the join proof does not match ${what}; ${ban === undefined
    ? `the next proof from this address is checked in ${Math.ceil(cost.waitMs / 1000)} s`
    : `this address and the peers that sent wrong proofs from it are banned for ${Math.ceil(cost.waitMs / 1000)} s`}`)
  // banned once the answer is out: the ban closes the requester's connection
  if (ban !== undefined) answer.afterwards = () => { c.ban(address, ban.peers, ban.until) }
  return answer
}

export async function answerStatus (c: AnswerComponents, request: LeaderRequest, connection: Connection): Promise<Answer> {
  const record = ownTokenRequest(c, request, connection)
  if (record === undefined) return unknownRequest(request)
  c.book.touch(record.request.id)
  return answerTokenRequest(c, record)
}

/**
 * The node withdraws its token request (it stopped waiting: Ctrl-C, shutdown). Without an id, the
 * peer's token request (a node stopped before the PENDING answer reached it knows no id).
 */
export async function answerCancel (c: AnswerComponents, request: LeaderRequest, connection: Connection): Promise<Answer> {
  const record = request.requestId === '' ? c.book.tokenRequestOf(connection.remotePeer.toString()) : ownTokenRequest(c, request, connection)
  if (record === undefined) return unknownRequest(request)
  if (record.state === 'denied') return answerTokenRequest(c, record)
  c.cancel(record)
  return cancelled(record.request.id)
}

function ownTokenRequest (c: AnswerComponents, request: LeaderRequest, connection: Connection): RequestRecord | undefined {
  const record = request.requestId === '' ? undefined : c.book.get(request.requestId)
  return record?.request.kind === 'token' && record.request.peer === connection.remotePeer.toString() ? record : undefined
}

/** someone else's request id gets the same answer as a made-up one */
function unknownRequest (request: LeaderRequest): Answer {
  return denied(WireErrorCode.REQUEST_UNKNOWN, `no token request ${JSON.stringify(request.requestId.slice(0, 64))} of this peer`)
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
    return denied(WireErrorCode.JOIN_DENIED_BY_LEADER, known.reason ?? 'denied by the realm operator', { quiet: true })
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
    expiresAt: Math.min(identityExpiresAt, c.now() + c.limits.expireSeconds * 1000)
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
      return denied(WireErrorCode.TOKEN_REQUEST_DENIED, record.reason ?? 'denied by the realm operator', { quiet: true })
    case 'pending':
    case 'approved':
      return pending(record.request.id, c.retryAfterMs)
  }
}

export interface IdentityClaims {
  sub: string
  exp: number
  ext?: { attrs?: Record<string, string> }
}

/** A deferred identity: a node token (identity = node) or an identity token, by the realm's rules. */
export async function verifyIdentity (c: Pick<AnswerComponents, 'realm' | 'now' | 'isRevoked'>, token: string): Promise<IdentityClaims> {
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
