/**
 * A MessageData frame built around data that already sits in a buffer, with room left before it:
 * the length prefix and every field but the data's bytes are written into that room, and the
 * frame is a view of the buffer. No copy of the data and no new buffer per message (a 64 KiB
 * message encoded the usual way costs a 64 KiB allocation, and allocating large buffers is what
 * drives the garbage collector at high throughput).
 *
 * The frame decodes with `MessageData.decode` like any other: protobuf fields may come in any
 * order, and here the data field comes last.
 */
import { writer } from 'protons-runtime'
import { FrameTooLargeError } from './errors.js'
import { PROTOCOLS } from './protocols.js'
import { MessageData } from './proto/realmesh.js'

/** the room to leave before the data: length prefix, id, seq, ack, expiry, lowSeq, data tag and length; and the reply subject */
export function messageHeaderRoom (replySubjectBytes: number): number {
  // prefix 5, id 2 + 16, seq 1 + 10, ack 2, expiresAtMs 1 + 10, lowSeq 1 + 10, data tag 1 + length 5
  return 64 + (replySubjectBytes > 0 ? 6 + replySubjectBytes : 0)
}

export type MessageHeader = Omit<MessageData, 'data'>

/**
 * Writes the frame of a message whose `length` bytes of data are at `offset` in `buffer` and
 * returns it (a view of `buffer` ending with the data), or undefined when the header does not fit
 * in the room before the data (the caller then encodes it the usual way); nothing is written then.
 * Throws FrameTooLargeError, writing nothing, when the frame would be larger than `maxSize`.
 */
export function frameAroundData (buffer: Uint8Array, offset: number, length: number, header: Partial<MessageHeader>, maxSize: number): Uint8Array | undefined {
  const w = writer()
  // MessageData's own encoder for every field but data (it skips fields left empty)
  MessageData.codec().encode({ ...header, data: undefined }, w, { lengthDelimited: false })
  w.uint32(26) // field 3 (data), length-delimited
  w.uint32(length)
  const fields = w.finish()
  if (fields.byteLength + length > maxSize) throw new FrameTooLargeError(PROTOCOLS.message, maxSize)
  const prefix = writer().uint32(fields.byteLength + length).finish()
  const start = offset - fields.byteLength - prefix.byteLength
  if (start < 0) return undefined
  buffer.set(prefix, start)
  buffer.set(fields, start + prefix.byteLength)
  return buffer.subarray(start, offset + length)
}
