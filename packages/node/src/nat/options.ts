/**
 * NAT traversal settings (RealmNodeInit.nat; `nat:` in the daemon's node.yaml), their defaults,
 * and the checks that refuse bad values before anything is built.
 */
import { NatConfigError } from './errors.js'

/** whether this node takes a slot on a member relay and announces its circuit address */
export type RelayUse = 'auto' | 'always' | 'never'
/** whether this node relays for members */
export type RelayServe = 'auto' | 'always' | 'never'

export interface RelayInit {
  /**
   * - `auto`: once this node finds it is behind a NAT (members see it at an address that is on
   *   none of its interfaces, and no public address of it was confirmed), it reserves a slot on a
   *   member relay and announces the circuit address beside its own;
   * - `always`: from the start;
   * - `never`: it does not (it can still dial members through relays).
   * @default 'auto'
   */
  use?: RelayUse
  /**
   * - `auto`: it grants reservations only while AutoNAT has confirmed a public address of it;
   * - `always`: whenever it is asked (a member reachable by the others without AutoNAT, such as a
   *   realm on a private network, or a configured relay);
   * - `never`: it runs no relay at all.
   * Only members get anything from a relay: the hop protocol passes the membership gate.
   * @default 'auto'
   */
  serve?: RelayServe
  /** most members holding a reservation on this node at once. @default 32 */
  maxReservations?: number
  /** how long a reservation lasts, ms (the member renews it 5 min before). @default 1800000 (30 min) */
  reservationTtlMs?: number
  /** most relayed connections at once through this node per member, each way. @default 16 */
  maxCircuitsPerPeer?: number
}

export interface NatInit {
  relay?: RelayInit
  /** DCUtR: try to turn a relayed connection into a direct one (hole punching). @default true */
  holePunch?: boolean
  /** AutoNAT: ask members to dial this node's public addresses back, and answer theirs. @default true */
  autonat?: boolean
}

export interface NatOptions {
  use: RelayUse
  serve: RelayServe
  maxReservations: number
  reservationTtlMs: number
  maxCircuitsPerPeer: number
  holePunch: boolean
  autonat: boolean
}

const USES: readonly string[] = ['auto', 'always', 'never']

/** the settings with their defaults, or NatConfigError (NAT_CONFIG_INVALID) naming the bad key */
export function natOptions (init: NatInit): NatOptions {
  const relay = init.relay ?? {}
  const use = relay.use ?? 'auto'
  const serve = relay.serve ?? 'auto'
  if (!USES.includes(use)) throw new NatConfigError('relay.use', 'auto, always or never')
  if (!USES.includes(serve)) throw new NatConfigError('relay.serve', 'auto, always or never')
  return {
    use,
    serve,
    maxReservations: count('relay.maxReservations', relay.maxReservations, 32, 0, 10_000),
    reservationTtlMs: count('relay.reservationTtlMs', relay.reservationTtlMs, 1_800_000, 60_000, 86_400_000),
    maxCircuitsPerPeer: count('relay.maxCircuitsPerPeer', relay.maxCircuitsPerPeer, 16, 1, 1_024),
    holePunch: flag('holePunch', init.holePunch),
    autonat: flag('autonat', init.autonat)
  }
}

function count (key: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value == null) return fallback
  if (!Number.isInteger(value) || value < min || value > max) throw new NatConfigError(key, `an integer from ${min} to ${max}`)
  return value
}

function flag (key: string, value: boolean | undefined): boolean {
  if (value == null) return true
  if (typeof value !== 'boolean') throw new NatConfigError(key, 'true or false')
  return value
}
