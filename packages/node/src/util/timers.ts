/**
 * The timers a scheduler runs on. A node uses the process's own (unref'd: a pending round or
 * keepalive never keeps the process alive); @realmesh/sim hands in a simulated clock's, so that the
 * same membership code runs on simulated time.
 */
export interface TimerHandle {
  clear: () => void
}

export interface Timers {
  setTimeout: (fn: () => void, ms: number) => TimerHandle
  setInterval: (fn: () => void, ms: number) => TimerHandle
}

export const realTimers: Timers = {
  setTimeout (fn, ms) {
    const timer = setTimeout(fn, ms)
    timer.unref()
    return { clear: () => { clearTimeout(timer) } }
  },
  setInterval (fn, ms) {
    const timer = setInterval(fn, ms)
    timer.unref()
    return { clear: () => { clearInterval(timer) } }
  }
}
