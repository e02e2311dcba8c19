/**
 * `subscribe --durable NAME --ack app`: the seqs of the lines written to stdout, acked to the
 * daemon in batches (at most `maxSeqs`, or after `delayMs`), one request at a time and in order.
 */
export class AckBatch {
  private seqs: number[] = []
  private timer: ReturnType<typeof setTimeout> | undefined
  private sending: Promise<void> = Promise.resolve()
  private readonly send: (seqs: number[]) => Promise<void>
  private readonly failed: (err: unknown) => void
  private readonly maxSeqs: number
  private readonly delayMs: number

  constructor (send: (seqs: number[]) => Promise<void>, failed: (err: unknown) => void, options: { maxSeqs?: number, delayMs?: number } = {}) {
    this.send = send
    this.failed = failed
    this.maxSeqs = options.maxSeqs ?? 256
    this.delayMs = options.delayMs ?? 100
  }

  /** the line of `seq` is written */
  add (seq: number): void {
    this.seqs.push(seq)
    if (this.seqs.length >= this.maxSeqs) void this.flush()
    else this.timer ??= setTimeout(() => { void this.flush() }, this.delayMs)
  }

  /** sends what waits; resolves once every batch so far was answered (a failure is reported, not thrown) */
  async flush (): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    const seqs = this.seqs
    this.seqs = []
    if (seqs.length > 0) this.sending = this.sending.then(async () => { await this.send(seqs) }).catch(this.failed)
    await this.sending
  }
}
