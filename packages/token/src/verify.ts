/**
 * Verifying tokens. This is a hot path (every handshake, join and interest registration), so it
 * parses the compact JWS itself and verifies with node:crypto; the Ed25519 KeyObject of each
 * issuer is memoized, and successful verifications may be cached (see TokenCache).
 *
 * Order of checks, each failure a TokenError with its own code:
 *   size cap -> split/decode -> header (alg, crit, b64, typ) -> claims shape -> signature -> time
 *   -> realm/audience -> issuer policy -> peer binding -> revocation -> ttl policy
 * A cache hit skips the steps up to and including the signature, and re-runs all the others.
 */
import { checkClaims, TOKEN_TYPES } from './claims.js'
import { TokenError } from './errors.js'
import { fingerprintHex } from './fingerprint.js'
import { sha256, toHex } from './hash.js'
import { checkHeader, checkTokenSize, parseCompactJws, verifyEd25519 } from './jws.js'
import { peerIdString, publicKeyObjectOf } from './peer.js'
import type { TokenCache } from './cache.js'
import type { BaseClaims, ClaimsOf, IdentityTokenClaims, InterestTokenClaims, InvitationTokenClaims, NodeTokenClaims, TokenKind } from './claims.js'
import type { RealmDescriptor, RealmPolicy } from './realm.js'
import type { PeerId } from '@libp2p/interface'

export const DEFAULT_SKEW_SECONDS = 30

export interface TimeOptions {
  /** Clock, milliseconds since the epoch. @default Date.now */
  now?: () => number
  /** Tolerated clock skew for exp, nbf and iat, in seconds. @default 30 */
  skewSeconds?: number
}

export interface VerifyOptions extends TimeOptions {
  /** the realm the token must belong to; its leader and policy decide who may issue */
  realm: RealmDescriptor
  /** cache of successful verifications. @default none */
  cache?: TokenCache
  /** revocation check, called with the token's jti and sub (also on cache hits). @default none */
  isRevoked?: (jti: string, sub: string) => boolean
}

export interface VerifyNodeTokenOptions extends VerifyOptions {
  /** the peer the token must be for (the remote peer of the connection); checked against `sub` */
  expectedPeer?: PeerId | string
}

export interface VerifyIdentityTokenOptions extends VerifyOptions {
  /** the node the identity must be using: `sub` is that node, or `ext.node` is its fingerprintHex */
  expectedNode?: PeerId | string
}

export interface VerifyInvitationTokenOptions extends TimeOptions {
  /** when given, the invitation must be to this realm */
  expectedRealmId?: string
  /** revocation (or "already used") check, called with the token's jti. @default none */
  isRevoked?: (jti: string) => boolean
}

export interface VerifiedToken<C> {
  /** the token text */
  token: string
  /** sha256 of the token text */
  hash: Uint8Array
  claims: C
  /** the signer's peer id (`iss`) */
  issuer: string
  /** true when the token was signed by its own subject rather than by the realm leader */
  selfIssued: boolean
}

/**
 * The hashes of recently verified tokens, by token text. The same tokens come back all the time
 * (a member's node token rides on every record it sends, and records ride on every keepalive), and
 * comparing the text costs less than hashing it again. A fixed table of slots, each picked by the
 * token's last characters (its signature, which is random): a miss costs one comparison and a
 * slot overwrite, so a stream of ever-new tokens pays almost nothing for it. Bounded in slots and
 * in token length.
 */
const HASH_SLOTS = 512
const HASH_SLOT_MAX_LENGTH = 4096
const hashSlots: Array<{ token: string, hash: Uint8Array, hex: string } | undefined> = new Array(HASH_SLOTS)

function recentHash (token: string): { hash: Uint8Array, hex: string } {
  const n = token.length
  const slot = n >= 3 && n <= HASH_SLOT_MAX_LENGTH ? ((token.charCodeAt(n - 1) * 31 + token.charCodeAt(n - 2)) * 31 + token.charCodeAt(n - 3)) % HASH_SLOTS : -1
  const entry = hashSlots[slot]
  if (entry?.token === token) return entry
  const hash = tokenHash(token)
  const fresh = { token, hash, hex: toHex(hash) }
  if (slot >= 0) hashSlots[slot] = fresh
  return fresh
}

/** sha256 of the token text (ASCII). */
export function tokenHash (token: string): Uint8Array {
  return sha256(token)
}

/**
 * Decodes a token WITHOUT checking its signature, issuer or anything else: for display and
 * debugging only. Never base a decision on what it returns. Throws TOKEN_MALFORMED when the text
 * is not a compact JWS with JSON header and payload.
 */
export function decodeTokenUnverified (token: string): { header: Record<string, unknown>, claims: Record<string, unknown> } {
  const parsed = parseCompactJws(token)
  return { header: parsed.header, claims: parsed.payload }
}

interface Clock {
  nowSeconds: number
  skew: number
}

function clockOf (opts: TimeOptions): Clock {
  const skew = opts.skewSeconds ?? DEFAULT_SKEW_SECONDS
  if (!Number.isFinite(skew) || skew < 0) {
    throw new RangeError(`skewSeconds must be a number >= 0, got ${skew}`)
  }
  return { nowSeconds: (opts.now ?? Date.now)() / 1000, skew }
}

/** Size cap, decode, header, claims shape and signature: everything a cache hit may skip. */
function decodeAndVerifySignature<K extends TokenKind> (kind: K, token: string): ClaimsOf[K] {
  const parsed = parseCompactJws(token)
  const header = checkHeader(parsed.header, TOKEN_TYPES[kind])
  const claims = checkClaims(kind, parsed.payload)
  if (header.kid !== undefined && header.kid !== claims.iss) {
    throw new TokenError('TOKEN_MALFORMED', `malformed token: header kid "${header.kid}" is not the issuer "${claims.iss}"; expected kid = iss or no kid`, { claim: 'header.kid' })
  }
  // the key always comes from iss (shape-checked above to be an Ed25519 peer id), never from the header
  const publicKey = publicKeyObjectOf(claims.iss)
  if (publicKey === undefined || !verifyEd25519(parsed.signingInput, parsed.signature, publicKey)) {
    throw new TokenError('TOKEN_BAD_SIGNATURE', `token signature does not verify with the key of its issuer ${claims.iss}`, { claim: 'signature' })
  }
  return claims
}

function checkTime (claims: BaseClaims, clock: Clock): void {
  const { nowSeconds, skew } = clock
  if (nowSeconds >= claims.exp + skew) {
    throw new TokenError('TOKEN_EXPIRED',
      `token expired at ${isoOf(claims.exp)} (exp ${claims.exp}); it is now ${isoOf(nowSeconds)}, beyond the ${skew} s skew allowed`, { claim: 'exp' })
  }
  if (claims.nbf > nowSeconds + skew) {
    throw new TokenError('TOKEN_NOT_YET_VALID',
      `token is not valid before ${isoOf(claims.nbf)} (nbf ${claims.nbf}); it is now ${isoOf(nowSeconds)}, beyond the ${skew} s skew allowed`, { claim: 'nbf' })
  }
  if (claims.iat > nowSeconds + skew) {
    throw new TokenError('TOKEN_NOT_YET_VALID',
      `token was issued in the future, at ${isoOf(claims.iat)} (iat ${claims.iat}); it is now ${isoOf(nowSeconds)}, beyond the ${skew} s skew allowed`, { claim: 'iat' })
  }
}

function isoOf (seconds: number): string {
  const date = new Date(seconds * 1000)
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString()
}

function checkRealm (claims: BaseClaims, realmId: string): void {
  if (claims.realm !== realmId) {
    throw new TokenError('TOKEN_WRONG_REALM', `token is for realm "${claims.realm}"; expected realm "${realmId}"`, { claim: 'realm' })
  }
  if (claims.aud !== realmId) {
    throw new TokenError('TOKEN_WRONG_AUDIENCE', `token audience is "${claims.aud}"; expected the realm id "${realmId}"`, { claim: 'aud' })
  }
}

function checkRevocationAndTtl (claims: BaseClaims, isRevoked: ((jti: string, sub: string) => boolean) | undefined, policy: RealmPolicy): void {
  if (isRevoked?.(claims.jti, claims.sub) === true) {
    throw new TokenError('TOKEN_REVOKED', `token ${claims.jti} has been revoked`, { claim: 'jti' })
  }
  const ttl = claims.exp - claims.iat
  if (ttl > policy.maxTokenTtlSeconds) {
    throw new TokenError('TOKEN_TTL_TOO_LONG',
      `token lifetime exp - iat is ${ttl} s; the realm policy allows at most maxTokenTtlSeconds = ${policy.maxTokenTtlSeconds} s`, { claim: 'exp' })
  }
}

/** Leader-issued, or self-issued (iss === sub) when the realm allows it; returns selfIssued. */
function checkLeaderOrSelf (claims: BaseClaims, realm: RealmDescriptor): boolean {
  if (claims.iss === realm.leader.peerId) {
    return false
  }
  if (claims.iss === claims.sub && realm.policy.allowSelfIssued) {
    return true
  }
  const hint = claims.iss === claims.sub ? ' (the token is self-issued, and the realm policy does not allow self-issued tokens)' : ''
  throw new TokenError('TOKEN_UNTRUSTED_ISSUER',
    `token issuer ${claims.iss} is not the leader of realm ${realm.name} (${realm.leader.peerId})${hint}`, { claim: 'iss' })
}

/**
 * The common path of node, identity and interest tokens; `authorize` applies the issuer policy
 * and peer binding of the kind and returns selfIssued.
 */
async function verifyRealmToken<K extends 'node' | 'identity' | 'interest'> (
  kind: K,
  token: string,
  opts: VerifyOptions,
  authorize: (claims: ClaimsOf[K]) => boolean
): Promise<VerifiedToken<ClaimsOf[K]>> {
  const clock = clockOf(opts)
  // size cap before hashing: a cache lookup must not hash megabytes
  checkTokenSize(token)
  // hashed only when needed: for the cache key, or when the caller reads `hash`
  const hashed = opts.cache === undefined ? undefined : recentHash(token)
  let hash = hashed?.hash
  const hashHex = hashed?.hex ?? ''
  const realm = opts.realm
  let claims = opts.cache?.get(kind, realm.id, hashHex) as ClaimsOf[K] | undefined
  const cached = claims !== undefined
  claims ??= decodeAndVerifySignature(kind, token)

  checkTime(claims, clock)
  checkRealm(claims, realm.id)
  const selfIssued = authorize(claims)
  checkRevocationAndTtl(claims, opts.isRevoked, realm.policy)

  if (!cached) {
    opts.cache?.set(kind, realm.id, hashHex, claims, claims.exp)
  }
  return {
    token,
    get hash () { return (hash ??= tokenHash(token)) },
    claims,
    issuer: claims.iss,
    selfIssued
  }
}

/**
 * Verifies a node token: issued by the realm leader (or by its subject when the realm policy
 * allows self-issued tokens), for the realm, and, with expectedPeer, for that peer.
 */
export async function verifyNodeToken (token: string, opts: VerifyNodeTokenOptions): Promise<VerifiedToken<NodeTokenClaims>> {
  const expectedPeer = opts.expectedPeer === undefined ? undefined : peerIdString(opts.expectedPeer)
  return verifyRealmToken('node', token, opts, claims => {
    const selfIssued = checkLeaderOrSelf(claims, opts.realm)
    if (expectedPeer !== undefined && claims.sub !== expectedPeer) {
      throw new TokenError('TOKEN_PEER_MISMATCH', `node token is for peer ${claims.sub}; expected the connected peer ${expectedPeer}`, { claim: 'sub' })
    }
    return selfIssued
  })
}

/**
 * Verifies an identity token: issued by the realm leader (or self-issued when the policy allows),
 * and, with expectedNode, either for that node itself or naming its fingerprint in ext.node.
 */
export async function verifyIdentityToken (token: string, opts: VerifyIdentityTokenOptions): Promise<VerifiedToken<IdentityTokenClaims>> {
  const expectedNode = opts.expectedNode === undefined ? undefined : peerIdString(opts.expectedNode)
  return verifyRealmToken('identity', token, opts, claims => {
    const selfIssued = checkLeaderOrSelf(claims, opts.realm)
    if (expectedNode !== undefined && claims.sub !== expectedNode) {
      const expectedFingerprint = fingerprintHex(expectedNode)
      if (claims.ext?.node !== expectedFingerprint) {
        throw new TokenError('TOKEN_NODE_MISMATCH',
          `identity token for ${claims.sub} names node ${claims.ext?.node ?? '(none)'}; expected node ${expectedNode} (ext.node ${expectedFingerprint}) or sub = that node`, { claim: 'ext.node' })
      }
    }
    return selfIssued
  })
}

/** Verifies an interest token: signed by the identity it is about (iss === sub), for the realm. */
export async function verifyInterestToken (token: string, opts: VerifyOptions): Promise<VerifiedToken<InterestTokenClaims>> {
  return verifyRealmToken('interest', token, opts, claims => {
    if (claims.iss !== claims.sub) {
      throw new TokenError('TOKEN_UNTRUSTED_ISSUER', `interest token for identity ${claims.sub} is signed by ${claims.iss}; expected it signed by the identity itself`, { claim: 'iss' })
    }
    return true
  })
}

/**
 * Verifies an invitation token. The realm descriptor inside is validated in full; the token must be
 * signed by that descriptor's leader, for that realm (and for expectedRealmId when given).
 * Invitations are not cached.
 */
export async function verifyInvitationToken (token: string, opts: VerifyInvitationTokenOptions = {}): Promise<VerifiedToken<InvitationTokenClaims>> {
  const clock = clockOf(opts)
  const claims = decodeAndVerifySignature('invitation', token)
  const descriptor = claims.descriptor
  checkTime(claims, clock)
  checkRealm(claims, descriptor.id)
  if (opts.expectedRealmId !== undefined && descriptor.id !== opts.expectedRealmId) {
    throw new TokenError('TOKEN_WRONG_REALM', `invitation is to realm "${descriptor.id}" (${descriptor.name}); expected realm "${opts.expectedRealmId}"`, { claim: 'realm' })
  }
  if (claims.iss !== descriptor.leader.peerId) {
    throw new TokenError('TOKEN_UNTRUSTED_ISSUER', `invitation is signed by ${claims.iss}; expected the leader of realm ${descriptor.name}, ${descriptor.leader.peerId}`, { claim: 'iss' })
  }
  checkRevocationAndTtl(claims, opts.isRevoked, descriptor.policy)
  return { token, hash: tokenHash(token), claims, issuer: claims.iss, selfIssued: false }
}
