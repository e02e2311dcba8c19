import { test } from 'node:test'
import assert from 'node:assert/strict'
import { checkSubjectRequest, checkMessageOpen, checkMessageData, checkMessageReply, checkDirectRequest, checkSubjectName, MalformedFrameError, SubjectRequest, MessageData, MessageAck, MAX_ACKS_PER_REPLY, FRAME_LIMITS, MAX_MESSAGE_BYTES } from '../src/index.js'
import type { MessageOpen, MessageReply, PeerRecord } from '../src/index.js'

const record: PeerRecord = { nodeToken: 'a.b.c', addrs: [new Uint8Array(8)], seq: 1n, signature: new Uint8Array(64) }
const subject = (over: Partial<SubjectRequest> = {}): SubjectRequest => ({ type: SubjectRequest.Type.REGISTER, interestToken: 'i.n.t', identityToken: 'a.b.c', record, key: new Uint8Array(32), ...over })
const open = (over: Partial<MessageOpen> = {}): MessageOpen => ({ key: new Uint8Array(32), interestToken: 'i.n.t', identityToken: 'a.b.c', session: new Uint8Array(16), ephemeral: new Uint8Array(32), ...over })
const data = (over: Partial<MessageData> = {}): MessageData => ({ id: new Uint8Array(16), seq: 3n, data: new Uint8Array(1), ack: MessageData.AckMode.NONE, replySubject: '', expiresAtMs: 1n, lowSeq: 1n, attrs: new Map(), ...over })
const reply = (over: Partial<MessageReply> = {}): MessageReply => ({ maxData: 0, acks: [], ...over })
const malformed = (fn: () => void): void => { assert.throws(fn, (err: Error) => err instanceof MalformedFrameError && err.code === 'FRAME_MALFORMED') }

test('subject requests: REGISTER and MATCH need both tokens, a record and a 32-byte key; WITHDRAW only the interest and key', () => {
  checkSubjectRequest(subject())
  checkSubjectRequest(subject({ type: SubjectRequest.Type.MATCH }))
  checkSubjectRequest(subject({ type: SubjectRequest.Type.WITHDRAW, identityToken: '', record: undefined }))
  malformed(() => { checkSubjectRequest(subject({ interestToken: '' })) })
  malformed(() => { checkSubjectRequest(subject({ identityToken: '' })) })
  malformed(() => { checkSubjectRequest(subject({ record: undefined })) })
  malformed(() => { checkSubjectRequest(subject({ key: new Uint8Array(31) })) })
  malformed(() => { checkSubjectRequest(subject({ record: { ...record, seq: 0n } })) })
  malformed(() => { checkSubjectRequest(subject({ type: SubjectRequest.Type.WITHDRAW, key: new Uint8Array(0) })) })
})

test('message open: key, both tokens, a 16-byte session, a 32-byte ephemeral key', () => {
  checkMessageOpen(open())
  malformed(() => { checkMessageOpen(open({ key: new Uint8Array(33) })) })
  malformed(() => { checkMessageOpen(open({ identityToken: '' })) })
  malformed(() => { checkMessageOpen(open({ session: new Uint8Array(8) })) })
  malformed(() => { checkMessageOpen(open({ ephemeral: new Uint8Array(0) })) })
})

test('message data: 16-byte id, seq >= 1, 1 <= low_seq <= seq, an expiry, a short reply subject', () => {
  checkMessageData(data())
  checkMessageData(data({ replySubject: 'é'.repeat(128) }))
  malformed(() => { checkMessageData(data({ id: new Uint8Array(15) })) })
  malformed(() => { checkMessageData(data({ seq: 0n, lowSeq: 0n })) })
  malformed(() => { checkMessageData(data({ lowSeq: 4n })) })
  malformed(() => { checkMessageData(data({ lowSeq: 0n })) })
  malformed(() => { checkMessageData(data({ expiresAtMs: 0n })) })
  malformed(() => { checkMessageData(data({ replySubject: 'é'.repeat(129) })) })
})

test('message replies: at most MAX_ACKS_PER_REPLY acks, each with a seq and a short code', () => {
  const ack = { seq: 1n, id: new Uint8Array(16), status: MessageAck.Status.DELIVERED, code: '' }
  checkMessageReply(reply({ acks: [ack] }))
  malformed(() => { checkMessageReply(reply({ acks: Array.from({ length: MAX_ACKS_PER_REPLY + 1 }, () => ack) })) })
  malformed(() => { checkMessageReply(reply({ acks: [{ ...ack, seq: 0n }] })) })
  malformed(() => { checkMessageReply(reply({ acks: [{ ...ack, code: 'X'.repeat(65) }] })) })
})

test('direct requests need a 16-byte id; subject names are 1..256 UTF-8 bytes', () => {
  checkDirectRequest({ id: new Uint8Array(16), data: new Uint8Array(0) })
  malformed(() => { checkDirectRequest({ id: new Uint8Array(0), data: new Uint8Array(0) }) })
  assert.equal(checkSubjectName('greetings'), 'greetings')
  malformed(() => { checkSubjectName('') })
  malformed(() => { checkSubjectName('x'.repeat(257)) })
})

test('the message frame limit leaves room for the largest allowed data', () => {
  assert.ok(FRAME_LIMITS.message > MAX_MESSAGE_BYTES)
  assert.equal(FRAME_LIMITS.subject, 64 * 1024)
})
