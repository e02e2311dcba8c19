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
