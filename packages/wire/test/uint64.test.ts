// Regression tests for a protons-runtime encoder bug found by fuzzing (patched in
// patches/protons-runtime@7.1.2.patch): a uint64 in [2^31, 2^32) was written as one byte of a
// five-byte varint, the other four bytes whatever the buffer pool held before (memory of other
// messages, sent to the peer). Every uint64 field of the wire (seq, low_seq, timestamp,
// expires_at_ms) must encode as its varint, and a decoded message re-encode to its own bytes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Hello, MessageAck, MessageData, PeerRecord } from '../src/index.js'
import { varint } from './fuzz-arbitraries.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

test('the counterexamples fuzzing found re-encode to their own bytes', () => {
  // MessageAck{seq: 2^31}
  const ack = Uint8Array.from([8, 128, 128, 128, 128, 8])
  assert.equal(hex(MessageAck.encode(MessageAck.decode(ack))), hex(ack))
  // MessageData with seq 2^31 among other fields (as fast-check shrank it)
  const data = Uint8Array.from([11, 7, 0, 0, 0, 0, 0, 0, 0, 16, 128, 128, 128, 128, 8, 129, 167, 153, 156, 138, 1, 42, 11, 240, 144, 128, 128, 240, 144, 128, 128, 225, 185, 184, 48, 1, 56, 128, 128, 128, 128, 128, 128, 128, 128, 128, 1])
  const decoded = MessageData.decode(data)
  assert.equal(decoded.seq, 2n ** 31n)
  assert.deepEqual(MessageData.decode(MessageData.encode(decoded)), decoded)
})

test('every uint64 field encodes values at and around 2^31 and 2^32 as their varint', () => {
  for (const value of [2n ** 31n - 1n, 2n ** 31n, 2n ** 31n + 1n, 3_000_000_000n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n]) {
    const field = (tag: number): string => hex(Uint8Array.from([tag, ...varint(value)]))
    // fill the buffer pool with a marker first: none of it may show up in the encoding
    Buffer.allocUnsafe(64).fill(0x5a)
    assert.equal(hex(MessageAck.encode({ seq: value })), field(8), `MessageAck.seq ${value}`)
    assert.equal(hex(PeerRecord.encode({ seq: value })), field(24), `PeerRecord.seq ${value}`)
    assert.equal(hex(Hello.encode({ timestamp: value })), field(24), `Hello.timestamp ${value}`)
    assert.equal(hex(MessageData.encode({ seq: value, expiresAtMs: value, lowSeq: value })), field(16) + field(48) + field(56), `MessageData ${value}`)
    assert.deepEqual(MessageData.decode(MessageData.encode({ seq: value, expiresAtMs: value, lowSeq: value })), { id: new Uint8Array(0), seq: value, data: new Uint8Array(0), ack: MessageData.AckMode.NONE, replySubject: '', expiresAtMs: value, lowSeq: value, attrs: new Map() })
  }
})
