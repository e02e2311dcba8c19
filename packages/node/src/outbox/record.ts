/**
 * A publication waiting in the outbox, as one record: a fixed binary head (format version, ack
 * mode, max retries, expiry, the 16-byte id), a small JSON part for the strings (subject, reply
 * subject, audience, the publication's largest message), then the data as it is. The data is not
 * copied through JSON or base64: a 1 KiB message costs its own bytes and about 100 more.
 *
 * A page (one store value) holds the records written together, each behind its length (u32).
 */
import { attributesProblem } from '@realmesh/token'
import type { Audience } from '@realmesh/token'

export interface StoredMessage {
  /** the message id: the receivers' duplicate key, kept across restarts */
  id: Uint8Array<ArrayBuffer>
  subject: string
  data: Uint8Array<ArrayBuffer>
  ack: 'destination' | 'app'
  replySubject: string
  /** the message's own attributes (records written before they existed have none) */
  attrs?: Record<string, string>
  /** sendTo(): the one receiver it goes to (identity or node peer id) */
  to?: string
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

interface Strings { subject: string, replySubject?: string, audience?: Audience, maxMessageBytes: number, attrs?: Record<string, string>, to?: string }

/** the strings of the last message encoded: a publication's messages mostly share them */
let last: { subject: string, replySubject: string, audience?: Audience, maxMessageBytes: number, attrs?: Record<string, string>, to?: string, json: Buffer } | undefined

function stringsOf (message: StoredMessage): Buffer {
  const { subject, replySubject, audience, maxMessageBytes, attrs, to } = message
  if (last?.subject === subject && last.replySubject === replySubject && last.audience === audience && last.maxMessageBytes === maxMessageBytes && last.attrs === attrs && last.to === to) return last.json
  const strings: Strings = { subject, maxMessageBytes }
  if (replySubject !== '') strings.replySubject = replySubject
  if (audience != null) strings.audience = audience
  if (attrs != null) strings.attrs = attrs
  if (to != null) strings.to = to
  last = { subject, replySubject, audience, maxMessageBytes, attrs, to, json: Buffer.from(JSON.stringify(strings)) }
  return last.json
}

/** a message to be written with its page: its size is known before anything is copied, and it is encoded straight into the page */
export interface Unwritten {
  message: StoredMessage
  strings: Buffer
  /** the record's bytes */
  size: number
}

export function unwritten (message: StoredMessage): Unwritten {
  const strings = stringsOf(message)
  return { message, strings, size: HEAD_BYTES + strings.byteLength + message.data.byteLength }
}

function writeRecord ({ message, strings }: Unwritten, out: Buffer, at: number): void {
  out.writeUInt8(VERSION, at)
  out.writeUInt8(ACKS.indexOf(message.ack) + 1, at + 1)
  out.writeUInt32BE(message.maxRetries, at + 2)
  out.writeDoubleBE(message.expiresAt, at + 6)
  out.set(message.id, at + 14)
  out.writeUInt32BE(strings.byteLength, at + 30)
  out.set(strings, at + HEAD_BYTES)
  out.set(message.data, at + HEAD_BYTES + strings.byteLength)
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
  if (strings.attrs !== undefined && attributesProblem(strings.attrs) != null) return undefined
  if (strings.to !== undefined && typeof strings.to !== 'string') return undefined
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
    maxMessageBytes: strings.maxMessageBytes,
    ...(strings.attrs === undefined ? {} : { attrs: strings.attrs }),
    ...(strings.to === undefined ? {} : { to: strings.to })
  }
}

/** the records of a page, each behind its length: records read from a page as they are, new ones encoded in place */
export function encodePage (records: Array<Uint8Array | Unwritten>): Uint8Array<ArrayBuffer> {
  let total = 0
  for (const record of records) total += 4 + sizeOf(record)
  const out = Buffer.allocUnsafe(total)
  let at = 0
  for (const record of records) {
    const size = sizeOf(record)
    out.writeUInt32BE(size, at)
    if (record instanceof Uint8Array) out.set(record, at + 4)
    else writeRecord(record, out, at + 4)
    at += 4 + size
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

function sizeOf (record: Uint8Array | Unwritten): number {
  return record instanceof Uint8Array ? record.byteLength : record.size
}

/** the records of a page, or undefined when it is not one */
export function decodePage (value: Uint8Array): Uint8Array[] | undefined {
  const buf = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  const records: Uint8Array[] = []
  for (let at = 0; at < buf.byteLength;) {
    if (at + 4 > buf.byteLength) return undefined
    const length = buf.readUInt32BE(at)
    if (at + 4 + length > buf.byteLength) return undefined
    records.push(buf.subarray(at + 4, at + 4 + length))
    at += 4 + length
  }
  return records
}
