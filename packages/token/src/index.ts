/**
 * @realmesh/token: keys, realm descriptors, fingerprints, and issue + verify of the four realmesh
 * token kinds (node, identity, interest, invitation; compact JWS, EdDSA / Ed25519).
 */
export { TokenError, KeyFileError, RealmDescriptorError, UnsupportedKeyError } from './errors.js'
export type { TokenErrorCode, TokenErrorOptions, KeyFileErrorCode } from './errors.js'

export { generateNodeKey, writeKeyFile, readKeyFile, readOrCreateKeyFile } from './keys.js'
export type { WriteKeyFileOptions } from './keys.js'
export { writeFileAtomic } from './files.js'
export type { WriteFileAtomicOptions } from './files.js'

export { fingerprint, sharedFingerprint, fingerprintHex, xorDistance, compareDistance, compareXor, closestTo, subjectKey, subjectPosition, subjectPositionText } from './fingerprint.js'

export {
  realmIdOf,
  createRealmDescriptor,
  parseRealmDescriptor,
  leaderPeerId,
  publicKeyToJwk,
  jwkThumbprint,
  DEFAULT_REALM_POLICY,
  MAX_BOOTSTRAP_ADDRESSES
} from './realm.js'
export type { RealmPolicy, RealmDescriptor, Ed25519Jwk, CreateRealmDescriptorInit } from './realm.js'

export { TOKEN_TYPES, MAX_ATTRIBUTES, MAX_ATTRIBUTE_NAME_CHARS, MAX_ATTRIBUTE_VALUE_CHARS, attributesProblem } from './claims.js'
export type {
  TokenKind,
  TokenExtensions,
  IdentityExtensions,
  BaseClaims,
  NodeTokenClaims,
  IdentityTokenClaims,
  InterestTokenClaims,
  InvitationTokenClaims,
  ClaimsOf,
  Role,
  Audience
} from './claims.js'

export { MAX_TOKEN_LENGTH } from './jws.js'
export type { JwsHeader } from './jws.js'

export {
  issueNodeToken,
  issueIdentityToken,
  issueInterestToken,
  issueInvitationToken,
  DEFAULT_NODE_TOKEN_TTL_SECONDS,
  DEFAULT_IDENTITY_TOKEN_TTL_SECONDS,
  DEFAULT_INTEREST_TOKEN_TTL_SECONDS,
  DEFAULT_INVITATION_TOKEN_TTL_SECONDS,
  DEFAULT_INTEREST_THRESHOLD
} from './issue.js'
export type {
  IssueCommonInit,
  IssueNodeTokenInit,
  IssueIdentityTokenInit,
  IssueInterestTokenInit,
  IssueInvitationTokenInit
} from './issue.js'

export {
  verifyNodeToken,
  verifyIdentityToken,
  verifyInterestToken,
  verifyInvitationToken,
  tokenHash,
  decodeTokenUnverified,
  DEFAULT_SKEW_SECONDS
} from './verify.js'
export type {
  TimeOptions,
  VerifyOptions,
  VerifyNodeTokenOptions,
  VerifyIdentityTokenOptions,
  VerifyInvitationTokenOptions,
  VerifiedToken
} from './verify.js'

export { TokenCache, DEFAULT_TOKEN_CACHE_MAX_ENTRIES } from './cache.js'
export type { TokenCacheInit, TokenCacheStats } from './cache.js'
export { signBytes, verifyPeerSignature } from './signature.js'
export { randomText } from './hash.js'
