/**
 * Heartbeats on the control API's NDJSON streams. A stream that carries nothing for minutes (an
 * idle `realmesh subscribe`) would otherwise meet fetch's body timeout (undici's, 5 min), and a
 * daemon that froze (SIGSTOP, a paused VM) would hold its client forever: its socket stays open.
 * So the server writes `{"type":"heartbeat"}` every `heartbeatMs` and names the period in a
 * response header; the client drops those lines and ends the stream (API_STREAM_ENDED) when
 * nothing at all arrived for MISSED_HEARTBEATS periods.
 */
import { UsageError } from '../errors.js'

/** @default for the server: well under undici's 300 s body timeout */
export const DEFAULT_HEARTBEAT_MS = 30_000

/** the response header that tells the client the server's heartbeat period, ms */
export const HEARTBEAT_HEADER = 'x-realmesh-heartbeat-ms'

export const HEARTBEAT_LINE = { type: 'heartbeat' } as const

/** the client gives up after this many heartbeat periods without a byte */
export const MISSED_HEARTBEATS = 3

/** most a heartbeat period may be: three of them stay under the body timeout of a fetch elsewhere */
export const MAX_HEARTBEAT_MS = 90_000

/** the daemons' heartbeat period: REALMESH_API_HEARTBEAT_MS (tests shorten it), else the default */
export const HEARTBEAT_ENV = 'REALMESH_API_HEARTBEAT_MS'

/** the client's idle limit, overriding MISSED_HEARTBEATS x the server's period: REALMESH_API_IDLE_MS */
export const IDLE_ENV = 'REALMESH_API_IDLE_MS'

export function isHeartbeat (value: unknown): boolean {
  return (value as { type?: unknown } | null)?.type === HEARTBEAT_LINE.type
}

/** a period in ms from the environment variable `name` (USAGE when it is not 10 .. `max` whole ms), or undefined when unset */
export function msFromEnv (env: Record<string, string | undefined>, name: string, max = 3_600_000): number | undefined {
  const text = env[name]
  if (text == null || text === '') return undefined
  const value = Number(text)
  if (!/^\d+$/.test(text) || value < 10 || value > max) throw new UsageError(`${name} is a number of milliseconds from 10 to ${max}, got ${JSON.stringify(text.slice(0, 40))}`)
  return value
}

/** the client's idle limit: `idleMs` when given, else MISSED_HEARTBEATS periods of what the server said (header), else none */
export function idleLimit (idleMs: number | undefined, header: string | null): number | undefined {
  if (idleMs != null) return idleMs
  const period = Number(header ?? '')
  return Number.isInteger(period) && period > 0 ? period * MISSED_HEARTBEATS : undefined
}
