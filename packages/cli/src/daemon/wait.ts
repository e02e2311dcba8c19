/** Resolves when `signal` aborts (at once when it already has). */
export async function waitForAbort (signal: AbortSignal): Promise<void> {
  if (signal.aborted) return
  await new Promise<void>((resolve) => { signal.addEventListener('abort', () => { resolve() }, { once: true }) })
}

/** the longest setTimeout takes (about 24.8 days); longer waits are made of several */
const MAX_TIMER_MS = 2 ** 31 - 1

/** Resolves at `atMs` (ms since the epoch) or when `signal` aborts, whichever comes first. */
export async function sleepUntil (atMs: number, signal: AbortSignal, now: () => number = Date.now): Promise<void> {
  while (!signal.aborted && now() < atMs) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, Math.min(MAX_TIMER_MS, atMs - now()))
      signal.addEventListener('abort', done, { once: true })
    })
  }
}
