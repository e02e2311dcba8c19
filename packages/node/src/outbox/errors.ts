import { RealmeshError } from '@realmesh/wire'

/**
 * OUTBOX_FULL: the outbox holds its most messages or bytes already (publish() refused it, nothing
 * changed). OUTBOX_FAILED: the store could not write the message (publish() refused it).
 * OUTBOX_KEPT: the node stopped before every receiver settled the message; it stays in the
 * outbox and goes out again when the node starts.
 */
export type OutboxErrorCode = 'OUTBOX_FULL' | 'OUTBOX_FAILED' | 'OUTBOX_KEPT'

export class OutboxError extends RealmeshError {
  static override name = 'OutboxError'

  constructor (code: OutboxErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
  }
}
