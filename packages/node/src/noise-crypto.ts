/**
 * Noise's transport ciphers with the session key kept as a KeyObject.
 *
 * Noise's default crypto hands node:crypto the raw 32-byte key for every message. node:crypto then
 * checks whether that argument is a KeyObject or a CryptoKey by reading private slots, which throws
 * and catches for a plain Uint8Array: in CPU profiles of a tunnel carrying bulk data those two checks
 * were 11-12% of each member's time, more than a third of the cipher itself. Here the key object is
 * made once per session key and reused. Everything else (the handshake's hashing and X25519, and
 * messages under 1,200 bytes, which the WebAssembly cipher does faster) is Noise's default crypto.
 *
 * The ciphertext is byte for byte what the default produces (same algorithm, key, nonce and
 * associated data); only where the key lives differs.
 */
import { createCipheriv, createDecipheriv, createSecretKey, createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import type { ICryptoInterface } from '@chainsafe/libp2p-noise'
import type { KeyObject } from 'node:crypto'

const CHACHA_POLY1305 = 'chacha20-poly1305'
const TAG_BYTES = 16
/** below this the default crypto's WebAssembly cipher is faster than node:crypto (its own measure) */
const SMALL_MESSAGE_BYTES = 1200

/**
 * One entry per CipherState key array (two per connection), dropped with the connection: a
 * WeakMap, so bounded by the connections alive. The bytes are compared on every use, so a key
 * array changed in place can never be served the old key.
 */
/** Noise's Uint8ArrayList (its own major version, not this package's) */
type List = Exclude<Parameters<ICryptoInterface['chaCha20Poly1305Encrypt']>[0], Uint8Array>

type KeyCache = WeakMap<Uint8Array, { bytes: Buffer, key: KeyObject }>

/** the key object of `raw`, made (from a copy of its bytes) only when the array is new or changed */
function cachedKey (cache: KeyCache, raw: Uint8Array, make: (bytes: Buffer) => KeyObject): KeyObject {
  const known = cache.get(raw)
  if (known != null && known.bytes.equals(raw)) return known.key
  const bytes = Buffer.from(raw)
  const key = make(bytes)
  cache.set(raw, { bytes, key })
  return key
}

const keys: KeyCache = new WeakMap()

function keyObject (k: Uint8Array): KeyObject {
  return cachedKey(keys, k, createSecretKey)
}

/** DER prefixes of a raw X25519 key (RFC 8410), as Noise's default crypto builds them */
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex')
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex')

/**
 * X25519 key objects by key array, made once: a handshake uses its ephemeral private key twice
 * and the node's static one in every handshake, and the remote's ephemeral key twice. Making a
 * KeyObject from DER is most of a DH's cost (createPrivateKey/createPublicKey were 3.7% of a growing
 * realm's CPU, diffieHellman itself a tenth of that). WeakMaps: bounded by the handshakes alive;
 * the bytes are compared on every use.
 */
const x25519Private: KeyCache = new WeakMap()
const x25519Public: KeyCache = new WeakMap()

export const noiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  generateX25519SharedKey (privateKey, publicKey) {
    const priv = privateKey instanceof Uint8Array ? privateKey : privateKey.subarray()
    const pub = publicKey instanceof Uint8Array ? publicKey : publicKey.subarray()
    return diffieHellman({
      privateKey: cachedKey(x25519Private, priv, (raw) => createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, raw]), type: 'pkcs8', format: 'der' })),
      publicKey: cachedKey(x25519Public, pub, (raw) => createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, raw]), type: 'spki', format: 'der' }))
    })
  },
  chaCha20Poly1305Encrypt (plaintext, nonce, ad, k) {
    if (plaintext.byteLength < SMALL_MESSAGE_BYTES) return defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k)
    const cipher = createCipheriv(CHACHA_POLY1305, keyObject(k), nonce, { authTagLength: TAG_BYTES })
    cipher.setAAD(ad, { plaintextLength: plaintext.byteLength })
    if (plaintext instanceof Uint8Array) {
      const updated = cipher.update(plaintext)
      const final = cipher.final()
      const tag = cipher.getAuthTag()
      return Buffer.concat([updated, final, tag], updated.byteLength + final.byteLength + tag.byteLength)
    }
    // the pieces of a yamux frame stay pieces (no copy); the list is of Noise's own version
    const output = new (plaintext.constructor as new () => List)()
    for (const buf of plaintext) output.append(cipher.update(buf))
    const final = cipher.final()
    if (final.byteLength > 0) output.append(final)
    output.append(cipher.getAuthTag())
    return output
  },
  chaCha20Poly1305Decrypt (ciphertext, nonce, ad, k, dst) {
    if (ciphertext.byteLength < SMALL_MESSAGE_BYTES) return defaultCrypto.chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst)
    const length = ciphertext.byteLength - TAG_BYTES
    const decipher = createDecipheriv(CHACHA_POLY1305, keyObject(k), nonce, { authTagLength: TAG_BYTES })
    decipher.setAAD(ad, { plaintextLength: length })
    decipher.setAuthTag(ciphertext.subarray(length))
    if (ciphertext instanceof Uint8Array) {
      const output = decipher.update(ciphertext.subarray(0, length))
      const final = decipher.final()
      return final.byteLength > 0 ? Buffer.concat([output, final], output.byteLength + final.byteLength) : output
    }
    const output = new (ciphertext.constructor as new () => List)()
    for (const buf of ciphertext.sublist(0, length)) output.append(decipher.update(buf))
    const final = decipher.final()
    if (final.byteLength > 0) output.append(final)
    return output
  }
}
