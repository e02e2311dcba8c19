// fast-check arbitraries for the fuzz tests: every wire message as a valid value, and bytes that
// are not (random, protobuf-shaped with lying lengths and bad wire types, valid encodings mutated).
import fc from 'fast-check'
import { Hello, HandshakeReply, HandshakeDone, WireError, PeerRecord, JoinRequest, JoinResponse, PeersRequest, PeersResponse, LeaderRequest, LeaderResponse, Broadcast, SubjectRequest, SubjectResponse, MessageOpen, MessageData, MessageAck, MessageReply, DirectRequest, DirectResponse, Revocation, Epoch, TunnelRequest, TunnelResponse } from '../src/index.js'
import type { MessageCodec, WakeSchedule } from '../src/index.js'

export const u32 = fc.nat({ max: 0xffff_ffff })
/** any uint64, as often of one bit length as of another (a uniform pick is almost always 2^60 or more) */
export const u64 = fc.integer({ min: 1, max: 64 }).chain(bits => fc.bigInt({ min: 0n, max: 2n ** BigInt(bits) - 1n }))
/** well-formed strings (no lone surrogates: those do not survive UTF-8, by design of UTF-8) */
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 300 }))
/** sizes on both sides of the checks' limits (16, 32, 64 bytes) and a few larger */
const bytes = fc.oneof(fc.uint8Array({ maxLength: 70 }), fc.uint8Array({ minLength: 200, maxLength: 300 }))
/** the string values of a protons enum (its namespace also holds `codec`) */
export const enumOf = <E extends object>(e: E): fc.Arbitrary<Extract<E[keyof E], string>> =>
  fc.constantFrom(...Object.values(e).filter((v): v is Extract<E[keyof E], string> => typeof v === 'string'))
/** fc.record, with plain objects like the decoders make (optional keys: absent or set) */
export const record = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }, requiredKeys?: Array<keyof T>): fc.Arbitrary<T> =>
  fc.record(model, { noNullPrototype: true, ...(requiredKeys != null && { requiredKeys }) })

const wireError: fc.Arbitrary<WireError> = record({ code: text, reason: text })
const wake: fc.Arbitrary<WakeSchedule> = record({ awakeMs: u32, periodMs: u32, anchorMs: u64, onData: fc.boolean() })
const peerRecord: fc.Arbitrary<PeerRecord> = record({ nodeToken: text, addrs: fc.array(bytes, { maxLength: 20 }), seq: u64, signature: bytes, wake }, ['nodeToken', 'addrs', 'seq', 'signature'])
const hello: fc.Arbitrary<Hello> = record({ version: u32, nodeToken: text, timestamp: u64, nonce: bytes, signature: bytes, forPeer: bytes, revocationSeq: u64, epoch: u64 })
const revocation: fc.Arbitrary<Revocation> = record({ seq: u64, jti: text, peer: text, revokedAtMs: u64, untilMs: u64, reason: text, signature: bytes })
const epoch: fc.Arbitrary<Epoch> = record({ epoch: u64, startsAtMs: u64, overlapMs: u64, salt: bytes, signature: bytes })
const messageAck: fc.Arbitrary<MessageAck> = record({ seq: u64, id: bytes, status: enumOf(MessageAck.Status), code: text })

export interface CodecCase<T> {
  name: string
  codec: MessageCodec<T>
  /** any valid message: every field set, as decode returns it */
  message: fc.Arbitrary<T>
  [fc.toStringMethod]: () => string
}

// shown by its name in fast-check's counterexamples
const codecCase = <T>(name: string, codec: MessageCodec<T>, message: fc.Arbitrary<T>): CodecCase<T> =>
  ({ name, codec, message, [fc.toStringMethod]: () => name })

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a heterogeneous list of (codec, arbitrary) pairs
export const codecCases: Array<CodecCase<any>> = [
  codecCase('WireError', WireError, wireError),
  codecCase('PeerRecord', PeerRecord, peerRecord),
  codecCase('Hello', Hello, hello),
  codecCase('HandshakeReply', HandshakeReply, record({ hello, error: wireError }, [])),
  codecCase('HandshakeDone', HandshakeDone, record({ error: wireError }, [])),
  codecCase('JoinRequest', JoinRequest, record({ identityToken: text, record: peerRecord }, ['identityToken'])),
  codecCase('JoinResponse', JoinResponse, record({ status: enumOf(JoinResponse.Status), code: text, reason: text, identityToken: text, record: peerRecord, retryAfterMs: u32 }, ['status', 'code', 'reason', 'identityToken', 'retryAfterMs'])),
  codecCase('PeersRequest', PeersRequest, record({ type: enumOf(PeersRequest.Type), records: fc.array(peerRecord, { maxLength: 4 }), key: bytes, count: u32, code: text, reason: text, revocations: fc.array(revocation, { maxLength: 4 }), revocationSeq: u64, epochs: fc.array(epoch, { maxLength: 3 }), epoch: u64, held: fc.array(record({ fingerprint: bytes, seq: u64 }), { maxLength: 4 }) })),
  codecCase('PeersResponse', PeersResponse, record({ records: fc.array(peerRecord, { maxLength: 4 }), error: wireError, revocations: fc.array(revocation, { maxLength: 4 }), revocationSeq: u64, epochs: fc.array(epoch, { maxLength: 3 }), epoch: u64, pending: fc.boolean() }, ['records', 'revocations', 'revocationSeq', 'epochs', 'epoch'])),
  codecCase('Revocation', Revocation, revocation),
  codecCase('Epoch', Epoch, epoch),
  codecCase('LeaderRequest', LeaderRequest, record({
    type: enumOf(LeaderRequest.Type),
    joinProof: bytes,
    ttlSeconds: u32,
    attributes: fc.uniqueArray(fc.tuple(text, text), { maxLength: 20, selector: ([key]) => key }).map(entries => new Map(entries)),
    identityToken: text,
    requestId: text,
    invitationId: text,
    subject: text,
    send: fc.boolean(),
    receive: fc.boolean()
  })),
  codecCase('LeaderResponse', LeaderResponse, record({ status: enumOf(LeaderResponse.Status), token: text, requestId: text, code: text, reason: text, retryAfterMs: u32, validForMs: u32 })),
  codecCase('Broadcast', Broadcast, record({ nodeToken: text, data: bytes })),
  codecCase('SubjectRequest', SubjectRequest, record({ type: enumOf(SubjectRequest.Type), interestToken: text, identityToken: text, record: peerRecord, key: bytes, epoch }, ['type', 'interestToken', 'identityToken', 'key'])),
  codecCase('SubjectResponse', SubjectResponse, record({ error: wireError }, [])),
  codecCase('MessageOpen', MessageOpen, record({ key: bytes, interestToken: text, identityToken: text, session: bytes, ephemeral: bytes })),
  codecCase('MessageData', MessageData, record({ id: bytes, seq: u64, data: bytes, ack: enumOf(MessageData.AckMode), replySubject: text, expiresAtMs: u64, lowSeq: u64, attrs: fc.array(fc.tuple(text, text), { maxLength: 4 }).map(entries => new Map(entries)) })),
  codecCase('MessageAck', MessageAck, messageAck),
  codecCase('MessageReply', MessageReply, record({ error: wireError, maxData: u32, acks: fc.array(messageAck, { maxLength: 8 }) }, ['maxData', 'acks'])),
  codecCase('DirectRequest', DirectRequest, record({ id: bytes, data: bytes })),
  codecCase('DirectResponse', DirectResponse, record({ data: bytes, error: wireError }, ['data'])),
  codecCase('TunnelRequest', TunnelRequest, record({ type: enumOf(TunnelRequest.Type), service: text })),
  codecCase('TunnelResponse', TunnelResponse, record({ error: wireError, services: fc.array(text, { maxLength: 8 }) }, ['services']))
]

export function codecCaseNamed (name: string): CodecCase<unknown> {
  const found = codecCases.find(c => c.name === name)
  if (found == null) throw new Error(`no codec case ${name}`)
  return found
}

/**
 * A decoded message in a form to compare: byte fields as plain Uint8Arrays (a frame read off a
 * stream decodes them as Buffers) and strings made well-formed (lone surrogates as U+FFFD).
 */
export function comparable (value: unknown): unknown {
  if (typeof value === 'string') return value.toWellFormed()
  if (value instanceof Uint8Array) return Uint8Array.from(value)
  if (Array.isArray(value)) return value.map(comparable)
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [comparable(k), comparable(v)]))
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]))
}

/** the protobuf varint of n */
export function varint (n: bigint | number): number[] {
  let v = BigInt(n)
  const out: number[] = []
  do {
    const low = Number(v & 0x7fn)
    v >>= 7n
    out.push(v > 0n ? low | 0x80 : low)
  } while (v > 0n)
  return out
}

const tag = (field: number, wireType: number): number[] => varint((BigInt(field) << 3n) | BigInt(wireType))

/**
 * Protobuf-shaped bytes: fields of every wire type (also the invalid 6 and 7, and groups) with
 * numbers the messages use and some they do not, varints of any size, length prefixes that lie,
 * and nested fields inside length-delimited ones (the sub-messages).
 */
const protobufShaped: fc.Arbitrary<Uint8Array> = fc.letrec<{ fields: number[], field: number[] }>(tie => ({
  fields: fc.array(tie('field'), { maxLength: 8 }).map(list => list.flat()),
  field: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(fc.nat({ max: 20 }), u64).map(([f, v]) => [...tag(f, 0), ...varint(v)]),
    fc.tuple(fc.nat({ max: 20 }), fc.constantFrom(1, 5), fc.uint8Array({ maxLength: 9 })).map(([f, wt, body]) => [...tag(f, wt), ...body]),
    fc.tuple(fc.nat({ max: 20 }), fc.oneof(fc.uint8Array({ maxLength: 40 }).map(b => [...b]), tie('fields')), fc.integer({ min: -3, max: 3 }))
      .map(([f, body, lie]) => [...tag(f, 2), ...varint(Math.max(0, body.length + lie)), ...body]),
    fc.tuple(fc.nat({ max: 20 }), tie('fields'), fc.boolean()).map(([f, body, closed]) => [...tag(f, 3), ...body, ...(closed ? tag(f, 4) : [])]),
    fc.tuple(fc.nat({ max: 20 }), fc.constantFrom(4, 6, 7)).map(([f, wt]) => tag(f, wt)),
    // a varint that never ends, or a tag for a field number beyond 2^29
    fc.uint8Array({ minLength: 1, maxLength: 12 }).map(b => [...b].map(x => x | 0x80)),
    u64.map(v => [...varint(v << 3n)])
  )
})).fields.map(list => Uint8Array.from(list))

/** edits of a byte string: flip, insert, delete, truncate, append */
const edited = (source: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> =>
  fc.tuple(source, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 }), fc.constantFrom('set', 'xor', 'insert', 'delete', 'truncate')), { minLength: 1, maxLength: 4 }))
    .map(([original, edits]) => {
      const b = [...original]
      for (const [at, value, kind] of edits) {
        const i = b.length === 0 ? 0 : at % b.length
        if (kind === 'set') b[i] = value
        else if (kind === 'xor') b[i] = (b[i] ?? 0) ^ (1 << (value % 8))
        else if (kind === 'insert') b.splice(i, 0, value)
        else if (kind === 'delete') b.splice(i, 1)
        else b.length = i
      }
      return Uint8Array.from(b)
    })

/** a group nested this deep makes protons' skipType recurse once per level (the stack ends near 8,000) */
const deepGroups = fc.integer({ min: 1, max: 12_000 }).map(depth => new Uint8Array(depth).fill(0x7b)) // field 15, wire type 3

/** bytes for a decoder of `codec`: mostly near-valid, some plain random */
export function anyBytesFor<T> (c: CodecCase<T>): fc.Arbitrary<Uint8Array> {
  const valid = c.message.map(m => c.codec.encode(m))
  return fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: 200 }), weight: 4 },
    { arbitrary: protobufShaped, weight: 4 },
    { arbitrary: edited(valid), weight: 4 },
    { arbitrary: edited(protobufShaped), weight: 4 },
    { arbitrary: fc.tuple(valid, protobufShaped).map(([a, b]) => Uint8Array.from([...a, ...b])), weight: 4 },
    // a stack overflow costs milliseconds: rarer
    { arbitrary: deepGroups, weight: 1 }
  )
}
