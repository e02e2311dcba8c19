/**
 * Schema checks: what a decoded message must hold before anything else looks at it. Each failure
 * is a MalformedFrameError naming the field. Signatures, tokens and policy are checked later, by
 * the protocol that receives the message.
 */
import { MalformedFrameError } from './errors.js'
import { messageAttributesProblem } from './attributes.js'
import { MAX_SERVICE_NAME_BYTES, MAX_TUNNEL_SERVICES, MAX_ACKS_PER_REPLY, MAX_RELAY_MESSAGES, MAX_ADDRS_PER_RECORD, MAX_ADDR_BYTES, MAX_EPOCHS_PER_MESSAGE, MAX_HELD_PER_REQUEST, HELD_FINGERPRINT_BYTES, MAX_RECORDS_PER_MESSAGE, MAX_REVOCATIONS_PER_MESSAGE, MAX_SUBJECT_BYTES, PROTOCOLS, WAKE_LIMITS } from './protocols.js'
import { LeaderRequest, SubjectRequest, TunnelRequest } from './proto/realmesh.js'
import type { ForwardRequest, ForwardResponse, RelayReply, RelayRequest, TunnelResponse } from './proto/realmesh.js'
import type { DirectRequest, Epoch, Hello, JoinRequest, MessageData, MessageOpen, MessageReply, PeerRecord, PeersRequest, PeersResponse, Revocation, WakeSchedule } from './proto/realmesh.js'

/** a compact JWS is never longer than this on the wire */
export const MAX_TOKEN_CHARS = 8 * 1024
export const NONCE_BYTES = 16
export const SIGNATURE_BYTES = 64
export const KEY_BYTES = 32
/** an epoch's salt */
export const SALT_BYTES = 32
/** message ids, sessions and direct request ids */
export const ID_BYTES = 16

function fail (protocol: string, detail: string): never {
  throw new MalformedFrameError(protocol, detail)
}

function checkToken (protocol: string, field: string, token: string): void {
  if (token.length === 0) fail(protocol, `${field} is empty`)
  if (token.length > MAX_TOKEN_CHARS) fail(protocol, `${field} is longer than ${MAX_TOKEN_CHARS} characters`)
}

export function checkHello (hello: Hello): void {
  const p = PROTOCOLS.handshake
  checkToken(p, 'node_token', hello.nodeToken)
  if (hello.timestamp <= 0n) fail(p, 'timestamp is missing')
  if (hello.nonce.byteLength !== NONCE_BYTES) fail(p, `nonce must be ${NONCE_BYTES} bytes, got ${hello.nonce.byteLength}`)
  if (hello.signature.byteLength !== SIGNATURE_BYTES) fail(p, `signature must be ${SIGNATURE_BYTES} bytes, got ${hello.signature.byteLength}`)
  if (hello.forPeer.byteLength === 0 || hello.forPeer.byteLength > 64) fail(p, 'for_peer must be a peer id multihash')
}

export function checkPeerRecord (record: PeerRecord, protocol: string): void {
  checkToken(protocol, 'record.node_token', record.nodeToken)
  if (record.addrs.length > MAX_ADDRS_PER_RECORD) fail(protocol, `record has ${record.addrs.length} addresses, at most ${MAX_ADDRS_PER_RECORD}`)
  for (const addr of record.addrs) {
    if (addr.byteLength === 0 || addr.byteLength > MAX_ADDR_BYTES) fail(protocol, `record address of ${addr.byteLength} bytes (1..${MAX_ADDR_BYTES})`)
  }
  if (record.seq <= 0n) fail(protocol, 'record.seq is missing')
  if (record.signature.byteLength !== SIGNATURE_BYTES) fail(protocol, `record.signature must be ${SIGNATURE_BYTES} bytes`)
  const problem = record.wake == null ? undefined : wakeScheduleProblem(record.wake)
  if (problem != null) fail(protocol, `record.wake: ${problem}`)
}

/**
 * What is wrong with a wake schedule (WAKE_LIMITS), or undefined when nothing is: awake at least
 * minAwakeMs, asleep at least minSleepMs of each period, a period of at most maxPeriodMs, anchored
 * at a time after the epoch.
 */
export function wakeScheduleProblem (wake: Pick<WakeSchedule, 'awakeMs' | 'periodMs' | 'anchorMs'>): string | undefined {
  const { minAwakeMs, minSleepMs, maxPeriodMs } = WAKE_LIMITS
  if (!Number.isInteger(wake.awakeMs) || wake.awakeMs < minAwakeMs) return `awake for at least ${minAwakeMs} ms of each period, got ${wake.awakeMs}`
  if (!Number.isInteger(wake.periodMs) || wake.periodMs > maxPeriodMs) return `a period of at most ${maxPeriodMs} ms, got ${wake.periodMs}`
  if (wake.periodMs - wake.awakeMs < minSleepMs) return `asleep for at least ${minSleepMs} ms of each period: awake ${wake.awakeMs} of ${wake.periodMs} ms`
  if (wake.anchorMs <= 0n) return 'anchor_ms is missing'
  return undefined
}

/** most characters of a revocation's jti, peer id and reason */
export const MAX_REVOCATION_JTI_CHARS = 128
export const MAX_REVOCATION_PEER_CHARS = 128
export const MAX_REVOCATION_REASON_CHARS = 256

export function checkRevocation (revocation: Revocation, protocol: string): void {
  if (revocation.seq <= 0n) fail(protocol, 'revocation.seq is missing')
  if (revocation.jti === '' && revocation.peer === '') fail(protocol, 'revocation names neither a jti nor a peer')
  if (revocation.jti.length > MAX_REVOCATION_JTI_CHARS) fail(protocol, `revocation.jti longer than ${MAX_REVOCATION_JTI_CHARS} characters`)
  if (revocation.peer.length > MAX_REVOCATION_PEER_CHARS) fail(protocol, `revocation.peer longer than ${MAX_REVOCATION_PEER_CHARS} characters`)
  if (revocation.reason.length > MAX_REVOCATION_REASON_CHARS) fail(protocol, `revocation.reason longer than ${MAX_REVOCATION_REASON_CHARS} characters`)
  if (revocation.untilMs <= 0n) fail(protocol, 'revocation.until_ms is missing')
  if (revocation.signature.byteLength !== SIGNATURE_BYTES) fail(protocol, `revocation.signature must be ${SIGNATURE_BYTES} bytes`)
}

function checkRevocations (revocations: Revocation[], protocol: string): void {
  if (revocations.length > MAX_REVOCATIONS_PER_MESSAGE) fail(protocol, `${revocations.length} revocations, at most ${MAX_REVOCATIONS_PER_MESSAGE}`)
  for (const revocation of revocations) checkRevocation(revocation, protocol)
}

export function checkEpoch (epoch: Epoch, protocol: string): void {
  if (epoch.epoch <= 0n) fail(protocol, 'epoch.epoch is missing (epochs are numbered from 1)')
  if (epoch.startsAtMs <= 0n) fail(protocol, 'epoch.starts_at_ms is missing')
  if (epoch.salt.byteLength !== SALT_BYTES) fail(protocol, `epoch.salt must be ${SALT_BYTES} bytes, got ${epoch.salt.byteLength}`)
  if (epoch.signature.byteLength !== SIGNATURE_BYTES) fail(protocol, `epoch.signature must be ${SIGNATURE_BYTES} bytes`)
}

function checkEpochs (epochs: Epoch[], protocol: string): void {
  if (epochs.length > MAX_EPOCHS_PER_MESSAGE) fail(protocol, `${epochs.length} epochs, at most ${MAX_EPOCHS_PER_MESSAGE}`)
  for (const epoch of epochs) checkEpoch(epoch, protocol)
}

export function checkJoinRequest (request: JoinRequest): void {
  const p = PROTOCOLS.join
  checkToken(p, 'identity_token', request.identityToken)
  if (request.record != null) checkPeerRecord(request.record, p)
}

export function checkPeersRequest (request: PeersRequest): void {
  const p = PROTOCOLS.peers
  if (request.records.length > MAX_RECORDS_PER_MESSAGE) fail(p, `${request.records.length} records, at most ${MAX_RECORDS_PER_MESSAGE}`)
  for (const record of request.records) checkPeerRecord(record, p)
  if (request.key.byteLength !== 0 && request.key.byteLength !== KEY_BYTES) fail(p, `key must be ${KEY_BYTES} bytes`)
  if (request.count > MAX_RECORDS_PER_MESSAGE) fail(p, `count above ${MAX_RECORDS_PER_MESSAGE}`)
  if (request.held.length > MAX_HELD_PER_REQUEST) fail(p, `${request.held.length} held records, at most ${MAX_HELD_PER_REQUEST}`)
  for (const held of request.held) if (held.fingerprint.byteLength !== HELD_FINGERPRINT_BYTES) fail(p, `a held record's fingerprint must be ${HELD_FINGERPRINT_BYTES} bytes`)
  if (request.reason.length > 256) fail(p, 'reason longer than 256 characters')
  checkRevocations(request.revocations, p)
  checkEpochs(request.epochs, p)
}

export function checkPeersResponse (response: PeersResponse): void {
  const p = PROTOCOLS.peers
  if (response.records.length > MAX_RECORDS_PER_MESSAGE) fail(p, `${response.records.length} records, at most ${MAX_RECORDS_PER_MESSAGE}`)
  checkRevocations(response.revocations, p)
  checkEpochs(response.epochs, p)
}

export function checkLeaderRequest (request: LeaderRequest): void {
  const p = PROTOCOLS.leader
  if (request.joinProof.byteLength !== 0 && request.joinProof.byteLength !== 32) fail(p, 'join_proof must be 32 bytes (HMAC-SHA256)')
  if (request.attributes.size > 16) fail(p, 'more than 16 attributes')
  for (const [key, value] of request.attributes) {
    if (key.length > 64 || value.length > 256) fail(p, `attribute ${key.slice(0, 64)} too long (key <= 64, value <= 256)`)
  }
  if (request.identityToken.length > MAX_TOKEN_CHARS) fail(p, 'identity_token too long')
  if (request.requestId.length > 128) fail(p, 'request_id too long')
  if (request.invitationId.length > 128) fail(p, 'invitation_id too long')
  if (request.invitationId !== '' && request.joinProof.byteLength === 0) fail(p, 'invitation_id without a join_proof (HMAC of the invitation\'s secret)')
  if (utf8Length(request.subject) > MAX_SUBJECT_BYTES) fail(p, `subject longer than ${MAX_SUBJECT_BYTES} bytes`)
  if (request.type === LeaderRequest.Type.AUTHORIZE && (request.subject === '' || request.identityToken === '' || !(request.send || request.receive))) {
    fail(p, 'AUTHORIZE needs a subject, the counterpart\'s identity token, and send or receive')
  }
}

export function checkSubjectRequest (request: SubjectRequest): void {
  const p = PROTOCOLS.subject
  checkToken(p, 'interest_token', request.interestToken)
  if (request.key.byteLength !== KEY_BYTES) fail(p, `key must be ${KEY_BYTES} bytes, got ${request.key.byteLength}`)
  if (request.epoch != null) checkEpoch(request.epoch, p)
  if (request.type === SubjectRequest.Type.WITHDRAW) return
  checkToken(p, 'identity_token', request.identityToken)
  if (request.record == null) fail(p, 'record is missing')
  checkPeerRecord(request.record, p)
}

export function checkMessageOpen (open: MessageOpen): void {
  const p = PROTOCOLS.message
  if (open.key.byteLength !== KEY_BYTES) fail(p, `key must be ${KEY_BYTES} bytes, got ${open.key.byteLength}`)
  checkToken(p, 'interest_token', open.interestToken)
  checkToken(p, 'identity_token', open.identityToken)
  if (open.session.byteLength !== ID_BYTES) fail(p, `session must be ${ID_BYTES} bytes, got ${open.session.byteLength}`)
  if (open.ephemeral.byteLength !== KEY_BYTES) fail(p, `ephemeral must be ${KEY_BYTES} bytes, got ${open.ephemeral.byteLength}`)
}

/** data size is the receiver's own check (it refuses a too-large message and goes on) */
export function checkMessageData (data: MessageData): void {
  const p = PROTOCOLS.message
  if (data.id.byteLength !== ID_BYTES) fail(p, `id must be ${ID_BYTES} bytes, got ${data.id.byteLength}`)
  if (data.seq <= 0n) fail(p, 'seq is missing')
  if (data.lowSeq <= 0n || data.lowSeq > data.seq) fail(p, 'low_seq must be 1..seq')
  if (data.expiresAtMs <= 0n) fail(p, 'expires_at_ms is missing')
  if (utf8Length(data.replySubject) > MAX_SUBJECT_BYTES) fail(p, `reply_subject longer than ${MAX_SUBJECT_BYTES} bytes`)
  const problem = messageAttributesProblem(data.attrs)
  if (problem != null) fail(p, `attrs: ${problem}`)
}

export function checkMessageReply (reply: MessageReply): void {
  const p = PROTOCOLS.message
  if (reply.acks.length > MAX_ACKS_PER_REPLY) fail(p, `${reply.acks.length} acks, at most ${MAX_ACKS_PER_REPLY}`)
  for (const ack of reply.acks) {
    if (ack.seq <= 0n) fail(p, 'ack.seq is missing')
    if (ack.code.length > 64) fail(p, 'ack.code longer than 64 characters')
  }
}

/** a relay request: a whole deposit, each message as a MessageData frame would be (its data's size is the receiver's check) */
export function checkRelayRequest (request: RelayRequest): void {
  const p = PROTOCOLS.relay
  const deposit = request.deposit
  if (deposit == null) fail(p, 'deposit is missing')
  if (deposit.key.byteLength !== KEY_BYTES) fail(p, `key must be ${KEY_BYTES} bytes, got ${deposit.key.byteLength}`)
  if (deposit.receiver.length === 0 || deposit.receiver.length > 128) fail(p, 'receiver must be a peer id')
  checkToken(p, 'interest_token', deposit.interestToken)
  checkToken(p, 'identity_token', deposit.identityToken)
  if (deposit.record == null) fail(p, 'record is missing')
  checkPeerRecord(deposit.record, p)
  if (deposit.session.byteLength !== ID_BYTES) fail(p, `session must be ${ID_BYTES} bytes, got ${deposit.session.byteLength}`)
  if (deposit.ephemeral.byteLength !== KEY_BYTES) fail(p, `ephemeral must be ${KEY_BYTES} bytes, got ${deposit.ephemeral.byteLength}`)
  if (deposit.messages.length === 0 || deposit.messages.length > MAX_RELAY_MESSAGES) fail(p, `a deposit holds 1 to ${MAX_RELAY_MESSAGES} messages, got ${deposit.messages.length}`)
  let seq = 0n
  for (const relayed of deposit.messages) {
    const data = relayed.message
    if (data == null) fail(p, 'message is missing')
    if (data.id.byteLength !== ID_BYTES) fail(p, `id must be ${ID_BYTES} bytes, got ${data.id.byteLength}`)
    if (data.seq <= seq) fail(p, 'seqs must rise within a deposit')
    seq = data.seq
    if (data.expiresAtMs <= 0n) fail(p, 'expires_at_ms is missing')
    if (utf8Length(data.replySubject) > MAX_SUBJECT_BYTES) fail(p, `reply_subject longer than ${MAX_SUBJECT_BYTES} bytes`)
    if (relayed.signature.byteLength !== SIGNATURE_BYTES) fail(p, `signature must be ${SIGNATURE_BYTES} bytes, got ${relayed.signature.byteLength}`)
  }
}

export function checkRelayReply (reply: RelayReply): void {
  const p = PROTOCOLS.relay
  if (reply.acks.length > MAX_RELAY_MESSAGES) fail(p, `${reply.acks.length} acks, at most ${MAX_RELAY_MESSAGES}`)
  for (const ack of reply.acks) if (ack.code.length > 64) fail(p, 'ack.code longer than 64 characters')
}

export function checkDirectRequest (request: DirectRequest): void {
  if (request.id.byteLength !== ID_BYTES) fail(PROTOCOLS.direct, `id must be ${ID_BYTES} bytes, got ${request.id.byteLength}`)
}

/** a tunnel service name: 1..MAX_SERVICE_NAME_BYTES of [A-Za-z0-9._-], beginning with a letter or digit */
const SERVICE_NAME = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,${MAX_SERVICE_NAME_BYTES - 1}}$`)

/** whether `name` is a valid tunnel service name */
export function isServiceName (name: string): boolean {
  return SERVICE_NAME.test(name)
}

export function checkTunnelRequest (request: TunnelRequest): void {
  const p = PROTOCOLS.tunnel
  if (!Object.values(TunnelRequest.Type).includes(request.type)) fail(p, 'type is unknown')
  if (request.type === TunnelRequest.Type.LIST) {
    if (request.service !== '') fail(p, 'service must be empty in a LIST request')
    return
  }
  if (!isServiceName(request.service)) fail(p, `service must be 1 to ${MAX_SERVICE_NAME_BYTES} of [A-Za-z0-9._-], beginning with a letter or digit`)
}

export function checkTunnelResponse (response: TunnelResponse): void {
  const p = PROTOCOLS.tunnel
  if (response.services.length > MAX_TUNNEL_SERVICES) fail(p, `more than ${MAX_TUNNEL_SERVICES} services`)
  for (const name of response.services) if (!isServiceName(name)) fail(p, 'services holds an invalid name')
  if (response.error != null && (response.error.code === '' || response.error.code.length > 64)) fail(p, 'error.code must be 1 to 64 characters')
}

/** a peer id as multihash bytes: an identity multihash of an Ed25519 key is 38 bytes; at most 64 */
export function checkForwardRequest (request: ForwardRequest, protocol: string): void {
  if (request.peer.byteLength === 0 || request.peer.byteLength > 64) fail(protocol, `peer must be 1 to 64 bytes, got ${request.peer.byteLength}`)
}

export function checkForwardResponse (response: ForwardResponse, protocol: string): void {
  if (response.error != null && (response.error.code === '' || response.error.code.length > 64)) fail(protocol, 'error.code must be 1 to 64 characters')
}

/** Checks a subject name (or reply subject): 1..MAX_SUBJECT_BYTES UTF-8 bytes; returns it. */
export function checkSubjectName (subject: string, field = 'subject'): string {
  if (typeof subject !== 'string' || subject.length === 0) throw new MalformedFrameError(PROTOCOLS.subject, `${field} must be a non-empty string`)
  if (utf8Length(subject) > MAX_SUBJECT_BYTES) throw new MalformedFrameError(PROTOCOLS.subject, `${field} is longer than ${MAX_SUBJECT_BYTES} bytes`)
  return subject
}

const encoder = new TextEncoder()

function utf8Length (text: string): number {
  // at most 3 bytes per UTF-16 unit: skip the encoding when the answer is clear anyway
  if (text.length * 3 <= MAX_SUBJECT_BYTES) return text.length
  return encoder.encode(text).byteLength
}
