// The fixed inputs behind test/vectors/*.json. make-vectors.ts writes the files from these;
// vectors.test.ts checks that encoding the same inputs still gives the stored bytes.
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Hello, HandshakeReply, HandshakeDone, JoinRequest, JoinResponse, PeersRequest, PeersResponse, LeaderRequest, LeaderResponse, Broadcast, SubjectRequest, SubjectResponse, MessageOpen, MessageData, MessageReply, MessageAck, DirectRequest, DirectResponse, Revocation, Epoch } from '../src/index.js'
import { handshakeSigningBytes, peerRecordSigningBytes, joinProofBytes, revocationSigningBytes, epochSigningBytes, x25519FromEd25519Public, x25519FromEd25519Seed, x25519PublicKey, x25519Raw, senderSessionKey, sealData } from '../src/index.js'
import type { MessageCodec, SealedHeader } from '../src/index.js'
import type { PeerId } from '@libp2p/interface'

const bytes = (length: number, fill: number): Uint8Array => new Uint8Array(length).fill(fill)

export async function fixedPeer (seedByte: number): Promise<PeerId> {
  const key = await generateKeyPairFromSeed('Ed25519', bytes(32, seedByte))
  return peerIdFromPrivateKey(key)
}

const revocation = { seq: 3n, jti: '', peer: '12D3KooWAWeuFbnBGVNN5f7ebu8PQmASWmwPyxPA9X5ob7RzEhkW', revokedAtMs: 1700000000000n, untilMs: 1700086430000n, reason: 'key lost', signature: bytes(64, 14) }

const epoch = { epoch: 4n, startsAtMs: 1700000000000n, overlapMs: 360000n, salt: bytes(32, 15), signature: bytes(64, 16) }

const record = { nodeToken: 'eyJhbGciOiJFZERTQSJ9.e30.sig', addrs: [Uint8Array.from([4, 127, 0, 0, 1, 6, 0x0f, 0xa1])], seq: 1700000000000n, signature: bytes(64, 3) }

/** a sleepy member's record: awake 20 s of every 60 s, from its anchor, and when it has data */
const wake = { awakeMs: 20_000, periodMs: 60_000, anchorMs: 1699999990000n, onData: true }
const sleepyRecord = { ...record, wake }

export interface MessageCase<T> { name: string, codec: MessageCodec<T>, message: T }

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a heterogeneous list of (codec, message) pairs
export const messageCases: Array<MessageCase<any>> = [
  { name: 'Hello', codec: Hello, message: { version: 1, nodeToken: 'a.b.c', timestamp: 1700000000000n, nonce: bytes(16, 1), signature: bytes(64, 2), forPeer: bytes(38, 4), revocationSeq: 12n, epoch: 4n } },
  { name: 'HandshakeReply.error', codec: HandshakeReply, message: { error: { code: 'VERSION_MISMATCH', reason: 'we speak 1, you speak 2' } } },
  { name: 'HandshakeDone.ok', codec: HandshakeDone, message: {} },
  { name: 'JoinRequest', codec: JoinRequest, message: { identityToken: 'a.b.c', record } },
  { name: 'JoinRequest.sleepy', codec: JoinRequest, message: { identityToken: 'a.b.c', record: sleepyRecord } },
  { name: 'JoinResponse.nack', codec: JoinResponse, message: { status: JoinResponse.Status.NACK, code: 'JOIN_AUTHZ_DENIED', reason: 'not on the list', identityToken: '', retryAfterMs: 0 } },
  { name: 'JoinResponse.deferred', codec: JoinResponse, message: { status: JoinResponse.Status.DEFERRED, code: 'JOIN_DEFERRED', reason: 'asked the leader', identityToken: '', retryAfterMs: 2000 } },
  { name: 'PeersRequest.update', codec: PeersRequest, message: { type: PeersRequest.Type.UPDATE, records: [record], key: new Uint8Array(0), count: 0, code: '', reason: '', revocations: [], revocationSeq: 0n, epochs: [], epoch: 0n, held: [] } },
  { name: 'PeersRequest.nlist', codec: PeersRequest, message: { type: PeersRequest.Type.NLIST, records: [], key: bytes(32, 5), count: 20, code: '', reason: '', revocations: [], revocationSeq: 0n, epochs: [], epoch: 0n, held: [] } },
  { name: 'PeersRequest.keepalive', codec: PeersRequest, message: { type: PeersRequest.Type.KEEPALIVE, records: [record], key: new Uint8Array(0), count: 0, code: '', reason: '', revocations: [], revocationSeq: 12n, epochs: [], epoch: 4n, held: [] } },
  { name: 'PeersRequest.notices', codec: PeersRequest, message: { type: PeersRequest.Type.NOTICES, records: [], key: new Uint8Array(0), count: 0, code: '', reason: '', revocations: [revocation], revocationSeq: 0n, epochs: [], epoch: 0n, held: [] } },
  { name: 'PeersRequest.disconnect', codec: PeersRequest, message: { type: PeersRequest.Type.DISCONNECT, records: [], key: new Uint8Array(0), count: 0, code: 'TOKEN_REVOKED', reason: 'revoked by the realm leader', revocations: [revocation], revocationSeq: 0n, epochs: [], epoch: 0n, held: [] } },
  { name: 'PeersResponse', codec: PeersResponse, message: { records: [record], revocations: [], revocationSeq: 12n, epochs: [], epoch: 4n } },
  { name: 'PeersResponse.revocations', codec: PeersResponse, message: { records: [], revocations: [revocation], revocationSeq: 0n, epochs: [], epoch: 0n } },
  { name: 'PeersRequest.notices-ask', codec: PeersRequest, message: { type: PeersRequest.Type.NOTICES, records: [], key: new Uint8Array(0), count: 0, code: '', reason: '', revocations: [], revocationSeq: 12n, epochs: [], epoch: 3n, held: [] } },
  { name: 'PeersRequest.avail', codec: PeersRequest, message: { type: PeersRequest.Type.AVAIL, records: [], key: new Uint8Array(0), count: 0, code: '', reason: '', revocations: [], revocationSeq: 0n, epochs: [], epoch: 0n, held: [] } },
  { name: 'PeersRequest.sleep', codec: PeersRequest, message: { type: PeersRequest.Type.SLEEP, records: [], key: new Uint8Array(0), count: 0, code: '', reason: '', revocations: [], revocationSeq: 0n, epochs: [], epoch: 0n, held: [] } },
  { name: 'PeersResponse.avail-ack', codec: PeersResponse, message: { records: [], revocations: [], revocationSeq: 0n, epochs: [], epoch: 0n, pending: true } },
  { name: 'PeersResponse.epochs', codec: PeersResponse, message: { records: [], revocations: [], revocationSeq: 0n, epochs: [epoch], epoch: 0n } },
  { name: 'Revocation', codec: Revocation, message: revocation },
  { name: 'Epoch', codec: Epoch, message: epoch },
  { name: 'LeaderRequest.token', codec: LeaderRequest, message: { type: LeaderRequest.Type.TOKEN, joinProof: bytes(32, 6), ttlSeconds: 86400, attributes: new Map([['hostname', 'n1']]), identityToken: '', requestId: '', invitationId: '', subject: '', send: false, receive: false } },
  { name: 'Broadcast', codec: Broadcast, message: { nodeToken: 'a.b.c', data: Uint8Array.from([104, 105]) } },
  { name: 'LeaderResponse.pending', codec: LeaderResponse, message: { status: LeaderResponse.Status.PENDING, token: '', requestId: 'r-1', code: 'TOKEN_REQUEST_PENDING', reason: 'waiting for approval', retryAfterMs: 5000, validForMs: 0 } },
  { name: 'SubjectRequest.register', codec: SubjectRequest, message: { type: SubjectRequest.Type.REGISTER, interestToken: 'i.n.t', identityToken: 'a.b.c', record, key: bytes(32, 9) } },
  { name: 'SubjectRequest.register-epoch', codec: SubjectRequest, message: { type: SubjectRequest.Type.REGISTER, interestToken: 'i.n.t', identityToken: 'a.b.c', record, key: bytes(32, 9), epoch } },
  { name: 'SubjectRequest.match', codec: SubjectRequest, message: { type: SubjectRequest.Type.MATCH, interestToken: 'i.n.t', identityToken: 'a.b.c', record, key: bytes(32, 9) } },
  { name: 'SubjectRequest.withdraw', codec: SubjectRequest, message: { type: SubjectRequest.Type.WITHDRAW, interestToken: 'i.n.t', identityToken: '', key: bytes(32, 9) } },
  { name: 'SubjectResponse.error', codec: SubjectResponse, message: { error: { code: 'INTEREST_NODE_MISMATCH', reason: 'the interest names another node' } } },
  { name: 'MessageOpen', codec: MessageOpen, message: { key: bytes(32, 9), interestToken: 'i.n.t', identityToken: 'a.b.c', session: bytes(16, 10), ephemeral: bytes(32, 14) } },
  { name: 'MessageData', codec: MessageData, message: { id: bytes(16, 11), seq: 7n, data: Uint8Array.from([104, 105]), ack: MessageData.AckMode.DESTINATION, replySubject: 'replies', expiresAtMs: 1700000030000n, lowSeq: 5n, attrs: new Map() } },
  { name: 'MessageReply.open', codec: MessageReply, message: { maxData: 1048576, acks: [] } },
  { name: 'MessageReply.acks', codec: MessageReply, message: { maxData: 0, acks: [{ seq: 5n, id: bytes(16, 11), status: MessageAck.Status.DELIVERED, code: '' }, { seq: 6n, id: bytes(16, 12), status: MessageAck.Status.REJECTED, code: 'MESSAGE_TOO_LARGE' }] } },
  { name: 'MessageReply.error', codec: MessageReply, message: { error: { code: 'SUBJECT_UNAUTHORIZED', reason: 'not on the list' }, maxData: 0, acks: [] } },
  { name: 'DirectRequest', codec: DirectRequest, message: { id: bytes(16, 13), data: Uint8Array.from([1, 2, 3]) } },
  { name: 'DirectResponse.error', codec: DirectResponse, message: { data: new Uint8Array(0), error: { code: 'NO_HANDLER', reason: 'no request handler' } } }
]

export async function signingCases (): Promise<Array<{ name: string, bytes: Uint8Array }>> {
  const a = await fixedPeer(1)
  const b = await fixedPeer(2)
  return [
    { name: 'handshake', bytes: handshakeSigningBytes({ tokenHash: bytes(32, 7), timestamp: 1700000000000n, nonce: bytes(16, 8), remotePeer: b }) },
    { name: 'peer-record', bytes: peerRecordSigningBytes({ tokenHash: bytes(32, 7), addrs: record.addrs, seq: record.seq }) },
    { name: 'peer-record.sleepy', bytes: peerRecordSigningBytes({ tokenHash: bytes(32, 7), addrs: record.addrs, seq: record.seq, wake }) },
    { name: 'join-proof', bytes: joinProofBytes(a, b) },
    { name: 'revocation', bytes: revocationSigningBytes({ realmId: 'realm-id', ...revocation }) },
    { name: 'epoch', bytes: epochSigningBytes({ realmId: 'realm-id', ...epoch }) }
  ]
}

/** the sealing inputs: two identities from fixed seeds, a fixed ephemeral key, one message */
export async function sealingInputs (): Promise<{ sender: { seed: Uint8Array, edPublic: Uint8Array }, receiver: { seed: Uint8Array, edPublic: Uint8Array }, session: { subjectKey: Uint8Array, session: Uint8Array, senderIdentity: Uint8Array, receiverIdentity: Uint8Array }, header: SealedHeader, seq: bigint, data: Uint8Array }> {
  const identity = async (seedByte: number): Promise<{ seed: Uint8Array, edPublic: Uint8Array }> => {
    const seed = bytes(32, seedByte)
    return { seed, edPublic: (await generateKeyPairFromSeed('Ed25519', seed)).publicKey.raw }
  }
  const sender = await identity(1)
  const receiver = await identity(2)
  return {
    sender,
    receiver,
    session: { subjectKey: bytes(32, 9), session: bytes(16, 10), senderIdentity: sender.edPublic, receiverIdentity: receiver.edPublic },
    header: { id: bytes(16, 11), expiresAtMs: 1700000030000n, ack: MessageData.AckMode.DESTINATION, replySubject: 'replies' },
    seq: 7n,
    data: new TextEncoder().encode('hello, sealed')
  }
}

export async function sealingCases (): Promise<Array<{ name: string, bytes: Uint8Array }>> {
  const input = await sealingInputs()
  const ephemeralKey = x25519FromEd25519Seed(bytes(32, 3))
  const { ephemeral, key } = senderSessionKey(x25519FromEd25519Seed(input.sender.seed), x25519PublicKey(x25519FromEd25519Public(input.receiver.edPublic)), input.session, ephemeralKey)
  const { ciphertext, tag } = sealData(key, input.seq, input.header, input.data)
  return [
    { name: 'sender.x25519', bytes: x25519FromEd25519Public(input.sender.edPublic) },
    { name: 'receiver.x25519', bytes: x25519FromEd25519Public(input.receiver.edPublic) },
    { name: 'ephemeral', bytes: ephemeral },
    { name: 'ephemeral.check', bytes: x25519Raw(ephemeralKey) },
    { name: 'session-key', bytes: key.export() },
    { name: 'sealed', bytes: Buffer.concat([ciphertext, tag]) }
  ]
}
