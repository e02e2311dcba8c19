/**
 * Relayed messages travel sealed end to end as on a direct stream: a deposit is a sender session
 * of its own (16 random bytes and a fresh ephemeral key, seqs from 1), its data key agreed with
 * the receiver identity's key (seal-keys.ts), each message's data sealed under it with its header
 * authenticated. Besides, the sender identity signs each message (relaySigningBytes: the sealed
 * data's hash, its header and the deposit's subject key, session and ephemeral key), so that the
 * receiver tells who is to blame for one that does not open: a signature that does not verify is
 * the coordinator's doing (it changed or made up the message), a signed message that does not
 * open is the sender's.
 */
import { createHash, randomBytes } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import { relaySigningBytes, sealData } from '@realmesh/wire'
import { ACK_MODES } from '../messaging/message-stream.js'
import type { PrivateKey } from '@libp2p/interface'
import type { MessageData, RelayDeposit, RelayMessage } from '@realmesh/wire'
import type { SealKeys } from '../messaging/seal-keys.js'
import type { Outgoing } from '../messaging/sender-link.js'

/** an ack mode's protobuf number, as the signature covers it */
const ACK_NUMBERS: Record<MessageData.AckMode, number> = { NONE: 0, DESTINATION: 1, APP: 2 }

export type SealedDeposit = Pick<RelayDeposit, 'session' | 'ephemeral' | 'messages'>

/** Seals `messages` (in their order) for `receiverIdentity` in a new session, each signed by this node's identity. */
export async function sealDeposit (keys: SealKeys, identityKey: PrivateKey, subjectKey: Uint8Array, receiverIdentity: string, messages: Outgoing[]): Promise<SealedDeposit> {
  const session = Uint8Array.from(randomBytes(16))
  const { ephemeral, key } = keys.sender(receiverIdentity, { subjectKey, session })
  const sealed: RelayMessage[] = []
  let seq = 0n
  for (const m of messages) {
    seq++
    const header = { id: m.id, seq, ack: ACK_MODES[m.ack], replySubject: m.replySubject, attrs: m.attrs, expiresAtMs: BigInt(m.expiresAt), lowSeq: seq }
    const { ciphertext, tag } = sealData(key, seq, header, m.data)
    const message: MessageData = { ...header, data: Buffer.concat([ciphertext, tag]) }
    const signature = await identityKey.sign(signingBytes(subjectKey, session, ephemeral, message))
    sealed.push({ message, signature: Uint8Array.from(signature) })
  }
  return { session, ephemeral, messages: sealed }
}

/** whether a relayed message carries the signature of `senderIdentity` (a peer id) */
export async function signedBy (senderIdentity: string, deposit: Pick<RelayDeposit, 'key' | 'session' | 'ephemeral'>, relayed: RelayMessage): Promise<boolean> {
  const publicKey = peerIdFromString(senderIdentity).publicKey
  if (publicKey == null || relayed.message == null) return false
  try {
    return await publicKey.verify(signingBytes(deposit.key, deposit.session, deposit.ephemeral, relayed.message), relayed.signature)
  } catch {
    return false
  }
}

function signingBytes (key: Uint8Array, session: Uint8Array, ephemeral: Uint8Array, message: MessageData): Uint8Array {
  return relaySigningBytes({
    key,
    session,
    ephemeral,
    id: message.id,
    seq: message.seq,
    expiresAtMs: message.expiresAtMs,
    ack: ACK_NUMBERS[message.ack],
    replySubject: message.replySubject,
    dataHash: createHash('sha256').update(message.data).digest(),
    attrs: message.attrs
  })
}
