/** Heap and RSS of this process after garbage collection (the child runs with --expose-gc). */

export interface MemorySnapshot {
  heapUsed: number
  rss: number
  /** false when gc() was not exposed: the numbers then include garbage */
  gc: boolean
}

export async function memorySnapshot (): Promise<MemorySnapshot> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc != null) {
    // a few rounds back to back, without waiting for a timer in between: 200 in-memory nodes
    // starve timers for tens of seconds (the snapshot after settling took 90 s with a 50 ms wait
    // between rounds); finalizers that a turn of the loop would run are not waited for
    for (let i = 0; i < 4; i++) gc()
  }
  const usage = process.memoryUsage()
  return { heapUsed: usage.heapUsed, rss: usage.rss, gc: gc != null }
}
