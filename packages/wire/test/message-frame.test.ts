import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as varint from 'uint8-varint'
import { FrameTooLargeError, MessageData, messageFrameHead } from '../src/index.js'

const header = { id: new Uint8Array(16).fill(1), seq: 2n ** 63n, ack: MessageData.AckMode.APP, replySubject: 'réponse', expiresAtMs: 2n ** 62n, lowSeq: 2n ** 63n - 1n, attrs: new Map([['stage', 'prod']]) }

test('a frame head followed by the data decodes like an encoded frame', () => {
  for (const size of [0, 1, 16_384, 70_000]) {
    const data = Uint8Array.from({ length: size }, (_, i) => (i * 7) & 0xff)
    const head = messageFrameHead(header, size, 4 * 1024 * 1024)
    const frame = new Uint8Array(Buffer.concat([head, data]))
    const length = varint.decode(frame)
    const body = frame.subarray(varint.encodingLength(length))
    assert.equal(body.byteLength, length)
    assert.deepEqual(MessageData.decode(body), { ...header, data })
    assert.deepEqual(MessageData.decode(body), MessageData.decode(MessageData.encode({ ...header, data })))
  }
})

test('a frame head for a frame above maxSize is FrameTooLargeError', () => {
  const exact = messageFrameHead(header, 500, 10_000)
  const body = exact.byteLength - varint.encodingLength(varint.decode(exact)) + 500
  assert.ok(messageFrameHead(header, 500, body) instanceof Uint8Array, 'a frame of exactly maxSize')
  assert.throws(() => messageFrameHead(header, 500, body - 1), FrameTooLargeError)
})
