/**
 * Large buffers for outgoing message data, used again once a receiver has read them.
 *
 * Why: at high throughput the cost of a large message is its allocations more than its copies.
 * A 64 KiB buffer allocated per message drives the garbage collector (a full collection every
 * 100 to 200 ms on a busy node); measured on a plain libp2p stream in the bench process, one such
 * allocation and copy per message took it from about 135 to 110 MB/s, where the same copy into a
 * reused buffer cost almost nothing (123 MB/s with three). A publication takes its copy of the
 * caller's data from here and gives it back when every receiver acked it.
 *
 * Sizes are rounded up to eighths of a power of two (at most 12.5% more than asked), so buffers
 * of messages of about the same size are shared. Bounded: at most `maxBytes` idle in the pool
 * (more given back is left to the garbage collector), and everything idle for `idleMs` is dropped,
 * so a node that sent one burst does not hold its buffers for ever.
 */
export interface BufferPoolInit {
  /** most bytes kept idle. @default 8 MiB */
  maxBytes?: number
  /** idle buffers are dropped after this long without a take or a give. @default 10 000 */
  idleMs?: number
}

export class BufferPool {
  private readonly free = new Map<number, Array<Uint8Array<ArrayBuffer>>>()
  private readonly maxBytes: number
  private readonly idleMs: number
  private idleBytes = 0
  private lastUse = 0
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor (init: BufferPoolInit = {}) {
    this.maxBytes = init.maxBytes ?? 8 * 1024 * 1024
    this.idleMs = init.idleMs ?? 10_000
  }

  /** bytes held idle, for tests and status */
  get idle (): number {
    return this.idleBytes
  }

  /** a buffer of at least `size` bytes (its contents are whatever it last held) */
  take (size: number): Uint8Array<ArrayBuffer> {
    const rounded = roundSize(size)
    const list = this.free.get(rounded)
    const buffer = list?.pop()
    if (buffer == null) return new Uint8Array(rounded)
    if (list?.length === 0) this.free.delete(rounded)
    this.idleBytes -= rounded
    this.touch()
    return buffer
  }

  /** `buffer` (from take) is no longer used by anyone: it may be handed out again */
  give (buffer: Uint8Array<ArrayBuffer>): void {
    const size = buffer.byteLength
    if (size !== roundSize(size) || buffer.byteOffset !== 0 || buffer.buffer.byteLength !== size) return
    if (this.idleBytes + size > this.maxBytes) return
    let list = this.free.get(size)
    if (list == null) {
      list = []
      this.free.set(size, list)
    }
    list.push(buffer)
    this.idleBytes += size
    this.touch()
  }

  clear (): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.free.clear()
    this.idleBytes = 0
  }

  /** one timer while anything is idle, re-armed from the last use when it fires (not a timer per use) */
  private touch (): void {
    this.lastUse = Date.now()
    if (this.timer != null || this.idleBytes === 0) return
    const check = (): void => {
      const left = this.lastUse + this.idleMs - Date.now()
      if (left <= 0) {
        this.clear()
        return
      }
      this.timer = setTimeout(check, left)
      this.timer.unref()
    }
    this.timer = setTimeout(check, this.idleMs)
    this.timer.unref()
  }
}

/** `size` rounded up to the next eighth of its power of two (4 KiB at least) */
export function roundSize (size: number): number {
  if (size <= 4096) return 4096
  const step = 2 ** (Math.floor(Math.log2(size)) - 3)
  return Math.ceil(size / step) * step
}
