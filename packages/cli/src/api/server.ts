/**
 * The daemons' local control API: HTTP on a loopback address only, JSON in and out, a bearer token
 * on everything but GET /health, request bodies capped, connections without the token bounded in
 * number and time (connection-guard.ts), and every malformed request answered with a 4xx
 * `{ code, message }` rather than a crash.
 */
import { createServer } from 'node:http'
import { createHash, timingSafeEqual } from 'node:crypto'
import { randomText } from '@realmesh/token'
import { assertLoopback, formatUrl, isLoopbackHost } from './address.js'
import { HttpResponse, JsonLines, Router } from './router.js'
import { sameOriginWrite } from './session-auth.js'
import { networkError } from '@realmesh/node'
import { ConnectionGuard, DEFAULT_CONNECTION_LIMITS } from './connection-guard.js'
import { DEFAULT_HEARTBEAT_MS, HEARTBEAT_HEADER, HEARTBEAT_LINE, MAX_HEARTBEAT_MS } from './heartbeat.js'
import { CliError } from '../errors.js'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Route } from './router.js'
import type { ConnectionLimits } from './connection-guard.js'
import type { SessionCheck } from './session-auth.js'

/** request bodies larger than this are refused (413) without being read (a route may allow more) */
export const MAX_BODY_BYTES = 64 * 1024

/** request headers larger than this are refused (431): a token is 43 characters */
const MAX_HEADER_BYTES = 8 * 1024

/** what a request node's parser refused is answered with (garbage: 400) */
const CLIENT_ERROR_STATUS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout'
}

/** a streamed answer whose reader lags this far behind is cut off */
export const MAX_STREAM_BACKLOG_BYTES = 16 * 1024 * 1024

export interface ControlApiInit {
  /** a loopback host: 127.0.0.1, ::1, localhost. API_NOT_LOOPBACK otherwise */
  host: string
  /** 0 = ephemeral */
  port: number
  routes: Route[]
  /** the bearer token. @default 32 random bytes, base64url */
  token?: string
  /** @default 64 KiB */
  maxBodyBytes?: number
  /** @default DEFAULT_CONNECTION_LIMITS: 5 s, 128 untrusted, 64 trusted */
  limits?: Partial<ConnectionLimits>
  /** a `{"type":"heartbeat"}` line on every NDJSON stream this often, ms (10 .. 90000; heartbeat.ts). @default 30000 */
  heartbeatMs?: number
  /** a browser session cookie authorizes requests too (reads; writes with the CSRF header): session-auth.ts */
  sessions?: SessionCheck
}

/** An error a route handler throws to answer with a 4xx status. */
export class ApiRequestError extends CliError {
  static override name = 'ApiRequestError'
  readonly status: number

  constructor (status: number, code: string, message: string) {
    super(code, message)
    this.status = status
  }
}

export class ControlApi {
  readonly url: string
  readonly token: string
  private readonly server: Server
  private readonly shutdown = new AbortController()

  private constructor (server: Server, url: string, token: string) {
    this.server = server
    this.url = url
    this.token = token
  }

  /** Listens on `host:port`; resolves once listening. */
  static async start (init: ControlApiInit): Promise<ControlApi> {
    assertLoopback(init.host)
    const token = init.token ?? randomText(32)
    const router = new Router(init.routes)
    const maxBody = init.maxBodyBytes ?? MAX_BODY_BYTES
    const tokenDigest = sha256(token)
    const limits = { ...DEFAULT_CONNECTION_LIMITS, ...init.limits }
    const heartbeatMs = init.heartbeatMs ?? DEFAULT_HEARTBEAT_MS
    if (!Number.isInteger(heartbeatMs) || heartbeatMs < 10 || heartbeatMs > MAX_HEARTBEAT_MS) throw new RangeError(`heartbeatMs is a whole number of ms from 10 to ${MAX_HEARTBEAT_MS}, got ${heartbeatMs}`)
    const guard = new ConnectionGuard(limits)
    const ref: { api?: ControlApi } = {}
    const server = createServer({
      maxHeaderSize: MAX_HEADER_BYTES,
      headersTimeout: limits.headerTimeoutMs,
      requestTimeout: Math.max(30_000, limits.headerTimeoutMs),
      // node checks the two timeouts above this often (default 30 s); the guard's own timers close
      // untrusted sockets on time, this bounds a trusted client's slow body or later headers
      connectionsCheckingInterval: 1_000
    }, (req, res) => {
      const bearer = authorized(req.headers.authorization, tokenDigest)
      const cookie = !bearer && init.sessions?.valid(req.headers.cookie) === true
      const trusted = bearer || cookie
      if (trusted && !guard.trust(req.socket)) {
        send(res, 503, { code: 'API_BUSY', message: `${limits.maxTrusted} connections with the token are open already` }, true)
        return
      }
      handle(req, res, { router, maxBody, trusted, cookie, heartbeatMs, stopping: ref.api?.shutdown.signal }).catch(() => {
        // handle() answers every error itself; this is only for a socket that died under us
        res.destroy()
      })
    })
    // no server.maxConnections: at the cap node drops new connections, the owner's too; the guard
    // closes the oldest connection without the token instead
    server.on('connection', (socket: Socket) => { guard.admit(socket) })
    server.keepAliveTimeout = 5_000
    server.maxHeadersCount = 100
    server.on('clientError', (err: Error & { code?: string }, socket) => {
      if (socket.writable) socket.end(`HTTP/1.1 ${CLIENT_ERROR_STATUS[err.code ?? ''] ?? '400 Bad Request'}\r\nConnection: close\r\n\r\n`)
      else socket.destroy()
    })
    ref.api = new ControlApi(server, await listenOn(server, init.host, init.port), token)
    return ref.api
  }

  get port (): number {
    return (this.server.address() as AddressInfo).port
  }

  /** Stops listening and closes every connection. Idempotent. */
  async stop (): Promise<void> {
    if (this.shutdown.signal.aborted) return
    this.shutdown.abort()
    await new Promise<void>((resolve) => {
      this.server.close(() => { resolve() })
      this.server.closeAllConnections()
    })
  }
}

interface Handling {
  router: Router
  maxBody: number
  /** the request carried the token */
  trusted: boolean
  /** the request was let in by a session cookie, not the token */
  cookie: boolean
  heartbeatMs: number
  stopping: AbortSignal | undefined
}

async function handle (req: IncomingMessage, res: ServerResponse, h: Handling): Promise<void> {
  // without the token a connection gets one answer: it cannot stay open as keep-alive
  if (!h.trusted) res.setHeader('connection', 'close')
  let url: URL
  try {
    url = new URL(req.url ?? '/', 'http://127.0.0.1')
  } catch {
    send(res, 400, { code: 'BAD_REQUEST', message: 'the request target is not a valid path' })
    return
  }
  // a browser page that rebinds its own name to 127.0.0.1 still sends its own Host: refuse it
  if (!isLoopbackHost(hostOf(req.headers.host))) {
    send(res, 403, { code: 'FORBIDDEN_HOST', message: 'the control API answers requests for loopback host names only' })
    return
  }
  const match = h.router.match(req.method ?? '', url.pathname)
  if (!match.ok) {
    if (match.status === 405) res.setHeader('allow', (match.allow ?? []).join(', '))
    send(res, match.status, match.status === 404
      ? { code: 'NOT_FOUND', message: `no endpoint ${url.pathname}` }
      : { code: 'METHOD_NOT_ALLOWED', message: `${req.method ?? ''} is not allowed on ${url.pathname}` })
    return
  }
  if (match.route.auth && !h.trusted) {
    res.setHeader('www-authenticate', 'Bearer')
    send(res, 401, { code: 'UNAUTHORIZED', message: 'this endpoint needs Authorization: Bearer <token> (the token is in DIR/api.json)' })
    return
  }
  if (h.cookie && req.method === 'POST' && !sameOriginWrite(req.headers)) {
    send(res, 403, { code: 'CSRF_REFUSED', message: 'a POST authorized by the session cookie needs the dashboard page\'s x-realmesh-csrf header and its own origin' })
    return
  }
  // a route without the token takes no body: nobody can hold the answer by trickling one
  const body: Body = match.route.auth ? await readJsonBody(req, match.route.maxBodyBytes ?? h.maxBody) : { ok: true, value: undefined }
  if (!body.ok) {
    send(res, body.status, { code: body.code, message: body.message }, body.status === 413)
    return
  }
  const gone = new AbortController()
  const onClose = (): void => { if (!res.writableFinished) gone.abort() }
  res.once('close', onClose)
  const signal = h.stopping == null ? gone.signal : AbortSignal.any([gone.signal, h.stopping])
  try {
    const result = await match.route.handle({ params: match.params, body: body.value, signal, headers: req.headers })
    if (result instanceof JsonLines) await stream(res, result, signal, h.heartbeatMs)
    else if (result instanceof HttpResponse) sendRaw(res, result)
    else send(res, 200, result ?? { ok: true })
  } catch (err) {
    const { status, code, message } = errorResponse(err)
    send(res, status, { code, message })
  } finally {
    res.off('close', onClose)
  }
}

type Body = { ok: true, value: unknown } | { ok: false, status: 400 | 413, code: string, message: string }

async function readJsonBody (req: IncomingMessage, maxBytes: number): Promise<Body> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > maxBytes) return tooLarge(maxBytes)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > maxBytes) return tooLarge(maxBytes)
    chunks.push(chunk)
  }
  if (size === 0) return { ok: true, value: undefined }
  let value: unknown
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    return { ok: false, status: 400, code: 'BAD_JSON', message: 'the request body is not valid JSON' }
  }
  if (typeof value !== 'object' || value == null || Array.isArray(value)) {
    return { ok: false, status: 400, code: 'BAD_REQUEST', message: 'the request body must be a JSON object' }
  }
  return { ok: true, value }
}

function tooLarge (maxBytes: number): Body {
  return { ok: false, status: 413, code: 'BODY_TOO_LARGE', message: `request bodies are limited to ${maxBytes} bytes` }
}

/** ApiRequestError: its status; a coded error: 404 for unknown things, else 409; anything else 500 */
function errorResponse (failure: unknown): { status: number, code: string, message: string } {
  if (failure instanceof ApiRequestError) return { status: failure.status, code: failure.code, message: failure.message }
  // a libp2p error (a dial, a stream) gets realmesh's code and sentence rather than INTERNAL
  const err = networkError(failure)
  const code = (err as { code?: unknown } | null)?.code
  const message = err instanceof Error ? err.message : String(err)
  if (typeof code === 'string' && code !== '') {
    return { status: /UNKNOWN|NOT_FOUND/.test(code) ? 404 : 409, code, message }
  }
  return { status: 500, code: 'INTERNAL', message }
}

function send (res: ServerResponse, status: number, body: unknown, close = false): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const text = JSON.stringify(body, jsonReplacer)
  res.statusCode = status
  res.setHeader('content-type', 'application/json; charset=utf-8')
  res.setHeader('cache-control', 'no-store')
  res.setHeader('x-content-type-options', 'nosniff')
  res.setHeader('content-length', Buffer.byteLength(text))
  if (close) res.setHeader('connection', 'close')
  res.end(text)
}

/** Listens on `host:port` (an error such as EADDRINUSE rejects); resolves with the URL bound. */
export async function listenOn (server: Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  return formatUrl(address.address, address.port)
}

/** an HttpResponse: its status, headers and body as given */
export function sendRaw (res: ServerResponse, answer: HttpResponse): void {
  res.statusCode = answer.status
  res.setHeader('x-content-type-options', 'nosniff')
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value)
  res.setHeader('content-length', Buffer.byteLength(answer.body))
  res.end(answer.body)
}

/**
 * writes what `lines` emits, one JSON document per line, until it is done or the client is gone;
 * a heartbeat line every `heartbeatMs` between them (heartbeat.ts)
 */
async function stream (res: ServerResponse, lines: JsonLines, signal: AbortSignal, heartbeatMs: number): Promise<void> {
  const sse = lines.format === 'sse'
  // an EventSource sees no difference between a heartbeat comment and nothing: it only keeps the socket busy
  const heartbeatText = sse ? ': heartbeat\n\n' : `${JSON.stringify(HEARTBEAT_LINE)}\n`
  res.statusCode = 200
  res.setHeader('content-type', sse ? 'text/event-stream; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
  res.setHeader('cache-control', 'no-store')
  res.setHeader('x-content-type-options', 'nosniff')
  res.setHeader(HEARTBEAT_HEADER, String(heartbeatMs))
  res.flushHeaders()
  const heartbeat = setInterval(() => {
    // whole lines only: a write never splits, so a heartbeat cannot land inside another line
    if (!res.destroyed && !res.writableEnded && res.writableLength <= MAX_STREAM_BACKLOG_BYTES) res.write(heartbeatText)
  }, heartbeatMs)
  const emit = async (value: unknown): Promise<void> => {
    if (res.destroyed || res.writableEnded) throw new ApiRequestError(499, 'CLIENT_GONE', 'the client went away')
    // a reader that does not keep up is cut off rather than buffered without bound
    if (res.writableLength > MAX_STREAM_BACKLOG_BYTES) {
      res.destroy()
      throw new ApiRequestError(499, 'CLIENT_TOO_SLOW', 'the client does not read its stream')
    }
    await new Promise<void>((resolve, reject) => {
      // a socket destroyed while the line waits in the response's buffer never calls back: the
      // close says the line will not be written (else a caller awaiting it would wait forever)
      const onClose = (): void => { reject(new ApiRequestError(499, 'CLIENT_GONE', 'the client went away')) }
      res.once('close', onClose)
      const json = JSON.stringify(value, jsonReplacer)
      res.write(sse ? `data: ${json}\n\n` : `${json}\n`, (err) => {
        res.off('close', onClose)
        if (err == null) resolve()
        else reject(err)
      })
    })
  }
  try {
    await lines.run(emit, signal)
  } finally {
    clearInterval(heartbeat)
    if (!res.destroyed) res.end()
  }
}

/** Maps as objects, bigints as strings, bytes left out: what libp2p-ish values need to be JSON */
export function jsonReplacer (_key: string, value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries(value)
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Uint8Array) return undefined
  return value
}

function authorized (header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '')
  if (match?.[1] == null) return false
  // compare digests: constant time, and no length leak
  return timingSafeEqual(sha256(match[1]), expected)
}

function sha256 (text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/** the host name of a Host header (`127.0.0.1:7070`, `[::1]:7070`, `localhost`) */
function hostOf (header: string | undefined): string {
  if (header == null || header === '') return 'localhost'
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(header)
  if (bracketed?.[1] != null) return bracketed[1]
  return header.replace(/:\d+$/, '')
}
