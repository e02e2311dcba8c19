import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as varint from 'uint8-varint'
import { FrameTooLargeError, MessageData, frameAroundData, messageHeaderRoom } from '../src/index.js'

const header = { id: new Uint8Array(16).fill(1), seq: 2n ** 63n, ack: MessageData.AckMode.APP, replySubject: 'réponse', expiresAtMs: 2n ** 62n, lowSeq: 2n ** 63n - 1n }

test('a frame built around data in place decodes like an encoded one, and holds the largest header in its room', () => {
  for (const size of [0, 1, 16_384, 70_000]) {
    const data = Uint8Array.from({ length: size }, (_, i) => (i * 7) & 0xff)
    const room = messageHeaderRoom(Buffer.byteLength(header.replySubject))
    const buffer = new Uint8Array(room + size + 10).fill(0xee)
    buffer.set(data, room)
    const frame = frameAroundData(buffer, room, size, header, 4 * 1024 * 1024)
    assert.ok(frame != null, `${size}: the header fits`)
    assert.equal(frame.buffer, buffer.buffer, 'a view of the buffer: no copy')
    const length = varint.decode(frame)
    const body = frame.subarray(varint.encodingLength(length))
    assert.equal(body.byteLength, length)
    assert.deepEqual(MessageData.decode(body), { ...header, data })
    assert.deepEqual(MessageData.decode(body), MessageData.decode(MessageData.encode({ ...header, data })))
  }
})

test('a frame built in place: too little room is undefined and writes nothing; too large is FrameTooLargeError', () => {
  const buffer = new Uint8Array(100).fill(9)
  assert.equal(frameAroundData(buffer, 10, 50, header, 1000), undefined)
  assert.ok(buffer.every(b => b === 9), 'nothing written')
  const room = messageHeaderRoom(Buffer.byteLength(header.replySubject))
  assert.throws(() => frameAroundData(new Uint8Array(room + 500), room, 500, header, 500), FrameTooLargeError)
})
