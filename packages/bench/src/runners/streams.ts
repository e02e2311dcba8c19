/**
 * The two stream protocols the message benchmarks use, the same bytes on every side:
 *
 *   echo: the receiver writes back everything it reads (latency: one round trip per message)
 *   sink: the sender writes an 8-byte big-endian byte count, then that many bytes of messages;
 *         the receiver answers one byte once it has read them all (throughput)
 *
 * Both honour backpressure: a `send` that returns false waits for `drain`.
 */
import type { Stream } from '@libp2p/interface'

/** what a stream's iterator yields (Uint8Array or Uint8ArrayList) */
type Chunk = Stream extends AsyncIterable<infer T> ? T : never

/** echo handler: every chunk read is written back; closes when the sender closes */
export async function serveEcho (stream: Stream): Promise<void> {
  try {
    for await (const chunk of stream) {
      if (!stream.send(chunk)) await stream.onDrain()
    }
    await stream.close()
  } catch (err) {
    stream.abort(err as Error)
  }
}

/**
 * sink handler: any number of runs, each an 8-byte count, that many bytes, and a one-byte answer
 * once they are all read
 */
export async function serveSink (stream: Stream): Promise<void> {
  try {
    const sink = new SinkCounter()
    for await (const chunk of stream) {
      for (let done = sink.feed(chunk); done > 0; done--) {
        if (!stream.send(Uint8Array.of(1))) await stream.onDrain()
      }
    }
    await stream.close()
  } catch (err) {
    stream.abort(err as Error)
  }
}

/** the sink protocol's reading side: feed it what arrives; it says how many runs that completed */
export class SinkCounter {
  private readonly header = new Uint8Array(8)
  private headerRead = 0
  private remaining = 0

  feed (chunk: Uint8Array | Chunk): number {
    let completed = 0
    let offset = 0
    while (offset < chunk.byteLength) {
      if (this.headerRead < 8) {
        const take = Math.min(8 - this.headerRead, chunk.byteLength - offset)
        this.header.set(chunk.subarray(offset, offset + take), this.headerRead)
        this.headerRead += take
        offset += take
        if (this.headerRead === 8) this.remaining = Number(new DataView(this.header.buffer).getBigUint64(0))
      } else {
        const take = Math.min(this.remaining, chunk.byteLength - offset)
        this.remaining -= take
        offset += take
      }
      if (this.headerRead === 8 && this.remaining === 0) {
        completed++
        this.headerRead = 0
      }
    }
    return completed
  }
}

/** what the echo and sink measurements need of a connection: a libp2p stream (Sender) or a TCP socket */
export interface ByteSender {
  send(data: Uint8Array): Promise<void>
  /** resolves once `bytes` more bytes have been read */
  read(bytes: number): Promise<void>
  close(): Promise<void>
}

/** The sending end of a bench stream: writes with backpressure, counts the bytes read back. */
export class Sender implements ByteSender {
  readonly stream: Stream
  private readonly it: AsyncIterator<Chunk>
  private buffered = 0

  constructor (stream: Stream) {
    this.stream = stream
    this.it = stream[Symbol.asyncIterator]()
  }

  async send (data: Uint8Array): Promise<void> {
    if (!this.stream.send(data)) await this.stream.onDrain()
  }

  /** resolves once `bytes` more bytes have been read */
  async read (bytes: number): Promise<void> {
    while (this.buffered < bytes) {
      const next = await this.it.next()
      if (next.done === true) throw new Error(`stream ended ${bytes - this.buffered} bytes short`)
      this.buffered += next.value.byteLength
    }
    this.buffered -= bytes
  }

  async close (): Promise<void> {
    await this.stream.close().catch((err: Error) => { this.stream.abort(err) })
  }
}

/** round-trip times (ms) of `count` messages of `size` bytes on an echo stream, one at a time */
export async function echoRoundTrips (echo: ByteSender, size: number, count: number): Promise<number[]> {
  const message = payload(size)
  const times: number[] = []
  for (let i = 0; i < count; i++) {
    const start = performance.now()
    await echo.send(message)
    await echo.read(size)
    times.push(performance.now() - start)
  }
  return times
}

export interface Throughput {
  size: number
  messages: number
  bytes: number
  ms: number
}

/** `count` messages of `size` bytes down a sink stream, timed until the receiver has them all */
export async function sinkThroughput (sink: ByteSender, size: number, count: number): Promise<Throughput> {
  const message = payload(size)
  const header = new Uint8Array(8)
  new DataView(header.buffer).setBigUint64(0, BigInt(size * count))
  const start = performance.now()
  await sink.send(header)
  for (let i = 0; i < count; i++) await sink.send(message)
  await sink.read(1)
  return { size, messages: count, bytes: size * count, ms: performance.now() - start }
}

/** a message of `size` bytes (not all zeros, so no layer can cheat on it) */
export function payload (size: number): Uint8Array {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff
  return bytes
}
