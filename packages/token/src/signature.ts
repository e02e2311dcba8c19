/**
 * Ed25519 signatures over arbitrary bytes (handshakes, peer records) with the same memoized
 * node:crypto keys the token code uses: a verify is one crypto.verify call, with no per-call key
 * parsing (libp2p's key.verify() builds a KeyObject every time).
 */
import { createPrivateKey, sign as cryptoSign } from 'node:crypto'
import { UnsupportedKeyError } from './errors.js'
import { toBase64Url } from './hash.js'
import { verifyEd25519 } from './jws.js'
import { peerIdString, publicKeyObjectOf } from './peer.js'
import type { KeyObject } from 'node:crypto'
import type { PeerId, PrivateKey } from '@libp2p/interface'

const signingKeys = new WeakMap<PrivateKey, KeyObject>()

/** The node:crypto private KeyObject of a libp2p Ed25519 key (memoized per key object). */
export function signingKeyOf (key: PrivateKey): KeyObject {
  if (key.type !== 'Ed25519') {
    throw new UnsupportedKeyError(key.type, 'token signer')
  }
  let keyObject = signingKeys.get(key)
  if (keyObject === undefined) {
    // libp2p's raw Ed25519 private key is seed (32 bytes) || public key (32 bytes)
    keyObject = createPrivateKey({
      key: { kty: 'OKP', crv: 'Ed25519', d: toBase64Url(key.raw.subarray(0, 32)), x: toBase64Url(key.publicKey.raw) },
      format: 'jwk'
    })
    signingKeys.set(key, keyObject)
  }
  return keyObject
}

/** Ed25519 signature of `data` by `key` (64 bytes). */
export function signBytes (key: PrivateKey, data: Uint8Array): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(cryptoSign(null, data, signingKeyOf(key)))
}

/**
 * True when `signature` is `peer`'s Ed25519 signature of `data` (the key is the one embedded in
 * the peer id). False for anything else, including a peer id that is not a canonical Ed25519 one.
 */
export function verifyPeerSignature (peer: PeerId | string, data: Uint8Array, signature: Uint8Array): boolean {
  const key = publicKeyObjectOf(peerIdString(peer))
  return key !== undefined && verifyEd25519(data, signature, key)
}
