/**
 * What a receiver keeps per sender session (identity, node, subject): where its order stands, the
 * refusals it may have to answer again, the app acks still pending, and the reorder window, which
 * holds messages only while a stream of the session is open (one at a time: a newer stream ends
 * the older). Kept for an hour so that a reconnecting session goes on where it was; what stays
 * then is counters, never message data.
 */
import { MESSAGE_FRAME_SLACK, MESSAGE_WINDOW } from '@realmesh/wire'
import { ReorderWindow } from './reorder.js'
import { Outcomes } from './outcomes.js'
import type { MessageAck, MessageData } from '@realmesh/wire'
import type { KeyObject } from 'node:crypto'

export interface Incoming { data: MessageData, reject?: string }

export interface SenderState {
  /** the session's 16 bytes and its ephemeral key, in hex */
  session: string
  /** the session's data key: every message of the session opens with it */
  key: KeyObject
  window: ReorderWindow<Incoming>
  outcomes: Outcomes
  /** seqs whose app ack is pending */
  pending: Set<bigint>
  /** writes acks on the sender's current stream */
  send?: (acks: MessageAck[]) => void
  /** ends the stream that feeds the window now */
  owner?: () => void
}

/** what a waiting message costs besides its data (the entry, its id, its fields), counted against the budgets */
export const WAITING_OVERHEAD = 256

const EMPTY = new Uint8Array(0)

export function newSenderState (session: string, key: KeyObject, maxWindowBytes: number): SenderState {
  return {
    session,
    key,
    window: new ReorderWindow<Incoming>(MESSAGE_WINDOW, { maxBytes: maxWindowBytes, keep }),
    outcomes: new Outcomes(MESSAGE_WINDOW),
    pending: new Set()
  }
}

/** a message's arrival: a refused one keeps none of its data (only what answers it in order) */
export function incoming (data: MessageData, reject: string | undefined): Incoming {
  return reject == null ? { data } : { data: { ...data, data: EMPTY }, reject }
}

/** what an arrival costs while it waits: its data, or the buffer it keeps (see keep) */
export function waitingCost (item: Incoming): number {
  const { data } = item.data
  return (keepsBuffer(item) ? data.buffer.byteLength : data.byteLength) + WAITING_OVERHEAD
}

/**
 * The decoded frame's id and data are views into the buffer the frame was decoded from. A frame
 * that came in pieces was copied into a buffer of its own size: a waiting message keeps that one.
 * One that came in a chunk with other frames is a view into all of them: it gets buffers of its own.
 */
function keepsBuffer (item: Incoming): boolean {
  const { id, data } = item.data
  return data.byteLength > 0 && id.buffer === data.buffer && data.buffer.byteLength <= data.byteLength + MESSAGE_FRAME_SLACK
}

function keep (item: Incoming): Incoming {
  if (keepsBuffer(item)) return item
  const { data } = item
  return { ...item, data: { ...data, id: data.id.slice(), data: data.data.byteLength === 0 ? EMPTY : data.data.slice() } }
}
