/**
 * The leader's invitations:
 *   GET  /invitations          { invitations: InvitationSummary[] } (no secrets)
 *   POST /invitations          body { "ttlSeconds"?, "uses"?, "attrs"?: { K: V } } -> Invitation (the JSON form and `uri`)
 *   POST /invitations/cancel   body { "id": ID } -> InvitationSummary
 * Refusals are the leader's codes (INVITATION_INVALID, INVITATIONS_FULL, INVITATION_UNKNOWN,
 * INVITATION_CANCELLED).
 */
import { ApiRequestError } from '../server.js'
import type { Route } from '../router.js'
import type { Invitation, InvitationSummary, InviteOptions } from '@realmesh/leader'

/** what the routes need of the leader service (LeaderService has it) */
export interface InvitationDesk {
  invite: (options: InviteOptions & { signal?: AbortSignal }) => Promise<Invitation>
  invitations: () => InvitationSummary[]
  uninvite: (id: string, options: { signal?: AbortSignal }) => Promise<InvitationSummary>
}

export function invitationRoutes (desk: InvitationDesk): Route[] {
  return [
    { method: 'GET', path: '/invitations', auth: true, handle: () => ({ invitations: desk.invitations() }) },
    {
      method: 'POST',
      path: '/invitations',
      auth: true,
      handle: async ({ body, signal }) => {
        const { ttlSeconds, uses, attrs } = (body ?? {}) as { ttlSeconds?: unknown, uses?: unknown, attrs?: unknown }
        if (ttlSeconds !== undefined && typeof ttlSeconds !== 'number') throw new ApiRequestError(400, 'BAD_REQUEST', 'ttlSeconds must be a number')
        if (uses !== undefined && typeof uses !== 'number') throw new ApiRequestError(400, 'BAD_REQUEST', 'uses must be a number')
        if (attrs !== undefined && (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs) || Object.values(attrs).some(v => typeof v !== 'string'))) {
          throw new ApiRequestError(400, 'BAD_REQUEST', 'attrs must be an object of strings')
        }
        return desk.invite({ ttlSeconds, uses, attrs: attrs as Record<string, string> | undefined, signal })
      }
    },
    {
      method: 'POST',
      path: '/invitations/cancel',
      auth: true,
      handle: async ({ body, signal }) => {
        const { id } = (body ?? {}) as { id?: unknown }
        if (typeof id !== 'string' || id === '' || id.length > 128) throw new ApiRequestError(400, 'BAD_REQUEST', 'id must be an invitation id (see realmesh leader invitations)')
        return desk.uninvite(id, { signal })
      }
    }
  ]
}
