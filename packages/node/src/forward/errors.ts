import { RealmeshError, WireErrorCode } from '@realmesh/wire'

/**
 * Stable codes of forwarding: the refusals a forwarder or a target answers (spoken on the wire as
 * they are), and what a pipe on the forwarder ends with.
 */
export const ForwardErrorCode = {
  FORWARD_LIMIT: WireErrorCode.FORWARD_LIMIT,
  FORWARD_TARGET_UNKNOWN: WireErrorCode.FORWARD_TARGET_UNKNOWN,
  FORWARD_UNREACHABLE: WireErrorCode.FORWARD_UNREACHABLE,
  FORWARD_REFUSED: WireErrorCode.FORWARD_REFUSED,
  /** a forwarding setting (RealmNodeInit.forwarding, node.yaml `forwarding:`) is out of bounds: nothing was built */
  FORWARD_CONFIG_INVALID: 'FORWARD_CONFIG_INVALID',
  /** a forwarded stream carried no byte either way for the forwarder's idle timeout */
  FORWARD_IDLE: 'FORWARD_IDLE',
  /** a forwarded stream carried the forwarder's most bytes (both ways together) */
  FORWARD_BYTES_EXCEEDED: 'FORWARD_BYTES_EXCEEDED',
  /** the forwarder stopped, or the stream was closed on it */
  FORWARD_CLOSED: 'FORWARD_CLOSED',
  /** no member this node holds could forward to the target (each refused or failed) */
  FORWARD_UNAVAILABLE: 'FORWARD_UNAVAILABLE'
} as const

export type ForwardErrorCode = typeof ForwardErrorCode[keyof typeof ForwardErrorCode]

/** A forwarded connection refused (by a forwarder or the target), or a forwarded stream ended for a reason of its own. */
export class ForwardError extends RealmeshError {
  static override name = 'ForwardError'
}
