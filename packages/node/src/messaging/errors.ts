import { RealmeshError, WireErrorCode } from '@realmesh/wire'

/** A message could not be published or sent (MESSAGE_CACHE_FULL, NO_HANDLER, ...). */
export class MessageError extends RealmeshError {
  static override name = 'MessageError'
}

/** Message data above the limit: nothing was sent, nothing else changed. */
export class MessageTooLargeError extends MessageError {
  static override name = 'MessageTooLargeError'
  readonly size: number
  readonly limit: number

  constructor (size: number, limit: number, what = 'message') {
    super(WireErrorCode.MESSAGE_TOO_LARGE, `a ${what} of ${size} bytes is larger than the limit of ${limit} bytes`)
    this.size = size
    this.limit = limit
  }
}

/** `send` to this node itself: nothing was sent. */
export class CannotSendToSelfError extends MessageError {
  static override name = 'CannotSendToSelfError'

  constructor () {
    super('CANNOT_SEND_TO_SELF', 'a node cannot send a direct request to itself')
  }
}

/**
 * `send` to a peer that is not among this node's members and could not be admitted as one: no
 * address was found for it, it did not answer, or handshake and join with it failed. `cause` says
 * which (its code is in the message).
 */
export class PeerNotMemberError extends MessageError {
  static override name = 'PeerNotMemberError'
  readonly peer: string

  constructor (peer: string, cause: Error & { code: string }) {
    super('PEER_NOT_A_MEMBER', `${peer} is not a member of this realm that this node can reach: ${cause.code}: ${cause.message}`, { cause })
    this.peer = peer
  }
}

/**
 * A sender's message stream was reset because what it held in this node's memory (frames being
 * received, frames waiting out of order) would pass a budget: its reorder window's or its peer's
 * (MESSAGE_BUDGET_EXCEEDED, an offence of the sender), or the node's (BUSY: every sender shares it).
 */
export class MessageBudgetError extends MessageError {
  static override name = 'MessageBudgetError'
  readonly scope: 'window' | 'peer' | 'node'
  readonly limit: number

  constructor (scope: 'window' | 'peer' | 'node', limit: number) {
    super(scope === 'node' ? WireErrorCode.BUSY : WireErrorCode.MESSAGE_BUDGET_EXCEEDED, `a message stream would hold more than the ${scope === 'window' ? 'reorder window\'s' : `${scope}'s`} ${limit} bytes`)
    this.scope = scope
    this.limit = limit
  }
}
