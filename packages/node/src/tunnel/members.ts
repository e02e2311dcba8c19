/** Tunnels' view of membership: who a member is for allow rules, and which member a target names. */
import { peerIdFromString } from '@libp2p/peer-id'
import { TunnelError, TunnelErrorCode } from './errors.js'
import type { PeerId } from '@libp2p/interface'
import type { Member, Membership } from '../membership/membership.js'
import type { TunnelParty } from './services.js'

export function partyOf (member: Member): TunnelParty {
  return { peer: member.id, identity: member.identity.claims.sub, attrs: member.identity.claims.ext?.attrs ?? {} }
}

/** current members as tunnel parties, most recently seen first */
export function membersBySeen (membership: Membership): TunnelParty[] {
  return membership.list().sort((a, b) => b.lastSeen - a.lastSeen).map(partyOf)
}

/**
 * The peer a tunnel target names: a member's node peer id, else the member (most recently seen)
 * that runs as the identity `target`, else `target` itself read as a peer id (a node this one
 * may still find and admit). TUNNEL_TARGET_INVALID when it is none of these.
 */
export function resolveTarget (membership: Membership, target: string): PeerId {
  const member = membership.get(target) ?? membership.list().filter(m => m.identity.claims.sub === target).sort((a, b) => b.lastSeen - a.lastSeen)[0]
  if (member != null) return member.peerId
  try {
    return peerIdFromString(target)
  } catch {
    throw new TunnelError(TunnelErrorCode.TUNNEL_TARGET_INVALID, `${JSON.stringify(target)} is neither a peer id nor an identity of a member`)
  }
}
