import { RealmeshError } from '@realmesh/wire'

export type DurableErrorCode =
  /** a name that is not 1 to 64 of A-Z a-z 0-9 . _ - (starting with a letter or digit) */
  | 'DURABLE_NAME_INVALID'
  /** a bound or an option out of its range */
  | 'DURABLE_OPTION_INVALID'
  /** no durable subscription of that name on this node */
  | 'DURABLE_UNKNOWN'
  /** the name is taken by a subscription to another subject, role or audience */
  | 'DURABLE_CONFLICT'
  /** the node holds its most durable subscriptions already */
  | 'DURABLE_LIMIT'
  /** a message refused by a full subscription whose policy is reject (the sender's ack says so) */
  | 'DURABLE_FULL'
  /** a consumer replaced by a newer one attached to the same subscription */
  | 'DURABLE_DETACHED'
  /** the subscription was removed while a consumer was attached */
  | 'DURABLE_REMOVED'
  /** the store failed a write: the message was not stored (the sender's ack says so) */
  | 'DURABLE_STORE_FAILED'

/** A durable subscription refused a call or a message; `code` says why. */
export class DurableError extends RealmeshError {
  static override name = 'DurableError'
  declare readonly code: DurableErrorCode

  constructor (code: DurableErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
  }
}
