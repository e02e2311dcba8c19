/**
 * What an application decides about an identity that asks to join (seed 001 step 2): allow it,
 * deny it with a reason, or defer to the realm leader.
 */
import type { Connection, PeerId, AbortOptions } from '@libp2p/interface'
import type { Identity } from '../membership/membership.js'
import type { NodeTokenClaims } from '@realmesh/token'

export type Decision =
  | { decision: 'allow' }
  | { decision: 'deny', reason: string }
  | { decision: 'defer', reason?: string }

export const allow: Decision = Object.freeze({ decision: 'allow' })
export const deny = (reason: string): Decision => ({ decision: 'deny', reason })
export const defer = (reason?: string): Decision => ({ decision: 'defer', reason })

export interface JoinContext {
  /** the peer asking to join */
  peer: PeerId
  /** its node token's claims (verified in the handshake) */
  node: NodeTokenClaims
  /** the identity that uses the node (verified: signature, realm, issuer, bound to this node) */
  identity: Identity
  connection: Connection
}

/**
 * Called for every join request, after the identity token verified. May be async; gets an
 * AbortSignal that fires when the join times out.
 */
export type JoinCallback = (context: JoinContext, options: AbortOptions) => Decision | Promise<Decision>

/** The realm leader's answer to a deferred identity. */
export type LeaderDecision =
  | { decision: 'approved' }
  | { decision: 'denied', code: string, reason: string }
  | { decision: 'pending' }
