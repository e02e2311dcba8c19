// Noise's transport cipher with the key kept as a KeyObject (src/noise-crypto.ts): the same bytes as
// Noise's default crypto for every size either side of the WebAssembly/node:crypto split and for
// messages handed over in pieces (a yamux frame's header and data), tampering still refused, and a
// key array changed in place never served its old key.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import { noiseCrypto } from '../src/noise-crypto.js'
import type { ICryptoInterface } from '@chainsafe/libp2p-noise'

type List = Exclude<Parameters<ICryptoInterface['chaCha20Poly1305Encrypt']>[0], Uint8Array>

const SIZES = [0, 12, 1199, 1200, 4096, 65_519]

function bytes (data: Uint8Array | { subarray: () => Uint8Array }): Buffer {
  return Buffer.from(data.subarray())
}

/** `data` as a list of pieces the way yamux hands a frame over: a 12-byte header, then the rest */
function inPieces (data: Uint8Array): List {
  return new Uint8ArrayList(data.subarray(0, Math.min(12, data.byteLength)), data.subarray(Math.min(12, data.byteLength))) as unknown as List
}

describe('noise crypto (session keys as KeyObjects)', () => {
  const key = randomBytes(32)
  const nonce = randomBytes(12)
  const ad = randomBytes(32)

  test('encrypts to the default crypto\'s bytes, whole or in pieces, and each decrypts the other\'s', () => {
    for (const size of SIZES) {
      const plaintext = randomBytes(size)
      const expected = bytes(defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, key))
      assert.deepEqual(bytes(noiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, key)), expected, `${size} bytes`)
      assert.deepEqual(bytes(noiseCrypto.chaCha20Poly1305Encrypt(inPieces(plaintext), nonce, ad, key)), expected, `${size} bytes in pieces`)
      assert.deepEqual(bytes(noiseCrypto.chaCha20Poly1305Decrypt(expected, nonce, ad, key)), plaintext, `${size} bytes decrypted`)
      assert.deepEqual(bytes(noiseCrypto.chaCha20Poly1305Decrypt(inPieces(expected), nonce, ad, key)), plaintext, `${size} bytes decrypted from pieces`)
    }
  })

  test('a changed byte, a wrong nonce or wrong associated data is refused', () => {
    const plaintext = randomBytes(4096)
    const sealed = bytes(noiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, key))
    const flipped = Buffer.from(sealed)
    flipped[100] = (flipped[100] ?? 0) ^ 1
    assert.throws(() => noiseCrypto.chaCha20Poly1305Decrypt(flipped, nonce, ad, key))
    assert.throws(() => noiseCrypto.chaCha20Poly1305Decrypt(sealed, randomBytes(12), ad, key))
    assert.throws(() => noiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce, randomBytes(32), key))
  })

  test('a key array changed in place is used with its new bytes', () => {
    const k = Uint8Array.from(randomBytes(32))
    const plaintext = randomBytes(4096)
    noiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k)
    k.set(randomBytes(32))
    assert.deepEqual(
      bytes(noiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k)),
      bytes(defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k))
    )
  })

  test('X25519 with cached key objects: the default crypto\'s shared secret, keys reused, in pieces, or changed in place', () => {
    const a = defaultCrypto.generateX25519KeyPair()
    const b = defaultCrypto.generateX25519KeyPair()
    const expected = bytes(defaultCrypto.generateX25519SharedKey(a.privateKey, b.publicKey))
    // the second time from the cache; both ends agree
    assert.deepEqual(bytes(noiseCrypto.generateX25519SharedKey(a.privateKey, b.publicKey)), expected)
    assert.deepEqual(bytes(noiseCrypto.generateX25519SharedKey(a.privateKey, b.publicKey)), expected)
    assert.deepEqual(bytes(noiseCrypto.generateX25519SharedKey(b.privateKey, a.publicKey)), expected)
    assert.deepEqual(bytes(noiseCrypto.generateX25519SharedKey(new Uint8ArrayList(a.privateKey) as unknown as List, new Uint8ArrayList(b.publicKey) as unknown as List)), expected)
    // arrays changed in place: their new bytes, not the cached keys
    const c = defaultCrypto.generateX25519KeyPair()
    const priv = Uint8Array.from(a.privateKey)
    const pub = Uint8Array.from(b.publicKey)
    noiseCrypto.generateX25519SharedKey(priv, pub)
    priv.set(c.privateKey)
    assert.deepEqual(bytes(noiseCrypto.generateX25519SharedKey(priv, pub)), bytes(defaultCrypto.generateX25519SharedKey(c.privateKey, b.publicKey)))
    pub.set(c.publicKey)
    assert.deepEqual(bytes(noiseCrypto.generateX25519SharedKey(priv, pub)), bytes(defaultCrypto.generateX25519SharedKey(c.privateKey, c.publicKey)))
  })
})
