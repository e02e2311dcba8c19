/**
 * Tunnels through the node daemon (bearer token on all of them; node daemons only):
 *   GET  /tunnels                         { services: [exposed, with open tunnels], tunnels: [open ones],
 *                                         forwards: [local listeners], reachable: [{ peer, identity, services }] }
 *                                         (reachable: asks up to 64 members which services they expose to this node)
 *   POST /tunnels/services/NAME           body { host, port, allow?: [{ attr, value } | { peer }] }
 *                                         -> { service, replaced, closed } (exposed, or its definition replaced:
 *                                         `closed` open tunnels the new rules do not admit were reset)
 *   POST /tunnels/services/NAME/unexpose  -> { ok, name } (its open tunnels are closed); 404 TUNNEL_UNKNOWN_SERVICE
 *   POST /tunnels/forward                 body { target, service, host?, port? } -> NDJSON: { type: 'listening',
 *                                         host, port, peer, service } once the member said the service is open to
 *                                         this node and the listener is up, then per local connection
 *                                         { type: 'opened', id } / { type: 'closed', id, end, sent, received,
 *                                         durationMs, code? } / { type: 'refused', code, message }, until the client
 *                                         goes away (that closes the listener and its tunnels); { type: 'error',
 *                                         code, message } when it could not start
 */
import { TunnelError, TunnelErrorCode } from '@realmesh/node'
import { ApiRequestError } from '../server.js'
import { JsonLines } from '../router.js'
import { errorLine } from './subjects.js'
import type { AllowRule, RealmNode } from '@realmesh/node'
import type { Route } from '../router.js'

/** how long listing what members expose may take, ms */
const REACHABLE_TIMEOUT_MS = 10_000

export function tunnelRoutes (node: RealmNode): Route[] {
  return [
    {
      method: 'GET',
      path: '/tunnels',
      auth: true,
      handle: async ({ signal }) => {
        const reachable = await node.tunnels.reachable({ signal: AbortSignal.any([signal, AbortSignal.timeout(REACHABLE_TIMEOUT_MS)]) })
        return { ...node.tunnels.status(), reachable }
      }
    },
    {
      method: 'POST',
      path: '/tunnels/services/:name',
      auth: true,
      handle: ({ params, body }) => {
        const options = (body ?? {}) as { host?: unknown, port?: unknown, allow?: unknown }
        if (options.allow !== undefined && !Array.isArray(options.allow)) throw new ApiRequestError(400, 'BAD_REQUEST', 'allow is a list of { attr, value } or { peer }')
        // the registry checks every field (TUNNEL_SERVICE_INVALID), and changes nothing on a bad one
        return node.tunnels.expose({ name: params.name ?? '', host: options.host as string, port: options.port as number, allow: options.allow as AllowRule[] | undefined })
      }
    },
    {
      method: 'POST',
      path: '/tunnels/services/:name/unexpose',
      auth: true,
      handle: ({ params }) => {
        const name = params.name ?? ''
        if (!node.tunnels.unexpose(name)) throw new TunnelError(TunnelErrorCode.TUNNEL_UNKNOWN_SERVICE, `this node exposes no service ${name}`)
        return { ok: true, name }
      }
    },
    {
      method: 'POST',
      path: '/tunnels/forward',
      auth: true,
      handle: ({ body }) => {
        const options = (body ?? {}) as { target?: unknown, service?: unknown, host?: unknown, port?: unknown }
        if (typeof options.target !== 'string' || options.target === '') throw new ApiRequestError(400, 'BAD_REQUEST', 'target is a peer id or an identity')
        if (typeof options.service !== 'string') throw new ApiRequestError(400, 'BAD_REQUEST', 'service is a service name')
        if (options.host !== undefined && typeof options.host !== 'string') throw new ApiRequestError(400, 'BAD_REQUEST', 'host is a host name or address to listen on')
        if (options.port !== undefined && (!Number.isInteger(options.port) || (options.port as number) < 0 || (options.port as number) > 65535)) throw new ApiRequestError(400, 'BAD_REQUEST', 'port is an integer in 0..65535')
        const { target, service } = options as { target: string, service: string }
        return new JsonLines(async (emit, signal) => {
          const line = (value: unknown): void => { void emit(value).catch(() => {}) }
          try {
            // refused now rather than at the first connection: the member's answer, without connecting
            await node.tunnels.probe(target, service, { signal })
            const forward = await node.tunnels.forward({
              target,
              service,
              host: options.host as string | undefined,
              port: options.port as number | undefined,
              signal,
              onOpened: (id) => { line({ type: 'opened', id }) },
              onClosed: (d) => { line({ type: 'closed', id: d.id, end: d.end, sent: d.sent, received: d.received, durationMs: d.durationMs, ...(d.code == null ? {} : { code: d.code }) }) },
              onRefused: (err) => { line({ type: 'refused', code: err.code ?? 'INTERNAL', message: err.message }) }
            })
            await emit({ type: 'listening', host: forward.host, port: forward.port, peer: forward.peer, service })
            await forward.closed
          } catch (err) {
            await emit(errorLine(err)).catch(() => {})
          }
        })
      }
    }
  ]
}
