/**
 * A TCP socket and a libp2p stream joined into one connection:
 *   - bytes both ways, with backpressure both ways: the socket is paused while the stream holds
 *     unsent data, and the stream is paused (yamux stops granting window, so the remote stops
 *     sending) while the socket's write buffer is full;
 *   - half-close both ways: the socket's FIN closes the stream for writing, and the stream's end
 *     (the remote closed its writing side, and everything it sent was written) ends the socket;
 *   - a reset or error on either side destroys the other (a reset stream resets the socket: its
 *     peer sees ECONNRESET, not a clean end it could take for complete data);
 *   - no byte either way for `idleMs` ends both (TUNNEL_IDLE).
 */
import { Uint8ArrayList } from 'uint8arraylist'
import type { Socket } from 'node:net'
import type { MessageStreamEvents, Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import { TunnelError, TunnelErrorCode } from './errors.js'

/**
 * How a tunnel ended: both sides closed in order ('closed'), no byte for the idle timeout
 * ('idle'), the stream was reset by the other end or its connection went ('reset'), the local
 * socket failed ('error'), or it was closed from this node ('aborted': stop, unexpose, close()).
 */
export type SpliceEnd = 'closed' | 'idle' | 'reset' | 'error' | 'aborted'

export interface SpliceResult {
  end: SpliceEnd
  /** bytes read from the socket and sent on the stream */
  sent: number
  /** bytes received on the stream and written to the socket */
  received: number
  error?: Error
}

/**
 * While the socket cannot take more, the stream is paused and what is already under way arrives
 * into its read buffer: at most yamux's largest stream window (16 MiB). Past the buffer's limit
 * the stream would be reset, so a tunnel's is above that window (its default, 4 MiB, is not).
 */
export const TUNNEL_READ_BUFFER_BYTES = 17 * 1024 * 1024

/**
 * How much may wait to be written on either side before reading from the other pauses. Not the
 * first "full" (a socket says so past 16 KiB, and one 64 KiB read does that): pausing at every
 * write stops the stream's window updates at every message, and bytes move in lock step.
 */
export const TUNNEL_QUEUE_BYTES = 1024 * 1024

/**
 * A read of this size filled Node's read buffer, so more is likely waiting in the socket: libuv
 * reads on (up to 32 reads) in the same turn of the event loop.
 */
const FULL_READ_BYTES = 64 * 1024

/**
 * What the socket's reads in one turn of the event loop are gathered into before they go on the
 * stream as one message (one yamux frame where the window allows): a 64 KiB frame per read cost a
 * frame, a window update back and a socket write at the far end for every 64 KiB.
 */
const GATHER_BYTES = 256 * 1024

export class Splice {
  readonly done: Promise<SpliceResult>
  private sentBytes = 0
  private receivedBytes = 0
  private lastActivity = Date.now()
  private result: { end: SpliceEnd, error?: Error } | undefined
  private readonly stream: Stream
  private readonly socket: Socket
  private readonly idleMs: number
  private readonly resolve: (result: SpliceResult) => void
  private idleTimer: ReturnType<typeof setTimeout> | undefined
  private socketPaused = false
  private socketEnded = false
  private socketGotEnd = false
  private socketClosed = false
  private socketError: Error | undefined
  private streamClosed = false
  private streamWriteClosed = false
  private streamRemoteEnded = false
  private readonly listeners: Array<() => void> = []
  /** full reads of this turn of the event loop, not yet on the stream */
  private gathered: Uint8ArrayList | undefined
  private gatherScheduled = false

  /**
   * Starts carrying bytes at once (the socket is resumed: a listener may accept it paused).
   * `done` resolves when both the socket and the stream are closed; it never rejects.
   */
  constructor (stream: Stream, socket: Socket, options: { idleMs: number }) {
    this.stream = stream
    this.socket = socket
    this.idleMs = options.idleMs
    const { promise, resolve } = Promise.withResolvers<SpliceResult>()
    this.done = promise
    this.resolve = resolve
    stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, TUNNEL_READ_BUFFER_BYTES)
    this.listen()
    this.armIdle()
    socket.resume()
    // the remote may have finished (its data read ahead with the header) before we listened; a
    // stream whose connection went is no longer 'open', and is failed just below
    if (stream.remoteWriteStatus === 'closed' && stream.status === 'open') this.streamRemoteEnded = true
    this.maybeEndSocket()
    if (stream.status !== 'open') this.onStreamClose(new Event('close'))
  }

  get sent (): number {
    return this.sentBytes
  }

  get received (): number {
    return this.receivedBytes
  }

  /** Ends the tunnel now: the stream is reset and the socket destroyed (reset). */
  close (error: Error = new TunnelError(TunnelErrorCode.TUNNEL_CLOSED, 'the tunnel was closed')): void {
    this.fail('aborted', error)
  }

  private listen (): void {
    const { stream, socket } = this
    const on = <K extends keyof MessageStreamEvents>(type: K, handler: (evt: MessageStreamEvents[K]) => void): void => {
      stream.addEventListener(type, handler)
      this.listeners.push(() => { stream.removeEventListener(type, handler) })
    }
    on('message', (evt) => { this.onStreamData(evt) })
    on('idle', () => { this.resumeSocket() })
    on('remoteCloseWrite', () => {
      this.streamRemoteEnded = true
      this.maybeEndSocket()
    })
    on('end', () => { this.maybeEndSocket() })
    on('close', (evt) => { this.onStreamClose(evt) })
    socket.on('data', this.onSocketData)
    socket.on('drain', this.onSocketDrain)
    socket.on('end', this.onSocketEnd)
    socket.on('error', this.onSocketError)
    socket.on('close', this.onSocketClose)
  }

  private readonly onSocketData = (chunk: Buffer): void => {
    this.sentBytes += chunk.byteLength
    this.lastActivity = Date.now()
    if (this.gathered == null && chunk.byteLength < FULL_READ_BYTES) {
      this.sendOn(chunk)
      return
    }
    this.gathered ??= new Uint8ArrayList()
    this.gathered.append(chunk)
    // a short read emptied the socket: nothing more is coming this turn
    if (chunk.byteLength < FULL_READ_BYTES || this.gathered.byteLength >= GATHER_BYTES) {
      this.sendGathered()
    } else if (!this.gatherScheduled) {
      this.gatherScheduled = true
      setImmediate(this.sendGathered)
    }
  }

  private readonly sendGathered = (): void => {
    this.gatherScheduled = false
    const gathered = this.gathered
    this.gathered = undefined
    if (gathered != null && this.result == null) this.sendOn(gathered)
  }

  private sendOn (data: Uint8Array | Uint8ArrayList): void {
    let more: boolean
    try {
      more = this.stream.send(data)
    } catch (err) {
      this.fail('reset', err as Error)
      return
    }
    // send() may say "full" having handed everything on (and emitted 'idle' already): only
    // bytes still held by the stream are worth waiting for
    if (!more && this.stream.writeBufferLength > TUNNEL_QUEUE_BYTES && !this.socketPaused) {
      this.socketPaused = true
      this.socket.pause()
    }
  }

  /**
   * The stream's write buffer is empty ('idle', not 'drain': yamux emits 'drain' at every window
   * update while anything is queued, however little it lets out; see Frames in @realmesh/wire).
   */
  private resumeSocket (): void {
    if (!this.socketPaused || this.socketClosed) return
    this.socketPaused = false
    this.socket.resume()
  }

  private onStreamData (evt: StreamMessageEvent): void {
    this.lastActivity = Date.now()
    const data = evt.data
    if (data instanceof Uint8Array) {
      this.receivedBytes += data.byteLength
      this.socket.write(data)
    } else {
      // the pieces of one message in one writev
      this.socket.cork()
      for (const chunk of data) {
        this.receivedBytes += chunk.byteLength
        this.socket.write(chunk)
      }
      this.socket.uncork()
    }
    // past the socket's own mark (a write returned false), so 'drain' comes when it is empty
    if (this.socket.writableLength > TUNNEL_QUEUE_BYTES && this.stream.readStatus === 'readable') this.stream.pause()
    this.maybeEndSocket()
  }

  private readonly onSocketDrain = (): void => {
    if (this.stream.readStatus === 'paused') this.stream.resume()
  }

  /** the local side sent FIN: the stream is closed for writing once what it holds is sent */
  private readonly onSocketEnd = (): void => {
    this.socketGotEnd = true
    this.sendGathered()
    if (this.streamWriteClosed || this.stream.writeStatus !== 'writable') return
    this.streamWriteClosed = true
    this.stream.close().catch((err: unknown) => { this.fail('reset', err as Error) })
  }

  private readonly onSocketError = (err: Error): void => {
    this.socketError = err
  }

  private readonly onSocketClose = (): void => {
    this.socketClosed = true
    // closed in order only after both FINs; otherwise it failed or was destroyed under us
    if (this.socketError != null) this.fail('error', this.socketError)
    else if (!(this.socketEnded && this.socketGotEnd)) this.fail('aborted', new TunnelError(TunnelErrorCode.TUNNEL_CLOSED, 'the local connection was closed'))
    this.settle()
  }

  /**
   * The remote closed its writing side and everything it sent is on the socket: FIN. Only a FIN
   * from the remote counts ('remoteCloseWrite'): when the connection under the stream goes,
   * libp2p's muxer ends the stream's reading side and closes it without an error but without that
   * event, and the 'close' that follows resets the socket. (Read as the end of the remote's data,
   * a lost connection after our own side had finished gave the client a clean FIN for data that
   * never all arrived.)
   */
  private maybeEndSocket (): void {
    if (this.socketEnded || this.result != null || !this.streamRemoteEnded || this.stream.readBufferLength > 0) return
    this.socketEnded = true
    this.socket.end()
  }

  private onStreamClose (evt: StreamCloseEvent): void {
    if (this.streamClosed) return
    this.streamClosed = true
    // a close without error is in order only when both ends closed their writing side
    if (evt.error != null) this.fail(evt.local === true ? 'aborted' : 'reset', evt.error)
    else if (!(this.streamRemoteEnded && this.streamWriteClosed)) this.fail('reset', new TunnelError(TunnelErrorCode.TUNNEL_CLOSED, 'the stream closed before both sides finished'))
    else this.maybeEndSocket()
    this.settle()
  }

  private armIdle (): void {
    const remaining = this.lastActivity + this.idleMs - Date.now()
    if (remaining <= 0) {
      this.fail('idle', new TunnelError(TunnelErrorCode.TUNNEL_IDLE, `no byte either way for ${this.idleMs} ms`))
      return
    }
    this.idleTimer = setTimeout(() => { this.armIdle() }, remaining)
    this.idleTimer.unref()
  }

  private fail (end: SpliceEnd, error: Error): void {
    if (this.result != null) return
    this.result = { end, error }
    this.stream.abort(error)
    // a socket that sent its FIN cannot be reset: Node fails with EINVAL and emits no 'close'
    if (!this.socket.destroyed) {
      if (this.socketEnded) this.socket.destroy()
      else this.socket.resetAndDestroy()
    }
    this.settle()
  }

  private settle (): void {
    if (!this.socketClosed || !this.streamClosed) return
    clearTimeout(this.idleTimer)
    for (const off of this.listeners) off()
    this.socket.off('data', this.onSocketData)
    this.socket.off('drain', this.onSocketDrain)
    this.socket.off('end', this.onSocketEnd)
    this.socket.off('close', this.onSocketClose)
    // a late error (a reset arriving after close) must not be unhandled
    this.resolve({ end: this.result?.end ?? 'closed', sent: this.sentBytes, received: this.receivedBytes, error: this.result?.error })
  }
}
