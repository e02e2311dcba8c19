// Fuzzing of frameAroundData (a MessageData frame written in place before data already in a
// buffer). It promises: a frame (a view of the buffer ending where the data ends, that decodes like
// MessageData.encode's), or undefined when the header does not fit in the room (nothing written),
// or FrameTooLargeError above maxSize (nothing written); with messageHeaderRoom's room a header
// always fits.
// Cases per property: fast-check's default (100), or FUZZ_CASES under `pnpm fuzz`.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import * as varint from 'uint8-varint'
import { FrameTooLargeError, MessageData, frameAroundData, messageHeaderRoom } from '../src/index.js'
import { comparable, enumOf, record, u64 } from './fuzz-arbitraries.js'
import type { MessageHeader } from '../src/index.js'

const FILL = 0xee

interface Case {
  header: Partial<MessageHeader>
  /** bytes before the data (the room), the data's length, bytes after it */
  room: number
  length: number
  tail: number
  /** maxSize as a distance from the size of the encoded message */
  slack: number
}

/** runs frameAroundData on a buffer of FILL with the data in place; checks what it must hold, returns the outcome */
function run (c: Case): 'frame' | 'no room' | 'too large' {
  const data = Uint8Array.from({ length: c.length }, (_, i) => i & 0xff)
  const buffer = new Uint8Array(c.room + c.length + c.tail).fill(FILL)
  buffer.set(data, c.room)
  const message = { ...c.header, data }
  // the frame's body: the message as encoded, with its data field also when the data is empty
  // (MessageData.encode leaves an empty field out; its tag and zero length are 2 bytes)
  const size = MessageData.encode(message).byteLength + (c.length === 0 ? 2 : 0)
  const maxSize = Math.max(0, size + c.slack)
  const untouched = (from: number, to: number): boolean => buffer.subarray(from, to).every(b => b === FILL)
  let frame: Uint8Array | undefined
  try {
    frame = frameAroundData(buffer, c.room, c.length, c.header, maxSize)
  } catch (err) {
    assert.ok(err instanceof FrameTooLargeError, `threw ${String(err)}`)
    assert.ok(size > maxSize, `refused a message of ${size} bytes under a limit of ${maxSize}`)
    assert.ok(untouched(0, c.room), 'wrote before refusing')
    return 'too large'
  }
  assert.ok(size <= maxSize || frame === undefined, `framed a message of ${size} bytes over a limit of ${maxSize}`)
  if (frame === undefined) {
    assert.ok(untouched(0, c.room), 'wrote without a frame')
    return 'no room'
  }
  assert.equal(frame.buffer, buffer.buffer, 'a view of the buffer')
  assert.equal(frame.byteOffset + frame.byteLength, c.room + c.length, 'ends where the data ends')
  const start = frame.byteOffset
  assert.ok(untouched(0, start) && untouched(c.room + c.length, buffer.byteLength), 'wrote outside the frame')
  const bodyLength = varint.decode(frame)
  const body = frame.subarray(varint.encodingLength(bodyLength))
  assert.equal(body.byteLength, bodyLength)
  assert.deepEqual(comparable(MessageData.decode(body)), comparable(MessageData.decode(MessageData.encode(message))))
  return 'frame'
}

const length = fc.oneof(fc.nat({ max: 300 }), fc.constantFrom(127, 128, 16_383, 16_384, 70_000))

describe('fuzz: frameAroundData', () => {
  test('a header of the documented shapes always fits messageHeaderRoom: a frame, or FrameTooLargeError when the message is over maxSize', () => {
    const header = record<MessageHeader>({
      id: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      seq: u64,
      ack: enumOf(MessageData.AckMode),
      replySubject: fc.string({ unit: 'binary', maxLength: 80 }),
      expiresAtMs: u64,
      lowSeq: u64
    })
    const input = fc.record({ header, extra: fc.nat({ max: 8 }), length, tail: fc.nat({ max: 8 }), slack: fc.integer({ min: -3, max: 3 }) })
    fc.assert(fc.property(input, ({ header, extra, length, tail, slack }) => {
      const room = messageHeaderRoom(Buffer.byteLength(header.replySubject)) + extra
      assert.equal(run({ header, room, length, tail, slack }), slack < 0 ? 'too large' : 'frame')
    }))
  })

  test('any header, any room: a frame, undefined (nothing written) or FrameTooLargeError (nothing written)', () => {
    const header = record<Partial<MessageHeader>>({
      id: fc.uint8Array({ maxLength: 40 }),
      seq: u64,
      ack: enumOf(MessageData.AckMode),
      replySubject: fc.string({ maxLength: 300 }),
      expiresAtMs: u64,
      lowSeq: u64
    }, [])
    const input = fc.record({ header, room: fc.nat({ max: 400 }), length, tail: fc.nat({ max: 8 }), slack: fc.integer({ min: -3, max: 3 }) })
    fc.assert(fc.property(input, (c) => { run(c) }))
  })
})
