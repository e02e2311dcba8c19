/**
 * The forwarder's part: two streams (from the source, to the target) joined, each one's bytes
 * written to the other unread:
 *   - backpressure both ways: a stream is paused while the other holds more than QUEUE_BYTES
 *     unsent, and resumed when that one's write buffer is empty;
 *   - half-close both ways: one side's end (its remote closed writing and every byte was passed
 *     on) closes the other for writing;
 *   - a reset of either resets the other;
 *   - bounds: no byte either way for `idleMs` (FORWARD_IDLE), or more than `maxBytes` both ways
 *     together (FORWARD_BYTES_EXCEEDED), resets both.
 */
import { ForwardError, ForwardErrorCode } from './errors.js'
import type { MessageStreamEvents, Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

/** how much may wait unsent on one side before reading from the other pauses (see tunnel/splice.ts) */
const QUEUE_BYTES = 1024 * 1024

/** What the other side may still have under way when one is paused: the largest yamux window, and its frames. */
const READ_BUFFER_BYTES = 17 * 1024 * 1024

/** in order ('closed'), no byte for the idle timeout, the byte bound, a reset from either end, or closed here */
export type PipeEnd = 'closed' | 'idle' | 'bytes' | 'reset' | 'aborted'

export interface PipeResult {
  end: PipeEnd
  /** bytes source -> target, and target -> source */
  forward: number
  backward: number
  error?: Error
}

export interface PipeOptions {
  idleMs: number
  maxBytes: number
  /** called with every chunk passed on (metrics) */
  onBytes?: (bytes: number) => void
}

export class StreamPipe {
  readonly done: Promise<PipeResult>
  private readonly source: Stream
  private readonly target: Stream
  private readonly options: PipeOptions
  private readonly counts = { forward: 0, backward: 0 }
  private lastActivity = Date.now()
  private idleTimer: ReturnType<typeof setTimeout> | undefined
  private result: { end: PipeEnd, error?: Error } | undefined
  private readonly closed = new Set<Stream>()
  private readonly writeClosed = new Set<Stream>()
  private readonly resolve: (result: PipeResult) => void
  private readonly listeners: Array<() => void> = []

  constructor (source: Stream, target: Stream, options: PipeOptions) {
    this.source = source
    this.target = target
    this.options = options
    const { promise, resolve } = Promise.withResolvers<PipeResult>()
    this.done = promise
    this.resolve = resolve
    this.join(source, target, 'forward')
    this.join(target, source, 'backward')
    this.armIdle()
  }

  get bytes (): number {
    return this.counts.forward + this.counts.backward
  }

  /** Ends the pipe now: both streams are reset. */
  close (error: Error = new ForwardError(ForwardErrorCode.FORWARD_CLOSED, 'the forwarded stream was closed')): void {
    this.fail('aborted', error)
  }

  private join (from: Stream, to: Stream, way: 'forward' | 'backward'): void {
    from.maxReadBufferLength = Math.max(from.maxReadBufferLength, READ_BUFFER_BYTES)
    const on = <K extends keyof MessageStreamEvents>(stream: Stream, type: K, handler: (evt: MessageStreamEvents[K]) => void): void => {
      stream.addEventListener(type, handler)
      this.listeners.push(() => { stream.removeEventListener(type, handler) })
    }
    on(from, 'message', (evt) => { this.pass(from, to, way, evt.data) })
    on(to, 'idle', () => { if (from.readStatus === 'paused' && this.result == null) from.resume() })
    on(from, 'remoteCloseWrite', () => { this.maybeHalfClose(from, to) })
    on(from, 'end', () => { this.maybeHalfClose(from, to) })
    on(from, 'close', (evt) => {
      this.closed.add(from)
      if (evt.error != null) this.fail(evt.local === true ? 'aborted' : 'reset', evt.error)
      this.settle()
    })
    // bytes read ahead with the request, or a stream that ended before the pipe listened
    this.maybeHalfClose(from, to)
    if (from.status !== 'open' && from.status !== 'closing') this.closed.add(from)
  }

  private pass (from: Stream, to: Stream, way: 'forward' | 'backward', data: Uint8Array | Uint8ArrayList): void {
    if (this.result != null) return
    this.lastActivity = Date.now()
    this.counts[way] += data.byteLength
    this.options.onBytes?.(data.byteLength)
    if (this.bytes > this.options.maxBytes) {
      this.fail('bytes', new ForwardError(ForwardErrorCode.FORWARD_BYTES_EXCEEDED, `the forwarded stream carried more than ${this.options.maxBytes} bytes`))
      return
    }
    let more: boolean
    try {
      more = to.send(data)
    } catch (err) {
      this.fail('reset', err as Error)
      return
    }
    if (!more && to.writeBufferLength > QUEUE_BYTES && from.readStatus === 'readable') from.pause()
    this.maybeHalfClose(from, to)
  }

  /** `from`'s remote finished writing and every byte of it went to `to`: `to` is closed for writing */
  private maybeHalfClose (from: Stream, to: Stream): void {
    if (this.writeClosed.has(to) || this.result != null || from.readBufferLength > 0) return
    if (from.remoteWriteStatus !== 'closed' && !from.readableEnded) return
    if (to.status !== 'open') return
    this.writeClosed.add(to)
    to.close().catch((err: unknown) => { this.fail('reset', err as Error) })
  }

  private armIdle (): void {
    const remaining = this.lastActivity + this.options.idleMs - Date.now()
    if (remaining <= 0) {
      this.fail('idle', new ForwardError(ForwardErrorCode.FORWARD_IDLE, `no byte either way for ${this.options.idleMs} ms`))
      return
    }
    this.idleTimer = setTimeout(() => { this.armIdle() }, remaining)
    this.idleTimer.unref()
  }

  private fail (end: PipeEnd, error: Error): void {
    if (this.result != null) return
    this.result = { end, error }
    for (const stream of [this.source, this.target]) {
      if (stream.status === 'open' || stream.status === 'closing') stream.abort(error)
      this.closed.add(stream)
    }
    this.settle()
  }

  private settle (): void {
    if (!this.closed.has(this.source) || !this.closed.has(this.target)) return
    clearTimeout(this.idleTimer)
    for (const off of this.listeners.splice(0)) off()
    this.resolve({ end: this.result?.end ?? 'closed', forward: this.counts.forward, backward: this.counts.backward, error: this.result?.error })
  }
}
