/**
 * Durations on the command line and in config: `90s`, `15m`, `24h`, `7d`, or a plain number of
 * seconds (`3600`). Whole units only; the result is in seconds.
 */
import { CliError } from './errors.js'

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }

/** 10 years: anything longer is a typo, and would overflow nothing but help nobody either */
export const MAX_DURATION_SECONDS = 3650 * 86_400

export class DurationError extends CliError {
  static override name = 'DurationError'
  readonly input: string

  constructor (input: string) {
    super('DURATION_INVALID', `expected a duration such as 90s, 15m, 24h, 7d or a number of seconds (at least 1 s, at most 3650d), got ${JSON.stringify(input.slice(0, 40))}`)
    this.input = input
  }
}

/** Parses a duration into whole seconds; DurationError (DURATION_INVALID) when it is not one. */
export function parseDuration (text: string): number {
  const match = /^(\d{1,12})([smhd]?)$/.exec(text.trim())
  if (match == null) throw new DurationError(text)
  const amount = Number(match[1])
  const seconds = amount * (UNIT_SECONDS[match[2] ?? ''] ?? 1)
  if (seconds < 1 || seconds > MAX_DURATION_SECONDS) throw new DurationError(text)
  return seconds
}

/** `1.2 s`, `350 ms`, `2 min`: for log lines */
export function formatMs (ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.round(ms / 60_000)} min`
}
