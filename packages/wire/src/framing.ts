import { lpStream } from '@libp2p/utils'
import { FrameTooLargeError, MalformedFrameError, StreamClosedError, StreamTimeoutError } from './errors.js'
import type { AbortOptions, Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'
import type { Uint8ArrayList } from 'uint8arraylist'

/** The encode/decode pair protons generates for every message (`Hello`, `JoinRequest`, ...). */
export interface MessageCodec<T> {
  encode(message: Partial<T>): Uint8Array
  decode(data: Uint8Array | Uint8ArrayList): T
}

export interface FramesInit {
  /** protocol id, for error messages */
  protocol: string
  /** largest frame accepted, in bytes (see FRAME_LIMITS) */
  maxSize: number
  /**
   * most bytes buffered from the stream before they are read (a frame being received, and frames
   * that arrived behind it); more aborts the stream. @default max(4 MiB, 2 x maxSize)
   */
  maxBufferSize?: number
}

/**
 * Length-prefixed protobuf frames on a stream, with realmesh's typed errors: a length prefix
 * above `maxSize` is FrameTooLargeError (nothing is buffered), bytes that do not decode are
 * MalformedFrameError, an early end is StreamClosedError, an aborted signal whose reason is a
 * timeout is StreamTimeoutError.
 */
export class Frames {
  readonly stream: Stream
  private readonly lp: LengthPrefixedStream<Stream>
  private readonly protocol: string
  private readonly maxSize: number

  constructor (stream: Stream, init: FramesInit) {
    this.stream = stream
    this.protocol = init.protocol
    this.maxSize = init.maxSize
    this.lp = lpStream(stream, { maxDataLength: init.maxSize, maxBufferSize: init.maxBufferSize ?? Math.max(4 * 1024 * 1024, 2 * init.maxSize) })
  }

  async read<T> (codec: MessageCodec<T>, options?: AbortOptions): Promise<T> {
    let bytes: Uint8ArrayList
    try {
      bytes = await this.lp.read(options)
    } catch (err) {
      throw this.translate(err, options)
    }
    try {
      return codec.decode(bytes)
    } catch (err) {
      throw new MalformedFrameError(this.protocol, errorText(err), { cause: err })
    }
  }

  async write<T> (codec: MessageCodec<T>, message: Partial<T>, options?: AbortOptions): Promise<void> {
    const bytes = codec.encode(message)
    if (bytes.byteLength > this.maxSize) {
      // never send what the other side must refuse
      throw new FrameTooLargeError(this.protocol, this.maxSize)
    }
    try {
      await this.lp.write(bytes, options)
    } catch (err) {
      throw this.translate(err, options)
    }
  }

  /** Several messages in one write (one buffer down the stream): cheaper than one write each. */
  async writeMany<T> (codec: MessageCodec<T>, messages: Array<Partial<T>>, options?: AbortOptions): Promise<void> {
    const encoded = messages.map(message => codec.encode(message))
    // never send what the other side must refuse
    if (encoded.some(bytes => bytes.byteLength > this.maxSize)) throw new FrameTooLargeError(this.protocol, this.maxSize)
    try {
      await this.lp.writeV(encoded, options)
    } catch (err) {
      throw this.translate(err, options)
    }
  }

  private translate (err: unknown, options?: AbortOptions): Error {
    const name = (err as Error | undefined)?.name
    if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError') {
      return new FrameTooLargeError(this.protocol, this.maxSize, { cause: err })
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

function errorText (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
