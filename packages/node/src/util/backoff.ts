/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
 * attempt n waits a uniformly random time in [0, min(max, base * 2^n)], so that many nodes that
 * failed together do not retry together.
 */
export interface BackoffInit {
  /** @default 500 */
  baseMs?: number
  /** @default 30000 */
  maxMs?: number
  /** @default Math.random */
  random?: () => number
}

export function backoffDelay (attempt: number, init: BackoffInit = {}): number {
  const base = init.baseMs ?? 500
  const max = init.maxMs ?? 30_000
  const random = init.random ?? Math.random
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30))
  // never 0: a tight loop against a dead address helps nobody
  return Math.max(base / 4, Math.floor(random() * ceiling))
}

/** resolves after `ms`, or rejects with the signal's reason when it aborts first */
export async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
