/**
 * A receiver's in-order delivery per sender: messages carry a seq (1, 2, 3 ... per sender session)
 * and the lowest seq the sender still cares about (low_seq: everything below was acked or given
 * up). Early arrivals wait in a window, bounded in count and in bytes, until the gap before them
 * fills or the sender says it will not; anything below the next expected seq is a duplicate.
 */
export type Arrival<T> =
  | { status: 'duplicate' }
  /**
   * the window cannot take it: a seq beyond the window (count), or more bytes waiting than it
   * holds (bytes). Either way the sender broke the protocol: it never has more than the window
   * in flight, and only what is in flight can wait.
   */
  | { status: 'overflow', limit: 'count' | 'bytes' }
  /** taken; `ready` is what may now be delivered, in order */
  | { status: 'accepted', ready: T[] }

export interface ReorderWindowInit<T> {
  /** most bytes waiting (as the caller counts them in push). @default Infinity */
  maxBytes?: number
  /**
   * what is kept of a value that has to wait (its arrival's buffers may be shared with other
   * data, or be larger than what is worth keeping). @default the value itself
   */
  keep?: (value: T) => T
}

interface Waiting<T> { value: T, bytes: number }

export class ReorderWindow<T> {
  private readonly buffer = new Map<bigint, Waiting<T>>()
  private readonly size: number
  private readonly maxBytes: number
  private readonly keep: ((value: T) => T) | undefined
  private bytes = 0
  /** the next seq to deliver; undefined until the first message of a session */
  private nextSeq: bigint | undefined

  constructor (size: number, init: ReorderWindowInit<T> = {}) {
    this.size = size
    this.maxBytes = init.maxBytes ?? Number.POSITIVE_INFINITY
    this.keep = init.keep
  }

  get next (): bigint | undefined {
    return this.nextSeq
  }

  /** messages waiting for a gap before them */
  get waiting (): number {
    return this.buffer.size
  }

  /** bytes waiting (the sum of what push was told of each waiting value) */
  get waitingBytes (): number {
    return this.bytes
  }

  /** `bytes`: what the value costs while it waits (nothing is counted for a value delivered at once) */
  push (seq: bigint, lowSeq: bigint, value: T, bytes = 0): Arrival<T> {
    // a new session starts where the sender's first message says everything below is settled
    let next = this.nextSeq ?? lowSeq
    if (seq < next || this.buffer.has(seq)) return { status: 'duplicate' }
    if (seq >= next + BigInt(this.size)) return { status: 'overflow', limit: 'count' }
    // it waits when a gap stays before it, even after the sender gave up everything below low_seq
    const waits = seq > (lowSeq > next ? lowSeq : next)
    if (waits && this.bytes + bytes > this.maxBytes) return { status: 'overflow', limit: 'bytes' }
    // what does not wait goes out in this call (below: with the gap given up, or as the next seq)
    this.buffer.set(seq, waits ? { value: this.keep == null ? value : this.keep(value), bytes } : { value, bytes: 0 })
    if (waits) this.bytes += bytes
    const ready: T[] = []
    if (lowSeq > next) {
      // the sender gave up on the gap below low_seq: deliver what we hold of it, in order
      for (const s of [...this.buffer.keys()].filter(s => s < lowSeq).sort((a, b) => (a < b ? -1 : 1))) ready.push(this.take(s))
      next = lowSeq
    }
    while (this.buffer.has(next)) ready.push(this.take(next++))
    this.nextSeq = next
    return { status: 'accepted', ready }
  }

  /** drops everything waiting (the stream that sent it is gone; its sender resends what it needs); the next seq stays */
  clear (): void {
    this.buffer.clear()
    this.bytes = 0
  }

  private take (seq: bigint): T {
    const waiting = this.buffer.get(seq) as Waiting<T>
    this.buffer.delete(seq)
    this.bytes -= waiting.bytes
    return waiting.value
  }
}
