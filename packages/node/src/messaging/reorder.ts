/**
 * A receiver's in-order delivery per sender: messages carry a seq (1, 2, 3 ... per sender session)
 * and the lowest seq the sender still cares about (low_seq: everything below was acked or given
 * up). Early arrivals wait in a bounded window until the gap before them fills or the sender says
 * it will not; anything below the next expected seq is a duplicate.
 */
export type Arrival<T> =
  | { status: 'duplicate' }
  /** beyond the window: the sender broke the protocol (it never has more than the window in flight) */
  | { status: 'overflow' }
  /** kept; `ready` is what may now be delivered, in order */
  | { status: 'accepted', ready: T[] }

export class ReorderWindow<T> {
  private readonly buffer = new Map<bigint, T>()
  private readonly size: number
  /** the next seq to deliver; undefined until the first message of a session */
  private nextSeq: bigint | undefined

  constructor (size: number) {
    this.size = size
  }

  get next (): bigint | undefined {
    return this.nextSeq
  }

  /** messages waiting for a gap before them */
  get waiting (): number {
    return this.buffer.size
  }

  push (seq: bigint, lowSeq: bigint, value: T): Arrival<T> {
    // a new session starts where the sender's first message says everything below is settled
    let next = this.nextSeq ?? lowSeq
    if (seq < next || this.buffer.has(seq)) return { status: 'duplicate' }
    if (seq >= next + BigInt(this.size)) return { status: 'overflow' }
    this.buffer.set(seq, value)
    const ready: T[] = []
    if (lowSeq > next) {
      // the sender gave up on the gap below low_seq: deliver what we hold of it, in order
      for (const s of [...this.buffer.keys()].filter(s => s < lowSeq).sort((a, b) => (a < b ? -1 : 1))) {
        ready.push(this.buffer.get(s) as T)
        this.buffer.delete(s)
      }
      next = lowSeq
    }
    while (this.buffer.has(next)) {
      ready.push(this.buffer.get(next) as T)
      this.buffer.delete(next)
      next++
    }
    this.nextSeq = next
    return { status: 'accepted', ready }
  }
}
