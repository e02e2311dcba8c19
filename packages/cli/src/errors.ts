/**
 * The CLI's errors. Every one has a stable `code` (what tests and scripts match on) and the exit
 * code the command ends with: 1 for usage, config and operational errors, 2 for a refusal by the
 * realm. bin.ts prints `error CODE: message` and exits with `exitCode`.
 */
import { RealmeshError } from '@realmesh/wire'
import { HandshakeError, JoinRefusedError, TokenRequestError, isTransient } from '@realmesh/node'

export const EXIT = {
  /** done, or stopped cleanly by SIGINT / SIGTERM */
  OK: 0,
  /** usage, config or operational error */
  ERROR: 1,
  /** the realm refused this node (token, join secret, join) */
  REFUSED: 2
} as const

export class CliError extends RealmeshError {
  static override name = 'CliError'
  readonly exitCode: number

  constructor (code: string, message: string, options: { exitCode?: number, cause?: unknown } = {}) {
    super(code, message, { cause: options.cause })
    this.exitCode = options.exitCode ?? EXIT.ERROR
  }
}

/** A bad command line: unknown verb or flag, missing or malformed value. */
export class UsageError extends CliError {
  static override name = 'UsageError'

  constructor (message: string, code = 'USAGE') {
    super(code, message)
  }
}

export interface ConfigErrorInit {
  /** the config file, when the value came from one */
  file?: string
  /** where in the document: `connections.maxConnections`, `listen[1]`; '' for the whole document */
  path: string
  /** what would have been right: `a positive integer` */
  expected: string
  /** what was there, shown the way it was written: `"many"`, `-1`, `a list` */
  got: string
}

/** A bad value in a config file (or a config-like value): says where, what was expected, what was there. */
export class ConfigError extends CliError {
  static override name = 'ConfigError'
  readonly file: string | undefined
  readonly path: string
  readonly expected: string
  readonly got: string

  constructor (init: ConfigErrorInit) {
    const where = init.path === '' ? '(top level)' : init.path
    super('CONFIG_INVALID', `${init.file == null ? '' : `${init.file}: `}${where}: expected ${init.expected}, got ${init.got}`)
    this.file = init.file
    this.path = init.path
    this.expected = init.expected
    this.got = init.got
  }

  /** the same error, reported against `file` */
  inFile (file: string): ConfigError {
    return new ConfigError({ file, path: this.path, expected: this.expected, got: this.got })
  }
}

/** The realm refused this node: exit code 2. */
export class RefusedError extends CliError {
  static override name = 'RefusedError'
  readonly reason: string

  constructor (code: string, reason: string, options: { cause?: unknown } = {}) {
    super(code, `refused: ${code}${reason === '' ? '' : ` (${reason})`}`, { exitCode: EXIT.REFUSED, cause: options.cause })
    this.reason = reason
  }
}

/** Whether `err` is the realm refusing us (as opposed to a failure a retry may cure, or a local error). */
export function isRefusal (err: unknown): boolean {
  if (err instanceof RefusedError) return true
  if (err instanceof JoinRefusedError || err instanceof TokenRequestError) return true
  return err instanceof HandshakeError && !isTransient(err)
}

/** The process exit code for an error that reached the top. */
export function exitCodeOf (err: unknown): number {
  if (err instanceof CliError) return err.exitCode
  return isRefusal(err) ? EXIT.REFUSED : EXIT.ERROR
}

/** The stable code of any error (`INTERNAL` when it has none). */
export function codeOf (err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && code !== '' ? code : 'INTERNAL'
}

/** The message of any error, or its text. */
export function messageOf (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
