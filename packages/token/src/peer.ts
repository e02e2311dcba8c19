/**
 * Peer id helpers: canonical peer id strings, and the Ed25519 public key embedded in an Ed25519 peer
 * id (realmesh node, leader and identity keys are all Ed25519, so every peer id in a token carries
 * its own public key).
 */
import { createPublicKey } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import type { KeyObject } from 'node:crypto'
import type { PeerId } from '@libp2p/interface'

/** The string form of a peer id (a string is returned as given). */
export function peerIdString (peer: PeerId | string): string {
  return typeof peer === 'string' ? peer : peer.toString()
}

/** Why a string is not usable as a realmesh peer id, or undefined when it is. */
export function peerIdProblem (text: string): string | undefined {
  let parsed: PeerId
  try {
    parsed = peerIdFromString(text)
  } catch {
    return 'not a peer id'
  }
  if (parsed.type !== 'Ed25519') {
    return `a ${parsed.type} peer id, expected an Ed25519 peer id`
  }
  const canonical = parsed.toString()
  if (canonical !== text) {
    return `not in canonical form, expected "${canonical}"`
  }
  return undefined
}

interface PeerKeyEntry {
  raw: Uint8Array
  keyObject?: KeyObject
}

/**
 * Bounded memo of peer id string -> embedded Ed25519 public key. This is a derivation cache (a
 * pure function of the string), not a trust cache, so one instance is shared by every verifier.
 */
const MAX_PEER_KEYS = 4096
const peerKeys = new Map<string, PeerKeyEntry>()

function entryOf (text: string): PeerKeyEntry | undefined {
  const hit = peerKeys.get(text)
  if (hit !== undefined) {
    return hit
  }
  let parsed: PeerId
  try {
    parsed = peerIdFromString(text)
  } catch {
    return undefined
  }
  if (parsed.type !== 'Ed25519' || parsed.toString() !== text) {
    return undefined
  }
  const entry: PeerKeyEntry = { raw: parsed.publicKey.raw }
  if (peerKeys.size >= MAX_PEER_KEYS) {
    // drop the oldest insertion; peers that matter are re-derived cheaply on their next token
    const oldest = peerKeys.keys().next()
    if (oldest.done !== true) {
      peerKeys.delete(oldest.value)
    }
  }
  peerKeys.set(text, entry)
  return entry
}

/** True when the string is a canonical Ed25519 peer id (memoized). */
export function isEd25519PeerIdString (text: string): boolean {
  return entryOf(text) !== undefined
}

/**
 * The node:crypto public KeyObject embedded in a canonical Ed25519 peer id string, or undefined
 * when the string is not one. Memoized per peer id.
 */
export function publicKeyObjectOf (text: string): KeyObject | undefined {
  const entry = entryOf(text)
  if (entry === undefined) {
    return undefined
  }
  entry.keyObject ??= ed25519PublicKeyObject(entry.raw)
  return entry.keyObject
}

// DER SubjectPublicKeyInfo prefix for an Ed25519 key (RFC 8410): SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING }
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

/** A node:crypto KeyObject for a raw 32-byte Ed25519 public key. */
export function ed25519PublicKeyObject (raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' })
}
