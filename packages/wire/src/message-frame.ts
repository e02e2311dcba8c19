/**
 * A MessageData frame whose data is sent from buffers of its own: the frame's head (length prefix,
 * every field but the data's bytes) is encoded alone, and the frame goes out as the head followed
 * by the data's chunks in one write. A message's sealed data comes from node:crypto as two buffers
 * (ciphertext and tag); a large one encoded the usual way would cost another allocation and copy
 * of its size per message (allocating large buffers is what drives the garbage collector at high
 * throughput).
 *
 * The frame decodes with `MessageData.decode` like any other: protobuf fields may come in any
 * order, and here the data field comes last.
 */
import { writer } from 'protons-runtime'
import { FrameTooLargeError } from './errors.js'
import { PROTOCOLS } from './protocols.js'
import { MessageData } from './proto/realmesh.js'

export type MessageHeader = Omit<MessageData, 'data'>

/**
 * The bytes before the data's `dataLength` bytes in the frame of a message with `header`.
 * Throws FrameTooLargeError when the frame would be larger than `maxSize`.
 */
export function messageFrameHead (header: Partial<MessageHeader>, dataLength: number, maxSize: number): Uint8Array {
  const w = writer()
  // MessageData's own encoder for every field but data (it skips fields left empty)
  MessageData.codec().encode({ ...header, data: undefined }, w, { lengthDelimited: false })
  w.uint32(26) // field 3 (data), length-delimited
  w.uint32(dataLength)
  const fields = w.finish()
  if (fields.byteLength + dataLength > maxSize) throw new FrameTooLargeError(PROTOCOLS.message, maxSize)
  const prefix = writer().uint32(fields.byteLength + dataLength).finish()
  const head = new Uint8Array(prefix.byteLength + fields.byteLength)
  head.set(prefix)
  head.set(fields, prefix.byteLength)
  return head
}
