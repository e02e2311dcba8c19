/**
 * Token kinds, their claims, and the shape checks every token passes before its signature is
 * checked (and every token we issue passes before it is signed).
 */
import { RealmDescriptorError, TokenError } from './errors.js'
import { describeType, isRecord, preview } from './json.js'
import { isEd25519PeerIdString } from './peer.js'
import { parseBootstrapList, parseRealmDescriptor } from './realm.js'
import type { RealmDescriptor } from './realm.js'

/** The JWS header `typ` of each token kind. */
export const TOKEN_TYPES = {
  node: 'rm-node+jwt',
  identity: 'rm-identity+jwt',
  interest: 'rm-interest+jwt',
  invitation: 'rm-invitation+jwt'
} as const

export type TokenKind = keyof typeof TOKEN_TYPES

/** Optional, signed facts about the subject. */
export interface TokenExtensions {
  /** DNS name or address the subject is reachable at (at most 253 characters) */
  hostname?: string
  /** port the subject listens on, 1..65535 */
  port?: number
  /** multiaddr strings the subject listens on (each starts with "/") */
  multiaddrs?: string[]
  /** user attributes, string to string (e.g. used by attribute audiences) */
  attrs?: Record<string, string>
}

export interface BaseClaims {
  /** signer peer id (its Ed25519 public key verifies the signature) */
  iss: string
  sub: string
  /** realm id */
  aud: string
  /** realm id */
  realm: string
  /** unique token id (uuid), the key of revocation */
  jti: string
  /** issued at, seconds since the epoch */
  iat: number
  /** not before, seconds since the epoch */
  nbf: number
  /** expires at, seconds since the epoch */
  exp: number
}

/** Node token: `sub` is the node's peer id; issued by the leader (or by the node itself when the realm policy allows). */
export interface NodeTokenClaims extends BaseClaims {
  ext?: TokenExtensions
  /**
   * Until when (seconds since the epoch) the leader renews this grant: a renewal's exp never goes
   * past it, and it carries the same renewUntil. Absent: the token is not renewable.
   */
  renewUntil?: number
  /**
   * When the grant began (seconds since the epoch): the iat of the grant's first token, carried
   * unchanged by its renewals. A member coordinates subjects in an epoch only when its grant is
   * older than the epoch's start. Absent (tokens issued before the claim existed): the iat counts.
   */
  grantedAt?: number
}

export interface IdentityExtensions extends TokenExtensions {
  /** fingerprintHex of the node this identity uses; required when sub differs from that node */
  node?: string
}

/** Identity token: `sub` is the identity's peer id. */
export interface IdentityTokenClaims extends BaseClaims {
  ext?: IdentityExtensions
}

export type Role = 'sender' | 'receiver' | 'both'

export type Audience =
  | { kind: 'public' }
  | { kind: 'identities', ids: string[] }
  | { kind: 'attribute', name: string, value: string }

/** Interest token: signed by the identity itself (iss = sub = identity peer id). */
export interface InterestTokenClaims extends BaseClaims {
  /** hex subjectKey(realmId, subject name) */
  subject: string
  role: Role
  threshold: number
  audience: Audience
  /** fingerprintHex of the node to reach the identity at */
  node: string
  /**
   * the identity's attributes for this interest (its intent): a message's attributes inherit
   * the identity token's, then these, then the message's own (later ones win). At most
   * MAX_ATTRIBUTES, names of 1..64 characters, values of at most 256.
   */
  attrs?: Record<string, string>
  /**
   * what the interested node's messaging understands beyond the first version: `msg-attrs`, it
   * reads message attributes (a sender gives a message with attributes only to such a receiver)
   */
  features?: string[]
  /** the most messages the identity wants in flight to it at once on the subject, per sender node (a whole number >= 1) */
  maxParallel?: number
}

/** at most this many attributes on an interest token or a message */
export const MAX_ATTRIBUTES = 16
export const MAX_ATTRIBUTE_NAME_CHARS = 64
export const MAX_ATTRIBUTE_VALUE_CHARS = 256
const MAX_FEATURES = 16

/**
 * Why `attrs` is not a valid attribute set (an object of at most MAX_ATTRIBUTES string values,
 * names of 1..64 characters, values of at most 256), or undefined when it is one.
 */
export function attributesProblem (attrs: unknown): string | undefined {
  if (!isRecord(attrs)) return 'an object of string values'
  const entries = Object.entries(attrs)
  if (entries.length > MAX_ATTRIBUTES) return `at most ${MAX_ATTRIBUTES} attributes`
  for (const [name, value] of entries) {
    if (name.length === 0 || name.length > MAX_ATTRIBUTE_NAME_CHARS) return `attribute names of 1..${MAX_ATTRIBUTE_NAME_CHARS} characters, got ${JSON.stringify(name.slice(0, 80))}`
    if (typeof value !== 'string' || value.length > MAX_ATTRIBUTE_VALUE_CHARS) return `attribute ${name}: a string of at most ${MAX_ATTRIBUTE_VALUE_CHARS} characters`
  }
  return undefined
}

/** Invitation token: signed by the leader, sub = 'invitation'. */
export interface InvitationTokenClaims extends BaseClaims {
  descriptor: RealmDescriptor
  bootstrap: string[]
}

/** The claims type of each kind. */
export interface ClaimsOf {
  node: NodeTokenClaims
  identity: IdentityTokenClaims
  interest: InterestTokenClaims
  invitation: InvitationTokenClaims
}

const ROLES: readonly string[] = ['sender', 'receiver', 'both']
const HEX32 = /^[0-9a-f]{64}$/
const MAX_JTI_LENGTH = 128
const MAX_HOSTNAME_LENGTH = 253

function malformed (claim: string, expected: string, value: unknown): never {
  const got = value === undefined ? 'it is missing' : `got ${describeType(value)} ${preview(value, 60)}`
  throw new TokenError('TOKEN_MALFORMED', `malformed token: claim "${claim}" must be ${expected}; ${got}`, { claim })
}

function str (claims: Record<string, unknown>, claim: string, path = claim): string {
  const value = claims[claim]
  if (typeof value !== 'string' || value.length === 0) {
    malformed(path, 'a non-empty string', value)
  }
  return value
}

function peer (claims: Record<string, unknown>, claim: string, path = claim): string {
  const value = claims[claim]
  if (typeof value !== 'string' || !isEd25519PeerIdString(value)) {
    malformed(path, 'an Ed25519 peer id string in canonical (base58btc) form', value)
  }
  return value
}

function numericDate (claims: Record<string, unknown>, claim: string): number {
  const value = claims[claim]
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    malformed(claim, 'a number of seconds since the epoch', value)
  }
  return value
}

function hex32 (claims: Record<string, unknown>, claim: string, path = claim): string {
  const value = claims[claim]
  if (typeof value !== 'string' || !HEX32.test(value)) {
    malformed(path, '64 lower-case hex characters (a sha256 fingerprint)', value)
  }
  return value
}

function checkBase (claims: Record<string, unknown>, subIsPeer: boolean): void {
  peer(claims, 'iss')
  if (subIsPeer) {
    peer(claims, 'sub')
  } else {
    str(claims, 'sub')
  }
  str(claims, 'aud')
  str(claims, 'realm')
  const jti = str(claims, 'jti')
  if (jti.length > MAX_JTI_LENGTH) {
    malformed('jti', `at most ${MAX_JTI_LENGTH} characters`, jti)
  }
  numericDate(claims, 'iat')
  numericDate(claims, 'nbf')
  numericDate(claims, 'exp')
}

function checkExtensions (claims: Record<string, unknown>, allowNode: boolean): void {
  const ext = claims.ext
  if (ext === undefined) {
    return
  }
  if (!isRecord(ext)) {
    malformed('ext', 'an object', ext)
  }
  if (ext.hostname !== undefined) {
    const hostname = str(ext, 'hostname', 'ext.hostname')
    if (hostname.length > MAX_HOSTNAME_LENGTH) {
      malformed('ext.hostname', `at most ${MAX_HOSTNAME_LENGTH} characters`, hostname)
    }
  }
  if (ext.port !== undefined) {
    const port = ext.port
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      malformed('ext.port', 'a whole number from 1 to 65535', port)
    }
  }
  if (ext.multiaddrs !== undefined) {
    const multiaddrs = ext.multiaddrs
    if (!Array.isArray(multiaddrs)) {
      malformed('ext.multiaddrs', 'an array of multiaddr strings', multiaddrs)
    }
    multiaddrs.forEach((address: unknown, i) => {
      // a full multiaddr parse would dominate a cold verify; consumers parse them before dialing
      if (typeof address !== 'string' || !address.startsWith('/')) {
        malformed(`ext.multiaddrs[${i}]`, 'a multiaddr string (starting with "/")', address)
      }
    })
  }
  if (ext.attrs !== undefined) {
    const attrs = ext.attrs
    if (!isRecord(attrs)) {
      malformed('ext.attrs', 'an object of string values', attrs)
    }
    for (const [name, value] of Object.entries(attrs)) {
      if (typeof value !== 'string') {
        malformed(`ext.attrs.${name}`, 'a string', value)
      }
    }
  }
  if (ext.node !== undefined) {
    if (!allowNode) {
      malformed('ext.node', 'absent (only identity tokens name a node)', ext.node)
    }
    hex32(ext, 'node', 'ext.node')
  }
}

function checkAudience (claims: Record<string, unknown>): void {
  const audience = claims.audience
  if (!isRecord(audience)) {
    malformed('audience', 'an object with a "kind" of public, identities or attribute', audience)
  }
  switch (audience.kind) {
    case 'public':
      return
    case 'identities': {
      const ids = audience.ids
      if (!Array.isArray(ids)) {
        malformed('audience.ids', 'an array of peer id strings', ids)
      }
      ids.forEach((id: unknown, i) => {
        if (typeof id !== 'string' || !isEd25519PeerIdString(id)) {
          malformed(`audience.ids[${i}]`, 'an Ed25519 peer id string in canonical (base58btc) form', id)
        }
      })
      return
    }
    case 'attribute':
      str(audience, 'name', 'audience.name')
      if (typeof audience.value !== 'string') {
        malformed('audience.value', 'a string', audience.value)
      }
      return
    default:
      malformed('audience.kind', '"public", "identities" or "attribute"', audience.kind)
  }
}

function checkNode (claims: Record<string, unknown>): NodeTokenClaims {
  checkBase(claims, true)
  checkExtensions(claims, false)
  if (claims.renewUntil !== undefined) numericDate(claims, 'renewUntil')
  if (claims.grantedAt !== undefined) numericDate(claims, 'grantedAt')
  return claims as unknown as NodeTokenClaims
}

function checkIdentity (claims: Record<string, unknown>): IdentityTokenClaims {
  checkBase(claims, true)
  checkExtensions(claims, true)
  return claims as unknown as IdentityTokenClaims
}

function checkInterest (claims: Record<string, unknown>): InterestTokenClaims {
  checkBase(claims, true)
  hex32(claims, 'subject')
  if (typeof claims.role !== 'string' || !ROLES.includes(claims.role)) {
    malformed('role', '"sender", "receiver" or "both"', claims.role)
  }
  const threshold = claims.threshold
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0) {
    malformed('threshold', 'a number >= 0', threshold)
  }
  checkAudience(claims)
  hex32(claims, 'node')
  if (claims.attrs !== undefined) {
    const problem = attributesProblem(claims.attrs)
    if (problem != null) malformed('attrs', problem, claims.attrs)
  }
  const maxParallel = claims.maxParallel
  if (maxParallel !== undefined && (typeof maxParallel !== 'number' || !Number.isSafeInteger(maxParallel) || maxParallel < 1)) {
    malformed('maxParallel', 'a whole number >= 1', maxParallel)
  }
  const features = claims.features
  if (features !== undefined && (!Array.isArray(features) || features.length > MAX_FEATURES || features.some(f => typeof f !== 'string' || f.length === 0 || f.length > 32))) {
    malformed('features', `an array of at most ${MAX_FEATURES} names of 1..32 characters`, features)
  }
  return claims as unknown as InterestTokenClaims
}

function checkInvitation (claims: Record<string, unknown>): InvitationTokenClaims {
  checkBase(claims, false)
  if (claims.sub !== 'invitation') {
    malformed('sub', '"invitation"', claims.sub)
  }
  const descriptor = asClaimError(() => parseRealmDescriptor(claims.descriptor), 'descriptor')
  const bootstrap = asClaimError(() => parseBootstrapList(claims.bootstrap, 'bootstrap'), '')
  return { ...(claims as unknown as InvitationTokenClaims), descriptor, bootstrap }
}

/** Runs a realm validator on a claim, turning its RealmDescriptorError into TOKEN_MALFORMED. */
function asClaimError<T> (parse: () => T, prefix: string): T {
  try {
    return parse()
  } catch (err) {
    if (err instanceof RealmDescriptorError) {
      const claim = prefix === '' ? err.path : err.path === '' ? prefix : `${prefix}.${err.path}`
      throw new TokenError('TOKEN_MALFORMED', `malformed invitation token: claim "${claim}": ${err.message}`, { claim, cause: err })
    }
    throw err
  }
}

/**
 * Checks the claims of a token of the given kind and returns them typed. Throws TokenError
 * TOKEN_MALFORMED naming the first missing or ill-typed claim. Unknown claims are kept and ignored.
 */
export function checkClaims<K extends TokenKind> (kind: K, claims: Record<string, unknown>): ClaimsOf[K] {
  switch (kind) {
    case 'node':
      return checkNode(claims) as ClaimsOf[K]
    case 'identity':
      return checkIdentity(claims) as ClaimsOf[K]
    case 'interest':
      return checkInterest(claims) as ClaimsOf[K]
    case 'invitation':
      return checkInvitation(claims) as ClaimsOf[K]
    default:
      throw new TokenError('TOKEN_WRONG_TYPE', `unknown token kind ${String(kind)}`)
  }
}
