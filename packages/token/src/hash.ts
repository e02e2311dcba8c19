/**
 * Hashing and encoding helpers shared by the package (node:crypto, synchronous).
 */
import { hash, randomBytes } from 'node:crypto'

/** sha256 of the bytes, or of the UTF-8 encoding of the string (one-shot: no Hash object per call). */
export function sha256 (data: Uint8Array | string): Uint8Array {
  const digest = hash('sha256', data, 'buffer')
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)
}

/** Lower-case hex of the bytes. */
export function toHex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** Unpadded base64url (RFC 4648 section 5) of the bytes. */
export function toBase64Url (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

const BASE64URL = /^[A-Za-z0-9_-]*$/

/**
 * Strict unpadded base64url decode: returns undefined for any character outside the alphabet, for
 * padding, for an impossible length and for non-canonical trailing bits (so that one byte string
 * has exactly one encoding).
 */
export function fromBase64Url (text: string): Uint8Array | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) {
    return undefined
  }
  const buf = Buffer.from(text, 'base64url')
  if (buf.toString('base64url') !== text) {
    return undefined
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
}

/**
 * `bytes` random bytes as unpadded base64url, never starting with '-': secrets and ids that an
 * operator passes on a command line (`--api-token T`, `--join-secret S`, `leader approve ID`), where
 * text starting with '-' is read as an option (1 in 64 of them)
 */
export function randomText (bytes: number): string {
  while (true) {
    const text = randomBytes(bytes).toString('base64url')
    if (!text.startsWith('-')) return text
  }
}
