// Fuzzing of Frames (length-prefixed frames on a real libp2p stream: in-memory transport, Noise,
// yamux). What Frames.read promises: a message, or FrameTooLargeError (a length prefix above the
// limit, refused on the prefix alone; or more unread bytes than maxBufferSize), MalformedFrameError
// (bytes the codec cannot decode), StreamClosedError (the stream ended first); never any other
// error. The reads are checked against a model that reads the same bytes by the rules below.
// Cases per property: fast-check's default (100), or FUZZ_CASES under `pnpm fuzz`.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { Broadcast, Frames, FrameTooLargeError, MalformedFrameError, StreamClosedError } from '../src/index.js'
import { anyBytesFor, codecCases, comparable, varint } from './fuzz-arbitraries.js'
import { connected } from './pair.js'
import type { CodecCase } from './fuzz-arbitraries.js'
import type { Connected } from './pair.js'
import type { MessageCodec } from '../src/index.js'
import type { Stream } from '@libp2p/interface'

const protocol = '/test/frames/1'

type Outcome = { message: unknown } | 'too-large' | 'malformed' | 'closed'

/**
 * What reading frames from `bytes` (then the end of the stream) gives, read after read: the
 * length prefix is read byte by byte and refused as too large once it has as many bytes as the
 * limit's own varint and goes on, or when its value is above the limit; a frame cut short by the
 * end is `closed`; the first error ends the reading.
 */
function model<T> (bytes: Uint8Array, maxSize: number, codec: MessageCodec<T>): Outcome[] {
  const prefixBytes = varint(maxSize).length
  const outcomes: Outcome[] = []
  let pos = 0
  for (;;) {
    let length = 0
    let count = 0
    for (;;) {
      const byte = bytes[pos++]
      if (byte === undefined) return [...outcomes, 'closed']
      length += (byte & 0x7f) * 2 ** (7 * count++)
      if ((byte & 0x80) === 0) break
      if (count >= prefixBytes) return [...outcomes, 'too-large']
    }
    if (length > maxSize) return [...outcomes, 'too-large']
    if (pos + length > bytes.byteLength) return [...outcomes, 'closed']
    const body = bytes.subarray(pos, pos + length)
    pos += length
    try {
      outcomes.push({ message: comparable(codec.decode(body)) })
    } catch {
      return [...outcomes, 'malformed']
    }
  }
}

function outcomeOf (err: unknown): Outcome {
  if (err instanceof FrameTooLargeError) return 'too-large'
  if (err instanceof MalformedFrameError) return 'malformed'
  if (err instanceof StreamClosedError) return 'closed'
  throw err
}

/** sends `bytes` in chunks cut at `cuts` (offsets, any order), then closes the stream for writing */
async function sendInChunks (stream: Stream, bytes: Uint8Array, cuts: number[]): Promise<void> {
  const at = [...new Set(cuts.map(c => c % (bytes.byteLength + 1)))].sort((a, b) => a - b)
  let from = 0
  for (const to of [...at, bytes.byteLength]) {
    if (to > from) stream.send(bytes.subarray(from, to))
    from = to
  }
  await stream.close()
}

/** reads until the first error (there always is one: the stream ends) */
async function readAll<T> (frames: Frames, codec: MessageCodec<T>): Promise<Outcome[]> {
  const outcomes: Outcome[] = []
  for (;;) {
    try {
      outcomes.push({ message: comparable(await frames.read(codec, { signal: AbortSignal.timeout(10_000) })) })
    } catch (err) {
      return [...outcomes, outcomeOf(err)]
    }
  }
}

/** limits on both sides of each varint length step, and anything */
const limit = fc.oneof(
  fc.constantFrom(1, 127, 128, 16_383, 16_384).chain(m => fc.integer({ min: Math.max(1, m - 2), max: m + 2 })),
  fc.integer({ min: 1, max: 300 })
)

/** frames of valid messages, then maybe garbage; or anything */
const streamBytes = <T>(c: CodecCase<T>): fc.Arbitrary<Uint8Array> => fc.oneof(
  fc.array(c.message, { maxLength: 4 }).map(messages => Uint8Array.from(messages.flatMap(m => {
    const body = c.codec.encode(m)
    return [...varint(body.byteLength), ...body]
  }))),
  fc.array(anyBytesFor(c), { maxLength: 3 }).map(bodies => Uint8Array.from(bodies.flatMap(b => [...varint(b.byteLength), ...b]))),
  fc.uint8Array({ maxLength: 300 })
)

describe('fuzz: Frames on a real stream', () => {
  let nodes: Connected
  before(async () => { nodes = await connected(protocol) })
  after(async () => { await nodes.stop() })

  /** runs fn on a new stream, and resets the stream after it (the handler takes 32 open streams at most) */
  async function onNewStream<T> (fn: (dialer: Stream, listener: Stream) => Promise<T>): Promise<T> {
    const { dialer, listener } = await nodes.open()
    try {
      return await fn(dialer, listener)
    } finally {
      dialer.abort(new Error('case done'))
      listener.abort(new Error('case done'))
    }
  }

  test('any bytes, cut into any chunks, read as the model says: messages, then one typed error', async () => {
    const input = fc.constantFrom(...codecCases).chain(c => fc.record({
      c: fc.constant(c),
      bytes: streamBytes(c),
      cuts: fc.array(fc.nat(), { maxLength: 6 }),
      maxSize: limit
    }))
    await fc.assert(fc.asyncProperty(input, async ({ c, bytes, cuts, maxSize }) => {
      const outcomes = await onNewStream(async (dialer, listener) => {
        const sending = sendInChunks(dialer, bytes, cuts)
        const read = await readAll(new Frames(listener, { protocol, maxSize }), c.codec)
        await sending
        return read
      })
      assert.deepEqual(outcomes, model(bytes, maxSize, c.codec))
    }))
  })

  test('a read buffer smaller than what arrives: messages the model reads, then one typed error', async () => {
    const input = fc.constantFrom(...codecCases).chain(c => fc.record({
      c: fc.constant(c),
      bytes: streamBytes(c),
      cuts: fc.array(fc.nat(), { maxLength: 6 }),
      maxSize: limit,
      maxBufferSize: fc.integer({ min: 1, max: 600 })
    }))
    await fc.assert(fc.asyncProperty(input, async ({ c, bytes, cuts, maxSize, maxBufferSize }) => {
      const outcomes = await onNewStream(async (dialer, listener) => {
        const sending = sendInChunks(dialer, bytes, cuts).catch(() => {})
        const read = await readAll(new Frames(listener, { protocol, maxSize, maxBufferSize }), c.codec)
        await sending
        return read
      })
      // how much sits unread when depends on timing: the reads are a prefix of the model's
      const expected = model(bytes, maxSize, c.codec)
      const messages = outcomes.slice(0, -1)
      assert.deepEqual(messages, expected.slice(0, messages.length))
    }))
  })

  test('frames written by Frames, cut into any chunks, read back as the same messages', async () => {
    const input = fc.constantFrom(...codecCases).chain(c => fc.record({
      c: fc.constant(c),
      messages: fc.array(c.message, { minLength: 1, maxLength: 5 }),
      cuts: fc.array(fc.nat(), { maxLength: 8 })
    }))
    await fc.assert(fc.asyncProperty(input, async ({ c, messages, cuts }) => {
      const outcomes = await onNewStream(async (dialer, listener) => {
        const encoded = new Frames(dialer, { protocol, maxSize: 1024 * 1024 }).encode(c.codec, messages)
        const sending = sendInChunks(dialer, encoded, cuts)
        const read = await readAll(new Frames(listener, { protocol, maxSize: 1024 * 1024 }), c.codec)
        await sending
        return read
      })
      assert.deepEqual(outcomes, [...messages.map(message => ({ message: comparable(message) })), 'closed'])
    }))
  })

  test('a frame of the limit passes and one byte more does not, at every varint step: the writer refuses it, the reader refuses its prefix alone', async () => {
    // around 2^7, 2^14 and 2^21 (a 2 MiB frame: rarer), and anywhere up to 64 KiB
    const nearStep = (step: number): fc.Arbitrary<number> => fc.integer({ min: step - 2, max: step + 1 })
    const input = fc.record({
      maxSize: fc.oneof(
        { arbitrary: fc.oneof(nearStep(2 ** 7), nearStep(2 ** 14)), weight: 6 },
        { arbitrary: nearStep(2 ** 21), weight: 1 },
        { arbitrary: fc.integer({ min: 1, max: 65_536 }), weight: 3 }
      ),
      delta: fc.integer({ min: -2, max: 2 })
    })
    await fc.assert(fc.asyncProperty(input, async ({ maxSize, delta }) => {
      // Broadcast{data}: tag, varint length, data; the size that lands nearest maxSize + delta
      let dataBytes = Math.max(0, maxSize + delta - 1 - varint(maxSize + delta).length)
      if (1 + varint(dataBytes).length + dataBytes > maxSize + delta) dataBytes = Math.max(0, dataBytes - 1)
      const message = { nodeToken: '', data: new Uint8Array(dataBytes) }
      const size = Broadcast.encode(message).byteLength
      await onNewStream(async (dialer, listener) => {
        const writer = new Frames(dialer, { protocol, maxSize })
        const reader = new Frames(listener, { protocol, maxSize })
        if (size > maxSize) {
          assert.throws(() => writer.encode(Broadcast, [message]), FrameTooLargeError)
          // the prefix alone, the stream left open: refused without waiting for the frame
          dialer.send(Uint8Array.from(varint(size)))
          await assert.rejects(reader.read(Broadcast, { signal: AbortSignal.timeout(10_000) }), FrameTooLargeError)
        } else {
          await writer.write(Broadcast, message)
          assert.equal((await reader.read(Broadcast, { signal: AbortSignal.timeout(10_000) })).data.byteLength, dataBytes)
        }
      })
    }))
  })
})
