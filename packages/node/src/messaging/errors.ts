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
