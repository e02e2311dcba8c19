/**
 * The leader's revocations.
 *   GET  /revocations   { revocations: RevocationJson[], peers: [{ peer, revokedAt, reason }] }
 *   POST /revocations   body { "target": PEER_ID | JTI, "reason"?: string } -> { revocations: RevocationJson[] }
 */
import { revocationToJson } from '@realmesh/node'
import { ApiRequestError } from '../server.js'
import { MAX_REASON_CHARS } from './pending.js'
import type { Route } from '../router.js'
import type { Revocation } from '@realmesh/wire'

/** what the routes need of the leader service (LeaderService has it) */
export interface RevocationDesk {
  revoke: (target: string, options: { reason?: string }) => Promise<Revocation[]>
  revocations: () => Revocation[]
  revokedPeers: () => readonly object[]
}

export function revocationRoutes (desk: RevocationDesk): Route[] {
  return [
    {
      method: 'GET',
      path: '/revocations',
      auth: true,
      handle: () => ({ revocations: desk.revocations().map(revocationToJson), peers: desk.revokedPeers() })
    },
    {
      method: 'POST',
      path: '/revocations',
      auth: true,
      handle: async ({ body }) => {
        const { target, reason } = (body ?? {}) as { target?: unknown, reason?: unknown }
        if (typeof target !== 'string' || target === '' || target.length > 128) throw new ApiRequestError(400, 'BAD_REQUEST', 'target must be a peer id or a token id (jti), 1 to 128 characters')
        if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_REASON_CHARS)) throw new ApiRequestError(400, 'BAD_REQUEST', `reason must be a string of at most ${MAX_REASON_CHARS} characters`)
        const revocations = await desk.revoke(target, { reason })
        return { revocations: revocations.map(revocationToJson) }
      }
    }
  ]
}
