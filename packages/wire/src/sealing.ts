/**
 * Sealed message data on /realmesh/message/1: each message's data is encrypted and authenticated
 * for the one receiver identity it is sent to, so that whatever carries or sees the stream without
 * that identity's key (a member forwarding or storing it, a node that opens the stream but holds
 * another key) learns nothing of the data and cannot change it unnoticed.
 *
 * Keys come from the identities' tokens: an identity's key is Ed25519 and its peer id (the
 * interest token's `sub`) embeds the public key. Its X25519 key is the same key on the Montgomery
 * curve (RFC 7748 section 4.1: u = (1 + y) / (1 - y); the private scalar is the first half of
 * SHA-512 of the Ed25519 seed, as libsodium's crypto_sign_ed25519_sk_to_curve25519), so no key is
 * published anywhere but in the peer id.
 *
 * A sender session (one per sender link to a receiver node: 16 random bytes, and a fresh X25519
 * key pair e) has one key, derived once (Noise's one-way K pattern, es then ss):
 *
 *   ikm  = X25519(e, R) || X25519(S, R)                   R, S: receiver's and sender's identity keys
 *   key  = HKDF-SHA256(ikm, salt = session, info = DOMAIN || subject key || S_ed || R_ed || e_pub, 32)
 *
 * Only the holder of R's private key (or of S's and e's) can compute it; S in it means that
 * only S's holder can have sealed what opens under it. Message seq n is AES-256-GCM under that key
 * with nonce = 4 zero bytes || u64 big-endian n (a seq is never reused within a session, and a
 * resend seals the same message with the same seq, header and data: the same bytes), and with
 * additional data id (16 bytes) || u64 expires_at_ms || u8 ack (its protobuf number) || reply subject (UTF-8), so none
 * of those can be changed either; a message with attributes has id || u64 expires_at_ms || u8 ack
 * || u16 length of the reply subject || reply subject || its attributes (attributes.ts) instead.
 * MessageData.data is the ciphertext followed by the 16-byte tag.
 */
import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, createSecretKey, diffieHellman, generateKeyPairSync, hkdfSync } from 'node:crypto'
import { UndecryptableError } from './errors.js'
import { MAX_SUBJECT_BYTES } from './protocols.js'
import { attributesBytes } from './attributes.js'
import type { KeyObject } from 'node:crypto'
import type { MessageData } from './proto/realmesh.js'

/** the AES-GCM tag after the ciphertext in MessageData.data */
export const SEAL_TAG_BYTES = 16

const DOMAIN = new TextEncoder().encode('realmesh/message-seal/v1\n')
const CIPHER = 'aes-256-gcm'
/** DER prefixes of a raw 32-byte X25519 private key (PKCS#8) and public key (SPKI) */
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex')
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex')
const P = 2n ** 255n - 19n
/** additional data before the reply subject: id, expires_at_ms, ack */
const AAD_FIXED = 16 + 8 + 1
/** nonce and additional data are copied by the cipher when it is created: one scratch each serves every call */
const nonceScratch = Buffer.alloc(12)
const aadScratch = Buffer.alloc(AAD_FIXED + MAX_SUBJECT_BYTES)
/** an ack mode as its protobuf number (protons' enums are strings) */
const ACK_NUMBERS: Record<string, number> = { NONE: 0, DESTINATION: 1, APP: 2 }

/** what of a MessageData frame besides its data is authenticated with it */
export interface SealedHeader {
  id: Uint8Array
  expiresAtMs: bigint
  ack: MessageData.AckMode
  replySubject: string
  /** the message's own attributes (none: the additional data is as before they existed) */
  attrs?: Map<string, string>
}

/** what a session key is bound to (both ends know it from the stream's MessageOpen and the interests) */
export interface SealSession {
  /** the 32-byte subject key */
  subjectKey: Uint8Array
  /** the sender session's 16 bytes */
  session: Uint8Array
  /** the sender identity's and the receiver identity's Ed25519 public keys (32 bytes each, from their peer ids) */
  senderIdentity: Uint8Array
  receiverIdentity: Uint8Array
}

/** The X25519 public key (32 bytes) of an Ed25519 public key. UndecryptableError for one that is not a usable point. */
export function x25519FromEd25519Public (edPublic: Uint8Array): Uint8Array {
  if (edPublic.byteLength !== 32) throw new UndecryptableError(`an Ed25519 public key is 32 bytes, got ${edPublic.byteLength}`)
  let y = 0n
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(edPublic[i] as number)
  y &= (1n << 255n) - 1n // the top bit is the sign of x, which u does not depend on
  if (y >= P || y === 1n) throw new UndecryptableError('not a usable Ed25519 public key')
  let u = (1n + y) * power(mod(1n - y), P - 2n) % P
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) {
    out[i] = Number(u & 0xffn)
    u >>= 8n
  }
  return out
}

/** The X25519 private key of an Ed25519 private key given by its 32-byte seed. */
export function x25519FromEd25519Seed (seed: Uint8Array): KeyObject {
  if (seed.byteLength !== 32) throw new RangeError(`an Ed25519 seed is 32 bytes, got ${seed.byteLength}`)
  const scalar = createHash('sha512').update(seed).digest().subarray(0, 32)
  return createPrivateKey({ key: Buffer.concat([PKCS8_X25519, scalar]), format: 'der', type: 'pkcs8' })
}

/** A raw 32-byte X25519 public key as a KeyObject. */
export function x25519PublicKey (raw: Uint8Array): KeyObject {
  if (raw.byteLength !== 32) throw new UndecryptableError(`an X25519 public key is 32 bytes, got ${raw.byteLength}`)
  return createPublicKey({ key: Buffer.concat([SPKI_X25519, raw]), format: 'der', type: 'spki' })
}

/** The raw 32 bytes of an X25519 public key (or of a private key's public half). */
export function x25519Raw (key: KeyObject): Uint8Array<ArrayBuffer> {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key
  return Uint8Array.from(publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_X25519.byteLength))
}

/**
 * The sender's side of a session: a fresh ephemeral key (or `ephemeralKey`, for test vectors) and
 * the session's key. `self` is the sender identity's X25519 private key, `receiver` the receiver
 * identity's X25519 public key. UndecryptableError when the receiver's key is not usable.
 */
export function senderSessionKey (self: KeyObject, receiver: KeyObject, session: SealSession, ephemeralKey?: KeyObject): { ephemeral: Uint8Array<ArrayBuffer>, key: KeyObject } {
  const privateKey = ephemeralKey ?? generateKeyPairSync('x25519').privateKey
  const ephemeral = x25519Raw(privateKey)
  const es = agree(privateKey, receiver)
  const ss = agree(self, receiver)
  return { ephemeral, key: sessionKey(es, ss, session, ephemeral) }
}

/**
 * The receiver's side: the same key from the sender's ephemeral public key (MessageOpen.ephemeral).
 * `self` is the receiver identity's X25519 private key, `sender` the sender identity's X25519
 * public key. UndecryptableError when a key is not usable.
 */
export function receiverSessionKey (self: KeyObject, sender: KeyObject, session: SealSession, ephemeral: Uint8Array): KeyObject {
  const es = agree(self, x25519PublicKey(ephemeral))
  const ss = agree(self, sender)
  return sessionKey(es, ss, session, ephemeral)
}

/** Seals message `seq`'s data: its ciphertext (as long as the data) and its 16-byte tag. */
export function sealData (key: KeyObject, seq: bigint, header: SealedHeader, data: Uint8Array): { ciphertext: Uint8Array, tag: Uint8Array } {
  const cipher = createCipheriv(CIPHER, key, nonce(seq), { authTagLength: SEAL_TAG_BYTES })
  cipher.setAAD(additionalData(header))
  const ciphertext = cipher.update(data)
  cipher.final()
  return { ciphertext, tag: cipher.getAuthTag() }
}

/** Opens message `seq`'s sealed data (ciphertext and tag); UndecryptableError when it does not authenticate. */
export function openData (key: KeyObject, seq: bigint, header: SealedHeader, sealed: Uint8Array): Uint8Array {
  if (sealed.byteLength < SEAL_TAG_BYTES) throw new UndecryptableError(`sealed data is at least ${SEAL_TAG_BYTES} bytes, got ${sealed.byteLength}`)
  const end = sealed.byteLength - SEAL_TAG_BYTES
  const decipher = createDecipheriv(CIPHER, key, nonce(seq), { authTagLength: SEAL_TAG_BYTES })
  decipher.setAAD(additionalData(header))
  decipher.setAuthTag(sealed.subarray(end))
  const plain = decipher.update(sealed.subarray(0, end))
  try {
    decipher.final()
  } catch (err) {
    throw new UndecryptableError(`message ${seq} does not authenticate under its session's key`, { cause: err })
  }
  // a plain Uint8Array view (no copy) rather than the Buffer node:crypto returns
  return new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength)
}

function sessionKey (es: Uint8Array, ss: Uint8Array, s: SealSession, ephemeral: Uint8Array): KeyObject {
  const info = Buffer.concat([DOMAIN, s.subjectKey, s.senderIdentity, s.receiverIdentity, ephemeral])
  return createSecretKey(Buffer.from(hkdfSync('sha256', Buffer.concat([es, ss]), s.session, info, 32)))
}

/** X25519; OpenSSL refuses a low-order public key (an all-zero result) */
function agree (privateKey: KeyObject, publicKey: KeyObject): Uint8Array {
  try {
    return diffieHellman({ privateKey, publicKey })
  } catch (err) {
    throw new UndecryptableError('no session key can be agreed with this X25519 key', { cause: err })
  }
}

function nonce (seq: bigint): Buffer {
  nonceScratch.writeBigUInt64BE(seq, 4)
  return nonceScratch
}

function additionalData (header: SealedHeader): Buffer {
  if (header.id.byteLength !== 16) throw new UndecryptableError(`a message id is 16 bytes, got ${header.id.byteLength}`)
  aadScratch.set(header.id, 0)
  aadScratch.writeBigUInt64BE(header.expiresAtMs, 16)
  aadScratch.writeUInt8(ACK_NUMBERS[header.ack] ?? 255, 24)
  const replyBytes = Buffer.byteLength(header.replySubject)
  if (replyBytes > MAX_SUBJECT_BYTES) throw new UndecryptableError(`a reply subject is at most ${MAX_SUBJECT_BYTES} bytes`)
  if (header.attrs == null || header.attrs.size === 0) {
    aadScratch.write(header.replySubject, AAD_FIXED, 'utf8')
    return aadScratch.subarray(0, AAD_FIXED + replyBytes)
  }
  // with attributes the reply subject has its length, so that no byte can move between the two
  const reply = Buffer.alloc(2 + replyBytes)
  reply.writeUInt16BE(replyBytes)
  reply.write(header.replySubject, 2, 'utf8')
  return Buffer.concat([aadScratch.subarray(0, AAD_FIXED), reply, attributesBytes(header.attrs)])
}

function mod (a: bigint): bigint {
  const r = a % P
  return r < 0n ? r + P : r
}

function power (base: bigint, exponent: bigint): bigint {
  let result = 1n
  for (let b = base, e = exponent; e > 0n; e >>= 1n) {
    if ((e & 1n) === 1n) result = result * b % P
    b = b * b % P
  }
  return result
}
