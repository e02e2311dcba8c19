import { test } from 'node:test'
import assert from 'node:assert/strict'
import { checkHello, checkPeersRequest, checkPeersResponse, checkRevocation, checkEpoch, checkSubjectRequest, checkJoinRequest, checkLeaderRequest, MalformedFrameError, MAX_RECORDS_PER_MESSAGE, MAX_REVOCATIONS_PER_MESSAGE, MAX_EPOCHS_PER_MESSAGE, SubjectRequest } from '../src/index.js'
import { PeersRequest, LeaderRequest } from '../src/index.js'
import type { Epoch, Hello, PeerRecord, Revocation } from '../src/index.js'

const hello = (over: Partial<Hello> = {}): Hello => ({ version: 1, nodeToken: 'a.b.c', timestamp: 1n, nonce: new Uint8Array(16), signature: new Uint8Array(64), forPeer: new Uint8Array(38), revocationSeq: 0n, epoch: 0n, ...over })
const record = (over: Partial<PeerRecord> = {}): PeerRecord => ({ nodeToken: 'a.b.c', addrs: [new Uint8Array(8)], seq: 1n, signature: new Uint8Array(64), ...over })
const peers = (over: Partial<PeersRequest> = {}): PeersRequest => ({ type: PeersRequest.Type.UPDATE, records: [], key: new Uint8Array(0), count: 0, code: '', reason: '', revocations: [], revocationSeq: 0n, epochs: [], epoch: 0n, held: [], ...over })
const malformed = (fn: () => void): void => { assert.throws(fn, (err: Error) => err instanceof MalformedFrameError && (err).code === 'FRAME_MALFORMED') }

test('a well-formed Hello passes', () => { checkHello(hello()) })
test('Hello: empty token, huge token, missing timestamp, short nonce, short signature are malformed', () => {
  malformed(() => { checkHello(hello({ nodeToken: '' })) })
  malformed(() => { checkHello(hello({ nodeToken: 'x'.repeat(9000) })) })
  malformed(() => { checkHello(hello({ timestamp: 0n })) })
  malformed(() => { checkHello(hello({ nonce: new Uint8Array(15) })) })
  malformed(() => { checkHello(hello({ signature: new Uint8Array(63) })) })
  malformed(() => { checkHello(hello({ forPeer: new Uint8Array(0) })) })
})
test('peers: too many records, bad key size, a bad record inside are malformed', () => {
  checkPeersRequest(peers({ records: [record()] }))
  malformed(() => { checkPeersRequest(peers({ records: Array.from({ length: MAX_RECORDS_PER_MESSAGE + 1 }, () => record()) })) })
  malformed(() => { checkPeersRequest(peers({ type: PeersRequest.Type.NLIST, key: new Uint8Array(31) })) })
  malformed(() => { checkPeersRequest(peers({ records: [record({ addrs: Array.from({ length: 17 }, () => new Uint8Array(8)) })] })) })
  malformed(() => { checkPeersRequest(peers({ records: [record({ seq: 0n })] })) })
})
test('join and leader requests are checked', () => {
  malformed(() => { checkJoinRequest({ identityToken: '' }) })
  malformed(() => { checkLeaderRequest({ type: LeaderRequest.Type.TOKEN, joinProof: new Uint8Array(5), ttlSeconds: 0, attributes: new Map(), identityToken: '', requestId: '', invitationId: '', subject: '', send: false, receive: false }) })
})

const revocation = (over: Partial<Revocation> = {}): Revocation => ({ seq: 1n, jti: '', peer: '12D3KooWAWeuFbnBGVNN5f7ebu8PQmASWmwPyxPA9X5ob7RzEhkW', revokedAtMs: 1n, untilMs: 2n, reason: '', signature: new Uint8Array(64), ...over })

test('revocations: a well-formed one passes; no seq, no target, long fields, no expiry, short signature, too many are malformed', () => {
  checkRevocation(revocation(), 'test')
  checkPeersRequest(peers({ type: PeersRequest.Type.NOTICES, revocations: [revocation()] }))
  malformed(() => { checkRevocation(revocation({ seq: 0n }), 'test') })
  malformed(() => { checkRevocation(revocation({ peer: '', jti: '' }), 'test') })
  malformed(() => { checkRevocation(revocation({ jti: 'j'.repeat(129) }), 'test') })
  malformed(() => { checkRevocation(revocation({ peer: 'p'.repeat(129) }), 'test') })
  malformed(() => { checkRevocation(revocation({ reason: 'r'.repeat(257) }), 'test') })
  malformed(() => { checkRevocation(revocation({ untilMs: 0n }), 'test') })
  malformed(() => { checkRevocation(revocation({ signature: new Uint8Array(63) }), 'test') })
  malformed(() => { checkPeersRequest(peers({ revocations: Array.from({ length: MAX_REVOCATIONS_PER_MESSAGE + 1 }, () => revocation()) })) })
  malformed(() => { checkPeersResponse({ records: [], revocations: [revocation({ seq: 0n })], revocationSeq: 0n, epochs: [], epoch: 0n }) })
})

const epoch = (over: Partial<Epoch> = {}): Epoch => ({ epoch: 1n, startsAtMs: 1n, overlapMs: 0n, salt: new Uint8Array(32), signature: new Uint8Array(64), ...over })

test('epochs: a well-formed one passes (in NOTICES and REGISTER); no number, no start, a short salt or signature, too many are malformed', () => {
  checkEpoch(epoch(), 'test')
  checkPeersRequest(peers({ type: PeersRequest.Type.NOTICES, epochs: [epoch(), epoch({ epoch: 2n })] }))
  const register = { type: SubjectRequest.Type.REGISTER, interestToken: 'i.n.t', identityToken: 'a.b.c', record: record(), key: new Uint8Array(32) }
  checkSubjectRequest({ ...register, epoch: epoch() })
  malformed(() => { checkEpoch(epoch({ epoch: 0n }), 'test') })
  malformed(() => { checkEpoch(epoch({ startsAtMs: 0n }), 'test') })
  malformed(() => { checkEpoch(epoch({ salt: new Uint8Array(16) }), 'test') })
  malformed(() => { checkEpoch(epoch({ signature: new Uint8Array(63) }), 'test') })
  malformed(() => { checkPeersRequest(peers({ epochs: Array.from({ length: MAX_EPOCHS_PER_MESSAGE + 1 }, () => epoch()) })) })
  malformed(() => { checkPeersResponse({ records: [], revocations: [], revocationSeq: 0n, epochs: [epoch({ salt: new Uint8Array(0) })], epoch: 0n }) })
  malformed(() => { checkSubjectRequest({ ...register, epoch: epoch({ epoch: 0n }) }) })
})
