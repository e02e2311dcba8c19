/**
 * The leader's pending requests: token requests and deferred joins waiting for the operator.
 *   GET  /pending                 { pending: [...] }
 *   POST /pending/ID/approve      { ok: true }
 *   POST /pending/ID/deny         body { "reason"?: string } -> { ok: true }
 *   POST /pending/deny            body { "all": true } | { "olderThanSeconds": N }, "reason"?: string
 *                                 -> { denied: [ids] }   (every waiting request, or those waiting >= N s)
 */
import { ApiRequestError } from '../server.js'
import type { Route } from '../router.js'

/** what the routes need of the leader service (LeaderService has it) */
export interface PendingQueue {
  pending: () => readonly object[]
  approve: (id: string) => Promise<void>
  deny: (id: string, reason?: string) => Promise<void>
  denyPending: (options: { olderThanMs?: number, reason?: string, signal?: AbortSignal }) => Promise<string[]>
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
      path: '/pending/deny',
      auth: true,
      handle: async ({ body, signal }) => {
        const olderThanMs = selection(body) * 1000
        return { denied: await queue.denyPending({ olderThanMs, reason: reasonOf(body), signal }) }
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

/** which waiting requests a bulk deny is for, as a minimum age in seconds (0: all); one of the two must be said */
function selection (body: unknown): number {
  const { all, olderThanSeconds } = (body ?? {}) as { all?: unknown, olderThanSeconds?: unknown }
  if (all === true && olderThanSeconds === undefined) return 0
  if (all === undefined && typeof olderThanSeconds === 'number' && Number.isSafeInteger(olderThanSeconds) && olderThanSeconds >= 1) return olderThanSeconds
  throw new ApiRequestError(400, 'BAD_REQUEST', 'say which requests to deny: { "all": true } or { "olderThanSeconds": N } (a whole number, at least 1)')
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
