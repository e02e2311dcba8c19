/**
 * Schema checks: what a decoded message must hold before anything else looks at it. Each failure
 * is a MalformedFrameError naming the field. Signatures, tokens and policy are checked later, by
 * the protocol that receives the message.
 */
import { MalformedFrameError } from './errors.js'
import { MAX_ADDRS_PER_RECORD, MAX_ADDR_BYTES, MAX_RECORDS_PER_MESSAGE, PROTOCOLS } from './protocols.js'
import type { Hello, JoinRequest, LeaderRequest, PeerRecord, PeersRequest } from './proto/realmesh.js'

/** a compact JWS is never longer than this on the wire */
export const MAX_TOKEN_CHARS = 8 * 1024
export const NONCE_BYTES = 16
export const SIGNATURE_BYTES = 64
export const KEY_BYTES = 32

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
  if (request.reason.length > 256) fail(p, 'reason longer than 256 characters')
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
}
