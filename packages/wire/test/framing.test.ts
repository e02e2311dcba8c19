import { describe, test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import * as varint from 'uint8-varint'
import { Frames, Hello, JoinRequest, FrameTooLargeError, MalformedFrameError, StreamClosedError, StreamTimeoutError, WireErrorCode } from '../src/index.js'
import { streamPair } from './pair.js'
import type { StreamPair } from './pair.js'

const protocol = '/test/frames/1'

describe('Frames over a real libp2p stream', () => {
  let pair: StreamPair
  before(async () => { pair = await streamPair(protocol) })
  after(async () => { await pair.stop() })

  test('a message round-trips', async () => {
    const out = new Frames(pair.dialer, { protocol, maxSize: 1024 })
    const inn = new Frames(pair.listener, { protocol, maxSize: 1024 })
    const hello = { version: 1, nodeToken: 'x.y.z', timestamp: 42n, nonce: new Uint8Array(16).fill(7), signature: new Uint8Array(64).fill(9), forPeer: new Uint8Array(38).fill(1), revocationSeq: 5n, epoch: 2n }
    await out.write(Hello, hello)
    assert.deepEqual(await inn.read(Hello), hello)
  })

  test('writeMany sends several frames in one write; the reader gets each, in order', async () => {
    const out = new Frames(pair.dialer, { protocol, maxSize: 1024 })
    const inn = new Frames(pair.listener, { protocol, maxSize: 1024 })
    const tokens = ['a', 'bb', 'ccc']
    await out.writeMany(JoinRequest, tokens.map(identityToken => ({ identityToken })))
    for (const identityToken of tokens) assert.equal((await inn.read(JoinRequest)).identityToken, identityToken)
  })

  test('a frame whose length prefix is above the limit is refused before it is buffered', async () => {
    const inn = new Frames(pair.listener, { protocol, maxSize: 64 })
    // announce 1 MiB but send only the prefix: the reader must refuse on the prefix alone
    pair.dialer.send(varint.encode(1024 * 1024))
    await assert.rejects(inn.read(Hello), (err: Error) => {
      assert.ok(err instanceof FrameTooLargeError)
      assert.equal((err).code, WireErrorCode.FRAME_TOO_LARGE)
      return true
    })
  })
})

describe('Frames: length prefixes', () => {
  test('a three-byte length prefix arriving one byte at a time is read whole', async () => {
    const pair = await streamPair(protocol)
    try {
      const inn = new Frames(pair.listener, { protocol, maxSize: 1024 * 1024 })
      const identityToken = 'x'.repeat(70_000)
      const frame = JoinRequest.encode({ identityToken })
      const prefix = varint.encode(frame.byteLength)
      assert.equal(prefix.byteLength, 3)
      const read = inn.read(JoinRequest)
      for (const byte of prefix) pair.dialer.send(Uint8Array.of(byte))
      pair.dialer.send(frame)
      assert.equal((await read).identityToken, identityToken)
    } finally {
      await pair.stop()
    }
  })

  test('a length prefix that never ends (continuation bits only) is FRAME_TOO_LARGE once it is longer than the limit needs', async () => {
    const pair = await streamPair(protocol)
    try {
      const inn = new Frames(pair.listener, { protocol, maxSize: 1024 })
      pair.dialer.send(new Uint8Array(64).fill(0xff))
      await assert.rejects(inn.read(Hello), (err: Error) => err instanceof FrameTooLargeError && (err).code === WireErrorCode.FRAME_TOO_LARGE)
    } finally {
      await pair.stop()
    }
  })
})

describe('Frames: malformed and early-closed input', () => {
  test('bytes that are not the message are FRAME_MALFORMED', async () => {
    const pair = await streamPair(protocol)
    try {
      const inn = new Frames(pair.listener, { protocol, maxSize: 1024 })
      // field 1 as a length-delimited field with a length past the end of the frame
      const garbage = Uint8Array.from([0x0a, 0x7f, 0x01])
      pair.dialer.send(Uint8Array.from([...varint.encode(garbage.length), ...garbage]))
      await assert.rejects(inn.read(JoinRequest), (err: Error) => err instanceof MalformedFrameError && (err).code === WireErrorCode.FRAME_MALFORMED)
    } finally {
      await pair.stop()
    }
  })

  test('a stream closed before a whole frame arrived is STREAM_CLOSED', async () => {
    const pair = await streamPair(protocol)
    try {
      const inn = new Frames(pair.listener, { protocol, maxSize: 1024 })
      pair.dialer.send(Uint8Array.from([...varint.encode(100), 1, 2, 3]))
      await pair.dialer.close()
      await assert.rejects(inn.read(Hello), (err: Error) => err instanceof StreamClosedError)
    } finally {
      await pair.stop()
    }
  })

  test('more unread bytes than maxBufferSize is FRAME_TOO_LARGE, also for the reads after it (found by fuzzing: a StreamBufferError escaped)', async () => {
    const pair = await streamPair(protocol)
    try {
      const inn = new Frames(pair.listener, { protocol, maxSize: 64, maxBufferSize: 16 })
      // four whole frames of 9 bytes in one chunk: 40 bytes arrive before any is read
      const body = JoinRequest.encode({ identityToken: 'abcdefg' })
      const frame = [...varint.encode(body.byteLength), ...body]
      pair.dialer.send(Uint8Array.from([...frame, ...frame, ...frame, ...frame]))
      for (let i = 0; i < 2; i++) {
        await assert.rejects(inn.read(JoinRequest), (err: Error) => err instanceof FrameTooLargeError && err.code === WireErrorCode.FRAME_TOO_LARGE && err.limit === 16)
      }
    } finally {
      await pair.stop()
    }
  })

  test('a read that outlives its deadline is STREAM_TIMEOUT', async () => {
    const pair = await streamPair(protocol)
    try {
      const inn = new Frames(pair.listener, { protocol, maxSize: 1024 })
      await assert.rejects(inn.read(Hello, { signal: AbortSignal.timeout(50) }), (err: Error) => err instanceof StreamTimeoutError)
    } finally {
      await pair.stop()
    }
  })

  test('a frame of exactly the limit goes; one byte more does not (limits on both sides of a varint length step)', async () => {
    for (const maxSize of [127, 128, 16_383, 16_384]) {
      const pair = await streamPair(protocol)
      try {
        const out = new Frames(pair.dialer, { protocol, maxSize })
        const inn = new Frames(pair.listener, { protocol, maxSize })
        // a JoinRequest of one string field: tag, varint length, the string
        const fits = (size: number): string => {
          for (let s = size - 1; s >= 0; s--) if (1 + varint.encodingLength(s) + s === size) return 'x'.repeat(s)
          throw new Error(`no JoinRequest encodes to ${size} bytes`)
        }
        const atLimit = fits(maxSize)
        assert.equal(JoinRequest.encode({ identityToken: atLimit }).byteLength, maxSize)
        await out.write(JoinRequest, { identityToken: atLimit })
        assert.equal((await inn.read(JoinRequest)).identityToken, atLimit)
        await assert.rejects(out.write(JoinRequest, { identityToken: atLimit + 'x' }), FrameTooLargeError, `maxSize ${maxSize}`)
      } finally {
        await pair.stop()
      }
    }
  })

  test('a codec without protons\' codec() (raw bytes) is framed the same way', async () => {
    const pair = await streamPair(protocol)
    try {
      const raw = { encode: (bytes: Partial<Uint8Array>) => bytes as Uint8Array, decode: (data: Uint8Array | { subarray: () => Uint8Array }) => data instanceof Uint8Array ? data : data.subarray() }
      const out = new Frames(pair.dialer, { protocol, maxSize: 300 })
      const inn = new Frames(pair.listener, { protocol, maxSize: 300 })
      await out.writeMany(raw, [Uint8Array.of(1, 2, 3), new Uint8Array(200).fill(5)])
      assert.deepEqual([...await inn.read(raw)], [1, 2, 3])
      assert.equal((await inn.read(raw)).byteLength, 200)
      await assert.rejects(out.write(raw, new Uint8Array(301)), FrameTooLargeError)
    } finally {
      await pair.stop()
    }
  })

  test('the writer refuses to send a frame the reader would refuse', async () => {
    const pair = await streamPair(protocol)
    try {
      const out = new Frames(pair.dialer, { protocol, maxSize: 32 })
      await assert.rejects(out.write(JoinRequest, { identityToken: 'x'.repeat(100) }), FrameTooLargeError)
      // nothing of a batch goes when one of its frames is too large
      await assert.rejects(out.writeMany(JoinRequest, [{ identityToken: 'ok' }, { identityToken: 'x'.repeat(100) }]), FrameTooLargeError)
      const inn = new Frames(pair.listener, { protocol, maxSize: 32 })
      await out.write(JoinRequest, { identityToken: 'next' })
      assert.equal((await inn.read(JoinRequest)).identityToken, 'next')
    } finally {
      await pair.stop()
    }
  })
})

describe('Frames: flow control, what a reader has read, and a change of reader', () => {
  test('every write of frames larger than the stream\'s window resolves only once the stream took them all (not just until its first drain)', async () => {
    const pair = await streamPair(protocol)
    try {
      const out = new Frames(pair.dialer, { protocol, maxSize: 2 * 1024 * 1024 })
      const raw = { encode: (bytes: Partial<Uint8Array>) => bytes as Uint8Array, decode: (data: Uint8Array | { subarray: () => Uint8Array }) => data instanceof Uint8Array ? data : data.subarray() }
      const frame = out.encode(raw, [new Uint8Array(1024 * 1024)])
      // the far end reads (and drops) what comes: a stream holds at most 4 MiB unread before
      // libp2p resets it, and 8 MiB go out here
      pair.listener.addEventListener('message', () => {})
      // yamux's first window is 256 KiB: each 1 MiB frame waits for window updates
      for (let i = 0; i < 8; i++) {
        await out.writeEncoded([frame])
        assert.equal(pair.dialer.writeBufferLength, 0, `write ${i + 1} resolved with bytes still queued in the stream`)
      }
    } finally {
      await pair.stop()
    }
  })

  test('bytesRead counts frames with their length prefixes; unwrap hands what was not read to the next reader', async () => {
    const pair = await streamPair(protocol)
    try {
      const out = new Frames(pair.dialer, { protocol, maxSize: 1024 * 1024 })
      const first = new Frames(pair.listener, { protocol, maxSize: 64 })
      // the second frame is above the first reader's limit: only a reader with a larger one takes it
      await out.writeMany(JoinRequest, [{ identityToken: 'small' }, { identityToken: 'x'.repeat(1000) }, { identityToken: 'last' }])
      assert.equal((await first.read(JoinRequest)).identityToken, 'small')
      assert.equal(first.bytesRead, 1 + JoinRequest.encode({ identityToken: 'small' }).byteLength)
      first.unwrap()
      const second = new Frames(pair.listener, { protocol, maxSize: 1024 * 1024 })
      assert.equal((await second.read(JoinRequest)).identityToken.length, 1000)
      assert.equal((await second.read(JoinRequest)).identityToken, 'last')
      assert.equal(second.bytesRead, 2 + 1003 + 1 + 6)
    } finally {
      await pair.stop()
    }
  })
})
