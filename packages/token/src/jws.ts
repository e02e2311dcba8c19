/**
 * Compact JWS (RFC 7515) with EdDSA / Ed25519 (RFC 8037), on node:crypto: parse, header check,
 * signature verify, and sign. This is the verify hot path, so it does not go through jose.
 */
import { sign as cryptoSign, verify as cryptoVerify } from 'node:crypto'
import { TokenError } from './errors.js'
import { fromBase64Url, toBase64Url } from './hash.js'
import { describeType, isRecord } from './json.js'
import type { KeyObject } from 'node:crypto'

/** Tokens longer than this (in characters) are refused as TOKEN_MALFORMED before any parsing. */
export const MAX_TOKEN_LENGTH = 8 * 1024

/** The only header parameters a realmesh token may carry. */
const ALLOWED_HEADER_PARAMETERS: readonly string[] = ['alg', 'typ', 'kid']

export interface JwsHeader {
  alg: 'EdDSA'
  typ: string
  /** signer peer id; informational only: the key always comes from the `iss` claim */
  kid?: string
}

export interface ParsedJws {
  header: Record<string, unknown>
  payload: Record<string, unknown>
  /** ASCII bytes of `<header>.<payload>`, what the signature covers */
  signingInput: Buffer
  signature: Uint8Array
}

function malformed (message: string, claim?: string): never {
  throw new TokenError('TOKEN_MALFORMED', `malformed token: ${message}`, claim === undefined ? {} : { claim })
}

function decodeJsonPart (part: string, what: 'header' | 'payload'): Record<string, unknown> {
  const bytes = fromBase64Url(part)
  if (bytes === undefined) {
    malformed(`the ${what} is not unpadded base64url; expected <base64url header>.<base64url payload>.<base64url signature>`, what)
  }
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
  } catch {
    malformed(`the ${what} is not JSON; expected a base64url JSON object`, what)
  }
  if (!isRecord(value)) {
    malformed(`the ${what} is JSON ${describeType(value)}; expected a JSON object`, what)
  }
  return value
}

/** Refuses (TOKEN_MALFORMED) anything but a string of at most MAX_TOKEN_LENGTH characters. */
export function checkTokenSize (token: unknown): asserts token is string {
  if (typeof token !== 'string') {
    malformed(`expected a string, got ${describeType(token)}`)
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    malformed(`${token.length} characters, more than the ${MAX_TOKEN_LENGTH} allowed`)
  }
}

/**
 * Splits and decodes a compact JWS. Checks only the encoding: size, three parts, base64url, JSON
 * objects. Throws TokenError TOKEN_MALFORMED.
 */
export function parseCompactJws (token: unknown): ParsedJws {
  checkTokenSize(token)
  const parts = token.split('.')
  if (parts.length !== 3) {
    malformed(`${parts.length} dot-separated parts; expected 3 (compact JWS: header.payload.signature)`)
  }
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string]
  const header = decodeJsonPart(headerPart, 'header')
  const payload = decodeJsonPart(payloadPart, 'payload')
  // an empty signature decodes (to nothing) here: `alg: none` must reach the header check and be
  // refused there as TOKEN_ALG_NOT_ALLOWED; a wrong-length signature is TOKEN_BAD_SIGNATURE later
  const signature = fromBase64Url(signaturePart)
  if (signature === undefined) {
    malformed('the signature is not unpadded base64url', 'signature')
  }
  return {
    header,
    payload,
    signingInput: Buffer.from(token.slice(0, headerPart.length + 1 + payloadPart.length), 'ascii'),
    signature
  }
}

/**
 * Checks a header: alg must be EdDSA, no `crit`, no `b64` (TOKEN_ALG_NOT_ALLOWED), typ must be the
 * expected one (TOKEN_WRONG_TYPE), kid a string when present, no other parameter (TOKEN_MALFORMED).
 */
export function checkHeader (header: Record<string, unknown>, expectedTyp: string): JwsHeader {
  if (header.alg !== 'EdDSA') {
    throw new TokenError('TOKEN_ALG_NOT_ALLOWED',
      `token header alg is ${JSON.stringify(header.alg) ?? 'missing'}; only "EdDSA" (Ed25519) is accepted`, { claim: 'header.alg' })
  }
  if ('crit' in header) {
    throw new TokenError('TOKEN_ALG_NOT_ALLOWED',
      'token header has a "crit" parameter; no JWS extension is supported, expected no "crit"', { claim: 'header.crit' })
  }
  if ('b64' in header) {
    throw new TokenError('TOKEN_ALG_NOT_ALLOWED',
      'token header has a "b64" parameter (RFC 7797 unencoded payload); expected none', { claim: 'header.b64' })
  }
  if (header.typ !== expectedTyp) {
    throw new TokenError('TOKEN_WRONG_TYPE',
      `token header typ is ${JSON.stringify(header.typ) ?? 'missing'}; expected "${expectedTyp}"`, { claim: 'header.typ' })
  }
  if (header.kid !== undefined && typeof header.kid !== 'string') {
    malformed(`header kid must be a string (the signer peer id), got ${describeType(header.kid)}`, 'header.kid')
  }
  for (const name of Object.keys(header)) {
    if (!ALLOWED_HEADER_PARAMETERS.includes(name)) {
      malformed(`header parameter "${name}" is not allowed; expected only ${ALLOWED_HEADER_PARAMETERS.join(', ')}`, `header.${name}`)
    }
  }
  return header as unknown as JwsHeader
}

/** True when signature is a valid Ed25519 signature of signingInput under publicKey. */
export function verifyEd25519 (signingInput: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean {
  if (signature.length !== 64) {
    return false
  }
  return cryptoVerify(null, signingInput, publicKey, signature)
}

/**
 * Signs a compact JWS with an Ed25519 private KeyObject: base64url(JSON header) . base64url(JSON
 * payload) . base64url(signature). The JSON is serialized in the objects' own key order.
 */
export function signCompactJws (header: object, payload: object, privateKey: KeyObject): string {
  const signingInput = `${toBase64Url(Buffer.from(JSON.stringify(header)))}.${toBase64Url(Buffer.from(JSON.stringify(payload)))}`
  const signature = cryptoSign(null, Buffer.from(signingInput, 'ascii'), privateKey)
  return `${signingInput}.${toBase64Url(signature)}`
}
