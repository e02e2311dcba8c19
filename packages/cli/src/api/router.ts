/**
 * The control API's one routing table. Endpoint groups (routes/*.ts) each return a list of routes;
 * the daemon hands the lists it serves to the server. Paths are literal segments and `:name`
 * parameters: `/pending/:id/approve`.
 */
export type Method = 'GET' | 'POST'

export interface RouteContext {
  /** `:name` parameters, URL-decoded */
  params: Record<string, string>
  /** the parsed JSON body (POST), or undefined when there was none */
  body: unknown
  /** aborted when the client goes away or the server stops */
  signal: AbortSignal
}

export interface Route {
  method: Method
  path: string
  /** whether the bearer token is required (everything but GET /health). A route without it takes no body */
  auth: boolean
  /** largest request body accepted. @default the server's (64 KiB) */
  maxBodyBytes?: number
  /** returns the JSON response body, JsonLines to stream one JSON document per line, or a TextBody */
  handle: (context: RouteContext) => unknown
}

/**
 * A streamed answer (`application/x-ndjson`): `run` emits JSON values, each written as one line,
 * until it resolves or the request's signal aborts (the client went away, the server stops). The
 * promise `emit` returns resolves once the line is handed to the socket.
 */
export class JsonLines {
  readonly run: (emit: (value: unknown) => Promise<void>, signal: AbortSignal) => Promise<void>

  constructor (run: (emit: (value: unknown) => Promise<void>, signal: AbortSignal) => Promise<void>) {
    this.run = run
  }
}

/** A plain answer that is not JSON (Prometheus text for GET /metrics), sent as it is. */
export class TextBody {
  readonly contentType: string
  readonly text: string

  constructor (contentType: string, text: string) {
    this.contentType = contentType
    this.text = text
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
