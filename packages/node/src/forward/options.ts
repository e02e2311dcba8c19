/**
 * Forwarding settings (RealmNodeInit.forwarding; `forwarding:` in the daemon's node.yaml), their
 * defaults, and the checks that refuse bad values before anything is built.
 */
import { ForwardError, ForwardErrorCode } from './errors.js'

export interface ForwardingInit {
  /** forward streams between members that cannot reach each other (be a forwarder). @default true */
  serve?: boolean
  /**
   * when a direct dial to a member fails, reach it through a member that forwards (and take
   * forwarded connections from members). @default true
   */
  use?: boolean
  /** most forwarded streams through this node at once (`serve: false` forwards none). @default 32 */
  maxCircuits?: number
  /** most forwarded streams through this node at once from one member, and (separately) to one member. @default 4 */
  maxCircuitsPerPeer?: number
  /** most bytes one forwarded stream carries through this node, both ways together; past it the stream is reset. @default 1073741824 (1 GiB) */
  maxBytesPerCircuit?: number
  /**
   * a forwarded stream that carries no byte either way for this long is reset, ms (a forwarded
   * connection's yamux pings every 60 s while it lives, and a member's keepalive every 30 s). @default 120000
   */
  idleTimeoutMs?: number
  /** a forwarded connection arriving while this node holds this many (either way) is refused (`use: false` takes none). @default 32 */
  maxForwarded?: number
  /** members asked in turn to forward a dial that failed. @default 3 */
  forwardersPerDial?: number
  /**
   * how often a member reached only through a forwarder is dialled again directly (also at once
   * when its record changes); a direct or relayed connection replaces the forwarded one, ms. @default 60000
   */
  directRetryMs?: number
}

export type ForwardingOptions = Required<ForwardingInit>

export const FORWARDING_DEFAULTS: ForwardingOptions = {
  serve: true,
  use: true,
  maxCircuits: 32,
  maxCircuitsPerPeer: 4,
  maxBytesPerCircuit: 1024 * 1024 * 1024,
  idleTimeoutMs: 120_000,
  maxForwarded: 32,
  forwardersPerDial: 3,
  directRetryMs: 60_000
}

/** the settings with their defaults, or ForwardError (FORWARD_CONFIG_INVALID) naming the bad key */
export function forwardingOptions (init: ForwardingInit = {}): ForwardingOptions {
  return {
    serve: flag('serve', init.serve),
    use: flag('use', init.use),
    maxCircuits: count('maxCircuits', init.maxCircuits, FORWARDING_DEFAULTS.maxCircuits, 1, 10_000),
    maxCircuitsPerPeer: count('maxCircuitsPerPeer', init.maxCircuitsPerPeer, FORWARDING_DEFAULTS.maxCircuitsPerPeer, 1, 1_024),
    maxBytesPerCircuit: count('maxBytesPerCircuit', init.maxBytesPerCircuit, FORWARDING_DEFAULTS.maxBytesPerCircuit, 1024, Number.MAX_SAFE_INTEGER),
    idleTimeoutMs: count('idleTimeoutMs', init.idleTimeoutMs, FORWARDING_DEFAULTS.idleTimeoutMs, 100, 86_400_000),
    maxForwarded: count('maxForwarded', init.maxForwarded, FORWARDING_DEFAULTS.maxForwarded, 0, 10_000),
    forwardersPerDial: count('forwardersPerDial', init.forwardersPerDial, FORWARDING_DEFAULTS.forwardersPerDial, 0, 16),
    directRetryMs: count('directRetryMs', init.directRetryMs, FORWARDING_DEFAULTS.directRetryMs, 1_000, 86_400_000)
  }
}

function count (key: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value == null) return fallback
  if (!Number.isInteger(value) || value < min || value > max) throw new ForwardError(ForwardErrorCode.FORWARD_CONFIG_INVALID, `forwarding.${key} must be an integer from ${min} to ${max}`)
  return value
}

function flag (key: string, value: boolean | undefined): boolean {
  if (value == null) return true
  if (typeof value !== 'boolean') throw new ForwardError(ForwardErrorCode.FORWARD_CONFIG_INVALID, `forwarding.${key} must be true or false`)
  return value
}
