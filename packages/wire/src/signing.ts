/**
 * The exact bytes that get signed. Each layout starts with a domain string, so a signature made
 * for one purpose can never be replayed as another; variable-length fields are length-prefixed.
 */
import type { PeerId } from '@libp2p/interface'
import type { WakeSchedule } from './proto/realmesh.js'
import { attributesBytes } from './attributes.js'

const encoder = new TextEncoder()

const DOMAINS = {
  handshake: encoder.encode('realmesh/handshake/v1\n'),
  peerRecord: encoder.encode('realmesh/peer-record/v1\n'),
  joinProof: encoder.encode('realmesh/join-proof/v1\n'),
  revocation: encoder.encode('realmesh/revocation/v1\n'),
  epoch: encoder.encode('realmesh/epoch/v1\n'),
  relay: encoder.encode('realmesh/relay/v1\n'),
  summary: encoder.encode('realmesh/summary/v1\n')
}

export interface HandshakeSigningInput {
  /** sha256 of the sender's node token */
  tokenHash: Uint8Array
  /** milliseconds since the epoch */
  timestamp: bigint | number
  nonce: Uint8Array
  /** the peer the Hello is meant for (the other end of the connection) */
  remotePeer: PeerId
}

/** domain || tokenHash || u64 timestamp || u16 len || nonce || u16 len || remote peer multihash */
export function handshakeSigningBytes (input: HandshakeSigningInput): Uint8Array {
  const remote = input.remotePeer.toMultihash().bytes
  return new Layout(DOMAINS.handshake.byteLength + input.tokenHash.byteLength + 8 + 2 + input.nonce.byteLength + 2 + remote.byteLength)
    .bytes(DOMAINS.handshake)
    .bytes(input.tokenHash)
    .u64(input.timestamp)
    .lengthPrefixed(input.nonce)
    .lengthPrefixed(remote)
    .done()
}

export interface RelaySigningInput {
  /** the 32-byte subject key, the deposit's 16-byte session and 32-byte ephemeral key */
  key: Uint8Array
  session: Uint8Array
  ephemeral: Uint8Array
  id: Uint8Array
  seq: bigint
  expiresAtMs: bigint
  /** the ack mode's protobuf number */
  ack: number
  replySubject: string
  /** sha256 of the sealed data (ciphertext and tag) */
  dataHash: Uint8Array
  /** the message's attributes: when it has any, their bytes (attributes.ts) come last */
  attrs?: Map<string, string>
}

/**
 * domain || key || session || ephemeral || id || u64 seq || u64 expires_at_ms || u8 ack || u16 len
 * || reply subject (UTF-8) || sha256(sealed data) [|| attributes, when it has any]: the sender
 * identity signs each relayed message, so that its receiver can tell a coordinator that changed it
 * from a sender that sealed it wrongly.
 */
export function relaySigningBytes (input: RelaySigningInput): Uint8Array {
  const reply = encoder.encode(input.replySubject)
  const attrs = attributesBytes(input.attrs)
  return new Layout(DOMAINS.relay.byteLength + input.key.byteLength + input.session.byteLength + input.ephemeral.byteLength + input.id.byteLength + 8 + 8 + 1 + 2 + reply.byteLength + input.dataHash.byteLength + attrs.byteLength)
    .bytes(DOMAINS.relay)
    .bytes(input.key)
    .bytes(input.session)
    .bytes(input.ephemeral)
    .bytes(input.id)
    .u64(input.seq)
    .u64(input.expiresAtMs)
    .u8(input.ack)
    .lengthPrefixed(reply)
    .bytes(input.dataHash)
    .bytes(attrs)
    .done()
}

export interface PeerRecordSigningInput {
  /** sha256 of the member's node token */
  tokenHash: Uint8Array
  /** multiaddrs in binary form, in the order they are carried */
  addrs: Uint8Array[]
  seq: bigint | number
  /** a sleepy member's wake schedule, when its record declares one */
  wake?: WakeSchedule
}

/** what a wake schedule adds to a record's signed bytes: a tag, then its fields */
const WAKE_BYTES = 1 + 4 + 4 + 8 + 1
const WAKE_TAG = 1

/**
 * domain || tokenHash || u64 seq || u16 count || (u16 len || addr)* [|| u8 1 || u32 awake_ms ||
 * u32 period_ms || u64 anchor_ms || u8 on_data]. The schedule's part is there only when the record
 * has one, so a record without it signs the same bytes as before schedules existed; the address
 * list is self-delimiting (a count, then lengths), so the two cannot be confused.
 */
export function peerRecordSigningBytes (input: PeerRecordSigningInput): Uint8Array {
  let length = DOMAINS.peerRecord.byteLength + input.tokenHash.byteLength + 8 + 2
  for (const addr of input.addrs) length += 2 + addr.byteLength
  if (input.wake != null) length += WAKE_BYTES
  const layout = new Layout(length)
    .bytes(DOMAINS.peerRecord)
    .bytes(input.tokenHash)
    .u64(input.seq)
    .u16(input.addrs.length)
  for (const addr of input.addrs) layout.lengthPrefixed(addr)
  const { wake } = input
  if (wake != null) layout.u8(WAKE_TAG).u32(wake.awakeMs).u32(wake.periodMs).u64(wake.anchorMs).u8(wake.onData ? 1 : 0)
  return layout.done()
}

/**
 * What a node HMACs with the realm's join secret when it asks the leader for a token: binds the
 * proof to the requesting peer and to this leader, so it is useless to anyone else.
 * domain || u16 len || requester multihash || u16 len || leader multihash
 */
export function joinProofBytes (requester: PeerId, leader: PeerId): Uint8Array {
  const a = requester.toMultihash().bytes
  const b = leader.toMultihash().bytes
  return new Layout(DOMAINS.joinProof.byteLength + 2 + a.byteLength + 2 + b.byteLength)
    .bytes(DOMAINS.joinProof)
    .lengthPrefixed(a)
    .lengthPrefixed(b)
    .done()
}

export interface RevocationSigningInput {
  /** the realm the revocation belongs to (a revocation of one realm is void in every other) */
  realmId: string
  seq: bigint | number
  jti: string
  peer: string
  revokedAtMs: bigint | number
  untilMs: bigint | number
  reason: string
}

/**
 * domain || u16 len || realm id || u64 seq || u16 len || jti || u16 len || peer || u64 revoked_at
 * || u64 until || u16 len || reason (strings as UTF-8)
 */
export function revocationSigningBytes (input: RevocationSigningInput): Uint8Array {
  const realm = encoder.encode(input.realmId)
  const jti = encoder.encode(input.jti)
  const peer = encoder.encode(input.peer)
  const reason = encoder.encode(input.reason)
  return new Layout(DOMAINS.revocation.byteLength + 2 + realm.byteLength + 8 + 2 + jti.byteLength + 2 + peer.byteLength + 8 + 8 + 2 + reason.byteLength)
    .bytes(DOMAINS.revocation)
    .lengthPrefixed(realm)
    .u64(input.seq)
    .lengthPrefixed(jti)
    .lengthPrefixed(peer)
    .u64(input.revokedAtMs)
    .u64(input.untilMs)
    .lengthPrefixed(reason)
    .done()
}

export interface EpochSigningInput {
  /** the realm the epoch belongs to (an epoch of one realm is void in every other) */
  realmId: string
  epoch: bigint | number
  startsAtMs: bigint | number
  overlapMs: bigint | number
  salt: Uint8Array
}

/** domain || u16 len || realm id || u64 epoch || u64 starts_at || u64 overlap || u16 len || salt */
export function epochSigningBytes (input: EpochSigningInput): Uint8Array {
  const realm = encoder.encode(input.realmId)
  return new Layout(DOMAINS.epoch.byteLength + 2 + realm.byteLength + 8 + 8 + 8 + 2 + input.salt.byteLength)
    .bytes(DOMAINS.epoch)
    .lengthPrefixed(realm)
    .u64(input.epoch)
    .u64(input.startsAtMs)
    .u64(input.overlapMs)
    .lengthPrefixed(input.salt)
    .done()
}

/**
 * Writes a layout into one buffer of the length computed up front. Peer records are checked on
 * every keepalive (their piggybacked records), so this is a hot path: a small buffer per field and
 * a concatenation of them cost several times the one allocation here, which comes from Node's
 * buffer pool (a caller that keeps the bytes for long should keep a copy, not a slice of the pool).
 */
/**
 * domain || u16 len || realm id (UTF-8) || encoded StatusSummary: the member signs the summary's
 * bytes as sent, so a relay passes them on untouched and a reader verifies them without re-encoding.
 */
export function summarySigningBytes (realmId: string, summary: Uint8Array): Uint8Array {
  const realm = encoder.encode(realmId)
  return new Layout(DOMAINS.summary.byteLength + 2 + realm.byteLength + summary.byteLength)
    .bytes(DOMAINS.summary)
    .lengthPrefixed(realm)
    .bytes(summary)
    .done()
}

class Layout {
  private readonly out: Buffer
  private offset = 0

  constructor (length: number) {
    this.out = Buffer.allocUnsafe(length)
  }

  bytes (bytes: Uint8Array): this {
    this.out.set(bytes, this.offset)
    this.offset += bytes.byteLength
    return this
  }

  u64 (value: bigint | number): this {
    this.offset = this.out.writeBigUInt64BE(BigInt(value), this.offset)
    return this
  }

  u8 (value: number): this {
    this.offset = this.out.writeUInt8(value, this.offset)
    return this
  }

  u32 (value: number): this {
    this.offset = this.out.writeUInt32BE(value, this.offset)
    return this
  }

  u16 (value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
      throw new RangeError(`${value} does not fit in 16 bits`)
    }
    this.offset = this.out.writeUInt16BE(value, this.offset)
    return this
  }

  lengthPrefixed (bytes: Uint8Array): this {
    return this.u16(bytes.byteLength).bytes(bytes)
  }

  done (): Uint8Array {
    if (this.offset !== this.out.byteLength) throw new Error(`signing layout wrote ${this.offset} of ${this.out.byteLength} bytes`)
    return new Uint8Array(this.out.buffer, this.out.byteOffset, this.out.byteLength)
  }
}
