/**
 * Fingerprints: the kad-dht key of a peer id, and XOR distance between keys.
 *
 * fingerprint(peer) = sha256(peerId.toMultihash().bytes), exactly what @libp2p/kad-dht's
 * `convertPeerId` computes, so realmesh distances agree with the DHT's routing table.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { sha256, toHex } from './hash.js'
import { peerIdString } from './peer.js'
import type { PeerId } from '@libp2p/interface'

/**
 * fingerprints of PeerId objects already hashed: a node asks for its own and its members' again
 * and again (join decisions, NLIST answers, lookups), and a peer id never changes
 */
const known = new WeakMap<PeerId, Uint8Array>()

/** sha256 of the peer id's multihash bytes (32 bytes, a fresh copy). Throws for a string that is not a peer id. */
export function fingerprint (peer: PeerId | string): Uint8Array {
  if (typeof peer !== 'string') return sharedFingerprint(peer).slice()
  return sha256(peerIdFromString(peer).toMultihash().bytes)
}

/**
 * {@link fingerprint} of a PeerId object without the copy: the cached array itself, for a holder
 * that keeps it as long as the peer id and never writes to it (a node's member table keeps one per
 * member: the copies were a tenth of a simulated realm's heap).
 */
export function sharedFingerprint (peer: PeerId): Uint8Array {
  let fp = known.get(peer)
  if (fp == null) {
    fp = sha256(peer.toMultihash().bytes)
    known.set(peer, fp)
  }
  return fp
}

/** Lower-case hex of {@link fingerprint} (64 characters). */
export function fingerprintHex (peer: PeerId | string): string {
  return toHex(fingerprint(peer))
}

/** Byte-wise XOR of two keys of the same length. Throws a RangeError when the lengths differ. */
export function xorDistance (a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) {
    throw new RangeError(`xorDistance: keys must have the same length, got ${a.length} and ${b.length} bytes`)
  }
  const out = new Uint8Array(a.length)
  for (let i = 0; i < a.length; i++) {
    out[i] = (a[i] ?? 0) ^ (b[i] ?? 0)
  }
  return out
}

/**
 * Compares two distances as big-endian unsigned integers: negative when a < b, 0 when equal,
 * positive when a > b. Usable directly as an Array.prototype.sort comparator. A shorter array
 * compares as if left-padded with zeros.
 */
export function compareDistance (a: Uint8Array, b: Uint8Array): number {
  const length = Math.max(a.length, b.length)
  const padA = length - a.length
  const padB = length - b.length
  for (let i = 0; i < length; i++) {
    const x = i < padA ? 0 : (a[i - padA] ?? 0)
    const y = i < padB ? 0 : (b[i - padB] ?? 0)
    if (x !== y) {
      return x < y ? -1 : 1
    }
  }
  return 0
}

/**
 * Compares the XOR distances of `a` and `b` to `key` (all three of one length) without computing
 * them: negative when a is closer, 0 when a and b are equal, positive when b is closer. The same
 * order as compareDistance(xorDistance(a, key), xorDistance(b, key)), with no allocation, for
 * sorting members by distance on hot paths.
 */
export function compareXor (key: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  if (a.length !== key.length || b.length !== key.length) {
    throw new RangeError(`compareXor: keys must have the same length, got ${key.length}, ${a.length} and ${b.length} bytes`)
  }
  for (let i = 0; i < key.length; i++) {
    const x = (a[i] as number) ^ (key[i] as number)
    const y = (b[i] as number) ^ (key[i] as number)
    if (x !== y) return x < y ? -1 : 1
  }
  return 0
}

/**
 * The (at most) n peers whose fingerprints are XOR-closest to key, closest first, as peer id
 * strings. Duplicates are listed once. key must be 32 bytes (a fingerprint or a subject key).
 */
export function closestTo (key: Uint8Array, peers: Array<PeerId | string>, n: number): string[] {
  const seen = new Set<string>()
  const ranked: Array<{ id: string, distance: Uint8Array }> = []
  for (const peer of peers) {
    const id = peerIdString(peer)
    if (seen.has(id)) {
      continue
    }
    seen.add(id)
    ranked.push({ id, distance: xorDistance(fingerprint(peer), key) })
  }
  ranked.sort((a, b) => compareDistance(a.distance, b.distance))
  return ranked.slice(0, Math.max(0, n)).map(entry => entry.id)
}

/**
 * A subject's key, its stable name in the realm: sha256(utf8(realmId + '/' + subject)). Interest
 * tokens and message streams name the subject by it; in epoch 0 (a realm whose leader publishes
 * no epochs) it is also the subject's position, where its coordinators are.
 */
export function subjectKey (realmId: string, subject: string): Uint8Array {
  return sha256(`${realmId}/${subject}`)
}

/**
 * The text whose sha256 is a subject's position in an epoch with `salt`:
 * realmId + '/' + hex(salt) + '/' + hex(subject key). (A DHT lookup is asked for this text: kad-dht
 * hashes what it is asked for.) The subject's key stands in for its name, so a coordinator, which
 * only ever sees the key, can place it too.
 */
export function subjectPositionText (realmId: string, key: Uint8Array, salt: Uint8Array): string {
  return `${realmId}/${toHex(salt)}/${toHex(key)}`
}

/**
 * Where a subject's coordinators are: the subject key itself without a salt (epoch 0), else
 * sha256(subjectPositionText(realmId, key, salt)), which nobody can know before the realm leader
 * publishes the salt.
 */
export function subjectPosition (realmId: string, key: Uint8Array, salt?: Uint8Array): Uint8Array {
  return salt == null ? Uint8Array.from(key) : sha256(subjectPositionText(realmId, key, salt))
}
