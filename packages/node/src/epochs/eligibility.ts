/**
 * Who may coordinate subjects in an epoch: a member whose grant is older than the epoch's start.
 * The salt of an epoch exists only from its start on (the leader never publishes one ahead), so a
 * node key bound to a grant from before it was chosen without knowing where any subject would be
 * in that epoch; a key ground afterwards, for a position seen in it, has a younger grant and is
 * passed over, by the nodes that register (they hold every member's verified node token) and by
 * the member itself (it refuses REGISTER for that epoch, COORDINATOR_NOT_ELIGIBLE).
 *
 * The grant's start is the node token's `grantedAt` (carried unchanged by renewals), or its iat for
 * a token without it. Both come from the leader's clock, as does the epoch's start, so no clock
 * skew enters; grantedAt has a resolution of seconds, so the whole second of the grant must end
 * before the epoch starts. The realm leader's own node always may: it makes the salts. A
 * self-issued node token (a realm whose policy allows them) never may: its times are whatever its
 * holder wrote.
 *
 * The realm's first epoch admits every member the leader granted: there is no earlier grant to
 * prefer, and holding it to the rule would leave the leader the only coordinator of every subject
 * for the whole first epoch (a realm whose leader is down then could match nothing). Its salt is
 * still unknown before it starts, so a key ground for a position in it serves at most until the
 * second epoch's overlap ends (interests are registered under both while it starts), from which
 * the rule holds.
 */
import type { NodeTokenClaims } from '@realmesh/token'
import type { EpochRef } from './epochs.js'

/** when the grant behind a node token began, seconds since the epoch */
export function grantedAt (claims: Pick<NodeTokenClaims, 'grantedAt' | 'iat'>): number {
  return claims.grantedAt ?? claims.iat
}

/** the realm's first epoch: every member the leader granted may coordinate in it */
export const FIRST_EPOCH = 1n

/** whether a member holding a node token with `claims` may coordinate subjects in `epoch` (epoch 0: every member) */
export function mayCoordinate (claims: Pick<NodeTokenClaims, 'grantedAt' | 'iat' | 'iss' | 'sub'>, epoch: EpochRef, leader: string): boolean {
  if (epoch == null || claims.sub === leader) return true
  if (claims.iss !== leader) return false
  if (epoch.epoch <= FIRST_EPOCH) return true
  return (grantedAt(claims) + 1) * 1000 <= Number(epoch.startsAtMs)
}
