/**
 * The one consumer attached to a durable subscription: it gets the messages not yet consumed in
 * the subscription's order (fifo: oldest first, lifo: newest first), then each new one as it is
 * stored (lifo: before what it has not had yet), one at a time: the next waits for the handler's
 * promise. 'auto' consumes a message once that promise resolved; 'app' once the consumer acks it.
 */
import type { DurableLog } from './log.js'
import type { AttachOptions, DurableHandler, DurableMessage } from './options.js'

export interface DurableConsumer {
  readonly name: string
  /** ack 'app': these messages (their `seq`) are consumed; seqs this consumer was not given are ignored */
  ack: (seqs: number[]) => Promise<void>
  /** ends this consumer (the subscription goes on receiving and storing) */
  detach: () => void
  /**
   * resolves when the consumer ended: with undefined after detach() or its signal, else with why
   * (DURABLE_DETACHED: a newer consumer took over; DURABLE_REMOVED; the handler's error; the node stopping)
   */
  readonly ended: Promise<Error | undefined>
}

export interface ConsumerInit {
  log: DurableLog
  name: string
  subject: string
  handler: DurableHandler
  ack: NonNullable<AttachOptions['ack']>
  order: 'fifo' | 'lifo'
  /** what it gets first, in order */
  queue: number[]
  signal?: AbortSignal
}

export class Consumer implements DurableConsumer {
  readonly name: string
  readonly ended: Promise<Error | undefined>
  private readonly init: ConsumerInit
  private queue: number[]
  /** ack 'app': given and not acked yet */
  private readonly given = new Set<number>()
  private wake: PromiseWithResolvers<void> | undefined
  private stopped: { reason: Error | undefined } | undefined

  constructor (init: ConsumerInit) {
    this.init = init
    this.name = init.name
    this.queue = init.queue
    this.ended = this.pump()
    init.signal?.addEventListener('abort', () => { this.close(undefined) }, { once: true })
    if (init.signal?.aborted === true) this.close(undefined)
  }

  /** a message was stored while attached */
  stored (seq: number): void {
    if (this.stopped != null) return
    if (this.init.order === 'lifo') this.queue.unshift(seq)
    else this.queue.push(seq)
    // seqs dropped by a bound while waiting here are skipped when their turn comes; a consumer
    // that lags far behind a busy subscription would keep many of them: forget them now and then
    if (this.queue.length > 2 * Math.max(1024, this.init.log.size)) this.queue = this.queue.filter(s => this.init.log.entry(s) != null)
    this.wake?.resolve()
  }

  async ack (seqs: number[]): Promise<void> {
    const mine = seqs.filter(seq => this.given.delete(seq))
    if (mine.length > 0) await this.init.log.consume(mine)
  }

  detach (): void {
    this.close(undefined)
  }

  close (reason: Error | undefined): void {
    if (this.stopped != null) return
    this.stopped = { reason }
    this.wake?.resolve()
  }

  private async pump (): Promise<Error | undefined> {
    const { log, handler } = this.init
    try {
      while (this.stopped == null) {
        const seq = this.queue.shift()
        if (seq == null) {
          this.wake = Promise.withResolvers()
          await this.wake.promise
          continue
        }
        if (log.entry(seq)?.consumed !== false) continue
        const stored = await log.message(seq)
        if (stored == null || this.stopped != null) continue
        if (this.init.ack === 'app') this.given.add(seq)
        await handler(this.message(seq, stored))
        // the handler has it (auto): consumed, even when the consumer was detached meanwhile
        if (this.init.ack === 'auto') await log.consume([seq])
      }
    } catch (err) {
      this.close(err as Error)
    }
    return this.stopped?.reason
  }

  private message (seq: number, { header, data }: NonNullable<Awaited<ReturnType<DurableLog['message']>>>): DurableMessage {
    return {
      name: this.name,
      subject: this.init.subject,
      seq,
      id: header.id,
      from: header.from,
      peer: header.peer,
      senderSeq: header.senderSeq,
      receivedAt: header.at,
      data,
      ...(header.replySubject == null ? {} : { replySubject: header.replySubject }),
      ack: () => { void this.ack([seq]).catch(() => {}) }
    }
  }
}
