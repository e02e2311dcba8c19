/**
 * Errors thrown by @realmesh/token. Every class has a stable `name` and a stable `code`; callers
 * (and tests) branch on those, never on the message text, which is written for humans: it says
 * what was wrong, where (claim, field, path) and what would be right.
 */

/** Why a token was refused (or could not be issued). */
export type TokenErrorCode =
  /** not 3 base64url parts, bad JSON, missing or ill-typed claims, token larger than 8 KiB */
  | 'TOKEN_MALFORMED'
  /** header alg is anything but 'EdDSA' (including 'none' and 'HS256'), or carries `crit` or `b64` */
  | 'TOKEN_ALG_NOT_ALLOWED'
  /** header typ is not the kind expected (e.g. an identity token where a node token is needed) */
  | 'TOKEN_WRONG_TYPE'
  /** the signature does not verify against the public key embedded in `iss` */
  | 'TOKEN_BAD_SIGNATURE'
  /** `exp` is in the past, beyond the tolerated skew */
  | 'TOKEN_EXPIRED'
  /** `nbf` (or `iat`) is in the future, beyond the tolerated skew */
  | 'TOKEN_NOT_YET_VALID'
  /** the `realm` claim is not the expected realm id */
  | 'TOKEN_WRONG_REALM'
  /** `aud` is not the expected realm id */
  | 'TOKEN_WRONG_AUDIENCE'
  /** `iss` is not the realm leader, and not an allowed self-issuer */
  | 'TOKEN_UNTRUSTED_ISSUER'
  /** node token `sub` is not the expected peer (the peer on the other end of the connection) */
  | 'TOKEN_PEER_MISMATCH'
  /** identity token names another node than expected */
  | 'TOKEN_NODE_MISMATCH'
  /** `isRevoked(jti)` returned true */
  | 'TOKEN_REVOKED'
  /** `exp - iat` is beyond the realm policy `maxTokenTtlSeconds` */
  | 'TOKEN_TTL_TOO_LONG'

export interface TokenErrorOptions {
  /** the claim or header parameter at fault, e.g. `exp`, `ext.port`, `header.alg` */
  claim?: string
  cause?: unknown
}

export class TokenError extends Error {
  static override name = 'TokenError'
  readonly code: TokenErrorCode
  readonly claim?: string

  constructor (code: TokenErrorCode, message: string, options: TokenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'TokenError'
    this.code = code
    if (options.claim !== undefined) {
      this.claim = options.claim
    }
  }
}

export type KeyFileErrorCode =
  /** no file at the path */
  | 'KEY_FILE_NOT_FOUND'
  /** the file is accessible by group or others (fix: `chmod 600 PATH`) */
  | 'KEY_FILE_PERMISSIONS'
  /** the file does not hold one base64 protobuf-marshalled Ed25519 private key */
  | 'KEY_FILE_MALFORMED'
  /** refusing to replace an existing key file (pass `{ overwrite: true }` to replace it) */
  | 'KEY_FILE_EXISTS'

export class KeyFileError extends Error {
  static override name = 'KeyFileError'
  readonly code: KeyFileErrorCode
  /** the key file concerned */
  readonly path: string

  constructor (code: KeyFileErrorCode, path: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'KeyFileError'
    this.code = code
    this.path = path
  }
}

export class RealmDescriptorError extends Error {
  static override name = 'RealmDescriptorError'
  readonly code = 'REALM_DESCRIPTOR_INVALID' as const
  /** JSON path of the bad field, e.g. `leader.jwk.x`, `bootstrap[2]`; empty for the whole document */
  readonly path: string
  /** what a valid value looks like */
  readonly expected: string

  constructor (path: string, expected: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'RealmDescriptorError'
    this.path = path
    this.expected = expected
  }
}

/**
 * A key of the wrong type was passed where realmesh needs an Ed25519 key (node, leader and identity
 * keys are all libp2p Ed25519 keys).
 */
export class UnsupportedKeyError extends Error {
  static override name = 'UnsupportedKeyError'
  readonly code = 'KEY_TYPE_UNSUPPORTED' as const
  /** the type of the key that was given (`RSA`, `secp256k1`, `ECDSA`, ...) */
  readonly keyType: string

  constructor (keyType: string, where: string) {
    super(`${where}: expected an Ed25519 key, got a ${keyType} key`)
    this.name = 'UnsupportedKeyError'
    this.keyType = keyType
  }
}
