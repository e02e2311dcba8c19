import { realTimers } from './timers.js'
import type { Timers } from './timers.js'
import type { AbortOptions } from '@libp2p/interface'

/**
 * A signal that aborts when the caller's signal does, or after `timeoutMs`, whichever is first.
 * Timeouts abort with a DOMException named TimeoutError, which the wire layer turns into
 * STREAM_TIMEOUT.
 */
export function withTimeout (options: AbortOptions | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs)
  return options?.signal == null ? timeout : AbortSignal.any([options.signal, timeout])
}

/** resolves with the promise, or rejects with the signal's reason when it aborts first */
export async function raceSignal<T> (promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal == null) return promise
  signal.throwIfAborted()
  let onAbort: (() => void) | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        onAbort = () => { reject(signal.reason) }
        signal.addEventListener('abort', onAbort, { once: true })
      })
    ])
  } finally {
    if (onAbort != null) signal.removeEventListener('abort', onAbort)
  }
}

export interface Deadline {
  /** aborts when `parent` does, or `timeoutMs` after the deadline was made (a TimeoutError DOMException) */
  signal: AbortSignal
  /** the work is done: the timer and the listener on `parent` go (call it in a finally) */
  clear: () => void
}

/**
 * Like withTimeout, for work done many times a minute (a keepalive and its answer): the timer is
 * cleared when the work ends. AbortSignal.timeout's timer cannot be: each one fired at its time
 * anyway, made a DOMException and dispatched an abort, for work long finished.
 */
export function deadline (timeoutMs: number, parent?: AbortSignal, timers: Timers = realTimers): Deadline {
  const controller = new AbortController()
  if (parent?.aborted === true) {
    controller.abort(parent.reason)
    return { signal: controller.signal, clear: () => {} }
  }
  const onAbort = (): void => { controller.abort(parent?.reason) }
  parent?.addEventListener('abort', onAbort, { once: true })
  const timer = timers.setTimeout(() => { controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')) }, timeoutMs)
  return {
    signal: controller.signal,
    clear: () => {
      timer.clear()
      parent?.removeEventListener('abort', onAbort)
    }
  }
}
