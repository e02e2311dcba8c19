/**
 * A publication waiting in the outbox, as one store value: a fixed binary head (format version,
 * ack mode, max retries, expiry, the 16-byte id), a small JSON part for the strings (subject,
 * reply subject, audience, the publication's largest message), then the data as it is. The data
 * is not copied through JSON or base64: a 1 KiB message costs its own bytes and about 100 more.
 */
import type { Audience } from '@realmesh/token'

export interface StoredMessage {
  /** the message id: the receivers' duplicate key, kept across restarts */
  id: Uint8Array<ArrayBuffer>
  subject: string
  data: Uint8Array<ArrayBuffer>
  ack: 'destination' | 'app'
  replySubject: string
  /** ms since the epoch */
  expiresAt: number
  maxRetries: number
  /** the audience of the node's interest in the subject when it was published */
  audience?: Audience
  /** the largest message the publication takes (a restart registers the subject with it) */
  maxMessageBytes: number
}

const VERSION = 1
const ID_BYTES = 16
/** version, ack, max retries (u32), expiry (f64), id, JSON length (u32) */
const HEAD_BYTES = 1 + 1 + 4 + 8 + ID_BYTES + 4
const ACKS = ['destination', 'app'] as const

interface Strings { subject: string, replySubject?: string, audience?: Audience, maxMessageBytes: number }

export function encodeMessage (message: StoredMessage): Uint8Array<ArrayBuffer> {
  const strings: Strings = { subject: message.subject, maxMessageBytes: message.maxMessageBytes }
  if (message.replySubject !== '') strings.replySubject = message.replySubject
  if (message.audience != null) strings.audience = message.audience
  const json = Buffer.from(JSON.stringify(strings))
  const out = Buffer.allocUnsafe(HEAD_BYTES + json.byteLength + message.data.byteLength)
  out.writeUInt8(VERSION, 0)
  out.writeUInt8(ACKS.indexOf(message.ack) + 1, 1)
  out.writeUInt32BE(message.maxRetries, 2)
  out.writeDoubleBE(message.expiresAt, 6)
  out.set(message.id, 14)
  out.writeUInt32BE(json.byteLength, 30)
  out.set(json, HEAD_BYTES)
  out.set(message.data, HEAD_BYTES + json.byteLength)
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

/** the message in `value`, or undefined when it is not one this version wrote */
export function decodeMessage (value: Uint8Array): StoredMessage | undefined {
  if (value.byteLength < HEAD_BYTES) return undefined
  const buf = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  const ack = ACKS[buf.readUInt8(1) - 1]
  const jsonBytes = buf.readUInt32BE(30)
  if (buf.readUInt8(0) !== VERSION || ack == null || HEAD_BYTES + jsonBytes > buf.byteLength) return undefined
  let strings: Strings
  try {
    strings = JSON.parse(buf.subarray(HEAD_BYTES, HEAD_BYTES + jsonBytes).toString('utf8')) as Strings
  } catch {
    return undefined
  }
  if (typeof strings?.subject !== 'string' || !Number.isInteger(strings.maxMessageBytes)) return undefined
  const expiresAt = buf.readDoubleBE(6)
  if (!Number.isFinite(expiresAt)) return undefined
  return {
    id: Uint8Array.from(buf.subarray(14, 14 + ID_BYTES)),
    subject: strings.subject,
    data: Uint8Array.from(buf.subarray(HEAD_BYTES + jsonBytes)),
    ack,
    replySubject: typeof strings.replySubject === 'string' ? strings.replySubject : '',
    expiresAt,
    maxRetries: buf.readUInt32BE(2),
    audience: strings.audience,
    maxMessageBytes: strings.maxMessageBytes
  }
}
