/**
 * The receiving side of /realmesh/message/1: a sender opens a stream per subject; we check its
 * interest ourselves (verified, matched or authorized now, inside both audiences), then deliver
 * its messages to the subject's handlers in its seq order (bounded reorder window), drop
 * duplicates (by seq per sender session, by id per subject) and ack them again, refuse a message
 * too large or expired with its code while the stream goes on, and ack per mode.
 */
import { Frames, FRAME_LIMITS, PROTOCOLS, TIMEOUTS, MAX_ACKS_PER_REPLY, MESSAGE_WINDOW, MESSAGE_WINDOW_BYTES, MessageAck, MessageData, MessageOpen, MessageReply, MalformedFrameError, WireErrorCode, checkMessageData, checkMessageOpen } from '@realmesh/wire'
import { canSend } from '../subjects/audience.js'
import { SubjectError } from '../subjects/errors.js'
import { codeOf } from '../subjects/subject-protocol.js'
import { BoundedMap } from '../util/bounded-map.js'
import { ReorderWindow } from './reorder.js'
import { deliver } from './delivery.js'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import type { InterestInput, VerifiedInterest } from '../subjects/interest-verifier.js'
import type { LocalInterest } from '../subjects/local-interests.js'
import type { VerifiedNode } from '../handshake/handshake.js'
import type { AckMode, MessageHandler, MessageStats, SubjectMessage } from './options.js'

/** what a subject's subscriptions on this node share */
export interface Receiving {
  subject: string
  keyHex: string
  handlers: Set<MessageHandler>
  ack: AckMode
  maxMessageBytes: number
  /** ids of messages delivered on this subject (duplicates across sender sessions) */
  seen: BoundedMap<string, true>
  /** open streams from senders, closed when the last subscription goes */
  streams: Set<() => void>
}

export interface Incoming { data: MessageData, reject?: string }

export interface SenderState {
  session: string
  window: ReorderWindow<Incoming>
  /** acks of settled messages by seq, to answer duplicates */
  results: BoundedMap<bigint, MessageAck>
  /** seqs whose app ack is pending */
  pending: Set<bigint>
  /** writes acks on the sender's current stream */
  send?: (acks: MessageAck[]) => void
}

export interface InboxDeps {
  admit: (input: InterestInput) => Promise<{ interest: LocalInterest, counterpart: VerifiedInterest }>
  /** an admitted member's verified node token */
  member: (peer: PeerId) => VerifiedNode | undefined
  /** a refusal of ours, for scoring */
  refused: (peer: string, code: string) => void
  /** a message was delivered on the subject (the interest renews its token at half its threshold) */
  noteReceived: (keyHex: string) => void
  emit: (message: SubjectMessage) => void
  /** a sender's message stream to one of our subscriptions was accepted */
  opened: (stream: MessageStreamDetail) => void
  now: () => number
  stats: MessageStats
}

export interface MessageStreamDetail {
  subject: string
  /** the sending identity */
  identity: string
  /** the member node it sends from */
  peer: string
}

/** a message this long past its expiry is refused (clocks of members are only loosely in sync) */
export const EXPIRY_GRACE_MS = 2_000

export class Inbox {
  readonly subjects = new Map<string, Receiving>()
  private readonly states = new BoundedMap<string, SenderState>({ maxSize: 4096, ttlMs: 3_600_000 })
  private readonly deps: InboxDeps

  constructor (deps: InboxDeps) {
    this.deps = deps
  }

  /** the /realmesh/message/1 stream handler (registered behind the membership gate) */
  readonly handle = async (stream: Stream, connection: Connection): Promise<void> => {
    const peer = connection.remotePeer.toString()
    const frames = new Frames(stream, { protocol: PROTOCOLS.message, maxSize: FRAME_LIMITS.message, maxBufferSize: FRAME_LIMITS.message + MESSAGE_WINDOW_BYTES })
    let chain = Promise.resolve()
    const write = (reply: Partial<MessageReply>): void => {
      chain = chain.then(async () => { await frames.write(MessageReply, { maxData: 0, acks: [], ...reply }) }).catch(() => {})
    }
    let open: MessageOpen
    try {
      open = await frames.read(MessageOpen, { signal: AbortSignal.timeout(TIMEOUTS.message) })
      checkMessageOpen(open)
    } catch (err) {
      this.deps.refused(peer, codeOf(err))
      stream.abort(err as Error)
      return
    }
    const keyHex = Buffer.from(open.key).toString('hex')
    const receiving = this.subjects.get(keyHex)
    let sender: VerifiedInterest
    try {
      if (receiving == null) throw new SubjectError(WireErrorCode.SUBJECT_UNKNOWN, `this node has no subscription to subject key ${keyHex}`)
      const node = this.deps.member(connection.remotePeer)
      if (node == null) throw new SubjectError(WireErrorCode.NOT_A_MEMBER, `${peer} is not a member`)
      sender = (await this.deps.admit({ interestToken: open.interestToken, identityToken: open.identityToken, key: open.key, node })).counterpart
      if (!canSend(sender.role)) throw new SubjectError(WireErrorCode.SUBJECT_ROLE_MISMATCH, `a ${sender.role} does not send`)
    } catch (err) {
      const code = codeOf(err)
      this.deps.refused(peer, code)
      write({ error: { code, reason: (err as Error).message.slice(0, 256) } })
      await chain
      await stream.close().catch(() => {})
      return
    }
    this.deps.stats.streams++
    this.deps.opened({ subject: receiving.subject, identity: sender.identity, peer })
    const state = this.stateOf(sender, keyHex, open.session)
    // acks are gathered and sent once what arrived together was handled: one reply for a burst
    let gathered: MessageAck[] = []
    let flushing = false
    const sendAcks = (acks: MessageAck[]): void => {
      for (const ack of acks) gathered.push(ack)
      if (flushing) return
      flushing = true
      setImmediate(() => {
        flushing = false
        const all = gathered
        gathered = []
        for (let i = 0; i < all.length; i += MAX_ACKS_PER_REPLY) write({ acks: all.slice(i, i + MAX_ACKS_PER_REPLY) })
      })
    }
    state.send = sendAcks
    const end = (): void => {
      write({ error: { code: WireErrorCode.SUBJECT_UNKNOWN, reason: 'unsubscribed' } })
      void chain.then(async () => stream.close().catch(() => {}))
    }
    receiving.streams.add(end)
    write({ maxData: receiving.maxMessageBytes })
    try {
      for (;;) {
        const data = await frames.read(MessageData)
        checkMessageData(data)
        const acks = this.onData(receiving, sender, state, data)
        if (acks.length > 0) sendAcks(acks)
      }
    } catch (err) {
      const code = codeOf(err)
      if (code === WireErrorCode.FRAME_MALFORMED || code === WireErrorCode.FRAME_TOO_LARGE) {
        this.deps.refused(peer, code)
        stream.abort(err as Error)
      }
    } finally {
      receiving.streams.delete(end)
      if (state.send === sendAcks) state.send = undefined
    }
  }

  /** one data frame: into the window; what is ready gets delivered; returns the acks to send now */
  private onData (receiving: Receiving, sender: VerifiedInterest, state: SenderState, data: MessageData): MessageAck[] {
    const acks: MessageAck[] = []
    let reject: string | undefined
    if (data.data.byteLength > receiving.maxMessageBytes) reject = WireErrorCode.MESSAGE_TOO_LARGE
    else if (Number(data.expiresAtMs) + EXPIRY_GRACE_MS < this.deps.now()) reject = WireErrorCode.MESSAGE_EXPIRED
    const arrival = state.window.push(data.seq, data.lowSeq, { data, reject })
    if (arrival.status === 'overflow') throw new MalformedFrameError(PROTOCOLS.message, `seq ${data.seq} is beyond the window of ${MESSAGE_WINDOW}`)
    if (arrival.status === 'duplicate') {
      this.deps.stats.duplicates++
      if (data.ack === MessageData.AckMode.NONE || state.pending.has(data.seq)) return acks
      acks.push(state.results.get(data.seq) ?? ackOf(data, MessageAck.Status.DELIVERED))
      return acks
    }
    for (const item of arrival.ready) {
      const ack = this.settle(receiving, sender, state, item)
      if (ack != null) acks.push(ack)
    }
    return acks
  }

  /** delivers (or refuses) one message in order; returns its ack when it is known now */
  private settle (receiving: Receiving, sender: VerifiedInterest, state: SenderState, item: Incoming): MessageAck | undefined {
    const { data } = item
    const wanted = data.ack !== MessageData.AckMode.NONE
    const idHex = Buffer.from(data.id).toString('hex')
    let ack: MessageAck | undefined
    if (item.reject != null) {
      this.deps.stats.rejected++
      ack = ackOf(data, MessageAck.Status.REJECTED, item.reject)
    } else if (receiving.seen.has(idHex)) {
      this.deps.stats.duplicates++
      ack = ackOf(data, MessageAck.Status.DELIVERED)
    } else {
      this.deps.stats.delivered++
      receiving.seen.set(idHex, true)
      const mode: AckMode = !wanted ? 'none' : (data.ack === MessageData.AckMode.APP || receiving.ack === 'app' ? 'app' : 'destination')
      const done = deliver(receiving, sender, data, idHex, mode, this.deps.emit)
      this.deps.noteReceived(receiving.keyHex)
      if (mode === 'app') {
        state.pending.add(data.seq)
        void done.then((code) => {
          state.pending.delete(data.seq)
          if (code != null) this.deps.stats.rejected++
          const late = ackOf(data, code == null ? MessageAck.Status.DELIVERED : MessageAck.Status.REJECTED, code)
          state.results.set(data.seq, late)
          state.send?.([late])
        })
        return undefined
      }
      ack = ackOf(data, MessageAck.Status.DELIVERED)
    }
    state.results.set(data.seq, ack)
    return wanted ? ack : undefined
  }

  /** the state of a sender node on a subject; a new session starts afresh */
  private stateOf (sender: VerifiedInterest, keyHex: string, session: Uint8Array): SenderState {
    const slot = `${sender.identity} ${sender.nodeId} ${keyHex}`
    const sessionHex = Buffer.from(session).toString('hex')
    const existing = this.states.get(slot)
    if (existing?.session === sessionHex) return existing
    const state: SenderState = {
      session: sessionHex,
      window: new ReorderWindow(MESSAGE_WINDOW),
      results: new BoundedMap({ maxSize: 2 * MESSAGE_WINDOW }),
      pending: new Set()
    }
    this.states.set(slot, state)
    return state
  }
}

function ackOf (data: MessageData, status: MessageAck.Status, code = ''): MessageAck {
  return { seq: data.seq, id: data.id, status, code }
}
