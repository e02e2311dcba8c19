/**
 * The receiving side of a relay delivery: a coordinator hands this node, woken, what a sender
 * deposited for it while it slept. We check the sender ourselves as on a direct stream (its
 * interest and identity tokens and its node's signed record: a matched, authorized sender, inside
 * both audiences), then take the deposit's messages in their order: each one's sender signature
 * first, then its seal (the deposit's session key, agreed with our identity key), then delivery
 * to the subject's subscriptions (dropping an id already delivered: the sender may have sent it
 * itself, or another coordinator had it too), and an ack per message for the coordinator.
 *
 * Blame: the coordinator verified the sender's tokens when it took the deposit and cannot forge
 * the sender's signature, so tokens or a record that no longer verify (unless merely expired) and
 * a message whose signature fails are its doing (RELAY_TAMPERED, an offence of the coordinator);
 * a signed message that does not open is the sender's (MESSAGE_UNDECRYPTABLE, an offence of the
 * sender's node).
 */
import { MessageAck, MessageData, SEAL_TAG_BYTES, WireErrorCode, openData } from '@realmesh/wire'
import { canSend } from '../subjects/audience.js'
import { SubjectError } from '../subjects/errors.js'
import { codeOf } from '../subjects/subject-protocol.js'
import { RelayError } from '../relay/errors.js'
import { signedBy } from '../relay/seal.js'
import { deliver, inheritedAttrs, takers } from './delivery.js'
import { EXPIRY_GRACE_MS } from './inbox.js'
import { NOT_THE_FORWARDERS_FAULT } from '../peers/records.js'
import type { KeyObject } from 'node:crypto'
import type { PeerId } from '@libp2p/interface'
import type { RelayDeposit, RelayMessage } from '@realmesh/wire'
import type { InterestInput, VerifiedInterest } from '../subjects/interest-verifier.js'
import type { LocalInterest } from '../subjects/local-interests.js'
import type { Receiving } from './inbox.js'
import type { SealKeys } from './seal-keys.js'
import type { AckMode, MessageStats, SubjectMessage } from './options.js'

export interface RelayedDeps {
  self: PeerId
  subjects: Map<string, Receiving>
  keys: SealKeys
  admit: (input: InterestInput) => Promise<{ interest: LocalInterest, counterpart: VerifiedInterest }>
  /** a refusal of ours, for scoring (the code says whose offence it is) */
  refused: (peer: string, code: string) => void
  noteReceived: (keyHex: string) => void
  emit: (message: SubjectMessage) => void
  now: () => number
  stats: MessageStats
}

export class RelayedInbox {
  private readonly deps: RelayedDeps

  constructor (deps: RelayedDeps) {
    this.deps = deps
  }

  /**
   * Takes a deposit `coordinator` delivered; resolves with an ack per message (once the
   * application decided, for app acks). Throws a coded error to refuse the whole deposit.
   */
  async take (deposit: RelayDeposit, coordinator: string): Promise<MessageAck[]> {
    const keyHex = Buffer.from(deposit.key).toString('hex')
    const receiving = this.deps.subjects.get(keyHex)
    if (receiving == null) throw new SubjectError(WireErrorCode.SUBJECT_UNKNOWN, `this node has no subscription to subject key ${keyHex}`)
    if (deposit.receiver !== this.deps.self.toString()) throw new RelayError(WireErrorCode.RELAY_RECEIVER_UNKNOWN, `the deposit is for ${deposit.receiver}`)
    const sender = await this.sender(deposit, coordinator)
    let key: KeyObject | undefined
    try {
      key = this.deps.keys.receiver(sender.identity, { subjectKey: deposit.key, session: deposit.session }, deposit.ephemeral)
    } catch {
      // an unusable ephemeral key: each signed message is then the sender's fault (below)
      key = undefined
    }
    // in order; app acks are waited for together at the end
    const acks: Array<Promise<MessageAck>> = []
    for (const relayed of deposit.messages) acks.push(Promise.resolve((await this.one(receiving, sender, deposit, relayed, key, coordinator)).ack))
    return Promise.all(acks)
  }

  /** the sender, verified and admitted as a counterpart; a forged part is the coordinator's offence */
  private async sender (deposit: RelayDeposit, coordinator: string): Promise<VerifiedInterest> {
    let sender: VerifiedInterest
    try {
      sender = (await this.deps.admit({ interestToken: deposit.interestToken, identityToken: deposit.identityToken, key: Uint8Array.from(deposit.key), record: deposit.record })).counterpart
    } catch (err) {
      // what changed while the deposit waited (a token that ran out or was revoked, this node's own
      // subscription, audience or authorize callback) is nobody's doing; anything forged came from
      // the coordinator, which verified the deposit when it took it
      if (!changedSince(err)) this.deps.refused(coordinator, codeOf(err))
      throw err
    }
    if (!canSend(sender.role)) throw new SubjectError(WireErrorCode.SUBJECT_ROLE_MISMATCH, `a ${sender.role} does not send`)
    return sender
  }

  /** one message in its turn: its ack, or (app acks) the promise of it, wrapped so that awaiting this does not wait for it */
  private async one (receiving: Receiving, sender: VerifiedInterest, deposit: RelayDeposit, relayed: RelayMessage, key: KeyObject | undefined, coordinator: string): Promise<{ ack: MessageAck | Promise<MessageAck> }> {
    const data = relayed.message as MessageData
    const refuse = (code: string): { ack: MessageAck } => {
      this.deps.stats.rejected++
      return { ack: ackOf(data, MessageAck.Status.REJECTED, code) }
    }
    if (!await signedBy(sender.identity, deposit, relayed)) {
      this.deps.refused(coordinator, WireErrorCode.RELAY_TAMPERED)
      return refuse(WireErrorCode.RELAY_TAMPERED)
    }
    if (data.data.byteLength > receiving.maxMessageBytes + SEAL_TAG_BYTES) return refuse(WireErrorCode.MESSAGE_TOO_LARGE)
    if (Number(data.expiresAtMs) + EXPIRY_GRACE_MS < this.deps.now()) return refuse(WireErrorCode.MESSAGE_EXPIRED)
    let plain: Uint8Array
    try {
      if (key == null) throw new Error('no session key')
      plain = openData(key, data.seq, data, data.data)
    } catch {
      this.deps.refused(sender.nodeId, WireErrorCode.MESSAGE_UNDECRYPTABLE)
      return refuse(WireErrorCode.MESSAGE_UNDECRYPTABLE)
    }
    const idHex = Buffer.from(data.id).toString('hex')
    if (receiving.seen.has(idHex)) {
      this.deps.stats.duplicates++
      return { ack: ackOf(data, MessageAck.Status.DELIVERED) }
    }
    const attrs = inheritedAttrs(sender, data)
    const handlers = takers(receiving, attrs)
    if (handlers.length === 0) return refuse(WireErrorCode.MESSAGE_FILTERED)
    this.deps.stats.delivered++
    receiving.seen.set(idHex, true)
    const mode: AckMode = data.ack === MessageData.AckMode.NONE ? 'none' : (data.ack === MessageData.AckMode.APP || receiving.ack === 'app' ? 'app' : 'destination')
    const done = deliver(receiving, handlers, sender, data, plain, idHex, mode, attrs, { receivedAt: this.deps.now(), hops: 2 }, this.deps.emit)
    this.deps.noteReceived(receiving.keyHex)
    if (mode !== 'app') return { ack: ackOf(data, MessageAck.Status.DELIVERED) }
    return { ack: done.then((code) => (code == null ? ackOf(data, MessageAck.Status.DELIVERED) : refuse(code).ack)) }
  }
}

function ackOf (data: MessageData, status: MessageAck.Status, code = ''): MessageAck {
  return { seq: data.seq, id: data.id, status, code }
}

/** refusals of a deposit's sender that a change since the deposit explains (not the coordinator's offence) */
const CHANGED_SINCE: ReadonlySet<string> = new Set([WireErrorCode.SUBJECT_UNKNOWN, WireErrorCode.SUBJECT_AUDIENCE, WireErrorCode.SUBJECT_UNAUTHORIZED, WireErrorCode.SUBJECT_ROLE_MISMATCH, WireErrorCode.SUBJECT_DENIED_BY_LEADER, WireErrorCode.SUBJECT_NO_RULE, WireErrorCode.SUBJECT_LEADER_UNAVAILABLE])

export function changedSince (err: unknown): boolean {
  const { code, tokenCode } = err as { code?: string, tokenCode?: string }
  return NOT_THE_FORWARDERS_FAULT.has(tokenCode ?? code ?? '') || CHANGED_SINCE.has(codeOf(err))
}
