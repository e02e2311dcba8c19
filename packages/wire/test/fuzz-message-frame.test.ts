// Fuzzing of messageFrameHead (the head of a MessageData frame whose data follows in buffers of its
// own). It promises: head + data decodes like MessageData.encode's frame of the same message, or
// FrameTooLargeError when that frame's body is over maxSize.
// Cases per property: fast-check's default (100), or FUZZ_CASES under `pnpm fuzz`.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import * as varint from 'uint8-varint'
import { FrameTooLargeError, MessageData, messageFrameHead } from '../src/index.js'
import { comparable, enumOf, record, u64 } from './fuzz-arbitraries.js'
import type { MessageHeader } from '../src/index.js'

const length = fc.oneof(fc.nat({ max: 300 }), fc.constantFrom(127, 128, 16_383, 16_384, 70_000))

describe('fuzz: messageFrameHead', () => {
  test('any header and data length: head + data decodes like the encoded message, or FrameTooLargeError over maxSize', () => {
    const header = record<Partial<MessageHeader>>({
      id: fc.uint8Array({ maxLength: 40 }),
      seq: u64,
      ack: enumOf(MessageData.AckMode),
      replySubject: fc.string({ maxLength: 300 }),
      expiresAtMs: u64,
      lowSeq: u64
    }, [])
    const input = fc.record({ header, length, slack: fc.integer({ min: -3, max: 3 }) })
    fc.assert(fc.property(input, ({ header, length, slack }) => {
      const data = Uint8Array.from({ length }, (_, i) => i & 0xff)
      const message = { ...header, data }
      // the frame's body: the message as encoded, with its data field also when the data is empty
      // (MessageData.encode leaves an empty field out; its tag and zero length are 2 bytes)
      const size = MessageData.encode(message).byteLength + (length === 0 ? 2 : 0)
      const maxSize = Math.max(0, size + slack)
      let head: Uint8Array
      try {
        head = messageFrameHead(header, length, maxSize)
      } catch (err) {
        assert.ok(err instanceof FrameTooLargeError, `threw ${String(err)}`)
        assert.ok(size > maxSize, `refused a message of ${size} bytes under a limit of ${maxSize}`)
        return
      }
      assert.ok(size <= maxSize, `framed a message of ${size} bytes over a limit of ${maxSize}`)
      const frame = new Uint8Array(Buffer.concat([head, data]))
      const bodyLength = varint.decode(frame)
      const body = frame.subarray(varint.encodingLength(bodyLength))
      assert.equal(body.byteLength, bodyLength)
      assert.deepEqual(comparable(MessageData.decode(body)), comparable(MessageData.decode(MessageData.encode(message))))
    }))
  })
})
