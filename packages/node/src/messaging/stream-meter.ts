/**
 * Charges a message stream's account with the bytes that arrived on it and were not yet read as
 * frames (a frame being received, frames behind it), from the stream's first byte on and across
 * the change of reader after the MessageOpen. Passing a budget calls `onOverrun` at once, while
 * the bytes arrive: a frame that comes slowly, or never whole, holds memory too.
 */
import type { Frames } from '@realmesh/wire'
import type { Stream, StreamMessageEvent } from '@libp2p/interface'
import type { Overrun, StreamAccount } from './budget.js'

export class StreamMeter {
  readonly account: StreamAccount
  private readonly stream: Stream
  private readonly onOverrun: (overrun: Overrun) => void
  private reader: Frames
  private received = 0
  /** bytes read as frames by earlier readers */
  private readBefore = 0

  /** attach right after `reader` (its listener and ours both get what the stream had buffered) */
  constructor (stream: Stream, reader: Frames, account: StreamAccount, onOverrun: (overrun: Overrun) => void) {
    this.stream = stream
    this.reader = reader
    this.account = account
    this.onOverrun = onOverrun
    stream.addEventListener('message', this.onMessage)
  }

  /**
   * `next` reads on where the current reader stopped (which was unwrapped: what it had not read
   * goes back to the stream, and arrives again, for `next`)
   */
  handOver (next: Frames): void {
    const carried = this.received - this.readBefore - this.reader.bytesRead
    this.readBefore += this.reader.bytesRead
    this.received -= carried
    this.reader = next
    this.update()
  }

  /** charges what now waits in the reader (after bytes arrived, or a frame was read) */
  update (): void {
    const overrun = this.account.setBuffered(this.received - this.readBefore - this.reader.bytesRead)
    if (overrun != null) this.onOverrun(overrun)
  }

  /** stops metering and gives back everything the account held */
  close (): void {
    this.stream.removeEventListener('message', this.onMessage)
    this.account.close()
  }

  private readonly onMessage = (evt: StreamMessageEvent): void => {
    this.received += evt.data.byteLength
    this.update()
  }
}
