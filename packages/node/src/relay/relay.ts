/**
 * /realmesh/relay/1: the subject's coordinators as a bounded relay store for a sleeping receiver
 * (issue 20 item 3). A sender about to sleep (or stop) with messages held for a receiver that
 * sleeps deposits them, sealed for the receiver and signed (seal.ts), with every coordinator of
 * the subject it registered with that is awake (not itself, not the receiver): any one of them
 * may be down when the receiver wakes, and the receiver drops the copies by id. A coordinator
 * takes a deposit only from the sender's own node (its interest verified as at REGISTER) for a
 * receiver whose interest it holds, keeps it in its store (relay-store.ts, bounded: RELAY_FULL for
 * what does not fit, which the sender keeps), and delivers it when the receiver wakes (its
 * NODE-AVAIL, or its registration), each deposit on a stream of its own, in the order they came;
 * what the receiver acked (delivered or refused) leaves the store.
 */
import { Frames, FRAME_LIMITS, MAX_RELAY_MESSAGES, PROTOCOLS, RelayReply, RelayRequest, TIMEOUTS, WireErrorCode, checkRelayReply, checkRelayRequest } from '@realmesh/wire'
import { canSend } from '../subjects/audience.js'
import { SubjectError } from '../subjects/errors.js'
import { codeOf } from '../subjects/subject-protocol.js'
import { withTimeout } from '../util/signals.js'
import { RelayError } from './errors.js'
import type { AbortOptions, Connection, PeerId, Stream } from '@libp2p/interface'
import type { MessageAck, PeerRecord, RelayDeposit, RelayMessage } from '@realmesh/wire'
import type { InterestInput, VerifiedInterest } from '../subjects/interest-verifier.js'
import type { RelayStore } from './relay-store.js'
import type { SealedDeposit } from './seal.js'

export interface RelayDeps {
  store: RelayStore
  openStream: (peer: PeerId, protocol: string, options: AbortOptions) => Promise<Stream>
  peerOf: (id: string) => PeerId
  /** the members this node's interest in a subject is registered with that may take a deposit now (awake, not this node) */
  coordinators: (keyHex: string) => string[]
  /** this node's interest token on a subject and its identity token */
  tokens: (keyHex: string) => { interestToken: string, identityToken: string } | undefined
  ownRecord: () => Promise<PeerRecord | undefined>
  /** as a coordinator: whether this node holds `node`'s interest as a receiver on the subject */
  holdsReceiver: (keyHex: string, node: string) => boolean
  verify: (input: InterestInput) => Promise<VerifiedInterest>
  /** as a receiver: takes a delivered deposit (messaging's RelayedInbox), resolving with an ack per message */
  take: (deposit: RelayDeposit, coordinator: string) => Promise<MessageAck[]>
  /** a refusal of ours, for scoring */
  refused: (peer: string, code: string) => void
  /** a deposit was delivered to its receiver and settled (acked) there */
  delivered: (detail: { receiver: string, messages: number }) => void
  now: () => number
}

/** a delivery that failed with one of these is tried again at the receiver's next wake; any other refusal drops the deposit */
const TRANSIENT = new Set<string>([WireErrorCode.BUSY, WireErrorCode.INTERNAL, WireErrorCode.RATE_LIMITED, WireErrorCode.NOT_A_MEMBER, WireErrorCode.STREAM_CLOSED, WireErrorCode.STREAM_TIMEOUT])
/** a deposit's messages beside its tokens and record stay under this in one frame */
const DEPOSIT_DATA_BYTES = FRAME_LIMITS.relay - 64 * 1024
/** how often expired deposits are deleted, ms */
const PRUNE_MS = 60_000

export class Relay {
  private readonly deps: RelayDeps
  /** receivers being delivered to, and those woken again meanwhile */
  private readonly delivering = new Set<string>()
  private readonly again = new Set<string>()
  private timer: ReturnType<typeof setInterval> | undefined

  constructor (deps: RelayDeps) {
    this.deps = deps
  }

  /** reads what the store kept from an earlier run */
  async start (): Promise<void> {
    await this.deps.store.open(this.deps.now())
    this.timer = setInterval(() => { void this.deps.store.prune(this.deps.now()).catch(() => {}) }, PRUNE_MS)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    await this.deps.store.idle()
  }

  /** messages and bytes held for receivers */
  get size (): { messages: number, bytes: number } {
    return this.deps.store.size
  }

  /** whether this node holds deposits for `node` (the NODE-AVAIL answer's `pending`) */
  holdsFor (node: string): boolean {
    return this.deps.store.holdsFor(node)
  }

  /** `node` is awake (NODE-AVAIL, a registration): what is held for it goes now */
  wake (node: string): void {
    if (!this.deps.store.holdsFor(node)) return
    if (this.delivering.has(node)) {
      this.again.add(node)
      return
    }
    this.delivering.add(node)
    void this.deliver(node).catch(() => {}).finally(() => {
      this.delivering.delete(node)
      if (this.again.delete(node)) this.wake(node)
    })
  }

  /**
   * Deposits `sealed` (messages for `receiver` on subject `keyHex`) with the subject's awake
   * coordinators; resolves with how many of its first messages at least one of them stored.
   */
  async deposit (keyHex: string, receiver: VerifiedInterest, sealed: SealedDeposit, options: AbortOptions = {}): Promise<number> {
    const tokens = this.deps.tokens(keyHex)
    const record = await this.deps.ownRecord()
    const coordinators = this.deps.coordinators(keyHex).filter(c => c !== receiver.nodeId)
    if (tokens == null || record == null || coordinators.length === 0) return 0
    const base = { key: Uint8Array.from(Buffer.from(keyHex, 'hex')), receiver: receiver.nodeId, ...tokens, record, session: sealed.session, ephemeral: sealed.ephemeral }
    const batches = split(sealed.messages)
    const stored = await Promise.all(coordinators.map(async (coordinator) => {
      let count = 0
      try {
        for (const messages of batches) {
          const reply = await this.exchange(coordinator, { type: RelayRequest.Type.DEPOSIT, deposit: { ...base, messages } }, options)
          count += Math.min(reply.accepted, messages.length)
          if (reply.error != null || reply.accepted < messages.length) break
        }
      } catch {
        // unreachable or failed: what it stored so far counts
      }
      return count
    }))
    return Math.max(0, ...stored)
  }

  /** the /realmesh/relay/1 stream handler (registered behind the membership gate) */
  readonly handle = async (stream: Stream, connection: Connection): Promise<void> => {
    const peer = connection.remotePeer.toString()
    const signal = AbortSignal.timeout(TIMEOUTS.relay)
    const frames = new Frames(stream, { protocol: PROTOCOLS.relay, maxSize: FRAME_LIMITS.relay })
    const reply: RelayReply = { accepted: 0, acks: [] }
    try {
      const request = await frames.read(RelayRequest, { signal })
      checkRelayRequest(request)
      const deposit = request.deposit as RelayDeposit
      if (request.type === RelayRequest.Type.DELIVER) {
        reply.acks = await this.deps.take(deposit, peer)
      } else {
        reply.accepted = await this.keep(deposit, peer)
        if (reply.accepted < deposit.messages.length) reply.error = { code: WireErrorCode.RELAY_FULL, reason: `stored ${reply.accepted} of ${deposit.messages.length} messages: the relay store is at a bound` }
      }
    } catch (err) {
      const code = codeOf(err)
      this.deps.refused(peer, code)
      reply.error = { code, reason: (err as Error).message.slice(0, 256) }
    }
    await frames.write(RelayReply, reply, { signal }).catch(() => {})
    await stream.close({ signal }).catch(() => {})
  }

  /** as a coordinator: checks a deposit and keeps what fits */
  private async keep (deposit: RelayDeposit, depositor: string): Promise<number> {
    const keyHex = Buffer.from(deposit.key).toString('hex')
    if (!this.deps.holdsReceiver(keyHex, deposit.receiver)) throw new RelayError(WireErrorCode.RELAY_RECEIVER_UNKNOWN, `this node holds no interest of ${deposit.receiver} as a receiver on subject key ${keyHex}`)
    const sender = await this.deps.verify({ interestToken: deposit.interestToken, identityToken: deposit.identityToken, key: Uint8Array.from(deposit.key), record: deposit.record })
    if (sender.nodeId !== depositor) throw new SubjectError(WireErrorCode.INTEREST_NODE_MISMATCH, `a deposit comes from the sender's own node, ${sender.nodeId}, not ${depositor}`)
    if (!canSend(sender.role)) throw new SubjectError(WireErrorCode.SUBJECT_ROLE_MISMATCH, `a ${sender.role} does not send`)
    return this.deps.store.put(depositor, deposit)
  }

  /** every deposit held for `node`, in order, until one fails for now */
  private async deliver (node: string): Promise<void> {
    for (const held of this.deps.store.of(node)) {
      const deposit = await this.deps.store.get(held, this.deps.now())
      if (deposit == null) continue
      let reply: RelayReply
      try {
        reply = await this.exchange(node, { type: RelayRequest.Type.DELIVER, deposit })
      } catch {
        return
      }
      if (reply.error != null) {
        if (TRANSIENT.has(reply.error.code)) return
        await this.deps.store.settle(held, () => true)
        continue
      }
      const acked = new Set(reply.acks.map(a => hex(a.id)))
      await this.deps.store.settle(held, (m: RelayMessage) => acked.has(hex(m.message?.id ?? new Uint8Array())))
      this.deps.delivered({ receiver: node, messages: acked.size })
    }
  }

  /** one request and its reply (a refusal is the reply's error) */
  private async exchange (peer: string, request: RelayRequest, options: AbortOptions = {}): Promise<RelayReply> {
    const signal = withTimeout(options, TIMEOUTS.relay)
    const stream = await this.deps.openStream(this.deps.peerOf(peer), PROTOCOLS.relay, { signal })
    try {
      const frames = new Frames(stream, { protocol: PROTOCOLS.relay, maxSize: FRAME_LIMITS.relay })
      await frames.write(RelayRequest, request, { signal })
      const reply = await frames.read(RelayReply, { signal })
      checkRelayReply(reply)
      await stream.close({ signal }).catch(() => {})
      return reply
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }
}

/** messages in deposits of at most MAX_RELAY_MESSAGES and one frame's worth of data (a larger message goes alone) */
function split (messages: RelayMessage[]): RelayMessage[][] {
  const batches: RelayMessage[][] = []
  let batch: RelayMessage[] = []
  let bytes = 0
  for (const m of messages) {
    const size = (m.message?.data.byteLength ?? 0) + 256
    if (batch.length > 0 && (batch.length >= MAX_RELAY_MESSAGES || bytes + size > DEPOSIT_DATA_BYTES)) {
      batches.push(batch)
      batch = []
      bytes = 0
    }
    batch.push(m)
    bytes += size
  }
  if (batch.length > 0) batches.push(batch)
  return batches
}

function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}
