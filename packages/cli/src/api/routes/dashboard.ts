/**
 * The dashboard (../../dashboard/): the page and its files without the token (they hold nothing
 * secret), the login, and the daemon's picture for a session cookie or the bearer token.
 *   GET  /dashboard                the page (index.html); /dashboard/FILE, /dashboard/vendor/FILE its files
 *   POST /dashboard/login          (token) -> { path, expiresInMs }: a one-time login at /dashboard/#login=TOKEN
 *   POST /dashboard/session        header x-realmesh-login: TOKEN (and x-realmesh-csrf: 1) -> Set-Cookie, { ok: true };
 *                                  401 LOGIN_INVALID when the token is unknown, used or expired
 *   POST /dashboard/logout         -> the cookie expired, the session ended
 *   GET  /dashboard/state          the DashboardState (../../dashboard/state.ts)
 *   GET  /dashboard/events         text/event-stream: a DashboardState now and whenever it changed (at most 4 a second)
 */
import { setTimeout as delay } from 'node:timers/promises'
import { ApiRequestError } from '../server.js'
import { HttpResponse, JsonLines } from '../router.js'
import { sameOriginWrite } from '../session-auth.js'
import { LOGIN_TTL_MS } from '../../dashboard/sessions.js'
import { PAGE_HEADERS, StaticFiles } from '../../dashboard/static-files.js'
import type { Dashboard } from '../../dashboard/dashboard.js'
import type { Route, RouteContext } from '../router.js'

/** the header the page sends its one-time login token in */
export const LOGIN_HEADER = 'x-realmesh-login'

/** an event stream sends at most one picture this often, however fast things change */
const MIN_EVENT_GAP_MS = 250

export function dashboardRoutes (dashboard: Dashboard): Route[] {
  const files = new StaticFiles()
  const serve = async (name: string): Promise<HttpResponse> => {
    const file = await files.get(name)
    if (file == null) throw new ApiRequestError(404, 'NOT_FOUND', `no dashboard file ${name}`)
    return new HttpResponse(200, { ...PAGE_HEADERS, 'content-type': file.type }, file.body)
  }
  return [
    { method: 'GET', path: '/dashboard', auth: false, handle: async () => serve('index.html') },
    {
      method: 'POST',
      path: '/dashboard/login',
      auth: true,
      handle: () => ({ path: `/dashboard/#login=${dashboard.sessions.issueLogin()}`, expiresInMs: LOGIN_TTL_MS })
    },
    {
      method: 'POST',
      path: '/dashboard/session',
      auth: false,
      handle: ({ headers }: RouteContext) => {
        if (!sameOriginWrite(headers)) throw new ApiRequestError(403, 'CSRF_REFUSED', 'a login comes from the dashboard page: x-realmesh-csrf header and its own origin')
        const token = headers[LOGIN_HEADER]
        const cookie = typeof token === 'string' && token.length <= 64 ? dashboard.sessions.login(token) : undefined
        if (cookie == null) throw new ApiRequestError(401, 'LOGIN_INVALID', 'this login link is used, expired or unknown: run realmesh dashboard for a new one')
        return new HttpResponse(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'set-cookie': cookie }, '{"ok":true}')
      }
    },
    {
      method: 'POST',
      path: '/dashboard/logout',
      auth: true,
      handle: ({ headers }: RouteContext) => {
        dashboard.sessions.logout(headers.cookie)
        return new HttpResponse(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'set-cookie': dashboard.sessions.expiredCookie() }, '{"ok":true}')
      }
    },
    { method: 'GET', path: '/dashboard/state', auth: true, handle: () => dashboard.state() },
    {
      method: 'GET',
      path: '/dashboard/events',
      auth: true,
      handle: () => new JsonLines(async (emit, signal) => {
        let dirty = true
        let wake: (() => void) | undefined
        const off = dashboard.onChange(() => {
          dirty = true
          wake?.()
        })
        const onAbort = (): void => { wake?.() }
        signal.addEventListener('abort', onAbort, { once: true })
        try {
          while (!signal.aborted) {
            if (dirty) {
              dirty = false
              await emit(dashboard.state())
              await delay(MIN_EVENT_GAP_MS, undefined, { signal }).catch(() => {})
              continue
            }
            await new Promise<void>((resolve) => { wake = resolve })
            wake = undefined
          }
        } finally {
          off()
          signal.removeEventListener('abort', onAbort)
        }
      }, 'sse')
    },
    { method: 'GET', path: '/dashboard/vendor/:file', auth: false, handle: async ({ params }: RouteContext) => serve(`vendor/${params.file ?? ''}`) },
    { method: 'GET', path: '/dashboard/:file', auth: false, handle: async ({ params }: RouteContext) => serve(params.file ?? '') }
  ]
}
