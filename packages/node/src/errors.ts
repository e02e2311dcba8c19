import { RealmeshError, WireErrorCode } from '@realmesh/wire'

/** The peer has not completed handshake and join with us on this connection. */
export class NotMemberError extends RealmeshError {
  static override name = 'NotMemberError'

  constructor (peer: string, protocol: string) {
    super(WireErrorCode.NOT_A_MEMBER, `${peer} may not use ${protocol}: it has not completed handshake and join on this connection`)
  }
}

/**
 * The handshake failed. `code` is a WireErrorCode (VERSION_MISMATCH, HANDSHAKE_*) or a token code
 * (TOKEN_*); `byRemote` says whether the other side refused us (true) or we refused it.
 */
export class HandshakeError extends RealmeshError {
  static override name = 'HandshakeError'
  readonly peer: string
  readonly byRemote: boolean

  constructor (code: string, message: string, init: { peer: string, byRemote: boolean, cause?: unknown }) {
    super(code, message, { cause: init.cause })
    this.peer = init.peer
    this.byRemote = init.byRemote
  }
}

/** The join was refused (NACK) by the remote, or the remote's ACK did not verify. */
export class JoinRefusedError extends RealmeshError {
  static override name = 'JoinRefusedError'
  readonly peer: string
  readonly reason: string
  readonly byRemote: boolean

  constructor (code: string, reason: string, init: { peer: string, byRemote: boolean, cause?: unknown }) {
    super(code, `join with ${init.peer} refused${init.byRemote ? ' by the remote' : ''}: ${code}${reason === '' ? '' : ` (${reason})`}`, { cause: init.cause })
    this.peer = init.peer
    this.reason = reason
    this.byRemote = init.byRemote
  }
}

/** The remote deferred its decision to the realm leader; try again after `retryAfterMs`. */
export class JoinDeferredError extends RealmeshError {
  static override name = 'JoinDeferredError'
  readonly peer: string
  readonly retryAfterMs: number

  constructor (peer: string, reason: string, retryAfterMs: number) {
    super(WireErrorCode.JOIN_DEFERRED, `join with ${peer} deferred to the realm leader: ${reason}; retry in ${retryAfterMs} ms`)
    this.peer = peer
    this.retryAfterMs = retryAfterMs
  }
}

/** The realm leader refused a token request (code JOIN_SECRET_INVALID, TOKEN_REQUEST_DENIED, ...). */
export class TokenRequestError extends RealmeshError {
  static override name = 'TokenRequestError'
  readonly reason: string

  constructor (code: string, reason: string) {
    super(code, `the realm leader refused the token request: ${code}${reason === '' ? '' : ` (${reason})`}`)
    this.reason = reason
  }
}

/** The node is not in a state to do what was asked (not started, no token, ...). */
export class NodeStateError extends RealmeshError {
  static override name = 'NodeStateError'

  constructor (message: string) {
    super('NODE_STATE', message)
  }
}

/** Failures that a retry may cure (unreachable, timed out, closed) as opposed to refusals. */
export function isTransient (err: unknown): boolean {
  if (err instanceof JoinRefusedError || err instanceof TokenRequestError) return false
  if (err instanceof HandshakeError) return err.code === WireErrorCode.HANDSHAKE_TIMEOUT || err.code === WireErrorCode.STREAM_CLOSED || err.code === WireErrorCode.STREAM_TIMEOUT
  if (err instanceof JoinDeferredError) return true
  return true
}
