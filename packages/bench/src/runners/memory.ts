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
    // a few rounds with a turn of the event loop between them: finalizers and weak refs settle
    for (let i = 0; i < 4; i++) {
      gc()
      await new Promise(resolve => setTimeout(resolve, 50))
    }
  }
  const usage = process.memoryUsage()
  return { heapUsed: usage.heapUsed, rss: usage.rss, gc: gc != null }
}
