/**
 * The realm descriptor (`realm.json`): a realm is named by its leader's public key (realm id = RFC
 * 7638 JWK thumbprint of the leader's Ed25519 public key) plus a human name, and carries the
 * bootstrap addresses and the token policy every member applies.
 */
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { BOOTSTRAP_ADDRESS_EXPECTED, bootstrapAddressProblem } from './address.js'
import { RealmDescriptorError, UnsupportedKeyError } from './errors.js'
import { fromBase64Url, sha256, toBase64Url } from './hash.js'
import { describeType, isRecord, preview } from './json.js'
import type { PeerId, PrivateKey, PublicKey } from '@libp2p/interface'

export interface RealmPolicy {
  /** Node and identity tokens whose issuer is their own subject are accepted. @default false */
  allowSelfIssued: boolean
  /** Longest token lifetime (exp - iat) a verifier accepts, in seconds. @default 2592000 (30 days) */
  maxTokenTtlSeconds: number
  /**
   * Members run realm-wide broadcast (gossipsub on the realm's topic). It costs every member two
   * long-lived streams per member connection and gossipsub's heartbeat, used or not, so a realm
   * turns it on only when it broadcasts. Absent means false (and is left out of the descriptor).
   */
  broadcast?: boolean
}

/** An Ed25519 public key as an OKP JWK (RFC 8037). */
export interface Ed25519Jwk {
  kty: 'OKP'
  crv: 'Ed25519'
  /** base64url of the 32-byte public key */
  x: string
}

export interface RealmDescriptor {
  version: 1
  /** realm id: RFC 7638 JWK thumbprint (SHA-256, base64url) of `leader.jwk` */
  id: string
  /** human name, 1..64 characters of [A-Za-z0-9._-] */
  name: string
  leader: {
    /** the leader's peer id (embeds the same key as `jwk`) */
    peerId: string
    jwk: Ed25519Jwk
  }
  /** multiaddr strings ending in /p2p/<peer id>; may be empty */
  bootstrap: string[]
  policy: RealmPolicy
  /** ISO 8601 date (or date-time) the realm was created */
  createdAt: string
}

export const DEFAULT_REALM_POLICY: Readonly<RealmPolicy> = Object.freeze({
  allowSelfIssued: false,
  // long enough that an unattended node survives a month-long leader outage, short enough that a
  // stolen token does not outlive a key rotation by much
  maxTokenTtlSeconds: 30 * 24 * 60 * 60
})

/** Most bootstrap addresses a descriptor may list (the invitation token must stay under 8 KiB). */
export const MAX_BOOTSTRAP_ADDRESSES = 32

const NAME = /^[A-Za-z0-9._-]{1,64}$/
const NAME_EXPECTED = '1 to 64 characters of A-Z a-z 0-9 . _ -'
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/
const TOP_LEVEL_KEYS = ['version', 'id', 'name', 'leader', 'bootstrap', 'policy', 'createdAt']
const LEADER_KEYS = ['peerId', 'jwk']
const JWK_KEYS = ['kty', 'crv', 'x']
const POLICY_KEYS = ['allowSelfIssued', 'maxTokenTtlSeconds', 'broadcast']

function ed25519PublicKeyOf (key: PublicKey | PrivateKey, where: string): PublicKey {
  const publicKey = 'publicKey' in key ? key.publicKey : key
  if (publicKey.type !== 'Ed25519') {
    throw new UnsupportedKeyError(publicKey.type, where)
  }
  return publicKey
}

/** The OKP JWK of an Ed25519 key (the public part only, also when given a private key). */
export function publicKeyToJwk (key: PublicKey | PrivateKey): Ed25519Jwk {
  const publicKey = ed25519PublicKeyOf(key, 'publicKeyToJwk')
  return { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(publicKey.raw) }
}

/** RFC 7638 thumbprint (SHA-256, base64url) of an OKP JWK: the hash of {"crv","kty","x"} in that order. */
export function jwkThumbprint (jwk: Ed25519Jwk): string {
  return toBase64Url(sha256(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })))
}

/** The realm id a leader key names: the RFC 7638 thumbprint of its public key as an OKP JWK. */
export function realmIdOf (key: PublicKey | PrivateKey): string {
  return jwkThumbprint(publicKeyToJwk(ed25519PublicKeyOf(key, 'realmIdOf')))
}

export interface CreateRealmDescriptorInit {
  /** human name, 1..64 characters of [A-Za-z0-9._-] */
  name: string
  /** the leader's key; only its public part is used */
  leaderKey: PrivateKey | PublicKey
  /** multiaddr strings ending in /p2p/<peer id>. @default [] */
  bootstrap?: string[]
  /** overrides of {@link DEFAULT_REALM_POLICY}. @default {} */
  policy?: Partial<RealmPolicy>
  /** clock for `createdAt`, milliseconds since the epoch. @default Date.now */
  now?: () => number
}

/** A new, validated descriptor for the realm led by leaderKey. Throws RealmDescriptorError on a bad name, address or policy. */
export function createRealmDescriptor (init: CreateRealmDescriptorInit): RealmDescriptor {
  const publicKey = ed25519PublicKeyOf(init.leaderKey, 'createRealmDescriptor leaderKey')
  const jwk = publicKeyToJwk(publicKey)
  const now = init.now ?? Date.now
  return parseRealmDescriptor({
    version: 1,
    id: jwkThumbprint(jwk),
    name: init.name,
    leader: { peerId: peerIdFromPublicKey(publicKey).toString(), jwk },
    bootstrap: init.bootstrap ?? [],
    policy: { ...DEFAULT_REALM_POLICY, ...init.policy },
    createdAt: new Date(now()).toISOString()
  })
}

function fail (path: string, expected: string, got: string): never {
  throw new RealmDescriptorError(path, expected, `invalid realm descriptor at ${path === '' ? '(top level)' : path}: ${got}; expected ${expected}`)
}

function shown (value: unknown): string {
  return preview(value, 80)
}

function checkKeys (value: Record<string, unknown>, allowed: string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const where = path === '' ? key : `${path}.${key}`
      const hint = key === 'd' ? ' (a private key must never be written into the realm descriptor)' : ''
      fail(where, `only the fields ${allowed.join(', ')} at ${path === '' ? 'the top level' : path}`, `unknown field "${key}"${hint}`)
    }
  }
}

function record (value: unknown, path: string): Record<string, unknown> {
  if (!isRecord(value)) {
    fail(path, 'an object', `got ${describeType(value)}`)
  }
  return value
}

function parseJwk (value: unknown): Ed25519Jwk {
  const jwk = record(value, 'leader.jwk')
  checkKeys(jwk, JWK_KEYS, 'leader.jwk')
  if (jwk.kty !== 'OKP') {
    fail('leader.jwk.kty', '"OKP"', `got ${shown(jwk.kty)}`)
  }
  if (jwk.crv !== 'Ed25519') {
    fail('leader.jwk.crv', '"Ed25519"', `got ${shown(jwk.crv)}`)
  }
  const x = jwk.x
  const raw = typeof x === 'string' ? fromBase64Url(x) : undefined
  if (typeof x !== 'string' || raw?.length !== 32) {
    fail('leader.jwk.x', 'the unpadded base64url encoding of a 32-byte Ed25519 public key (43 characters)', `got ${shown(x)}`)
  }
  return { kty: 'OKP', crv: 'Ed25519', x }
}

function parsePolicy (value: unknown): RealmPolicy {
  if (value === undefined) {
    return { ...DEFAULT_REALM_POLICY }
  }
  const policy = record(value, 'policy')
  checkKeys(policy, POLICY_KEYS, 'policy')
  const allowSelfIssued = policy.allowSelfIssued ?? DEFAULT_REALM_POLICY.allowSelfIssued
  if (typeof allowSelfIssued !== 'boolean') {
    fail('policy.allowSelfIssued', 'true or false', `got ${shown(allowSelfIssued)}`)
  }
  const maxTokenTtlSeconds = policy.maxTokenTtlSeconds ?? DEFAULT_REALM_POLICY.maxTokenTtlSeconds
  if (typeof maxTokenTtlSeconds !== 'number' || !Number.isSafeInteger(maxTokenTtlSeconds) || maxTokenTtlSeconds <= 0) {
    fail('policy.maxTokenTtlSeconds', 'a positive whole number of seconds', `got ${shown(maxTokenTtlSeconds)}`)
  }
  const broadcast = policy.broadcast
  if (broadcast !== undefined && typeof broadcast !== 'boolean') {
    fail('policy.broadcast', 'true or false', `got ${shown(broadcast)}`)
  }
  return broadcast === undefined ? { allowSelfIssued, maxTokenTtlSeconds } : { allowSelfIssued, maxTokenTtlSeconds, broadcast }
}

/** Validates a list of bootstrap addresses; path names the list in errors (e.g. `bootstrap`). */
export function parseBootstrapList (value: unknown, path: string): string[] {
  if (!Array.isArray(value)) {
    fail(path, 'an array of multiaddr strings', `got ${describeType(value)}`)
  }
  if (value.length > MAX_BOOTSTRAP_ADDRESSES) {
    fail(path, `at most ${MAX_BOOTSTRAP_ADDRESSES} addresses`, `got ${value.length}`)
  }
  const out: string[] = []
  value.forEach((address: unknown, i) => {
    const problem = bootstrapAddressProblem(address)
    if (problem !== undefined) {
      fail(`${path}[${i}]`, BOOTSTRAP_ADDRESS_EXPECTED, `${shown(address)} is ${problem}`)
    }
    out.push(address as string)
  })
  return out
}

/**
 * Validates a realm descriptor (a parsed JSON value, or JSON text) and returns a normalized copy.
 * Checks every field; `id` must be the thumbprint of `leader.jwk` and `leader.peerId` the peer id of
 * that key. `bootstrap` and `policy` (or any policy field) may be omitted and then take their
 * defaults; unknown fields are refused (a typo in a policy field must not silently weaken it).
 * Throws RealmDescriptorError naming the JSON path of the first bad field and what was expected.
 */
export function parseRealmDescriptor (json: unknown): RealmDescriptor {
  let value = json
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value)
    } catch (err) {
      throw new RealmDescriptorError('', 'JSON text of an object', `invalid realm descriptor: not JSON (${err instanceof Error ? err.message : String(err)}); expected JSON text of an object`, { cause: err })
    }
  }
  const doc = record(value, '')
  checkKeys(doc, TOP_LEVEL_KEYS, '')

  if (doc.version !== 1) {
    fail('version', '1', `got ${shown(doc.version)}`)
  }
  const name = doc.name
  if (typeof name !== 'string' || !NAME.test(name)) {
    fail('name', NAME_EXPECTED, `got ${shown(name)}`)
  }

  const leader = record(doc.leader, 'leader')
  checkKeys(leader, LEADER_KEYS, 'leader')
  const jwk = parseJwk(leader.jwk)
  const publicKey = publicKeyFromRaw(fromBase64Url(jwk.x) ?? new Uint8Array())
  const expectedPeerId = peerIdFromPublicKey(publicKey).toString()
  if (leader.peerId !== expectedPeerId) {
    fail('leader.peerId', `"${expectedPeerId}", the peer id of the key in leader.jwk`, `got ${shown(leader.peerId)}`)
  }
  const expectedId = jwkThumbprint(jwk)
  if (doc.id !== expectedId) {
    fail('id', `"${expectedId}", the RFC 7638 thumbprint of leader.jwk`, `got ${shown(doc.id)}`)
  }

  const bootstrap = doc.bootstrap === undefined ? [] : parseBootstrapList(doc.bootstrap, 'bootstrap')
  const policy = parsePolicy(doc.policy)

  const createdAt = doc.createdAt
  if (typeof createdAt !== 'string' || !ISO_DATE.test(createdAt) || Number.isNaN(Date.parse(createdAt))) {
    fail('createdAt', 'an ISO 8601 date or date-time such as "2025-01-31T12:00:00.000Z"', `got ${shown(createdAt)}`)
  }

  return {
    version: 1,
    id: expectedId,
    name,
    leader: { peerId: expectedPeerId, jwk },
    bootstrap,
    policy,
    createdAt
  }
}

/** The leader's peer id. */
export function leaderPeerId (realm: RealmDescriptor): PeerId {
  return peerIdFromString(realm.leader.peerId)
}
