/**
 * The daemons' one logger: every line they write to stderr goes through it, with a time and a
 * level. `text` (the default) is `TIME LEVEL message`, for a person; `json` is one object a line,
 * `{"time","level","event","msg",...fields}`, for a log shipper. Lines below the level are not
 * formatted at all. libp2p's own debug output (DEBUG=libp2p:*) is not this logger's: it goes on
 * writing to stderr as `debug` does.
 */

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const
export type LogLevel = typeof LOG_LEVELS[number]
export const LOG_FORMATS = ['text', 'json'] as const
export type LogFormat = typeof LOG_FORMATS[number]

/** what a JSON line carries beside the message: numbers, words, lists of words */
export type LogFields = Record<string, string | number | boolean | null | undefined | readonly string[]>

export interface Logger {
  error: (event: string, msg: string, fields?: LogFields) => void
  warn: (event: string, msg: string, fields?: LogFields) => void
  info: (event: string, msg: string, fields?: LogFields) => void
  debug: (event: string, msg: string, fields?: LogFields) => void
}

export interface LoggerInit {
  /** @default 'text' */
  format?: LogFormat
  /** lines below it are dropped. @default 'info' */
  level?: LogLevel
  /** writes one line (without its newline) */
  write: (line: string) => void
  /** @default Date.now */
  now?: () => number
}

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 }
/** the keys a JSON line sets itself: a field of the same name does not replace them */
const RESERVED = new Set(['time', 'level', 'event', 'msg'])

export function createLogger (init: LoggerInit): Logger {
  const format = init.format ?? 'text'
  const max = RANK[init.level ?? 'info']
  const now = init.now ?? Date.now
  const line = (level: LogLevel) => (event: string, msg: string, fields: LogFields = {}): void => {
    if (RANK[level] > max) return
    const time = new Date(now()).toISOString()
    if (format === 'text') {
      init.write(`${time} ${level.toUpperCase().padEnd(5)} ${msg}`)
      return
    }
    const record: Record<string, unknown> = { time, level, event, msg }
    for (const [key, value] of Object.entries(fields)) if (value !== undefined && !RESERVED.has(key)) record[key] = value
    init.write(JSON.stringify(record))
  }
  return { error: line('error'), warn: line('warn'), info: line('info'), debug: line('debug') }
}
