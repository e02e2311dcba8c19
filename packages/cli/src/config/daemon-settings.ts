/**
 * What both daemons take beside their realm work: metrics (on by default, at GET /metrics of the
 * control API, and on a metrics-only listener with `--metrics HOST:PORT`) and the log (format and
 * level). Flags override the config file's `metrics:` and `log:` sections (node.yaml, leader.yaml),
 * which override the defaults.
 */
import { UsageError } from '../errors.js'
import { parseHostPort } from '../api/address.js'
import { LOG_FORMATS, LOG_LEVELS } from '../log/logger.js'
import { boolean, fail, object, oneOf } from './schema.js'
import type { Check } from './schema.js'
import type { LogFormat, LogLevel } from '../log/logger.js'

export interface DaemonSettings {
  metrics: {
    enabled: boolean
    /** HOST:PORT of the listener that serves GET /metrics without the API token (any address) */
    listen?: string
  }
  log: { format: LogFormat, level: LogLevel }
}

/** the config files' sections (every key optional) */
export interface DaemonConfig {
  metrics?: { enabled?: boolean, listen?: string }
  log?: { format?: LogFormat, level?: LogLevel }
}

/** what a daemon does when neither a flag nor its config says (configs/node.yaml spells it out) */
export const DAEMON_DEFAULTS = {
  metrics: { enabled: true },
  log: { format: 'text' as LogFormat, level: 'info' as LogLevel }
}

/** the flags both `node start` and `leader start` take for these */
export const DAEMON_FLAGS = {
  metrics: { type: 'string' },
  'no-metrics': { type: 'boolean' },
  'log-format': { type: 'string' },
  'log-level': { type: 'string' }
} as const

const METRICS_EXPECTED = 'HOST:PORT to serve metrics on (e.g. 127.0.0.1:9464, or 0.0.0.0:9464 for a Prometheus on another host)'

const metricsAddress: Check<string> = (value, path) => {
  if (typeof value !== 'string' || parseHostPort(value) == null) fail(path, METRICS_EXPECTED, value)
  return value
}

export const checkDaemonConfig = {
  metrics: object({ enabled: boolean, listen: metricsAddress }),
  log: object({ format: oneOf(LOG_FORMATS), level: oneOf(LOG_LEVELS) })
}

export interface DaemonFlagValues {
  metrics?: string
  'no-metrics'?: boolean
  'log-format'?: string
  'log-level'?: string
}

/** flags over the config over the defaults (metrics on, text, info); UsageError on a bad flag */
export function daemonSettings (flags: DaemonFlagValues, config: DaemonConfig = {}): DaemonSettings {
  if (flags.metrics != null && flags['no-metrics'] === true) throw new UsageError('give one of --metrics and --no-metrics')
  if (flags.metrics != null && parseHostPort(flags.metrics) == null) throw new UsageError(`--metrics: expected ${METRICS_EXPECTED}, got ${JSON.stringify(flags.metrics)}`, 'METRICS_ADDRESS_INVALID')
  const format = flags['log-format'] ?? config.log?.format ?? DAEMON_DEFAULTS.log.format
  if (!(LOG_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--log-format: expected one of ${LOG_FORMATS.join(', ')}, got ${JSON.stringify(format)}`)
  const level = flags['log-level'] ?? config.log?.level ?? DAEMON_DEFAULTS.log.level
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new UsageError(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}`)
  const enabled = flags['no-metrics'] === true ? false : flags.metrics != null ? true : config.metrics?.enabled ?? DAEMON_DEFAULTS.metrics.enabled
  const listen = enabled ? flags.metrics ?? config.metrics?.listen : undefined
  return {
    metrics: listen == null ? { enabled } : { enabled, listen },
    log: { format: format as LogFormat, level: level as LogLevel }
  }
}
