/**
 * Issuing tokens (jose SignJWT, EdDSA). Every token is checked with the same shape checks the
 * verifier applies before it is signed, so we never issue a token our own verifier would refuse as
 * malformed.
 */
import { randomUUID } from 'node:crypto'
import { signingKeyOf } from './signature.js'
import { SignJWT } from 'jose'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { checkClaims, TOKEN_TYPES } from './claims.js'
import { TokenError, UnsupportedKeyError } from './errors.js'
import { fingerprintHex, subjectKey } from './fingerprint.js'
import { toHex } from './hash.js'
import { peerIdString } from './peer.js'
import type { Audience, BaseClaims, IdentityExtensions, Role, TokenExtensions, TokenKind } from './claims.js'
import type { RealmDescriptor } from './realm.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'

/** Options every issue function takes. */
export interface IssueCommonInit {
  /** Lifetime in seconds: exp = iat + ttlSeconds. Default depends on the kind. */
  ttlSeconds?: number
  /** nbf, in seconds since the epoch (a NumericDate, not milliseconds). @default iat */
  notBefore?: number
  /** Clock, milliseconds since the epoch; iat = floor(now() / 1000). @default Date.now */
  now?: () => number
  /** Token id. @default a random uuid (crypto.randomUUID) */
  jti?: string
}

export interface IssueNodeTokenInit extends IssueCommonInit {
  /** the realm, or its id; with a descriptor, ttlSeconds is checked against its policy */
  realm: RealmDescriptor | string
  /** the node the token is for */
  subject: PeerId | string
  /** @default 86400 (one day) */
  ttlSeconds?: number
  ext?: TokenExtensions
  /** until when (seconds since the epoch) the grant may be renewed; at least the token's iat. @default not renewable */
  renewUntil?: number
  /**
   * when the grant this token belongs to began (seconds since the epoch), at most the token's iat:
   * a renewal carries its grant's. Whether the node may coordinate subjects in an epoch depends
   * on it (a grant older than the epoch's start). @default iat (a new grant)
   */
  grantedAt?: number
}

export interface IssueIdentityTokenInit extends IssueCommonInit {
  realm: RealmDescriptor | string
  /** the identity the token is for */
  subject: PeerId | string
  /** the node this identity uses; sets ext.node = fingerprintHex(node). Needed when it is not the subject itself. */
  node?: PeerId | string
  /** @default 86400 (one day) */
  ttlSeconds?: number
  ext?: TokenExtensions
}

export interface IssueInterestTokenInit extends IssueCommonInit {
  realm: RealmDescriptor | string
  /** the subject name; the claim holds hex subjectKey(realmId, subject) */
  subject: string
  role: Role
  /** @default 100 */
  threshold?: number
  /** @default { kind: 'public' } */
  audience?: Audience
  /** the node to reach the identity at; the claim holds its fingerprintHex */
  node: PeerId | string
  /** @default 300 (five minutes; interest is refreshed before it expires) */
  ttlSeconds?: number
  /** the intent's attributes (InterestTokenClaims.attrs); none when empty */
  attrs?: Record<string, string>
  /** what the node's messaging understands (InterestTokenClaims.features); none when empty */
  features?: string[]
  /** InterestTokenClaims.maxParallel; none when absent */
  maxParallel?: number
}

export interface IssueInvitationTokenInit extends IssueCommonInit {
  /** the realm invited to; the signer must be its leader */
  descriptor: RealmDescriptor
  /** addresses to dial first. @default descriptor.bootstrap */
  bootstrap?: string[]
  /** @default 3600 (one hour) */
  ttlSeconds?: number
}

export const DEFAULT_NODE_TOKEN_TTL_SECONDS = 86_400
export const DEFAULT_IDENTITY_TOKEN_TTL_SECONDS = 86_400
export const DEFAULT_INTEREST_TOKEN_TTL_SECONDS = 300
export const DEFAULT_INVITATION_TOKEN_TTL_SECONDS = 3600
export const DEFAULT_INTEREST_THRESHOLD = 100

function realmIdFrom (realm: RealmDescriptor | string): string {
  const id = typeof realm === 'string' ? realm : realm.id
  if (typeof id !== 'string' || id === '') {
    throw new TokenError('TOKEN_MALFORMED', 'cannot issue: realm must be a realm descriptor or a non-empty realm id', { claim: 'realm' })
  }
  return id
}

function timeClaims (init: IssueCommonInit, defaultTtl: number, realm: RealmDescriptor | string): Pick<BaseClaims, 'iat' | 'nbf' | 'exp'> {
  const ttl = init.ttlSeconds ?? defaultTtl
  if (!Number.isSafeInteger(ttl) || ttl <= 0) {
    throw new TokenError('TOKEN_MALFORMED', `cannot issue: ttlSeconds must be a positive whole number of seconds, got ${ttl}`, { claim: 'exp' })
  }
  if (typeof realm !== 'string' && ttl > realm.policy.maxTokenTtlSeconds) {
    throw new TokenError('TOKEN_TTL_TOO_LONG',
      `cannot issue: ttlSeconds ${ttl} is beyond realm ${realm.name} policy maxTokenTtlSeconds ${realm.policy.maxTokenTtlSeconds}; its members would refuse the token`, { claim: 'exp' })
  }
  const now = init.now ?? Date.now
  const iat = Math.floor(now() / 1000)
  const exp = iat + ttl
  const nbf = init.notBefore ?? iat
  if (typeof nbf !== 'number' || !Number.isFinite(nbf) || nbf >= exp) {
    throw new TokenError('TOKEN_MALFORMED', `cannot issue: notBefore must be a time in seconds before exp (${exp}), got ${nbf}`, { claim: 'nbf' })
  }
  return { iat, nbf, exp }
}

async function sign (kind: TokenKind, signer: PrivateKey, payload: BaseClaims & Record<string, unknown>): Promise<string> {
  const key = signingKeyOf(signer)
  checkClaims(kind, payload)
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'EdDSA', typ: TOKEN_TYPES[kind], kid: payload.iss })
    .sign(key)
}

function issuerOf (signer: PrivateKey): string {
  if (signer.type !== 'Ed25519') {
    throw new UnsupportedKeyError(signer.type, 'token signer')
  }
  return peerIdFromPrivateKey(signer).toString()
}

/** A node token for subject, signed by signer (the realm leader, or the node itself in a self-issuing realm). */
export async function issueNodeToken (signer: PrivateKey, init: IssueNodeTokenInit): Promise<string> {
  const realm = realmIdFrom(init.realm)
  const payload: BaseClaims & Record<string, unknown> = {
    iss: issuerOf(signer),
    sub: peerIdString(init.subject),
    aud: realm,
    realm,
    jti: init.jti ?? randomUUID(),
    ...timeClaims(init, DEFAULT_NODE_TOKEN_TTL_SECONDS, init.realm)
  }
  if (init.ext !== undefined) {
    payload.ext = init.ext
  }
  if (init.renewUntil !== undefined) {
    if (!Number.isFinite(init.renewUntil) || init.renewUntil < payload.iat) {
      throw new TokenError('TOKEN_MALFORMED', `cannot issue: renewUntil must be a time in seconds at or after iat (${payload.iat}), got ${init.renewUntil}`, { claim: 'renewUntil' })
    }
    payload.renewUntil = Math.floor(init.renewUntil)
  }
  const grantedAt = init.grantedAt ?? payload.iat
  if (!Number.isFinite(grantedAt) || grantedAt < 0 || grantedAt > payload.iat) {
    throw new TokenError('TOKEN_MALFORMED', `cannot issue: grantedAt must be a time in seconds at or before iat (${payload.iat}), got ${grantedAt}`, { claim: 'grantedAt' })
  }
  payload.grantedAt = Math.floor(grantedAt)
  return sign('node', signer, payload)
}

/** An identity token for subject; with `node`, it names the node the identity uses. */
export async function issueIdentityToken (signer: PrivateKey, init: IssueIdentityTokenInit): Promise<string> {
  const realm = realmIdFrom(init.realm)
  const payload: BaseClaims & Record<string, unknown> = {
    iss: issuerOf(signer),
    sub: peerIdString(init.subject),
    aud: realm,
    realm,
    jti: init.jti ?? randomUUID(),
    ...timeClaims(init, DEFAULT_IDENTITY_TOKEN_TTL_SECONDS, init.realm)
  }
  if (init.ext !== undefined || init.node !== undefined) {
    const ext: IdentityExtensions = { ...init.ext }
    if (init.node !== undefined) {
      ext.node = fingerprintHex(init.node)
    }
    payload.ext = ext
  }
  return sign('identity', signer, payload)
}

/** An interest token, signed by the identity itself (iss = sub = the identity's peer id). */
export async function issueInterestToken (identityKey: PrivateKey, init: IssueInterestTokenInit): Promise<string> {
  const realm = realmIdFrom(init.realm)
  const identity = issuerOf(identityKey)
  const payload: BaseClaims & Record<string, unknown> = {
    iss: identity,
    sub: identity,
    aud: realm,
    realm,
    jti: init.jti ?? randomUUID(),
    ...timeClaims(init, DEFAULT_INTEREST_TOKEN_TTL_SECONDS, init.realm),
    subject: toHex(subjectKey(realm, init.subject)),
    role: init.role,
    threshold: init.threshold ?? DEFAULT_INTEREST_THRESHOLD,
    audience: init.audience ?? { kind: 'public' },
    node: fingerprintHex(init.node)
  }
  if (init.attrs != null && Object.keys(init.attrs).length > 0) payload.attrs = init.attrs
  if (init.features != null && init.features.length > 0) payload.features = init.features
  if (init.maxParallel != null) payload.maxParallel = init.maxParallel
  return sign('interest', identityKey, payload)
}

/** An invitation token: the realm descriptor and bootstrap addresses, signed by the realm leader. */
export async function issueInvitationToken (leaderKey: PrivateKey, init: IssueInvitationTokenInit): Promise<string> {
  const leader = issuerOf(leaderKey)
  const descriptor = init.descriptor
  if (leader !== descriptor.leader.peerId) {
    throw new TokenError('TOKEN_UNTRUSTED_ISSUER',
      `cannot issue: invitations to realm ${descriptor.name} must be signed by its leader ${descriptor.leader.peerId}, not ${leader}`, { claim: 'iss' })
  }
  const payload: BaseClaims & Record<string, unknown> = {
    iss: leader,
    sub: 'invitation',
    aud: descriptor.id,
    realm: descriptor.id,
    jti: init.jti ?? randomUUID(),
    ...timeClaims(init, DEFAULT_INVITATION_TOKEN_TTL_SECONDS, descriptor),
    descriptor,
    bootstrap: init.bootstrap ?? descriptor.bootstrap
  }
  return sign('invitation', leaderKey, payload)
}
