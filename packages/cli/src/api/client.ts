/**
 * How the verbs reach a daemon's control API: `--dir DIR` (url and token from DIR/api.json) or
 * `--api HOST:PORT` (token from `--api-token` or REALMESH_API_TOKEN, needed by every endpoint but
 * GET /health).
 */
import { CliError, UsageError } from '../errors.js'
import { apiFilePath, readApiFile } from './api-file.js'
import { formatUrl, parseApiAddress } from './address.js'
import { HEARTBEAT_HEADER, idleLimit, isHeartbeat } from './heartbeat.js'

export interface ApiTarget {
  url: string
  token: string | undefined
  /** where the url came from, for error messages */
  source: string
}

export interface TargetOptions {
  api?: string
  dir?: string
  apiToken?: string
  env?: Record<string, string | undefined>
}

/** responses are small JSON documents; a member list of 1024 is well under this */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024
const DEFAULT_TIMEOUT_MS = 10_000

export async function resolveTarget (options: TargetOptions): Promise<ApiTarget> {
  const envToken = options.env?.REALMESH_API_TOKEN
  if (options.api != null) {
    const { host, port } = parseApiAddress(options.api)
    return { url: formatUrl(host, port), token: options.apiToken ?? (envToken === '' ? undefined : envToken), source: `--api ${options.api}` }
  }
  if (options.dir == null) throw new UsageError('say which daemon: --dir DIR (its data dir) or --api HOST:PORT')
  const info = await readApiFile(options.dir)
  if (info == null) {
    throw new CliError('API_NOT_RUNNING', `no daemon is running on ${options.dir} (${apiFilePath(options.dir)} does not exist)`)
  }
  return { url: info.url, token: options.apiToken ?? info.token, source: apiFilePath(options.dir) }
}

export interface RequestOptions {
  method?: 'GET' | 'POST'
  body?: unknown
  /** send the bearer token (false: GET /health). @default true */
  auth?: boolean
  timeoutMs?: number
  signal?: AbortSignal
}

/** Calls an endpoint; resolves with its JSON, or throws CliError with the server's code. */
export async function callApi (target: ApiTarget, path: string, options: RequestOptions = {}): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (options.auth !== false) {
    if (target.token == null) throw new UsageError('this needs the API token: give --dir DIR, --api-token TOKEN or REALMESH_API_TOKEN', 'API_TOKEN_MISSING')
    headers.authorization = `Bearer ${target.token}`
  }
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
  const signal = options.signal == null ? timeout : AbortSignal.any([timeout, options.signal])
  let res: Response
  try {
    res = await fetch(`${target.url}${path}`, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal,
      redirect: 'error'
    })
  } catch (err) {
    throw new CliError('API_UNREACHABLE', `the daemon's control API at ${target.url} (from ${target.source}) does not answer: ${causeOf(err)}`, { cause: err })
  }
  const text = await readCapped(res)
  let data: unknown
  try {
    data = text === '' ? undefined : JSON.parse(text)
  } catch {
    throw new CliError('API_BAD_RESPONSE', `${target.url}${path} answered ${res.status} with something that is not JSON`)
  }
  if (!res.ok) {
    const { code, message } = (data ?? {}) as { code?: unknown, message?: unknown }
    if (res.status === 401) throw new CliError('API_UNAUTHORIZED', `${target.url} refused the API token (from ${target.source}): use --dir DIR, or the token in DIR/api.json`)
    throw new CliError(typeof code === 'string' ? code : `HTTP_${res.status}`, typeof message === 'string' ? message : `${target.url}${path} answered ${res.status}`)
  }
  return data
}

/** lines longer than this end a stream (a message is at most 4 MiB, base64 in JSON) */
const MAX_LINE_BYTES = 8 * 1024 * 1024

export interface StreamOptions extends Omit<RequestOptions, 'timeoutMs'> {
  signal: AbortSignal
  /**
   * end the stream (API_STREAM_ENDED) when nothing arrived for this long, ms. @default 3 heartbeat
   * periods of the server (its x-realmesh-heartbeat-ms header); none when it names none
   */
  idleMs?: number
}

/**
 * Calls a streaming endpoint (NDJSON) and hands each line's JSON to `onLine` (heartbeat lines
 * left out) until the server ends the stream (resolves) or `signal` aborts (resolves too: the
 * caller stopped). Errors before the stream starts are thrown like callApi's; a daemon that sends
 * nothing, not even heartbeats, for the idle limit ends it with API_STREAM_ENDED.
 */
export async function streamApi (target: ApiTarget, path: string, onLine: (value: unknown) => void, options: StreamOptions): Promise<void> {
  if (target.token == null) throw new UsageError('this needs the API token: give --dir DIR, --api-token TOKEN or REALMESH_API_TOKEN', 'API_TOKEN_MISSING')
  const idle = new AbortController()
  let res: Response
  try {
    res = await fetch(`${target.url}${path}`, {
      method: options.method ?? 'POST',
      headers: { accept: 'application/x-ndjson', authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(options.body ?? {}),
      signal: AbortSignal.any([options.signal, idle.signal]),
      redirect: 'error'
    })
  } catch (err) {
    if (options.signal.aborted) return
    throw new CliError('API_UNREACHABLE', `the daemon's control API at ${target.url} (from ${target.source}) does not answer: ${causeOf(err)}`, { cause: err })
  }
  if (!res.ok || res.body == null) {
    const text = await readCapped(res)
    let data: { code?: unknown, message?: unknown } = {}
    try {
      data = JSON.parse(text) as typeof data
    } catch {
      // not JSON: the status says enough
    }
    if (res.status === 401) throw new CliError('API_UNAUTHORIZED', `${target.url} refused the API token (from ${target.source})`)
    throw new CliError(typeof data.code === 'string' ? data.code : `HTTP_${res.status}`, typeof data.message === 'string' ? data.message : `${target.url}${path} answered ${res.status}`)
  }
  const decoder = new TextDecoder()
  let buffered = ''
  const limit = idleLimit(options.idleMs, res.headers.get(HEARTBEAT_HEADER))
  let timer: ReturnType<typeof setTimeout> | undefined
  const watch = (): void => {
    if (limit == null) return
    clearTimeout(timer)
    timer = setTimeout(() => { idle.abort() }, limit)
  }
  watch()
  try {
    for await (const chunk of res.body) {
      watch()
      buffered += decoder.decode(chunk, { stream: true })
      let newline = buffered.indexOf('\n')
      while (newline !== -1) {
        const line = buffered.slice(0, newline)
        buffered = buffered.slice(newline + 1)
        if (line.trim() !== '') {
          const value: unknown = JSON.parse(line)
          if (!isHeartbeat(value)) onLine(value)
        }
        newline = buffered.indexOf('\n')
      }
      if (buffered.length > MAX_LINE_BYTES) throw new CliError('API_BAD_RESPONSE', 'a line of the stream is too long')
    }
  } catch (err) {
    if (options.signal.aborted) return
    if (err instanceof CliError) throw err
    if (idle.signal.aborted) throw new CliError('API_STREAM_ENDED', `the daemon stopped answering: nothing on its stream for ${limit ?? 0} ms (not even a heartbeat)`, { cause: err })
    throw new CliError('API_STREAM_ENDED', `the daemon's stream ended: ${causeOf(err)}`, { cause: err })
  } finally {
    clearTimeout(timer)
  }
}

async function readCapped (res: Response): Promise<string> {
  if (res.body == null) return ''
  const decoder = new TextDecoder()
  let size = 0
  let text = ''
  for await (const chunk of res.body) {
    size += chunk.length
    if (size > MAX_RESPONSE_BYTES) {
      throw new CliError('API_BAD_RESPONSE', `the control API's response is larger than ${MAX_RESPONSE_BYTES} bytes`)
    }
    text += decoder.decode(chunk, { stream: true })
  }
  return text + decoder.decode()
}

function causeOf (err: unknown): string {
  const cause = (err as { cause?: { code?: string, message?: string } }).cause
  if (cause?.code != null) return cause.code
  return err instanceof Error ? (err.name === 'TimeoutError' ? 'timed out' : err.message) : String(err)
}
