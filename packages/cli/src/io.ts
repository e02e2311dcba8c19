import type { Logger } from './log/logger.js'

/**
 * What a command may do to the outside world: write lines to stdout / stderr, read the environment,
 * and (daemons only) learn when to stop. bin.ts provides the process's; tests provide their own.
 */
export interface Io {
  /** one line on stdout: the command's result (a peer id, a token, JSON) */
  out: (line: string) => void
  /** one line on stderr: progress, events, errors */
  err: (line: string) => void
  env: Record<string, string | undefined>
  /**
   * For daemons: installs the SIGINT / SIGTERM handlers and returns a signal that aborts on the
   * first of them (the daemon then stops cleanly and exits 0).
   */
  stopSignal: () => AbortSignal
  /**
   * set by a daemon once its log settings are known: the lines written for it from then on (a
   * signal, a stray rejection, the error it ends with) get its time, level and format
   */
  logger?: Logger
  /** reads all of stdin (`realmesh publish SUBJECT -`), at most `maxBytes` (DATA_TOO_LARGE beyond) */
  readStdin?: (maxBytes: number) => Promise<Uint8Array>
  /** the terminal, when stdin and stdout are both one (`realmesh top` redraws it); undefined otherwise */
  terminal?: () => Terminal | undefined
}

/** an interactive terminal: its size, raw output, and key presses */
export interface Terminal {
  columns: number
  rows: number
  write: (text: string) => void
  /** puts stdin in raw mode and calls `listener` with each key press until the returned function is called */
  onKey: (listener: (key: string) => void) => () => void
}
