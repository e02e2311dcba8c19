/**
 * Shared test fixtures: fixed keys (seeded, so every run and every vector is the same), a realm,
 * a fixed clock, and helpers to catch typed errors.
 */
import assert from 'node:assert/strict'
import { createPrivateKey, createPublicKey } from 'node:crypto'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createRealmDescriptor } from '../src/index.js'
import { signCompactJws } from '../src/jws.js'
import type { RealmDescriptor, RealmPolicy } from '../src/index.js'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import type { KeyObject } from 'node:crypto'

/** RFC 8032 section 7.1 TEST 1 secret key; also the key of RFC 8037 appendix A.1. */
export const LEADER_SEED_HEX = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'
/** RFC 8032 section 7.1 TEST 2 secret key. */
export const NODE_SEED_HEX = '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'
/** RFC 8032 section 7.1 TEST 3 secret key. */
export const IDENTITY_SEED_HEX = 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7'
/** A fourth fixed key: somebody who is not the leader. */
export const STRANGER_SEED_HEX = '0101010101010101010101010101010101010101010101010101010101010101'

/** 2023-11-14T22:13:20.000Z */
export const FIXED_NOW_MS = 1_700_000_000_000
export const FIXED_NOW_S = FIXED_NOW_MS / 1000
export const fixedNow = (): number => FIXED_NOW_MS

export async function keyFromSeed (hex: string): Promise<Ed25519PrivateKey> {
  return generateKeyPairFromSeed('Ed25519', Buffer.from(hex, 'hex'))
}

export interface Fixture {
  leader: Ed25519PrivateKey
  node: Ed25519PrivateKey
  identity: Ed25519PrivateKey
  stranger: Ed25519PrivateKey
  leaderId: string
  nodeId: string
  identityId: string
  strangerId: string
  realm: RealmDescriptor
}

export async function fixture (policy: Partial<RealmPolicy> = {}): Promise<Fixture> {
  const leader = await keyFromSeed(LEADER_SEED_HEX)
  const node = await keyFromSeed(NODE_SEED_HEX)
  const identity = await keyFromSeed(IDENTITY_SEED_HEX)
  const stranger = await keyFromSeed(STRANGER_SEED_HEX)
  return {
    leader,
    node,
    identity,
    stranger,
    leaderId: peerIdFromPrivateKey(leader).toString(),
    nodeId: peerIdFromPrivateKey(node).toString(),
    identityId: peerIdFromPrivateKey(identity).toString(),
    strangerId: peerIdFromPrivateKey(stranger).toString(),
    realm: createRealmDescriptor({ name: 'test-realm', leaderKey: leader, policy, now: fixedNow })
  }
}

/** Asserts that fn rejects (or throws) an error with this name and code; returns the error. */
export async function rejectsWith (fn: () => unknown, name: string, code: string): Promise<Error & { code: string, claim?: string, path?: string }> {
  let caught: unknown
  try {
    await fn()
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof Error, `expected an error ${name} ${code}, got ${String(caught)}`)
  const err = caught as Error & { code: string }
  assert.equal(err.name, name, `error name (message: ${err.message})`)
  assert.equal(err.code, code, `error code (message: ${err.message})`)
  return err
}

/** base64url of a JSON value. */
export function b64json (value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** A deep copy of a JSON value as a mutable plain object. */
export function jsonCopy (value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value))
}

/**
 * Sets (or, with undefined, deletes) a dotted path in a plain JSON object: setPath(doc,
 * 'leader.jwk.x', 'AAAA'). Intermediate objects must exist.
 */
export function setPath (doc: Record<string, unknown>, path: string, value: unknown): void {
  const names = path.split('.')
  const last = names.pop() ?? ''
  let target: Record<string, unknown> = doc
  for (const name of names) {
    target = target[name] as Record<string, unknown>
  }
  if (value === undefined) {
    delete target[last]
  } else {
    target[last] = value
  }
}

/** The node:crypto private KeyObject of a libp2p Ed25519 key (seed = first 32 bytes of raw). */
export function privateKeyObject (key: Ed25519PrivateKey): KeyObject {
  return createPrivateKey({
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      d: Buffer.from(key.raw.subarray(0, 32)).toString('base64url'),
      x: Buffer.from(key.publicKey.raw).toString('base64url')
    },
    format: 'jwk'
  })
}

/** The node:crypto public KeyObject of a libp2p Ed25519 key. */
export function publicKeyObject (key: Ed25519PrivateKey): KeyObject {
  return createPublicKey(privateKeyObject(key))
}

/** A compact JWS signed by key over exactly this header and payload (node:crypto, no checks). */
export function signRaw (key: Ed25519PrivateKey, header: object, payload: object): string {
  return signCompactJws(header, payload, privateKeyObject(key))
}

/** Node token claims issued by the fixture leader for the fixture node at the fixed clock, with overrides. */
export function nodeClaims (f: Fixture, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: f.leaderId,
    sub: f.nodeId,
    aud: f.realm.id,
    realm: f.realm.id,
    jti: '00000000-0000-4000-8000-000000000001',
    iat: FIXED_NOW_S,
    nbf: FIXED_NOW_S,
    exp: FIXED_NOW_S + 3600,
    ...overrides
  }
}

/** The header our issuer writes for a kind's typ and signer. */
export function header (typ: string, kid: string): Record<string, unknown> {
  return { alg: 'EdDSA', typ, kid }
}
