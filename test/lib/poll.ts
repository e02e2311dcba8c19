/**
 * Polling with a deadline, for state only a command can show (`members --json` of a daemon):
 * `probe` runs every `intervalMs` until it returns a value; after `timeoutMs` the promise rejects
 * with `what` and the last thing `describe` said of the state (so a failure says what was there).
 */
import { setTimeout as sleep } from 'node:timers/promises'

export interface PollOptions {
  timeoutMs: number
  intervalMs?: number
}

export async function pollUntil<T> (probe: () => Promise<T | undefined>, what: string, describe: () => string, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs
  while (true) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() >= deadline) throw new Error(`timed out after ${options.timeoutMs / 1000} s waiting for ${what}: ${describe()}`)
    await sleep(options.intervalMs ?? 500)
  }
}
