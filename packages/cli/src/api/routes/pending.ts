/**
 * The leader's pending requests: token requests and deferred joins waiting for the operator.
 *   GET  /pending                 { pending: [...] }
 *   POST /pending/ID/approve      { ok: true }
 *   POST /pending/ID/deny         body { "reason"?: string } -> { ok: true }
 */
import { ApiRequestError } from '../server.js'
import type { Route } from '../router.js'

/** what the routes need of the leader service (LeaderService has it) */
export interface PendingQueue {
  pending: () => readonly object[]
  approve: (id: string) => Promise<void>
  deny: (id: string, reason?: string) => Promise<void>
}

export const MAX_REASON_CHARS = 256

export function pendingRoutes (queue: PendingQueue): Route[] {
  return [
    {
      method: 'GET',
      path: '/pending',
      auth: true,
      handle: () => ({ pending: queue.pending() })
    },
    {
      method: 'POST',
      path: '/pending/:id/approve',
      auth: true,
      handle: async ({ params }) => {
        await queue.approve(requestId(params.id))
        return { ok: true }
      }
    },
    {
      method: 'POST',
      path: '/pending/:id/deny',
      auth: true,
      handle: async ({ params, body }) => {
        await queue.deny(requestId(params.id), reasonOf(body))
        return { ok: true }
      }
    }
  ]
}

function requestId (id: string | undefined): string {
  if (id == null || id === '' || id.length > 128) throw new ApiRequestError(400, 'BAD_REQUEST', 'a request id is 1 to 128 characters')
  return id
}

function reasonOf (body: unknown): string | undefined {
  if (body == null) return undefined
  const reason = (body as { reason?: unknown }).reason
  if (reason === undefined) return undefined
  if (typeof reason !== 'string' || reason.length > MAX_REASON_CHARS) {
    throw new ApiRequestError(400, 'BAD_REQUEST', `reason must be a string of at most ${MAX_REASON_CHARS} characters`)
  }
  return reason
}
