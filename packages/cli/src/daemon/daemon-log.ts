/**
 * A daemon's logger (log/logger.ts) on its Io's stderr, with the settings of its flags and config;
 * from then on the lines bin.ts and runCli write for it (signals, a stray rejection, the final
 * error) go through it too (Io.logger).
 */
import { createLogger } from '../log/logger.js'
import type { Logger, LogFormat, LogLevel } from '../log/logger.js'
import type { Io } from '../io.js'

export function daemonLogger (io: Io, settings: { format: LogFormat, level: LogLevel }): Logger {
  const log = createLogger({ ...settings, write: (line) => { io.err(line) } })
  io.logger = log
  return log
}

/** `refused: CODE (reason)`: the realm refused this node (the daemon exits 2) */
export function refusedLine (log: Logger, refusal: { code: string, reason: string }): void {
  log.error('refused', `refused: ${refusal.code} (${refusal.reason})`, { code: refusal.code, reason: refusal.reason })
}
