/**
 * The receiving side of /realmesh/message/1: a sender opens a stream per subject; we check its
 * interest ourselves (verified, matched or authorized now, inside both audiences) and agree on its
 * session's data key (seal-keys.ts), then deliver its messages to the subject's handlers in its
 * seq order (bounded reorder window), each opened with that key first, drop duplicates (by seq per
 * sender session, by id per subject) and ack them again, refuse a message too large, expired or
 * undecryptable with its code while the stream goes on (undecryptable: an offence of the sender),
 * and ack per mode.
 *
 * Memory: the opening frame is read with a small limit, data frames with this subscription's own
 * (its max_data and a frame's slack: a larger frame is FRAME_TOO_LARGE before it is buffered).
 * What a stream holds (bytes received and not yet read as frames, messages waiting out of order)
 * is charged to its sender peer's budget and the node's (budget.ts); a stream that would pass one
 * is reset with its code and gives everything back at once.
 */
import { Frames, FRAME_LIMITS, PROTOCOLS, TIMEOUTS, MESSAGE_FRAME_SLACK, MESSAGE_WINDOW, MESSAGE_WINDOW_BYTES, SEAL_TAG_BYTES, MessageAck, MessageData, MessageOpen, MalformedFrameError, WireErrorCode, checkMessageData, checkMessageOpen, openData } from '@realmesh/wire'
import { canSend } from '../subjects/audience.js'
import { SubjectError } from '../subjects/errors.js'
import { codeOf } from '../subjects/subject-protocol.js'
import { BoundedMap } from '../util/bounded-map.js'
import { deliver, inheritedAttrs, takers } from './delivery.js'
import { InboxBudgets } from './budget.js'
import { MessageBudgetError } from './errors.js'
import { Replies } from './replies.js'
import { StreamMeter } from './stream-meter.js'
import { incoming, newSenderState, waitingCost } from './sender-state.js'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import type { InterestInput, VerifiedInterest } from '../subjects/interest-verifier.js'
import type { LocalInterest } from '../subjects/local-interests.js'
import type { VerifiedNode } from '../handshake/handshake.js'
import type { AckMode, AttributeFilter, MessageHandler, MessageStats, SubjectMessage } from './options.js'
import type { Incoming, SenderState } from './sender-state.js'
import type { Overrun } from './budget.js'
import type { SealKeys } from './seal-keys.js'

/** what a subject's subscriptions on this node share */
export interface Receiving {
  subject: string
  keyHex: string
  handlers: Set<MessageHandler>
  /** the filters of the handlers whose subscription has one */
  filters: Map<MessageHandler, AttributeFilter>
  ack: AckMode
  maxMessageBytes: number
  /** ids of messages delivered on this subject (duplicates across sender sessions) */
  seen: BoundedMap<string, true>
  /** open streams from senders, closed when the last subscription goes */
  streams: Set<() => void>
}

export interface InboxLimits {
  /** most bytes waiting in one sender session's reorder window */
  windowBytes: number
  /** most bytes one sender peer's message streams hold at once */
  peerBytes: number
  /** most bytes all message streams hold at once */
  nodeBytes: number
}

export interface InboxDeps {
  /** the keys senders' sessions are sealed with */
  keys: SealKeys
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
  limits: InboxLimits
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

/** sender sessions remembered (each a few counters, and 5 KiB once it had a refusal), for an hour */
export const MAX_SENDER_STATES = 4096

/**
 * A MessageOpen carries what a subject request does (two tokens and a key): it is read with that
 * limit, and nothing else may arrive before our answer (an honest sender waits for it).
 */
const OPEN_LIMIT = FRAME_LIMITS.subject

interface Accepted { receiving: Receiving, sender: VerifiedInterest, state: SenderState }

/** one inbound message stream: reset once (the sender gets the code, then the reset) */
interface Link {
  stream: Stream
  peer: string
  ended: boolean
  reset: (err: MessageBudgetError) => void
}

export class Inbox {
  readonly subjects = new Map<string, Receiving>()
  readonly budgets: InboxBudgets
  private readonly states = new BoundedMap<string, SenderState>({ maxSize: MAX_SENDER_STATES, ttlMs: 3_600_000 })
  private readonly deps: InboxDeps

  constructor (deps: InboxDeps) {
    this.deps = deps
    this.budgets = new InboxBudgets({ peerBytes: deps.limits.peerBytes, nodeBytes: deps.limits.nodeBytes }, (bytes) => { deps.stats.heldBytes = bytes })
  }

  /** the /realmesh/message/1 stream handler (registered behind the membership gate) */
  readonly handle = async (stream: Stream, connection: Connection): Promise<void> => {
    const peer = connection.remotePeer.toString()
    let frames = new Frames(stream, { protocol: PROTOCOLS.message, maxSize: OPEN_LIMIT, maxBufferSize: 2 * OPEN_LIMIT })
    let replies = new Replies(frames)
    const link: Link = {
      stream,
      peer,
      ended: false,
      reset: (err) => {
        if (link.ended) return
        link.ended = true
        this.deps.stats.budgetResets++
        this.deps.refused(peer, err.code)
        replies.abort(err)
      }
    }
    const meter = new StreamMeter(stream, frames, this.budgets.open(peer), (overrun) => { link.reset(this.overrun(overrun)) })
    try {
      const accepted = await this.accept(frames, connection)
      if (accepted == null || link.ended) return
      // what arrived after the MessageOpen goes to a reader with this subscription's own limit
      frames.unwrap()
      const maxSize = accepted.receiving.maxMessageBytes + MESSAGE_FRAME_SLACK
      frames = new Frames(stream, { protocol: PROTOCOLS.message, maxSize, maxBufferSize: maxSize + MESSAGE_WINDOW_BYTES })
      meter.handOver(frames)
      replies = new Replies(frames)
      await this.receive(link, frames, replies, meter, accepted)
    } finally {
      meter.close()
    }
  }

  /** reads and checks the MessageOpen; refuses (and closes) or resolves with who sends on what */
  private async accept (frames: Frames, connection: Connection): Promise<Accepted | undefined> {
    const peer = connection.remotePeer.toString()
    let open: MessageOpen
    try {
      open = await frames.read(MessageOpen, { signal: AbortSignal.timeout(TIMEOUTS.message) })
      checkMessageOpen(open)
    } catch (err) {
      this.deps.refused(peer, codeOf(err))
      frames.stream.abort(err as Error)
      return undefined
    }
    const keyHex = Buffer.from(open.key).toString('hex')
    const receiving = this.subjects.get(keyHex)
    try {
      if (receiving == null) throw new SubjectError(WireErrorCode.SUBJECT_UNKNOWN, `this node has no subscription to subject key ${keyHex}`)
      const node = this.deps.member(connection.remotePeer)
      if (node == null) throw new SubjectError(WireErrorCode.NOT_A_MEMBER, `${peer} is not a member`)
      const sender = (await this.deps.admit({ interestToken: open.interestToken, identityToken: open.identityToken, key: open.key, node })).counterpart
      if (!canSend(sender.role)) throw new SubjectError(WireErrorCode.SUBJECT_ROLE_MISMATCH, `a ${sender.role} does not send`)
      return { receiving, sender, state: this.stateOf(sender, open) }
    } catch (err) {
      const code = codeOf(err)
      this.deps.refused(peer, code)
      const replies = new Replies(frames)
      replies.write({ error: { code, reason: (err as Error).message.slice(0, 256) } })
      await replies.written()
      await frames.stream.close().catch(() => {})
      return undefined
    }
  }

  /** the data frames of an accepted stream, until it ends */
  private async receive (link: Link, frames: Frames, replies: Replies, meter: StreamMeter, { receiving, sender, state }: Accepted): Promise<void> {
    const { stream, peer } = link
    this.deps.stats.streams++
    this.deps.opened({ subject: receiving.subject, identity: sender.identity, peer })
    // one stream per session feeds its window: a newer one ends the older (an honest sender
    // opens the next only once the last broke) and starts from an empty window
    state.owner?.()
    state.window.clear()
    const own = (): void => { stream.abort(new Error('a newer stream of this sender session took over')) }
    state.owner = own
    state.send = replies.ack
    const end = (): void => {
      replies.write({ error: { code: WireErrorCode.SUBJECT_UNKNOWN, reason: 'unsubscribed' } })
      void replies.written().then(async () => stream.close().catch(() => {}))
    }
    receiving.streams.add(end)
    replies.write({ maxData: receiving.maxMessageBytes })
    try {
      for (;;) {
        const data = await frames.read(MessageData)
        if (state.owner !== own || link.ended) break
        checkMessageData(data)
        meter.update()
        const acks = this.onData(receiving, sender, state, data)
        const overrun = meter.account.setHeld(state.window.waitingBytes)
        if (overrun != null) throw this.overrun(overrun)
        if (acks.length > 0) replies.ack(acks)
      }
    } catch (err) {
      const code = codeOf(err)
      if (err instanceof MessageBudgetError) {
        link.reset(err)
      } else if (code === WireErrorCode.FRAME_MALFORMED || code === WireErrorCode.FRAME_TOO_LARGE) {
        this.deps.refused(peer, code)
        stream.abort(err as Error)
      }
    } finally {
      receiving.streams.delete(end)
      if (state.send === replies.ack) state.send = undefined
      if (state.owner === own) {
        state.owner = undefined
        state.window.clear()
      }
    }
  }

  private overrun (overrun: Overrun): MessageBudgetError {
    return new MessageBudgetError(overrun, overrun === 'peer' ? this.budgets.limits.peerBytes : this.budgets.limits.nodeBytes)
  }

  /** one data frame: into the window; what is ready gets delivered; returns the acks to send now */
  private onData (receiving: Receiving, sender: VerifiedInterest, state: SenderState, data: MessageData): MessageAck[] {
    const acks: MessageAck[] = []
    let reject: string | undefined
    if (data.data.byteLength > receiving.maxMessageBytes + SEAL_TAG_BYTES) reject = WireErrorCode.MESSAGE_TOO_LARGE
    else if (Number(data.expiresAtMs) + EXPIRY_GRACE_MS < this.deps.now()) reject = WireErrorCode.MESSAGE_EXPIRED
    const item = incoming(data, reject)
    const arrival = state.window.push(data.seq, data.lowSeq, item, waitingCost(item))
    if (arrival.status === 'overflow') {
      if (arrival.limit === 'bytes') throw new MessageBudgetError('window', this.deps.limits.windowBytes)
      throw new MalformedFrameError(PROTOCOLS.message, `seq ${data.seq} is beyond the window of ${MESSAGE_WINDOW}`)
    }
    if (arrival.status === 'duplicate') {
      this.deps.stats.duplicates++
      if (data.ack === MessageData.AckMode.NONE || state.pending.has(data.seq)) return acks
      const refusal = state.outcomes.refusal(data.seq)
      acks.push(ackOf(data.seq, data.id, refusal == null ? MessageAck.Status.DELIVERED : MessageAck.Status.REJECTED, refusal))
      return acks
    }
    for (const ready of arrival.ready) {
      const ack = this.settle(receiving, sender, state, ready)
      if (ack != null) acks.push(ack)
    }
    return acks
  }

  /** delivers (or refuses) one message in order; returns its ack when it is known now */
  private settle (receiving: Receiving, sender: VerifiedInterest, state: SenderState, item: Incoming): MessageAck | undefined {
    const { data } = item
    const wanted = data.ack !== MessageData.AckMode.NONE
    const idHex = Buffer.from(data.id).toString('hex')
    if (item.reject != null) return this.refuse(state, data, item.reject)
    let plain: Uint8Array
    try {
      // before anything else looks at it: the id, like the data, is the sender's only once it opens
      plain = openData(state.key, data.seq, data, data.data)
    } catch (err) {
      const code = codeOf(err)
      this.deps.refused(sender.nodeId, code)
      return this.refuse(state, data, code)
    }
    if (receiving.seen.has(idHex)) {
      this.deps.stats.duplicates++
    } else {
      const attrs = inheritedAttrs(sender, data)
      const handlers = takers(receiving, attrs)
      if (handlers.length === 0) return this.refuse(state, data, WireErrorCode.MESSAGE_FILTERED)
      this.deps.stats.delivered++
      receiving.seen.set(idHex, true)
      const mode: AckMode = !wanted ? 'none' : (data.ack === MessageData.AckMode.APP || receiving.ack === 'app' ? 'app' : 'destination')
      const done = deliver(receiving, handlers, sender, data, plain, idHex, mode, attrs, { receivedAt: this.deps.now(), hops: 1 }, this.deps.emit)
      this.deps.noteReceived(receiving.keyHex)
      if (mode === 'app') {
        // the late ack keeps its own copies: nothing of the frame waits with the application's decision
        const seq = data.seq
        const id = data.id.slice()
        state.pending.add(seq)
        void done.then((code) => {
          state.pending.delete(seq)
          if (code != null) this.deps.stats.rejected++
          state.outcomes.settle(seq, code)
          state.send?.([ackOf(seq, id, code == null ? MessageAck.Status.DELIVERED : MessageAck.Status.REJECTED, code)])
        })
        return undefined
      }
    }
    state.outcomes.settle(data.seq)
    return wanted ? ackOf(data.seq, data.id, MessageAck.Status.DELIVERED) : undefined
  }

  /** a message refused with `code`; returns its ack when the sender wants one */
  private refuse (state: SenderState, data: MessageData, code: string): MessageAck | undefined {
    this.deps.stats.rejected++
    state.outcomes.settle(data.seq, code)
    return data.ack !== MessageData.AckMode.NONE ? ackOf(data.seq, data.id, MessageAck.Status.REJECTED, code) : undefined
  }

  /**
   * The state of a sender node on a subject; a new session (or the same session with another
   * ephemeral key) starts afresh, with its data key agreed now (UndecryptableError when it cannot be).
   */
  private stateOf (sender: VerifiedInterest, open: MessageOpen): SenderState {
    const slot = `${sender.identity} ${sender.nodeId} ${sender.keyHex}`
    const session = Buffer.from(open.session).toString('hex') + Buffer.from(open.ephemeral).toString('hex')
    const existing = this.states.get(slot)
    if (existing?.session === session) return existing
    const key = this.deps.keys.receiver(sender.identity, { subjectKey: open.key, session: open.session }, open.ephemeral)
    const state = newSenderState(session, key, this.deps.limits.windowBytes)
    this.states.set(slot, state)
    return state
  }
}

function ackOf (seq: bigint, id: MessageAck['id'], status: MessageAck.Status, code = ''): MessageAck {
  return { seq, id, status, code }
}
