/**
 * The event loop's worst delay over a span of time, for every realm node in the process. The loop
 * is the process's, however many nodes run in it, so one monitorEventLoopDelay histogram serves
 * them all (each histogram is about 360 KiB of native memory: 36 MiB for a testnet of 100 nodes
 * that each had their own).
 *
 * The histogram is read in windows of WINDOW_MS: a window closes (its worst delay kept, with the
 * time it closed) every WINDOW_MS, on a timer (late when the loop lags, so the window then spans
 * the lag) and whenever it is read. `worstSince(t)` is the worst delay of the windows that closed
 * after t and of the open one; a window that began before t may count a delay from up to one
 * window before t, which errs on the side of "the loop lagged". Without the timer a window would
 * stay open from one read to the next, and a stall an hour ago would excuse the next missed
 * keepalive.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'

const WINDOW_MS = 1_000
/** closed windows kept: a span longer than this many windows sees only the newest */
const MAX_WINDOWS = 120

let monitor: ReturnType<typeof monitorEventLoopDelay> | undefined
let users = 0
let openedAt = 0
let ticker: ReturnType<typeof setInterval> | undefined
let windowsClosed = 0
const closed: Array<{ closedAt: number, worstMs: number }> = []

/** closes the open window once it is WINDOW_MS old */
function roll (): void {
  if (monitor == null) return
  const now = performance.now()
  if (now - openedAt < WINDOW_MS) return
  closed.push({ closedAt: now, worstMs: monitor.max / 1e6 })
  if (closed.length > MAX_WINDOWS) closed.shift()
  monitor.reset()
  openedAt = now
  windowsClosed++
}

/**
 * The worst event-loop delay (ms) seen since `since` (a `performance.now()` time) by the shared
 * monitor, read without starting it: undefined while no LoopLag runs (no node is started and awake)
 */
export function worstDelaySince (since: number): number | undefined {
  if (monitor == null) return undefined
  roll()
  let worst = monitor.max / 1e6
  for (const window of closed) if (window.closedAt > since && window.worstMs > worst) worst = window.worstMs
  return worst
}

/** One user's handle on the shared monitor: `start()` and `stop()` count users; the last stop disables it. */
export class LoopLag {
  private active = false

  start (): void {
    if (this.active) return
    this.active = true
    if (users++ === 0) {
      monitor = monitorEventLoopDelay({ resolution: 20 })
      monitor.enable()
      openedAt = performance.now()
      closed.length = 0
      ticker = setInterval(roll, WINDOW_MS)
      ticker.unref()
    }
  }

  stop (): void {
    if (!this.active) return
    this.active = false
    if (--users === 0) {
      clearInterval(ticker)
      ticker = undefined
      monitor?.disable()
      monitor = undefined
      closed.length = 0
    }
  }

  /** samples taken in the open window (the monitor measures from its second sample on) */
  get samples (): number {
    return monitor?.count ?? 0
  }

  /** windows closed since the process's monitor started (for tests) */
  get windowsClosed (): number {
    return monitor == null ? 0 : windowsClosed
  }

  /** the worst event-loop delay (ms) seen since `since` (a `performance.now()` time); 0 when stopped */
  worstSince (since: number): number {
    if (!this.active) return 0
    return worstDelaySince(since) ?? 0
  }
}
