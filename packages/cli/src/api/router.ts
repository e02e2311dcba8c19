/**
 * The control API's one routing table. Endpoint groups (routes/*.ts) each return a list of routes;
 * the daemon hands the lists it serves to the server. Paths are literal segments and `:name`
 * parameters: `/pending/:id/approve`.
 */
import type { IncomingHttpHeaders } from 'node:http'

export type Method = 'GET' | 'POST'

export interface RouteContext {
  /** `:name` parameters, URL-decoded */
  params: Record<string, string>
  /** the parsed JSON body (POST), or undefined when there was none */
  body: unknown
  /** aborted when the client goes away or the server stops */
  signal: AbortSignal
  /** the request's headers (a route without the token reads its credentials there: the dashboard's login) */
  headers: IncomingHttpHeaders
}

export interface Route {
  method: Method
  path: string
  /** whether the bearer token is required (everything but GET /health). A route without it takes no body */
  auth: boolean
  /** largest request body accepted. @default the server's (64 KiB) */
  maxBodyBytes?: number
  /** returns the JSON response body, JsonLines to stream one JSON document per line, or an HttpResponse */
  handle: (context: RouteContext) => unknown
}

/**
 * A streamed answer (`application/x-ndjson`): `run` emits JSON values, each written as one line,
 * until it resolves or the request's signal aborts (the client went away, the server stops). The
 * promise `emit` returns resolves once the line is handed to the socket. With format 'sse' the
 * same values go out as server-sent events (`text/event-stream`, `data: JSON` and a blank line),
 * for a browser's EventSource; heartbeats are then comment lines.
 */
export class JsonLines {
  readonly run: (emit: (value: unknown) => Promise<void>, signal: AbortSignal) => Promise<void>
  readonly format: 'ndjson' | 'sse'

  constructor (run: (emit: (value: unknown) => Promise<void>, signal: AbortSignal) => Promise<void>, format: 'ndjson' | 'sse' = 'ndjson') {
    this.run = run
    this.format = format
  }
}

/** An answer that is not JSON (a static file, a login that sets a cookie, Prometheus text): status, headers and body as given. */
export class HttpResponse {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string | Uint8Array

  constructor (status: number, headers: Record<string, string>, body: string | Uint8Array) {
    this.status = status
    this.headers = headers
    this.body = body
  }
}

export type Match =
  | { ok: true, route: Route, params: Record<string, string> }
  | { ok: false, status: 404 | 405, allow?: Method[] }

interface Compiled {
  route: Route
  segments: string[]
}

export class Router {
  private readonly routes: Compiled[] = []

  constructor (routes: Route[] = []) {
    for (const route of routes) this.add(route)
  }

  add (route: Route): void {
    if (!route.path.startsWith('/')) throw new TypeError(`route path must start with /: ${route.path}`)
    this.routes.push({ route, segments: split(route.path) })
  }

  match (method: string, pathname: string): Match {
    const parts = split(pathname)
    const allow: Method[] = []
    for (const { route, segments } of this.routes) {
      const params = matchSegments(segments, parts)
      if (params == null) continue
      if (route.method === method) return { ok: true, route, params }
      allow.push(route.method)
    }
    return allow.length === 0 ? { ok: false, status: 404 } : { ok: false, status: 405, allow }
  }
}

function split (path: string): string[] {
  return path.split('/').filter(s => s !== '')
}

function matchSegments (segments: string[], parts: string[]): Record<string, string> | undefined {
  if (segments.length !== parts.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] ?? ''
    const part = parts[i] ?? ''
    if (segment.startsWith(':')) {
      let value: string
      try {
        value = decodeURIComponent(part)
      } catch {
        return undefined
      }
      params[segment.slice(1)] = value
    } else if (segment !== part) {
      return undefined
    }
  }
  return params
}
