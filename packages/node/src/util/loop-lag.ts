/**
 * The event loop's worst delay over a span of time, for every realm node in the process. The loop
 * is the process's, however many nodes run in it, so one monitorEventLoopDelay histogram serves
 * them all (each histogram is about 360 KiB of native memory: 36 MiB for a testnet of 100 nodes
 * that each had their own).
 *
 * The histogram is read in windows of WINDOW_MS: a window closes (its worst delay kept, with the
 * time it closed) when it is read after WINDOW_MS. `worstSince(t)` is the worst delay of the
 * windows that closed after t and of the open one; a window that began before t may count a delay
 * from just before t, which errs on the side of "the loop lagged".
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'

const WINDOW_MS = 1_000
/** closed windows kept: a span longer than this many windows sees only the newest */
const MAX_WINDOWS = 120

let monitor: ReturnType<typeof monitorEventLoopDelay> | undefined
let users = 0
let openedAt = 0
const closed: Array<{ closedAt: number, worstMs: number }> = []

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
    }
  }

  stop (): void {
    if (!this.active) return
    this.active = false
    if (--users === 0) {
      monitor?.disable()
      monitor = undefined
      closed.length = 0
    }
  }

  /** samples taken in the open window (the monitor measures from its second sample on) */
  get samples (): number {
    return monitor?.count ?? 0
  }

  /** the worst event-loop delay (ms) seen since `since` (a `performance.now()` time); 0 when stopped */
  worstSince (since: number): number {
    if (!this.active || monitor == null) return 0
    const now = performance.now()
    if (now - openedAt >= WINDOW_MS) {
      closed.push({ closedAt: now, worstMs: monitor.max / 1e6 })
      if (closed.length > MAX_WINDOWS) closed.shift()
      monitor.reset()
      openedAt = now
    }
    let worst = monitor.max / 1e6
    for (const window of closed) if (window.closedAt > since && window.worstMs > worst) worst = window.worstMs
    return worst
  }
}
