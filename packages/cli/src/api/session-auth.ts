/**
 * The control API's second way in, besides the bearer token: a browser's session cookie (the
 * dashboard's, dashboard/sessions.ts). A cookie rides along with every request the browser makes to
 * this host, whoever's page asks, so a request it alone authorizes may read (a foreign page cannot
 * read the answer: no CORS headers are ever sent) but may change something only when it proves it
 * comes from the dashboard's own page: the CSRF header, which no foreign page can set without a CORS
 * preflight that this API never grants, and an Origin / Sec-Fetch-Site of this very origin when the
 * browser sends them. SameSite=Strict alone would not do: every port of 127.0.0.1 is the same site.
 */
import type { IncomingHttpHeaders } from 'node:http'

/** the header the dashboard's page puts on every POST */
export const CSRF_HEADER = 'x-realmesh-csrf'

export interface SessionCheck {
  /** whether the request's Cookie header names a live session */
  valid: (cookie: string | undefined) => boolean
}

/** whether a request authorized by its cookie alone may change something (POST) */
export function sameOriginWrite (headers: IncomingHttpHeaders): boolean {
  if (headers[CSRF_HEADER] !== '1') return false
  const site = headers['sec-fetch-site']
  if (site != null && site !== 'same-origin') return false
  const origin = headers.origin
  return origin == null || origin === `http://${headers.host ?? ''}`
}
