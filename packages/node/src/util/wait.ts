/**
 * Waiting on events, never on sleeps: `until` re-checks a condition every time one of the given
 * events fires on one of the given targets, and resolves when it holds.
 */
import type { AbortOptions } from '@libp2p/interface'

export interface UntilOptions extends AbortOptions {
  /** give up after this many milliseconds (rejects with a TimeoutError naming `what`). @default 30000 */
  timeoutMs?: number
  /** described in the timeout error */
  what?: string
}

export interface EventSource {
  addEventListener(type: string, listener: () => void): void
  removeEventListener(type: string, listener: () => void): void
}

/** Resolves once `condition()` is true, re-checked whenever any of `events` fires on any of `targets`. */
export async function until (condition: () => boolean, targets: EventSource[], events: string[], options: UntilOptions = {}): Promise<void> {
  if (condition()) return
  const timeoutMs = options.timeoutMs ?? 30_000
  const timeout = AbortSignal.timeout(timeoutMs)
  const signal = options.signal == null ? timeout : AbortSignal.any([options.signal, timeout])
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (condition()) {
        cleanup()
        resolve()
      }
    }
    const onAbort = (): void => {
      cleanup()
      reject(timeout.aborted ? new Error(`timed out after ${timeoutMs} ms waiting for ${options.what ?? 'a condition'}`, { cause: signal.reason }) : signal.reason)
    }
    const cleanup = (): void => {
      for (const target of targets) for (const event of events) target.removeEventListener(event, check)
      signal.removeEventListener('abort', onAbort)
    }
    for (const target of targets) for (const event of events) target.addEventListener(event, check)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Resolves with the detail of the next `event` on `target` for which `filter` holds. */
export async function nextEvent<T> (target: EventSource, event: string, filter: (detail: T) => boolean = () => true, options: UntilOptions = {}): Promise<T> {
  let seen: T | undefined
  let found = false
  const listener = (evt?: unknown): void => {
    const detail = (evt as CustomEvent<T>).detail
    if (!found && filter(detail)) {
      found = true
      seen = detail
    }
  }
  target.addEventListener(event, listener)
  try {
    await until(() => found, [target], [event], { what: `event ${event}`, ...options })
    return seen as T
  } finally {
    target.removeEventListener(event, listener)
  }
}
