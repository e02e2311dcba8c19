/**
 * Simulated time, in whole milliseconds: a queue of timed callbacks run in order. After the
 * callbacks of one millisecond comes a turn of the real event loop (setImmediate), so that the
 * promise chains they started (the real membership code awaits its simulated network) settle
 * before the clock moves on; callbacks of the same millisecond run in the order they were set.
 * The clock implements @realmesh/node's `Timers`, which the neighbourhood rounds and keepalives take.
 */
import type { TimerHandle, Timers } from '@realmesh/node'

interface Entry {
  at: number
  seq: number
  fn: () => void
  cancelled: boolean
}

export class SimClock implements Timers {
  private time = 0
  private seq = 0
  private readonly heap: Entry[] = []
  /** callbacks run so far */
  events = 0

  /** simulated ms since the start */
  now (): number {
    return this.time
  }

  get pending (): number {
    return this.heap.length
  }

  setTimeout (fn: () => void, ms: number): TimerHandle {
    const entry: Entry = { at: this.time + Math.max(0, Math.ceil(ms)), seq: this.seq++, fn, cancelled: false }
    this.push(entry)
    return { clear: () => { entry.cancelled = true } }
  }

  setInterval (fn: () => void, ms: number): TimerHandle {
    let current: TimerHandle | undefined
    let cleared = false
    const tick = (): void => {
      if (cleared) return
      current = this.setTimeout(tick, ms)
      fn()
    }
    current = this.setTimeout(tick, ms)
    return { clear: () => { cleared = true; current?.clear() } }
  }

  /** resolves `ms` of simulated time from now */
  async sleep (ms: number): Promise<void> {
    await new Promise<void>(resolve => { this.setTimeout(resolve, ms) })
  }

  /**
   * Runs callbacks in time order until the next one is later than `untilMs` (simulated), then
   * leaves the clock at `untilMs`. `stop` is asked after every callback.
   */
  async runUntil (untilMs: number, stop?: () => boolean): Promise<void> {
    while (true) {
      const first = this.heap[0]
      if (first == null || first.at > untilMs) break
      this.time = first.at
      while (true) {
        const next = this.heap[0]
        if (next == null || next.at !== this.time) break
        this.pop()
        if (next.cancelled) continue
        this.events++
        next.fn()
      }
      // a macrotask turn: every microtask the callbacks queued (and those they queue) runs first
      await new Promise<void>(resolve => { setImmediate(resolve) })
      if (stop?.() === true) return
    }
    this.time = Math.max(this.time, Math.floor(untilMs))
  }

  private push (entry: Entry): void {
    const heap = this.heap
    heap.push(entry)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(entry, heap[parent] as Entry)) break
      heap[i] = heap[parent] as Entry
      i = parent
    }
    heap[i] = entry
  }

  private pop (): void {
    const heap = this.heap
    const last = heap.pop()
    if (last == null || heap.length === 0) return
    let i = 0
    while (true) {
      const left = 2 * i + 1
      if (left >= heap.length) break
      const right = left + 1
      const child = right < heap.length && before(heap[right] as Entry, heap[left] as Entry) ? right : left
      if (!before(heap[child] as Entry, last)) break
      heap[i] = heap[child] as Entry
      i = child
    }
    heap[i] = last
  }
}

function before (a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq)
}
