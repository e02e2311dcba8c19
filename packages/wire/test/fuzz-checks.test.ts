// Fuzzing of the schema checks (checks.ts) and the signed byte layouts (signing.ts).
// The checks promise: a decoded message passes, or MalformedFrameError (FRAME_MALFORMED) names the
// field; and they accept exactly the messages within the documented limits. The layouts promise:
// the bytes hold every input, unambiguously (they parse back), and what passes a check can always
// be laid out for its signature.
// Cases per property: fast-check's default (100), or FUZZ_CASES under `pnpm fuzz`.
import { describe, test, before } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import {
  checkDirectRequest, checkTunnelRequest, checkTunnelResponse, TunnelRequest, TunnelResponse, MAX_TUNNEL_SERVICES, checkHello, checkJoinRequest, checkLeaderRequest, checkMessageData, checkMessageOpen, checkMessageReply,
  checkEpoch, checkPeerRecord, checkPeersRequest, checkSubjectName, checkSubjectRequest, epochSigningBytes, handshakeSigningBytes, joinProofBytes, peerRecordSigningBytes,
  DirectRequest, Epoch, Hello, JoinRequest, LeaderRequest, MalformedFrameError, MessageAck, MessageData, MessageOpen, MessageReply, PeerRecord, WAKE_LIMITS,
  PeersRequest, SubjectRequest, WireErrorCode, MAX_ACKS_PER_REPLY, MAX_ADDRS_PER_RECORD, MAX_ADDR_BYTES, MAX_RECORDS_PER_MESSAGE, MAX_HELD_PER_REQUEST, HELD_FINGERPRINT_BYTES, MAX_SUBJECT_BYTES, MAX_TOKEN_CHARS
} from '../src/index.js'
import { anyBytesFor, codecCaseNamed, enumOf, record, u32, u64 } from './fuzz-arbitraries.js'
import type { MessageCodec, WakeSchedule } from '../src/index.js'
import type { PeerId } from '@libp2p/interface'

const sized = (min: number, max = min): fc.Arbitrary<Uint8Array<ArrayBuffer>> => fc.uint8Array({ minLength: min, maxLength: max })
/** any length but `n` (around it, and far) */
const sizedNot = (n: number): fc.Arbitrary<Uint8Array<ArrayBuffer>> => fc.oneof(sized(0, n - 1), sized(n + 1, n + 40))
/** at most `max` UTF-16 units (what the checks count), any code points */
const text = (max: number): fc.Arbitrary<string> => fc.string({ unit: 'binary', maxLength: max }).map(s => s.slice(0, max).toWellFormed())
const chars = (n: number): string => 'x'.repeat(n)
/** a token field: 1..MAX_TOKEN_CHARS characters, often at the ends */
const token = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom('x', chars(MAX_TOKEN_CHARS)))
const badToken = fc.constantFrom('', chars(MAX_TOKEN_CHARS + 1))
/** a uint64 above 0, as often of one bit length as of another */
const positive = fc.integer({ min: 1, max: 64 }).chain(bits => fc.bigInt({ min: 1n, max: 2n ** BigInt(bits) - 1n }))
/** UTF-8 strings of at most / more than MAX_SUBJECT_BYTES bytes, multi-byte characters included */
const subjectText = fc.string({ unit: 'binary', maxLength: MAX_SUBJECT_BYTES }).filter(s => Buffer.byteLength(s) <= MAX_SUBJECT_BYTES)
const longSubjectText = fc.constantFrom('é', '€', '𝄞', 'x').chain(c => fc.integer({ min: Math.floor(MAX_SUBJECT_BYTES / Buffer.byteLength(c)) + 1, max: 300 }).map(n => c.repeat(n)))

/** tunnel service names: 1..64 of [A-Za-z0-9._-], a letter or digit first; and names that are not */
const serviceName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/)
const badServiceName = fc.oneof(fc.constantFrom('', '-x', '.x', 'a/b', 'a b', 'é', 'x'.repeat(65)), serviceName.map(n => `${n}/`))

/** a wake schedule within WAKE_LIMITS, often at their edges */
const validWake: fc.Arbitrary<WakeSchedule> = fc.integer({ min: WAKE_LIMITS.minAwakeMs, max: WAKE_LIMITS.maxPeriodMs - WAKE_LIMITS.minSleepMs })
  .chain(awakeMs => record({
    awakeMs: fc.constant(awakeMs),
    periodMs: fc.integer({ min: awakeMs + WAKE_LIMITS.minSleepMs, max: WAKE_LIMITS.maxPeriodMs }),
    anchorMs: positive,
    onData: fc.boolean()
  }))
const validRecord: fc.Arbitrary<PeerRecord> = record({
  nodeToken: token,
  addrs: fc.array(sized(1, MAX_ADDR_BYTES), { maxLength: MAX_ADDRS_PER_RECORD }),
  seq: positive,
  signature: sized(64),
  wake: validWake
}, ['nodeToken', 'addrs', 'seq', 'signature'])
const recordViolation: fc.Arbitrary<Partial<PeerRecord>> = fc.oneof(
  badToken.map(nodeToken => ({ nodeToken })),
  fc.constant({ addrs: Array.from({ length: MAX_ADDRS_PER_RECORD + 1 }, () => new Uint8Array(8)) }),
  fc.constantFrom(0, MAX_ADDR_BYTES + 1).map(n => ({ addrs: [new Uint8Array(n)] })),
  fc.constant({ seq: 0n }),
  sizedNot(64).map(signature => ({ signature })),
  // a wake schedule outside its limits: too short awake, too short asleep, too long a period, no anchor
  validWake.chain(wake => fc.constantFrom<Partial<WakeSchedule>>(
    { awakeMs: WAKE_LIMITS.minAwakeMs - 1 },
    { periodMs: wake.awakeMs + WAKE_LIMITS.minSleepMs - 1 },
    { periodMs: WAKE_LIMITS.maxPeriodMs + 1 },
    { anchorMs: 0n }
  ).map(bad => ({ wake: { ...wake, ...bad } })))
)
const invalidRecord = fc.tuple(validRecord, recordViolation).map(([r, v]) => ({ ...r, ...v }))

const validEpoch: fc.Arbitrary<Epoch> = record({ epoch: positive, startsAtMs: positive, overlapMs: u64, salt: sized(32), signature: sized(64) })
const epochViolation: fc.Arbitrary<Partial<Epoch>> = fc.oneof(
  fc.constant({ epoch: 0n }),
  fc.constant({ startsAtMs: 0n }),
  sizedNot(32).map(salt => ({ salt })),
  sizedNot(64).map(signature => ({ signature }))
)
const invalidEpoch = fc.tuple(validEpoch, epochViolation).map(([e, v]) => ({ ...e, ...v }))

const ack = (seq: bigint, code = ''): MessageAck => ({ seq, id: new Uint8Array(16), status: MessageAck.Status.REJECTED, code })

interface SchemaCase<T> {
  name: string
  codec: MessageCodec<T>
  check: (message: T) => void
  /** messages within every limit */
  valid: fc.Arbitrary<T>
  /** one rule broken: fields to put over a valid message */
  violation: fc.Arbitrary<Partial<T>>
}

const schemaCase = <T>(c: SchemaCase<T>): SchemaCase<T> => c

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a heterogeneous list of schema cases
const schemaCases: Array<SchemaCase<any>> = [
  schemaCase<Hello>({
    name: 'Hello',
    codec: Hello,
    check: checkHello,
    valid: record({ version: u32, nodeToken: token, timestamp: positive, nonce: sized(16), signature: sized(64), forPeer: sized(1, 64), revocationSeq: u64, epoch: u64 }),
    violation: fc.oneof(
      badToken.map(nodeToken => ({ nodeToken })),
      fc.constant({ timestamp: 0n }),
      sizedNot(16).map(nonce => ({ nonce })),
      sizedNot(64).map(signature => ({ signature })),
      fc.oneof(sized(0), sized(65, 100)).map(forPeer => ({ forPeer }))
    )
  }),
  schemaCase<PeerRecord>({ name: 'PeerRecord', codec: PeerRecord, check: r => { checkPeerRecord(r, '/test') }, valid: validRecord, violation: recordViolation }),
  schemaCase<JoinRequest>({
    name: 'JoinRequest',
    codec: JoinRequest,
    check: checkJoinRequest,
    valid: record({ identityToken: token, record: validRecord }, ['identityToken']),
    violation: fc.oneof(badToken.map(identityToken => ({ identityToken })), invalidRecord.map(r => ({ record: r })))
  }),
  schemaCase<PeersRequest>({
    name: 'PeersRequest',
    codec: PeersRequest,
    check: checkPeersRequest,
    valid: record({
      type: enumOf(PeersRequest.Type),
      records: fc.oneof(fc.array(validRecord, { maxLength: 3 }), validRecord.map(r => Array.from({ length: MAX_RECORDS_PER_MESSAGE }, () => r))),
      key: fc.oneof(sized(0), sized(32)),
      count: fc.nat({ max: MAX_RECORDS_PER_MESSAGE }),
      code: text(40),
      reason: text(256),
      revocations: fc.constant([]),
      revocationSeq: u64,
      epochs: fc.array(validEpoch, { maxLength: 2 }),
      epoch: u64,
      held: fc.array(fc.record({ fingerprint: sized(HELD_FINGERPRINT_BYTES), seq: u64 }), { maxLength: MAX_HELD_PER_REQUEST })
    }),
    violation: fc.oneof(
      validRecord.map(r => ({ records: Array.from({ length: MAX_RECORDS_PER_MESSAGE + 1 }, () => r) })),
      fc.constant({ held: Array.from({ length: MAX_HELD_PER_REQUEST + 1 }, () => ({ fingerprint: new Uint8Array(HELD_FINGERPRINT_BYTES), seq: 1n })) }),
      sizedNot(HELD_FINGERPRINT_BYTES).map(fingerprint => ({ held: [{ fingerprint, seq: 1n }] })),
      fc.tuple(validRecord, invalidRecord).map(([a, b]) => ({ records: [a, b] })),
      fc.oneof(sized(1, 31), sized(33, 64)).map(key => ({ key })),
      fc.integer({ min: MAX_RECORDS_PER_MESSAGE + 1, max: 0xffff_ffff }).map(count => ({ count })),
      fc.constant({ reason: chars(257) }),
      validEpoch.map(e => ({ epochs: [e, e, e] })),
      invalidEpoch.map(e => ({ epochs: [e] }))
    )
  }),
  schemaCase<Epoch>({ name: 'Epoch', codec: Epoch, check: e => { checkEpoch(e, '/test') }, valid: validEpoch, violation: epochViolation }),
  schemaCase<LeaderRequest>({
    name: 'LeaderRequest',
    codec: LeaderRequest,
    check: checkLeaderRequest,
    valid: record({
      type: enumOf(LeaderRequest.Type),
      joinProof: fc.oneof(sized(0), sized(32)),
      ttlSeconds: u32,
      attributes: fc.uniqueArray(fc.tuple(text(64), text(256)), { maxLength: 16, selector: ([key]) => key }).map(entries => new Map(entries)),
      identityToken: fc.oneof(text(40), fc.constant(chars(MAX_TOKEN_CHARS))),
      requestId: text(128),
      invitationId: fc.constant(''),
      subject: text(64),
      send: fc.boolean(),
      receive: fc.boolean()
    }).map(r => r.type !== LeaderRequest.Type.AUTHORIZE ? r : { ...r, subject: r.subject === '' ? 'orders' : r.subject, identityToken: r.identityToken === '' ? 'a.b.c' : r.identityToken, send: true }),
    violation: fc.oneof(
      fc.oneof(sized(1, 31), sized(33, 64)).map(joinProof => ({ joinProof })),
      fc.constant({ invitationId: chars(129), joinProof: new Uint8Array(32) }),
      fc.constant({ invitationId: 'an-invitation', joinProof: new Uint8Array(0) }),
      fc.constant({ attributes: new Map(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }),
      fc.constantFrom([chars(65), 'v'], ['k', chars(257)]).map(entry => ({ attributes: new Map([entry]) })),
      fc.constant({ identityToken: chars(MAX_TOKEN_CHARS + 1) }),
      fc.constant({ requestId: chars(129) }),
      fc.constant({ subject: chars(257) }),
      fc.constant({ type: LeaderRequest.Type.AUTHORIZE, subject: '', identityToken: 'a.b.c', send: true }),
      fc.constant({ type: LeaderRequest.Type.AUTHORIZE, subject: 's', identityToken: 'a.b.c', send: false, receive: false })
    )
  }),
  schemaCase<SubjectRequest>({
    name: 'SubjectRequest',
    codec: SubjectRequest,
    check: checkSubjectRequest,
    valid: fc.oneof(
      record({ type: fc.constantFrom(SubjectRequest.Type.REGISTER, SubjectRequest.Type.MATCH), interestToken: token, identityToken: token, record: validRecord, key: sized(32), epoch: validEpoch }, ['type', 'interestToken', 'identityToken', 'record', 'key']),
      // a withdrawal names only the interest and the key
      record({ type: fc.constant(SubjectRequest.Type.WITHDRAW), interestToken: token, identityToken: fc.string(), key: sized(32) }, ['type', 'interestToken', 'identityToken', 'key'])
    ),
    violation: fc.oneof(
      badToken.map(interestToken => ({ interestToken })),
      sizedNot(32).map(key => ({ key })),
      fc.tuple(fc.constantFrom(SubjectRequest.Type.REGISTER, SubjectRequest.Type.MATCH), badToken).map(([type, identityToken]) => ({ type, identityToken })),
      fc.tuple(fc.constantFrom(SubjectRequest.Type.REGISTER, SubjectRequest.Type.MATCH), invalidRecord).map(([type, r]) => ({ type, record: r })),
      fc.constantFrom(SubjectRequest.Type.REGISTER, SubjectRequest.Type.MATCH).map(type => ({ type, record: undefined })),
      invalidEpoch.map(epoch => ({ epoch }))
    )
  }),
  schemaCase<MessageOpen>({
    name: 'MessageOpen',
    codec: MessageOpen,
    check: checkMessageOpen,
    valid: record({ key: sized(32), interestToken: token, identityToken: token, session: sized(16), ephemeral: sized(32) }),
    violation: fc.oneof(
      sizedNot(32).map(key => ({ key })),
      badToken.map(interestToken => ({ interestToken })),
      badToken.map(identityToken => ({ identityToken })),
      sizedNot(16).map(session => ({ session })),
      sizedNot(32).map(ephemeral => ({ ephemeral }))
    )
  }),
  schemaCase<MessageData>({
    name: 'MessageData',
    codec: MessageData,
    check: checkMessageData,
    valid: fc.tuple(positive, fc.bigInt({ min: 0n, max: 2n ** 64n - 2n })).chain(([seq, below]) => record({
      id: sized(16),
      seq: fc.constant(seq),
      data: sized(0, 40),
      ack: enumOf(MessageData.AckMode),
      replySubject: subjectText,
      expiresAtMs: positive,
      lowSeq: fc.constant(seq - below % seq),
      attrs: fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 64 }), fc.string({ maxLength: 256 })), { maxLength: 16 }).map(entries => new Map(entries))
    })),
    violation: fc.oneof(
      sizedNot(16).map(id => ({ id })),
      fc.constant({ seq: 0n, lowSeq: 0n }),
      fc.constant({ lowSeq: 0n }),
      positive.map(seq => ({ seq: seq === 1n ? 1n : seq - 1n, lowSeq: seq === 1n ? 2n : seq })),
      fc.constant({ expiresAtMs: 0n }),
      longSubjectText.map(replySubject => ({ replySubject }))
    )
  }),
  schemaCase<MessageReply>({
    name: 'MessageReply',
    codec: MessageReply,
    check: checkMessageReply,
    valid: record({
      maxData: u32,
      acks: fc.array(record({ seq: positive, id: sized(0, 16), status: enumOf(MessageAck.Status), code: text(64) }), { maxLength: 4 })
    }),
    violation: fc.constantFrom<Partial<MessageReply>>(
      { acks: Array.from({ length: MAX_ACKS_PER_REPLY + 1 }, () => ack(1n)) },
      { acks: [ack(0n)] },
      { acks: [ack(1n, chars(65))] }
    )
  }),
  schemaCase<DirectRequest>({
    name: 'DirectRequest',
    codec: DirectRequest,
    check: checkDirectRequest,
    valid: record({ id: sized(16), data: sized(0, 40) }),
    violation: sizedNot(16).map(id => ({ id }))
  }),
  schemaCase<TunnelRequest>({
    name: 'TunnelRequest',
    codec: TunnelRequest,
    check: checkTunnelRequest,
    valid: fc.oneof(
      record({ type: fc.constantFrom(TunnelRequest.Type.OPEN, TunnelRequest.Type.PROBE), service: serviceName }),
      fc.constant({ type: TunnelRequest.Type.LIST, service: '' })
    ),
    violation: fc.oneof(
      badServiceName.map(service => ({ type: TunnelRequest.Type.OPEN, service })),
      serviceName.map(service => ({ type: TunnelRequest.Type.LIST, service }))
    )
  }),
  schemaCase<TunnelResponse>({
    name: 'TunnelResponse',
    codec: TunnelResponse,
    check: checkTunnelResponse,
    valid: record({ error: record({ code: fc.string({ minLength: 1, maxLength: 64 }), reason: text(256) }), services: fc.array(serviceName, { maxLength: MAX_TUNNEL_SERVICES }) }, ['services']),
    violation: fc.oneof(
      fc.constant({ services: Array.from({ length: MAX_TUNNEL_SERVICES + 1 }, (_, i) => `s${i}`) }),
      badServiceName.map(name => ({ services: [name] })),
      fc.constantFrom('', chars(65)).map(code => ({ error: { code, reason: '' } }))
    )
  })
]

function isMalformed (err: unknown): boolean {
  return err instanceof MalformedFrameError && err.code === WireErrorCode.FRAME_MALFORMED
}

/** a layout read back: the fields in order, each u16-prefixed one as its bytes */
class LayoutReader {
  private offset = 0
  constructor (private readonly bytes: Uint8Array) {}
  take (n: number): Uint8Array {
    assert.ok(this.offset + n <= this.bytes.byteLength, 'layout is shorter than its fields')
    return this.bytes.subarray(this.offset, (this.offset += n))
  }

  u16 (): number { return Buffer.from(this.take(2)).readUInt16BE() }
  u64 (): bigint { return Buffer.from(this.take(8)).readBigUInt64BE() }
  prefixed (): Uint8Array { return this.take(this.u16()) }
  text (): string { return new TextDecoder().decode(this.take(this.bytes.indexOf(10, this.offset) + 1 - this.offset)) }
  end (): void { assert.equal(this.offset, this.bytes.byteLength, 'layout has bytes after its fields') }
}

describe('fuzz: schema checks', () => {
  for (const c of schemaCases) {
    test(`check${c.name}: a message within the limits passes (also after a trip over the wire), one broken rule is FRAME_MALFORMED`, () => {
      fc.assert(fc.property(c.valid, fc.option(c.violation), (valid, violation) => {
        if (violation == null) {
          c.check(valid)
          c.check(c.codec.decode(c.codec.encode(valid)))
        } else {
          assert.throws(() => { c.check({ ...valid, ...violation }) }, isMalformed)
        }
      }))
    })
  }

  for (const c of schemaCases) {
    const bytes = anyBytesFor(codecCaseNamed(c.name))
    test(`check${c.name} on whatever arbitrary bytes decode to: passes or FRAME_MALFORMED`, () => {
      fc.assert(fc.property(bytes, (b) => {
        let message
        try {
          message = c.codec.decode(b)
        } catch {
          return
        }
        try {
          c.check(message)
        } catch (err) {
          assert.ok(isMalformed(err), `threw ${String(err)}`)
        }
      }))
    })
  }

  test('checkSubjectName: 1 to MAX_SUBJECT_BYTES UTF-8 bytes pass, anything else is FRAME_MALFORMED', () => {
    const name = fc.oneof(subjectText, longSubjectText, fc.string({ unit: 'binary', maxLength: 300 }), fc.anything())
    fc.assert(fc.property(name, (subject) => {
      const ok = typeof subject === 'string' && subject.length > 0 && Buffer.byteLength(subject) <= MAX_SUBJECT_BYTES
      if (ok) assert.equal(checkSubjectName(subject), subject)
      else assert.throws(() => checkSubjectName(subject as string), isMalformed)
    }))
  })
})

describe('fuzz: signed layouts', () => {
  let peers: PeerId[]
  before(async () => {
    // multihashes of three lengths: Ed25519 and secp256k1 keys inline, an RSA key hashed
    const keys = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('secp256k1'), generateKeyPair('RSA', 1024)])
    peers = keys.map(key => peerIdFromPrivateKey(key))
  })
  const peer = fc.nat({ max: 2 }).map(i => peers[i] as PeerId)
  const timestamp = fc.oneof(u64, fc.nat().map(n => n as bigint | number))

  test('handshakeSigningBytes: domain, token hash, timestamp, nonce and peer read back; a nonce over 65535 bytes is refused', () => {
    fc.assert(fc.property(sized(32), timestamp, fc.oneof(sized(0, 64), fc.constantFrom(65_535, 65_536).map(n => new Uint8Array(n).fill(n & 0xff))), peer, (tokenHash, ts, nonce, remotePeer) => {
      if (nonce.byteLength > 0xffff) {
        assert.throws(() => handshakeSigningBytes({ tokenHash, timestamp: ts, nonce, remotePeer }), RangeError)
        return
      }
      const r = new LayoutReader(handshakeSigningBytes({ tokenHash, timestamp: ts, nonce, remotePeer }))
      assert.equal(r.text(), 'realmesh/handshake/v1\n')
      assert.deepEqual(r.take(32), tokenHash)
      assert.equal(r.u64(), BigInt(ts))
      assert.deepEqual(r.prefixed(), nonce)
      assert.deepEqual(r.prefixed(), remotePeer.toMultihash().bytes)
      r.end()
    }))
  })

  test('peerRecordSigningBytes: domain, token hash, seq, every address and the wake schedule (when there is one) read back', () => {
    fc.assert(fc.property(sized(32), timestamp, fc.array(sized(0, 300), { maxLength: 20 }), fc.option(validWake, { nil: undefined }), (tokenHash, seq, addrs, wake) => {
      const r = new LayoutReader(peerRecordSigningBytes({ tokenHash, addrs, seq, wake }))
      assert.equal(r.text(), 'realmesh/peer-record/v1\n')
      assert.deepEqual(r.take(32), tokenHash)
      assert.equal(r.u64(), BigInt(seq))
      assert.equal(r.u16(), addrs.length)
      for (const addr of addrs) assert.deepEqual(r.prefixed(), addr)
      if (wake != null) {
        assert.deepEqual(r.take(1), Uint8Array.of(1))
        const fields = Buffer.from(r.take(17))
        assert.deepEqual([fields.readUInt32BE(0), fields.readUInt32BE(4), fields.readBigUInt64BE(8), fields[16]], [wake.awakeMs, wake.periodMs, wake.anchorMs, wake.onData ? 1 : 0])
      }
      r.end()
    }))
  })

  test('joinProofBytes: domain, requester and leader read back', () => {
    fc.assert(fc.property(peer, peer, (requester, leader) => {
      const r = new LayoutReader(joinProofBytes(requester, leader))
      assert.equal(r.text(), 'realmesh/join-proof/v1\n')
      assert.deepEqual(r.prefixed(), requester.toMultihash().bytes)
      assert.deepEqual(r.prefixed(), leader.toMultihash().bytes)
      r.end()
    }))
  })

  test('epochSigningBytes: domain, realm id, epoch, start, overlap and salt read back', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), timestamp, timestamp, timestamp, sized(0, 64), (realmId, epoch, startsAtMs, overlapMs, salt) => {
      const r = new LayoutReader(epochSigningBytes({ realmId, epoch, startsAtMs, overlapMs, salt }))
      assert.equal(r.text(), 'realmesh/epoch/v1\n')
      assert.equal(new TextDecoder().decode(r.prefixed()), realmId.toWellFormed())
      assert.equal(r.u64(), BigInt(epoch))
      assert.equal(r.u64(), BigInt(startsAtMs))
      assert.equal(r.u64(), BigInt(overlapMs))
      assert.deepEqual(r.prefixed(), salt)
      r.end()
    }))
  })

  test('what passes checkHello and checkPeerRecord after decoding always lays out for its signature', () => {
    const hello = schemaCases[0] as SchemaCase<Hello>
    const rec = schemaCases[1] as SchemaCase<PeerRecord>
    const decoded = <T>(c: SchemaCase<T>): fc.Arbitrary<T> => fc.oneof(c.valid.map(m => c.codec.encode(m)), anyBytesFor(codecCaseNamed(c.name)))
      .map(b => { try { const m = c.codec.decode(b); c.check(m); return m } catch { return undefined } })
      .filter((m): m is T => m !== undefined)
    fc.assert(fc.property(decoded(hello), decoded(rec), sized(32), peer, (h, r, tokenHash, remotePeer) => {
      handshakeSigningBytes({ tokenHash, timestamp: h.timestamp, nonce: h.nonce, remotePeer })
      peerRecordSigningBytes({ tokenHash, addrs: r.addrs, seq: r.seq, wake: r.wake })
    }))
  })
})
