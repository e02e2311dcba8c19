/**
 * The receiver's side of writing on a message stream: MessageReply frames in order (the data
 * limit, acks, a final error), acks gathered into one reply per burst of arrivals.
 */
import { MAX_ACKS_PER_REPLY, MessageReply } from '@realmesh/wire'
import type { Frames, MessageAck } from '@realmesh/wire'

export class Replies {
  private readonly frames: Frames
  private chain = Promise.resolve()
  private gathered: MessageAck[] = []
  private flushing = false

  constructor (frames: Frames) {
    this.frames = frames
  }

  write (reply: Partial<MessageReply>): void {
    this.chain = this.chain.then(async () => { await this.frames.write(MessageReply, { maxData: 0, acks: [], ...reply }) }).catch(() => {})
  }

  /** acks are gathered and sent once what arrived together was handled: one reply for a burst */
  readonly ack = (acks: MessageAck[]): void => {
    for (const ack of acks) this.gathered.push(ack)
    if (this.flushing) return
    this.flushing = true
    setImmediate(() => {
      this.flushing = false
      const all = this.gathered
      this.gathered = []
      for (let i = 0; i < all.length; i += MAX_ACKS_PER_REPLY) this.write({ acks: all.slice(i, i + MAX_ACKS_PER_REPLY) })
    })
  }

  /** resolves once everything written so far went out (or failed) */
  async written (): Promise<void> {
    await this.chain
  }

  /** the error now, ahead of anything queued, and the stream is reset: the sender gets the code, then the reset */
  abort (err: Error & { code: string }): void {
    try {
      this.frames.stream.send(this.frames.encode(MessageReply, [{ maxData: 0, acks: [], error: { code: err.code, reason: err.message.slice(0, 256) } }]))
    } catch {
      // the stream is already closed: the reset below is all there is to do
    }
    this.frames.stream.abort(err)
  }
}
