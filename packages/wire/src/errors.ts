/**
 * Stable error codes spoken on the wire (WireError.code, JoinResponse.code, ...) and carried by
 * the typed errors of every realmesh package. Tests and callers match on `code`, never on text.
 * Token refusals use @realmesh/token's TokenErrorCode values on the wire as they are.
 */
export const WireErrorCode = {
  /** the peer speaks another realmesh wire version */
  VERSION_MISMATCH: 'VERSION_MISMATCH',
  /** handshake timestamp outside the accepted window */
  HANDSHAKE_TIMESTAMP: 'HANDSHAKE_TIMESTAMP',
  /** handshake nonce seen before */
  HANDSHAKE_REPLAY: 'HANDSHAKE_REPLAY',
  /** handshake signature does not verify with the token's key */
  HANDSHAKE_BAD_SIGNATURE: 'HANDSHAKE_BAD_SIGNATURE',
  /** handshake signature was made for another remote peer */
  HANDSHAKE_WRONG_PEER: 'HANDSHAKE_WRONG_PEER',
  /** the handshake did not finish in time */
  HANDSHAKE_TIMEOUT: 'HANDSHAKE_TIMEOUT',
  /** join attempted without a completed handshake on this connection */
  HANDSHAKE_REQUIRED: 'HANDSHAKE_REQUIRED',
  /** a frame's length prefix is above the protocol's limit, or the peer sent more than a stream buffers unread */
  FRAME_TOO_LARGE: 'FRAME_TOO_LARGE',
  /** a frame does not decode, or decodes to a message missing what the protocol needs */
  FRAME_MALFORMED: 'FRAME_MALFORMED',
  /** the remote closed the stream before the exchange finished */
  STREAM_CLOSED: 'STREAM_CLOSED',
  /** a stream exchange did not finish in time */
  STREAM_TIMEOUT: 'STREAM_TIMEOUT',
  /** the peer has not completed handshake and join with us */
  NOT_A_MEMBER: 'NOT_A_MEMBER',
  /** the authenticate callback refused the identity */
  JOIN_AUTHN_DENIED: 'JOIN_AUTHN_DENIED',
  /** the authorize callback refused the identity */
  JOIN_AUTHZ_DENIED: 'JOIN_AUTHZ_DENIED',
  /** the decision was deferred to the realm leader; try again later */
  JOIN_DEFERRED: 'JOIN_DEFERRED',
  /** the realm leader refused a deferred identity */
  JOIN_DENIED_BY_LEADER: 'JOIN_DENIED_BY_LEADER',
  /** the join secret (HMAC proof) in a token request is wrong */
  JOIN_SECRET_INVALID: 'JOIN_SECRET_INVALID',
  /** the invitation a token request names was used as often as it allows */
  INVITATION_USED: 'INVITATION_USED',
  /** the invitation a token request names has expired */
  INVITATION_EXPIRED: 'INVITATION_EXPIRED',
  /** the invitation a token request names was cancelled by the operator (`leader uninvite`) */
  INVITATION_CANCELLED: 'INVITATION_CANCELLED',
  /** the leader knows no invitation with that id (never issued, or forgotten a day after it ended) */
  INVITATION_UNKNOWN: 'INVITATION_UNKNOWN',
  /** the leader's policy refuses token requests (or the operator denied this one) */
  TOKEN_REQUEST_DENIED: 'TOKEN_REQUEST_DENIED',
  /** the token request waits for the operator's approval */
  TOKEN_REQUEST_PENDING: 'TOKEN_REQUEST_PENDING',
  /** unknown pending request id */
  REQUEST_UNKNOWN: 'REQUEST_UNKNOWN',
  /** a token request asks for attributes the leader's policy does not grant without the operator */
  ATTRIBUTES_NOT_ALLOWED: 'ATTRIBUTES_NOT_ALLOWED',
  /** a peer record's signature, token or addresses are invalid */
  RECORD_INVALID: 'RECORD_INVALID',
  /** a revocation's signature does not verify with the realm leader's key, or it is for another realm */
  REVOCATION_INVALID: 'REVOCATION_INVALID',
  /** an epoch's signature does not verify with the realm leader's key, or it is for another realm */
  EPOCH_INVALID: 'EPOCH_INVALID',
  /** an epoch older than the two this node keeps (the current one and the one before) */
  EPOCH_STALE: 'EPOCH_STALE',
  /** REGISTER for an epoch whose positions this member may not coordinate: its node grant is not older than the epoch's start */
  COORDINATOR_NOT_ELIGIBLE: 'COORDINATOR_NOT_ELIGIBLE',
  /** a wake schedule outside WAKE_LIMITS (awake at least 2 s and asleep at least 2 s of a period of at most an hour) */
  SLEEP_SCHEDULE_INVALID: 'SLEEP_SCHEDULE_INVALID',
  /** a sleepy member missed its wake windows (it did not come back on its schedule): dropped */
  WAKE_WINDOWS_MISSED: 'WAKE_WINDOWS_MISSED',
  /** the peer is banned for misbehaving */
  PEER_BANNED: 'PEER_BANNED',
  /** too many requests from this peer */
  RATE_LIMITED: 'RATE_LIMITED',
  /** this node is at one of its limits (pending joins/handshakes, waiting requests, the memory its message streams may take); try again later */
  BUSY: 'BUSY',
  /** an interest token names another node than the record it came with (or the stream's peer) */
  INTEREST_NODE_MISMATCH: 'INTEREST_NODE_MISMATCH',
  /** an interest token is for another subject key than the request's */
  INTEREST_SUBJECT_MISMATCH: 'INTEREST_SUBJECT_MISMATCH',
  /** an interest token is not signed by the identity its identity token names */
  INTEREST_IDENTITY_MISMATCH: 'INTEREST_IDENTITY_MISMATCH',
  /** this node has no interest in the subject (MATCH, message stream) */
  SUBJECT_UNKNOWN: 'SUBJECT_UNKNOWN',
  /** the counterpart's role does not pair with ours (two receivers, two senders) */
  SUBJECT_ROLE_MISMATCH: 'SUBJECT_ROLE_MISMATCH',
  /** the counterpart is outside the audience of an interest */
  SUBJECT_AUDIENCE: 'SUBJECT_AUDIENCE',
  /** the subject's authorize callback refused the counterpart */
  SUBJECT_UNAUTHORIZED: 'SUBJECT_UNAUTHORIZED',
  /** the realm leader's subject policy refuses the counterpart on the subject (a rule names others) */
  SUBJECT_DENIED_BY_LEADER: 'SUBJECT_DENIED_BY_LEADER',
  /** the realm leader's subject policy is default-deny and no rule names the subject for that direction */
  SUBJECT_NO_RULE: 'SUBJECT_NO_RULE',
  /** this node defers subject authorization to the realm leader, and the leader did not answer */
  SUBJECT_LEADER_UNAVAILABLE: 'SUBJECT_LEADER_UNAVAILABLE',
  /** no coordinator accepted the interest in time */
  SUBJECT_REGISTER_FAILED: 'SUBJECT_REGISTER_FAILED',
  /** message (or direct request) data above the limit */
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  /** the message's time to live ended before it was delivered */
  MESSAGE_EXPIRED: 'MESSAGE_EXPIRED',
  /** the message was sent max-retries times without an ack */
  MESSAGE_RETRIES_EXHAUSTED: 'MESSAGE_RETRIES_EXHAUSTED',
  /** the cache of messages waiting for a receiver is full (policy whenFull: reject) */
  MESSAGE_CACHE_FULL: 'MESSAGE_CACHE_FULL',
  /** the message was purged from a full cache before any receiver was matched */
  MESSAGE_PURGED: 'MESSAGE_PURGED',
  /** message data that does not decrypt under its session's key (tampered with, or sealed for another identity or session), or a session key that cannot be agreed (an unusable ephemeral or identity key): the message is refused, an offence of its sender */
  MESSAGE_UNDECRYPTABLE: 'MESSAGE_UNDECRYPTABLE',
  /** a subscribe() or publish() asks for another audience than the one this node's interest in the subject already has: nothing changed */
  SUBJECT_AUDIENCE_CONFLICT: 'SUBJECT_AUDIENCE_CONFLICT',
  /** a sender's message streams took more of the receiver's memory than its budget allows (frames held out of order, or being received): the stream is reset */
  MESSAGE_BUDGET_EXCEEDED: 'MESSAGE_BUDGET_EXCEEDED',
  /** the message's attributes (inherited from the sender's identity and interest, and its own) match no filter of the receiver's subscriptions: not delivered */
  MESSAGE_FILTERED: 'MESSAGE_FILTERED',
  /** a message with attributes for a receiver whose node does not read message attributes (an older version): not sent */
  MESSAGE_ATTRS_UNSUPPORTED: 'MESSAGE_ATTRS_UNSUPPORTED',
  /** a subscribe() or publish() gives other intent attributes than this node's interest in the subject already has: nothing changed */
  SUBJECT_ATTRS_CONFLICT: 'SUBJECT_ATTRS_CONFLICT',
  /** the receiving application refused the message (its handler threw, or msg.reject()) */
  APP_REJECTED: 'APP_REJECTED',
  /** the receiver went away (left the realm, or withdrew its interest) before it acked */
  RECEIVER_GONE: 'RECEIVER_GONE',
  /** a coordinator's relay store is at one of its bounds (per receiver, per depositor, in all: messages or bytes): the depositor keeps what was refused */
  RELAY_FULL: 'RELAY_FULL',
  /** a relay deposit for a receiver this coordinator holds no interest of on the subject (it is not the subject's coordinator, or the receiver's interest expired) */
  RELAY_RECEIVER_UNKNOWN: 'RELAY_RECEIVER_UNKNOWN',
  /** a relayed message whose sender signature does not verify: the coordinator that delivered it changed it (an offence of that coordinator) */
  RELAY_TAMPERED: 'RELAY_TAMPERED',
  /** a tunnel names a service the member does not expose */
  TUNNEL_UNKNOWN_SERVICE: 'TUNNEL_UNKNOWN_SERVICE',
  /** the service's allow rules (token attributes, peer or identity ids) do not admit the opener */
  TUNNEL_NOT_ALLOWED: 'TUNNEL_NOT_ALLOWED',
  /** the exposing (or opening) node is at its tunnel limit: per peer or in all; try again later */
  TUNNEL_LIMIT: 'TUNNEL_LIMIT',
  /** the exposing node could not connect to the service's HOST:PORT (refused, unreachable, timed out) */
  TUNNEL_CONNECT_FAILED: 'TUNNEL_CONNECT_FAILED',
  /** a forwarder (or the target behind it) is at its limit of forwarded streams: per member or in all; try another forwarder or later */
  FORWARD_LIMIT: 'FORWARD_LIMIT',
  /** the forwarder holds no current member of that peer id (or it is the asker, or the forwarder itself) */
  FORWARD_TARGET_UNKNOWN: 'FORWARD_TARGET_UNKNOWN',
  /** the forwarder could not reach the target directly either */
  FORWARD_UNREACHABLE: 'FORWARD_UNREACHABLE',
  /** the target refused a forwarded stream from that source (banned, revoked, or not taking forwarded connections) */
  FORWARD_REFUSED: 'FORWARD_REFUSED',
  /** the receiving node has no request handler (node.onRequest) */
  NO_HANDLER: 'NO_HANDLER',
  /** the receiving side failed for a reason of its own */
  INTERNAL: 'INTERNAL'
} as const

export type WireErrorCode = typeof WireErrorCode[keyof typeof WireErrorCode]

/**
 * Base of every realmesh error: a stable `code`, and `cause` for the underlying error.
 */
export class RealmeshError extends Error {
  static override name = 'RealmeshError'
  readonly code: string

  constructor (code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** A frame's length prefix exceeded the protocol's limit; nothing of it was buffered. */
export class FrameTooLargeError extends RealmeshError {
  static override name = 'FrameTooLargeError'
  readonly limit: number

  constructor (protocol: string, limit: number, options?: { cause?: unknown }) {
    super(WireErrorCode.FRAME_TOO_LARGE, `frame on ${protocol} is larger than the limit of ${limit} bytes`, options)
    this.limit = limit
  }
}

/** A frame did not decode as the expected message, or lacked a required field. */
export class MalformedFrameError extends RealmeshError {
  static override name = 'MalformedFrameError'

  constructor (protocol: string, detail: string, options?: { cause?: unknown }) {
    super(WireErrorCode.FRAME_MALFORMED, `malformed frame on ${protocol}: ${detail}`, options)
  }
}

/** The remote closed the stream before the expected frame arrived. */
export class StreamClosedError extends RealmeshError {
  static override name = 'StreamClosedError'

  constructor (protocol: string, options?: { cause?: unknown }) {
    super(WireErrorCode.STREAM_CLOSED, `the remote closed the ${protocol} stream early`, options)
  }
}

/** An exchange on a stream did not finish before its deadline. */
export class StreamTimeoutError extends RealmeshError {
  static override name = 'StreamTimeoutError'

  constructor (protocol: string, options?: { cause?: unknown }) {
    super(WireErrorCode.STREAM_TIMEOUT, `the ${protocol} exchange timed out`, options)
  }
}

/** The remote answered with an error (WireError, NACK, DENIED ...): its code and reason as it sent them. */
export class RemoteError extends RealmeshError {
  static override name = 'RemoteError'
  readonly reason: string

  constructor (code: string, reason: string, context: string) {
    super(code === '' ? WireErrorCode.INTERNAL : code, `${context}: ${code} ${reason}`.trim())
    this.reason = reason
  }
}

/** Message data that did not decrypt, or a session key that could not be agreed (MESSAGE_UNDECRYPTABLE). */
export class UndecryptableError extends RealmeshError {
  static override name = 'UndecryptableError'

  constructor (detail: string, options?: { cause?: unknown }) {
    super(WireErrorCode.MESSAGE_UNDECRYPTABLE, detail, options)
  }
}
