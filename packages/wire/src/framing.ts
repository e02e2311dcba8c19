import { lpStream } from '@libp2p/utils'
import { writer } from 'protons-runtime'
import { FrameTooLargeError, MalformedFrameError, StreamClosedError, StreamTimeoutError } from './errors.js'
import type { AbortOptions, Stream, StreamCloseEvent } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'
import type { Codec, Writer } from 'protons-runtime'
import { Uint8ArrayList } from 'uint8arraylist'

/** The encode/decode pair protons generates for every message (`Hello`, `JoinRequest`, ...). */
export interface MessageCodec<T> {
  encode(message: Partial<T>): Uint8Array
  decode(data: Uint8Array | Uint8ArrayList): T
  /** protons' codec: when present, frames are encoded with their length prefix straight into the buffer that is sent */
  codec?: () => Codec<T>
}

export interface FramesInit {
  /** protocol id, for error messages */
  protocol: string
  /** largest frame accepted, in bytes (see FRAME_LIMITS) */
  maxSize: number
  /**
   * most bytes buffered from the stream before they are read (a frame being received, and frames
   * that arrived behind it); more aborts the stream, and reads throw FrameTooLargeError (its
   * `limit` is this size). @default max(4 MiB, 2 x maxSize)
   */
  maxBufferSize?: number
}

/**
 * Length-prefixed protobuf frames on a stream, with realmesh's typed errors: a length prefix
 * above `maxSize` is FrameTooLargeError (nothing is buffered), and so is more unread data than
 * `maxBufferSize`; bytes that do not decode are MalformedFrameError, an early end is
 * StreamClosedError, an aborted signal whose reason is a timeout is StreamTimeoutError.
 */
export class Frames {
  readonly stream: Stream
  private readonly lp: LengthPrefixedStream<Stream>
  private readonly protocol: string
  private readonly maxSize: number
  private readonly maxBufferSize: number
  /** the most bytes one encoded frame (varint length and message) may take: n + varintLength(n) passes it exactly when n > maxSize */
  private readonly largestFrame: number
  private readBytes = 0

  constructor (stream: Stream, init: FramesInit) {
    this.stream = stream
    this.protocol = init.protocol
    this.maxSize = init.maxSize
    this.maxBufferSize = init.maxBufferSize ?? Math.max(4 * 1024 * 1024, 2 * init.maxSize)
    this.largestFrame = init.maxSize + writer().uint32(init.maxSize).len
    this.lp = lpStream(stream, { maxDataLength: init.maxSize, maxBufferSize: this.maxBufferSize })
  }

  /**
   * Bytes of the frames read so far, length prefixes included: the stream's bytes received less
   * this is what waits in the reader's buffer (a frame being received, frames behind it).
   */
  get bytesRead (): number {
    return this.readBytes
  }

  /**
   * Stops reading from the stream and hands back to it whatever arrived after the last frame read,
   * so that another reader (new Frames with other limits) goes on where this one stopped. This
   * Frames can neither read nor write afterwards.
   */
  unwrap (): Stream {
    return this.lp.unwrap()
  }

  async read<T> (codec: MessageCodec<T>, options?: AbortOptions): Promise<T> {
    let bytes: Uint8ArrayList
    try {
      bytes = await this.lp.read(options)
    } catch (err) {
      throw this.translate(err, options)
    }
    this.readBytes += bytes.byteLength + varintLength(bytes.byteLength)
    try {
      return codec.decode(bytes)
    } catch (err) {
      throw new MalformedFrameError(this.protocol, errorText(err), { cause: err })
    }
  }

  async write<T> (codec: MessageCodec<T>, message: Partial<T>, options?: AbortOptions): Promise<void> {
    await this.writeMany(codec, [message], options)
  }

  /**
   * Several messages in one write. Each frame (varint length, then the message) is encoded into
   * one buffer and the whole buffer goes down the stream as one chunk: every extra chunk costs
   * its own cipher update and socket write under Noise.
   */
  async writeMany<T> (codec: MessageCodec<T>, messages: Array<Partial<T>>, options?: AbortOptions): Promise<void> {
    await this.writeEncoded([this.encode(codec, messages)], options)
  }

  /**
   * The frames of `messages` (varint length, then the message, each) in one buffer. Throws
   * FrameTooLargeError, and encodes nothing, when one of them is larger than `maxSize`.
   */
  encode<T> (codec: MessageCodec<T>, messages: Array<Partial<T>>): Uint8Array {
    const w = writer()
    for (const message of messages) {
      const before = w.len
      encodeFrame(codec, message, w)
      // never send what the other side must refuse
      if (w.len - before > this.largestFrame) throw new FrameTooLargeError(this.protocol, this.maxSize)
    }
    return w.finish()
  }

  /**
   * Sends frames already encoded (`encode`, or a `messageFrameHead` and the data's chunks) in one
   * write; resolves once the stream takes more (its drain).
   */
  async writeEncoded (chunks: Uint8Array[], options?: AbortOptions): Promise<void> {
    try {
      options?.signal?.throwIfAborted()
      const data = chunks.length === 1 ? chunks[0] as Uint8Array : new Uint8ArrayList(...chunks)
      if (!this.stream.send(data)) await this.drained(options?.signal)
    } catch (err) {
      throw this.translate(err, options)
    }
  }

  /**
   * Resolves once the stream handed everything written to the muxer (its write buffer is empty:
   * 'idle'). Not `stream.onDrain()`: in @libp2p/utils 7.4.1 its promise stays resolved after the
   * stream's first drain, so every later wait ends at once; nor the next 'drain': yamux sends it
   * at every window update while anything is queued, however little the update lets out, so a
   * writer that wrote on at each one piled frames up in the write buffer without bound.
   */
  private async drained (signal?: AbortSignal): Promise<void> {
    const stream = this.stream
    if (stream.writeBufferLength === 0) return
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        stream.removeEventListener('idle', onIdle)
        stream.removeEventListener('close', onClose)
        signal?.removeEventListener('abort', onAbort)
        if (err == null) resolve()
        else reject(err)
      }
      const onIdle = (): void => { done() }
      const onClose = (evt: StreamCloseEvent): void => { done(evt.error ?? new StreamClosedError(this.protocol)) }
      const onAbort = (): void => { done(signal?.reason instanceof Error ? signal.reason : new Error('aborted')) }
      stream.addEventListener('idle', onIdle)
      stream.addEventListener('close', onClose)
      signal?.addEventListener('abort', onAbort)
    })
  }

  private translate (err: unknown, options?: AbortOptions): Error {
    const name = (err as Error | undefined)?.name
    if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError') {
      return new FrameTooLargeError(this.protocol, this.maxSize, { cause: err })
    }
    // the peer sent more than the stream buffers unread (found by fuzzing: it escaped untyped)
    if (name === 'StreamBufferError') {
      return new FrameTooLargeError(this.protocol, this.maxBufferSize, { cause: err })
    }
    if (name === 'InvalidMessageLengthError') {
      return new MalformedFrameError(this.protocol, 'invalid length prefix', { cause: err })
    }
    if (name === 'UnexpectedEOFError' || name === 'StreamStateError' || name === 'StreamResetError') {
      return new StreamClosedError(this.protocol, { cause: err })
    }
    const reason: unknown = options?.signal?.reason
    if (options?.signal?.aborted === true && (reason as Error | undefined)?.name === 'TimeoutError') {
      return new StreamTimeoutError(this.protocol, { cause: err })
    }
    return err instanceof Error ? err : new Error(String(err))
  }
}

/** writes one length-prefixed frame of `message` into `w` */
function encodeFrame<T> (codec: MessageCodec<T>, message: Partial<T>, w: Writer): void {
  if (codec.codec != null) {
    // protons' length-delimited form is the varint length and then the message: the frame itself
    codec.codec().encode(message, w, { lengthDelimited: true })
  } else {
    w.bytes(codec.encode(message))
  }
}

/** bytes of the varint that encodes `n` (a frame's length prefix) */
function varintLength (n: number): number {
  let bytes = 1
  for (let rest = n; rest >= 0x80; rest = Math.floor(rest / 0x80)) bytes++
  return bytes
}

function errorText (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
