/**
 * The exact bytes that get signed. Each layout starts with a domain string, so a signature made
 * for one purpose can never be replayed as another; variable-length fields are length-prefixed.
 */
import type { PeerId } from '@libp2p/interface'

const encoder = new TextEncoder()

const DOMAINS = {
  handshake: encoder.encode('realmesh/handshake/v1\n'),
  peerRecord: encoder.encode('realmesh/peer-record/v1\n'),
  joinProof: encoder.encode('realmesh/join-proof/v1\n')
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
  return concat([
    DOMAINS.handshake,
    input.tokenHash,
    u64(input.timestamp),
    lengthPrefixed(input.nonce),
    lengthPrefixed(input.remotePeer.toMultihash().bytes)
  ])
}

export interface PeerRecordSigningInput {
  /** sha256 of the member's node token */
  tokenHash: Uint8Array
  /** multiaddrs in binary form, in the order they are carried */
  addrs: Uint8Array[]
  seq: bigint | number
}

/** domain || tokenHash || u64 seq || u16 count || (u16 len || addr)* */
export function peerRecordSigningBytes (input: PeerRecordSigningInput): Uint8Array {
  return concat([
    DOMAINS.peerRecord,
    input.tokenHash,
    u64(input.seq),
    u16(input.addrs.length),
    ...input.addrs.map(lengthPrefixed)
  ])
}

/**
 * What a node HMACs with the realm's join secret when it asks the leader for a token: binds the
 * proof to the requesting peer and to this leader, so it is useless to anyone else.
 * domain || u16 len || requester multihash || u16 len || leader multihash
 */
export function joinProofBytes (requester: PeerId, leader: PeerId): Uint8Array {
  return concat([
    DOMAINS.joinProof,
    lengthPrefixed(requester.toMultihash().bytes),
    lengthPrefixed(leader.toMultihash().bytes)
  ])
}

function u64 (value: bigint | number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(value))
  return out
}

function u16 (value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new RangeError(`${value} does not fit in 16 bits`)
  }
  const out = new Uint8Array(2)
  new DataView(out.buffer).setUint16(0, value)
  return out
}

function lengthPrefixed (bytes: Uint8Array): Uint8Array {
  return concat([u16(bytes.byteLength), bytes])
}

function concat (parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const part of parts) length += part.byteLength
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}
